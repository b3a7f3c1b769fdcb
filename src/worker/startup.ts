/**
 * A worker's start-up, from the Boot record to Ready: load the user's module, build the context
 * every task and hook receives, run `init`, replay the sticky broadcasts. Kept apart from the
 * runtime, which decodes batches and runs tasks; it learns of the module and the context as soon
 * as they exist (a Close or message credit may arrive while `init` runs).
 */
import { UnknownTaskError } from '../errors.js';
import type { BootData, FailPhase } from '../protocol.js';
import type { TaskFunction, WorkerContext, WorkerDefinition } from './define.js';
import type { LoadMeter } from './load-meter.js';
import { loadDefinition } from './load.js';
import { MessageOutbox } from './outbox.js';

/** The user's module, once loaded, and what the runtime builds around it. */
export interface Loaded {
  readonly def: WorkerDefinition;
  readonly tasks: ReadonlyMap<string, TaskFunction>;
  readonly outbox: MessageOutbox;
  readonly ctx: WorkerContext;
}

/** What start-up needs of the runtime. */
export interface StartupHost {
  /** The worker's shutdown signal: `ctx.signal` of init and of hooks. */
  readonly signal: AbortSignal;
  /** Message credit the parent granted before the outbox existed. */
  earlyCredit(): number;
  /** Where `ctx.put` messages go. */
  pushMessage(value: unknown): Error | undefined;
  /** True once a Close arrived: start-up goes no further. */
  closing(): boolean;
  /** The module is loaded and the context built, before `init` runs. */
  loaded(loaded: Loaded): void;
}

export type StartupOutcome =
  | { readonly kind: 'ready' }
  /** A Close arrived before start-up was done: the worker never becomes ready. */
  | { readonly kind: 'closed' }
  | { readonly kind: 'failed'; readonly phase: FailPhase; readonly error: unknown };

export async function startUp(boot: BootData, load: LoadMeter, host: StartupHost): Promise<StartupOutcome> {
  let phase: FailPhase = 'load';
  try {
    await load.configure(boot.maxHeapMB);
    const def = await loadDefinition(boot.module);
    const tasks = new Map<string, TaskFunction>(Object.entries(def.tasks ?? {}));
    const outbox = new MessageOutbox(boot.messageCredits + host.earlyCredit(), (value) => host.pushMessage(value));
    const ctx: WorkerContext = Object.freeze({
      id: boot.id,
      workerData: boot.workerData,
      poolName: boot.poolName,
      runtime: boot.runtime,
      signal: host.signal,
      put: outbox.put,
    });
    host.loaded({ def, tasks, outbox, ctx });
    // Closed before init began: a worker that will never run a task need not start.
    if (host.closing()) return { kind: 'closed' };
    phase = 'init';
    await def.init?.(ctx);
    phase = 'replay';
    for (const call of boot.sticky) {
      if (host.closing()) return { kind: 'closed' };
      const fn = tasks.get(call.task);
      if (fn === undefined) throw new UnknownTaskError(call.task, [...tasks.keys()]);
      await fn.call(def.tasks, call.arg as never, ctx);
    }
    return { kind: 'ready' };
  } catch (error) {
    return { kind: 'failed', phase, error };
  }
}
