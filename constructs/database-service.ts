import { TerraformVariable, Token } from 'cdktf';
import { Construct } from 'constructs';
import { renderDatabaseLoginCheck } from '../renderers/database-login-check';
import { quote } from '../renderers/invalid-input';
import { ContainerJob } from './container-job';
import { brand, isInstance } from './identity';
import { ContainerService, ContainerServiceOptions, HealthcheckOptions } from './container-service';
import type { ServiceNetwork } from './service-network';
import { ConstructValidationError, fail, withPath } from './validation';

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

/** The engines a `DatabaseService` knows how to configure and check. */
export type DatabaseEngine = 'mariadb' | 'mysql';

/** The application's own account, created with the database on its first start. */
export interface DatabaseAppUser {
  /** User name (`MYSQL_USER`). */
  readonly user: string;
  /** The database created for it (`MYSQL_DATABASE`). */
  readonly database: string;
  /** Its password (`MYSQL_PASSWORD`), from a Terraform variable declared with `sensitive: true` and no default. */
  readonly password: TerraformVariable;
}

/** Options of a MySQL-compatible database service. */
export interface DatabaseServiceOptions extends Omit<ContainerServiceOptions, 'image' | 'healthcheck' | 'waitForHealthy' | 'replacement'> {
  /** Root password, from a Terraform variable declared with `sensitive: true` and no default. */
  readonly rootPassword: TerraformVariable;
  /**
   * The application user, created on the first start and checked on every apply (its login is part of
   * the healthcheck and of the login check).
   * @default none: only root
   */
  readonly appUser?: DatabaseAppUser;
  /**
   * Image, pinned by tag: MariaDB or MySQL (or an image built on one of them, with `engine` given).
   * @default 'mariadb:10.11'
   */
  readonly image?: string;
  /**
   * The engine in the image. Other databases (PostgreSQL, ...) are not configured by this construct:
   * run them as a `ContainerService` with a host volume.
   * @default read from the image name ('mariadb' or 'mysql' in it); required otherwise
   */
  readonly engine?: DatabaseEngine;
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
   * Healthcheck.
   * @default the application user logs in over TCP (root answers `ping` without one) every 2 s,
   * 5 retries, 30 s start period
   */
  readonly healthcheck?: HealthcheckOptions;
  /**
   * How long the login check waits for the server to answer on apply.
   * @default 180
   */
  readonly loginTimeoutSeconds?: number;
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

const ENGINES: readonly DatabaseEngine[] = ['mariadb', 'mysql'];
// Healthchecks run by Docker through /bin/sh in the image; mariadb 11 has only the mariadb-* names.
const PING = 'c=$(command -v mariadb-admin || command -v mysqladmin) && "$c" ping --host=127.0.0.1 --silent --connect-timeout=3';
const USER_LOGIN = 'c=$(command -v mariadb || command -v mysql) && MYSQL_PWD="$MYSQL_PASSWORD" "$c" --protocol=TCP --host=127.0.0.1 --connect-timeout=3 --user="$MYSQL_USER" --execute="SELECT 1" "$MYSQL_DATABASE" >/dev/null';

/** The engine an image name says it carries, or a refusal naming the fix. */
function detectEngine(scope: Construct, image: string): DatabaseEngine {
  if (Token.isUnresolved(image)) fail(scope, 'image is known only at apply, so its engine cannot be read from its name: give engine: \'mariadb\' or \'mysql\'');
  const repository = image.split('@')[0].replace(/:[^/]*$/, '').toLowerCase();
  const name = repository.slice(repository.lastIndexOf('/') + 1);
  if (name.includes('mariadb')) return 'mariadb';
  if (name.includes('mysql') || name.includes('percona')) return 'mysql';
  const other = ['postgres', 'mongo', 'redis', 'valkey', 'cassandra', 'cockroach', 'couchdb', 'elasticsearch'].find((o) => name.includes(o));
  return fail(scope, other !== undefined
    ? `image ${quote(image)} is ${other}, not a MySQL-compatible database: DatabaseService configures MariaDB and MySQL only (MYSQL_* variables, their healthcheck and login check); run ${other} as a ContainerService with a host volume for its data`
    : `image ${quote(image)} is not recognisably MariaDB or MySQL: if it is built on one of them, say so with engine: 'mariadb' or 'mysql'; other databases run as a ContainerService with a host volume`);
}

/**
 * The article's `mysql-core`: a MySQL-compatible database with its data on a host volume
 * ("never rely on the container's filesystem"), the root password and the application user's from
 * sensitive variables, a healthcheck, and a longer stop grace period so a replacement shuts the server
 * down cleanly. Usually created with `network.addDatabase(id, options)`.
 *
 * It is replaced stop-first (one server per data directory), and `apply` waits for its login check
 * (`ContainerJob` `<name>-login-check`): it logs in as root and as the application user, and fails the
 * apply with the reason and the fix when the server answers but refuses them (a data directory created
 * with other passwords keeps those). Services that use it do not wait for it (they would force
 * OpenTofu to start a second server, see `ReplacementStrategy`): they must retry their connections.
 */
export class DatabaseService extends ContainerService {
  /** The data directory inside the container. */
  public readonly dataDirectory: string;
  /** Host directory holding the data, when the data is on a host volume. */
  public readonly dataHostPath?: string;
  /** Named volume holding the data, when the data is on a named volume. */
  public readonly dataVolumeName?: string;
  /** The engine in the image. */
  public readonly engine: DatabaseEngine;
  /** The application user, if one is configured. */
  public readonly appUser?: DatabaseAppUser;
  /** The job that checks on apply that root and the application user can log in. */
  public readonly loginCheck: ContainerJob;

