/**
 * Worker side of the `process` runtime's channel: framed batches on two one-way pipes the parent
 * set up (ProcessFd; see transport/process.ts and wire/frames.ts).
 */
import { Socket } from 'node:net';
import { serializeError } from '../error-codec.js';
import { Kind, ProcessFd, type Batch } from '../protocol.js';
import type { ParentChannel } from '../transport/types.js';
import { WireDecoder } from '../wire/decoder.js';
import { WireEncoder } from '../wire/encoder.js';
import { frame, FrameReader } from '../wire/frames.js';
import type { Wire } from '../wire/tags.js';

export function processChannel(): ParentChannel {
  let input: Socket;
  let pipe: Socket;
  try {
    input = new Socket({ fd: ProcessFd.ToWorker, readable: true, writable: false });
    pipe = new Socket({ fd: ProcessFd.FromWorker, readable: false, writable: true });
  } catch (err) {
    throw new Error(`loopfleet process bootstrap started without its channel (fds ${ProcessFd.ToWorker} and ${ProcessFd.FromWorker})`, { cause: err });
  }
  // No orphans: when the parent goes away (even by SIGKILL), its pipe ends, and a write to the
  // other fails (EPIPE).
  input.on('end', () => process.exit(0));
  input.on('error', () => process.exit(0));
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
      input.on('data', (chunk: Buffer) => reader.push(chunk));
    },
    exit: (code) => process.exit(code),
  };
}
