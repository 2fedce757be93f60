import { Container } from '@cdktf/provider-docker/lib/container';
import { TerraformStack, TerraformVariable } from 'cdktf';
import { DockerHost } from '../../../constructs/docker-host';
import { NginxGateway } from '../../../constructs/nginx-gateway';
import { TunedServer } from '../../../constructs/tuned-server';
import {
  ALL_RULES,
  ISO_3166_ALPHA2,
  Jurisdiction,
  containerLogRotation,
  containerMemoryLimit,
  containerNoHostNetwork,
  containerNotPrivileged,
  containerPinnedImage,
  containerRestartPolicy,
  dataResidency,
  gatewayRedundantPool,
  hostSysctlProfile,
  noSecretLiteral,
  portNotPublic,
  statefulDataOnVolume,
  whyNotCountryCode,
} from '../../../policy';
import { UpstreamServer } from '../../../renderers/nginx-config';
import { SysctlProfile } from '../../../renderers/sysctl-profile';
import { SSH_KEY, dockerStack, findings, kvmHost, secret } from './helpers';

// A server's host key is a public key like any other.
const SSH_HOST_KEY = SSH_KEY;

/** A bare docker_container, made without ContainerService's secure defaults. */
function rawContainer(stack: TerraformStack, extra: Partial<ConstructorParameters<typeof Container>[2]> = {}) {
  return new Container(stack, 'raw', { name: 'raw', image: 'nginx:1.22.1', ...extra });
}

describe('the rule pack', () => {
  test('has the twelve rules with unique ids, each an error or a warning with a description', () => {
    expect(ALL_RULES.map((r) => r.id)).toEqual([
      'container-memory-limit',
      'container-restart-policy',
      'container-log-rotation',
      'container-pinned-image',
      'container-not-privileged',
      'container-no-host-network',
      'stateful-data-on-volume',
      'port-not-public',
      'no-secret-literal',
      'host-sysctl-profile',
      'gateway-redundant-pool',
      'data-residency',
    ]);
    for (const rule of ALL_RULES) {
      expect(['error', 'warning']).toContain(rule.level);
      expect(rule.description.length).toBeGreaterThan(20);
    }
  });

  test('a ContainerService with its defaults complies with every container rule', () => {
    const { network } = dockerStack();
    const web = network.addService('web', { image: 'my-php-app:1.0' });
    for (const rule of ALL_RULES) expect(findings(rule, web.container)).toEqual([]);
  });

  test('a database and a gateway with their defaults, and their jobs, comply with every rule', () => {
    const { stack, network } = dockerStack();
    const db = network.addDatabase('db', { rootPassword: secret(stack, 'root_password') });
    const gateway = new NginxGateway(network, 'gateway', {
      network, pools: [{ name: 'p', servers: [{ host: '10.0.0.2', port: 80 }] }], routes: [{ path: '/', pool: 'p' }],
    });
    for (const node of [db, db.container, db.loginCheck.container, gateway, gateway.service.container, gateway.activation.container]) {
      for (const rule of ALL_RULES) expect(findings(rule, node)).toEqual([]);
    }
  });
});

describe('container-memory-limit', () => {
  test('passes a container with a memory limit', () => {
    const { network } = dockerStack();
    expect(findings(containerMemoryLimit, network.addService('web', { image: 'app:1.0', memoryMiB: 64 }).container)).toEqual([]);
  });

  test('fails a container without a memory limit', () => {
    const { stack } = dockerStack();
    expect(findings(containerMemoryLimit, rawContainer(stack))).toEqual([
      'container has no memory limit (memory null): set memoryMiB on the ContainerService (or memory on the docker_container), e.g. 512',
    ]);
  });

  test('fails a limit removed through an escape hatch (the synthesized JSON is what counts)', () => {
    const { network } = dockerStack();
    const web = network.addService('web', { image: 'app:1.0' });
    web.container.addOverride('memory', 0);
    expect(findings(containerMemoryLimit, web.container)).toEqual([expect.stringContaining('container has no memory limit (memory 0)')]);
  });
});

