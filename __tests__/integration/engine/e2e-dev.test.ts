import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { gunzipSync } from 'zlib';
import { DockerEngine, requireDockerEngine } from './docker-engine';
import { httpRequest, LoadResult, runLoad } from './http-client';
import { requireToolchain, runTofu, synthApp, Toolchain } from './toolchain';

// GIVEN the `dev` environment's shape (local Docker engine, the locally built images) as an environment
// file named `e2e`, with two replicas per pool, its database on a host directory of this run, and the
// gateway on 127.0.0.1:18480, synthesized through main.ts
// WHEN OpenTofu applies it on the suite's Docker engine, the database is replaced, replicas are stopped
// under load, and the stack is destroyed
// THEN requests reach both routes through the gateway with the forwarding headers and gzip, the
// storefront reads and writes the database through the alias `db`, a row outlives the database
// container, no request fails while a replica of each pool stops, every apply is stable, and destroy
// leaves no container or network but the database files.

const ENV = 'e2e';
const PORT = 18480;
const SERVER_NAME = 'shop.e2e.example.no';
const IMAGES = { app: 'kvms/app:1.0', database: 'kvms/mariadb:10.11', gateway: 'kvms/nginx:1.22' };
// The uid of `mysql` in kvms/mariadb (scripts/images/build-images.sh); its entrypoint also chowns the directory.
const MYSQL_UID = 999;
const PREFIX = `${ENV}-services`;
const container = (service: string) => `${PREFIX}-${service}`;
const APP_HEALTHCHECK = ['CMD', '/app', 'healthcheck'];
const NO_CHANGES = 'Apply complete! Resources: 0 added, 0 changed, 0 destroyed.';

/** The environment file the test writes; `databaseImage` changes in the persistence scenario. */
function environment(dataDir: string, databaseImage: string): object {
  const app = (containerPort: number) => ({ image: IMAGES.app, replicas: 2, containerPort, memoryMiB: 64, cpus: 0.5, healthcheckCommand: APP_HEALTHCHECK });
  return {
    name: ENV,
    hosting: { kind: 'local' },
    storefront: app(8080),
    inventory: app(5000),
    database: { image: databaseImage, hostPath: dataDir, memoryMiB: 512 },
    gateway: { image: IMAGES.gateway, hostPort: PORT, hostAddress: '127.0.0.1', serverNames: [SERVER_NAME] },
  };
}

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

