import { Annotations, TerraformStack, TerraformVariable } from 'cdktf';
import { Construct } from 'constructs';
import { Suppressions } from '../policy/suppressions';
import { quote } from '../renderers/invalid-input';
import { isIpv4 } from '../renderers/ipv4';
import { GatewayRoute, UpstreamPool, UpstreamServer } from '../renderers/nginx-config';
import { Placement, placeReplicas } from '../renderers/placement';
import { SysctlProfile } from '../renderers/sysctl-profile';
import { ApplicationHost, buildHosts } from './application-hosts';
import { ApplicationSpec, DatabaseSpec, ServiceSpec } from './application-spec';
import { CrossHostPorts, databaseVariables, envPrefix, usesGraph } from './application-wiring';
import { ContainerService } from './container-service';
import { DatabaseService } from './database-service';
import { NginxGateway } from './nginx-gateway';
import { ServiceNetwork } from './service-network';
import { StreamRelay, StreamRelayPort } from './stream-relay';
import { fail, withPath } from './validation';

/** Props of `Application`: the system as data, plus what only code can give. */
export interface ApplicationProps extends ApplicationSpec {
  /**
   * Prefix of every Docker and libvirt name (`<name>-services`, `<name>-<hypervisor>`): one per
   * environment, so environments can share hosts.
   * @default the stack's name
   */
  readonly name?: string;
  /**
   * Extra ssh client options for Docker over SSH on KVM hosts and servers (e.g. `['-i', keyFile]`);
   * Docker's SSH transport uses the ssh client and agent of the machine running OpenTofu.
   * @default none
   */
  readonly sshOptions?: readonly string[];
}

const NAME = /^[a-z][a-z0-9-]{0,30}$/;
// The article's passive failover: a server is skipped for 30 s after 3 failures.
const FAILOVER = { maxFails: 3, failTimeoutSeconds: 30 };
// Upstream connections live at most this long, so the old workers of a reload (here and in the relays,
// whose connections are pinned to one replica) finish well within the drain time.
const POOL_KEEPALIVE_TIME_SECONDS = 10;

/**
 * A whole system on any hosts, from one description (as ecs-patterns builds a service from the aws-ecs
 * bricks): hosts of any kind (the local Docker engine, KVM hosts on one or more libvirt hypervisors,
 * existing servers tuned over SSH), services with their replicas placed over the hosts, MySQL-compatible
 * databases, and the nginx gateway in front, wired together:
 *
 * - placement: replica i of a service runs on the i-th of its eligible hosts, so two replicas share a
 *   host only when there are more replicas than hosts (a warning, or an error with `spread: 'required'`);
 * - a service reaches what it `uses` by alias on its own host, and otherwise at the other host's address
 *   through a port published on that address only: a database's own port, or a `StreamRelay` in front
 *   of a service's replicas there (cross-host ports are allocated deterministically, see
 *   `crossHostPorts`);
 * - the gateway's pools hold the replicas on its host by container name and the relays of the other
 *   hosts (weighted by their replicas); its routes come from the services;
 * - every Docker resource on a KVM host or server waits for that host to be ready; the providers are
 *   made once in the stack;
 * - rollouts are gapless: replicas are replaced start-first, the gateway and relays move traffic by
 *   graceful reload before an old replica stops.
 *
 * Every brick it makes is a public field, to reach past the composition.
 */
export class Application extends Construct {
  /** The prefix of Docker and libvirt names. */
  public readonly name: string;
  /** The kernel tuning of the hosts and the gateway container. */
  public readonly sysctlProfile: SysctlProfile;
  /** The hosts, in order. */
  public readonly hosts: readonly ApplicationHost[];
  /** Where each service's replicas run. */
  public readonly placement: Placement;
  /** The Docker network of the services (one of the same name on every host). */
  public readonly network: ServiceNetwork;
  /** Each service's replicas, by service name. */
  public readonly replicas: Readonly<Record<string, readonly ContainerService[]>>;
  /** The databases, by name. */
  public readonly databases: Readonly<Record<string, DatabaseService>>;
  /** The gateway, when any service has routes. */
  public readonly gateway?: NginxGateway;
  /** The relays, by host name. */
  public readonly relays: Readonly<Record<string, StreamRelay>>;
  /** The secret variables the services read, by Terraform variable name. */
  public readonly secretVariables: Readonly<Record<string, TerraformVariable>>;

