import { GatewaySettings } from './nginx-gateway';
import type { GatewayRoute } from '../renderers/nginx-config';
import type { PlacementConstraints } from '../renderers/placement';
import type { SysctlSettings } from '../renderers/sysctl-profile';
import type { DatabaseEngine } from './database-service';
import type { HealthcheckOptions, ReplacementStrategy } from './container-service';

// The description of a whole system as plain data: what an `Application` is built from, and what an
// environment file holds. Nothing here is a cdktf object, so it can come from JSON or YAML.

/** What every host has. */
export interface HostSpecBase {
  /** Name of the host: a DNS label, unique in the application (also the KVM domain's name). */
  readonly name: string;
  /**
   * Labels placement can select hosts by, e.g. `{ zone: 'a' }`.
   * @default none
   */
  readonly labels?: Readonly<Record<string, string>>;
}

/** The Docker engine of the machine that runs OpenTofu. */
export interface LocalHostSpec extends HostSpecBase {
  readonly kind: 'local';
  /**
   * The engine's socket (`unix://...`).
   * @default DOCKER_HOST when OpenTofu runs, else `unix:///var/run/docker.sock`
   */
  readonly dockerSocket?: string;
  /**
   * The address other hosts reach this machine at (needed only when containers on other hosts use a
   * service or database that runs here).
   * @default none
   */
  readonly address?: string;
}

/** A KVM virtual machine the application creates on one of its hypervisors. */
export interface KvmHostSpec extends HostSpecBase {
  readonly kind: 'kvm';
  /** The name of the hypervisor (a key of `hypervisors`). */
  readonly hypervisor: string;
  /** Virtual CPUs. @default 2 */
  readonly vcpus?: number;
  /** Memory in MiB. @default 2048 */
  readonly memoryMiB?: number;
  /** Root disk in GiB. @default 20 */
  readonly diskSizeGiB?: number;
  /**
   * Its fixed address on the hypervisor's network.
   * @default the network's next free fixed address
   */
  readonly address?: string;
  /**
   * Size of the host's data disk in GiB, where the databases on it keep their data (mounted at
   * `/srv/data`); a host with a database gets one.
   * @default 10 when a database runs on the host, else none
   */
  readonly dataDiskGiB?: number;
}

/** A server that already exists (the article's rented KVM VPS), prepared over SSH. */
export interface ServerHostSpec extends HostSpecBase {
  readonly kind: 'server';
  /** The address OpenTofu reaches it at over SSH (IP or host name). */
  readonly address: string;
  /** The SSH user (root, or a user with passwordless sudo). */
  readonly user: string;
  /** SSH port. @default 22 */
  readonly port?: number;
  /**
   * Its SSH host public key (`ssh-ed25519 AAAA...`), pinned for the tuning and for Docker over SSH.
   * @default none: not verified (a warning)
   */
  readonly hostKey?: string;
  /**
   * The address other hosts reach it at, if not `address` (e.g. a private network or VPN address):
   * cross-host ports are published there.
   * @default `address`
   */
  readonly privateAddress?: string;
  /**
   * Machine types the preflight accepts (`systemd-detect-virt --vm`).
   * @default ['kvm']
   */
  readonly allowedVirtualization?: readonly string[];
}

/** Any host. */
export type HostSpec = LocalHostSpec | KvmHostSpec | ServerHostSpec;

/** A libvirt hypervisor the KVM hosts run on, and the network they join there. */
export interface HypervisorSpec {
  /** libvirt connection URI, e.g. `qemu:///system` or `qemu+ssh://ops@hv1.example.de/system`. */
  readonly uri: string;
  /** IPv4 range of the hosts' network on this hypervisor, in CIDR notation. */
  readonly networkCidr: string;
  /**
   * Use this existing libvirt network (e.g. one bridged to a LAN, so hosts on several hypervisors reach
   * each other) instead of creating a NAT network.
   * @default none: a NAT network `<application>-<hypervisor>` is created
   */
  readonly existingNetwork?: string;
  /**
   * Make the created network isolated (no NAT to the outside).
   * @default false
   */
  readonly isolated?: boolean;
}

/** What every KVM host shares. */
export interface KvmSpec {
  /** The cloud image the hosts boot (http(s) URL or absolute path on the machine running OpenTofu). */
  readonly baseImage: string;
  /** OpenSSH public keys of the admin user. */
  readonly sshPublicKeys: readonly string[];
  /** `kvm` (hardware) or `qemu` (emulation). @default 'kvm' */
  readonly virtualization?: 'kvm' | 'qemu';
  /** The admin user. @default 'admin' */
  readonly adminUser?: string;
}

/** A route of a service on the gateway: a path, or a path with route options. */
export type ServiceRoute = string | Omit<GatewayRoute, 'pool'>;

/** Healthcheck of a service (Docker's). */
export type ServiceHealthcheck = HealthcheckOptions;

