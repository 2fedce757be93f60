import { Volume } from '@cdktf/provider-docker/lib/volume';
import { DockerProvider } from '@cdktf/provider-docker/lib/provider';
import { TerraformStack, Testing } from 'cdktf';
import { NginxGateway, NginxGatewayProps } from '../../../constructs/nginx-gateway';
import { NGINX_CONF_PATH, NGINX_CONFIG_DIR } from '../../../constructs/reloadable-nginx';
import { ServiceNetwork } from '../../../constructs/service-network';
import { terraformLiteral } from '../../../constructs/terraform-literal';
import { renderNginxActivationScript } from '../../../renderers/nginx-activation';

// The reloadable nginx the gateway (and the stream relay) is made of: nginx runs from a file on a volume
// of its own; a one-shot job in its namespaces tests and activates each new file.

function synthGateway(props: Partial<NginxGatewayProps> = {}) {
  const stack = new TerraformStack(Testing.app(), 'dev');
  const network = new ServiceNetwork(stack, 'services', { provider: new DockerProvider(stack, 'docker', {}) });
  const gateway = new NginxGateway(stack, 'gateway', {
    network,
    pools: [{ name: 'frontend_pool', servers: [{ host: '10.0.0.2', port: 8080 }, { host: '10.0.0.3', port: 8080 }] }],
    routes: [{ path: '/', pool: 'frontend_pool' }],
    ...props,
  });
  const synth = Testing.synth(stack);
  const containers = JSON.parse(synth).resource.docker_container;
  return {
    gateway,
    synth,
    nginx: containers[gateway.service.container.friendlyUniqueId],
    job: containers[gateway.activation.container.friendlyUniqueId],
  };
}

describe('reloadable nginx (through NginxGateway)', () => {
  test('nginx waits for the first configuration on its volume, runs it as process 1, and stops gracefully', () => {
    const { gateway, nginx, synth } = synthGateway();
    const volume = gateway.service.namedVolumeMounts[0].volume;
    expect(nginx).toMatchObject({
      command: ['/bin/sh', '-c', "until [ -s /etc/nginx/kvms/nginx.conf ]; do sleep 0.2; done; exec nginx -c /etc/nginx/kvms/nginx.conf -g 'daemon off;'"],
      stop_signal: 'SIGQUIT',
      destroy_grace_seconds: 30,
      stop_timeout: 30,
      volumes: [{ volume_name: `\${docker_volume.${volume.friendlyUniqueId}.name}`, container_path: '/etc/nginx/kvms' }],
    });
    expect(synth).toHaveResourceWithProperties(Volume, { name: 'dev-services-gateway-config', provider: 'docker' });
    expect(gateway.service.stopSignal).toBe('SIGQUIT');
    expect([NGINX_CONFIG_DIR, NGINX_CONF_PATH]).toEqual(['/etc/nginx/kvms', '/etc/nginx/kvms/nginx.conf']);
  });

  test('the activation job gets the configuration and the activation script, and shares the volume', () => {
    const { gateway, job } = synthGateway();
    const volume = gateway.service.namedVolumeMounts[0].volume;
    const script = renderNginxActivationScript({ newConfigPath: '/kvms/nginx.conf', livePath: '/etc/nginx/kvms/nginx.conf', drainTimeoutSeconds: 30 });
    expect(job).toMatchObject({
      name: 'dev-services-gateway-config',
      image: 'nginx:1.30',
      command: ['/bin/sh', '/kvms/activate.sh'],
      upload: [
        { file: '/kvms/nginx.conf', content: terraformLiteral(gateway.config) },
        { file: '/kvms/activate.sh', content: terraformLiteral(script), executable: true },
      ],
      volumes: [{ volume_name: `\${docker_volume.${volume.friendlyUniqueId}.name}`, container_path: '/etc/nginx/kvms' }],
      attach: true,
      must_run: false,
      restart: 'no',
      lifecycle: {
        postcondition: [{
          condition: '${self.exit_code == 0}',
          error_message: 'NginxGateway [dev/gateway]: the gateway kept its running configuration, because the new one was not activated:\n${self.container_logs}\nWhen the cause is fixed outside this configuration, run the check again: tofu apply -replace=docker_container.gateway_config_container_C077533C',
        }],
      },
    });
    expect(job.upload[1].content).toContain('\nkill -HUP 1\n');
  });

  test('the image and the drain time reach nginx, the job and the script', () => {
    const { gateway, nginx, job } = synthGateway({ image: 'nginx:1.26.3', drainTimeoutSeconds: 90 });
    expect(nginx).toMatchObject({ image: 'nginx:1.26.3', destroy_grace_seconds: 90, stop_timeout: 90 });
    expect(job.image).toBe('nginx:1.26.3');
    expect(job.upload[1].content).toBe(terraformLiteral(renderNginxActivationScript({ newConfigPath: '/kvms/nginx.conf', livePath: NGINX_CONF_PATH, drainTimeoutSeconds: 90 })));
    expect(gateway.drainTimeoutSeconds).toBe(90);
  });

  test('a change of the configuration changes the job only, never the nginx container', () => {
    const one = synthGateway();
    const two = synthGateway({ serverNames: ['shop.example.no'] });
    expect(two.nginx).toEqual(one.nginx);
    expect(two.job.upload[0].content).not.toBe(one.job.upload[0].content);
    expect(two.job.upload[0].content).toContain('        server_name shop.example.no;\n');
  });
});
