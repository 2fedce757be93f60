import { DockerProvider } from '@cdktf/provider-docker/lib/provider';
import { NullProvider } from '@cdktf/provider-null/lib/provider';
import { Resource } from '@cdktf/provider-null/lib/resource';
import { LocalBackend, PgBackend, S3Backend, TerraformOutput, TerraformResource, TerraformStack, TerraformVariable } from 'cdktf';
import { Construct } from 'constructs';
import { ContainerService } from '../constructs/container-service';
import { DatabaseService } from '../constructs/database-service';
import { DockerHost } from '../constructs/docker-host';
import { KvmHost } from '../constructs/kvm-host';
import { KvmNetwork } from '../constructs/kvm-network';
import { NginxGateway } from '../constructs/nginx-gateway';
import { ServiceNetwork } from '../constructs/service-network';
import { withPath } from '../constructs/validation';
import { Jurisdiction, Suppressions } from '../policy';
import { LibvirtProvider } from '../providers/libvirt/provider';
import { UpstreamServer } from '../renderers/nginx-config';
import { SysctlProfile } from '../renderers/sysctl-profile';
import { AppServiceConfig, EnvironmentConfig, KvmHosting } from './environment-config';

/** A place containers run: a Docker provider, and the address other hosts reach it at. */
interface DockerPlacement {
  readonly provider: DockerProvider;
  /** The host's private address, for traffic between hosts; undefined for the local engine. */
  readonly address?: string;
  /** Completes when the host has booted and Docker runs; everything on the host waits for it. */
  readonly ready?: Resource;
}

const APP_DB_NAME = 'shop';
const APP_DB_USER = 'shop';

/**
 * One environment of the article's system, from its `EnvironmentConfig`: the hosts (the local Docker
 * engine, or KVM hosts with the tuned kernel), the service network with the storefront and inventory
 * replicas linked to the database (`db`, data on a host volume), and the nginx gateway routing `/` and
 * `/api/inventory` to their pools. Replicas are spread over the hosts in turn; the database and the
 * gateway sit on the first host, and replicas elsewhere are reached through ports published on their
 * host's private address.
 */
export class EnvironmentStack extends TerraformStack {
  /** The configuration this stack was made from. */
  public readonly config: EnvironmentConfig;
  /** The tuned kernel of the hosts and the gateway container. */
  public readonly sysctlProfile: SysctlProfile;
  /** The KVM hosts (none for local hosting). */
  public readonly kvmHosts: KvmHost[] = [];
  /** The Docker network of the environment's services. */
  public readonly network: ServiceNetwork;
  /** The database. */
  public readonly database: DatabaseService;
  /** The storefront replicas. */
  public readonly storefront: ContainerService[];
  /** The inventory API replicas. */
  public readonly inventory: ContainerService[];
  /** The API gateway. */
  public readonly gateway: NginxGateway;
  /** How the gateway reaches each replica: its alias on the gateway's host, else its published port. */
  private readonly upstreams = new Map<ContainerService, UpstreamServer>();

