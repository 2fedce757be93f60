import { createHash } from 'crypto';
import { stringify } from 'yaml';
import { InvalidInputError, quote, requireOneOf } from './invalid-input';
import { shellCommand, shellQuote } from './shell';
import { SysctlProfile } from './sysctl-profile';

/** Where both routes install the preflight script, so an admin can re-run it by hand. */
export const PREFLIGHT_PATH = '/usr/local/sbin/docker-host-preflight';

const SSH_KEY_TYPES = ['ssh-ed25519', 'ssh-rsa', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521'];
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
// Control, format (bidi overrides, zero-width), private-use, unassigned and line/paragraph separator characters.
const INVISIBLE = /[\p{C}\p{Zl}\p{Zp}]/u;
const INVISIBLE_ALL = /[\p{Cf}\p{Co}\p{Cn}\p{Zl}\p{Zp}]/gu;
const USER_NAME = /^[a-z_][a-z0-9_-]{0,31}$/;
const HOST_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
// Virtual machine ids printed by `systemd-detect-virt --vm`; 'none' is bare metal.
const VM_IDS = ['none', 'kvm', 'amazon', 'qemu', 'bochs', 'xen', 'uml', 'vmware', 'oracle', 'microsoft', 'zvm', 'parallels', 'bhyve', 'qnx', 'acrn', 'powervm', 'apple', 'sre', 'google'];

/**
 * Checks an OpenSSH public key line (`<type> <base64> [comment]`): the type is ssh-ed25519, ssh-rsa or
 * ecdsa-sha2-nistp256/384/521, the body is base64 and starts with that same type, and it is one line.
 * The comment may hold letters of any language (`jörg@example.no`), but no control or invisible characters.
 * Returns the key; throws `InvalidInputError` naming `setting` otherwise. A private key is refused
 * without echoing it.
 */
export function validateSshPublicKey(key: string, setting = 'SSH public key'): string {
  if (/PRIVATE KEY/.test(key)) {
    throw new InvalidInputError(`${setting} is a private key (value not shown); pass the public key, the contents of the .pub file`);
  }
  const shown = visible(key.length > 48 ? `${key.slice(0, 48)}...` : key);
  if (/[\r\n]/.test(key)) {
    throw new InvalidInputError(`${setting} ${shown} must be one line: "<type> <base64 body> [comment]", as in a .pub file`);
  }
  const match = /^(\S+) (\S+)(?: (.*))?$/su.exec(key);
  if (match === null) {
    throw new InvalidInputError(`${setting} ${shown} must be "<type> <base64 body> [comment]" with single spaces between the parts, as in a .pub file`);
  }
  const [, type, body, comment = ''] = match;
  // The comment is free text to OpenSSH and cloud-init: letters of any language are fine (UTF-8);
  // control and invisible characters are not, they could hide what the line says.
  const hidden = INVISIBLE.exec(comment);
  if (hidden !== null) {
    const code = `U+${hidden[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
    const kind = /\p{Cc}/u.test(hidden[0]) ? 'the control character' : 'the invisible character';
    throw new InvalidInputError(
      `${setting} ${shown} has ${kind} ${code} in its comment; remove it (letters of any language are fine in a comment, e.g. "jörg@example.no")`,
    );
  }
  if (!SSH_KEY_TYPES.includes(type)) {
    throw new InvalidInputError(`${setting} ${shown} has type ${visible(type)}; use an ${SSH_KEY_TYPES.join(', ')} public key`);
  }
  const blob = BASE64.test(body) && body.length % 4 === 0 ? Buffer.from(body, 'base64') : undefined;
  const embedded = blob !== undefined && blob.length >= 4 ? blob.subarray(4, 4 + blob.readUInt32BE(0)).toString('latin1') : undefined;
  if (embedded !== type) {
    throw new InvalidInputError(
      `${setting} ${shown} has a body that is not a base64 ${type} key; copy the whole line from the .pub file without breaking or editing it`,
    );
  }
  return key;
}

// Quotes a value for a message with invisible characters (bidi overrides, zero-width spaces) escaped,
// so the message shows what is really there.
function visible(text: string): string {
  return quote(text).replace(INVISIBLE_ALL, (c) => `\\u${c.codePointAt(0)!.toString(16).padStart(4, '0')}`);
}

/** Options of the preflight check. */
export interface PreflightOptions {
  /**
   * Machine types accepted, as `systemd-detect-virt --vm` prints them (`kvm`; `amazon` for AWS Nitro,
   * which is KVM-based; `none` for bare metal). Containers (OpenVZ, LXC, Docker) are always refused.
   * @default ['kvm']
   */
  readonly allowedVirtualization?: readonly string[];
  /**
   * Kernel parameters that must exist under /proc/sys (the sysctl profile's keys): `sysctl --system`
   * skips a missing one with exit 0, so the preflight stops instead. `CloudInitConfig` and
   * `tuningScript` always check their profile's keys.
   * @default [] (none checked)
   */
  readonly sysctlKeys?: readonly string[];
}

const SYSCTL_KEY = /^[a-z][a-z0-9_]*(\.[A-Za-z0-9_-]+)+$/;

/**
 * A POSIX shell script that fails loudly (exit 1, the reason on stderr, which cloud-init copies to the
 * console and `/var/log/cloud-init-output.log`) when the host cannot run Docker: a kernel older than
 * 3.10, an OpenVZ or other container, a machine type outside `allowedVirtualization`, or a kernel
 * without one of `sysctlKeys`. Both routes (cloud-init and `TunedServer` over SSH) install it at
 * `PREFLIGHT_PATH` and run it before tuning.
 */
export function preflightScript(options: PreflightOptions = {}): string {
  const allowed = options.allowedVirtualization ?? ['kvm'];
  const sysctlKeys = options.sysctlKeys ?? [];
  for (const key of sysctlKeys) {
    if (typeof key !== 'string' || !SYSCTL_KEY.test(key)) {
      throw new InvalidInputError(`sysctlKeys entry ${quote(key)} is not a sysctl name; give dotted names such as "net.core.somaxconn"`);
    }
  }
  if (allowed.length === 0) {
    throw new InvalidInputError('allowedVirtualization [] accepts no machine at all; list at least one, such as "kvm"');
  }
  for (const id of allowed) {
    if (!VM_IDS.includes(id)) {
      throw new InvalidInputError(
        `allowedVirtualization entry ${quote(id)} is not a machine type systemd-detect-virt --vm prints; use one of ${VM_IDS.join(', ')}`,
      );
    }
  }
  const expected = allowed.join(' or ');
  return `#!/bin/sh
# Preflight for a Docker host (generated by cdktf-kvm-microservices): fails, saying why, on a kernel
# older than 3.10, on a machine that is not a ${expected} virtual machine, or on a kernel without a
# parameter of the sysctl profile.
set -eu
fail() {
  echo "preflight failed: $*" >&2
  exit 1
}
kernel=$(uname -r)
major=\${kernel%%.*}
minor=\${kernel#*.}
minor=\${minor%%[!0-9]*}
case "$major.$minor" in
  *[!0-9.]* | .* | *.) fail "cannot read the kernel version from uname -r: '$kernel'" ;;
esac
if [ "$major" -lt 3 ] || { [ "$major" -eq 3 ] && [ "$minor" -lt 10 ]; }; then
  fail "kernel $kernel is older than 3.10, the oldest kernel Docker supports (it needs its namespaces, cgroups and overlay storage); boot a 3.10 or newer kernel"
fi
if command -v systemd-detect-virt >/dev/null 2>&1; then
  container=$(systemd-detect-virt --container || true)
  vm=$(systemd-detect-virt --vm || true)
elif [ -d /proc/vz ] && [ ! -d /proc/bc ]; then
  container=openvz
  vm=none
else
  fail "cannot tell what kind of machine this is: systemd-detect-virt is missing; install systemd"
fi
case "$container" in
  none) ;;
  openvz) fail "this is an OpenVZ container: it shares one old kernel with every other customer on the node, so it cannot load modules, upgrade the kernel or create the namespaces and cgroups Docker needs, and Docker cannot run here; move to a KVM virtual machine" ;;
  *) fail "this is a $container container, not a virtual machine: it shares its host's kernel, so it cannot be tuned or run Docker reliably; run this on a KVM virtual machine" ;;
