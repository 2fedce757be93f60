import 'cdktf/lib/testing/adapters/jest'; // types of the cdktf jest matchers
import { Container } from '@cdktf/provider-docker/lib/container';
import { DockerProvider } from '@cdktf/provider-docker/lib/provider';
import { TerraformStack, TerraformVariable, Testing } from 'cdktf';
import { ContainerService } from '../../../constructs/container-service';
import { NginxGateway, NginxGatewayProps } from '../../../constructs/nginx-gateway';
import { ServiceNetwork } from '../../../constructs/service-network';
import { terraformLiteral } from '../../../constructs/terraform-literal';
import { NginxGatewayModel, renderNginxConfig } from '../../../renderers/nginx-config';
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

function gatewayContainer(synth: string, gateway: NginxGateway): Record<string, any> {
  return JSON.parse(synth).resource.docker_container[gateway.service.container.friendlyUniqueId];
}

function activationJob(synth: string, gateway: NginxGateway): Record<string, any> {
  return JSON.parse(synth).resource.docker_container[gateway.activation.container.friendlyUniqueId];
}

/** The configuration the activation job receives, as Terraform reads it. */
function activationConfig(synth: string, gateway: NginxGateway): string {
  return activationJob(synth, gateway).upload[0].content;
}

/** A service's container name as Terraform reads it: its base name and the version local. */
const nameOf = (s: ContainerService): string => `${s.baseContainerName}-\${local.${s.version.friendlyUniqueId}}`;

/**
 * The configuration the activation job should receive for `model`: rendered with a stand-in host for
 * each service, escaped for Terraform, then each stand-in replaced by the service's container name.
 */
function expectedConfig(model: Omit<NginxGatewayModel, 'pools'> & { pools: typeof pools }, services: ContainerService[]): string {
  const standIn = (alias: string) => `standin-${alias}`;
  const aliases = services.map((svc) => svc.alias);
  // What the construct adds to every model it renders: its nginx version (the default image's), Docker's
  // DNS, the drain bounds, and client connections that outlive a reload only just after a request.
  const text = terraformLiteral(renderNginxConfig({
    nginxVersion: '1.30',
    resolver: { addresses: ['127.0.0.11'], validSeconds: 5 },
    process: { workerShutdownTimeoutSeconds: 30 },
    clientKeepalive: { timeSeconds: 10, minTimeoutSeconds: 5 },
    ...model,
    pools: model.pools.map((p) => ({ ...p, servers: p.servers.map((sv) => (aliases.includes(sv.host) ? { ...sv, host: standIn(sv.host) } : sv)) })),
  }));
  return services.reduce((t, svc) => t.split(`${standIn(svc.alias)}:`).join(`${nameOf(svc)}:`), text);
}

function warnings(gateway: NginxGateway): string[] {
  return gateway.node.metadata.filter((m) => m.type === '@cdktf/warn').map((m) => String(m.data));
}