  private readonly spec: ApplicationProps;
  private readonly hostByName: ReadonlyMap<string, ApplicationHost>;
  private readonly ports: CrossHostPorts;
  /** Relayed ports by host, filled while wiring. */
  private readonly relayPorts = new Map<string, Map<string, number>>();

  constructor(scope: Construct, id: string, props: ApplicationProps) {
    super(scope, id);
    this.spec = props;
    this.name = props.name ?? TerraformStack.of(this).node.id;
    if (!NAME.test(this.name)) fail(this, `name ${quote(this.name)} must be lowercase letters, digits and '-', starting with a letter, at most 31 characters`);
    const services = props.services ?? {};
    const databases = props.databases ?? {};
    this.checkNames(services, databases);
    if (!Array.isArray(props.hosts) || props.hosts.length === 0) {
      fail(this, `hosts ${quote(JSON.stringify(props.hosts ?? null))} is empty: give at least one host, e.g. [{ name: 'local', kind: 'local' }]`);
    }
    this.sysctlProfile = withPath(this, () => new SysctlProfile({ overrides: props.sysctl ?? {} }));

    const dbHosts = new Map(Object.entries(databases).map(([name, db]) => [name, this.hostNameOf(`databases.${name}.host`, db.host)]));
    const dataDiskGiB = new Map<string, number>();
    for (const [, hostName] of dbHosts) dataDiskGiB.set(hostName, 10);
    this.hosts = buildHosts({
      scope: this,
      name: this.name,
      hypervisors: props.hypervisors ?? {},
      kvm: props.kvm,
      profile: this.sysctlProfile,
      dataDiskGiB,
      sshOptions: props.sshOptions ?? [],
    }, props.hosts);
    this.hostByName = new Map(this.hosts.map((h) => [h.name, h]));

    this.placement = withPath(this, () => placeReplicas(
      props.hosts.map((h) => ({ name: h.name, labels: h.labels })),
      Object.entries(services).map(([service, s]) => ({ service, replicas: s.replicas ?? 1, ...(s.placement ?? {}) })),
    ));
    for (const warning of this.placement.warnings) Annotations.of(this).addWarning(warning);
    withPath(this, () => usesGraph(services, databases));
    this.ports = new CrossHostPorts(this, props.crossHost?.portBase ?? 20000, Object.keys(services));

    const first = this.hosts[0];
    this.network = new ServiceNetwork(this, 'services', { provider: first.provider, networkName: `${this.name}-services` });

    const built: Record<string, DatabaseService> = {};
    for (const [name, db] of Object.entries(databases)) built[name] = this.addDatabase(name, db, this.hostByName.get(dbHosts.get(name)!)!);
    this.databases = built;

    const secretVariables: Record<string, TerraformVariable> = {};
    const replicas: Record<string, ContainerService[]> = {};
    for (const [name, service] of Object.entries(services)) replicas[name] = this.addReplicas(name, service, secretVariables);
    this.replicas = replicas;
    this.secretVariables = secretVariables;
    for (const [name, service] of Object.entries(services)) this.wireUses(name, service);

    this.gateway = this.addGateway(services);
    this.relays = this.addRelays(services);
  }

  /** The host of a name (a key of the hosts), or a refusal naming the setting. */
  public host(name: string): ApplicationHost {
    const host = this.hostByName.get(name);
    if (host === undefined) fail(this, `host ${quote(name)} is not a host of this application: use one of ${this.hosts.map((h) => quote(h.name)).join(', ')}`);
    return host;
  }

  private checkNames(services: Readonly<Record<string, ServiceSpec>>, databases: Readonly<Record<string, DatabaseSpec>>): void {
    for (const [what, names] of [['services', Object.keys(services)], ['databases', Object.keys(databases)]] as const) {
      for (const name of names) {
        if (!NAME.test(name)) fail(this, `${what}.${name}: the name ${quote(name)} must be lowercase letters, digits and '-', starting with a letter, at most 31 characters (it is a network alias and a variable prefix)`);
      }
    }
    const both = Object.keys(services).find((s) => Object.hasOwn(databases, s));
    if (both !== undefined) fail(this, `services.${both} and databases.${both} share the name ${quote(both)}, which is a network alias: rename one`);
    const prefixes = new Map<string, string>();
    for (const name of [...Object.keys(services), ...Object.keys(databases)]) {
      const other = prefixes.get(envPrefix(name));
      if (other !== undefined) fail(this, `${quote(other)} and ${quote(name)} give the same variable prefix ${envPrefix(name)}_: rename one`);
      prefixes.set(envPrefix(name), name);
    }
  }

