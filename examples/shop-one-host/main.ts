// The article's shop on one machine: the local Docker engine runs both replicas of each service, the
// database (data in /opt/data/shop/db) and the gateway on 127.0.0.1:8080.
// Run: node scripts/run-ts.js examples/shop-one-host/main.ts (writes cdktf.out/).
import { resolve } from 'path';
import { App, TerraformStack } from 'cdktf';
// In your own project: from 'cdktf-kvm-microservices'.
import { Application } from '../..';
import { SHOP_DATABASES, SHOP_SERVICES } from '../shop';

/** Builds the `shop` stack in `app`. */
export function build(app: App): TerraformStack {
  const stack = new TerraformStack(app, 'shop');
  new Application(stack, 'app', {
    hosts: [{ name: 'local', kind: 'local' }],
    services: SHOP_SERVICES,
    databases: SHOP_DATABASES,
    gateway: { serverNames: ['shop.example.no'] },
  });
  return stack;
}

// Synthesize when run as a program (node scripts/run-ts.js, ts-node), not when a test imports build().
if (require.main === module || resolve(process.argv[1] ?? '') === __filename) {
  const app = new App();
  build(app);
  app.synth();
}
