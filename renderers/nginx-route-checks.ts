import { quote } from './invalid-input';
import { checkBoolean, checkInteger, invalid } from './nginx-checks';
import { GatewayCors, GatewayMaintenance, GatewayRoute, NginxGatewayModel, ResolvedRoute } from './nginx-gateway-model';

/**
 * Checks and defaults of one gateway route: its path (only forms nginx can match), timeouts, headers,
 * CORS and maintenance. `nginx-gateway-validation.ts` runs them for every host.
 */

// No whitespace, quotes, `;`, `{`, `}`, `#`, `$`, `?`, `&` or `%`.
const PATH_CHARS = /^[A-Za-z0-9._~\/+,=:@!*-]*$/;
const HEADER_NAME = /^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/;
// Printable ASCII without `"`, `$` and `\`: safe inside an nginx double-quoted string, no variables.
const HEADER_VALUE = /^[\x20\x21\x23\x25-\x5b\x5d-\x7e]{1,1024}$/;
// Printable ASCII without `'`, `"`, `\`, `$`, `<`, `>` and `&`: safe in a single-quoted string and in HTML.
const PAGE_TEXT = /^[\x20\x21\x23\x25\x28-\x3b\x3d\x3f-\x5b\x5d-\x7e]{1,300}$/;
const ORIGIN = /^https?:\/\/(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?::\d{1,5})?$/;
const METHOD = /^[A-Z]{1,20}$/;

/** Request headers the gateway sets itself, and hop-by-hop headers nginx manages. */
const GATEWAY_REQUEST_HEADERS = [
  'host', 'x-real-ip', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-request-id', 'upgrade', 'connection',
  'content-length', 'transfer-encoding', 'te', 'trailer', 'keep-alive', 'proxy-connection',
];
/** Response headers the gateway or nginx sets itself. */
const GATEWAY_RESPONSE_HEADERS = ['x-request-id', 'retry-after', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'date', 'server'];

/** The CORS defaults. */
export const DEFAULT_CORS_METHODS: readonly string[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];
export const DEFAULT_CORS_HEADERS: readonly string[] = ['Authorization', 'Content-Type', 'X-Request-ID'];
export const DEFAULT_CORS_EXPOSE: readonly string[] = ['X-Request-ID'];
/** The maintenance defaults. */
export const DEFAULT_RETRY_AFTER_SECONDS = 300;
export const DEFAULT_MAINTENANCE_MESSAGE = 'This service is being updated. Please try again in a few minutes.';

interface Problem {
  readonly problem: string;
  readonly fix: string;
}

/** The path as nginx normalizes a request path: single slashes, `.` and `..` resolved. */
function normalizedPath(path: string): string {
  const segments = path.split('/');
  const out: string[] = [];
  for (const s of segments) {
    if (s === '' || s === '.') continue;
    if (s === '..') out.pop();
    else out.push(s);
  }
  const last = segments[segments.length - 1];
  const trailing = out.length > 0 && (last === '' || last === '.' || last === '..');
  return `/${out.join('/')}${trailing ? '/' : ''}`;
}

/** "write it as <candidate>" when the candidate passes every check, else the generic fix. */
function suggestion(candidate: string | undefined, otherwise: string): string {
  return candidate !== undefined && routePathProblem(candidate, false) === undefined ? `write it as ${quote(candidate)}` : otherwise;
}

/**
 * What is wrong with a route path, or undefined. A suggested fix is only given when it passes every
 * check itself (`suggest` false: no suggestion, for checking a candidate).
 */
function routePathProblem(path: string, suggest = true): Problem | undefined {
  if (!PATH_CHARS.test(path.replace(/%/g, ''))) {
    return {
      problem: 'contains characters that are not allowed',
      fix: "use letters, digits and . _ ~ / + , = : @ ! * - only (no spaces, quotes, ; { } # $ ? or '&')",
    };
  }
  if (path.includes('%')) {
    let decoded: string | undefined;
    try {
      decoded = decodeURIComponent(path);
    } catch {
      decoded = undefined;
    }
    const generic = 'write the character itself; a path whose decoded form has characters that are not allowed cannot be routed';
    return {
      problem: 'contains a %-encoded character, and nginx decodes the request path before matching, so this location would never match',
      fix: suggest ? suggestion(decoded, generic) : generic,
    };
  }
  const absolute = path.startsWith('/') ? path : `/${path}`;
  if (path.includes('//') || path.split('/').some((s) => s === '.' || s === '..')) {
    const generic = "use single slashes and no '.' or '..' segments";
    return {
      problem: "has an empty, '.' or '..' segment, and nginx merges slashes and resolves dot segments before matching, so this location would never match",
      fix: suggest ? suggestion(normalizedPath(absolute), generic) : generic,
    };
  }
  if (!path.startsWith('/')) {
    return { problem: "must start with '/'", fix: suggest ? suggestion(absolute, "add a leading '/'") : "add a leading '/'" };
  }
  return undefined;
}

