import 'cdktf/lib/testing/adapters/jest'; // types of the cdktf jest matchers
import { Container } from '@cdktf/provider-docker/lib/container';
import { Network } from '@cdktf/provider-docker/lib/network';
import { DockerProvider } from '@cdktf/provider-docker/lib/provider';
import { TerraformStack, TerraformVariable, Testing } from 'cdktf';
import { ContainerService } from '../../../constructs/container-service';
import { DatabaseService } from '../../../constructs/database-service';
import { ServiceNetwork, ServiceNetworkProps } from '../../../constructs/service-network';

function setup(props: Partial<ServiceNetworkProps> = {}) {
  const app = Testing.app();
  const stack = new TerraformStack(app, 'dev');
  const provider = new DockerProvider(stack, 'docker', {});
  const network = new ServiceNetwork(stack, 'services', { provider, ...props });
  return { stack, provider, network };
}

function warnings(service: ContainerService): string[] {
  return service.node.metadata.filter((m) => m.type === '@cdktf/warn').map((m) => String(m.data));
}

describe('ServiceNetwork', () => {
  test('a bridge network named after the construct path by default', () => {
    const { stack, network } = setup();
    const synth = Testing.synth(stack);
    expect(synth).toHaveResourceWithProperties(Network, { name: 'dev-services', driver: 'bridge', provider: 'docker' });
    expect(network.networkName).toBe('dev-services');
    expect(network.internal).toBe(false);
    expect(JSON.parse(synth).resource.docker_network[network.resource.friendlyUniqueId]).not.toHaveProperty('internal');
    expect(JSON.parse(synth).resource.docker_network[network.resource.friendlyUniqueId]).not.toHaveProperty('ipam_config');
  });

  test('networkName, subnet and internal', () => {
    const { stack, network } = setup({ networkName: 'prod-net', subnet: '172.28.0.0/24', internal: true });
    expect(Testing.synth(stack)).toHaveResourceWithProperties(Network, {
      name: 'prod-net', internal: true, ipam_config: [{ subnet: '172.28.0.0/24' }],
    });
    expect(network.subnet).toBe('172.28.0.0/24');
  });

  test('a provider with an alias puts the network on that host', () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, 'prod');
    const vm1 = new DockerProvider(stack, 'docker-vm1', { alias: 'vm1' });
    new ServiceNetwork(stack, 'services', { provider: vm1 });
    expect(Testing.synth(stack)).toHaveResourceWithProperties(Network, { name: 'prod-services', provider: 'docker.vm1' });
  });

  test('addService returns a service on the network', () => {
    const { stack, network } = setup();
    const web = network.addService('web', { image: 'my-php-app:1.0' });
    expect(web).toBeInstanceOf(ContainerService);
    expect(web.network).toBe(network);
    expect(web.dockerProvider).toBe(network.provider);
    expect(network.services).toEqual([web]);
    expect(network.tryFindService('web')).toBe(web);
    expect(network.tryFindService('dev-services-web')).toBe(web);
    expect(network.tryFindService('db')).toBeUndefined();
    expect(Testing.synth(stack)).toHaveResourceWithProperties(Container, { name: `dev-services-web-\${local.${web.version.friendlyUniqueId}}` });
  });

  test('addDatabase returns the database preset', () => {
    const { stack, network } = setup();
    const rootPassword = new TerraformVariable(stack, 'db_root_password', { type: 'string', sensitive: true });
    const db = network.addDatabase('mysql-core', { rootPassword });
    expect(db).toBeInstanceOf(DatabaseService);
    expect(network.services).toEqual([db]);
  });

  test('services getter returns a copy', () => {
    const { network } = setup();
    network.addService('web', { image: 'my-php-app:1.0' });
    network.services.pop();
    expect(network.services).toHaveLength(1);
  });

  test('the same host port on different addresses or different hosts is fine', () => {
    const { stack, network } = setup();
    const vm2 = new DockerProvider(stack, 'docker-vm2', { alias: 'vm2' });
    network.addService('a', { image: 'app:1', ports: [{ containerPort: 80, hostPort: 8080, hostAddress: '127.0.0.1' }] });
    network.addService('b', { image: 'app:1', ports: [{ containerPort: 80, hostPort: 8080, hostAddress: '127.0.0.2' }] });
    network.addService('c', { image: 'app:1', dockerProvider: vm2, ports: [{ containerPort: 80, hostPort: 8080 }] });
    network.addService('d', { image: 'app:1', ports: [{ containerPort: 80, hostPort: 8080, protocol: 'udp' }] });
    expect(network.services).toHaveLength(4);
  });

  test('one network per Docker host: replicas on a second host share one extra network', () => {
    const { stack, network } = setup();
    const vm2 = new DockerProvider(stack, 'docker-vm2', { alias: 'vm2' });
    network.addService('web-1', { image: 'app:1' });
    network.addService('web-2', { image: 'app:1', dockerProvider: vm2 });
    network.addService('web-3', { image: 'app:1', dockerProvider: vm2 });
    const networks = JSON.parse(Testing.synth(stack)).resource.docker_network;
    expect(Object.values(networks)).toHaveLength(2);
    expect(Object.values(networks)).toEqual(expect.arrayContaining([
      { name: 'dev-services', driver: 'bridge', provider: 'docker' },
      { name: 'dev-services', driver: 'bridge', provider: 'docker.vm2' },
    ]));
  });

  test('replicas share the name of their replica set, which finds the first of them', () => {
    const { network } = setup();
    const one = network.addService('storefront-1', { image: 'shop:1.0', replicaOf: 'storefront' });
    const two = network.addService('storefront-2', { image: 'shop:1.0', replicaOf: 'storefront' });
    expect(network.tryFindService('storefront')).toBe(one);
    expect(network.tryFindService('storefront-2')).toBe(two);
    expect(network.services).toEqual([one, two]);
  });

  test('warns when a service publishes a port on an internal network', () => {
    const { network } = setup({ internal: true });
    const web = network.addService('web', { image: 'app:1', ports: [{ containerPort: 80 }] });
    expect(warnings(web)).toEqual([expect.stringContaining('network "dev-services" is internal and Docker does not publish ports')]);
  });

  test('snapshot: the article\'s topology, web app linked to db, database on a host volume', () => {
    // GIVEN the article's two containers: mysql-core with -v /opt/data/mysql:/var/lib/mysql, web-app with --link mysql-core:db -p 8080:80
    const { stack, network } = setup({ subnet: '172.28.0.0/24' });
    const rootPassword = new TerraformVariable(stack, 'db_root_password', { type: 'string', sensitive: true });
    const db = network.addDatabase('mysql-core', { rootPassword });
    const web = network.addService('web-app', { image: 'my-php-app:1.0', ports: [{ containerPort: 80, hostPort: 8080 }] });
    // WHEN the web app links the database as "db"
    web.link(db, 'db');
    const synth = Testing.synth(stack, true);
    // THEN the data is on the host, "db" resolves on the network, and the web app (stop-first, as it
    // publishes a port) is created once the database's login check passed
    expect(synth).toHaveResourceWithProperties(Container, {
      name: 'dev-services-mysql-core',
      volumes: [{ host_path: '/opt/data/mysql', container_path: '/var/lib/mysql' }],
      networks_advanced: [expect.objectContaining({ aliases: ['mysql-core', 'db'] })],
      env: ['MYSQL_ROOT_PASSWORD=${var.db_root_password}'],
    });
    expect(synth).toHaveResourceWithProperties(Container, {
      name: 'dev-services-web-app',
      depends_on: [`docker_container.${db.loginCheck.container.friendlyUniqueId}`],
      ports: [{ internal: 80, external: 8080, ip: '127.0.0.1', protocol: 'tcp' }],
    });
    expect(web.replacement).toBe('stop-first');
    expect(synth).not.toContain('strongpassword123');
    expect(JSON.parse(synth)).toMatchSnapshot(); // parsed: cdktf and CDK Terrain print `[]` and `{}` differently
  });
});

