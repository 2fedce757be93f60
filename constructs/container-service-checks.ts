// The checks of a `ContainerService`'s options that need no other state than the construct to name.
import { Token } from 'cdktf';
import { IConstruct } from 'constructs';
import * as path from 'path';
import { quote } from '../renderers/invalid-input';
import { whyNoEphemeralPortLeft } from '../renderers/sysctl-profile';
import type { ContainerServiceOptions, HealthcheckOptions, ReplacementStrategy, RestartPolicy } from './container-service-options';
import { checkOneOf, fail } from './validation';

export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SECRET_WORDS = new Set([
  'PASSWORD', 'PASSWD', 'PASSPHRASE', 'SECRET', 'SECRETS', 'TOKEN', 'KEY', 'APIKEY', 'CREDENTIAL', 'CREDENTIALS', 'PRIVATE',
]);
export const FLAG_VALUES = new Set(['yes', 'no', 'true', 'false', 'on', 'off', '0', '1']);
export const ALIAS = /^[a-zA-Z0-9]([a-zA-Z0-9_-]{0,61}[a-zA-Z0-9])?$/;
export const CONTAINER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const USER = /^[A-Za-z0-9_][A-Za-z0-9_.-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]*)?$/;
const CAPABILITY = /^[A-Z][A-Z_]*$/;
const NAMESPACED_SYSCTL = [
  /^net\.[a-z0-9_.-]+$/,
  /^kernel\.(msgmax|msgmnb|msgmni|sem|shmall|shmmax|shmmni|shm_rmid_forced)$/,
  /^fs\.mqueue\.[a-z0-9_]+$/,
];
const RESTART_POLICIES: readonly RestartPolicy[] = ['no', 'on-failure', 'always', 'unless-stopped'];
const REPLACEMENTS: readonly ReplacementStrategy[] = ['start-first', 'stop-first'];
const STOP_SIGNAL = /^(SIG[A-Z0-9+-]+|[0-9]{1,2})$/;

/**
 * Whether an environment variable name looks like it carries a secret: one of its `_`-separated
 * words is PASSWORD, SECRET, TOKEN, KEY... Names ending in `_FILE` point to a secret file and are fine.
 */
export function looksSecret(name: string): boolean {
  const words = name.toUpperCase().split('_');
  if (words.length > 1 && words[words.length - 1] === 'FILE') return false;
  return words.some((w) => SECRET_WORDS.has(w));
}

/** Whether a path is absolute and already in normal form (no `..`, `.`, `//` or trailing `/`). */
export function isAbsoluteNormalizedPath(p: string): boolean {
  return path.posix.isAbsolute(p) && path.posix.normalize(p) === p && (p === '/' || !p.endsWith('/'));
}

