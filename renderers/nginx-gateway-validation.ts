import {
  checkBoolean,
  checkFilePath,
  checkInteger,
  checkListenAddress,
  checkModules,
  checkName,
  checkNginxVersion,
  checkProcess,
  checkResolver,
  checkUpstreamServers,
  invalid,
} from './nginx-checks';
import { quote } from './invalid-input';
import { GatewayCertificate, NginxGatewayModel, ResolvedRoute } from './nginx-gateway-model';
import { checkMaintenance, checkRoutes, resolveRoute } from './nginx-route-checks';
import { DEFAULT_NGINX_VERSION, KEEPALIVE_MIN_TIMEOUT_SINCE, nginxAtLeast } from './nginx-version';

/** Validation of a whole gateway model: pools, hosts and their routes, TLS, limits, process settings. */

const SERVER_NAME = /^(?:_|(?:\*\.|\.)?[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*)$/;
const MIME_TYPE = /^[a-z0-9][a-z0-9.+-]*\/[a-z0-9][a-z0-9.+-]*$/;

/** The routes of a model's first host with every default filled in (after validation). */
export function resolveRoutes(model: NginxGatewayModel): ResolvedRoute[] {
  return model.routes.map((r) => resolveRoute(r, model));
}


function checkServerNames(setting: string, names: readonly string[]): void {
  for (const name of names) {
    if (!SERVER_NAME.test(name)) {
      invalid(
        setting,
        name,
        'is not a hostname',
        "use a hostname, '*.example.com', '.example.com' or '_' (no regex, spaces, quotes, ; { } # $)",
      );
    }
  }
}

function checkCertificate(prefix: string, certificate: GatewayCertificate): void {
  checkFilePath(`${prefix}certificatePath`, certificate.certificatePath);
  checkFilePath(`${prefix}keyPath`, certificate.keyPath);
}

function checkPools(model: NginxGatewayModel): Set<string> {
  const poolNames = new Set<string>();
  for (const pool of model.pools) {
    checkName('pool name', pool.name, 'upstream name');
    if (poolNames.has(pool.name)) {
      invalid('pool name', pool.name, 'is defined twice', 'give every pool a unique name');
    }
    poolNames.add(pool.name);
    const balancing = pool.balancing ?? 'round-robin';
    if (pool.servers.length > 0 && !['round-robin', 'least-conn', 'ip-hash'].includes(balancing)) {
      invalid(`pool ${pool.name} balancing`, balancing, 'is unknown', "use 'round-robin', 'least-conn' or 'ip-hash'");
    }
    checkUpstreamServers(`pool ${pool.name}`, pool.servers, balancing);
    if (pool.keepaliveConnections !== undefined) {
      checkInteger(`pool ${pool.name} keepaliveConnections`, pool.keepaliveConnections, 0, 100000);
    }
    for (const [setting, value] of [
      ['keepaliveTimeSeconds', pool.keepaliveTimeSeconds],
      ['keepaliveTimeoutSeconds', pool.keepaliveTimeoutSeconds],
    ] as const) {
      if (value === undefined) continue;
      checkInteger(`pool ${pool.name} ${setting}`, value, 1, 86400);
      if (pool.keepaliveConnections === 0) {
        invalid(`pool ${pool.name} ${setting}`, value, 'needs upstream keepalive', 'drop it, or set keepaliveConnections above 0');
      }
    }
  }
  return poolNames;
}

function checkVirtualHosts(model: NginxGatewayModel, poolNames: ReadonlySet<string>): void {
  const hosts = model.virtualHosts ?? [];
  if (hosts.length === 0) return;
  const first = model.serverNames ?? ['_'];
  if (first.includes('_')) {
    invalid(
      'serverNames',
      first.join(' '),
      'would make the first host the catch-all, which virtual hosts leave to the default server (421 for unknown names)',
      "list the first host's names (add 'localhost' and the published address to reach it locally)",
    );
  }
  const owner = new Map<string, string>(first.map((n) => [n.toLowerCase(), first[0]]));
  hosts.forEach((host, i) => {
    const prefix = `virtualHosts[${i}] `;
    if (host.serverNames.length === 0) invalid(`${prefix}serverNames`, '[]', 'is empty', 'list the names this host answers');
    checkServerNames(`${prefix}server name`, host.serverNames);
    for (const name of host.serverNames) {
      if (name === '_') {
        invalid(`${prefix}server name`, name, 'is the catch-all, which virtual hosts leave to the default server', 'list host names only');
      }
      const taken = owner.get(name.toLowerCase());
      if (taken !== undefined) {
        invalid(`${prefix}server name`, name, `is already a name of the host ${quote(taken)}`, 'give each name to one host');
      }
      owner.set(name.toLowerCase(), host.serverNames[0]);
    }
    checkRoutes(prefix, host.routes, model, poolNames);
    if (host.certificate) {
      if (!model.tls) {
        invalid(`${prefix}certificate`, host.certificate.certificatePath, 'needs TLS on the gateway', 'set tls (port and default certificate) or drop the certificate');
      }
      checkCertificate(`${prefix}certificate `, host.certificate);
    }
    checkMaintenance(prefix, host.maintenance);
  });
}

/**
 * Checks a gateway model and throws an `InvalidInputError` naming the setting, the quoted value and the
 * fix for the first problem found. `renderNginxConfig` calls it; constructs call it early.
 */
export function validateNginxGateway(model: NginxGatewayModel): void {
  const poolNames = checkPools(model);

  // Routes (the model's body size first: routes inherit it).
  if (model.maxBodySizeMiB !== undefined) checkInteger('maxBodySizeMiB', model.maxBodySizeMiB, 0, 1048576);
  checkRoutes('', model.routes, model, poolNames);

  // Server.
  checkServerNames('server name', model.serverNames ?? []);
  if (model.serverNames !== undefined && model.serverNames.length === 0) {
    invalid('serverNames', '[]', 'is empty', "leave it unset for any host, or list at least one name");
  }
  checkVirtualHosts(model, poolNames);
  const listenPort = model.listenPort ?? 80;
  checkInteger('listenPort', listenPort, 1, 65535);
  if (model.listenAddress !== undefined) checkListenAddress('listenAddress', model.listenAddress);
  if (model.backlog !== undefined) checkInteger('backlog', model.backlog, 1, 2147483647);
  checkBoolean('securityHeaders', model.securityHeaders);
  checkBoolean('trustForwardedFor', model.trustForwardedFor);

  if (model.tls) {
    const tls = model.tls;
    checkCertificate('tls ', tls);
    for (const flag of ['redirectHttp', 'http2', 'ocspStapling'] as const) checkBoolean(`tls ${flag}`, tls[flag]);
    const tlsPort = tls.port ?? 443;
    checkInteger('tls port', tlsPort, 1, 65535);
    if ((tls.redirectHttp ?? true) && tlsPort === listenPort) {
      invalid('tls port', tlsPort, `equals listenPort ${listenPort}`, 'use different ports for HTTPS and the HTTP redirect');
    }
    if (tls.redirectPort !== undefined) checkInteger('tls redirectPort', tls.redirectPort, 1, 65535);
    if (tls.hstsMaxAgeSeconds !== undefined) checkInteger('tls hstsMaxAgeSeconds', tls.hstsMaxAgeSeconds, 0, 63072000);
    if (tls.trustedCertificatePath !== undefined) checkFilePath('tls trustedCertificatePath', tls.trustedCertificatePath);
    if (tls.ocspStapling && model.resolver === undefined) {
      invalid('tls ocspStapling', true, 'needs a resolver to reach the OCSP responder', "set resolver addresses (e.g. ['127.0.0.11'] in Docker) or drop ocspStapling");
    }
  }

  if (model.rateLimit) {
    checkInteger('rateLimit requestsPerSecond', model.rateLimit.requestsPerSecond, 1, 100000);
    if (model.rateLimit.burst !== undefined) checkInteger('rateLimit burst', model.rateLimit.burst, 0, 1000000);
    if (model.rateLimit.zoneSizeMiB !== undefined) checkInteger('rateLimit zoneSizeMiB', model.rateLimit.zoneSizeMiB, 1, 1024);
  }

  const gzip = model.gzip ?? {};
  checkBoolean('gzip enabled', gzip.enabled);
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

  if (model.requestIdFormat !== undefined && !['sequential', 'random'].includes(model.requestIdFormat)) {
    invalid('requestIdFormat', model.requestIdFormat, 'is unknown', "use 'sequential' or 'random'");
  }
  checkMaintenance('', model.maintenance);
  checkNginxVersion(model.nginxVersion);
  const keepalive = model.clientKeepalive ?? {};
  if (keepalive.timeoutSeconds !== undefined) checkInteger('clientKeepalive timeoutSeconds', keepalive.timeoutSeconds, 0, 86400);
  if (keepalive.timeSeconds !== undefined) checkInteger('clientKeepalive timeSeconds', keepalive.timeSeconds, 1, 86400);
  if (keepalive.minTimeoutSeconds !== undefined) {
    checkInteger('clientKeepalive minTimeoutSeconds', keepalive.minTimeoutSeconds, 1, 3600);
    if (!nginxAtLeast(model.nginxVersion ?? DEFAULT_NGINX_VERSION, KEEPALIVE_MIN_TIMEOUT_SINCE)) {
      invalid('clientKeepalive minTimeoutSeconds', keepalive.minTimeoutSeconds, `needs nginx ${KEEPALIVE_MIN_TIMEOUT_SINCE} or newer (keepalive_min_timeout), and nginxVersion is ${model.nginxVersion ?? DEFAULT_NGINX_VERSION}`, 'leave it unset for older nginx, or state the newer version in nginxVersion');
    }
  }
  checkResolver(model.resolver);
  checkModules(model.modules);

  const proc = model.process ?? {};
  checkProcess(proc);
  if (proc.accessLogPath !== undefined) checkFilePath('process accessLogPath', proc.accessLogPath, ['off']);
  if (proc.tempDirectory !== undefined) checkFilePath('process tempDirectory', proc.tempDirectory);
}
