import { DockerProvider } from '@cdktf/provider-docker/lib/provider';
import { Volume } from '@cdktf/provider-docker/lib/volume';
import { Lazy } from 'cdktf';
import { Construct } from 'constructs';
import { renderNginxActivationScript } from '../renderers/nginx-activation';
import { ContainerJob } from './container-job';
import { ContainerService, HostVolume, PortMapping } from './container-service';
import type { ServiceNetwork } from './service-network';
import { terraformLiteral } from './terraform-literal';
import { withPath } from './validation';

/** The directory on an nginx's configuration volume, in the container and its activation job. */
export const NGINX_CONFIG_DIR = '/etc/nginx/kvms';
/** The file nginx runs from (on the configuration volume, so it survives the container). */
export const NGINX_CONF_PATH = `${NGINX_CONFIG_DIR}/nginx.conf`;
/** Where the activation job receives a new configuration. */
const NEW_CONF_PATH = '/kvms/nginx.conf';
const ACTIVATE_PATH = '/kvms/activate.sh';

/** What a reloadable nginx is made of. */
export interface ReloadableNginxOptions {
  readonly network: ServiceNetwork;
  /** The Docker host. @default the network's */
  readonly dockerProvider?: DockerProvider;
  readonly image: string;
  readonly alias: string;
  readonly containerName: string;
  readonly ports: PortMapping[];
  readonly sysctls?: Record<string, string>;
  readonly memoryMiB: number;
  readonly cpus: number;
  readonly drainTimeoutSeconds: number;
  /** Open files nginx may have (see `gatewayFileLimit`). */
  readonly nofileLimit: number;
  /** The first line of the apply's error when a configuration is refused. */
  readonly failureMessage: string;
  /** The configuration (plain nginx text, references as tokens); called at synth. */
  readonly config: () => string;
}

/** The parts of a reloadable nginx, made in the caller's scope. */
export interface ReloadableNginx {
  /** The container running nginx (stop-first: its ports cannot be held twice). */
  readonly service: ContainerService;
  /** The one-shot job that tests and activates each configuration. */
  readonly activation: ContainerJob;
  /** The volume the configuration lives on. */
  readonly configVolume: Volume;
  /** Mounts a host path read-only into nginx and its activation job (e.g. TLS files, for `nginx -t`). */
  addHostVolume(hostPath: string, containerPath: string): HostVolume;
}

/**
 * nginx in a container that takes every new configuration without a restart: it runs from a file on a
 * volume of its own, and a one-shot `ContainerJob` (`<name>-config`) in its process and network
 * namespaces tests each new file with `nginx -t` (a refused file fails the apply with nginx's message,
 * and the running configuration stays), moves it into place, reloads nginx (SIGHUP) and waits until the
 * old workers finished their requests. Only a change of the container itself (image, ports, sysctls)
 * restarts nginx: it stops gracefully (SIGQUIT) and the new container starts at once from the
 * configuration on the volume. The gateway and the stream relays are made of this.
 *
 * The image needs `/bin/sh`, `nginx` on the PATH and cat, cp, mv, rm and sleep (official nginx images
 * have them).
 */
export function reloadableNginx(scope: Construct, options: ReloadableNginxOptions): ReloadableNginx {
  const service = new ContainerService(scope, 'service', {
    network: options.network,
    dockerProvider: options.dockerProvider,
    image: options.image,
    alias: options.alias,
    containerName: options.containerName,
    replacement: 'stop-first',
    ports: options.ports,
    sysctls: options.sysctls,
    memoryMiB: options.memoryMiB,
    cpus: options.cpus,
    // nginx finishes the requests it holds on SIGQUIT (SIGTERM, Docker's default, cuts them).
    stopSignal: 'SIGQUIT',
    destroyGraceSeconds: options.drainTimeoutSeconds,
    nofileLimit: options.nofileLimit,
    // nginx starts once the activation job has written the first configuration; after that (a restart,
    // a new container) it starts from the file on the volume at once.
    command: ['/bin/sh', '-c', `until [ -s ${NGINX_CONF_PATH} ]; do sleep 0.2; done; exec nginx -c ${NGINX_CONF_PATH} -g 'daemon off;'`],
  });
  const configVolume = service.addNamedVolume('config', NGINX_CONFIG_DIR).volume;
  const script = withPath(scope, () => renderNginxActivationScript({
    newConfigPath: NEW_CONF_PATH,
    livePath: NGINX_CONF_PATH,
    drainTimeoutSeconds: options.drainTimeoutSeconds,
  }));
  const activation = new ContainerJob(scope, 'config', {
    provider: service.dockerProvider,
    containerName: `${service.baseContainerName}-config`,
    image: options.image,
    namespacesOf: service.container,
    command: ['/bin/sh', ACTIVATE_PATH],
    failureMessage: options.failureMessage,
    uploads: [
      { path: NEW_CONF_PATH, content: Lazy.stringValue({ produce: options.config }) },
      { path: ACTIVATE_PATH, content: script, executable: true },
    ],
    volumes: [{ volumeName: configVolume.name, containerPath: NGINX_CONFIG_DIR }],
  });
  return {
    service,
    activation,
    configVolume,
    addHostVolume: (hostPath: string, containerPath: string): HostVolume => {
      const volume = service.addHostVolume(hostPath, containerPath, { readOnly: true });
      activation.container.putVolumes([
        { volumeName: configVolume.name, containerPath: NGINX_CONFIG_DIR },
        ...service.hostVolumeMounts.map((v) => ({ hostPath: terraformLiteral(v.hostPath), containerPath: terraformLiteral(v.containerPath), readOnly: true })),
      ]);
      return volume;
    },
  };
}
