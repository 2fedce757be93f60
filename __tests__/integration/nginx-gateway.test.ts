import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import * as zlib from 'zlib';
import { DockerProvider } from '@cdktf/provider-docker/lib/provider';
import { TerraformStack, Testing } from 'cdktf';
import { NginxGateway } from '../../constructs/nginx-gateway';
import { ServiceNetwork } from '../../constructs/service-network';
import { NginxGatewayModel, renderNginxConfig } from '../../renderers/nginx-config';
import { compareNginxVersions } from '../../renderers/nginx-version';
import { articleGatewayModel } from '../../support/article-gateway';
import { NginxBuild, NginxCheck, RunningNginx, hostNginx, imageNginx, nginxTempDir, startCheckedNginx, waitForPort } from '../../support/local-processes';
import { writeTestCertificates } from '../../support/test-certificates';
import { Backend, Reply, Seen, json, request } from '../fixtures/backends';
import { inDirectory, sampleGateways } from '../fixtures/gateway-models';

// Real nginx checks and runs rendered configurations on loopback: Debian's nginx 1.22 on this machine and
// nginx 1.30 from the kvms/nginx:1.30 image (Debian sid; `npm run images`). Ports are 28080-28082, apart
// from the benchmark's (18081-18083, 8080, 5000, 8090) and the other gateway suites' (28180-28199).
const NGINX = 'nginx';
const GATEWAY_PORT = 28080;
const FRONTEND_PORT = 28081;
const INVENTORY_PORT = 28082;

jest.setTimeout(120_000);

const tempDir = (): string => nginxTempDir('nginx-gateway-');
const host = hostNginx();
const builds: NginxBuild[] = [host, imageNginx('kvms/nginx:1.30')];

/** A temp dir with the samples' certificates: `tls` (the first host), `host1` (a virtual host), `ca`. */
function dirWithCertificates(): string {
  const dir = tempDir();
  writeTestCertificates(dir, [
    { file: 'tls', names: ['shop.example.no', 'localhost'] },
    { file: 'host1', names: ['api.example.no'] },
  ]);
  return dir;
}

/** Runs `nginx -t` on a rendered model; returns the exit status and everything nginx printed. */
function nginxTest(build: NginxBuild, model: NginxGatewayModel, dir: string): NginxCheck {
  const conf = path.join(dir, 'nginx.conf');
  fs.writeFileSync(conf, renderNginxConfig(model));
  return build.check(conf);
}

// Each sample on each nginx, rendered for that nginx's version unless the sample names its own; a
// sample for a newer version than the nginx (resolve, `http2 on`) is not one that nginx can load.
const cases = builds.flatMap((build) =>
  Object.keys(sampleGateways)
    .filter((name) => compareNginxVersions(sampleGateways[name].nginxVersion ?? build.version, build.version) <= 0)
    .map((name): [string, string, NginxBuild] => [build.name, name, build]),
);

describe('nginx -t accepts every rendered sample', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  test.each(cases)('%s accepts the %s gateway without warnings', (_build, name, build) => {
    // GIVEN the unit tests' model for this nginx, with its files (pid, logs, temp, certificates) in a temp dir
    const dir = dirWithCertificates();
    dirs.push(dir);
    const sample = sampleGateways[name];
    const model = inDirectory({ ...sample, nginxVersion: sample.nginxVersion ?? build.version }, dir);

    // WHEN nginx checks it
    const { status, output } = nginxTest(build, model, dir);

    // THEN
    expect(output).toContain('test is successful');
    expect(output).not.toMatch(/\[(warn|emerg|alert|crit)\]/);
    expect(status).toBe(0);
  });

  test('every sample rendered with the default version (1.22) also loads on nginx 1.30, warning at most about `listen ... http2`', () => {
    // GIVEN the conservative default, as a gateway image upgraded before its model would be
    const newest = builds[1];
    for (const [name, sample] of Object.entries(sampleGateways)) {
      if (sample.nginxVersion !== undefined) continue;
      const dir = dirWithCertificates();
      dirs.push(dir);

      // WHEN nginx 1.30 checks it
      const { status, output } = nginxTest(newest, inDirectory(sample, dir), dir);

      // THEN it loads; the only complaint is the deprecated HTTP/2 form
      const complaints = output.split('\n').filter((l) => /\[(warn|emerg|alert|crit)\]/.test(l));
      expect({ name, status, complaints: complaints.filter((l) => !l.includes('the "listen ... http2" directive is deprecated')) }).toEqual({ name, status: 0, complaints: [] });
    }
  });
});

