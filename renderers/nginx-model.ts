/**
 * The parts of an nginx model that the API gateway (`nginx-gateway-model.ts`) and the TCP relay
 * (`stream-relay.ts`) share: backends, pools, the DNS resolver and process-level settings.
 */

/** How nginx picks a server of a pool for each request. */
export type BalancingMethod = 'round-robin' | 'least-conn' | 'ip-hash';

/** One backend of an upstream pool. */
export interface UpstreamServer {
  /**
   * Container alias, hostname, IPv4 or IPv6 address of the backend. nginx resolves names when it loads
   * the configuration, and again while it runs with a `resolver` on nginx 1.27.3 or newer.
   */
  readonly host: string;
  /** TCP port of the backend, 1-65535. */
  readonly port: number;
  /**
   * Relative share of requests, 1-1000.
   * @default 1
   */
  readonly weight?: number;
  /**
   * Failed attempts within `failTimeoutSeconds` after which the server is taken out for
   * `failTimeoutSeconds` (passive health check); 0 disables the accounting.
   * @default 3 (the article's value)
   */
  readonly maxFails?: number;
  /**
   * Window for counting `maxFails`, and how long a failed server stays out, in seconds (at least 1).
   * @default 30 (the article's value)
   */
  readonly failTimeoutSeconds?: number;
  /**
   * Receive requests only when every primary server is unavailable. Not supported with `ip-hash`.
   * @default false
   */
  readonly backup?: boolean;
}

/** A named group of backends that routes send requests to. */
export interface UpstreamPool {
  /** Upstream name used by routes: letters, digits, `_` and `-`, starting with a letter or `_`. */
  readonly name: string;
  /** The backends; at least one, no duplicate host:port. */
  readonly servers: readonly UpstreamServer[];
  /**
   * Balancing method.
   * @default 'round-robin'
   */
  readonly balancing?: BalancingMethod;
  /**
   * Idle keepalive connections to this pool cached by each worker; 0 turns upstream keepalive off
   * (one new connection per request).
   * @default 64
   */
  readonly keepaliveConnections?: number;
  /**
   * Longest life of one keepalive connection to this pool, in seconds (`keepalive_time`): after it, the
   * connection is closed once its current request is done. Needs keepalive.
   * @default nginx's 1 hour
   */
  readonly keepaliveTimeSeconds?: number;
  /**
   * How long an idle keepalive connection to this pool stays open, in seconds (`keepalive_timeout`);
   * keep it below the backends' own idle timeout. Needs keepalive.
   * @default nginx's 60 seconds
   */
  readonly keepaliveTimeoutSeconds?: number;
}

/**
 * The DNS servers nginx asks while it runs. With nginx 1.27.3 or newer, every pool gets a shared memory
 * zone and every server named by a hostname is re-resolved (`resolve`), so a replaced container's new
 * address is picked up without a reload; older versions resolve names only when they load the
 * configuration.
 */
export interface NginxResolver {
  /** IPv4 or IPv6 addresses of the DNS servers, at least one (Docker's embedded DNS is `127.0.0.11`). */
  readonly addresses: readonly string[];
  /**
   * How long an answer is cached, in seconds (1-86400).
   * @default 5
   */
  readonly validSeconds?: number;
  /**
   * Also look up IPv6 addresses.
   * @default false
   */
  readonly ipv6?: boolean;
}

/** Process-level settings every rendered nginx.conf has: workers, pid file, error log. */
export interface NginxProcess {
  /**
   * Worker processes; `'auto'` means one per core.
   * @default 'auto'
   */
  readonly workerProcesses?: number | 'auto';
  /**
   * Connections per worker, clients and upstreams together. Each worker may open twice as many files
   * (`worker_rlimit_nofile`, see `gatewayFileLimit`).
   * @default 4096
   */
  readonly workerConnections?: number;
  /**
   * Absolute path of the pid file.
   * @default '/run/nginx.pid'
   */
  readonly pidPath?: string;
  /**
   * Absolute path of the error log, or `'stderr'`.
   * @default 'stderr'
   */
  readonly errorLogPath?: string;
  /**
   * How long old workers may keep serving their open connections after a reload before nginx closes
   * them, in seconds (`worker_shutdown_timeout`); bounds a reload's drain.
   * @default unset: old workers wait for every connection (WebSockets included) to finish
   */
  readonly workerShutdownTimeoutSeconds?: number;
}
