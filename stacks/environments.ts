import { ServiceSpec } from '../constructs/application-spec';
import { EnvironmentConfig } from './environment-config';

// The article's shop as data: a storefront and an inventory API in front of one MariaDB (`db`), behind
// the gateway's `/` and `/api/inventory`. Nothing of the shop is in library code.

// Images made locally by scripts/images/build-images.sh (no registry needed), so `dev` deploys on any
// machine with a Docker engine. Teams point staging and prod at their own registry's pinned tags.
const LOCAL_IMAGES = { app: 'kvms/app:1.0', database: 'kvms/mariadb:10.11', gateway: 'kvms/nginx:1.30' };

// The app image answers `app healthcheck` (it has no curl); checks every 2 s, so a new replica takes
// traffic about 2 s after it starts.
const APP_HEALTHCHECK = { command: ['CMD', '/app', 'healthcheck'], intervalSeconds: 2, timeoutSeconds: 2, retries: 3 };
const http = (port: number) => ({
  command: ['CMD-SHELL', `wget -q -O /dev/null http://127.0.0.1:${port}/healthz || exit 1`],
  intervalSeconds: 2,
  timeoutSeconds: 2,
  retries: 3,
});

// An example public key: replace it with your team's keys (public keys are not secrets).
const EXAMPLE_SSH_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBQrGv5cChVQ2vRiUSbpBHOKF1RBz8NITMeFrghwjgnP example-ops-key (replace me)';
const DEBIAN_CLOUD_IMAGE = 'https://cloud.debian.org/images/cloud/bookworm/20250428-2097/debian-12-generic-amd64-20250428-2097.qcow2';

// Customer data stays in Norway (Personopplysningsloven): the hosts of staging and prod may be nowhere else.
const NORWAY = { hostsIn: 'NO', allowed: ['NO'] };

/** The shop's two services, with what differs per environment. */
function shop(images: { storefront: string; inventory: string }, replicas: number, limits: { storefront: [number, number]; inventory: [number, number] }, local: boolean): Record<string, ServiceSpec> {
  return {
    storefront: {
      image: images.storefront,
      replicas,
      port: 8080,
      routes: ['/'],
      uses: ['db'],
      environment: { SERVICE_NAME: 'storefront', PORT: '8080' },
      memoryMiB: limits.storefront[0],
      cpus: limits.storefront[1],
      healthcheck: local ? APP_HEALTHCHECK : http(8080),
    },
    inventory: {
      image: images.inventory,
      replicas,
      port: 5000,
      routes: ['/api/inventory'],
      uses: ['db'],
      environment: { SERVICE_NAME: 'inventory', PORT: '5000' },
      memoryMiB: limits.inventory[0],
      cpus: limits.inventory[1],
      healthcheck: local ? APP_HEALTHCHECK : http(5000),
    },
  };
}

/** `dev`: everything on the local Docker engine, one replica per pool, no libvirt (runs on a laptop). */
export const DEV: EnvironmentConfig = {
  name: 'dev',
  tier: 'development',
  hosts: [{ name: 'local', kind: 'local' }],
  services: shop({ storefront: LOCAL_IMAGES.app, inventory: LOCAL_IMAGES.app }, 1, { storefront: [128, 0.5], inventory: [128, 0.5] }, true),
  databases: { db: { image: LOCAL_IMAGES.database, dataPath: '/opt/data/dev/mysql', memoryMiB: 512, database: 'shop', user: 'shop' } },
  gateway: { image: LOCAL_IMAGES.gateway, port: 8080, address: '127.0.0.1', serverNames: ['shop.dev.example.no'] },
  backend: { kind: 'local' },
};

/** Two KVM hosts on one libvirt hypervisor, for staging and prod. */
function kvmHosts(env: string, networkCidr: string, size: { vcpus: number; memoryMiB: number; diskSizeGiB: number }): Pick<EnvironmentConfig, 'hypervisors' | 'kvm' | 'hosts'> {
  return {
    hypervisors: { hv1: { uri: 'qemu:///system', networkCidr } },
    kvm: { baseImage: DEBIAN_CLOUD_IMAGE, sshPublicKeys: [EXAMPLE_SSH_KEY], virtualization: 'kvm' },
    hosts: [
      { name: `${env}-kvm-1`, kind: 'kvm', hypervisor: 'hv1', ...size },
      { name: `${env}-kvm-2`, kind: 'kvm', hypervisor: 'hv1', ...size },
    ],
  };
}

const REGISTRY = { storefront: 'registry.example.no/shop/storefront:1.4.2', inventory: 'registry.example.no/shop/inventory-api:2.1.0' };

/** `staging`: two KVM hosts on one libvirt hypervisor, two replicas per pool spread over them. */
export const STAGING: EnvironmentConfig = {
  name: 'staging',
  tier: 'staging',
  ...kvmHosts('staging', '192.168.140.0/24', { vcpus: 2, memoryMiB: 2048, diskSizeGiB: 20 }),
  services: shop(REGISTRY, 2, { storefront: [256, 1], inventory: [256, 1] }, false),
  databases: { db: { image: 'mariadb:10.11', memoryMiB: 1024, database: 'shop', user: 'shop' } },
  gateway: { image: 'nginx:1.30', port: 80, address: '0.0.0.0', serverNames: ['shop.staging.example.no'] },
  backend: { kind: 'local' },
  residency: NORWAY,
};

/** `prod`: like staging with bigger hosts and limits, and state in PostgreSQL with locking. */
export const PROD: EnvironmentConfig = {
  name: 'prod',
  tier: 'production',
  ...kvmHosts('prod', '192.168.141.0/24', { vcpus: 4, memoryMiB: 8192, diskSizeGiB: 80 }),
  services: shop(REGISTRY, 2, { storefront: [1024, 2], inventory: [512, 1] }, false),
  databases: { db: { image: 'mariadb:10.11', memoryMiB: 4096, database: 'shop', user: 'shop' } },
  gateway: { image: 'nginx:1.30', port: 80, address: '0.0.0.0', serverNames: ['shop.example.no'] },
  backend: { kind: 'pg', schemaName: 'cdktf_kvm_microservices_prod' },
  residency: NORWAY,
};

/** The environments `main.ts` synthesizes by default. */
export const DEFAULT_ENVIRONMENTS: readonly EnvironmentConfig[] = [DEV, STAGING, PROD];
