/** Worker side of the `thread` runtime's channel. */
import { parentPort, workerData, type TransferListItem } from 'node:worker_threads';
import { WireDecoder } from '../wire/decoder.js';
import { WireEncoder } from '../wire/encoder.js';
import { RingReader, RingWriter } from '../wire/ring.js';
import type { Wire } from '../wire/tags.js';
import { serializeError } from '../error-codec.js';
import { Kind, StartGate, type Batch } from '../protocol.js';
import type { ParentChannel } from '../transport/types.js';

export function threadChannel(): ParentChannel {
  const port = parentPort;
  if (port === null) throw new Error('loopfleet thread bootstrap started outside a worker thread');
  const shared = workerData as { loopfleetStartGate?: unknown; loopfleetRings?: unknown } | null;
  // A worker started without rings (never by the pool) sends ArrayBuffers, and gets no offsets.
  const rings = Array.isArray(shared?.loopfleetRings) ? (shared.loopfleetRings as SharedArrayBuffer[]) : undefined;
  const encoder = new WireEncoder(rings?.[1] && new RingWriter(rings[1]));
  const decoder = new WireDecoder(rings?.[0] && new RingReader(rings[0]));
  const post = (wire: Wire, transfer: readonly TransferListItem[] | undefined): void => {
    if (transfer === undefined || transfer.length === 0) port.postMessage(wire);
    else port.postMessage(wire, transfer as TransferListItem[]);
  };
  const send = (batch: Batch, transfer?: readonly TransferListItem[]): void => encoder.send(batch, post, transfer);
  // The channel cannot go on once a message from the parent is lost (it could not be
  // deserialised; rare, Node's docs name objects received in a vm.Context) or its bytes do not
  // decode (a bug on one side): later batches may use strings interned in it (src/wire). The
  // worker reports the error as fatal and exits, explicitly: a throw could be swallowed by a
  // user's 'uncaughtException' handler, leaving tasks pending for good.
  const fail = (err: unknown): void => {
    try {
      send([Kind.Fatal, 0, serializeError(err), 0]);
    } finally {
      process.exit(1);
    }
  };
  return {
    send: (batch, transfer, onSent) => {
      send(batch, transfer);
      // postMessage hands the message to the receiving port synchronously: it has left.
      onSent?.();
    },
    onMessage: (handler: (batch: Batch) => void) => {
      port.on('message', (wire: Wire) => {
        let batch: Batch;
        try {
          batch = decoder.decode(wire);
        } catch (err) {
          return fail(err);
        }
        handler(batch);
      });
      port.on('messageerror', fail);
    },
    exit: (code) => process.exit(code),
    // The start gate (StartGate in protocol.ts): Booting -> Loading, unless the parent made it
    // Cancelled first. A worker started without one (never by the pool) just loads.
    claimStart: () => {
      const gate = shared?.loopfleetStartGate;
      return !(gate instanceof Int32Array) || Atomics.compareExchange(gate, 0, StartGate.Booting, StartGate.Loading) === StartGate.Booting;
    },
  };
}
