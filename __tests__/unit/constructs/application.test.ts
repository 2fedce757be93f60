import { TerraformStack, Testing } from 'cdktf';
import { Application, ApplicationProps } from '../../../constructs/application';
import { HostSpec, ServiceSpec } from '../../../constructs/application-spec';

type Json = Record<string, any>;

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBQrGv5cChVQ2vRiUSbpBHOKF1RBz8NITMeFrghwjgnP ops@example';
const KVM = { baseImage: 'https://cloud.example.de/debian-12.qcow2', sshPublicKeys: [KEY] };
const HYPERVISORS = {
  hv1: { uri: 'qemu+ssh://ops@hv1.example.de/system', networkCidr: '192.168.150.0/24' },
  hv2: { uri: 'qemu+ssh://ops@hv2.example.de/system', networkCidr: '192.168.151.0/24' },
};
const HC = { command: ['CMD', '/app', 'healthcheck'] };
const web = (over: Partial<ServiceSpec> = {}): ServiceSpec => ({ image: 'registry.example.de/web:1.0', port: 8080, routes: ['/'], healthcheck: HC, ...over });

/** GIVEN an application from `props` in stack `qa` WHEN synthesized THEN the construct and the JSON. */
function build(props: Partial<ApplicationProps> & Pick<ApplicationProps, 'services'>) {
  const stack = new TerraformStack(Testing.app(), 'qa');
  const app = new Application(stack, 'app', { hosts: [{ name: 'local', kind: 'local' }], ...props });
  const json = JSON.parse(Testing.synth(stack)) as Json;
  return { stack, app, json };
}

/** Fails with `message` (exactly) when an application is made from `props`. */
function refuses(props: Partial<ApplicationProps> & Pick<ApplicationProps, 'services'>, message: string) {
  expect(() => build(props)).toThrow(message);
}

const containers = (json: Json): Json[] => Object.values(json.resource.docker_container ?? {});
const byName = (json: Json, prefix: string): Json[] => containers(json).filter((c) => String(c.name).startsWith(prefix));
const env = (c: Json): Record<string, string> => Object.fromEntries((c.env ?? []).map((e: string) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));

const TWO_KVM: HostSpec[] = [
  { name: 'qa-1', kind: 'kvm', hypervisor: 'hv1' },
  { name: 'qa-2', kind: 'kvm', hypervisor: 'hv2' },
];

