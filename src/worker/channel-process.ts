/** Worker side of the `process` runtime's channel: the IPC channel of a forked child. */
import type { Batch } from '../protocol.js';
import type { ParentChannel } from '../transport/types.js';

export function processChannel(): ParentChannel {
  const send = process.send?.bind(process);
  if (send === undefined) throw new Error('loopfleet process bootstrap started without an IPC channel');
  return {
    send: (batch, _transfer, onSent) => {
      if (onSent === undefined) {
        send(batch);
      } else if (!process.connected) {
        onSent();
      } else {
        // The callback runs once the message is written to the IPC pipe, not when send() returns.
        send(batch, undefined, {}, () => onSent());
      }
    },
    onMessage: (handler: (batch: Batch) => void) => process.on('message', handler as (m: unknown) => void),
    exit: (code) => process.exit(code),
  };
}
