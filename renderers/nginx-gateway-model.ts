import { NginxProcess, NginxResolver, UpstreamPool } from './nginx-model';

/**
 * The typed model of the API gateway's `nginx.conf`: routes, virtual hosts, TLS and the gateway-wide
 * settings. Rendered by `renderNginxConfig` (`nginx-http.ts`), checked by `validateNginxGateway`.
 */

/**
 * Cross-origin requests a route allows (CORS); preflight requests are answered by the gateway.
 * @example
 * { path: '/api/', pool: 'api', cors: { allowOrigins: ['https://shop.example.no'], allowCredentials: true } }
 */
export interface GatewayCors {
  /**
   * Origins allowed to call the route, as `scheme://host[:port]` (`https://shop.example.no`,
   * `http://localhost:3000`), or `['*']` for any origin. Only an allowed origin gets
   * `Access-Control-Allow-Origin` back.
   */
  readonly allowOrigins: readonly string[];
  /**
   * Methods a preflight allows.
   * @default ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']
   */
  readonly allowMethods?: readonly string[];
  /**
   * Request headers a preflight allows.
   * @default ['Authorization', 'Content-Type', 'X-Request-ID']
   */
  readonly allowHeaders?: readonly string[];
  /**
   * Response headers scripts may read besides the CORS-safelisted ones.
   * @default ['X-Request-ID']
   */
  readonly exposeHeaders?: readonly string[];
  /**
   * Allow cookies and HTTP authentication (`Access-Control-Allow-Credentials: true`); not with `'*'`.
   * @default false
   */
  readonly allowCredentials?: boolean;
  /**
   * How long a browser may cache a preflight answer, in seconds (0-86400).
   * @default 600
   */
  readonly maxAgeSeconds?: number;
}

/**
 * Maintenance mode: every request answered by the gateway with 503, `Retry-After` and a small page
 * naming the request id. Set it on a route, a virtual host or the whole gateway.
 * @example
 * { path: '/reports/', pool: 'reports', maintenance: { retryAfterSeconds: 600, message: 'Reports are being rebuilt.' } }
 */
export interface GatewayMaintenance {
  /**
   * `Retry-After` value, in seconds (1-86400).
   * @default 300
   */
  readonly retryAfterSeconds?: number;
  /**
   * The sentence on the page: printable ASCII without `' " \ $ < > &`, at most 300 characters.
   * @default 'This service is being updated. Please try again in a few minutes.'
   */
  readonly message?: string;
}

/**
 * A path on the gateway and the pool it forwards to. WebSockets pass on every route unless turned off;
 * long-lived connections are best given a route of their own with a fitting idle timeout.
 * @example
 * const routes: GatewayRoute[] = [
 *   { path: '/', pool: 'web', responseHeaders: { 'Cache-Control': 'no-cache' } },
 *   { path: '/ws/', pool: 'chat', idleTimeoutSeconds: 3600 },           // WebSockets, idle up to an hour
 *   { path: '/events', pool: 'chat', streaming: true },                  // server-sent events, unbuffered
 *   { path: '/upload', pool: 'files', requestBuffering: false, maxBodySizeMiB: 0 },
 *   { path: '/api/', pool: 'api', requestHeaders: { 'X-Tenant': 'shop' }, websocket: false },
 * ];
 */
export interface GatewayRoute {
  /**
   * Path prefix (or exact path with `exact`), starting with `/`, unique among the routes of its host.
   * nginx matches the normalized, decoded request path, so `//`, `.` and `..` segments and `%`-encoded
   * characters are refused: such a location would never match.
   */
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
   * Pass WebSocket upgrades (`Upgrade`, `Connection: upgrade`) to the pool. Ordinary requests still
   * reuse keepalive connections; an upgraded connection lives until either side closes it or it is idle
   * for `idleTimeoutSeconds`.
   * @default true
   */
  readonly websocket?: boolean;
  /**
   * Stream responses to the client as they arrive (`proxy_buffering off`): server-sent events, long
   * polls, large downloads. Also makes the read and send timeouts default to 3600 s.
   * @default false
   */
  readonly streaming?: boolean;
  /**
   * Read the whole request body before forwarding it; false streams uploads to the pool as they arrive
   * (`proxy_request_buffering off`), and such a request is never retried on another server once sent.
   * @default true
   */
  readonly requestBuffering?: boolean;
  /**
   * Idle timeout of long-lived connections on this route (an upgraded WebSocket, a stream), in seconds:
   * the longest silence in either direction before nginx closes it. It is the route's read and send
   * timeout, so plain requests on the route wait as long for an answer: give long-lived connections a
   * route of their own.
   * @default readTimeoutSeconds and sendTimeoutSeconds
   */
  readonly idleTimeoutSeconds?: number;
  /**
   * Time allowed to open a connection to one server before trying the next, 1-75 seconds.
   * @default 2
   */
  readonly connectTimeoutSeconds?: number;
  /**
   * Longest silence between two reads of the response from the server, in seconds (at least 1).
   * @default idleTimeoutSeconds, else 30 (3600 with `streaming`)
   */
  readonly readTimeoutSeconds?: number;
  /**
   * Longest silence between two writes of the request to the server, in seconds (at least 1).
   * @default idleTimeoutSeconds, else 30 (3600 with `streaming`)
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
  /**
   * Headers added to the route's successful responses (2xx, 3xx), e.g. `{ 'Cache-Control': 'no-store' }`.
   * Names: letters, digits and `-`; values: printable ASCII without `" \ $`. A security header set here
   * replaces the gateway's own for this route.
   * @default none
   */
  readonly responseHeaders?: Readonly<Record<string, string>>;
  /**
   * Headers added to every request forwarded to the pool, e.g. `{ 'X-Tenant': 'shop' }`; the same
   * checks as `responseHeaders`. The forwarding headers the gateway sets cannot be replaced.
   * @default none
   */
  readonly requestHeaders?: Readonly<Record<string, string>>;
  /**
   * Cross-origin requests allowed on this route; preflight requests are answered with 204.
   * @default undefined (no CORS headers; the pool may send its own)
   */
  readonly cors?: GatewayCors;
  /**
   * Answer every request of this route with 503 and a maintenance page instead of forwarding it.
   * @default undefined (forwarded)
   */
  readonly maintenance?: GatewayMaintenance;
}

