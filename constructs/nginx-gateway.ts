import { DockerProvider } from '@cdktf/provider-docker/lib/provider';
import { Annotations, Token } from 'cdktf';
import { Construct } from 'constructs';
import { quote } from '../renderers/invalid-input';
import { isIpv4 } from '../renderers/ipv4';
import {
  gatewayFileLimit,
  GatewayRoute,
  NginxGatewayModel,
  UpstreamPool,
  renderNginxConfig,
  validateNginxGateway,
} from '../renderers/nginx-config';
import { SysctlProfile } from '../renderers/sysctl-profile';
import { KEEPALIVE_MIN_TIMEOUT_SINCE, nginxAtLeast, nginxVersionOfImage } from '../renderers/nginx-version';
import { ContainerJob } from './container-job';
import { brand } from './identity';
import { plainCopy } from './plain-copy';
import { ContainerService, HostVolume, PortMapping } from './container-service';
import { ReloadableNginx, reloadableNginx } from './reloadable-nginx';
import type { ServiceNetwork } from './service-network';
import { terraformLiteral } from './terraform-literal';
import { fail, withPath } from './validation';

/** The gateway settings passed through to the nginx model (see `NginxGatewayModel` for each default). */
export type GatewaySettings = Pick<
  NginxGatewayModel,
  | 'serverNames' | 'listenPort' | 'tls' | 'rateLimit' | 'securityHeaders' | 'trustForwardedFor' | 'maxBodySizeMiB' | 'gzip' | 'process'
  | 'virtualHosts' | 'maintenance' | 'modules' | 'clientKeepalive' | 'requestIdFormat'
>;

/** The gateway's image when none is given. */
export const DEFAULT_GATEWAY_IMAGE = 'nginx:1.30';

/** Props of `NginxGateway`. */
export interface NginxGatewayProps extends GatewaySettings {
  /** The service network the gateway joins; pool servers may name its services by alias. */
  readonly network: ServiceNetwork;
  /**
   * The Docker host the gateway runs on (it joins the network there).
   * @default the network's
   */
  readonly dockerProvider?: DockerProvider;
  /**
   * Upstream pools.
   * @default none: add them with `addPool()`
   */
  readonly pools?: UpstreamPool[];
  /**
   * Routes.
   * @default none: add them with `addRoute()` (at least one is needed at synth)
   */
  readonly routes?: GatewayRoute[];
  /**
   * nginx image, pinned, with `/bin/sh` (the official images have it). The renderer's output is checked
   * with nginx 1.22 and 1.30 (`nginx -t`).
   * @default DEFAULT_GATEWAY_IMAGE ('nginx:1.30')
   */
  readonly image?: string;
  /**
   * The nginx version in the image, `X.Y` or `X.Y.Z`: it chooses the directive forms (`http2`), whether
   * upstream names are followed while nginx runs (`resolve`, 1.27.3 or newer) and whether recently used
   * client connections outlive a reload (`keepalive_min_timeout`, 1.27.4 or newer). The construct cannot
   * look into an image, so state it for any image whose tag does not say it.
   * @default read from a tag like `nginx:1.30` or `<registry>/nginx:1.30.1-alpine`; required otherwise
   */
  readonly nginxVersion?: string;
  /**
   * Name of the gateway on the network.
   * @default the construct id
   */
  readonly alias?: string;
  /**
   * Kernel tuning: its `net.core.somaxconn` becomes the listen backlog, and its per-namespace parameters
   * are set on the container (host sysctls do not reach containers).
   * @default new SysctlProfile() (the article's preset: somaxconn 4096, tcp_tw_reuse, wide port range)
   */
  readonly sysctlProfile?: SysctlProfile;
  /**
   * Host address the gateway's ports are published on.
   * @default '127.0.0.1' (reachable from the Docker host only)
   */
  readonly hostAddress?: string;
  /**
   * Host port for plain HTTP (the HTTPS redirect with TLS).
   * @default 8080
   */
  readonly hostPort?: number;
  /**
   * Host port for HTTPS (with `tls` only).
   * @default 8443
   */
  readonly tlsHostPort?: number;
  /**
   * Memory limit of the container in MiB.
   * @default 256
   */
  readonly memoryMiB?: number;
  /**
   * CPU limit of the container in CPUs.
   * @default 1
   */
  readonly cpus?: number;
  /**
   * How long a reload waits for the old workers to finish the requests they hold, and how long a stop
   * of the container lets nginx finish them (SIGQUIT, then SIGKILL).
   * @default 30
   */
  readonly drainTimeoutSeconds?: number;
}

