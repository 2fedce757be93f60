import { DockerProvider } from '@cdktf/provider-docker/lib/provider';
import { TerraformStack, Testing } from 'cdktf';
import { ContainerService } from '../../../constructs/container-service';
import { NginxGateway } from '../../../constructs/nginx-gateway';
import { ServiceNetwork } from '../../../constructs/service-network';

// nginx resolves upstream names only when it loads a configuration. A replica is replaced start-first:
// the new container (a new name, from its fingerprint) is created and healthy first, the gateway's
// activation job then loads a configuration naming it and reloads nginx gracefully, and only then is
// the old container removed. nginx itself is never restarted for a replica.

type Resources = Record<string, Record<string, any>>;

function setup() {
  const stack = new TerraformStack(Testing.app(), 'dev');
  const network = new ServiceNetwork(stack, 'services', { provider: new DockerProvider(stack, 'docker', {}) });
  const web = [
    network.addService('web1', { image: 'shop-web:1.0', healthcheck: { command: ['CMD', 'true'] } }),
    network.addService('web2', { image: 'shop-web:1.0', healthcheck: { command: ['CMD', 'true'] } }),
  ];
  return { stack, network, web };
}

function containers(stack: TerraformStack): Resources {
  return JSON.parse(Testing.synth(stack)).resource.docker_container;
}

const addressOf = (s: ContainerService): string => `docker_container.${s.container.friendlyUniqueId}`;

describe('NginxGateway rollout wiring', () => {
  test('the activation job runs after each replica, once, and the gateway container neither waits for nor is replaced with them', () => {
    // GIVEN two replicas on the network and a pool server outside it
    const { stack, network, web } = setup();

    // WHEN a gateway pools them (web1 twice, in two pools) with a literal address
    const gateway = new NginxGateway(stack, 'gateway', {
      network,
      pools: [
        { name: 'frontend_pool', servers: [{ host: 'web1', port: 8080 }, { host: 'web2', port: 8080 }, { host: '192.0.2.10', port: 8080 }] },
        { name: 'canary', servers: [{ host: 'web1', port: 8080 }] },
      ],
      routes: [{ path: '/', pool: 'frontend_pool' }, { path: '/canary', pool: 'canary' }],
    });
    const all = containers(stack);
    const job = all[gateway.activation.container.friendlyUniqueId];
    const nginx = all[gateway.service.container.friendlyUniqueId];

    // THEN the job depends on each replica once; the literal address adds nothing
    expect(job.depends_on).toEqual(web.map(addressOf));
    // AND it is replaced with nothing but its content (start-first replicas change its content)
    expect(job.lifecycle).toEqual({ postcondition: [expect.objectContaining({ condition: '${self.exit_code == 0}' })] });
    // AND the gateway container has no replace_triggered_by and no edge to the replicas
    expect(nginx).not.toHaveProperty('lifecycle');
    expect(nginx).not.toHaveProperty('depends_on');
  });

  test('replicas are created before the old ones are destroyed and waited for, and their versioned names reach the configuration', () => {
    const { stack, network, web } = setup();
    const gateway = new NginxGateway(stack, 'gateway', {
      network,
      pools: [{ name: 'frontend_pool', servers: [{ host: 'web1', port: 8080 }, { host: 'web2', port: 8080 }] }],
      routes: [{ path: '/', pool: 'frontend_pool' }],
    });
    const all = containers(stack);
    const config: string = all[gateway.activation.container.friendlyUniqueId].upload[0].content;

    for (const replica of web) {
      // a new container under a new name, healthy before the job runs and before the old one goes
      expect(all[replica.container.friendlyUniqueId]).toMatchObject({
        name: `${replica.baseContainerName}-\${local.${replica.version.friendlyUniqueId}}`,
        lifecycle: { create_before_destroy: true },
        wait: true,
      });
      // the job's configuration names that container, so a new replica changes it and the job runs again
      expect(config).toContain(`        server ${replica.baseContainerName}-\${local.${replica.version.friendlyUniqueId}}:8080 resolve max_fails=3 fail_timeout=30s;\n`);
    }
  });

  test('the job runs in the gateway container\'s namespaces, so a new gateway container runs it again', () => {
    const { stack, network } = setup();
    const gateway = new NginxGateway(stack, 'gateway', {
      network,
      pools: [{ name: 'frontend_pool', servers: [{ host: 'web1', port: 8080 }] }],
      routes: [{ path: '/', pool: 'frontend_pool' }],
    });
    const job = containers(stack)[gateway.activation.container.friendlyUniqueId];
    const namespaces = `container:\${docker_container.${gateway.service.container.friendlyUniqueId}.id}`;
    expect(job).toMatchObject({ network_mode: namespaces, pid_mode: namespaces });
  });

  test('a stop-first upstream keeps its name, so its replacement runs the job again through replace_triggered_by', () => {
    // GIVEN a replica that is stop-first (it publishes a port) beside a start-first one
    const { stack, network, web } = setup();
    const pinned = network.addService('web3', { image: 'shop-web:1.0', ports: [{ containerPort: 8080, hostPort: 18080 }] });

    // WHEN the gateway pools both
    const gateway = new NginxGateway(stack, 'gateway', {
      network,
      pools: [{ name: 'frontend_pool', servers: [{ host: 'web1', port: 8080 }, { host: 'web3', port: 8080 }] }],
      routes: [{ path: '/', pool: 'frontend_pool' }],
    });
    const all = containers(stack);
    const job = all[gateway.activation.container.friendlyUniqueId];

    // THEN nginx reloads (and resolves web3 again) whenever web3 is replaced, not only when the content changes
    expect(job.depends_on).toEqual([addressOf(web[0]), addressOf(pinned)]);
    expect(job.lifecycle.replace_triggered_by).toEqual([`${addressOf(pinned)}.id`]);
    expect(job.upload[0].content).toContain('        server dev-services-web3:8080 resolve max_fails=3 fail_timeout=30s;\n');
    expect(all[gateway.service.container.friendlyUniqueId]).not.toHaveProperty('lifecycle');
  });

  test('has no dependency on the network\'s services when no pool server is one of them', () => {
    const { stack, network } = setup();

    const gateway = new NginxGateway(stack, 'gateway', {
      network,
      pools: [{ name: 'frontend_pool', servers: [{ host: '192.0.2.10', port: 8080 }] }],
      routes: [{ path: '/', pool: 'frontend_pool' }],
    });

    const job = containers(stack)[gateway.activation.container.friendlyUniqueId];
    expect(job).not.toHaveProperty('depends_on');
    expect(job.lifecycle).not.toHaveProperty('replace_triggered_by');
  });
});

