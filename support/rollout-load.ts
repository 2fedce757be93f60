import * as http from 'http';

/** One kind of request of the load. */
export interface LoadRequest {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  /** Relative share of the requests. @default 1 */
  readonly weight?: number;
}

/** Options of `RolloutLoad`. */
export interface RolloutLoadOptions {
  /** The gateway's address: loopback, or a VM of the run's own. @default '127.0.0.1' */
  readonly host?: string;
  /** The gateway's port. */
  readonly port: number;
  /** The Host header. @default none (the address) */
  readonly hostHeader?: string;
  /** Concurrent loops, each on its own keep-alive connection. @default 8 */
  readonly loops?: number;
  /** Pause between a loop's requests, in milliseconds (8 loops at 40 ms is about 200 requests/s). @default 40 */
  readonly pauseMs?: number;
  /** What the loops request, in turn. */
  readonly requests: readonly LoadRequest[];
  /** A request that takes longer fails. @default 10000 */
  readonly timeoutMs?: number;
}

/** One request as the load saw it. */
export interface RequestRecord {
  readonly path: string;
  readonly method: string;
  /** Milliseconds since the load started. */
  readonly start: number;
  readonly end: number;
  /** HTTP status, when an answer came. */
  readonly status?: number;
  /** The socket error, when none came. */
  readonly error?: string;
}

/** What a load saw. */
export interface LoadReport {
  readonly requests: number;
  /** Requests with an answer outside 2xx/3xx, or a socket error. */
  readonly failed: number;
  /** The longest time, in seconds, from the first failed request of a run of failures to the next success. */
  readonly longestOutageSeconds: number;
  /** 99th percentile of the answered requests' latency, in milliseconds. */
  readonly p99Ms: number;
  /** Failures by status or error code. */
  readonly failures: Readonly<Record<string, number>>;
  /** Every request. */
  readonly records: readonly RequestRecord[];
}

/** Whether an answered request counts as served (2xx and 3xx). */
export function served(r: RequestRecord): boolean {
  return r.status !== undefined && r.status >= 200 && r.status < 400;
}

/**
 * A bounded keep-alive load through the gateway, as clients during a deploy see it: `loops` loops, each
 * sending requests one after another over its own connection (HTTP/1.1 keep-alive), pausing between
 * them. Every non-2xx/3xx answer and every socket error is a failure. Traffic goes to 127.0.0.1 only.
 */
export class RolloutLoad {
  private readonly records: RequestRecord[] = [];
  private running = false;
  private loops: Promise<void>[] = [];
  private readonly agent: http.Agent;
  private t0 = 0;

  constructor(private readonly options: RolloutLoadOptions) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets: options.loops ?? 8 });
  }

  /** Starts the loops. */
  start(): void {
    if (this.running) throw new Error('the load is already running');
    this.running = true;
    this.t0 = Date.now();
    const mix = this.options.requests.flatMap((r) => Array.from({ length: r.weight ?? 1 }, () => r));
    this.loops = Array.from({ length: this.options.loops ?? 8 }, async (_, loop) => {
      for (let n = loop; this.running; n++) {
        await this.send(mix[n % mix.length]);
        await new Promise((r) => setTimeout(r, this.options.pauseMs ?? 40));
      }
    });
  }

  /** Stops the loops once their requests in flight are done, and reports. */
  async stop(): Promise<LoadReport> {
    this.running = false;
    await Promise.all(this.loops);
    this.agent.destroy();
    return report(this.records);
  }

  private send(request: LoadRequest): Promise<void> {
    const start = Date.now() - this.t0;
    return new Promise((resolve) => {
      const record = (rest: Partial<RequestRecord>) => {
        this.records.push({ path: request.path, method: request.method, start, end: Date.now() - this.t0, ...rest });
        resolve();
      };
      const req = http.request({
        host: this.options.host ?? '127.0.0.1',
        port: this.options.port,
        path: request.path,
        method: request.method,
        agent: this.agent,
        headers: this.options.hostHeader === undefined ? {} : { Host: this.options.hostHeader },
        timeout: this.options.timeoutMs ?? 10_000,
      }, (res) => {
        res.resume();
        res.on('end', () => record({ status: res.statusCode }));
        res.on('error', (e: NodeJS.ErrnoException) => record({ error: e.code ?? e.message }));
      });
      req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
      req.on('error', (e: NodeJS.ErrnoException) => record({ error: e.code ?? e.message }));
      req.end();
    });
  }
}

/** The figures of a set of requests (all of a load, or those of one path). */
export function report(records: readonly RequestRecord[]): LoadReport {
  const sorted = [...records].sort((a, b) => a.start - b.start);
  const failures: Record<string, number> = {};
  let outage = 0;
  let firstFailure: number | undefined;
  for (const r of sorted) {
    if (served(r)) {
      if (firstFailure !== undefined) outage = Math.max(outage, r.end - firstFailure);
      firstFailure = undefined;
      continue;
    }
    const key = r.status !== undefined ? String(r.status) : r.error ?? 'error';
    failures[key] = (failures[key] ?? 0) + 1;
    firstFailure ??= r.start;
  }
  if (firstFailure !== undefined) outage = Math.max(outage, (sorted[sorted.length - 1]?.end ?? firstFailure) - firstFailure);
  const latencies = sorted.filter(served).map((r) => r.end - r.start).sort((a, b) => a - b);
  const p99 = latencies.length === 0 ? 0 : latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))];
  return {
    requests: sorted.length,
    failed: sorted.filter((r) => !served(r)).length,
    longestOutageSeconds: Math.round(outage) / 1000,
    p99Ms: p99,
    failures,
    records: sorted,
  };
}