esac
case "$vm" in
  ${allowed.join(' | ')}) ;;
  *) fail "machine type is '$vm', expected ${expected}: Docker and kernel tuning need a machine with its own kernel; run this on a KVM virtual machine, or add '$vm' to allowedVirtualization" ;;
esac
${sysctlKeys.length === 0 ? '' : sysctlKeyCheck(sysctlKeys)}echo "preflight ok: kernel $kernel, machine type $vm"
`;
}

// sysctl --system skips a key the kernel does not have and still exits 0: look for each one first.
function sysctlKeyCheck(keys: readonly string[]): string {
  return `missing=
for key in ${keys.map(shellQuote).join(' ')}; do
  [ -e "/proc/sys/$(echo "$key" | tr . /)" ] || missing="$missing $key"
done
if [ -n "$missing" ]; then
  fail "kernel $kernel has no sysctl$missing (nothing under /proc/sys): sysctl --system would skip it without an error and the tuning would not happen; remove it from the sysctl profile, or load the kernel module that provides it at boot (/etc/modules-load.d)"
fi
`;
}

/** What both routes do once the sysctl file and the preflight script are on disk. */
export interface HostSetupOptions {
  /** User added to the `docker` group, so `ssh://<user>@host` works as a Docker host URL. @default no user */
  readonly dockerUser?: string;
  /** Install `docker.io` with apt-get when `dockerd` is missing. @default false */
  readonly installDockerIfMissing?: boolean;
}