export { NGINX_CONF_PATH, NGINX_CONFIG_DIR } from './reloadable-nginx';

const LITERAL_IP = /^(\d{1,3}(\.\d{1,3}){3}|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*)$/;

/**
 * The article's API gateway: nginx in a container on the service network, in front of upstream pools,
 * with an `nginx.conf` generated from typed pools and routes (`renderers/nginx-config.ts`).
 *
 * A change of the configuration (a pool, a route, a setting, a replica that was replaced) never
 * restarts nginx: the gateway runs nginx from a file on a volume of its own, and a one-shot job
 * (`ContainerJob`, `<name>-config`) in the gateway's process and network namespaces tests each new file
 * with `nginx -t` (a refused file fails the apply with nginx's message, and the running configuration
 * stays), moves it into place and reloads nginx gracefully, then waits until the old workers have
 * finished their requests. Replicas that leave a pool are removed only after that (they are
 * start-first resources, which OpenTofu destroys after their dependents changed). Only a change of the
 * container itself (its image, ports or sysctls) restarts nginx: it stops gracefully (SIGQUIT) and the
 * new container starts at once from the configuration on the volume.
 *
 * The image needs `/bin/sh`, `nginx` on the PATH and cat, cp, mv, rm and sleep (the official nginx
 * images have them). TLS certificate and key files are mounted with `addHostVolume`, which gives them
 * to the activation job too, so `nginx -t` sees them.
 */
export class NginxGateway extends Construct {
  /** The container service running nginx. */
  public readonly service: ContainerService;
  /** The one-shot job that tests and activates each configuration. */
  public readonly activation: ContainerJob;
  /** The network the gateway joins. */
  public readonly network: ServiceNetwork;
  /** nginx image. */
  public readonly image: string;
  /** Host address the ports are published on. */
  public readonly hostAddress: string;
  /** Host port for plain HTTP (absent with TLS and no redirect). */
  public readonly hostPort?: number;
  /** Host port for HTTPS (with TLS only). */
  public readonly tlsHostPort?: number;
  /** Listen backlog rendered into nginx.conf (the profile's somaxconn), if the profile sets one. */
  public readonly backlog?: number;
  /** The sysctls set on the container. */
  public readonly sysctls: Record<string, string>;
  /** Seconds a reload waits for old workers to finish their requests (and a stop waits for nginx). */
  public readonly drainTimeoutSeconds: number;
  /** The nginx version the configuration is rendered for. */
  public readonly nginxVersion: string;

  private readonly settings: GatewaySettings;
  private readonly poolList: UpstreamPool[] = [];
  private readonly routeList: GatewayRoute[] = [];
  private readonly nginx: ReloadableNginx;
  /** Server hosts known only at apply (tokens), by the placeholder hostname rendered in their place. */
  private readonly tokenHosts = new Map<string, string>();