describe("nginx -t accepts the NginxGateway construct's configuration", () => {
  test('with the container names resolved as Docker would, in a private mount namespace', () => {
    // GIVEN the construct's config for the article's services, named by alias in the pools and rendered
    // by container name (stop-first, so the names are known at synth; start-first ones carry a hash
    // Terraform computes)
    const app = Testing.app();
    const stack = new TerraformStack(app, 'dev');
    const network = new ServiceNetwork(stack, 'services', { provider: new DockerProvider(stack, 'docker', {}) });
    for (const id of ['web1', 'web2', 'api1', 'api2']) network.addService(id, { image: 'shop:1.0', replacement: 'stop-first' });
    // The host's nginx is Debian's 1.22: the construct renders for the version it is told.
    const gateway = new NginxGateway(stack, 'gateway', {
      network,
      image: 'kvms/nginx:1.22',
      serverNames: ['shop.example.no'],
      pools: [
        { name: 'frontend_pool', servers: [{ host: 'web1', port: 8080 }, { host: 'web2', port: 8080 }] },
        { name: 'inventory_api', servers: [{ host: 'api1', port: 5000 }, { host: 'api2', port: 5000 }] },
      ],
      routes: [
        { path: '/', pool: 'frontend_pool' },
        { path: '/api/inventory', pool: 'inventory_api' },
      ],
    });
    const dir = tempDir();
    try {
      fs.writeFileSync(path.join(dir, 'nginx.conf'), gateway.config);
      fs.writeFileSync(path.join(dir, 'hosts'), '127.0.0.1 localhost\n127.0.0.2 dev-services-web1\n127.0.0.3 dev-services-web2\n127.0.0.4 dev-services-api1\n127.0.0.5 dev-services-api2\n');
      fs.mkdirSync(path.join(dir, 'var-lib-nginx'));

      // WHEN nginx checks it, with /etc/hosts and nginx's compiled-in temp dir replaced for this process only
      const script = [
        `mount --bind ${path.join(dir, 'hosts')} /etc/hosts`,
        `mount --bind ${path.join(dir, 'var-lib-nginx')} /var/lib/nginx`,
        // stdout to a file: the config logs to /dev/stdout, which cannot be opened on Node's socket pipes
        `${NGINX} -t -c ${path.join(dir, 'nginx.conf')} > ${path.join(dir, 'out')} 2>&1; s=$?; cat ${path.join(dir, 'out')}; exit $s`,
      ].join(' && ');
      const r = spawnSync('unshare', ['--mount', 'sh', '-c', script], { encoding: 'utf8', timeout: 20_000 });
      const output = `${r.stdout}${r.stderr}`;

      // THEN
      expect(output).toContain('test is successful');
      expect(output).not.toMatch(/\[(warn|emerg|alert|crit)\]/);
      expect(r.status).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

// ---- live gateway in front of four Node backends on 127.0.0.2-5 ----

const get = (urlPath: string, headers: http.OutgoingHttpHeaders = {}, timeoutMs = 8000): Promise<Reply> =>
  request(GATEWAY_PORT, urlPath, { headers, timeoutMs });

/** The live gateway: the article's two pools on loopback, short timeouts so the hang test is quick. */
const liveGateway: NginxGatewayModel = {
  ...articleGatewayModel({
    frontendHosts: ['127.0.0.2', '127.0.0.3'],
    inventoryHosts: ['127.0.0.4', '127.0.0.5'],
    frontendPort: FRONTEND_PORT,
    inventoryPort: INVENTORY_PORT,
  }),
  routes: [
    { path: '/', pool: 'frontend_pool', connectTimeoutSeconds: 1, readTimeoutSeconds: 1, sendTimeoutSeconds: 1 },
    {
      path: '/api/inventory',
      pool: 'inventory_api',
      stripPrefix: true,
      connectTimeoutSeconds: 1,
      readTimeoutSeconds: 1,
      sendTimeoutSeconds: 1,
      retryTimeoutSeconds: 3,
    },
    { path: '/api/reports', pool: 'inventory_api', exact: true, readTimeoutSeconds: 1, maxTries: 1 },
  ],
  listenAddress: '127.0.0.1',
  listenPort: GATEWAY_PORT,
  process: { workerProcesses: 1, accessLogPath: 'off' },
};

describe('a live gateway in front of real backends', () => {
  const frontend = [new Backend('127.0.0.2', FRONTEND_PORT), new Backend('127.0.0.3', FRONTEND_PORT)];
  const inventory = [new Backend('127.0.0.4', INVENTORY_PORT), new Backend('127.0.0.5', INVENTORY_PORT)];
  const backends = [...frontend, ...inventory];
  let dir = '';
  let nginx: RunningNginx | undefined;
  let nginxOutput = '';

  beforeAll(async () => {
    await Promise.all(backends.map((b) => b.start()));
    dir = tempDir();
    const model = inDirectory(liveGateway, dir);
    fs.writeFileSync(path.join(dir, 'nginx.conf'), renderNginxConfig(model));
    nginx = startCheckedNginx(host, path.join(dir, 'nginx.conf'), { onOutput: (text) => (nginxOutput += text) });
    await waitForPort('127.0.0.1', GATEWAY_PORT, 10_000);
  });

  afterAll(async () => {
    if (nginx) await nginx.stop();
    await Promise.all(backends.map((b) => b.stop()));
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('each route reaches its own pool, with the prefix stripped where asked', async () => {
    const front: string[] = [];
    const inv: Seen[] = [];
    for (let i = 0; i < 6; i++) {
      front.push(json(await get(`/catalog/${i}`)).backend);
      inv.push(json(await get(`/api/inventory/items/${i}?sku=A${i}`)));
    }
    const report = await get('/api/reports');

    expect(new Set(front)).toEqual(new Set(['127.0.0.2', '127.0.0.3']));
    expect(new Set(inv.map((s) => s.backend))).toEqual(new Set(['127.0.0.4', '127.0.0.5']));
    expect(inv.map((s) => s.url)).toEqual([0, 1, 2, 3, 4, 5].map((i) => `/items/${i}?sku=A${i}`));
    expect(report.status).toBe(200);
    expect(['127.0.0.4', '127.0.0.5']).toContain(json(report).backend);
    expect(json(report).url).toBe('/api/reports');
  });

  test('forwarding headers arrive at the backend over HTTP/1.1 keepalive, a forged X-Forwarded-For is replaced', async () => {
    const seen = json(await get('/api/inventory/stock', { host: 'shop.example.no', 'x-forwarded-for': '203.0.113.9' }));

    expect(seen.headers.host).toBe('shop.example.no');
    expect(seen.headers['x-real-ip']).toBe('127.0.0.1');
    expect(seen.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen.headers['x-forwarded-proto']).toBe('http');
    expect(seen.headers['x-forwarded-host']).toBe('shop.example.no');
    expect(seen.httpVersion).toBe('1.1');
    expect(seen.headers.connection).toBeUndefined();
  });

  test('upstream connections are reused across requests', async () => {
    const before = inventory.reduce((n, b) => n + b.connections, 0);
    for (let i = 0; i < 40; i++) expect((await get('/api/inventory/ping')).status).toBe(200);
    const opened = inventory.reduce((n, b) => n + b.connections, 0) - before;

    expect(opened).toBeLessThanOrEqual(2);
  });

  test('JSON responses are gzipped, with Vary, security headers and no version in Server', async () => {
    const r = await get('/catalog/big', { 'accept-encoding': 'gzip' });

    expect(r.status).toBe(200);
    expect(r.headers['content-encoding']).toBe('gzip');
    expect(r.headers.vary).toBe('Accept-Encoding');
    expect(JSON.parse(zlib.gunzipSync(r.body).toString('utf8')).url).toBe('/catalog/big');
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(r.headers.server).toBe('nginx');
  });

  test('a stopped backend causes no failed request: traffic fails over to the other server of the pool', async () => {
    // GIVEN one frontend server stopped while the gateway holds keepalive connections to it
    await frontend[1].stop();

    // WHEN a burst of concurrent requests arrives
    const replies = await Promise.all(Array.from({ length: 40 }, (_, i) => get(`/failover/${i}`)));

    // THEN every request succeeds, served by the remaining server
    expect(replies.map((r) => r.status)).toEqual(replies.map(() => 200));
    expect(new Set(replies.map((r) => json(r).backend))).toEqual(new Set(['127.0.0.2']));
  });

  test('a hung backend does not hold requests beyond the configured timeouts', async () => {
    // GIVEN one inventory server that accepts requests and never answers
    inventory[1].hang = true;
    const hungBefore = inventory[1].seen.length;

    // WHEN requests arrive: the gateway gives up on the hung server after readTimeoutSeconds (1 s) and
    // retries the other (the client would abort after 8 s)
    const replies = await Promise.all(Array.from({ length: 4 }, (_, i) => get(`/api/inventory/slow/${i}`)));

    // THEN every request is answered by the healthy server, and the hung one was tried
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(new Set(replies.map((r) => r.headers['x-backend']))).toEqual(new Set(['127.0.0.4']));
    expect(inventory[1].seen.length).toBeGreaterThan(hungBefore);

    // AND when the whole pool hangs, the gateway answers 504 itself instead of waiting
    inventory[0].hang = true;
    const [tried, single] = await Promise.all([get('/api/inventory/slow/all'), get('/api/reports')]);
    expect(tried.status).toBe(504);
    expect(single.status).toBe(504);
    // The gateway's own short page, naming the request id it also sends as a header
    expect(single.headers['content-type']).toBe('text/html');
    expect(single.body.toString()).toContain('<h1>504 Gateway Timeout</h1>');
    expect(single.body.toString()).toContain(`Request id: ${single.headers['x-request-id']}</p>`);
    expect(single.headers['x-request-id']).toMatch(/^[A-Za-z0-9.-]+-\d+\.\d{3}-\d+-\d+$/);
    expect(nginxOutput).not.toMatch(/\[emerg\]/);
  });
});
