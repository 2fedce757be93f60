import { DockerProvider } from '@cdktf/provider-docker/lib/provider';
import { Aspects, IAspect, TerraformResource, TerraformStack, Token } from 'cdktf';
import { IConstruct } from 'constructs';
import type { KvmHost } from './kvm-host';
import type { TunedServer } from './tuned-server';
import * as path from 'path';
import { quote } from '../renderers/invalid-input';
import { isIpv4 } from '../renderers/ipv4';
import { isDockerProvider } from './identity';
import { checkOneOf, fail } from './validation';

/** The local Docker engine's socket, as `docker` itself uses it. */
export const LOCAL_DOCKER_SOCKET = 'unix:///var/run/docker.sock';

/** Options shared by every Docker host. */
export interface DockerHostOptions {
  /**
   * Provider alias; needed as soon as a stack talks to more than one Docker host (each host is one
   * aliased provider, and constructs pick theirs through their `provider`/`dockerProvider` prop).
   * @default no alias: the stack's default `docker` provider
   */
  readonly alias?: string;
  /**
   * Let `plan` run without a reachable daemon (`disable_docker_daemon_check`), e.g. in CI or before
   * the host that will run Docker exists.
   * @default false
   */
  readonly disableDockerDaemonCheck?: boolean;
}

/** Where a local Docker engine listens. */
export interface LocalDockerHostOptions extends DockerHostOptions {
  /**
   * The engine's socket, as a `unix://` URL with an absolute path.
   * @default 'unix:///var/run/docker.sock'
   */
  readonly socket?: string;
}

/** A remote Docker engine reached over SSH (`ssh://user@address`). */
export interface SshDockerHostOptions extends DockerHostOptions {
  /** The SSH login on the remote host; it must be allowed to use Docker there. */
  readonly user: string;
  /** IPv4 address, IPv6 address or host name of the remote host, or a token (e.g. a KvmHost's address). */
  readonly address: string;
  /**
   * SSH port.
   * @default 22
   */
  readonly port?: number;
  /**
   * Extra options for the ssh client (`ssh_opts`), e.g. `['-o', 'StrictHostKeyChecking=yes']`.
   * @default none
   */
  readonly sshOpts?: string[];
  /**
   * A resource that completes when the host is ready for Docker (a `KvmHost`'s readiness check, a
   * `TunedServer`): every Docker resource on this host depends on it, so one apply prepares the host and
   * then deploys onto it.
   * @default none
   */
  readonly readiness?: TerraformResource;
}

/** Options of `DockerHost.forKvmHost` and `DockerHost.forServer`. */
export type ManagedDockerHostOptions = Omit<SshDockerHostOptions, 'user' | 'address' | 'readiness'>;

