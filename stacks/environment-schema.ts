import type {
  CrossHostSpec,
  DatabaseSpec,
  GatewaySpec,
  HypervisorSpec,
  KvmHostSpec,
  KvmSpec,
  LocalHostSpec,
  ServerHostSpec,
  ServiceRoute,
  ServiceSpec,
} from '../constructs/application-spec';
import type { HealthcheckOptions, ReplacementStrategy } from '../constructs/container-service';
import type { DatabaseEngine } from '../constructs/database-service';
import type { GatewayClientKeepalive, GatewayCors, GatewayGzip, GatewayMaintenance, GatewayProcess, GatewayRateLimit, GatewayRoute, GatewayTls, GatewayVirtualHost } from '../renderers/nginx-config';
import type { PlacementConstraints, SpreadMode } from '../renderers/placement';
import { SysctlProfile, SysctlSettings } from '../renderers/sysctl-profile';
import type { BackendConfig, EnvironmentConfig, EnvironmentTier } from './environment-config';
import { JsonSchema } from './json-schema';

// The format of an environment file, as a JSON Schema that editors read (`$schema`) and the loader checks.
// Each object's keys are checked against its TypeScript type (`object<T>()`), and each list of choices
// against its union type (`choices<T>()`), so the schema cannot drift from the API: a key added to a
// spec without a schema entry, or a schema entry the spec does not have, fails the type-check.

/** Every key of T, each with a schema. */
type Keys<T> = { readonly [K in keyof Required<T>]: JsonSchema };

const NAME = '^[a-z][a-z0-9-]{0,30}$';
const NAME_FIX = 'use lowercase letters, digits and \'-\', starting with a letter, at most 31 characters, like "qa-2"';
const DNS_LABEL = '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$';
const ABSOLUTE_PATH = '^/';
const ABSOLUTE_FIX = 'give an absolute path, starting with /';

const str = (description: string, extra: Partial<JsonSchema> = {}): JsonSchema => ({ type: 'string', minLength: 1, description, ...extra });
const path = (description: string): JsonSchema => str(description, { pattern: ABSOLUTE_PATH, patternErrorMessage: ABSOLUTE_FIX });
const int = (description: string, minimum?: number, maximum?: number): JsonSchema => ({ type: 'integer', description, minimum, maximum });
const port = (description: string): JsonSchema => int(description, 1, 65535);
const bool = (description: string): JsonSchema => ({ type: 'boolean', description });
const strings = (description: string, minItems?: number): JsonSchema => ({ type: 'array', description, items: { type: 'string', minLength: 1 }, minItems });
/** An object with exactly the keys of T; `required` lists the keys T requires. */
const object = <T>(description: string, properties: Keys<T>, required: readonly (keyof T & string)[] = []): JsonSchema => ({
  type: 'object',
  description,
  properties,
  ...(required.length > 0 ? { required } : {}),
  additionalProperties: false,
});
/** A string that is one of the members of the union T, every one of them. */
const choices = <T extends string>(description: string, members: Readonly<Record<T, true>>): JsonSchema => ({
  type: 'string',
  enum: Object.keys(members),
  description,
});
/** A mapping of names to one kind of value. */
const map = (description: string, values: JsonSchema, names?: JsonSchema): JsonSchema => ({
  type: 'object',
  description,
  ...(names !== undefined ? { propertyNames: names } : {}),
  additionalProperties: values,
});

const labels = map('Labels placement can select hosts by, e.g. { zone: a }', { type: 'string', minLength: 1 });
const hostName = str('Name of the host: a DNS label, unique in the environment (also the KVM domain\'s name)', {
  pattern: DNS_LABEL,
  patternErrorMessage: 'use a DNS label: lowercase letters, digits and \'-\', not at either end, at most 63 characters, like "kvm-1"',
});

const localHost = object<LocalHostSpec>('The Docker engine of the machine that runs OpenTofu', {
  name: hostName,
  labels,
  kind: { type: 'string', const: 'local', description: 'The local Docker engine' },
  dockerSocket: str('The engine\'s socket, unix://<absolute path> (default DOCKER_HOST, else unix:///var/run/docker.sock)'),
  address: str('The address other hosts reach this machine at (only when containers on other hosts use something that runs here)'),
}, ['name', 'kind']);

