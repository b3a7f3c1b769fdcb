/** The process runtime's use of the wire format: there is no shared memory between processes. */
import { Kind } from '../protocol.js';

/**
 * Whether a batch is worth encoding where the bytes cannot be shared (the process runtime, over
 * IPC): there every encoded batch costs an ArrayBuffer on each side, about what cloning a few
 * small objects costs, so a round trip of one task (one or two records) is sent as it is, and
 * only batches of several tasks, where encoding saves the most, are encoded.
 */
export function worthEncoding(batch: readonly unknown[]): boolean {
  if (batch.length > 8) return true;
  for (let i = 0; i < batch.length; i += 4) {
    const kind = batch[i];
    if (kind === Kind.RunMany || kind === Kind.PutMany || kind === Kind.OkMany) return true;
  }
  return false;
}

/** A message that is a batch as it is, not in the wire format (see worthEncoding). */
export function isPlainBatch(message: unknown): message is unknown[] {
  return Array.isArray(message) && !(message[0] instanceof ArrayBuffer);
}
