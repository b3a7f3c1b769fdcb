/**
 * Worker module for the fetch-server example.
 *
 * Everything at module level lives in this worker's own event loop and survives from one task to
 * the next: a small "agent" that counts the requests this worker made and how many were in flight
 * at once. With the pool's `concurrency` above 1 a worker starts several `fetchServer` tasks
 * before the first response arrives, so their network waits overlap.
 */
import { defineWorker } from 'loopfleet/worker';

export interface FetchResult {
  url: string;
  status: number;
  /** The response's `Server` header ('' when absent). */
  server: string;
  /** The worker (slot index) that fetched it. */
  worker: number;
  /** This worker's request number, 1, 2, 3... (state kept across tasks). */
  request: number;
}

export interface AgentStats {
  worker: number;
  requests: number;
  /** Most requests this worker had in flight at the same time. */
  maxInFlight: number;
}

/** Per-worker state: one instance per worker, since each worker loads its own copy of this module. */
const agent = {
  requests: 0,
  inFlight: 0,
  maxInFlight: 0,
};

export default defineWorker({
  tasks: {
    async fetchServer(url: string, ctx): Promise<FetchResult> {
      const request = ++agent.requests;
      agent.inFlight++;
      agent.maxInFlight = Math.max(agent.maxInFlight, agent.inFlight);
      try {
        // ctx.signal aborts when the worker shuts down, so no request outlives its worker.
        const response = await fetch(url, { signal: ctx.signal });
        await response.arrayBuffer(); // read the body so the connection can be reused
        return { url, status: response.status, server: response.headers.get('server') ?? '', worker: ctx.id, request };
      } finally {
        agent.inFlight--;
      }
    },

    agentStats(_arg: undefined, ctx): AgentStats {
      return { worker: ctx.id, requests: agent.requests, maxInFlight: agent.maxInFlight };
    },
  },
});
