/** TEMPORARY: the metrics snapshot shape agreed with the metrics branch, until it is merged. */
export interface LoopDelay { p50: number; p99: number; max: number }
export interface WorkerMetrics {
  worker: number; pid: number; threadId: number; state: string; cpu: number;
  rss: number; heapUsed: number; heapTotal: number; elu: number; loopDelay: LoopDelay; activeHandles?: number; activeRequests?: number;
  tasksRunning: number; tasksCompleted: number; tasksFailed: number; messagesPut: number; sampledAt: number;
}
export interface Percentiles { p50: number; p90: number; p99: number }
export interface PoolMetrics {
  pool: string; runtime: 'thread' | 'process'; at: number; interval: number; workers: WorkerMetrics[];
  queue: { total: number; byPriority: Record<string, number> }; waitTime: Percentiles; runTime: Percentiles;
  throughput: number; completed: number; failed: number; restarts: Record<string, number>; backpressure: number;
}
