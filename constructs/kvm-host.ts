import { createHash } from 'crypto';
import * as path from 'path';
import { Resource } from '@cdktf/provider-null/lib/resource';
import { requireProviderAtSynth } from './provider-presence';
import { TerraformProvider, TerraformStack, TerraformVariable, Token } from 'cdktf';
import { Construct } from 'constructs';
import { stringify } from 'yaml';
import { CloudinitDisk } from '../providers/libvirt/cloudinit-disk';
import type { Domain } from '../providers/libvirt/domain';
import { Pool } from '../providers/libvirt/pool';
import { Volume } from '../providers/libvirt/volume';
import { CloudInitConfig, CloudInitConfigProps } from '../renderers/cloud-init';
import { renderGuestNetworkConfig } from '../renderers/guest-network';
import { quote } from '../renderers/invalid-input';
import { IKvmNetwork } from './kvm-network';
import { brand, isInstance } from './identity';
import type { ReadinessCheck } from './provider-types';
import { terraformLiteral } from './terraform-literal';
import { checkPrivateKeyVariable } from './private-key';
import { checkOneOf, fail, withPath } from './validation';

/** Where a host's disks live on the hypervisor. */
export interface KvmStorageOptions {
  /** Use this existing libvirt storage pool instead of creating one. @default none: a pool is created */
  readonly existingPool?: string;
  /** Directory of the pool that is created. @default `/var/lib/libvirt/images/<host name>` */
  readonly poolPath?: string;
}

/** Options of `KvmHost.addReadinessCheck`. */
export interface KvmHostReadinessOptions {
  /** The admin user's SSH private key: a Terraform variable declared with `sensitive: true`. */
  readonly privateKey: TerraformVariable;
  /** The null provider. @default the stack's default null provider */
  readonly provider?: TerraformProvider;
  /** How long to wait for SSH, in minutes (a first boot under emulation takes several). @default 15 */
  readonly timeoutMinutes?: number;
}

/** Construction properties of `KvmHost`. */
export interface KvmHostProps {
  /** The network the host attaches to; it gets a fixed address there. */
  readonly network: IKvmNetwork;
  /**
   * The cloud image the root disk is a copy-on-write overlay of: an `http(s)://` URL or an absolute
   * path on the machine that runs OpenTofu. It needs cloud-init (NoCloud) and a serial console.
   */
  readonly baseImage: string;
  /** Access and tuning of the guest: SSH keys, admin user, sysctl profile, accepted machine types. */
  readonly cloudInit: CloudInitConfigProps;
  /** The libvirt provider of the hypervisor. @default the stack's default libvirt provider */
  readonly provider?: TerraformProvider;
  /** Domain name in libvirt, also the prefix of the host's volumes. @default the construct id */
  readonly name?: string;
  /** Virtual CPUs, from 1 to 288. @default 2 */
  readonly vcpus?: number;
  /** Memory in MiB, from 512 (Docker and cloud-init need it) to 4 TiB (4194304). @default 2048 */
  readonly memoryMiB?: number;
  /** Size of the root disk in GiB, from 2 to 64 TiB (65536); at least the base image's virtual size. @default 20 */
  readonly diskSizeGiB?: number;
  /** Format of the base image. @default 'qcow2' */
  readonly baseImageFormat?: 'qcow2' | 'raw';
  /** The fixed address on `network`. @default the network's next free fixed address */
  readonly address?: string;
  /** Storage pool for the host's volumes. @default a new directory pool */
  readonly storage?: KvmStorageOptions;
  /**
   * Hypervisor type: `kvm` needs /dev/kvm on the hypervisor; `qemu` emulates (slow, for CI). The guest's
   * preflight accepts this type unless `cloudInit.allowedVirtualization` is given. @default 'kvm'
   */
  readonly virtualization?: 'kvm' | 'qemu';
  /** Start the domain when the hypervisor boots. @default true */
  readonly autostart?: boolean;
  /**
   * A data disk of its own (a libvirt volume apart from the root disk), mounted at `mountPath`: data
   * kept there (a database's data directory) survives a new root disk or base image. `destroy`
   * deletes it with the host.
   * @default none
   */
  readonly dataDisk?: KvmDataDiskOptions;
}