const kvmHost = object<KvmHostSpec>('A KVM virtual machine the environment creates on one of its hypervisors', {
  name: hostName,
  labels,
  kind: { type: 'string', const: 'kvm', description: 'A KVM virtual machine created on a hypervisor' },
  hypervisor: str('The name of the hypervisor it runs on (a key of hypervisors)'),
  vcpus: int('Virtual CPUs (default 2)', 1, 512),
  memoryMiB: int('Memory in MiB (default 2048)', 512, 4194304),
  diskSizeGiB: int('Root disk in GiB (default 20)', 2, 65536),
  address: str('Its fixed IPv4 address on the hypervisor\'s network (default: the next free one)'),
  dataDiskGiB: int('Size of its data disk in GiB, mounted at /srv/data (default 10 when a database runs on it)', 1, 65536),
}, ['name', 'kind', 'hypervisor']);

const serverHost = object<ServerHostSpec>('A server that already exists, tuned and given Docker over SSH', {
  name: hostName,
  labels,
  kind: { type: 'string', const: 'server', description: 'An existing server reached over SSH' },
  address: str('The address OpenTofu reaches it at over SSH (IP or host name)'),
  user: str('The SSH user: root, or a user with passwordless sudo'),
  port: port('SSH port (default 22)'),
  hostKey: str('Its SSH host public key ("ssh-ed25519 AAAA..."), pinned for the tuning and for Docker over SSH (default: not verified, a warning)'),
  privateAddress: str('The address other hosts reach it at, when not address (cross-host ports are published there)'),
  allowedVirtualization: strings('Machine types the preflight accepts, as systemd-detect-virt --vm prints them (default [kvm])', 1),
}, ['name', 'kind', 'address', 'user']);

const healthcheck = object<HealthcheckOptions>('Docker healthcheck; a new replica gets traffic once it passes', {
  command: strings('The check: [CMD, program, args...] or [CMD-SHELL, "shell command"]', 2),
  intervalSeconds: int('Seconds between checks (default 10)', 1, 3600),
  timeoutSeconds: int('Seconds one check may take (default 5)', 1, 3600),
  retries: int('Failures before unhealthy (default 5)', 1, 100),
  startPeriodSeconds: int('Grace period after start in seconds (default 0)', 0, 3600),
  startIntervalSeconds: int('Seconds between checks during the start period (Docker 25 or later)', 1, 3600),
}, ['command']);

const placement = object<PlacementConstraints>('Where the replicas may run (default: every host, one replica a host while there are enough)', {
  hosts: strings('Only these hosts, by name', 1),
  labels: { ...labels, description: 'Only hosts with all these labels' },
  spread: choices<SpreadMode>('preferred: replicas share a host only when there are more replicas than hosts (a warning); required: that is an error', { preferred: true, required: true }),
});

