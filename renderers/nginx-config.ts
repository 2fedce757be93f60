import { isIP } from 'net';
import { InvalidInputError, quote } from './invalid-input';

/**
 * The typed model of the API gateway's `nginx.conf` and its renderer. Pure: no cdktf, no I/O.
 *
 * Design choices the rendered text depends on:
 * - Every `location` repeats the whole proxy block (forwarding headers, HTTP/1.1, empty `Connection`,
 *   timeouts, retries, body size, rate limit). nginx drops every inherited `proxy_set_header` (and
 *   `limit_req`, `add_header`) as soon as a level sets one, so nothing proxy-related relies on
 *   inheritance.
 * - Upstream keepalive is on by default: an idle pool of connections per worker turns one new upstream
 *   connection per request into about one per thousand (the article's config opens one per request).
 * - Retries go to the next server on errors, timeouts, 502, 503 and 504, with bounded tries and a bounded
 *   total time. nginx never retries a non-idempotent request (POST, PATCH, LOCK) once it reached an
 *   upstream, and `non_idempotent` is deliberately not rendered.
 * - Security headers are set at server level only and never in a location, so they are inherited.
 * - Every string that reaches the configuration is checked against a strict pattern: none can carry
 *   `;`, `{`, `}`, quotes, `#`, `$`, whitespace or newlines into nginx's syntax.
 */

/** How nginx picks a server of a pool for each request. */
export type BalancingMethod = 'round-robin' | 'least-conn' | 'ip-hash';

/** One backend of an upstream pool. */
export interface UpstreamServer {
  /** Container alias, hostname, IPv4 or IPv6 address of the backend (nginx resolves names at start). */
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
}

/** A path on the gateway and the pool it forwards to. */
export interface GatewayRoute {
  /** Path prefix (or exact path with `exact`), starting with `/`; unique among routes. */
  readonly path: string;
  /** Name of the pool that serves this route; must be one of the model's pools. */
  readonly pool: string;
  /**
   * Match only this exact path (`location = /path`) instead of every path starting with it.
   * @default false
   */
  readonly exact?: boolean;
  /**
   * Remove the route's path before forwarding: with path `/api/inventory`, `/api/inventory/items`
   * reaches the pool as `/items`. The location becomes `/api/inventory/`; nginx answers a request for
   * `/api/inventory` itself with a 301 to `/api/inventory/`. Not allowed with `exact`.
   * @default false
   */
  readonly stripPrefix?: boolean;
  /**
   * Time allowed to open a connection to one server before trying the next, 1-75 seconds.
   * @default 2
   */
  readonly connectTimeoutSeconds?: number;
  /**
   * Longest silence between two reads of the response from the server, in seconds (at least 1).
   * @default 30
   */
  readonly readTimeoutSeconds?: number;
  /**
   * Longest silence between two writes of the request to the server, in seconds (at least 1).
   * @default 30
   */
  readonly sendTimeoutSeconds?: number;
  /**
   * Largest request body accepted on this route, in MiB; 0 means no limit.
   * @default the model's `maxBodySizeMiB`
   */
  readonly maxBodySizeMiB?: number;
  /**
   * Servers tried for one request, the first included (1 means no retry).
   * @default 3
   */
  readonly maxTries?: number;
  /**
   * Upper bound for all tries of one request together, in seconds (at least 1).
   * @default connectTimeoutSeconds + readTimeoutSeconds
   */
  readonly retryTimeoutSeconds?: number;
}

/** HTTPS termination at the gateway. */
export interface GatewayTls {
  /** Absolute path of the certificate chain (PEM) as nginx sees it (inside the container). */
  readonly certificatePath: string;
  /** Absolute path of the private key (PEM) as nginx sees it (inside the container). */
  readonly keyPath: string;
  /**
   * Port for HTTPS.
   * @default 443
   */
  readonly port?: number;
  /**
   * Answer plain HTTP on `listenPort` with a 301 to HTTPS; when false, plain HTTP is not served at all.
   * @default true
   */
  readonly redirectHttp?: boolean;
  /**
   * Send `Strict-Transport-Security` (only with security headers on), in seconds; 0 sends none.
   * @default 31536000 (one year)
   */
  readonly hstsMaxAgeSeconds?: number;
}

