// The article's own case: two rented KVM VPSs that already exist. Each is checked (KVM, not OpenVZ,
// kernel >= 3.10), tuned and given Docker over SSH (their host keys pinned); the services run on their
// Docker engines over ssh://, and cross-host traffic uses their private network addresses.
// Run: node scripts/run-ts.js examples/shop-two-servers/main.ts (writes cdktf.out/).
import { resolve } from 'path';
import { App, TerraformStack } from 'cdktf';
// In your own project: from 'cdktf-kvm-microservices'.
import { Application } from '../..';
import { SHOP_DATABASES, SHOP_SERVICES } from '../shop';

/** Builds the `shop-vps` stack in `app`. */
export function build(app: App): TerraformStack {
  const stack = new TerraformStack(app, 'shop-vps');
  new Application(stack, 'app', {
    hosts: [
      {
        name: 'vps-1',
        kind: 'server',
        address: '203.0.113.10',
        privateAddress: '10.30.0.10',
        user: 'deploy',
        hostKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIZKr13k7dY5Fz+G+pbLiadrE85vh8FM2F0M3FgpPUYx',
      },
      {
        name: 'vps-2',
        kind: 'server',
        address: '203.0.113.11',
        privateAddress: '10.30.0.11',
        user: 'deploy',
        hostKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBQrGv5cChVQ2vRiUSbpBHOKF1RBz8NITMeFrghwjgnP',
      },
    ],
    services: SHOP_SERVICES,
    databases: { db: { ...SHOP_DATABASES.db, dataPath: '/srv/data/shop/db' } },
    gateway: { port: 80, serverNames: ['shop.example.no'] },
    sysctl: { 'net.core.somaxconn': 8192 },
  });
  return stack;
}

// Synthesize when run as a program (node scripts/run-ts.js, ts-node), not when a test imports build().
if (require.main === module || resolve(process.argv[1] ?? '') === __filename) {
  const app = new App();
  build(app);
  app.synth();
}
