import 'cdktf/lib/testing/adapters/jest'; // types of the cdktf jest matchers
import { Container } from '@cdktf/provider-docker/lib/container';
import { Network } from '@cdktf/provider-docker/lib/network';
import { DockerProvider } from '@cdktf/provider-docker/lib/provider';
import { Volume } from '@cdktf/provider-docker/lib/volume';
import { TerraformStack, TerraformVariable, Testing } from 'cdktf';
import { containerPinnedImage } from '../../../policy/rules';
import { ContainerService, ContainerServiceOptions, FINGERPRINT_LABEL, looksSecret } from '../../../constructs/container-service';
import { ServiceNetwork } from '../../../constructs/service-network';

function setup() {
  const app = Testing.app();
  const stack = new TerraformStack(app, 'dev');
  const provider = new DockerProvider(stack, 'docker', {});
  const network = new ServiceNetwork(stack, 'services', { provider });
  return { stack, provider, network };
}

/** GIVEN a network WHEN one service is added with `options` THEN the service and the synthesized JSON. */
function synthService(options: Partial<ContainerServiceOptions> = {}) {
  const { stack, network } = setup();
  const service = network.addService('web', { image: 'my-php-app:1.0', ...options });
  return { service, stack, synth: Testing.synth(stack) };
}

function warnings(service: ContainerService): string[] {
  return service.node.metadata.filter((m) => m.type === '@cdktf/warn').map((m) => String(m.data));
}

function secretVariable(stack: TerraformStack, id = 'db_root_password') {
  return new TerraformVariable(stack, id, { type: 'string', sensitive: true });
}

/** The synthesized docker_container of `service`. */
function containerOf(synth: string, service: ContainerService): Record<string, any> {
  return JSON.parse(synth).resource.docker_container[service.container.friendlyUniqueId];
}

/** The name a start-first container gets: its base name and `${local.<version>}`. */
function versionedName(service: ContainerService): string {
  return `${service.baseContainerName}-\${local.${service.version.friendlyUniqueId}}`;
}

describe('ContainerService defaults', () => {
  test('a service gets secure, documented defaults', () => {
    const { service, synth } = synthService();
    expect(synth).toHaveResourceWithProperties(Container, {
      name: `dev-services-web-\${local.${service.version.friendlyUniqueId}}`,
      image: 'my-php-app:1.0',
      restart: 'unless-stopped',
      memory: 512,
      memory_swap: 512,
      cpu_period: 100000,
      cpu_quota: 100000,
      cpu_shares: 1024,
      log_driver: 'json-file',
      log_opts: { 'max-size': '10m', 'max-file': '3' },
      destroy_grace_seconds: 10,
      stop_timeout: 10,
      lifecycle: { create_before_destroy: true },
      networks_advanced: [{ name: `\${docker_network.${service.network.resource.friendlyUniqueId}.name}`, aliases: ['web'] }],
    });
    expect(service.restart).toBe('unless-stopped');
    expect(service.memoryMiB).toBe(512);
    expect(service.cpus).toBe(1);
    expect(service.alias).toBe('web');
    expect(service.replacement).toBe('start-first');
    expect(service.baseContainerName).toBe('dev-services-web');
    expect(service.stopSignal).toBeUndefined();
    expect(service.replicaOf).toBeUndefined();
    expect(warnings(service)).toEqual([]);
  });

  test('no ports, uploads, volumes, wait or cpus attribute unless asked', () => {
    const { synth } = synthService();
    const container = Object.values(JSON.parse(synth).resource.docker_container)[0] as Record<string, unknown>;
    for (const key of ['ports', 'upload', 'volumes', 'wait', 'healthcheck', 'read_only', 'capabilities', 'sysctls', 'user', 'cpus', 'env', 'labels', 'stop_signal', 'depends_on']) {
      expect(container).not.toHaveProperty(key);
    }
  });
});