  constructor(scope: Construct, id: string, props: NginxGatewayProps) {
    super(scope, id);
    brand(this, 'NginxGateway');
    this.network = props.network;
    this.image = props.image ?? DEFAULT_GATEWAY_IMAGE;
    this.nginxVersion = props.nginxVersion ?? nginxVersionOf(this, this.image);
    this.hostAddress = props.hostAddress ?? '127.0.0.1';
    this.drainTimeoutSeconds = props.drainTimeoutSeconds ?? 30;
    const profile = props.sysctlProfile ?? new SysctlProfile();
    this.backlog = profile.somaxconn;
    this.sysctls = profile.namespacedSysctls();
    // A copy: a caller changing its arrays or objects afterwards changes nothing rendered.
    this.settings = plainCopy({
      serverNames: props.serverNames,
      listenPort: props.listenPort,
      tls: props.tls,
      rateLimit: props.rateLimit,
      securityHeaders: props.securityHeaders,
      trustForwardedFor: props.trustForwardedFor,
      maxBodySizeMiB: props.maxBodySizeMiB,
      gzip: props.gzip,
      process: props.process,
      virtualHosts: props.virtualHosts,
      maintenance: props.maintenance,
      modules: props.modules,
      clientKeepalive: props.clientKeepalive,
      requestIdFormat: props.requestIdFormat,
    });
    if (this.backlog === undefined) {
      Annotations.of(this).addWarning(
        'the sysctl profile sets no net.core.somaxconn, so the listen backlog stays at 511; set it in the profile for bursts of connections',
      );
    }
    if (!Token.isUnresolved(this.drainTimeoutSeconds) && !(Number.isInteger(this.drainTimeoutSeconds) && this.drainTimeoutSeconds >= 1 && this.drainTimeoutSeconds <= 3600)) {
      fail(this, `drainTimeoutSeconds ${quote(this.drainTimeoutSeconds)} must be a whole number of seconds from 1 to 3600`);
    }

    if (!Token.isUnresolved(this.hostAddress) && !isIpv4(this.hostAddress)) {
      fail(this, `hostAddress ${quote(this.hostAddress)} must be an IPv4 address: '127.0.0.1' (this host only), one address of the host, or '0.0.0.0' (every interface)`);
    }
    const listenPort = props.listenPort ?? 80;
    checkPort(this, 'listenPort', listenPort, 'the port nginx listens on inside the container, e.g. 80');
    const tlsPort = props.tls?.port ?? 443;
    if (props.tls !== undefined) checkPort(this, 'tls.port', tlsPort, 'the port nginx serves HTTPS on inside the container, e.g. 443');
    const ports: PortMapping[] = [];
    if (props.tls === undefined || (props.tls.redirectHttp ?? true)) {
      this.hostPort = props.hostPort ?? 8080;
      checkPort(this, 'hostPort', this.hostPort, 'the port published on the Docker host, e.g. 8080');
      ports.push({ containerPort: listenPort, hostPort: this.hostPort, hostAddress: this.hostAddress });
    }
    if (props.tls !== undefined) {
      this.tlsHostPort = props.tlsHostPort ?? 8443;
      checkPort(this, 'tlsHostPort', this.tlsHostPort, 'the port HTTPS is published on on the Docker host, e.g. 8443');
      ports.push({ containerPort: tlsPort, hostPort: this.tlsHostPort, hostAddress: this.hostAddress });
    }

    const alias = props.alias ?? id;
    this.nginx = reloadableNginx(this, {
      network: props.network,
      dockerProvider: props.dockerProvider,
      image: this.image,
      alias,
      containerName: `${props.network.networkName}-${alias}`,
      ports,
      sysctls: this.sysctls,
      memoryMiB: props.memoryMiB ?? 256,
      cpus: props.cpus ?? 1,
      drainTimeoutSeconds: this.drainTimeoutSeconds,
      // worker_rlimit_nofile and the container's limit agree, so worker_connections can really be used.
      nofileLimit: gatewayFileLimit({ process: props.process }),
      failureMessage: `NginxGateway [${this.node.path}]: the gateway kept its running configuration, because the new one was not activated:`,
      config: () => this.renderedConfig(),
    });
    this.service = this.nginx.service;
    this.activation = this.nginx.activation;

    for (const pool of props.pools ?? []) this.addPool(pool);
    for (const route of props.routes ?? []) this.addRoute(route);
    this.node.addValidation({
      validate: () => {
        try {
          this.config;
          return [];
        } catch (e) {
          return [e instanceof Error ? e.message : String(e)];
        }
      },
    });
  }

