import { Container, ContainerPorts, ContainerUpload, ContainerVolumes } from '@cdktf/provider-docker/lib/container';
import { DockerProvider } from '@cdktf/provider-docker/lib/provider';
import { Volume } from '@cdktf/provider-docker/lib/volume';
import { Annotations, Lazy, TerraformLocal, TerraformVariable, Token } from 'cdktf';
import { Construct } from 'constructs';
import { quote } from '../renderers/invalid-input';
import { isIpv4 } from '../renderers/ipv4';
import { containerFingerprint } from './container-fingerprint';
import {
  ALIAS, CONTAINER_NAME, ENV_NAME, FLAG_VALUES,
  checkName, checkServiceSettings, checkSysctls, isAbsoluteNormalizedPath, looksSecret,
} from './container-service-checks';
import type {
  ContainerServiceOptions, FileUpload, HealthcheckOptions, HostVolume, NamedVolume, NamedVolumeOptions, PortMapping,
  PublishedPort, ReplacementStrategy, RestartPolicy, VolumeOptions,
} from './container-service-options';
import { brand } from './identity';
import type { ServiceNetwork } from './service-network';
import { terraformLiteral } from './terraform-literal';
import { checkOneOf, fail } from './validation';

/** Props of `ContainerService`. */
export interface ContainerServiceProps extends ContainerServiceOptions {
  /** The network the service joins; it finds other services there by alias. */
  readonly network: ServiceNetwork;
}

/** The label that carries a stop-first container's fingerprint, so a change the provider cannot apply in place replaces it. */
export const FINGERPRINT_LABEL = 'cdktf-kvm-microservices.fingerprint';

export { terraformLiteral };
export { isAbsoluteNormalizedPath, looksSecret } from './container-service-checks';
export * from './container-service-options';

/**
 * One service of a `ServiceNetwork`: a `docker_container` with a pinned image, secure defaults
 * (loopback-only ports, memory and CPU limits, rotated logs, `unless-stopped`), host or named volumes,
 * secrets from sensitive variables, and links to other services by alias.
 *
 * Usually created with `network.addService(id, options)`.
 */
export class ContainerService extends Construct {
  /** The `docker_container` resource. */
  public readonly container: Container;
  /** The network the service belongs to. */
  public readonly network: ServiceNetwork;
  /** The Docker host's provider the container runs on. */
  public readonly dockerProvider: DockerProvider;
  /** Image reference. */
  public readonly image: string;
  /** The name other services reach this one by on the network. */
  public readonly alias: string;
  /**
   * Docker container name. For a start-first service this is `<baseContainerName>-<fingerprint>`, a
   * token that resolves at synth (or at apply, when secrets are part of the content).
   */
  public readonly containerName: string;
  /** The container name without the fingerprint (the whole name of a stop-first service). */
  public readonly baseContainerName: string;
  /** How a change that needs a new container is rolled out. */
  public readonly replacement: ReplacementStrategy;
  /** Signal that asks the process to stop, if set. */
  public readonly stopSignal?: string;
  /** The replica set this container belongs to, if any. */
  public readonly replicaOf?: string;
  /**
   * The fingerprint of the container's content (a Terraform local): 8 hex digits that change whenever
   * the content does, part of the name of a start-first container and a label of a stop-first one.
   */
  public readonly version: TerraformLocal;
  /** Restart policy. */
  public readonly restart: RestartPolicy;
  /** Hard memory limit in MiB. */
  public readonly memoryMiB: number;
  /** Memory plus swap limit in MiB. */
  public readonly memorySwapMiB: number;
  /** CPU limit in CPUs. */
  public readonly cpus: number;
  /** Relative CPU weight. */
  public readonly cpuShares: number;
  /** Log rotation size in MiB. */
  public readonly logMaxSizeMiB: number;
  /** Rotated log files kept. */
  public readonly logMaxFiles: number;
  /** Seconds given to the process to stop on destroy. */
  public readonly destroyGraceSeconds: number;
  /** Seconds `apply` waits for the healthcheck. */
  public readonly waitTimeoutSeconds: number;
  /** Whether the root filesystem is read-only. */
  public readonly readOnlyRootFilesystem: boolean;
  /** The healthcheck, if any. */
  public readonly healthcheck?: HealthcheckOptions;