describe('ContainerService options', () => {
  test('image pinned by digest gives no warning', () => {
    const { service } = synthService({ image: 'registry.local:5000/app@sha256:' + 'a'.repeat(64) });
    expect(warnings(service)).toEqual([]);
  });

  test('leaves an unpinned image to the policy rule container-pinned-image: no warning of its own, so its suppression is the one decision', () => {
    const latest = synthService({ image: 'my-php-app:latest' }).service;
    const untagged = synthService({ image: 'registry.local:5000/my-php-app' }).service;
    expect([warnings(latest), warnings(untagged)]).toEqual([[], []]);
    expect(containerPinnedImage.check(latest.container, { environment: 'dev', requiresRedundancy: false }).map((f) => f.message)).toEqual([
      'image "my-php-app:latest" is not pinned (tag \'latest\'): use a version tag such as "my-php-app:1.2.3" or a digest (@sha256:...)',
    ]);
    // a registry port is not a tag
    expect(containerPinnedImage.check(untagged.container, { environment: 'dev', requiresRedundancy: false }).map((f) => f.message)).toEqual([
      'image "registry.local:5000/my-php-app" is not pinned (no tag): use a version tag such as "registry.local:5000/my-php-app:1.2.3" or a digest (@sha256:...)',
    ]);
  });

  test('alias and containerName (the base of a start-first name)', () => {
    const { service, synth } = synthService({ alias: 'app', containerName: 'web-app' });
    expect(synth).toHaveResourceWithProperties(Container, {
      name: `web-app-\${local.${service.version.friendlyUniqueId}}`,
      networks_advanced: [expect.objectContaining({ aliases: ['app'] })],
    });
    expect(service.baseContainerName).toBe('web-app');
  });

  test('containerName is the whole name of a stop-first service', () => {
    const { service, synth } = synthService({ containerName: 'web-app', replacement: 'stop-first' });
    expect(synth).toHaveResourceWithProperties(Container, { name: 'web-app' });
    expect(service.containerName).toBe('web-app');
  });

  test('command', () => {
    const { synth } = synthService({ command: ['php-fpm', '-F'] });
    expect(synth).toHaveResourceWithProperties(Container, { command: ['php-fpm', '-F'] });
  });

  test('environment', () => {
    const { synth } = synthService({ environment: { APP_ENV: 'production', DB_HOST: 'db' } });
    expect(synth).toHaveResourceWithProperties(Container, { env: ['APP_ENV=production', 'DB_HOST=db'] });
  });

  test('a secret-looking name with a flag value is not a secret', () => {
    const { synth } = synthService({ environment: { MYSQL_ALLOW_EMPTY_PASSWORD: 'no' } });
    expect(synth).toHaveResourceWithProperties(Container, { env: ['MYSQL_ALLOW_EMPTY_PASSWORD=no'] });
  });

  test('a *_FILE variable pointing at a secret file is allowed', () => {
    const { synth } = synthService({ environment: { MYSQL_ROOT_PASSWORD_FILE: '/run/secrets/db_root_password' } });
    expect(synth).toHaveResourceWithProperties(Container, { env: ['MYSQL_ROOT_PASSWORD_FILE=/run/secrets/db_root_password'] });
  });

  test('secretEnvironment renders a variable reference, never a value', () => {
    const { stack, network } = setup();
    network.addService('web', {
      image: 'my-php-app:1.0',
      environment: { DB_HOST: 'db' },
      secretEnvironment: { DB_PASSWORD: secretVariable(stack, 'db_password') },
    });
    const synth = Testing.synth(stack);
    expect(synth).toHaveResourceWithProperties(Container, { env: ['DB_HOST=db', 'DB_PASSWORD=${var.db_password}'] });
    expect(JSON.parse(synth).variable.db_password).toEqual({ sensitive: true, type: 'string' });
  });

  test('addSecretEnv returns the variable', () => {
    const { stack, network } = setup();
    const web = network.addService('web', { image: 'my-php-app:1.0' });
    const variable = secretVariable(stack, 'api_token');
    expect(web.addSecretEnv('API_TOKEN', variable)).toBe(variable);
    expect(Testing.synth(stack)).toHaveResourceWithProperties(Container, { env: ['API_TOKEN=${var.api_token}'] });
  });

  test('ports default to loopback and the same host port', () => {
    const { service, synth } = synthService({ ports: [{ containerPort: 80 }] });
    expect(synth).toHaveResourceWithProperties(Container, {
      ports: [{ internal: 80, external: 80, ip: '127.0.0.1', protocol: 'tcp' }],
    });
    expect(service.publishedPorts).toEqual([{ containerPort: 80, hostPort: 80, hostAddress: '127.0.0.1', protocol: 'tcp' }]);
    expect(warnings(service)).toEqual([]);
  });

  test('ports with host port, address and protocol', () => {
    const { synth } = synthService({ ports: [{ containerPort: 80, hostPort: 8080, hostAddress: '10.0.0.5', protocol: 'tcp' }, { containerPort: 53, protocol: 'udp' }] });
    expect(synth).toHaveResourceWithProperties(Container, {
      ports: [
        { internal: 80, external: 8080, ip: '10.0.0.5', protocol: 'tcp' },
        { internal: 53, external: 53, ip: '127.0.0.1', protocol: 'udp' },
      ],
    });
  });

  test('leaves a port published on 0.0.0.0 to the policy rule port-not-public (one decision, which a suppression can allow)', () => {
    const { service, synth } = synthService({ ports: [{ containerPort: 80, hostPort: 8080, hostAddress: '0.0.0.0' }] });
    expect(synth).toHaveResourceWithProperties(Container, { ports: [expect.objectContaining({ ip: '0.0.0.0' })] });
    expect(warnings(service)).toEqual([]);
  });

  test('restart policy', () => {
    const { synth } = synthService({ restart: 'on-failure' });
    expect(synth).toHaveResourceWithProperties(Container, { restart: 'on-failure' });
  });

  test('memory and CPU limits', () => {
    const { synth } = synthService({ memoryMiB: 256, memorySwapMiB: 384, cpus: 1.5, cpuShares: 512 });
    expect(synth).toHaveResourceWithProperties(Container, {
      memory: 256, memory_swap: 384, cpu_period: 100000, cpu_quota: 150000, cpu_shares: 512,
    });
  });

  test('unlimited swap', () => {
    const { synth } = synthService({ memorySwapMiB: -1 });
    expect(synth).toHaveResourceWithProperties(Container, { memory_swap: -1 });
  });

  test('healthcheck with intervals in seconds', () => {
    const { synth } = synthService({
      healthcheck: { command: ['CMD', 'curl', '-f', 'http://127.0.0.1/health'], intervalSeconds: 15, timeoutSeconds: 3, retries: 4, startPeriodSeconds: 20, startIntervalSeconds: 1 },
    });
    expect(synth).toHaveResourceWithProperties(Container, {
      healthcheck: { test: ['CMD', 'curl', '-f', 'http://127.0.0.1/health'], interval: '15s', timeout: '3s', retries: 4, start_period: '20s', start_interval: '1s' },
    });
  });

  test('a start-first service with a healthcheck waits for it, so the old container goes only once the new one is healthy', () => {
    const { service, synth } = synthService({ healthcheck: { command: ['CMD', 'true'] } });
    expect(synth).toHaveResourceWithProperties(Container, { wait: true, wait_timeout: 60, lifecycle: { create_before_destroy: true } });
    expect(service.waitsForHealthy).toBe(true);
  });

  test('a stop-first service with a healthcheck, and a start-first one told not to, do not wait', () => {
    for (const options of [{ replacement: 'stop-first' as const }, { waitForHealthy: false }]) {
      const { service, synth } = synthService({ healthcheck: { command: ['CMD', 'true'] }, ...options });
      expect(containerOf(synth, service)).not.toHaveProperty('wait');
      expect(service.waitsForHealthy).toBe(false);
    }
  });

  test('healthcheck defaults', () => {
    const { synth } = synthService({ healthcheck: { command: ['CMD-SHELL', 'curl -f http://127.0.0.1/ || exit 1'] } });
    expect(synth).toHaveResourceWithProperties(Container, {
      healthcheck: { test: ['CMD-SHELL', 'curl -f http://127.0.0.1/ || exit 1'], interval: '10s', timeout: '5s', retries: 5, start_period: '0s' },
    });
  });

  test('waitForHealthy and waitTimeoutSeconds', () => {
    const { service, synth } = synthService({ healthcheck: { command: ['CMD', 'true'] }, waitForHealthy: true, waitTimeoutSeconds: 90 });
    expect(synth).toHaveResourceWithProperties(Container, { wait: true, wait_timeout: 90 });
    expect(service.waitsForHealthy).toBe(true);
  });

  test('log rotation size and count', () => {
    const { synth } = synthService({ logMaxSizeMiB: 50, logMaxFiles: 5 });
    expect(synth).toHaveResourceWithProperties(Container, { log_driver: 'json-file', log_opts: { 'max-size': '50m', 'max-file': '5' } });
  });

  test('user', () => {
    const { synth } = synthService({ user: '1000:1000' });
    expect(synth).toHaveResourceWithProperties(Container, { user: '1000:1000' });
  });

  test('read-only root filesystem with tmpfs', () => {
    const { service, synth } = synthService({ readOnlyRootFilesystem: true, tmpfs: { '/tmp': 'rw,size=64m', '/run': '' } });
    expect(synth).toHaveResourceWithProperties(Container, { read_only: true, tmpfs: { '/tmp': 'rw,size=64m', '/run': '' } });
    expect(service.tmpfsPaths).toEqual(['/tmp', '/run']);
  });

  test('dropped and added capabilities', () => {
    const { synth } = synthService({ dropCapabilities: ['ALL'], addCapabilities: ['NET_BIND_SERVICE'] });
    expect(synth).toHaveResourceWithProperties(Container, { capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } });
  });

  test('namespaced sysctls', () => {
    const { synth } = synthService({ sysctls: { 'net.core.somaxconn': 4096, 'net.ipv4.ip_local_port_range': '1024 65000', 'kernel.shmmax': '68719476736' } });
    expect(synth).toHaveResourceWithProperties(Container, {
      sysctls: { 'net.core.somaxconn': '4096', 'net.ipv4.ip_local_port_range': '1024 65000', 'kernel.shmmax': '68719476736' },
    });
  });

  test('reserved ports as a comma list of ports and ranges, as the kernel takes them', () => {
    const { synth } = synthService({ sysctls: { 'net.ipv4.ip_local_reserved_ports': '3306,13000-13099' } });
    expect(synth).toHaveResourceWithProperties(Container, { sysctls: { 'net.ipv4.ip_local_reserved_ports': '3306,13000-13099' } });
  });

  test('uploads write files into the container', () => {
    const { synth } = synthService({
      uploads: [
        { path: '/etc/nginx/nginx.conf', content: 'events {}\n' },
        { path: '/usr/local/bin/start.sh', content: '#!/bin/sh\n', executable: true },
      ],
    });
    expect(synth).toHaveResourceWithProperties(Container, {
      upload: [
        { file: '/etc/nginx/nginx.conf', content: 'events {}\n' },
        { file: '/usr/local/bin/start.sh', content: '#!/bin/sh\n', executable: true },
      ],
    });
  });

  test('literal text reaches the container as written: Terraform template sequences are escaped', () => {
    const { synth } = synthService({
      command: ['sh', '-c', 'echo ${HOME}'],
      environment: { GREETING: 'hello ${name} %{x}' },
      healthcheck: { command: ['CMD-SHELL', 'test -n "${HOSTNAME}"'] },
      uploads: [{ path: '/etc/nginx/nginx.conf', content: 'map $http_upgrade $c { default "${x}"; }\n%{ if }' }],
    });
    expect(synth).toHaveResourceWithProperties(Container, {
      command: ['sh', '-c', 'echo $${HOME}'],
      env: ['GREETING=hello $${name} %%{x}'],
      healthcheck: expect.objectContaining({ test: ['CMD-SHELL', 'test -n "$${HOSTNAME}"'] }),
      upload: [{ file: '/etc/nginx/nginx.conf', content: 'map $http_upgrade $c { default "$${x}"; }\n%%{ if }' }],
    });
  });

  test('tokens in literal positions are not escaped', () => {
    const { stack, network } = setup();
    const greeting = new TerraformVariable(stack, 'greeting', { type: 'string' });
    network.addService('web', { image: 'app:1', environment: { GREETING: greeting.stringValue } });
    expect(Testing.synth(stack)).toHaveResourceWithProperties(Container, { env: ['GREETING=${var.greeting}'] });
  });

  test('destroyGraceSeconds is also the stop timeout of docker stop and restarts', () => {
    const { synth } = synthService({ destroyGraceSeconds: 30 });
    expect(synth).toHaveResourceWithProperties(Container, { destroy_grace_seconds: 30, stop_timeout: 30 });
  });

  test('stopSignal, by name or number', () => {
    expect(synthService({ stopSignal: 'SIGQUIT' }).synth).toHaveResourceWithProperties(Container, { stop_signal: 'SIGQUIT' });
    const { service, synth } = synthService({ stopSignal: '3' });
    expect(synth).toHaveResourceWithProperties(Container, { stop_signal: '3' });
    expect(service.stopSignal).toBe('3');
  });

  test('dockerProvider puts the container and a same-named network on another host', () => {
    const { stack, network } = setup();
    const vm2 = new DockerProvider(stack, 'docker-vm2', { alias: 'vm2', host: 'ssh://deploy@10.0.0.12' });
    const replica = network.addService('web-2', { image: 'my-php-app:1.0', dockerProvider: vm2 });
    const synth = Testing.synth(stack);
    expect(replica.dockerProvider).toBe(vm2);
    const remoteNetwork = network.resourceOn(vm2);
    expect(remoteNetwork).not.toBe(network.resource);
    expect(synth).toHaveResourceWithProperties(Container, {
      provider: 'docker.vm2',
      networks_advanced: [{ name: `\${docker_network.${remoteNetwork.friendlyUniqueId}.name}`, aliases: ['web-2'] }],
    });
    expect(synth).toHaveResourceWithProperties(Network, { name: 'dev-services', provider: 'docker.vm2' });
  });
});