  /**
   * Mounts a host path read-only into the gateway and its activation job (which tests the
   * configuration with the same files), e.g. the directory of the TLS certificate and key.
   */
  public addHostVolume(hostPath: string, containerPath: string): HostVolume {
    return this.nginx.addHostVolume(hostPath, containerPath);
  }

  /**
   * Adds an upstream pool; servers whose host is a service of the network are created before the
   * gateway. Throws on a duplicate name or an invalid pool.
   */
  public addPool(pool: UpstreamPool): UpstreamPool {
    if (this.poolList.some((p) => p.name === pool.name)) {
      fail(this, `pool ${quote(pool.name)} is already defined; give every pool a unique name`);
    }
    // Check the pool on its own now, so the error points at this call.
    withPath(this, () =>
      validateNginxGateway({ ...this.settings, pools: [this.withPlaceholders(pool)], routes: [{ path: '/', pool: pool.name }] }),
    );
    for (const server of pool.servers) {
      if (Token.isUnresolved(server.host)) continue;
      const upstream = this.network.tryFindService(server.host);
      if (upstream !== undefined) {
        if (upstream.dockerProvider !== this.service.dockerProvider) {
          fail(this, `pool ${quote(pool.name)} server ${quote(server.host)} is service '${upstream.node.id}' on another Docker host, where its name does not resolve; reach it at that host's address through a published port (or a StreamRelay) and list that address instead`);
        }
        // The activation runs after the upstream exists (and is healthy); a replaced upstream is removed
        // only after the activation moved traffic away from it.
        const address = `${upstream.container.terraformResourceType}.${upstream.container.friendlyUniqueId}`;
        this.activation.runAfter(address);
        // A stop-first upstream comes back under its old name, maybe on another address, which nginx
        // resolves only when it loads a configuration: reload then too.
        if (upstream.replacement === 'stop-first') this.activation.rerunWhenReplaced(address);
      } else if (!LITERAL_IP.test(server.host)) {
        Annotations.of(this).addWarning(
          `pool ${quote(pool.name)} server host ${quote(server.host)} is not a service of network ${quote(this.network.networkName)}; nginx refuses to start if it does not resolve in the container`,
        );
      }
    }
    const copy = plainCopy(pool);
    this.poolList.push(copy);
    return plainCopy(copy);
  }

  /** Adds a route to a pool added before; throws on a duplicate path, an unknown pool or a bad value. */
  public addRoute(route: GatewayRoute): GatewayRoute {
    withPath(this, () => validateNginxGateway(this.model([...this.routeList, route])));
    this.routeList.push(plainCopy(route));
    return plainCopy(route);
  }

  /** The pools (a deep copy: changing it changes nothing). */
  public get pools(): UpstreamPool[] {
    return plainCopy(this.poolList);
  }

  /** The routes (a deep copy: changing it changes nothing). */
  public get routes(): GatewayRoute[] {
    return plainCopy(this.routeList);
  }

  /**
   * The rendered `nginx.conf` (for tests and review). A pool server that names a service of the network
   * is rendered as that service's container name, so a replaced replica (a new name) reaches nginx as a
   * configuration change, and the old one stops receiving requests before it is removed.
   */
  public get config(): string {
    return this.render((text) => text);
  }

  /**
   * The configuration as the activation job receives it: Terraform template syntax escaped, references
   * kept live. A problem (no routes) throws here, while cdktf resolves every stack and before it writes
   * any: a stack written before the failing one would replace the previous synth of that stack.
   */
  private renderedConfig(): string {
    return this.render(terraformLiteral);
  }