describe('NginxGateway', () => {
  test('runs pinned nginx on the network, stop-first, with the tuned backlog and namespaced sysctls; the activation job gets the config', () => {
    // GIVEN the article's services
    const { stack, network, web, api } = setup();

    // WHEN a gateway routes to them
    const gateway = new NginxGateway(stack, 'gateway', { network, pools, routes, serverNames: ['shop.example.no'] });
    const synth = Testing.synth(stack, true);

    // THEN the container publishes the port on loopback, tuned, and restarts nginx only for itself
    expect(gatewayContainer(synth, gateway)).toMatchObject({
      name: 'dev-services-gateway',
      image: 'nginx:1.30',
      ports: [{ internal: 80, external: 8080, ip: '127.0.0.1', protocol: 'tcp' }],
      sysctls: {
        'net.core.somaxconn': '4096',
        'net.ipv4.ip_local_port_range': '1024 65000',
        'net.ipv4.tcp_tw_reuse': '1',
      },
      memory: 256,
      networks_advanced: [expect.objectContaining({ aliases: ['gateway'] })],
    });
    expect(gatewayContainer(synth, gateway)).not.toHaveProperty('upload');
    // AND the activation job receives the configuration, each pool server by its container name
    expect(activationConfig(synth, gateway)).toBe(
      expectedConfig({ pools, routes, serverNames: ['shop.example.no'], backlog: 4096 }, [...web, ...api]),
    );
    expect(activationConfig(synth, gateway)).toContain('    listen 80 backlog=4096;\n');
    expect(activationConfig(synth, gateway)).toContain(`        server ${nameOf(web[0])}:8080 resolve max_fails=3 fail_timeout=30s;\n`);
    expect(gateway.service.replacement).toBe('stop-first');
    expect(gateway.url).toBe('http://127.0.0.1:8080');
    expect(gateway.backlog).toBe(4096);
    expect(gateway.drainTimeoutSeconds).toBe(30);
    expect(warnings(gateway)).toEqual([]);
  });

  test('the activation runs after every upstream service it names; the gateway container waits for none', () => {
    const { stack, network, web, api } = setup();
    const gateway = new NginxGateway(stack, 'gateway', { network, pools, routes });

    const synth = Testing.synth(stack);

    expect(activationJob(synth, gateway).depends_on).toEqual([...web, ...api].map((svc) => `docker_container.${svc.container.friendlyUniqueId}`));
    expect(gatewayContainer(synth, gateway)).not.toHaveProperty('depends_on');
    expect(gateway.service.links).toEqual([]);
  });

  test('addPool and addRoute return copies of what they add, and the config follows', () => {
    const { stack, network, api } = setup();
    const gateway = new NginxGateway(stack, 'gateway', { network });

    const pool = gateway.addPool(pools[1]);
    const route = gateway.addRoute(routes[1]);
    expect(pool).toEqual(pools[1]);
    expect(pool).not.toBe(pools[1]);
    expect(route).toEqual(routes[1]);

    // changing what was returned, or what the getters give (as JavaScript may), changes nothing
    (pool.servers as { host: string; port: number }[]).push({ host: 'api3', port: 5000 });
    (gateway.pools[0].servers[0] as { port: number }).port = 1;
    (gateway.routes[0] as { path: string }).path = '/changed';
    expect(gateway.pools).toEqual([pools[1]]);
    expect(gateway.routes).toEqual([routes[1]]);
    const synth = Testing.synth(stack);
    expect(activationConfig(synth, gateway)).toBe(expectedConfig({ pools: [pools[1]], routes: [routes[1]], backlog: 4096 }, api));
    expect(activationConfig(synth, gateway)).toContain('        location /api/inventory {\n');
    expect(activationConfig(synth, gateway)).not.toContain('frontend_pool');
  });

  test('keeps deep copies of what it is given: changing nested arrays and objects afterwards changes nothing', () => {
    // GIVEN props and a route with nested arrays and objects
    const { stack, network } = setup();
    const serverNames = ['shop.example.no'];
    const cors = { allowOrigins: ['https://shop.example.no'] };
    const responseHeaders: Record<string, string> = { 'Cache-Control': 'no-store' };
    const gateway = new NginxGateway(stack, 'gateway', { network, serverNames, pools: [pools[1]] });
    gateway.addRoute({ ...routes[1], cors, responseHeaders });
    const before = gateway.config;

    // WHEN the caller changes them, and a getter's nested values
    serverNames.push('evil.example.com');
    cors.allowOrigins.push('https://evil.example.com');
    responseHeaders['X-Injected'] = 'yes';
    (gateway.routes[0].responseHeaders as Record<string, string>)['X-B'] = 'b';
    (gateway.routes[0].cors!.allowOrigins as string[]).push('https://other.example.com');

    // THEN the rendered configuration is what it was
    expect(gateway.config).toBe(before);
    expect(before).not.toContain('evil.example.com');
    expect(before).not.toContain('X-Injected');
    expect(gateway.routes[0].responseHeaders).toEqual({ 'Cache-Control': 'no-store' });
  });

  test('changing a pool after adding it changes nothing', () => {
    const { stack, network } = setup();
    const pool = { name: 'p', servers: [{ host: '10.0.0.2', port: 80 }] };
    const gateway = new NginxGateway(stack, 'gateway', { network, pools: [pool], routes: [{ path: '/', pool: 'p' }] });
    pool.servers[0].port = 81;
    pool.servers.push({ host: '10.0.0.3', port: 80 });
    expect(gateway.pools).toEqual([{ name: 'p', servers: [{ host: '10.0.0.2', port: 80 }] }]);
    expect(activationConfig(Testing.synth(stack), gateway)).toContain('    upstream p {\n        zone upstream_p 64k;\n        server 10.0.0.2:80 max_fails=3 fail_timeout=30s;\n        keepalive 64;\n    }\n');
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
    expect(gateway.hostPort).toBe(8000);
    expect(gateway.tlsHostPort).toBe(8001);
    expect(gateway.config).toContain("listen 443 ssl backlog=4096;");
    expect(gateway.config).toContain("http2 on;");
    // The redirect goes to the port HTTPS is published on, not to the container's 443.
    expect(gateway.config).toContain('return 301 https://$host:8001$request_uri;');
  });

  test('TLS without the HTTP redirect publishes HTTPS only', () => {
    const { stack, network } = setup();
    const gateway = new NginxGateway(stack, 'gateway', {
      network, pools, routes,
      tls: { certificatePath: '/etc/nginx/tls/shop.crt', keyPath: '/etc/nginx/tls/shop.key', redirectHttp: false, port: 8443 },
    });
    expect(gatewayContainer(Testing.synth(stack), gateway).ports).toEqual([{ internal: 8443, external: 8443, ip: '127.0.0.1', protocol: 'tcp' }]);
    expect(gateway.hostPort).toBeUndefined();
    expect(gateway.url).toBe('https://127.0.0.1:8443');
  });

  test('addHostVolume mounts a host directory read-only into nginx and its activation job (nginx -t needs the TLS files)', () => {
    const { stack, network } = setup();
    const gateway = new NginxGateway(stack, 'gateway', {
      network, pools, routes, tls: { certificatePath: '/etc/nginx/tls/shop.crt', keyPath: '/etc/nginx/tls/shop.key' },
    });
    const mounted = gateway.addHostVolume('/opt/tls/shop', '/etc/nginx/tls');
    const synth = Testing.synth(stack);
    const config = { volume_name: `\${docker_volume.${gateway.service.namedVolumeMounts[0].volume.friendlyUniqueId}.name}`, container_path: '/etc/nginx/kvms' };
    const tls = { host_path: '/opt/tls/shop', container_path: '/etc/nginx/tls', read_only: true };
    expect(gatewayContainer(synth, gateway).volumes).toEqual([tls, config]);
    expect(activationJob(synth, gateway).volumes).toEqual([config, tls]);
    expect(mounted).toEqual({ hostPath: '/opt/tls/shop', containerPath: '/etc/nginx/tls', readOnly: true });
  });

  test('dockerProvider runs the gateway on another host, where it joins the network and pools services of that host', () => {
    const { stack, network } = setup();
    const vm2 = new DockerProvider(stack, 'docker-vm2', { alias: 'vm2' });
    const remote = network.addService('web3', { image: 'shop-web:1.0', dockerProvider: vm2 });
    const gateway = new NginxGateway(stack, 'gateway', {
      network, dockerProvider: vm2, pools: [{ name: 'p', servers: [{ host: 'web3', port: 8080 }] }], routes: [{ path: '/', pool: 'p' }],
    });
    const synth = Testing.synth(stack);
    expect(gatewayContainer(synth, gateway)).toMatchObject({
      provider: 'docker.vm2',
      networks_advanced: [{ name: `\${docker_network.${network.resourceOn(vm2).friendlyUniqueId}.name}`, aliases: ['gateway'] }],
    });
    expect(activationJob(synth, gateway)).toMatchObject({ provider: 'docker.vm2', depends_on: [`docker_container.${remote.container.friendlyUniqueId}`] });
    expect(gateway.service.dockerProvider).toBe(vm2);
  });

  test("takes a profile that reserves the services' ports, and passes the list to the gateway container", () => {
    // GIVEN the profile the port-range warning advises: the article's range with 3306 and 13000-13099 reserved
    const { stack, network } = setup();
    const profile = new SysctlProfile({ overrides: { 'net.ipv4.ip_local_reserved_ports': [3306, [13000, 13099]] } });
    // WHEN a gateway gets it THEN the container's namespace gets the same list
    const gateway = new NginxGateway(stack, 'gateway', { network, pools, routes, sysctlProfile: profile });
    expect(gateway.sysctls['net.ipv4.ip_local_reserved_ports']).toBe('3306,13000-13099');
    expect(gatewayContainer(Testing.synth(stack), gateway).sysctls).toEqual(expect.objectContaining({ 'net.ipv4.ip_local_reserved_ports': '3306,13000-13099' }));
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

    const config = activationConfig(Testing.synth(stack), gateway);

    expect(config).toContain(
      `    upstream remote {\n        zone upstream_remote 64k;\n        server \${var.replica_address}:20000 resolve max_fails=3 fail_timeout=30s;\n        server ${nameOf(network.tryFindService('web1')!)}:8080 resolve max_fails=3 fail_timeout=30s;\n`,
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

    test('fails when a pool server is a service on another Docker host', () => {
      const { stack, network } = setup();
      const vm2 = new DockerProvider(stack, 'docker-vm2', { alias: 'vm2' });
      network.addService('web3', { image: 'shop-web:1.0', dockerProvider: vm2 });
      expect(() => new NginxGateway(stack, 'gateway', { network, pools: [{ name: 'p', servers: [{ host: 'web3', port: 8080 }] }] })).toThrow(
        'NginxGateway [dev/gateway]: pool "p" server "web3" is service \'web3\' on another Docker host, where its name does not resolve; reach it at that host\'s address through a published port (or a StreamRelay) and list that address instead',
      );
    });

    test.each([
      [{ listenPort: 0 }, 'listenPort 0 must be an integer from 1 to 65535 (the port nginx listens on inside the container, e.g. 80)'],
      [{ hostPort: 70000 }, 'hostPort 70000 must be an integer from 1 to 65535 (the port published on the Docker host, e.g. 8080)'],
      [{ tls: { certificatePath: '/etc/nginx/tls/a.crt', keyPath: '/etc/nginx/tls/a.key', port: 0 } }, 'tls.port 0 must be an integer from 1 to 65535 (the port nginx serves HTTPS on inside the container, e.g. 443)'],
      [{ tls: { certificatePath: '/etc/nginx/tls/a.crt', keyPath: '/etc/nginx/tls/a.key' }, tlsHostPort: 1.5 }, 'tlsHostPort 1.5 must be an integer from 1 to 65535 (the port HTTPS is published on on the Docker host, e.g. 8443)'],
      [{ drainTimeoutSeconds: 0 }, 'drainTimeoutSeconds 0 must be a whole number of seconds from 1 to 3600'],
      [{ drainTimeoutSeconds: 3601 }, 'drainTimeoutSeconds 3601 must be a whole number of seconds from 1 to 3600'],
    ] as [Partial<NginxGatewayProps>, string][])('fails when a setting is out of range: %j', (props, message) => {
      expect(make({ pools, routes, ...props })).toThrow(`NginxGateway [dev/gateway]: ${message}`);
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
