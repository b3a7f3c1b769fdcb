/**
 * Another dashboard's pools on this one: reads its `/events` stream and republishes its pools
 * under `host:port/id`. Reconnects every second while the source is down, so that a dashboard
 * started before the processes it watches (or outliving a restart of one) catches up by itself.
 */
import { get, type ClientRequest } from 'node:http';
import type { Hub, SourceStatus } from './hub.js';
import type { PoolMetrics } from '../metrics/types.js';
import { SseParser } from './sse.js';

const RETRY_MS = 1000;
/** A source sends a snapshot a second per pool, and a ping every few seconds when it has none. */
const IDLE_MS = 30_000;

interface Wire {
  id?: unknown;
  name?: unknown;
  runtime?: unknown;
  closed?: unknown;
  samples?: unknown;
  sample?: unknown;
}

export class RemoteFeed {
  readonly #hub: Hub;
  readonly #base: URL;
  readonly #status: SourceStatus;
  readonly #prefix: string;
  #request: ClientRequest | undefined;
  #retry: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(base: URL, hub: Hub) {
    this.#base = base;
    this.#hub = hub;
    this.#prefix = `${base.host}${base.pathname === '/' ? '' : base.pathname.replace(/\/$/, '')}/`;
    this.#status = hub.source(base.href);
    this.#connect();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#retry);
    this.#request?.destroy();
  }

  #connect(): void {
    let failed = false;
    const fail = (reason: string): void => {
      if (failed || this.#stopped) return;
      failed = true;
      this.#request?.destroy();
      this.#status.connected = false;
      this.#status.error = reason;
      this.#hub.sourcesChanged();
      this.#retry = setTimeout(() => this.#connect(), RETRY_MS);
    };
    const req = get(new URL('events', this.#base), { headers: { accept: 'text/event-stream' } });
    this.#request = req;
    req.setTimeout(IDLE_MS, () => fail(`no data for ${IDLE_MS / 1000} s`));
    req.on('error', (err) => fail(err.message));
    req.on('response', (res) => {
      if (res.statusCode !== 200 || !String(res.headers['content-type']).startsWith('text/event-stream')) {
        res.resume();
        fail(`${this.#base.href}events answered HTTP ${res.statusCode} ${String(res.headers['content-type'])}: not a loopfleet dashboard`);
        return;
      }
      this.#status.connected = true;
      this.#status.error = null;
      this.#hub.sourcesChanged();
      const seen = new Set<string>();
      const parser = new SseParser((event, data) => this.#event(event, data, seen));
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => parser.push(chunk));
      // A source that dies mid-stream resets the connection: an 'error' here, then 'close'.
      res.on('error', (err) => fail(err.message));
      res.on('close', () => fail('the source closed the connection'));
    });
  }

  #event(event: string, data: string, seen: Set<string>): void {
    let d: Wire;
    try {
      d = JSON.parse(data) as Wire;
    } catch {
      return;
    }
    const hub = this.#hub;
    if (event === 'synced') {
      // Pools the source no longer has (it restarted with others) leave the page.
      for (const id of hub.idsFrom(this.#base.href)) if (!seen.has(id)) hub.remove(id);
      return;
    }
    if (d === null || typeof d !== 'object' || typeof d.id !== 'string') return;
    const id = this.#prefix + d.id;
    if (event === 'pool') {
      seen.add(id);
      const samples = Array.isArray(d.samples) ? (d.samples as PoolMetrics[]) : [];
      hub.define({ id, name: String(d.name), runtime: String(d.runtime), source: this.#base.href, closed: d.closed === true }, samples);
    } else if (event === 'metrics' && d.sample !== null && typeof d.sample === 'object') {
      hub.push(id, d.sample as PoolMetrics);
    } else if (event === 'closed') {
      hub.close(id);
    } else if (event === 'removed') {
      hub.remove(id);
    }
  }
}
