import { TerraformVariable } from 'cdktf';
import { Construct } from 'constructs';
import { quote } from '../renderers/invalid-input';
import { ContainerService, ContainerServiceOptions, HealthcheckOptions } from './container-service';
import type { ServiceNetwork } from './service-network';
import { fail } from './validation';

/** Where the database keeps its data: exactly one of a host directory or a named Docker volume. */
export interface DatabaseStorage {
  /**
   * Host directory bind-mounted at the data directory; survives container replacement and `destroy`.
   * @default '/opt/data/mysql' when `volumeName` is not set either
   */
  readonly hostPath?: string;
  /**
   * Named Docker volume instead of a host directory (deleted by `destroy`).
   * @default none
   */
  readonly volumeName?: string;
}

/** Options of a MySQL-compatible database service. */
export interface DatabaseServiceOptions extends Omit<ContainerServiceOptions, 'image' | 'healthcheck' | 'waitForHealthy'> {
  /** Root password, from a Terraform variable declared with `sensitive: true` and no default. */
  readonly rootPassword: TerraformVariable;
  /**
   * Image, pinned by tag; any image that reads `MYSQL_ROOT_PASSWORD` (mariadb, mysql).
   * @default 'mariadb:10.11'
   */
  readonly image?: string;
  /**
   * Persistent storage for the data directory; a database without it is refused.
   * @default { hostPath: '/opt/data/mysql' }, as in the article
   */
  readonly storage?: DatabaseStorage;
  /**
   * The server's data directory inside the container.
   * @default '/var/lib/mysql'
   */
  readonly dataDirectory?: string;
  /**
   * Healthcheck; `apply` waits for it before dependents start.
   * @default `mysqladmin ping` over TCP every 10 s, 10 retries, 30 s start period
   */
  readonly healthcheck?: HealthcheckOptions;
}

/** Props of `DatabaseService`. */
export interface DatabaseServiceProps extends DatabaseServiceOptions {
  /** The network the database joins. */
  readonly network: ServiceNetwork;
}

/** Default database image. */
export const DEFAULT_DATABASE_IMAGE = 'mariadb:10.11';
/** Default host directory of the database's data, as in the article. */
export const DEFAULT_DATABASE_HOST_PATH = '/opt/data/mysql';

/**
 * The article's `mysql-core`: a MySQL-compatible database with its data on a host volume
 * ("never rely on the container's filesystem"), the root password from a sensitive variable, a
 * healthcheck that `apply` waits for, and a longer stop grace period so a replacement shuts the
 * server down cleanly. Usually created with `network.addDatabase(id, options)`.
 *
 * `mysqladmin ping` exits 0 as soon as the server answers, even with "access denied", so the check
 * needs no password. Images without `mysqladmin` need their own `healthcheck`.
 */
export class DatabaseService extends ContainerService {
  /** The data directory inside the container. */
  public readonly dataDirectory: string;
  /** Host directory holding the data, when the data is on a host volume. */
  public readonly dataHostPath?: string;
  /** Named volume holding the data, when the data is on a named volume. */
  public readonly dataVolumeName?: string;

  constructor(scope: Construct, id: string, props: DatabaseServiceProps) {
    const { rootPassword, storage, dataDirectory, ...rest } = props;
    super(scope, id, {
      ...rest,
      image: props.image ?? DEFAULT_DATABASE_IMAGE,
      healthcheck: props.healthcheck ?? {
        command: ['CMD', 'mysqladmin', 'ping', '--host=127.0.0.1', '--silent'],
        intervalSeconds: 10,
        timeoutSeconds: 5,
        retries: 10,
        startPeriodSeconds: 30,
      },
      waitForHealthy: true,
      waitTimeoutSeconds: props.waitTimeoutSeconds ?? 180,
      destroyGraceSeconds: props.destroyGraceSeconds ?? 60,
      memoryMiB: props.memoryMiB ?? 1024,
    });
    this.dataDirectory = dataDirectory ?? '/var/lib/mysql';

    const chosen = storage ?? { hostPath: DEFAULT_DATABASE_HOST_PATH };
    if (chosen.hostPath === undefined && chosen.volumeName === undefined) {
      fail(this, `storage ${quote(JSON.stringify(chosen))} keeps no persistent volume, so the data would vanish with the container; set storage.hostPath (e.g. ${quote(DEFAULT_DATABASE_HOST_PATH)}) or storage.volumeName`);
    }
    if (chosen.hostPath !== undefined && chosen.volumeName !== undefined) {
      fail(this, `storage sets both hostPath ${quote(chosen.hostPath)} and volumeName ${quote(chosen.volumeName)}; choose one`);
    }
    if (this.tmpfsPaths.some((p) => p === this.dataDirectory || this.dataDirectory.startsWith(`${p}/`))) {
      fail(this, `tmpfs over the data directory ${quote(this.dataDirectory)} is not persistent: the data would vanish with the container; remove that tmpfs entry`);
    }
    if (chosen.hostPath !== undefined) {
      this.dataHostPath = chosen.hostPath;
      this.addHostVolume(chosen.hostPath, this.dataDirectory);
    } else {
      this.dataVolumeName = chosen.volumeName;
      this.addNamedVolume('data', this.dataDirectory, { volumeName: chosen.volumeName });
    }
    this.addSecretEnv('MYSQL_ROOT_PASSWORD', rootPassword);

    // Two servers on one data directory corrupt it.
    for (const other of this.network.services) {
      if (other !== this && other instanceof DatabaseService && other.dockerProvider === this.dockerProvider &&
        other.dataHostPath !== undefined && other.dataHostPath === this.dataHostPath) {
        fail(this, `storage.hostPath ${quote(this.dataHostPath)} is already the data directory of database '${other.node.id}' on the same Docker host; give each database its own directory`);
      }
    }
  }
}