describe('ContainerService volumes', () => {
  test('host volumes, read-write and read-only', () => {
    const { stack, network } = setup();
    const web = network.addService('web', { image: 'my-php-app:1.0' });
    const uploads = web.addHostVolume('/opt/data/uploads', '/var/www/uploads');
    web.addHostVolume('/opt/config/app', '/etc/app', { readOnly: true });
    expect(uploads).toEqual({ hostPath: '/opt/data/uploads', containerPath: '/var/www/uploads', readOnly: false });
    expect(Testing.synth(stack)).toHaveResourceWithProperties(Container, {
      volumes: [
        { host_path: '/opt/data/uploads', container_path: '/var/www/uploads' },
        { host_path: '/opt/config/app', container_path: '/etc/app', read_only: true },
      ],
    });
    expect(web.hostVolumeMounts).toHaveLength(2);
  });

  test('named volumes create a docker_volume on the service host (stop-first services only)', () => {
    const { stack, network } = setup();
    const web = network.addService('web', { image: 'my-php-app:1.0', replacement: 'stop-first' });
    const cache = web.addNamedVolume('cache', '/var/cache/app');
    const sessions = web.addNamedVolume('sessions', '/var/lib/php/sessions', { volumeName: 'php-sessions', readOnly: true });
    expect(cache.containerPath).toBe('/var/cache/app');
    const synth = Testing.synth(stack);
    expect(synth).toHaveResourceWithProperties(Volume, { name: 'dev-services-web-cache', provider: 'docker' });
    expect(synth).toHaveResourceWithProperties(Volume, { name: 'php-sessions' });
    expect(synth).toHaveResourceWithProperties(Container, {
      volumes: [
        { volume_name: `\${docker_volume.${cache.volume.friendlyUniqueId}.name}`, container_path: '/var/cache/app' },
        { volume_name: `\${docker_volume.${sessions.volume.friendlyUniqueId}.name}`, container_path: '/var/lib/php/sessions', read_only: true },
      ],
    });
  });
});

