import { listenEndpoint } from './nginx-checks';
import { indent, renderMainContext, renderPool, renderResolver, resolvesWhileRunning } from './nginx-core-render';
import { DEFAULT_GZIP_TYPES, GatewayCertificate, GatewayMaintenance, GatewayRoute, NginxGatewayModel } from './nginx-gateway-model';
import { validateNginxGateway } from './nginx-gateway-validation';
import {
  CONNECTION_CLOSE,
  CONNECTION_KEEPALIVE,
  CORS_PREFLIGHT,
  HeaderLine,
  LocationContext,
  REQUEST_ID,
  corsOriginsKey,
  renderErrorLocations,
  renderLocation,
  renderMaintenanceLocation,
} from './nginx-locations';
import { resolveRoute } from './nginx-route-checks';
import { DEFAULT_NGINX_VERSION, HTTP2_DIRECTIVE_SINCE, nginxAtLeast } from './nginx-version';

/**
 * Renders the gateway's whole `nginx.conf`: the main context, the http block (log format, maps, gzip,
 * limits, TLS, pools) and one server per host, plus the HTTP-to-HTTPS redirect and, with several hosts,
 * a default server that refuses unknown names.
 *
 * Design choices the rendered text depends on:
 * - Upstream keepalive is on by default: an idle pool of connections per worker turns one new upstream
 *   connection per request into about one per thousand (the article's config opens one per request).
 *   WebSocket upgrades pass through a `map` of `$http_upgrade`: ordinary requests send no `Connection`
 *   header upstream and keep the connection, handshakes send `Connection: upgrade`.
 * - Retries go to the next server on errors, timeouts, 502 and 504, with bounded tries and a bounded
 *   total time. Not on 503: nginx counts every retried answer against the server (`max_fails`), and a
 *   service that answers 503 because its database is away would leave the pool for `fail_timeout` with
 *   every one of its routes. nginx never retries a non-idempotent request (POST, PATCH, LOCK) once it reached an
 *   upstream, and `non_idempotent` is deliberately not rendered.
 * - Security headers and `X-Request-ID` are set at server level and repeated in a location only when it
 *   sets response headers of its own.
 * - With one host, its server is the catch-all (a dev gateway answers on any address it is reached by);
 *   with several, a default server answers unknown names with 421.
 */

/** Mozilla's intermediate TLS profile (guidelines 6.0): TLS 1.2 and 1.3, forward-secret AEAD ciphers. */
const MOZILLA_INTERMEDIATE = [
  'ssl_protocols TLSv1.2 TLSv1.3;',
  'ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305;',
  'ssl_ecdh_curve X25519:prime256v1:secp384r1;',
  'ssl_prefer_server_ciphers off;',
  'ssl_session_cache shared:TLS:10m;',
  'ssl_session_timeout 1d;',
  'ssl_session_tickets off;',
];

/** One JSON object per request; `escape=json` keeps every value inside its string. */
const JSON_LOG_FORMAT = [
  'log_format gateway_json escape=json',
  `    '{"time":"$time_iso8601","client":"$remote_addr","host":"$host","method":"$request_method","path":"$uri",'`,
  `    '"status":$status,"bytes":$body_bytes_sent,"request_time":$request_time,"request_id":"${REQUEST_ID}",'`,
  `    '"upstream":"$upstream_addr","upstream_status":"$upstream_status","upstream_connect_time":"$upstream_connect_time",'`,
  `    '"upstream_header_time":"$upstream_header_time","upstream_response_time":"$upstream_response_time"}';`,
];

/** A server block to render: the first host from the model's top level, then each virtual host. */
interface Host {
  readonly serverNames: readonly string[];
  readonly routes: readonly GatewayRoute[];
  readonly certificate?: GatewayCertificate;
  readonly maintenance?: GatewayMaintenance;
}

function hostsOf(model: NginxGatewayModel): Host[] {
  return [
    { serverNames: model.serverNames ?? ['_'], routes: model.routes, certificate: model.tls, maintenance: model.maintenance },
    ...(model.virtualHosts ?? []).map((h) => ({
      serverNames: h.serverNames,
      routes: h.routes,
      certificate: h.certificate ?? model.tls,
      maintenance: h.maintenance ?? model.maintenance,
    })),
  ];
}

