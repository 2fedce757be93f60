import { Network } from '@cdktf/provider-docker/lib/network';
import { DockerProvider } from '@cdktf/provider-docker/lib/provider';
import { Token } from 'cdktf';
import { Construct } from 'constructs';
import { quote } from '../renderers/invalid-input';
import { Ipv4Network, formatCidr, parseCidr } from '../renderers/ipv4';
import { ContainerService, ContainerServiceOptions, PublishedPort } from './container-service';
import { DatabaseService, DatabaseServiceOptions } from './database-service';
import { brand, isInstance } from './identity';
import { claimNetwork, machineOf } from './network-claims';
import { checkOneOf, fail, withPath } from './validation';

/** Props of `ServiceNetwork`. */
export interface ServiceNetworkProps {
  /** The Docker host the network (and, by default, its services) lives on; stacks create it (see `DockerHost`). */
  readonly provider: DockerProvider;
  /**
   * Docker network name; one network per environment, so `db` never resolves to another
   * environment's container.
   * @default the construct path joined with '-', e.g. 'dev-services'
   */
  readonly networkName?: string;
  /**
   * IPv4 subnet in CIDR notation (e.g. '172.28.0.0/24'), with the host bits zero.
   * @default Docker picks a free subnet
   */
  readonly subnet?: string;
  /**
   * An internal network has no route to the outside world (and Docker publishes no ports of its containers).
   * @default false
   */
  readonly internal?: boolean;
}

const NETWORK_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/**
 * A user-defined Docker network: the place where an environment's services find each other by alias
 * (the modern replacement for `docker run --link`). `addService` and `addDatabase` create its services.
 */
export class ServiceNetwork extends Construct {
  /** Whether `x` is a `ServiceNetwork`, from this or any other copy of the library (`instanceof` fails across copies). */
  public static isServiceNetwork(x: unknown): x is ServiceNetwork {
    return isInstance(x, ServiceNetwork, 'ServiceNetwork');
  }

  /** The `docker_network` resource on the network's own Docker host. */
  public readonly resource: Network;
  /** The Docker host's provider. */
  public readonly provider: DockerProvider;
  /** Docker network name. */
  public readonly networkName: string;
  /** IPv4 subnet, if one was given. */
  public readonly subnet?: string;
  /** Whether the network is internal-only. */
  public readonly internal: boolean;

  private readonly subnetRange?: Ipv4Network;
  private readonly serviceList: ContainerService[] = [];
  private readonly names = new Map<string, ContainerService>();
  private readonly networksByProvider = new Map<DockerProvider, Network>();
  private readonly replicaSets = new Set<string>();

  constructor(scope: Construct, id: string, props: ServiceNetworkProps) {
    super(scope, id);
    brand(this, 'ServiceNetwork');
    this.provider = props.provider;
    this.networkName = props.networkName ?? this.node.path.replace(/[^a-zA-Z0-9_.-]+/g, '-');
    this.subnet = props.subnet;
    this.internal = props.internal ?? false;

    if (!Token.isUnresolved(this.networkName) && !NETWORK_NAME.test(this.networkName)) {
      fail(this, `networkName ${quote(this.networkName)} must contain only letters, digits, '_', '.' and '-', starting with a letter or digit`);
    }
    checkOneOf(this, 'internal', props.internal, [true, false]);
    this.subnetRange = this.subnet !== undefined && !Token.isUnresolved(this.subnet) ? withPath(this, () => parseCidr('subnet', this.subnet!)) : undefined;

    this.resource = this.createNetwork('network', this.provider);
  }

  /** Adds a service to the network; ids are unique per network. */
  public addService(id: string, options: ContainerServiceOptions): ContainerService {
    this.checkNewId(id);
    return new ContainerService(this, id, { ...options, network: this });
  }

  /** Adds a MySQL-compatible database (see `DatabaseService`); ids are unique per network. */
  public addDatabase(id: string, options: DatabaseServiceOptions): DatabaseService {
    this.checkNewId(id);
    return new DatabaseService(this, id, { ...options, network: this });
  }

  /** The network's services (a copy). */
  public get services(): ContainerService[] {
    return [...this.serviceList];
  }

  /** The service reachable by `name` (alias or container name), if any. */
  public tryFindService(name: string): ContainerService | undefined {
    return this.names.get(name);
  }

