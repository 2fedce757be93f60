// A system that is not the article's: a ticket shop with a web front end, an API with three replicas,
// a WebSocket feed, a search service used by the API, and a worker that sends e-mail; one MariaDB used
// by the API and the worker. Three KVM hosts on one hypervisor, in two zones: the API spreads over
// all, the search service keeps to zone b, and the worker runs beside the database.
// Run: node scripts/run-ts.js examples/ticketing/main.ts (writes cdktf.out/).
import { resolve } from 'path';
import { App, TerraformStack } from 'cdktf';
// In your own project: from 'cdktf-kvm-microservices'.
import { Application } from '../..';

const OPS_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBQrGv5cChVQ2vRiUSbpBHOKF1RBz8NITMeFrghwjgnP ops@example.de';
const healthz = (port: number) => ({ command: ['CMD', '/bin/healthcheck', `http://127.0.0.1:${port}/healthz`], intervalSeconds: 2 });

/** Builds the `tix` stack in `app`. */
export function build(app: App): TerraformStack {
  const stack = new TerraformStack(app, 'tix');
  new Application(stack, 'app', {
    hypervisors: { hv1: { uri: 'qemu:///system', networkCidr: '192.168.160.0/24' } },
    kvm: { baseImage: 'https://cloud.debian.org/images/cloud/bookworm/20250428-2097/debian-12-generic-amd64-20250428-2097.qcow2', sshPublicKeys: [OPS_KEY] },
    hosts: [
      { name: 'tix-1', kind: 'kvm', hypervisor: 'hv1', labels: { zone: 'a' } },
      { name: 'tix-2', kind: 'kvm', hypervisor: 'hv1', labels: { zone: 'b' } },
      { name: 'tix-3', kind: 'kvm', hypervisor: 'hv1', labels: { zone: 'b' } },
    ],
    services: {
      web: { image: 'registry.example.de/tix/web:3.1.0', replicas: 2, port: 8080, routes: ['/'], healthcheck: healthz(8080) },
      api: {
        image: 'registry.example.de/tix/api:2.4.1',
        replicas: 3,
        port: 9000,
        routes: ['/api/', { path: '/ws/', readTimeoutSeconds: 3600 }],
        uses: ['db', 'search'],
        secrets: { PAYMENT_API_KEY: 'payment_api_key' },
        healthcheck: healthz(9000),
      },
      search: { image: 'registry.example.de/tix/search:1.2.0', replicas: 2, port: 7700, placement: { labels: { zone: 'b' } }, memoryMiB: 1024 },
      worker: { image: 'registry.example.de/tix/worker:2.4.1', uses: ['db'], placement: { hosts: ['tix-1'] }, secrets: { SMTP_PASSWORD: 'smtp_password' } },
    },
    databases: { db: { image: 'mariadb:10.11', host: 'tix-1', database: 'tix', user: 'tix' } },
    gateway: { host: 'tix-1', port: 80, serverNames: ['tix.example.de'] },
  });
  return stack;
}

// Synthesize when run as a program (node scripts/run-ts.js, ts-node), not when a test imports build().
if (require.main === module || resolve(process.argv[1] ?? '') === __filename) {
  const app = new App();
  build(app);
  app.synth();
}
