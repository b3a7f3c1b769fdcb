/** Worker side of the `thread` runtime's channel. */
import { parentPort, workerData, type TransferListItem } from 'node:worker_threads';
import { StartGate, type Batch } from '../protocol.js';
import type { ParentChannel } from '../transport/types.js';

export function threadChannel(): ParentChannel {
  const port = parentPort;
  if (port === null) throw new Error('loopfleet thread bootstrap started outside a worker thread');
  return {
    send: (batch, transfer, onSent) => {
      if (transfer === undefined || transfer.length === 0) port.postMessage(batch);
      else port.postMessage(batch, transfer as TransferListItem[]);
      // postMessage hands the message to the receiving port synchronously: it has left.
      onSent?.();
    },
    onMessage: (handler: (batch: Batch) => void) => port.on('message', handler),
    exit: (code) => process.exit(code),
    // The start gate (StartGate in protocol.ts): Booting -> Loading, unless the parent made it
    // Cancelled first. A worker started without one (never by the pool) just loads.
    claimStart: () => {
      const gate = (workerData as { loopfleetStartGate?: unknown } | null)?.loopfleetStartGate;
      return !(gate instanceof Int32Array) || Atomics.compareExchange(gate, 0, StartGate.Booting, StartGate.Loading) === StartGate.Booting;
    },
  };
}
