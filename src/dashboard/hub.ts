/**
 * The dashboard's state and its subscribers: a short history of metrics snapshots per pool,
 * fanned out to every connected page (and every dashboard that aggregates this one) as SSE.
 *
 * Wire format (documented in docs/dashboard.md), one JSON object per event:
 * - `pool`: a pool's description and its recent history; sent on connect and whenever a pool is
 *   (re)defined. A client replaces what it had for that id.
 * - `metrics`: `{ id, sample }`, one new snapshot of one pool.
 * - `closed`: `{ id }`, the pool closed; no more samples will come.
 * - `removed`: `{ id }`, the pool is gone from the dashboard.
 * - `sources`: `{ sources }`, the connection state of aggregated dashboards.
 * - `synced`: `{}`, sent once after the state a new subscriber starts with.
 */
import type { ServerResponse } from 'node:http';
import type { PoolMetrics } from '../metrics/types.js';
import { frame } from './sse.js';

/** Samples kept per pool, and so seconds of history a newly opened page starts with. */
export const HISTORY = 120;
/** A client whose unsent output grows past this is too slow to follow; it is dropped. */
const MAX_BACKLOG = 4 * 1024 * 1024;

export interface PoolInfo {
  /** Unique within the dashboard: the pool's name, `name#2` for a second pool of that name, `host:port/id` for an aggregated one. */
  readonly id: string;
  readonly name: string;
  readonly runtime: string;
  /** The dashboard this pool was read from; null for a pool of this process. */
  readonly source: string | null;
  closed: boolean;
}

export interface SourceStatus {
  readonly url: string;
  connected: boolean;
  /** Why the last connection failed or ended, while not connected. */
  error: string | null;
}

interface Entry {
  readonly info: PoolInfo;
  samples: PoolMetrics[];
}

export class Hub {
  readonly #entries = new Map<string, Entry>();
  readonly #clients = new Set<ServerResponse>();
  readonly #sources: SourceStatus[] = [];

  get clients(): number {
    return this.#clients.size;
  }

  /** An id not used yet, derived from `wanted`. */
  uniqueId(wanted: string): string {
    let id = wanted;
    for (let n = 2; this.#entries.has(id); n++) id = `${wanted}#${n}`;
    return id;
  }

  /** Adds a pool, or replaces one with the same id (a source that reconnected), with its history. */
  define(info: PoolInfo, samples: readonly PoolMetrics[] = []): void {
    const entry: Entry = { info, samples: samples.slice(-HISTORY) };
    this.#entries.set(info.id, entry);
    this.#send(frame('pool', { ...info, samples: entry.samples }));
  }

  /** Removes a pool from the page. */
  remove(id: string): void {
    if (this.#entries.delete(id)) this.#send(frame('removed', { id }));
  }

  push(id: string, sample: PoolMetrics): void {
    const entry = this.#entries.get(id);
    if (entry === undefined || entry.info.closed) return;
    entry.samples.push(sample);
    if (entry.samples.length > HISTORY) entry.samples.splice(0, entry.samples.length - HISTORY);
    this.#send(frame('metrics', { id, sample }));
  }

  close(id: string): void {
    const entry = this.#entries.get(id);
    if (entry === undefined || entry.info.closed) return;
    entry.info.closed = true;
    this.#send(frame('closed', { id }));
  }

  /** Registers an aggregated source; the returned object is updated in place, then `sourcesChanged()`. */
  source(url: string): SourceStatus {
    const status: SourceStatus = { url, connected: false, error: null };
    this.#sources.push(status);
    return status;
  }

  sourcesChanged(): void {
    this.#send(frame('sources', { sources: this.#sources }));
  }

  /** The ids of the pools read from an aggregated source. */
  idsFrom(source: string): string[] {
    return [...this.#entries.values()].filter((e) => e.info.source === source).map((e) => e.info.id);
  }

  /** What `/metrics.json` serves: every pool with its latest snapshot. */
  latest(): { pools: (PoolInfo & { metrics: PoolMetrics | null })[]; sources: readonly SourceStatus[] } {
    const pools = [...this.#entries.values()].map((e) => ({ ...e.info, metrics: e.samples.at(-1) ?? null }));
    return { pools, sources: this.#sources };
  }

  /** Subscribes a response that has sent its SSE headers: it gets the current state, then every change. */
  subscribe(res: ServerResponse): void {
    this.#clients.add(res);
    res.on('close', () => this.#clients.delete(res));
    // A browser's EventSource reconnects after this many ms when the stream breaks.
    let out = 'retry: 1000\n\n';
    out += frame('sources', { sources: this.#sources });
    for (const e of this.#entries.values()) out += frame('pool', { ...e.info, samples: e.samples });
    out += frame('synced', {});
    res.write(out);
  }

  /** Keeps idle streams visibly alive (an aggregating dashboard times out a silent source). */
  ping(): void {
    this.#send(': ping\n\n');
  }

  /** Ends every stream (the server is closing). */
  endAll(): void {
    for (const res of this.#clients) res.end();
    this.#clients.clear();
  }

  #send(text: string): void {
    // One serialisation per event, whatever the number of clients.
    for (const res of this.#clients) {
      if (res.writableLength > MAX_BACKLOG) {
        res.destroy();
        this.#clients.delete(res);
      } else {
        res.write(text);
      }
    }
  }
}