describe('NginxGateway limits', () => {
  const gatewayWith = (process: { workerConnections?: number }, maxBodySizeMiB = 1) => {
    const { stack, network } = setup();
    const gateway = new NginxGateway(stack, 'gateway', {
      network,
      process,
      pools: [{ name: 'frontend_pool', servers: [{ host: 'web1', port: 8080 }] }],
      routes: [{ path: '/', pool: 'frontend_pool', maxBodySizeMiB }],
    });
    const all = containers(stack);
    return { nginx: all[gateway.service.container.friendlyUniqueId], config: all[gateway.activation.container.friendlyUniqueId].upload[0].content as string };
  };

  test('route limits reach nginx by a reload: the gateway container stays as it is', () => {
    const before = gatewayWith({});
    const after = gatewayWith({}, 20);
    expect(after.nginx).toEqual(before.nginx);
    expect(after.config).toContain('client_max_body_size 20m;');
    expect(after.config).not.toEqual(before.config);
  });

  test('worker connections set the container\'s file limit to what nginx needs, no more (a new gateway container)', () => {
    // Docker cannot give a container more than its own hard limit (20000 on some hosts): no headroom
    const before = gatewayWith({});
    const { nginx, config } = gatewayWith({ workerConnections: 8192 });
    expect(before.nginx.ulimit).toEqual([{ name: 'nofile', soft: 8192, hard: 8192 }]);
    expect(nginx.ulimit).toEqual([{ name: 'nofile', soft: 16384, hard: 16384 }]);
    expect(config).toContain('worker_rlimit_nofile 16384;');
  });
});