const routePath = str('A path prefix the service serves on the gateway, starting with /', { pattern: ABSOLUTE_PATH, patternErrorMessage: 'start the path with /, e.g. "/api/"' });
const headers = (description: string): JsonSchema => map(description, str('The header value'));
const cors = object<GatewayCors>('Cross-origin requests the route allows; the gateway answers preflights', {
  allowOrigins: strings('Origins allowed, as scheme://host[:port], or ["*"]', 1),
  allowMethods: strings('Methods a preflight allows (default GET, HEAD, POST, PUT, PATCH, DELETE)', 1),
  allowHeaders: strings('Request headers a preflight allows (default Authorization, Content-Type, X-Request-ID)'),
  exposeHeaders: strings('Response headers scripts may read (default X-Request-ID)'),
  allowCredentials: bool('Allow cookies and HTTP authentication (not with "*"; default false)'),
  maxAgeSeconds: int('How long a browser may cache a preflight answer (default 600)', 0, 86400),
}, ['allowOrigins']);
const maintenance = object<GatewayMaintenance>('Answer with 503, Retry-After and a small page', {
  retryAfterSeconds: int('Retry-After in seconds (default 300)', 1, 86400),
  message: str('The sentence on the page'),
});
const routeOptions = {
  exact: bool('Match only this exact path (default false)'),
  stripPrefix: bool('Remove the path before forwarding (default false)'),
  websocket: bool('Pass WebSocket upgrades (default true)'),
  streaming: bool('Pass the response on as it arrives: server-sent events, long polls, large downloads (default false)'),
  requestBuffering: bool('Read the whole request body before forwarding (default true; false streams uploads)'),
  idleTimeoutSeconds: int('Longest silence on a WebSocket or stream before it is closed, in seconds', 1, 86400),
  responseHeaders: headers('Headers added to the route\'s responses, e.g. Cache-Control'),
  requestHeaders: headers('Headers sent upstream with the route\'s requests'),
  cors,
  maintenance,
};
const route: JsonSchema = {
  oneOf: [
    routePath,
    object<Exclude<ServiceRoute, string>>('A path with route options', {
      path: routePath,
      ...routeOptions,
      exact: bool('Match only this exact path (default false)'),
      stripPrefix: bool('Remove the path before forwarding (default false)'),
      connectTimeoutSeconds: int('Seconds to connect to one server', 1, 75),
      readTimeoutSeconds: int('Longest silence between two reads of the response, in seconds', 1, 86400),
      sendTimeoutSeconds: int('Longest silence between two writes of the request, in seconds', 1, 86400),
      maxBodySizeMiB: int('Largest request body in MiB (0: no limit)', 0, 1048576),
      maxTries: int('Servers tried for one request', 1, 100),
      retryTimeoutSeconds: int('Upper bound for all tries of one request, in seconds', 1, 86400),
    }, ['path']),
  ],
};

const variableNames: JsonSchema = {
  type: 'string',
  pattern: '^[A-Za-z_][A-Za-z0-9_]*$',
  patternErrorMessage: 'an environment variable name has only letters, digits and \'_\' and does not start with a digit, like "API_TOKEN"',
};

const service = object<ServiceSpec>('An application service and its replicas', {
  image: str('Image, pinned by tag or digest'),
  replicas: int('Replicas (default 1)', 0, 100),
  port: port('The port it listens on in its container (needed for routes and for services that use it)'),
  routes: { type: 'array', description: 'Gateway paths it serves (a worker has none)', items: route },
  uses: strings('Services and databases it uses, by name: it gets <NAME>_HOST and <NAME>_PORT (databases also <NAME>_NAME, _USER, _PASSWORD)'),
  environment: map('Plain environment variables (quote numbers in YAML: PORT: "8080")', { type: 'string' }, variableNames),
  secrets: map('Secret environment variables: NAME: terraform_variable; set the value with TF_VAR_<terraform_variable>', {
    type: 'string',
    pattern: '^[a-z_][a-z0-9_]*$',
    patternErrorMessage: 'name a Terraform variable: lowercase letters, digits and \'_\', not starting with a digit, like "api_token" (its value comes from TF_VAR_api_token)',
  }, variableNames),
  command: strings('Command in exec form (default: the image\'s)', 1),
  memoryMiB: int('Memory limit per replica in MiB (default 256)', 6, 1048576),
  cpus: { type: 'number', description: 'CPU limit per replica (default 1)', minimum: 0.01, maximum: 1024 },
  healthcheck,
  placement,
  startTimeoutSeconds: int('How long apply waits for a new replica to become healthy, in seconds (default 60)', 1, 3600),
  stopSignal: str('Signal that asks it to stop, e.g. SIGTERM (default: the image\'s STOPSIGNAL)', {
    pattern: '^(SIG[A-Z0-9+-]+|[0-9]{1,2})$',
    patternErrorMessage: 'give a signal name in capitals or its number, e.g. "SIGTERM", "SIGQUIT" or "15"',
  }),
  stopGraceSeconds: int('Seconds between the stop signal and SIGKILL (default 30)', 0, 3600),
  replacement: choices<ReplacementStrategy>('How a new version rolls out (default start-first)', { 'start-first': true, 'stop-first': true }),
}, ['image']);