  constructor(scope: Construct, config: EnvironmentConfig) {
    super(scope, config.name);
    this.config = config;
    this.addBackend(config);
    this.sysctlProfile = withPath(this, () => new SysctlProfile({ overrides: config.sysctl }));

    const placements = config.hosting.kind === 'kvm' ? this.addKvmHosts(config.hosting) : [this.addLocalDocker(config.hosting.dockerSocket)];
    const primary = placements[0];

    this.network = new ServiceNetwork(this, 'services', { provider: primary.provider, networkName: `${config.name}-services` });

    const rootPassword = new TerraformVariable(this, 'database_root_password', {
      type: 'string',
      sensitive: true,
      description: `Root password of the ${config.name} database (set TF_VAR_database_root_password)`,
    });
    const appPassword = new TerraformVariable(this, 'database_app_password', {
      type: 'string',
      sensitive: true,
      description: `Password of the application's database user in ${config.name} (set TF_VAR_database_app_password)`,
    });
    this.database = this.network.addDatabase('db', {
      image: config.database.image,
      rootPassword,
      storage: { hostPath: config.database.hostPath },
      memoryMiB: config.database.memoryMiB,
      environment: { MYSQL_DATABASE: APP_DB_NAME, MYSQL_USER: APP_DB_USER },
      secretEnvironment: { MYSQL_PASSWORD: appPassword },
    });
    // Replicas on other hosts reach the database on the first host's private address.
    if (placements.some((p) => p !== primary)) {
      this.database.addPort({ containerPort: 3306, hostPort: 3306, hostAddress: primary.address! });
    }

    const app = (name: string, index: number, service: AppServiceConfig) => this.addReplicas(name, index, service, placements, appPassword);
    this.storefront = app('storefront', 0, config.storefront);
    this.inventory = app('inventory', 1, config.inventory);

    this.gateway = new NginxGateway(this, 'gateway', {
      network: this.network,
      image: config.gateway.image,
      hostPort: config.gateway.hostPort,
      hostAddress: config.gateway.hostAddress,
      serverNames: config.gateway.serverNames,
      sysctlProfile: this.sysctlProfile,
      pools: [
        { name: 'frontend_pool', servers: this.storefront.map((s) => this.upstreams.get(s)!) },
        { name: 'inventory_api', servers: this.inventory.map((s) => this.upstreams.get(s)!) },
      ],
      routes: [
        { path: '/', pool: 'frontend_pool' },
        { path: '/api/inventory', pool: 'inventory_api' },
      ],
    });
    for (const replica of [...this.storefront, ...this.inventory]) this.gateway.service.dependOn(replica);
    if (config.gateway.hostAddress === '0.0.0.0') {
      Suppressions.of(this.gateway).add('port-not-public', 'the gateway is the public entry point of the environment; nginx is its only published port');
    }
    if (config.residency !== undefined) {
      // Every host of the environment (KVM hosts and the Docker hosts on them) is where the config says.
      Jurisdiction.of(this).allowOnly(config.residency.allowed);
      Jurisdiction.of(this).set(config.residency.hostsIn);
    }

    // gateway.url is the URL on the gateway's Docker host; a KVM host is reached at its private address.
    const gatewayUrl = primary.address !== undefined && this.gateway.hostAddress === '0.0.0.0' ? `http://${primary.address}:${config.gateway.hostPort}` : this.gateway.url;
    // One apply creates the VMs and then deploys onto them: Docker resources wait for their host.
    for (const placement of placements) {
      if (placement.ready === undefined) continue;
      const ready = `${placement.ready.terraformResourceType}.${placement.ready.friendlyUniqueId}`;
      for (const resource of this.node.findAll()) {
        if (resource instanceof TerraformResource && resource.terraformResourceType.startsWith('docker_') && resource.provider === placement.provider) {
          resource.dependsOn = [...(resource.dependsOn ?? []), ready];
        }
      }
    }

    new TerraformOutput(this, 'gateway_url', { value: gatewayUrl, description: 'Where the gateway answers' });
    new TerraformOutput(this, 'host_addresses', { value: this.kvmHosts.map((h) => h.address), description: 'Private addresses of the KVM hosts' });
    new TerraformOutput(this, 'docker_host_urls', { value: this.kvmHosts.map((h) => h.dockerHostUrl), description: 'Docker hosts of the environment' });
  }

  private addBackend(config: EnvironmentConfig): void {
    const backend = config.backend;
    switch (backend.kind) {
      case 'local':
        // Relative to the stack's working directory (cdktf.out/stacks/<env>): the state sits at the
        // project root, as with cdktf's default, but the JSON holds no machine-specific path.
        new LocalBackend(this, { path: `../../../terraform.${config.name}.tfstate` });
        return;
      case 'pg':
        // The connection string comes from PG_CONN_STR when `init` runs: no credentials in the JSON.
        // cdktf requires connStr, but an explicit "" makes OpenTofu ignore PG_CONN_STR (and connect to
        // localhost:5432), so the attribute is removed from the JSON.
        new PgBackend(this, { connStr: '', schemaName: backend.schemaName }).addOverride('conn_str', undefined);
        return;
      case 's3':
        // use_lockfile (OpenTofu/Terraform >= 1.10) is newer than cdktf's S3 backend type.
        new S3Backend(this, { bucket: backend.bucket, key: backend.key, region: backend.region, encrypt: true }).addOverride('use_lockfile', true);
        return;
    }
  }

