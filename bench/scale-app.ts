import { App, TerraformStack, TerraformVariable } from 'cdktf';
import { DockerHost } from '../constructs/docker-host';
import { NginxGateway } from '../constructs/nginx-gateway';
import { ServiceNetwork } from '../constructs/service-network';

// The scale case of `npm run bench:synth`: SCALE_ENVS environments with SCALE_SERVICES services each,
// every service behind its own gateway route, all linked to one database per environment.
const environments = Number(process.env.SCALE_ENVS ?? 20);
const services = Number(process.env.SCALE_SERVICES ?? 50);

const app = new App({ stackTraces: false });
for (let e = 1; e <= environments; e++) {
  const stack = new TerraformStack(app, `env${e}`);
  const network = new ServiceNetwork(stack, 'services', { provider: DockerHost.local(stack, 'docker'), networkName: `env${e}-services` });
  const rootPassword = new TerraformVariable(stack, 'database_root_password', { type: 'string', sensitive: true });
  const db = network.addDatabase('db', { rootPassword, storage: { hostPath: `/opt/data/env${e}/mysql` } });
  const gateway = new NginxGateway(stack, 'gateway', { network, image: 'nginx:1.26', hostPort: 8080 });
  for (let s = 1; s <= services; s++) {
    const service = network.addService(`svc${s}`, { image: `registry.example.no/shop/svc${s}:1.0.0` });
    service.link(db, 'db');
    gateway.addPool({ name: `svc${s}_pool`, servers: [{ host: service.alias, port: 8080 }] });
    gateway.addRoute({ path: `/svc${s}`, pool: `svc${s}_pool` });
  }
}
app.synth();
