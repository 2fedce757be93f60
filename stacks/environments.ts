import { EnvironmentConfig } from './environment-config';

// Images made locally by scripts/images/build-images.sh (no registry needed), so `dev` deploys on any
// machine with a Docker engine. Teams point staging and prod at their own registry's pinned tags.
const LOCAL_IMAGES = { app: 'kvms/app:1.0', database: 'kvms/mariadb:10.11', gateway: 'kvms/nginx:1.22' };

// The app image answers `app healthcheck` (it has no curl).
const APP_HEALTHCHECK = ['CMD', '/app', 'healthcheck'];

// An example public key: replace it with your team's keys (public keys are not secrets).
const EXAMPLE_SSH_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBQrGv5cChVQ2vRiUSbpBHOKF1RBz8NITMeFrghwjgnP example-ops-key (replace me)';
const DEBIAN_CLOUD_IMAGE = 'https://cloud.debian.org/images/cloud/bookworm/20250428-2097/debian-12-generic-amd64-20250428-2097.qcow2';

// Customer data stays in Norway (Personopplysningsloven): the hosts of staging and prod may be nowhere else.
const NORWAY = { hostsIn: 'NO', allowed: ['NO'] };

/** `dev`: everything on the local Docker engine, one replica per pool, no libvirt (runs on a laptop). */
export const DEV: EnvironmentConfig = {
  name: 'dev',
  hosting: { kind: 'local' },
  storefront: { image: LOCAL_IMAGES.app, replicas: 1, containerPort: 8080, memoryMiB: 128, cpus: 0.5, healthcheckCommand: APP_HEALTHCHECK },
  inventory: { image: LOCAL_IMAGES.app, replicas: 1, containerPort: 5000, memoryMiB: 128, cpus: 0.5, healthcheckCommand: APP_HEALTHCHECK },
  database: { image: LOCAL_IMAGES.database, hostPath: '/opt/data/dev/mysql', memoryMiB: 512 },
  gateway: { image: LOCAL_IMAGES.gateway, hostPort: 8080, hostAddress: '127.0.0.1', serverNames: ['shop.dev.example.no'] },
  sysctl: {},
  backend: { kind: 'local' },
};

/** `staging`: two KVM hosts on one libvirt hypervisor, two replicas per pool spread over them. */
export const STAGING: EnvironmentConfig = {
  name: 'staging',
  hosting: {
    kind: 'kvm',
    libvirtUri: 'qemu:///system',
    networkCidr: '192.168.140.0/24',
    baseImage: DEBIAN_CLOUD_IMAGE,
    sshPublicKeys: [EXAMPLE_SSH_KEY],
    virtualization: 'kvm',
    hosts: [
      { name: 'staging-kvm-1', vcpus: 2, memoryMiB: 2048, diskSizeGiB: 20 },
      { name: 'staging-kvm-2', vcpus: 2, memoryMiB: 2048, diskSizeGiB: 20 },
    ],
  },
  storefront: { image: 'registry.example.no/shop/storefront:1.4.2', replicas: 2, containerPort: 8080, memoryMiB: 256, cpus: 1 },
  inventory: { image: 'registry.example.no/shop/inventory-api:2.1.0', replicas: 2, containerPort: 5000, memoryMiB: 256, cpus: 1 },
  database: { image: 'mariadb:10.11', hostPath: '/opt/data/mysql', memoryMiB: 1024 },
  gateway: { image: 'nginx:1.26', hostPort: 80, hostAddress: '0.0.0.0', serverNames: ['shop.staging.example.no'] },
  sysctl: {},
  backend: { kind: 'local' },
  residency: NORWAY,
};

/** `prod`: like staging with bigger hosts and limits, and state in PostgreSQL with locking. */
export const PROD: EnvironmentConfig = {
  name: 'prod',
  hosting: {
    kind: 'kvm',
    libvirtUri: 'qemu:///system',
    networkCidr: '192.168.141.0/24',
    baseImage: DEBIAN_CLOUD_IMAGE,
    sshPublicKeys: [EXAMPLE_SSH_KEY],
    virtualization: 'kvm',
    hosts: [
      { name: 'prod-kvm-1', vcpus: 4, memoryMiB: 8192, diskSizeGiB: 80 },
      { name: 'prod-kvm-2', vcpus: 4, memoryMiB: 8192, diskSizeGiB: 80 },
    ],
  },
  storefront: { image: 'registry.example.no/shop/storefront:1.4.2', replicas: 2, containerPort: 8080, memoryMiB: 1024, cpus: 2 },
  inventory: { image: 'registry.example.no/shop/inventory-api:2.1.0', replicas: 2, containerPort: 5000, memoryMiB: 512, cpus: 1 },
  database: { image: 'mariadb:10.11', hostPath: '/opt/data/mysql', memoryMiB: 4096 },
  gateway: { image: 'nginx:1.26', hostPort: 80, hostAddress: '0.0.0.0', serverNames: ['shop.example.no'] },
  sysctl: {},
  backend: { kind: 'pg', schemaName: 'cdktf_kvm_microservices_prod' },
  residency: NORWAY,
};

/** The environments `main.ts` synthesizes by default. */
export const DEFAULT_ENVIRONMENTS: readonly EnvironmentConfig[] = [DEV, STAGING, PROD];
