import { editDistance } from './edit-distance';
import { InvalidInputError, quote } from './invalid-input';

// The kernel parameters SysctlProfile models (names, types, ranges, namespacing), and what is known
// about keys it does not model. Pure data and checks, no cdktf.

/** A port range, both ends inclusive: `[low, high]`. */
export type PortRange = readonly [low: number, high: number];

/**
 * The kernel parameters `SysctlProfile` knows, by their sysctl names. Each one exists in
 * `/proc/sys` of a current Linux kernel; see `SysctlProfile.describe()` for ranges and namespacing.
 */
export interface SysctlSettings {
  /** Longest accept queue a listening socket may ask for (caps nginx's `listen ... backlog=`). */
  readonly 'net.core.somaxconn'?: number;
  /** Packets queued on input when an interface receives faster than the kernel processes. */
  readonly 'net.core.netdev_max_backlog'?: number;
  /** Reuse TIME_WAIT sockets for new outgoing connections: 0 off, 1 on, 2 loopback only. */
  readonly 'net.ipv4.tcp_tw_reuse'?: 0 | 1 | 2;
  /** TCP timestamps (RFC 7323): 0 off, 1 on, 2 on without random offsets. Reuse needs them. */
  readonly 'net.ipv4.tcp_timestamps'?: 0 | 1 | 2;
  /** Ports the kernel picks from for outgoing connections, `[low, high]`. */
  readonly 'net.ipv4.ip_local_port_range'?: PortRange;
  /** Ports (or `[low, high]` ranges) never handed out for outgoing connections: keep services' ports free. */
  readonly 'net.ipv4.ip_local_reserved_ports'?: readonly (number | PortRange)[];
  /** Seconds an orphaned connection stays in FIN_WAIT_2. */
  readonly 'net.ipv4.tcp_fin_timeout'?: number;
  /** Half-open connections remembered per listener (SYN queue). */
  readonly 'net.ipv4.tcp_max_syn_backlog'?: number;
  /** Most TIME_WAIT sockets held at once; beyond it they are destroyed early. */
  readonly 'net.ipv4.tcp_max_tw_buckets'?: number;
  /** SYN cookies when the SYN queue overflows: 0 off, 1 on overflow, 2 always. */
  readonly 'net.ipv4.tcp_syncookies'?: 0 | 1 | 2;
  /** Seconds of idleness before the first TCP keepalive probe. */
  readonly 'net.ipv4.tcp_keepalive_time'?: number;
  /** Seconds between TCP keepalive probes. */
  readonly 'net.ipv4.tcp_keepalive_intvl'?: number;
  /** Unanswered keepalive probes before a connection is dropped. */
  readonly 'net.ipv4.tcp_keepalive_probes'?: number;
  /** Reset the congestion window after idleness: 0 keeps long-lived upstream connections fast. */
  readonly 'net.ipv4.tcp_slow_start_after_idle'?: 0 | 1;
  /** Route packets between interfaces: Docker's bridge networking needs 1. */
  readonly 'net.ipv4.ip_forward'?: 0 | 1;
  /** Open files system-wide. */
  readonly 'fs.file-max'?: number;
  /** Open files a single process may raise its limit to. */
  readonly 'fs.nr_open'?: number;
  /** Inotify watches per user (file watchers in containers share the host's). */
  readonly 'fs.inotify.max_user_watches'?: number;
  /** How eagerly the kernel swaps anonymous memory, 0..100. */
  readonly 'vm.swappiness'?: number;
  /** Memory map areas a process may have (Elasticsearch wants 262144). */
  readonly 'vm.max_map_count'?: number;
}

/** A known sysctl key. */
export type SysctlKey = keyof SysctlSettings;

