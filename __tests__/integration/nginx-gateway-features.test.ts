import * as fs from 'fs';
import * as http from 'http';
import * as http2 from 'http2';
import * as path from 'path';
import * as zlib from 'zlib';
import { DEFAULT_GZIP_TYPES, NginxGatewayModel, renderNginxConfig } from '../../renderers/nginx-config';
import { NginxBuild, RunningNginx, hostNginx, imageNginx, nginxTempDir, startCheckedNginx, waitForPort } from '../../support/local-processes';
import { writeTestCertificates } from '../../support/test-certificates';
import { Backend, Reply, json, request } from '../fixtures/backends';
import { Handshake, openWebSocket, serveWebSocketEcho } from '../fixtures/websocket';

// The gateway features of issue 16 with real nginx on loopback, on Debian's nginx 1.22 (this machine) and
// nginx 1.30 (the kvms/nginx:1.30 image, on the host's network): WebSockets, server-sent events, virtual
// hosts, request ids in the JSON access log, CORS, maintenance, the 502 page, and HTTP/2 over TLS.
// Ports 28180-28186 (the other gateway suites use 28080-28082 and 28190-28199).

jest.setTimeout(120_000);

const PLAIN_PORT = 28180;
const APP_PORT = 28181;
const API_PORT = 28182;
const TLS_PORT = 28183;
const REDIRECT_PORT = 28184;
const CLOSED_PORT = 28186; // nothing listens here: the 502 route
const PUBLISHED_TLS_PORT = 9443; // where a container would publish TLS_PORT; only named in the redirect

/** The pools of both gateways: the app and the API, one backend each. */
const POOLS = [
  { name: 'app', servers: [{ host: '127.0.0.2', port: APP_PORT }] },
  { name: 'api', servers: [{ host: '127.0.0.3', port: API_PORT }] },
];

/** The plain-HTTP gateway: every route feature, two more hosts, the JSON access log in `dir`. */
function plainGateway(dir: string, version: string): NginxGatewayModel {
  return {
    nginxVersion: version,
    pools: [...POOLS, { name: 'gone', servers: [{ host: '127.0.0.2', port: CLOSED_PORT }] }],
    serverNames: ['shop.test', 'localhost', '127.0.0.1'],
    routes: [
      { path: '/', pool: 'app' },
      { path: '/ws/', pool: 'app', idleTimeoutSeconds: 60 },
      { path: '/events', pool: 'app', streaming: true },
      { path: '/api/', pool: 'app', responseHeaders: { 'Cache-Control': 'no-store' }, cors: { allowOrigins: ['https://shop.test'] } },
      { path: '/old/', pool: 'app', maintenance: { retryAfterSeconds: 60 } },
      { path: '/gone', pool: 'gone', maxTries: 1 },
    ],
    virtualHosts: [
      { serverNames: ['api.test'], routes: [{ path: '/', pool: 'api' }] },
      { serverNames: ['down.test'], routes: [{ path: '/', pool: 'api' }], maintenance: {} },
    ],
    // Compressing the event stream too: only a streaming route flushes each event through gzip.
    gzip: { types: [...DEFAULT_GZIP_TYPES, 'text/event-stream'], minLengthBytes: 0 },
    listenAddress: '127.0.0.1',
    listenPort: PLAIN_PORT,
    process: {
      workerProcesses: 1,
      pidPath: path.join(dir, 'plain.pid'),
      errorLogPath: path.join(dir, 'plain-error.log'),
      accessLogPath: path.join(dir, 'access.log'),
      tempDirectory: dir,
    },
  };
}

/** The TLS gateway: HTTP/2, two hosts with certificates of their own, the redirect to the published port, random request ids. */
function tlsGateway(dir: string, version: string): NginxGatewayModel {
  return {
    nginxVersion: version,
    pools: POOLS,
    serverNames: ['shop.test'],
    routes: [{ path: '/', pool: 'app' }],
    virtualHosts: [
      {
        serverNames: ['api.test'],
        routes: [{ path: '/', pool: 'api' }],
        certificate: { certificatePath: path.join(dir, 'api.crt'), keyPath: path.join(dir, 'api.key') },
      },
    ],
    tls: { certificatePath: path.join(dir, 'shop.crt'), keyPath: path.join(dir, 'shop.key'), port: TLS_PORT, redirectPort: PUBLISHED_TLS_PORT },
    requestIdFormat: 'random',
    listenAddress: '127.0.0.1',
    listenPort: REDIRECT_PORT,
    process: { workerProcesses: 1, pidPath: path.join(dir, 'tls.pid'), errorLogPath: path.join(dir, 'tls-error.log'), accessLogPath: 'off', tempDirectory: dir },
  };
}

