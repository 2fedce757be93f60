import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DockerProvider } from '@cdktf/provider-docker/lib/provider';
import { App, TerraformStack, TerraformVariable } from 'cdktf';
import { ContainerJob } from '../../constructs/container-job';
import { ContainerServiceOptions } from '../../constructs/container-service';
import { DatabaseServiceOptions } from '../../constructs/database-service';
import { DockerHost } from '../../constructs/docker-host';
import { KvmHost, KvmHostProps } from '../../constructs/kvm-host';
import { KvmNetwork } from '../../constructs/kvm-network';
import { NginxGateway, NginxGatewayProps } from '../../constructs/nginx-gateway';
import { ServiceNetwork } from '../../constructs/service-network';
import { StreamRelay } from '../../constructs/stream-relay';
import { TunedServer, TunedServerProps } from '../../constructs/tuned-server';
import { Jurisdiction, Redundancy, applyPolicy } from '../../policy';
import { CloudInitConfigProps } from '../../renderers/cloud-init';
import { SysctlProfile } from '../../renderers/sysctl-profile';
import { loadEnvironmentFile } from '../../stacks/environment-file';
import { EnvironmentStack } from '../../stacks/environment-stack';
import { STAGING } from '../../stacks/environments';
import { previousOutdir, snapshotDir } from './policy/outdir';

/**
 * The bad-input catalogue: every wrong value a user can give a construct or an environment file meets
 * an error that names the construct path (or the file and key), quotes the bad value and says what to
 * do, before anything is written. Injection attempts target every string that reaches nginx.conf,
 * cloud-init or a shell command.
 */

// Public key made with ssh-keygen for these tests (the private half was discarded).
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIZKr13k7dY5Fz+G+pbLiadrE85vh8FM2F0M3FgpPUYx ops@example.com';
const IMAGE = 'https://cloud.debian.org/images/cloud/bookworm/latest/debian-12-genericcloud-amd64.qcow2';
const PRIVATE_KEY = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----';

/** Lets a test pass a value of the wrong type, as JavaScript callers and parsed files can. */
const wrongType = <T>(value: unknown): T => value as T;

type Build = (app: App) => unknown;

function dockerStack(app: App, name = 'dev') {
  const stack = new TerraformStack(app, name);
  const provider = new DockerProvider(stack, 'docker', {});
  const network = new ServiceNetwork(stack, 'services', { provider });
  return { stack, provider, network };
}

const service = (options: Partial<ContainerServiceOptions>): Build => (app) =>
  dockerStack(app).network.addService('web', { image: 'app:1.0', ...options });

const onService = (act: (s: ReturnType<ServiceNetwork['addService']>) => unknown): Build => (app) =>
  act(dockerStack(app).network.addService('web', { image: 'app:1.0' }));

const database = (options: { hostPath?: string; volumeName?: string; sensitive?: boolean }): Build => (app) => {
  const { stack, network } = dockerStack(app);
  const rootPassword = new TerraformVariable(stack, 'root_password', { type: 'string', sensitive: options.sensitive ?? true });
  const storage = options.hostPath === undefined && options.volumeName === undefined ? undefined : { hostPath: options.hostPath, volumeName: options.volumeName };
  return network.addDatabase('db', { rootPassword, storage });
};

const databaseWith = (options: Partial<DatabaseServiceOptions>): Build => (app) => {
  const { stack, network } = dockerStack(app);
  const rootPassword = new TerraformVariable(stack, 'root_password', { type: 'string', sensitive: true });
  const password = new TerraformVariable(stack, 'app_password', { type: 'string', sensitive: true });
  return network.addDatabase('db', { rootPassword, ...options, appUser: options.appUser && { ...options.appUser, password } });
};

const gateway = (props: Partial<NginxGatewayProps> = {}, act: (g: NginxGateway) => unknown = () => undefined): Build => (app) => {
  const { network } = dockerStack(app);
  const g = new NginxGateway(network, 'gateway', {
    network,
    pools: [{ name: 'frontend_pool', servers: [{ host: '10.0.0.2', port: 8080 }, { host: '10.0.0.3', port: 8080 }] }],
    routes: [{ path: '/', pool: 'frontend_pool' }],
    ...props,
  });
  return act(g);
};

const kvmHost = (props: Partial<KvmHostProps> = {}, cloudInit: Partial<CloudInitConfigProps> = {}, cidr = '192.168.150.0/24'): Build => (app) => {
  const stack = new TerraformStack(app, 'prod');
  const network = new KvmNetwork(stack, 'net', { cidr });
  return new KvmHost(stack, 'host', { network, baseImage: IMAGE, cloudInit: { sshAuthorizedKeys: [KEY], ...cloudInit }, ...props });
};

const tunedServer = (props: Partial<TunedServerProps>): Build => (app) => {
  const stack = new TerraformStack(app, 'prod');
  const privateKey = new TerraformVariable(stack, 'ssh_key', { type: 'string', sensitive: true });
  return new TunedServer(stack, 'vps', { host: '203.0.113.10', privateKey, hostKey: KEY, ...props });
};

let fileDir: string;
beforeAll(() => {
  fileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kvms-bad-input-'));
});
afterAll(() => fs.rmSync(fileDir, { recursive: true, force: true }));

/** The staging environment written to `env.json` with one change, then loaded and built. */
const envFile = (change: (config: Record<string, any>) => void): Build => (app) => {
  const config = JSON.parse(JSON.stringify(STAGING));
  change(config);
  const file = path.join(fileDir, 'env.json');
  fs.writeFileSync(file, JSON.stringify(config, null, 2));
  return new EnvironmentStack(app, loadEnvironmentFile(file));
};

