/** Worker side of the `thread` runtime's channel. */
import { parentPort, type TransferListItem } from 'node:worker_threads';
import type { Batch } from '../protocol.js';
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
  };
}
