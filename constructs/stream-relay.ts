import { DockerProvider } from '@cdktf/provider-docker/lib/provider';
import { Token } from 'cdktf';
import { Construct } from 'constructs';
import { quote } from '../renderers/invalid-input';
import { isIpv4 } from '../renderers/ipv4';
import { gatewayFileLimit } from '../renderers/nginx-config';
import { renderStreamRelayConfig } from '../renderers/stream-relay';
import { ContainerJob } from './container-job';
import { ContainerService } from './container-service';
import { DEFAULT_GATEWAY_IMAGE, nginxVersionOf } from './nginx-gateway';
import { ReloadableNginx, reloadableNginx } from './reloadable-nginx';
import type { ServiceNetwork } from './service-network';
import { terraformLiteral } from './terraform-literal';
import { fail, withPath } from './validation';

/** One port of a relay: what it forwards to. */
export interface StreamRelayPort {
  /** The port published on the host's address. */
  readonly port: number;
  /** The containers (on the relay's Docker host) it forwards to; at least one. */
  readonly targets: readonly ContainerService[];
  /** The port the targets listen on in their containers. */
  readonly targetPort: number;
}

/** Props of `StreamRelay`. */
export interface StreamRelayProps {
  /** The service network; the relay joins it on its Docker host. */
  readonly network: ServiceNetwork;
  /** The Docker host it runs on. */
  readonly dockerProvider: DockerProvider;
  /** The host's address other hosts reach it at: the ports are published there only. */
  readonly hostAddress: string;
  /** The relayed ports. */
  readonly ports: readonly StreamRelayPort[];
  /**
   * nginx image (with the stream module, built in or at `modules`).
   * @default DEFAULT_GATEWAY_IMAGE
   */
  readonly image?: string;
  /**
   * The nginx version in the image (with 1.27.3 or newer the relay follows its targets' addresses while
   * it runs).
   * @default read from the image's tag, as `NginxGateway` does
   */
  readonly nginxVersion?: string;
  /**
   * Dynamic modules to load, e.g. Debian's `/usr/lib/nginx/modules/ngx_stream_module.so`.
   * @default none (the official images have the stream module built in)
   */
  readonly modules?: readonly string[];
  /**
   * Seconds a reload waits for the old workers' connections to end (and a stop for nginx).
   * @default 30
   */
  readonly drainTimeoutSeconds?: number;
  /**
   * Memory limit in MiB.
   * @default 64
   */
  readonly memoryMiB?: number;
}

/**
 * A TCP relay on a Docker host: nginx's stream module, publishing ports on the host's private address
 * and forwarding each to containers of that host by name. It lets other hosts (the gateway, services
 * that use a service here) reach replicas that are replaced start-first: the replicas publish no host
 * port themselves, so old and new can run side by side, and the relay's configuration follows them by
 * graceful reload (`reloadableNginx`), the old replica leaving the relay before it stops.
 */
export class StreamRelay extends Construct {
  /** The container running nginx. */
  public readonly service: ContainerService;
  /** The job that activates each configuration. */
  public readonly activation: ContainerJob;
  /** The relayed ports (copies). */
  public readonly ports: readonly StreamRelayPort[];
  private readonly nginx: ReloadableNginx;

  constructor(scope: Construct, id: string, props: StreamRelayProps) {
    super(scope, id);
    if (props.ports.length === 0) fail(this, 'ports [] relays nothing: give at least one port, or make no relay');
    if (!Token.isUnresolved(props.hostAddress) && (!isIpv4(props.hostAddress) || props.hostAddress === '0.0.0.0')) {
      fail(this, `hostAddress ${quote(props.hostAddress)} must be the host's own IPv4 address (not 0.0.0.0): the relay's ports are for other hosts, not the public`);
    }
    const seen = new Set<number>();
    for (const p of props.ports) {
      if (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535) fail(this, `port ${quote(p.port)} must be an integer from 1 to 65535`);
      if (seen.has(p.port)) fail(this, `port ${p.port} is relayed twice; give each relayed service its own port`);
      seen.add(p.port);
      if (!Number.isInteger(p.targetPort) || p.targetPort < 1 || p.targetPort > 65535) {
        fail(this, `port ${p.port} targetPort ${quote(p.targetPort)} must be an integer from 1 to 65535 (the port the targets listen on)`);
      }
      if (p.targets.length === 0) fail(this, `port ${p.port} has no targets: give at least one container`);
      for (const t of p.targets) {
        if (t.dockerProvider !== props.dockerProvider) fail(this, `port ${p.port} target '${t.node.path}' runs on another Docker host, where the relay cannot reach it by name`);
        if (t.network !== props.network) {
          fail(this, `port ${p.port} target '${t.node.path}' is on network ${quote(t.network.networkName)}, not ${quote(props.network.networkName)}, where the relay cannot reach it by name`);
        }
      }
    }
    this.ports = props.ports.map((p) => ({ ...p, targets: [...p.targets] }));
    const drain = props.drainTimeoutSeconds ?? 30;
    const image = props.image ?? DEFAULT_GATEWAY_IMAGE;
    const nginxVersion = props.nginxVersion ?? nginxVersionOf(this, image);
    this.nginx = reloadableNginx(this, {
      network: props.network,
      dockerProvider: props.dockerProvider,
      image,
      alias: id,
      containerName: `${props.network.networkName}-${id}`,
      ports: props.ports.map((p) => ({ containerPort: p.port, hostPort: p.port, hostAddress: props.hostAddress })),
      memoryMiB: props.memoryMiB ?? 64,
      cpus: 0.5,
      drainTimeoutSeconds: drain,
      nofileLimit: gatewayFileLimit({}),
      failureMessage: `StreamRelay [${this.node.path}]: the relay kept its running configuration, because the new one was not activated:`,
      config: () => this.config(props, drain, nginxVersion),
    });
    this.service = this.nginx.service;
    this.activation = this.nginx.activation;
    for (const p of props.ports) {
      for (const t of p.targets) {
        const address = `${t.container.terraformResourceType}.${t.container.friendlyUniqueId}`;
        this.activation.runAfter(address);
        // A stop-first target keeps its name, and nginx resolves names only when it loads a configuration.
        if (t.replacement === 'stop-first') this.activation.rerunWhenReplaced(address);
      }
    }
  }

  /** The configuration: each port forwards to its targets by container name (tokens kept live). */
  private config(props: StreamRelayProps, drain: number, nginxVersion: string): string {
    const tokens = new Map<string, string>();
    const text = withPath(this, () => renderStreamRelayConfig({
      modules: props.modules,
      nginxVersion,
      // Docker's DNS on the service network: the targets' names are followed while nginx runs (1.27.3+).
      resolver: { addresses: ['127.0.0.11'], validSeconds: 5 },
      process: { workerShutdownTimeoutSeconds: drain },
      listeners: props.ports.map((p) => ({
        name: `port_${p.port}`,
        port: p.port,
        servers: p.targets.map((t) => {
          const placeholder = `relay-target-${tokens.size + 1}.invalid`;
          tokens.set(placeholder, t.containerName);
          return { host: placeholder, port: p.targetPort };
        }),
      })),
    }));
    let out = terraformLiteral(text);
    for (const [placeholder, token] of tokens) out = out.split(placeholder).join(token);
    return out;
  }
}