const CATALOGUE: [string, Build, string][] = [
  // ContainerService: images, names, limits, ports.
  ['image with a shell injection', service({ image: 'nginx:1.22; rm -rf /' }),
    'ContainerService [dev/services/web]: image "nginx:1.22; rm -rf /" must be an image reference such as \'mariadb:10.11\' (no whitespace or quotes)'],
  ['image of the wrong type', service({ image: wrongType(42) }),
    "ContainerService [dev/services/web]: image 42 must be a string such as 'mariadb:10.11', not a number"],
  ['empty image', service({ image: '' }),
    'ContainerService [dev/services/web]: image "" must be an image reference such as \'mariadb:10.11\' (no whitespace or quotes)'],
  ['alias with an injection', service({ alias: 'db;drop' }),
    'ContainerService [dev/services/web]: alias "db;drop" must contain only letters, digits, \'_\' and \'-\', starting and ending with a letter or digit, at most 63 characters'],
  ['container name with ..', service({ containerName: '../web' }),
    'ContainerService [dev/services/web]: containerName "../web" must contain only letters, digits, \'_\', \'.\' and \'-\', starting with a letter or digit'],
  ['unknown restart policy', service({ restart: wrongType('sometimes') }),
    'ContainerService [dev/services/web]: restart "sometimes" must be one of "no", "on-failure", "always", "unless-stopped"'],
  ['memory below Docker\'s minimum', service({ memoryMiB: 0 }),
    'ContainerService [dev/services/web]: memoryMiB 0 must be an integer of at least 6 (Docker needs at least 6 MiB)'],
  ['memory as a string', service({ memoryMiB: wrongType('512') }),
    'ContainerService [dev/services/web]: memoryMiB "512" must be an integer of at least 6 (Docker needs at least 6 MiB)'],
  ['cpus NaN', service({ cpus: NaN }),
    'ContainerService [dev/services/web]: cpus NaN must be a number of CPUs of at least 0.01, e.g. 0.5 or 2'],
  ['port out of range', service({ ports: [{ containerPort: 70000 }] }),
    'ContainerService [dev/services/web]: port containerPort 70000 must be an integer from 1 to 65535'],
  ['malformed host address', service({ ports: [{ containerPort: 80, hostAddress: '0.0.0.0.0' }] }),
    'ContainerService [dev/services/web]: port hostAddress "0.0.0.0.0" must be an IPv4 address, e.g. \'127.0.0.1\' (this host only) or \'0.0.0.0\' (every interface)'],
  ['host address with an injection', service({ ports: [{ containerPort: 80, hostAddress: '127.0.0.1; rm -rf /' }] }),
    'ContainerService [dev/services/web]: port hostAddress "127.0.0.1; rm -rf /" must be an IPv4 address, e.g. \'127.0.0.1\' (this host only) or \'0.0.0.0\' (every interface)'],
  ['relative host volume path', onService((s) => s.addHostVolume('data/mysql', '/var/lib/mysql')),
    'ContainerService [dev/services/web]: host volume path "data/mysql" must be absolute and normalized (no \'..\', \'.\', \'//\' or trailing \'/\'), e.g. \'/opt/data/mysql\''],
  ['host volume path with ..', onService((s) => s.addHostVolume('/opt/../etc', '/data')),
    'ContainerService [dev/services/web]: host volume path "/opt/../etc" must be absolute and normalized (no \'..\', \'.\', \'//\' or trailing \'/\'), e.g. \'/opt/data/mysql\''],
  ['host volume path with a colon', onService((s) => s.addHostVolume('/opt/data:/etc', '/data')),
    'ContainerService [dev/services/web]: host volume path "/opt/data:/etc" must not contain \':\', \',\' or whitespace (Docker\'s bind syntax splits on them)'],
  ['relative container path', onService((s) => s.addHostVolume('/opt/data', 'var/lib')),
    'ContainerService [dev/services/web]: host volume containerPath "var/lib" must be an absolute, normalized path other than \'/\', e.g. \'/var/lib/mysql\''],
  ['environment name with a space', service({ environment: { 'A B': '1' } }),
    'ContainerService [dev/services/web]: environment variable name "A B" must contain only letters, digits and \'_\' and not start with a digit'],
  ['literal secret in the environment', service({ environment: { DB_PASSWORD: 'hunter2' } }),
    'ContainerService [dev/services/web]: environment variable "DB_PASSWORD" looks like a secret and must not be a literal: declare a TerraformVariable with sensitive: true and pass it with addSecretEnv("DB_PASSWORD", variable) or secretEnvironment'],
  ['environment value of the wrong type', service({ environment: { PORT: wrongType(80) } }),
    'ContainerService [dev/services/web]: environment variable "PORT" has value 80, a number; give it as a string, e.g. "80"'],
  ['command word of the wrong type', service({ command: ['app', wrongType(8080)] }),
    'ContainerService [dev/services/web]: command entry 8080 must be a string; write every word of the exec form as a string, e.g. "8080"'],
  ['duplicate service id', (app) => { const n = dockerStack(app).network; n.addService('web', { image: 'a:1' }); n.addService('web', { image: 'a:1' }); },
    "ServiceNetwork [dev/services]: a service with id 'web' already exists on network \"dev-services\"; give each service its own id"],
  ['duplicate alias', (app) => { const n = dockerStack(app).network; n.addService('a', { image: 'a:1', alias: 'db' }); n.addService('b', { image: 'a:1', alias: 'db' }); },
    "ContainerService [dev/services/b]: alias \"db\" is already used by service 'a' on network \"dev-services\"; each name resolves to one service, so choose another alias"],
  ['healthcheck without CMD', service({ healthcheck: { command: ['curl'] } }),
    'ContainerService [dev/services/web]: healthcheck command "[\\"curl\\"]" must be [\'CMD\', program, ...args] or [\'CMD-SHELL\', \'shell command\']'],
  ['tmpfs options with an injection', service({ tmpfs: { '/tmp': 'rw;exec' } }),
    'ContainerService [dev/services/web]: tmpfs options "rw;exec" for "/tmp" must be a comma-separated list such as \'rw,size=64m\''],
  ['user with an injection', service({ user: 'root; id' }),
    'ContainerService [dev/services/web]: user "root; id" must be \'name\', \'uid\' or \'uid:gid\''],
  ['upload path with ..', service({ uploads: [{ path: '../etc/passwd', content: 'x' }] }),
    'ContainerService [dev/services/web]: upload path "../etc/passwd" must be an absolute, normalized file path, e.g. \'/etc/nginx/nginx.conf\''],
  ['host-only sysctl on a container', service({ sysctls: { 'vm.swappiness': 10 } }),
    'ContainerService [dev/services/web]: sysctl "vm.swappiness" is not namespaced, so Docker cannot set it per container; set it on the host (SysctlProfile) or use a namespaced key (net.*, kernel.msg*, kernel.sem, kernel.shm*, fs.mqueue.*)'],
  ['sysctl value with a newline', service({ sysctls: { 'net.core.somaxconn': '1024\nkernel.x=1' } }),
    'ContainerService [dev/services/web]: sysctl "net.core.somaxconn" value "1024\\nkernel.x=1" must be plain numbers or words, e.g. \'4096\' or \'1024 65000\''],
  ['image with a brace', service({ image: 'shop/web:{{tag}}' }),
    "ContainerService [dev/services/web]: image \"shop/web:{{tag}}\" contains \"{\", which no image reference can hold (only letters, digits and '.', '_', '-', '/', ':', '@'); write it as [registry/]name:tag, e.g. 'registry.example.no/shop/web:1.4.2'"],
  ['image with a comment sign', service({ image: 'app:1.0#latest' }),
    'ContainerService [dev/services/web]: image "app:1.0#latest" contains "#", which no image reference can hold (only letters, digits and \'.\', \'_\', \'-\', \'/\', \':\', \'@\'); write it as [registry/]name:tag, e.g. \'registry.example.no/shop/web:1.4.2\''],
  ['image with a backslash', service({ image: 'registry.local\\app:1.0' }),
    'ContainerService [dev/services/web]: image "registry.local\\\\app:1.0" contains "\\\\", which no image reference can hold (only letters, digits and \'.\', \'_\', \'-\', \'/\', \':\', \'@\'); write it as [registry/]name:tag, e.g. \'registry.example.no/shop/web:1.4.2\''],
  ['image with a NUL byte', service({ image: 'app:1.0\u0000' }),
    'ContainerService [dev/services/web]: image "app:1.0\\u0000" contains "\\u0000", which no image reference can hold (only letters, digits and \'.\', \'_\', \'-\', \'/\', \':\', \'@\'); write it as [registry/]name:tag, e.g. \'registry.example.no/shop/web:1.4.2\''],
  ['reserved ports with a separator the kernel does not take', service({ sysctls: { 'net.ipv4.ip_local_reserved_ports': '3306;13000-13099' } }),
    "ContainerService [dev/services/web]: sysctl \"net.ipv4.ip_local_reserved_ports\" value \"3306;13000-13099\" must be ports and low-high ranges separated by commas, without spaces, e.g. '3306,13000-13099'"],
  ['capability in lower case', service({ addCapabilities: ['net_admin'] }),
    'ContainerService [dev/services/web]: addCapabilities entry "net_admin" must be a capability name in capitals, e.g. \'NET_BIND_SERVICE\' or \'ALL\''],
  ['unknown replacement strategy', service({ replacement: wrongType('rolling') }),
    'ContainerService [dev/services/web]: replacement "rolling" must be one of "start-first", "stop-first"'],
  ['stop signal with an injection', service({ stopSignal: 'SIGTERM; reboot' }),
    'ContainerService [dev/services/web]: stopSignal "SIGTERM; reboot" must be a signal name such as \'SIGTERM\' or \'SIGQUIT\', or its number'],
  ['replica set name with a space', service({ replicaOf: 'store front' }),
    'ContainerService [dev/services/web]: replicaOf "store front" must contain only letters, digits, \'_\' and \'-\', starting and ending with a letter or digit, at most 63 characters'],
  ['published port on a start-first service', onService((s) => s.addPort({ containerPort: 80, hostPort: 8080 })),
    'ContainerService [dev/services/web]: cannot publish port 8080: this service is replaced start-first, and the new container could not bind the host port while the old one still runs; give it replacement: \'stop-first\' (a replacement then interrupts it briefly), or reach it through its network alias'],
  ['named volume on a start-first service', onService((s) => s.addNamedVolume('cache', '/var/cache/app')),
    'ContainerService [dev/services/web]: cannot mount named volume \'cache\': this service is replaced start-first, so the old and the new container would both write to the volume during a rollout; keep the data on a host volume (addHostVolume) or in a database, or give the service replacement: \'stop-first\''],
  ['health check start interval of zero', service({ healthcheck: { command: ['CMD', 'true'], startIntervalSeconds: 0 } }),
    'ContainerService [dev/services/web]: healthcheck startIntervalSeconds 0 must be an integer of at least 1 (time between checks during the start period)'],
  ['one-shot job name with ..', (app) => new ContainerJob(dockerStack(app).stack, 'job', { provider: dockerStack(app, 'other').provider, containerName: '../job', image: 'app:1.0', command: ['true'], failureMessage: 'failed' }),
    'ContainerJob [dev/job]: containerName "../job" must contain only letters, digits, \'_\', \'.\' and \'-\', starting with a letter or digit'],

  // ServiceNetwork and DatabaseService.
  ['subnet prefix out of range', (app) => { const { stack, provider } = dockerStack(app); new ServiceNetwork(stack, 'backend', { provider, subnet: '10.0.0.0/33' }); },
    'ServiceNetwork [dev/backend]: subnet "10.0.0.0/33" is not a CIDR with a prefix of 8..30; write it like "192.168.150.0/24"'],
  ['subnet with host bits', (app) => { const { stack, provider } = dockerStack(app); new ServiceNetwork(stack, 'backend', { provider, subnet: '172.28.0.1/24' }); },
    'ServiceNetwork [dev/backend]: subnet "172.28.0.1/24" has host bits set; use the network address "172.28.0.0/24"'],
  ['network name with a space', (app) => { const { stack, provider } = dockerStack(app); new ServiceNetwork(stack, 'backend', { provider, networkName: 'prod services' }); },
    'ServiceNetwork [dev/backend]: networkName "prod services" must contain only letters, digits, \'_\', \'.\' and \'-\', starting with a letter or digit'],
  ['two Docker networks with one name on one host', (app) => { const { stack, provider } = dockerStack(app); new ServiceNetwork(stack, 'backend', { provider, networkName: 'dev-services' }); },
    'ServiceNetwork [dev/backend]: networkName "dev-services" is already used by network dev/services on the same Docker host (provider dev/docker); Docker network names are unique per host, so give this one another networkName'],
  ['two Docker networks with overlapping subnets on one host', (app) => {
    const { stack, provider } = dockerStack(app);
    new ServiceNetwork(stack, 'a', { provider, subnet: '172.28.0.0/16' });
    new ServiceNetwork(stack, 'b', { provider, subnet: '172.28.5.0/24' });
  }, 'ServiceNetwork [dev/b]: subnet "172.28.5.0/24" overlaps 172.28.0.0/16 of network dev/a on the same Docker host (provider dev/docker); Docker refuses overlapping address pools, so choose a subnet outside 172.28.0.0/16'],
  ['internal flag outside the union', (app) => { const { stack, provider } = dockerStack(app); new ServiceNetwork(stack, 'backend', { provider, internal: wrongType('yes') }); },
    'ServiceNetwork [dev/backend]: internal "yes" must be true or false'],
  ['database data path with ..', database({ hostPath: '../data' }),
    'DatabaseService [dev/services/db]: host volume path "../data" must be absolute and normalized (no \'..\', \'.\', \'//\' or trailing \'/\'), e.g. \'/opt/data/mysql\''],
  ['database with two storages', database({ hostPath: '/opt/data/db', volumeName: 'db' }),
    'DatabaseService [dev/services/db]: storage sets both hostPath "/opt/data/db" and volumeName "db"; choose one'],
  ['database password variable not sensitive', database({ sensitive: false }),
    "DatabaseService [dev/services/db]: secret environment variable \"MYSQL_ROOT_PASSWORD\" takes variable 'root_password', which is not sensitive: declare it with sensitive: true"],
  ['database image that is PostgreSQL', databaseWith({ image: 'postgres:16.2' }),
    'DatabaseService [dev/services/db]: image "postgres:16.2" is postgres, not a MySQL-compatible database: DatabaseService configures MariaDB and MySQL only (MYSQL_* variables, their healthcheck and login check); run postgres as a ContainerService with a host volume for its data'],
  ['database image of an unknown engine', databaseWith({ image: 'shop/db:3.1' }),
    'DatabaseService [dev/services/db]: image "shop/db:3.1" is not recognisably MariaDB or MySQL: if it is built on one of them, say so with engine: \'mariadb\' or \'mysql\'; other databases run as a ContainerService with a host volume'],
  ['database replaced start-first', databaseWith(wrongType({ replacement: 'start-first' })),
    'ServiceNetwork [dev/services]: database \'db\': replacement "start-first" is not possible: two servers cannot share one data directory, so a database is always replaced stop-first; remove the setting'],
  ['database app user with a shell injection', databaseWith({ appUser: wrongType({ user: 'shop$(reboot)', database: 'shop' }) }),
    'DatabaseService [dev/services/db]: appUser.user "shop$(reboot)" must contain only letters, digits and . _ / - (it is written into the login check\'s messages)'],

  // DockerHost: what reaches ssh://user@address.
  ['ssh address with an injection', (app) => DockerHost.ssh(new TerraformStack(app, 'prod'), 'docker-vm2', { user: 'deploy', address: '10.0.0.12; rm -rf /' }),
    "TerraformStack [prod]: docker host 'docker-vm2': address \"10.0.0.12; rm -rf /\" must be an IPv4 address, an IPv6 address or a host name"],
  ['ssh user with an @', (app) => DockerHost.ssh(new TerraformStack(app, 'prod'), 'docker-vm2', { user: 'root@evil', address: '10.0.0.12' }),
    'TerraformStack [prod]: docker host \'docker-vm2\': ssh user "root@evil" must be a login name (letters, digits, \'_\', \'.\', \'-\', at most 32 characters)'],
  ['ssh port out of range', (app) => DockerHost.ssh(new TerraformStack(app, 'prod'), 'docker-vm2', { user: 'deploy', address: '10.0.0.12', port: 0 }),
    "TerraformStack [prod]: docker host 'docker-vm2': ssh port 0 must be an integer from 1 to 65535"],
  ['Docker socket over TCP', (app) => DockerHost.local(new TerraformStack(app, 'prod'), 'docker', { socket: 'tcp://0.0.0.0:2375' }),
    'TerraformStack [prod]: docker host \'docker\': socket "tcp://0.0.0.0:2375" must be a unix:// URL with an absolute, normalized path, e.g. "unix:///var/run/docker.sock"'],
  ['Docker on a KVM host that is never checked for readiness', (app) => DockerHost.forKvmHost(new TerraformStack(app, 'other'), 'docker-vm1', kvmHost()(app) as KvmHost),
    "TerraformStack [other]: docker host 'docker-vm1': KvmHost 'prod/host' has no readiness check, so Docker resources would not wait for the guest to boot; call host.addReadinessCheck({ privateKey }) first"],

  // NginxGateway: every string that reaches nginx.conf.
  ['route path with an nginx injection', gateway({}, (g) => g.addRoute({ path: '/api; return 200 pwned;', pool: 'frontend_pool' })),
    'NginxGateway [dev/services/gateway]: route path "/api; return 200 pwned;" contains characters that are not allowed: use letters, digits and . _ ~ / + , = : @ ! * - only (no spaces, quotes, ; { } # $ ? or \'&\')'],
  ['route path with a brace', gateway({}, (g) => g.addRoute({ path: '/api}', pool: 'frontend_pool' })),
    'NginxGateway [dev/services/gateway]: route path "/api}" contains characters that are not allowed: use letters, digits and . _ ~ / + , = : @ ! * - only (no spaces, quotes, ; { } # $ ? or \'&\')'],
  ['route path without a slash', gateway({}, (g) => g.addRoute({ path: 'api', pool: 'frontend_pool' })),
    'NginxGateway [dev/services/gateway]: route path "api" must start with \'/\': write it as "/api"'],
  ['duplicate route', gateway({}, (g) => g.addRoute({ path: '/', pool: 'frontend_pool' })),
    'NginxGateway [dev/services/gateway]: route path "/" is used twice (location /): give every route a unique path'],
  ['route to an unknown pool', gateway({}, (g) => g.addRoute({ path: '/api', pool: 'inventory' })),
    'NginxGateway [dev/services/gateway]: route /api pool "inventory" is not a defined pool: use one of: frontend_pool'],
  ['duplicate pool', gateway({}, (g) => g.addPool({ name: 'frontend_pool', servers: [{ host: '10.0.0.4', port: 80 }] })),
    'NginxGateway [dev/services/gateway]: pool "frontend_pool" is already defined; give every pool a unique name'],
  ['empty pool', gateway({}, (g) => g.addPool({ name: 'inventory_api', servers: [] })),
    'NginxGateway [dev/services/gateway]: pool inventory_api servers "[]" is empty: add at least one server to the pool'],
  ['pool server host with an injection', gateway({}, (g) => g.addPool({ name: 'p2', servers: [{ host: 'backend;include /etc/passwd', port: 80 }] })),
    'NginxGateway [dev/services/gateway]: pool p2 server host "backend;include /etc/passwd" is not a hostname, container alias or IP address: use letters, digits, dots, - and _ (or a bare IPv6 address), with no spaces, quotes, ; { } # $ or port'],
  ['pool server host that only looks like IPv6', gateway({}, (g) => g.addPool({ name: 'p2', servers: [{ host: 'a:', port: 80 }] })),
    'NginxGateway [dev/services/gateway]: pool p2 server host "a:" is not a hostname, container alias or IP address: use letters, digits, dots, - and _ (or a bare IPv6 address), with no spaces, quotes, ; { } # $ or port'],
  ['pool name with a brace', gateway({}, (g) => g.addPool({ name: 'p{', servers: [{ host: 'a', port: 80 }] })),
    'NginxGateway [dev/services/gateway]: pool name "p{" is not a valid upstream name: use letters, digits, _ and -, starting with a letter or _ (at most 64 characters)'],
  ['pool server port out of range', gateway({}, (g) => g.addPool({ name: 'p2', servers: [{ host: 'a', port: 0 }] })),
    'NginxGateway [dev/services/gateway]: pool p2 server a port 0 must be a whole number from 1 to 65535: use a value in 1-65535'],
  ['server name with an nginx injection', gateway({ serverNames: ['shop.example.no; include /etc/passwd'] }),
    'NginxGateway [dev/services/gateway]: server name "shop.example.no; include /etc/passwd" is not a hostname: use a hostname, \'*.example.com\', \'.example.com\' or \'_\' (no regex, spaces, quotes, ; { } # $)'],
  ['TLS certificate path with ..', gateway({ tls: { certificatePath: '../cert.pem', keyPath: '/etc/nginx/tls/key.pem' } }),
    'NginxGateway [dev/services/gateway]: tls certificatePath "../cert.pem" is not a safe absolute path: use an absolute path of letters, digits and . _ / + @ - (no spaces, quotes, ; { } # $ or ..)'],
  ['TLS key path with a quote', gateway({ tls: { certificatePath: '/etc/nginx/tls/cert.pem', keyPath: '/etc/nginx/tls/key.pem"' } }),
    'NginxGateway [dev/services/gateway]: tls keyPath "/etc/nginx/tls/key.pem\\"" is not a safe absolute path: use an absolute path of letters, digits and . _ / + @ - (no spaces, quotes, ; { } # $ or ..)'],
  ['gzip type with a semicolon', gateway({ gzip: { types: ['text/plain;x'] } }),
    'NginxGateway [dev/services/gateway]: gzip type "text/plain;x" is not a MIME type: write it as \'type/subtype\' in lower case, e.g. \'application/json\''],
  ['rate limit of zero', gateway({ rateLimit: { requestsPerSecond: 0 } }),
    'NginxGateway [dev/services/gateway]: rateLimit requestsPerSecond 0 must be a whole number from 1 to 100000: use a value in 1-100000'],
  ['gateway host address that is a name', gateway({ hostAddress: 'localhost' }),
    'NginxGateway [dev/services/gateway]: hostAddress "localhost" must be an IPv4 address: \'127.0.0.1\' (this host only), one address of the host, or \'0.0.0.0\' (every interface)'],
  ['gateway drain time of zero', gateway({ drainTimeoutSeconds: 0 }),
    'NginxGateway [dev/services/gateway]: drainTimeoutSeconds 0 must be a whole number of seconds from 1 to 3600'],
  ['gateway listen port out of range', gateway({ listenPort: 65536 }),
    'NginxGateway [dev/services/gateway]: listenPort 65536 must be an integer from 1 to 65535 (the port nginx listens on inside the container, e.g. 80)'],
  ['gateway pool server on another Docker host', (app) => {
    const { stack, network } = dockerStack(app);
    network.addService('web-2', { image: 'app:1.0', dockerProvider: new DockerProvider(stack, 'docker-vm2', { alias: 'vm2' }) });
    new NginxGateway(network, 'gateway', { network, pools: [{ name: 'p', servers: [{ host: 'web-2', port: 8080 }] }] });
  }, 'NginxGateway [dev/services/gateway]: pool "p" server "web-2" is service \'web-2\' on another Docker host, where its name does not resolve; reach it at that host\'s address through a published port (or a StreamRelay) and list that address instead'],
  ['stream relay on every interface', (app) => {
    const { stack, network } = dockerStack(app);
    const web = network.addService('web', { image: 'app:1.0' });
    new StreamRelay(stack, 'relay', { network, dockerProvider: network.provider, hostAddress: '0.0.0.0', ports: [{ port: 20000, targets: [web], targetPort: 8080 }] });
  }, 'StreamRelay [dev/relay]: hostAddress "0.0.0.0" must be the host\'s own IPv4 address (not 0.0.0.0): the relay\'s ports are for other hosts, not the public'],

  // KvmNetwork and KvmHost.
  ['CIDR without a prefix', kvmHost({}, {}, '192.168.1.0'),
    'KvmNetwork [prod/net]: cidr "192.168.1.0" is not a CIDR with a prefix of 8..30; write it like "192.168.150.0/24"'],
  ['CIDR with an octet above 255', kvmHost({}, {}, '192.168.300.0/24'),
    'KvmNetwork [prod/net]: cidr "192.168.300.0/24" has no IPv4 network address before the \'/\'; write four numbers 0-255 joined by dots, like "192.168.150.0/24"'],
  ['CIDR with host bits', kvmHost({}, {}, '192.168.150.1/24'),
    'KvmNetwork [prod/net]: cidr "192.168.150.1/24" has host bits set; use the network address "192.168.150.0/24"'],
  ['DHCP range backwards', (app) => new KvmNetwork(new TerraformStack(app, 'prod'), 'net', { cidr: '192.168.150.0/24', dhcpRange: { start: '192.168.150.200', end: '192.168.150.100' } }),
    'KvmNetwork [prod/net]: dhcpRange.start "192.168.150.200" comes after dhcpRange.end "192.168.150.100"; swap them'],
  ['existing network name with an injection', (app) => KvmNetwork.fromName(new TerraformStack(app, 'prod'), 'net', { name: 'default; rm', cidr: '192.168.122.0/24' }),
    'Construct [prod/net]: name "default; rm" must be 1-50 letters, digits, \'_\', \'.\' or \'-\', starting with a letter or digit (the name of the existing libvirt network)'],
  ['host name that is not a DNS label', kvmHost({ name: 'Web_1' }),
    'KvmHost [prod/host]: name "Web_1" must be a DNS label (lowercase letters, digits, \'-\', not at either end, at most 63 characters); it is also the guest\'s host name'],
  ['zero vcpus', kvmHost({ vcpus: 0 }),
    "KvmHost [prod/host]: vcpus 0 must be a whole number from 1 to 288; 288 is the most QEMU's q35 machine takes"],
  ['vcpus as a string', kvmHost({ vcpus: wrongType('2') }),
    'KvmHost [prod/host]: vcpus "2" must be a whole number from 1 to 288; 288 is the most QEMU\'s q35 machine takes'],
  ['more vcpus than a q35 machine takes', kvmHost({ vcpus: 1000 }),
    'KvmHost [prod/host]: vcpus 1000 must be a whole number from 1 to 288; 288 is the most QEMU\'s q35 machine takes'],
  ['too little memory', kvmHost({ memoryMiB: 100 }),
    'KvmHost [prod/host]: memoryMiB 100 must be a whole number from 512 to 4194304; Docker and cloud-init need at least 512 MiB (2048 is the default), and no real host gives one guest more than 4 TiB'],
  ['a billion MiB of memory', kvmHost({ memoryMiB: 1e9 }),
    'KvmHost [prod/host]: memoryMiB 1000000000 must be a whole number from 512 to 4194304; Docker and cloud-init need at least 512 MiB (2048 is the default), and no real host gives one guest more than 4 TiB'],
  ['a billion GiB of disk', kvmHost({ diskSizeGiB: 1e9 }),
    "KvmHost [prod/host]: diskSizeGiB 1000000000 must be a whole number from 2 to 65536; the guest needs at least 2 GiB (20 is the default), and 64 TiB is more than a real host's storage pool holds"],
  ['virtualization outside the union', kvmHost({ virtualization: wrongType('xen') }),
    'KvmHost [prod/host]: virtualization "xen" must be one of "kvm", "qemu"'],
  ['base image format outside the union', kvmHost({ baseImageFormat: wrongType('vmdk') }),
    'KvmHost [prod/host]: baseImageFormat "vmdk" must be one of "qcow2", "raw"'],
  ['readiness key given as a string', (app) => (kvmHost()(app) as KvmHost).addReadinessCheck({ privateKey: wrongType(PRIVATE_KEY) }),
    "KvmHost [prod/host]: privateKey must be a TerraformVariable declared with sensitive: true, but it is a string (value not shown): a key written in code ends up in cdk.tf.json and in every plan; declare new TerraformVariable(stack, 'ssh_private_key', { type: 'string', sensitive: true }), pass that as privateKey, and set TF_VAR_ssh_private_key when you apply"],
  ['two libvirt networks with one name', (app) => {
    const stack = new TerraformStack(app, 'prod');
    new KvmNetwork(stack, 'net', { name: 'shop', cidr: '192.168.150.0/24' });
    new KvmNetwork(stack, 'net2', { name: 'shop', cidr: '192.168.151.0/24' });
  }, "KvmNetwork [prod/net2]: name \"shop\" is already the libvirt name of network prod/net on the same hypervisor (the stack's default libvirt provider); libvirt keeps one network per name, so give this one another name"],
  ['two libvirt networks with overlapping ranges', (app) => {
    const stack = new TerraformStack(app, 'prod');
    new KvmNetwork(stack, 'net', { cidr: '192.168.150.0/24' });
    new KvmNetwork(stack, 'net2', { cidr: '192.168.0.0/16' });
  }, "KvmNetwork [prod/net2]: cidr \"192.168.0.0/16\" overlaps 192.168.150.0/24 of network prod/net on the same hypervisor (the stack's default libvirt provider); libvirt cannot route both ranges, so choose one outside 192.168.150.0/24"],
  ['address outside the network', kvmHost({ address: '10.0.0.5' }),
    'KvmHost [prod/host]: address "10.0.0.5" is not a host address of 192.168.150.0/24; pick one above the gateway 192.168.150.1'],
  ['malformed address', kvmHost({ address: '192.168.150.300' }),
    'KvmHost [prod/host]: address "192.168.150.300" is not an IPv4 address; write four numbers 0-255 joined by dots, like "192.168.150.10"'],
  ['duplicate address', (app) => {
    const host = kvmHost({ address: '192.168.150.20' })(app) as KvmHost;
    const stack = TerraformStack.of(host);
    new KvmHost(stack, 'host2', { network: stack.node.findChild('net') as KvmNetwork, address: '192.168.150.20', baseImage: IMAGE, cloudInit: { sshAuthorizedKeys: [KEY] } });
  }, 'KvmHost [prod/host2]: address "192.168.150.20" is already given to another host on network prod/net; pick another, or omit it to get the next free one'],
  ['relative base image', kvmHost({ baseImage: 'images/debian.qcow2' }),
    'KvmHost [prod/host]: baseImage "images/debian.qcow2" must be an absolute, normalized path without \'..\' or spaces (or an http(s) URL for baseImage); relative paths depend on where OpenTofu runs'],
  ['base image path with ..', kvmHost({ baseImage: '/var/lib/../images/x.qcow2' }),
    'KvmHost [prod/host]: baseImage "/var/lib/../images/x.qcow2" must be an absolute, normalized path without \'..\' or spaces (or an http(s) URL for baseImage); relative paths depend on where OpenTofu runs'],
  ['base image URL with a quote', kvmHost({ baseImage: 'https://example.com/x.qcow2" ; rm' }),
    'KvmHost [prod/host]: baseImage "https://example.com/x.qcow2\\" ; rm" must be an absolute, normalized path without \'..\' or spaces (or an http(s) URL for baseImage); relative paths depend on where OpenTofu runs'],
  ['relative pool path', kvmHost({ storage: { poolPath: 'pools/x' } }),
    'KvmHost [prod/host]: storage.poolPath "pools/x" must be an absolute, normalized path without \'..\' or spaces (or an http(s) URL for baseImage); relative paths depend on where OpenTofu runs'],
  ['admin user with a cloud-init injection', kvmHost({}, { adminUser: 'admin\nruncmd: [reboot]' }),
    'KvmHost [prod/host]: adminUser "admin\\nruncmd: [reboot]" must be a Linux user name: 1-32 lowercase letters, digits, \'_\' or \'-\', not starting with a digit or \'-\''],
  ['SSH key with a cloud-init injection', kvmHost({}, { sshAuthorizedKeys: [`${KEY}\nruncmd: [reboot]`] }),
    'KvmHost [prod/host]: sshAuthorizedKeys[0] "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIZKr13k7dY5..." must be one line: "<type> <base64 body> [comment]", as in a .pub file'],
  ['data disk of zero GiB', kvmHost({ dataDisk: { sizeGiB: 0 } }),
    'KvmHost [prod/host]: dataDisk.sizeGiB 0 must be a whole number from 1 to 65536; 64 TiB is more than a real host\'s storage pool holds'],
  ['data disk over a system directory', kvmHost({ dataDisk: { sizeGiB: 10, mountPath: '/etc' } }),
    'KvmHost [prod/host]: dataDisk.mountPath "/etc" would hide a system directory of the guest; use a directory of its own such as "/srv/data"'],
  ['data disk mount path with an injection', kvmHost({ dataDisk: { sizeGiB: 10, mountPath: '/srv/data\nruncmd: [reboot]' } }),
    'KvmHost [prod/host]: dataDisk.mountPath "/srv/data\\nruncmd: [reboot]" must be an absolute, normalized directory such as "/srv/data"'],
  ['two hosts of one name', (app) => {
    const host = kvmHost({ name: 'web' })(app) as KvmHost;
    const stack = TerraformStack.of(host);
    new KvmHost(stack, 'host2', { name: 'web', network: stack.node.findChild('net') as KvmNetwork, baseImage: IMAGE, cloudInit: { sshAuthorizedKeys: [KEY] } });
  }, "KvmHost [prod/host2]: name \"web\" is already the name of KvmHost 'prod/host' on network 'prod/net'; the libvirt domain name and the MAC address come from it, so give each host its own name"],
  ['SSH key comment with a bidi override', kvmHost({}, { sshAuthorizedKeys: [`${KEY}\u202e`] }),
    'KvmHost [prod/host]: sshAuthorizedKeys[0] "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIZKr13k7dY5..." has the invisible character U+202E in its comment; remove it (letters of any language are fine in a comment, e.g. "jörg@example.no")'],
  ['SSH key comment with a control character', kvmHost({}, { sshAuthorizedKeys: [`${KEY} \u001b[2J`] }),
    'KvmHost [prod/host]: sshAuthorizedKeys[0] "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIZKr13k7dY5..." has the control character U+001B in its comment; remove it (letters of any language are fine in a comment, e.g. "jörg@example.no")'],
  ['machine type with a shell injection', kvmHost({}, { allowedVirtualization: ['kvm; reboot'] }),
    'KvmHost [prod/host]: allowedVirtualization entry "kvm; reboot" is not a machine type systemd-detect-virt --vm prints; use one of none, kvm, amazon, qemu, bochs, xen, uml, vmware, oracle, microsoft, zvm, parallels, bhyve, qnx, acrn, powervm, apple, sre, google'],

  // SysctlProfile: a pure model, so its errors name the setting (the construct that gets it adds no path).
  ['extra sysctl key no kernel has', () => new SysctlProfile({ extra: { 'net.ipv4.tcp_tw_recycle': 1 } }),
    'extra sysctl key "net.ipv4.tcp_tw_recycle" was removed in Linux 4.12 (it broke connections from clients behind NAT); net.ipv4.tcp_tw_reuse, which the profile models, is the safe way to reuse TIME_WAIT sockets'],
  ['extra sysctl key misspelt', () => new SysctlProfile({ extra: { 'net.core.somaxcon': 4096 } }),
    'extra sysctl key "net.core.somaxcon" is no kernel parameter; did you mean "net.core.somaxconn"? Set that in `overrides`, where its value is checked'],
  ['extra sysctl key outside /proc/sys', () => new SysctlProfile({ extra: { 'network.core.rmem_max': 1 } }),
    'extra sysctl key "network.core.rmem_max" starts with "network", which is no directory of /proc/sys (abi, crypto, debug, dev, fs, kernel, net, sunrpc, user, vm), so no kernel has it; check the spelling'],

  // Policy declarations.
  ['jurisdiction assigned to no country', (app) => Jurisdiction.of(new TerraformStack(app, 'prod')).set('XX'),
    "TerraformStack [prod]: jurisdiction \"XX\" is not an assigned ISO 3166-1 alpha-2 country code; use the code of the country, e.g. 'NO' for Norway"],

  ['empty redundancy reason', (app) => Redundancy.of(new TerraformStack(app, 'live')).require(''),
    "TerraformStack [live]: redundancy reason \"\" must be a sentence saying why, e.g. 'customers reach the shop through it', or left out"],
  ['a policy error in a later stack, labelled with its own stack and path', (app) => {
    dockerStack(app, 'c').network.addService('web', { image: 'app:1.0' });
    const { stack, network } = dockerStack(app, 'staging');
    Redundancy.of(stack).require();
    new NginxGateway(network, 'gateway', { network, pools: [{ name: 'p', servers: [{ host: '10.0.0.2', port: 80 }] }], routes: [{ path: '/', pool: 'p' }] });
    applyPolicy(app);
    app.synth();
  }, "Validation failed with the following errors:\n  [staging/services/gateway] [gateway-redundant-pool] route '/' reaches pool 'p' with 1 primary server, a single point of failure in 'staging': add a second server (another replica, ideally on another host) to the pool\n"],

  // TunedServer: what reaches the SSH connection and the remote-exec script.
  ['server host with a shell injection', tunedServer({ host: '10.0.0.12; rm -rf /' }),
    'TunedServer [prod/vps]: host "10.0.0.12; rm -rf /" must be a host name or an IP address; give the user in `user` and the port in `port`'],
  ['SSH user with a shell injection', tunedServer({ user: 'root;id' }),
    'TunedServer [prod/vps]: user "root;id" must be a Linux user name (lowercase letters, digits, \'_\' or \'-\')'],
  ['SSH port as a string', tunedServer({ port: wrongType('22') }),
    'TunedServer [prod/vps]: port "22" must be an integer from 1 to 65535'],
  ['private key given as the host key', tunedServer({ hostKey: PRIVATE_KEY }),
    'TunedServer [prod/vps]: hostKey is a private key (value not shown); pass the public key, the contents of the .pub file'],
  ['zero connection timeout', tunedServer({ connectionTimeoutSeconds: 0 }),
    'TunedServer [prod/vps]: connectionTimeoutSeconds 0 must be a whole number of seconds, at least 1'],
  ['SSH private key given as a string', tunedServer({ privateKey: wrongType(PRIVATE_KEY) }),
    'TunedServer [prod/vps]: privateKey must be a TerraformVariable declared with sensitive: true, but it is a string (value not shown): a key written in code ends up in cdk.tf.json and in every plan; declare new TerraformVariable(stack, \'ssh_private_key\', { type: \'string\', sensitive: true }), pass that as privateKey, and set TF_VAR_ssh_private_key when you apply'],
  ['two TunedServers tuning one host differently', (app) => {
    const server = tunedServer({})(app) as TunedServer;
    const stack = TerraformStack.of(server);
    const profile = new SysctlProfile({ overrides: { 'net.core.somaxconn': 1024 } });
    new TunedServer(stack, 'vps2', { host: '203.0.113.10', privateKey: stack.node.findChild('ssh_key') as TerraformVariable, hostKey: KEY, profile });
  }, "TunedServer [prod/vps2]: host \"203.0.113.10\" is already tuned by prod/vps with other settings (net.core.somaxconn 4096 there, 1024 here); each apply would undo the other's tuning: give both the same profile and allowedVirtualization, or tune the host with one TunedServer"],
  ['machine type with a command substitution', tunedServer({ allowedVirtualization: ['$(reboot)'] }),
    'TunedServer [prod/vps]: allowedVirtualization entry "$(reboot)" is not a machine type systemd-detect-virt --vm prints; use one of none, kvm, amazon, qemu, bochs, xen, uml, vmware, oracle, microsoft, zvm, parallels, bhyve, qnx, acrn, powervm, apple, sre, google'],

  // The environment file: types and keys at load, values in the constructs.
  ['replicas of the wrong type', envFile((c) => { c.services.storefront.replicas = 'two'; }), 'environment file env.json: services.storefront.replicas: expected a whole number (0 to 100), got the string "two"'],
  ['misspelled key', envFile((c) => { c.gateway.ports = 80; }), 'environment file env.json: gateway.ports: unknown key; did you mean port? The keys here are host, image, nginxVersion, virtualHosts, maintenance, requestIdFormat, modules, clientKeepalive, port, tlsPort, address, memoryMiB, drainTimeoutSeconds, serverNames, listenPort, tls, rateLimit, securityHeaders, trustForwardedFor, maxBodySizeMiB, gzip, process'],
  ['port out of range in the file', envFile((c) => { c.gateway.port = 70000; }), 'environment file env.json: gateway.port: 70000 is out of range; use 1 to 65535'],
  ['unknown host kind', envFile((c) => { c.hosts[0].kind = 'aws'; }), 'environment file env.json: hosts[0].kind: must be one of local, kvm, server, got the string "aws"'],
  ['missing backend key', envFile((c) => { c.backend = { kind: 's3', bucket: 'state', key: 'prod' }; }), 'environment file env.json: backend.region: is required; add it (a non-empty string: Region)'],
  ['environment name with ..', envFile((c) => { c.name = '../../etc'; }), 'environment file env.json: name: "../../etc" is not allowed; use lowercase letters, digits and \'-\', starting with a letter, at most 31 characters, like "qa-2"'],
  ['malformed network CIDR', envFile((c) => { c.hypervisors.hv1.networkCidr = '192.168.140.0/33'; }), 'environment file env.json: KvmNetwork [staging/app/hypervisors/hv1]: cidr "192.168.140.0/33" is not a CIDR with a prefix of 8..30; write it like "192.168.150.0/24"'],
  ['database path with ..', envFile((c) => { c.databases.db.dataPath = '/srv/data/../mysql'; }), 'environment file env.json: DatabaseService [staging/app/services/db]: host volume path "/srv/data/../mysql" must be absolute and normalized (no \'..\', \'.\', \'//\' or trailing \'/\'), e.g. \'/opt/data/mysql\''],
  ['unknown sysctl key', envFile((c) => { c.sysctl = { 'net.core.somaxcon': 4096 }; }), 'environment file env.json: sysctl.net.core.somaxcon: unknown key; did you mean net.core.somaxconn? The keys here are fs.file-max, fs.inotify.max_user_watches, fs.nr_open, net.core.netdev_max_backlog, net.core.somaxconn, net.ipv4.ip_forward, net.ipv4.ip_local_port_range, net.ipv4.ip_local_reserved_ports, net.ipv4.tcp_fin_timeout, net.ipv4.tcp_keepalive_intvl, net.ipv4.tcp_keepalive_probes, net.ipv4.tcp_keepalive_time, net.ipv4.tcp_max_syn_backlog, net.ipv4.tcp_max_tw_buckets, net.ipv4.tcp_slow_start_after_idle, net.ipv4.tcp_syncookies, net.ipv4.tcp_timestamps, net.ipv4.tcp_tw_reuse, vm.max_map_count, vm.swappiness'],
  ['sysctl key with a shell injection', envFile((c) => { c.sysctl = { 'net.core.somaxconn; rm': 1 }; }), 'environment file env.json: sysctl.net.core.somaxconn; rm: unknown key; the keys here are fs.file-max, fs.inotify.max_user_watches, fs.nr_open, net.core.netdev_max_backlog, net.core.somaxconn, net.ipv4.ip_forward, net.ipv4.ip_local_port_range, net.ipv4.ip_local_reserved_ports, net.ipv4.tcp_fin_timeout, net.ipv4.tcp_keepalive_intvl, net.ipv4.tcp_keepalive_probes, net.ipv4.tcp_keepalive_time, net.ipv4.tcp_max_syn_backlog, net.ipv4.tcp_max_tw_buckets, net.ipv4.tcp_slow_start_after_idle, net.ipv4.tcp_syncookies, net.ipv4.tcp_timestamps, net.ipv4.tcp_tw_reuse, vm.max_map_count, vm.swappiness (check the spelling)'],
  ['sysctl value of the wrong type', envFile((c) => { c.sysctl = { 'net.core.somaxconn': 'abc' }; }), 'environment file env.json: sysctl.net.core.somaxconn: expected a whole number (1 to 65535), got the string "abc"'],
  ['server name closing the nginx block', envFile((c) => { c.gateway.serverNames = ['shop.example.no;}']; }), 'environment file env.json: NginxGateway [staging/app/gateway]: server name "shop.example.no;}" is not a hostname: use a hostname, \'*.example.com\', \'.example.com\' or \'_\' (no regex, spaces, quotes, ; { } # $)'],
  ['SSH key with a newline', envFile((c) => { c.kvm.sshPublicKeys = ['ssh-ed25519 AAAA\nruncmd: [reboot]']; }), 'environment file env.json: KvmHost [staging/app/hosts/staging-kvm-1]: sshAuthorizedKeys[0] "ssh-ed25519 AAAA\\nruncmd: [reboot]" must be one line: "<type> <base64 body> [comment]", as in a .pub file'],
  ['host name with an underscore', envFile((c) => { c.hosts[0].name = 'kvm_1'; }), 'environment file env.json: hosts[0].name: "kvm_1" is not allowed; use a DNS label: lowercase letters, digits and \'-\', not at either end, at most 63 characters, like "kvm-1"'],
  ['image with an extra flag', envFile((c) => { c.services.storefront.image = 'shop/app:1.0 --privileged'; }), 'environment file env.json: ContainerService [staging/app/services/storefront-1]: image "shop/app:1.0 --privileged" must be an image reference such as \'mariadb:10.11\' (no whitespace or quotes)'],
  ['gateway address with an injection', envFile((c) => { c.gateway.address = '0.0.0.0; rm'; }), 'environment file env.json: NginxGateway [staging/app/gateway]: hostAddress "0.0.0.0; rm" must be an IPv4 address: \'127.0.0.1\' (this host only), one address of the host, or \'0.0.0.0\' (every interface)'],
  ['healthcheck without CMD in the file', envFile((c) => { c.services.storefront.healthcheck = { command: ['curl'] }; }), 'environment file env.json: services.storefront.healthcheck.command: needs at least 2 entries; add more'],
  ['a service using an unknown name in the file', envFile((c) => { c.services.storefront.uses = ['cache']; }), 'environment file env.json: Application [staging/app]: services.storefront.uses "cache" is no service or database of this application: use one of "inventory", "db", or add it under services or databases'],
  ['a host the file does not have', envFile((c) => { c.databases.db.host = 'staging-kvm-9'; }), 'environment file env.json: Application [staging/app]: databases.db.host "staging-kvm-9" is not a host of this application: use one of "staging-kvm-1", "staging-kvm-2"'],
  ['reserved ports that leave no port for outgoing connections', envFile((c) => { c.sysctl = { 'net.ipv4.ip_local_reserved_ports': [[1024, 65535]] }; }), 'environment file env.json: Application [staging/app]: net.ipv4.ip_local_reserved_ports 1024-65535 covers the whole ephemeral range 1024-65000 (net.ipv4.ip_local_port_range), so no port is left for outgoing connections (connect() fails with EADDRNOTAVAIL); reserve only the ports services listen on, such as [3306, 8080], or widen net.ipv4.ip_local_port_range'],
  ['residency in a code assigned to no country', envFile((c) => { c.residency.hostsIn = 'XX'; }), 'environment file env.json: EnvironmentStack [staging]: jurisdiction "XX" is not an assigned ISO 3166-1 alpha-2 country code; use the code of the country, e.g. \'NO\' for Norway'],
  ['residency in a reserved code', envFile((c) => { c.residency.allowed = ['UK']; }), 'environment file env.json: EnvironmentStack [staging]: allowed jurisdiction \'UK\' is only reserved in ISO 3166-1; the United Kingdom is \'GB\''],
];

