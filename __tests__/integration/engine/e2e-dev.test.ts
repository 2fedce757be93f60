import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { gunzipSync } from 'zlib';
import { EnvironmentConfig } from '../../../stacks/environment-config';
import { RolloutLoad, served } from '../../../support/rollout-load';
import { runScenario, ScenarioRun } from '../../../support/rollout-run';
import { ROLLOUT_IMAGES, ROLLOUT_PORT, ROLLOUT_REQUESTS, ROLLOUT_SCENARIOS, ROLLOUT_SERVER_NAME, rolloutBase } from '../../../support/rollout-scenarios';
import { RolloutStack } from '../../../support/rollout-stack';
import { DockerEngine, requireDockerEngine } from './docker-engine';
import { httpRequest } from './http-client';
import { requireToolchain, Toolchain } from './toolchain';

// GIVEN dev's shape (the local Docker engine, the locally built images, nginx 1.30) as an environment
// file named `e2e`: two storefront replicas and one inventory replica using the database `db`, whose
// data is on a host directory of this run, and the gateway on 127.0.0.1:18480, deployed through main.ts
// WHEN it is deployed, then changed the way teams change systems (new images, environment, limits,
// routes, scale, a configuration nginx refuses, the database and the gateway themselves), one
// `tofu apply` each under a keep-alive load of GET and POST requests, then a replica is stopped under
// load, the stack destroyed, and deployed again with other passwords
// THEN both routes answer with the forwarding headers and gzip, the storefront reads and writes the
// database through `db`; every gapless change fails no request and leaves nothing to plan; the
// refused change fails the apply with nginx's message while the old configuration serves; the
// database and gateway replacements interrupt only briefly and every replica serves again unrestarted;
// and the redeploy with other passwords stops at the login check with the reason.

const ENV = 'e2e';
const PREFIX = `${ENV}-services`;
// The uid of `mysql` in kvms/mariadb (scripts/images/build-images.sh); its entrypoint also chowns the directory.
const MYSQL_UID = 999;

interface Echo {
  service: string;
  path: string;
  query: string;
  host: string;
  headers: Record<string, string>;
}

interface DbAnswer {
  service: string;
  db_host: string;
  server_hostname: string;
  row: { id: number; value: string; written_by: string } | null;
}

