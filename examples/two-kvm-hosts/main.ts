// The article's topology across two KVM virtual machines on one libvirt hypervisor: both hosts get the
// tuned kernel through cloud-init, the database and the gateway run on the first, and each pool has one
// replica on each host (the article's two servers per pool). Replicas on the second host are reached
// through ports published on its private address. Run: node scripts/run-ts.js examples/two-kvm-hosts/main.ts
import { resolve } from 'path';
import { App, TerraformOutput, TerraformStack, TerraformVariable } from 'cdktf';
// In your own project: from 'cdktf-kvm-microservices' and 'cdktf-kvm-microservices/providers/libvirt/provider'.
import { DockerHost, KvmHost, KvmNetwork, NginxGateway, ServiceNetwork, SysctlProfile, UpstreamServer } from '../..';
import { LibvirtProvider } from '../../providers/libvirt/provider';

// Replace with your team's public keys and a cloud image you trust.
const SSH_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBQrGv5cChVQ2vRiUSbpBHOKF1RBz8NITMeFrghwjgnP ops@example.no';
const BASE_IMAGE = 'https://cloud.debian.org/images/cloud/bookworm/20250428-2097/debian-12-generic-amd64-20250428-2097.qcow2';

/** Builds the `two-kvm-hosts` stack in `app`. */
export function build(app: App): TerraformStack {
  const stack = new TerraformStack(app, 'two-kvm-hosts');
  const libvirt = new LibvirtProvider(stack, 'libvirt', { uri: 'qemu:///system' });
  const net = new KvmNetwork(stack, 'kvm-network', { name: 'shop-net', cidr: '192.168.150.0/24', provider: libvirt });
  const profile = new SysctlProfile(); // the article's preset: somaxconn 4096, tcp_tw_reuse, wide port range

  const [vm1, vm2] = ['shop-kvm-1', 'shop-kvm-2'].map(
    (name) =>
      new KvmHost(stack, name, {
        provider: libvirt,
        network: net,
        baseImage: BASE_IMAGE,
        vcpus: 2,
        memoryMiB: 2048,
        cloudInit: { sshAuthorizedKeys: [SSH_KEY], profile },
      }),
  );
  // One Docker provider per host, over SSH; the hosts do not exist at plan time.
  const sshOpts = ['-o', 'StrictHostKeyChecking=accept-new', '-o', 'BatchMode=yes'];
  const docker1 = DockerHost.ssh(stack, 'docker-1', { user: vm1.adminUser, address: vm1.address, disableDockerDaemonCheck: true, sshOpts });
  const docker2 = DockerHost.ssh(stack, 'docker-2', { alias: 'vm2', user: vm2.adminUser, address: vm2.address, disableDockerDaemonCheck: true, sshOpts });

  const network = new ServiceNetwork(stack, 'services', { provider: docker1, networkName: 'shop' });
  const rootPassword = new TerraformVariable(stack, 'db_root_password', { type: 'string', sensitive: true });
  const db = network.addDatabase('db', { rootPassword, storage: { hostPath: '/opt/data/mysql' } });
  db.addPort({ containerPort: 3306, hostPort: 3306, hostAddress: vm1.address }); // for the second host

  const failover = { maxFails: 3, failTimeoutSeconds: 30 };
  const pool = (name: string, image: string, port: number, remotePort: number): UpstreamServer[] => {
    const local = network.addService(`${name}-1`, { image, environment: { DB_HOST: 'db' } });
    local.link(db, 'db');
    const remote = network.addService(`${name}-2`, { image, dockerProvider: docker2, environment: { DB_HOST: vm1.address } });
    remote.dependOn(db);
    remote.addPort({ containerPort: port, hostPort: remotePort, hostAddress: vm2.address });
    return [
      { host: local.alias, port, ...failover },
      { host: vm2.address, port: remotePort, ...failover },
    ];
  };

  const gateway = new NginxGateway(stack, 'gateway', {
    network,
    hostAddress: '0.0.0.0',
    hostPort: 80,
    sysctlProfile: profile,
    pools: [
      { name: 'frontend_pool', servers: pool('storefront', 'registry.example.no/shop/storefront:1.4.2', 8080, 20080) },
      { name: 'inventory_api', servers: pool('inventory', 'registry.example.no/shop/inventory-api:2.1.0', 5000, 20500) },
    ],
    routes: [
      { path: '/', pool: 'frontend_pool' },
      { path: '/api/inventory', pool: 'inventory_api' },
    ],
  });
  new TerraformOutput(stack, 'gateway_url', { value: `http://${vm1.address}:${gateway.hostPort}` });
  return stack;
}

// Synthesize when run as a program (node scripts/run-ts.js, ts-node), not when a test imports build().
if (require.main === module || resolve(process.argv[1] ?? '') === __filename) {
  const app = new App();
  build(app);
  app.synth();
}
