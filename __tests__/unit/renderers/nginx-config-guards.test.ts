import { InvalidInputError } from '../../../renderers/invalid-input';
import { GatewayRoute, GatewayVirtualHost, NginxGatewayModel, renderNginxConfig } from '../../../renderers/nginx-config';
import { articleGateway, resolvingGateway, tls443Gateway, virtualHostsGateway } from '../../fixtures/gateway-models';

// Every kind of bad input of the new settings, with its exact message (setting, quoted value, fix).
// The guards of the original settings are in nginx-config.test.ts.

const base = articleGateway;
/** The article's model with its first route changed. */
const withRoute = (patch: Partial<GatewayRoute>): NginxGatewayModel => ({ ...base, routes: [{ ...base.routes[0], ...patch }, base.routes[1]] });
/** The article's model with a route of this path (the other route kept). */
const withPath = (path: string): NginxGatewayModel => withRoute({ path });
/** The virtual hosts sample with its first virtual host changed. */
const withHost = (patch: Partial<GatewayVirtualHost>): NginxGatewayModel => ({
  ...virtualHostsGateway,
  virtualHosts: [{ ...virtualHostsGateway.virtualHosts![0], ...patch }, virtualHostsGateway.virtualHosts![1]],
});
const tls = { certificatePath: '/etc/nginx/tls/gateway.crt', keyPath: '/etc/nginx/tls/gateway.key' };
const HEADER_VALUE_FIX = 'use 1-1024 printable ASCII characters without " \\ or $ (no newlines or variables)';
const PAGE_FIX = "use 1-300 printable ASCII characters without ' \" \\ $ < > & (no newlines)";
const ORIGIN_FIX = "write 'scheme://host[:port]' with no path, e.g. 'https://shop.example.no' or 'http://localhost:3000', or ['*'] alone";
const NEVER_MATCHES = "has an empty, '.' or '..' segment, and nginx merges slashes and resolves dot segments before matching, so this location would never match";
const ENCODED = 'contains a %-encoded character, and nginx decodes the request path before matching, so this location would never match';

