import { Annotations, Lazy, Token } from 'cdktf';
import { Construct } from 'constructs';
import { quote } from '../renderers/invalid-input';
import {
  GatewayRoute,
  NginxGatewayModel,
  UpstreamPool,
  renderNginxConfig,
  validateNginxGateway,
} from '../renderers/nginx-config';
import { SysctlProfile } from '../renderers/sysctl-profile';
import { ContainerService, PortMapping } from './container-service';
import type { ServiceNetwork } from './service-network';
import { fail, withPath } from './validation';

/** The gateway settings passed through to the nginx model (see `NginxGatewayModel` for each default). */
export type GatewaySettings = Pick<
  NginxGatewayModel,
  'serverNames' | 'listenPort' | 'tls' | 'rateLimit' | 'securityHeaders' | 'trustForwardedFor' | 'maxBodySizeMiB' | 'gzip' | 'process'
>;

/** Props of `NginxGateway`. */
export interface NginxGatewayProps extends GatewaySettings {
  /** The service network the gateway joins; pool servers may name its services by alias. */
  readonly network: ServiceNetwork;
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
   * nginx image, pinned. The renderer's output is checked with nginx 1.22 (`nginx -t`).
   * @default 'nginx:1.22.1'
   */
  readonly image?: string;
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
}

/** Where the rendered configuration is written in the container. */
export const NGINX_CONF_PATH = '/etc/nginx/nginx.conf';

const LITERAL_IP = /^(\d{1,3}(\.\d{1,3}){3}|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*)$/;

/**
 * The article's API gateway: nginx in a container on the service network, in front of upstream pools,
 * with an `nginx.conf` generated from typed pools and routes (`renderers/nginx-config.ts`) and uploaded
 * into the container. Pools may name services of the network by alias; the gateway is created after
 * them, because nginx refuses to start when an upstream name does not resolve.
 *
 * A change of the configuration (a pool, a route, a setting) changes the uploaded file and therefore
 * replaces the container: expect a short interruption on apply. TLS certificate and key files must be
 * mounted into the container, e.g. `gateway.service.addHostVolume('/etc/ssl/shop', '/etc/nginx/tls', { readOnly: true })`.
 */
export class NginxGateway extends Construct {
  /** The container service running nginx. */
  public readonly service: ContainerService;
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

  private readonly settings: GatewaySettings;
  private readonly poolList: UpstreamPool[] = [];
  private readonly routeList: GatewayRoute[] = [];
  /** Server hosts known only at apply (tokens), by the placeholder hostname rendered in their place. */
  private readonly tokenHosts = new Map<string, string>();

  constructor(scope: Construct, id: string, props: NginxGatewayProps) {
    super(scope, id);
    this.network = props.network;
    this.image = props.image ?? 'nginx:1.22.1';
    this.hostAddress = props.hostAddress ?? '127.0.0.1';
    const profile = props.sysctlProfile ?? new SysctlProfile();
    this.backlog = profile.somaxconn;
    this.sysctls = profile.namespacedSysctls();
    this.settings = {
      serverNames: props.serverNames,
      listenPort: props.listenPort,
      tls: props.tls,
      rateLimit: props.rateLimit,
      securityHeaders: props.securityHeaders,
      trustForwardedFor: props.trustForwardedFor,
      maxBodySizeMiB: props.maxBodySizeMiB,
      gzip: props.gzip,
      process: props.process,
    };
    if (this.backlog === undefined) {
      Annotations.of(this).addWarning(
        'the sysctl profile sets no net.core.somaxconn, so the listen backlog stays at 511; set it in the profile for bursts of connections',
      );
    }

    const listenPort = props.listenPort ?? 80;
    const ports: PortMapping[] = [];
    if (props.tls === undefined || (props.tls.redirectHttp ?? true)) {
      this.hostPort = props.hostPort ?? 8080;
      ports.push({ containerPort: listenPort, hostPort: this.hostPort, hostAddress: this.hostAddress });
    }
    if (props.tls !== undefined) {
      this.tlsHostPort = props.tlsHostPort ?? 8443;
      ports.push({ containerPort: props.tls.port ?? 443, hostPort: this.tlsHostPort, hostAddress: this.hostAddress });
    }

    const alias = props.alias ?? id;
    this.service = new ContainerService(this, 'service', {
      network: props.network,
      image: this.image,
      alias,
      containerName: `${props.network.networkName}-${alias}`,
      ports,
      sysctls: this.sysctls,
      memoryMiB: props.memoryMiB ?? 256,
      cpus: props.cpus ?? 1,
    });
    this.service.addUpload({ path: NGINX_CONF_PATH, content: Lazy.stringValue({ produce: () => this.config }) });

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
        this.service.dependOn(upstream);
        this.replaceWith(upstream);
      } else if (!LITERAL_IP.test(server.host)) {
        Annotations.of(this).addWarning(
          `pool ${quote(pool.name)} server host ${quote(server.host)} is not a service of network ${quote(this.network.networkName)}; nginx refuses to start if it does not resolve in the container`,
        );
      }
    }
    this.poolList.push(pool);
    return pool;
  }

  /** Adds a route to a pool added before; throws on a duplicate path, an unknown pool or a bad value. */
  public addRoute(route: GatewayRoute): GatewayRoute {
    withPath(this, () => validateNginxGateway(this.model([...this.routeList, route])));
    this.routeList.push(route);
    return route;
  }

  /** The pools (a copy). */
  public get pools(): UpstreamPool[] {
    return [...this.poolList];
  }

  /** The routes (a copy). */
  public get routes(): GatewayRoute[] {
    return [...this.routeList];
  }

  /** The rendered `nginx.conf` uploaded into the container (for tests and review). */
  public get config(): string {
    if (this.routeList.length === 0) fail(this, 'the gateway has no routes: add at least one with addRoute()');
    let text = withPath(this, () => renderNginxConfig(this.model(this.routeList)));
    // Hosts known only at apply are rendered as placeholders, then put back as the token (a reference).
    for (const [placeholder, token] of this.tokenHosts) text = text.split(placeholder).join(token);
    return text;
  }

  /** The gateway's URL on the Docker host (HTTPS with TLS). */
  public get url(): string {
    const host = this.hostAddress === '0.0.0.0' ? '127.0.0.1' : this.hostAddress;
    return this.tlsHostPort !== undefined ? `https://${host}:${this.tlsHostPort}` : `http://${host}:${this.hostPort}`;
  }

  /**
   * nginx resolves upstream names once, when it starts: a replaced upstream container comes back with
   * a new address (Docker hands out whichever is free), and the gateway would keep sending its share
   * to the old one, which may now belong to another service. So the gateway is replaced with it.
   */
  private replaceWith(upstream: ContainerService): void {
    const container = this.service.container;
    const id = `${upstream.container.terraformResourceType}.${upstream.container.friendlyUniqueId}.id`;
    const triggers = (container.lifecycle?.replaceTriggeredBy ?? []).map(String);
    if (triggers.includes(id)) return;
    container.lifecycle = { ...container.lifecycle, replaceTriggeredBy: [...triggers, id] };
  }

  private model(routes: GatewayRoute[]): NginxGatewayModel {
    return { ...this.settings, pools: this.poolList.map((p) => this.withPlaceholders(p)), routes, backlog: this.backlog };
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
