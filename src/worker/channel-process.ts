/**
 * Worker side of the `process` runtime's channel: framed batches on fd 3, a pipe the parent set
 * up (see transport/process.ts and wire/frames.ts).
 */
import { Socket } from 'node:net';
import { serializeError } from '../error-codec.js';
import { Kind, type Batch } from '../protocol.js';
import type { ParentChannel } from '../transport/types.js';
import { WireDecoder } from '../wire/decoder.js';
import { WireEncoder } from '../wire/encoder.js';
import { frame, FrameReader } from '../wire/frames.js';
import type { Wire } from '../wire/tags.js';

/** The pipe's fd in a worker process (CHANNEL_FD in transport/process.ts). */
const CHANNEL_FD = 3;

export function processChannel(): ParentChannel {
  let pipe: Socket;
  try {
    pipe = new Socket({ fd: CHANNEL_FD, readable: true, writable: true, allowHalfOpen: false });
  } catch (err) {
    throw new Error(`loopfleet process bootstrap started without its channel (fd ${CHANNEL_FD})`, { cause: err });
  }
  // No orphans: when the parent goes away (even by SIGKILL), the pipe ends. A write to it then
  // fails (EPIPE) the same way.
  pipe.on('end', () => process.exit(0));
  pipe.on('error', () => process.exit(0));
  const encoder = new WireEncoder(undefined, true);
  const decoder = new WireDecoder();
  const post = (wire: Wire, onSent: (() => void) | undefined): void => {
    const bytes = frame(wire);
    if (onSent === undefined) pipe.write(bytes);
    else if (!pipe.writable) onSent();
    // The callback runs once the bytes are written to the pipe, not when write() returns.
    else pipe.write(bytes, () => onSent());
  };
  const send = (batch: Batch, onSent?: () => void): void => encoder.send(batch, post, onSent);
  return {
    send: (batch, _transfer, onSent) => send(batch, onSent),
    onMessage: (handler: (batch: Batch) => void) => {
      // Bytes that do not decode (a bug on one side): the channel is out of step. The worker
      // reports the error as fatal and exits, explicitly: a throw could be swallowed by a user's
      // 'uncaughtException' handler, leaving tasks pending for good.
      const reader = new FrameReader(decoder, handler, (err) => {
        try {
          send([Kind.Fatal, 0, serializeError(err), 0], () => process.exit(1));
        } catch {
          process.exit(1);
        }
      });
      pipe.on('data', (chunk: Buffer) => reader.push(chunk));
    },
    exit: (code) => process.exit(code),
  };
}
