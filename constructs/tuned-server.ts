import { createHash } from 'crypto';
import { isIP } from 'net';
import { Resource } from '@cdktf/provider-null/lib/resource';
import { requireProviderAtSynth } from './provider-presence';
import { Annotations, TerraformProvider, TerraformVariable, Token } from 'cdktf';
import { Construct } from 'constructs';
import { tuningScript, validateSshPublicKey } from '../renderers/cloud-init';
import { SysctlProfile } from '../renderers/sysctl-profile';
import { brand, isInstance } from './identity';
import { terraformLiteral } from './terraform-literal';
import { checkPrivateKeyVariable } from './private-key';
import { fail, withPath } from './validation';

/** Properties of `TunedServer`. */
export interface TunedServerProps {
  /** Address of the existing server: a host name or an IP address (a token from another resource is fine). */
  readonly host: string;
  /** The SSH private key: a Terraform variable declared with `sensitive: true` (never a literal). */
  readonly privateKey: TerraformVariable;
  /** SSH user; any user other than root needs passwordless sudo. @default 'root' */
  readonly user?: string;
  /** SSH port. @default 22 */
  readonly port?: number;
  /**
   * The server's SSH host public key (`ssh-ed25519 AAAA...`), checked on connect so the private key is
   * not offered to an impostor.
   * @default none: the host key is not verified (reported as a warning)
   */
  readonly hostKey?: string;
  /** How long to wait for SSH to answer. @default 300 */
  readonly connectionTimeoutSeconds?: number;
  /** Kernel parameters written to the server and applied. @default new SysctlProfile() (the article's preset) */
  readonly profile?: SysctlProfile;
  /** Machine types the preflight accepts, as `systemd-detect-virt --vm` prints them. @default ['kvm'] */
  readonly allowedVirtualization?: readonly string[];
  /** The hashicorp/null provider to use. @default the stack's default null provider */
  readonly provider?: TerraformProvider;
}

const USER_NAME = /^[a-z_][a-z0-9_-]{0,31}$/;
const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/**
 * Applies the same kernel tuning and Docker install as a `KvmHost`'s cloud-init to a server that
 * already exists (a rented KVM VPS) over SSH: a `null_resource` whose `remote-exec` provisioner runs
 * `tuningScript` — the preflight (kernel 3.10+, a KVM machine, never OpenVZ), the sysctl file, `sysctl
 * --system`, Docker if missing, `systemctl enable --now docker`, and the SSH user in the `docker` group.
 *
 * The resource's triggers are the host and the script's sha256, so changing the profile replaces the
 * resource and re-runs the script; the script itself is idempotent, so a re-run changes nothing when
 * nothing changed. Destroying the resource leaves the server as it is.
 */
export class TunedServer extends Construct {
  /** Whether `x` is a `TunedServer`, from this or any other copy of the library (`instanceof` fails across copies). */
  public static isTunedServer(x: unknown): x is TunedServer {
    return isInstance(x, TunedServer, 'TunedServer');
  }

  /** The server's address. */
  public readonly host: string;
  /** The SSH user. */
  public readonly user: string;
  /** The SSH port. */
  public readonly port: number;
  /** Seconds to wait for SSH. */
  public readonly connectionTimeoutSeconds: number;
  /** The kernel parameters applied. */
  public readonly profile: SysctlProfile;
  /** The accepted machine types. */
  public readonly allowedVirtualization: readonly string[];
  /** The script the provisioner runs (before Terraform template escaping). */
  public readonly script: string;
  /** sha256 of `script`, in hex: the trigger that re-runs the provisioner. */
  public readonly scriptSha256: string;
  /** The `null_resource` that runs the script. */
  public readonly resource: Resource;

