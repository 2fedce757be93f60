import { DockerProvider } from '@cdktf/provider-docker/lib/provider';
import { TerraformStack, Token } from 'cdktf';
import { IConstruct } from 'constructs';
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
}

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

  /** A remote engine over SSH, e.g. on a `KvmHost` or an existing server; the Docker CLI's ssh transport is used. */
  public static ssh(stack: IConstruct, id: string, options: SshDockerHostOptions): DockerProvider {
    return DockerHost.provider(stack, id, {
      alias: options.alias,
      disableDockerDaemonCheck: options.disableDockerDaemonCheck,
      sshOpts: options.sshOpts,
      host: sshHostUrl(stack, id, options.user, options.address, options.port),
    });
  }

  private static provider(
    stack: IConstruct,
    id: string,
    options: DockerHostOptions & { readonly host: string; readonly sshOpts?: string[] },
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