describe('dev end to end on the local Docker engine', () => {
  let tc: Toolchain;
  let docker: DockerEngine;
  let work: string;
  let dataDir: string;
  let envFile: string;
  let stackDir: string;
  let tofuEnv: NodeJS.ProcessEnv;
  let databaseTag: string | undefined;
  let destroyed = false;
  const timings: [string, number][] = [];
  const notes: string[] = [];

  const timed = async <T>(name: string, fn: () => T | Promise<T>): Promise<T> => {
    const started = Date.now();
    try {
      return await fn();
    } finally {
      timings.push([name, (Date.now() - started) / 1000]);
    }
  };
  const tofu = (...args: string[]) => runTofu(tc, stackDir, [...args, '-input=false'], { env: tofuEnv });
  const synth = (databaseImage: string) => {
    fs.writeFileSync(envFile, JSON.stringify(environment(dataDir, databaseImage), null, 2));
    stackDir = synthApp(path.join(work, 'out'), { KVMS_ENVIRONMENT_FILES: envFile })[ENV];
  };
  /** Applies, then checks stability: a plan finds nothing (runTofu throws on exit 2) and a second apply changes nothing. */
  const applyStable = (): string => {
    const applied = tofu('apply', '-auto-approve');
    expect(tofu('plan', '-detailed-exitcode')).toContain('No changes.');
    expect(tofu('apply', '-auto-approve')).toContain(NO_CHANGES);
    return applied;
  };
  const get = (p: string, headers: Record<string, string> = {}) => httpRequest({ port: PORT, path: p, headers });
  const json = <T>(body: Buffer): T => JSON.parse(body.toString('utf8')) as T;
  const containerId = (name: string) => docker.run('inspect', '--format', '{{.Id}}', name).trim();
  const ours = () => docker.run('ps', '--all', '--format', '{{.Names}}', '--filter', `name=^${PREFIX}-`).split('\n').filter((n) => n !== '');
  const ourNetworks = () => docker.run('network', 'ls', '--format', '{{.Name}}', '--filter', `name=^${PREFIX}$`).split('\n').filter((n) => n !== '');
  const gatewayLogSince = (since: string) => docker.logs(container('gateway'), since);
  /**
   * Load on both routes, stopping the `stopped` containers after 50 requests: no request fails, at least
   * 100 run after the stop, and the gateway logs that it took the stopped replicas out of their pools
   * (max_fails) and retried elsewhere. Returns the load's result.
   */
  const failoverUnderLoad = async (label: string, stopped: string[]): Promise<LoadResult> => {
    const since = new Date().toISOString();
    const load = await runLoad({
      port: PORT,
      paths: ['/', '/api/inventory'],
      minRequests: 300,
      concurrency: 4,
      disruptAfter: 50,
      disrupt: () => docker.runAsync('stop', ...stopped),
      minRequestsAfter: 100,
      maxDurationMs: 60_000,
    });

    notes.push(`${label}: ${load.requests} requests, ${load.requestsAfterDisruption} after the stop, statuses ${JSON.stringify(load.statuses)}`);
    expect(load.disruptionError).toBeUndefined();
    expect(load.failures).toEqual([]);
    expect(load.requestsAfterDisruption).toBeGreaterThanOrEqual(100);
    expect(gatewayLogSince(since)).toMatch(/upstream server temporarily disabled/);
    return load;
  };

  beforeAll(async () => {
    tc = requireToolchain();
    docker = requireDockerEngine(Object.values(IMAGES));
    // Leftovers of an interrupted run carry this environment's names: remove them, or apply would clash.
    for (const name of ours()) docker.run('rm', '--force', name);
    for (const name of ourNetworks()) docker.run('network', 'rm', name);

    work = fs.mkdtempSync(path.join(os.tmpdir(), 'kvms-e2e-dev-'));
    dataDir = path.join(work, 'data', 'mysql');
    fs.mkdirSync(dataDir, { recursive: true });
    if (process.getuid?.() === 0) fs.chownSync(dataDir, MYSQL_UID, MYSQL_UID);
    else fs.chmodSync(dataDir, 0o777);
    envFile = path.join(work, `${ENV}.json`);
    tofuEnv = {
      ...tc.env,
      DOCKER_HOST: docker.host,
      // Random per run: the stack takes them only as sensitive variables.
      TF_VAR_database_root_password: randomBytes(16).toString('hex'),
      TF_VAR_database_app_password: randomBytes(16).toString('hex'),
    };
    await timed('synth + init', () => {
      synth(IMAGES.database);
      tofu('init');
    });
  });

  afterAll(() => {
    try {
      if (stackDir !== undefined && !destroyed) {
        try {
          tofu('destroy', '-auto-approve');
        } catch {
          // the destroy scenario asserts a clean destroy; this only cleans up after a failure
        }
      }
      if (docker !== undefined) {
        for (const name of ours()) docker.run('rm', '--force', name);
        for (const name of ourNetworks()) docker.run('network', 'rm', name);
        if (databaseTag !== undefined) docker.run('image', 'rm', databaseTag);
      }
    } finally {
      if (work !== undefined) fs.rmSync(work, { recursive: true, force: true });
      if (timings.length > 0) {
        console.log(`e2e-dev timings (s):\n${timings.map(([n, s]) => `  ${n}: ${s.toFixed(1)}`).join('\n')}\n${notes.join('\n')}`);
      }
    }
  });

  test('deploys: apply creates the network, database, two replicas per pool and the gateway, and is stable', async () => {
    const applied = await timed('1st apply + stability', applyStable);

    expect(applied).toContain('Resources: 7 added, 0 changed, 0 destroyed.');
    expect(applied).toContain(`gateway_url = "http://127.0.0.1:${PORT}"`);
    expect(ours().sort()).toEqual(['db', 'gateway', 'inventory-1', 'inventory-2', 'storefront-1', 'storefront-2'].map(container));
    expect(ourNetworks()).toEqual([PREFIX]);
  });

  test('routing: / reaches the storefront and /api/inventory the inventory API, with the forwarding headers', async () => {
    await timed('routing', async () => {
      const bridge = docker.run('network', 'inspect', '--format', '{{range .IPAM.Config}}{{.Gateway}}{{end}}', PREFIX).trim();

      const front = await get('/products?page=2', { Host: SERVER_NAME });
      const api = await get('/api/inventory/items/42', { Host: SERVER_NAME, 'X-Forwarded-For': '203.0.113.7' });

      expect([front.status, api.status]).toEqual([200, 200]);
      const f = json<Echo>(front.body);
      const a = json<Echo>(api.body);
      expect([f.service, f.path, f.query]).toEqual(['storefront', '/products', 'page=2']);
      expect([a.service, a.path]).toEqual(['inventory', '/api/inventory/items/42']);
      // The client as nginx saw it: the engine's port proxy on the network's bridge (this engine runs
      // without iptables). A client-sent X-Forwarded-For is not trusted by default and is replaced.
      for (const echo of [f, a]) {
        expect(echo.host).toBe(SERVER_NAME);
        expect(echo.headers).toMatchObject({
          'x-real-ip': bridge,
          'x-forwarded-for': bridge,
          'x-forwarded-proto': 'http',
          'x-forwarded-host': SERVER_NAME,
        });
      }
    });
  });

  test('routing: JSON is gzipped when the client accepts gzip, and only then', async () => {
    await timed('gzip', async () => {
      const zipped = await get('/api/inventory', { 'Accept-Encoding': 'gzip' });
      const plain = await get('/api/inventory');

      expect(zipped.status).toBe(200);
      expect(zipped.headers['content-type']).toBe('application/json');
      expect(zipped.headers['content-encoding']).toBe('gzip');
      expect(zipped.headers.vary).toContain('Accept-Encoding');
      expect(json<Echo>(gunzipSync(zipped.body)).service).toBe('inventory');
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(json<Echo>(plain.body).service).toBe('inventory');
    });
  });

  test('routing: the storefront writes and reads the database through the alias db', async () => {
    await timed('database through db', async () => {
      const value = `row-${randomBytes(6).toString('hex')}`;
      const written = await httpRequest({ port: PORT, path: `/db?value=${value}`, method: 'POST' });
      const read = await get('/db');

      expect(written.status).toBe(201);
      expect(read.status).toBe(200);
      const w = json<DbAnswer>(written.body);
      const r = json<DbAnswer>(read.body);
      expect(w.row).toMatchObject({ value, written_by: 'storefront' });
      expect(r).toMatchObject({ service: 'storefront', db_host: 'db', row: { id: w.row!.id, value } });
      // The server that answered is the environment's database container (its hostname is its short id).
      expect(r.server_hostname).toBe(containerId(container('db')).slice(0, 12));
    });
  });

  test('persistence: a row written through the gateway outlives the replacement of the database container', async () => {
    await timed('persistence', async () => {
      const value = `kept-${randomBytes(6).toString('hex')}`;
      const written = json<DbAnswer>((await httpRequest({ port: PORT, path: `/db?value=${value}`, method: 'POST' })).body);
      const before = containerId(container('db'));

      // A new tag of the same image replaces the container (a memory change would be updated in place).
      databaseTag = `kvms/mariadb:${ENV}-${randomBytes(4).toString('hex')}`;
      docker.run('tag', IMAGES.database, databaseTag);
      synth(databaseTag);
      const applied = applyStable();

      expect(applied).toMatch(/docker_container\.services_db_container_\w+: Destruction complete/);
      expect(applied).toContain('Resources: 1 added, 0 changed, 1 destroyed.');
      const after = containerId(container('db'));
      expect(after).not.toBe(before);
      expect(docker.run('inspect', '--format', '{{.Config.Image}}', container('db')).trim()).toBe(databaseTag);
      const read = await get(`/db?id=${written.row!.id}`);
      expect(read.status).toBe(200);
      expect(json<DbAnswer>(read.body)).toMatchObject({ server_hostname: after.slice(0, 12), row: { id: written.row!.id, value } });
    });
  });

  test('failover: no request fails while one replica of each pool stops, and re-applying restores them', async () => {
    await timed('failover', async () => {
      const stopped = [container('storefront-2'), container('inventory-2')];
      const load = await failoverUnderLoad('failover', stopped);

      expect(load.requests).toBeGreaterThanOrEqual(300);
      for (const name of stopped) expect(docker.run('inspect', '--format', '{{.State.Running}}', name).trim()).toBe('false');

      // A stopped replica leaves the state; apply creates it again, and the gateway with it (nginx
      // resolves the replicas' names only when it starts).
      const applied = applyStable();
      expect(applied).toContain('Resources: 3 added, 0 changed, 1 destroyed.');
      expect(applied).toMatch(/# docker_container\.gateway_service_container_\w+ will be replaced due to changes in replace_triggered_by/);
      for (const name of stopped) expect(docker.run('inspect', '--format', '{{.State.Health.Status}}', name).trim()).toBe('healthy');
    });
  });

  test('failover: the restored replicas carry the load while the other replica of each pool stops', async () => {
    await timed('failover back', async () => {
      const stopped = [container('storefront-1'), container('inventory-1')];
      await failoverUnderLoad('failover back', stopped);

      // Started again by hand, the same containers match the configuration. (nginx keeps the addresses
      // it resolved when it started; a replica started by hand may come back on another one, which only
      // a replacement of the gateway, as apply does when a replica is replaced, picks up.)
      docker.run('start', ...stopped);
      expect(tofu('plan', '-detailed-exitcode')).toContain('No changes.');
    });
  });

  test('destroy: no container or network of the environment is left, and the database files stay', async () => {
    await timed('destroy', () => {
      expect(tofu('destroy', '-auto-approve')).toContain('Resources: 7 destroyed.');
      destroyed = true;
    });

    expect(ours()).toEqual([]);
    expect(ourNetworks()).toEqual([]);
    expect(fs.existsSync(path.join(dataDir, 'ibdata1'))).toBe(true);
    expect(fs.existsSync(path.join(dataDir, 'shop', 'kv.ibd'))).toBe(true);
  });
});