const ALIAS = /^[a-zA-Z_][a-zA-Z0-9_-]*$/;
const SSH_USER = /^[a-zA-Z_][a-zA-Z0-9_.-]{0,31}$/;
const HOSTNAME = /^(?=.{1,253}$)[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;
const IPV6 = /^[0-9a-fA-F:.]+$/;

/**
 * Factories for the `DockerProvider` of a Docker host. Providers belong to stacks: call these from a
 * stack's constructor and hand the returned provider to `ServiceNetwork` (or to a `ContainerService`'s
 * `dockerProvider`); reusable constructs never create providers themselves.
 *
 * ```ts
 * const local = DockerHost.local(this, 'docker');
 * const vm2 = DockerHost.ssh(this, 'docker-vm2', { user: 'deploy', address: '10.0.0.12', alias: 'vm2' });
 * ```
 */
export class DockerHost {
  /** The local engine through its Unix socket. */
  public static local(stack: IConstruct, id: string, options: LocalDockerHostOptions = {}): DockerProvider {
    const socket = options.socket ?? LOCAL_DOCKER_SOCKET;
    if (!Token.isUnresolved(socket)) {
      const socketPath = socket.startsWith('unix://') ? socket.slice('unix://'.length) : undefined;
      if (socketPath === undefined || !path.posix.isAbsolute(socketPath) || path.posix.normalize(socketPath) !== socketPath) {
        fail(stack, `docker host '${id}': socket ${quote(socket)} must be a unix:// URL with an absolute, normalized path, e.g. ${quote(LOCAL_DOCKER_SOCKET)}`);
      }
    }
    return DockerHost.provider(stack, id, { ...options, host: socket });
  }

  /**
   * The local engine that `DOCKER_HOST` names when OpenTofu runs, else `unix:///var/run/docker.sock`
   * (the provider's own default): the JSON holds no machine-specific socket.
   */
  public static fromEnvironment(stack: IConstruct, id: string, options: DockerHostOptions = {}): DockerProvider {
    return DockerHost.provider(stack, id, { ...options, host: undefined });
  }

  /** A remote engine over SSH, e.g. on a `KvmHost` or an existing server; the Docker CLI's ssh transport is used. */
  public static ssh(stack: IConstruct, id: string, options: SshDockerHostOptions): DockerProvider {
    const provider = DockerHost.provider(stack, id, {
      alias: options.alias,
      disableDockerDaemonCheck: options.disableDockerDaemonCheck,
      sshOpts: options.sshOpts,
      host: sshHostUrl(stack, id, options.user, options.address, options.port),
    });
    if (options.readiness !== undefined) DockerHost.waitFor(provider, options.readiness);
    return provider;
  }

  /**
   * The Docker engine of a `KvmHost`, as its admin user over SSH; every Docker resource on it waits for
   * the host's readiness check (made with `addReadinessCheck` first). The daemon check is off, because
   * the host does not exist at the first plan.
   */
  public static forKvmHost(stack: IConstruct, id: string, host: KvmHost, options: ManagedDockerHostOptions = {}): DockerProvider {
    const readiness = host.readinessCheck;
    if (readiness === undefined) {
      fail(stack, `docker host '${id}': KvmHost '${host.node.path}' has no readiness check, so Docker resources would not wait for the guest to boot; call host.addReadinessCheck({ privateKey }) first`);
    }
    return DockerHost.ssh(stack, id, { disableDockerDaemonCheck: true, ...options, user: host.adminUser, address: host.address, readiness });
  }

  /**
   * The Docker engine of an existing server prepared by a `TunedServer` (preflight, tuning, Docker
   * installed), as its SSH user; every Docker resource on it waits for the `TunedServer`.
   */
  public static forServer(stack: IConstruct, id: string, server: TunedServer, options: ManagedDockerHostOptions = {}): DockerProvider {
    return DockerHost.ssh(stack, id, { disableDockerDaemonCheck: true, ...options, user: server.user, address: server.host, port: server.port, readiness: server.resource });
  }

  /** Makes every Docker resource on `provider` depend on `readiness` (added to the stack as an Aspect). */
  public static waitFor(provider: DockerProvider, readiness: TerraformResource): void {
    const stack = TerraformStack.of(provider);
    let ordering = READINESS.get(stack);
    if (ordering === undefined) {
      ordering = new ReadinessOrdering();
      READINESS.set(stack, ordering);
      Aspects.of(stack).add(ordering);
    }
    ordering.add(provider, readiness);
  }

  /** The readiness resources Docker resources on `provider` wait for (a copy). */
  public static readinessOf(provider: DockerProvider): TerraformResource[] {
    return [...(READINESS.get(TerraformStack.of(provider))?.of(provider) ?? [])];
  }

  private static provider(
    stack: IConstruct,
    id: string,
    options: DockerHostOptions & { readonly host: string | undefined; readonly sshOpts?: string[] },
  ): DockerProvider {
    if (!TerraformStack.isStack(stack)) {
      fail(stack, `docker host '${id}' must be created in a stack, not inside a construct: create it in the stack and pass the provider to the constructs that need it`);
    }
    checkOneOf(stack, `docker host '${id}': disableDockerDaemonCheck`, options.disableDockerDaemonCheck, [true, false]);
    const alias = options.alias;
    if (alias !== undefined && !Token.isUnresolved(alias) && !ALIAS.test(alias)) {
      fail(stack, `docker host '${id}': alias ${quote(alias)} must start with a letter or '_' and contain only letters, digits, '_' and '-'`);
    }
    const clash = stack.node
      .findAll()
      .find((c): c is DockerProvider => isDockerProvider(c) && c.alias === alias);
    if (clash !== undefined) {
      const which = alias === undefined ? 'no alias (the default docker provider)' : `alias ${quote(alias)}`;
      fail(stack, `docker host '${id}': docker host '${clash.node.id}' already uses ${which}; give each Docker host in one stack its own alias`);
    }
    return new DockerProvider(stack, id, {
      host: options.host,
      alias,
      disableDockerDaemonCheck: options.disableDockerDaemonCheck,
      sshOpts: options.sshOpts,
    });
  }
}

/** Builds and checks `ssh://user@address[:port]`; an unresolved address (a token) is taken as it is. */
function sshHostUrl(scope: IConstruct, id: string, user: string, address: string, port: number | undefined): string {
  const what = `docker host '${id}'`;
  if (!Token.isUnresolved(user) && !SSH_USER.test(user)) {
    fail(scope, `${what}: ssh user ${quote(user)} must be a login name (letters, digits, '_', '.', '-', at most 32 characters)`);
  }
  let host = address;
  if (!Token.isUnresolved(address)) {
    if (address.includes(':')) {
      const bare = address.replace(/^\[(.*)\]$/, '$1');
      if (!IPV6.test(bare) || !bare.includes(':')) {
        fail(scope, `${what}: address ${quote(address)} must be an IPv4 address, an IPv6 address or a host name`);
      }
      host = `[${bare}]`;
    } else if (!isIpv4(address) && (/^[\d.]+$/.test(address) || !HOSTNAME.test(address))) {
      fail(scope, `${what}: address ${quote(address)} must be an IPv4 address, an IPv6 address or a host name`);
    }
  }
  if (port !== undefined && !Token.isUnresolved(port) && !(Number.isInteger(port) && port >= 1 && port <= 65535)) {
    fail(scope, `${what}: ssh port ${quote(port)} must be an integer from 1 to 65535`);
  }
  return `ssh://${user}@${host}${port === undefined || port === 22 ? '' : `:${port}`}`;
}

const READINESS = new WeakMap<TerraformStack, ReadinessOrdering>();

/** Adds `depends_on` on their host's readiness to the Docker resources of hosts that have one. */
class ReadinessOrdering implements IAspect {
  private readonly byProvider = new Map<DockerProvider, TerraformResource[]>();

  add(provider: DockerProvider, readiness: TerraformResource): void {
    const list = this.byProvider.get(provider) ?? [];
    if (!list.includes(readiness)) list.push(readiness);
    this.byProvider.set(provider, list);
  }

  of(provider: DockerProvider): readonly TerraformResource[] {
    return this.byProvider.get(provider) ?? [];
  }

  visit(node: IConstruct): void {
    // The framework's guard, not instanceof: a project may load two copies of cdktf.
    if (!TerraformResource.isTerraformResource(node) || !node.terraformResourceType.startsWith('docker_')) return;
    const provider = node.provider;
    if (provider === undefined) return;
    for (const readiness of this.byProvider.get(provider as DockerProvider) ?? []) {
      const address = `${readiness.terraformResourceType}.${readiness.friendlyUniqueId}`;
      if (!(node.dependsOn ?? []).includes(address)) node.dependsOn = [...(node.dependsOn ?? []), address];
    }
  }
}
