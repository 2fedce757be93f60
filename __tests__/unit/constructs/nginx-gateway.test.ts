import 'cdktf/lib/testing/adapters/jest'; // types of the cdktf jest matchers
import { Container } from '@cdktf/provider-docker/lib/container';
import { DockerProvider } from '@cdktf/provider-docker/lib/provider';
import { TerraformStack, TerraformVariable, Testing } from 'cdktf';
import { NginxGateway, NginxGatewayProps } from '../../../constructs/nginx-gateway';
import { ServiceNetwork } from '../../../constructs/service-network';
import { renderNginxConfig } from '../../../renderers/nginx-config';
import { SysctlProfile } from '../../../renderers/sysctl-profile';

// The article's shop: two storefront replicas and two inventory API replicas, reached by alias.
function setup() {
  const app = Testing.app();
  const stack = new TerraformStack(app, 'dev');
  const provider = new DockerProvider(stack, 'docker', {});
  const network = new ServiceNetwork(stack, 'services', { provider });
  const web = [network.addService('web1', { image: 'shop-web:1.0' }), network.addService('web2', { image: 'shop-web:1.0' })];
  const api = [network.addService('api1', { image: 'inventory:2.3' }), network.addService('api2', { image: 'inventory:2.3' })];
  return { stack, network, web, api };
}

const pools = [
  { name: 'frontend_pool', servers: [{ host: 'web1', port: 8080 }, { host: 'web2', port: 8080 }] },
  { name: 'inventory_api', servers: [{ host: 'api1', port: 5000 }, { host: 'api2', port: 5000 }] },
];
const routes = [
  { path: '/', pool: 'frontend_pool' },
  { path: '/api/inventory', pool: 'inventory_api' },
];

function gatewayContainer(synth: string, gateway: NginxGateway): Record<string, unknown> {
  return JSON.parse(synth).resource.docker_container[gateway.service.container.friendlyUniqueId];
}

function warnings(gateway: NginxGateway): string[] {
  return gateway.node.metadata.filter((m) => m.type === '@cdktf/warn').map((m) => String(m.data));
}

