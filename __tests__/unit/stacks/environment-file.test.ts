import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { stringify } from 'yaml';
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

/** A default environment as a file holds it: a deep, mutable copy without undefined values. */
function copy(config: EnvironmentConfig): Json {
  return JSON.parse(JSON.stringify(config));
}

/** The message of what loading `file` throws. */
function loadError(file: string): string {
  try {
    loadEnvironmentFile(file);
  } catch (e) {
    expect(e).toBeInstanceOf(EnvironmentFileError);
    return (e as Error).message;
  }
  throw new Error(`${path.basename(file)} loaded without an error`);
}

const TOP_KEYS = 'name, tier, hypervisors, kvm, hosts, services, databases, gateway, sysctl, crossHost, backend, residency';
const SERVICE_KEYS = 'image, replicas, port, routes, uses, environment, secrets, command, memoryMiB, cpus, healthcheck, placement, startTimeoutSeconds, stopSignal, stopGraceSeconds, replacement';

// A small system written by hand, as a team would: comments, flow style, a route with options.
const QA_YAML = `# yaml-language-server: $schema=./node_modules/cdktf-kvm-microservices/schema/environment.schema.json
name: qa
hosts:
  - { name: local, kind: local }
services:
  web: { image: "registry.example.de/tix/web:3.1.0", replicas: 2, port: 8080, routes: ["/"], uses: [api] }
  api:
    image: registry.example.de/tix/api:2.4.1
    port: 9000
    routes: [/api/, { path: /ws/, readTimeoutSeconds: 3600 }]
    uses: [db]
    environment: { LOG_LEVEL: info, PORT: "9000" }
  worker: { image: "registry.example.de/tix/worker:2.4.1", uses: [db] }
databases:
  db: { image: "mariadb:10.11", dataPath: /opt/data/qa/mysql }
gateway: { serverNames: [tix.qa.example.de], port: 8081 }
residency: { hostsIn: DE, allowed: [DE] }
`;

const QA: EnvironmentConfig = {
  name: 'qa',
  hosts: [{ name: 'local', kind: 'local' }],
  services: {
    web: { image: 'registry.example.de/tix/web:3.1.0', replicas: 2, port: 8080, routes: ['/'], uses: ['api'] },
    api: {
      image: 'registry.example.de/tix/api:2.4.1',
      port: 9000,
      routes: ['/api/', { path: '/ws/', readTimeoutSeconds: 3600 }],
      uses: ['db'],
      environment: { LOG_LEVEL: 'info', PORT: '9000' },
    },
    worker: { image: 'registry.example.de/tix/worker:2.4.1', uses: ['db'] },
  },
  databases: { db: { image: 'mariadb:10.11', dataPath: '/opt/data/qa/mysql' } },
  gateway: { serverNames: ['tix.qa.example.de'], port: 8081 },
  residency: { hostsIn: 'DE', allowed: ['DE'] },
};