  private hostNameOf(setting: string, name: string | undefined): string {
    if (name === undefined) return this.spec.hosts[0]?.name;
    if (!this.spec.hosts.some((h) => h.name === name)) {
      fail(this, `${setting} ${quote(name)} is not a host of this application: use one of ${this.spec.hosts.map((h) => quote(h.name)).join(', ')}`);
    }
    return name;
  }

  private addDatabase(name: string, db: DatabaseSpec, host: ApplicationHost): DatabaseService {
    const vars = databaseVariables(TerraformStack.of(this), name);
    const dataPath = db.dataPath ?? (host.kvmHost?.dataMountPath !== undefined ? `${host.kvmHost.dataMountPath}/${name}` : `/opt/data/${this.name}/${name}`);
    const mount = host.kvmHost?.dataMountPath;
    if (mount !== undefined && !dataPath.startsWith(`${mount}/`)) {
      fail(this, `databases.${name}.dataPath ${quote(dataPath)} is not on the data disk of KVM host ${quote(host.name)}, mounted at ${quote(mount)}: the data would go with the root disk; use a path under ${mount}/, e.g. ${quote(`${mount}/${name}`)}`);
    }
    const database = this.network.addDatabase(name, {
      dockerProvider: host.provider,
      image: db.image,
      engine: db.engine,
      rootPassword: vars.root,
      appUser: { user: db.user ?? name, database: db.database ?? name, password: vars.app },
      storage: { hostPath: dataPath },
      memoryMiB: db.memoryMiB,
    });
    return database;
  }

  private addReplicas(name: string, spec: ServiceSpec, secretVariables: Record<string, TerraformVariable>): ContainerService[] {
    const stack = TerraformStack.of(this);
    const secretEnvironment: Record<string, TerraformVariable> = {};
    for (const [env, variable] of Object.entries(spec.secrets ?? {})) {
      secretVariables[variable] ??= secretVariable(stack, variable, `${name} reads it as ${env}`);
      secretEnvironment[env] = secretVariables[variable];
    }
    const routed = (spec.routes ?? []).length > 0;
    if (routed && spec.port === undefined) fail(this, `services.${name}.port is not set, but the service has routes: give the port it listens on in its container`);
    if (routed && (spec.replicas ?? 1) === 0) fail(this, `services.${name}.replicas 0 leaves its routes ${(spec.routes ?? []).map((r) => quote(typeof r === 'string' ? r : r.path)).join(', ')} without a server: give at least 1 replica, or remove its routes`);
    if (routed && spec.healthcheck === undefined) {
      Annotations.of(this).addWarning(`services.${name} has routes but no healthcheck: a new replica gets requests as soon as its container starts, before it may listen; give it a healthcheck`);
    }
    const hosts = this.placement.hostsByService.get(name) ?? [];
    return hosts.map((hostName, i) => this.network.addService(`${name}-${i + 1}`, {
      replicaOf: name,
      image: spec.image,
      dockerProvider: this.hostByName.get(hostName)!.provider,
      command: spec.command === undefined ? undefined : [...spec.command],
      environment: { ...(spec.environment ?? {}) },
      secretEnvironment,
      memoryMiB: spec.memoryMiB ?? 256,
      cpus: spec.cpus,
      healthcheck: spec.healthcheck,
      waitTimeoutSeconds: spec.startTimeoutSeconds,
      replacement: spec.replacement,
      stopSignal: spec.stopSignal,
      destroyGraceSeconds: spec.stopGraceSeconds ?? 30,
    }));
  }

