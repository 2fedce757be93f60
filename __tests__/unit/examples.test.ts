import 'cdktf/lib/testing/adapters/jest'; // types of the cdktf jest matchers
import { Network } from '@cdktf/provider-docker/lib/network';
import { App, TerraformStack, Testing } from 'cdktf';
import { build as buildSingleHost } from '../../examples/single-host/main';
import { build as buildTunedVps } from '../../examples/tuned-vps/main';
import { build as buildTwoKvmHosts } from '../../examples/two-kvm-hosts/main';

// GIVEN each example's build(app), as its main.ts runs it
// WHEN the stack is synthesized with validations
// THEN the resources the example is about are there, so the examples cannot rot unnoticed.

type Json = Record<string, any>;

function synth(build: (app: App) => TerraformStack): { text: string; json: Json } {
  const text = Testing.synth(build(Testing.app()), true);
  return { text, json: JSON.parse(text) as Json };
}

/** Containers by Docker name. */
function containers(json: Json): Record<string, Json> {
  return Object.fromEntries(Object.values(json.resource.docker_container as Record<string, Json>).map((c) => [c.name, c]));
}

/** Lines of the gateway's nginx.conf that name an upstream server or the listen socket. */
function gatewayLines(json: Json): string[] {
  const conf: string = containers(json)['shop-gateway'].upload[0].content;
  return conf.split('\n').filter((l) => /^\s*(upstream|server [^{]|listen|location [^@])/.test(l)).map((l) => l.trim());
}

describe('examples/single-host', () => {
  const { text, json } = synth(buildSingleHost);

  it('runs the database, two replicas per pool and the gateway on the local Docker engine', () => {
    expect(json.provider.docker).toEqual([{ host: 'unix:///var/run/docker.sock' }]);
    expect(Object.keys(containers(json)).sort()).toEqual([
      'shop-db', 'shop-gateway', 'shop-inventory-1', 'shop-inventory-2', 'shop-storefront-1', 'shop-storefront-2',
    ]);
    expect(text).toHaveResourceWithProperties(Network, { name: 'shop', driver: 'bridge' });
  });

  it('keeps the database on the host directory and links every replica to it as db', () => {
    const all = containers(json);
    expect(all['shop-db'].volumes).toEqual([{ container_path: '/var/lib/mysql', host_path: '/opt/data/mysql' }]);
    expect(all['shop-db'].networks_advanced[0].aliases).toEqual(['db']);
    expect(all['shop-db'].env).toEqual(['MYSQL_ROOT_PASSWORD=${var.db_root_password}']);
    expect(json.variable.db_root_password).toEqual({ sensitive: true, type: 'string' });
    for (const name of ['shop-storefront-1', 'shop-storefront-2', 'shop-inventory-1', 'shop-inventory-2']) {
      expect(all[name].depends_on).toEqual(['docker_container.services_db_container_81AA8BD3']);
    }
  });

  it('routes / and /api/inventory to pools of two replicas each', () => {
    expect(gatewayLines(json)).toEqual([
      'upstream frontend_pool {',
      'server storefront-1:8080 max_fails=3 fail_timeout=30s;',
      'server storefront-2:8080 max_fails=3 fail_timeout=30s;',
      'upstream inventory_api {',
      'server inventory-1:5000 max_fails=3 fail_timeout=30s;',
      'server inventory-2:5000 max_fails=3 fail_timeout=30s;',
      'listen 80 backlog=4096;',
      'location / {',
      'location /api/inventory {',
    ]);
    expect(json.output.gateway_url).toEqual({ value: 'http://127.0.0.1:8080' });
  });
});

describe('examples/two-kvm-hosts', () => {
  const { json } = synth(buildTwoKvmHosts);

  it('creates two tuned KVM hosts on one libvirt network', () => {
    expect(json.provider.libvirt).toEqual([{ uri: 'qemu:///system' }]);
    expect(Object.values(json.resource.libvirt_network).map((n: any) => n.name)).toEqual(['shop-net']);
    expect(Object.values(json.resource.libvirt_domain).map((d: any) => d.name).sort()).toEqual(['shop-kvm-1', 'shop-kvm-2']);
    const userData = Object.values(json.resource.libvirt_cloudinit_disk).map((d: any) => d.user_data as string);
    expect(userData).toHaveLength(2);
    for (const u of userData) expect(u).toContain('net.core.somaxconn = 4096');
  });

  it('talks to Docker on each host over SSH, the second through the alias vm2', () => {
    expect(json.provider.docker.map((p: Json) => [p.alias, p.host])).toEqual([
      [undefined, 'ssh://admin@192.168.150.10'],
      ['vm2', 'ssh://admin@192.168.150.11'],
    ]);
    const all = containers(json);
    expect(Object.entries(all).filter(([, c]) => c.provider === 'docker.vm2').map(([n]) => n).sort()).toEqual(['shop-inventory-2', 'shop-storefront-2']);
    expect(all['shop-storefront-2'].ports).toEqual([{ external: 20080, internal: 8080, ip: '192.168.150.11', protocol: 'tcp' }]);
    expect(all['shop-storefront-2'].env).toEqual(['DB_HOST=192.168.150.10']);
    expect(all['shop-db'].ports).toEqual([{ external: 3306, internal: 3306, ip: '192.168.150.10', protocol: 'tcp' }]);
  });

  it('balances each pool over one replica on each host', () => {
    expect(gatewayLines(json)).toEqual([
      'upstream frontend_pool {',
      'server storefront-1:8080 max_fails=3 fail_timeout=30s;',
      'server 192.168.150.11:20080 max_fails=3 fail_timeout=30s;',
      'upstream inventory_api {',
      'server inventory-1:5000 max_fails=3 fail_timeout=30s;',
      'server 192.168.150.11:20500 max_fails=3 fail_timeout=30s;',
      'listen 80 backlog=4096;',
      'location / {',
      'location /api/inventory {',
    ]);
    expect(json.output.gateway_url).toEqual({ value: 'http://192.168.150.10:80' });
  });
});

describe('examples/tuned-vps', () => {
  const { json } = synth(buildTunedVps);

  it('tunes the existing server over SSH with the key from a sensitive variable and a pinned host key', () => {
    const [tuning] = Object.values(json.resource.null_resource) as Json[];
    expect(tuning.connection).toEqual({
      type: 'ssh',
      host: '203.0.113.10',
      user: 'deploy',
      port: 22,
      private_key: '${var.ssh_private_key}',
      host_key: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIZKr13k7dY5Fz+G+pbLiadrE85vh8FM2F0M3FgpPUYx',
      timeout: '300s',
    });
    expect(tuning.provisioner[0]['remote-exec'].inline[0]).toContain('net.core.somaxconn = 8192');
    expect(json.variable.ssh_private_key).toEqual({ sensitive: true, type: 'string' });
  });

  it('runs the services on the server\'s Docker over ssh:// once it is tuned', () => {
    expect(json.provider.docker).toEqual([{ host: 'ssh://deploy@203.0.113.10', ssh_opts: ['-o', 'StrictHostKeyChecking=yes'] }]);
    const all = containers(json);
    expect(Object.keys(all).sort()).toEqual(['shop-api', 'shop-db', 'shop-gateway']);
    expect(all['shop-db'].depends_on).toEqual(['null_resource.vps_tuning_5D6A5E4F']);
    expect(all['shop-api'].depends_on).toEqual(['docker_container.services_db_container_81AA8BD3']);
    expect(gatewayLines(json)).toEqual([
      'upstream api_pool {',
      'server api:8080 max_fails=3 fail_timeout=30s;',
      'listen 80 backlog=8192;',
      'location / {',
    ]);
  });
});