  private render(escape: (text: string) => string): string {
    if (this.routeList.length === 0) fail(this, 'the gateway has no routes: add at least one with addRoute()');
    let text = escape(withPath(this, () => renderNginxConfig(this.model(this.routeList))));
    // Hosts known only at apply are rendered as placeholders, then put back as the token (a reference).
    for (const [placeholder, token] of this.tokenHosts) text = text.split(placeholder).join(token);
    return text;
  }

  /** The gateway's URL on the Docker host (HTTPS with TLS). */
  public get url(): string {
    const host = this.hostAddress === '0.0.0.0' ? '127.0.0.1' : this.hostAddress;
    return this.tlsHostPort !== undefined ? `https://${host}:${this.tlsHostPort}` : `http://${host}:${this.hostPort}`;
  }

  private model(routes: GatewayRoute[]): NginxGatewayModel {
    const settings = this.settings;
    const reloadsKeepClients = nginxAtLeast(this.nginxVersion, KEEPALIVE_MIN_TIMEOUT_SINCE);
    return {
      ...settings,
      pools: this.poolList.map((p) => this.withPlaceholders(this.byContainerName(p))),
      routes,
      backlog: this.backlog,
      nginxVersion: this.nginxVersion,
      // Docker's DNS on the service network: upstream names are followed while nginx runs (1.27.3+).
      resolver: { addresses: ['127.0.0.11'], validSeconds: 5 },
      // Old workers of a reload finish within the drain time, and so do their client connections:
      // recycled (with `Connection: close`) well within it, never closed just after a request.
      process: { ...settings.process, workerShutdownTimeoutSeconds: settings.process?.workerShutdownTimeoutSeconds ?? this.drainTimeoutSeconds },
      clientKeepalive: {
        timeSeconds: Math.max(1, Math.min(60, Math.floor(this.drainTimeoutSeconds / 3))),
        minTimeoutSeconds: reloadsKeepClients ? Math.min(5, this.drainTimeoutSeconds) : undefined,
        ...settings.clientKeepalive,
      },
      tls: settings.tls === undefined ? undefined : { ...settings.tls, redirectPort: settings.tls.redirectPort ?? this.tlsHostPort },
    };
  }

  /** The pool with each server that is a service of the network named by its container. */
  private byContainerName(pool: UpstreamPool): UpstreamPool {
    return {
      ...pool,
      servers: pool.servers.map((s) => {
        const upstream = Token.isUnresolved(s.host) ? undefined : this.network.tryFindService(s.host);
        return upstream === undefined ? s : { ...s, host: upstream.containerName };
      }),
    };
  }

  /** The pool with every token host replaced by a placeholder hostname (tokens are not checked). */
  private withPlaceholders(pool: UpstreamPool): UpstreamPool {
    if (!pool.servers.some((s) => Token.isUnresolved(s.host))) return pool;
    return {
      ...pool,
      servers: pool.servers.map((s) => {
        if (!Token.isUnresolved(s.host)) return s;
        let placeholder = [...this.tokenHosts].find(([, token]) => token === s.host)?.[0];
        if (placeholder === undefined) {
          placeholder = `apply-time-host-${this.tokenHosts.size + 1}.invalid`;
          this.tokenHosts.set(placeholder, s.host);
        }
        return { ...s, host: placeholder };
      }),
    };
  }
}

function checkPort(scope: Construct, setting: string, value: number, what: string): void {
  if (Token.isUnresolved(value)) return;
  if (!(Number.isInteger(value) && value >= 1 && value <= 65535)) fail(scope, `${setting} ${quote(value)} must be an integer from 1 to 65535 (${what})`);
}


/** The nginx version `image`'s tag says, or a refusal that asks for `nginxVersion`. */
export function nginxVersionOf(scope: Construct, image: string): string {
  const version = Token.isUnresolved(image) ? undefined : nginxVersionOfImage(image);
  if (version !== undefined) return version;
  return fail(scope, `image ${quote(image)} does not say which nginx version it has: give nginxVersion (e.g. '1.30.1' or '1.22'), which chooses the directive forms and whether nginx follows upstream names while it runs`);
}