const database = object<DatabaseSpec>('A MySQL-compatible database with its data on its host', {
  image: str('Image, pinned (default mariadb:10.11)'),
  engine: choices<DatabaseEngine>('The engine, when the image name does not say it', { mariadb: true, mysql: true }),
  host: str('The host it runs on (default: the first)'),
  dataPath: path('Host directory of the data; on a KVM host under /srv/data (default /srv/data/<name> there, elsewhere /opt/data/<environment>/<name>)'),
  memoryMiB: int('Memory limit in MiB (default 1024)', 64, 1048576),
  database: str('The application database created on first start (default: the name)'),
  user: str('The application user created on first start (default: the name)'),
  port: port('The port published on its host\'s address for services on other hosts (default 3306)'),
});

const virtualHostRoute = object<GatewayRoute>('A path of the virtual host and the service that serves it', {
  path: routePath,
  pool: str('The service that serves it, by name'),
  ...routeOptions,
  connectTimeoutSeconds: int('Seconds to connect to one server', 1, 75),
  readTimeoutSeconds: int('Longest silence between two reads of the response, in seconds', 1, 86400),
  sendTimeoutSeconds: int('Longest silence between two writes of the request, in seconds', 1, 86400),
  maxBodySizeMiB: int('Largest request body in MiB (0: no limit)', 0, 1048576),
  maxTries: int('Servers tried for one request', 1, 100),
  retryTimeoutSeconds: int('Upper bound for all tries of one request, in seconds', 1, 86400),
}, ['path', 'pool']);

const gateway = object<GatewaySpec>('The nginx gateway, with the routes collected from the services', {
  host: str('The host it runs on (default: the first)'),
  image: str('nginx image, pinned, with /bin/sh (default nginx:1.30)'),
  nginxVersion: str('The nginx version in the image, X.Y or X.Y.Z (read from a tag like nginx:1.30; required for other images)', { pattern: '^\\d+\\.\\d+(\\.\\d+)?$', patternErrorMessage: 'write it like "1.30" or "1.22.1"' }),
  virtualHosts: { type: 'array', description: 'More server blocks, each with its names, routes and certificate; unknown names are then refused with 421', items: object<GatewayVirtualHost>('A virtual host', {
    serverNames: strings('Its host names', 1),
    routes: { type: 'array', description: 'Its routes', minItems: 1, items: virtualHostRoute },
    certificate: object<NonNullable<GatewayVirtualHost['certificate']>>('Its certificate, with tls', { certificatePath: path('Certificate chain (PEM) as nginx sees it'), keyPath: path('Private key (PEM) as nginx sees it') }, ['certificatePath', 'keyPath']),
    maintenance,
  }, ['serverNames', 'routes']) },
  maintenance,
  requestIdFormat: { type: 'string', enum: ['sequential', 'random'], description: 'How request ids are made for requests that bring none (default sequential: <host>-<ms>-<connection>-<request>)' },
  modules: strings('Dynamic modules nginx loads (absolute paths)'),
  clientKeepalive: object<GatewayClientKeepalive>('How client connections are kept open', {
    timeoutSeconds: int('Idle time before a client connection is closed (default 75)', 0, 86400),
    minTimeoutSeconds: int('Time after a request during which a reload does not close the connection (nginx 1.27.4+; default 5 there)', 1, 3600),
    timeSeconds: int('Longest life of a client connection (default a third of the drain time)', 1, 86400),
  }),
  port: port('Host port for plain HTTP (default 8080)'),
  tlsPort: port('Host port for HTTPS, with tls (default 8443)'),
  address: str('Address the ports are published on; 0.0.0.0 for every interface (default 127.0.0.1 on a local host, else 0.0.0.0)'),
  memoryMiB: int('Memory limit in MiB (default 256)', 16, 1048576),
  drainTimeoutSeconds: int('Seconds a reload waits for old workers (default 30)', 1, 3600),
  serverNames: strings('Host names the gateway answers to (default: any)', 1),
  listenPort: port('Port nginx listens on inside its container (default 80)'),
  tls: object<GatewayTls>('HTTPS termination; mount the files into the gateway', {
    certificatePath: path('Certificate chain (PEM) as nginx sees it'),
    keyPath: path('Private key (PEM) as nginx sees it'),
    port: port('Port for HTTPS inside the container (default 443)'),
    redirectHttp: bool('Answer plain HTTP with a redirect to HTTPS (default true)'),
    hstsMaxAgeSeconds: int('Strict-Transport-Security max-age (default one year; 0 sends none)', 0, 63072000),
    redirectPort: port('The port in the redirect to HTTPS (default: the port HTTPS is published on)'),
    http2: bool('Offer HTTP/2 on TLS (default true)'),
    ocspStapling: bool('Staple the certificate\'s OCSP answer (default false)'),
    trustedCertificatePath: path('CA chain to verify OCSP answers with'),
  }, ['certificatePath', 'keyPath']),
  rateLimit: object<GatewayRateLimit>('Per-client request rate limit', {
    requestsPerSecond: int('Sustained requests per second per client address', 1, 100000),
    burst: int('Requests above the rate served at once before 429 (default twice the rate)', 0, 1000000),
    zoneSizeMiB: int('Shared memory for the counters in MiB (default 10)', 1, 1024),
  }, ['requestsPerSecond']),
  securityHeaders: bool('Send nosniff, SAMEORIGIN and Referrer-Policy headers (default true)'),
  trustForwardedFor: bool('Keep a client-sent X-Forwarded-For (only behind a trusted proxy; default false)'),
  maxBodySizeMiB: int('Largest request body in MiB (default 8; 0: no limit)', 0, 1048576),
  gzip: object<GatewayGzip>('Response compression', {
    enabled: bool('Compress responses (default true)'),
    types: strings('MIME types to compress besides text/html'),
    minLengthBytes: int('Smallest response worth compressing (default 256)', 0, 1073741824),
    level: int('Compression level (default 5)', 1, 9),
  }),
  process: object<GatewayProcess>('nginx process settings', {
    workerProcesses: { oneOf: [int('Worker processes', 1, 1024), { type: 'string', enum: ['auto'], description: 'One worker per core' }] },
    workerConnections: int('Connections per worker (default 4096)', 16, 1048576),
    pidPath: path('pid file (default /run/nginx.pid)'),
    errorLogPath: str('Error log path, or stderr (default stderr)'),
    accessLogPath: str('Access log path, or off (default /dev/stdout)'),
    tempDirectory: path('Directory for temporary files'),
    workerShutdownTimeoutSeconds: int('How long old workers may finish their requests after a reload (default: the drain time)', 1, 86400),
  }),
});