/** A host's data disk. */
export interface KvmDataDiskOptions {
  /** Size in GiB, from 1 to 64 TiB (65536). */
  readonly sizeGiB: number;
  /** Where the guest mounts it. @default '/srv/data' */
  readonly mountPath?: string;
}

const HOST_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const MIN_MEMORY_MIB = 512;
// Bounds a real host can have: QEMU 7.2's q35 machine refuses more than 288 vCPUs; 4 TiB of memory
// and a 64 TiB disk are beyond what one guest of a hypervisor gets.
const MAX_VCPUS = 288;
const MAX_MEMORY_MIB = 4 * 1024 * 1024;
const MAX_DISK_GIB = 64 * 1024;

/**
 * A KVM virtual machine on libvirt that is ready to run Docker: a copy-on-write root disk over a cloud
 * image, a fixed address on a libvirt network, and cloud-init that creates an SSH-only admin user,
 * applies the sysctl profile and installs Docker after a preflight (kernel >= 3.10, really KVM).
 *
 * Changing the tuning (profile, keys, user) changes the cloud-init content and so its instance id: the
 * cloud-init disk and its volume are replaced, and the guest re-runs cloud-init's per-instance modules
 * on its next boot; a running guest is not rebooted. To tune a running guest at once, apply a
 * `TunedServer` to its address as well.
 */
export class KvmHost extends Construct {
  /** Whether `x` is a `KvmHost`, from this or any other copy of the library (`instanceof` fails across copies). */
  public static isKvmHost(x: unknown): x is KvmHost {
    return isInstance(x, KvmHost, 'KvmHost');
  }

  /** The libvirt domain name (also the guest's host name). */
  public readonly hostName: string;
  /** The fixed IPv4 address of the guest. */
  public readonly address: string;
  /** The admin user that logs in over SSH. */
  public readonly adminUser: string;
  /** Where Docker on this host is reached: `ssh://<admin>@<address>` (for a Docker provider). */
  public readonly dockerHostUrl: string;
  /** The MAC address of the guest's interface (derived from the host name, so it is stable). */
  public readonly macAddress: string;
  /** Virtual CPUs. */
  public readonly vcpus: number;
  /** Memory in MiB. */
  public readonly memoryMiB: number;
  /** Root disk size in GiB. */
  public readonly diskSizeGiB: number;
  /** The cloud-init model (user-data, meta-data, instance id). */
  public readonly cloudInit: CloudInitConfig;
  /** The rendered cloud-init user-data. */
  public readonly userData: string;
  /** The cloud-init instance id: a hash of the user-data, host name and network config. */
  public readonly instanceId: string;
  /** The rendered cloud-init network config. */
  public readonly networkConfig: string;
  /** The `libvirt_domain` resource. */
  public readonly domain: Domain;
  /** The storage pool name the volumes live in. */
  public readonly poolName: string;
  /** The data disk's volume, when the host has one. */
  public readonly dataVolume?: Volume;
  /** Where the guest mounts the data disk, when the host has one. */
  public readonly dataMountPath?: string;
  private readonly baseImage: string;
  private readiness?: Resource;