describe('ContainerService links', () => {
  test('link adds the alias on the target, orders creation and waits for a healthy target', () => {
    // GIVEN two start-first services, the target with a healthcheck but no wait of its own
    const { stack, network } = setup();
    const api = network.addService('inventory', { image: 'inventory:2.3', healthcheck: { command: ['CMD', 'true'] }, waitForHealthy: false });
    const web = network.addService('web', { image: 'my-php-app:1.0' });
    // WHEN one links the other
    web.link(api, 'api');
    const synth = Testing.synth(stack);
    // THEN the alias resolves, the target is created (and healthy) first
    expect(containerOf(synth, api)).toMatchObject({
      networks_advanced: [expect.objectContaining({ aliases: ['inventory', 'api'] })],
      wait: true,
      wait_timeout: 60,
    });
    expect(containerOf(synth, web).depends_on).toEqual([`docker_container.${api.container.friendlyUniqueId}`]);
    expect(api.aliases).toEqual(['inventory', 'api']);
    expect(api.waitsForHealthy).toBe(true);
    expect(web.links).toEqual([api]);
    expect(web.dependsOnService(api)).toBe(true);
  });

  test('link to a target without healthcheck orders creation but does not wait', () => {
    const { stack, network } = setup();
    const cache = network.addService('cache', { image: 'memcached:1.6' });
    const web = network.addService('web', { image: 'my-php-app:1.0' });
    web.link(cache);
    const synth = Testing.synth(stack);
    expect(containerOf(synth, cache)).not.toHaveProperty('wait');
    expect(containerOf(synth, web).depends_on).toEqual([`docker_container.${cache.container.friendlyUniqueId}`]);
    expect(cache.aliases).toEqual(['cache']);
    expect(web.links).toEqual([cache]);
  });

  test('two services may link the same target under the same alias', () => {
    const { stack, network } = setup();
    const db = network.addService('mysql-core', { image: 'mariadb:10.11' });
    network.addService('web', { image: 'my-php-app:1.0' }).link(db, 'db');
    network.addService('worker', { image: 'my-php-app:1.0' }).link(db, 'db');
    expect(db.aliases).toEqual(['mysql-core', 'db']);
    expect(containerOf(Testing.synth(stack), db).networks_advanced).toEqual([expect.objectContaining({ aliases: ['mysql-core', 'db'] })]);
  });

  test('linking twice adds one dependency', () => {
    const { stack, network } = setup();
    const db = network.addService('mysql-core', { image: 'mariadb:10.11' });
    const web = network.addService('web', { image: 'my-php-app:1.0' });
    web.link(db, 'db');
    web.link(db, 'mysql');
    expect(containerOf(Testing.synth(stack), web).depends_on).toEqual([`docker_container.${db.container.friendlyUniqueId}`]);
    expect(db.aliases).toEqual(['mysql-core', 'db', 'mysql']);
  });
});

