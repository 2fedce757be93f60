import { DockerProvider } from '@cdktf/provider-docker/lib/provider';
import { TerraformStack, Testing } from 'cdktf';
import { NginxGateway } from '../../../constructs/nginx-gateway';
import { ServiceNetwork } from '../../../constructs/service-network';

// nginx resolves upstream names once, at start; a replaced replica may come back on another address
// (seen on a real engine: two replicas restarted in the other order swapped addresses), so the gateway
// is replaced whenever a replica it names by alias is.

function gatewayLifecycle(stack: TerraformStack, gateway: NginxGateway): Record<string, unknown> | undefined {
  return JSON.parse(Testing.synth(stack)).resource.docker_container[gateway.service.container.friendlyUniqueId].lifecycle;
}

describe('NginxGateway replacement', () => {
  test('is replaced when a container of a pool server named by alias is replaced', () => {
    // GIVEN two replicas on the network and a pool server outside it
    const stack = new TerraformStack(Testing.app(), 'dev');
    const network = new ServiceNetwork(stack, 'services', { provider: new DockerProvider(stack, 'docker', {}) });
    const web = [network.addService('web1', { image: 'shop-web:1.0' }), network.addService('web2', { image: 'shop-web:1.0' })];

    // WHEN a gateway pools them (web1 twice, in two pools) with a literal address
    const gateway = new NginxGateway(stack, 'gateway', {
      network,
      pools: [
        { name: 'frontend_pool', servers: [{ host: 'web1', port: 8080 }, { host: 'web2', port: 8080 }, { host: '192.0.2.10', port: 8080 }] },
        { name: 'canary', servers: [{ host: 'web1', port: 8080 }] },
      ],
      routes: [{ path: '/', pool: 'frontend_pool' }, { path: '/canary', pool: 'canary' }],
    });

    // THEN each replica's id triggers a replacement once; the literal address triggers nothing
    expect(gatewayLifecycle(stack, gateway)).toEqual({
      replace_triggered_by: web.map((s) => `docker_container.${s.container.friendlyUniqueId}.id`),
    });
  });

  test('has no replacement trigger when no pool server is a service of the network', () => {
    const stack = new TerraformStack(Testing.app(), 'dev');
    const network = new ServiceNetwork(stack, 'services', { provider: new DockerProvider(stack, 'docker', {}) });

    const gateway = new NginxGateway(stack, 'gateway', {
      network,
      pools: [{ name: 'frontend_pool', servers: [{ host: '192.0.2.10', port: 8080 }] }],
      routes: [{ path: '/', pool: 'frontend_pool' }],
    });

    expect(gatewayLifecycle(stack, gateway)).toBeUndefined();
  });
});