  private addLocalDocker(socket: string | undefined): DockerPlacement {
    if (socket !== undefined) return { provider: DockerHost.local(this, 'docker', { socket }) };
    // No host given: the provider reads DOCKER_HOST, else the default socket, when OpenTofu runs.
    return { provider: new DockerProvider(this, 'docker', {}) };
  }

  private addKvmHosts(hosting: KvmHosting): DockerPlacement[] {
    const libvirt = new LibvirtProvider(this, 'libvirt', { uri: hosting.libvirtUri });
    new NullProvider(this, 'null');
    const sshKey = new TerraformVariable(this, 'ssh_private_key', {
      type: 'string',
      sensitive: true,
      description: `SSH private key of the admin user on the ${this.config.name} hosts, for the readiness checks (set TF_VAR_ssh_private_key)`,
    });
    const network = new KvmNetwork(this, 'kvm-network', { name: `${this.config.name}-net`, cidr: hosting.networkCidr, provider: libvirt });
    return hosting.hosts.map((h, i) => {
      const host = new KvmHost(this, h.name, {
        provider: libvirt,
        network,
        baseImage: hosting.baseImage,
        vcpus: h.vcpus,
        memoryMiB: h.memoryMiB,
        diskSizeGiB: h.diskSizeGiB,
        virtualization: hosting.virtualization,
        cloudInit: { sshAuthorizedKeys: hosting.sshPublicKeys, profile: this.sysctlProfile },
      });
      this.kvmHosts.push(host);
      const provider = DockerHost.ssh(this, `docker-${h.name}`, {
        alias: i === 0 ? undefined : h.name.replace(/[^A-Za-z0-9_-]/g, '_'),
        user: host.adminUser,
        address: host.address,
        // The host does not exist at plan time; the provider connects when resources are applied.
        disableDockerDaemonCheck: true,
        sshOpts: ['-o', 'StrictHostKeyChecking=accept-new', '-o', 'BatchMode=yes'],
      });
      return { provider, address: host.address, ready: host.addReadinessCheck({ privateKey: sshKey }) };
    });
  }

  private addReplicas(
    name: string,
    serviceIndex: number,
    service: AppServiceConfig,
    placements: readonly DockerPlacement[],
    appPassword: TerraformVariable,
  ): ContainerService[] {
    const primary = placements[0];
    return Array.from({ length: service.replicas }, (_, i) => {
      const placement = placements[i % placements.length];
      const remote = placement !== primary;
      const replica = this.network.addService(`${name}-${i + 1}`, {
        image: service.image,
        dockerProvider: placement.provider,
        memoryMiB: service.memoryMiB,
        cpus: service.cpus,
        environment: {
          SERVICE_NAME: name,
          PORT: String(service.containerPort),
          DB_HOST: remote ? primary.address! : 'db',
          DB_NAME: APP_DB_NAME,
          DB_USER: APP_DB_USER,
        },
        secretEnvironment: { DB_PASSWORD: appPassword },
        healthcheck: service.healthcheckCommand !== undefined ? { command: service.healthcheckCommand } : undefined,
      });
      // The article's passive failover: a server is skipped for 30 s after 3 failures.
      const failover = { maxFails: 3, failTimeoutSeconds: 30 };
      if (remote) {
        const hostPort = 20000 + serviceIndex * 100 + i;
        replica.dependOn(this.database);
        replica.addPort({ containerPort: service.containerPort, hostPort, hostAddress: placement.address! });
        this.upstreams.set(replica, { host: placement.address!, port: hostPort, ...failover });
      } else {
        replica.link(this.database, 'db');
        this.upstreams.set(replica, { host: replica.alias, port: service.containerPort, ...failover });
      }
      return replica;
    });
  }
}

