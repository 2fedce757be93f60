/**
 * Gateway benchmark (`npm run bench:gateway`): the article's nginx configuration, exactly as given in
 * `../shared/bench/seed-gateway.nginx.conf`, against the configuration our renderer produces for the same
 * two pools and routes (every feature at its default), side by side on the same four nginx backends
 * (127.0.0.2-5), with wrk (1 thread, 50 connections); and a third contestant, wrk straight to one backend
 * (127.0.0.2:8080, no gateway). Prints one JSON line:
 *   seed_rps, ours_rps, ratio (ours / seed), seed_p99_ms, ours_p99_ms,
 *   seed_upstream_conns_per_req, ours_upstream_conns_per_req (new connections accepted by the backends,
 *     read from their stub_status counters, divided by the requests wrk completed),
 *   seed_failover_failed, ours_failover_failed (failed requests while 127.0.0.3 and 127.0.0.5, one backend
 *     of each pool, are stopped in the middle of a run),
 *   direct_rps, direct_p99_ms, ours_over_direct (ours_rps / direct_rps),
 *   seed_gateway_cpu_us_per_req, ours_gateway_cpu_us_per_req (CPU time of the gateway's processes per
 *     request: what a gateway adds that direct does not have).
 * On stderr, supplementary lines: requests per gateway CPU-second of each, which other load on the
 * machine does not skew, and the backends' CPU per request of each contestant. Figures and method:
 * bench/README.md.
 * On 2 cores: the gateway under test runs alone on CPU 0; wrk and the backends share CPU 1. Everything
 * started here is stopped here, also on errors and Ctrl-C. About 80 s in all.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { NginxGatewayModel, renderNginxConfig } from '../renderers/nginx-config';
import { articleGatewayModel } from '../support/article-gateway';
import { assertNginxConfig, assertPortFree, nginxTempDir, startNginx, stopProcess, waitForPort } from '../support/local-processes';

const repoRoot = path.resolve(__dirname, '..');
// The seed lives beside the repository; KVMS_SEED_CONFIG names it when the checkout is elsewhere (a worktree).
const SEED_CONFIG = process.env.KVMS_SEED_CONFIG ?? path.resolve(repoRoot, '..', 'shared', 'bench', 'seed-gateway.nginx.conf');
const SEED_PORT = 18081; // fixed by the seed configuration
const OURS_PORT = 18082;
const DIRECT = { address: '127.0.0.2', port: 8080 }; // the third contestant: one backend, no gateway
const STATUS_PORT = 8090; // stub_status of each backend, on the backend's own address
const GATEWAY_CPU = '0';
const LOAD_CPU = '1';
const RUN_SECONDS = 2;
const ROUNDS = 5;
const FAILOVER_SECONDS = 6;
const FAILOVER_STOP_AFTER_MS = 2000;

interface BackendSpec {
  readonly address: string;
  readonly port: number;
  readonly service: string;
}

const BACKENDS: readonly BackendSpec[] = [
  { address: '127.0.0.2', port: 8080, service: 'frontend' },
  { address: '127.0.0.3', port: 8080, service: 'frontend' },
  { address: '127.0.0.4', port: 5000, service: 'inventory' },
  { address: '127.0.0.5', port: 5000, service: 'inventory' },
];
/** One backend of each pool, stopped during the failover runs. */
const STOPPED_IN_FAILOVER = ['127.0.0.3', '127.0.0.5'];

/** Ours: the same pools and routes as the seed (the article's model, on BACKENDS), through the renderer. */
function oursModel(dir: string): NginxGatewayModel {
  const hostsOf = (service: string): string[] => BACKENDS.filter((b) => b.service === service).map((b) => b.address);
  return {
    ...articleGatewayModel({ frontendHosts: hostsOf('frontend'), inventoryHosts: hostsOf('inventory') }),
    listenAddress: '127.0.0.1',
    listenPort: OURS_PORT,
    process: {
      workerProcesses: 1, // like the seed, so both get one core
      workerConnections: 4096,
      pidPath: path.join(dir, 'ours.pid'),
      errorLogPath: path.join(dir, 'ours-error.log'),
      accessLogPath: 'off',
      tempDirectory: dir,
    },
  };
}

