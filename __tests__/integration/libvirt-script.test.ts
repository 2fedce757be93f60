import { execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

// GIVEN scripts/libvirt.sh with stand-ins for virtlogd and libvirtd (processes of those names that
// "answer" while they run) and for the clients that ask them (virsh, virt-admin), some already running
// WHEN the script starts and stops libvirt
// THEN it starts only what does not answer yet, with pid files of its own, says what it started, and
// stops only those: a daemon it did not start survives every stop, and so does a process a stale pid
// file names.

const repoRoot = path.resolve(__dirname, '..', '..');

// One stand-in for both daemons: `-d -p FILE` starts a server in the background that writes its pid to
// FILE and to $FAKE_STATE/<name>.up, and removes both on SIGTERM. `#!/bin/bash` keeps the daemon's name.
const DAEMON = `#!/bin/bash
name=$(basename "$0")
if [ "$1" = serve ]; then
  echo $$ > "$2"; echo $$ > "$FAKE_STATE/$name.up"
  trap 'rm -f "$2" "$FAKE_STATE/$name.up"; exit 0' TERM
  while :; do sleep 0.2; done
fi
pidfile=/nonexistent
while [ $# -gt 0 ]; do case $1 in -p) pidfile=$2; shift ;; esac; shift; done
setsid "$0" serve "$pidfile" </dev/null >/dev/null 2>&1 &
for _ in $(seq 1 50); do [ -f "$FAKE_STATE/$name.up" ] && exit 0; sleep 0.1; done
exit 1
`;
const client = (daemon: string) => `#!/bin/bash
pid=$(cat "$FAKE_STATE/${daemon}.up" 2>/dev/null) && kill -0 "$pid" 2>/dev/null
`;

describe('scripts/libvirt.sh', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const foreign: number[] = [];

  const script = (...args: string[]) => {
    try {
      return { stdout: execFileSync('bash', [path.join(repoRoot, 'scripts', 'libvirt.sh'), ...args], { env, encoding: 'utf8', stdio: 'pipe' }).trim(), status: 0 };
    } catch (e) {
      const err = e as { stdout?: string; stderr?: string; status?: number };
      return { stdout: (err.stdout ?? '').trim(), stderr: err.stderr, status: err.status };
    }
  };
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const upPid = (name: string) => Number(fs.readFileSync(path.join(dir, 'state', `${name}.up`), 'utf8'));
  /** Starts a stand-in daemon the way someone else would: not through the script, its own pid file. */
  const startForeign = async (name: string) => {
    const child = spawn(path.join(dir, 'bin', name), ['serve', path.join(dir, `foreign-${name}.pid`)], { env, detached: true, stdio: 'ignore' });
    child.unref();
    foreign.push(child.pid!);
    for (let i = 0; i < 50 && !fs.existsSync(path.join(dir, 'state', `${name}.up`)); i++) await new Promise((r) => setTimeout(r, 100));
    return child.pid!;
  };

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kvms-libvirt-script-'));
    fs.mkdirSync(path.join(dir, 'bin'));
    fs.mkdirSync(path.join(dir, 'state'));
    for (const name of ['virtlogd', 'libvirtd']) fs.writeFileSync(path.join(dir, 'bin', name), DAEMON, { mode: 0o755 });
    fs.writeFileSync(path.join(dir, 'bin', 'virsh'), client('libvirtd'), { mode: 0o755 });
    fs.writeFileSync(path.join(dir, 'bin', 'virt-admin'), client('virtlogd'), { mode: 0o755 });
    env = { ...process.env, PATH: `${path.join(dir, 'bin')}:${process.env.PATH}`, FAKE_STATE: path.join(dir, 'state'), KVMS_LIBVIRT_STATE: path.join(dir, 'ours') };
  });

  afterEach(() => {
    script('stop');
    for (const pid of foreign.splice(0)) if (alive(pid)) process.kill(pid, 'SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('starts both when none answers, says so, and stops both', () => {
    expect(script('start').stdout).toBe('virtlogd libvirtd');
    const pids = [upPid('virtlogd'), upPid('libvirtd')];
    expect(script('status')).toEqual({ stdout: 'virtlogd: running (started by this script)\nlibvirtd: running (started by this script)', status: 0 });
    expect(script('start').stdout).toBe(''); // already up: nothing new to stop later
    expect(script('stop').status).toBe(0);
    expect(pids.map(alive)).toEqual([false, false]);
    expect(script('status')).toMatchObject({ stdout: 'virtlogd: not running\nlibvirtd: not running', status: 1 });
  });

  test('uses daemons it did not start and never stops them', async () => {
    const virtlogd = await startForeign('virtlogd');
    const libvirtd = await startForeign('libvirtd');
    expect(script('start').stdout).toBe('');
    expect(script('stop')).toMatchObject({ status: 0 });
    expect(script('stop', 'libvirtd', 'virtlogd')).toMatchObject({ status: 0 });
    expect([alive(virtlogd), alive(libvirtd)]).toEqual([true, true]);
    expect(script('status').stdout).toBe('virtlogd: running (not started by this script)\nlibvirtd: running (not started by this script)');
  });

  test('with a foreign virtlogd it starts libvirtd alone, and stopping that leaves virtlogd running', async () => {
    const virtlogd = await startForeign('virtlogd');
    const started = script('start').stdout;
    expect(started).toBe('libvirtd');
    const libvirtd = upPid('libvirtd');
    expect(script('stop', ...started.split(' ')).status).toBe(0);
    expect([alive(virtlogd), alive(libvirtd)]).toEqual([true, false]);
  });

  test('leaves alone a process that a stale pid file names', () => {
    const other = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    foreign.push(other.pid!);
    fs.mkdirSync(path.join(dir, 'ours', 'libvirt-run'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'ours', 'libvirt-run', 'libvirtd.pid'), `${other.pid}\n`);
    expect(script('stop', 'libvirtd')).toMatchObject({ status: 0 });
    expect(alive(other.pid!)).toBe(true);
  });

  test('fails when asked to stop a daemon it does not know', () => {
    expect(script('stop', 'dockerd')).toMatchObject({ status: 2, stderr: "libvirt: stop: unknown daemon 'dockerd' (virtlogd or libvirtd)\n" });
  });
});
