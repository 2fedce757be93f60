import 'cdktf/lib/testing/adapters/jest'; // types of the cdktf jest matchers
import { Container } from '@cdktf/provider-docker/lib/container';
import { DockerProvider } from '@cdktf/provider-docker/lib/provider';
import { Volume } from '@cdktf/provider-docker/lib/volume';
import { TerraformStack, TerraformVariable, Testing } from 'cdktf';
import { ContainerService, FINGERPRINT_LABEL } from '../../../constructs/container-service';
import { DatabaseService, DatabaseServiceOptions, DEFAULT_DATABASE_HOST_PATH, DEFAULT_DATABASE_IMAGE } from '../../../constructs/database-service';
import { terraformLiteral } from '../../../constructs/terraform-literal';
import { renderDatabaseLoginCheck } from '../../../renderers/database-login-check';
import { ServiceNetwork } from '../../../constructs/service-network';

function setup() {
  const app = Testing.app();
  const stack = new TerraformStack(app, 'dev');
  const provider = new DockerProvider(stack, 'docker', {});
  const network = new ServiceNetwork(stack, 'services', { provider });
  const rootPassword = new TerraformVariable(stack, 'db_root_password', { type: 'string', sensitive: true });
  return { stack, provider, network, rootPassword };
}

function synthDatabase(options: Partial<DatabaseServiceOptions> = {}) {
  const { stack, network, rootPassword } = setup();
  const db = network.addDatabase('mysql-core', { rootPassword, ...options });
  return { db, stack, synth: Testing.synth(stack, true) };
}

/** The synthesized docker_container of a service (the database's own, not its login check). */
function container(synth: string, service?: ContainerService): Record<string, any> {
  const all = JSON.parse(synth).resource.docker_container;
  if (service !== undefined) return all[service.container.friendlyUniqueId];
  return Object.values(all).find((c: any) => !String(c.name).endsWith('-login-check')) as Record<string, any>;
}

/** The synthesized login check job of a database. */
function loginCheck(synth: string, db: DatabaseService): Record<string, any> {
  return JSON.parse(synth).resource.docker_container[db.loginCheck.container.friendlyUniqueId];
}

const PING = 'c=$(command -v mariadb-admin || command -v mysqladmin) && "$c" ping --host=127.0.0.1 --silent --connect-timeout=3';
const USER_LOGIN = 'c=$(command -v mariadb || command -v mysql) && MYSQL_PWD="$MYSQL_PASSWORD" "$c" --protocol=TCP --host=127.0.0.1 --connect-timeout=3 --user="$MYSQL_USER" --execute="SELECT 1" "$MYSQL_DATABASE" >/dev/null';

