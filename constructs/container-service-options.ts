// The options and mounts of a `ContainerService`: what a user writes, apart from the construct.
import type { DockerProvider } from '@cdktf/provider-docker/lib/provider';
import type { Volume } from '@cdktf/provider-docker/lib/volume';
import type { TerraformVariable } from 'cdktf';

/** Docker restart policies. */
export type RestartPolicy = 'no' | 'on-failure' | 'always' | 'unless-stopped';

/**
 * How a change that needs a new container is rolled out (the names of Compose's `update_config.order`):
 * - `start-first`: the new container is created (and, with a healthcheck, healthy) before the old one
 *   is stopped; the container name carries a fingerprint of its content so both can exist at once, and
 *   Terraform's `create_before_destroy` orders it. Gapless for services behind a gateway.
 * - `stop-first`: the old container is stopped and removed, then the new one is created under the same
 *   name: for what cannot run twice (a published host port, a named volume, a database's data directory).
 */
export type ReplacementStrategy = 'start-first' | 'stop-first';

/** A published port. */
export interface PortMapping {
  /** Port inside the container. */
  readonly containerPort: number;
  /**
   * Port on the Docker host.
   * @default the same as `containerPort`
   */
  readonly hostPort?: number;
  /**
   * Host address the port listens on. Publishing on every interface (`0.0.0.0`) must be asked for
   * and is reported as a warning.
   * @default '127.0.0.1' (reachable from the Docker host only)
   */
  readonly hostAddress?: string;
  /**
   * Transport protocol.
   * @default 'tcp'
   */
  readonly protocol?: 'tcp' | 'udp';
}

/** A port as published, with every default resolved. */
export interface PublishedPort {
  /** Port inside the container. */
  readonly containerPort: number;
  /** Port on the Docker host. */
  readonly hostPort: number;
  /** Host address the port listens on. */
  readonly hostAddress: string;
  /** Transport protocol. */
  readonly protocol: 'tcp' | 'udp';
}

/** A Docker healthcheck; `wait` on linked services relies on it. */
export interface HealthcheckOptions {
  /**
   * The check, in Docker's `test` form: `['CMD', 'prog', 'arg', ...]` (exec) or
   * `['CMD-SHELL', 'shell command']`.
   */
  readonly command: string[];
  /**
   * Time between two checks.
   * @default 10
   */
  readonly intervalSeconds?: number;
  /**
   * Time a single check may take before it counts as failed.
   * @default 5
   */
  readonly timeoutSeconds?: number;
  /**
   * Consecutive failures before the container is unhealthy.
   * @default 5
   */
  readonly retries?: number;
  /**
   * Grace period after start during which failures do not count.
   * @default 0
   */
  readonly startPeriodSeconds?: number;
  /**
   * Time between checks during the start period, so a new container is found healthy sooner (Docker
   * engine 25 or later; older engines ignore it and then show a perpetual diff, so leave it unset there).
   * @default unset: `intervalSeconds` applies from the start
   */
  readonly startIntervalSeconds?: number;
}

/** A file written into the container before it starts (e.g. a rendered nginx.conf). */
export interface FileUpload {
  /** Absolute path of the file inside the container. */
  readonly path: string;
  /** The file's text. A change replaces the container. */
  readonly content: string;
  /**
   * Whether the file is executable.
   * @default false
   */
  readonly executable?: boolean;
}

/** A host directory or file bind-mounted into the container. */
export interface HostVolume {
  /** Absolute, normalized path on the Docker host. */
  readonly hostPath: string;
  /** Absolute path inside the container. */
  readonly containerPath: string;
  /** Whether the container may only read it. */
  readonly readOnly: boolean;
}

/** Options of `addHostVolume` and `addNamedVolume`. */
export interface VolumeOptions {
  /**
   * Mount the volume read-only.
   * @default false
   */
  readonly readOnly?: boolean;
}

/** Options of `addNamedVolume`. */
export interface NamedVolumeOptions extends VolumeOptions {
  /**
   * Name of the Docker volume.
   * @default `<containerName>-<id>`
   */
  readonly volumeName?: string;
}

/** A named Docker volume mounted into the container. */
export interface NamedVolume {
  /** The `docker_volume` resource. Destroying the stack deletes the volume and its data. */
  readonly volume: Volume;
  /** Absolute path inside the container. */
  readonly containerPath: string;
  /** Whether the container may only read it. */
  readonly readOnly: boolean;
}

