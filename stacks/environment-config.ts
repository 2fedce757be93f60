import { SysctlSettings } from '../renderers/sysctl-profile';

/** One application service of the article (storefront or inventory API) and its replicas. */
export interface AppServiceConfig {
  /** Image, pinned by tag. */
  readonly image: string;
  /** Replicas, spread over the environment's hosts in turn; the gateway pool holds them all. */
  readonly replicas: number;
  /** Port the service listens on inside its container. */
  readonly containerPort: number;
  /** Memory limit per replica in MiB. */
  readonly memoryMiB: number;
  /** CPU limit per replica, in CPUs. */
  readonly cpus: number;
  /** Docker healthcheck command (`['CMD', ...]` or `['CMD-SHELL', '...']`); unset means none. */
  readonly healthcheckCommand?: string[];
}

/** The database of the article (`mysql-core`, reached as `db`). */
export interface DatabaseConfig {
  /** MySQL-compatible image, pinned by tag. */
  readonly image: string;
  /** Host directory of the data (`-v /opt/data/mysql:/var/lib/mysql`). */
  readonly hostPath: string;
  /** Memory limit in MiB. */
  readonly memoryMiB: number;
}

/** The nginx API gateway. */
export interface GatewayConfig {
  /** nginx image, pinned by tag. */
  readonly image: string;
  /** Port published on the gateway's host. */
  readonly hostPort: number;
  /** Address the port is published on; `0.0.0.0` publishes on every interface. */
  readonly hostAddress: string;
  /** Public host names the gateway answers to. */
  readonly serverNames: string[];
}

/** Containers run on the Docker engine of the machine that runs OpenTofu. */
export interface LocalHosting {
  readonly kind: 'local';
  /** Docker socket; unset means DOCKER_HOST, else `unix:///var/run/docker.sock`. */
  readonly dockerSocket?: string;
}

/** One KVM virtual machine of an environment. */
export interface KvmHostConfig {
  readonly name: string;
  readonly vcpus: number;
  readonly memoryMiB: number;
  readonly diskSizeGiB: number;
}

/** Containers run on KVM virtual machines that the stack creates on a libvirt hypervisor. */
export interface KvmHosting {
  readonly kind: 'kvm';
  /** libvirt connection URI of the hypervisor, e.g. `qemu:///system` or `qemu+ssh://ops@hv1/system`. */
  readonly libvirtUri: string;
  /** CIDR of the libvirt NAT network the hosts share. */
  readonly networkCidr: string;
  /** Cloud image the hosts boot (http(s) URL or absolute path on the machine running OpenTofu). */
  readonly baseImage: string;
  /** OpenSSH public keys of the admin user. */
  readonly sshPublicKeys: string[];
  /** The hosts; replicas are spread over them in turn. */
  readonly hosts: KvmHostConfig[];
  /** `kvm` (hardware) or `qemu` (emulation). */
  readonly virtualization: 'kvm' | 'qemu';
}

/** Where the state lives. */
export type BackendConfig =
  | { readonly kind: 'local' }
  /** PostgreSQL with locking; the connection string comes from PG_CONN_STR at `init`, never from the JSON. */
  | { readonly kind: 'pg'; readonly schemaName: string }
  /** S3 with a lock file in the bucket (OpenTofu >= 1.10, Terraform >= 1.10). */
  | { readonly kind: 's3'; readonly bucket: string; readonly key: string; readonly region: string };

/** Everything that differs between environments; one `EnvironmentStack` is made from each. */
export interface EnvironmentConfig {
  /** Environment name; also the stack name and the prefix of every Docker name. */
  readonly name: string;
  /** Where containers run. */
  readonly hosting: LocalHosting | KvmHosting;
  readonly storefront: AppServiceConfig;
  readonly inventory: AppServiceConfig;
  readonly database: DatabaseConfig;
  readonly gateway: GatewayConfig;
  /** Kernel parameters over the article's preset, for the hosts and the gateway container. */
  readonly sysctl: SysctlSettings;
  readonly backend: BackendConfig;
  /**
   * Data residency (the article's Personopplysningsloven case): the country the hosts are in and the
   * countries they may be in, as ISO 3166 codes. A host outside `allowed` stops the synth.
   */
  readonly residency?: { readonly hostsIn: string; readonly allowed: string[] };
}
