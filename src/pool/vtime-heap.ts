/**
 * The binary min-heap behind a priority level that has series (see priority-queue.ts): nodes
 * ordered by (virtual time, arrival), each knowing its index so that removal is O(log n).
 */

export class HeapNode<T, L> {
  index = -1;
  constructor(
    readonly item: T,
    readonly vt: number,
    readonly seq: number,
    readonly series: unknown,
    readonly level: L,
  ) {}
}

type Node = HeapNode<unknown, unknown>;

const before = (a: Node, b: Node): boolean => a.vt < b.vt || (a.vt === b.vt && a.seq < b.seq);

export function heapPush<N extends Node>(heap: N[], node: N): void {
  node.index = heap.length;
  heap.push(node);
  siftUp(heap, node.index);
}

/**
 * Removes the root. Floyd's bottom-up variant: the hole sinks to a leaf along the smaller
 * children (one comparison per level instead of two), then the last node rises from there,
 * which is usually a step or none, as it came from the bottom. Half the comparisons, and
 * comparisons (two node loads each) are most of the cost.
 */
export function heapPop<N extends Node>(heap: N[]): N {
  const top = heap[0] as N;
  const last = heap.pop() as N;
  top.index = -1;
  if (last === top) return top;
  const n = heap.length;
  let i = 0;
  for (let c = 1; c < n; c = 2 * i + 1) {
    if (c + 1 < n && before(heap[c + 1] as N, heap[c] as N)) c++;
    const child = heap[c] as N;
    heap[i] = child;
    child.index = i;
    i = c;
  }
  heap[i] = last;
  siftUp(heap, i);
  return top;
}

export function heapRemove<N extends Node>(heap: N[], node: N): void {
  const last = heap.pop() as N;
  const i = node.index;
  node.index = -1;
  if (last === node) return;
  heap[i] = last;
  last.index = i;
  if (i > 0 && before(last, heap[(i - 1) >> 1] as N)) siftUp(heap, i);
  else siftDown(heap, i);
}

function siftUp<N extends Node>(heap: N[], i: number): void {
  const node = heap[i] as N;
  while (i > 0) {
    const p = (i - 1) >> 1;
    const parent = heap[p] as N;
    if (!before(node, parent)) break;
    heap[i] = parent;
    parent.index = i;
    i = p;
  }
  heap[i] = node;
  node.index = i;
}

function siftDown<N extends Node>(heap: N[], i: number): void {
  const node = heap[i] as N;
  const n = heap.length;
  for (;;) {
    let c = 2 * i + 1;
    if (c >= n) break;
    const right = c + 1;
    if (right < n && before(heap[right] as N, heap[c] as N)) c = right;
    const child = heap[c] as N;
    if (!before(child, node)) break;
    heap[i] = child;
    child.index = i;
    i = c;
  }
  heap[i] = node;
  node.index = i;
}