  private readonly env = new Map<string, string>();
  private readonly secretEnv = new Map<string, TerraformVariable>();
  private readonly ports: PublishedPort[] = [];
  private readonly hostVolumes: HostVolume[] = [];
  private readonly namedVolumes: NamedVolume[] = [];
  private readonly uploadList: FileUpload[] = [];
  private readonly tmpfsMounts = new Map<string, string>();
  private readonly extraAliases: string[] = [];
  private readonly linkTargets: ContainerService[] = [];
  private waiting: boolean;
  private fingerprinting = false;

  constructor(scope: Construct, id: string, props: ContainerServiceProps) {
    super(scope, id);
    brand(this, 'ContainerService');
    this.network = props.network;
    this.dockerProvider = props.dockerProvider ?? props.network.provider;
    this.image = props.image;
    this.alias = props.alias ?? id;
    this.baseContainerName = props.containerName ?? `${props.network.networkName}-${id}`;
    this.replacement = props.replacement ?? ((props.ports ?? []).length > 0 ? 'stop-first' : 'start-first');
    this.stopSignal = props.stopSignal;
    this.replicaOf = props.replicaOf;
    // A local of its own, so the name, the label and the gateway's configuration read
    // `${local.<version>}` and the hash expression is written once.
    this.version = new TerraformLocal(this, 'version', Lazy.stringValue({ produce: () => this.fingerprint() }));
    this.containerName = this.replacement === 'start-first' ? `${this.baseContainerName}-${this.version.asString}` : this.baseContainerName;
    this.restart = props.restart ?? 'unless-stopped';
    this.memoryMiB = props.memoryMiB ?? 512;
    this.memorySwapMiB = props.memorySwapMiB ?? this.memoryMiB;
    this.cpus = props.cpus ?? 1;
    this.cpuShares = props.cpuShares ?? 1024;
    this.logMaxSizeMiB = props.logMaxSizeMiB ?? 10;
    this.logMaxFiles = props.logMaxFiles ?? 3;
    this.destroyGraceSeconds = props.destroyGraceSeconds ?? 10;
    this.waitTimeoutSeconds = props.waitTimeoutSeconds ?? 60;
    this.readOnlyRootFilesystem = props.readOnlyRootFilesystem ?? false;
    this.healthcheck = props.healthcheck;
    this.waiting = props.waitForHealthy ?? (this.replacement === 'start-first' && props.healthcheck !== undefined);

    checkServiceSettings(this, this, props, this.waiting);
    const capabilities = { drop: props.dropCapabilities ?? [], add: props.addCapabilities ?? [] };
    const sysctls = checkSysctls(this, props.sysctls ?? {});

    this.network.registerService(this);

    const hc = this.healthcheck;
    this.container = new Container(this, 'container', {
      provider: this.dockerProvider,
      name: this.containerName,
      image: this.image,
      command: props.command?.map(terraformLiteral),
      restart: this.restart,
      memory: this.memoryMiB,
      memorySwap: this.memorySwapMiB,
      // `cpus` makes kreuzwerker/docker 3.6.2 panic (issue #759); the CFS quota is the same limit.
      cpuPeriod: 100000,
      cpuQuota: Math.round(this.cpus * 100000),
      cpuShares: this.cpuShares,
      logDriver: 'json-file',
      logOpts: { 'max-size': `${this.logMaxSizeMiB}m`, 'max-file': `${this.logMaxFiles}` },
      user: props.user,
      readOnly: this.readOnlyRootFilesystem ? true : undefined,
      capabilities: capabilities.drop.length + capabilities.add.length > 0
        ? { drop: capabilities.drop.length > 0 ? capabilities.drop : undefined, add: capabilities.add.length > 0 ? capabilities.add : undefined }
        : undefined,
      sysctls: Object.keys(sysctls).length > 0 ? sysctls : undefined,
      destroyGraceSeconds: this.destroyGraceSeconds,
      stopTimeout: this.destroyGraceSeconds,
      ulimit: props.nofileLimit === undefined ? undefined : [{ name: 'nofile', soft: props.nofileLimit, hard: props.nofileLimit }],
      stopSignal: this.stopSignal,
      labels: this.replacement === 'stop-first'
        ? [{ label: FINGERPRINT_LABEL, value: this.version.asString }]
        : undefined,
      lifecycle: this.replacement === 'start-first' ? { createBeforeDestroy: true } : undefined,
      healthcheck: hc === undefined ? undefined : {
        test: hc.command.map(terraformLiteral),
        interval: `${hc.intervalSeconds ?? 10}s`,
        timeout: `${hc.timeoutSeconds ?? 5}s`,
        retries: hc.retries ?? 5,
        startPeriod: `${hc.startPeriodSeconds ?? 0}s`,
        startInterval: hc.startIntervalSeconds === undefined ? undefined : `${hc.startIntervalSeconds}s`,
      },
      wait: this.waiting ? true : undefined,
      waitTimeout: this.waiting ? this.waitTimeoutSeconds : undefined,
    });
    this.renderNetworks();

    for (const [name, value] of Object.entries(props.environment ?? {})) this.addEnv(name, value);
    for (const [name, variable] of Object.entries(props.secretEnvironment ?? {})) this.addSecretEnv(name, variable);
    for (const port of props.ports ?? []) this.addPort(port);
    for (const [containerPath, options] of Object.entries(props.tmpfs ?? {})) this.addTmpfs(containerPath, options);
    for (const upload of props.uploads ?? []) this.addUpload(upload);
  }

