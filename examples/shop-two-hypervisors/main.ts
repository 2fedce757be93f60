// The article's "two servers per pool" on two physical machines: one KVM host on each of two libvirt
// hypervisors, joined to a network bridged to the LAN on both (so the hosts reach each other's private
// addresses). One replica of each service on each host; the database (on its host's data disk) and the
// gateway on the first; the second host's replicas are reached through its relay.
// Run: node scripts/run-ts.js examples/shop-two-hypervisors/main.ts (writes cdktf.out/).
import { resolve } from 'path';
import { App, TerraformStack } from 'cdktf';
// In your own project: from 'cdktf-kvm-microservices'.
import { Application } from '../..';
import { SHOP_DATABASES, SHOP_SERVICES } from '../shop';

const OPS_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBQrGv5cChVQ2vRiUSbpBHOKF1RBz8NITMeFrghwjgnP ops@example.no';

/** Builds the `shop-ha` stack in `app`. */
export function build(app: App): TerraformStack {
  const stack = new TerraformStack(app, 'shop-ha');
  new Application(stack, 'app', {
    hypervisors: {
      // `lan` is a libvirt network bridged to the LAN on each hypervisor (created by the team, not here).
      hv1: { uri: 'qemu+ssh://ops@hv1.example.no/system', networkCidr: '10.20.0.0/24', existingNetwork: 'lan' },
      hv2: { uri: 'qemu+ssh://ops@hv2.example.no/system', networkCidr: '10.20.0.0/24', existingNetwork: 'lan' },
    },
    kvm: { baseImage: 'https://cloud.debian.org/images/cloud/bookworm/20250428-2097/debian-12-generic-amd64-20250428-2097.qcow2', sshPublicKeys: [OPS_KEY] },
    hosts: [
      { name: 'shop-1', kind: 'kvm', hypervisor: 'hv1', address: '10.20.0.21', vcpus: 4, memoryMiB: 8192, diskSizeGiB: 40, labels: { rack: 'a' } },
      { name: 'shop-2', kind: 'kvm', hypervisor: 'hv2', address: '10.20.0.22', vcpus: 4, memoryMiB: 8192, diskSizeGiB: 40, labels: { rack: 'b' } },
    ],
    services: SHOP_SERVICES,
    databases: SHOP_DATABASES,
    gateway: { port: 80, serverNames: ['shop.example.no'] },
  });
  return stack;
}

// Synthesize when run as a program (node scripts/run-ts.js, ts-node), not when a test imports build().
if (require.main === module || resolve(process.argv[1] ?? '') === __filename) {
  const app = new App();
  build(app);
  app.synth();
}
