import 'cdktf/lib/testing/adapters/jest'; // types of the cdktf jest matchers
import { App, TerraformStack, Testing } from 'cdktf';
import { Application } from '../../constructs/application';
import { build as buildShopOneHost } from '../../examples/shop-one-host/main';
import { build as buildShopTwoHypervisors } from '../../examples/shop-two-hypervisors/main';
import { build as buildShopTwoServers } from '../../examples/shop-two-servers/main';
import { build as buildTicketing } from '../../examples/ticketing/main';
import { build as buildTunedVps } from '../../examples/tuned-vps/main';
import { applyPolicy } from '../../policy';

// GIVEN each example's build(app), as its main.ts runs it
// WHEN the stack is synthesized with validations and the policy pack
// THEN the resources the example is about are there, so the examples cannot rot unnoticed.

type Json = Record<string, any>;

function synth(build: (app: App) => TerraformStack): { stack: TerraformStack; json: Json; application?: Application } {
  const app = Testing.app();
  const stack = build(app);
  applyPolicy(stack);
  const json = JSON.parse(Testing.synth(stack, true)) as Json;
  const application = stack.node.tryFindChild('app') as Application | undefined;
  return { stack, json, application };
}

const containerNames = (json: Json): string[] => Object.values<Json>(json.resource.docker_container).map((c) => String(c.name).replace(/-\$\{local\.[^}]+\}$/, '')).sort();
const placement = (a: Application) => Object.fromEntries(a.placement.hostsByService);

describe('examples/shop-one-host', () => {
  const { json, application } = synth(buildShopOneHost);

  it('runs two replicas per service, the database and the gateway on the local Docker engine', () => {
    expect(placement(application!)).toEqual({ storefront: ['local', 'local'], inventory: ['local', 'local'] });
    expect(containerNames(json)).toEqual([
      'shop-services-db', 'shop-services-db-login-check', 'shop-services-gateway', 'shop-services-gateway-config',
      'shop-services-inventory-1', 'shop-services-inventory-2', 'shop-services-storefront-1', 'shop-services-storefront-2',
    ]);
  });

  it('routes / and /api/inventory to pools of the two replicas each', () => {
    expect(application!.gateway!.pools.map((p) => [p.name, p.servers.map((s) => s.host)])).toEqual([
      ['storefront', ['storefront-1', 'storefront-2']],
      ['inventory', ['inventory-1', 'inventory-2']],
    ]);
  });
});

describe('examples/shop-two-hypervisors', () => {
  const { json, application } = synth(buildShopTwoHypervisors);

  it('puts one KVM host on each hypervisor, on the existing bridged network, and one replica of each service on each', () => {
    expect(json.provider.libvirt.map((p: Json) => p.uri)).toEqual(['qemu+ssh://ops@hv1.example.no/system', 'qemu+ssh://ops@hv2.example.no/system']);
    expect(json.resource.libvirt_network).toBeUndefined();
    expect(Object.values<Json>(json.resource.libvirt_domain).map((d) => [d.name, d.provider ?? 'libvirt'])).toEqual([['shop-1', 'libvirt'], ['shop-2', 'libvirt.app_hv2']]);
    expect(placement(application!)).toEqual({ storefront: ['shop-1', 'shop-2'], inventory: ['shop-1', 'shop-2'] });
  });

  it('reaches the second host\'s replicas through its relay and keeps the database on the first host\'s data disk', () => {
    expect(application!.relays['shop-2'].ports.map((p) => p.port)).toEqual([20000, 20001]);
    expect(application!.host('shop-1').kvmHost!.dataVolume).toBeDefined();
  });
});

describe('examples/shop-two-servers', () => {
  const { json, application } = synth(buildShopTwoServers);

  it('tunes both servers over SSH with pinned host keys before Docker runs there', () => {
    expect(Object.values<Json>(json.resource.null_resource).map((r) => [r.connection.host, r.connection.host_key !== undefined])).toEqual([['203.0.113.10', true], ['203.0.113.11', true]]);
    expect(json.provider.docker.map((d: Json) => d.host)).toEqual(['ssh://deploy@203.0.113.10', 'ssh://deploy@203.0.113.11']);
  });

  it('publishes the cross-host ports on the servers\' private addresses only', () => {
    const published = Object.values<Json>(json.resource.docker_container).flatMap((c) => (c.ports ?? []).map((p: Json) => `${p.ip}:${p.external}`));
    expect(published.sort()).toEqual(['0.0.0.0:80', '10.30.0.10:3306', '10.30.0.11:20000', '10.30.0.11:20001']);
    expect(application!.node.metadata.filter((m) => m.type === '@cdktf/warn')).toEqual([]);
  });
});

describe('examples/ticketing', () => {
  const { json, application } = synth(buildTicketing);

  it('places the API over all three hosts, search in zone b and the worker beside the database', () => {
    expect(placement(application!)).toEqual({ web: ['tix-1', 'tix-2'], api: ['tix-1', 'tix-2', 'tix-3'], search: ['tix-2', 'tix-3'], worker: ['tix-1'] });
  });

  it('routes /, /api/ and /ws/ and wires api to search and db, with secrets from sensitive variables', () => {
    expect(application!.gateway!.routes.map((r) => [r.path, r.pool])).toEqual([['/', 'web'], ['/api/', 'api'], ['/ws/', 'api']]);
    expect(json.variable.payment_api_key.sensitive).toBe(true);
    expect(json.variable.smtp_password.sensitive).toBe(true);
    const api1 = Object.values<Json>(json.resource.docker_container).find((c) => String(c.name).startsWith('tix-services-api-1-'))!;
    // api-1 on tix-1 has no search replica beside it: it reaches the relay of tix-2.
    expect(api1.env).toEqual(expect.arrayContaining(['DB_HOST=db', 'SEARCH_HOST=192.168.160.11', 'SEARCH_PORT=20002', 'PAYMENT_API_KEY=${var.payment_api_key}']));
  });
});

describe('examples/tuned-vps (the bricks without the composition)', () => {
  const { json } = synth(buildTunedVps);

  it('tunes the existing server over SSH with the key from a sensitive variable and a pinned host key', () => {
    const [tuning] = Object.values<Json>(json.resource.null_resource);
    expect(tuning.connection).toMatchObject({ type: 'ssh', host: '203.0.113.10', user: 'deploy', private_key: '${var.ssh_private_key}' });
    expect(tuning.connection.host_key).toMatch(/^ssh-ed25519 /);
  });

  it('runs every Docker resource on the server\'s Docker over ssh:// after the tuning', () => {
    const [key] = Object.keys(json.resource.null_resource);
    expect(json.provider.docker[0].host).toBe('ssh://deploy@203.0.113.10');
    for (const type of ['docker_container', 'docker_network']) {
      for (const r of Object.values<Json>(json.resource[type])) expect(r.depends_on).toContain(`null_resource.${key}`);
    }
  });
});