/** Renders `listen` lines so each address:port gets its socket options (backlog) exactly once. */
class Listener {
  private readonly optioned = new Set<number>();
  constructor(private readonly model: NginxGatewayModel) {}

  line(port: number, options: { ssl?: boolean; http2?: boolean; defaultServer?: boolean } = {}): string {
    const params = [listenEndpoint(this.model.listenAddress, port)];
    if (options.ssl) params.push('ssl');
    if (options.http2) params.push('http2');
    if (options.defaultServer) params.push('default_server');
    if (this.model.backlog !== undefined && !this.optioned.has(port)) params.push(`backlog=${this.model.backlog}`);
    this.optioned.add(port);
    return `listen ${params.join(' ')};`;
  }
}

function serverHeaderLines(model: NginxGatewayModel): HeaderLine[] {
  const lines: HeaderLine[] = [];
  const add = (name: string, value: string): void => {
    lines.push({ name: name.toLowerCase(), line: `add_header ${name} ${value} always;` });
  };
  if (model.securityHeaders ?? true) {
    add('X-Content-Type-Options', 'nosniff');
    add('X-Frame-Options', 'SAMEORIGIN');
    add('Referrer-Policy', 'strict-origin-when-cross-origin');
    const hsts = model.tls?.hstsMaxAgeSeconds ?? 31536000;
    if (model.tls && hsts > 0) add('Strict-Transport-Security', `"max-age=${hsts}"`);
  }
  add('X-Request-ID', REQUEST_ID);
  return lines;
}

function renderMaps(model: NginxGatewayModel, routes: readonly GatewayRoute[], corsOrigins: ReadonlyMap<string, string>): string[] {
  const lines: string[] = [];
  const keepaliveOf = (pool: string): boolean => (model.pools.find((p) => p.name === pool)?.keepaliveConnections ?? 64) > 0;
  const upgrades = routes.filter((r) => !r.maintenance && (r.websocket ?? true));
  if (upgrades.some((r) => keepaliveOf(r.pool))) {
    lines.push('', `map $http_upgrade ${CONNECTION_KEEPALIVE} {`, '    default upgrade;', '    "" "";', '}');
  }
  if (upgrades.some((r) => !keepaliveOf(r.pool))) {
    lines.push('', `map $http_upgrade ${CONNECTION_CLOSE} {`, '    default upgrade;', '    "" close;', '}');
  }
  const generated = model.requestIdFormat === 'random' ? '$request_id' : '$hostname-$msec-$connection-$connection_requests';
  lines.push('', `map $http_x_request_id ${REQUEST_ID} {`, `    default ${generated};`, '    "~^[A-Za-z0-9._:-]{8,128}$" $http_x_request_id;', '}');
  if (routes.some((r) => r.cors && !r.maintenance)) {
    lines.push('', `map "$request_method:$http_access_control_request_method" ${CORS_PREFLIGHT} {`, '    default 0;', '    "~^OPTIONS:." 1;', '}');
  }
  for (const [key, variable] of corsOrigins) {
    lines.push('', `map $http_origin ${variable} {`, '    default "";', ...key.split(' ').map((o) => `    "${o}" $http_origin;`), '}');
  }
  return lines;
}

/**
 * Renders the complete `nginx.conf` for a gateway model (validated first). The text is stable: the same
 * model always gives the same bytes, so a container that uploads it is replaced only on a real change.
 */
