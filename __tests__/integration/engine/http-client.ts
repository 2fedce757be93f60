import * as http from 'http';

/** A response, with the body as received (still compressed if the server compressed it). */
export interface HttpResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

/** One request to a loopback port. */
export interface HttpRequest {
  readonly port: number;
  readonly path: string;
  /** @default 'GET' */
  readonly method?: string;
  /** @default none */
  readonly headers?: Record<string, string>;
  /** @default a new connection per request */
  readonly agent?: http.Agent;
  /** @default 10000 */
  readonly timeoutMs?: number;
}

/** Sends a request to 127.0.0.1 and resolves with the whole response; rejects on errors and timeouts. */
export function httpRequest(request: HttpRequest): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: request.port,
        path: request.path,
        method: request.method ?? 'GET',
        headers: request.headers,
        agent: request.agent ?? false,
        timeout: request.timeoutMs ?? 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${request.timeoutMs ?? 10_000} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** A bounded load: sequential requests over a few keep-alive connections, with something done meanwhile. */
export interface LoadOptions {
  readonly port: number;
  /** Paths requested in turn. */
  readonly paths: readonly string[];
  /** Requests at least. */
  readonly minRequests: number;
  /** Connections (each sends its requests one after another). */
  readonly concurrency: number;
  /** Started once this many requests have been sent; the load goes on until it settles. */
  readonly disruptAfter: number;
  /** What is done during the load (e.g. `docker stop` a replica). */
  readonly disrupt: () => Promise<unknown>;
  /** Requests sent after `disrupt` settled, at least. */
  readonly minRequestsAfter: number;
  /** The load stops after this time whatever was reached. */
  readonly maxDurationMs: number;
}

/** What a load saw. */
export interface LoadResult {
  readonly requests: number;
  /** Requests sent after the disruption settled. */
  readonly requestsAfterDisruption: number;
  /** Failed requests: status and path, or the error. */
  readonly failures: string[];
  /** How many answers of each status. */
  readonly statuses: Record<number, number>;
  /** Whether the disruption itself failed (its error). */
  readonly disruptionError?: string;
}

/** Runs a bounded load through keep-alive connections while `disrupt` runs; counts non-2xx answers and errors as failures. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency });
  const started = Date.now();
  const failures: string[] = [];
  const statuses: Record<number, number> = {};
  let sent = 0;
  let after = 0;
  let settled = false;
  let disruption: Promise<void> | undefined;
  let disruptionError: string | undefined;
  const done = () =>
    Date.now() - started >= options.maxDurationMs ||
    (sent >= options.minRequests && settled && after >= options.minRequestsAfter);

  const worker = async () => {
    while (!done()) {
      const n = sent++;
      if (n === options.disruptAfter) {
        disruption = options.disrupt().then(
          () => { settled = true; },
          (e: Error) => { disruptionError = e.message; settled = true; },
        );
      }
      if (settled) after++;
      const path = options.paths[n % options.paths.length];
      try {
        const res = await httpRequest({ port: options.port, path, agent });
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        if (res.status < 200 || res.status > 299) failures.push(`${path}: HTTP ${res.status}`);
      } catch (e) {
        failures.push(`${path}: ${(e as Error).message}`);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: options.concurrency }, worker));
    await disruption;
  } finally {
    agent.destroy();
  }
  return { requests: sent, requestsAfterDisruption: after, failures, statuses, disruptionError };
}