  /**
   * The `docker_network` for a Docker host: the network's own resource, or a network of the same name
   * created on another host the first time one of its services runs there.
   */
  public resourceOn(provider: DockerProvider): Network {
    if (provider === this.provider) return this.resource;
    const existing = this.networksByProvider.get(provider);
    if (existing !== undefined) return existing;
    return this.createNetwork(`network-${provider.node.id}`, provider);
  }

  /** Called by `ContainerService` when it joins: claims its alias and container name. */
  public registerService(service: ContainerService): void {
    this.claimName(service, service.alias);
    if (service.replicaOf !== undefined) this.claimReplicaSet(service, service.replicaOf);
    if (service.baseContainerName !== service.alias) this.claimName(service, service.baseContainerName);
    this.serviceList.push(service);
  }

  /** Claims a name (alias or container name) on the network for `service`; another owner fails. */
  public claimName(service: ContainerService, name: string): void {
    if (Token.isUnresolved(name)) return;
    const owner = this.names.get(name);
    if (this.replicaSets.has(name) && service.replicaOf !== name) {
      fail(service, `alias ${quote(name)} is the name of the replica set of '${owner?.node.id}' on network ${quote(this.networkName)}; choose another alias`);
    }
    if (owner !== undefined && owner !== service && !this.replicaSets.has(name)) {
      fail(service, `alias ${quote(name)} is already used by service '${owner.node.id}' on network ${quote(this.networkName)}; each name resolves to one service, so choose another alias`);
    }
    this.names.set(name, service);
  }

  /**
   * Claims the shared alias of a replica set: every replica of the set may have it, nothing else. The
   * name finds the set's first replica.
   */
  public claimReplicaSet(service: ContainerService, name: string): void {
    if (Token.isUnresolved(name)) return;
    const owner = this.names.get(name);
    if (owner === undefined) {
      this.names.set(name, service);
      this.replicaSets.add(name);
    } else if (!this.replicaSets.has(name) || owner.replicaOf !== name) {
      fail(service, `replicaOf ${quote(name)} is already the name of service '${owner.node.id}' on network ${quote(this.networkName)}; a replica set's name must be its own`);
    }
  }

  /** Fails when another service on the same Docker host already publishes the same host port. */
  public claimPort(service: ContainerService, port: PublishedPort): void {
    if (Token.isUnresolved(port.hostPort) || Token.isUnresolved(port.hostAddress)) return;
    for (const other of this.serviceList) {
      if (other.dockerProvider !== service.dockerProvider) continue;
      const clash = other.publishedPorts.find((p) =>
        p.hostPort === port.hostPort && p.protocol === port.protocol &&
        (p.hostAddress === port.hostAddress || p.hostAddress === '0.0.0.0' || port.hostAddress === '0.0.0.0'));
      if (clash !== undefined) {
        const who = other === service ? 'this service' : `service '${other.node.id}'`;
        fail(service, `host port ${port.hostAddress}:${port.hostPort}/${port.protocol} is already published by ${who} on the same Docker host; choose another hostPort`);
      }
    }
  }

  private createNetwork(id: string, provider: DockerProvider): Network {
    this.claimOn(provider);
    const network = new Network(this, id, {
      provider,
      name: this.networkName,
      driver: 'bridge',
      internal: this.internal ? true : undefined,
      ipamConfig: this.subnet === undefined ? undefined : [{ subnet: this.subnet }],
    });
    this.networksByProvider.set(provider, network);
    return network;
  }

  private checkNewId(id: string): void {
    if (this.node.tryFindChild(id) !== undefined) {
      fail(this, `a service with id '${id}' already exists on network ${quote(this.networkName)}; give each service its own id`);
    }
  }

  // Docker keeps one network per name on a host and refuses overlapping address pools.
  private claimOn(provider: DockerProvider): void {
    const name = Token.isUnresolved(this.networkName) ? undefined : this.networkName;
    const clash = claimNetwork(machineOf(this, provider.host, provider), { owner: this, name, range: this.subnetRange });
    if (clash === undefined) return;
    const where = `on the same Docker host (provider ${provider.node.path})`;
    const other = clash.other.owner.node.path;
    if (clash.by === 'name') {
      fail(this, `networkName ${quote(this.networkName)} is already used by network ${other} ${where}; Docker network names are unique per host, so give this one another networkName`);
    }
    const taken = formatCidr(clash.other.range!);
    fail(this, `subnet ${quote(this.subnet)} overlaps ${taken} of network ${other} ${where}; Docker refuses overlapping address pools, so choose a subnet outside ${taken}`);
  }
}