export function checkImage(scope: IConstruct, image: string): void {
  if (Token.isUnresolved(image)) return;
  if (typeof image !== 'string') fail(scope, `image ${quote(image)} must be a string such as 'mariadb:10.11', not a ${typeof image}`);
  if (image.length === 0 || /[\s"'`$;]/.test(image)) {
    fail(scope, `image ${quote(image)} must be an image reference such as 'mariadb:10.11' (no whitespace or quotes)`);
  }
  // A reference is [registry[:port]/]name[:tag][@digest]: nothing else can reach the Docker API.
  const stray = [...image].find((c) => !/[A-Za-z0-9._/:@-]/.test(c));
  if (stray !== undefined) {
    fail(scope, `image ${quote(image)} contains ${quote(stray)}, which no image reference can hold (only letters, digits and '.', '_', '-', '/', ':', '@'); write it as [registry/]name:tag, e.g. 'registry.example.no/shop/web:1.4.2'`);
  }
  if (image.includes('@')) return;
  const lastPart = image.slice(image.lastIndexOf('/') + 1);
  const colon = lastPart.indexOf(':');
  const tag = colon === -1 ? undefined : lastPart.slice(colon + 1);
  if (tag === '') fail(scope, `image ${quote(image)} ends with ':'; give a tag such as ${quote(`${image}1.0`)}`);
  // An unpinned tag (none, or latest) is judged by the policy rule container-pinned-image, where a
  // suppression with its reason can allow it: one decision in one place.
}

export function checkName(scope: IConstruct, what: string, value: string, pattern: RegExp, rule: string): void {
  if (!Token.isUnresolved(value) && !pattern.test(value)) fail(scope, `${what} ${quote(value)} must contain only ${rule}`);
}

export function checkAtLeast(scope: IConstruct, what: string, value: number, min: number, why: string): void {
  if (Token.isUnresolved(value)) return;
  if (!Number.isInteger(value) || value < min) fail(scope, `${what} ${quote(value)} must be an integer of at least ${min} (${why})`);
}

export function checkHealthcheck(scope: IConstruct, hc: HealthcheckOptions): void {
  const [kind, ...rest] = hc.command;
  if ((kind !== 'CMD' && kind !== 'CMD-SHELL') || rest.length === 0 || (kind === 'CMD-SHELL' && rest.length !== 1)) {
    fail(scope, `healthcheck command ${quote(JSON.stringify(hc.command))} must be ['CMD', program, ...args] or ['CMD-SHELL', 'shell command']`);
  }
  checkAtLeast(scope, 'healthcheck intervalSeconds', hc.intervalSeconds ?? 10, 1, 'time between checks');
  checkAtLeast(scope, 'healthcheck timeoutSeconds', hc.timeoutSeconds ?? 5, 1, 'time one check may take');
  checkAtLeast(scope, 'healthcheck retries', hc.retries ?? 5, 1, 'failures before unhealthy');
  checkAtLeast(scope, 'healthcheck startPeriodSeconds', hc.startPeriodSeconds ?? 0, 0, 'grace period after start');
  if (hc.startIntervalSeconds !== undefined) checkAtLeast(scope, 'healthcheck startIntervalSeconds', hc.startIntervalSeconds, 1, 'time between checks during the start period');
}

/** The container's sysctls as Docker takes them: namespaced keys only, plain values. */
export function checkSysctls(scope: IConstruct, sysctls: Record<string, string | number>): Record<string, string> {
  // Keys whose value is a comma-separated list of ports and low-high ranges (SysctlProfile renders them so).
  const portListKeys = ['net.ipv4.ip_local_reserved_ports'];
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(sysctls)) {
    if (!NAMESPACED_SYSCTL.some((re) => re.test(key))) {
      fail(scope, `sysctl ${quote(key)} is not namespaced, so Docker cannot set it per container; set it on the host (SysctlProfile) or use a namespaced key (net.*, kernel.msg*, kernel.sem, kernel.shm*, fs.mqueue.*)`);
    }
    const text = String(value);
    if (Token.isUnresolved(text)) {
      out[key] = text;
      continue;
    }
    if (portListKeys.includes(key)) {
      if (!/^\d{1,5}(-\d{1,5})?(,\d{1,5}(-\d{1,5})?)*$/.test(text)) {
        fail(scope, `sysctl ${quote(key)} value ${quote(text)} must be ports and low-high ranges separated by commas, without spaces, e.g. '3306,13000-13099'`);
      }
      for (const range of text.split(',')) {
        const [low, high = low] = range.split('-').map(Number);
        if (low < 1 || high > 65535) fail(scope, `sysctl ${quote(key)} value ${quote(text)} has ${range}, outside the ports 1-65535; use ports from 1 to 65535`);
        if (low > high) fail(scope, `sysctl ${quote(key)} value ${quote(text)} has the range ${range} with its low end above its high end; write it as ${high}-${low}`);
      }
    } else if (!/^[A-Za-z0-9 .:_-]+$/.test(text.replace(/\t/g, ' '))) {
      fail(scope, `sysctl ${quote(key)} value ${quote(text)} must be plain numbers or words, e.g. '4096' or '1024 65000'`);
    }
    out[key] = text;
  }
  checkEphemeralPortsLeft(scope, out);
  return out;
}

// As SysctlProfile does for hosts, inside the container's network namespace.
function checkEphemeralPortsLeft(scope: IConstruct, sysctls: Readonly<Record<string, string>>): void {
  const reserved = sysctls['net.ipv4.ip_local_reserved_ports'];
  const range = sysctls['net.ipv4.ip_local_port_range'];
  if (reserved === undefined || (range !== undefined && Token.isUnresolved(range)) || Token.isUnresolved(reserved)) return;
  const bounds = range === undefined ? undefined : /^\s*(\d+)\s+(\d+)\s*$/.exec(range);
  if (range !== undefined && bounds === null) return; // the kernel refuses it; not this check's business
  const ports = reserved.split(',').map((part): [number, number] => {
    const [from, to = from] = part.split('-').map(Number);
    return [from, to];
  });
  const why = whyNoEphemeralPortLeft(ports, bounds ? [Number(bounds[1]), Number(bounds[2])] : undefined, "'3306,8080'");
  if (why !== undefined) fail(scope, `sysctl "net.ipv4.ip_local_reserved_ports" value ${quote(reserved)} ${why}`);
}

/** What `checkServiceSettings` reads of a service: its settings with the defaults filled in. */
export interface ResolvedServiceSettings {
  readonly image: string;
  readonly alias: string;
  readonly replacement: ReplacementStrategy;
  readonly stopSignal?: string;
  readonly replicaOf?: string;
  readonly baseContainerName: string;
  readonly restart: RestartPolicy;
  readonly memoryMiB: number;
  readonly memorySwapMiB: number;
  readonly cpus: number;
  readonly cpuShares: number;
  readonly logMaxSizeMiB: number;
  readonly logMaxFiles: number;
  readonly destroyGraceSeconds: number;
  readonly waitTimeoutSeconds: number;
  readonly healthcheck?: HealthcheckOptions;
}

