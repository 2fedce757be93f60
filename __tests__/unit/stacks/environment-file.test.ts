import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { EnvironmentConfig } from '../../../stacks/environment-config';
import { EnvironmentFileError, loadEnvironmentFile } from '../../../stacks/environment-file';
import { DEV, PROD, STAGING } from '../../../stacks/environments';

type Json = Record<string, any>;

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kvms-env-file-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Writes `content` (text as is, anything else as JSON) to `name` in the temp dir and returns its path. */
function write(name: string, content: unknown): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return file;
}

/** A deep, mutable copy of a default environment, to break one key at a time. */
function copy(config: EnvironmentConfig): Json {
  return JSON.parse(JSON.stringify(config));
}

// The staging environment as a team would write it by hand.
const STAGING_YAML = `# staging: two KVM hosts, two replicas per pool
name: staging
hosting:
  kind: kvm
  libvirtUri: qemu:///system
  networkCidr: 192.168.140.0/24
  baseImage: https://cloud.debian.org/images/cloud/bookworm/20250428-2097/debian-12-generic-amd64-20250428-2097.qcow2
  sshPublicKeys:
    - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBQrGv5cChVQ2vRiUSbpBHOKF1RBz8NITMeFrghwjgnP example-ops-key (replace me)
  virtualization: kvm
  hosts:
    - { name: staging-kvm-1, vcpus: 2, memoryMiB: 2048, diskSizeGiB: 20 }
    - { name: staging-kvm-2, vcpus: 2, memoryMiB: 2048, diskSizeGiB: 20 }
storefront:
  image: registry.example.no/shop/storefront:1.4.2
  replicas: 2
  containerPort: 8080
  memoryMiB: 256
  cpus: 1
inventory:
  image: registry.example.no/shop/inventory-api:2.1.0
  replicas: 2
  containerPort: 5000
  memoryMiB: 256
  cpus: 1
database:
  image: mariadb:10.11
  hostPath: /opt/data/mysql
  memoryMiB: 1024
gateway:
  image: nginx:1.26
  hostPort: 80
  hostAddress: 0.0.0.0
  serverNames: [shop.staging.example.no]
sysctl: {}
backend:
  kind: local
residency:
  hostsIn: 'NO'
  allowed: ['NO']
`;

describe('loadEnvironmentFile', () => {
  test('a YAML file gives the same config as the equivalent object', () => {
    expect(loadEnvironmentFile(write('staging.yaml', STAGING_YAML))).toEqual(STAGING);
  });

  test('a JSON file gives the same config as the equivalent object', () => {
    expect(loadEnvironmentFile(write('prod.json', PROD))).toEqual(PROD);
    expect(loadEnvironmentFile(write('dev.json', DEV))).toEqual(DEV);
  });

  test('.yml is YAML too, and YAML and JSON of one environment load alike', () => {
    const fromYaml = loadEnvironmentFile(write('staging.yml', STAGING_YAML));
    const fromJson = loadEnvironmentFile(write('staging.json', STAGING));

    expect(fromYaml).toEqual(fromJson);
  });

  test('sysctl and backend are optional: no overrides, local state', () => {
    const { sysctl, backend, ...rest } = copy(DEV);

    expect(loadEnvironmentFile(write('minimal.json', rest))).toEqual({ ...DEV, sysctl: {}, backend: { kind: 'local' } });
  });

  test('the optional keys of each variant are accepted: a Docker socket, a pg or s3 backend, a healthcheck', () => {
    const config: Json = {
      ...copy(DEV),
      hosting: { kind: 'local', dockerSocket: 'unix:///run/user/1000/docker.sock' },
      backend: { kind: 's3', bucket: 'team-state', key: 'shop/dev.tfstate', region: 'eu-north-1' },
      sysctl: { 'net.core.somaxconn': 8192 },
    };

    expect(loadEnvironmentFile(write('variants.json', config))).toEqual(config);
    expect(loadEnvironmentFile(write('pg.json', { ...config, backend: { kind: 'pg', schemaName: 'shop_dev' } })).backend).toEqual({ kind: 'pg', schemaName: 'shop_dev' });
  });
});

