import { isIP } from 'net';
import { InvalidInputError, quote } from './invalid-input';
import { isIpv4 } from './ipv4';
import { BalancingMethod, NginxProcess, NginxResolver, UpstreamServer } from './nginx-model';
import { OLDEST_NGINX_VERSION, compareNginxVersions, isNginxVersion } from './nginx-version';

/**
 * Checks shared by the nginx renderers (gateway and stream relay). Each throws an `InvalidInputError`
 * naming the setting, quoting the value and saying how to fix it. Every string that reaches a rendered
 * configuration passes a strict pattern: none can carry `;`, `{`, `}`, quotes, `#`, `$`, whitespace or
 * newlines into nginx's syntax.
 */

const NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;
const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*$/;
const IPV6 = /^[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*$/;
const FILE_PATH = /^\/[A-Za-z0-9._\/+@-]*$/;

/** Throws `InvalidInputError("<setting> <quoted value> <problem>: <fix>")`. */
export function invalid(setting: string, value: unknown, problem: string, fix: string): never {
  throw new InvalidInputError(`${setting} ${quote(value)} ${problem}: ${fix}`);
}

/** A switch that JavaScript callers and parsed files can set to anything: true, false or unset. */
export function checkBoolean(setting: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'boolean') invalid(setting, value, 'is not a boolean', 'use true or false');
}

/** A whole number from `min` to `max`. */
export function checkInteger(setting: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    invalid(setting, value, `must be a whole number from ${min} to ${max}`, `use a value in ${min}-${max}`);
  }
}

