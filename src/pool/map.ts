/**
 * `pool.map()`: runs a task over an iterable or async iterable with bounded concurrency, pulling
 * input only as capacity frees up, and yields the results as an async iterator.
 */
import { availableParallelism } from 'node:os';
import { Deque } from '../deque.js';
import { describe, InvalidArgTypeError, InvalidArgValueError } from '../errors.js';

export interface MapOptions {
  /**
   * Yield results in input order (a slow item holds back the results after it), or as they
   * complete.
   * @default true
   */
  readonly ordered?: boolean | undefined;
  /**
   * How many items may be between "pulled from the input" and "handed to you": running, or
   * finished and waiting for their turn (ordered) or for your `next()`. This bounds memory too: a
   * consumer that stops pulling stops the input. An integer >= 1, or `Infinity`.
   * @default twice the number of CPUs (`os.availableParallelism()`); `pool.map` passes `size × concurrency`
   */
  readonly concurrency?: number | undefined;
  /**
   * Yield a {@link MapResult} per item, failed ones included, instead of failing on the first error.
   * @default false
   */
  readonly collectErrors?: boolean | undefined;
  /** Aborting stops the map: in-flight runs are aborted, the input is closed, `next()` rejects with the reason. */
  readonly signal?: AbortSignal | undefined;
}

/** One item's outcome with `collectErrors: true`; `index` is its position in the input. */
export type MapResult<R> =
  | { readonly ok: true; readonly value: R; readonly index: number }
  | { readonly ok: false; readonly error: unknown; readonly index: number };

/** Runs one item; must abort the work when `signal` aborts (`pool.map` passes it to `pool.run`). */
export type MapRun<A, R> = (arg: A, options: { signal: AbortSignal }) => Promise<R>;

export const DEFAULT_MAP_CONCURRENCY = Math.max(2, 2 * availableParallelism());

const KEYS = ['ordered', 'concurrency', 'collectErrors', 'signal'];
/** Items pulled in a row before the pump yields to the event loop once (see MapIterator#pump). */
const PULL_BURST = 1024;

/**
 * Maps `inputs` through `run`, at most `concurrency` items at a time. Fails fast: the first
 * failed item (or an input that throws) aborts the runs in flight, closes the input (its
 * `return()`, so a generator's `finally` runs) and rejects the next `next()`; after that the
 * iterator is done. Stopping early (`break`, `return()`) aborts the runs in flight and closes the
 * input too. Throws the argument errors at once for bad arguments.
 */