  constructor(scope: Construct, id: string, props: KvmHostProps) {
    super(scope, id);
    brand(this, 'KvmHost');
    this.hostName = props.name ?? id;
    if (!HOST_NAME.test(this.hostName)) {
      fail(this, `name ${quote(this.hostName)} must be a DNS label (lowercase letters, digits, '-', not at either end, at most 63 characters); it is also the guest's host name`);
    }
    this.vcpus = props.vcpus ?? 2;
    this.memoryMiB = props.memoryMiB ?? 2048;
    this.diskSizeGiB = props.diskSizeGiB ?? 20;
    checkSize(this, 'vcpus', this.vcpus, 1, MAX_VCPUS, `${MAX_VCPUS} is the most QEMU's q35 machine takes`);
    checkSize(this, 'memoryMiB', this.memoryMiB, MIN_MEMORY_MIB, MAX_MEMORY_MIB, `Docker and cloud-init need at least ${MIN_MEMORY_MIB} MiB (2048 is the default), and no real host gives one guest more than 4 TiB`);
    checkSize(this, 'diskSizeGiB', this.diskSizeGiB, 2, MAX_DISK_GIB, 'the guest needs at least 2 GiB (20 is the default), and 64 TiB is more than a real host\'s storage pool holds');
    checkImageSource(this, props.baseImage);
    checkOneOf(this, 'virtualization', props.virtualization, ['kvm', 'qemu']);
    checkOneOf(this, 'baseImageFormat', props.baseImageFormat, ['qcow2', 'raw']);
    checkOneOf(this, 'autostart', props.autostart, [true, false]);
    this.baseImage = props.baseImage;
    if (props.dataDisk !== undefined) {
      checkSize(this, 'dataDisk.sizeGiB', props.dataDisk.sizeGiB, 1, MAX_DISK_GIB, '64 TiB is more than a real host\'s storage pool holds');
      this.dataMountPath = props.dataDisk.mountPath ?? '/srv/data';
    }
    claimHostName(this, props.network, props.provider, this.hostName);

    const provider = props.provider;
    requireProviderAtSynth(this, 'libvirt', provider);
    const virtualization = props.virtualization ?? 'kvm';
    this.address = props.network.allocateAddress(this, props.address);
    this.macAddress = macFor(this.hostName);
    this.cloudInit = withPath(
      this,
      () =>
        new CloudInitConfig({
          ...props.cloudInit,
          // The guest's preflight must accept the machine type this domain really is (`qemu` under emulation).
          allowedVirtualization: props.cloudInit.allowedVirtualization ?? [virtualization],
          hostname: this.hostName,
          dataDisk: this.dataMountPath === undefined ? undefined : { device: '/dev/vdb', mountPath: this.dataMountPath },
        }),
    );
    this.adminUser = this.cloudInit.adminUser;
    this.dockerHostUrl = `ssh://${this.adminUser}@${this.address}`;
    this.userData = this.cloudInit.renderUserData();
    this.networkConfig = withPath(this, () =>
      renderGuestNetworkConfig({ macAddress: this.macAddress, address: this.address, network: props.network.ipv4 }),
    );
    // The instance id covers the network config too, so a new address is applied on the next boot.
    const instanceId = (this.instanceId = `iid-${createHash('sha256').update(this.cloudInit.instanceId + this.networkConfig).digest('hex').slice(0, 16)}`);
    const metaData = stringify({ 'instance-id': instanceId, 'local-hostname': this.hostName }, { version: '1.1' });

    const storage = props.storage ?? {};
    if (storage.existingPool !== undefined && storage.poolPath !== undefined) {
      fail(this, 'storage.existingPool and storage.poolPath exclude each other; give the pool to use, or the directory of a new one');
    }
    if (storage.poolPath !== undefined) checkAbsolutePath(this, 'storage.poolPath', storage.poolPath);
    let poolName: string;
    if (storage.existingPool !== undefined) {
      poolName = storage.existingPool;
    } else {
      const pool = new Pool(this, 'pool', {
        provider,
        name: `${this.hostName}-pool`,
        type: 'dir',
        target: { path: storage.poolPath ?? `/var/lib/libvirt/images/${this.hostName}` },
        create: { buildAttribute: true, start: true, autostart: true },
      });
      poolName = pool.name;
    }
    this.poolName = poolName;

    const format = props.baseImageFormat ?? 'qcow2';
    const base = new Volume(this, 'base-image', {
      provider,
      name: `${this.hostName}-base.${format}`,
      pool: poolName,
      target: { format: { type: format } },
      create: { content: { url: props.baseImage } },
    });
    const root = new Volume(this, 'root-disk', {
      provider,
      name: `${this.hostName}-root.qcow2`,
      pool: poolName,
      capacity: this.diskSizeGiB,
      capacityUnit: 'GiB',
      target: { format: { type: 'qcow2' } },
      backingStore: { path: base.path, format: { type: format } },
    });
    const seed = new CloudinitDisk(this, 'cloud-init', {
      provider,
      // The instance id in the names makes a content change replace the disk and its volume, so the
      // domain is updated to the new ISO instead of keeping the old one open.
      name: `${this.hostName}-cloud-init-${instanceId}`,
      // Terraform reads every string as a template: the shell in the user-data has `${...}`. (Not
      // Fn.rawString: it also turns newlines and quotes into `\n` and `\"`, which Terraform keeps literally.)
      userData: terraformLiteral(this.userData),
      metaData: terraformLiteral(metaData),
      networkConfig: terraformLiteral(this.networkConfig),
    });
    const seedVolume = new Volume(this, 'cloud-init-volume', {
      provider,
      name: `${this.hostName}-cloud-init-${instanceId}.iso`,
      pool: poolName,
      create: { content: { url: seed.path } },
    });

    if (props.dataDisk !== undefined) {
      // No backing store and nothing derived from the base image: a new root disk leaves it alone.
      this.dataVolume = new Volume(this, 'data-disk', {
        provider,
        name: `${this.hostName}-data.qcow2`,
        pool: poolName,
        capacity: props.dataDisk.sizeGiB,
        capacityUnit: 'GiB',
        target: { format: { type: 'qcow2' } },
      });
    }
    const dataDisks = this.dataVolume === undefined ? [] : [{
      source: { volume: { pool: this.dataVolume.pool, volume: this.dataVolume.name } },
      target: { dev: 'vdb', bus: 'virtio' },
      driver: { type: 'qcow2' },
    }];

    this.domain = new (loadDomain())(this, 'domain', {
      provider,
      name: this.hostName,
      type: virtualization,
      vcpu: this.vcpus,
      memory: this.memoryMiB,
      memoryUnit: 'MiB',
      autostart: props.autostart ?? true,
      running: true,
      os: { type: 'hvm', typeArch: 'x86_64', typeMachine: 'q35' },
      devices: {
        disks: [
          {
            source: { volume: { pool: root.pool, volume: root.name } },
            target: { dev: 'vda', bus: 'virtio' },
            driver: { type: 'qcow2' },
          },
          ...dataDisks,
          {
            device: 'cdrom',
            source: { volume: { pool: seedVolume.pool, volume: seedVolume.name } },
            target: { dev: 'sda', bus: 'sata' },
          },
        ],
        interfaces: [
          {
            mac: { address: this.macAddress },
            model: { type: 'virtio' },
            source: { network: { network: props.network.networkName } },
          },
        ],
        consoles: [{ target: { type: 'serial', port: 0 } }],
      },
    });
  }