describe('loadEnvironmentFile errors name the file, the key and the fix', () => {
  test('fails when the environment name is not a DNS label', () => {
    const file = write('bad-name.json', { ...copy(DEV), name: 'My Env' });

    expect(() => loadEnvironmentFile(file)).toThrow(
      new Error(`environment file bad-name.json: name: "My Env" is not allowed; use lowercase letters, digits and '-', starting with a letter, at most 31 characters, like "qa-2"`),
    );
  });

  test('fails when a top-level key is unknown', () => {
    const file = write('typo-top.yaml', `${STAGING_YAML}replica: 2\n`);

    expect(() => loadEnvironmentFile(file)).toThrow(
      new Error('environment file typo-top.yaml: replica: unknown key; the keys here are name, hosting, storefront, inventory, database, gateway, sysctl, residency, backend (check the spelling)'),
    );
  });

  test('fails when a nested key is unknown', () => {
    const config = copy(DEV);
    config.storefront.memoryMb = 256;
    const file = write('typo-nested.json', config);

    expect(() => loadEnvironmentFile(file)).toThrow(
      new Error('environment file typo-nested.json: storefront.memoryMb: unknown key; the keys here are image, replicas, containerPort, memoryMiB, cpus, healthcheckCommand (check the spelling)'),
    );
  });

  test('fails when a key belongs to another hosting kind', () => {
    const file = write('wrong-variant.json', { ...copy(DEV), hosting: { kind: 'local', libvirtUri: 'qemu:///system' } });

    expect(() => loadEnvironmentFile(file)).toThrow(
      new Error('environment file wrong-variant.json: hosting.libvirtUri: unknown key; the keys here are kind, dockerSocket (check the spelling)'),
    );
  });

  test.each(['toString', 'constructor', '__proto__'])('fails when an unknown key is named like an Object member (%s)', (key) => {
    // JSON.parse makes even "__proto__" an own key of the parsed object
    const file = write(`member-${key}.json`, JSON.stringify(copy(DEV)).replace(/^\{/, `{"${key}": 1,`));

    expect(() => loadEnvironmentFile(file)).toThrow(
      new Error(`environment file member-${key}.json: ${key}: unknown key; the keys here are name, hosting, storefront, inventory, database, gateway, sysctl, residency, backend (check the spelling)`),
    );
  });

  test('fails when a number is given as a string', () => {
    const file = write('wrong-type.yaml', STAGING_YAML.replace('  replicas: 2\n', '  replicas: "2"\n'));

    expect(() => loadEnvironmentFile(file)).toThrow(
      new Error('environment file wrong-type.yaml: storefront.replicas: expected a whole number (1 to 50), got the string "2"'),
    );
  });

  test('fails when a whole number has a fraction', () => {
    const config = copy(DEV);
    config.inventory.replicas = 1.5;
    const file = write('fraction.json', config);

    expect(() => loadEnvironmentFile(file)).toThrow(
      new Error('environment file fraction.json: inventory.replicas: expected a whole number (1 to 50), got number 1.5'),
    );
  });

  test('fails when a list is given a single string', () => {
    const config = copy(DEV);
    config.gateway.serverNames = 'shop.dev.example.no';
    const file = write('not-a-list.json', config);

    expect(() => loadEnvironmentFile(file)).toThrow(
      new Error('environment file not-a-list.json: gateway.serverNames: expected a list of non-empty strings, got the string "shop.dev.example.no"'),
    );
  });

  test('fails when a string is empty', () => {
    const file = write('empty-name.json', { ...copy(DEV), name: '' });

    expect(() => loadEnvironmentFile(file)).toThrow(new Error('environment file empty-name.json: name: expected a non-empty string, got the string ""'));
  });

  test('fails when a mapping is a list', () => {
    const file = write('list.yaml', '- name: dev\n');

    expect(() => loadEnvironmentFile(file)).toThrow(
      new Error('environment file list.yaml: expected a mapping of keys (name, hosting, storefront, inventory, database, gateway, sysctl, residency, backend), got a list'),
    );
  });

  test('fails when the file is empty', () => {
    const file = write('empty.yaml', '');

    expect(() => loadEnvironmentFile(file)).toThrow(
      new Error('environment file empty.yaml: expected a mapping of keys (name, hosting, storefront, inventory, database, gateway, sysctl, residency, backend), got null'),
    );
  });

  test('fails when a required top-level key is missing', () => {
    const { gateway, ...rest } = copy(DEV);
    const file = write('no-gateway.json', rest);

    expect(() => loadEnvironmentFile(file)).toThrow(
      new Error('environment file no-gateway.json: gateway: is required; add it (a mapping with image, hostPort, hostAddress, serverNames)'),
    );
  });

  test('fails when a required nested key is missing', () => {
    const file = write('no-host-path.yaml', STAGING_YAML.replace('  hostPath: /opt/data/mysql\n', ''));

    expect(() => loadEnvironmentFile(file)).toThrow(new Error('environment file no-host-path.yaml: database.hostPath: is required; add it (a non-empty string)'));
  });

  test('fails when a number is above its range', () => {
    const config = copy(DEV);
    config.gateway.hostPort = 70000;
    const file = write('port.json', config);

    expect(() => loadEnvironmentFile(file)).toThrow(new Error('environment file port.json: gateway.hostPort: 70000 is out of range; use 1 to 65535'));
  });

  test('fails when a number is below its range, in a list item', () => {
    const file = write('vcpus.yaml', STAGING_YAML.replace('{ name: staging-kvm-2, vcpus: 2,', '{ name: staging-kvm-2, vcpus: 0,'));

    expect(() => loadEnvironmentFile(file)).toThrow(new Error('environment file vcpus.yaml: hosting.hosts[1].vcpus: 0 is out of range; use at least 1'));
  });

  test('fails when a value is not one of its choices', () => {
    const file = write('xen.yaml', STAGING_YAML.replace('  virtualization: kvm\n', '  virtualization: xen\n'));

    expect(() => loadEnvironmentFile(file)).toThrow(new Error('environment file xen.yaml: hosting.virtualization: "xen" is not one of kvm, qemu'));
  });

  test('fails when the hosting kind is unknown', () => {
    const file = write('ec2.json', { ...copy(DEV), hosting: { kind: 'ec2' } });

    expect(() => loadEnvironmentFile(file)).toThrow(new Error('environment file ec2.json: hosting.kind: must be one of local, kvm, got the string "ec2"'));
  });

  test('fails when the hosting kind is missing', () => {
    const file = write('no-kind.json', { ...copy(DEV), hosting: {} });

    expect(() => loadEnvironmentFile(file)).toThrow(new Error('environment file no-kind.json: hosting.kind: must be one of local, kvm, got nothing'));
  });

  test('fails when the backend kind is unknown', () => {
    const file = write('consul.json', { ...copy(DEV), backend: { kind: 'consul' } });

    expect(() => loadEnvironmentFile(file)).toThrow(new Error('environment file consul.json: backend.kind: must be one of local, pg, s3, got the string "consul"'));
  });

  test('fails when a backend misses a key of its kind', () => {
    const file = write('s3.json', { ...copy(DEV), backend: { kind: 's3', bucket: 'team-state', key: 'dev.tfstate' } });

    expect(() => loadEnvironmentFile(file)).toThrow(new Error('environment file s3.json: backend.region: is required; add it (a non-empty string)'));
  });

  test('fails when the list of hosts is empty', () => {
    const config = copy(STAGING);
    config.hosting.hosts = [];
    const file = write('no-hosts.json', config);

    expect(() => loadEnvironmentFile(file)).toThrow(new Error('environment file no-hosts.json: hosting.hosts: needs at least 1 entry; add one'));
  });

  test('fails when the list of SSH keys is empty', () => {
    const file = write('no-keys.yaml', STAGING_YAML.replace(/  sshPublicKeys:\n    - .*\n/, '  sshPublicKeys: []\n'));

    expect(() => loadEnvironmentFile(file)).toThrow(new Error('environment file no-keys.yaml: hosting.sshPublicKeys: needs at least 1 entry; add one'));
  });

  test('fails when sysctl is not a mapping', () => {
    const file = write('sysctl.yaml', STAGING_YAML.replace('sysctl: {}\n', 'sysctl:\n  - net.core.somaxconn=4096\n'));

    expect(() => loadEnvironmentFile(file)).toThrow(new Error('environment file sysctl.yaml: sysctl: expected a mapping, got a list'));
  });

  test('fails when the file cannot be read', () => {
    const file = path.join(dir, 'missing.yaml');

    expect(() => loadEnvironmentFile(file)).toThrow(new Error(`environment file missing.yaml: cannot be read; check the path ${JSON.stringify(file)}`));
  });

  test('fails when the path is a directory', () => {
    const sub = path.join(dir, 'envs.json');
    fs.mkdirSync(sub);

    expect(() => loadEnvironmentFile(sub)).toThrow(new Error(`environment file envs.json: cannot be read; check the path ${JSON.stringify(sub)}`));
  });

  test('fails when the JSON is invalid, with the parser\'s reason', () => {
    const file = write('trailing-comma.json', '{ "name": "dev", }');

    // the reason's wording belongs to the JavaScript engine; the position is what the user needs
    expect(() => loadEnvironmentFile(file)).toThrow(/^environment file trailing-comma\.json: is not valid JSON \(.*position 17.*\)$/);
  });

  test('fails when the YAML is invalid, with the line and column', () => {
    const file = write('tabs.yaml', 'name: dev\nhosting:\n\tkind: local\n');

    expect(() => loadEnvironmentFile(file)).toThrow(
      new Error('environment file tabs.yaml: is not valid YAML (Tabs are not allowed as indentation at line 3, column 1:)'),
    );
  });

  test('fails when a YAML key is repeated', () => {
    const file = write('twice.yaml', `${STAGING_YAML}name: prod\n`);

    expect(() => loadEnvironmentFile(file)).toThrow(/^environment file twice\.yaml: is not valid YAML \(Map keys must be unique at line \d+, column 1:\)$/);
  });

  test('errors are EnvironmentFileError', () => {
    const file = write('typed.json', { ...copy(DEV), hosting: { kind: 'ec2' } });

    expect(() => loadEnvironmentFile(file)).toThrow(EnvironmentFileError);
  });
});