/** What `SysctlProfile` knows about one kernel parameter. */
export interface SysctlKeySpec {
  /** `int` (one integer), `portRange` (two ports), `portList` (ports and ranges). */
  readonly kind: 'int' | 'portRange' | 'portList';
  /** Smallest accepted value (for `int`). */
  readonly min?: number;
  /** Largest accepted value (for `int`). */
  readonly max?: number;
  /** What each value means, for keys that are really enumerations. */
  readonly meaning?: string;
  /** True when each network namespace has its own value: host settings do not reach containers. */
  readonly namespaced: boolean;
  /** One-line comment written above the key in the rendered file. */
  readonly comment: string;
}

const INT_MAX = 2147483647;

// Namespaced = visible and writable inside a fresh network namespace (checked against the running
// kernel by __tests__/integration/sysctl-keys.test.ts), which is also what `docker run --sysctl` accepts.
export const SYSCTL_KEY_SPECS: { readonly [K in SysctlKey]-?: SysctlKeySpec } = {
  'fs.file-max': { kind: 'int', min: 1, max: Number.MAX_SAFE_INTEGER, namespaced: false, comment: 'Max open files (system-wide)' },
  'fs.inotify.max_user_watches': { kind: 'int', min: 1, max: INT_MAX, namespaced: false, comment: 'Inotify watches per user' },
  // sysctl_nr_open_max on 64-bit kernels.
  'fs.nr_open': { kind: 'int', min: 64, max: 1073741816, namespaced: false, comment: 'Max open files per process' },
  'net.core.netdev_max_backlog': { kind: 'int', min: 1, max: INT_MAX, namespaced: false, comment: 'Input packets queued per CPU' },
  // Backlogs were 16 bits before Linux 4.1; staying within that keeps the value portable.
  'net.core.somaxconn': { kind: 'int', min: 1, max: 65535, namespaced: true, comment: 'Allow more connections to queue up' },
  'net.ipv4.ip_forward': { kind: 'int', min: 0, max: 1, meaning: '0 off, 1 on', namespaced: true, comment: 'Forward packets between interfaces (Docker bridge networking)' },
  'net.ipv4.ip_local_port_range': { kind: 'portRange', namespaced: true, comment: 'Increase local port range for outgoing connections' },
  'net.ipv4.ip_local_reserved_ports': { kind: 'portList', namespaced: true, comment: 'Ports never used for outgoing connections' },
  'net.ipv4.tcp_fin_timeout': { kind: 'int', min: 1, max: INT_MAX, namespaced: true, comment: 'Seconds in FIN_WAIT_2 for orphaned connections' },
  // Socket option limits (MAX_TCP_KEEPIDLE, MAX_TCP_KEEPINTVL, MAX_TCP_KEEPCNT).
  'net.ipv4.tcp_keepalive_intvl': { kind: 'int', min: 1, max: 32767, namespaced: true, comment: 'Seconds between keepalive probes' },
  'net.ipv4.tcp_keepalive_probes': { kind: 'int', min: 1, max: 127, namespaced: true, comment: 'Keepalive probes before dropping a connection' },
  'net.ipv4.tcp_keepalive_time': { kind: 'int', min: 1, max: 32767, namespaced: true, comment: 'Seconds idle before the first keepalive probe' },
  'net.ipv4.tcp_max_syn_backlog': { kind: 'int', min: 1, max: INT_MAX, namespaced: true, comment: 'Half-open connections remembered per listener' },
  'net.ipv4.tcp_max_tw_buckets': { kind: 'int', min: 1, max: INT_MAX, namespaced: true, comment: 'Max sockets in TIME_WAIT' },
  'net.ipv4.tcp_slow_start_after_idle': { kind: 'int', min: 0, max: 1, meaning: '0 off, 1 on', namespaced: true, comment: 'Restart slow start after idleness' },
  'net.ipv4.tcp_syncookies': { kind: 'int', min: 0, max: 2, meaning: '0 off, 1 on SYN queue overflow, 2 always', namespaced: true, comment: 'SYN cookies' },
  'net.ipv4.tcp_timestamps': { kind: 'int', min: 0, max: 2, meaning: '0 off, 1 on, 2 on without random offsets', namespaced: true, comment: 'TCP timestamps (needed by TIME_WAIT reuse)' },
  'net.ipv4.tcp_tw_reuse': { kind: 'int', min: 0, max: 2, meaning: '0 off, 1 on, 2 loopback only', namespaced: true, comment: 'Reuse TIME_WAIT sockets (critical for nginx proxying to microservices)' },
  'vm.max_map_count': { kind: 'int', min: 1, max: INT_MAX, namespaced: false, comment: 'Memory map areas per process' },
  // 200 is accepted since Linux 5.8; 100 works on every kernel Docker supports.
  'vm.swappiness': { kind: 'int', min: 0, max: 100, namespaced: false, comment: 'Swap tendency (0..100)' },
};

