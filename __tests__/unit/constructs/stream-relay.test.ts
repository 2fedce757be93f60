import { DockerProvider } from '@cdktf/provider-docker/lib/provider';
import { TerraformStack, Testing } from 'cdktf';
import { ContainerService } from '../../../constructs/container-service';
import { ServiceNetwork } from '../../../constructs/service-network';
import { StreamRelay, StreamRelayProps } from '../../../constructs/stream-relay';

// A relay on the second host forwards the host's private ports to start-first replicas there, which
// publish no ports themselves. (The text of its nginx.conf belongs to the renderer's tests.)

function setup() {
  const stack = new TerraformStack(Testing.app(), 'prod');
  const local = new DockerProvider(stack, 'docker', {});
  const vm2 = new DockerProvider(stack, 'docker-vm2', { alias: 'vm2' });
  const network = new ServiceNetwork(stack, 'services', { provider: local });
  const storefront = network.addService('storefront-2', { image: 'shop:1.0', dockerProvider: vm2, healthcheck: { command: ['CMD', 'true'] } });
  const inventory = network.addService('inventory-2', { image: 'inventory:2.3', dockerProvider: vm2 });
  return { stack, local, vm2, network, storefront, inventory };
}

function relayOn(props: Partial<StreamRelayProps> = {}) {
  const ctx = setup();
  const relay = new StreamRelay(ctx.stack, 'relay', {
    network: ctx.network,
    dockerProvider: ctx.vm2,
    hostAddress: '192.168.150.11',
    ports: [
      { port: 20000, targets: [ctx.storefront], targetPort: 8080 },
      { port: 20001, targets: [ctx.inventory], targetPort: 5000 },
    ],
    ...props,
  });
  const containers = () => JSON.parse(Testing.synth(ctx.stack)).resource.docker_container;
  return { ...ctx, relay, containers };
}

const addressOf = (s: ContainerService): string => `docker_container.${s.container.friendlyUniqueId}`;
const nameOf = (s: ContainerService): string => `${s.baseContainerName}-\${local.${s.version.friendlyUniqueId}}`;