describe('loadEnvironmentFile', () => {
  test('a YAML file gives the same config as the default environment it was written from', () => {
    const file = write('staging.yaml', `# yaml-language-server: $schema=../schema/environment.schema.json\n${stringify(copy(STAGING))}`);

    expect(loadEnvironmentFile(file)).toEqual(copy(STAGING));
  });

  test('a JSON file gives the same config as the default environment it was written from', () => {
    expect(loadEnvironmentFile(write('prod.json', copy(PROD)))).toEqual(copy(PROD));
    expect(loadEnvironmentFile(write('dev.json', copy(DEV)))).toEqual(copy(DEV));
  });

  test('a YAML file written by hand gives the object it describes', () => {
    expect(loadEnvironmentFile(write('qa.yaml', QA_YAML))).toEqual(QA);
  });

  test('.yml is YAML too, the extension in any case, and YAML and JSON of one environment load alike', () => {
    const fromYml = loadEnvironmentFile(write('qa.yml', QA_YAML));
    const fromUpper = loadEnvironmentFile(write('QA.YAML', QA_YAML));
    const fromJson = loadEnvironmentFile(write('qa.json', QA));

    expect(fromYml).toEqual(fromJson);
    expect(fromUpper).toEqual(fromJson);
  });

  test('accepts a $schema key for editors and drops it from the config', () => {
    const schema = './node_modules/cdktf-kvm-microservices/schema/environment.schema.json';
    const fromJson = loadEnvironmentFile(write('with-schema.json', { $schema: schema, ...copy(DEV) }));
    const fromYaml = loadEnvironmentFile(write('with-schema.yaml', `$schema: ${schema}\n${stringify(copy(DEV))}`));

    expect(fromJson).toEqual(copy(DEV));
    expect(fromYaml).toEqual(copy(DEV));
    expect(Object.keys(fromJson)).not.toContain('$schema');
  });

  test('needs only name, hosts and services; what is left out keeps its default at synth', () => {
    const minimal = { name: 'tiny', hosts: [{ name: 'local', kind: 'local' }], services: {} };

    expect(loadEnvironmentFile(write('tiny.json', minimal))).toEqual(minimal);
  });

  test('accepts every host kind, backend kind, sysctl values and cross-host settings', () => {
    const config: Json = {
      name: 'mixed',
      tier: 'production',
      hypervisors: { hv1: { uri: 'qemu:///system', networkCidr: '192.168.150.0/24', isolated: true } },
      kvm: { baseImage: '/var/lib/images/debian-12.qcow2', sshPublicKeys: ['ssh-ed25519 AAAA example'], virtualization: 'qemu', adminUser: 'ops' },
      hosts: [
        { name: 'local', kind: 'local', dockerSocket: 'unix:///run/user/1000/docker.sock', address: '192.168.150.1', labels: { zone: 'a' } },
        { name: 'kvm-1', kind: 'kvm', hypervisor: 'hv1', dataDiskGiB: 40, labels: { zone: 'b' } },
        { name: 'vps-1', kind: 'server', address: '203.0.113.10', user: 'deploy', port: 2222, privateAddress: '10.8.0.10', allowedVirtualization: ['kvm', 'none'] },
      ],
      services: {
        api: {
          image: 'registry.example.de/tix/api:2.4.1',
          replicas: 0,
          placement: { labels: { zone: 'b' }, spread: 'required' },
          healthcheck: { command: ['CMD', '/app', 'healthcheck'], startPeriodSeconds: 0 },
          secrets: { API_TOKEN: 'api_token' },
          stopSignal: 'SIGQUIT',
          replacement: 'stop-first',
        },
      },
      gateway: { process: { workerProcesses: 'auto' }, tls: { certificatePath: '/etc/tls/chain.pem', keyPath: '/etc/tls/key.pem' }, rateLimit: { requestsPerSecond: 50 } },
      sysctl: { 'net.core.somaxconn': 8192, 'net.ipv4.ip_local_port_range': [32768, 60999], 'net.ipv4.ip_local_reserved_ports': [3306, [20000, 20099]] },
      crossHost: { portBase: 30000, relayModules: ['/usr/lib/nginx/modules/ngx_stream_module.so'] },
      backend: { kind: 's3', bucket: 'team-state', key: 'tix/mixed.tfstate', region: 'eu-central-1' },
    };

    expect(loadEnvironmentFile(write('mixed.json', config))).toEqual(config);
    expect(loadEnvironmentFile(write('pg.json', { ...config, backend: { kind: 'pg', schemaName: 'tix_mixed' } })).backend).toEqual({ kind: 'pg', schemaName: 'tix_mixed' });
  });

  test('reads a file that starts with a byte order mark', () => {
    expect(loadEnvironmentFile(write('bom.json', `\uFEFF${JSON.stringify(QA)}`))).toEqual(QA);
  });
});

