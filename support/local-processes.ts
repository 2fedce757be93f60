import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

/**
 * Local processes for the integration tests and the benchmarks (not part of the package): a temp dir
 * nginx can use, `nginx -t`, nginx in the foreground, waiting for a port, checking that a port is free,
 * and stopping a child within a bounded time.
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