describe('StreamRelay', () => {
  test('publishes each port on the host address only, stop-first, on the network of its host', () => {
    const { relay, containers, network, vm2 } = relayOn();
    const nginx = containers()[relay.service.container.friendlyUniqueId];
    expect(nginx).toMatchObject({
      provider: 'docker.vm2',
      name: 'prod-services-relay',
      image: 'nginx:1.30',
      ports: [
        { internal: 20000, external: 20000, ip: '192.168.150.11', protocol: 'tcp' },
        { internal: 20001, external: 20001, ip: '192.168.150.11', protocol: 'tcp' },
      ],
      memory: 64,
      cpu_quota: 50000,
      stop_signal: 'SIGQUIT',
      stop_timeout: 30,
      networks_advanced: [{ name: `\${docker_network.${network.resourceOn(vm2).friendlyUniqueId}.name}`, aliases: ['relay'] }],
    });
    expect(relay.service.replacement).toBe('stop-first');
  });

  test('its activation runs after each target and forwards to each by container name', () => {
    const { relay, containers, storefront, inventory } = relayOn();
    const job = containers()[relay.activation.container.friendlyUniqueId];
    expect(job.provider).toBe('docker.vm2');
    expect(job.depends_on).toEqual([addressOf(storefront), addressOf(inventory)]);
    expect(job.lifecycle).not.toHaveProperty('replace_triggered_by');
    const config: string = job.upload[0].content;
    expect(config).toContain(`${nameOf(storefront)}:8080`);
    expect(config).toContain(`${nameOf(inventory)}:5000`);
    expect(config).toMatch(/listen 20000;/);
    expect(config).toMatch(/listen 20001;/);
    expect(config).toContain('worker_shutdown_timeout 30s;');
    expect(job.lifecycle.postcondition[0].error_message).toBe(
      'StreamRelay [prod/relay]: the relay kept its running configuration, because the new one was not activated:\n${self.container_logs}\nWhen the cause is fixed outside this configuration, run the check again: tofu apply -replace=docker_container.relay_config_container_7440A19C',
    );
  });

  test('a stop-first target runs the activation again when it is replaced', () => {
    const { stack, vm2, network } = setup();
    const pinned = network.addService('search-2', { image: 'search:1.0', dockerProvider: vm2, replacement: 'stop-first' });
    const relay = new StreamRelay(stack, 'relay', { network, dockerProvider: vm2, hostAddress: '192.168.150.11', ports: [{ port: 20002, targets: [pinned], targetPort: 9200 }] });
    const job = JSON.parse(Testing.synth(stack)).resource.docker_container[relay.activation.container.friendlyUniqueId];
    expect(job.lifecycle.replace_triggered_by).toEqual([`${addressOf(pinned)}.id`]);
    expect(job.upload[0].content).toContain('prod-services-search-2:9200');
  });

  test('takes the image, the modules, the drain time and the memory', () => {
    const { relay, containers } = relayOn({ image: 'kvms/nginx:1.22', modules: ['/usr/lib/nginx/modules/ngx_stream_module.so'], drainTimeoutSeconds: 60, memoryMiB: 32 });
    const all = containers();
    expect(all[relay.service.container.friendlyUniqueId]).toMatchObject({ image: 'kvms/nginx:1.22', memory: 32, stop_timeout: 60 });
    const job = all[relay.activation.container.friendlyUniqueId];
    expect(job.image).toBe('kvms/nginx:1.22');
    expect(job.upload[0].content).toContain('load_module /usr/lib/nginx/modules/ngx_stream_module.so;');
    expect(job.upload[0].content).toContain('worker_shutdown_timeout 60s;');
  });

  test('ports are copies', () => {
    const { relay, storefront } = relayOn();
    expect(relay.ports.map((p) => [p.port, p.targets, p.targetPort])).toEqual([[20000, [storefront], 8080], [20001, [expect.any(ContainerService)], 5000]]);
  });

  describe('guards', () => {
    const make = (change: (ctx: ReturnType<typeof setup>) => Partial<StreamRelayProps>) => () => {
      const ctx = setup();
      return new StreamRelay(ctx.stack, 'relay', {
        network: ctx.network,
        dockerProvider: ctx.vm2,
        hostAddress: '192.168.150.11',
        ports: [{ port: 20000, targets: [ctx.storefront], targetPort: 8080 }],
        ...change(ctx),
      });
    };

    test('fails when there are no ports', () => {
      expect(make(() => ({ ports: [] }))).toThrow('StreamRelay [prod/relay]: ports [] relays nothing: give at least one port, or make no relay');
    });
    test('fails when the host address is every interface', () => {
      expect(make(() => ({ hostAddress: '0.0.0.0' }))).toThrow(
        'StreamRelay [prod/relay]: hostAddress "0.0.0.0" must be the host\'s own IPv4 address (not 0.0.0.0): the relay\'s ports are for other hosts, not the public',
      );
    });
    test('fails when the host address is not an IPv4 address', () => {
      expect(make(() => ({ hostAddress: 'vm2.internal' }))).toThrow('StreamRelay [prod/relay]: hostAddress "vm2.internal" must be the host\'s own IPv4 address');
    });
    test('fails when a port is out of range', () => {
      expect(make((c) => ({ ports: [{ port: 0, targets: [c.storefront], targetPort: 8080 }] }))).toThrow('StreamRelay [prod/relay]: port 0 must be an integer from 1 to 65535');
    });
    test('fails when a port is relayed twice', () => {
      expect(make((c) => ({ ports: [{ port: 20000, targets: [c.storefront], targetPort: 8080 }, { port: 20000, targets: [c.inventory], targetPort: 5000 }] }))).toThrow(
        'StreamRelay [prod/relay]: port 20000 is relayed twice; give each relayed service its own port',
      );
    });
    test('fails when a target port is out of range', () => {
      expect(make((c) => ({ ports: [{ port: 20000, targets: [c.storefront], targetPort: 70000 }] }))).toThrow(
        'StreamRelay [prod/relay]: port 20000 targetPort 70000 must be an integer from 1 to 65535 (the port the targets listen on)',
      );
    });
    test('fails when a port has no targets', () => {
      expect(make(() => ({ ports: [{ port: 20000, targets: [], targetPort: 8080 }] }))).toThrow('StreamRelay [prod/relay]: port 20000 has no targets: give at least one container');
    });
    test('fails when a target runs on another Docker host', () => {
      expect(make((c) => ({ ports: [{ port: 20000, targets: [c.network.addService('web-1', { image: 'shop:1.0' })], targetPort: 8080 }] }))).toThrow(
        "StreamRelay [prod/relay]: port 20000 target 'prod/services/web-1' runs on another Docker host, where the relay cannot reach it by name",
      );
    });
    test('fails when a target is on another network', () => {
      expect(make((c) => {
        const other = new ServiceNetwork(c.stack, 'other', { provider: c.vm2 });
        return { ports: [{ port: 20000, targets: [other.addService('web-9', { image: 'shop:1.0' })], targetPort: 8080 }] };
      })).toThrow("StreamRelay [prod/relay]: port 20000 target 'prod/other/web-9' is on network \"prod-other\", not \"prod-services\", where the relay cannot reach it by name");
    });
    test('fails when its host port is already published on that host', () => {
      expect(make((c) => {
        c.network.addService('search-2', { image: 'search:1.0', dockerProvider: c.vm2, ports: [{ containerPort: 9200, hostPort: 20000, hostAddress: '192.168.150.11' }] });
        return {};
      })).toThrow("ContainerService [prod/relay/service]: host port 192.168.150.11:20000/tcp is already published by service 'search-2' on the same Docker host; choose another hostPort");
    });
  });
});