/**
 * Checks a service's settings (`s`, defaults filled in) and the options read only once (`props`),
 * failing at `scope` with the setting, the value and the fix.
 */
export function checkServiceSettings(scope: IConstruct, s: ResolvedServiceSettings, props: ContainerServiceOptions, waiting: boolean): void {
  checkImage(scope, s.image);
  checkOneOf(scope, 'readOnlyRootFilesystem', props.readOnlyRootFilesystem, [true, false]);
  checkOneOf(scope, 'waitForHealthy', props.waitForHealthy, [true, false]);
  checkName(scope, 'alias', s.alias, ALIAS, 'letters, digits, \'_\' and \'-\', starting and ending with a letter or digit, at most 63 characters');
  if (!REPLACEMENTS.includes(s.replacement)) {
    fail(scope, `replacement ${quote(s.replacement)} must be one of ${REPLACEMENTS.map((r) => quote(r)).join(', ')}`);
  }
  if (s.stopSignal !== undefined && !Token.isUnresolved(s.stopSignal) && !STOP_SIGNAL.test(s.stopSignal)) {
    fail(scope, `stopSignal ${quote(s.stopSignal)} must be a signal name such as 'SIGTERM' or 'SIGQUIT', or its number`);
  }
  if (s.replicaOf !== undefined) checkName(scope, 'replicaOf', s.replicaOf, ALIAS, 'letters, digits, \'_\' and \'-\', starting and ending with a letter or digit, at most 63 characters');
  checkName(scope, 'containerName', s.baseContainerName, CONTAINER_NAME, 'letters, digits, \'_\', \'.\' and \'-\', starting with a letter or digit');
  if (!Token.isUnresolved(s.restart) && !RESTART_POLICIES.includes(s.restart)) {
    fail(scope, `restart ${quote(s.restart)} must be one of ${RESTART_POLICIES.map((r) => quote(r)).join(', ')}`);
  }
  checkAtLeast(scope, 'memoryMiB', s.memoryMiB, 6, 'Docker needs at least 6 MiB');
  if (!Token.isUnresolved(s.memorySwapMiB) && s.memorySwapMiB !== -1) {
    checkAtLeast(scope, 'memorySwapMiB', s.memorySwapMiB, s.memoryMiB, 'it includes memoryMiB; use -1 for unlimited swap');
  }
  if (!Token.isUnresolved(s.cpus) && !(Number.isFinite(s.cpus) && s.cpus >= 0.01)) {
    fail(scope, `cpus ${quote(s.cpus)} must be a number of CPUs of at least 0.01, e.g. 0.5 or 2`);
  }
  checkAtLeast(scope, 'cpuShares', s.cpuShares, 2, 'Docker\'s default weight is 1024');
  checkAtLeast(scope, 'logMaxSizeMiB', s.logMaxSizeMiB, 1, 'logs rotate at this size');
  checkAtLeast(scope, 'logMaxFiles', s.logMaxFiles, 1, 'at least the current log file is kept');
  checkAtLeast(scope, 'destroyGraceSeconds', s.destroyGraceSeconds, 0, 'use 0 to kill the process at once');
  checkAtLeast(scope, 'waitTimeoutSeconds', s.waitTimeoutSeconds, 1, 'apply waits this long for the healthcheck');
  if (props.nofileLimit !== undefined) checkAtLeast(scope, 'nofileLimit', props.nofileLimit, 64, 'a process needs a few dozen files at least');
  if (props.user !== undefined && !Token.isUnresolved(props.user) && !USER.test(props.user)) {
    fail(scope, `user ${quote(props.user)} must be 'name', 'uid' or 'uid:gid'`);
  }
  const notString = props.command?.find((word) => typeof word !== 'string');
  if (notString !== undefined) fail(scope, `command entry ${quote(notString)} must be a string; write every word of the exec form as a string, e.g. ${quote(String(notString))}`);
  if (s.healthcheck !== undefined) checkHealthcheck(scope, s.healthcheck);
  if (waiting && s.healthcheck === undefined) {
    fail(scope, `waitForHealthy needs a healthcheck: set healthcheck, e.g. { command: ['CMD', 'curl', '-f', 'http://127.0.0.1/health'] }`);
  }
const capabilities = { drop: props.dropCapabilities ?? [], add: props.addCapabilities ?? [] };
  for (const [which, list] of Object.entries(capabilities)) {
    for (const cap of list) {
      if (!Token.isUnresolved(cap) && !CAPABILITY.test(cap)) {
        fail(scope, `${which}Capabilities entry ${quote(cap)} must be a capability name in capitals, e.g. 'NET_BIND_SERVICE' or 'ALL'`);
      }
    }
  }
}