/** Per-client request rate limit (keyed by client address). */
export interface GatewayRateLimit {
  /** Sustained requests per second allowed per client address, 1-100000. */
  readonly requestsPerSecond: number;
  /**
   * Requests above the rate that are still served at once (no delay) before the client gets 429.
   * @default 2 × requestsPerSecond
   */
  readonly burst?: number;
  /**
   * Shared memory for the per-client counters, in MiB (1 MiB holds about 16 000 addresses).
   * @default 10
   */
  readonly zoneSizeMiB?: number;
}

/** Response compression. */
export interface GatewayGzip {
  /**
   * Compress responses.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * MIME types to compress besides `text/html` (which nginx always compresses).
   * @default DEFAULT_GZIP_TYPES (text/plain and application/json from the article, plus other text types)
   */
  readonly types?: readonly string[];
  /**
   * Smallest response, in bytes, worth compressing (judged by Content-Length).
   * @default 256
   */
  readonly minLengthBytes?: number;
  /**
   * Compression level, 1 (fast) - 9 (small).
   * @default 5
   */
  readonly level?: number;
}

/** Process-level settings: what a container or a standalone run (tests, benchmark) needs. */
export interface GatewayProcess {
  /**
   * Worker processes; `'auto'` means one per core.
   * @default 'auto'
   */
  readonly workerProcesses?: number | 'auto';
  /**
   * Connections per worker, clients and upstreams together.
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
   * Absolute path of the access log, or `'off'`.
   * @default '/dev/stdout' (the container's log)
   */
  readonly accessLogPath?: string;
  /**
   * Directory for nginx's temporary files (request bodies, buffered responses); when unset, the paths
   * compiled into nginx are used. The directory must exist; nginx creates its subdirectories.
   * @default undefined
   */
  readonly tempDirectory?: string;
}

/** The whole gateway: pools, routes and server settings. */
export interface NginxGatewayModel {
  /** Upstream pools; names unique, each used by at least one route or not, as you like. */
  readonly pools: readonly UpstreamPool[];
  /** Routes, at least one; paths unique. */
  readonly routes: readonly GatewayRoute[];
  /**
   * `server_name` values (hostnames, `*.example.com`, `.example.com`).
   * @default ['_'] (any host)
   */
  readonly serverNames?: readonly string[];
  /**
   * Port for plain HTTP (with TLS and `redirectHttp`, only the redirect listens here).
   * @default 80
   */
  readonly listenPort?: number;
  /**
   * Address to listen on (IPv4, IPv6 or `*`); the construct keeps all addresses inside the container and
   * publishes on loopback instead.
   * @default '*' (all addresses)
   */
  readonly listenAddress?: string;
  /**
   * Listen backlog: pass the tuned `net.core.somaxconn`, or the kernel caps the queue at 511.
   * @default 511 (nginx's own default)
   */
  readonly backlog?: number;
  /**
   * HTTPS termination.
   * @default undefined (plain HTTP only)
   */
  readonly tls?: GatewayTls;
  /**
   * Per-client rate limit on every route.
   * @default undefined (no limit)
   */
  readonly rateLimit?: GatewayRateLimit;
  /**
   * Send `X-Content-Type-Options: nosniff`, `X-Frame-Options: SAMEORIGIN`,
   * `Referrer-Policy: strict-origin-when-cross-origin` (and HSTS with TLS) on every response.
   * @default true
   */
  readonly securityHeaders?: boolean;
  /**
   * Keep a client-sent `X-Forwarded-For` and append the client address (only behind a trusted proxy);
   * otherwise the header is replaced by the client address, so clients cannot forge it.
   * @default false
   */
  readonly trustForwardedFor?: boolean;
  /**
   * Default largest request body, in MiB, for routes that set none; 0 means no limit.
   * @default 8
   */
  readonly maxBodySizeMiB?: number;
  /**
   * Compression settings.
   * @default gzip on for DEFAULT_GZIP_TYPES, min length 256 bytes, level 5
   */
  readonly gzip?: GatewayGzip;
  /**
   * Process-level settings.
   * @default see `GatewayProcess`
   */
  readonly process?: GatewayProcess;
}