  /** Gives each replica the addresses of what its service uses, and orders it after them. */
  private wireUses(name: string, spec: ServiceSpec): void {
    for (const used of spec.uses ?? []) {
      const prefix = envPrefix(used);
      for (const replica of this.replicas[name]) {
        const host = this.hostOfProvider(replica);
        const db = this.databases[used];
        if (db !== undefined) {
          const dbHost = this.hostOfProvider(db);
          const local = dbHost === host;
          const appUser = db.appUser!;
          replica.addEnv(`${prefix}_HOST`, local ? used : this.addressOf(dbHost, `services.${name}.uses ${quote(used)}`));
          replica.addEnv(`${prefix}_PORT`, String(local ? 3306 : this.databasePort(used, db, dbHost)));
          replica.addEnv(`${prefix}_NAME`, appUser.database);
          replica.addEnv(`${prefix}_USER`, appUser.user);
          replica.addSecretEnv(`${prefix}_PASSWORD`, appUser.password);
          replica.dependOn(db);
          continue;
        }
        const targets = this.replicas[used];
        const usedSpec = this.spec.services[used];
        if (usedSpec.port === undefined) fail(this, `services.${used}.port is not set, but ${quote(name)} uses it: give the port it listens on`);
        if (targets.length === 0) fail(this, `services.${name}.uses ${quote(used)}, which has 0 replicas: give ${quote(used)} at least one`);
        const localTargets = targets.filter((t) => this.hostOfProvider(t) === host);
        if (localTargets.length > 0) {
          replica.addEnv(`${prefix}_HOST`, used);
          replica.addEnv(`${prefix}_PORT`, String(usedSpec.port));
        } else {
          // The first host (in host order) that runs the used service serves the other hosts.
          const serving = this.hosts.find((h) => targets.some((t) => this.hostOfProvider(t) === h))!;
          replica.addEnv(`${prefix}_HOST`, this.addressOf(serving, `services.${name}.uses ${quote(used)}`));
          replica.addEnv(`${prefix}_PORT`, String(this.relayPort(serving, used)));
        }
        for (const t of targets) replica.dependOn(t);
      }
    }
  }

  private addGateway(services: Readonly<Record<string, ServiceSpec>>): NginxGateway | undefined {
    const spec = this.spec.gateway ?? {};
    const routed = Object.entries(services).filter(([, s]) => (s.routes ?? []).length > 0);
    if (routed.length === 0) {
      if (this.spec.gateway !== undefined) fail(this, 'gateway is set, but no service has routes: give a service routes (e.g. routes: [\'/\']), or remove gateway');
      return undefined;
    }
    const host = this.host(this.hostNameOf('gateway.host', spec.host));
    const address = spec.address ?? (host.spec.kind === 'local' ? '127.0.0.1' : '0.0.0.0');
    const { host: _host, image, port, tlsPort, address: _address, memoryMiB, drainTimeoutSeconds, ...settings } = spec;
    const pools: UpstreamPool[] = [];
    const routes: GatewayRoute[] = [];
    const claimed = new Map<string, string>();
    // Pools for the routed services and for the services the virtual hosts name.
    const pooled = new Set([...routed.map(([name]) => name), ...(spec.virtualHosts ?? []).flatMap((v) => v.routes.map((r) => r.pool))]);
    for (const name of pooled) {
      const service = services[name];
      if (service === undefined) fail(this, `gateway.virtualHosts routes to ${quote(name)}, which is no service of this application: use one of ${Object.keys(services).map((s) => quote(s)).join(', ')}`);
      if (service.port === undefined) fail(this, `services.${name}.port is not set, but the gateway routes to it: give the port it listens on in its container`);
      pools.push({ name, servers: this.poolServers(name, service.port, host), keepaliveTimeSeconds: POOL_KEEPALIVE_TIME_SECONDS });
    }
    for (const [name, service] of routed) {
      for (const route of service.routes ?? []) {
        const r = typeof route === 'string' ? { path: route } : route;
        const owner = claimed.get(r.path);
        if (owner !== undefined) fail(this, `services.${name}.routes claims ${quote(r.path)}, which services.${owner}.routes claims too: give each path to one service`);
        claimed.set(r.path, name);
        routes.push({ ...r, pool: name });
      }
    }
    const gateway = new NginxGateway(this, 'gateway', {
      ...settings,
      network: this.network,
      dockerProvider: host.provider,
      image,
      hostPort: port,
      tlsHostPort: tlsPort,
      hostAddress: address,
      memoryMiB,
      drainTimeoutSeconds,
      sysctlProfile: this.sysctlProfile,
      pools,
      routes,
    });
    for (const p of gateway.service.publishedPorts) this.ports.reserve(host.name, p.hostPort, 'gateway.port');
    if (address === '0.0.0.0') {
      Suppressions.of(gateway).add('port-not-public', 'the gateway is the public entry point of the application; nginx is its only published port');
    }
    return gateway;
  }