/** An absolute path without `..` and without characters nginx would read as syntax; `extra` words are also allowed. */
export function checkFilePath(setting: string, value: string, extra: readonly string[] = []): void {
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

/** An upstream or listener name: letters, digits, `_` and `-`, starting with a letter or `_`. */
export function checkName(setting: string, name: string, what: string): void {
  if (!NAME.test(name)) {
    invalid(setting, name, `is not a valid ${what}`, 'use letters, digits, _ and -, starting with a letter or _ (at most 64 characters)');
  }
}

/** Whether `host` is an IPv4 or IPv6 literal (not a name to resolve). */
export function isIpLiteral(host: string): boolean {
  return isIpv4(host) || (IPV6.test(host) && isIP(host) === 6);
}

/** A hostname, container alias or IP address of a backend. */
export function checkHost(setting: string, host: string): void {
  // The pattern keeps nginx's syntax out; isIP refuses what only looks like IPv6 ('a:', nine groups), which nginx -t rejects.
  if (HOSTNAME.test(host) || (IPV6.test(host) && isIP(host) === 6)) return;
  invalid(
    setting,
    host,
    'is not a hostname, container alias or IP address',
    'use letters, digits, dots, - and _ (or a bare IPv6 address), with no spaces, quotes, ; { } # $ or port',
  );
}

/** An address to listen on: IPv4, IPv6 or `*`. */
export function checkListenAddress(setting: string, address: string): void {
  if (address === '*' || isIpLiteral(address)) return;
  invalid(setting, address, 'is not an IP address', "use an IPv4 or IPv6 address, or '*' for all addresses");
}

/** The `listen` address:port as nginx writes it (`8080`, `127.0.0.1:8080`, `[::1]:8080`). */
export function listenEndpoint(address: string | undefined, port: number): string {
  const a = address ?? '*';
  return a === '*' ? `${port}` : a.includes(':') ? `[${a}]:${port}` : `${a}:${port}`;
}

/**
 * The servers of one pool (named by `prefix`, e.g. `pool web`): at least one, valid hosts and ports, no
 * duplicate endpoint, bounded weights and failure accounting, at least one primary, no backup with ip-hash.
 */
export function checkUpstreamServers(prefix: string, servers: readonly UpstreamServer[], balancing: BalancingMethod = 'round-robin'): void {
  if (servers.length === 0) {
    invalid(`${prefix} servers`, '[]', 'is empty', `add at least one server to the ${prefix.split(' ')[0]}`);
  }
  const endpoints = new Set<string>();
  let primaries = 0;
  for (const server of servers) {
    checkHost(`${prefix} server host`, server.host);
    checkInteger(`${prefix} server ${server.host} port`, server.port, 1, 65535);
    const endpoint = `${server.host}:${server.port}`;
    checkBoolean(`${prefix} server ${endpoint} backup`, server.backup);
    if (endpoints.has(endpoint)) {
      invalid(`${prefix} server`, endpoint, 'is listed twice', 'list each host:port once (use weight for a bigger share)');
    }
    endpoints.add(endpoint);
    if (server.weight !== undefined) checkInteger(`${prefix} server ${endpoint} weight`, server.weight, 1, 1000);
    if (server.maxFails !== undefined) checkInteger(`${prefix} server ${endpoint} maxFails`, server.maxFails, 0, 1000);
    if (server.failTimeoutSeconds !== undefined) {
      checkInteger(`${prefix} server ${endpoint} failTimeoutSeconds`, server.failTimeoutSeconds, 1, 86400);
    }
    if (server.backup) {
      if (balancing === 'ip-hash') {
        invalid(`${prefix} server ${endpoint} backup`, true, "is not supported with balancing 'ip-hash'", "drop backup or use 'round-robin' or 'least-conn'");
      }
    } else {
      primaries += 1;
    }
  }
  if (primaries === 0) {
    invalid(`${prefix} servers`, `${servers.length} backup`, 'has no primary server', 'make at least one server not a backup');
  }
}

/** `X.Y` or `X.Y.Z`, not older than the oldest version the renderers are checked with. */
export function checkNginxVersion(version: string | undefined): void {
  if (version === undefined) return;
  if (!isNginxVersion(version)) {
    invalid('nginxVersion', version, 'is not a version', "write it as 'X.Y' or 'X.Y.Z', e.g. '1.22' or '1.30.6' (what `nginx -v` prints)");
  }
  if (compareNginxVersions(version, OLDEST_NGINX_VERSION) < 0) {
    invalid('nginxVersion', version, `is older than ${OLDEST_NGINX_VERSION}, the oldest version this configuration is checked with`, `use nginx ${OLDEST_NGINX_VERSION} or newer`);
  }
}

/** At least one DNS server, each an IP address once; a bounded cache time. */
export function checkResolver(resolver: NginxResolver | undefined): void {
  if (resolver === undefined) return;
  if (resolver.addresses.length === 0) {
    invalid('resolver addresses', '[]', 'is empty', "list at least one DNS server address, e.g. '127.0.0.11' (Docker's embedded DNS)");
  }
  for (const address of resolver.addresses) {
    if (!isIpLiteral(address)) {
      invalid('resolver address', address, 'is not an IP address', "use the IPv4 or IPv6 address of a DNS server, e.g. '127.0.0.11' (Docker's embedded DNS), without a port");
    }
  }
  if (new Set(resolver.addresses).size !== resolver.addresses.length) {
    invalid('resolver addresses', resolver.addresses.join(' '), 'list an address twice', 'list each address once');
  }
  if (resolver.validSeconds !== undefined) checkInteger('resolver validSeconds', resolver.validSeconds, 1, 86400);
  checkBoolean('resolver ipv6', resolver.ipv6);
}

/** Absolute paths of shared objects, each once. */
export function checkModules(modules: readonly string[] | undefined): void {
  for (const module of modules ?? []) {
    checkFilePath('module', module);
    if (!module.endsWith('.so')) {
      invalid('module', module, 'is not a shared object', "give the module file ending in '.so', e.g. '/usr/lib/nginx/modules/ngx_stream_module.so'");
    }
  }
  if (modules !== undefined && new Set(modules).size !== modules.length) {
    invalid('modules', modules.join(' '), 'list a module twice', 'list each module once (nginx refuses to load one twice)');
  }
}

/** The process settings every configuration has. */
export function checkProcess(proc: NginxProcess): void {
  if (proc.workerProcesses !== undefined && proc.workerProcesses !== 'auto') {
    checkInteger('process workerProcesses', proc.workerProcesses, 1, 1024);
  }
  if (proc.workerConnections !== undefined) checkInteger('process workerConnections', proc.workerConnections, 16, 1048576);
  if (proc.pidPath !== undefined) checkFilePath('process pidPath', proc.pidPath);
  if (proc.errorLogPath !== undefined) checkFilePath('process errorLogPath', proc.errorLogPath, ['stderr']);
  if (proc.workerShutdownTimeoutSeconds !== undefined) {
    checkInteger('process workerShutdownTimeoutSeconds', proc.workerShutdownTimeoutSeconds, 1, 86400);
  }
}