describe('bad input', () => {
  let roots: string[] = [];
  afterEach(() => {
    for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
    roots = [];
  });

  test('the catalogue holds at least 40 distinct bad inputs', () => {
    expect(CATALOGUE.length).toBeGreaterThanOrEqual(40);
    expect(new Set(CATALOGUE.map(([name]) => name)).size).toBe(CATALOGUE.length);
    expect(new Set(CATALOGUE.map(([, , message]) => message)).size).toBe(CATALOGUE.length);
  });

  test.each(CATALOGUE)('fails on %s, naming the path, the value and the fix, and leaves cdktf.out untouched', (_name, build, message) => {
    const { root, outdir } = previousOutdir();
    roots.push(root);
    const before = snapshotDir(outdir);
    let thrown: unknown;
    try {
      build(new App({ outdir }));
    } catch (e) {
      thrown = e;
    }
    expect(() => {
      throw thrown;
    }).toThrow(message);
    // The whole message, fix included (errors gathered at synth come as cdktf's list of them).
    const text = (thrown as Error).message;
    if (!text.startsWith('Validation failed')) expect(text).toBe(message);
    expect(snapshotDir(outdir)).toEqual(before);
  });

  test("cdktf's App constructor creates the outdir and its stacks folder, before any synth", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kvms-outdir-'));
    roots.push(root);
    const outdir = path.join(root, 'cdktf.out');
    new App({ outdir });
    expect(snapshotDir(outdir)).toEqual({ stacks: '<dir>' });
  });

  test('fails when an error only shows at synth, and leaves an existing cdktf.out untouched', () => {
    const { root, outdir } = previousOutdir();
    roots.push(root);
    const before = snapshotDir(outdir);
    const app = new App({ outdir });
    dockerStack(app, 'dev').network.addService('web', { image: 'app:1.0' });
    const { network } = dockerStack(app, 'prod');
    new NginxGateway(network, 'gateway', { network }); // no routes: only known when the configuration is rendered
    expect(() => app.synth()).toThrow('NginxGateway [prod/services/gateway]: the gateway has no routes: add at least one with addRoute()');
    expect(snapshotDir(outdir)).toEqual(before);
  });
});
