import { execFile, execFileSync, spawnSync } from 'child_process';
import * as path from 'path';
import { repoRoot } from './toolchain';

/** The Docker engine of the integration suite (scripts/docker-engine.sh), reached through `docker`. */
export interface DockerEngine {
  /** `unix://...` socket of the engine, for DOCKER_HOST. */
  readonly host: string;
  /** Runs `docker` against the engine and returns its standard output. */
  run(...args: string[]): string;
  /** Like `run`, without blocking (for `docker stop` while a load runs). */
  runAsync(...args: string[]): Promise<string>;
  /** A container's log since a time (RFC 3339), standard output and standard error together. */
  logs(container: string, since: string): string;
}

/**
 * Finds the suite's Docker engine (DOCKER_HOST, else the socket `scripts/docker-engine.sh env` names) and
 * checks that it answers and holds the given images; otherwise throws how to start it or build them.
 */
export function requireDockerEngine(images: readonly string[]): DockerEngine {
  const host = process.env.DOCKER_HOST ?? execFileSync('bash', [path.join(repoRoot, 'scripts', 'docker-engine.sh'), 'env'], { encoding: 'utf8' })
    .trim()
    .replace(/^export DOCKER_HOST=/, '');
  const env = { ...process.env, DOCKER_HOST: host };
  const run = (...args: string[]): string => {
    try {
      return execFileSync('docker', args, { env, encoding: 'utf8', stdio: 'pipe', timeout: 120_000 });
    } catch (e) {
      const err = e as { stderr?: string; status?: number };
      throw new Error(`docker ${args.join(' ')} failed (exit ${err.status}): ${err.stderr ?? ''}`);
    }
  };
  const runAsync = (...args: string[]): Promise<string> =>
    new Promise((resolve, reject) => {
      execFile('docker', args, { env, encoding: 'utf8', timeout: 120_000 }, (error, stdout, stderr) => {
        if (error) reject(new Error(`docker ${args.join(' ')} failed: ${stderr}`));
        else resolve(stdout);
      });
    });
  const logs = (container: string, since: string): string => {
    const r = spawnSync('docker', ['logs', '--since', since, container], { env, encoding: 'utf8', timeout: 60_000 });
    if (r.status !== 0) throw new Error(`docker logs ${container} failed (exit ${r.status}): ${r.stderr}`);
    return `${r.stdout}${r.stderr}`;
  };
  try {
    run('version', '--format', '{{.Server.Version}}');
  } catch {
    throw new Error(`no Docker engine answers at DOCKER_HOST=${host}: start it with \`bash scripts/docker-engine.sh start\` and export the DOCKER_HOST that \`bash scripts/docker-engine.sh env\` prints`);
  }
  const missing = images.filter((image) => {
    try {
      run('image', 'inspect', '--format', '{{.Id}}', image);
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length > 0) {
    throw new Error(`the Docker engine at ${host} lacks ${missing.join(', ')}: build them with \`npm run images\` (scripts/images/build-images.sh)`);
  }
  return { host, run, runAsync, logs };
}
