// The bricks without the composition: an existing KVM VPS (rented, not created here) gets the article's
// kernel tuning and Docker over SSH from a TunedServer, then the services run on that Docker engine over
// ssh:// (DockerHost.forServer makes every Docker resource wait for the tuning).
// Run: node scripts/run-ts.js examples/tuned-vps/main.ts (writes cdktf.out/).
import { NullProvider } from '@cdktf/provider-null/lib/provider';
import { resolve } from 'path';
import { App, TerraformStack, TerraformVariable } from 'cdktf';
// In your own project: from 'cdktf-kvm-microservices'.
import { DockerHost, NginxGateway, ServiceNetwork, Suppressions, SysctlProfile, TunedServer } from '../..';

// The VPS's address and SSH host key (public: pin it so the private key is never offered to an impostor).
const VPS_ADDRESS = '203.0.113.10';
const VPS_HOST_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIZKr13k7dY5Fz+G+pbLiadrE85vh8FM2F0M3FgpPUYx';

/** Builds the `tuned-vps` stack in `app`. */
export function build(app: App): TerraformStack {
  const stack = new TerraformStack(app, 'tuned-vps');
  new NullProvider(stack, 'null');
  const privateKey = new TerraformVariable(stack, 'ssh_private_key', { type: 'string', sensitive: true });
  const profile = new SysctlProfile({ overrides: { 'net.core.somaxconn': 8192 } });
  const tuning = new TunedServer(stack, 'vps', { host: VPS_ADDRESS, user: 'deploy', privateKey, hostKey: VPS_HOST_KEY, profile });

  // Docker's ssh transport uses the machine's ssh client and agent (the same key, loaded in ssh-agent).
  const docker = DockerHost.forServer(stack, 'docker', tuning, { sshOpts: ['-o', 'StrictHostKeyChecking=yes'] });
  const network = new ServiceNetwork(stack, 'services', { provider: docker, networkName: 'shop' });
  const rootPassword = new TerraformVariable(stack, 'db_root_password', { type: 'string', sensitive: true });
  const db = network.addDatabase('db', { rootPassword });
  const api = network.addService('api', { image: 'registry.example.no/shop/api:3.0.1' });
  api.link(db, 'db');

  const gateway = new NginxGateway(stack, 'gateway', {
    network,
    sysctlProfile: profile,
    hostAddress: '0.0.0.0',
    hostPort: 80,
    pools: [{ name: 'api_pool', servers: [{ host: api.alias, port: 8080 }] }],
    routes: [{ path: '/', pool: 'api_pool' }],
  });
  // The policy pack refuses ports on 0.0.0.0 unless a reason is written down.
  Suppressions.of(gateway).add('port-not-public', 'the gateway is the public entry point of the VPS; nginx is its only published port');
  return stack;
}

// Synthesize when run as a program (node scripts/run-ts.js, ts-node), not when a test imports build().
if (require.main === module || resolve(process.argv[1] ?? '') === __filename) {
  const app = new App();
  build(app);
  app.synth();
}