describe('container-restart-policy', () => {
  test('passes unless-stopped and on-failure', () => {
    const { network } = dockerStack();
    expect(findings(containerRestartPolicy, network.addService('a', { image: 'app:1.0' }).container)).toEqual([]);
    expect(findings(containerRestartPolicy, network.addService('b', { image: 'app:1.0', restart: 'on-failure' }).container)).toEqual([]);
  });

  test("fails restart 'no' and Docker's default", () => {
    const { stack, network } = dockerStack();
    expect(findings(containerRestartPolicy, network.addService('a', { image: 'app:1.0', restart: 'no' }).container)).toEqual([
      "container restart policy \"no\" leaves it down after a crash or reboot: set restart to 'unless-stopped' (the ContainerService default)",
    ]);
    expect(findings(containerRestartPolicy, rawContainer(stack))).toHaveLength(1);
  });

  test('passes a one-shot job (attach, not must_run): it runs to completion on apply and stays exited', () => {
    const { stack, network } = dockerStack();
    const db = network.addDatabase('db', { rootPassword: secret(stack, 'root_password') });
    expect(findings(containerRestartPolicy, db.loginCheck.container)).toEqual([]);
    expect(findings(containerRestartPolicy, rawContainer(stack, { attach: true, mustRun: false, restart: 'no' }))).toEqual([]);
  });

  test('fails a container that attaches but must keep running, or that is not attached', () => {
    const { stack } = dockerStack();
    expect(findings(containerRestartPolicy, new Container(stack, 'a', { name: 'a', image: 'app:1.0', attach: true, restart: 'no' }))).toHaveLength(1);
    expect(findings(containerRestartPolicy, new Container(stack, 'b', { name: 'b', image: 'app:1.0', mustRun: false, restart: 'no' }))).toEqual([
      "container restart policy \"no\" leaves it down after a crash or reboot: set restart to 'unless-stopped' (the ContainerService default)",
    ]);
  });
});

describe('container-log-rotation', () => {
  test('passes json-file with max-size and max-file, and drivers that keep logs off the disk', () => {
    const { stack, network } = dockerStack();
    expect(findings(containerLogRotation, network.addService('web', { image: 'app:1.0' }).container)).toEqual([]);
    expect(findings(containerLogRotation, rawContainer(stack, { logDriver: 'journald' }))).toEqual([]);
  });

  test('fails the default json-file driver without rotation', () => {
    const { stack } = dockerStack();
    expect(findings(containerLogRotation, rawContainer(stack))).toEqual([
      "container logs with driver 'json-file' do not rotate (log_opts lack max-size and max-file): set logMaxSizeMiB and logMaxFiles on the ContainerService, or log_opts { max-size = \"10m\", max-file = \"3\" }",
    ]);
  });

  test('fails a json-file driver with only max-size', () => {
    const { stack } = dockerStack();
    expect(findings(containerLogRotation, rawContainer(stack, { logOpts: { 'max-size': '10m' } }))).toEqual([
      expect.stringContaining('(log_opts lack max-file)'),
    ]);
  });
});

describe('container-pinned-image', () => {
  test('passes a version tag and a digest', () => {
    const { network } = dockerStack();
    expect(findings(containerPinnedImage, network.addService('a', { image: 'registry.example.no:5000/shop/app:1.4.2' }).container)).toEqual([]);
    const digest = `nginx@sha256:${'a'.repeat(64)}`;
    expect(findings(containerPinnedImage, network.addService('b', { image: digest }).container)).toEqual([]);
  });

  test('fails :latest and a missing tag', () => {
    const { network } = dockerStack();
    expect(findings(containerPinnedImage, network.addService('a', { image: 'nginx:latest' }).container)).toEqual([
      "image \"nginx:latest\" is not pinned (tag 'latest'): use a version tag such as \"nginx:1.2.3\" or a digest (@sha256:...)",
    ]);
    expect(findings(containerPinnedImage, network.addService('b', { image: 'registry.example.no:5000/app' }).container)).toEqual([
      'image "registry.example.no:5000/app" is not pinned (no tag): use a version tag such as "registry.example.no:5000/app:1.2.3" or a digest (@sha256:...)',
    ]);
  });
});

describe('container-not-privileged', () => {
  test('passes an unprivileged container', () => {
    const { stack } = dockerStack();
    expect(findings(containerNotPrivileged, rawContainer(stack, { privileged: false }))).toEqual([]);
  });

  test('fails a privileged container, also when set through an escape hatch', () => {
    const { stack, network } = dockerStack();
    expect(findings(containerNotPrivileged, rawContainer(stack, { privileged: true }))).toEqual([
      'container runs privileged (privileged = true), which makes it root on its host: remove privileged and add only the capabilities it needs (addCapabilities), or suppress with the reason',
    ]);
    const web = network.addService('web', { image: 'app:1.0' });
    web.container.addOverride('privileged', true);
    expect(findings(containerNotPrivileged, web.container)).toHaveLength(1);
  });
});