export function renderNginxConfig(model: NginxGatewayModel): string {
  validateNginxGateway(model);
  const proc = model.process ?? {};
  const gzip = model.gzip ?? {};
  const version = model.nginxVersion ?? DEFAULT_NGINX_VERSION;
  const hosts = hostsOf(model);
  const servedRoutes = hosts.flatMap((h) => (h.maintenance ? [] : h.routes));

  const http: string[] = ['server_tokens off;'];
  const accessLog = proc.accessLogPath ?? '/dev/stdout';
  if (accessLog === 'off') http.push('access_log off;');
  else http.push(...JSON_LOG_FORMAT, `access_log ${accessLog} gateway_json;`);
  const keepalive = model.clientKeepalive ?? {};
  if (keepalive.timeoutSeconds !== undefined) http.push(`keepalive_timeout ${keepalive.timeoutSeconds}s;`);
  if (keepalive.minTimeoutSeconds !== undefined) http.push(`keepalive_min_timeout ${keepalive.minTimeoutSeconds}s;`);
  if (keepalive.timeSeconds !== undefined) http.push(`keepalive_time ${keepalive.timeSeconds}s;`);
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
      `limit_req_zone $binary_remote_addr zone=per_client:${model.rateLimit.zoneSizeMiB ?? 10}m rate=${model.rateLimit.requestsPerSecond}r/s;`,
      'limit_req_status 429;',
    );
  }
  if (model.resolver) http.push(renderResolver(model.resolver));
  const tls = model.tls;
  if (tls) {
    http.push(...MOZILLA_INTERMEDIATE);
    if (tls.ocspStapling) {
      http.push('ssl_stapling on;', 'ssl_stapling_verify on;');
      if (tls.trustedCertificatePath !== undefined) http.push(`ssl_trusted_certificate ${tls.trustedCertificatePath};`);
    }
  }

  const corsOrigins = new Map<string, string>();
  for (const route of servedRoutes) {
    if (!route.cors || route.maintenance || route.cors.allowOrigins[0] === '*') continue;
    const key = corsOriginsKey(route.cors);
    if (!corsOrigins.has(key)) corsOrigins.set(key, `$cors_origin_${corsOrigins.size + 1}`);
  }
  http.push(...renderMaps(model, servedRoutes, corsOrigins));

  const zones = resolvesWhileRunning(model);
  for (const pool of model.pools) http.push('', ...renderPool(pool, zones ? `upstream_${pool.name}` : undefined));

  const listener = new Listener(model);
  const listenPort = model.listenPort ?? 80;
  const tlsPort = tls?.port ?? 443;
  const http2 = tls !== undefined && (tls.http2 ?? true);
  const http2Directive = http2 && nginxAtLeast(version, HTTP2_DIRECTIVE_SINCE);
  const tlsListen = (defaultServer = false): string => listener.line(tlsPort, { ssl: true, http2: http2 && !http2Directive, defaultServer });
  const servesPlainHttp = !tls || (tls.redirectHttp ?? true);
  const several = hosts.length > 1;

  if (several) {
    // Unknown names (and clients that name none) get 421 rather than some app's answer.
    const refuse: string[] = [];
    if (servesPlainHttp) refuse.push(listener.line(listenPort, { defaultServer: true }));
    if (tls) refuse.push(tlsListen(true));
    refuse.push('server_name _;');
    if (http2Directive) refuse.push('http2 on;');
    if (tls) refuse.push(`ssl_certificate ${tls.certificatePath};`, `ssl_certificate_key ${tls.keyPath};`);
    refuse.push('return 421;');
    http.push('', 'server {', ...indent(refuse), '}');
  }

  if (tls && (tls.redirectHttp ?? true)) {
    const port = tls.redirectPort ?? tlsPort;
    const target = port === 443 ? 'https://$host$request_uri' : `https://$host:${port}$request_uri`;
    const names = hosts.flatMap((h) => h.serverNames).join(' ');
    http.push('', 'server {', `    ${listener.line(listenPort)}`, `    server_name ${names};`, `    return 301 ${target};`, '}');
  }

  const serverHeaders = serverHeaderLines(model);
  const ctx: LocationContext = { model, serverHeaders, corsOriginVariables: corsOrigins };
  for (const host of hosts) {
    const server: string[] = [tls ? tlsListen() : listener.line(listenPort), `server_name ${host.serverNames.join(' ')};`];
    if (http2Directive) server.push('http2 on;');
    if (host.certificate && tls) server.push(`ssl_certificate ${host.certificate.certificatePath};`, `ssl_certificate_key ${host.certificate.keyPath};`);
    server.push(...serverHeaders.map((h) => h.line), 'error_page 502 @gateway_502;', 'error_page 504 @gateway_504;');
    if (host.maintenance) {
      server.push('', ...renderMaintenanceLocation('/', host.maintenance, ctx));
    } else {
      for (const route of host.routes) server.push('', ...renderLocation(route, resolveRoute(route, model), ctx));
    }
    server.push('', ...renderErrorLocations());
    http.push('', 'server {', ...indent(server), '}');
  }

  const lines = [...renderMainContext('renderers/nginx-config.ts', model), '', 'http {', ...indent(http), '}'];
  return lines.join('\n') + '\n';
}