  /** One relay per host that serves a service to other hosts, with a port per such service. */
  private addRelays(services: Readonly<Record<string, ServiceSpec>>): Record<string, StreamRelay> {
    const relays: Record<string, StreamRelay> = {};
    for (const host of this.hosts) {
      const ports = this.relayPorts.get(host.name);
      if (ports === undefined || ports.size === 0) continue;
      const relayed: StreamRelayPort[] = [...ports].map(([service, port]) => ({
        port,
        targetPort: services[service].port!,
        targets: this.replicas[service].filter((r) => this.hostOfProvider(r) === host),
      }));
      if (!isPrivateAddress(host.address!)) {
        Annotations.of(this).addWarning(`host ${quote(host.name)} publishes the cross-host ports ${[...ports.values()].join(', ')} on ${host.address}, which is not a private address: anyone can reach ${[...ports.keys()].join(', ')} there without the gateway; give the host a privateAddress (a private network or VPN), or close the ports to all but the other hosts in a firewall`);
      }
      relays[host.name] = new StreamRelay(this, `relay-${host.name}`, {
        network: this.network,
        dockerProvider: host.provider,
        hostAddress: host.address!,
        ports: relayed,
        image: this.spec.crossHost?.relayImage ?? this.spec.gateway?.image,
        nginxVersion: this.spec.crossHost?.relayImage === undefined ? this.spec.gateway?.nginxVersion : undefined,
        modules: this.spec.crossHost?.relayModules,
      });
    }
    return relays;
  }

  /** A pool's servers: the replicas on the gateway's host by name, the relays of the other hosts weighted by their replicas. */
  private poolServers(name: string, port: number, gatewayHost: ApplicationHost): UpstreamServer[] {
    const servers: UpstreamServer[] = [];
    for (const replica of this.replicas[name]) {
      if (this.hostOfProvider(replica) === gatewayHost) servers.push({ host: replica.alias, port, ...FAILOVER });
    }
    for (const other of this.hosts) {
      if (other === gatewayHost) continue;
      const count = this.replicas[name].filter((r) => this.hostOfProvider(r) === other).length;
      if (count === 0) continue;
      servers.push({ host: this.addressOf(other, `services.${name}.routes`), port: this.relayPort(other, name), weight: count > 1 ? count : undefined, ...FAILOVER });
    }
    return servers;
  }

  private hostOfProvider(service: ContainerService): ApplicationHost {
    return this.hosts.find((h) => h.provider === service.dockerProvider)!;
  }

  private addressOf(host: ApplicationHost, setting: string): string {
    if (host.address === undefined) {
      fail(this, `${setting} reaches host ${quote(host.name)} from another host, but it has no address: give hosts[].address for ${quote(host.name)} (the address other hosts reach it at)`);
    }
    if (!isIpv4(host.address)) {
      fail(this, `${setting} reaches host ${quote(host.name)} from another host at ${quote(host.address)}, which is not an IPv4 address: Docker publishes ports on an address, so give hosts[].${host.spec.kind === 'server' ? 'privateAddress' : 'address'} as an IPv4 address`);
    }
    return host.address;
  }

  private relayPort(host: ApplicationHost, service: string): number {
    const port = this.ports.portOf(service, host.name);
    const byHost = this.relayPorts.get(host.name) ?? new Map<string, number>();
    byHost.set(service, port);
    this.relayPorts.set(host.name, byHost);
    return port;
  }

  private databasePort(name: string, db: DatabaseService, host: ApplicationHost): number {
    const port = this.spec.databases?.[name]?.port ?? 3306;
    if (!db.publishedPorts.some((p) => p.hostPort === port)) {
      this.ports.reserve(host.name, port, `databases.${name}.port`);
      db.addPort({ containerPort: 3306, hostPort: port, hostAddress: host.address! });
      if (!isPrivateAddress(host.address!)) {
        Annotations.of(this).addWarning(`databases.${name} is published on ${host.address}:${port} for services on other hosts, which is not a private address: give host ${quote(host.name)} a privateAddress (a private network or VPN), or close the port to all but the other hosts`);
      }
    }
    return port;
  }
}

function secretVariable(stack: TerraformStack, name: string, why: string): TerraformVariable {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) {
    fail(stack, `secret variable name ${quote(name)} must be lowercase letters, digits and '_' (it is set as TF_VAR_${name})`);
  }
  const found = stack.node.tryFindChild(name) as TerraformVariable | undefined;
  if (found !== undefined) return found;
  return new TerraformVariable(stack, name, { type: 'string', sensitive: true, description: `Secret of the application: ${why} (set TF_VAR_${name})` });
}

/** Whether an IPv4 address is private (RFC 1918), shared (RFC 6598) or loopback: not reachable from the internet. */
function isPrivateAddress(address: string): boolean {
  const [a, b] = address.split('.').map(Number);
  return a === 10 || a === 127 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127);
}