function backendConfig(b: BackendSpec, dir: string): string {
  const name = `backend-${b.address}`;
  return `worker_processes 1;
pid ${path.join(dir, name + '.pid')};
error_log ${path.join(dir, name + '-error.log')} warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path ${dir}/client_body;
    proxy_temp_path ${dir}/proxy;
    fastcgi_temp_path ${dir}/fastcgi;
    uwsgi_temp_path ${dir}/uwsgi;
    scgi_temp_path ${dir}/scgi;
    server {
        listen ${b.address}:${b.port} backlog=4096;
        default_type application/json;
        location / { return 200 '{"service":"${b.service}","backend":"${b.address}"}'; }
    }
    server {
        listen ${b.address}:${STATUS_PORT};
        location = /stub_status { stub_status; }
    }
}
`;
}

// wrk scripts. `done` prints the figures as one JSON line; a `request` function would make wrk itself
// ~20% slower, so the throughput runs send one static request each (one run per route) and only the
// failover runs alternate both routes per request.
const WRK_REPORT = `
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRKJSON {"requests":%d,"duration_us":%d,"p99_us":%d,"status":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d}\\n',
    summary.requests, summary.duration, latency:percentile(99), e.status, e.connect, e.read, e.write, e.timeout))
end
`;
const WRK_ALTERNATE = `
local reqs = {}
init = function(args)
  reqs[1] = wrk.format("GET", "/")
  reqs[2] = wrk.format("GET", "/api/inventory/items")
end
local i = 0
request = function()
  i = i + 1
  return reqs[(i % 2) + 1]
end
${WRK_REPORT}`;
const ROUTES = ['/', '/api/inventory/items'];

interface WrkResult {
  readonly requests: number;
  readonly duration_us: number;
  readonly p99_us: number;
  readonly status: number;
  readonly connect: number;
  readonly read: number;
  readonly write: number;
  readonly timeout: number;
}

const started: ChildProcess[] = [];

/**
 * Command words that run what follows pinned to one CPU at raised priority (nice -10; without root,
 * nice only warns and runs it at normal priority), so other work on the machine disturbs the
 * measurement less.
 */
const pinnedTo = (cpu: string): string[] => ['nice', '-n', '-10', 'taskset', '-c', cpu];

function spawnPinned(cpu: string, command: string[]): ChildProcess {
  const [program, ...args] = [...pinnedTo(cpu), ...command];
  const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  return child;
}

/** Starts nginx in the foreground, pinned to one CPU, so the child is the master process. */
function startPinnedNginx(cpu: string, conf: string): ChildProcess {
  const child = startNginx(conf, { wrapper: pinnedTo(cpu) });
  started.push(child);
  return child;
}

async function stopAll(): Promise<void> {
  await Promise.all(started.map((c) => stopProcess(c)));
}

/** Connections accepted so far by one backend (its stub_status "accepts"), this query's own included. */
function accepts(address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: address, port: STATUS_PORT, path: '/stub_status', agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => {
        const m = /server accepts handled requests\s+(\d+)\s+(\d+)\s+(\d+)/.exec(body);
        if (!m) reject(new Error(`unexpected stub_status from ${address}: ${body}`));
        else resolve(Number(m[1]));
      });
    });
    req.on('timeout', () => req.destroy(new Error(`stub_status of ${address} did not answer`)));
    req.on('error', reject);
  });
}

async function totalAccepts(): Promise<number> {
  const counts = await Promise.all(BACKENDS.map((b) => accepts(b.address)));
  return counts.reduce((a, b) => a + b, 0);
}

function runWrk(url: string, seconds: number, script: string, during?: () => Promise<void>): Promise<WrkResult> {
  return new Promise((resolve, reject) => {
    const child = spawnPinned(LOAD_CPU, ['wrk', '-t1', '-c50', `-d${seconds}s`, '--timeout', '5s', '-s', script, url]);
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), (seconds + 15) * 1000);
    const action = during ? during() : Promise.resolve();
    child.once('exit', (code) => {
      clearTimeout(killer);
      action.then(
        () => {
          const line = out.split('\n').find((l) => l.startsWith('WRKJSON '));
          if (code !== 0 || !line) reject(new Error(`wrk failed (exit ${code}):\n${out}`));
          else resolve(JSON.parse(line.slice('WRKJSON '.length)) as WrkResult);
        },
        reject,
      );
    });
  });
}