/** Server-sent events: three events 400 ms apart, then the end. */
function eventStream(_req: http.IncomingMessage, res: http.ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  let n = 0;
  const tick = (): void => {
    n += 1;
    res.write(`id: ${n}\ndata: event ${n}\n\n`);
    if (n < 3) setTimeout(tick, 400);
    else res.end();
  };
  tick();
}

/** The arrival time (ms after the request) of each decoded chunk of a streamed, gzipped answer. */
function arrivals(port: number, urlPath: string): Promise<{ status: number; encoding?: string; chunks: Array<{ atMs: number; text: string }> }> {
  return new Promise((resolve, reject) => {
    const start = Date.now();
    const req = http.request({ host: '127.0.0.1', port, path: urlPath, agent: false, headers: { host: 'shop.test', 'accept-encoding': 'gzip' } }, (res) => {
      const chunks: Array<{ atMs: number; text: string }> = [];
      const encoding = res.headers['content-encoding'];
      const body = encoding === 'gzip' ? res.pipe(zlib.createGunzip()) : res;
      body.on('data', (c: Buffer) => chunks.push({ atMs: Date.now() - start, text: c.toString() }));
      body.on('end', () => resolve({ status: res.statusCode ?? 0, encoding, chunks }));
      body.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** One HTTP/2 request over TLS, trusting the test CA; returns the negotiated protocol with the answer. */
function h2Get(
  servername: string,
  authority: string,
  ca: Buffer,
  verify = true,
): Promise<{ alpn: string | false | undefined; status: number; body: string; requestId: string }> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`https://127.0.0.1:${TLS_PORT}`, { ca, servername, rejectUnauthorized: verify });
    session.on('error', reject);
    const req = session.request({ ':path': '/h2', ':authority': authority });
    let body = '';
    let status = 0;
    let requestId = '';
    req.on('response', (h) => {
      status = Number(h[':status']);
      requestId = String(h['x-request-id']);
    });
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const alpn = session.alpnProtocol;
      session.close();
      resolve({ alpn, status, body, requestId });
    });
    req.on('error', reject);
    req.end();
  });
}

const builds: NginxBuild[] = [hostNginx(), imageNginx('kvms/nginx:1.30')];