const guards: Array<[string, NginxGatewayModel, string]> = [
  // Route paths nginx never matches; a suggested fix passes every check itself.
  ['a route path climbs with ..', withPath('/api/../admin'), `route path "/api/../admin" ${NEVER_MATCHES}: write it as "/admin"`],
  ['a route path has a double slash', withPath('/api//items'), `route path "/api//items" ${NEVER_MATCHES}: write it as "/api/items"`],
  ['a route path has a . segment', withPath('/api/./items/'), `route path "/api/./items/" ${NEVER_MATCHES}: write it as "/api/items/"`],
  ['a route path without / also has a dot segment', withPath('api/./x'), `route path "api/./x" ${NEVER_MATCHES}: write it as "/api/x"`],
  ['a route path climbs above the root', withPath('x/..'), `route path "x/.." ${NEVER_MATCHES}: write it as "/"`],
  ['a route path is %-encoded', withPath('/a%2Db'), `route path "/a%2Db" ${ENCODED}: write it as "/a-b"`],
  [
    'a route path encodes a space',
    withPath('/a%20b'),
    `route path "/a%20b" ${ENCODED}: write the character itself; a path whose decoded form has characters that are not allowed cannot be routed`,
  ],
  [
    'a route path has a stray %',
    withPath('/100%'),
    `route path "/100%" ${ENCODED}: write the character itself; a path whose decoded form has characters that are not allowed cannot be routed`,
  ],
  ['a route path is empty', withPath(''), 'route path "" must start with \'/\': write it as "/"'],
  [
    'a route path without / has a space',
    withPath('api/a b'),
    'route path "api/a b" contains characters that are not allowed: use letters, digits and . _ ~ / + , = : @ ! * - only (no spaces, quotes, ; { } # $ ? or \'&\')',
  ],
  ['idleTimeoutSeconds is 0', withRoute({ idleTimeoutSeconds: 0 }), 'route / idleTimeoutSeconds 0 must be a whole number from 1 to 86400: use a value in 1-86400'],

  // Headers.
  [
    'a response header name has a space',
    withRoute({ responseHeaders: { 'X Bad': '1' } }),
    'route / responseHeaders name "X Bad" is not a header name: use letters, digits and - (at most 64 characters, starting with a letter or digit)',
  ],
  [
    'a response header value smuggles a second header',
    withRoute({ responseHeaders: { 'Cache-Control': 'no-store\r\nSet-Cookie: a=b' } }),
    `route / responseHeaders Cache-Control "no-store\\r\\nSet-Cookie: a=b" is not a safe header value: ${HEADER_VALUE_FIX}`,
  ],
  [
    'a response header value closes its quotes',
    withRoute({ responseHeaders: { 'Cache-Control': 'a"; return 200 "x' } }),
    `route / responseHeaders Cache-Control "a\\"; return 200 \\"x" is not a safe header value: ${HEADER_VALUE_FIX}`,
  ],
  ['a response header value is empty', withRoute({ responseHeaders: { 'Cache-Control': '' } }), `route / responseHeaders Cache-Control "" is not a safe header value: ${HEADER_VALUE_FIX}`],
  [
    'a response header is set twice in different case',
    withRoute({ responseHeaders: { 'Cache-Control': 'a', 'cache-control': 'b' } }),
    'route / responseHeaders name "cache-control" is set twice (also as "Cache-Control"): set each header once',
  ],
  [
    'a response header is the request id',
    withRoute({ responseHeaders: { 'X-Request-ID': 'fixed' } }),
    'route / responseHeaders name "X-Request-ID" is set by the gateway: drop it (the gateway sets X-Request-ID and Retry-After itself, and nginx the framing headers)',
  ],
  [
    'a response header is a CORS header on a CORS route',
    withRoute({ responseHeaders: { 'Access-Control-Allow-Origin': '*' }, cors: { allowOrigins: ['*'] } }),
    'route / responseHeaders name "Access-Control-Allow-Origin" is set by the gateway: drop it (the gateway sets X-Request-ID, Retry-After and, with cors, the Access-Control-* headers itself, and nginx the framing headers)',
  ],
  [
    'a request header replaces Host',
    withRoute({ requestHeaders: { Host: 'evil.example' } }),
    'route / requestHeaders name "Host" is set by the gateway: drop it (the gateway sets Host, X-Real-IP, X-Forwarded-*, X-Request-ID, Upgrade and Connection itself, and nginx the hop-by-hop headers)',
  ],
  [
    'a request header value is a variable',
    withRoute({ requestHeaders: { 'X-Tenant': '$http_authorization' } }),
    `route / requestHeaders X-Tenant "$http_authorization" is not a safe header value: ${HEADER_VALUE_FIX}`,
  ],

  // CORS.
  [
    'no origin is allowed',
    withRoute({ cors: { allowOrigins: [] } }),
    "route / cors allowOrigins \"[]\" is empty: list the origins allowed, e.g. 'https://shop.example.no', or ['*'] for any",
  ],
  ['an origin has a path', withRoute({ cors: { allowOrigins: ['https://shop.example.no/'] } }), `route / cors origin "https://shop.example.no/" is not an origin: ${ORIGIN_FIX}`],
  ['an origin carries a quote', withRoute({ cors: { allowOrigins: ['https://a"b'] } }), `route / cors origin "https://a\\"b" is not an origin: ${ORIGIN_FIX}`],
  ['* is listed with other origins', withRoute({ cors: { allowOrigins: ['*', 'https://a.example'] } }), `route / cors origin "*" is listed with other origins: ${ORIGIN_FIX}`],
  [
    'an origin is listed twice',
    withRoute({ cors: { allowOrigins: ['https://a.example', 'https://a.example'] } }),
    'route / cors allowOrigins "https://a.example https://a.example" list an origin twice: list each origin once',
  ],
  [
    'credentials are allowed for any origin',
    withRoute({ cors: { allowOrigins: ['*'], allowCredentials: true } }),
    "route / cors allowCredentials true cannot be combined with origin '*' (browsers refuse it): list the allowed origins instead of *",
  ],
  ['a method is lower case', withRoute({ cors: { allowOrigins: ['*'], allowMethods: ['get'] } }), "route / cors method \"get\" is not an HTTP method: use upper-case letters, e.g. 'GET' or 'PATCH'"],
  [
    'an allowed header has a space',
    withRoute({ cors: { allowOrigins: ['*'], allowHeaders: ['X Y'] } }),
    'route / cors header "X Y" is not a header name: use letters, digits and - (at most 64 characters, starting with a letter or digit)',
  ],
  ['maxAgeSeconds is negative', withRoute({ cors: { allowOrigins: ['*'], maxAgeSeconds: -1 } }), 'route / cors maxAgeSeconds -1 must be a whole number from 0 to 86400: use a value in 0-86400'],

  // Maintenance.
  [
    'a route maintenance Retry-After is 0',
    withRoute({ maintenance: { retryAfterSeconds: 0 } }),
    'route / maintenance retryAfterSeconds 0 must be a whole number from 1 to 86400: use a value in 1-86400',
  ],
  ["a maintenance message has a '", withRoute({ maintenance: { message: "It's down" } }), `route / maintenance message "It's down" is not a safe sentence for the page: ${PAGE_FIX}`],
  [
    'a maintenance message carries HTML',
    { ...base, maintenance: { message: '<script>alert(1)</script>' } },
    `maintenance message "<script>alert(1)</script>" is not a safe sentence for the page: ${PAGE_FIX}`,
  ],
  ['the gateway maintenance Retry-After is a fraction', { ...base, maintenance: { retryAfterSeconds: 1.5 } }, 'maintenance retryAfterSeconds 1.5 must be a whole number from 1 to 86400: use a value in 1-86400'],

  // Pools.
  [
    'keepaliveTimeSeconds is 0',
    { ...base, pools: [{ ...base.pools[0], keepaliveTimeSeconds: 0 }, base.pools[1]] },
    'pool frontend_pool keepaliveTimeSeconds 0 must be a whole number from 1 to 86400: use a value in 1-86400',
  ],
  [
    'keepaliveTimeoutSeconds is set without keepalive',
    { ...base, pools: [{ ...base.pools[0], keepaliveConnections: 0, keepaliveTimeoutSeconds: 30 }, base.pools[1]] },
    'pool frontend_pool keepaliveTimeoutSeconds 30 needs upstream keepalive: drop it, or set keepaliveConnections above 0',
  ],

  // Virtual hosts.
  [
    'virtual hosts are added to a catch-all first host',
    { ...virtualHostsGateway, serverNames: undefined },
    "serverNames \"_\" would make the first host the catch-all, which virtual hosts leave to the default server (421 for unknown names): list the first host's names (add 'localhost' and the published address to reach it locally)",
  ],
  ['a virtual host has no names', withHost({ serverNames: [] }), 'virtualHosts[0] serverNames "[]" is empty: list the names this host answers'],
  [
    'a virtual host name carries nginx syntax',
    withHost({ serverNames: ['api.example.no;'] }),
    'virtualHosts[0] server name "api.example.no;" is not a hostname: use a hostname, \'*.example.com\', \'.example.com\' or \'_\' (no regex, spaces, quotes, ; { } # $)',
  ],
  [
    'a virtual host is the catch-all',
    withHost({ serverNames: ['_'] }),
    'virtualHosts[0] server name "_" is the catch-all, which virtual hosts leave to the default server: list host names only',
  ],
  [
    'two hosts share a name, in different case',
    withHost({ serverNames: ['LOCALHOST'] }),
    'virtualHosts[0] server name "LOCALHOST" is already a name of the host "shop.example.no": give each name to one host',
  ],
  ['a virtual host has no routes', withHost({ routes: [] }), 'virtualHosts[0] routes "[]" is empty: add at least one route'],
  [
    'a virtual host route names an undefined pool',
    withHost({ routes: [{ path: '/', pool: 'orders' }] }),
    'virtualHosts[0] route / pool "orders" is not a defined pool: use one of: shop, api',
  ],
  [
    'a virtual host route path is used twice',
    withHost({ routes: [{ path: '/', pool: 'api' }, { path: '/', pool: 'shop' }] }),
    'virtualHosts[0] route path "/" is used twice (location /): give every route a unique path',
  ],
  [
    'a virtual host route path climbs',
    withHost({ routes: [{ path: '/v1/../admin', pool: 'api' }] }),
    `virtualHosts[0] route path "/v1/../admin" ${NEVER_MATCHES}: write it as "/admin"`,
  ],
  [
    'a virtual host has a certificate without TLS',
    { ...withHost({}), tls: undefined },
    'virtualHosts[0] certificate "/etc/nginx/tls/api.crt" needs TLS on the gateway: set tls (port and default certificate) or drop the certificate',
  ],
  [
    'a virtual host certificate path is relative',
    withHost({ certificate: { certificatePath: 'api.crt', keyPath: '/k.pem' } }),
    'virtualHosts[0] certificate certificatePath "api.crt" is not a safe absolute path: use an absolute path of letters, digits and . _ / + @ - (no spaces, quotes, ; { } # $ or ..)',
  ],
  [
    'a virtual host maintenance Retry-After is 0',
    withHost({ maintenance: { retryAfterSeconds: 0 } }),
    'virtualHosts[0] maintenance retryAfterSeconds 0 must be a whole number from 1 to 86400: use a value in 1-86400',
  ],

  // TLS.
  ['redirectPort is 0', { ...base, tls: { ...tls, redirectPort: 0 } }, 'tls redirectPort 0 must be a whole number from 1 to 65535: use a value in 1-65535'],
  [
    'the trusted certificate path is relative',
    { ...base, tls: { ...tls, trustedCertificatePath: 'ca.crt' } },
    'tls trustedCertificatePath "ca.crt" is not a safe absolute path: use an absolute path of letters, digits and . _ / + @ - (no spaces, quotes, ; { } # $ or ..)',
  ],
  [
    'OCSP stapling has no resolver',
    { ...base, tls: { ...tls, ocspStapling: true } },
    "tls ocspStapling true needs a resolver to reach the OCSP responder: set resolver addresses (e.g. ['127.0.0.11'] in Docker) or drop ocspStapling",
  ],

  ['requestIdFormat is unknown', { ...base, requestIdFormat: 'uuid' as never }, "requestIdFormat \"uuid\" is unknown: use 'sequential' or 'random'"],

  // Version, resolver, modules, process.
  [
    'nginxVersion is not a version',
    { ...base, nginxVersion: '1.22.x' },
    "nginxVersion \"1.22.x\" is not a version: write it as 'X.Y' or 'X.Y.Z', e.g. '1.22' or '1.30.6' (what `nginx -v` prints)",
  ],
  [
    'nginxVersion is older than 1.22',
    { ...base, nginxVersion: '1.18.0' },
    'nginxVersion "1.18.0" is older than 1.22, the oldest version this configuration is checked with: use nginx 1.22 or newer',
  ],
  [
    'the resolver has no address',
    { ...base, resolver: { addresses: [] } },
    "resolver addresses \"[]\" is empty: list at least one DNS server address, e.g. '127.0.0.11' (Docker's embedded DNS)",
  ],
  [
    'a resolver address is a name',
    { ...base, resolver: { addresses: ['dns.google'] } },
    "resolver address \"dns.google\" is not an IP address: use the IPv4 or IPv6 address of a DNS server, e.g. '127.0.0.11' (Docker's embedded DNS), without a port",
  ],
  [
    'a resolver address has a port',
    { ...base, resolver: { addresses: ['127.0.0.11:53'] } },
    "resolver address \"127.0.0.11:53\" is not an IP address: use the IPv4 or IPv6 address of a DNS server, e.g. '127.0.0.11' (Docker's embedded DNS), without a port",
  ],
  [
    'a resolver address is listed twice',
    { ...base, resolver: { addresses: ['127.0.0.11', '127.0.0.11'] } },
    'resolver addresses "127.0.0.11 127.0.0.11" list an address twice: list each address once',
  ],
  ['the resolver cache time is 0', { ...base, resolver: { addresses: ['127.0.0.11'], validSeconds: 0 } }, 'resolver validSeconds 0 must be a whole number from 1 to 86400: use a value in 1-86400'],
  [
    'a module path is relative',
    { ...base, modules: ['ngx_stream_module.so'] },
    'module "ngx_stream_module.so" is not a safe absolute path: use an absolute path of letters, digits and . _ / + @ - (no spaces, quotes, ; { } # $ or ..)',
  ],
  [
    'a module is not a shared object',
    { ...base, modules: ['/usr/lib/nginx/modules/stream.conf'] },
    "module \"/usr/lib/nginx/modules/stream.conf\" is not a shared object: give the module file ending in '.so', e.g. '/usr/lib/nginx/modules/ngx_stream_module.so'",
  ],
  [
    'a module is listed twice',
    { ...base, modules: ['/m/a.so', '/m/a.so'] },
    'modules "/m/a.so /m/a.so" list a module twice: list each module once (nginx refuses to load one twice)',
  ],
  [
    'workerShutdownTimeoutSeconds is 0',
    { ...base, process: { workerShutdownTimeoutSeconds: 0 } },
    'process workerShutdownTimeoutSeconds 0 must be a whole number from 1 to 86400: use a value in 1-86400',
  ],

  // Switches given as something else (JavaScript callers, parsed files): refused, not read as truthy.
  ...(['exact', 'stripPrefix', 'websocket', 'streaming', 'requestBuffering'] as const).map((flag): [string, NginxGatewayModel, string] => [
    `route ${flag} is the string "yes"`,
    withRoute({ [flag]: 'yes' as unknown as boolean }),
    `route / ${flag} "yes" is not a boolean: use true or false`,
  ]),
  ['securityHeaders is the string "no"', { ...base, securityHeaders: 'no' as unknown as boolean }, 'securityHeaders "no" is not a boolean: use true or false'],
  ['trustForwardedFor is 1', { ...base, trustForwardedFor: 1 as unknown as boolean }, 'trustForwardedFor 1 is not a boolean: use true or false'],
  ['gzip enabled is "false"', { ...base, gzip: { enabled: 'false' as unknown as boolean } }, 'gzip enabled "false" is not a boolean: use true or false'],
  ...(['redirectHttp', 'http2', 'ocspStapling'] as const).map((flag): [string, NginxGatewayModel, string] => [
    `tls ${flag} is the string "on"`,
    { ...tls443Gateway, tls: { ...tls443Gateway.tls!, [flag]: 'on' as unknown as boolean } },
    `tls ${flag} "on" is not a boolean: use true or false`,
  ]),
  [
    'a backup server is marked with "no"',
    { ...base, pools: [{ ...base.pools[0], servers: [{ ...base.pools[0].servers[0], backup: 'no' as unknown as boolean }] }, ...base.pools.slice(1)] },
    `pool ${base.pools[0].name} server ${base.pools[0].servers[0].host}:${base.pools[0].servers[0].port} backup "no" is not a boolean: use true or false`,
  ],
  [
    'cors allowCredentials is "true"',
    withRoute({ cors: { allowOrigins: ['https://shop.example.no'], allowCredentials: 'true' as unknown as boolean } }),
    'route / cors allowCredentials "true" is not a boolean: use true or false',
  ],
  [
    'resolver ipv6 is "off"',
    { ...resolvingGateway, resolver: { ...resolvingGateway.resolver!, ipv6: 'off' as unknown as boolean } },
    'resolver ipv6 "off" is not a boolean: use true or false',
  ],
];

describe('validateNginxGateway: the new settings', () => {
  test.each(guards)('fails when %s', (_name, model, message) => {
    expect(() => renderNginxConfig(model)).toThrow(new InvalidInputError(message));
  });
});
