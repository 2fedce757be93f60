import { execFile, execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { NullProvider } from '@cdktf/provider-null/lib/provider';
import { App, LocalBackend, TerraformStack, TerraformVariable } from 'cdktf';
import { DockerHost } from '../../../constructs/docker-host';
import { KvmHost } from '../../../constructs/kvm-host';
import { KvmNetwork } from '../../../constructs/kvm-network';
import { NginxGateway } from '../../../constructs/nginx-gateway';
import { ServiceNetwork } from '../../../constructs/service-network';
import { TunedServer } from '../../../constructs/tuned-server';
import { Application } from '../../../constructs/application';
import { RolloutLoad } from '../../../support/rollout-load';
import { requireDockerEngine } from './docker-engine';
import { LibvirtProvider } from '../../../providers/libvirt/provider';
import { SysctlProfile } from '../../../renderers/sysctl-profile';
import { repoRoot, requireToolchain, runTofu, Toolchain } from './toolchain';

// GIVEN an isolated libvirt network and a KvmHost booted from the locally built guest image
// (scripts/images/build-guest-image.sh) with a fresh SSH key, in one stack; a TunedServer pointed at
// the same VM over SSH (a stronger somaxconn) in a second; and a ServiceNetwork with one app container
// behind an NginxGateway on the VM's Docker, reached as `ssh://admin@<address>` (DockerHost.ssh), in a third
// WHEN OpenTofu applies the VM, the test waits for it over SSH, applies the TunedServer twice, imports
// the app and nginx images into the guest and applies the services, then destroys all three
// THEN the guest runs the tuned kernel (the article's sysctl values), cloud-init is done and Docker is
// active; the TunedServer changes the guest the first time and nothing after; the app answers through
// the gateway, from this machine on the VM's address, with the forwarding headers; every plan right
// after an apply is empty; and nothing of the test is left in the guest's Docker or in libvirt.
//
// The VM runs under KVM when /dev/kvm can boot a stock guest, else under qemu emulation
// (scripts/libvirt.sh virt-type), which takes minutes to boot: the waits below are long but bounded.
// The image: $KVMS_GUEST_IMAGE when set (an absolute path), else the cached build of
// build-guest-image.sh (built on first use).

const PREFIX = 'kvms-e2e-kvm';
const NAME = `${PREFIX}-vm`;
const NETWORK = `${PREFIX}-net`;
// A private range no other test uses (kvm-host.test.ts has 192.168.151.0/24, verify-guest-image.sh 213).
const CIDR = '192.168.152.0/24';
const ADDRESS = '192.168.152.10';
const ADMIN = 'admin';
const TUNED_SOMAXCONN = 8192;
const APP_IMAGE = 'kvms/app:1.0';
const GATEWAY_IMAGE = 'kvms/nginx:1.22';
// The span test's gateway: nginx 1.30 keeps idle keep-alive clients across a reload (1.22 closes them).
const SPAN_GATEWAY_IMAGE = 'kvms/nginx:1.30';
const GATEWAY_PORT = 18080;
const SPAN_PORT = 18090;
const HYPERVISOR_SIDE = '192.168.152.1'; // the network's first address: this machine, as the guest sees it
const SERVICES_NET = `${PREFIX}-services`;
const NO_CHANGES = 'Apply complete! Resources: 0 added, 0 changed, 0 destroyed.';
const SSH_WAIT_MS = 8 * 60_000;
const CLOUD_INIT_WAIT_MS = 10 * 60_000;
const DOCKER_WAIT_MS = 8 * 60_000;

const virsh = (...args: string[]) => execFileSync('virsh', ['-c', 'qemu:///system', ...args], { encoding: 'utf8', stdio: 'pipe' });
const virshQuiet = (...args: string[]) => spawnSync('virsh', ['-c', 'qemu:///system', ...args], { encoding: 'utf8', timeout: 120_000 });
const names = (...args: string[]) => virsh(...args).split('\n').map((l) => l.trim()).filter((l) => l !== '');
const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

function guestImage(): string {
  const fromEnv = process.env.KVMS_GUEST_IMAGE;
  if (fromEnv !== undefined && fromEnv !== '') {
    if (!path.isAbsolute(fromEnv) || !fs.existsSync(fromEnv)) throw new Error(`KVMS_GUEST_IMAGE ${JSON.stringify(fromEnv)} is not an existing absolute path`);
    return fromEnv;
  }
  const out = execFileSync('bash', [path.join(repoRoot, 'scripts', 'images', 'build-guest-image.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 3_600_000 });
  return out.trim().split('\n').pop()!;
}

/** A request to http://<host>:<port><path> (the guest's address on the run's own libvirt network). */
function httpSend(method: string, host: string, port: number, urlPath: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ method, host, port, path: urlPath, agent: false, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 10 s')));
    req.on('error', reject);
    req.end();
  });
}

const httpGet = (host: string, port: number, urlPath: string) => httpSend('GET', host, port, urlPath);

describe('KvmHost and TunedServer end to end on a booted guest', () => {
  let tc: Toolchain;
  let work: string;
  let keyFile: string;
  let vmDir: string;
  let tuneDir: string;
  let servicesDir: string;
  let dockerHostUrl: string;
  let webContainer: string;
  let gatewayContainer: string;
  let tuneEnv: NodeJS.ProcessEnv;
  let tunedResource: string;
  let profileFile: string;
  let virtType: 'kvm' | 'qemu';
  const timings: [string, number][] = [];

  const timed = <T>(phase: string, fn: () => T): T => {
    const started = Date.now();
    try {
      return fn();
    } finally {
      const seconds = (Date.now() - started) / 1000;
      timings.push([phase, seconds]);
      console.log(`e2e-kvm: ${phase}: ${seconds.toFixed(1)} s (${virtType})`);
    }
  };

  /** The options of every SSH call to the guest: the test's key, no known_hosts (the guest is new on every run). */
  const sshOptions = () => ['-i', keyFile, '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'BatchMode=yes', '-o', 'LogLevel=ERROR'];

  /** Runs a command on the guest as the admin user; returns its status and output (never throws). */
  const ssh = (command: string, timeoutMs = 120_000) => {
    const r = spawnSync('ssh', [...sshOptions(), '-o', 'ConnectTimeout=20', `${ADMIN}@${ADDRESS}`, command], { encoding: 'utf8', timeout: timeoutMs });
    return { status: r.status, stdout: (r.stdout ?? '').trim(), stderr: (r.stderr ?? '').trim() };
  };
  const guest = (command: string, timeoutMs?: number): string => {
    const r = ssh(command, timeoutMs);
    if (r.status !== 0) throw new Error(`ssh ${ADMIN}@${ADDRESS} '${command}' failed (exit ${r.status}): ${r.stderr}`);
    return r.stdout;
  };
  const sysctl = (key: string) => guest(`cat /proc/sys/${key.replace(/\./g, '/')}`).split(/\s+/).join(' ');
  const domainDiagnostics = (): string => {
    const state = virshQuiet('domstate', NAME, '--reason');
    const log = fs.existsSync(`/var/log/libvirt/qemu/${NAME}.log`) ? fs.readFileSync(`/var/log/libvirt/qemu/${NAME}.log`, 'utf8').split('\n').slice(-8).join('\n') : '';
    return `domain state: ${(state.stdout + state.stderr).trim()}\nqemu log tail:\n${log}`;
  };

  beforeAll(() => {
    tc = requireToolchain();
    virtType = execFileSync('bash', [path.join(repoRoot, 'scripts', 'libvirt.sh'), 'virt-type'], { encoding: 'utf8' }).trim() as 'kvm' | 'qemu';
    console.log(`e2e-kvm: the VM runs under ${virtType === 'kvm' ? 'KVM (/dev/kvm)' : 'qemu emulation (TCG), because /dev/kvm cannot boot a stock guest here'}`);
    const image = guestImage();
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'kvms-e2e-kvm-'));
    fs.chmodSync(work, 0o755); // qemu runs as libvirt-qemu and must reach the pool below it
    keyFile = path.join(work, 'id_ed25519');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'kvms-e2e-kvm', '-f', keyFile]);

    const app = new App({ outdir: path.join(work, 'out') });
    const vmStack = new TerraformStack(app, 'vm');
    new LocalBackend(vmStack, { path: 'vm.tfstate' });
    new LibvirtProvider(vmStack, 'libvirt', { uri: 'qemu:///system' });
    const network = new KvmNetwork(vmStack, 'net', { name: NETWORK, cidr: CIDR, isolated: true, autostart: false });
    const host = new KvmHost(vmStack, 'host', {
      name: NAME,
      network,
      baseImage: image,
      vcpus: 2,
      memoryMiB: 1024,
      diskSizeGiB: 8,
      virtualization: virtType,
      autostart: false,
      storage: { poolPath: path.join(work, 'pool') },
      cloudInit: { sshAuthorizedKeys: [fs.readFileSync(`${keyFile}.pub`, 'utf8').trim()], adminUser: ADMIN },
    });
    expect(host.address).toBe(ADDRESS);

    const tuneStack = new TerraformStack(app, 'tune');
    new LocalBackend(tuneStack, { path: 'tune.tfstate' });
    new NullProvider(tuneStack, 'null');
    const privateKey = new TerraformVariable(tuneStack, 'ssh_private_key', { type: 'string', sensitive: true });
    const profile = new SysctlProfile({ overrides: { 'net.core.somaxconn': TUNED_SOMAXCONN } });
    const tuned = new TunedServer(tuneStack, 'tuned', {
      host: host.address,
      user: host.adminUser,
      privateKey,
      profile,
      allowedVirtualization: [virtType],
    });
    tunedResource = `null_resource.${tuned.resource.friendlyUniqueId}`;
    profileFile = profile.filePath;

    const servicesStack = new TerraformStack(app, 'services');
    new LocalBackend(servicesStack, { path: 'services.tfstate' });
    const vmDocker = DockerHost.ssh(servicesStack, 'vm-docker', {
      user: host.adminUser,
      address: host.address,
      // The test's own key, and no known_hosts: the guest's host key is new on every run.
      sshOpts: ['-i', keyFile, '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'BatchMode=yes', '-o', 'LogLevel=ERROR'],
    });
    dockerHostUrl = host.dockerHostUrl;
    expect(vmDocker.host).toBe(dockerHostUrl);
    const services = new ServiceNetwork(servicesStack, 'services', { provider: vmDocker, networkName: SERVICES_NET });
    const web = services.addService('web', {
      image: APP_IMAGE,
      memoryMiB: 64,
      cpus: 0.5,
      environment: { SERVICE_NAME: 'vm-web' },
      healthcheck: { command: ['CMD', '/app', 'healthcheck'], intervalSeconds: 5 },
      waitForHealthy: true,
      waitTimeoutSeconds: 300, // emulated guests start containers slowly
    });
    webContainer = web.baseContainerName; // start-first: the running name ends in its fingerprint
    const gateway = new NginxGateway(servicesStack, 'gateway', {
      network: services,
      image: GATEWAY_IMAGE,
      hostAddress: ADDRESS, // the guest's address on the isolated network, so this machine reaches it
      hostPort: GATEWAY_PORT,
      memoryMiB: 64,
      cpus: 0.5,
      pools: [{ name: 'app_pool', servers: [{ host: web.alias, port: 8080 }] }],
      routes: [{ path: '/', pool: 'app_pool' }],
    });
    gateway.service.dependOn(web);
    gatewayContainer = gateway.service.baseContainerName;
    app.synth();

    vmDir = path.join(work, 'out', 'stacks', 'vm');
    tuneDir = path.join(work, 'out', 'stacks', 'tune');
    servicesDir = path.join(work, 'out', 'stacks', 'services');
    // The private key reaches OpenTofu only through the environment (TF_VAR_), never a file or the JSON.
    tuneEnv = { ...tc.env, TF_VAR_ssh_private_key: fs.readFileSync(keyFile, 'utf8') };
    runTofu(tc, vmDir, ['init', '-input=false']);
    runTofu(tc, tuneDir, ['init', '-input=false'], { env: tuneEnv });
    runTofu(tc, servicesDir, ['init', '-input=false']);
  });

  afterAll(() => {
    for (const [dir, env] of [
      [servicesDir, tc?.env],
      [tuneDir, tuneEnv],
      [vmDir, tc?.env],
    ] as const) {
      if (dir === undefined || !fs.existsSync(path.join(dir, '.terraform'))) continue;
      try {
        runTofu(tc, dir, ['destroy', '-auto-approve', '-input=false'], { env });
      } catch (e) {
        console.log(`e2e-kvm: cleanup destroy in ${path.basename(dir)} failed, removing leftovers with virsh: ${(e as Error).message.slice(0, 400)}`);
      }
    }
    // Whatever a failed run left behind, by this test's name prefix.
    const listed = (...args: string[]) => (virshQuiet(...args).stdout ?? '').split('\n').map((l) => l.trim()).filter((l) => l.startsWith(PREFIX));
    for (const d of listed('list', '--all', '--name')) {
      virshQuiet('destroy', d);
      if (virshQuiet('undefine', d, '--nvram').status !== 0) virshQuiet('undefine', d);
    }
    for (const n of listed('net-list', '--all', '--name')) {
      virshQuiet('net-destroy', n);
      virshQuiet('net-undefine', n);
    }
    for (const p of listed('pool-list', '--all', '--name')) {
      virshQuiet('pool-start', p);
      for (const line of (virshQuiet('vol-list', p).stdout ?? '').split('\n').slice(2)) {
        const vol = line.trim().split(/\s+/)[0];
        if (vol) virshQuiet('vol-delete', vol, '--pool', p);
      }
      virshQuiet('pool-destroy', p);
      virshQuiet('pool-undefine', p);
    }
    if (work !== undefined) fs.rmSync(work, { recursive: true, force: true });
    console.log(`e2e-kvm: engine ${virtType}; phases: ${timings.map(([p, s]) => `${p} ${s.toFixed(1)} s`).join(', ')}`);
  });

  test('applies the VM stack, stable on a second plan and apply', () => {
    const out = timed('apply vm stack', () => runTofu(tc, vmDir, ['apply', '-auto-approve', '-input=false']));
    expect(out).toMatch(/Apply complete! Resources: \d+ added, 0 changed, 0 destroyed\./);
    expect(virsh('domstate', NAME).trim()).toBe('running');
    expect(virsh('dumpxml', NAME)).toContain(`type='${virtType}'`);
    expect(names('net-list', '--name')).toContain(NETWORK);
    // Isolated: libvirt creates no forward element, so nothing is routed or NATed off the network.
    expect(virsh('net-dumpxml', NETWORK)).not.toContain('<forward');

    timed('plan and apply vm stack again', () => {
      expect(runTofu(tc, vmDir, ['plan', '-detailed-exitcode', '-input=false'])).toContain('No changes');
      expect(runTofu(tc, vmDir, ['apply', '-auto-approve', '-input=false'])).toContain(NO_CHANGES);
    });
  }, 20 * 60_000);

  test('boots to SSH, runs the tuned kernel and Docker, and cloud-init is done', () => {
    timed('boot to SSH', () => {
      const deadline = Date.now() + SSH_WAIT_MS;
      let last = '';
      for (;;) {
        const r = ssh('true', 40_000);
        if (r.status === 0) break;
        last = r.stderr;
        if (virshQuiet('domstate', NAME).stdout.trim() !== 'running') throw new Error(`the guest stopped before SSH answered\n${domainDiagnostics()}`);
        if (Date.now() > deadline) throw new Error(`no SSH on ${ADDRESS} after ${SSH_WAIT_MS / 1000} s (last: ${last})\n${domainDiagnostics()}`);
        sleep(3_000);
      }
    });

    const status = timed('cloud-init done', () => ssh('cloud-init status --wait', CLOUD_INIT_WAIT_MS));
    if (!/status: done/.test(status.stdout)) {
      const detail = ssh('sudo cloud-init status --long; sudo tail -n 30 /var/log/cloud-init-output.log');
      throw new Error(`cloud-init did not finish cleanly: ${status.stdout} ${status.stderr}\n${detail.stdout}`);
    }
    expect(guest('cloud-init status')).toContain('status: done');

    // The guest knows what it runs on, and the preflight accepted it.
    expect(guest('systemd-detect-virt --vm')).toBe(virtType);
    expect(guest('sudo /usr/local/sbin/docker-host-preflight')).toContain(`machine type ${virtType}`);

    // The article's values, from the cloud-init sysctl file.
    expect(sysctl('net.core.somaxconn')).toBe('4096');
    expect(sysctl('net.ipv4.ip_local_port_range')).toBe('1024 65000');
    expect(sysctl('fs.file-max')).toBe('2097152');
    expect(sysctl('net.ipv4.tcp_tw_reuse')).toBe('1');

    timed('Docker active', () => {
      const deadline = Date.now() + DOCKER_WAIT_MS;
      let state = '';
      while ((state = ssh('systemctl is-active docker').stdout) !== 'active') {
        if (Date.now() > deadline) throw new Error(`docker is ${JSON.stringify(state)} after ${DOCKER_WAIT_MS / 1000} s`);
        sleep(5_000);
      }
    });
    // The admin reaches Docker without sudo (a new login picks up the docker group): what ssh:// needs.
    expect(guest("docker version --format '{{.Server.Version}}'", 300_000)).toMatch(/^\d+\.\d+/);
  }, 30 * 60_000);

  test('applies the TunedServer over SSH: changes the guest once, then nothing', () => {
    const first = timed('apply TunedServer', () => runTofu(tc, tuneDir, ['apply', '-auto-approve', '-input=false'], { env: tuneEnv }));
    expect(first).toContain('Apply complete! Resources: 1 added, 0 changed, 0 destroyed.');
    expect(first).toContain('preflight ok');
    expect(first).toContain(`wrote ${profileFile}`);
    expect(sysctl('net.core.somaxconn')).toBe(String(TUNED_SOMAXCONN));
    expect(sysctl('net.ipv4.ip_local_port_range')).toBe('1024 65000');

    timed('plan and apply TunedServer again', () => {
      expect(runTofu(tc, tuneDir, ['plan', '-detailed-exitcode', '-input=false'], { env: tuneEnv })).toContain('No changes');
      expect(runTofu(tc, tuneDir, ['apply', '-auto-approve', '-input=false'], { env: tuneEnv })).toContain(NO_CHANGES);
    });

    // The script itself is idempotent: run again on the tuned guest, it writes nothing.
    const rerun = timed('re-run TunedServer script', () =>
      runTofu(tc, tuneDir, ['apply', '-auto-approve', '-input=false', `-replace=${tunedResource}`], { env: tuneEnv }),
    );
    expect(rerun).toContain('preflight ok');
    expect(rerun).not.toMatch(/wrote \//);
    expect(runTofu(tc, tuneDir, ['plan', '-detailed-exitcode', '-input=false'], { env: tuneEnv })).toContain('No changes');
    expect(sysctl('net.core.somaxconn')).toBe(String(TUNED_SOMAXCONN));
    expect(ssh('systemctl is-active docker').stdout).toBe('active');
  }, 20 * 60_000);

  test('deploys a service network and its gateway onto the guest\'s Docker over ssh://, reached from the host', async () => {
    // No registry: build kvms/app:1.0 and kvms/nginx:1.22 here and import them straight into the guest's engine over SSH
    // (build-images.sh with DOCKER_HOST=ssh://...; an `ssh` wrapper first on PATH adds the test's key).
    timed('build and import app and nginx images into the guest', () => {
      const bin = path.join(work, 'bin');
      fs.mkdirSync(bin);
      const realSsh = execFileSync('sh', ['-c', 'command -v ssh'], { encoding: 'utf8' }).trim();
      fs.writeFileSync(
        path.join(bin, 'ssh'),
        `#!/bin/sh\nexec '${realSsh}' ${sshOptions().map((o) => `'${o}'`).join(' ')} "$@"\n`,
        { mode: 0o755 },
      );
      execFileSync('bash', [path.join(repoRoot, 'scripts', 'images', 'build-images.sh'), 'app', 'nginx'], {
        // The images' cache is the engine itself (content tags); the .debs go to this run's temp dir.
        env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, DOCKER_HOST: dockerHostUrl, KVMS_CACHE: path.join(work, 'images-cache') },
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 15 * 60_000,
      });
    });
    expect(guest(`docker image inspect --format '{{.Config.User}}' ${APP_IMAGE}`)).toBe('65534:65534');
    expect(guest(`docker image inspect --format '{{.Id}}' ${GATEWAY_IMAGE}`)).toMatch(/^sha256:/);

    // The guest kernel enables AppArmor, so dockerd loads its docker-default profile for every container;
    // without apparmor_parser in the image every container start fails.
    if (guest('cat /sys/module/apparmor/parameters/enabled 2>/dev/null || echo N') === 'Y') {
      expect(ssh('PATH=/usr/sbin:/sbin:$PATH command -v apparmor_parser').stdout).toMatch(/\/apparmor_parser$/);
    }

    const out = timed('apply services stack', () => runTofu(tc, servicesDir, ['apply', '-auto-approve', '-input=false']));
    // the network, the web service, the gateway with its configuration volume and activation job
    expect(out).toContain('Apply complete! Resources: 5 added, 0 changed, 0 destroyed.');
    // The running names: exactly one container of each on the guest, found by the name without its fingerprint.
    const running = (base: string) => guest("docker ps --format '{{.Names}}'").split('\n').filter((n) => new RegExp(`^${base}(-[0-9a-f]+)?$`).test(n));
    expect(running(webContainer)).toHaveLength(1);
    expect(running(gatewayContainer)).toHaveLength(1);
    webContainer = running(webContainer)[0];
    gatewayContainer = running(gatewayContainer)[0];
    expect(guest(`docker inspect --format '{{.State.Health.Status}}' ${webContainer}`)).toBe('healthy');
    expect(guest(`docker inspect --format '{{.State.Status}}' ${gatewayContainer}`)).toBe('running');

    const started = Date.now();
    let answer: { status: number; body: string } | undefined;
    for (let i = 0; answer === undefined; i++) {
      try {
        answer = await httpGet(ADDRESS, GATEWAY_PORT, '/hello?from=host');
      } catch (e) {
        if (i >= 24) throw e;
        sleep(5_000);
      }
    }
    console.log(`e2e-kvm: first answer through the guest's gateway: ${((Date.now() - started) / 1000).toFixed(1)} s (${virtType})`);
    expect(answer.status).toBe(200);
    const echo = JSON.parse(answer.body) as { service: string; path: string; query: string; headers: Record<string, string> };
    expect(echo).toMatchObject({ service: 'vm-web', path: '/hello', query: 'from=host' });
    // The app saw the request through nginx, which names this machine as the client.
    expect(echo.headers['x-real-ip']).toBe(HYPERVISOR_SIDE);
    expect(echo.headers['x-forwarded-for']).toBe(HYPERVISOR_SIDE);
    expect(echo.headers['x-forwarded-proto']).toBe('http');
    // The profile's per-namespace values reach the gateway's own network namespace (read from inside it).
    const pid = guest(`docker inspect --format '{{.State.Pid}}' ${gatewayContainer}`);
    expect(guest(`sudo nsenter -t ${pid} -n cat /proc/sys/net/core/somaxconn`)).toBe('4096');
    expect(guest(`sudo nsenter -t ${pid} -n cat /proc/sys/net/ipv4/tcp_tw_reuse`)).toBe('1');

    timed('plan and apply services stack again', () => {
      expect(runTofu(tc, servicesDir, ['plan', '-detailed-exitcode', '-input=false'])).toContain('No changes');
      expect(runTofu(tc, servicesDir, ['apply', '-auto-approve', '-input=false'])).toContain(NO_CHANGES);
    });

    timed('destroy services stack', () => runTofu(tc, servicesDir, ['destroy', '-auto-approve', '-input=false']));
    const left = guest("docker ps -a --format '{{.Names}}'").split('\n');
    expect(left).not.toContain(webContainer);
    expect(left).not.toContain(gatewayContainer);
    expect(guest("docker network ls --format '{{.Name}}'").split('\n')).not.toContain(SERVICES_NET);
  }, 30 * 60_000);

  test('an Application spans the guest and this machine: every route answers, an image change of the spread pool fails no request, destroy is clean', async () => {
    // GIVEN the guest as an existing server (tuned again over SSH, Docker over ssh://) and this machine's
    // engine, reached by the guest at the isolated network's host side; a pool of two web replicas, one
    // on each; the database here; the gateway on the guest (nginx 1.30, names resolved at each reload,
    // idle clients kept across it), in front of its own replica and this machine's relay (nginx 1.22)
    const dataDir = path.join(work, 'span-data');
    fs.mkdirSync(dataDir);
    fs.chownSync(dataDir, 999, 999);
    const app = new App({ outdir: path.join(work, 'out-span') });
    const stack = new TerraformStack(app, 'span');
    new LocalBackend(stack, { path: 'span.tfstate' });
    const config = (appImage: string) => ({
      name: 'span',
      hosts: [
        { name: 'local', kind: 'local' as const, address: HYPERVISOR_SIDE },
        { name: 'guest', kind: 'server' as const, address: ADDRESS, user: ADMIN, allowedVirtualization: [virtType] },
      ],
      services: {
        web: {
          image: appImage, replicas: 2, port: 8080, routes: ['/'], uses: ['db'], memoryMiB: 64, cpus: 0.5,
          environment: { SERVICE_NAME: 'span-web', PORT: '8080' },
          healthcheck: { command: ['CMD', '/app', 'healthcheck'], intervalSeconds: 3, retries: 10 },
          startTimeoutSeconds: 300, // emulated guests start containers slowly
        },
      },
      databases: { db: { image: 'kvms/mariadb:10.11', host: 'local', dataPath: dataDir, memoryMiB: 512, database: 'span', user: 'span' } },
      gateway: { host: 'guest', image: SPAN_GATEWAY_IMAGE, port: SPAN_PORT, address: ADDRESS, memoryMiB: 64 },
      crossHost: { relayImage: GATEWAY_IMAGE, relayModules: ['/usr/lib/nginx/modules/ngx_stream_module.so'] },
      // The test's own key, and no known_hosts: the guest's host key is new on every run.
      sshOptions: ['-i', keyFile, '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR'],
    });
    const docker = requireDockerEngine([APP_IMAGE, GATEWAY_IMAGE, SPAN_GATEWAY_IMAGE, 'kvms/mariadb:10.11']);
    // No registry: the guest's gateway image goes from this machine's engine straight into the guest's.
    timed('import nginx 1.30 into the guest', () =>
      execFileSync('sh', ['-c', 'docker save "$0" | ssh "$@" docker load', SPAN_GATEWAY_IMAGE, ...sshOptions(), `${ADMIN}@${ADDRESS}`], {
        env: { ...process.env, DOCKER_HOST: docker.host },
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 15 * 60_000,
      }),
    );
    // Leftovers of an interrupted run carry this stack's names here (the guest is new on every run).
    const leftovers = () => {
      for (const c of docker.run('ps', '-a', '--format', '{{.Names}}', '--filter', 'name=^span-services').split('\n').filter((n) => n !== '')) docker.run('rm', '--force', c);
      for (const n of docker.run('network', 'ls', '--format', '{{.Name}}', '--filter', 'name=^span-services$').split('\n').filter((n) => n !== '')) docker.run('network', 'rm', n);
      for (const v of docker.run('volume', 'ls', '--format', '{{.Name}}', '--filter', 'name=^span-services').split('\n').filter((n) => n !== '')) docker.run('volume', 'rm', v);
    };
    leftovers();
    const application = new Application(stack, 'app', config(APP_IMAGE));
    expect(Object.fromEntries(application.placement.hostsByService)).toEqual({ web: ['local', 'guest'] });
    app.synth();
    const dir = path.join(work, 'out-span', 'stacks', 'span');
    const env = { ...tc.env, DOCKER_HOST: docker.host, TF_VAR_ssh_private_key: fs.readFileSync(keyFile, 'utf8'), TF_VAR_db_root_password: 'span-root-pw', TF_VAR_db_app_password: 'span-app-pw' };
    const tofu = (...args: string[]) => runTofu(tc, dir, [...args, '-input=false'], { env });
    tofu('init');
    let destroyed = false;
    try {

    // WHEN it is applied
    timed('apply span stack', () => tofu('apply', '-auto-approve'));

    // THEN the gateway on the guest serves the pool (both replicas, each with the database), and nothing is left to plan
    // (a row first, so both replicas' reads of the database answer 200)
    const written = await httpSend('POST', ADDRESS, SPAN_PORT, '/db?value=span');
    expect(written.status).toBe(201);
    const answers = [];
    for (let i = 0; i < 20; i++) answers.push(await httpGet(ADDRESS, SPAN_PORT, i % 2 === 0 ? '/db' : '/hello'));
    expect(answers.map((a) => a.status)).toEqual(Array.from({ length: 20 }, () => 200));
    expect(JSON.parse(answers[0].body)).toMatchObject({ service: 'span-web', row: { value: 'span' } });
    expect(docker.run('ps', '--format', '{{.Names}}', '--filter', 'name=^span-services-').split('\n').sort()).toEqual(
      expect.arrayContaining(['span-services-db', 'span-services-relay-local']),
    );
    expect(guest("docker ps --format '{{.Names}}' --filter name=^span-services-")).toMatch(/span-services-gateway/);
    expect(runTofu(tc, dir, ['plan', '-detailed-exitcode', '-input=false'], { env })).toContain('No changes');

    // WHEN the pool's image changes, under load through the guest's gateway
    const next = 'kvms/app:span-2';
    docker.run('tag', APP_IMAGE, next);
    guest(`docker tag ${APP_IMAGE} ${next}`);
    const changed = new App({ outdir: path.join(work, 'out-span') });
    const changedStack = new TerraformStack(changed, 'span');
    new LocalBackend(changedStack, { path: 'span.tfstate' });
    new Application(changedStack, 'app', config(next));
    changed.synth();
    const load = new RolloutLoad({ host: ADDRESS, port: SPAN_PORT, requests: [{ method: 'GET', path: '/' }, { method: 'GET', path: '/db' }, { method: 'POST', path: '/orders' }], loops: 4, pauseMs: 50 });
    load.start();
    await new Promise((r) => setTimeout(r, 2000));
    const applied = await new Promise<string>((resolve, reject) => {
      execFile(tc.tofu, ['apply', '-auto-approve', '-input=false', '-no-color'], { cwd: dir, env, maxBuffer: 64 * 1024 * 1024, timeout: 1_800_000 }, (e, out, err) => (e ? reject(new Error(`${out}${err}`)) : resolve(out)));
    });
    await new Promise((r) => setTimeout(r, 2000));
    const seen = await load.stop();

    // THEN both replicas were replaced start-first, no request failed, and nothing is left to plan
    console.log(`e2e-kvm: span image change: ${seen.requests} requests, ${seen.failed} failed ${JSON.stringify(seen.failures)}, longest outage ${seen.longestOutageSeconds} s`);
    for (const replica of ['web-1', 'web-2']) {
      // start-first: the new container is up before the old one goes (the old one's line names no deposed
      // object, as its fingerprinted name makes it a resource of its own)
      const created = new RegExp(`docker_container\\.app_services_${replica}_container_\\w+: Creation complete`).exec(applied);
      const destroyed = new RegExp(`docker_container\\.app_services_${replica}_container_\\w+(?: \\(deposed object \\w+\\))?: Destruction complete`).exec(applied);
      expect([created !== null, destroyed !== null]).toEqual([true, true]);
      expect(created!.index).toBeLessThan(destroyed!.index);
    }
    expect(seen.requests).toBeGreaterThan(100);
    expect(seen.failures).toEqual({});
    expect(runTofu(tc, dir, ['plan', '-detailed-exitcode', '-input=false'], { env })).toContain('No changes');

    // WHEN it is destroyed THEN nothing of it is left here or on the guest
    timed('destroy span stack', () => tofu('destroy', '-auto-approve'));
    destroyed = true;
    expect(docker.run('ps', '-a', '--format', '{{.Names}}', '--filter', 'name=^span-services-').trim()).toBe('');
    expect(guest("docker ps -a --format '{{.Names}}' --filter name=^span-services-")).toBe('');
    } finally {
      if (!destroyed) {
        try {
          tofu('destroy', '-auto-approve');
        } catch {
          leftovers(); // the assertions above report what went wrong; this only cleans up
        }
      }
      spawnSync('docker', ['image', 'rm', 'kvms/app:span-2'], { env: { ...process.env, DOCKER_HOST: docker.host } });
    }
  }, 45 * 60_000);

  test('destroys the stacks and leaves nothing in libvirt', () => {
    timed('destroy', () => {
      runTofu(tc, servicesDir, ['destroy', '-auto-approve', '-input=false']); // already empty unless the services test failed
      runTofu(tc, tuneDir, ['destroy', '-auto-approve', '-input=false'], { env: tuneEnv });
      runTofu(tc, vmDir, ['destroy', '-auto-approve', '-input=false']);
    });
    const ours = (list: string[]) => list.filter((n) => n.startsWith(PREFIX));
    expect(ours(names('list', '--all', '--name'))).toEqual([]);
    expect(ours(names('net-list', '--all', '--name'))).toEqual([]);
    expect(ours(names('pool-list', '--all', '--name'))).toEqual([]);
    for (const pool of names('pool-list', '--name')) {
      expect(ours(names('vol-list', pool).slice(2).map((l) => l.split(/\s+/)[0]))).toEqual([]);
    }
    const poolDir = path.join(work, 'pool');
    expect(fs.existsSync(poolDir) ? fs.readdirSync(poolDir) : []).toEqual([]);
  }, 10 * 60_000);
});
