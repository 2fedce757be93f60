import { createHash } from 'crypto';
import { TerraformStack, TerraformVariable, Testing } from 'cdktf';
import { KvmHost, KvmHostProps } from '../../../constructs/kvm-host';
import { IKvmNetwork, KvmNetwork } from '../../../constructs/kvm-network';
import { NullProvider } from '@cdktf/provider-null/lib/provider';
import { CloudinitDisk } from '../../../providers/libvirt/cloudinit-disk';
import { Domain } from '../../../providers/libvirt/domain';
import { Pool } from '../../../providers/libvirt/pool';
import { LibvirtProvider } from '../../../providers/libvirt/provider';
import { Volume } from '../../../providers/libvirt/volume';
import { SysctlProfile } from '../../../renderers/sysctl-profile';

// Public key made with ssh-keygen for these tests (the private half was discarded).
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIZKr13k7dY5Fz+G+pbLiadrE85vh8FM2F0M3FgpPUYx ops@example.com';
const IMAGE = 'https://cloud.debian.org/images/cloud/bookworm/latest/debian-12-genericcloud-amd64.qcow2';

function setup(networkId = 'net') {
  const app = Testing.app();
  const stack = new TerraformStack(app, 'test');
  const network = new KvmNetwork(stack, networkId, { cidr: '192.168.150.0/24' });
  const build = (props: Partial<KvmHostProps> = {}, id = 'host', on: IKvmNetwork = network) =>
    new KvmHost(stack, id, { network: on, baseImage: IMAGE, cloudInit: { sshAuthorizedKeys: [KEY] }, ...props });
  return { stack, network, build };
}

type Resources = Record<string, Record<string, any>>;

function synthResources(stack: TerraformStack): Resources {
  return JSON.parse(Testing.synth(stack)).resource;
}

/** The Terraform address of the resource of `type` named `name`. */
function addressOf(resources: Resources, type: string, name: string): string {
  const entry = Object.entries(resources[type]).find(([, r]) => r.name === name);
  if (entry === undefined) throw new Error(`no ${type} named ${name}`);
  return `${type}.${entry[0]}`;
}

function only(resources: Resources, type: string): Record<string, any> {
  const all = Object.values(resources[type]);
  expect(all).toHaveLength(1);
  return all[0];
}