/** A route path nginx can match (`host` prefixes the setting in messages). */
export function checkRoutePath(path: string, host = ''): void {
  const p = routePathProblem(path);
  if (p) invalid(`${host}route path`, path, p.problem, p.fix);
}

/** Which header names a route may not set, and what to say instead. */
interface ReservedHeaders {
  readonly names: readonly string[];
  readonly prefixes: readonly string[];
  readonly fix: string;
}

/** Header names and values of a route, none reserved, none twice. */
function checkHeaders(setting: string, headers: Readonly<Record<string, string>> | undefined, reserved: ReservedHeaders): void {
  const seen = new Map<string, string>();
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (!HEADER_NAME.test(name)) {
      invalid(`${setting} name`, name, 'is not a header name', 'use letters, digits and - (at most 64 characters, starting with a letter or digit)');
    }
    const lower = name.toLowerCase();
    if (seen.has(lower)) invalid(`${setting} name`, name, `is set twice (also as ${quote(seen.get(lower))})`, 'set each header once');
    seen.set(lower, name);
    if (reserved.names.includes(lower) || reserved.prefixes.some((p) => lower.startsWith(p))) {
      invalid(`${setting} name`, name, 'is set by the gateway', reserved.fix);
    }
    if (typeof value !== 'string' || !HEADER_VALUE.test(value)) {
      invalid(`${setting} ${name}`, value, 'is not a safe header value', 'use 1-1024 printable ASCII characters without " \\ or $ (no newlines or variables)');
    }
  }
}

function checkCors(prefix: string, cors: GatewayCors): void {
  checkBoolean(`${prefix} cors allowCredentials`, cors.allowCredentials);
  if (cors.allowOrigins.length === 0) {
    invalid(`${prefix} cors allowOrigins`, '[]', 'is empty', "list the origins allowed, e.g. 'https://shop.example.no', or ['*'] for any");
  }
  for (const origin of cors.allowOrigins) {
    if (origin === '*' ? cors.allowOrigins.length > 1 : !ORIGIN.test(origin)) {
      invalid(
        `${prefix} cors origin`,
        origin,
        origin === '*' ? "is listed with other origins" : 'is not an origin',
        "write 'scheme://host[:port]' with no path, e.g. 'https://shop.example.no' or 'http://localhost:3000', or ['*'] alone",
      );
    }
  }
  if (new Set(cors.allowOrigins).size !== cors.allowOrigins.length) {
    invalid(`${prefix} cors allowOrigins`, cors.allowOrigins.join(' '), 'list an origin twice', 'list each origin once');
  }
  if (cors.allowCredentials && cors.allowOrigins[0] === '*') {
    invalid(`${prefix} cors allowCredentials`, true, "cannot be combined with origin '*' (browsers refuse it)", 'list the allowed origins instead of *');
  }
  for (const method of cors.allowMethods ?? []) {
    if (!METHOD.test(method)) invalid(`${prefix} cors method`, method, 'is not an HTTP method', "use upper-case letters, e.g. 'GET' or 'PATCH'");
  }
  for (const header of [...(cors.allowHeaders ?? []), ...(cors.exposeHeaders ?? [])]) {
    if (!HEADER_NAME.test(header)) {
      invalid(`${prefix} cors header`, header, 'is not a header name', 'use letters, digits and - (at most 64 characters, starting with a letter or digit)');
    }
  }
  if (cors.maxAgeSeconds !== undefined) checkInteger(`${prefix} cors maxAgeSeconds`, cors.maxAgeSeconds, 0, 86400);
}

/** Retry-After bounds and a page sentence that cannot break out of its string or the HTML. */
export function checkMaintenance(prefix: string, maintenance: GatewayMaintenance | undefined): void {
  if (maintenance === undefined) return;
  if (maintenance.retryAfterSeconds !== undefined) checkInteger(`${prefix}maintenance retryAfterSeconds`, maintenance.retryAfterSeconds, 1, 86400);
  if (maintenance.message !== undefined && !PAGE_TEXT.test(maintenance.message)) {
    invalid(`${prefix}maintenance message`, maintenance.message, 'is not a safe sentence for the page', "use 1-300 printable ASCII characters without ' \" \\ $ < > & (no newlines)");
  }
}