/** Everything about a container service except the network it belongs to. */
export interface ContainerServiceOptions {
  /** Image reference, pinned by tag or digest (`mariadb:10.11`, `repo/app@sha256:...`); `:latest` or no tag is a warning. */
  readonly image: string;
  /**
   * The name other services on the network reach this one by.
   * @default the construct id
   */
  readonly alias?: string;
  /**
   * The name of the replica set this container belongs to: a network alias shared with the other
   * replicas of the set (Docker's DNS answers it with all of them on the same host), beside the
   * container's own `alias`.
   * @default none
   */
  readonly replicaOf?: string;
  /**
   * Docker container name (unique per Docker host).
   * @default `<networkName>-<id>`, so environments sharing a host do not collide
   */
  readonly containerName?: string;
  /**
   * Command, in exec form.
   * @default the image's CMD
   */
  readonly command?: string[];
  /**
   * Plain environment variables. Names that look secret (PASSWORD, SECRET, TOKEN, KEY...) are refused
   * here: use `secretEnvironment` with a sensitive variable.
   * @default none
   */
  readonly environment?: Record<string, string>;
  /**
   * Environment variables whose values come from sensitive Terraform variables.
   * @default none
   */
  readonly secretEnvironment?: Record<string, TerraformVariable>;
  /**
   * Published ports.
   * @default none: the service is reachable only on its network
   */
  readonly ports?: PortMapping[];
  /**
   * Restart policy.
   * @default 'unless-stopped'
   */
  readonly restart?: RestartPolicy;
  /**
   * Hard memory limit in MiB.
   * @default 512
   */
  readonly memoryMiB?: number;
  /**
   * Memory plus swap limit in MiB (`-1`: unlimited swap).
   * @default the same as `memoryMiB` (no swap)
   */
  readonly memorySwapMiB?: number;
  /**
   * CPU limit in CPUs (CFS quota; `1.5` is one and a half CPUs).
   * @default 1
   */
  readonly cpus?: number;
  /**
   * Relative CPU weight when CPUs are contended.
   * @default 1024 (Docker's default weight)
   */
  readonly cpuShares?: number;
  /**
   * Healthcheck.
   * @default none: the image's own HEALTHCHECK, if any, is not known to the construct
   */
  readonly healthcheck?: HealthcheckOptions;
  /**
   * Block `apply` until the healthcheck passes, so a start-first replacement waits for the new
   * container before the old one goes, and linked services start against a ready dependency.
   * @default true for a start-first service with a healthcheck, and whenever another service links to
   * this one and it has a healthcheck; false otherwise
   */
  readonly waitForHealthy?: boolean;
  /**
   * How long `apply` waits for the healthcheck to pass.
   * @default 60
   */
  readonly waitTimeoutSeconds?: number;
  /**
   * Size at which the json-file log rotates, in MiB.
   * @default 10
   */
  readonly logMaxSizeMiB?: number;
  /**
   * Number of rotated log files kept.
   * @default 3
   */
  readonly logMaxFiles?: number;
  /**
   * User (and group) the process runs as: `name`, `uid`, `uid:gid`.
   * @default the image's USER
   */
  readonly user?: string;
  /**
   * Mount the root filesystem read-only (use `tmpfs` for the paths the service writes to).
   * @default false
   */
  readonly readOnlyRootFilesystem?: boolean;
  /**
   * tmpfs mounts: container path to mount options (e.g. `{ '/tmp': 'rw,size=64m' }`).
   * @default none
   */
  readonly tmpfs?: Record<string, string>;
  /**
   * Linux capabilities to drop (e.g. `['ALL']`, then add back the few the service needs).
   * @default none: Docker's default capability set
   */
  readonly dropCapabilities?: string[];
  /**
   * Linux capabilities to add.
   * @default none
   */
  readonly addCapabilities?: string[];
  /**
   * Namespaced kernel parameters for this container (`net.*`, `kernel.msg*`, `kernel.sem`,
   * `kernel.shm*`, `fs.mqueue.*`). Host sysctls do not reach containers; set those on the host.
   * @default none
   */
  readonly sysctls?: Record<string, string | number>;
  /**
   * Files written into the container before it starts.
   * @default none
   */
  readonly uploads?: FileUpload[];
  /**
   * Open files the process may have (the `nofile` ulimit, soft and hard); many hosts give containers a
   * soft limit of 1024.
   * @default the Docker daemon's default
   */
  readonly nofileLimit?: number;
  /**
   * Seconds `destroy` (and replacement) lets the process stop before it is killed; also Docker's stop
   * timeout for `docker stop` and restarts outside OpenTofu.
   * @default 10
   */
  readonly destroyGraceSeconds?: number;
  /**
   * Signal that asks the process to stop (e.g. `SIGQUIT` for nginx's graceful shutdown).
   * @default the image's STOPSIGNAL, else SIGTERM
   */
  readonly stopSignal?: string;
  /**
   * How a change that needs a new container is rolled out (see `ReplacementStrategy`). A start-first
   * service cannot publish host ports or mount named volumes (two containers would claim them).
   * @default 'stop-first' when `ports` are given, else 'start-first'
   */
  readonly replacement?: ReplacementStrategy;
  /**
   * The Docker host this container runs on (a replica may sit on another host than its network's
   * default). Links work only between services on the same host.
   * @default the network's provider
   */
  readonly dockerProvider?: DockerProvider;
}
