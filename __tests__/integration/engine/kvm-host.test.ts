import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, LocalBackend, TerraformStack } from 'cdktf';
import { KvmHost } from '../../../constructs/kvm-host';
import { KvmNetwork } from '../../../constructs/kvm-network';
import { LibvirtProvider } from '../../../providers/libvirt/provider';
import { requireToolchain, runTofu, Toolchain } from './toolchain';

// GIVEN a KvmHost on the local libvirtd (a blank disk image stands in for a cloud image: this test
// proves the resources, not the guest; booting a real guest belongs to the end-to-end suite)
// WHEN it is applied, planned again and destroyed with OpenTofu and the real libvirt provider
// THEN the pool, volumes, network, cloud-init disk and a running domain exist, and then nothing does.

const NAME = 'kvms-it-host';
const NETWORK = 'kvms-it-net';
const virsh = (...args: string[]) => execFileSync('virsh', ['-c', 'qemu:///system', ...args], { encoding: 'utf8' });
const virtType = execFileSync('bash', [path.join(__dirname, '..', '..', '..', 'scripts', 'libvirt.sh'), 'virt-type'], { encoding: 'utf8' }).trim() as 'kvm' | 'qemu';

describe('KvmHost on a real libvirtd', () => {
  let tc: Toolchain;
  let work: string;
  let stackDir: string;

  beforeAll(() => {
    tc = requireToolchain();
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'kvms-kvm-host-'));
    fs.chmodSync(work, 0o755); // qemu runs as libvirt-qemu and must reach the pool below it
    const image = path.join(work, 'base.qcow2');
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', image, '1G']);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'it', '-f', path.join(work, 'key')]);

    const app = new App({ outdir: path.join(work, 'out') });
    const stack = new TerraformStack(app, 'kvm');
    new LocalBackend(stack, { path: 'kvm.tfstate' });
    new LibvirtProvider(stack, 'libvirt', { uri: 'qemu:///system' });
    const network = new KvmNetwork(stack, 'net', { name: NETWORK, cidr: '192.168.151.0/24' });
    new KvmHost(stack, 'host', {
      name: NAME,
      network,
      baseImage: image,
      vcpus: 1,
      memoryMiB: 512,
      diskSizeGiB: 2,
      virtualization: virtType,
      autostart: false,
      storage: { poolPath: path.join(work, 'pool') },
      cloudInit: { sshAuthorizedKeys: [fs.readFileSync(path.join(work, 'key.pub'), 'utf8').trim()] },
    });
    app.synth();
    stackDir = path.join(work, 'out', 'stacks', 'kvm');
    runTofu(tc, stackDir, ['init', '-input=false']);
  });

  afterAll(() => {
    if (stackDir !== undefined) {
      try {
        runTofu(tc, stackDir, ['destroy', '-auto-approve', '-input=false']);
      } catch {
        // the test below already asserts a clean destroy; this only cleans up after a failure
      }
    }
    if (work !== undefined) fs.rmSync(work, { recursive: true, force: true });
  });

  test('validates, applies, is stable, and destroys without leftovers', () => {
    expect(runTofu(tc, stackDir, ['validate'])).toContain('The configuration is valid');

    runTofu(tc, stackDir, ['apply', '-auto-approve', '-input=false']);
    expect(virsh('domstate', NAME).trim()).toBe('running');
    expect(virsh('net-list', '--name')).toContain(NETWORK);
    expect(virsh('pool-list', '--name')).toContain(`${NAME}-pool`);
    const volumes = virsh('vol-list', `${NAME}-pool`);
    for (const v of [`${NAME}-base.qcow2`, `${NAME}-root.qcow2`, `${NAME}-cloud-init-iid-`]) expect(volumes).toContain(v);
    const xml = virsh('dumpxml', NAME);
    expect(xml).toContain(`type='${virtType}'`);
    expect(xml).toMatch(/<mac address='52:54:00:[0-9a-f:]{8}'\/>/);

    // No perpetual diff: a plan right after apply finds nothing to do (exit code 0, not 2).
    expect(runTofu(tc, stackDir, ['plan', '-detailed-exitcode', '-input=false'])).toContain('No changes');

    runTofu(tc, stackDir, ['destroy', '-auto-approve', '-input=false']);
    expect(virsh('list', '--all', '--name')).not.toContain(NAME);
    expect(virsh('net-list', '--all', '--name')).not.toContain(NETWORK);
    expect(virsh('pool-list', '--all', '--name')).not.toContain(`${NAME}-pool`);
  });
});