/**
 * The shell commands both routes run, in order: the preflight, `sysctl --system` (applies every file
 * in /etc/sysctl.d, ours included), Docker install if missing, `systemctl enable --now
 * docker`, and adding the user to the `docker` group. Every step is idempotent.
 */
export function hostSetupCommands(options: HostSetupOptions = {}): string[] {
  const commands = [PREFLIGHT_PATH, 'sysctl --system'];
  if (requireOneOf('installDockerIfMissing', options.installDockerIfMissing ?? false, [true, false])) {
    commands.push(
      [
        'if ! command -v dockerd >/dev/null 2>&1; then',
        '  if ! command -v apt-get >/dev/null 2>&1; then',
        '    echo "Docker is missing and this host has no apt-get: install Docker Engine, then apply again" >&2',
        '    exit 1',
        '  fi',
        '  apt-get update -q',
        '  DEBIAN_FRONTEND=noninteractive apt-get install -y -q docker.io',
        'fi',
      ].join('\n'),
    );
  }
  commands.push('systemctl enable --now docker');
  if (options.dockerUser !== undefined) {
    checkUserName('dockerUser', options.dockerUser);
    commands.push(shellCommand('usermod', '-aG', 'docker', options.dockerUser));
  }
  return commands;
}

/** Options of `tuningScript`. */
export interface TuningScriptOptions extends Omit<PreflightOptions, 'sysctlKeys'>, HostSetupOptions {
  /** The kernel parameters to write and apply. */
  readonly profile: SysctlProfile;
}

/**
 * The whole tuning as one idempotent POSIX script, for a host without cloud-init (`TunedServer` runs it
 * over SSH): re-runs itself with `sudo -n` when not root, installs the preflight and runs it, writes the
 * sysctl file only when its content differs, then runs `hostSetupCommands`. Running it twice changes
 * nothing the second time.
 */
export function tuningScript(options: TuningScriptOptions): string {
  const preflight = preflightScript({ ...options, sysctlKeys: options.profile.keys() });
  const lines = [
    '#!/bin/sh',
    '# Tunes this host for Docker microservices (generated by cdktf-kvm-microservices); safe to re-run.',
    'set -eu',
    'if [ "$(id -u)" -ne 0 ]; then',
    '  exec sudo -n /bin/sh "$0"',
    'fi',
    '# put_file PATH MODE CONTENT: replaces PATH only when its content differs.',
    'put_file() {',
    '  tmp=$(mktemp)',
    '  printf \'%s\' "$3" >"$tmp"',
    '  if cmp -s "$tmp" "$1"; then',
    '    rm -f "$tmp"',
    '  else',
    '    install -o root -g root -m "$2" "$tmp" "$1"',
    '    rm -f "$tmp"',
    '    echo "wrote $1"',
    '  fi',
    '}',
    `put_file ${shellQuote(PREFLIGHT_PATH)} 0755 ${shellQuote(preflight)}`,
    PREFLIGHT_PATH,
    `put_file ${shellQuote(options.profile.filePath)} 0644 ${shellQuote(options.profile.render())}`,
    ...hostSetupCommands(options).filter((command) => command !== PREFLIGHT_PATH),
  ];
  return lines.join('\n') + '\n';
}

