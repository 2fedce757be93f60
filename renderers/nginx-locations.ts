import { GatewayCors, GatewayMaintenance, GatewayRoute, NginxGatewayModel, ResolvedRoute } from './nginx-gateway-model';
import { indent } from './nginx-core-render';
import {
  DEFAULT_CORS_EXPOSE,
  DEFAULT_CORS_HEADERS,
  DEFAULT_CORS_METHODS,
  DEFAULT_MAINTENANCE_MESSAGE,
  DEFAULT_RETRY_AFTER_SECONDS,
} from './nginx-route-checks';

/**
 * The `location` blocks of the gateway: the proxy block every route repeats, CORS, maintenance and the
 * gateway's own error pages.
 *
 * nginx drops every inherited `proxy_set_header` and `add_header` as soon as a level sets one of its
 * own, so nothing relies on inheritance: a location that adds a response header repeats the server's
 * headers too.
 */

/** The request id: the client's `X-Request-ID` when well formed, else one nginx generates. */
export const REQUEST_ID = '$gateway_request_id';
/** `Connection` for proxied requests: `upgrade` for WebSocket handshakes, else empty (keepalive) or `close`. */
export const CONNECTION_KEEPALIVE = '$connection_upgrade';
export const CONNECTION_CLOSE = '$connection_upgrade_or_close';
/** 1 for a CORS preflight (OPTIONS with Access-Control-Request-Method), else 0. */
export const CORS_PREFLIGHT = '$cors_preflight';

/** A response header line and the header's name (lower case), for overriding by name. */
export interface HeaderLine {
  readonly name: string;
  readonly line: string;
}

/** What the location renderer needs besides the route. */
export interface LocationContext {
  readonly model: NginxGatewayModel;
  /** The server's `add_header` lines, repeated in every location that sets its own. */
  readonly serverHeaders: readonly HeaderLine[];
  /** The map variable of each CORS origin list (keyed by `corsOriginsKey`). */
  readonly corsOriginVariables: ReadonlyMap<string, string>;
}

/** The key of a CORS origin list in `corsOriginVariables`. */
export function corsOriginsKey(cors: GatewayCors): string {
  return cors.allowOrigins.join(' ');
}

const header = (name: string, value: string, always = true): HeaderLine => ({
  name: name.toLowerCase(),
  line: `add_header ${name} ${value}${always ? ' always' : ''};`,
});
const quoted = (value: string): string => `"${value}"`;

/** The route's own headers first, then the server's that the route does not replace. */
function withServerHeaders(own: readonly HeaderLine[], server: readonly HeaderLine[]): string[] {
  const names = new Set(own.map((h) => h.name));
  return [...own, ...server.filter((h) => !names.has(h.name))].map((h) => h.line);
}

/** The small HTML page of maintenance and error answers, naming the request id. */
function page(title: string, sentence: string): string {
  return `'<!doctype html><title>${title}</title><h1>${title}</h1><p>${sentence}</p><p>Request id: ${REQUEST_ID}</p>\\n'`;
}

/** A location answering 503 with Retry-After and the maintenance page. */
export function renderMaintenanceLocation(location: string, maintenance: GatewayMaintenance, ctx: LocationContext): string[] {
  const retryAfter = header('Retry-After', `${maintenance.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS}`);
  return [
    `location ${location} {`,
    '    default_type text/html;',
    ...indent(withServerHeaders([retryAfter], ctx.serverHeaders)),
    `    return 503 ${page('Down for maintenance', maintenance.message ?? DEFAULT_MAINTENANCE_MESSAGE)};`,
    '}',
  ];
}

/** The gateway's own 502 and 504 answers (named locations, inheriting the server's headers). */
export function renderErrorLocations(): string[] {
  return [
    'location @gateway_502 {',
    '    default_type text/html;',
    `    return 502 ${page('502 Bad Gateway', 'The service behind this address did not answer.')};`,
    '}',
    '',
    'location @gateway_504 {',
    '    default_type text/html;',
    `    return 504 ${page('504 Gateway Timeout', 'The service behind this address took too long to answer.')};`,
    '}',
  ];
}

