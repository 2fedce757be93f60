/**
 * Deploy benchmark (`npm run bench:deploy`): what each day-2 change costs the clients of a running
 * environment. Deploys dev's shape (support/rollout-scenarios.ts: two storefront replicas, one inventory,
 * MariaDB, the gateway on nginx 1.30, on the local Docker engine), then applies each change of
 * ROLLOUT_SCENARIOS with one `tofu apply` under a keep-alive load (8 loops, 40 ms apart: GET of both
 * routes and of the database through the storefront, POSTs), and prints one JSON line per change:
 * requests, failed (non-2xx/3xx and socket errors), longest outage in seconds, p99 latency, apply
 * seconds, and the resources replaced, created, destroyed and updated. Destroys everything at the end.
 *
 * Needs the engine toolchain (`npm run toolchain`), the Docker engine (`bash scripts/docker-engine.sh
 * start` and its DOCKER_HOST) and the images (`npm run images`), as the end-to-end tests do. Uses port
 * 18480 and the names `bench-services-*`; takes about five minutes.
 */
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { requireDockerEngine } from '../__tests__/integration/engine/docker-engine';
import { httpRequest } from '../__tests__/integration/engine/http-client';
import { requireToolchain } from '../__tests__/integration/engine/toolchain';
import { benchLine, runScenario } from '../support/rollout-run';
import { ROLLOUT_IMAGES, ROLLOUT_PORT, ROLLOUT_SCENARIOS, ROLLOUT_SERVER_NAME, rolloutBase } from '../support/rollout-scenarios';
import { RolloutStack } from '../support/rollout-stack';

const ENV = 'bench';

async function main(): Promise<void> {
  const tc = requireToolchain();
  const docker = requireDockerEngine(Object.values(ROLLOUT_IMAGES));
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kvms-bench-deploy-'));
  const dataDir = path.join(work, 'mysql');
  fs.mkdirSync(dataDir);
  if (process.getuid?.() === 0) fs.chownSync(dataDir, 999, 999);
  const tags: string[] = [];
  const tag = (image: string) => {
    const next = `${image}-${ENV}-${tags.length + 1}`;
    docker.run('tag', image, next);
    tags.push(next);
    return next;
  };
  const stack = new RolloutStack(tc, work, {
    DOCKER_HOST: docker.host,
    TF_VAR_db_root_password: randomBytes(16).toString('hex'),
    TF_VAR_db_app_password: randomBytes(16).toString('hex'),
  });
  try {
    let config = rolloutBase(ENV, dataDir);
    const first = await stack.deploy(config);
    if (!first.ok) throw new Error(`the first deploy failed:\n${first.output}`);
    // A row first: on a fresh database the load's GET /db answers 404 (no row yet), which would count as failed.
    const written = await httpRequest({ port: ROLLOUT_PORT, path: '/db?value=first', method: 'POST', headers: { Host: ROLLOUT_SERVER_NAME } });
    if (written.status !== 201) throw new Error(`writing the first row answered ${written.status}: ${written.body.toString()}`);
    for (const scenario of ROLLOUT_SCENARIOS) {
      const run = await runScenario(stack, scenario, config, tag);
      console.log(JSON.stringify(benchLine(run)));
      config = run.config;
    }
  } finally {
    try {
      stack.tofu('destroy', '-auto-approve');
    } finally {
      for (const t of tags) docker.run('image', 'rm', t);
      fs.rmSync(work, { recursive: true, force: true });
    }
  }
}

main().catch((e: Error) => {
  console.error(e.message);
  process.exit(1);
});