describe('DatabaseService', () => {
  test('defaults: pinned mariadb, data on /opt/data/mysql, stop-first, ping healthcheck, clean stop', () => {
    const { db, synth } = synthDatabase();
    expect(container(synth, db)).toMatchObject({
      name: 'dev-services-mysql-core',
      image: 'mariadb:10.11',
      volumes: [{ host_path: '/opt/data/mysql', container_path: '/var/lib/mysql' }],
      healthcheck: { test: ['CMD-SHELL', PING], interval: '2s', timeout: '5s', retries: 5, start_period: '30s' },
      labels: [{ label: FINGERPRINT_LABEL, value: `\${local.${db.version.friendlyUniqueId}}` }],
      destroy_grace_seconds: 60,
      stop_timeout: 60,
      memory: 1024,
      restart: 'unless-stopped',
      log_driver: 'json-file',
    });
    // the login check is what apply waits for; the container itself is not waited for
    for (const key of ['ports', 'wait', 'lifecycle']) expect(container(synth, db)).not.toHaveProperty(key);
    expect(db.image).toBe(DEFAULT_DATABASE_IMAGE);
    expect(db.engine).toBe('mariadb');
    expect(db.replacement).toBe('stop-first');
    expect(db.dataHostPath).toBe(DEFAULT_DATABASE_HOST_PATH);
    expect(db.dataDirectory).toBe('/var/lib/mysql');
    expect(db.appUser).toBeUndefined();
    expect(db.waitsForHealthy).toBe(false);
  });

  test('the login check runs the rendered script in the database\'s namespaces and fails the apply with its output', () => {
    const { db, synth } = synthDatabase();
    const script = renderDatabaseLoginCheck({ name: 'mysql-core', dataLocation: '/opt/data/mysql', rootPasswordVariable: 'TF_VAR_db_root_password' });
    // (what every one-shot job is, attached and left exited, is ContainerJob's test)
    expect(loginCheck(synth, db)).toMatchObject({
      provider: 'docker',
      name: 'dev-services-mysql-core-login-check',
      image: 'mariadb:10.11',
      command: ['/bin/sh', '/kvms/login-check.sh'],
      env: ['MYSQL_ROOT_PASSWORD=${var.db_root_password}'],
      network_mode: `container:\${docker_container.${db.container.friendlyUniqueId}.id}`,
      pid_mode: `container:\${docker_container.${db.container.friendlyUniqueId}.id}`,
      attach: true,
      must_run: false,
      upload: [{ file: '/kvms/login-check.sh', content: terraformLiteral(script), executable: true }],
      lifecycle: {
        postcondition: [{
          condition: '${self.exit_code == 0}',
          error_message: 'DatabaseService [dev/services/mysql-core]: the database is not usable:\n${self.container_logs}\nWhen the cause is fixed outside this configuration, run the check again: tofu apply -replace=docker_container.services_mysql-core_login-check_container_C09FA65E',
        }],
      },
    });
  });

  test('appUser: created on the first start, its login is the healthcheck, and the login check tries it too', () => {
    const { stack, network, rootPassword } = setup();
    const password = new TerraformVariable(stack, 'db_app_password', { type: 'string', sensitive: true });
    const db = network.addDatabase('mysql-core', { rootPassword, appUser: { user: 'shop', database: 'shop', password } });
    const synth = Testing.synth(stack, true);
    expect(container(synth, db)).toMatchObject({
      env: ['MYSQL_USER=shop', 'MYSQL_DATABASE=shop', 'MYSQL_ROOT_PASSWORD=${var.db_root_password}', 'MYSQL_PASSWORD=${var.db_app_password}'],
      healthcheck: { test: ['CMD-SHELL', USER_LOGIN], interval: '2s' },
    });
    const script = renderDatabaseLoginCheck({
      name: 'mysql-core', dataLocation: '/opt/data/mysql', rootPasswordVariable: 'TF_VAR_db_root_password',
      appUser: { user: 'shop', database: 'shop', passwordVariable: 'TF_VAR_db_app_password' },
    });
    expect(loginCheck(synth, db)).toMatchObject({
      env: ['MYSQL_USER=shop', 'MYSQL_DATABASE=shop', 'MYSQL_ROOT_PASSWORD=${var.db_root_password}', 'MYSQL_PASSWORD=${var.db_app_password}'],
      upload: [{ file: '/kvms/login-check.sh', content: terraformLiteral(script), executable: true }],
    });
    expect(db.appUser).toEqual({ user: 'shop', database: 'shop', password });
    expect(synth).not.toContain('strongpassword123');
  });

  test('a named volume names the volume in the login check\'s message', () => {
    const { db, synth } = synthDatabase({ storage: { volumeName: 'mysql-data' }, loginTimeoutSeconds: 60 });
    expect(loginCheck(synth, db).upload[0].content).toBe(
      terraformLiteral(renderDatabaseLoginCheck({ name: 'mysql-core', dataLocation: 'mysql-data', rootPasswordVariable: 'TF_VAR_db_root_password', timeoutSeconds: 60 })),
    );
  });

  test('services that use it wait for its login check, or, when start-first, for nothing', () => {
    // GIVEN a database, a stop-first admin tool and a start-first web app that link it
    const { stack, network, rootPassword } = setup();
    const db = network.addDatabase('mysql-core', { rootPassword });
    const admin = network.addService('admin', { image: 'adminer:4.8', ports: [{ containerPort: 8080, hostPort: 8081 }] });
    const web = network.addService('web', { image: 'my-php-app:1.0' });
    admin.link(db, 'db');
    web.link(db, 'db');
    const synth = Testing.synth(stack, true);
    // THEN the stop-first one is created after the login check passed
    expect(container(synth, admin).depends_on).toEqual([`docker_container.${db.loginCheck.container.friendlyUniqueId}`]);
    // AND the start-first one has no edge (it would force create_before_destroy onto the database)
    expect(container(synth, web)).not.toHaveProperty('depends_on');
    // AND the database itself is still not waited for, nor replaced create-before-destroy
    expect(container(synth, db)).not.toHaveProperty('wait');
    expect(container(synth, db)).not.toHaveProperty('lifecycle');
    expect(db.aliases).toEqual(['mysql-core', 'db']);
  });

  test('the root password is a variable reference and never a literal in the JSON', () => {
    // GIVEN the password exists only in the environment of the process that will run tofu
    const before = process.env.TF_VAR_db_root_password;
    process.env.TF_VAR_db_root_password = 'strongpassword123';
    try {
      const { synth } = synthDatabase();
      // THEN only a ${var.…} reference reaches cdk.tf.json, and the variable is sensitive without a default
      expect(container(synth).env).toEqual(['MYSQL_ROOT_PASSWORD=${var.db_root_password}']);
      expect(JSON.parse(synth).variable).toEqual({ db_root_password: { type: 'string', sensitive: true } });
      expect(synth).not.toContain('strongpassword123');
    } finally {
      if (before === undefined) delete process.env.TF_VAR_db_root_password;
      else process.env.TF_VAR_db_root_password = before;
    }
  });

  test('image', () => {
    const { db, synth } = synthDatabase({ image: 'mysql:8.4' });
    expect(synth).toHaveResourceWithProperties(Container, { image: 'mysql:8.4' });
    expect(loginCheck(synth, db).image).toBe('mysql:8.4');
  });

  test.each([
    ['mariadb:11.4', 'mariadb'],
    ['registry.local:5000/team/mariadb:10.11', 'mariadb'],
    ['bitnami/mariadb-galera:11.4', 'mariadb'],
    ['mysql:8.4', 'mysql'],
    ['MySQL/MySQL-Server:8.0', 'mysql'],
    ['percona:8.0', 'mysql'],
    ['kvms/mariadb@sha256:' + 'a'.repeat(64), 'mariadb'],
  ])('detects the engine of %s as %s', (image, engine) => {
    expect(synthDatabase({ image }).db.engine).toBe(engine);
  });

  test('an image of another name is taken when its engine is given', () => {
    const { db, synth } = synthDatabase({ image: 'shop/db:3.1', engine: 'mysql' });
    expect(db.engine).toBe('mysql');
    expect(synth).toHaveResourceWithProperties(Container, { image: 'shop/db:3.1' });
  });

  test('storage.hostPath', () => {
    const { db, synth } = synthDatabase({ storage: { hostPath: '/srv/prod/mysql' } });
    expect(synth).toHaveResourceWithProperties(Container, { volumes: [{ host_path: '/srv/prod/mysql', container_path: '/var/lib/mysql' }] });
    expect(db.dataHostPath).toBe('/srv/prod/mysql');
  });

  test('storage.volumeName uses a named Docker volume', () => {
    const { db, synth } = synthDatabase({ storage: { volumeName: 'mysql-data' } });
    expect(synth).toHaveResourceWithProperties(Volume, { name: 'mysql-data' });
    expect(synth).toHaveResourceWithProperties(Container, {
      volumes: [{ volume_name: `\${docker_volume.${db.namedVolumeMounts[0].volume.friendlyUniqueId}.name}`, container_path: '/var/lib/mysql' }],
    });
    expect(db.dataHostPath).toBeUndefined();
    expect(db.dataVolumeName).toBe('mysql-data');
  });

  test('dataDirectory', () => {
    const { synth } = synthDatabase({ dataDirectory: '/data/mysql' });
    expect(synth).toHaveResourceWithProperties(Container, { volumes: [{ host_path: '/opt/data/mysql', container_path: '/data/mysql' }] });
  });

  test('healthcheck override', () => {
    const { synth } = synthDatabase({ healthcheck: { command: ['CMD', 'healthcheck.sh', '--connect', '--innodb_initialized'], startPeriodSeconds: 60 } });
    expect(synth).toHaveResourceWithProperties(Container, {
      healthcheck: expect.objectContaining({ test: ['CMD', 'healthcheck.sh', '--connect', '--innodb_initialized'], start_period: '60s' }),
    });
  });

  test('container options pass through (limits, grace, tmpfs, ports)', () => {
    const { synth } = synthDatabase({
      memoryMiB: 2048, destroyGraceSeconds: 120, tmpfs: { '/tmp': 'rw' },
      ports: [{ containerPort: 3306, hostPort: 13306 }],
    });
    expect(synth).toHaveResourceWithProperties(Container, {
      memory: 2048, memory_swap: 2048, destroy_grace_seconds: 120, stop_timeout: 120, tmpfs: { '/tmp': 'rw' },
      ports: [{ internal: 3306, external: 13306, ip: '127.0.0.1', protocol: 'tcp' }],
    });
  });

  test('a named data volume is possible: a database is always stop-first', () => {
    const { db } = synthDatabase({ storage: { volumeName: 'mysql-data' } });
    expect(db.namedVolumeMounts.map((m) => m.containerPath)).toEqual(['/var/lib/mysql']);
  });

  test('plain environment next to the secret', () => {
    const { synth } = synthDatabase({ environment: { MYSQL_DATABASE: 'shop' } });
    expect(container(synth).env).toEqual(['MYSQL_DATABASE=shop', 'MYSQL_ROOT_PASSWORD=${var.db_root_password}']);
  });

  test('two databases on different host directories', () => {
    const { stack, network, rootPassword } = setup();
    network.addDatabase('orders-db', { rootPassword, storage: { hostPath: '/opt/data/orders' } });
    network.addDatabase('stock-db', { rootPassword, storage: { hostPath: '/opt/data/stock' } });
    expect(Testing.synth(stack)).toHaveResourceWithProperties(Container, { volumes: [expect.objectContaining({ host_path: '/opt/data/stock' })] });
  });
});