  constructor(scope: Construct, id: string, props: DatabaseServiceProps) {
    const { rootPassword, storage, dataDirectory, appUser, engine, loginTimeoutSeconds, ...rest } = props;
    if ((props as { replacement?: unknown }).replacement !== undefined && (props as { replacement?: unknown }).replacement !== 'stop-first') {
      throw new ConstructValidationError(scope, `database '${id}': replacement ${quote((props as { replacement?: unknown }).replacement)} is not possible: two servers cannot share one data directory, so a database is always replaced stop-first; remove the setting`);
    }
    const image = props.image ?? DEFAULT_DATABASE_IMAGE;
    super(scope, id, {
      ...rest,
      image,
      replacement: 'stop-first',
      healthcheck: props.healthcheck ?? {
        command: ['CMD-SHELL', appUser === undefined ? PING : USER_LOGIN],
        intervalSeconds: 2,
        timeoutSeconds: 5,
        retries: 5,
        startPeriodSeconds: 30,
      },
      destroyGraceSeconds: props.destroyGraceSeconds ?? 60,
      memoryMiB: props.memoryMiB ?? 1024,
    });
    brand(this, 'DatabaseService');
    this.engine = engine ?? detectEngine(this, image);
    if (!ENGINES.includes(this.engine)) fail(this, `engine ${quote(this.engine)} must be one of ${ENGINES.map((e) => quote(e)).join(', ')}`);
    this.appUser = appUser;
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
    if (appUser !== undefined) {
      this.addEnv('MYSQL_USER', appUser.user);
      this.addEnv('MYSQL_DATABASE', appUser.database);
      this.addSecretEnv('MYSQL_PASSWORD', appUser.password);
    }

    const checkScript = withPath(this, () => renderDatabaseLoginCheck({
      name: id,
      dataLocation: this.dataHostPath ?? this.dataVolumeName!,
      rootPasswordVariable: `TF_VAR_${rootPassword.friendlyUniqueId}`,
      appUser: appUser === undefined ? undefined : { user: appUser.user, database: appUser.database, passwordVariable: `TF_VAR_${appUser.password.friendlyUniqueId}` },
      timeoutSeconds: loginTimeoutSeconds,
    }));
    this.loginCheck = new ContainerJob(this, 'login-check', {
      provider: this.dockerProvider,
      containerName: `${this.baseContainerName}-login-check`,
      image,
      namespacesOf: this.container,
      command: ['/bin/sh', '/kvms/login-check.sh'],
      failureMessage: `DatabaseService [${this.node.path}]: the database is not usable:`,
      uploads: [{ path: '/kvms/login-check.sh', content: checkScript, executable: true }],
      environment: appUser === undefined ? {} : { MYSQL_USER: appUser.user, MYSQL_DATABASE: appUser.database },
      secretEnvironment: { MYSQL_ROOT_PASSWORD: rootPassword, ...(appUser === undefined ? {} : { MYSQL_PASSWORD: appUser.password }) },
    });

    // Two servers on one data directory corrupt it.
    for (const other of this.network.services) {
      if (other !== this && isInstance(other, DatabaseService, 'DatabaseService') && other.dockerProvider === this.dockerProvider &&
        other.dataHostPath !== undefined && other.dataHostPath === this.dataHostPath) {
        fail(this, `storage.hostPath ${quote(this.dataHostPath)} is already the data directory of database '${other.node.id}' on the same Docker host; give each database its own directory`);
      }
    }
  }

  /** Dependents wait for the login check: the server answers and takes the configured passwords. */
  protected readinessAddress(): string {
    return `${this.loginCheck.container.terraformResourceType}.${this.loginCheck.container.friendlyUniqueId}`;
  }

  /** The login check is the wait; the container itself is not waited for. */
  protected waitsForHealthyWhenDependedOn(): boolean {
    return false;
  }
}