  /**
   * Makes `target` reachable from this service as `alias` (a network alias on the shared network),
   * creates `target` first (`depends_on`), and, when `target` has a healthcheck, makes `apply` wait
   * until it is healthy so this service starts against a ready dependency. The modern form of
   * `docker run --link target:alias`; unlike `--link`, every service on the network sees the alias,
   * which is why each environment has its own network.
   */
  public link(target: ContainerService, alias: string = target.alias): void {
    if (target === this) fail(this, `cannot link '${this.node.id}' to itself`);
    if (target.network !== this.network) {
      fail(this, `cannot link to '${target.node.id}': it is on network ${quote(target.network.networkName)}, not ${quote(this.network.networkName)}; add both services to the same ServiceNetwork`);
    }
    if (target.dockerProvider !== this.dockerProvider) {
      fail(this, `cannot link to '${target.node.id}': it runs on another Docker host, where aliases do not resolve; publish a port on '${target.node.id}', use its host address, and order creation with dependOn()`);
    }
    if (target.dependsOnService(this)) {
      fail(this, `cannot link to '${target.node.id}': '${target.node.id}' already depends on '${this.node.id}', and a cycle cannot be created; remove one of the links`);
    }
    target.addAlias(alias);
    this.dependOn(target);
  }

  /**
   * Creates this service after `target` (and, when `target` has a healthcheck, after it is healthy),
   * without an alias; unlike `link`, this works across Docker hosts (e.g. a gateway in front of
   * replicas on other hosts, reached through their published ports).
   */
  public dependOn(target: ContainerService): void {
    if (target === this) fail(this, `'${this.node.id}' cannot depend on itself`);
    if (target.dependsOnService(this)) {
      fail(this, `cannot depend on '${target.node.id}': '${target.node.id}' already depends on '${this.node.id}', and a cycle cannot be created; remove one of the dependencies`);
    }
    if (!this.linkTargets.includes(target)) {
      this.linkTargets.push(target);
      // Terraform forces create_before_destroy onto everything a create-before-destroy resource depends
      // on, so an edge from a start-first service to a stop-first one (a database) would make the latter
      // start a second container under its own name and fail. Start-first services do not wait for
      // stop-first ones; they retry their connections (and Docker restarts them) until those answer.
      if (!(this.replacement === 'start-first' && target.replacement === 'stop-first')) {
        this.container.dependsOn = [...(this.container.dependsOn ?? []), target.readinessAddress()];
        if (target.healthcheck !== undefined && target.waitsForHealthyWhenDependedOn()) target.waitUntilHealthy();
      }
    }
  }

  /**
   * The Terraform address dependents wait for: the container (which, with a healthcheck, `apply` then
   * waits for). depends_on takes a bare address; `fqn` would render as an interpolation, which
   * Terraform refuses.
   */
  protected readinessAddress(): string {
    return `${this.container.terraformResourceType}.${this.container.friendlyUniqueId}`;
  }

  /** Whether a dependent turns on waiting for this service's healthcheck. */
  protected waitsForHealthyWhenDependedOn(): boolean {
    return true;
  }

  /** Adds another name this service is reachable by on its network; an alias of another service fails. */
  public addAlias(alias: string): string {
    if (alias === this.alias || this.extraAliases.includes(alias)) return alias;
    checkName(this, 'alias', alias, ALIAS, 'letters, digits, \'_\' and \'-\', starting and ending with a letter or digit, at most 63 characters');
    this.network.claimName(this, alias);
    this.extraAliases.push(alias);
    this.renderNetworks();
    return alias;
  }