// What Terraform turns back into the text: `$${` and `%%{` are its template escapes.
function unescape(text: string): string {
  return text.replace(/\$\$\{/g, '${').replace(/%%\{/g, '%{');
}

describe('KvmHost', () => {
  it('creates a pool, base image, copy-on-write root disk, cloud-init disk and a running domain with the defaults', () => {
    // GIVEN a network, a base image URL and an SSH key
    const { stack, network, build } = setup();
    const host = build();
    const synth = Testing.synth(stack);
    const resources = synthResources(stack);
    const pool = `\${${addressOf(resources, 'libvirt_pool', 'host-pool')}.name}`;
    const base = addressOf(resources, 'libvirt_volume', 'host-base.qcow2');
    const root = addressOf(resources, 'libvirt_volume', 'host-root.qcow2');
    const seedVolume = addressOf(resources, 'libvirt_volume', `host-cloud-init-${host.instanceId}.iso`);
    const seed = addressOf(resources, 'libvirt_cloudinit_disk', `host-cloud-init-${host.instanceId}`);

    // THEN a directory pool named after the host is built, started and autostarted
    expect(synth).toHaveResourceWithProperties(Pool, {
      name: 'host-pool',
      type: 'dir',
      target: { path: '/var/lib/libvirt/images/host' },
      create: { build: true, start: true, autostart: true },
    });
    // AND the base image is downloaded into it as qcow2
    expect(synth).toHaveResourceWithProperties(Volume, {
      name: 'host-base.qcow2',
      pool,
      target: { format: { type: 'qcow2' } },
      create: { content: { url: IMAGE } },
    });
    // AND the root disk is a 20 GiB qcow2 overlay of it
    expect(synth).toHaveResourceWithProperties(Volume, {
      name: 'host-root.qcow2',
      pool,
      capacity: 20,
      capacity_unit: 'GiB',
      target: { format: { type: 'qcow2' } },
      backing_store: { path: `\${${base}.path}`, format: { type: 'qcow2' } },
    });
    // AND the cloud-init ISO is uploaded into the pool
    expect(synth).toHaveResourceWithProperties(Volume, {
      name: `host-cloud-init-${host.instanceId}.iso`,
      pool,
      create: { content: { url: `\${${seed}.path}` } },
    });
    // AND the domain is a running, autostarted KVM guest with 2 vCPUs and 2048 MiB, virtio disk and
    // network, the ISO as a cdrom and a serial console
    expect(synth).toHaveResourceWithProperties(Domain, {
      name: 'host',
      type: 'kvm',
      vcpu: 2,
      memory: 2048,
      memory_unit: 'MiB',
      autostart: true,
      running: true,
      os: { type: 'hvm', type_arch: 'x86_64', type_machine: 'q35' },
      devices: {
        disks: [
          {
            source: { volume: { pool: `\${${root}.pool}`, volume: `\${${root}.name}` } },
            target: { dev: 'vda', bus: 'virtio' },
            driver: { type: 'qcow2' },
          },
          {
            device: 'cdrom',
            source: { volume: { pool: `\${${seedVolume}.pool}`, volume: `\${${seedVolume}.name}` } },
            target: { dev: 'sda', bus: 'sata' },
          },
        ],
        interfaces: [
          {
            mac: { address: host.macAddress },
            model: { type: 'virtio' },
            // a reference, so Terraform creates the network before the domain and destroys it after
            source: { network: { network: `\${libvirt_network.${network.resource.friendlyUniqueId}.name}` } },
          },
        ],
        consoles: [{ target: { type: 'serial', port: 0 } }],
      },
    });
    // AND the resolved defaults are exposed
    expect(host.hostName).toBe('host');
    expect(host.vcpus).toBe(2);
    expect(host.memoryMiB).toBe(2048);
    expect(host.diskSizeGiB).toBe(20);
    expect(host.address).toBe('192.168.150.10');
    expect(host.adminUser).toBe('admin');
    expect(host.dockerHostUrl).toBe('ssh://admin@192.168.150.10');
    expect(host.macAddress).toBe(`52:54:00:${createHash('sha256').update('host').digest('hex').slice(0, 6).match(/../g)!.join(':')}`);
    expect(host.cloudInit.hostname).toBe('host');
    expect(host.cloudInit.allowedVirtualization).toEqual(['kvm']);
    expect(host.domain.friendlyUniqueId).toBe(Object.keys(resources.libvirt_domain)[0]);
  });

  it('takes the name, vcpus, memoryMiB and diskSizeGiB', () => {
    const { stack, build } = setup();
    const host = build({ name: 'api-1', vcpus: 4, memoryMiB: 4096, diskSizeGiB: 40 });
    const synth = Testing.synth(stack);
    expect(synth).toHaveResourceWithProperties(Domain, { name: 'api-1', vcpu: 4, memory: 4096, memory_unit: 'MiB' });
    expect(synth).toHaveResourceWithProperties(Volume, { name: 'api-1-root.qcow2', capacity: 40, capacity_unit: 'GiB' });
    expect(synth).toHaveResourceWithProperties(Pool, { name: 'api-1-pool', target: { path: '/var/lib/libvirt/images/api-1' } });
    expect(synth).toHaveResourceWithProperties(CloudinitDisk, { name: `api-1-cloud-init-${host.instanceId}` });
    expect([host.hostName, host.vcpus, host.memoryMiB, host.diskSizeGiB]).toEqual(['api-1', 4, 4096, 40]);
  });

  it('accepts the smallest sizes: 1 vCPU, 512 MiB, 2 GiB', () => {
    const { stack, build } = setup();
    build({ vcpus: 1, memoryMiB: 512, diskSizeGiB: 2 });
    const synth = Testing.synth(stack);
    expect(synth).toHaveResourceWithProperties(Domain, { vcpu: 1, memory: 512 });
    expect(synth).toHaveResourceWithProperties(Volume, { name: 'host-root.qcow2', capacity: 2 });
  });

  it('skips the size checks on unresolved tokens', () => {
    const { stack, build } = setup();
    const vcpus = new TerraformVariable(stack, 'vcpus', { type: 'number' });
    build({ vcpus: vcpus.numberValue });
    expect(Testing.synth(stack)).toHaveResourceWithProperties(Domain, { vcpu: '${var.vcpus}' });
  });

  it('takes the base image from an absolute path or a file:// URL', () => {
    const { stack, build } = setup();
    build({ baseImage: '/var/lib/images/debian-12.qcow2' }, 'a');
    build({ baseImage: 'file:///var/lib/images/debian-12.qcow2' }, 'b');
    const synth = Testing.synth(stack);
    expect(synth).toHaveResourceWithProperties(Volume, { name: 'a-base.qcow2', create: { content: { url: '/var/lib/images/debian-12.qcow2' } } });
    expect(synth).toHaveResourceWithProperties(Volume, { name: 'b-base.qcow2', create: { content: { url: 'file:///var/lib/images/debian-12.qcow2' } } });
  });

  it('takes a raw base image: the base volume and the backing store say raw, the overlay stays qcow2', () => {
    const { stack, build } = setup();
    build({ baseImageFormat: 'raw' });
    const synth = Testing.synth(stack);
    const base = addressOf(synthResources(stack), 'libvirt_volume', 'host-base.raw');
    expect(synth).toHaveResourceWithProperties(Volume, { name: 'host-base.raw', target: { format: { type: 'raw' } } });
    expect(synth).toHaveResourceWithProperties(Volume, {
      name: 'host-root.qcow2',
      target: { format: { type: 'qcow2' } },
      backing_store: { path: `\${${base}.path}`, format: { type: 'raw' } },
    });
  });

  it('puts the volumes in an existing pool without creating one', () => {
    const { stack, build } = setup();
    const host = build({ storage: { existingPool: 'default' } });
    const resources = synthResources(stack);
    expect(resources.libvirt_pool).toBeUndefined();
    expect(Object.values(resources.libvirt_volume).map((v) => [v.name, v.pool])).toEqual([
      ['host-base.qcow2', 'default'],
      [`host-cloud-init-${host.instanceId}.iso`, 'default'],
      ['host-root.qcow2', 'default'],
    ]);
    expect(host.poolName).toBe('default');
  });

  it('creates the pool at poolPath', () => {
    const { stack, build } = setup();
    build({ storage: { poolPath: '/srv/libvirt/host' } });
    expect(Testing.synth(stack)).toHaveResourceWithProperties(Pool, { name: 'host-pool', target: { path: '/srv/libvirt/host' } });
  });

  it('gives two hosts on one network distinct addresses in creation order, and honours an explicit address', () => {
    const { stack, build } = setup();
    const first = build({}, 'first');
    const second = build({}, 'second');
    const fixed = build({ address: '192.168.150.50' }, 'fixed');
    const third = build({}, 'third');
    expect([first.address, second.address, fixed.address, third.address]).toEqual(['192.168.150.10', '192.168.150.11', '192.168.150.50', '192.168.150.12']);
    expect(first.macAddress).not.toBe(second.macAddress);
    expect(second.dockerHostUrl).toBe('ssh://admin@192.168.150.11');
    const disks = Object.values(synthResources(stack).libvirt_cloudinit_disk);
    expect(Object.fromEntries(disks.map((d) => [d.name, d.network_config.match(/- (\S+)\/24/)[1]]))).toEqual({
      [`first-cloud-init-${first.instanceId}`]: '192.168.150.10',
      [`second-cloud-init-${second.instanceId}`]: '192.168.150.11',
      [`fixed-cloud-init-${fixed.instanceId}`]: '192.168.150.50',
      [`third-cloud-init-${third.instanceId}`]: '192.168.150.12',
    });
  });

  it('attaches to an existing network by its literal name', () => {
    const { stack, build } = setup();
    const existing = KvmNetwork.fromName(stack, 'default-net', { name: 'default', cidr: '192.168.122.0/24' });
    const host = build({}, 'host', existing);
    expect(host.address).toBe('192.168.122.10');
    expect(Testing.synth(stack)).toHaveResourceWithProperties(Domain, {
      devices: expect.objectContaining({ interfaces: [expect.objectContaining({ source: { network: { network: 'default' } } })] }),
    });
  });

  it('takes autostart, the virtualization type and a provider; the preflight accepts that type', () => {
    const { stack, build } = setup();
    const provider = new LibvirtProvider(stack, 'libvirt', { uri: 'qemu:///system', alias: 'hv' });
    const host = build({ autostart: false, virtualization: 'qemu', provider });
    const synth = Testing.synth(stack);
    expect(synth).toHaveResourceWithProperties(Domain, { provider: 'libvirt.hv', type: 'qemu', autostart: false, running: true });
    for (const type of [Pool, Volume, CloudinitDisk]) expect(synth).toHaveResourceWithProperties(type, { provider: 'libvirt.hv' });
    expect(host.cloudInit.allowedVirtualization).toEqual(['qemu']);
    expect(host.userData).toContain('\n        qemu) ;;\n');
  });

  it('names the guest after the host, even when cloudInit.hostname says otherwise', () => {
    const { stack, build } = setup();
    const host = build({ cloudInit: { sshAuthorizedKeys: [KEY], hostname: 'other' } });
    expect(host.cloudInit.hostname).toBe('host');
    expect(only(synthResources(stack), 'libvirt_cloudinit_disk').meta_data).toMatch(/\nlocal-hostname: host\n$/);
  });

  it('keeps an explicit allowedVirtualization', () => {
    const { build } = setup();
    const host = build({ virtualization: 'qemu', cloudInit: { sshAuthorizedKeys: [KEY], allowedVirtualization: ['kvm', 'qemu'] } });
    expect(host.cloudInit.allowedVirtualization).toEqual(['kvm', 'qemu']);
  });

  it('writes the sysctl profile and the SSH key into the user-data, and the admin user into dockerHostUrl', () => {
    const { stack, build } = setup();
    const host = build({ cloudInit: { sshAuthorizedKeys: [KEY], adminUser: 'ops' } });
    const userData = only(synthResources(stack), 'libvirt_cloudinit_disk').user_data;
    for (const line of [
      '#cloud-config\n',
      '  - name: ops\n',
      `      - ${KEY}\n`,
      '  - path: /etc/sysctl.d/90-microservices.conf\n',
      '      net.core.somaxconn = 4096\n',
      '      net.ipv4.tcp_tw_reuse = 1\n',
      '      net.ipv4.ip_local_port_range = 1024 65000\n',
      '      fs.file-max = 2097152\n',
      '  - sysctl --system\n',
      '  - usermod -aG docker ops\n',
    ]) {
      expect(userData).toContain(line);
    }
    expect(host.adminUser).toBe('ops');
    expect(host.dockerHostUrl).toBe('ssh://ops@192.168.150.10');
  });

  it("escapes the shell's ${...} in the user-data so Terraform does not read it as interpolation", () => {
    const { stack, build } = setup();
    const host = build();
    const synth = Testing.synth(stack);
    const userData: string = only(synthResources(stack), 'libvirt_cloudinit_disk').user_data;
    expect(synth).toContain('major=$${kernel%%.*}');
    expect(userData).toContain('major=$${kernel%%.*}\n');
    expect(userData).not.toMatch(/(^|[^$])\$\{/);
    // real newlines and quotes, not `\n` and `\"`: Terraform does not unescape those
    expect(userData).toContain('\n    permissions: "0644"\n');
    expect(unescape(userData)).toBe(host.userData);
  });

  it('renders the network config with the static address, the gateway and the MAC', () => {
    const { stack, build } = setup();
    const host = build({ address: '192.168.150.20' });
    const disk = only(synthResources(stack), 'libvirt_cloudinit_disk');
    expect(disk.network_config).toBe(host.networkConfig);
    expect(host.networkConfig).toContain(`      macaddress: ${host.macAddress}\n`);
    expect(host.networkConfig).toContain('      - 192.168.150.20/24\n');
    expect(host.networkConfig).toContain('        via: 192.168.150.1\n');
    expect(host.dockerHostUrl).toBe('ssh://admin@192.168.150.20');
  });

  it('writes meta-data with a content-derived instance id and the host name', () => {
    const { stack, build } = setup();
    const host = build();
    const disk = only(synthResources(stack), 'libvirt_cloudinit_disk');
    const instanceId = `iid-${createHash('sha256').update(host.cloudInit.instanceId + host.networkConfig).digest('hex').slice(0, 16)}`;
    expect(disk.meta_data).toBe(`instance-id: ${instanceId}\nlocal-hostname: host\n`);
  });

  it('changes the instance id when the profile, the address or the keys change, and only then', () => {
    const instanceIdOf = (props: Partial<KvmHostProps>): string => {
      const { stack, build } = setup();
      build(props);
      return /instance-id: (iid-[0-9a-f]{16})\n/.exec(only(synthResources(stack), 'libvirt_cloudinit_disk').meta_data)![1];
    };
    const defaults = instanceIdOf({});
    expect(instanceIdOf({})).toBe(defaults);
    expect(instanceIdOf({ vcpus: 4 })).toBe(defaults);
    const tuned = instanceIdOf({ cloudInit: { sshAuthorizedKeys: [KEY], profile: new SysctlProfile({ overrides: { 'net.core.somaxconn': 8192 } }) } });
    expect(tuned).not.toBe(defaults);
    expect(instanceIdOf({ address: '192.168.150.30' })).not.toBe(defaults);
    expect(instanceIdOf({ cloudInit: { sshAuthorizedKeys: [KEY.replace(' ops@example.com', ' ci')] } })).not.toBe(defaults);
  });

  it('fails when the name is not a DNS label', () => {
    const { build } = setup();
    expect(() => build({ name: 'Web_1' })).toThrow(
      "KvmHost [test/host]: name \"Web_1\" must be a DNS label (lowercase letters, digits, '-', not at either end, at most 63 characters); it is also the guest's host name",
    );
  });

  const VCPUS_RULE = "must be a whole number from 1 to 288; 288 is the most QEMU's q35 machine takes";
  const MEMORY_RULE = 'must be a whole number from 512 to 4194304; Docker and cloud-init need at least 512 MiB (2048 is the default), and no real host gives one guest more than 4 TiB';
  const DISK_RULE = "must be a whole number from 2 to 65536; the guest needs at least 2 GiB (20 is the default), and 64 TiB is more than a real host's storage pool holds";

  it('fails when vcpus is below 1', () => {
    const { build } = setup();
    expect(() => build({ vcpus: 0 })).toThrow(`KvmHost [test/host]: vcpus 0 ${VCPUS_RULE}`);
  });

  it('fails when vcpus is more than a q35 machine takes', () => {
    const { build } = setup();
    expect(() => build({ vcpus: 289 })).toThrow(`KvmHost [test/host]: vcpus 289 ${VCPUS_RULE}`);
  });

  it('accepts the bounds themselves', () => {
    const { build } = setup();
    const host = build({ vcpus: 288, memoryMiB: 4194304, diskSizeGiB: 65536 });
    expect([host.vcpus, host.memoryMiB, host.diskSizeGiB]).toEqual([288, 4194304, 65536]);
    expect(build({ vcpus: 1, memoryMiB: 512, diskSizeGiB: 2 }, 'small').vcpus).toBe(1);
  });

  it('fails when memoryMiB is below 512', () => {
    const { build } = setup();
    expect(() => build({ memoryMiB: 256 })).toThrow(`KvmHost [test/host]: memoryMiB 256 ${MEMORY_RULE}`);
  });

  it('fails when memoryMiB is more than a real host gives a guest', () => {
    const { build } = setup();
    expect(() => build({ memoryMiB: 1e9 })).toThrow(`KvmHost [test/host]: memoryMiB 1000000000 ${MEMORY_RULE}`);
  });

  it('fails when diskSizeGiB is below 2', () => {
    const { build } = setup();
    expect(() => build({ diskSizeGiB: 1 })).toThrow(`KvmHost [test/host]: diskSizeGiB 1 ${DISK_RULE}`);
  });

  it('fails when diskSizeGiB is more than a real storage pool holds', () => {
    const { build } = setup();
    expect(() => build({ diskSizeGiB: 1e9 })).toThrow(`KvmHost [test/host]: diskSizeGiB 1000000000 ${DISK_RULE}`);
  });

  // Casts stand in for JavaScript callers and parsed files, where the union types are not checked.
  it('fails when virtualization is not kvm or qemu', () => {
    const { build } = setup();
    expect(() => build({ virtualization: 'xen' as never })).toThrow('KvmHost [test/host]: virtualization "xen" must be one of "kvm", "qemu"');
  });

  it('fails when baseImageFormat is not qcow2 or raw', () => {
    const { build } = setup();
    expect(() => build({ baseImageFormat: 'vmdk' as never })).toThrow('KvmHost [test/host]: baseImageFormat "vmdk" must be one of "qcow2", "raw"');
  });

  it('fails when autostart is not a boolean', () => {
    const { build } = setup();
    expect(() => build({ autostart: 'yes' as never })).toThrow('KvmHost [test/host]: autostart "yes" must be true or false');
  });

  it('fails when the base image is a relative path', () => {
    const { build } = setup();
    expect(() => build({ baseImage: 'images/debian-12.qcow2' })).toThrow(
      'KvmHost [test/host]: baseImage "images/debian-12.qcow2" must be an absolute, normalized path without \'..\' or spaces (or an http(s) URL for baseImage); relative paths depend on where OpenTofu runs',
    );
  });

  it("fails when the base image path contains '..'", () => {
    const { build } = setup();
    expect(() => build({ baseImage: 'file:///var/lib/images/../debian-12.qcow2' })).toThrow(
      'KvmHost [test/host]: baseImage "/var/lib/images/../debian-12.qcow2" must be an absolute, normalized path without \'..\' or spaces (or an http(s) URL for baseImage); relative paths depend on where OpenTofu runs',
    );
  });

  it('fails when both existingPool and poolPath are given', () => {
    const { build } = setup();
    expect(() => build({ storage: { existingPool: 'default', poolPath: '/srv/libvirt/host' } })).toThrow(
      'KvmHost [test/host]: storage.existingPool and storage.poolPath exclude each other; give the pool to use, or the directory of a new one',
    );
  });

  it('fails when poolPath is relative', () => {
    const { build } = setup();
    expect(() => build({ storage: { poolPath: 'pools/host' } })).toThrow(
      'KvmHost [test/host]: storage.poolPath "pools/host" must be an absolute, normalized path without \'..\' or spaces (or an http(s) URL for baseImage); relative paths depend on where OpenTofu runs',
    );
  });

  it('fails when the address is outside the network', () => {
    const { build } = setup();
    expect(() => build({ address: '10.0.0.10' })).toThrow(
      'KvmHost [test/host]: address "10.0.0.10" is not a host address of 192.168.150.0/24; pick one above the gateway 192.168.150.1',
    );
  });

  it('fails when the address is in the DHCP range', () => {
    const { build } = setup();
    expect(() => build({ address: '192.168.150.100' })).toThrow(
      'KvmHost [test/host]: address "192.168.150.100" lies in the DHCP range 192.168.150.100-192.168.150.199 of network test/net; pick one outside it, or move dhcpRange',
    );
  });

  it('fails when the address is already given to another host', () => {
    const { build } = setup();
    build({}, 'first');
    expect(() => build({ address: '192.168.150.10' }, 'second')).toThrow(
      'KvmHost [test/second]: address "192.168.150.10" is already given to another host on network test/net; pick another, or omit it to get the next free one',
    );
  });

  it('fails when an SSH key is bad, with the construct path before the CloudInitConfig message', () => {
    const { build } = setup();
    expect(() => build({ cloudInit: { sshAuthorizedKeys: ['ssh-dss AAAAB3NzaC1kc3M='] } })).toThrow(
      'KvmHost [test/host]: sshAuthorizedKeys[0] "ssh-dss AAAAB3NzaC1kc3M=" has type "ssh-dss"; use an ssh-ed25519, ssh-rsa, ecdsa-sha2-nistp256, ecdsa-sha2-nistp384, ecdsa-sha2-nistp521 public key',
    );
  });
});

describe('KvmHost data disk', () => {
  it('adds a qcow2 volume of its own as vdb, formatted on first boot only and mounted at /srv/data before Docker', () => {
    // GIVEN a host with a 50 GiB data disk
    const { stack, build } = setup();
    const host = build({ dataDisk: { sizeGiB: 50 } });
    const resources = synthResources(stack);
    const data = addressOf(resources, 'libvirt_volume', 'host-data.qcow2');
    // THEN the volume is empty, in the host's pool, and derives nothing from the base image
    expect(resources.libvirt_volume[data.split('.')[1]]).toEqual({
      name: 'host-data.qcow2',
      pool: `\${${addressOf(resources, 'libvirt_pool', 'host-pool')}.name}`,
      capacity: 50,
      capacity_unit: 'GiB',
      target: { format: { type: 'qcow2' } },
    });
    // AND the domain has it as the second virtio disk, between the root disk and the cloud-init cdrom
    const disks = only(resources, 'libvirt_domain').devices.disks;
    expect(disks.map((d: any) => d.target.dev)).toEqual(['vda', 'vdb', 'sda']);
    expect(disks[1]).toEqual({
      source: { volume: { pool: `\${${data}.pool}`, volume: `\${${data}.name}` } },
      target: { dev: 'vdb', bus: 'virtio' },
      driver: { type: 'qcow2' },
    });
    // AND cloud-init formats it only when it has no filesystem, and mounts it by label, before Docker
    const userData: string = only(resources, 'libvirt_cloudinit_disk').user_data;
    expect(userData).toContain([
      'fs_setup:',
      '  - label: kvms-data',
      '    filesystem: ext4',
      '    device: /dev/vdb',
      '    partition: none',
      '    overwrite: false',
      'mounts:',
      '  - - LABEL=kvms-data',
      '    - /srv/data',
      '    - ext4',
      '    - defaults,nofail,x-systemd.before=docker.service',
      '    - "0"',
      '    - "2"',
      '',
    ].join('\n'));
    expect(host.dataMountPath).toBe('/srv/data');
    expect(host.dataVolume?.friendlyUniqueId).toBe(data.split('.')[1]);
    expect(host.cloudInit.dataDisk).toEqual({ device: '/dev/vdb', mountPath: '/srv/data', label: 'kvms-data' });
  });

  it('takes the mount path, and puts the volume in an existing pool', () => {
    const { stack, build } = setup();
    const host = build({ dataDisk: { sizeGiB: 10, mountPath: '/srv/mysql' }, storage: { existingPool: 'default' } });
    const resources = synthResources(stack);
    expect(Object.values(resources.libvirt_volume).find((v) => v.name === 'host-data.qcow2')).toMatchObject({ pool: 'default', capacity: 10 });
    expect(host.userData).toContain('\n    - /srv/mysql\n');
  });

  it('has no data disk, vdb or fs_setup unless asked', () => {
    const { stack, build } = setup();
    const host = build();
    const resources = synthResources(stack);
    expect(Object.values(resources.libvirt_volume).map((v) => v.name)).not.toContain('host-data.qcow2');
    expect(host.dataVolume).toBeUndefined();
    expect(host.dataMountPath).toBeUndefined();
    expect(host.userData).not.toContain('fs_setup');
  });

  it('fails when the size is below 1 GiB', () => {
    const { build } = setup();
    expect(() => build({ dataDisk: { sizeGiB: 0 } })).toThrow('KvmHost [test/host]: dataDisk.sizeGiB 0 must be a whole number from 1 to 65536; 64 TiB is more than a real host\'s storage pool holds');
  });

  it('fails when the size is more than a real host holds', () => {
    const { build } = setup();
    expect(() => build({ dataDisk: { sizeGiB: 1e9 } })).toThrow('KvmHost [test/host]: dataDisk.sizeGiB 1000000000 must be a whole number from 1 to 65536; 64 TiB is more than a real host\'s storage pool holds');
  });

  it('fails when the size is not whole', () => {
    const { build } = setup();
    expect(() => build({ dataDisk: { sizeGiB: 1.5 } })).toThrow('KvmHost [test/host]: dataDisk.sizeGiB 1.5 must be a whole number from 1 to 65536; 64 TiB is more than a real host\'s storage pool holds');
  });

  it('fails when the mount path is relative', () => {
    const { build } = setup();
    expect(() => build({ dataDisk: { sizeGiB: 10, mountPath: 'srv/data' } })).toThrow(
      'KvmHost [test/host]: dataDisk.mountPath "srv/data" must be an absolute, normalized directory such as "/srv/data"',
    );
  });

  it('fails when the mount path would hide a system directory', () => {
    const { build } = setup();
    expect(() => build({ dataDisk: { sizeGiB: 10, mountPath: '/var' } })).toThrow(
      'KvmHost [test/host]: dataDisk.mountPath "/var" would hide a system directory of the guest; use a directory of its own such as "/srv/data"',
    );
  });
});

describe('KvmHost names', () => {
  it('fails when two hosts on one network have the same name', () => {
    const { build } = setup();
    build({ name: 'web' }, 'first');
    expect(() => build({ name: 'web' }, 'second')).toThrow(
      "KvmHost [test/second]: name \"web\" is already the name of KvmHost 'test/first' on network 'test/net'; the libvirt domain name and the MAC address come from it, so give each host its own name",
    );
  });

  it('fails when two hosts on the default hypervisor have the same name, on different networks', () => {
    const { stack, build } = setup();
    const other = new KvmNetwork(stack, 'other-net', { cidr: '192.168.151.0/24' });
    build({}, 'host');
    expect(() => build({ name: 'host' }, 'host-2', other)).toThrow(
      "KvmHost [test/host-2]: name \"host\" is already the name of KvmHost 'test/host' on the stack's default hypervisor; the libvirt domain name and the MAC address come from it, so give each host its own name",
    );
  });

  it('fails when two hosts on one hypervisor provider have the same name, on different networks', () => {
    const { stack, build } = setup();
    const provider = new LibvirtProvider(stack, 'libvirt', { uri: 'qemu:///system', alias: 'hv' });
    const other = new KvmNetwork(stack, 'other-net', { cidr: '192.168.151.0/24' });
    build({ provider }, 'host');
    expect(() => build({ provider, name: 'host' }, 'host-2', other)).toThrow(
      "KvmHost [test/host-2]: name \"host\" is already the name of KvmHost 'test/host' on the hypervisor of provider 'libvirt'; the libvirt domain name and the MAC address come from it, so give each host its own name",
    );
  });

  it('fails when two hosts on one existing network have the same name, naming the network by its libvirt name', () => {
    const { stack, build } = setup();
    const existing = KvmNetwork.fromName(stack, 'default-net', { name: 'default', cidr: '192.168.122.0/24' });
    const provider = new LibvirtProvider(stack, 'libvirt', { uri: 'qemu:///system', alias: 'hv' });
    const other = new LibvirtProvider(stack, 'libvirt-2', { uri: 'qemu+ssh://ops@hv2/system', alias: 'hv2' });
    build({ provider }, 'host', existing);
    expect(() => build({ provider: other, name: 'host' }, 'host-2', existing)).toThrow(
      'KvmHost [test/host-2]: name "host" is already the name of KvmHost \'test/host\' on network "default"; the libvirt domain name and the MAC address come from it, so give each host its own name',
    );
  });

  it('allows one name on two hypervisors and two networks', () => {
    const { stack, build } = setup();
    const one = new LibvirtProvider(stack, 'libvirt', { uri: 'qemu:///system', alias: 'hv1' });
    const two = new LibvirtProvider(stack, 'libvirt-2', { uri: 'qemu+ssh://ops@hv2/system', alias: 'hv2' });
    const other = new KvmNetwork(stack, 'other-net', { cidr: '192.168.151.0/24', provider: two });
    expect(build({ provider: one, name: 'web' }, 'a').hostName).toBe('web');
    expect(build({ provider: two, name: 'web' }, 'b', other).hostName).toBe('web');
  });
});

describe('KvmHost readiness check', () => {
  const variable = (stack: TerraformStack, sensitive: boolean) => new TerraformVariable(stack, 'ssh_key', { type: 'string', sensitive });

  it('waits over SSH for cloud-init and Docker, and runs again when the guest or its cloud-init changes', () => {
    // GIVEN a host and a sensitive key variable
    const { stack, build } = setup();
    const host = build();
    // WHEN a readiness check is added
    const ready = host.addReadinessCheck({ privateKey: variable(stack, true) });
    const resources = synthResources(stack);
    const synthesized = resources.null_resource[ready.friendlyUniqueId];
    // THEN it connects as the admin user to the fixed address, with the key only by reference
    expect(synthesized.connection).toEqual({ type: 'ssh', host: '192.168.150.10', user: 'admin', private_key: '${var.ssh_key}', timeout: '15m' });
    expect(synthesized.provisioner).toEqual([
      { 'remote-exec': { inline: ['cloud-init status --wait >/dev/null || { cloud-init status --long; exit 1; }', 'docker info >/dev/null'] } },
    ]);
    // AND it runs again for a new guest, address, cloud-init content, base image or root disk size
    expect(synthesized.triggers).toEqual({ host: 'host', address: '192.168.150.10', instance_id: host.instanceId, base_image: IMAGE, disk_size_gib: '20' });
    expect(host.readinessCheck).toBe(ready);
  });

  it('refers to nothing of the domain, so create_before_destroy forced onto it never reaches the domain', () => {
    // GIVEN a readiness check (start-first containers depend on it, so OpenTofu makes it create_before_destroy)
    const { stack, build } = setup();
    const ready = build().addReadinessCheck({ privateKey: variable(stack, true) });
    const synthesized = synthResources(stack).null_resource[ready.friendlyUniqueId];
    // THEN its only reference is the key variable, and it has no depends_on
    expect(JSON.stringify(synthesized).match(/\$\{[^}]*\}/g)).toEqual(['${var.ssh_key}']);
    expect(synthesized).not.toHaveProperty('depends_on');
  });

  it('with a data disk, also checks that it is mounted, so no container writes under an empty mount point', () => {
    const { stack, build } = setup();
    const ready = build({ dataDisk: { sizeGiB: 10 } }).addReadinessCheck({ privateKey: variable(stack, true) });
    expect(synthResources(stack).null_resource[ready.friendlyUniqueId].provisioner).toEqual([
      {
        'remote-exec': {
          inline: [
            'cloud-init status --wait >/dev/null || { cloud-init status --long; exit 1; }',
            'mountpoint -q /srv/data || { echo "the data disk is not mounted at /srv/data: cloud-init mounts it when the guest boots its new configuration; reboot the guest, then apply again"; exit 1; }',
            'docker info >/dev/null',
          ],
        },
      },
    ]);
  });

  it('takes the timeout and the null provider', () => {
    const { stack, build } = setup();
    const provider = new NullProvider(stack, 'null', { alias: 'ops' });
    const ready = build().addReadinessCheck({ privateKey: variable(stack, true), timeoutMinutes: 30, provider });
    const synthesized = synthResources(stack).null_resource[ready.friendlyUniqueId];
    expect(synthesized.connection.timeout).toBe('30m');
    expect(synthesized.provider).toBe('null.ops');
  });

  it('fails when the key variable is not sensitive', () => {
    const { stack, build } = setup();
    expect(() => build().addReadinessCheck({ privateKey: variable(stack, false) })).toThrow(
      'KvmHost [test/host]: privateKey variable "ssh_key" must be declared with sensitive: true, or the key shows up in plans and logs; add sensitive: true to its TerraformVariable',
    );
  });

  it('fails when the key is a string, not a variable, without showing it', () => {
    // GIVEN a caller in JavaScript passing the key itself
    const { build } = setup();
    const key = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----';
    const host = build();
    const attempt = () => host.addReadinessCheck({ privateKey: key as never });
    expect(attempt).toThrow(
      "KvmHost [test/host]: privateKey must be a TerraformVariable declared with sensitive: true, but it is a string (value not shown): a key written in code ends up in cdk.tf.json and in every plan; declare new TerraformVariable(stack, 'ssh_private_key', { type: 'string', sensitive: true }), pass that as privateKey, and set TF_VAR_ssh_private_key when you apply",
    );
    expect(attempt).not.toThrow(/BEGIN|b3BlbnNz/);
  });

  it('fails when it is added twice', () => {
    const { stack, build } = setup();
    const host = build();
    const key = variable(stack, true);
    host.addReadinessCheck({ privateKey: key });
    expect(() => host.addReadinessCheck({ privateKey: key })).toThrow('KvmHost [test/host]: addReadinessCheck() was already called; use the resource it returned (readinessCheck)');
  });

  it('fails when the timeout is not a whole number of minutes', () => {
    const { stack, build } = setup();
    expect(() => build().addReadinessCheck({ privateKey: variable(stack, true), timeoutMinutes: 0.5 })).toThrow(
      'KvmHost [test/host]: timeoutMinutes 0.5 must be a whole number of minutes, at least 1',
    );
  });

  it('refuses at synth a check without a provider in a stack with no default null provider, naming the fix', () => {
    // GIVEN a host and its network on a default libvirt provider, but no null provider in the stack
    const { stack, build } = setup();
    new LibvirtProvider(stack, 'libvirt', { uri: 'qemu:///system' });
    build().addReadinessCheck({ privateKey: variable(stack, true) });
    // THEN the stack's validation names the host, the setting and the provider to add
    expect(() => Testing.fullSynth(stack)).toThrow(
      "KvmHost [test/host]: addReadinessCheck({ provider }) is not set and stack 'test' has no default null provider (one without an alias), so its resources would have no provider; add new NullProvider(stack, 'null') from '@cdktf/provider-null/lib/provider' to the stack",
    );
  });

  it('passes the provider check once the stack has a default null provider', () => {
    const { stack, build } = setup();
    new LibvirtProvider(stack, 'libvirt', { uri: 'qemu:///system' });
    new NullProvider(stack, 'null');
    build().addReadinessCheck({ privateKey: variable(stack, true) });
    expect(() => Testing.fullSynth(stack)).not.toThrow();
  });
});

describe('KvmHost without a libvirt provider', () => {
  it('refuses at synth a host and a network given no provider in a stack with no default libvirt provider', () => {
    // GIVEN a network and a host without a provider, and no libvirt provider in the stack
    const { stack, build } = setup();
    build();
    // THEN both are named, with the line that adds the provider
    expect(() => Testing.fullSynth(stack)).toThrow(
      "KvmNetwork [test/net]: provider is not set and stack 'test' has no default libvirt provider (one without an alias), so its resources would have no provider; add new LibvirtProvider(stack, 'libvirt', { uri: 'qemu:///system' }) from 'cdktf-kvm-microservices/providers/libvirt/provider' to the stack, or pass the provider to use as provider",
    );
    expect(() => Testing.fullSynth(stack)).toThrow("KvmHost [test/host]: provider is not set and stack 'test' has no default libvirt provider");
  });
});
