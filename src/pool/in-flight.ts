/**
 * The tasks sent to one worker and not settled yet, by id; iterated in the order they were sent.
 *
 * Why not a `Map<number, Task>`: a Map that sees an insert and a delete per task rebuilds its hash
 * table every few hundred tasks, and each table it drops still points at the tasks that were in
 * flight then. Once such a table has been promoted to the old generation, every scavenge treats
 * those pointers as live: the tasks, their promises, the callers' continuations and arguments
 * survive and are promoted in turn, until the next full GC. Measured at 400k tasks/s: more than
 * half of the parent's young generation survived each scavenge, and the GC helper threads spent
 * more CPU than the pool itself.
 *
 * Here: a direct-mapped table. Task ids come from a counter, so a task's slot is `id & mask`:
 * the ids in flight at one worker get distinct slots as long as they span less than the capacity,
 * and a slot is free again when its task settles. An id whose slot is still taken (a task that
 * runs far longer than those after it) waits in a small overflow Map; the table doubles when the
 * overflow grows. The ids are in a Float64Array, the tasks in an array whose slots are cleared as
 * tasks settle: nothing is allocated per task, and a table dropped when growing is emptied first.
 */
import type { Task } from './task.js';

const INITIAL_CAPACITY = 256;
/** The table doubles when more than capacity / OVERFLOW_RATIO tasks wait in the overflow. */
const OVERFLOW_RATIO = 16;

interface Entry {
  readonly task: Task;
  /** When it was added (for iteration in that order). */
  readonly at: number;
}

export class InFlight {
  /** Ids by slot; 0 marks a free slot (ids start at 1). */
  #keys = new Float64Array(INITIAL_CAPACITY);
  #tasks: (Task | undefined)[] = new Array<Task | undefined>(INITIAL_CAPACITY).fill(undefined);
  #order = new Float64Array(INITIAL_CAPACITY);
  #mask = INITIAL_CAPACITY - 1;
  #size = 0;
  #added = 0;
  /** Tasks whose slot was taken when they were added. */
  #overflow: Map<number, Entry> | undefined;

  get size(): number {
    return this.#size;
  }

  get(id: number): Task | undefined {
    const slot = id & this.#mask;
    if (this.#keys[slot] === id) return this.#tasks[slot];
    return this.#overflow?.get(id)?.task;
  }

  /** Adds a task whose id is not in the table. */
  add(task: Task): void {
    this.#size++;
    if (this.#place(task, ++this.#added) && (this.#overflow as Map<number, Entry>).size * OVERFLOW_RATIO > this.#keys.length) {
      this.#grow();
    }
  }

  /** Removes the task with this id; false if there was none. */
  delete(id: number): boolean {
    const slot = id & this.#mask;
    if (this.#keys[slot] === id) {
      this.#keys[slot] = 0;
      this.#tasks[slot] = undefined;
    } else if (this.#overflow?.delete(id) !== true) {
      return false;
    }
    this.#size--;
    return true;
  }

  /** The tasks, in the order they were added. O(n log n): for crashes and reports, not the hot path. */
  values(): Task[] {
    const found: Entry[] = this.#overflow === undefined ? [] : [...this.#overflow.values()];
    const keys = this.#keys;
    for (let i = 0; i < keys.length; i++) if (keys[i] !== 0) found.push({ task: this.#tasks[i] as Task, at: this.#order[i] as number });
    return found.sort((a, b) => a.at - b.at).map((e) => e.task);
  }

  forEach(visit: (task: Task) => void): void {
    for (const task of this.values()) visit(task);
  }

  clear(): void {
    this.#keys.fill(0);
    this.#tasks.fill(undefined);
    this.#overflow = undefined;
    this.#size = 0;
  }

  /** Puts a task in its slot, or in the overflow when the slot is taken (returns true then). */
  #place(task: Task, at: number): boolean {
    const slot = task.id & this.#mask;
    if (this.#keys[slot] !== 0) {
      (this.#overflow ??= new Map()).set(task.id, { task, at });
      return true;
    }
    this.#keys[slot] = task.id;
    this.#tasks[slot] = task;
    this.#order[slot] = at;
    return false;
  }

  #grow(): void {
    const keys = this.#keys;
    const tasks = this.#tasks;
    const order = this.#order;
    const overflow = this.#overflow;
    const capacity = keys.length * 2;
    this.#keys = new Float64Array(capacity);
    this.#tasks = new Array<Task | undefined>(capacity).fill(undefined);
    this.#order = new Float64Array(capacity);
    this.#mask = capacity - 1;
    this.#overflow = undefined;
    for (let i = 0; i < keys.length; i++) if (keys[i] !== 0) this.#place(tasks[i] as Task, order[i] as number);
    if (overflow !== undefined) for (const e of overflow.values()) this.#place(e.task, e.at);
    // The old array and overflow are garbage now; emptied, they cannot keep tasks alive (see above).
    tasks.fill(undefined);
    overflow?.clear();
  }
}
