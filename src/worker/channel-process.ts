/** Worker side of the `process` runtime's channel: the IPC channel of a forked child. */
import type { Batch } from '../protocol.js';
import type { ParentChannel } from '../transport/types.js';

export function processChannel(): ParentChannel {
  const send = process.send?.bind(process);
  if (send === undefined) throw new Error('loopfleet process bootstrap started without an IPC channel');
  return {
    send: (batch) => {
      send(batch);
    },
    sendAndFlush: (batch, done) => {
      if (!process.connected) return done();
      send(batch, undefined, {}, () => done());
    },
    onMessage: (handler: (batch: Batch) => void) => process.on('message', handler as (m: unknown) => void),
    exit: (code) => process.exit(code),
  };
}
