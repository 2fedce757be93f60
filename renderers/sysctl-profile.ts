import { InvalidInputError, quote, requireOneOf } from './invalid-input';
import { PortRange, SYSCTL_KEY_SPECS as SPECS, SysctlKey, SysctlKeySpec, SysctlSettings, checkExtraKeyExists, isKnownSysctlKey as isKnownKey } from './sysctl-keys';

export type { PortRange, SysctlKey, SysctlKeySpec, SysctlSettings } from './sysctl-keys';

/** The article's values: a host with thousands of short-lived connections behind an nginx gateway. */
export const ARTICLE_SYSCTL_PRESET: SysctlSettings = Object.freeze({
  'net.core.somaxconn': 4096,
  'net.ipv4.tcp_tw_reuse': 1,
  'net.ipv4.ip_local_port_range': [1024, 65000] as const,
  'fs.file-max': 2097152,
});

/** Construction properties of `SysctlProfile`. */
export interface SysctlProfileProps {
  /**
   * File name under `/etc/sysctl.d`, without `.conf`. Files apply in lexical order and later ones win;
   * 90 runs after distribution defaults (50-*) and before the admin's `99-sysctl.conf`.
   * @default '90-microservices'
   */
  readonly name?: string;
  /** The base values; `overrides` are merged over them. @default ARTICLE_SYSCTL_PRESET */
  readonly preset?: SysctlSettings;
  /** Values merged over the preset; a key set to `undefined` removes it from the preset. @default {} */
  readonly overrides?: SysctlSettings;
  /**
   * Kernel parameters this profile does not model, by sysctl name. Their syntax is checked (names like
   * `kernel.pid_max`, single-line printable values), keys no kernel has are refused (outside /proc/sys,
   * removed from Linux, or a typo of a known key), and the preflight stops on a machine whose kernel
   * lacks one; they are never treated as per-namespace.
   * @default {}
   */
  readonly extra?: Readonly<Record<string, string | number>>;
  /** Whether the host runs Docker: then `net.ipv4.ip_forward = 0` is refused. @default true */
  readonly hostRunsDocker?: boolean;
}

type SysctlValue = number | PortRange | readonly (number | PortRange)[];

// What ip_local_port_range is on current kernels when the profile does not set it.
const KERNEL_DEFAULT_PORT_RANGE: PortRange = [32768, 60999];

/**
 * Why reserved ports (single ports and low-high ranges) leave no ephemeral port in `range` (the
 * kernel's default when `undefined`), or `undefined` when one is left: reserved ports are never handed
 * out for outgoing connections, so then every connect() without a source port fails (EADDRNOTAVAIL).
 * `example` is a reservation to suggest, written as the caller's setting takes it.
 */