describe('NginxGateway', () => {
  test('runs pinned nginx on the network with the rendered config uploaded, the tuned backlog and namespaced sysctls', () => {
    // GIVEN the article's services
    const { stack, network } = setup();

    // WHEN a gateway routes to them
    const gateway = new NginxGateway(stack, 'gateway', { network, pools, routes, serverNames: ['shop.example.no'] });
    const synth = Testing.synth(stack, true);

    // THEN
    expect(gateway.config).toBe(
      renderNginxConfig({ pools, routes, serverNames: ['shop.example.no'], backlog: 4096 }),
    );
    expect(gateway.config).toContain('    listen 80 backlog=4096;\n');
    expect(synth).toHaveResourceWithProperties(Container, {
      name: 'dev-services-gateway',
      image: 'nginx:1.22.1',
      ports: [{ internal: 80, external: 8080, ip: '127.0.0.1', protocol: 'tcp' }],
      sysctls: {
        'net.core.somaxconn': '4096',
        'net.ipv4.ip_local_port_range': '1024 65000',
        'net.ipv4.tcp_tw_reuse': '1',
      },
      upload: [{ file: '/etc/nginx/nginx.conf', content: gateway.config }],
      networks_advanced: [expect.objectContaining({ aliases: ['gateway'] })],
    });
    expect(gateway.url).toBe('http://127.0.0.1:8080');
    expect(gateway.backlog).toBe(4096);
    expect(warnings(gateway)).toEqual([]);
  });

  test('is created after every upstream service it names', () => {
    const { stack, network, web, api } = setup();
    const gateway = new NginxGateway(stack, 'gateway', { network, pools, routes });

    const dependsOn = gatewayContainer(Testing.synth(stack), gateway).depends_on as string[];

    expect(dependsOn).toEqual([...web, ...api].map((s) => expect.stringContaining(`docker_container.${s.container.friendlyUniqueId}`)));
    expect(gateway.service.links).toEqual([...web, ...api]);
  });

  test('addPool and addRoute return what they add, and the config follows', () => {
    const { stack, network } = setup();
    const gateway = new NginxGateway(stack, 'gateway', { network });

    expect(gateway.addPool(pools[1])).toBe(pools[1]);
    expect(gateway.addRoute(routes[1])).toBe(routes[1]);

    expect(gateway.pools).toEqual([pools[1]]);
    expect(gateway.routes).toEqual([routes[1]]);
    expect(gateway.config).toContain('        location /api/inventory {\n');
    expect(gateway.config).not.toContain('frontend_pool');
    expect(gatewayContainer(Testing.synth(stack), gateway).upload).toEqual([{ file: '/etc/nginx/nginx.conf', content: gateway.config }]);
  });

  test('TLS publishes the redirect and HTTPS ports and gives an https URL', () => {
    const { stack, network } = setup();
    const gateway = new NginxGateway(stack, 'gateway', {
      network,
      pools,
      routes,
      tls: { certificatePath: '/etc/nginx/tls/shop.crt', keyPath: '/etc/nginx/tls/shop.key' },
      hostPort: 8000,
      tlsHostPort: 8001,
    });

    expect(Testing.synth(stack)).toHaveResourceWithProperties(Container, {
      ports: [
        { internal: 80, external: 8000, ip: '127.0.0.1', protocol: 'tcp' },
        { internal: 443, external: 8001, ip: '127.0.0.1', protocol: 'tcp' },
      ],
    });
    expect(gateway.url).toBe('https://127.0.0.1:8001');
    expect(gateway.config).toContain('        listen 443 ssl http2 backlog=4096;\n');
  });

  test('a profile without somaxconn keeps the default backlog, with a warning', () => {
    const { stack, network } = setup();
    const profile = new SysctlProfile({ preset: { 'net.ipv4.tcp_tw_reuse': 1 } });
    const gateway = new NginxGateway(stack, 'gateway', { network, pools, routes, sysctlProfile: profile });

    expect(gateway.config).toContain('        listen 80;\n');
    expect(gateway.sysctls).toEqual({ 'net.ipv4.tcp_tw_reuse': '1' });
    expect(warnings(gateway)).toEqual([expect.stringContaining('sets no net.core.somaxconn, so the listen backlog stays at 511')]);
  });

  test('warns when a pool server is neither a service of the network nor an IP address', () => {
    const { stack, network } = setup();
    const gateway = new NginxGateway(stack, 'gateway', {
      network,
      pools: [{ name: 'legacy', servers: [{ host: 'legacy-shop', port: 80 }, { host: '10.0.0.9', port: 80 }] }],
      routes: [{ path: '/', pool: 'legacy' }],
    });

    expect(warnings(gateway)).toEqual([
      'pool "legacy" server host "legacy-shop" is not a service of network "dev-services"; nginx refuses to start if it does not resolve in the container',
    ]);
  });

  test('a server host known only at apply (a token) is rendered as a Terraform reference', () => {
    const { stack, network } = setup();
    const address = new TerraformVariable(stack, 'replica_address', { type: 'string' });
    const gateway = new NginxGateway(stack, 'gateway', {
      network,
      pools: [{ name: 'remote', servers: [{ host: address.stringValue, port: 20000 }, { host: 'web1', port: 8080 }] }],
      routes: [{ path: '/', pool: 'remote' }],
    });

    const upload = gatewayContainer(Testing.synth(stack), gateway).upload as Array<{ content: string }>;

    expect(upload[0].content).toContain(
      '    upstream remote {\n        server ${var.replica_address}:20000 max_fails=3 fail_timeout=30s;\n        server web1:8080 max_fails=3 fail_timeout=30s;\n',
    );
    expect(warnings(gateway)).toEqual([]);
  });

  describe('guards', () => {
    const make = (props: Partial<NginxGatewayProps>) => {
      const { stack, network } = setup();
      return () => new NginxGateway(stack, 'gateway', { network, ...props });
    };

    test('fails when a route names an undefined pool', () => {
      expect(make({ pools: [pools[0]], routes: [{ path: '/api/inventory', pool: 'inventory_api' }] })).toThrow(
        'NginxGateway [dev/gateway]: route /api/inventory pool "inventory_api" is not a defined pool: use one of: frontend_pool',
      );
    });

    test('fails when a pool is added twice', () => {
      expect(make({ pools: [pools[0], pools[0]] })).toThrow(
        'NginxGateway [dev/gateway]: pool "frontend_pool" is already defined; give every pool a unique name',
      );
    });

    test('fails when two routes share a path', () => {
      expect(make({ pools, routes: [routes[0], { path: '/', pool: 'inventory_api' }] })).toThrow(
        'NginxGateway [dev/gateway]: route path "/" is used twice (location /): give every route a unique path',
      );
    });

    test('fails when a pool server host carries nginx syntax', () => {
      expect(make({ pools: [{ name: 'p', servers: [{ host: 'web1;}', port: 80 }] }] })).toThrow(
        'NginxGateway [dev/gateway]: pool p server host "web1;}" is not a hostname, container alias or IP address: use letters, digits, dots, - and _ (or a bare IPv6 address), with no spaces, quotes, ; { } # $ or port',
      );
    });

    test('fails when a route path does not start with /', () => {
      expect(make({ pools, routes: [{ path: 'api', pool: 'inventory_api' }] })).toThrow(
        'NginxGateway [dev/gateway]: route path "api" must start with \'/\': write it as "/api"',
      );
    });

    test('fails at synth when the gateway has no routes', () => {
      const { stack, network } = setup();
      new NginxGateway(stack, 'gateway', { network, pools });

      expect(() => Testing.synth(stack, true)).toThrow(
        'NginxGateway [dev/gateway]: the gateway has no routes: add at least one with addRoute()',
      );
    });
  });
});