  /** Adds a plain environment variable; secret-looking names with literal values are refused. */
  public addEnv(name: string, value: string): string {
    this.checkEnvName(name);
    if (typeof value !== 'string') {
      fail(this, `environment variable ${quote(name)} has value ${quote(value)}, a ${typeof value}; give it as a string, e.g. ${quote(String(value))}`);
    }
    if (!Token.isUnresolved(value) && looksSecret(name) && !FLAG_VALUES.has(value.toLowerCase())) {
      fail(this, `environment variable ${quote(name)} looks like a secret and must not be a literal: declare a TerraformVariable with sensitive: true and pass it with addSecretEnv(${quote(name)}, variable) or secretEnvironment`);
    }
    this.env.set(name, value);
    this.renderEnv();
    return value;
  }

  /**
   * Adds an environment variable whose value comes from a sensitive Terraform variable, so only a
   * `${var.…}` reference appears in the synthesized JSON. (Terraform state still holds the value:
   * protect the state.)
   */
  public addSecretEnv(name: string, variable: TerraformVariable): TerraformVariable {
    this.checkEnvName(name);
    if (variable.sensitive !== true) {
      fail(this, `secret environment variable ${quote(name)} takes variable '${variable.node.id}', which is not sensitive: declare it with sensitive: true`);
    }
    if (variable.default !== undefined) {
      fail(this, `secret environment variable ${quote(name)} takes variable '${variable.node.id}', which has a default value that would be written to cdk.tf.json: remove the default and supply the value with TF_VAR_${variable.friendlyUniqueId} or a .tfvars file`);
    }
    this.secretEnv.set(name, variable);
    this.renderEnv();
    return variable;
  }

  /** Publishes a port, on 127.0.0.1 unless another host address is given. */
  public addPort(port: PortMapping): PublishedPort {
    if (this.replacement === 'start-first') {
      fail(this, `cannot publish port ${quote(port.hostPort ?? port.containerPort)}: this service is replaced start-first, and the new container could not bind the host port while the old one still runs; give it replacement: 'stop-first' (a replacement then interrupts it briefly), or reach it through its network alias`);
    }
    const published: PublishedPort = {
      containerPort: port.containerPort,
      hostPort: port.hostPort ?? port.containerPort,
      hostAddress: port.hostAddress ?? '127.0.0.1',
      protocol: port.protocol ?? 'tcp',
    };
    for (const [what, value] of [['containerPort', published.containerPort], ['hostPort', published.hostPort]] as const) {
      if (!Token.isUnresolved(value) && !(Number.isInteger(value) && value >= 1 && value <= 65535)) {
        fail(this, `port ${what} ${quote(value)} must be an integer from 1 to 65535`);
      }
    }
    if (!Token.isUnresolved(published.hostAddress) && !isIpv4(published.hostAddress)) {
      fail(this, `port hostAddress ${quote(published.hostAddress)} must be an IPv4 address, e.g. '127.0.0.1' (this host only) or '0.0.0.0' (every interface)`);
    }
    if (published.protocol !== 'tcp' && published.protocol !== 'udp') {
      fail(this, `port protocol ${quote(published.protocol)} must be 'tcp' or 'udp'`);
    }
    // Publishing on 0.0.0.0 is judged by the policy rule port-not-public, where a suppression with its
    // reason can allow it: one decision in one place.
    this.network.claimPort(this, published);
    if (this.network.internal) {
      Annotations.of(this).addWarning(`port ${published.hostPort}/${published.protocol} is published, but network ${quote(this.network.networkName)} is internal and Docker does not publish ports of containers on internal networks`);
    }
    this.ports.push(published);
    this.container.putPorts(this.ports.map((p): ContainerPorts => ({
      internal: p.containerPort,
      external: p.hostPort,
      ip: p.hostAddress,
      protocol: p.protocol,
    })));
    return published;
  }

  /**
   * Bind-mounts a host path. The host path must be absolute and normalized (no `..`, no trailing `/`);
   * the data lives on the host and survives the container's replacement and `destroy`.
   */
  public addHostVolume(hostPath: string, containerPath: string, options: VolumeOptions = {}): HostVolume {
    if (!Token.isUnresolved(hostPath)) {
      if (!isAbsoluteNormalizedPath(hostPath)) {
        fail(this, `host volume path ${quote(hostPath)} must be absolute and normalized (no '..', '.', '//' or trailing '/'), e.g. '/opt/data/mysql'`);
      }
      if (hostPath === '/') fail(this, `host volume path ${quote(hostPath)} would mount the host's whole filesystem; mount a directory such as '/opt/data/<service>'`);
      if (/[:,\s]/.test(hostPath)) fail(this, `host volume path ${quote(hostPath)} must not contain ':', ',' or whitespace (Docker's bind syntax splits on them)`);
    }
    this.checkContainerPath('host volume containerPath', containerPath);
    checkOneOf(this, `host volume ${quote(containerPath)} readOnly`, options.readOnly, [true, false]);
    const volume: HostVolume = { hostPath, containerPath, readOnly: options.readOnly ?? false };
    this.hostVolumes.push(volume);
    this.renderVolumes();
    return volume;
  }