describe('DatabaseService guards', () => {
  test('fails when the database has no persistent volume', () => {
    expect(() => synthDatabase({ storage: {} })).toThrow(
      'DatabaseService [dev/services/mysql-core]: storage "{}" keeps no persistent volume, so the data would vanish with the container; set storage.hostPath (e.g. "/opt/data/mysql") or storage.volumeName',
    );
  });
  test('fails when storage sets both a host path and a volume', () => {
    expect(() => synthDatabase({ storage: { hostPath: '/opt/data/mysql', volumeName: 'mysql-data' } })).toThrow(
      'storage sets both hostPath "/opt/data/mysql" and volumeName "mysql-data"; choose one',
    );
  });
  test('fails when a tmpfs covers the data directory', () => {
    expect(() => synthDatabase({ tmpfs: { '/var/lib': 'rw' } })).toThrow(
      'tmpfs over the data directory "/var/lib/mysql" is not persistent: the data would vanish with the container; remove that tmpfs entry',
    );
  });
  test('fails when the data host path is relative', () => {
    expect(() => synthDatabase({ storage: { hostPath: 'data/mysql' } })).toThrow('host volume path "data/mysql" must be absolute and normalized');
  });
  test('fails when two databases share a data directory on one host', () => {
    const { network, rootPassword } = setup();
    network.addDatabase('orders-db', { rootPassword });
    expect(() => network.addDatabase('stock-db', { rootPassword })).toThrow(
      'DatabaseService [dev/services/stock-db]: storage.hostPath "/opt/data/mysql" is already the data directory of database \'orders-db\' on the same Docker host; give each database its own directory',
    );
  });
  test('fails when another replacement is asked for', () => {
    expect(() => synthDatabase({ replacement: 'start-first' } as Partial<DatabaseServiceOptions>)).toThrow(
      'ServiceNetwork [dev/services]: database \'mysql-core\': replacement "start-first" is not possible: two servers cannot share one data directory, so a database is always replaced stop-first; remove the setting',
    );
  });
  test('passes replacement stop-first, the one it has', () => {
    expect(synthDatabase({ replacement: 'stop-first' } as Partial<DatabaseServiceOptions>).db.replacement).toBe('stop-first');
  });
  test.each([
    ['postgres:16.2', 'postgres'],
    ['bitnami/redis:7.2', 'redis'],
    ['mongo:7', 'mongo'],
  ])('fails when the image %s is %s, not MySQL-compatible', (image, other) => {
    expect(() => synthDatabase({ image })).toThrow(
      `DatabaseService [dev/services/mysql-core]: image "${image}" is ${other}, not a MySQL-compatible database: DatabaseService configures MariaDB and MySQL only (MYSQL_* variables, their healthcheck and login check); run ${other} as a ContainerService with a host volume for its data`,
    );
  });
  test('fails when the engine cannot be read from the image name', () => {
    expect(() => synthDatabase({ image: 'shop/db:3.1' })).toThrow(
      'DatabaseService [dev/services/mysql-core]: image "shop/db:3.1" is not recognisably MariaDB or MySQL: if it is built on one of them, say so with engine: \'mariadb\' or \'mysql\'; other databases run as a ContainerService with a host volume',
    );
  });
  test('fails when the image is known only at apply and no engine is given', () => {
    const { stack, network, rootPassword } = setup();
    const image = new TerraformVariable(stack, 'db_image', { type: 'string' });
    expect(() => network.addDatabase('mysql-core', { rootPassword, image: image.stringValue })).toThrow(
      'DatabaseService [dev/services/mysql-core]: image is known only at apply, so its engine cannot be read from its name: give engine: \'mariadb\' or \'mysql\'',
    );
    expect(network.addDatabase('other-db', { rootPassword, image: image.stringValue, engine: 'mariadb', storage: { hostPath: '/opt/data/other' } }).engine).toBe('mariadb');
  });
  test('fails when the engine is not one it knows', () => {
    expect(() => synthDatabase({ image: 'shop/db:3.1', engine: 'postgres' as never })).toThrow(
      'DatabaseService [dev/services/mysql-core]: engine "postgres" must be one of "mariadb", "mysql"',
    );
  });
  test('fails when the app user\'s password variable is not sensitive', () => {
    const { stack, network, rootPassword } = setup();
    const password = new TerraformVariable(stack, 'db_app_password', { type: 'string' });
    expect(() => network.addDatabase('mysql-core', { rootPassword, appUser: { user: 'shop', database: 'shop', password } })).toThrow(
      'DatabaseService [dev/services/mysql-core]: secret environment variable "MYSQL_PASSWORD" takes variable \'db_app_password\', which is not sensitive: declare it with sensitive: true',
    );
  });
  test('fails when the app user name could break out of the login check', () => {
    const { stack, network, rootPassword } = setup();
    const password = new TerraformVariable(stack, 'db_app_password', { type: 'string', sensitive: true });
    expect(() => network.addDatabase('mysql-core', { rootPassword, appUser: { user: 'shop"; reboot', database: 'shop', password } })).toThrow(
      'DatabaseService [dev/services/mysql-core]: appUser.user "shop\\"; reboot" must contain only letters, digits and . _ / - (it is written into the login check\'s messages)',
    );
  });
  test('fails when the login timeout is zero', () => {
    expect(() => synthDatabase({ loginTimeoutSeconds: 0 })).toThrow(
      'DatabaseService [dev/services/mysql-core]: timeoutSeconds 0 must be a whole number of seconds, at least 1',
    );
  });
  test('fails when the root password variable is not sensitive', () => {
    const { stack, network } = setup();
    const plain = new TerraformVariable(stack, 'plain_password', { type: 'string' });
    expect(() => network.addDatabase('mysql-core', { rootPassword: plain })).toThrow(
      'secret environment variable "MYSQL_ROOT_PASSWORD" takes variable \'plain_password\', which is not sensitive: declare it with sensitive: true',
    );
  });
});
