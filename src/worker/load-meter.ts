/**
 * What a worker tells the parent about its load: tasks completed and time spent busy, for the
 * parent's adaptive prefetch (Load records), and, with `maxHeapMB`, that it wants to be recycled
 * (a Recycle record). Kept apart from the runtime, which only says when work starts, stops and
 * completes.
 */
import { Kind } from '../protocol.js';
import type { Output } from './output.js';

/** How often, at most, the heap is checked against `maxHeapMB`. */
const HEAP_CHECK_INTERVAL_MS = 100;
/**
 * Least time between two load reports (the parent's adaptive prefetch averages them anyway): a
 * report on every flush made each answer of a one-task round trip a record longer.
 */
const LOAD_REPORT_INTERVAL_MS = 1;

export class LoadMeter {
  #completed = 0;
  #busyMs = 0;
  /** When the worker last went from idle to busy (performance.now()), or -1 while idle. */
  #busySince = -1;
  /** When it last went idle: the clock a report made while idle uses (one read fewer per task). */
  #idleAt = 0;
  /** When the last load report left; the first goes out with the first answer. */
  #loadAt = -Infinity;
  #lastHeapCheck = 0;
  #recycleAsked = false;
  /** Heap bound in bytes; 0 = none. */
  #maxHeap = 0;
  #getHeapStatistics: (() => { used_heap_size: number }) | undefined;

  /** `maxHeapMB` from the Boot record; node:v8 is loaded only when there is a bound. */
  async configure(maxHeapMB: number): Promise<void> {
    if (maxHeapMB <= 0) return;
    this.#getHeapStatistics = (await import('node:v8')).getHeapStatistics;
    this.#maxHeap = maxHeapMB * 1024 * 1024;
  }

  /** Work arrived: the busy clock runs from now if it was not running. */
  busy(): void {
    if (this.#busySince < 0) this.#busySince = performance.now();
  }

  /** Nothing runs or waits any more: the busy clock stops. */
  idle(): void {
    if (this.#busySince < 0) return;
    const now = performance.now();
    this.#busyMs += now - this.#busySince;
    this.#busySince = -1;
    this.#idleAt = now;
  }

  completed(): void {
    this.#completed++;
  }

  /** Called at each flush: writes a load report when one is due, and a recycle request once. */
  report(out: Output): void {
    const heapWatched = this.#getHeapStatistics !== undefined && !this.#recycleAsked;
    if (this.#completed === 0 && !heapWatched) return;
    // Idle with answers to report: idle() has just read the clock (at the end of the work being
    // reported), so its reading will do. The heap check keeps a fresh clock: a worker that only
    // puts messages never goes through idle() at all.
    const now = this.#busySince < 0 && !heapWatched ? this.#idleAt : performance.now();
    if (this.#completed > 0) {
      if (this.#busySince >= 0) {
        this.#busyMs += now - this.#busySince;
        this.#busySince = now;
      }
      if (now - this.#loadAt >= LOAD_REPORT_INTERVAL_MS) {
        out.write(Kind.Load, this.#completed, this.#busyMs, 0);
        this.#completed = 0;
        this.#busyMs = 0;
        this.#loadAt = now;
      }
    }
    // On every flush, not only those with answers: a worker that only streams items or puts
    // messages must be recycled too.
    if (heapWatched) this.#checkHeap(now, out);
  }

  #checkHeap(now: number, out: Output): void {
    const stats = this.#getHeapStatistics as () => { used_heap_size: number };
    if (now - this.#lastHeapCheck < HEAP_CHECK_INTERVAL_MS) return;
    this.#lastHeapCheck = now;
    if (stats().used_heap_size > this.#maxHeap) {
      this.#recycleAsked = true;
      out.write(Kind.Recycle, 0, 'memory', 0);
    }
  }
}
