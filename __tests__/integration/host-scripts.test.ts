import { ChildProcess, execFileSync, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { PREFLIGHT_PATH, preflightScript, tuningScript } from '../../renderers/cloud-init';
import { renderDatabaseLoginCheck } from '../../renderers/database-login-check';
import { renderNginxActivationScript } from '../../renderers/nginx-activation';
import { shellQuote } from '../../renderers/shell';
import { SysctlProfile } from '../../renderers/sysctl-profile';
import { nginxTempDir } from '../../support/local-processes';
import { DockerEngine, requireDockerEngine } from './engine/docker-engine';

// The scripts both routes run, executed by a real POSIX shell. The machine facts they check (uname,
// systemd-detect-virt) and the commands that would change this machine (sysctl, systemctl, usermod,
// apt-get) are replaced by logging stand-ins on PATH; the tuning tests run as root in a private
// mount namespace with tmpfs over the directories they write (and, to play a kernel without some
// parameters, over part of /proc/sys), so the host is never touched.

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'host-scripts-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function stub(name: string, body: string): void {
  fs.mkdirSync(path.join(dir, 'bin'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'bin', name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
}

// Fakes the kernel release and what systemd-detect-virt reports.
function fakeMachine(kernel: string, container: string, vm: string): void {
  stub('uname', `echo ${shellQuote(kernel)}`);
  stub(
    'systemd-detect-virt',
    [
      'case "$1" in',
      `  --container) echo ${shellQuote(container)}; [ ${shellQuote(container)} != none ] ;;`,
      `  --vm) echo ${shellQuote(vm)}; [ ${shellQuote(vm)} != none ] ;;`,
      '  *) exit 2 ;;',
      'esac',
    ].join('\n'),
  );
}

function runPreflight(options: Parameters<typeof preflightScript>[0] = {}) {
  const file = path.join(dir, 'preflight');
  fs.writeFileSync(file, preflightScript(options), { mode: 0o755 });
  return spawnSync('sh', [file], { encoding: 'utf8', timeout: 10_000, env: { ...process.env, PATH: `${path.join(dir, 'bin')}:${process.env.PATH}` } });
}

describe('shellQuote in a real shell', () => {
  it('passes each value through as exactly one argument', () => {
    const values = ["it's", '$HOME `id` $(id)', 'a\nb\tc', '; rm -rf / #', '\\', '-n', '"', '*', '', '${x%%.*}'];
    for (const value of values) {
      expect(execFileSync('sh', ['-c', `printf '%s' ${shellQuote(value)}`], { encoding: 'utf8' })).toBe(value);
    }
  });
});

describe('preflight script', () => {
  it('passes on a KVM guest with a modern kernel', () => {
    fakeMachine('6.1.0-18-amd64', 'none', 'kvm');
    const result = runPreflight();
    expect(result.stdout).toBe('preflight ok: kernel 6.1.0-18-amd64, machine type kvm\n');
    expect(result.status).toBe(0);
  });

  it('passes on exactly 3.10', () => {
    fakeMachine('3.10.0-1160.el7.x86_64', 'none', 'kvm');
    expect(runPreflight().status).toBe(0);
  });

  it('fails on a kernel older than 3.10', () => {
    fakeMachine('3.9.11', 'none', 'kvm');
    const result = runPreflight();
    expect(result.stderr).toBe(
      'preflight failed: kernel 3.9.11 is older than 3.10, the oldest kernel Docker supports (it needs its namespaces, cgroups and overlay storage); boot a 3.10 or newer kernel\n',
    );
    expect(result.status).toBe(1);
  });

  it("fails on OpenVZ's 2.6.32 kernel before looking further", () => {
    fakeMachine('2.6.32-042stab145.3', 'openvz', 'none');
    const result = runPreflight();
    expect(result.stderr).toContain('preflight failed: kernel 2.6.32-042stab145.3 is older than 3.10');
    expect(result.status).toBe(1);
  });

  it('fails on OpenVZ and says why Docker cannot run there', () => {
    fakeMachine('4.18.0-348.vz7', 'openvz', 'none');
    const result = runPreflight();
    expect(result.stderr).toBe(
      'preflight failed: this is an OpenVZ container: it shares one old kernel with every other customer on the node, so it cannot load modules, upgrade the kernel or create the namespaces and cgroups Docker needs, and Docker cannot run here; move to a KVM virtual machine\n',
    );
    expect(result.status).toBe(1);
  });

  it('fails inside another container', () => {
    fakeMachine('6.1.0', 'lxc', 'kvm');
    const result = runPreflight();
    expect(result.stderr).toBe(
      "preflight failed: this is a lxc container, not a virtual machine: it shares its host's kernel, so it cannot be tuned or run Docker reliably; run this on a KVM virtual machine\n",
    );
    expect(result.status).toBe(1);
  });

  it('fails on a machine type that is not allowed, and passes once it is', () => {
    fakeMachine('6.1.0', 'none', 'none');
    const refused = runPreflight();
    expect(refused.stderr).toBe(
      "preflight failed: machine type is 'none', expected kvm: Docker and kernel tuning need a machine with its own kernel; run this on a KVM virtual machine, or add 'none' to allowedVirtualization\n",
    );
    expect(refused.status).toBe(1);
    expect(runPreflight({ allowedVirtualization: ['kvm', 'none'] }).status).toBe(0);
  });

  it("passes when every key of the article's profile is under /proc/sys", () => {
    fakeMachine('6.1.0-18-amd64', 'none', 'kvm');
    const result = runPreflight({ sysctlKeys: new SysctlProfile().keys() });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('fails naming every sysctl key this kernel does not have, which sysctl --system would skip with exit 0', () => {
    // GIVEN a profile key and two keys no kernel has (the second one below a real directory)
    fakeMachine('6.1.0-18-amd64', 'none', 'kvm');
    const result = runPreflight({ sysctlKeys: ['net.core.somaxconn', 'kernel.kvms_no_such_key', 'net.ipv4.conf.kvms0.forwarding'] });
    expect(result.stderr).toBe(
      'preflight failed: kernel 6.1.0-18-amd64 has no sysctl kernel.kvms_no_such_key net.ipv4.conf.kvms0.forwarding (nothing under /proc/sys): sysctl --system would skip it without an error and the tuning would not happen; remove it from the sysctl profile, or load the kernel module that provides it at boot (/etc/modules-load.d)\n',
    );
    expect(result.status).toBe(1);
    // AND `sysctl --system` alone skips such a key with exit 0: every directory it reads is hidden by a
    // tmpfs in a private mount namespace, so only this one file is applied
    const sandbox = [
      'set -e',
      'for d in /etc/sysctl.d /run/sysctl.d /usr/local/lib/sysctl.d /usr/lib/sysctl.d /lib/sysctl.d; do if [ -d "$d" ]; then mount -t tmpfs tmpfs "$d"; fi; done',
      'if [ -e /etc/sysctl.conf ]; then mount --bind /dev/null /etc/sysctl.conf; fi',
      "printf 'kernel.kvms_no_such_key = 1\\n' > /etc/sysctl.d/90-microservices.conf",
      'sysctl --system',
    ].join('\n');
    const sysctl = spawnSync('unshare', ['--mount', 'sh', '-c', sandbox], { encoding: 'utf8', timeout: 30_000 });
    expect({ status: sysctl.status, stdout: sysctl.stdout }).toEqual({ status: 0, stdout: '* Applying /etc/sysctl.d/90-microservices.conf ...\n' });
  });

  it('fails when the kernel version cannot be read', () => {
    fakeMachine('weird', 'none', 'kvm');
    const result = runPreflight();
    expect(result.stderr).toBe("preflight failed: cannot read the kernel version from uname -r: 'weird'\n");
    expect(result.status).toBe(1);
  });
});

describe('tuning script', () => {
  it('tunes once and changes nothing when run again', () => {
    // GIVEN a KVM machine without Docker, whose apt-get "installs" dockerd, and logging stand-ins
    fakeMachine('6.1.0-18-amd64', 'none', 'kvm');
    const log = path.join(dir, 'calls.log');
    for (const name of ['sysctl', 'systemctl', 'usermod']) stub(name, `echo "${name} $*" >> ${shellQuote(log)}`);
    stub('apt-get', `echo "apt-get $*" >> ${shellQuote(log)}\nprintf '#!/bin/sh\\n' > ${shellQuote(path.join(dir, 'bin', 'dockerd'))}\nchmod 755 ${shellQuote(path.join(dir, 'bin', 'dockerd'))}`);
    const profile = new SysctlProfile();
    const script = path.join(dir, 'tune.sh');
    fs.writeFileSync(script, tuningScript({ profile, dockerUser: 'deploy', installDockerIfMissing: true }), { mode: 0o755 });
    // Directories the script writes get tmpfs in a private mount namespace; /usr/sbin (the real
    // dockerd) is left off PATH so the install branch runs.
    const sandbox = [
      'set -e',
      'mount -t tmpfs tmpfs /etc/sysctl.d',
      'mount -t tmpfs tmpfs /usr/local/sbin',
      `export PATH=${shellQuote(path.join(dir, 'bin'))}:/usr/bin:/bin`,
      `echo "--- first run" >> ${shellQuote(log)}`,
      `sh ${shellQuote(script)}`,
      `echo "--- second run" >> ${shellQuote(log)}`,
      `sh ${shellQuote(script)}`,
      `cat ${shellQuote(profile.filePath)} > ${shellQuote(path.join(dir, 'sysctl.conf'))}`,
      `cat ${PREFLIGHT_PATH} > ${shellQuote(path.join(dir, 'preflight.sh'))}`,
      `stat -c %a ${PREFLIGHT_PATH} ${shellQuote(profile.filePath)}`,
    ].join('\n');
    // WHEN it runs twice
    const out = execFileSync('unshare', ['--mount', 'sh', '-c', sandbox], { encoding: 'utf8', timeout: 30_000 });
    // THEN the first run writes both files and installs Docker; the second writes and installs nothing
    expect(out).toBe(
      [
        'wrote /usr/local/sbin/docker-host-preflight',
        'preflight ok: kernel 6.1.0-18-amd64, machine type kvm',
        'wrote /etc/sysctl.d/90-microservices.conf',
        'preflight ok: kernel 6.1.0-18-amd64, machine type kvm',
        '755',
        '644',
        '',
      ].join('\n'),
    );
    expect(fs.readFileSync(log, 'utf8')).toBe(
      [
        '--- first run',
        'sysctl --system',
        'apt-get update -q',
        'apt-get install -y -q docker.io',
        'systemctl enable --now docker',
        'usermod -aG docker deploy',
        '--- second run',
        'sysctl --system',
        'systemctl enable --now docker',
        'usermod -aG docker deploy',
        '',
      ].join('\n'),
    );
    // AND the files hold exactly what cloud-init would write
    expect(fs.readFileSync(path.join(dir, 'sysctl.conf'), 'utf8')).toBe(profile.render());
    expect(fs.readFileSync(path.join(dir, 'preflight.sh'), 'utf8')).toBe(preflightScript({ sysctlKeys: profile.keys() }));
    // AND this machine's own directories were never touched
    expect(fs.existsSync(PREFLIGHT_PATH)).toBe(false);
    expect(fs.existsSync(profile.filePath)).toBe(false);
  });

  /**
   * Runs the tuning script with logging stand-ins for every command that would change the machine, in a
   * private mount namespace (tmpfs over the directories it writes, and over `hide`); returns what it
   * printed and whether any stand-in was called.
   */
  function runTuning(hide: string[] = []) {
    const log = path.join(dir, 'calls.log');
    for (const name of ['sysctl', 'systemctl', 'usermod', 'apt-get']) stub(name, `echo "${name} $*" >> ${shellQuote(log)}`);
    const script = path.join(dir, 'tune.sh');
    fs.writeFileSync(script, tuningScript({ profile: new SysctlProfile(), installDockerIfMissing: true }));
    const sandbox = [
      ...['/etc/sysctl.d', '/usr/local/sbin', ...hide].map((d) => `mount -t tmpfs tmpfs ${d}`),
      `export PATH=${shellQuote(path.join(dir, 'bin'))}:/usr/bin:/bin`,
      `sh ${shellQuote(script)}; echo "exit $?"`,
      `ls /etc/sysctl.d`,
    ].join('\n');
    const result = spawnSync('unshare', ['--mount', 'sh', '-c', sandbox], { encoding: 'utf8', timeout: 30_000 });
    return { stdout: result.stdout, stderr: result.stderr, commandsRun: fs.existsSync(log) };
  }

  it('stops before the sysctl file, sysctl and Docker on a kernel without a key of the profile', () => {
    // GIVEN a KVM machine whose kernel has no net.ipv4 parameters: a tmpfs hides them
    fakeMachine('6.1.0-18-amd64', 'none', 'kvm');
    // WHEN the tuning script runs there THEN the preflight names both missing keys and nothing else happens
    expect(runTuning(['/proc/sys/net/ipv4'])).toEqual({
      stdout: 'wrote /usr/local/sbin/docker-host-preflight\nexit 1\n',
      stderr:
        'preflight failed: kernel 6.1.0-18-amd64 has no sysctl net.ipv4.ip_local_port_range net.ipv4.tcp_tw_reuse (nothing under /proc/sys): sysctl --system would skip it without an error and the tuning would not happen; remove it from the sysctl profile, or load the kernel module that provides it at boot (/etc/modules-load.d)\n',
      commandsRun: false,
    });
  });

  it('stops before the sysctl file, sysctl and Docker when the preflight fails', () => {
    fakeMachine('4.18.0-348.vz7', 'openvz', 'none');
    const result = runTuning();
    expect(result.stdout).toBe('wrote /usr/local/sbin/docker-host-preflight\nexit 1\n');
    expect(result.stderr).toContain('preflight failed: this is an OpenVZ container');
    expect(result.commandsRun).toBe(false);
  });
});

// ---- the gateway's configuration activation, against a live nginx ----

// nginx runs as process 1 of a private pid namespace, as in the gateway container: first the
// container's command (a shell that waits for the first file, then execs nginx), later nginx itself.
// The activation script runs beside it in the same pid and mount namespaces (nsenter), as the
// activation job does with `pid_mode = container:<gateway>`. nginx listens on loopback only.
const ACTIVATION_PORT = 28190;

/** The body nginx answers on loopback. */
function httpGet(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
  });
}

/** The children of a process, as the kernel lists them. */
function childrenOf(pid: number): number[] {
  try {
    return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

async function until<T>(what: string, probe: () => T | undefined, limitMs = 10_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() - start > limitMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('nginx activation script against a live nginx in a private pid namespace', () => {
  let dir: string;
  let unshare: ChildProcess;
  let init: number; // process 1 of the namespace, as the host sees it
  let live: string;
  let incoming: string;
  let script: string;

  /** A configuration that answers `body` on loopback, with its files in the temp dir. */
  const config = (body: string): string => [
    'worker_processes 2;',
    `pid ${dir}/nginx.pid;`,
    `error_log ${dir}/error.log warn;`,
    'events { worker_connections 64; }',
    'http {',
    '    access_log off;',
    ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `    ${t}_temp_path ${dir}/tmp;`),
    `    server { listen 127.0.0.1:${ACTIVATION_PORT}; location / { return 200 "${body}\\n"; } }`,
    '}',
    '',
  ].join('\n');

  /** Writes `text` as the new configuration and runs the activation beside nginx. */
  const activate = (text: string) => {
    fs.writeFileSync(incoming, text);
    return spawnSync('nsenter', ['--target', String(init), '--pid', '--mount', 'sh', script], {
      encoding: 'utf8',
      timeout: 30_000,
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
    });
  };

  beforeAll(async () => {
    dir = nginxTempDir('nginx-activation-');
    fs.mkdirSync(path.join(dir, 'tmp'));
    live = path.join(dir, 'live', 'nginx.conf');
    fs.mkdirSync(path.dirname(live));
    incoming = path.join(dir, 'incoming.conf');
    script = path.join(dir, 'activate.sh');
    fs.writeFileSync(script, renderNginxActivationScript({ newConfigPath: incoming, livePath: live, drainTimeoutSeconds: 5, startTimeoutSeconds: 10 }));
    // The gateway container's command, with this test's paths.
    const command = `until [ -s ${live} ]; do sleep 0.2; done; exec nginx -c ${live} -g 'daemon off;'`;
    unshare = spawn('unshare', ['--pid', '--fork', '--kill-child', '--mount-proc', 'sh', '-c', command], { stdio: 'ignore' });
    init = await until('process 1 of the namespace', () => childrenOf(unshare.pid!)[0]);
    // unshare forks it, then it execs the shell
    await until('the waiting shell', () => (fs.readFileSync(`/proc/${init}/comm`, 'utf8') === 'sh\n' ? true : undefined));
  });

  afterAll(async () => {
    // Killing process 1 ends the namespace and everything in it; unshare then exits.
    if (init !== undefined) {
      try {
        process.kill(init, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    if (unshare !== undefined && unshare.exitCode === null && unshare.signalCode === null) await new Promise((r) => unshare.once('exit', r));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the first activation gives the waiting container its configuration, and nginx starts from it', async () => {
    expect(fs.readFileSync(`/proc/${init}/comm`, 'utf8')).toBe('sh\n');
    const result = activate(config('one'));
    expect(result.stdout).toBe('nginx started with the new configuration\n');
    expect(result.status).toBe(0);
    expect(fs.readFileSync(`/proc/${init}/comm`, 'utf8')).toBe('nginx\n');
    expect(fs.readFileSync(live, 'utf8')).toBe(config('one'));
    expect(await httpGet(ACTIVATION_PORT)).toBe('one\n');
  });

  test('a good configuration reloads nginx: new workers, the change visible over HTTP, the old workers gone', async () => {
    const before = childrenOf(init);
    expect(before).toHaveLength(2);
    const result = activate(config('two'));
    expect(result.stdout).toBe('nginx reloaded; the old workers finished their requests\n');
    expect(result.status).toBe(0);
    const after = await until('two workers', () => (childrenOf(init).length === 2 ? childrenOf(init) : undefined));
    expect(after.filter((p) => before.includes(p))).toEqual([]);
    for (const p of before) expect(fs.existsSync(`/proc/${p}`)).toBe(false);
    expect(await httpGet(ACTIVATION_PORT)).toBe('two\n');
    expect(fs.existsSync(`${live}.next`)).toBe(false);
  });

  test('a bad configuration exits 1 with nginx\'s message, and the running one keeps answering', async () => {
    const workers = childrenOf(init);
    const result = activate(config('three').replace('worker_processes 2;', 'worker_processes 2;\nbogus_directive on;'));
    expect(result.stdout).toMatch(
      new RegExp(`^nginx -t refused the new configuration, so the running one stays in place:\n.*\\[emerg\\] .*unknown directive "bogus_directive" in ${live.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\.next:2\n`),
    );
    expect(result.status).toBe(1);
    expect(await httpGet(ACTIVATION_PORT)).toBe('two\n');
    expect(childrenOf(init)).toEqual(workers);
    expect(fs.readFileSync(live, 'utf8')).toBe(config('two'));
    expect(fs.existsSync(`${live}.next`)).toBe(false);
  });
});

// ---- a database's login check, against a real MariaDB ----

// The kvms/mariadb image (npm run images) starts with one set of passwords; the login check runs in
// the container's namespaces (docker exec, as the job does with network_mode = container:<db>) with
// the right passwords and with others.
describe('database login check against a real MariaDB', () => {
  const name = `kvms-unit-login-check-${process.pid}`;
  let engine: DockerEngine;
  const script = renderDatabaseLoginCheck({
    name: 'db', dataLocation: '/opt/data/mysql', rootPasswordVariable: 'TF_VAR_db_root_password',
    appUser: { user: 'shop', database: 'shop', passwordVariable: 'TF_VAR_db_app_password' }, timeoutSeconds: 120,
  });
  const created = { root: 'root-pw-made-by-the-test', app: 'app-pw-made-by-the-test' };

  /** Runs the login check in the database container with these passwords. */
  const check = (root: string, app: string) =>
    spawnSync('docker', ['exec', '-i', '-e', 'MYSQL_ROOT_PASSWORD', '-e', 'MYSQL_PASSWORD', '-e', 'MYSQL_USER=shop', '-e', 'MYSQL_DATABASE=shop', name, 'sh', '-s'], {
      input: script,
      encoding: 'utf8',
      timeout: 180_000,
      env: { ...process.env, DOCKER_HOST: engine.host, MYSQL_ROOT_PASSWORD: root, MYSQL_PASSWORD: app },
    });

  beforeAll(() => {
    engine = requireDockerEngine(['kvms/mariadb:10.11']);
    spawnSync('docker', ['rm', '-f', name], { env: { ...process.env, DOCKER_HOST: engine.host } });
    engine.run('run', '-d', '--name', name, '--network', 'none',
      '-e', `MARIADB_ROOT_PASSWORD=${created.root}`, '-e', 'MYSQL_USER=shop', '-e', `MYSQL_PASSWORD=${created.app}`, '-e', 'MYSQL_DATABASE=shop',
      'kvms/mariadb:10.11');
  });

  afterAll(() => {
    if (engine !== undefined) spawnSync('docker', ['rm', '-f', name], { env: { ...process.env, DOCKER_HOST: engine.host } });
  });

  test('passes with the passwords the data directory was created with, once the server answers', () => {
    const result = check(created.root, created.app);
    expect(result.stdout).toBe('database db: root and shop log in\n');
    expect(result.status).toBe(0);
  });

  test('fails with the reason and the fix when root\'s password is another', () => {
    const result = check('another-root-pw', created.app);
    expect(result.stdout).toBe(
      'database db answers, but root cannot log in with the password of TF_VAR_db_root_password: MySQL and MariaDB set passwords only when they create the data directory, and /opt/data/mysql already held data; apply again with the passwords it was created with, change them in the database (ALTER USER), or remove /opt/data/mysql to start with an empty database.\n',
    );
    expect(result.status).toBe(1);
  });

  test('fails with the reason, the fix and the server\'s words when the application user\'s password is another', () => {
    const result = check(created.root, 'another-app-pw');
    expect(result.stdout).toMatch(
      /^database db answers, but user shop cannot use database shop with the password of TF_VAR_db_app_password: MySQL and MariaDB set passwords only when they create the data directory, and \/opt\/data\/mysql already held data; apply again with the passwords it was created with, change them in the database \(ALTER USER\), or remove \/opt\/data\/mysql to start with an empty database\. \(ERROR 1045 \(28000\)[^\n]*Access denied for user 'shop'@'127\.0\.0\.1' \(using password: YES\)\)\n$/,
    );
    expect(result.status).toBe(1);
    expect(result.stdout).not.toContain('another-app-pw');
  });
});
