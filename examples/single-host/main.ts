// The article's topology on one machine: the database with its data on a host directory, two
// storefront and two inventory replicas linked to it as `db`, and the nginx gateway in front, all on
// the local Docker engine. Run: node scripts/run-ts.js examples/single-host/main.ts (writes cdktf.out/).
import { resolve } from 'path';
import { App, TerraformOutput, TerraformStack, TerraformVariable } from 'cdktf';
// In your own project: from 'cdktf-kvm-microservices'.
import { ContainerService, DockerHost, NginxGateway, ServiceNetwork } from '../..';

/** Builds the `single-host` stack in `app`. */
export function build(app: App): TerraformStack {
  const stack = new TerraformStack(app, 'single-host');
  const network = new ServiceNetwork(stack, 'services', { provider: DockerHost.local(stack, 'docker'), networkName: 'shop' });

  // Secrets come from sensitive variables (TF_VAR_db_root_password), never from code.
  const rootPassword = new TerraformVariable(stack, 'db_root_password', { type: 'string', sensitive: true });
  const db = network.addDatabase('db', { rootPassword, storage: { hostPath: '/opt/data/mysql' } });

  const replicas = (name: string, image: string, port: number): ContainerService[] =>
    [1, 2].map((i) => {
      const replica = network.addService(`${name}-${i}`, { image, memoryMiB: 256, environment: { PORT: String(port), DB_HOST: 'db' } });
      replica.link(db, 'db'); // docker run --link mysql-core:db
      return replica;
    });
  const storefront = replicas('storefront', 'registry.example.no/shop/storefront:1.4.2', 8080);
  const inventory = replicas('inventory', 'registry.example.no/shop/inventory-api:2.1.0', 5000);

  const gateway = new NginxGateway(stack, 'gateway', {
    network,
    pools: [
      { name: 'frontend_pool', servers: storefront.map((s) => ({ host: s.alias, port: 8080 })) },
      { name: 'inventory_api', servers: inventory.map((s) => ({ host: s.alias, port: 5000 })) },
    ],
    routes: [
      { path: '/', pool: 'frontend_pool' },
      { path: '/api/inventory', pool: 'inventory_api' },
    ],
  });
  new TerraformOutput(stack, 'gateway_url', { value: gateway.url });
  return stack;
}

// Synthesize when run as a program (node scripts/run-ts.js, ts-node), not when a test imports build().
if (require.main === module || resolve(process.argv[1] ?? '') === __filename) {
  const app = new App();
  build(app);
  app.synth();
}