describe('ServiceNetwork guards', () => {
  test('fails when the network name is invalid', () => {
    expect(() => setup({ networkName: 'dev services' })).toThrow(
      'ServiceNetwork [dev/services]: networkName "dev services" must contain only letters, digits, \'_\', \'.\' and \'-\', starting with a letter or digit',
    );
  });
  test('fails when the subnet is not a CIDR', () => {
    expect(() => setup({ subnet: '172.28.0.0' })).toThrow('ServiceNetwork [dev/services]: subnet "172.28.0.0" is not a CIDR with a prefix of 8..30; write it like "192.168.150.0/24"');
  });
  test('fails when a subnet octet is out of range', () => {
    expect(() => setup({ subnet: '172.280.0.0/16' })).toThrow('subnet "172.280.0.0/16" has no IPv4 network address before the \'/\'; write four numbers 0-255 joined by dots, like "192.168.150.0/24"');
  });
  test('fails when the subnet prefix is too long for containers', () => {
    expect(() => setup({ subnet: '172.28.0.0/31' })).toThrow('subnet "172.28.0.0/31" is not a CIDR with a prefix of 8..30; write it like "192.168.150.0/24"');
  });
  test('fails when the subnet has host bits set', () => {
    expect(() => setup({ subnet: '172.28.0.1/24' })).toThrow('subnet "172.28.0.1/24" has host bits set; use the network address "172.28.0.0/24"');
  });
  test('fails when two networks on one Docker host share a name, naming both', () => {
    const { stack, provider } = setup({ networkName: 'shop' });
    expect(() => new ServiceNetwork(stack, 'backend', { provider, networkName: 'shop' })).toThrow(
      'ServiceNetwork [dev/backend]: networkName "shop" is already used by network dev/services on the same Docker host (provider dev/docker); Docker network names are unique per host, so give this one another networkName',
    );
  });
  test('fails when two networks on one Docker host have overlapping subnets', () => {
    const { stack, provider } = setup({ subnet: '172.28.0.0/24' });
    expect(() => new ServiceNetwork(stack, 'backend', { provider, subnet: '172.28.0.128/25' })).toThrow(
      'ServiceNetwork [dev/backend]: subnet "172.28.0.128/25" overlaps 172.28.0.0/24 of network dev/services on the same Docker host (provider dev/docker); Docker refuses overlapping address pools, so choose a subnet outside 172.28.0.0/24',
    );
  });
  test('fails when a network reaches another Docker host where that name is taken', () => {
    // GIVEN two networks on two hosts, one of them named like the other's
    const { stack, provider, network } = setup({ networkName: 'shop' });
    const vm2 = new DockerProvider(stack, 'vm2', { host: 'ssh://deploy@10.0.0.12', alias: 'vm2' });
    new ServiceNetwork(stack, 'local', { provider: vm2, networkName: 'shop-2' });
    const other = new ServiceNetwork(stack, 'other', { provider: vm2, networkName: 'vm2-only' });
    expect(other.networkName).toBe('vm2-only');
    // WHEN a replica of `services` runs on vm2, where `shop` is free, it gets its network there
    network.addService('web', { image: 'app:1', dockerProvider: vm2 });
    // AND a network named like one already on vm2 fails as soon as it reaches vm2
    const clash = new ServiceNetwork(stack, 'clash', { provider, networkName: 'shop-2' });
    expect(() => clash.addService('web', { image: 'app:1', dockerProvider: vm2 })).toThrow(
      'ServiceNetwork [dev/clash]: networkName "shop-2" is already used by network dev/local on the same Docker host (provider dev/vm2)',
    );
  });
  test('fails when two stacks reach one Docker host by the same URL and claim one network name', () => {
    const app = Testing.app();
    const host = 'ssh://deploy@203.0.113.10';
    const staging = new TerraformStack(app, 'staging');
    new ServiceNetwork(staging, 'services', { provider: new DockerProvider(staging, 'docker', { host }), networkName: 'shop' });
    const prod = new TerraformStack(app, 'prod');
    expect(() => new ServiceNetwork(prod, 'services', { provider: new DockerProvider(prod, 'docker', { host }), networkName: 'shop' })).toThrow(
      'ServiceNetwork [prod/services]: networkName "shop" is already used by network staging/services on the same Docker host (provider prod/docker); Docker network names are unique per host, so give this one another networkName',
    );
  });
  test('accepts one name and subnet on two Docker hosts', () => {
    const { stack } = setup({ networkName: 'shop', subnet: '172.28.0.0/24' });
    const vm2 = new DockerProvider(stack, 'vm2', { host: 'ssh://deploy@10.0.0.12', alias: 'vm2' });
    expect(new ServiceNetwork(stack, 'other', { provider: vm2, networkName: 'shop', subnet: '172.28.0.0/24' }).subnet).toBe('172.28.0.0/24');
  });
  test('fails when internal is not a boolean', () => {
    expect(() => setup({ internal: 'true' as never })).toThrow('ServiceNetwork [dev/services]: internal "true" must be true or false');
  });
  test('fails when a service id is used twice', () => {
    const { network } = setup();
    network.addService('web', { image: 'app:1' });
    expect(() => network.addService('web', { image: 'app:2' })).toThrow(
      'ServiceNetwork [dev/services]: a service with id \'web\' already exists on network "dev-services"; give each service its own id',
    );
  });
  test('fails when a database id is used twice', () => {
    const { stack, network } = setup();
    network.addService('db', { image: 'app:1' });
    const rootPassword = new TerraformVariable(stack, 'db_root_password', { type: 'string', sensitive: true });
    expect(() => network.addDatabase('db', { rootPassword })).toThrow('a service with id \'db\' already exists');
  });
  test('fails when two services share an alias', () => {
    const { network } = setup();
    network.addService('web', { image: 'app:1', alias: 'app' });
    expect(() => network.addService('worker', { image: 'app:1', alias: 'app' })).toThrow(
      'ContainerService [dev/services/worker]: alias "app" is already used by service \'web\' on network "dev-services"',
    );
  });
  test('fails when an alias equals another service\'s container name', () => {
    const { network } = setup();
    network.addService('web', { image: 'app:1' });
    expect(() => network.addService('worker', { image: 'app:1', alias: 'dev-services-web' })).toThrow('alias "dev-services-web" is already used by service \'web\'');
  });
  test('fails when an alias is the name of a replica set', () => {
    const { network } = setup();
    network.addService('storefront-1', { image: 'shop:1.0', replicaOf: 'storefront' });
    expect(() => network.addService('web', { image: 'app:1', alias: 'storefront' })).toThrow(
      'ContainerService [dev/services/web]: alias "storefront" is the name of the replica set of \'storefront-1\' on network "dev-services"; choose another alias',
    );
  });
  test('fails when a link alias is the name of a replica set', () => {
    const { network } = setup();
    network.addService('storefront-1', { image: 'shop:1.0', replicaOf: 'storefront' });
    const cache = network.addService('cache', { image: 'memcached:1.6' });
    expect(() => network.addService('web', { image: 'app:1' }).link(cache, 'storefront')).toThrow(
      'ContainerService [dev/services/cache]: alias "storefront" is the name of the replica set of \'storefront-1\' on network "dev-services"; choose another alias',
    );
  });
  test('fails when a replica set takes the name of a service', () => {
    const { network } = setup();
    network.addService('storefront', { image: 'shop:1.0' });
    expect(() => network.addService('storefront-1', { image: 'shop:1.0', replicaOf: 'storefront' })).toThrow(
      'ContainerService [dev/services/storefront-1]: replicaOf "storefront" is already the name of service \'storefront\' on network "dev-services"; a replica set\'s name must be its own',
    );
  });
  test('fails when two services publish the same host port on one host', () => {
    const { network } = setup();
    network.addService('a', { image: 'app:1', ports: [{ containerPort: 80, hostPort: 8080 }] });
    expect(() => network.addService('b', { image: 'app:1', ports: [{ containerPort: 80, hostPort: 8080 }] })).toThrow(
      'ContainerService [dev/services/b]: host port 127.0.0.1:8080/tcp is already published by service \'a\' on the same Docker host; choose another hostPort',
    );
  });
  test('fails when a port on 0.0.0.0 overlaps a port on one address', () => {
    const { network } = setup();
    network.addService('a', { image: 'app:1', ports: [{ containerPort: 80, hostPort: 8080, hostAddress: '0.0.0.0' }] });
    expect(() => network.addService('b', { image: 'app:1', ports: [{ containerPort: 80, hostPort: 8080 }] })).toThrow('is already published by service \'a\'');
  });
});