describe('loadEnvironmentFile errors name the file, the key and the fix', () => {
  test('fails when a top-level key is unknown, listing the keys', () => {
    const file = write('typo-top.yaml', `${QA_YAML}replica: 2\n`);

    expect(loadError(file)).toBe(`environment file typo-top.yaml: replica: unknown key; the keys here are ${TOP_KEYS} (check the spelling)`);
  });

  test('fails when a top-level key is misspelt, suggesting the right one', () => {
    const file = write('typo-services.yaml', QA_YAML.replace('services:', 'service:'));

    expect(loadError(file)).toBe(`environment file typo-services.yaml: service: unknown key; did you mean services? The keys here are ${TOP_KEYS}`);
  });

  test('fails when a nested key is unknown, suggesting the right one', () => {
    const config = copy(STAGING);
    config.services.storefront.memoryMb = 256;

    expect(loadError(write('typo-nested.json', config))).toBe(
      `environment file typo-nested.json: services.storefront.memoryMb: unknown key; did you mean memoryMiB? The keys here are ${SERVICE_KEYS}`,
    );
  });

  test('fails when a key belongs to another host kind', () => {
    const config = { ...QA, hosts: [{ name: 'local', kind: 'local', hypervisor: 'hv1' }] };

    expect(loadError(write('wrong-kind-key.json', config))).toBe(
      'environment file wrong-kind-key.json: hosts[0].hypervisor: unknown key; the keys here are name, labels, kind, dockerSocket, address (check the spelling)',
    );
  });

  test.each(['toString', 'constructor', '__proto__'])('fails when an unknown key is named like an Object member (%s)', (key) => {
    // JSON.parse makes even "__proto__" an own key of the parsed object
    const file = write(`member-${key}.json`, JSON.stringify(QA).replace(/^\{/, `{"${key}": 1,`));

    expect(loadError(file)).toBe(`environment file member-${key}.json: ${key}: unknown key; the keys here are ${TOP_KEYS} (check the spelling)`);
  });

  test('fails on a file of the 0.1.0 shape, saying how to convert it', () => {
    const old = { name: 'qa', hosting: { kind: 'local' }, storefront: {}, inventory: {}, database: {}, gateway: {} };

    expect(loadError(write('old.json', old))).toBe(
      'environment file old.json: hosting: unknown key; this file has the shape of 0.1.0, which described only the article\'s shop. Now hosting.hosts is hosts, '
      + 'each with a kind (local, kvm or server; libvirtUri and networkCidr go under hypervisors, baseImage, sshPublicKeys and virtualization under kvm), '
      + 'storefront and inventory are entries of services (containerPort is port; add routes and uses: [db]), database is databases.db (hostPath is dataPath), '
      + 'and gateway.hostPort and hostAddress are port and address; see "Environment files" in the README',
    );
    expect(loadError(write('old-db.json', { name: 'qa', database: {} }))).toMatch(/^environment file old-db\.json: database: unknown key; this file has the shape of 0\.1\.0/);
  });

  test('takes database in a file of the new shape for a typo of databases', () => {
    expect(loadError(write('typo-db.json', { ...QA, database: {} }))).toBe(`environment file typo-db.json: database: unknown key; did you mean databases? The keys here are ${TOP_KEYS}`);
  });

  test('fails when a number is given as a string', () => {
    const file = write('wrong-type.yaml', QA_YAML.replace('replicas: 2', 'replicas: "2"'));

    expect(loadError(file)).toBe('environment file wrong-type.yaml: services.web.replicas: expected a whole number (0 to 100), got the string "2"');
  });

  test('fails when a string is given as a number, saying to quote it', () => {
    const file = write('unquoted.yaml', QA_YAML.replace('PORT: "9000"', 'PORT: 9000'));

    expect(loadError(file)).toBe('environment file unquoted.yaml: services.api.environment.PORT: expected a string, got number 9000; write it in quotes: "9000"');
  });

  test('fails when a whole number has a fraction', () => {
    const config = copy(STAGING);
    config.services.inventory.replicas = 1.5;

    expect(loadError(write('fraction.json', config))).toBe('environment file fraction.json: services.inventory.replicas: expected a whole number (0 to 100), got number 1.5');
  });

  test('fails when a number is above its range', () => {
    const file = write('port.yaml', QA_YAML.replace('port: 8081', 'port: 70000'));

    expect(loadError(file)).toBe('environment file port.yaml: gateway.port: 70000 is out of range; use 1 to 65535');
  });

  test('fails when a number is below its range, in a list entry', () => {
    const config = copy(STAGING);
    config.hosts[1].vcpus = 0;

    expect(loadError(write('vcpus.json', config))).toBe('environment file vcpus.json: hosts[1].vcpus: 0 is out of range; use 1 to 512');
  });

  test('fails when a value is not one of its choices', () => {
    const config = copy(STAGING);
    config.kvm.virtualization = 'xen';

    expect(loadError(write('xen.json', config))).toBe('environment file xen.json: kvm.virtualization: "xen" is not one of kvm, qemu');
    expect(loadError(write('tier.json', { ...QA, tier: 'prod' }))).toBe('environment file tier.json: tier: "prod" is not one of development, staging, production');
  });

  test('fails when a required top-level key is missing, saying what to add', () => {
    const { hosts: _hosts, ...rest } = QA;

    expect(loadError(write('no-hosts.json', rest))).toBe(
      'environment file no-hosts.json: hosts: is required; add it (a list, each a mapping with kind local, kvm or server: The hosts, in order: the first is the default for the gateway and databases)',
    );
  });

  test('fails when a required nested key is missing', () => {
    const file = write('no-image.yaml', QA_YAML.replace('  worker: { image: "registry.example.de/tix/worker:2.4.1", uses: [db] }', '  worker: { uses: [db] }'));

    expect(loadError(file)).toBe('environment file no-image.yaml: services.worker.image: is required; add it (a non-empty string: Image, pinned by tag or digest)');
  });

  test('fails when a host has an unknown kind, naming the kinds', () => {
    const file = write('ec2.json', { ...QA, hosts: [{ name: 'cloud-1', kind: 'ec2' }] });

    expect(loadError(file)).toBe('environment file ec2.json: hosts[0].kind: must be one of local, kvm, server, got the string "ec2"');
  });

  test('fails when a host has no kind', () => {
    const file = write('no-kind.json', { ...QA, hosts: [{ name: 'local' }] });

    expect(loadError(file)).toBe('environment file no-kind.json: hosts[0].kind: must be one of local, kvm, server, got nothing');
  });

  test('fails when a host is a name instead of a mapping', () => {
    const file = write('host-name.json', { ...QA, hosts: ['local'] });

    expect(loadError(file)).toBe('environment file host-name.json: hosts[0]: expected a mapping with kind local, kvm or server, got the string "local"');
  });

  test('fails when a KVM host misses the key its kind requires', () => {
    const config = copy(STAGING);
    delete config.hosts[0].hypervisor;

    expect(loadError(write('no-hypervisor.json', config))).toBe(
      'environment file no-hypervisor.json: hosts[0].hypervisor: is required; add it (a non-empty string: The name of the hypervisor it runs on (a key of hypervisors))',
    );
  });

  test('fails when a route is a number', () => {
    const file = write('route-number.yaml', QA_YAML.replace('routes: ["/"]', 'routes: [8080]'));

    expect(loadError(file)).toBe(
      'environment file route-number.yaml: services.web.routes[0]: expected a non-empty string or a mapping with path, exact, stripPrefix, websocket, streaming, requestBuffering, idleTimeoutSeconds, responseHeaders, requestHeaders, cors, maintenance, connectTimeoutSeconds, '
      + 'readTimeoutSeconds, sendTimeoutSeconds, maxBodySizeMiB, maxTries, retryTimeoutSeconds, got number 8080',
    );
  });

  test('fails when a route does not start with /', () => {
    const file = write('route-path.yaml', QA_YAML.replace('routes: ["/"]', 'routes: [api]'));

    expect(loadError(file)).toBe('environment file route-path.yaml: services.web.routes[0]: "api" is not allowed; start the path with /, e.g. "/api/"');
  });

  test('fails when a route with options misspells one', () => {
    const file = write('route-option.yaml', QA_YAML.replace('readTimeoutSeconds: 3600', 'readTimeout: 3600'));

    expect(loadError(file)).toMatch(/^environment file route-option\.yaml: services\.api\.routes\[1\]\.readTimeout: unknown key; the keys here are path, exact, /);
  });

  test('fails when a service name is not a DNS label', () => {
    const file = write('service-name.yaml', QA_YAML.replace('  worker:', '  Worker_1:'));

    expect(loadError(file)).toBe(
      'environment file service-name.yaml: services.Worker_1: the name "Worker_1" is not allowed; a service name is a network alias: '
      + 'use lowercase letters, digits and \'-\', starting with a letter, at most 31 characters, like "qa-2"',
    );
  });

  test('fails when a database name is not a DNS label', () => {
    const file = write('db-name.yaml', QA_YAML.replace('  db: {', '  DB: {'));

    expect(loadError(file)).toMatch(/^environment file db-name\.yaml: databases\.DB: the name "DB" is not allowed; a database name is a network alias: /);
  });

  test('fails when the environment name is not a DNS label', () => {
    expect(loadError(write('bad-name.json', { ...QA, name: 'My Env' }))).toBe(
      'environment file bad-name.json: name: "My Env" is not allowed; use lowercase letters, digits and \'-\', starting with a letter, at most 31 characters, like "qa-2"',
    );
  });

  test('fails when a host name is not a DNS label', () => {
    expect(loadError(write('host-label.json', { ...QA, hosts: [{ name: 'Local_Host', kind: 'local' }] }))).toBe(
      'environment file host-label.json: hosts[0].name: "Local_Host" is not allowed; use a DNS label: lowercase letters, digits and \'-\', not at either end, at most 63 characters, like "kvm-1"',
    );
  });

  test('fails when a secret names no valid Terraform variable', () => {
    const file = write('secret.yaml', QA_YAML.replace('environment: { LOG_LEVEL: info, PORT: "9000" }', 'secrets: { API_TOKEN: API-Token }'));

    expect(loadError(file)).toBe(
      'environment file secret.yaml: services.api.secrets.API_TOKEN: "API-Token" is not allowed; name a Terraform variable: lowercase letters, digits and \'_\', '
      + 'not starting with a digit, like "api_token" (its value comes from TF_VAR_api_token)',
    );
  });

  test('fails when an environment variable name is not one', () => {
    const file = write('env-name.yaml', QA_YAML.replace('LOG_LEVEL: info', 'LOG-LEVEL: info'));

    expect(loadError(file)).toBe(
      'environment file env-name.yaml: services.api.environment.LOG-LEVEL: the name "LOG-LEVEL" is not allowed; an environment variable name has only letters, digits and \'_\' '
      + 'and does not start with a digit, like "API_TOKEN"',
    );
  });

  test('fails when a database keeps its data at a relative path', () => {
    const file = write('relative.yaml', QA_YAML.replace('dataPath: /opt/data/qa/mysql', 'dataPath: data/mysql'));

    expect(loadError(file)).toBe('environment file relative.yaml: databases.db.dataPath: "data/mysql" is not allowed; give an absolute path, starting with /');
  });

  test('fails when a residency country is not an ISO code', () => {
    const file = write('country.yaml', QA_YAML.replace('allowed: [DE]', 'allowed: [Germany]'));

    expect(loadError(file)).toBe('environment file country.yaml: residency.allowed[0]: "Germany" is not allowed; give an ISO 3166-1 alpha-2 country code in capitals, like "DE" or "NO"');
  });

  test('fails when a sysctl key is misspelt, suggesting the right one', () => {
    const file = write('sysctl-key.yaml', `${QA_YAML}sysctl: { net.core.somaxcon: 8192 }\n`);

    expect(loadError(file)).toMatch(/^environment file sysctl-key\.yaml: sysctl\.net\.core\.somaxcon: unknown key; did you mean net\.core\.somaxconn\? The keys here are fs\.file-max, /);
  });

  test('fails when a sysctl value is out of the kernel\'s range', () => {
    const file = write('sysctl-range.yaml', `${QA_YAML}sysctl: { net.ipv4.tcp_tw_reuse: 3 }\n`);

    expect(loadError(file)).toBe('environment file sysctl-range.yaml: sysctl.net.ipv4.tcp_tw_reuse: 3 is out of range; use 0 to 2');
  });

  test('fails when a port range has one port', () => {
    const file = write('sysctl-ports.yaml', `${QA_YAML}sysctl: { net.ipv4.ip_local_port_range: [32768] }\n`);

    expect(loadError(file)).toBe('environment file sysctl-ports.yaml: sysctl.net.ipv4.ip_local_port_range: needs at least 2 entries; add more');
  });

  test('fails when a backend kind is unknown', () => {
    expect(loadError(write('consul.json', { ...QA, backend: { kind: 'consul' } }))).toBe('environment file consul.json: backend.kind: must be one of local, pg, s3, got the string "consul"');
  });

  test('fails when a backend misses a key of its kind', () => {
    const file = write('s3.json', { ...QA, backend: { kind: 's3', bucket: 'team-state', key: 'qa.tfstate' } });

    expect(loadError(file)).toBe('environment file s3.json: backend.region: is required; add it (a non-empty string: Region)');
  });

  test('fails when the list of hosts is empty', () => {
    expect(loadError(write('zero-hosts.json', { ...QA, hosts: [] }))).toBe('environment file zero-hosts.json: hosts: needs at least 1 entry; add one');
  });

  test('fails when a list is given a single string', () => {
    const file = write('not-a-list.yaml', QA_YAML.replace('serverNames: [tix.qa.example.de]', 'serverNames: tix.qa.example.de'));

    expect(loadError(file)).toBe('environment file not-a-list.yaml: gateway.serverNames: expected a list of non-empty strings, got the string "tix.qa.example.de"');
  });

  test('fails when the file holds a list, not a mapping', () => {
    expect(loadError(write('list.yaml', '- name: qa\n'))).toBe(`environment file list.yaml: expected a mapping with ${TOP_KEYS}, got a list`);
  });

  test.each([
    ['empty.yaml', ''],
    ['comments.yaml', '# nothing here yet\n'],
    ['empty.json', '  \n'],
  ])('fails when the file is empty (%s)', (name, text) => {
    expect(loadError(write(name, text))).toBe(`environment file ${name}: is empty; describe an environment: at least name, hosts and services (see "Environment files" in the README)`);
  });

  test('fails when the file does not exist', () => {
    const file = path.join(dir, 'missing.yaml');

    expect(loadError(file)).toBe(`environment file missing.yaml: cannot be read (no such file); check the path ${JSON.stringify(file)}`);
  });

  test('fails when the path is a directory', () => {
    const sub = path.join(dir, 'envs.json');
    fs.mkdirSync(sub);

    expect(loadError(sub)).toBe(`environment file envs.json: cannot be read (it is a directory); check the path ${JSON.stringify(sub)}`);
  });

  test('fails when a part of the path is a file', () => {
    const file = path.join(write('plain.txt', 'x'), 'qa.yaml');

    expect(loadError(file)).toBe(`environment file qa.yaml: cannot be read (a part of the path is not a directory); check the path ${JSON.stringify(file)}`);
  });

  test('fails when the JSON is invalid, with the parser\'s reason', () => {
    const file = write('trailing-comma.json', '{ "name": "qa", }');

    // the reason's wording belongs to the JavaScript engine; the position is what the user needs
    expect(loadError(file)).toMatch(/^environment file trailing-comma\.json: is not valid JSON \(.*position 16.*\)$/);
  });

  test('fails when the YAML is invalid, with the line and column', () => {
    const file = write('tabs.yaml', 'name: qa\nhosts:\n\t- { name: local, kind: local }\n');

    expect(loadError(file)).toBe('environment file tabs.yaml: is not valid YAML (Tabs are not allowed as indentation at line 3, column 1:)');
  });

  test('fails when a YAML key is repeated', () => {
    const file = write('twice.yaml', `${QA_YAML}name: prod\n`);

    expect(loadError(file)).toBe('environment file twice.yaml: is not valid YAML (Map keys must be unique at line 18, column 1:)');
  });

  test('fails when the extension says neither JSON nor YAML, naming the ones that do', () => {
    expect(loadError(write('qa.toml', 'name = "qa"\n'))).toBe(
      'environment file qa.toml: has the extension ".toml"; environment files are JSON or YAML: name it .json, .yaml or .yml after its format',
    );
    expect(loadError(write('qa', QA_YAML))).toBe('environment file qa: has no extension; environment files are JSON or YAML: name it .json, .yaml or .yml after its format');
  });
});

describe('README "Environment files"', () => {
  const readme = fs.readFileSync(path.resolve(__dirname, '..', '..', '..', 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### Environment files'), readme.indexOf('\n### ', readme.indexOf('### Environment files') + 1));
  const block = (lang: string) => new RegExp('```' + lang + '\\n([\\s\\S]*?)```').exec(section)![1];

  test('its YAML example is a valid environment file', () => {
    const config = loadEnvironmentFile(write('readme-qa.yaml', block('yaml')));

    expect(Object.keys(config.services)).toEqual(['web', 'api', 'worker']);
    expect(config.hosts.map((h) => h.kind)).toEqual(['kvm', 'server']);
  });

  test('its errors are the loader\'s, word for word', () => {
    // GIVEN the README's example, broken as each shown error says WHEN it is loaded THEN that error
    const broken: ((c: Json) => void)[] = [
      (c) => { c.services.api.memoryMb = 512; },
      (c) => { c.services.api.replicas = '3'; },
      (c) => { c.hosts[1].kind = 'vps'; },
      (c) => { c.services.api.environment = { PORT: 9000 }; },
    ];
    const shown = block('text').trim().split('\n');
    expect(shown).toHaveLength(broken.length);
    broken.forEach((change, i) => {
      const config = copy(loadEnvironmentFile(write('readme-qa.yaml', block('yaml'))));
      change(config);
      const message = loadError(write('qa.yaml', stringify(config)));
      // a line ending in "..." is cut short for the README
      if (shown[i].endsWith(', ...')) expect(message.startsWith(shown[i].slice(0, -', ...'.length))).toBe(true);
      else expect(message).toBe(shown[i]);
    });
  });
});