describe('ContainerService replacement', () => {
  test('start-first by default: a fingerprinted name, create_before_destroy and no fingerprint label', () => {
    // GIVEN a service with no published port
    const { service, synth } = synthService();
    const json = JSON.parse(synth);
    // THEN its name carries the version local, which holds the content hash: known at synth, since the
    // network's name is a literal
    expect(service.replacement).toBe('start-first');
    expect(containerOf(synth, service)).toMatchObject({ name: versionedName(service), lifecycle: { create_before_destroy: true } });
    expect(containerOf(synth, service)).not.toHaveProperty('labels');
    expect(json.locals[service.version.friendlyUniqueId]).toMatch(
      /^[0-9a-f]{8}$/,
    );
  });

  test('stop-first when ports are given: the fixed name, the fingerprint as a label, no create_before_destroy', () => {
    const { service, synth } = synthService({ ports: [{ containerPort: 80, hostPort: 8080 }] });
    expect(service.replacement).toBe('stop-first');
    expect(service.containerName).toBe('dev-services-web');
    expect(containerOf(synth, service)).toMatchObject({
      name: 'dev-services-web',
      labels: [{ label: FINGERPRINT_LABEL, value: `\${local.${service.version.friendlyUniqueId}}` }],
    });
    expect(containerOf(synth, service)).not.toHaveProperty('lifecycle');
    expect(FINGERPRINT_LABEL).toBe('cdktf-kvm-microservices.fingerprint');
  });

  test('stop-first on request, without ports, and then named volumes and ports may be added', () => {
    const { stack, network } = setup();
    const web = network.addService('web', { image: 'my-php-app:1.0', replacement: 'stop-first' });
    web.addPort({ containerPort: 80, hostPort: 8080 });
    web.addNamedVolume('cache', '/var/cache/app');
    const json = containerOf(Testing.synth(stack), web);
    expect(json.name).toBe('dev-services-web');
    expect(json.ports).toEqual([{ internal: 80, external: 8080, ip: '127.0.0.1', protocol: 'tcp' }]);
  });

  test('fails when a start-first service publishes a port given at construction', () => {
    expect(() => synthService({ replacement: 'start-first', ports: [{ containerPort: 80, hostPort: 8080 }] })).toThrow(
      "ContainerService [dev/services/web]: cannot publish port 8080: this service is replaced start-first, and the new container could not bind the host port while the old one still runs; give it replacement: 'stop-first' (a replacement then interrupts it briefly), or reach it through its network alias",
    );
  });

  test('fails when addPort is called on a start-first service', () => {
    const web = setup().network.addService('web', { image: 'my-php-app:1.0' });
    expect(() => web.addPort({ containerPort: 5000 })).toThrow(
      "ContainerService [dev/services/web]: cannot publish port 5000: this service is replaced start-first, and the new container could not bind the host port while the old one still runs; give it replacement: 'stop-first' (a replacement then interrupts it briefly), or reach it through its network alias",
    );
    expect(web.publishedPorts).toEqual([]);
  });

  test('fails when addNamedVolume is called on a start-first service', () => {
    const web = setup().network.addService('web', { image: 'my-php-app:1.0' });
    expect(() => web.addNamedVolume('cache', '/var/cache/app')).toThrow(
      "ContainerService [dev/services/web]: cannot mount named volume 'cache': this service is replaced start-first, so the old and the new container would both write to the volume during a rollout; keep the data on a host volume (addHostVolume) or in a database, or give the service replacement: 'stop-first'",
    );
    expect(web.namedVolumeMounts).toEqual([]);
    expect(web.node.tryFindChild('cache')).toBeUndefined();
  });

  test('a change of content gives a start-first container a new name; a change docker applies in place does not', () => {
    const localOf = (options: Partial<ContainerServiceOptions>): string => {
      const { service, synth } = synthService(options);
      return JSON.parse(synth).locals[service.version.friendlyUniqueId];
    };
    const base = localOf({});
    expect(localOf({})).toBe(base);
    for (const inPlace of [{ memoryMiB: 256 }, { restart: 'always' as const }, { cpuShares: 512 }, { memorySwapMiB: 1024 }]) expect(localOf(inPlace)).toBe(base);
    expect(localOf({ image: 'my-php-app:1.1' })).not.toBe(base);
    expect(localOf({ environment: { APP_ENV: 'production' } })).not.toBe(base);
    expect(localOf({ healthcheck: { command: ['CMD', 'true'] } })).not.toBe(base);
  });

  test('a secret in the environment makes the fingerprint an apply-time expression that never shows the value', () => {
    const { stack, network } = setup();
    const web = network.addService('web', { image: 'my-php-app:1.0', secretEnvironment: { DB_PASSWORD: secretVariable(stack, 'db_password') } });
    const local: string = JSON.parse(Testing.synth(stack)).locals[web.version.friendlyUniqueId];
    expect(local).toMatch(/^\$\{nonsensitive\(substr\(sha256\(join\("\|", \["[0-9a-f]{64}", var\.db_password\]\)\), 0, 8\)\)\}$/);
  });

  test('replicaOf adds the replica set name to the aliases of each replica', () => {
    const { stack, network } = setup();
    const one = network.addService('storefront-1', { image: 'shop:1.0', replicaOf: 'storefront' });
    const two = network.addService('storefront-2', { image: 'shop:1.0', replicaOf: 'storefront' });
    const synth = Testing.synth(stack);
    expect(containerOf(synth, one).networks_advanced).toEqual([expect.objectContaining({ aliases: ['storefront-1', 'storefront'] })]);
    expect(containerOf(synth, two).networks_advanced).toEqual([expect.objectContaining({ aliases: ['storefront-2', 'storefront'] })]);
    expect(two.replicaOf).toBe('storefront');
    expect(two.aliases).toEqual(['storefront-2', 'storefront']);
  });

  test('fails when replacement is not a strategy', () => {
    expect(() => synthService({ replacement: 'rolling' as never })).toThrow(
      'ContainerService [dev/services/web]: replacement "rolling" must be one of "start-first", "stop-first"',
    );
  });

  test('fails when stopSignal is not a signal', () => {
    expect(() => synthService({ stopSignal: 'QUIT; rm' })).toThrow(
      "ContainerService [dev/services/web]: stopSignal \"QUIT; rm\" must be a signal name such as 'SIGTERM' or 'SIGQUIT', or its number",
    );
  });

  test('fails when healthcheck startIntervalSeconds is zero', () => {
    expect(() => synthService({ healthcheck: { command: ['CMD', 'true'], startIntervalSeconds: 0 } })).toThrow(
      'ContainerService [dev/services/web]: healthcheck startIntervalSeconds 0 must be an integer of at least 1 (time between checks during the start period)',
    );
  });

  test('fails when replicaOf is not a DNS label', () => {
    expect(() => synthService({ replicaOf: 'store front' })).toThrow(
      "ContainerService [dev/services/web]: replicaOf \"store front\" must contain only letters, digits, '_' and '-', starting and ending with a letter or digit, at most 63 characters",
    );
  });
});

describe('ContainerService dependOn', () => {
  test('dependOn orders creation across Docker hosts and waits for a healthy target', () => {
    const { stack, network } = setup();
    const vm2 = new DockerProvider(stack, 'docker-vm2', { alias: 'vm2' });
    const replica = network.addService('storefront-2', { image: 'shop:1.0', dockerProvider: vm2, healthcheck: { command: ['CMD', 'true'] } });
    const gateway = network.addService('gateway', { image: 'nginx:1.22', ports: [{ containerPort: 80, hostPort: 8080 }] });
    gateway.dependOn(replica);
    const synth = Testing.synth(stack);
    expect(containerOf(synth, gateway).depends_on).toEqual([`docker_container.${replica.container.friendlyUniqueId}`]);
    expect(containerOf(synth, replica)).toMatchObject({ name: versionedName(replica), wait: true, networks_advanced: [expect.objectContaining({ aliases: ['storefront-2'] })] });
    expect(gateway.links).toEqual([replica]);
  });

  test('a start-first service gets no depends_on edge to a stop-first one, which would force create_before_destroy onto it', () => {
    // GIVEN a stop-first service with a healthcheck and a start-first service that uses it
    const { stack, network } = setup();
    const search = network.addService('search', { image: 'search:1.0', replacement: 'stop-first', healthcheck: { command: ['CMD', 'true'] } });
    const web = network.addService('web', { image: 'my-php-app:1.0' });
    // WHEN it links and depends on it
    web.link(search);
    web.dependOn(search);
    const synth = Testing.synth(stack);
    // THEN the alias is there, the relation is known, but Terraform sees no edge and nothing waits
    expect(containerOf(synth, web)).not.toHaveProperty('depends_on');
    expect(containerOf(synth, search)).not.toHaveProperty('wait');
    expect(containerOf(synth, search)).not.toHaveProperty('lifecycle');
    expect(search.aliases).toEqual(['search']);
    expect(web.links).toEqual([search]);
    expect(web.dependsOnService(search)).toBe(true);
  });

  test('a stop-first service depends on a stop-first one and waits for its health', () => {
    const { stack, network } = setup();
    const search = network.addService('search', { image: 'search:1.0', replacement: 'stop-first', healthcheck: { command: ['CMD', 'true'] } });
    const admin = network.addService('admin', { image: 'admin:1.0', replacement: 'stop-first' });
    admin.link(search);
    const synth = Testing.synth(stack);
    expect(containerOf(synth, admin).depends_on).toEqual([`docker_container.${search.container.friendlyUniqueId}`]);
    expect(containerOf(synth, search)).toMatchObject({ wait: true, wait_timeout: 60 });
  });

  test('fails when a service depends on itself', () => {
    const web = setup().network.addService('web', { image: 'app:1' });
    expect(() => web.dependOn(web)).toThrow("ContainerService [dev/services/web]: 'web' cannot depend on itself");
  });

  test('fails when a dependency would make a cycle', () => {
    const { network } = setup();
    const a = network.addService('a', { image: 'app:1' });
    const b = network.addService('b', { image: 'app:1' });
    a.dependOn(b);
    expect(() => b.dependOn(a)).toThrow("ContainerService [dev/services/b]: cannot depend on 'a': 'a' already depends on 'b', and a cycle cannot be created; remove one of the dependencies");
  });
});