// Own properties only: 'toString' and friends are not sysctl keys.
/** Whether `key` is one of the keys `SysctlProfile` models. */
export function isKnownSysctlKey(key: string): key is SysctlKey {
  return Object.prototype.hasOwnProperty.call(SYSCTL_KEY_SPECS, key);
}

/** The directories directly under /proc/sys on Linux; a key outside them exists on no kernel. */
export const SYSCTL_ROOTS: readonly string[] = ['abi', 'crypto', 'debug', 'dev', 'fs', 'kernel', 'net', 'sunrpc', 'user', 'vm'];

// Keys that tuning guides still copy but that current kernels no longer have, with what happened to them.
const REMOVED_KEYS: Readonly<Record<string, string>> = {
  'net.ipv4.tcp_tw_recycle': 'was removed in Linux 4.12 (it broke connections from clients behind NAT); net.ipv4.tcp_tw_reuse, which the profile models, is the safe way to reuse TIME_WAIT sockets',
  'net.ipv4.ip_conntrack_max': 'went with the old ip_conntrack module in Linux 2.6.22; set net.netfilter.nf_conntrack_max instead',
  'net.ipv4.netfilter.ip_conntrack_max': 'went with the old ip_conntrack module in Linux 2.6.22; set net.netfilter.nf_conntrack_max instead',
  'kernel.sched_migration_cost_ns': 'moved out of sysctl to /sys/kernel/debug/sched/ in Linux 5.13; drop it from the profile',
  'kernel.sched_min_granularity_ns': 'moved out of sysctl to /sys/kernel/debug/sched/ in Linux 5.13; drop it from the profile',
  'kernel.sched_wakeup_granularity_ns': 'moved out of sysctl to /sys/kernel/debug/sched/ in Linux 5.13; drop it from the profile',
  'kernel.sched_latency_ns': 'moved out of sysctl to /sys/kernel/debug/sched/ in Linux 5.13; drop it from the profile',
};

/**
 * Refuses an `extra` key that no kernel the library supports has, where that can be known without the
 * target machine: a first part that is not a /proc/sys directory, a key removed from the kernel, or a
 * near miss of a key the profile models (a typo that `sysctl --system` would skip with exit 0). Every
 * other key is checked on the machine itself by the preflight (`preflightScript`'s `sysctlKeys`).
 */
export function checkExtraKeyExists(key: string): void {
  const root = key.split('.')[0];
  if (!SYSCTL_ROOTS.includes(root)) {
    throw new InvalidInputError(
      `extra sysctl key ${quote(key)} starts with ${quote(root)}, which is no directory of /proc/sys (${SYSCTL_ROOTS.join(', ')}), so no kernel has it; check the spelling`,
    );
  }
  const removed = REMOVED_KEYS[key];
  if (removed !== undefined) {
    throw new InvalidInputError(`extra sysctl key ${quote(key)} ${removed}`);
  }
  const near = (Object.keys(SYSCTL_KEY_SPECS) as SysctlKey[]).find((known) => editDistance(key, known) <= 2);
  if (near !== undefined) {
    throw new InvalidInputError(
      `extra sysctl key ${quote(key)} is no kernel parameter; did you mean ${quote(near)}? Set that in \`overrides\`, where its value is checked`,
    );
  }
}