/** The CORS headers of ordinary responses, and the preflight block. */
function corsLines(cors: GatewayCors, ctx: LocationContext): { headers: HeaderLine[]; preflight: string[] } {
  const any = cors.allowOrigins[0] === '*';
  const origin = header('Access-Control-Allow-Origin', any ? '*' : ctx.corsOriginVariables.get(corsOriginsKey(cors))!);
  const common = [origin];
  if (cors.allowCredentials) common.push(header('Access-Control-Allow-Credentials', 'true'));
  if (!any) common.push(header('Vary', 'Origin'));
  const expose = cors.exposeHeaders ?? DEFAULT_CORS_EXPOSE;
  const headers = [...common];
  if (expose.length > 0) headers.push(header('Access-Control-Expose-Headers', quoted(expose.join(', '))));
  const allowHeaders = cors.allowHeaders ?? DEFAULT_CORS_HEADERS;
  const preflightHeaders = [
    ...common,
    header('Access-Control-Allow-Methods', quoted((cors.allowMethods ?? DEFAULT_CORS_METHODS).join(', '))),
    ...(allowHeaders.length > 0 ? [header('Access-Control-Allow-Headers', quoted(allowHeaders.join(', ')))] : []),
    header('Access-Control-Max-Age', `${cors.maxAgeSeconds ?? 600}`),
  ];
  const preflight = [`if (${CORS_PREFLIGHT}) {`, ...indent(withServerHeaders(preflightHeaders, ctx.serverHeaders)), '    return 204;', '}'];
  return { headers, preflight };
}

/** The location of one route: the whole proxy block, or the maintenance answer. */
export function renderLocation(route: GatewayRoute, r: ResolvedRoute, ctx: LocationContext): string[] {
  if (route.maintenance) return renderMaintenanceLocation(r.location, route.maintenance, ctx);
  const model = ctx.model;
  const keepalive = (model.pools.find((p) => p.name === r.pool)?.keepaliveConnections ?? 64) > 0;
  const forwardedFor = model.trustForwardedFor ? '$proxy_add_x_forwarded_for' : '$remote_addr';
  const lines = [
    `location ${r.location} {`,
    `    proxy_pass http://${r.pool}${r.stripPrefix ? '/' : ''};`,
    '    proxy_http_version 1.1;',
    '    proxy_set_header Host $host;',
    '    proxy_set_header X-Real-IP $remote_addr;',
    `    proxy_set_header X-Forwarded-For ${forwardedFor};`,
    '    proxy_set_header X-Forwarded-Proto $scheme;',
    '    proxy_set_header X-Forwarded-Host $host;',
    `    proxy_set_header X-Request-ID ${REQUEST_ID};`,
  ];
  if (r.websocket) {
    lines.push('    proxy_set_header Upgrade $http_upgrade;', `    proxy_set_header Connection ${keepalive ? CONNECTION_KEEPALIVE : CONNECTION_CLOSE};`);
  } else {
    // Empty Connection keeps the upstream connection open; without keepalive, close it explicitly.
    lines.push(keepalive ? '    proxy_set_header Connection "";' : '    proxy_set_header Connection close;');
  }
  for (const [name, value] of Object.entries(route.requestHeaders ?? {})) lines.push(`    proxy_set_header ${name} ${quoted(value)};`);
  lines.push(
    `    proxy_connect_timeout ${r.connectTimeoutSeconds}s;`,
    `    proxy_send_timeout ${r.sendTimeoutSeconds}s;`,
    `    proxy_read_timeout ${r.readTimeoutSeconds}s;`,
    '    proxy_next_upstream error timeout http_502 http_504;',
    `    proxy_next_upstream_tries ${r.maxTries};`,
    `    proxy_next_upstream_timeout ${r.retryTimeoutSeconds}s;`,
    `    client_max_body_size ${r.maxBodySizeMiB === 0 ? '0' : `${r.maxBodySizeMiB}m`};`,
  );
  if (r.streaming) lines.push('    proxy_buffering off;');
  if (!r.requestBuffering) lines.push('    proxy_request_buffering off;');
  if (model.rateLimit) {
    const burst = model.rateLimit.burst ?? model.rateLimit.requestsPerSecond * 2;
    lines.push(`    limit_req zone=per_client burst=${burst} nodelay;`);
  }
  // Route headers apply to successful answers only (no `always`): a Cache-Control must not cache an error.
  const own = Object.entries(route.responseHeaders ?? {}).map(([name, value]) => header(name, quoted(value), false));
  const cors = route.cors ? corsLines(route.cors, ctx) : undefined;
  if (cors) own.push(...cors.headers);
  if (own.length > 0) lines.push(...indent(withServerHeaders(own, ctx.serverHeaders)));
  if (cors) lines.push(...indent(cors.preflight));
  lines.push('}');
  return lines;
}