export function whyNoEphemeralPortLeft(reserved: readonly (number | PortRange)[], range: PortRange | undefined, example: string): string | undefined {
  const [low, high] = range ?? KERNEL_DEFAULT_PORT_RANGE;
  const taken = new Set<number>();
  for (const entry of reserved) {
    const [from, to] = typeof entry === 'number' ? [entry, entry] : entry;
    for (let port = Math.max(from, low); port <= Math.min(to, high); port++) taken.add(port);
  }
  if (taken.size < high - low + 1) return undefined;
  const where = range === undefined ? `the kernel's default ephemeral range ${low}-${high}` : `the whole ephemeral range ${low}-${high} (net.ipv4.ip_local_port_range)`;
  return `covers ${where}, so no port is left for outgoing connections (connect() fails with EADDRNOTAVAIL); reserve only the ports services listen on, such as ${example}, or widen net.ipv4.ip_local_port_range`;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const EXTRA_KEY = /^[a-z][a-z0-9_]*(\.[A-Za-z0-9_-]+)+$/;
const EXTRA_VALUE = /^[\x21-\x7e]+( [\x21-\x7e]+)*$/;

/**
 * A validated set of kernel parameters for a Docker host, rendered as an `/etc/sysctl.d/<name>.conf`
 * file. Values are checked by type and range when the profile is built, and settings that contradict
 * each other are refused. It also knows which parameters are per network namespace: those must be set
 * on containers too (`namespacedSysctls()`), because a container's namespace does not inherit them.
 */
export class SysctlProfile {
  /** Every key the profile models, sorted. */
  static knownKeys(): SysctlKey[] {
    return (Object.keys(SPECS) as SysctlKey[]).sort();
  }

  /** The type, range and namespacing of a known key. */
  static describe(key: SysctlKey): SysctlKeySpec {
    if (!isKnownKey(key)) throw unknownKey(key);
    return SPECS[key];
  }

  /** File name under `/etc/sysctl.d`, without `.conf`. */
  public readonly name: string;
  /** Where the rendered file goes: `/etc/sysctl.d/<name>.conf`. */
  public readonly filePath: string;
  /** Whether the host runs Docker. */
  public readonly hostRunsDocker: boolean;

  private readonly known: Map<SysctlKey, SysctlValue>;
  private readonly extra: Map<string, string>;

  constructor(props: SysctlProfileProps = {}) {
    this.name = props.name ?? '90-microservices';
    if (!NAME.test(this.name) || this.name.endsWith('.conf')) {
      throw new InvalidInputError(
        `sysctl profile name ${quote(this.name)} must be 1-64 letters, digits, '_', '.' or '-', start with a letter or digit, and have no '.conf' suffix; use a name like "90-microservices"`,
      );
    }
    this.filePath = `/etc/sysctl.d/${this.name}.conf`;
    this.hostRunsDocker = requireOneOf('hostRunsDocker', props.hostRunsDocker ?? true, [true, false]);

    const merged: Record<string, unknown> = { ...(props.preset ?? ARTICLE_SYSCTL_PRESET), ...(props.overrides ?? {}) };
    this.known = new Map();
    for (const key of Object.keys(merged).sort()) {
      const value = merged[key];
      if (value === undefined) continue;
      if (!isKnownKey(key)) throw unknownKey(key);
      this.known.set(key as SysctlKey, checkValue(key as SysctlKey, value));
    }

    this.extra = new Map();
    for (const key of Object.keys(props.extra ?? {}).sort()) {
      this.extra.set(key, checkExtra(key, props.extra![key]));
    }

    this.checkConflicts();
  }

  /** The value of a known key, or `undefined` when the profile leaves the kernel default. */
  get<K extends SysctlKey>(key: K): SysctlSettings[K] | undefined {
    return this.known.get(key) as SysctlSettings[K] | undefined;
  }

  /**
   * The listen backlog limit this profile sets (`net.core.somaxconn`), for nginx's `listen ... backlog=`
   * and for containers; `undefined` when the profile leaves the kernel default.
   */
  get somaxconn(): number | undefined {
    return this.known.get('net.core.somaxconn') as number | undefined;
  }

  /** Every key the profile sets, sorted: what the preflight looks for under /proc/sys. */
  keys(): string[] {
    return Object.keys(this.values());
  }

  /** Every parameter the profile sets, as the strings written to the file, sorted by key. */
  values(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [key, value] of this.known) out[key] = formatValue(key, value);
    for (const [key, value] of this.extra) out[key] = value;
    return sortKeys(out);
  }

  /**
   * The parameters that are per network namespace, as a `sysctls` map for containers (Docker's
   * `--sysctl`): a container gets its own network namespace, so host values such as
   * `net.core.somaxconn = 4096` do not reach it. Give this map to containers that accept or open many
   * connections (the gateway). `extra` keys are never included.
   */
  namespacedSysctls(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [key, value] of this.known) {
      if (SPECS[key].namespaced) out[key] = formatValue(key, value);
    }
    return out;
  }

  /**
   * Legal but risky choices, one sentence each, for constructs to report as warnings. The article's
   * port range triggers both port warnings.
   */
  warnings(): string[] {
    const out: string[] = [];
    const range = this.known.get('net.ipv4.ip_local_port_range') as PortRange | undefined;
    if (range !== undefined) {
      const [low, high] = range;
      if (low < 32768 && !this.known.has('net.ipv4.ip_local_reserved_ports')) {
        out.push(
          `net.ipv4.ip_local_port_range starts at ${low}, among the ports services listen on (3306, 5432, 8080...): an outgoing connection can hold a port a service then fails to bind; list those ports in net.ipv4.ip_local_reserved_ports`,
        );
      }
      if ((low - high) % 2 === 0) {
        out.push(
          `net.ipv4.ip_local_port_range ${low} ${high} has two ends of the same parity; the kernel documentation advises one even and one odd end (for example ${low} ${high - 1}) so connect() can split the range`,
        );
      }
    }
    return out;
  }

  /** The `/etc/sysctl.d/<name>.conf` file: a header, then each key with a one-line comment. */
  render(): string {
    const lines = [
      `# Kernel parameters for a microservice host (SysctlProfile "${this.name}").`,
      '# Generated by cdktf-kvm-microservices and applied with `sysctl --system`; local edits are overwritten.',
    ];
    for (const [key, value] of this.known) {
      const spec = SPECS[key];
      lines.push(`# ${spec.comment}${spec.namespaced ? ' [per network namespace]' : ''}`);
      lines.push(`${key} = ${formatValue(key, value)}`);
    }
    if (this.extra.size > 0) {
      lines.push('# Extra parameters (syntax-checked only)');
      for (const [key, value] of this.extra) lines.push(`${key} = ${value}`);
    }
    return lines.join('\n') + '\n';
  }

  private checkConflicts(): void {
    const reuse = this.known.get('net.ipv4.tcp_tw_reuse');
    if (reuse !== undefined && reuse !== 0 && this.known.get('net.ipv4.tcp_timestamps') === 0) {
      throw new InvalidInputError(
        `net.ipv4.tcp_tw_reuse ${reuse} has no effect with net.ipv4.tcp_timestamps 0: TIME_WAIT reuse relies on TCP timestamps to tell old segments from new ones; set net.ipv4.tcp_timestamps to 1 or net.ipv4.tcp_tw_reuse to 0`,
      );
    }
    this.checkEphemeralPortsLeft();
    if (this.hostRunsDocker && this.known.get('net.ipv4.ip_forward') === 0) {
      throw new InvalidInputError(
        'net.ipv4.ip_forward 0 breaks container networking on a host that runs Docker (containers on bridge networks cannot reach anything outside the host); remove the key (Docker sets it to 1) or set hostRunsDocker to false',
      );
    }
  }

  private checkEphemeralPortsLeft(): void {
    const reserved = this.known.get('net.ipv4.ip_local_reserved_ports') as readonly (number | PortRange)[] | undefined;
    if (reserved === undefined) return;
    const why = whyNoEphemeralPortLeft(reserved, this.known.get('net.ipv4.ip_local_port_range') as PortRange | undefined, '[3306, 8080]');
    if (why !== undefined) throw new InvalidInputError(`net.ipv4.ip_local_reserved_ports ${formatValue('net.ipv4.ip_local_reserved_ports', reserved)} ${why}`);
  }
}