const ports: JsonSchema = { type: 'array', minItems: 2, maxItems: 2, items: port('A port') };
/** Every kernel parameter SysctlProfile models, with its type and range. */
const sysctl = object<SysctlSettings>('Kernel parameters over the article\'s preset, e.g. net.core.somaxconn: 8192', Object.fromEntries(
  SysctlProfile.knownKeys().map((key): [string, JsonSchema] => {
    const spec = SysctlProfile.describe(key);
    const description = spec.meaning === undefined ? spec.comment : `${spec.comment}: ${spec.meaning}`;
    switch (spec.kind) {
      case 'int': return [key, int(description, spec.min, spec.max)];
      case 'portRange': return [key, { ...ports, description: `${description}: [low, high]` }];
      case 'portList': return [key, { type: 'array', description: `${description}: ports and [low, high] ranges`, items: { oneOf: [port('A port'), ports] } }];
    }
  }),
) as Keys<SysctlSettings>);

const backendKind = <K extends BackendConfig['kind']>(kind: K): JsonSchema => ({ type: 'string', const: kind, description: `State in ${kind === 'local' ? 'a local file' : kind === 'pg' ? 'PostgreSQL' : 'S3'}` });
const backend: JsonSchema = {
  description: 'Where the state lives (default local: terraform.<name>.tfstate at the project root)',
  oneOf: [
    object<Extract<BackendConfig, { kind: 'local' }>>('A local state file', { kind: backendKind('local') }, ['kind']),
    object<Extract<BackendConfig, { kind: 'pg' }>>('PostgreSQL with locking; the connection string comes from PG_CONN_STR at init', {
      kind: backendKind('pg'),
      schemaName: str('PostgreSQL schema of the state'),
    }, ['kind', 'schemaName']),
    object<Extract<BackendConfig, { kind: 's3' }>>('S3 with a lock file in the bucket', {
      kind: backendKind('s3'),
      bucket: str('S3 bucket'),
      key: str('Object key of the state'),
      region: str('Region'),
    }, ['kind', 'bucket', 'key', 'region']),
  ],
};