describe('Application on one local host', () => {
  test('every replica, the database and the gateway run on the local engine, wired by alias', () => {
    const { app, json } = build({
      services: { web: web({ replicas: 2, uses: ['db'] }), worker: { image: 'registry.example.de/worker:1.0', uses: ['db', 'web'] } },
      databases: { db: { image: 'mariadb:10.11', database: 'shop', user: 'shop' } },
    });

    expect(Object.keys(app.replicas)).toEqual(['web', 'worker']);
    expect(app.replicas.web.map((r) => r.node.id)).toEqual(['web-1', 'web-2']);
    expect(app.relays).toEqual({});
    expect(Object.keys(json.provider.docker)).toHaveLength(1);
    const [w1] = byName(json, 'qa-services-web-1-');
    expect(env(w1)).toEqual({ DB_HOST: 'db', DB_PORT: '3306', DB_NAME: 'shop', DB_USER: 'shop', DB_PASSWORD: '${var.db_app_password}' });
    const [worker] = byName(json, 'qa-services-worker-1-');
    expect(env(worker)).toMatchObject({ WEB_HOST: 'web', WEB_PORT: '8080', DB_HOST: 'db' });
    // Every replica answers to its service's name as well as its own.
    expect(w1.networks_advanced[0].aliases).toEqual(['web-1', 'web']);
    // Only the gateway publishes a port, on loopback.
    const published = containers(json).filter((c) => c.ports !== undefined);
    expect(published.map((c) => c.name)).toEqual(['qa-services-gateway']);
    expect(published[0].ports).toEqual([{ external: 8080, internal: 80, ip: '127.0.0.1', protocol: 'tcp' }]);
  });

  test('the gateway pools the replicas by container name and takes the routes from the services', () => {
    const { app } = build({ services: { web: web({ replicas: 2 }), api: web({ port: 9000, routes: ['/api/', { path: '/ws/', readTimeoutSeconds: 3600 }] }) } });

    expect(app.gateway!.pools.map((p) => [p.name, p.servers.map((s) => `${s.host}:${s.port}`)])).toEqual([
      ['web', ['web-1:8080', 'web-2:8080']],
      ['api', ['api-1:9000']],
    ]);
    expect(app.gateway!.routes.map((r) => [r.path, r.pool, r.readTimeoutSeconds])).toEqual([
      ['/', 'web', undefined],
      ['/api/', 'api', undefined],
      ['/ws/', 'api', 3600],
    ]);
    expect(app.gateway!.config).toMatch(/upstream web \{\n {8}zone upstream_web 64k;\n {8}server qa-services-web-1-\S+:8080 resolve max_fails=3 fail_timeout=30s;/);
  });

  test('a system with no routes has no gateway', () => {
    const { app, json } = build({ services: { worker: { image: 'registry.example.de/worker:1.0' } } });
    expect(app.gateway).toBeUndefined();
    expect(byName(json, 'qa-services-gateway')).toEqual([]);
  });

  test('secrets come from sensitive variables the application declares, never as literals', () => {
    const { json } = build({ services: { web: web({ secrets: { API_TOKEN: 'api_token' } }) } });

    expect(json.variable.api_token).toMatchObject({ type: 'string', sensitive: true });
    expect(env(byName(json, 'qa-services-web-1-')[0]).API_TOKEN).toBe('${var.api_token}');
  });

  test('a database on a local host keeps its data under /opt/data/<name>/<database> by default', () => {
    const { json } = build({ services: { web: web({ uses: ['db'] }) }, databases: { db: {} } });
    const [db] = byName(json, 'qa-services-db');
    expect(db.volumes).toEqual([{ container_path: '/var/lib/mysql', host_path: '/opt/data/qa/db' }]);
    expect(json.variable.db_root_password.sensitive).toBe(true);
    expect(json.variable.db_app_password.sensitive).toBe(true);
  });
});

describe('Application placement', () => {
  const hosts: HostSpec[] = [
    { name: 'h1', kind: 'local', address: '192.168.160.1', labels: { zone: 'a' } },
    { name: 'h2', kind: 'server', address: '192.168.160.2', user: 'deploy', labels: { zone: 'b' } },
    { name: 'h3', kind: 'server', address: '192.168.160.3', user: 'deploy', labels: { zone: 'b' } },
  ];
  const placed = (services: Record<string, ServiceSpec>) => Object.fromEntries(build({ hosts, services }).app.placement.hostsByService);

  test('spreads replicas over all hosts in order, one a host while there are enough', () => {
    expect(placed({ a: web({ replicas: 3 }), b: { image: 'x/b:1', replicas: 2 } })).toEqual({ a: ['h1', 'h2', 'h3'], b: ['h1', 'h2'] });
  });

  test('keeps to the named hosts, or to the hosts with the labels', () => {
    expect(placed({ a: { image: 'x/a:1', replicas: 2, placement: { hosts: ['h3', 'h1'] } }, b: { image: 'x/b:1', replicas: 2, placement: { labels: { zone: 'b' } } } }))
      .toEqual({ a: ['h1', 'h3'], b: ['h2', 'h3'] });
  });

  test('scaling a service moves none of its other replicas, and the same input gives the same JSON', () => {
    expect(placed({ a: { image: 'x/a:1', replicas: 2 } }).a).toEqual(placed({ a: { image: 'x/a:1', replicas: 3 } }).a.slice(0, 2));
    const once = Testing.synth(build({ hosts, services: { a: web({ replicas: 4 }) } }).stack);
    const twice = Testing.synth(build({ hosts, services: { a: web({ replicas: 4 }) } }).stack);
    expect(twice).toBe(once);
  });

  test('more replicas than eligible hosts share hosts, with a warning', () => {
    const { app } = build({ hosts, services: { a: { image: 'x/a:1', replicas: 4 } } });
    expect(app.placement.hostsByService.get('a')).toEqual(['h1', 'h2', 'h3', 'h1']);
    expect(app.node.metadata.filter((m) => m.type === '@cdktf/warn').map((m) => m.data)).toContain(
      'services.a: 4 replicas on 3 eligible hosts (h1, h2, h3): some replicas share a host, so losing that host takes more than one of them; add hosts, or lower replicas to 3',
    );
  });

  test('fails when spread is required and there are more replicas than eligible hosts', () => {
    refuses({ hosts, services: { a: { image: 'x/a:1', replicas: 3, placement: { labels: { zone: 'b' }, spread: 'required' } } } },
      'Application [qa/app]: services.a: 3 replicas on 2 eligible hosts (h2, h3) cannot keep to one replica a host (spread \'required\'): lower replicas to 2, add hosts, or allow sharing with spread \'preferred\'');
  });

  test('fails when no host satisfies the placement', () => {
    refuses({ hosts, services: { a: { image: 'x/a:1', placement: { labels: { zone: 'c' } } } } },
      'Application [qa/app]: services.a.placement "{\\"labels\\":{\\"zone\\":\\"c\\"}}" is satisfied by no host (h1 {"zone":"a"}, h2 {"zone":"b"}, h3 {"zone":"b"}): name existing hosts, or give a host the labels');
  });

  test('fails when the placement names an unknown host', () => {
    refuses({ hosts, services: { a: { image: 'x/a:1', placement: { hosts: ['h9'] } } } },
      'Application [qa/app]: services.a.placement.hosts entry "h9" is not a host of this application: use one of "h1", "h2", "h3"');
  });
});

describe('Application across hosts', () => {
  const props = (): Partial<ApplicationProps> & Pick<ApplicationProps, 'services'> => ({
    hypervisors: HYPERVISORS,
    kvm: KVM,
    hosts: TWO_KVM,
    services: {
      web: web({ replicas: 2 }),
      api: web({ port: 9000, replicas: 3, routes: ['/api/'], uses: ['db'] }),
      worker: { image: 'registry.example.de/worker:1.0', uses: ['db', 'api'], placement: { hosts: ['qa-2'] } },
    },
    databases: { db: { host: 'qa-1' } },
  });

  test('a consumer on another host reaches the database at its host\'s address, published there only', () => {
    const { json } = build(props());
    const [db] = byName(json, 'qa-services-db');
    expect(db.ports).toEqual([{ external: 3306, internal: 3306, ip: '192.168.150.10', protocol: 'tcp' }]);
    const api = byName(json, 'qa-services-api-');
    expect(api.map((c) => env(c).DB_HOST)).toEqual(['db', '192.168.150.10', 'db']);
  });

  test('other hosts reach a service through a relay on its host, on a port of the cross-host range', () => {
    const { app, json } = build(props());

    // web is relayed from qa-2 (the gateway on qa-1 reaches web-2 there); api too (api-2).
    expect(Object.keys(app.relays)).toEqual(['qa-2']);
    expect(app.relays['qa-2'].ports.map((p) => [p.port, p.targetPort, p.targets.map((t) => t.node.id)])).toEqual([
      [20000, 8080, ['web-2']],
      [20001, 9000, ['api-2']],
    ]);
    const [relay] = byName(json, 'qa-services-relay-qa-2').filter((c) => c.ports !== undefined);
    expect(relay.ports.map((p: Json) => `${p.ip}:${p.external}`)).toEqual(['192.168.151.10:20000', '192.168.151.10:20001']);
    // The worker on qa-2 reaches api-2 on its own host by alias.
    expect(env(byName(json, 'qa-services-worker-1-')[0])).toMatchObject({ API_HOST: 'api', API_PORT: '9000', DB_HOST: '192.168.150.10', DB_PORT: '3306' });
  });

  test('a consumer on a host without the service reaches the relay of the first host that runs it', () => {
    const p = props();
    const { json } = build({ ...p, services: { ...p.services, api: { ...p.services.api, placement: { hosts: ['qa-1'] }, replicas: 2 } } });
    expect(env(byName(json, 'qa-services-worker-1-')[0])).toMatchObject({ API_HOST: '192.168.150.10', API_PORT: '20001' });
  });

  test('the gateway pools its own host\'s replicas by name and the other hosts\' relays, weighted by their replicas', () => {
    const p = props();
    const { app } = build({ ...p, gateway: { host: 'qa-2' } });
    expect(app.gateway!.pools.map((pool) => [pool.name, pool.servers.map((s) => `${s.host}:${s.port}${s.weight ? ` w${s.weight}` : ''}`)])).toEqual([
      ['web', ['web-2:8080', '192.168.150.10:20000']],
      ['api', ['api-2:9000', '192.168.150.10:20001 w2']],
    ]);
  });

  test('relay ports follow the declaration order of the services, so adding one at the end moves none', () => {
    const p = props();
    const more = build({ ...p, services: { ...p.services, extra: web({ port: 7000, routes: ['/extra'], placement: { hosts: ['qa-2'] } }) } });
    expect(more.app.relays['qa-2'].ports.map((x) => x.port)).toEqual([20000, 20001, 20003]);
  });

  test('every Docker resource on a KVM host waits for its readiness check, and one provider of each kind is made', () => {
    const { json } = build(props());

    expect(Object.keys(json.provider)).toEqual(['docker', 'libvirt', 'null']);
    expect(json.provider.docker.map((d: Json) => [d.alias, d.host])).toEqual([[undefined, 'ssh://admin@192.168.150.10'], ['app_qa-2', 'ssh://admin@192.168.151.10']]);
    expect(json.provider.libvirt.map((l: Json) => [l.alias, l.uri])).toEqual([[undefined, HYPERVISORS.hv1.uri], ['app_hv2', HYPERVISORS.hv2.uri]]);
    const ready = Object.keys(json.resource.null_resource);
    expect(ready).toHaveLength(2);
    for (const [type, resources] of Object.entries<Json>(json.resource)) {
      if (!type.startsWith('docker_')) continue;
      for (const r of Object.values<Json>(resources)) {
        const host = r.provider === 'docker.app_qa-2' ? 'qa-2' : 'qa-1';
        expect(r.depends_on).toContain(`null_resource.${ready.find((k) => k.includes(`hosts_${host}_ready`))}`);
      }
    }
  });

  test('a database on a KVM host keeps its data on the host\'s data disk', () => {
    const { app, json } = build(props());
    const host = app.host('qa-1').kvmHost!;
    expect(host.dataMountPath).toBe('/srv/data');
    expect(host.dataVolume).toBeDefined();
    expect(app.host('qa-2').kvmHost!.dataVolume).toBeUndefined();
    expect(byName(json, 'qa-services-db')[0].volumes).toEqual([{ container_path: '/var/lib/mysql', host_path: '/srv/data/db' }]);
  });

  test('an existing server is tuned over SSH first and runs Docker over ssh:// after it', () => {
    const { app, json } = build({
      hosts: [{ name: 'vps-1', kind: 'server', address: '192.168.170.10', user: 'deploy', hostKey: KEY }],
      services: { web: web() },
    });
    const tuned = app.host('vps-1').tunedServer!;
    expect(tuned.host).toBe('192.168.170.10');
    expect(json.provider.docker[0].host).toBe('ssh://deploy@192.168.170.10');
    expect(json.provider.docker[0].ssh_opts).toEqual(['-o', 'StrictHostKeyChecking=yes', '-o', 'UserKnownHostsFile=/dev/null', '-o', `KnownHostsCommand=/bin/echo %H ${KEY}`, '-o', 'BatchMode=yes']);
    for (const c of containers(json)) expect(c.depends_on).toContain(`null_resource.${tuned.resource.friendlyUniqueId}`);
  });

  test('hosts on two hypervisors bridged to one LAN get distinct addresses from it', () => {
    const lan = { networkCidr: '10.20.0.0/24', existingNetwork: 'lan' };
    const { app, json } = build({
      kvm: KVM,
      hypervisors: { hv1: { uri: 'qemu:///system', ...lan }, hv2: { uri: 'qemu+ssh://ops@hv2.example.de/system', ...lan } },
      hosts: TWO_KVM,
      services: { web: web({ replicas: 2 }) },
    });
    expect(app.hosts.map((h) => h.address)).toEqual(['10.20.0.10', '10.20.0.11']);
    expect(json.resource.libvirt_network).toBeUndefined();
    expect(app.node.metadata.filter((m) => m.type === '@cdktf/warn')).toEqual([]);
  });

  test('warns when hosts sit on NAT networks of different hypervisors, which cannot reach each other', () => {
    const { app } = build(props());
    expect(app.node.metadata.map((m) => m.data)).toContain(
      'hosts run on hypervisors "hv1" and "hv2", each on a NAT network of its own, so they cannot reach each other\'s addresses: give the hypervisors an existingNetwork bridged to one LAN (or routed between them)',
    );
  });

  test('warns when cross-host ports land on an address that is not private', () => {
    const { app } = build({
      hosts: [{ name: 'h1', kind: 'local' }, { name: 'vps', kind: 'server', address: '203.0.113.10', user: 'deploy' }],
      services: { web: web({ replicas: 2 }) },
    });
    expect(app.node.metadata.map((m) => m.data)).toContain(
      'host "vps" publishes the cross-host ports 20000 on 203.0.113.10, which is not a private address: anyone can reach web there without the gateway; give the host a privateAddress (a private network or VPN), or close the ports to all but the other hosts in a firewall',
    );
  });
});

describe('Application refuses bad input with the setting, the value and the fix', () => {
  const two: HostSpec[] = [{ name: 'h1', kind: 'local', address: '192.168.160.1' }, { name: 'h2', kind: 'server', address: '192.168.160.2', user: 'deploy' }];

  test.each<[string, Partial<ApplicationProps> & Pick<ApplicationProps, 'services'>, string]>([
    ['no hosts', { hosts: [], services: {} }, 'hosts "[]" is empty: give at least one host, e.g. [{ name: \'local\', kind: \'local\' }]'],
    ['a host name that is no DNS label', { hosts: [{ name: 'Web_1', kind: 'local' }], services: {} }, 'hosts[0].name "Web_1" must be a DNS label (lowercase letters, digits, \'-\', not at either end), e.g. "kvm-1"'],
    ['two hosts of one name', { hosts: [{ name: 'a', kind: 'local' }, { name: 'a', kind: 'server', address: '192.168.1.2', user: 'u' }], services: {} }, 'hosts[1].name "a" is used by two hosts; give each host its own name'],
    ['two local hosts', { hosts: [{ name: 'a', kind: 'local' }, { name: 'b', kind: 'local' }], services: {} }, 'hosts has 2 hosts of kind "local": there is one local Docker engine; keep one'],
    ['an unknown host kind', { hosts: [{ name: 'a', kind: 'lxc' } as unknown as HostSpec], services: {} }, 'hosts[0].kind "lxc" must be one of "local", "kvm", "server"'],
    ['an unknown hypervisor', { kvm: KVM, hypervisors: HYPERVISORS, hosts: [{ name: 'a', kind: 'kvm', hypervisor: 'hv9' }], services: {} }, 'hosts[0].hypervisor "hv9" is not a hypervisor of this application: use one of "hv1", "hv2", or add it under hypervisors'],
    ['a KVM host without kvm settings', { hypervisors: HYPERVISORS, hosts: [{ name: 'a', kind: 'kvm', hypervisor: 'hv1' }], services: {} }, 'hosts[0] "a" is a KVM host, but kvm (baseImage, sshPublicKeys) is not set; add kvm: { baseImage, sshPublicKeys }'],
    ['a service that uses itself', { services: { web: web({ uses: ['web'] }) } }, 'services.web.uses "web" is the service itself: remove it (replicas of one service reach each other by the alias "web")'],
    ['a service that uses an unknown name', { services: { web: web({ uses: ['cache'] }) } }, 'services.web.uses "cache" is no service or database of this application: add it under services or databases, or remove it'],
    ['a cycle of uses', { services: { a: { image: 'x/a:1', port: 1, uses: ['b'] }, b: { image: 'x/b:1', port: 2, uses: ['c'] }, c: { image: 'x/c:1', port: 3, uses: ['a'] } } }, 'services use each other in a cycle (a -> b -> c -> a): services start in the order they use each other, so break the cycle by removing one of these uses'],
    ['a database on an unknown host', { services: {}, databases: { db: { host: 'h9' } } }, 'databases.db.host "h9" is not a host of this application: use one of "local"'],
    ['two services claiming one route', { services: { a: web(), b: web({ image: 'x/b:1' }) } }, 'services.b.routes claims "/", which services.a.routes claims too: give each path to one service'],
    ['a routed service without a port', { services: { a: web({ port: undefined }) } }, 'services.a.port is not set, but the service has routes: give the port it listens on in its container'],
    ['a routed service with no replica', { services: { a: web({ replicas: 0 }) } }, 'services.a.replicas 0 leaves its routes "/" without a server: give at least 1 replica, or remove its routes'],
    ['a service and a database of one name', { services: { db: web() }, databases: { db: {} } }, 'services.db and databases.db share the name "db", which is a network alias: rename one'],
    ['a name that is not a label', { services: { Web: web() } }, 'services.Web: the name "Web" must be lowercase letters, digits and \'-\', starting with a letter, at most 31 characters (it is a network alias and a variable prefix)'],
    ['a cross-host port that clashes', { hosts: two, services: { a: web({ placement: { hosts: ['h1'] } }), w: { image: 'x/w:1', uses: ['a'], placement: { hosts: ['h2'] } } }, gateway: { port: 20000 } }, 'gateway.port and the relay port of services.a would both publish port 20000 on host "h1": set crossHost.portBase to a range without published ports, or move the other port'],
    ['a cross-host port range that does not fit', { services: { a: web() }, crossHost: { portBase: 80 } }, 'crossHost.portBase 80 must be a whole number from 1024 to 65534 (one port per service above it)'],
    ['a local host other hosts need without an address', { hosts: [{ name: 'h1', kind: 'local' }, two[1]], services: { w: { image: 'x/w:1', uses: ['db'], placement: { hosts: ['h2'] } } }, databases: { db: { host: 'h1' } } }, 'services.w.uses "db" reaches host "h1" from another host, but it has no address: give hosts[].address for "h1" (the address other hosts reach it at)'],
    ['a server reached across hosts by name', { hosts: [two[0], { name: 'h2', kind: 'server', address: 'vps.example.de', user: 'u' }], services: { a: web({ replicas: 2 }) } }, 'services.a.routes reaches host "h2" from another host at "vps.example.de", which is not an IPv4 address: Docker publishes ports on an address, so give hosts[].privateAddress as an IPv4 address'],
    ['a KVM database path off the data disk', { kvm: KVM, hypervisors: HYPERVISORS, hosts: [TWO_KVM[0]], services: {}, databases: { db: { dataPath: '/opt/data/mysql' } } }, 'databases.db.dataPath "/opt/data/mysql" is not on the data disk of KVM host "qa-1", mounted at "/srv/data": the data would go with the root disk; use a path under /srv/data/, e.g. "/srv/data/db"'],
    ['spread that is no choice', { services: { a: { image: 'x/a:1', placement: { spread: 'strict' as 'required' } } } }, 'services.a.placement.spread "strict" must be one of "preferred", "required"'],
    ['a gateway with nothing to route', { services: { w: { image: 'x/w:1' } }, gateway: { port: 80 } }, 'gateway is set, but no service has routes: give a service routes (e.g. routes: [\'/\']), or remove gateway'],
    ['a gateway on an unknown host', { services: { a: web() }, gateway: { host: 'edge' } }, 'gateway.host "edge" is not a host of this application: use one of "local"'],
    ['two databases on one host and port', { hosts: two, services: { w: { image: 'x/w:1', uses: ['db1', 'db2'], placement: { hosts: ['h2'] } } }, databases: { db1: { host: 'h1' }, db2: { host: 'h1' } } }, 'databases.db2.port and databases.db1.port would both publish port 3306 on host "h1": give one of them another port (databases.db1.port or databases.db2.port)'],
  ])('fails on %s', (_what, props, message) => {
    // the whole message: the construct path, the setting and its value, the fix
    expect(() => build(props)).toThrow(`Application [qa/app]: ${message}`);
  });
});