/** A certificate and its key, as nginx sees them (inside the container). */
export interface GatewayCertificate {
  /** Absolute path of the certificate chain (PEM): the certificate first, then the intermediates. */
  readonly certificatePath: string;
  /** Absolute path of the private key (PEM). */
  readonly keyPath: string;
}

/**
 * HTTPS termination at the gateway (Mozilla's intermediate profile: TLS 1.2 and 1.3, AEAD ciphers), with
 * HTTP/2 and the HTTP-to-HTTPS redirect.
 * @example
 * // nginx listens on 443 in its container, published on the host as 8443: the redirect must say 8443
 * { certificatePath: '/etc/nginx/tls/shop.crt', keyPath: '/etc/nginx/tls/shop.key', redirectPort: 8443, ocspStapling: true }
 */
export interface GatewayTls extends GatewayCertificate {
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
   * The port the HTTP-to-HTTPS redirect sends clients to: where HTTPS is published (e.g. the host port a
   * container's HTTPS port is mapped to), not necessarily the port nginx listens on.
   * @default port
   */
  readonly redirectPort?: number;
  /**
   * Offer HTTP/2 (ALPN), in the directive form of `nginxVersion` (`http2 on;` from 1.25.1, `listen ...
   * http2` before).
   * @default true
   */
  readonly http2?: boolean;
  /**
   * Staple OCSP responses (`ssl_stapling`, verified). Needs a `resolver` to reach the OCSP responder.
   * @default false
   */
  readonly ocspStapling?: boolean;
  /**
   * Absolute path of the issuer chain (PEM) that verifies stapled OCSP responses (`ssl_trusted_certificate`).
   * @default unset: the chain in certificatePath is used
   */
  readonly trustedCertificatePath?: string;
  /**
   * Send `Strict-Transport-Security` (only with security headers on), in seconds; 0 sends none.
   * @default 31536000 (one year)
   */
  readonly hstsMaxAgeSeconds?: number;
}

/**
 * One more server block: its own names, routes and certificate. With virtual hosts, a default server
 * answers requests for any other name with 421, so no app answers for a name it does not own; list
 * `localhost` (and the published address) among the first host's names to reach it locally.
 * @example
 * serverNames: ['shop.example.no', 'localhost', '127.0.0.1'],
 * routes: [{ path: '/', pool: 'web' }],
 * virtualHosts: [
 *   { serverNames: ['api.example.no'], routes: [{ path: '/', pool: 'api' }],
 *     certificate: { certificatePath: '/etc/nginx/tls/api.crt', keyPath: '/etc/nginx/tls/api.key' } },
 * ],
 */
export interface GatewayVirtualHost {
  /** Host names (`api.example.no`, `*.example.no`, `.example.no`), unique across the gateway; no `_`. */
  readonly serverNames: readonly string[];
  /** The host's routes, at least one; paths unique within the host. */
  readonly routes: readonly GatewayRoute[];
  /**
   * The host's certificate (needs `tls`).
   * @default the certificate of `tls`
   */
  readonly certificate?: GatewayCertificate;
  /**
   * Answer every request for this host with 503 and a maintenance page.
   * @default undefined (routes served)
   */
  readonly maintenance?: GatewayMaintenance;
}

/**
 * How the gateway keeps clients' connections open. What makes a reload gapless for keep-alive clients:
 * a connection used in the last `minTimeoutSeconds` is not closed by a graceful shutdown (a client
 * reusing it then would get a reset), and `timeSeconds` makes every connection end, after a response
 * that says `Connection: close`, within that time, so the old workers of a reload finish.
 */
export interface GatewayClientKeepalive {
  /**
   * How long an idle client connection stays open (`keepalive_timeout`).
   * @default 75 (nginx's)
   */
  readonly timeoutSeconds?: number;
  /**
   * How long after a request a connection is neither reused for another client nor closed by a reload
   * (`keepalive_min_timeout`, nginx 1.27.4 or newer).
   * @default none
   */
  readonly minTimeoutSeconds?: number;
  /**
   * The longest life of one client connection (`keepalive_time`).
   * @default 3600 (nginx's)
   */
  readonly timeSeconds?: number;
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
export interface GatewayProcess extends NginxProcess {
  /**
   * Absolute path of the access log (one JSON object per request: time, client, host, method, path,
   * status, bytes, request time, request id, upstream address, status and timings), or `'off'`.
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

/**
 * The whole gateway: pools, routes and server settings.
 * @example
 * renderNginxConfig({
 *   pools: [{ name: 'web', servers: [{ host: 'web', port: 8080 }], keepaliveTimeoutSeconds: 50 }],
 *   routes: [{ path: '/', pool: 'web' }],
 *   nginxVersion: '1.30',                      // `http2 on;`, and `resolve` with a resolver
 *   resolver: { addresses: ['127.0.0.11'] },   // Docker's DNS: replaced containers' new addresses are picked up
 *   requestIdFormat: 'random',                 // 32 hex digits instead of the cheaper sequential ids
 *   process: { workerShutdownTimeoutSeconds: 30 },
 * });
 */
export interface NginxGatewayModel {
  /** Upstream pools; names unique, each used by at least one route or not, as you like. */
  readonly pools: readonly UpstreamPool[];
  /** Routes of the first (or only) host, at least one; paths unique. */
  readonly routes: readonly GatewayRoute[];
  /**
   * `server_name` values of the first host (hostnames, `*.example.com`, `.example.com`). Alone, that host
   * is the catch-all and answers any name; with `virtualHosts` it answers only these names.
   * @default ['_'] (any host; not allowed with `virtualHosts`)
   */
  readonly serverNames?: readonly string[];
  /**
   * More hosts, each a server block of its own; requests for unknown names get 421.
   * @default none (one server, the catch-all)
   */
  readonly virtualHosts?: readonly GatewayVirtualHost[];
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
   * How client connections are kept open (see `GatewayClientKeepalive`).
   * @default nginx's (75 s idle, 1 h at most)
   */
  readonly clientKeepalive?: GatewayClientKeepalive;
  /**
   * How the gateway makes the request id of a request that brings none (or a malformed one; a client's
   * `X-Request-ID` of 8-128 letters, digits and `. _ : -` is kept):
   * - `'sequential'`: `<host name>-<time in ms>-<connection>-<request on it>`, unique per gateway host and
   *   almost free;
   * - `'random'`: 32 random hex digits (nginx's `$request_id`), which costs the gateway about a fifth more
   *   CPU per request (OpenSSL's random generator; see BENCHMARKS.md).
   * @default 'sequential'
   */
  readonly requestIdFormat?: 'sequential' | 'random';
  /**
   * Answer every request of every host with 503 and a maintenance page.
   * @default undefined (routes served)
   */
  readonly maintenance?: GatewayMaintenance;
  /**
   * The nginx version the configuration is for, `X.Y` or `X.Y.Z` (1.22 or newer): it selects directive
   * forms (`http2`, `resolve`).
   * @default '1.22' (Debian bookworm's; the forms every supported version accepts)
   */
  readonly nginxVersion?: string;
  /**
   * DNS servers nginx asks while it runs (see `NginxResolver`).
   * @default undefined (names resolved when nginx loads the configuration)
   */
  readonly resolver?: NginxResolver;
  /**
   * Absolute paths of dynamic modules to load (`load_module`), e.g. Debian's
   * `/usr/lib/nginx/modules/ngx_stream_module.so`.
   * @default none
   */
  readonly modules?: readonly string[];
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

/** Resolved defaults of a route, exposed for constructs and tests. */
export interface ResolvedRoute {
  readonly path: string;
  readonly pool: string;
  readonly exact: boolean;
  readonly stripPrefix: boolean;
  readonly websocket: boolean;
  readonly streaming: boolean;
  readonly requestBuffering: boolean;
  readonly connectTimeoutSeconds: number;
  readonly readTimeoutSeconds: number;
  readonly sendTimeoutSeconds: number;
  readonly maxBodySizeMiB: number;
  readonly maxTries: number;
  readonly retryTimeoutSeconds: number;
  /** The `location` argument as rendered (`= /x`, `/x`, or `/x/` with `stripPrefix`). */
  readonly location: string;
}