  /**
   * A `null_resource` that completes once the guest has booted and cloud-init has finished (Docker
   * installed and the sysctl profile applied), checked over SSH as the admin user. Resources that use
   * the guest, such as containers on its Docker, depend on it, so one apply creates the VM and then
   * deploys onto it. It runs again when the guest or its cloud-init changes.
   */
  public addReadinessCheck(options: KvmHostReadinessOptions): ReadinessCheck {
    if (this.readiness !== undefined) fail(this, 'addReadinessCheck() was already called; use the resource it returned (readinessCheck)');
    checkPrivateKeyVariable(this, options.privateKey);
    const timeoutMinutes = options.timeoutMinutes ?? 15;
    if (!Number.isInteger(timeoutMinutes) || timeoutMinutes < 1) fail(this, `timeoutMinutes ${quote(timeoutMinutes)} must be a whole number of minutes, at least 1`);
    requireProviderAtSynth(this, 'null', options.provider, 'addReadinessCheck({ provider })');
    this.readiness = new Resource(this, 'ready', {
      provider: options.provider,
      // Only values known at synth, no reference to the domain: Docker resources depend on this, and
      // OpenTofu would force create_before_destroy (a second domain of the same name) onto everything a
      // start-first container depends on. It runs again for a new root disk or cloud-init content; its
      // SSH connection waits (up to the timeout) for the guest to come up, so it needs no ordering.
      triggers: { host: this.hostName, address: this.address, instance_id: this.instanceId, base_image: this.baseImage, disk_size_gib: String(this.diskSizeGiB) },
      connection: {
        type: 'ssh',
        host: this.address,
        user: this.adminUser,
        privateKey: options.privateKey.stringValue,
        timeout: `${timeoutMinutes}m`,
      },
      provisioners: [
        {
          type: 'remote-exec',
          inline: [
            'cloud-init status --wait >/dev/null || { cloud-init status --long; exit 1; }',
            // A data disk added to a running guest is mounted only when it boots the new instance; until
            // then its containers would write into the root disk under the mount point.
            ...(this.dataMountPath === undefined ? [] : [
              `mountpoint -q ${this.dataMountPath} || { echo "the data disk is not mounted at ${this.dataMountPath}: cloud-init mounts it when the guest boots its new configuration; reboot the guest, then apply again"; exit 1; }`,
            ]),
            'docker info >/dev/null',
          ],
        },
      ],
    });
    return this.readiness;
  }