/**
 * CPU time (user + system, in seconds) used so far by an nginx master and its workers, from /proc.
 * Requests per gateway CPU-second measure the configuration's cost even when other work on the machine
 * changes the wall-clock throughput.
 */
function cpuSeconds(masterPid: number): number {
  const ticksPerSecond = 100; // USER_HZ on Linux
  let ticks = 0;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const pid = Number(entry);
    const ppid = Number(fields[1]);
    if (pid === masterPid || ppid === masterPid) ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / ticksPerSecond;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const rps = (r: WrkResult): number => r.requests / (r.duration_us / 1e6);
const failed = (r: WrkResult): number => r.status + r.connect + r.read + r.write + r.timeout;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round = (x: number, digits: number): number => Number(x.toFixed(digits));

async function main(): Promise<void> {
  if (os.cpus().length < 2) throw new Error('the gateway benchmark pins processes to CPUs 0 and 1: it needs 2 cores');
  const dir = nginxTempDir('bench-gateway-');
  const backends = new Map<string, ChildProcess>();
  const startBackend = async (b: BackendSpec): Promise<void> => {
    const conf = path.join(dir, `backend-${b.address}.conf`);
    backends.set(b.address, startPinnedNginx(LOAD_CPU, conf));
    await waitForPort(b.address, b.port);
    await waitForPort(b.address, STATUS_PORT);
  };
  try {
    // Configurations: the seed as given (placeholders filled), ours rendered, and the backends.
    const seedConf = path.join(dir, 'seed.conf');
    const seedText = fs
      .readFileSync(SEED_CONFIG, 'utf8')
      .replace(/__PID__/g, path.join(dir, 'seed.pid'))
      .replace(/__ERROR_LOG__/g, path.join(dir, 'seed-error.log'));
    fs.writeFileSync(seedConf, seedText);
    const oursConf = path.join(dir, 'ours.conf');
    fs.writeFileSync(oursConf, renderNginxConfig(oursModel(dir)));
    for (const b of BACKENDS) fs.writeFileSync(path.join(dir, `backend-${b.address}.conf`), backendConfig(b, dir));
    const report = path.join(dir, 'report.lua');
    fs.writeFileSync(report, WRK_REPORT);
    const alternate = path.join(dir, 'alternate.lua');
    fs.writeFileSync(alternate, WRK_ALTERNATE);
    const url = (port: number, route = ''): string => `http://127.0.0.1:${port}${route}`;
    for (const conf of [seedConf, oursConf]) assertNginxConfig(conf);

    for (const [host, port] of [
      ['127.0.0.1', SEED_PORT],
      ['127.0.0.1', OURS_PORT],
      ...BACKENDS.flatMap((b) => [[b.address, b.port], [b.address, STATUS_PORT]]),
    ] as Array<[string, number]>) {
      await assertPortFree(host, port);
    }
    for (const b of BACKENDS) await startBackend(b);
    const gateways = { seed: startPinnedNginx(GATEWAY_CPU, seedConf), ours: startPinnedNginx(GATEWAY_CPU, oursConf) };
    await waitForPort('127.0.0.1', SEED_PORT);
    await waitForPort('127.0.0.1', OURS_PORT);

    // Warm up all three, then alternate short runs (seed, ours, direct; each route in turn) so drift
    // hits them alike.
    const directUrl = (route: string): string => `http://${DIRECT.address}:${DIRECT.port}${route}`;
    await runWrk(url(SEED_PORT, '/'), 1, report);
    await runWrk(url(OURS_PORT, '/'), 1, report);
    await runWrk(directUrl('/'), 1, report);
    const runs = { seed: [] as WrkResult[], ours: [] as WrkResult[], direct: [] as WrkResult[] };
    const conns = { seed: 0, ours: 0 };
    const cpu = { seed: 0, ours: 0 };
    const backendCpu = { seed: 0, ours: 0, direct: 0 };
    const backendSeconds = (): number => [...backends.values()].reduce((a, b) => a + cpuSeconds(b.pid!), 0);
    for (let i = 0; i < ROUNDS; i++) {
      for (const route of ROUTES) {
        for (const [name, port] of [['seed', SEED_PORT], ['ours', OURS_PORT]] as const) {
          const before = await totalAccepts();
          const cpuBefore = cpuSeconds(gateways[name].pid!);
          const backendBefore = backendSeconds();
          const result = await runWrk(url(port, route), RUN_SECONDS, report);
          cpu[name] += cpuSeconds(gateways[name].pid!) - cpuBefore;
          backendCpu[name] += backendSeconds() - backendBefore;
          // Each stub_status query is itself one accepted connection per backend.
          conns[name] += (await totalAccepts()) - before - BACKENDS.length;
          runs[name].push(result);
        }
        const backendBefore = backendSeconds();
        runs.direct.push(await runWrk(directUrl(route), RUN_SECONDS, report));
        backendCpu.direct += backendSeconds() - backendBefore;
      }
    }

    // Failover: stop one backend of each pool in the middle of a run, count failed requests, restart.
    const failover = { seed: 0, ours: 0 };
    for (const [name, port] of [['seed', SEED_PORT], ['ours', OURS_PORT]] as const) {
      const result = await runWrk(url(port), FAILOVER_SECONDS, alternate, async () => {
        await sleep(FAILOVER_STOP_AFTER_MS);
        await Promise.all(STOPPED_IN_FAILOVER.map((a) => stopProcess(backends.get(a)!)));
      });
      failover[name] = failed(result);
      for (const b of BACKENDS.filter((x) => STOPPED_IN_FAILOVER.includes(x.address))) await startBackend(b);
    }

    const sum = (xs: WrkResult[]): number => xs.reduce((a, r) => a + r.requests, 0);
    // Medians over every run (rounds x routes) of each configuration.
    const seedRps = median(runs.seed.map(rps));
    const oursRps = median(runs.ours.map(rps));
    const directRps = median(runs.direct.map(rps));
    const usPerRequest = (seconds: number, xs: WrkResult[]): number => round((seconds * 1e6) / sum(xs), 1);
    const figures = {
      seed_rps: Math.round(seedRps),
      ours_rps: Math.round(oursRps),
      ratio: round(oursRps / seedRps, 2),
      seed_p99_ms: round(median(runs.seed.map((r) => r.p99_us)) / 1000, 2),
      ours_p99_ms: round(median(runs.ours.map((r) => r.p99_us)) / 1000, 2),
      seed_upstream_conns_per_req: round(conns.seed / sum(runs.seed), 4),
      ours_upstream_conns_per_req: round(conns.ours / sum(runs.ours), 4),
      seed_failover_failed: failover.seed,
      ours_failover_failed: failover.ours,
      direct_rps: Math.round(directRps),
      direct_p99_ms: round(median(runs.direct.map((r) => r.p99_us)) / 1000, 2),
      ours_over_direct: round(oursRps / directRps, 2),
      seed_gateway_cpu_us_per_req: usPerRequest(cpu.seed, runs.seed),
      ours_gateway_cpu_us_per_req: usPerRequest(cpu.ours, runs.ours),
    };
    const throughputFailures = [...runs.seed, ...runs.ours, ...runs.direct].reduce((a, r) => a + failed(r), 0);
    if (throughputFailures > 0) console.error(`warning: ${throughputFailures} failed requests in the throughput runs`);
    // Supplementary, on stderr (the JSON line keeps the agreed keys): requests per gateway CPU-second.
    const perCpu = { seed: sum(runs.seed) / cpu.seed, ours: sum(runs.ours) / cpu.ours };
    console.error(
      `requests per gateway CPU-second: seed ${Math.round(perCpu.seed)}, ours ${Math.round(perCpu.ours)}, ratio ${round(perCpu.ours / perCpu.seed, 2)}`,
    );
    console.error(
      `backend CPU per request (us): seed ${usPerRequest(backendCpu.seed, runs.seed)}, ours ${usPerRequest(backendCpu.ours, runs.ours)}, direct ${usPerRequest(backendCpu.direct, runs.direct)}`,
    );
    console.log(JSON.stringify(figures));
  } finally {
    await stopAll();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

process.once('SIGINT', () => {
  void stopAll().then(() => process.exit(130));
});

main().catch(async (e: unknown) => {
  await stopAll();
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