describe.each(builds.map((b): [string, NginxBuild] => [b.name, b]))('the gateway features on %s', (_name, build) => {
  const app = new Backend('127.0.0.2', APP_PORT);
  const api = new Backend('127.0.0.3', API_PORT);
  const handshakes: Handshake[] = [];
  const running: RunningNginx[] = [];
  let dir = '';
  let output = '';
  const get = (urlPath: string, headers: http.OutgoingHttpHeaders = {}, method = 'GET'): Promise<Reply> =>
    request(PLAIN_PORT, urlPath, { headers: { host: 'shop.test', ...headers }, method });

  beforeAll(async () => {
    app.routes.set('/events', eventStream);
    serveWebSocketEcho(app.server, handshakes);
    await Promise.all([app.start(), api.start()]);
    dir = nginxTempDir('nginx-features-');
    writeTestCertificates(dir, [
      { file: 'shop', names: ['shop.test'] },
      { file: 'api', names: ['api.test'] },
    ]);
    for (const [file, model] of [
      ['plain.conf', plainGateway(dir, build.version)],
      ['tls.conf', tlsGateway(dir, build.version)],
    ] as const) {
      const conf = path.join(dir, file);
      fs.writeFileSync(conf, renderNginxConfig(model));
      running.push(startCheckedNginx(build, conf, { onOutput: (t) => (output += t) }));
    }
    await waitForPort('127.0.0.1', PLAIN_PORT, 20_000);
    await waitForPort('127.0.0.1', TLS_PORT, 20_000);
  });

  afterAll(async () => {
    await Promise.all(running.map((n) => n.stop()));
    await Promise.all([app.stop(), api.stop()]);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('a WebSocket upgrades (101) and carries messages both ways, while plain requests on the same pool keep reusing upstream connections', async () => {
    // GIVEN one plain request, so the worker holds a keepalive connection to the app
    expect((await get('/warm')).status).toBe(200);

    // WHEN a client opens a WebSocket through the gateway and talks
    const ws = await openWebSocket('127.0.0.1', PLAIN_PORT, '/ws/chat', 'shop.test');
    const welcome = await ws.next();
    ws.send('hello');
    const echo = await ws.next();

    // AND plain requests go to the same pool meanwhile
    const before = app.connections;
    for (let i = 0; i < 20; i++) expect((await get(`/plain/${i}`)).status).toBe(200);
    const opened = app.connections - before;
    await ws.close();

    // THEN
    expect(ws.status).toBe(101);
    expect(welcome).toBe('welcome');
    expect(echo).toBe('echo: hello');
    const handshake = handshakes[handshakes.length - 1];
    expect(handshake.url).toBe('/ws/chat');
    expect(handshake.headers.connection).toBe('upgrade');
    expect(handshake.headers.upgrade).toBe('websocket');
    expect(opened).toBeLessThanOrEqual(1);
    expect(app.seen.filter((s) => s.url.startsWith('/plain/')).every((s) => s.headers.connection === undefined && s.headers.upgrade === undefined)).toBe(true);
  });

  test('server-sent events arrive one by one as they are sent, not at the end', async () => {
    const { status, encoding, chunks } = await arrivals(PLAIN_PORT, '/events');

    const text = chunks.map((c) => c.text).join('');
    expect(status).toBe(200);
    expect(encoding).toBe('gzip');
    expect(text).toBe('id: 1\ndata: event 1\n\nid: 2\ndata: event 2\n\nid: 3\ndata: event 3\n\n');
    const first = chunks.find((c) => c.text.includes('event 1'))!;
    const last = chunks.find((c) => c.text.includes('event 3'))!;
    // The events are 400 ms apart at the source: the first must arrive long before the last is sent.
    expect(first.atMs).toBeLessThan(last.atMs - 600);
    expect(chunks.length).toBeGreaterThanOrEqual(3);
  });

  test('virtual hosts are routed by Host, the first host answers on its loopback names, and an unknown host is refused with 421', async () => {
    const shop = await get('/who');
    const viaApi = await get('/who', { host: 'api.test' });
    const local = await get('/who', { host: 'localhost' });
    const byAddress = await request(PLAIN_PORT, '/who');
    const unknown = await get('/who', { host: 'unknown.test' });

    expect(json(shop).backend).toBe('127.0.0.2');
    expect(json(viaApi).backend).toBe('127.0.0.3');
    expect(json(local).backend).toBe('127.0.0.2');
    expect(json(byAddress).backend).toBe('127.0.0.2');
    expect(unknown.status).toBe(421);
  });

  test('a well-formed X-Request-ID is kept, a bad one replaced; both reach the backend, the answer and the JSON access log', async () => {
    const kept = await get('/ids/kept', { 'x-request-id': 'req-test-0001' });
    const replaced = await get('/ids/replaced', { 'x-request-id': 'bad id!' });

    expect(kept.headers['x-request-id']).toBe('req-test-0001');
    expect(json(kept).headers['x-request-id']).toBe('req-test-0001');
    // <host name>-<time in ms>-<connection>-<request>: well formed itself, so a next gateway keeps it
    const generated = replaced.headers['x-request-id'] as string;
    expect(generated).toMatch(/^[A-Za-z0-9.-]+-\d{10}\.\d{3}-\d+-\d+$/);
    expect(generated).toMatch(/^[A-Za-z0-9._:-]{8,128}$/);
    expect(json(replaced).headers['x-request-id']).toBe(generated);

    const log = fs.readFileSync(path.join(dir, 'access.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const line = log.find((l) => l.request_id === 'req-test-0001')!;
    expect(line).toMatchObject({
      host: 'shop.test',
      method: 'GET',
      path: '/ids/kept',
      status: 200,
      client: '127.0.0.1',
      upstream: `127.0.0.2:${APP_PORT}`,
      upstream_status: '200',
    });
    expect(line.bytes).toBeGreaterThan(2000);
    expect(typeof line.request_time).toBe('number');
    expect(line.upstream_response_time).toMatch(/^\d+\.\d{3}$/);
    expect(line.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/);
    expect(log.find((l) => l.request_id === generated)).toMatchObject({ path: '/ids/replaced' });
  });

  test('a CORS preflight is answered by the gateway; ordinary answers carry the origin and the route headers', async () => {
    const seenBefore = app.seen.length;
    const preflight = await get('/api/items', { origin: 'https://shop.test', 'access-control-request-method': 'PUT' }, 'OPTIONS');
    const preflightReachedApp = app.seen.length - seenBefore;
    const allowed = await get('/api/items', { origin: 'https://shop.test' });
    const foreign = await get('/api/items', { origin: 'https://evil.test' });

    expect(preflight.status).toBe(204);
    expect(preflightReachedApp).toBe(0);
    expect(preflight.headers['access-control-allow-origin']).toBe('https://shop.test');
    expect(preflight.headers['access-control-allow-methods']).toBe('GET, HEAD, POST, PUT, PATCH, DELETE');
    expect(preflight.headers['access-control-allow-headers']).toBe('Authorization, Content-Type, X-Request-ID');
    expect(preflight.headers['access-control-max-age']).toBe('600');
    expect(preflight.headers.vary).toBe('Origin');
    expect(allowed.status).toBe(200);
    expect(allowed.headers['access-control-allow-origin']).toBe('https://shop.test');
    expect(allowed.headers['access-control-expose-headers']).toBe('X-Request-ID');
    expect(allowed.headers['cache-control']).toBe('no-store');
    expect(allowed.headers['x-content-type-options']).toBe('nosniff');
    expect(foreign.status).toBe(200);
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
  });

  test('maintenance answers 503 with Retry-After and a page naming the request id, for a route and for a whole host', async () => {
    const seenBefore = app.seen.length + api.seen.length;
    const route = await get('/old/report');
    const host = await get('/anything', { host: 'down.test' });

    for (const [reply, retryAfter] of [[route, '60'], [host, '300']] as const) {
      expect(reply.status).toBe(503);
      expect(reply.headers['retry-after']).toBe(retryAfter);
      expect(reply.headers['content-type']).toBe('text/html');
      expect(reply.body.toString()).toContain('<h1>Down for maintenance</h1>');
      expect(reply.body.toString()).toContain(`Request id: ${reply.headers['x-request-id']}</p>`);
    }
    expect(app.seen.length + api.seen.length).toBe(seenBefore);
  });

  test("a pool that does not answer gets the gateway's short 502 page naming the request id", async () => {
    const reply = await get('/gone', { 'x-request-id': 'req-test-0502' });

    expect(reply.status).toBe(502);
    expect(reply.body.toString()).toBe(
      '<!doctype html><title>502 Bad Gateway</title><h1>502 Bad Gateway</h1><p>The service behind this address did not answer.</p><p>Request id: req-test-0502</p>\n',
    );
  });

  test('HTTP/2 is negotiated over TLS for each host with its own certificate; an unknown name gets 421; HTTP redirects to the published port', async () => {
    const ca = fs.readFileSync(path.join(dir, 'ca.crt'));

    const shop = await h2Get('shop.test', 'shop.test', ca);
    const viaApi = await h2Get('api.test', 'api.test', ca);
    const unknown = await h2Get('unknown.test', 'unknown.test', ca, false);
    const redirect = await request(REDIRECT_PORT, '/x?y=1', { headers: { host: 'shop.test' } });

    expect(shop).toMatchObject({ alpn: 'h2', status: 200 });
    expect(JSON.parse(shop.body)).toMatchObject({ backend: '127.0.0.2', url: '/h2' });
    expect(viaApi).toMatchObject({ alpn: 'h2', status: 200 });
    expect(JSON.parse(viaApi.body)).toMatchObject({ backend: '127.0.0.3' });
    // This gateway generates random ids
    expect(shop.requestId).toMatch(/^[0-9a-f]{32}$/);
    expect(JSON.parse(shop.body).headers['x-request-id']).toBe(shop.requestId);
    expect(unknown).toMatchObject({ alpn: 'h2', status: 421 });
    expect(redirect.status).toBe(301);
    expect(redirect.headers.location).toBe(`https://shop.test:${PUBLISHED_TLS_PORT}/x?y=1`);
    expect(output).not.toMatch(/\[(emerg|alert|crit)\]/);
  });
});