  /** The readiness check, once `addReadinessCheck` has made it. */
  public get readinessCheck(): ReadinessCheck | undefined {
    return this.readiness;
  }
}

const hostNames = new WeakMap<object, Map<string, KvmHost>>();

/**
 * One host name per network and per hypervisor: the MAC address and the libvirt domain name come from
 * it, so a second host of the same name would clash with the first.
 */
function claimHostName(host: KvmHost, network: IKvmNetwork, provider: TerraformProvider | undefined, name: string): void {
  const networkLabel = Construct.isConstruct(network) ? `network '${(network as Construct).node.path}'` : `network ${quote(network.networkName)}`;
  const scopes: [object, string][] = [[network, networkLabel]];
  if (provider !== undefined) scopes.push([provider, `the hypervisor of provider '${provider.node.id}'`]);
  else scopes.push([TerraformStack.of(host), 'the stack\'s default hypervisor']);
  for (const [scope, what] of scopes) {
    const names = hostNames.get(scope) ?? new Map<string, KvmHost>();
    hostNames.set(scope, names);
    const other = names.get(name);
    if (other !== undefined && other !== host) {
      fail(host, `name ${quote(name)} is already the name of KvmHost '${other.node.path}' on ${what}; the libvirt domain name and the MAC address come from it, so give each host its own name`);
    }
    names.set(name, host);
  }
}

/** A stable, locally administered MAC in QEMU's 52:54:00 range, derived from the host name. */
function macFor(name: string): string {
  const hex = createHash('sha256').update(name).digest('hex');
  return `52:54:00:${hex.slice(0, 2)}:${hex.slice(2, 4)}:${hex.slice(4, 6)}`;
}


function checkSize(scope: Construct, setting: string, value: number, min: number, max: number, why: string): void {
  if (Token.isUnresolved(value)) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    fail(scope, `${setting} ${quote(value)} must be a whole number from ${min} to ${max}; ${why}`);
  }
}

function checkImageSource(scope: Construct, source: string): void {
  if (Token.isUnresolved(source)) return;
  if (/^https?:\/\/[^\s"'\\]+$/.test(source)) return;
  if (source.startsWith('file://')) {
    checkAbsolutePath(scope, 'baseImage', source.slice('file://'.length));
    return;
  }
  checkAbsolutePath(scope, 'baseImage', source);
}

function checkAbsolutePath(scope: Construct, setting: string, p: string): void {
  if (Token.isUnresolved(p)) return;
  if (!path.posix.isAbsolute(p) || path.posix.normalize(p) !== p || p.split('/').includes('..') || /[\s"'\\]/.test(p)) {
    fail(scope, `${setting} ${quote(p)} must be an absolute, normalized path without '..' or spaces (or an http(s) URL for baseImage); relative paths depend on where OpenTofu runs`);
  }
}

// The domain bindings are 8 MB of generated code: load them when a KvmHost is made, not when the library
// is imported, so apps and tests without KVM hosts never pay for them.
let domainClass: typeof Domain | undefined;
function loadDomain(): typeof Domain {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  domainClass ??= (require('../providers/libvirt/domain') as typeof import('../providers/libvirt/domain')).Domain;
  return domainClass;
}