/** Construction properties of `CloudInitConfig`. */
export interface CloudInitConfigProps extends Omit<PreflightOptions, 'sysctlKeys'> {
  /** Public keys allowed to log in as the admin user (OpenSSH `.pub` lines); at least one. */
  readonly sshAuthorizedKeys: readonly string[];
  /** The admin user: no password, login by SSH key only, passwordless sudo, member of `docker`. @default 'admin' */
  readonly adminUser?: string;
  /** Kernel parameters written to the guest and applied. @default new SysctlProfile() (the article's preset) */
  readonly profile?: SysctlProfile;
  /** Host name given to the guest in meta-data (`local-hostname`). @default none: the image's default */
  readonly hostname?: string;
  /**
   * A second disk for data that must outlive the root disk (a database's data directory): formatted on
   * first boot only when it has no filesystem yet, and mounted by label.
   * @default none
   */
  readonly dataDisk?: CloudInitDataDisk;
}

/** A data disk as the guest sees it. */
export interface CloudInitDataDisk {
  /** The block device, e.g. `/dev/vdb` (the second virtio disk). */
  readonly device: string;
  /** Where it is mounted, e.g. `/srv/data`. */
  readonly mountPath: string;
  /** Filesystem label it is found by (at most 16 characters). @default 'kvms-data' */
  readonly label?: string;
}

const DEVICE = /^\/dev\/[a-z]+[0-9]*$/;
const MOUNT_PATH = /^(\/[A-Za-z0-9._-]+)+$/;
const FS_LABEL = /^[A-Za-z0-9_-]{1,16}$/;

/**
 * Cloud-init NoCloud user-data and meta-data for a Docker host, rendered from a typed model with a YAML
 * library. The user-data creates the admin user (SSH keys only, password locked, the distribution's
 * default user replaced), writes the sysctl profile and the preflight script, and runs
 * `hostSetupCommands` with `set -e`: the preflight first, so a refused machine stops there and cloud-init
 * reports an error, then the tuning and `docker.io` (installed with apt-get only when missing).
 *
 * The instance id is derived from the content (`iid-` + 16 hex digits of a sha256 over the user-data and
 * the other meta-data), so any change to the profile, keys, user or host name gives a new id. On change:
 * the libvirt cloud-init disk is rebuilt and its volume replaced (its inputs force replacement), and on
 * the guest's next boot cloud-init sees a new instance and re-runs its per-instance modules (users,
 * write_files, packages, runcmd), which are idempotent. A running guest is not touched until it reboots.
 */
export class CloudInitConfig {
  /** The admin user name. */
  public readonly adminUser: string;
  /** The kernel parameters applied. */
  public readonly profile: SysctlProfile;
  /** The guest's host name, when set. */
  public readonly hostname?: string;
  /** The accepted machine types. */
  public readonly allowedVirtualization: readonly string[];
  /** The validated SSH public keys. */
  public readonly sshAuthorizedKeys: readonly string[];
  /** `iid-` + 16 hex digits of the content hash; changes whenever the rendered content does. */
  public readonly instanceId: string;
  /** The data disk, if any. */
  public readonly dataDisk?: Required<CloudInitDataDisk>;

  private readonly preflight: string;
  private readonly userData: string;