describe('dev end to end on the local Docker engine: deploys, and changes without downtime', () => {
  let tc: Toolchain;
  let docker: DockerEngine;
  let work: string;
  let dataDir: string;
  let stack: RolloutStack;
  let config: EnvironmentConfig;
  let destroyed = false;
  const tags: string[] = [];
  const notes: string[] = [];

  const tag = (image: string): string => {
    // A new tag of the same image (the old tag first, so it still says nginx's version).
    const next = `${image}-${ENV}-${tags.length + 1}`;
    docker.run('tag', image, next);
    tags.push(next);
    return next;
  };
  // OpenTofu wraps its diagnostics at 80 columns: compare messages with the line breaks as spaces.
  const flat = (text: string) => text.replace(/\s+/g, ' ');
  const get = (p: string, headers: Record<string, string> = {}) => httpRequest({ port: ROLLOUT_PORT, path: p, headers: { Host: ROLLOUT_SERVER_NAME, ...headers } });
  const json = <T>(body: Buffer): T => JSON.parse(body.toString('utf8')) as T;
  const ours = () => docker.run('ps', '--all', '--format', '{{.Names}}', '--filter', `name=^${PREFIX}-`).split('\n').filter((n) => n !== '');
  const running = (service: string) => docker.run('ps', '--format', '{{.Names}}', '--filter', `name=^${PREFIX}-${service}-`).split('\n').filter((n) => n !== '').sort();
  const ourNetworks = () => docker.run('network', 'ls', '--format', '{{.Name}}', '--filter', `name=^${PREFIX}$`).split('\n').filter((n) => n !== '');
  const cleanUp = () => {
    for (const name of ours()) docker.run('rm', '--force', name);
    for (const name of ourNetworks()) docker.run('network', 'rm', name);
    docker.run('volume', 'rm', '--force', `${PREFIX}-gateway-config`);
  };
  const note = (run: ScenarioRun) => {
    notes.push(`${run.scenario.change}: ${run.load.requests} requests, ${run.load.failed} failed ${JSON.stringify(run.load.failures)}, outage ${run.load.longestOutageSeconds} s, apply ${run.apply.seconds.toFixed(1)} s, replaced ${run.apply.created.filter((r) => run.apply.destroyed.includes(r)).length}`);
  };

  beforeAll(async () => {
    tc = requireToolchain();
    docker = requireDockerEngine(Object.values(ROLLOUT_IMAGES));
    // Leftovers of an interrupted run carry this environment's names: remove them, or apply would clash.
    cleanUp();
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'kvms-e2e-dev-'));
    dataDir = path.join(work, 'data', 'mysql');
    fs.mkdirSync(dataDir, { recursive: true });
    if (process.getuid?.() === 0) fs.chownSync(dataDir, MYSQL_UID, MYSQL_UID);
    else fs.chmodSync(dataDir, 0o777);
    stack = new RolloutStack(tc, work, {
      DOCKER_HOST: docker.host,
      // Random per run: the stack takes them only as sensitive variables.
      TF_VAR_db_root_password: randomBytes(16).toString('hex'),
      TF_VAR_db_app_password: randomBytes(16).toString('hex'),
    });
    config = rolloutBase(ENV, dataDir);
  });

  afterAll(() => {
    try {
      if (stack !== undefined && !destroyed) {
        try {
          stack.tofu('destroy', '-auto-approve');
        } catch {
          // the destroy scenario asserts a clean destroy; this only cleans up after a failure
        }
      }
      if (docker !== undefined) {
        cleanUp();
        for (const t of tags) docker.run('image', 'rm', t);
      }
    } finally {
      if (work !== undefined) fs.rmSync(work, { recursive: true, force: true });
      if (notes.length > 0) console.log(`e2e-dev:\n  ${notes.join('\n  ')}`);
    }
  });

  test('deploys: the database, three replicas, the gateway and their jobs, and nothing left to plan', async () => {
    const applied = await stack.deploy(config);

    expect(applied.ok).toBe(true);
    expect(applied.output).toContain(`gateway_url = "http://127.0.0.1:${ROLLOUT_PORT}"`);
    expect(ours().map((n) => n.replace(/-[0-9a-f]{8}$/, '')).sort()).toEqual(
      ['db', 'db-login-check', 'gateway', 'gateway-config', 'inventory-1', 'storefront-1', 'storefront-2'].map((s) => `${PREFIX}-${s}`),
    );
    expect((await stack.planExitCode()).code).toBe(0);
    expect(docker.logs(`${PREFIX}-db-login-check`, '1970-01-01T00:00:00Z')).toContain('database db: root and shop log in');
    expect(docker.logs(`${PREFIX}-gateway-config`, '1970-01-01T00:00:00Z')).toContain('nginx started with the new configuration');
  });

  test('routing: / reaches the storefront and /api/inventory the inventory API, with the forwarding headers', async () => {
    const bridge = docker.run('network', 'inspect', '--format', '{{range .IPAM.Config}}{{.Gateway}}{{end}}', PREFIX).trim();
    const front = await get('/products?page=2');
    const api = await get('/api/inventory/items/42', { 'X-Forwarded-For': '203.0.113.7' });

    expect([front.status, api.status]).toEqual([200, 200]);
    const f = json<Echo>(front.body);
    const a = json<Echo>(api.body);
    expect([f.service, f.path, f.query]).toEqual(['storefront', '/products', 'page=2']);
    expect([a.service, a.path]).toEqual(['inventory', '/api/inventory/items/42']);
    for (const echo of [f, a]) {
      expect(echo.host).toBe(ROLLOUT_SERVER_NAME);
      // The client as nginx saw it: the engine's port proxy on the bridge; a client-sent X-Forwarded-For is replaced.
      expect(echo.headers).toMatchObject({ 'x-real-ip': bridge, 'x-forwarded-for': bridge, 'x-forwarded-proto': 'http', 'x-forwarded-host': ROLLOUT_SERVER_NAME });
    }
  });

  test('routing: JSON is gzipped when the client accepts gzip, and only then', async () => {
    const zipped = await get('/api/inventory', { 'Accept-Encoding': 'gzip' });
    const plain = await get('/api/inventory');
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.headers.vary).toContain('Accept-Encoding');
    expect(json<Echo>(gunzipSync(zipped.body)).service).toBe('inventory');
    expect(plain.headers['content-encoding']).toBeUndefined();
  });

  test('routing: the storefront writes and reads the database through the alias db', async () => {
    const value = `row-${randomBytes(6).toString('hex')}`;
    const written = await httpRequest({ port: ROLLOUT_PORT, path: `/db?value=${value}`, method: 'POST' });
    const read = await get('/db');
    expect([written.status, read.status]).toEqual([201, 200]);
    const w = json<DbAnswer>(written.body);
    expect(w.row).toMatchObject({ value, written_by: 'storefront' });
    expect(json<DbAnswer>(read.body)).toMatchObject({ service: 'storefront', db_host: 'db', row: { id: w.row!.id, value } });
  });

  describe.each(ROLLOUT_SCENARIOS.map((s) => [s.change, s] as const))('rollout: %s', (_change, scenario) => {
    test(scenario.expect === 'gapless' ? 'no request fails, and nothing is left to plan' : scenario.expect === 'refused' ? 'the apply fails with nginx\'s message, and no request fails' : `the interruption stays under ${scenario.maxOutageSeconds} s, and every replica serves again unrestarted`, async () => {
      const startedAt = Object.fromEntries(running('storefront').concat(running('inventory')).map((n) => [n, docker.run('inspect', '--format', '{{.State.StartedAt}}', n).trim()]));
      const run = await runScenario(stack, scenario, config, tag);
      note(run);

      if (scenario.expect === 'refused') {
        expect(run.apply.ok).toBe(false);
        expect(flat(run.apply.output)).toContain('the gateway kept its running configuration, because the new one was not activated');
        expect(flat(run.apply.output)).toContain('nginx -t refused the new configuration');
        expect(flat(run.apply.output)).toMatch(/open\(\) "\/nonexistent\/kvms\/error\.log" failed/);
        expect(run.load.failed).toBe(0);
        expect(run.load.requests).toBeGreaterThan(100);
        // The refused file is not the running one; the next scenario reverts the change.
        config = run.config;
        return;
      }
      expect(run.apply.output).toMatch(/Apply complete!/);
      expect(run.apply.ok).toBe(true);
      expect(run.planExitCode).toBe(0);
      expect(run.load.requests).toBeGreaterThan(300);
      if (scenario.expect === 'gapless') {
        expect(run.load.failures).toEqual({});
      } else {
        expect(run.affected.longestOutageSeconds).toBeLessThan(scenario.maxOutageSeconds!);
        if (scenario.affectedPaths !== undefined) expect(run.unaffected.failures).toEqual({});
        // Every replica serves the database again without having been restarted.
        const after = new RolloutLoad({ port: ROLLOUT_PORT, hostHeader: ROLLOUT_SERVER_NAME, requests: ROLLOUT_REQUESTS, loops: 4 });
        after.start();
        await new Promise((r) => setTimeout(r, 3000));
        const settled = await after.stop();
        expect(settled.failures).toEqual({});
        expect(settled.records.filter((r) => r.path === '/db' && served(r)).length).toBeGreaterThan(10);
        for (const [name, started] of Object.entries(startedAt)) {
          if (scenario.affectedPaths !== undefined) expect(docker.run('inspect', '--format', '{{.State.StartedAt}}', name).trim()).toBe(started);
        }
      }
      config = run.config;
    });
  });

  test('failover: no request fails while a storefront replica stops outside OpenTofu; apply starts it again', async () => {
    const [stopped] = running('storefront');
    const load = new RolloutLoad({ port: ROLLOUT_PORT, hostHeader: ROLLOUT_SERVER_NAME, requests: [{ method: 'GET', path: '/' }, { method: 'GET', path: '/api/inventory' }], loops: 4 });
    load.start();
    await new Promise((r) => setTimeout(r, 1000));
    docker.run('stop', stopped);
    await new Promise((r) => setTimeout(r, 3000));
    const seen = await load.stop();

    notes.push(`failover: ${seen.requests} requests, ${seen.failed} failed`);
    expect(seen.failures).toEqual({});
    // A stopped container does not match its configuration (must_run): apply starts a new one.
    const applied = await stack.deploy(config);
    expect(applied.ok).toBe(true);
    expect((await stack.planExitCode()).code).toBe(0);
    expect(running('storefront')).toHaveLength(2);
  });

  test('destroy: no container or network of the environment is left, and the database files stay', () => {
    expect(stack.tofu('destroy', '-auto-approve')).toMatch(/Destroy complete! Resources: \d+ destroyed\./);
    destroyed = true;
    expect(ours()).toEqual([]);
    expect(ourNetworks()).toEqual([]);
    expect(fs.existsSync(path.join(dataDir, 'shop', 'kv.ibd'))).toBe(true);
  });

  test('a redeploy with other passwords stops at the login check, saying why and what to do', async () => {
    const other = new RolloutStack(tc, fs.mkdtempSync(path.join(work, 'again-')), {
      DOCKER_HOST: docker.host,
      TF_VAR_db_root_password: randomBytes(16).toString('hex'),
      TF_VAR_db_app_password: randomBytes(16).toString('hex'),
    });
    destroyed = false;
    stack = other;
    const applied = await other.deploy(config);

    expect(applied.ok).toBe(false);
    expect(flat(applied.output)).toContain('DatabaseService [e2e/app/services/db]: the database is not usable:');
    expect(flat(applied.output)).toContain(`database db answers, but root cannot log in with the password of TF_VAR_db_root_password: MySQL and MariaDB set passwords only when they create the data directory, and ${dataDir} already held data`);
    other.tofu('destroy', '-auto-approve');
    destroyed = true;
  });
});