describe('container-no-host-network', () => {
  test('passes a container on a bridge network', () => {
    const { stack } = dockerStack();
    expect(findings(containerNoHostNetwork, rawContainer(stack, { networkMode: 'bridge' }))).toEqual([]);
  });

  test('fails network_mode host', () => {
    const { stack } = dockerStack();
    expect(findings(containerNoHostNetwork, rawContainer(stack, { networkMode: 'host' }))).toEqual([
      "container uses network_mode 'host', so every port it opens is open on the host and it leaves the service network: remove network_mode and join a ServiceNetwork, publishing only the ports it needs",
    ]);
  });
});

describe('stateful-data-on-volume', () => {
  test('passes a database with its data on a host volume, and a stateless service', () => {
    const { stack, network } = dockerStack();
    const db = network.addDatabase('db', { rootPassword: secret(stack, 'root_password') });
    expect(findings(statefulDataOnVolume, db)).toEqual([]);
    const cache = network.addService('cache', { image: 'redis:7.2', replacement: 'stop-first' });
    cache.addNamedVolume('data', '/data');
    expect(findings(statefulDataOnVolume, cache)).toEqual([]);
    expect(findings(statefulDataOnVolume, network.addService('web', { image: 'app:1.0' }))).toEqual([]);
  });

  test('fails a database image without a volume on its data directory', () => {
    const { network } = dockerStack();
    const db = network.addService('mysql-core', { image: 'mariadb:10.11' });
    db.addHostVolume('/opt/data/conf', '/etc/mysql/conf.d');
    expect(findings(statefulDataOnVolume, db)).toEqual([
      'stateful service (image "mariadb:10.11") keeps its data directory "/var/lib/mysql" in the container, which a replacement deletes: mount a volume there, e.g. addHostVolume(\'/opt/data/mysql-core\', "/var/lib/mysql")',
    ]);
  });

  test('fails a read-only mount of the data directory', () => {
    const { network } = dockerStack();
    const db = network.addService('pg', { image: 'postgres:16.2' });
    db.addHostVolume('/opt/data/pg', '/var/lib/postgresql/data', { readOnly: true });
    expect(findings(statefulDataOnVolume, db)).toHaveLength(1);
  });
});

describe('port-not-public', () => {
  test('passes ports on loopback and on one private address', () => {
    const { network } = dockerStack();
    const web = network.addService('web', { image: 'app:1.0', ports: [{ containerPort: 80, hostPort: 8080 }, { containerPort: 81, hostAddress: '192.168.140.10' }] });
    expect(findings(portNotPublic, web.container)).toEqual([]);
  });

  test('fails a port on 0.0.0.0 and a port without an address', () => {
    const { stack, network } = dockerStack();
    const web = network.addService('web', { image: 'app:1.0', ports: [{ containerPort: 80, hostAddress: '0.0.0.0' }] });
    expect(findings(portNotPublic, web.container)).toEqual([
      "port 80/tcp is published on 0.0.0.0: publish it on 127.0.0.1 or one private address (hostAddress), or suppress 'port-not-public' on this construct with the reason it must be public",
    ]);
    expect(findings(portNotPublic, rawContainer(stack, { ports: [{ internal: 53, protocol: 'udp' }] }))).toEqual([
      expect.stringContaining('port 53/udp is published on every interface (no address)'),
    ]);
  });
});

describe('no-secret-literal', () => {
  test('passes a stack whose secrets come from sensitive variables', () => {
    const { stack, network } = dockerStack();
    network.addDatabase('db', { rootPassword: secret(stack, 'root_password'), environment: { MYSQL_ALLOW_EMPTY_PASSWORD: 'no' } });
    expect(findings(noSecretLiteral, stack)).toEqual([]);
  });

  test('fails a literal password in a container environment, without showing it', () => {
    const { stack } = dockerStack();
    rawContainer(stack, { env: ['DB_PASSWORD=hunter2-but-longer'] });
    const found = findings(noSecretLiteral, stack);
    expect(found).toEqual([
      'the synthesized JSON holds a secret-looking literal at resource.docker_container.raw.env[0] (environment variable DB_PASSWORD with a literal value; value not shown): declare a TerraformVariable with sensitive: true and no default, and pass the variable instead',
    ]);
    expect(found.join()).not.toContain('hunter2');
  });

  test('fails the default value of a sensitive variable and a private key in an uploaded file', () => {
    const { stack, network } = dockerStack();
    new TerraformVariable(stack, 'api_token', { type: 'string', sensitive: true, default: 'abc123abc123' });
    network.addService('web', { image: 'app:1.0', uploads: [{ path: '/etc/app/key.pem', content: '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaA==\n-----END OPENSSH PRIVATE KEY-----\n' }] });
    expect(findings(noSecretLiteral, stack)).toEqual([
      expect.stringMatching(/at resource\.docker_container\.services_web_container_[0-9A-F]+\.upload\[0\]\.content \(text that contains a PEM private key; value not shown\)/),
      expect.stringContaining("at variable.api_token.default (the default of variable 'api_token'; value not shown)"),
    ]);
  });
});