  /**
   * Mounts a named Docker volume (a `docker_volume` resource on this service's Docker host).
   * `destroy` deletes the volume and its data; keep data that must outlive the stack on a host volume.
   */
  public addNamedVolume(id: string, containerPath: string, options: NamedVolumeOptions = {}): NamedVolume {
    if (this.node.tryFindChild(id) !== undefined) fail(this, `named volume '${id}' already exists; give each volume its own id`);
    if (this.replacement === 'start-first') {
      fail(this, `cannot mount named volume '${id}': this service is replaced start-first, so the old and the new container would both write to the volume during a rollout; keep the data on a host volume (addHostVolume) or in a database, or give the service replacement: 'stop-first'`);
    }
    this.checkContainerPath('named volume containerPath', containerPath);
    checkOneOf(this, `named volume '${id}' readOnly`, options.readOnly, [true, false]);
    const volumeName = options.volumeName ?? `${this.containerName}-${id}`;
    checkName(this, 'volumeName', volumeName, CONTAINER_NAME, 'letters, digits, \'_\', \'.\' and \'-\', starting with a letter or digit');
    const volume = new Volume(this, id, { provider: this.dockerProvider, name: volumeName });
    const named: NamedVolume = { volume, containerPath, readOnly: options.readOnly ?? false };
    this.namedVolumes.push(named);
    this.renderVolumes();
    return named;
  }

  /** Mounts a tmpfs (memory-backed, lost on restart), e.g. for a read-only root filesystem. */
  public addTmpfs(containerPath: string, mountOptions: string = ''): string {
    this.checkContainerPath('tmpfs path', containerPath);
    if (/[\s;]/.test(mountOptions)) fail(this, `tmpfs options ${quote(mountOptions)} for ${quote(containerPath)} must be a comma-separated list such as 'rw,size=64m'`);
    this.tmpfsMounts.set(containerPath, mountOptions);
    this.container.tmpfs = Object.fromEntries([...this.tmpfsMounts].map(([p, o]) => [terraformLiteral(p), terraformLiteral(o)]));
    return containerPath;
  }

  /** Writes a file into the container before it starts; a change of content replaces the container. */
  public addUpload(upload: FileUpload): FileUpload {
    if (!Token.isUnresolved(upload.path)) {
      if (!isAbsoluteNormalizedPath(upload.path) || upload.path === '/') {
        fail(this, `upload path ${quote(upload.path)} must be an absolute, normalized file path, e.g. '/etc/nginx/nginx.conf'`);
      }
      checkOneOf(this, `upload ${quote(upload.path)} executable`, upload.executable, [true, false]);
      if (this.uploadList.some((u) => u.path === upload.path)) {
        fail(this, `upload path ${quote(upload.path)} is already uploaded; merge the contents into one file`);
      }
    }
    this.uploadList.push(upload);
    this.container.putUpload(this.uploadList.map((u): ContainerUpload => ({
      file: terraformLiteral(u.path),
      content: terraformLiteral(u.content),
      executable: u.executable === true ? true : undefined,
    })));
    return upload;
  }

  /** Make `apply` wait until the healthcheck passes (services linked to this one start after that). */
  public waitUntilHealthy(): void {
    if (this.healthcheck === undefined) {
      fail(this, `waitForHealthy needs a healthcheck: set healthcheck, e.g. { command: ['CMD', 'curl', '-f', 'http://127.0.0.1/health'] }`);
    }
    this.waiting = true;
    this.container.wait = true;
    this.container.waitTimeout = this.waitTimeoutSeconds;
  }

  /** Every name this service is reachable by on its network (a copy). */
  public get aliases(): string[] {
    return [this.alias, ...(this.replicaOf === undefined ? [] : [this.replicaOf]), ...this.extraAliases];
  }

  /** Whether `apply` waits for this service to be healthy. */
  public get waitsForHealthy(): boolean {
    return this.waiting;
  }