describe('looksSecret', () => {
  test.each([
    ['MYSQL_ROOT_PASSWORD', true], ['API_KEY', true], ['GITHUB_TOKEN', true], ['APP_SECRET', true], ['db_passwd', true],
    ['MYSQL_ROOT_PASSWORD_FILE', false], ['MONKEY', false], ['DB_HOST', false], ['PWD', false], ['KEYCLOAK_URL', false],
  ])('%s -> %s', (name, expected) => {
    expect(looksSecret(name)).toBe(expected);
  });
});

describe('ContainerService guards', () => {
  const add = (options: Partial<ContainerServiceOptions>) => () => synthService(options);

  test('fails when the image is empty', () => {
    expect(add({ image: '' })).toThrow('ContainerService [dev/services/web]: image "" must be an image reference such as \'mariadb:10.11\' (no whitespace or quotes)');
  });
  test('fails when the image contains whitespace', () => {
    expect(add({ image: 'nginx 1.25' })).toThrow('image "nginx 1.25" must be an image reference');
  });
  test.each([
    ['{', 'app{1}:1.0'],
    ['}', 'app:1.0}'],
    ['#', 'app:1.0#comment'],
    ['\\', 'registry.local\\app:1.0'],
    ['\u0000', 'app\u0000:1.0'],
  ])('fails when the image contains %j, naming it and giving a valid reference', (character, image) => {
    expect(add({ image })).toThrow(
      `ContainerService [dev/services/web]: image ${JSON.stringify(image)} contains ${JSON.stringify(character)}, which no image reference can hold (only letters, digits and '.', '_', '-', '/', ':', '@'); write it as [registry/]name:tag, e.g. 'registry.example.no/shop/web:1.4.2'`,
    );
  });
  test('fails when the image ends with a colon', () => {
    expect(add({ image: 'nginx:' })).toThrow('image "nginx:" ends with \':\'; give a tag such as "nginx:1.0"');
  });
  test('fails when the alias is not a DNS label', () => {
    expect(add({ alias: 'my_db.' })).toThrow('alias "my_db." must contain only letters, digits');
  });
  test('fails when the container name is invalid', () => {
    expect(add({ containerName: '-web' })).toThrow('containerName "-web" must contain only letters, digits');
  });
  test('fails when the restart policy is unknown', () => {
    expect(add({ restart: 'sometimes' as never })).toThrow('restart "sometimes" must be one of "no", "on-failure", "always", "unless-stopped"');
  });
  test('fails when memoryMiB is below 6', () => {
    expect(add({ memoryMiB: 4 })).toThrow('memoryMiB 4 must be an integer of at least 6 (Docker needs at least 6 MiB)');
  });
  test('fails when memoryMiB is not an integer', () => {
    expect(add({ memoryMiB: 512.5 })).toThrow('memoryMiB 512.5 must be an integer of at least 6');
  });
  test('fails when memorySwapMiB is below memoryMiB', () => {
    expect(add({ memoryMiB: 512, memorySwapMiB: 256 })).toThrow('memorySwapMiB 256 must be an integer of at least 512 (it includes memoryMiB; use -1 for unlimited swap)');
  });
  test('fails when cpus is zero', () => {
    expect(add({ cpus: 0 })).toThrow('cpus 0 must be a number of CPUs of at least 0.01');
  });
  test('fails when cpuShares is below 2', () => {
    expect(add({ cpuShares: 1 })).toThrow('cpuShares 1 must be an integer of at least 2');
  });
  test('fails when logMaxSizeMiB is zero', () => {
    expect(add({ logMaxSizeMiB: 0 })).toThrow('logMaxSizeMiB 0 must be an integer of at least 1');
  });
  test('fails when logMaxFiles is zero', () => {
    expect(add({ logMaxFiles: 0 })).toThrow('logMaxFiles 0 must be an integer of at least 1');
  });
  test('fails when destroyGraceSeconds is negative', () => {
    expect(add({ destroyGraceSeconds: -1 })).toThrow('destroyGraceSeconds -1 must be an integer of at least 0');
  });
  test('fails when waitTimeoutSeconds is zero', () => {
    expect(add({ waitTimeoutSeconds: 0 })).toThrow('waitTimeoutSeconds 0 must be an integer of at least 1');
  });
  test.each([
    ['readOnlyRootFilesystem', { readOnlyRootFilesystem: 'yes' }, 'readOnlyRootFilesystem "yes" must be true or false'],
    ['waitForHealthy', { waitForHealthy: 1 }, 'waitForHealthy 1 must be true or false'],
  ])('fails when %s is not a boolean, instead of reading it as truthy', (_name, options, message) => {
    expect(add(options as unknown as Partial<ContainerServiceOptions>)).toThrow(`ContainerService [dev/services/web]: ${message}`);
  });
  test('fails when a volume or upload switch is not a boolean', () => {
    const { network } = setup();
    const web = network.addService('web', { image: 'kvms/app:1.0', replacement: 'stop-first' });
    expect(() => web.addHostVolume('/srv/data', '/data', { readOnly: 'true' as unknown as boolean })).toThrow(
      'ContainerService [dev/services/web]: host volume "/data" readOnly "true" must be true or false',
    );
    expect(() => web.addNamedVolume('cache', '/cache', { readOnly: 0 as unknown as boolean })).toThrow(
      "ContainerService [dev/services/web]: named volume 'cache' readOnly 0 must be true or false",
    );
    expect(() => web.addUpload({ path: '/app/run.sh', content: 'echo hi', executable: 'x' as unknown as boolean })).toThrow(
      'ContainerService [dev/services/web]: upload "/app/run.sh" executable "x" must be true or false',
    );
  });
  test('fails when the user is malformed', () => {
    expect(add({ user: 'www data' })).toThrow('user "www data" must be \'name\', \'uid\' or \'uid:gid\'');
  });
  test('fails when the healthcheck command has no CMD or CMD-SHELL', () => {
    expect(add({ healthcheck: { command: ['curl', '-f', 'http://127.0.0.1/'] } })).toThrow("must be ['CMD', program, ...args] or ['CMD-SHELL', 'shell command']");
  });
  test('fails when the healthcheck interval is zero', () => {
    expect(add({ healthcheck: { command: ['CMD', 'true'], intervalSeconds: 0 } })).toThrow('healthcheck intervalSeconds 0 must be an integer of at least 1');
  });
  test('fails when waitForHealthy is set without a healthcheck', () => {
    expect(add({ waitForHealthy: true })).toThrow("ContainerService [dev/services/web]: waitForHealthy needs a healthcheck: set healthcheck, e.g. { command: ['CMD', 'curl', '-f', 'http://127.0.0.1/health'] }");
  });
  test('fails when a capability name is not in capitals', () => {
    expect(add({ dropCapabilities: ['net_raw'] })).toThrow('dropCapabilities entry "net_raw" must be a capability name in capitals');
  });
  test('fails when a sysctl is not namespaced', () => {
    expect(add({ sysctls: { 'fs.file-max': 2097152 } })).toThrow('sysctl "fs.file-max" is not namespaced, so Docker cannot set it per container; set it on the host (SysctlProfile)');
  });
  test('fails when a sysctl value could inject text', () => {
    expect(add({ sysctls: { 'net.core.somaxconn': '4096\nfoo' } })).toThrow('sysctl "net.core.somaxconn" value "4096\\nfoo" must be plain numbers or words');
  });
  test('fails when a reserved-ports list holds anything but ports, ranges and commas', () => {
    expect(add({ sysctls: { 'net.ipv4.ip_local_reserved_ports': '3306, 8080' } })).toThrow(
      `ContainerService [dev/services/web]: sysctl "net.ipv4.ip_local_reserved_ports" value "3306, 8080" must be ports and low-high ranges separated by commas, without spaces, e.g. '3306,13000-13099'`,
    );
    expect(add({ sysctls: { 'net.ipv4.ip_local_reserved_ports': '3306\nkernel.x=1' } })).toThrow('value "3306\\nkernel.x=1" must be ports and low-high ranges separated by commas');
  });
  test('fails when reserved ports leave no ephemeral port for outgoing connections', () => {
    expect(add({ sysctls: { 'net.ipv4.ip_local_reserved_ports': '1-65535' } })).toThrow(
      'ContainerService [dev/services/web]: sysctl "net.ipv4.ip_local_reserved_ports" value "1-65535" covers the kernel\'s default ephemeral range 32768-60999, so no port is left for outgoing connections (connect() fails with EADDRNOTAVAIL); reserve only the ports services listen on, such as \'3306,8080\', or widen net.ipv4.ip_local_port_range',
    );
    expect(add({ sysctls: { 'net.ipv4.ip_local_port_range': '40000 40010', 'net.ipv4.ip_local_reserved_ports': '3306,40000-40005,40006-40010' } })).toThrow(
      'value "3306,40000-40005,40006-40010" covers the whole ephemeral range 40000-40010 (net.ipv4.ip_local_port_range), so no port is left',
    );
    // one port left is enough
    expect(add({ sysctls: { 'net.ipv4.ip_local_port_range': '40000 40010', 'net.ipv4.ip_local_reserved_ports': '40000-40009' } })).not.toThrow();
  });
  test('fails when a reserved port is out of range or a range is reversed', () => {
    expect(add({ sysctls: { 'net.ipv4.ip_local_reserved_ports': '3306,70000' } })).toThrow(
      'sysctl "net.ipv4.ip_local_reserved_ports" value "3306,70000" has 70000, outside the ports 1-65535; use ports from 1 to 65535',
    );
    expect(add({ sysctls: { 'net.ipv4.ip_local_reserved_ports': '9000-8000' } })).toThrow(
      'sysctl "net.ipv4.ip_local_reserved_ports" value "9000-8000" has the range 9000-8000 with its low end above its high end; write it as 8000-9000',
    );
  });
  test('fails when a comma list is given to a key that does not take one', () => {
    expect(add({ sysctls: { 'net.core.somaxconn': '4096,8192' } })).toThrow('sysctl "net.core.somaxconn" value "4096,8192" must be plain numbers or words');
  });
  test('fails when an environment variable name is invalid', () => {
    expect(add({ environment: { 'APP-ENV': 'x' } })).toThrow('environment variable name "APP-ENV" must contain only letters, digits and \'_\'');
  });
  test('fails when a secret-looking variable has a literal value', () => {
    expect(add({ environment: { MYSQL_ROOT_PASSWORD: 'strongpassword123' } })).toThrow(
      'environment variable "MYSQL_ROOT_PASSWORD" looks like a secret and must not be a literal: declare a TerraformVariable with sensitive: true and pass it with addSecretEnv("MYSQL_ROOT_PASSWORD", variable) or secretEnvironment',
    );
  });
  test('fails when an environment variable is set twice', () => {
    const { stack, network } = setup();
    const web = network.addService('web', { image: 'my-php-app:1.0', environment: { DB_PASSWORD_FILE: '/run/secrets/x' } });
    expect(() => web.addEnv('DB_PASSWORD_FILE', '/run/secrets/y')).toThrow('environment variable "DB_PASSWORD_FILE" is already set; set each variable once');
    expect(() => web.addSecretEnv('DB_PASSWORD_FILE', secretVariable(stack))).toThrow('is already set');
  });
  test('fails when a secret comes from a variable that is not sensitive', () => {
    const { stack, network } = setup();
    const web = network.addService('web', { image: 'my-php-app:1.0' });
    const plain = new TerraformVariable(stack, 'db_password', { type: 'string' });
    expect(() => web.addSecretEnv('DB_PASSWORD', plain)).toThrow('secret environment variable "DB_PASSWORD" takes variable \'db_password\', which is not sensitive: declare it with sensitive: true');
  });
  test('fails when a secret variable has a default value', () => {
    const { stack, network } = setup();
    const web = network.addService('web', { image: 'my-php-app:1.0' });
    const withDefault = new TerraformVariable(stack, 'db_password', { type: 'string', sensitive: true, default: 'x' });
    expect(() => web.addSecretEnv('DB_PASSWORD', withDefault)).toThrow('which has a default value that would be written to cdk.tf.json: remove the default');
  });
  test('fails when a port is out of range', () => {
    expect(add({ ports: [{ containerPort: 80, hostPort: 70000 }] })).toThrow('port hostPort 70000 must be an integer from 1 to 65535');
  });
  test('fails when a container port is zero', () => {
    expect(add({ ports: [{ containerPort: 0 }] })).toThrow('port containerPort 0 must be an integer from 1 to 65535');
  });
  test('fails when a port host address is not an IPv4 address', () => {
    expect(add({ ports: [{ containerPort: 80, hostAddress: 'localhost' }] })).toThrow('port hostAddress "localhost" must be an IPv4 address');
  });
  test('fails when a port protocol is unknown', () => {
    expect(add({ ports: [{ containerPort: 80, protocol: 'sctp' as never }] })).toThrow('port protocol "sctp" must be \'tcp\' or \'udp\'');
  });
  test('fails when a service publishes the same host port twice', () => {
    expect(add({ ports: [{ containerPort: 80, hostPort: 8080 }, { containerPort: 81, hostPort: 8080 }] })).toThrow(
      'host port 127.0.0.1:8080/tcp is already published by this service on the same Docker host; choose another hostPort',
    );
  });

  describe('volumes', () => {
    const web = () => setup().network.addService('web', { image: 'my-php-app:1.0', replacement: 'stop-first' });
    test('fails when a host path is relative', () => {
      expect(() => web().addHostVolume('data/mysql', '/var/lib/mysql')).toThrow('host volume path "data/mysql" must be absolute and normalized');
    });
    test('fails when a host path contains ..', () => {
      expect(() => web().addHostVolume('/opt/data/../etc', '/data')).toThrow('host volume path "/opt/data/../etc" must be absolute and normalized (no \'..\'');
    });
    test('fails when a host path has a trailing slash', () => {
      expect(() => web().addHostVolume('/opt/data/', '/data')).toThrow('host volume path "/opt/data/" must be absolute and normalized');
    });
    test('fails when the host path is the root directory', () => {
      expect(() => web().addHostVolume('/', '/host')).toThrow('host volume path "/" would mount the host\'s whole filesystem');
    });
    test('fails when a host path contains a colon', () => {
      expect(() => web().addHostVolume('/opt/a:b', '/data')).toThrow('host volume path "/opt/a:b" must not contain \':\', \',\' or whitespace');
    });
    test('fails when a container path is relative', () => {
      expect(() => web().addHostVolume('/opt/data', 'data')).toThrow('host volume containerPath "data" must be an absolute, normalized path other than \'/\'');
    });
    test('fails when a container path is mounted twice', () => {
      const service = web();
      service.addHostVolume('/opt/data/a', '/data');
      expect(() => service.addNamedVolume('data', '/data')).toThrow('named volume containerPath "/data" is already mounted; mount each container path once');
    });
    test('fails when a tmpfs covers a mounted path', () => {
      const service = web();
      service.addHostVolume('/opt/data/a', '/data');
      expect(() => service.addTmpfs('/data')).toThrow('tmpfs path "/data" is already mounted');
    });
    test('fails when tmpfs options contain whitespace', () => {
      expect(() => web().addTmpfs('/tmp', 'rw, size=64m')).toThrow('tmpfs options "rw, size=64m" for "/tmp" must be a comma-separated list');
    });
    test('fails when a named volume id is used twice', () => {
      const service = web();
      service.addNamedVolume('cache', '/var/cache/a');
      expect(() => service.addNamedVolume('cache', '/var/cache/b')).toThrow('named volume \'cache\' already exists; give each volume its own id');
    });
    test('fails when a named volume name is invalid', () => {
      expect(() => web().addNamedVolume('cache', '/cache', { volumeName: 'my cache' })).toThrow('volumeName "my cache" must contain only');
    });
    test('fails when an upload path is relative', () => {
      expect(() => web().addUpload({ path: 'nginx.conf', content: '' })).toThrow('upload path "nginx.conf" must be an absolute, normalized file path');
    });
    test('fails when a file is uploaded twice', () => {
      const service = web();
      service.addUpload({ path: '/etc/nginx/nginx.conf', content: 'a' });
      expect(() => service.addUpload({ path: '/etc/nginx/nginx.conf', content: 'b' })).toThrow('upload path "/etc/nginx/nginx.conf" is already uploaded');
    });
    test('fails when waiting for health without a healthcheck', () => {
      expect(() => web().waitUntilHealthy()).toThrow('waitForHealthy needs a healthcheck');
    });
  });

  describe('links', () => {
    test('fails when a service links to itself', () => {
      const web = setup().network.addService('web', { image: 'my-php-app:1.0' });
      expect(() => web.link(web, 'self')).toThrow('ContainerService [dev/services/web]: cannot link \'web\' to itself');
    });
    test('fails when the target is on another network', () => {
      const { stack, provider, network } = setup();
      const other = new ServiceNetwork(stack, 'other', { provider });
      const db = other.addService('db', { image: 'mariadb:10.11' });
      const web = network.addService('web', { image: 'my-php-app:1.0' });
      expect(() => web.link(db)).toThrow('cannot link to \'db\': it is on network "dev-other", not "dev-services"; add both services to the same ServiceNetwork');
    });
    test('fails when the target runs on another Docker host', () => {
      const { stack, network } = setup();
      const vm2 = new DockerProvider(stack, 'docker-vm2', { alias: 'vm2' });
      const db = network.addService('db', { image: 'mariadb:10.11', dockerProvider: vm2 });
      const web = network.addService('web', { image: 'my-php-app:1.0' });
      expect(() => web.link(db)).toThrow('cannot link to \'db\': it runs on another Docker host, where aliases do not resolve');
    });
    test('fails when a link would make a cycle', () => {
      const { network } = setup();
      const a = network.addService('a', { image: 'app:1' });
      const b = network.addService('b', { image: 'app:1' });
      const c = network.addService('c', { image: 'app:1' });
      a.link(b);
      b.link(c);
      expect(() => c.link(a)).toThrow('ContainerService [dev/services/c]: cannot link to \'a\': \'a\' already depends on \'c\', and a cycle cannot be created');
    });
    test('fails when the alias belongs to another service', () => {
      const { network } = setup();
      const db = network.addService('mysql-core', { image: 'mariadb:10.11' });
      network.addService('db', { image: 'postgres:16' });
      const web = network.addService('web', { image: 'my-php-app:1.0' });
      expect(() => web.link(db, 'db')).toThrow('ContainerService [dev/services/mysql-core]: alias "db" is already used by service \'db\' on network "dev-services"; each name resolves to one service, so choose another alias');
    });
    test('fails when the link alias is not a DNS label', () => {
      const { network } = setup();
      const db = network.addService('mysql-core', { image: 'mariadb:10.11' });
      const web = network.addService('web', { image: 'my-php-app:1.0' });
      expect(() => web.link(db, 'my db')).toThrow('alias "my db" must contain only letters, digits');
    });
  });
});