describe('host-sysctl-profile', () => {
  test('passes a KvmHost and a TunedServer with the article preset', () => {
    const { stack } = dockerStack('staging');
    expect(findings(hostSysctlProfile, kvmHost(stack))).toEqual([]);
    const server = new TunedServer(stack, 'vps', { host: '10.0.0.12', privateKey: secret(stack, 'ssh_key'), hostKey: SSH_HOST_KEY });
    expect(findings(hostSysctlProfile, server)).toEqual([]);
  });

  test('fails a host whose profile drops the article keys', () => {
    const { stack } = dockerStack('staging');
    const host = kvmHost(stack, { cloudInit: { sshAuthorizedKeys: [SSH_KEY], profile: new SysctlProfile({ preset: { 'vm.swappiness': 10 } }) } });
    expect(findings(hostSysctlProfile, host)).toEqual([
      "the host's sysctl profile leaves net.core.somaxconn, net.ipv4.tcp_tw_reuse, net.ipv4.ip_local_port_range, fs.file-max at the kernel default: keep the article's preset (new SysctlProfile()) or set them in overrides",
    ]);
  });

  test('fails a Docker host over SSH that no KvmHost or TunedServer of the stack tunes, and passes it once tuned', () => {
    const app = dockerStack().app;
    const stack = new TerraformStack(app, 'prod');
    const vm = DockerHost.ssh(stack, 'docker-vm2', { user: 'deploy', address: '10.0.0.12' });
    expect(findings(hostSysctlProfile, vm)).toEqual([
      'Docker host ssh://deploy@10.0.0.12 is not tuned by any KvmHost or TunedServer in this stack: add a TunedServer for "10.0.0.12" so its kernel gets the sysctl profile',
    ]);
    new TunedServer(stack, 'vm2', { host: '10.0.0.12', privateKey: secret(stack, 'ssh_key'), hostKey: SSH_HOST_KEY });
    expect(findings(hostSysctlProfile, vm)).toEqual([]);
  });
});

describe('gateway-redundant-pool', () => {
  function gateway(servers: UpstreamServer[]) {
    const { network } = dockerStack();
    return new NginxGateway(network, 'gateway', {
      network,
      pools: [{ name: 'frontend_pool', servers }],
      routes: [{ path: '/', pool: 'frontend_pool' }],
    });
  }
  const two = [{ host: '10.0.0.2', port: 8080 }, { host: '10.0.0.3', port: 8080 }];

  test('passes two primary servers in prod, and one server in dev', () => {
    expect(findings(gatewayRedundantPool, gateway(two), { environment: 'prod', requiresRedundancy: true })).toEqual([]);
    expect(findings(gatewayRedundantPool, gateway(two.slice(0, 1)), { environment: 'dev', requiresRedundancy: false })).toEqual([]);
  });

  test('fails one server, and one primary with a backup, in prod', () => {
    expect(findings(gatewayRedundantPool, gateway(two.slice(0, 1)), { environment: 'prod', requiresRedundancy: true })).toEqual([
      "route '/' reaches pool 'frontend_pool' with 1 primary server, a single point of failure in 'prod': add a second server (another replica, ideally on another host) to the pool",
    ]);
    const withBackup = [two[0], { ...two[1], backup: true }];
    expect(findings(gatewayRedundantPool, gateway(withBackup), { environment: 'staging', requiresRedundancy: true })).toHaveLength(1);
  });
});

