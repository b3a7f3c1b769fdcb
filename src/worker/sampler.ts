/**
 * Worker-side resource sampling. Nothing here runs per task: one unref'd timer takes a sample
 * every `interval` ms (and, when blocked-loop detection is on, a lighter one sends a heartbeat
 * every quarter of the threshold), so an idle worker costs a few wake-ups per interval. The event
 * loop delay histogram is Node's own (`monitorEventLoopDelay`), sampled natively at a coarse
 * resolution.
 */
import { readFileSync } from 'node:fs';
import { getHeapStatistics } from 'node:v8';
import { isMainThread } from 'node:worker_threads';
import { monitorEventLoopDelay, performance, type EventLoopUtilization, type IntervalHistogram } from 'node:perf_hooks';
import type { WorkerSample } from '../metrics/types.js';

/** What the runtime hands the sampler: the metrics part of the Boot record. */
export interface SamplerConfig {
  readonly interval: number;
  /** ms between heartbeats; 0 = none. */
  readonly heartbeat: number;
}

/** Resolution of the loop delay monitor, in ms: coarse enough to cost nothing measurable. */
const LOOP_DELAY_RESOLUTION_MS = 20;
/** Linux reports thread CPU times in clock ticks of USER_HZ, which is 100 on every mainstream architecture. */
const TICKS_PER_SECOND = 100;

type CpuReader = { source: 'thread' | 'process'; read: () => number };

/** CPU time in µs of this worker: the thread's own where the platform tells, else the process's. */
function cpuReader(): CpuReader {
  const total = (u: NodeJS.CpuUsage): number => u.user + u.system;
  if (isMainThread) return { source: 'process', read: () => total(process.cpuUsage()) };
  const threadCpu = (process as { threadCpuUsage?: () => NodeJS.CpuUsage }).threadCpuUsage;
  if (typeof threadCpu === 'function') return { source: 'thread', read: () => total(threadCpu.call(process)) };
  const fromProc = (): number => {
    // Fields after the ")" that ends the command name: state is #3, utime #14, stime #15.
    const stat = readFileSync('/proc/thread-self/stat', 'latin1');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1e6) / TICKS_PER_SECOND;
  };
  try {
    if (Number.isFinite(fromProc())) return { source: 'thread', read: fromProc };
  } catch {
    // Not Linux: fall through to the process's CPU time.
  }
  return { source: 'process', read: () => total(process.cpuUsage()) };
}

type ActiveCounts = { activeHandles?: number; activeRequests?: number };
const internals = process as unknown as { _getActiveHandles?: () => unknown[]; _getActiveRequests?: () => unknown[] };

function activeCounts(): ActiveCounts {
  // Undocumented but long-standing; omitted where a Node version drops them.
  const out: ActiveCounts = {};
  if (typeof internals._getActiveHandles === 'function') out.activeHandles = internals._getActiveHandles().length;
  if (typeof internals._getActiveRequests === 'function') out.activeRequests = internals._getActiveRequests().length;
  return out;
}

const ns = (n: number): number => (Number.isFinite(n) ? n / 1e6 : 0);

export class Sampler {
  readonly #send: (sample: WorkerSample | null) => void;
  readonly #cpu: CpuReader;
  readonly #delay: IntervalHistogram;
  #elu: EventLoopUtilization;
  #cpuAt: number;
  #wallAt: number;
  readonly #timers: NodeJS.Timeout[] = [];

  /** `send(null)` is a heartbeat; `send(sample)` a full sample (also a heartbeat). */
  constructor(config: SamplerConfig, send: (sample: WorkerSample | null) => void) {
    this.#send = send;
    this.#cpu = cpuReader();
    this.#cpuAt = this.#cpu.read();
    this.#wallAt = performance.now();
    this.#elu = performance.eventLoopUtilization();
    this.#delay = monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS });
    this.#delay.enable();
    this.#timers.push(setInterval(() => this.#send(this.sample()), config.interval).unref());
    if (config.heartbeat > 0) this.#timers.push(setInterval(() => this.#send(null), config.heartbeat).unref());
  }

  /** Takes a sample covering the time since the previous one, and starts the next window. */
  sample(): WorkerSample {
    const now = performance.now();
    const cpuNow = this.#cpu.read();
    const wall = (now - this.#wallAt) * 1000;
    const cpu = wall > 0 ? Math.max(0, cpuNow - this.#cpuAt) / wall : 0;
    this.#cpuAt = cpuNow;
    this.#wallAt = now;
    const elu = performance.eventLoopUtilization(this.#elu);
    this.#elu = performance.eventLoopUtilization();
    const d = this.#delay;
    // The monitor records the time between its own timer's runs: the delay is what exceeds its period.
    const late = (n: number): number => Math.max(0, ns(n) - LOOP_DELAY_RESOLUTION_MS);
    const loopDelay = d.count > 0 ? { p50: late(d.percentile(50)), p99: late(d.percentile(99)), max: late(d.max) } : { p50: 0, p99: 0, max: 0 };
    d.reset();
    const heap = getHeapStatistics();
    return {
      cpu,
      cpuSource: this.#cpu.source,
      rss: process.memoryUsage.rss(),
      heapUsed: heap.used_heap_size,
      heapTotal: heap.total_heap_size,
      elu: elu.utilization,
      loopDelay,
      ...activeCounts(),
      sampledAt: Date.now(),
    };
  }

  stop(): void {
    for (const t of this.#timers) clearInterval(t);
    this.#delay.disable();
  }
}