  constructor(scope: Construct, id: string, props: TunedServerProps) {
    super(scope, id);
    brand(this, 'TunedServer');
    this.host = props.host;
    this.user = props.user ?? 'root';
    this.port = props.port ?? 22;
    this.connectionTimeoutSeconds = props.connectionTimeoutSeconds ?? 300;
    this.profile = props.profile ?? new SysctlProfile();
    this.allowedVirtualization = props.allowedVirtualization ?? ['kvm'];

    if (!Token.isUnresolved(this.host) && !(isIP(this.host) !== 0 || HOST_NAME.test(this.host))) {
      fail(this, `host ${JSON.stringify(this.host)} must be a host name or an IP address; give the user in \`user\` and the port in \`port\``);
    }
    if (!Token.isUnresolved(this.user) && !USER_NAME.test(this.user)) {
      fail(this, `user ${JSON.stringify(this.user)} must be a Linux user name (lowercase letters, digits, '_' or '-')`);
    }
    if (!Token.isUnresolved(this.port) && (!Number.isInteger(this.port) || this.port < 1 || this.port > 65535)) {
      fail(this, `port ${JSON.stringify(this.port)} must be an integer from 1 to 65535`);
    }
    if (!Token.isUnresolved(this.connectionTimeoutSeconds) && (!Number.isInteger(this.connectionTimeoutSeconds) || this.connectionTimeoutSeconds < 1)) {
      fail(this, `connectionTimeoutSeconds ${JSON.stringify(this.connectionTimeoutSeconds)} must be a whole number of seconds, at least 1`);
    }
    checkPrivateKeyVariable(this, props.privateKey);
    if (props.hostKey !== undefined && !Token.isUnresolved(props.hostKey)) {
      withPath(this, () => validateSshPublicKey(props.hostKey!, 'hostKey'));
    }
    if (props.hostKey === undefined) {
      Annotations.of(this).addWarning(
        'hostKey is not set: the SSH host key is not verified, so an impostor at this address would receive the private key login; pin the server\'s host public key in hostKey',
      );
    }
    for (const warning of this.profile.warnings()) Annotations.of(this).addWarning(warning);

    // Unresolved users cannot be checked; they are left out of the docker group rather than risk a bad command.
    const dockerUser = this.user !== 'root' && !Token.isUnresolved(this.user) ? this.user : undefined;
    this.script = withPath(this, () =>
      tuningScript({ profile: this.profile, allowedVirtualization: this.allowedVirtualization, dockerUser, installDockerIfMissing: true }),
    );
    this.scriptSha256 = createHash('sha256').update(this.script).digest('hex');
    this.claimHost();

    requireProviderAtSynth(this, 'null', props.provider);
    this.resource = new Resource(this, 'tuning', {
      provider: props.provider,
      triggers: { host: this.host, script_sha256: this.scriptSha256 },
      connection: {
        type: 'ssh',
        host: this.host,
        user: this.user,
        port: this.port,
        privateKey: props.privateKey.stringValue,
        timeout: `${this.connectionTimeoutSeconds}s`,
        ...(props.hostKey !== undefined ? { hostKey: props.hostKey } : {}),
      },
      provisioners: [{ type: 'remote-exec', inline: [terraformLiteral(this.script)] }],
    });
  }

  // Two TunedServers that tune one machine differently undo each other on every apply: refuse the second.
  private claimHost(): void {
    if (Token.isUnresolved(this.host)) return;
    const root = this.node.root;
    const byHost = TUNED_HOSTS.get(root) ?? new Map<string, TunedServer>();
    TUNED_HOSTS.set(root, byHost);
    const key = this.host.toLowerCase();
    const other = byHost.get(key);
    if (other === undefined) {
      byHost.set(key, this);
      return;
    }
    const differences = tuningDifferences(other, this);
    if (differences.length === 0) return;
    fail(
      this,
      `host ${JSON.stringify(this.host)} is already tuned by ${other.node.path} with other settings (${differences.join('; ')}); each apply would undo the other's tuning: give both the same profile and allowedVirtualization, or tune the host with one TunedServer`,
    );
  }
}

/** TunedServers by host, per app: one machine gets one tuning. */
const TUNED_HOSTS = new WeakMap<object, Map<string, TunedServer>>();

/** What two TunedServers would write differently: sysctl file, values, accepted machine types (at most three). */
function tuningDifferences(there: TunedServer, here: TunedServer): string[] {
  const out: string[] = [];
  if (there.profile.filePath !== here.profile.filePath) out.push(`${there.profile.filePath} there, ${here.profile.filePath} here`);
  const a = there.profile.values();
  const b = here.profile.values();
  for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
    if (a[key] !== b[key]) out.push(`${key} ${a[key] ?? 'unset'} there, ${b[key] ?? 'unset'} here`);
  }
  const machines = (s: TunedServer) => s.allowedVirtualization.join(', ');
  if (machines(there) !== machines(here)) out.push(`allowedVirtualization ${machines(there)} there, ${machines(here)} here`);
  return out.slice(0, 3);
}