/** One application service and its replicas. */
export interface ServiceSpec {
  /** Image, pinned by tag or digest. */
  readonly image: string;
  /** Replicas, placed over the hosts (see `placement`). @default 1 */
  readonly replicas?: number;
  /** The port it listens on in its container (for its routes and for the services that use it). @default none */
  readonly port?: number;
  /** Gateway paths it serves; a worker has none. @default none */
  readonly routes?: readonly ServiceRoute[];
  /**
   * Services and databases it uses, by name: it gets `<NAME>_HOST` and `<NAME>_PORT` (and for a
   * database `<NAME>_NAME`, `<NAME>_USER`, `<NAME>_PASSWORD`), with the name in capitals and `-` as `_`.
   * @default none
   */
  readonly uses?: readonly string[];
  /** Plain environment variables. @default none */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * Secret environment variables: the variable's name to the Terraform variable (declared sensitive by
   * the application) that carries its value, e.g. `{ API_TOKEN: 'api_token' }` (set `TF_VAR_api_token`).
   * @default none
   */
  readonly secrets?: Readonly<Record<string, string>>;
  /** Command in exec form. @default the image's */
  readonly command?: readonly string[];
  /** Memory limit per replica in MiB. @default 256 */
  readonly memoryMiB?: number;
  /** CPU limit per replica. @default 1 */
  readonly cpus?: number;
  /** Healthcheck; a new replica gets traffic once it passes. @default none (a warning for routed services) */
  readonly healthcheck?: ServiceHealthcheck;
  /** How long `apply` waits for a new replica to become healthy, in seconds. @default 60 */
  readonly startTimeoutSeconds?: number;
  /** Where its replicas may run. @default every host, spread */
  readonly placement?: PlacementConstraints;
  /** Signal that asks it to stop. @default the image's STOPSIGNAL, else SIGTERM */
  readonly stopSignal?: string;
  /** Seconds between the stop signal and SIGKILL. @default 30 */
  readonly stopGraceSeconds?: number;
  /** How a new version is rolled out. @default 'start-first' */
  readonly replacement?: ReplacementStrategy;
}

/** A MySQL-compatible database with its data on its host. */
export interface DatabaseSpec {
  /** Image, pinned. @default 'mariadb:10.11' */
  readonly image?: string;
  /** Engine in the image. @default read from the image name */
  readonly engine?: DatabaseEngine;
  /** The host it runs on. @default the first host */
  readonly host?: string;
  /**
   * Host directory of the data. On a KVM host it must lie under the data disk's mount, `/srv/data`.
   * @default `/srv/data/<name>` on a KVM host, else `/opt/data/<application>/<name>`
   */
  readonly dataPath?: string;
  /** Memory limit in MiB. @default 1024 */
  readonly memoryMiB?: number;
  /** The application database created on first start. @default the database's name */
  readonly database?: string;
  /** The application user created on first start. @default the database's name */
  readonly user?: string;
  /** The port it is published on at its host's address, for services on other hosts. @default 3306 */
  readonly port?: number;
}

/** The gateway: where it runs and how it answers. */
export interface GatewaySpec extends GatewaySettings {
  /** The host it runs on. @default the first host */
  readonly host?: string;
  /** nginx image, pinned, with `/bin/sh`. @default 'nginx:1.30' */
  readonly image?: string;
  /** The nginx version in the image (see `NginxGatewayProps.nginxVersion`). @default read from the image's tag */
  readonly nginxVersion?: string;
  /** Host port for plain HTTP. @default 8080 */
  readonly port?: number;
  /** Host port for HTTPS (with `tls`). @default 8443 */
  readonly tlsPort?: number;
  /**
   * Address the ports are published on; `0.0.0.0` is every interface (the public entry point).
   * @default '127.0.0.1' on a local host, '0.0.0.0' elsewhere
   */
  readonly address?: string;
  /** Memory limit in MiB. @default 256 */
  readonly memoryMiB?: number;
  /** Seconds a reload waits for old workers, and a stop for nginx. @default 30 */
  readonly drainTimeoutSeconds?: number;
}

/** Traffic between hosts: the relays' ports and image. */
export interface CrossHostSpec {
  /**
   * First port of the range: the n-th service (in declaration order) that another host reaches gets
   * `portBase + n - 1`, published on the address of each host it is reached on.
   * @default 20000
   */
  readonly portBase?: number;
  /** nginx image of the relays (with the stream module). @default the gateway's image */
  readonly relayImage?: string;
  /**
   * Dynamic modules the relays load, e.g. Debian's `/usr/lib/nginx/modules/ngx_stream_module.so`.
   * @default none (official nginx images have the stream module built in)
   */
  readonly relayModules?: readonly string[];
}

/** A whole system: hosts, services, databases and the gateway in front. */
export interface ApplicationSpec {
  /** The hypervisors KVM hosts run on, by name. @default none */
  readonly hypervisors?: Readonly<Record<string, HypervisorSpec>>;
  /** Settings every KVM host shares (needed when there are KVM hosts). @default none */
  readonly kvm?: KvmSpec;
  /** The hosts, in order: the first is the default for the gateway and the databases. */
  readonly hosts: readonly HostSpec[];
  /** The services, by name (a DNS label: also their network alias). */
  readonly services: Readonly<Record<string, ServiceSpec>>;
  /** The databases, by name. @default none */
  readonly databases?: Readonly<Record<string, DatabaseSpec>>;
  /** The gateway. @default on the first host, port 8080 */
  readonly gateway?: GatewaySpec;
  /** Kernel parameters over the article's preset, for the hosts and the gateway container. @default none */
  readonly sysctl?: SysctlSettings;
  /** Traffic between hosts. @default ports from 20000, relays on the gateway's image */
  readonly crossHost?: CrossHostSpec;
}