const country: JsonSchema = str('An ISO 3166-1 alpha-2 country code, e.g. DE', { pattern: '^[A-Z]{2}$', patternErrorMessage: 'give an ISO 3166-1 alpha-2 country code in capitals, like "DE" or "NO"' });
const names = (what: string): JsonSchema => ({
  type: 'string',
  pattern: NAME,
  patternErrorMessage: `a ${what} name is a network alias: ${NAME_FIX}`,
});

/** The JSON Schema of an environment file (published as `schema/environment.schema.json`). */
export const ENVIRONMENT_SCHEMA: JsonSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'urn:cdktf-kvm-microservices:schema:environment',
  title: 'cdktf-kvm-microservices environment',
  ...object<EnvironmentConfig & { $schema: string }>('One environment: its hosts, services, databases and gateway (the shape of EnvironmentConfig)', {
    name: str('Environment name: the stack name and the prefix of every Docker name', { pattern: NAME, patternErrorMessage: NAME_FIX }),
    tier: choices<EnvironmentTier>('What the environment is: staging and production must have no single point of failure (default development)', {
      development: true,
      staging: true,
      production: true,
    }),
    hypervisors: map('The libvirt hypervisors KVM hosts run on, by name', object<HypervisorSpec>('A libvirt hypervisor and the network its hosts join', {
      uri: str('libvirt connection URI, e.g. qemu:///system or qemu+ssh://ops@hv1.example.de/system'),
      networkCidr: str('IPv4 range of the hosts\' network, e.g. 192.168.140.0/24'),
      existingNetwork: str('An existing libvirt network to join (e.g. bridged to a LAN) instead of creating a NAT network'),
      isolated: bool('Create an isolated network, without NAT (default false)'),
    }, ['uri', 'networkCidr']), { type: 'string', pattern: DNS_LABEL, patternErrorMessage: 'a hypervisor name is a DNS label: lowercase letters, digits and \'-\', like "hv1"' }),
    kvm: object<KvmSpec>('What every KVM host shares', {
      baseImage: str('The cloud image the hosts boot (http(s) URL or absolute path)'),
      sshPublicKeys: strings('OpenSSH public keys of the admin user', 1),
      virtualization: choices<NonNullable<KvmSpec['virtualization']>>('kvm (hardware) or qemu (emulation); default kvm', { kvm: true, qemu: true }),
      adminUser: str('The admin user (default admin)'),
    }, ['baseImage', 'sshPublicKeys']),
    hosts: {
      type: 'array',
      description: 'The hosts, in order: the first is the default for the gateway and databases',
      minItems: 1,
      items: { description: 'A host: kind local, kvm or server', oneOf: [localHost, kvmHost, serverHost] },
    },
    services: map('The services, by name (a worker is a service without routes)', service, names('service')),
    databases: map('The databases, by name', database, names('database')),
    gateway,
    sysctl,
    crossHost: object<CrossHostSpec>('Traffic between hosts', {
      portBase: int('First port of the cross-host range (default 20000)', 1024, 65535),
      relayImage: str('nginx image of the relays, with the stream module (default: the gateway\'s image)'),
      relayModules: strings('Dynamic modules the relays load, e.g. /usr/lib/nginx/modules/ngx_stream_module.so'),
    }),
    backend,
    residency: object<NonNullable<EnvironmentConfig['residency']>>('Data residency: the country the hosts are in and the countries they may be in', {
      hostsIn: country,
      allowed: { type: 'array', description: 'The countries hosts may be in, e.g. [DE]', minItems: 1, items: country },
    }, ['hostsIn', 'allowed']),
    $schema: str('The schema of this file, for editors, e.g. ./node_modules/cdktf-kvm-microservices/schema/environment.schema.json'),
  }, ['name', 'hosts', 'services']),
};
