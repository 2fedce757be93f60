import 'cdktf/lib/testing/adapters/jest'; // types of the cdktf jest matchers
import { Container } from '@cdktf/provider-docker/lib/container';
import { DockerProvider } from '@cdktf/provider-docker/lib/provider';
import { Volume } from '@cdktf/provider-docker/lib/volume';
import { TerraformStack, TerraformVariable, Testing } from 'cdktf';
import { DatabaseServiceOptions, DEFAULT_DATABASE_HOST_PATH, DEFAULT_DATABASE_IMAGE } from '../../../constructs/database-service';
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

function container(synth: string): Record<string, unknown> {
  return Object.values(JSON.parse(synth).resource.docker_container)[0] as Record<string, unknown>;
}

describe('DatabaseService', () => {
  test('defaults: pinned mariadb, data on /opt/data/mysql, healthcheck, wait, clean stop', () => {
    const { db, synth } = synthDatabase();
    expect(synth).toHaveResourceWithProperties(Container, {
      name: 'dev-services-mysql-core',
      image: 'mariadb:10.11',
      volumes: [{ host_path: '/opt/data/mysql', container_path: '/var/lib/mysql' }],
      healthcheck: {
        test: ['CMD', 'mysqladmin', 'ping', '--host=127.0.0.1', '--silent'],
        interval: '10s', timeout: '5s', retries: 10, start_period: '30s',
      },
      wait: true,
      wait_timeout: 180,
      destroy_grace_seconds: 60,
      memory: 1024,
      restart: 'unless-stopped',
      log_driver: 'json-file',
    });
    expect(container(synth)).not.toHaveProperty('ports');
    expect(db.image).toBe(DEFAULT_DATABASE_IMAGE);
    expect(db.dataHostPath).toBe(DEFAULT_DATABASE_HOST_PATH);
    expect(db.dataDirectory).toBe('/var/lib/mysql');
    expect(db.waitsForHealthy).toBe(true);
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
    const { synth } = synthDatabase({ image: 'mysql:8.4' });
    expect(synth).toHaveResourceWithProperties(Container, { image: 'mysql:8.4' });
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
      wait: true,
    });
  });

  test('container options pass through (limits, grace, wait timeout, tmpfs, ports)', () => {
    const { synth } = synthDatabase({
      memoryMiB: 2048, destroyGraceSeconds: 120, waitTimeoutSeconds: 300, tmpfs: { '/tmp': 'rw' },
      ports: [{ containerPort: 3306, hostPort: 13306 }],
    });
    expect(synth).toHaveResourceWithProperties(Container, {
      memory: 2048, memory_swap: 2048, destroy_grace_seconds: 120, wait_timeout: 300, tmpfs: { '/tmp': 'rw' },
      ports: [{ internal: 3306, external: 13306, ip: '127.0.0.1', protocol: 'tcp' }],
    });
  });

  test('plain environment next to the secret', () => {
    const { synth } = synthDatabase({ environment: { MYSQL_DATABASE: 'shop' } });
    expect(synth).toHaveResourceWithProperties(Container, { env: ['MYSQL_DATABASE=shop', 'MYSQL_ROOT_PASSWORD=${var.db_root_password}'] });
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
  test('fails when the root password variable is not sensitive', () => {
    const { stack, network } = setup();
    const plain = new TerraformVariable(stack, 'plain_password', { type: 'string' });
    expect(() => network.addDatabase('mysql-core', { rootPassword: plain })).toThrow(
      'secret environment variable "MYSQL_ROOT_PASSWORD" takes variable \'plain_password\', which is not sensitive: declare it with sensitive: true',
    );
  });
});