function unknownKey(key: string): InvalidInputError {
  return new InvalidInputError(
    `sysctl key ${quote(key)} is not one SysctlProfile knows; check the spelling against SysctlProfile.knownKeys(), or pass kernel parameters the profile does not model in \`extra\``,
  );
}

function isInt(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value);
}

function describeValue(value: unknown): string {
  return Array.isArray(value) ? JSON.stringify(value) : quote(value);
}

function checkPort(key: string, value: unknown, what: string): number {
  if (!isInt(value) || value < 1 || value > 65535) {
    throw new InvalidInputError(`${key} ${what} ${describeValue(value)} must be a port from 1 to 65535`);
  }
  return value;
}

function checkValue(key: SysctlKey, value: unknown): SysctlValue {
  const spec = SPECS[key];
  switch (spec.kind) {
    case 'int': {
      if (!isInt(value) || value < spec.min! || value > spec.max!) {
        const allowed = spec.meaning !== undefined ? ` (${spec.meaning})` : '';
        throw new InvalidInputError(
          `${key} ${describeValue(value)} must be an integer from ${spec.min} to ${spec.max}${allowed}; set a value in that range`,
        );
      }
      return value;
    }
    case 'portRange': {
      if (!Array.isArray(value) || value.length !== 2 || !value.every(isInt)) {
        throw new InvalidInputError(`${key} ${describeValue(value)} must be two integer ports [low, high], like [1024, 65000]`);
      }
      const [low, high] = value as number[];
      if (low < 1024 || high > 65535) {
        throw new InvalidInputError(
          `${key} ${describeValue(value)} must stay within 1024..65535 (ports below 1024 are for privileged services); raise the low end or lower the high end`,
        );
      }
      if (low >= high) {
        throw new InvalidInputError(`${key} ${describeValue(value)} has low ${low} not below high ${high}; give [low, high] with low < high`);
      }
      return [low, high] as const;
    }
    case 'portList': {
      if (!Array.isArray(value) || value.length === 0) {
        throw new InvalidInputError(`${key} ${describeValue(value)} must be a non-empty list of ports or [low, high] ranges; remove the key to reserve none`);
      }
      return value.map((entry: unknown) => {
        if (Array.isArray(entry)) {
          if (entry.length !== 2) throw new InvalidInputError(`${key} range ${describeValue(entry)} must be [low, high]`);
          const low = checkPort(key, entry[0], 'range start');
          const high = checkPort(key, entry[1], 'range end');
          if (low > high) throw new InvalidInputError(`${key} range ${describeValue(entry)} has low ${low} above high ${high}; swap them`);
          return [low, high] as const;
        }
        return checkPort(key, entry, 'port');
      });
    }
  }
}

function checkExtra(key: string, value: unknown): string {
  if (isKnownKey(key)) {
    throw new InvalidInputError(`extra sysctl key ${quote(key)} is a known key; set it in \`overrides\` so its value is checked`);
  }
  if (!EXTRA_KEY.test(key)) {
    throw new InvalidInputError(
      `extra sysctl key ${quote(key)} must be a dotted sysctl name such as "kernel.pid_max" (lowercase first part, then letters, digits, '_' or '-')`,
    );
  }
  checkExtraKeyExists(key);
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new InvalidInputError(`extra sysctl ${key} value ${quote(value)} must be an integer or a string`);
    return String(value);
  }
  if (typeof value !== 'string' || !EXTRA_VALUE.test(value)) {
    throw new InvalidInputError(
      `extra sysctl ${key} value ${describeValue(value)} must be printable ASCII words separated by single spaces, on one line; remove newlines, tabs and surrounding spaces`,
    );
  }
  return value;
}

function formatValue(key: SysctlKey, value: SysctlValue): string {
  switch (SPECS[key].kind) {
    case 'int':
      return String(value);
    case 'portRange': {
      const [low, high] = value as PortRange;
      return `${low} ${high}`;
    }
    case 'portList':
      return (value as readonly (number | PortRange)[]).map((e) => (typeof e === 'number' ? String(e) : `${e[0]}-${e[1]}`)).join(',');
  }
}

function sortKeys(record: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(record).sort()) out[key] = record[key];
  return out;
}