export function mapTasks<A, R>(run: MapRun<A, R>, inputs: Iterable<A> | AsyncIterable<A>, options: MapOptions & { collectErrors: true }): AsyncIterableIterator<MapResult<R>>;
export function mapTasks<A, R>(run: MapRun<A, R>, inputs: Iterable<A> | AsyncIterable<A>, options?: MapOptions & { collectErrors?: false | undefined }): AsyncIterableIterator<R>;
export function mapTasks<A, R>(run: MapRun<A, R>, inputs: Iterable<A> | AsyncIterable<A>, options?: MapOptions): AsyncIterableIterator<R | MapResult<R>>;
export function mapTasks<A, R>(run: MapRun<A, R>, inputs: Iterable<A> | AsyncIterable<A>, options: MapOptions = {}): AsyncIterableIterator<R | MapResult<R>> {
  if (typeof run !== 'function') throw new InvalidArgTypeError(`Expected \`run\` to be a function, got ${describe(run)}`);
  const source = inputs as Partial<Iterable<A> & AsyncIterable<A>> | null | undefined;
  const iterate = source?.[Symbol.asyncIterator] ?? source?.[Symbol.iterator];
  if (typeof iterate !== 'function') throw new InvalidArgTypeError(`Expected \`inputs\` to be an iterable or async iterable, got ${describe(inputs)}`);
  if (options === null || typeof options !== 'object') throw new InvalidArgTypeError(`Expected map \`options\` to be an object, got ${describe(options)}`);
  for (const key in options) {
    if (!KEYS.includes(key)) throw new InvalidArgValueError(`Unknown map option \`${key}\`; known options: ${KEYS.join(', ')}`);
  }
  const { ordered = true, concurrency = DEFAULT_MAP_CONCURRENCY, collectErrors = false, signal } = options;
  for (const [name, value] of [['ordered', ordered], ['collectErrors', collectErrors]] as const) {
    if (typeof value !== 'boolean') throw new InvalidArgTypeError(`Expected \`${name}\` to be a boolean, got ${describe(value)}`);
  }
  if (typeof concurrency !== 'number') throw new InvalidArgTypeError(`Expected \`concurrency\` to be an integer >= 1 or Infinity, got ${describe(concurrency)}`);
  if (!(concurrency === Infinity || (Number.isInteger(concurrency) && concurrency >= 1))) {
    throw new InvalidArgValueError(`Expected \`concurrency\` to be an integer >= 1 or Infinity, got ${describe(concurrency)}`);
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw new InvalidArgTypeError(`Expected \`signal\` to be an AbortSignal, got ${describe(signal)}`);
  const input = (iterate as (this: unknown) => Iterator<A> | AsyncIterator<A>).call(inputs);
  return new MapIterator(run, input, ordered, concurrency, collectErrors, signal);
}

/**
 * `inputs`, ending early once `open()` turns false (pulling nothing more; the original is closed).
 * Anything that is not iterable passes through unchanged, for mapTasks to refuse.
 */
export function whileOpen<A>(inputs: Iterable<A> | AsyncIterable<A>, open: () => boolean): Iterable<A> | AsyncIterable<A> {
  const source = inputs as Partial<Iterable<A> & AsyncIterable<A>> | null | undefined;
  if (typeof source?.[Symbol.asyncIterator] === 'function') {
    return (async function* () {
      for await (const item of inputs as AsyncIterable<A>) {
        if (!open()) return;
        yield item;
      }
    })();
  }
  if (typeof source?.[Symbol.iterator] !== 'function') return inputs;
  return (function* () {
    for (const item of inputs as Iterable<A>) {
      if (!open()) return;
      yield item;
    }
  })();
}

/** An iterator whose first `next()` rejects with `error`: how pool methods that return iterators report bad calls. */
export function failedIterator<T>(error: unknown): AsyncIterableIterator<T> {
  let failed = false;
  return {
    next: () => {
      if (failed) return Promise.resolve(DONE);
      failed = true;
      return Promise.reject(error);
    },
    return: () => {
      failed = true;
      return Promise.resolve(DONE);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

interface Consumer<Y> {
  resolve(result: IteratorResult<Y, undefined>): void;
  reject(error: unknown): void;
}

const DONE: IteratorResult<never, undefined> = Object.freeze({ done: true, value: undefined });
/** Replaces the error once a next() has been rejected with it: later calls get `done`. */
const DELIVERED: unique symbol = Symbol('delivered');

class MapIterator<A, R> implements AsyncIterableIterator<R | MapResult<R>> {
  readonly #controller = new AbortController();
  #state: 'idle' | 'running' | 'failed' | 'done' = 'idle';
  #error: unknown;
  #closing: Promise<void> | undefined; // the input's return(), awaited before the error is reported
  /** Slots held: an input pull in progress, runs in flight, results not yet handed out. */
  #active = 0;
  #pulling = false;
  #pull: Promise<IteratorResult<A>> | undefined; // the input's next() in flight, async inputs
  #inputDone = false; // exhausted, threw, or closed by us
  #nextIndex = 0;
  #yieldIndex = 0;
  readonly #finished = new Map<number, MapResult<R>>(); // ordered: results by index
  readonly #completed = new Deque<MapResult<R>>(); // unordered: in completion order
  readonly #consumers = new Deque<Consumer<R | MapResult<R>>>();
  readonly #onAbort = (): void => this.#fail((this.#signal as AbortSignal).reason);

  #pumpScheduled = false;
  #pulledThisTurn = 0;
  readonly #run: MapRun<A, R>;
  readonly #input: Iterator<A> | AsyncIterator<A>;
  readonly #ordered: boolean;
  readonly #concurrency: number;
  readonly #collectErrors: boolean;
  readonly #signal: AbortSignal | undefined;

  constructor(run: MapRun<A, R>, input: Iterator<A> | AsyncIterator<A>, ordered: boolean, concurrency: number, collectErrors: boolean, signal: AbortSignal | undefined) {
    this.#run = run;
    this.#input = input;
    this.#ordered = ordered;
    this.#concurrency = concurrency;
    this.#collectErrors = collectErrors;
    this.#signal = signal;
    signal?.addEventListener('abort', this.#onAbort, { once: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<R | MapResult<R>, undefined>> {
    if (this.#state === 'idle') {
      this.#state = 'running';
      if (this.#signal?.aborted === true) this.#fail(this.#signal.reason);
      else this.#pump();
    }
    return new Promise((resolve, reject) => {
      this.#consumers.push({ resolve, reject });
      this.#deliver();
    });
  }

  async return(): Promise<IteratorResult<R | MapResult<R>, undefined>> {
    if (this.#state === 'idle' || this.#state === 'running') {
      this.#stop('done');
      this.#controller.abort();
      const closing = this.#closeInput(true);
      this.#deliver();
      await closing;
    }
    return DONE;
  }

  /**
   * Pulls input while there is capacity; loops (not recursion) over a synchronous input. After
   * PULL_BURST pulls the pump yields to the event loop once (a setImmediate, where the count
   * starts again; one yield per PULL_BURST items, however they came): with `concurrency: Infinity` an endless synchronous generator would otherwise
   * be pulled forever, by this loop and by the results that settle in microtasks and pump again,
   * and nothing (the consumer, `break`, an abort, `close()`) could ever run.
   */
  #pump(): void {
    while (this.#state === 'running' && !this.#pulling && !this.#inputDone && this.#active < this.#concurrency) {
      if (this.#pulledThisTurn >= PULL_BURST) {
        if (!this.#pumpScheduled) {
          this.#pumpScheduled = true;
          setImmediate(() => {
            this.#pumpScheduled = false;
            this.#pulledThisTurn = 0;
            this.#pump();
          });
        }
        return;
      }
      this.#pulledThisTurn++;
      this.#active++;
      this.#pulling = true;
      let pulled: IteratorResult<A> | Promise<IteratorResult<A>>;
      try {
        pulled = this.#input.next();
      } catch (error) {
        this.#inputFailed(error);
        return;
      }
      if (typeof (pulled as Partial<PromiseLike<unknown>>).then === 'function') {
        this.#pull = pulled as Promise<IteratorResult<A>>;
        this.#pull.then(
          (result) => {
            if (this.#accept(result)) this.#pump();
          },
          (error: unknown) => this.#inputFailed(error),
        );
        return;
      }
      this.#accept(pulled as IteratorResult<A>);
    }
  }

  /** Starts a run for a pulled item; returns whether pulling may go on. */
  #accept(result: IteratorResult<A>): boolean {
    this.#pulling = false;
    if (this.#state !== 'running') return false; // stopped while pulling: #closeInput closes it
    if (result.done === true) {
      this.#inputDone = true;
      this.#active--;
      this.#deliver();
      return false;
    }
    const index = this.#nextIndex++;
    let running: Promise<R>;
    try {
      running = Promise.resolve(this.#run(result.value, { signal: this.#controller.signal }));
    } catch (error) {
      running = Promise.reject(error);
    }
    running.then(
      (value) => this.#settled({ ok: true, value, index }),
      (error: unknown) => this.#settled({ ok: false, error, index }),
    );
    return true;
  }

  #settled(outcome: MapResult<R>): void {
    if (this.#state !== 'running') return; // stopped: the run was aborted, its outcome is moot
    if (!outcome.ok && !this.#collectErrors) return this.#fail(outcome.error);
    if (this.#ordered) this.#finished.set(outcome.index, outcome);
    else this.#completed.push(outcome);
    this.#deliver();
  }

  #inputFailed(error: unknown): void {
    this.#pulling = false;
    this.#inputDone = true; // an iterator that threw is finished: no return() on it
    this.#fail(error);
  }

  #fail(error: unknown): void {
    if (this.#state === 'failed' || this.#state === 'done') return;
    this.#stop('failed');
    this.#error = error;
    this.#controller.abort(error);
    this.#closing = this.#closeInput(false);
    this.#deliver();
  }

  #stop(state: 'failed' | 'done'): void {
    this.#state = state;
    this.#signal?.removeEventListener('abort', this.#onAbort);
    this.#finished.clear();
    while (this.#completed.length > 0) this.#completed.shift();
  }

  /**
   * Calls the input's return() unless it is finished; with a pull in flight, once that lands (a
   * running generator cannot be closed) and only if it did not end the input. Errors from
   * return() reach the caller of our return(); after a failure the first error wins.
   */
  #closeInput(propagate: boolean): Promise<void> {
    if (this.#inputDone) return Promise.resolve();
    this.#inputDone = true;
    const input = this.#input;
    const open = this.#pulling ? (this.#pull as Promise<IteratorResult<A>>).then((r) => r.done !== true, () => false) : Promise.resolve(true);
    const closed = open.then(async (isOpen) => {
      if (isOpen) await input.return?.();
    });
    return propagate ? closed : closed.catch(() => {});
  }

  /** Hands results (or the end, or the error) to waiting next() calls, in call order. */
  #deliver(): void {
    const consumers = this.#consumers;
    while (consumers.length > 0) {
      if (this.#state === 'failed' || this.#state === 'done') {
        const consumer = consumers.shift() as Consumer<R | MapResult<R>>;
        const error = this.#error;
        const first = this.#state === 'failed' && error !== DELIVERED;
        if (first) this.#error = DELIVERED;
        // After the input has closed, so that its `finally` has run when the error arrives.
        void (this.#closing ?? Promise.resolve()).then(() => (first ? consumer.reject(error) : consumer.resolve(DONE)));
        continue;
      }
      const outcome = this.#take();
      if (outcome === undefined) {
        if (this.#inputDone && this.#active === 0 && this.#state === 'running') this.#stop('done');
        else break;
        continue;
      }
      this.#active--;
      (consumers.shift() as Consumer<R | MapResult<R>>).resolve({ done: false, value: this.#collectErrors ? outcome : (outcome as { value: R }).value });
    }
    this.#pump();
  }

  #take(): MapResult<R> | undefined {
    if (!this.#ordered) return this.#completed.shift();
    const outcome = this.#finished.get(this.#yieldIndex);
    if (outcome !== undefined) {
      this.#finished.delete(this.#yieldIndex);
      this.#yieldIndex++;
    }
    return outcome;
  }
}