/** Types compressed by default: the article's two plus the other common text types. */
export const DEFAULT_GZIP_TYPES: readonly string[] = [
  'text/plain',
  'application/json',
  'text/css',
  'text/xml',
  'text/javascript',
  'application/javascript',
  'application/xml',
  'application/problem+json',
  'image/svg+xml',
];

// Patterns for every string that reaches the configuration. None admits whitespace, `;`, `{`, `}`,
// quotes, `#` or `$`.
const POOL_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;
const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*$/;
const IPV6 = /^[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*$/;
const SERVER_NAME = /^(?:_|(?:\*\.|\.)?[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*)$/;
const ROUTE_PATH = /^\/[A-Za-z0-9._~\/%+,=:@!*-]*$/;
const FILE_PATH = /^\/[A-Za-z0-9._\/+@-]*$/;
const MIME_TYPE = /^[a-z0-9][a-z0-9.+-]*\/[a-z0-9][a-z0-9.+-]*$/;
const ZONE_NAME = 'per_client';

/** Resolved defaults of a route, exposed for constructs and tests. */
export interface ResolvedRoute {
  readonly path: string;
  readonly pool: string;
  readonly exact: boolean;
  readonly stripPrefix: boolean;
  readonly connectTimeoutSeconds: number;
  readonly readTimeoutSeconds: number;
  readonly sendTimeoutSeconds: number;
  readonly maxBodySizeMiB: number;
  readonly maxTries: number;
  readonly retryTimeoutSeconds: number;
  /** The `location` argument as rendered (`= /x`, `/x`, or `/x/` with `stripPrefix`). */
  readonly location: string;
}

function invalid(setting: string, value: unknown, problem: string, fix: string): never {
  throw new InvalidInputError(`${setting} ${quote(value)} ${problem}: ${fix}`);
}

function checkInteger(setting: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    invalid(setting, value, `must be a whole number from ${min} to ${max}`, `use a value in ${min}-${max}`);
  }
}

function checkFilePath(setting: string, value: string, extra: readonly string[] = []): void {
  if (extra.includes(value)) return;
  if (!FILE_PATH.test(value) || value.split('/').includes('..')) {
    const also = extra.length > 0 ? ` or ${extra.map((e) => `'${e}'`).join(' or ')}` : '';
    invalid(
      setting,
      value,
      'is not a safe absolute path',
      `use an absolute path of letters, digits and . _ / + @ - (no spaces, quotes, ; { } # $ or ..)${also}`,
    );
  }
}

function checkHost(setting: string, host: string): void {
  // The pattern keeps nginx's syntax out; isIP refuses what only looks like IPv6 ('a:', nine groups), which nginx -t rejects.
  if (HOSTNAME.test(host) || (IPV6.test(host) && isIP(host) === 6)) return;
  invalid(
    setting,
    host,
    'is not a hostname, container alias or IP address',
    'use letters, digits, dots, - and _ (or a bare IPv6 address), with no spaces, quotes, ; { } # $ or port',
  );
}

function resolveRoute(route: GatewayRoute, model: NginxGatewayModel): ResolvedRoute {
  const exact = route.exact ?? false;
  const stripPrefix = route.stripPrefix ?? false;
  const connectTimeoutSeconds = route.connectTimeoutSeconds ?? 2;
  const readTimeoutSeconds = route.readTimeoutSeconds ?? 30;
  const location = exact
    ? `= ${route.path}`
    : stripPrefix && !route.path.endsWith('/')
      ? `${route.path}/`
      : route.path;
  return {
    path: route.path,
    pool: route.pool,
    exact,
    stripPrefix,
    connectTimeoutSeconds,
    readTimeoutSeconds,
    sendTimeoutSeconds: route.sendTimeoutSeconds ?? 30,
    maxBodySizeMiB: route.maxBodySizeMiB ?? model.maxBodySizeMiB ?? 8,
    maxTries: route.maxTries ?? 3,
    retryTimeoutSeconds: route.retryTimeoutSeconds ?? connectTimeoutSeconds + readTimeoutSeconds,
    location,
  };
}

/** The routes of a model with every default filled in (after validation). */
export function resolveRoutes(model: NginxGatewayModel): ResolvedRoute[] {
  return model.routes.map((r) => resolveRoute(r, model));
}

/**
 * Checks a gateway model and throws an `InvalidInputError` naming the setting, the quoted value and the
 * fix for the first problem found. `renderNginxConfig` calls it; constructs call it early.
 */
export function validateNginxGateway(model: NginxGatewayModel): void {
  // Pools.
  const poolNames = new Set<string>();
  for (const pool of model.pools) {
    if (!POOL_NAME.test(pool.name)) {
      invalid(
        'pool name',
        pool.name,
        'is not a valid upstream name',
        'use letters, digits, _ and -, starting with a letter or _ (at most 64 characters)',
      );
    }
    if (poolNames.has(pool.name)) {
      invalid('pool name', pool.name, 'is defined twice', 'give every pool a unique name');
    }
    poolNames.add(pool.name);
    if (pool.servers.length === 0) {
      invalid(`pool ${pool.name} servers`, '[]', 'is empty', 'add at least one server to the pool');
    }
    const balancing = pool.balancing ?? 'round-robin';
    if (!['round-robin', 'least-conn', 'ip-hash'].includes(balancing)) {
      invalid(`pool ${pool.name} balancing`, balancing, 'is unknown', "use 'round-robin', 'least-conn' or 'ip-hash'");
    }
    if (pool.keepaliveConnections !== undefined) {
      checkInteger(`pool ${pool.name} keepaliveConnections`, pool.keepaliveConnections, 0, 100000);
    }
    const endpoints = new Set<string>();
    let primaries = 0;
    for (const server of pool.servers) {
      checkHost(`pool ${pool.name} server host`, server.host);
      checkInteger(`pool ${pool.name} server ${server.host} port`, server.port, 1, 65535);
      const endpoint = `${server.host}:${server.port}`;
      if (endpoints.has(endpoint)) {
        invalid(`pool ${pool.name} server`, endpoint, 'is listed twice', 'list each host:port once (use weight for a bigger share)');
      }
      endpoints.add(endpoint);
      if (server.weight !== undefined) checkInteger(`pool ${pool.name} server ${endpoint} weight`, server.weight, 1, 1000);
      if (server.maxFails !== undefined) checkInteger(`pool ${pool.name} server ${endpoint} maxFails`, server.maxFails, 0, 1000);
      if (server.failTimeoutSeconds !== undefined) {
        checkInteger(`pool ${pool.name} server ${endpoint} failTimeoutSeconds`, server.failTimeoutSeconds, 1, 86400);
      }
      if (server.backup) {
        if (balancing === 'ip-hash') {
          invalid(
            `pool ${pool.name} server ${endpoint} backup`,
            true,
            "is not supported with balancing 'ip-hash'",
            "drop backup or use 'round-robin' or 'least-conn'",
          );
        }
      } else {
        primaries += 1;
      }
    }
    if (primaries === 0) {
      invalid(`pool ${pool.name} servers`, `${pool.servers.length} backup`, 'has no primary server', 'make at least one server not a backup');
    }
  }

  // Routes (the model's body size first: routes inherit it).
  if (model.maxBodySizeMiB !== undefined) checkInteger('maxBodySizeMiB', model.maxBodySizeMiB, 0, 1048576);
  if (model.routes.length === 0) {
    invalid('routes', '[]', 'is empty', 'add at least one route');
  }
  const locations = new Set<string>();
  for (const route of model.routes) {
    if (!route.path.startsWith('/')) {
      invalid('route path', route.path, "must start with '/'", `write it as ${quote('/' + route.path)}`);
    }
    if (!ROUTE_PATH.test(route.path)) {
      invalid(
        'route path',
        route.path,
        'contains characters that are not allowed',
        "use letters, digits and . _ ~ / % + , = : @ ! * - only (no spaces, quotes, ; { } # $ ? or '&')",
      );
    }
    if (!poolNames.has(route.pool)) {
      const known = [...poolNames].join(', ') || 'none';
      invalid(`route ${route.path} pool`, route.pool, 'is not a defined pool', `use one of: ${known}`);
    }
    if (route.exact && route.stripPrefix) {
      invalid(`route ${route.path} stripPrefix`, true, 'cannot be combined with exact', 'drop one of exact and stripPrefix');
    }
    const r = resolveRoute(route, model);
    if (locations.has(r.location)) {
      invalid('route path', route.path, `is used twice (location ${r.location})`, 'give every route a unique path');
    }
    locations.add(r.location);
    checkInteger(`route ${route.path} connectTimeoutSeconds`, r.connectTimeoutSeconds, 1, 75);
    checkInteger(`route ${route.path} readTimeoutSeconds`, r.readTimeoutSeconds, 1, 86400);
    checkInteger(`route ${route.path} sendTimeoutSeconds`, r.sendTimeoutSeconds, 1, 86400);
    checkInteger(`route ${route.path} maxBodySizeMiB`, r.maxBodySizeMiB, 0, 1048576);
    checkInteger(`route ${route.path} maxTries`, r.maxTries, 1, 100);
    checkInteger(`route ${route.path} retryTimeoutSeconds`, r.retryTimeoutSeconds, 1, 86400);
  }

  // Server.
  for (const name of model.serverNames ?? []) {
    if (!SERVER_NAME.test(name)) {
      invalid(
        'server name',
        name,
        'is not a hostname',
        "use a hostname, '*.example.com', '.example.com' or '_' (no regex, spaces, quotes, ; { } # $)",
      );
    }
  }
  if (model.serverNames !== undefined && model.serverNames.length === 0) {
    invalid('serverNames', '[]', 'is empty', "leave it unset for any host, or list at least one name");
  }
  const listenPort = model.listenPort ?? 80;
  checkInteger('listenPort', listenPort, 1, 65535);
  if (model.listenAddress !== undefined && model.listenAddress !== '*') {
    const a = model.listenAddress;
    const ipv4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(a);
    const okV4 = ipv4 !== null && ipv4.slice(1).every((o) => Number(o) <= 255);
    if (!okV4 && !(IPV6.test(a) && isIP(a) === 6)) {
      invalid('listenAddress', a, 'is not an IP address', "use an IPv4 or IPv6 address, or '*' for all addresses");
    }
  }
  if (model.backlog !== undefined) checkInteger('backlog', model.backlog, 1, 2147483647);

  if (model.tls) {
    checkFilePath('tls certificatePath', model.tls.certificatePath);
    checkFilePath('tls keyPath', model.tls.keyPath);
    const tlsPort = model.tls.port ?? 443;
    checkInteger('tls port', tlsPort, 1, 65535);
    if ((model.tls.redirectHttp ?? true) && tlsPort === listenPort) {
      invalid('tls port', tlsPort, `equals listenPort ${listenPort}`, 'use different ports for HTTPS and the HTTP redirect');
    }
    if (model.tls.hstsMaxAgeSeconds !== undefined) {
      checkInteger('tls hstsMaxAgeSeconds', model.tls.hstsMaxAgeSeconds, 0, 63072000);
    }
  }

  if (model.rateLimit) {
    checkInteger('rateLimit requestsPerSecond', model.rateLimit.requestsPerSecond, 1, 100000);
    if (model.rateLimit.burst !== undefined) checkInteger('rateLimit burst', model.rateLimit.burst, 0, 1000000);
    if (model.rateLimit.zoneSizeMiB !== undefined) checkInteger('rateLimit zoneSizeMiB', model.rateLimit.zoneSizeMiB, 1, 1024);
  }

  const gzip = model.gzip ?? {};
  for (const type of gzip.types ?? []) {
    if (!MIME_TYPE.test(type)) {
      invalid('gzip type', type, 'is not a MIME type', "write it as 'type/subtype' in lower case, e.g. 'application/json'");
    }
    if (type === 'text/html') {
      invalid('gzip type', type, 'is always compressed by nginx', 'remove it from the list');
    }
  }
  if (gzip.types !== undefined && new Set(gzip.types).size !== gzip.types.length) {
    invalid('gzip types', gzip.types.join(' '), 'list a type twice', 'list each type once');
  }
  if (gzip.minLengthBytes !== undefined) checkInteger('gzip minLengthBytes', gzip.minLengthBytes, 0, 1073741824);
  if (gzip.level !== undefined) checkInteger('gzip level', gzip.level, 1, 9);

  const proc = model.process ?? {};
  if (proc.workerProcesses !== undefined && proc.workerProcesses !== 'auto') {
    checkInteger('process workerProcesses', proc.workerProcesses, 1, 1024);
  }
  if (proc.workerConnections !== undefined) checkInteger('process workerConnections', proc.workerConnections, 16, 1048576);
  if (proc.pidPath !== undefined) checkFilePath('process pidPath', proc.pidPath);
  if (proc.errorLogPath !== undefined) checkFilePath('process errorLogPath', proc.errorLogPath, ['stderr']);
  if (proc.accessLogPath !== undefined) checkFilePath('process accessLogPath', proc.accessLogPath, ['off']);
  if (proc.tempDirectory !== undefined) checkFilePath('process tempDirectory', proc.tempDirectory);
}

function renderServer(server: UpstreamServer): string {
  const host = server.host.includes(':') ? `[${server.host}]` : server.host;
  const params = [`${host}:${server.port}`];
  if (server.weight !== undefined && server.weight !== 1) params.push(`weight=${server.weight}`);
  params.push(`max_fails=${server.maxFails ?? 3}`);
  params.push(`fail_timeout=${server.failTimeoutSeconds ?? 30}s`);
  if (server.backup) params.push('backup');
  return `server ${params.join(' ')};`;
}

function renderUpstream(pool: UpstreamPool): string[] {
  const lines = [`upstream ${pool.name} {`];
  const balancing = pool.balancing ?? 'round-robin';
  if (balancing === 'least-conn') lines.push('    least_conn;');
  if (balancing === 'ip-hash') lines.push('    ip_hash;');
  for (const server of pool.servers) lines.push(`    ${renderServer(server)}`);
  const keepalive = pool.keepaliveConnections ?? 64;
  if (keepalive > 0) lines.push(`    keepalive ${keepalive};`);
  lines.push('}');
  return lines;
}

function renderLocation(route: ResolvedRoute, model: NginxGatewayModel): string[] {
  const keepalive = (model.pools.find((p) => p.name === route.pool)?.keepaliveConnections ?? 64) > 0;
  const forwardedFor = model.trustForwardedFor ? '$proxy_add_x_forwarded_for' : '$remote_addr';
  const lines = [
    `location ${route.location} {`,
    `    proxy_pass http://${route.pool}${route.stripPrefix ? '/' : ''};`,
    '    proxy_http_version 1.1;',
    '    proxy_set_header Host $host;',
    '    proxy_set_header X-Real-IP $remote_addr;',
    `    proxy_set_header X-Forwarded-For ${forwardedFor};`,
    '    proxy_set_header X-Forwarded-Proto $scheme;',
    '    proxy_set_header X-Forwarded-Host $host;',
    // Empty Connection keeps the upstream connection open; without keepalive, close it explicitly.
    keepalive ? '    proxy_set_header Connection "";' : '    proxy_set_header Connection close;',
    `    proxy_connect_timeout ${route.connectTimeoutSeconds}s;`,
    `    proxy_send_timeout ${route.sendTimeoutSeconds}s;`,
    `    proxy_read_timeout ${route.readTimeoutSeconds}s;`,
    '    proxy_next_upstream error timeout http_502 http_503 http_504;',
    `    proxy_next_upstream_tries ${route.maxTries};`,
    `    proxy_next_upstream_timeout ${route.retryTimeoutSeconds}s;`,
    `    client_max_body_size ${route.maxBodySizeMiB === 0 ? '0' : `${route.maxBodySizeMiB}m`};`,
  ];
  if (model.rateLimit) {
    const burst = model.rateLimit.burst ?? model.rateLimit.requestsPerSecond * 2;
    lines.push(`    limit_req zone=${ZONE_NAME} burst=${burst} nodelay;`);
  }
  lines.push('}');
  return lines;
}

function listenLine(model: NginxGatewayModel, port: number, ssl: boolean): string {
  const address = model.listenAddress ?? '*';
  const host = address === '*' ? '' : address.includes(':') ? `[${address}]:` : `${address}:`;
  const params = [`${host}${port}`];
  if (ssl) params.push('ssl');
  if (model.backlog !== undefined) params.push(`backlog=${model.backlog}`);
  return `listen ${params.join(' ')};`;
}

function indent(lines: readonly string[], by: string): string[] {
  return lines.map((l) => (l === '' ? l : by + l));
}

/**
 * Renders the complete `nginx.conf` for a gateway model (validated first). The text is stable: the same
 * model always gives the same bytes, so a container that uploads it is replaced only on a real change.
 */
export function renderNginxConfig(model: NginxGatewayModel): string {
  validateNginxGateway(model);
  const proc = model.process ?? {};
  const gzip = model.gzip ?? {};
  const serverNames = (model.serverNames ?? ['_']).join(' ');
  const listenPort = model.listenPort ?? 80;
  const securityHeaders = model.securityHeaders ?? true;

  const http: string[] = ['server_tokens off;', `access_log ${proc.accessLogPath ?? '/dev/stdout'};`];
  if (proc.tempDirectory !== undefined) {
    const t = proc.tempDirectory.replace(/\/+$/, '');
    http.push(
      `client_body_temp_path ${t}/client_body;`,
      `proxy_temp_path ${t}/proxy;`,
      `fastcgi_temp_path ${t}/fastcgi;`,
      `uwsgi_temp_path ${t}/uwsgi;`,
      `scgi_temp_path ${t}/scgi;`,
    );
  }
  if (gzip.enabled ?? true) {
    http.push(
      'gzip on;',
      `gzip_types ${(gzip.types ?? DEFAULT_GZIP_TYPES).join(' ')};`,
      `gzip_min_length ${gzip.minLengthBytes ?? 256};`,
      `gzip_comp_level ${gzip.level ?? 5};`,
      // Compress for clients behind proxies and CDNs too, and tell caches the body varies.
      'gzip_proxied any;',
      'gzip_vary on;',
    );
  } else {
    http.push('gzip off;');
  }
  if (model.rateLimit) {
    http.push(
      `limit_req_zone $binary_remote_addr zone=${ZONE_NAME}:${model.rateLimit.zoneSizeMiB ?? 10}m rate=${model.rateLimit.requestsPerSecond}r/s;`,
      'limit_req_status 429;',
    );
  }
  for (const pool of model.pools) {
    http.push('', ...renderUpstream(pool));
  }

  const tls = model.tls;
  const tlsPort = tls?.port ?? 443;
  if (tls && (tls.redirectHttp ?? true)) {
    const target = tlsPort === 443 ? 'https://$host$request_uri' : `https://$host:${tlsPort}$request_uri`;
    http.push(
      '',
      'server {',
      `    ${listenLine(model, listenPort, false)}`,
      `    server_name ${serverNames};`,
      `    return 301 ${target};`,
      '}',
    );
  }

  const server: string[] = [tls ? listenLine(model, tlsPort, true) : listenLine(model, listenPort, false), `server_name ${serverNames};`];
  if (tls) {
    server.push(
      `ssl_certificate ${tls.certificatePath};`,
      `ssl_certificate_key ${tls.keyPath};`,
      'ssl_protocols TLSv1.2 TLSv1.3;',
      'ssl_session_cache shared:TLS:10m;',
      'ssl_session_timeout 1h;',
    );
  }
  if (securityHeaders) {
    // Server level only: locations set no add_header, so these are inherited by every location.
    server.push(
      'add_header X-Content-Type-Options nosniff always;',
      'add_header X-Frame-Options SAMEORIGIN always;',
      'add_header Referrer-Policy strict-origin-when-cross-origin always;',
    );
    const hsts = tls?.hstsMaxAgeSeconds ?? 31536000;
    if (tls && hsts > 0) server.push(`add_header Strict-Transport-Security "max-age=${hsts}" always;`);
  }
  for (const route of resolveRoutes(model)) {
    server.push('', ...renderLocation(route, model));
  }
  http.push('', 'server {', ...indent(server, '    '), '}');

  const lines = [
    '# Generated by renderers/nginx-config.ts: edit the model, not this file.',
    `worker_processes ${proc.workerProcesses ?? 'auto'};`,
    `pid ${proc.pidPath ?? '/run/nginx.pid'};`,
    `error_log ${proc.errorLogPath ?? 'stderr'} warn;`,
    '',
    'events {',
    `    worker_connections ${proc.workerConnections ?? 4096};`,
    '}',
    '',
    'http {',
    ...indent(http, '    '),
    '}',
  ];
  return lines.join('\n') + '\n';
}
