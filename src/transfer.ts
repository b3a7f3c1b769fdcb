/**
 * Checks a transfer list before postMessage. Why: on Node 20, postMessage with an ArrayBuffer
 * that was already transferred (detached), or listed twice, neither throws nor delivers: the
 * whole batch would vanish and every task in it would hang. Used only when a list is given.
 */
import type { TransferListItem } from 'node:worker_threads';

/** What is wrong with `list`, or undefined; `seen` collects what this batch transfers already. */
export function transferProblem(list: readonly TransferListItem[], seen: Set<unknown>): string | undefined {
  for (const item of list) {
    if (seen.has(item)) return 'an ArrayBuffer that is already being transferred in the same message';
    if (item instanceof ArrayBuffer && item.byteLength === 0 && isDetached(item)) return 'an ArrayBuffer that was already transferred (detached)';
  }
  for (const item of list) seen.add(item);
  return undefined;
}

function isDetached(buffer: ArrayBuffer): boolean {
  try {
    new Uint8Array(buffer);
    return false;
  } catch {
    return true;
  }
}