  /** Published ports (a copy). */
  public get publishedPorts(): PublishedPort[] {
    return [...this.ports];
  }

  /** Host bind mounts (a copy). */
  public get hostVolumeMounts(): HostVolume[] {
    return [...this.hostVolumes];
  }

  /** Named volume mounts (a copy). */
  public get namedVolumeMounts(): NamedVolume[] {
    return [...this.namedVolumes];
  }

  /** tmpfs mount paths (a copy). */
  public get tmpfsPaths(): string[] {
    return [...this.tmpfsMounts.keys()];
  }

  /** Services this one links to or depends on (a copy). */
  public get links(): ContainerService[] {
    return [...this.linkTargets];
  }

  /** Whether this service depends on `other`, directly or through its links. */
  public dependsOnService(other: ContainerService): boolean {
    const seen = new Set<ContainerService>();
    const visit = (s: ContainerService): boolean => {
      if (seen.has(s)) return false;
      seen.add(s);
      return s.linkTargets.some((t) => t === other || visit(t));
    };
    return visit(this);
  }

  /**
   * The content hash the container name (start-first) or fingerprint label (stop-first) carries; the
   * name itself is left out, and computing it resolves the container once.
   */
  private fingerprint(): string {
    if (this.fingerprinting) return 'fingerprint';
    this.fingerprinting = true;
    try {
      return containerFingerprint(this.container, [...this.secretEnv.values()].map((v) => v.friendlyUniqueId), this.knownNames());
    } finally {
      this.fingerprinting = false;
    }
  }

  /** The references of this container whose values are literals known at synth: its network's and volumes' names. */
  private knownNames(): Record<string, string> {
    const known: Record<string, string> = {};
    const network = this.network.resourceOn(this.dockerProvider);
    if (!Token.isUnresolved(this.network.networkName)) known[`${network.terraformResourceType}.${network.friendlyUniqueId}.name`] = this.network.networkName;
    for (const v of this.namedVolumes) {
      const name = v.volume.nameInput;
      if (name !== undefined && !Token.isUnresolved(name)) known[`${v.volume.terraformResourceType}.${v.volume.friendlyUniqueId}.name`] = name;
    }
    return known;
  }

  private renderNetworks(): void {
    this.container.putNetworksAdvanced([{
      name: this.network.resourceOn(this.dockerProvider).name,
      aliases: this.aliases,
    }]);
  }

  private renderEnv(): void {
    const entries = [
      ...[...this.env].map(([name, value]) => `${name}=${terraformLiteral(value)}`),
      ...[...this.secretEnv].map(([name, variable]) => `${name}=${variable.stringValue}`),
    ];
    this.container.env = entries;
  }

  private renderVolumes(): void {
    this.container.putVolumes([
      ...this.hostVolumes.map((v): ContainerVolumes => ({
        hostPath: terraformLiteral(v.hostPath),
        containerPath: terraformLiteral(v.containerPath),
        readOnly: v.readOnly ? true : undefined,
      })),
      ...this.namedVolumes.map((v): ContainerVolumes => ({
        volumeName: v.volume.name,
        containerPath: terraformLiteral(v.containerPath),
        readOnly: v.readOnly ? true : undefined,
      })),
    ]);
  }

  private checkEnvName(name: string): void {
    if (!ENV_NAME.test(name)) {
      fail(this, `environment variable name ${quote(name)} must contain only letters, digits and '_' and not start with a digit`);
    }
    if (this.env.has(name) || this.secretEnv.has(name)) {
      fail(this, `environment variable ${quote(name)} is already set; set each variable once`);
    }
  }

  private checkContainerPath(what: string, containerPath: string): void {
    if (Token.isUnresolved(containerPath)) return;
    if (!isAbsoluteNormalizedPath(containerPath) || containerPath === '/') {
      fail(this, `${what} ${quote(containerPath)} must be an absolute, normalized path other than '/', e.g. '/var/lib/mysql'`);
    }
    if (/[:,\s]/.test(containerPath)) fail(this, `${what} ${quote(containerPath)} must not contain ':', ',' or whitespace`);
    const taken = [
      ...this.hostVolumes.map((v) => v.containerPath),
      ...this.namedVolumes.map((v) => v.containerPath),
      ...this.tmpfsMounts.keys(),
    ];
    if (taken.includes(containerPath)) {
      fail(this, `${what} ${quote(containerPath)} is already mounted; mount each container path once`);
    }
  }

}