describe('data-residency', () => {
  test('passes every host when the environment declares no jurisdictions, and a host declared in an allowed one', () => {
    const { stack } = dockerStack('prod');
    const host = kvmHost(stack);
    expect(findings(dataResidency, host, { environment: 'prod' })).toEqual([]);
    Jurisdiction.of(host).set('NO');
    expect(findings(dataResidency, host, { environment: 'prod', allowedJurisdictions: ['NO'] })).toEqual([]);
  });

  test('fails a host declared elsewhere', () => {
    const { stack } = dockerStack('prod');
    Jurisdiction.of(stack).allowOnly(['NO']);
    const host = kvmHost(stack);
    Jurisdiction.of(host).set('SE');
    expect(findings(dataResidency, host, { environment: 'prod' })).toEqual([
      "host is declared in 'SE', but environment 'prod' allows hosts only in 'NO': move the host to a hypervisor in 'NO', or change the environment's allowed jurisdictions if the law allows it",
    ]);
  });

  test('fails a host with no declared jurisdiction, and passes once its stack declares one', () => {
    const { stack } = dockerStack('prod');
    const server = new TunedServer(stack, 'vps', { host: '10.0.0.12', privateKey: secret(stack, 'ssh_key'), hostKey: SSH_HOST_KEY });
    expect(findings(dataResidency, server, { environment: 'prod', allowedJurisdictions: ['NO'] })).toEqual([
      "host has no declared jurisdiction, but environment 'prod' allows hosts only in 'NO': declare where it is with Jurisdiction.of(host).set('NO') (or on its stack)",
    ]);
    Jurisdiction.of(stack).set('NO');
    expect(findings(dataResidency, server, { environment: 'prod', allowedJurisdictions: ['NO'] })).toEqual([]);
  });

  test('fails a Docker engine over SSH with no declared jurisdiction, not a local engine', () => {
    const { stack, provider } = dockerStack('prod');
    const remote = DockerHost.ssh(stack, 'docker-vm2', { user: 'deploy', address: '10.0.0.12', alias: 'vm2' });
    expect(findings(dataResidency, remote, { environment: 'prod', allowedJurisdictions: ['NO'] })).toEqual([expect.stringContaining('host has no declared jurisdiction')]);
    expect(findings(dataResidency, provider, { environment: 'prod', allowedJurisdictions: ['NO'] })).toEqual([]);
    Jurisdiction.of(remote).set('NO');
    expect(findings(dataResidency, remote, { environment: 'prod', allowedJurisdictions: ['NO'] })).toEqual([]);
  });

  test('fails when a jurisdiction is not a two-letter code', () => {
    const { stack } = dockerStack('prod');
    expect(() => Jurisdiction.of(stack).set('Norway')).toThrow(
      "TerraformStack [prod]: jurisdiction \"Norway\" must be an ISO 3166-1 alpha-2 country code in capitals, e.g. 'NO' for Norway",
    );
  });

  test('fails when a two-letter code is assigned to no country', () => {
    const { stack } = dockerStack('prod');
    expect(() => Jurisdiction.of(stack).set('XX')).toThrow(
      "TerraformStack [prod]: jurisdiction \"XX\" is not an assigned ISO 3166-1 alpha-2 country code; use the code of the country, e.g. 'NO' for Norway",
    );
    expect(() => Jurisdiction.of(stack).allowOnly(['NO', 'QQ'])).toThrow('TerraformStack [prod]: allowed jurisdiction "QQ" is not an assigned ISO 3166-1 alpha-2 country code');
  });

  test('fails on codes that are only reserved, naming the assigned code meant', () => {
    const { stack } = dockerStack('prod');
    expect(() => Jurisdiction.of(stack).set('UK')).toThrow("TerraformStack [prod]: jurisdiction 'UK' is only reserved in ISO 3166-1; the United Kingdom is 'GB'");
    expect(() => Jurisdiction.of(stack).allowOnly(['EU'])).toThrow(
      "TerraformStack [prod]: allowed jurisdiction 'EU' is the European Union, not a country; list the countries allowed, e.g. ['DE', 'FR', 'NL']",
    );
  });

  test('knows the 249 assigned codes, Norway, Svalbard and the United Kingdom among them', () => {
    expect(ISO_3166_ALPHA2).toHaveLength(249);
    expect([...ISO_3166_ALPHA2].sort()).toEqual(ISO_3166_ALPHA2);
    for (const code of ['NO', 'SJ', 'GB', 'DE', 'AX']) expect(whyNotCountryCode(code)).toBeUndefined();
    const { stack } = dockerStack('prod');
    expect(Jurisdiction.of(stack).set('SJ')).toBe('SJ');
  });
});
