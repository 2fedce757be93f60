import { ChildProcess, execFileSync, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

/**
 * Local processes for the integration tests and the benchmarks (not part of the package): a temp dir
 * nginx can use, `nginx -t`, nginx in the foreground (the host's, or another version from an image on
 * the Docker engine), waiting for a port, checking that a port is free, and stopping a child within a
 * bounded time.
 */

/** A new temp dir whose name starts with `prefix`, readable by nginx workers (they run as nobody). */
export function nginxTempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.chmodSync(dir, 0o755);
  return dir;
}

/** What `nginx -t` said about a configuration file. */
export interface NginxCheck {
  /** The exit status: 0 when the configuration is valid, null when nginx was killed at the time limit. */
  readonly status: number | null;
  /** Everything nginx printed, stdout then stderr. */
  readonly output: string;
}

/** Runs `nginx -t -c <conf>` (at most 20 s) and returns its exit status and output. */
export function checkNginxConfig(conf: string): NginxCheck {
  const r = spawnSync('nginx', ['-t', '-c', conf], { encoding: 'utf8', timeout: 20_000 });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

/** Throws with nginx's output unless `nginx -t` accepts the configuration file. */
export function assertNginxConfig(conf: string): void {
  const check = checkNginxConfig(conf);
  if (check.status !== 0) throw new Error(`nginx -t -c ${conf} failed:\n${check.output}`);
}

/** How to start nginx. */
export interface StartNginxOptions {
  /** Command words put before `nginx`, e.g. `['taskset', '-c', '0']` to pin it to one CPU. @default none */
  readonly wrapper?: readonly string[];
  /** Receives everything nginx prints on stdout and stderr. @default output discarded */
  readonly onOutput?: (text: string) => void;
}

/**
 * Starts nginx in the foreground (`daemon off`) on a configuration file, so the child is the master
 * process and stopping it stops its workers. Stop it with `stopProcess`.
 */
export function startNginx(conf: string, options: StartNginxOptions = {}): ChildProcess {
  const command = [...(options.wrapper ?? []), 'nginx', '-c', conf, '-g', 'daemon off;'];
  const output = options.onOutput;
  const child = spawn(command[0], command.slice(1), { stdio: ['ignore', output ? 'pipe' : 'ignore', output ? 'pipe' : 'ignore'] });
  if (output) {
    child.stdout?.on('data', (d: Buffer) => output(d.toString()));
    child.stderr?.on('data', (d: Buffer) => output(d.toString()));
  }
  return child;
}

/** Resolves once something accepts connections on host:port; rejects after `limitMs`. */
export function waitForPort(host: string, port: number, limitMs = 10_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  return new Promise((resolve, reject) => {
    const attempt = (): void => {
      const s = net.connect(port, host);
      s.once('connect', () => {
        s.destroy();
        resolve();
      });
      s.once('error', () => {
        s.destroy();
        if (Date.now() > deadline) reject(new Error(`nothing listens on ${host}:${port}`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

/** Rejects when something already listens on host:port (a leftover run would answer in its place). */
export function assertPortFree(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, host);
    s.once('connect', () => {
      s.destroy();
      reject(new Error(`${host}:${port} is already in use: stop whatever listens there and run again`));
    });
    s.once('error', () => {
      s.destroy();
      resolve();
    });
  });
}

/** Stops a child with SIGTERM, and with SIGKILL if it is still running after `limitMs`; resolves when it has exited. */
export function stopProcess(child: ChildProcess, limitMs = 5000): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** A running nginx started by an `NginxBuild`. */
export interface RunningNginx {
  /** The process started here (nginx's master, or the `docker run` client in front of it). */
  readonly child: ChildProcess;
  /** Stops nginx and its workers (and removes the container); resolves when they are gone. */
  stop(): Promise<void>;
}

/** One nginx to check and run configurations with: the host's, or the one in an image. */
export interface NginxBuild {
  /** What to call it in test names: `host nginx 1.22.1`, `kvms/nginx:1.30 (nginx 1.30.6)`. */
  readonly name: string;
  /** The version `nginx -v` prints, e.g. `1.22.1`. */
  readonly version: string;
  /** `nginx -t -c <conf>` (at most 20 s). */
  check(conf: string): NginxCheck;
  /** nginx in the foreground on `conf`; the configuration's files must lie in the directory of `conf`. */
  start(conf: string, options?: StartNginxOptions): RunningNginx;
}

/** The nginx version a binary or image reports (`nginx version: nginx/1.22.1` on stderr). */
function versionOf(output: string, what: string): string {
  const m = /nginx\/(\d+\.\d+\.\d+)/.exec(output);
  if (!m) throw new Error(`${what} did not report an nginx version: ${output}`);
  return m[1];
}

/** The host's nginx (Debian's nginx-light here). */
export function hostNginx(): NginxBuild {
  const r = spawnSync('nginx', ['-v'], { encoding: 'utf8', timeout: 10_000 });
  if (r.error) throw new Error(`nginx is not installed on this machine (${r.error.message}): apt-get install nginx-light`);
  const version = versionOf(`${r.stdout}${r.stderr}`, 'nginx -v');
  return {
    name: `host nginx ${version}`,
    version,
    check: checkNginxConfig,
    start: (conf, options) => {
      const child = startNginx(conf, options);
      return { child, stop: () => stopProcess(child, 5000) };
    },
  };
}

/**
 * The environment that reaches the project's Docker engine: DOCKER_HOST if set, else the socket
 * `scripts/docker-engine.sh env` names.
 */
export function dockerEnv(): NodeJS.ProcessEnv {
  if (process.env.DOCKER_HOST) return process.env;
  const script = path.resolve(__dirname, '..', 'scripts', 'docker-engine.sh');
  const host = execFileSync('bash', [script, 'env'], { encoding: 'utf8' }).trim().replace(/^export DOCKER_HOST=/, '');
  return { ...process.env, DOCKER_HOST: host };
}

let containers = 0;

/**
 * nginx from an image on the project's Docker engine (e.g. `kvms/nginx:1.30`, `npm run images`), on the
 * host's network so it listens on and reaches loopback like the host's nginx; the directory of the
 * configuration is mounted at the same path. Throws how to get the engine or the image when missing.
 */
export function imageNginx(image: string): NginxBuild {
  const env = dockerEnv();
  const inspect = spawnSync('docker', ['image', 'inspect', '--format', '{{.Id}}', image], { env, encoding: 'utf8', timeout: 30_000 });
  if (inspect.status !== 0) {
    throw new Error(
      `image ${image} is not in the Docker engine at ${env.DOCKER_HOST} (${(inspect.stderr || String(inspect.error)).trim()}): ` +
        'start the engine (bash scripts/docker-engine.sh start) and build the images (npm run images)',
    );
  }
  const run = (conf: string, name: string, args: string[]): string[] => {
    const dir = path.dirname(conf);
    return ['run', '--rm', '--name', name, '--network', 'host', '-v', `${dir}:${dir}`, image, 'nginx', '-c', conf, ...args];
  };
  const unique = (): string => `kvms-test-nginx-${process.pid}-${++containers}`;
  const v = spawnSync('docker', ['run', '--rm', image, 'nginx', '-v'], { env, encoding: 'utf8', timeout: 60_000 });
  const version = versionOf(`${v.stdout}${v.stderr}`, `${image} nginx -v`);
  return {
    name: `${image} (nginx ${version})`,
    version,
    check: (conf) => {
      const r = spawnSync('docker', run(conf, unique(), ['-t']), { env, encoding: 'utf8', timeout: 60_000 });
      return { status: r.status, output: `${r.stdout}${r.stderr}` };
    },
    start: (conf, options = {}) => {
      const name = unique();
      const output = options.onOutput;
      const child = spawn('docker', run(conf, name, ['-g', 'daemon off;']), { env, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout?.on('data', (d: Buffer) => output?.(d.toString()));
      child.stderr?.on('data', (d: Buffer) => output?.(d.toString()));
      return {
        child,
        stop: async () => {
          spawnSync('docker', ['stop', '-t', '5', name], { env, stdio: 'ignore', timeout: 60_000 });
          spawnSync('docker', ['rm', '-f', name], { env, stdio: 'ignore', timeout: 60_000 });
          await stopProcess(child, 5000);
        },
      };
    },
  };
}

/** Checks `conf` with `nginx -t` (throwing nginx's output when it fails), then starts it with `build`. */
export function startCheckedNginx(build: NginxBuild, conf: string, options: StartNginxOptions = {}): RunningNginx {
  const check = build.check(conf);
  if (check.status !== 0) throw new Error(`${build.name}: nginx -t -c ${conf} failed:\n${check.output}`);
  return build.start(conf, options);
}
