/** Worker side of the `process` runtime's channel: the IPC channel of a forked child. */
import type { Batch } from '../protocol.js';
import type { ParentChannel } from '../transport/types.js';
import { WireDecoder } from '../wire/decoder.js';
import { WireEncoder } from '../wire/encoder.js';
import { isPlainBatch, worthEncoding } from '../wire/ipc.js';
import type { Wire } from '../wire/tags.js';

export function processChannel(): ParentChannel {
  const send = process.send?.bind(process);
  if (send === undefined) throw new Error('loopfleet process bootstrap started without an IPC channel');
  // Batches of several tasks travel in the wire format (src/wire), see transport/process.ts.
  const encoder = new WireEncoder();
  const decoder = new WireDecoder();
  const post = (wire: Wire, onSent: (() => void) | undefined): void => {
    if (onSent === undefined) {
      send(wire);
    } else if (!process.connected) {
      onSent();
    } else {
      // The callback runs once the message is written to the IPC pipe, not when send() returns.
      send(wire, undefined, {}, () => onSent());
    }
  };
  return {
    send: (batch, _transfer, onSent) => {
      if (worthEncoding(batch)) encoder.send(batch, post, onSent);
      else post(batch, onSent);
    },
    onMessage: (handler: (batch: Batch) => void) => process.on('message', (wire: Wire) => handler(isPlainBatch(wire) ? wire : decoder.decode(wire))),
    exit: (code) => process.exit(code),
  };
}