/** A route with every default filled in. */
export function resolveRoute(route: GatewayRoute, model: NginxGatewayModel): ResolvedRoute {
  const exact = route.exact ?? false;
  const stripPrefix = route.stripPrefix ?? false;
  const streaming = route.streaming ?? false;
  const connectTimeoutSeconds = route.connectTimeoutSeconds ?? 2;
  const idle = route.idleTimeoutSeconds ?? (streaming ? 3600 : 30);
  const readTimeoutSeconds = route.readTimeoutSeconds ?? idle;
  const location = exact ? `= ${route.path}` : stripPrefix && !route.path.endsWith('/') ? `${route.path}/` : route.path;
  return {
    path: route.path,
    pool: route.pool,
    exact,
    stripPrefix,
    websocket: route.websocket ?? true,
    streaming,
    requestBuffering: route.requestBuffering ?? true,
    connectTimeoutSeconds,
    readTimeoutSeconds,
    sendTimeoutSeconds: route.sendTimeoutSeconds ?? idle,
    maxBodySizeMiB: route.maxBodySizeMiB ?? model.maxBodySizeMiB ?? 8,
    maxTries: route.maxTries ?? 3,
    retryTimeoutSeconds: route.retryTimeoutSeconds ?? connectTimeoutSeconds + readTimeoutSeconds,
    location,
  };
}

/**
 * Checks the routes of one host (`host` names it in messages: '' for the first host); paths are unique
 * per host.
 */
export function checkRoutes(host: string, routes: readonly GatewayRoute[], model: NginxGatewayModel, poolNames: ReadonlySet<string>): void {
  if (routes.length === 0) invalid(`${host}routes`, '[]', 'is empty', 'add at least one route');
  const locations = new Set<string>();
  for (const route of routes) {
    checkRoutePath(route.path, host);
    const prefix = `${host}route ${route.path}`;
    if (!poolNames.has(route.pool)) {
      const known = [...poolNames].join(', ') || 'none';
      invalid(`${prefix} pool`, route.pool, 'is not a defined pool', `use one of: ${known}`);
    }
    for (const flag of ['exact', 'stripPrefix', 'websocket', 'streaming', 'requestBuffering'] as const) checkBoolean(`${prefix} ${flag}`, route[flag]);
    if (route.exact && route.stripPrefix) {
      invalid(`${prefix} stripPrefix`, true, 'cannot be combined with exact', 'drop one of exact and stripPrefix');
    }
    const r = resolveRoute(route, model);
    if (locations.has(r.location)) {
      invalid(`${host}route path`, route.path, `is used twice (location ${r.location})`, 'give every route a unique path');
    }
    locations.add(r.location);
    checkInteger(`${prefix} connectTimeoutSeconds`, r.connectTimeoutSeconds, 1, 75);
    if (route.idleTimeoutSeconds !== undefined) checkInteger(`${prefix} idleTimeoutSeconds`, route.idleTimeoutSeconds, 1, 86400);
    checkInteger(`${prefix} readTimeoutSeconds`, r.readTimeoutSeconds, 1, 86400);
    checkInteger(`${prefix} sendTimeoutSeconds`, r.sendTimeoutSeconds, 1, 86400);
    checkInteger(`${prefix} maxBodySizeMiB`, r.maxBodySizeMiB, 0, 1048576);
    checkInteger(`${prefix} maxTries`, r.maxTries, 1, 100);
    checkInteger(`${prefix} retryTimeoutSeconds`, r.retryTimeoutSeconds, 1, 86400);
    checkHeaders(`${prefix} requestHeaders`, route.requestHeaders, {
      names: GATEWAY_REQUEST_HEADERS,
      prefixes: [],
      fix: 'drop it (the gateway sets Host, X-Real-IP, X-Forwarded-*, X-Request-ID, Upgrade and Connection itself, and nginx the hop-by-hop headers)',
    });
    checkHeaders(`${prefix} responseHeaders`, route.responseHeaders, {
      names: GATEWAY_RESPONSE_HEADERS,
      prefixes: route.cors ? ['access-control-'] : [],
      fix: route.cors
        ? 'drop it (the gateway sets X-Request-ID, Retry-After and, with cors, the Access-Control-* headers itself, and nginx the framing headers)'
        : 'drop it (the gateway sets X-Request-ID and Retry-After itself, and nginx the framing headers)',
    });
    if (route.cors) checkCors(prefix, route.cors);
    checkMaintenance(`${prefix} `, route.maintenance);
  }
}