  constructor(props: CloudInitConfigProps) {
    this.adminUser = props.adminUser ?? 'admin';
    checkUserName('adminUser', this.adminUser);
    if (this.adminUser === 'root') {
      throw new InvalidInputError('adminUser "root" would allow root logins over SSH; use an unprivileged name such as "admin" (it gets passwordless sudo)');
    }
    if (props.sshAuthorizedKeys.length === 0) {
      throw new InvalidInputError('sshAuthorizedKeys [] leaves no way to log in (passwords are disabled); give at least one OpenSSH public key');
    }
    this.sshAuthorizedKeys = props.sshAuthorizedKeys.map((key, i) => validateSshPublicKey(key, `sshAuthorizedKeys[${i}]`));
    this.profile = props.profile ?? new SysctlProfile();
    this.allowedVirtualization = props.allowedVirtualization ?? ['kvm'];
    this.preflight = preflightScript({ allowedVirtualization: this.allowedVirtualization, sysctlKeys: this.profile.keys() });
    if (props.hostname !== undefined) {
      const labels = props.hostname.split('.');
      if (props.hostname.length > 253 || !labels.every((label) => HOST_LABEL.test(label))) {
        throw new InvalidInputError(
          `hostname ${quote(props.hostname)} must be lowercase DNS labels (a-z, 0-9, '-', not at either end) joined by dots; use a name like "kvm-host-1"`,
        );
      }
      this.hostname = props.hostname;
    }
    if (props.dataDisk !== undefined) {
      const d = { label: 'kvms-data', ...props.dataDisk };
      if (!DEVICE.test(d.device)) throw new InvalidInputError(`dataDisk.device ${quote(d.device)} must be a block device such as "/dev/vdb"`);
      if (!MOUNT_PATH.test(d.mountPath) || d.mountPath.split('/').some((p) => p === '.' || p === '..')) {
        throw new InvalidInputError(`dataDisk.mountPath ${quote(d.mountPath)} must be an absolute, normalized directory such as "/srv/data"`);
      }
      if (['/', '/boot', '/etc', '/usr', '/var', '/home', '/root'].includes(d.mountPath)) {
        throw new InvalidInputError(`dataDisk.mountPath ${quote(d.mountPath)} would hide a system directory of the guest; use a directory of its own such as "/srv/data"`);
      }
      if (!FS_LABEL.test(d.label)) throw new InvalidInputError(`dataDisk.label ${quote(d.label)} must be 1-16 letters, digits, '_' or '-' (an ext4 label)`);
      this.dataDisk = d;
    }
    this.userData = '#cloud-config\n' + toYaml(this.userDataModel());
    const inputs = JSON.stringify({ userData: this.userData, localHostname: this.hostname ?? null });
    this.instanceId = `iid-${createHash('sha256').update(inputs).digest('hex').slice(0, 16)}`;
  }

  /** The user-data as a plain object (what `renderUserData` serializes after the `#cloud-config` line). */
  userDataModel(): Record<string, unknown> {
    return {
      users: [
        {
          name: this.adminUser,
          shell: '/bin/bash',
          sudo: 'ALL=(ALL) NOPASSWD:ALL',
          lock_passwd: true,
          ssh_authorized_keys: [...this.sshAuthorizedKeys],
        },
      ],
      disable_root: true,
      ssh_pwauth: false,
      write_files: [
        { path: this.profile.filePath, owner: 'root:root', permissions: '0644', content: this.profile.render() },
        { path: PREFLIGHT_PATH, owner: 'root:root', permissions: '0755', content: this.preflight },
      ],
      // Docker is installed by the runcmd, after the preflight and only when missing: a refused machine
      // gets nothing, and an image that ships Docker boots without touching the network.
      runcmd: ['set -e', ...hostSetupCommands({ dockerUser: this.adminUser, installDockerIfMissing: true })],
      ...(this.dataDisk === undefined ? {} : this.dataDiskModel(this.dataDisk)),
    };
  }

  /**
   * Formats the data disk only when it carries no filesystem (`overwrite: false`), so a new root disk
   * or instance finds the data as it was, and mounts it by label before Docker's containers start.
   * `nofail` keeps a missing disk from stopping the boot, but also drops the mount's ordering before
   * local-fs.target, so `x-systemd.before` orders it before Docker: after a reboot, a container must not
   * start on the empty directory under the mount point (a database would initialise a new one there).
   */
  private dataDiskModel(d: Required<CloudInitDataDisk>): Record<string, unknown> {
    return {
      fs_setup: [{ label: d.label, filesystem: 'ext4', device: d.device, partition: 'none', overwrite: false }],
      mounts: [[`LABEL=${d.label}`, d.mountPath, 'ext4', 'defaults,nofail,x-systemd.before=docker.service', '0', '2']],
    };
  }

  /** The user-data document: `#cloud-config` then YAML. */
  renderUserData(): string {
    return this.userData;
  }

  /** The NoCloud meta-data document: the content-derived instance id and, when set, the host name. */
  renderMetaData(): string {
    return toYaml({ 'instance-id': this.instanceId, ...(this.hostname !== undefined ? { 'local-hostname': this.hostname } : {}) });
  }
}

// cloud-init reads YAML 1.1 (PyYAML): emitting with 1.1 rules quotes strings such as "yes", "on" and
// "0644" that 1.1 would read as booleans or octal numbers. lineWidth 0 keeps long keys on one line.
function toYaml(value: unknown): string {
  return stringify(value, { version: '1.1', lineWidth: 0 });
}

function checkUserName(setting: string, name: string): void {
  if (!USER_NAME.test(name)) {
    throw new InvalidInputError(
      `${setting} ${quote(name)} must be a Linux user name: 1-32 lowercase letters, digits, '_' or '-', not starting with a digit or '-'`,
    );
  }
}
