import * as fs from 'fs';
import * as path from 'path';
import { StreamRelayModel, renderStreamRelayConfig } from '../../renderers/stream-relay';
import { compareNginxVersions } from '../../renderers/nginx-version';
import { NginxBuild, RunningNginx, imageNginx, nginxTempDir, startCheckedNginx, waitForPort } from '../../support/local-processes';
import { Backend, json, request } from '../fixtures/backends';
import { DEBIAN_STREAM_MODULE, relayInDirectory, sampleRelays } from '../fixtures/gateway-models';

// The TCP relay with real nginx: Debian's stream module loaded into nginx 1.22 (kvms/nginx:1.22, bookworm)
// and nginx 1.30 (kvms/nginx:1.30, sid), both from `npm run images`, on the host's network. Ports
// 28190-28191.

jest.setTimeout(120_000);

const RELAY_PORT = 28190;
const BACKEND_PORT = 28191;
const builds: NginxBuild[] = [imageNginx('kvms/nginx:1.22'), imageNginx('kvms/nginx:1.30')];

const cases = builds.flatMap((build) =>
  Object.keys(sampleRelays)
    .filter((name) => compareNginxVersions(sampleRelays[name].nginxVersion ?? build.version, build.version) <= 0)
    .map((name): [string, string, NginxBuild] => [build.name, name, build]),
);

describe('nginx -t accepts every rendered relay', () => {
  test.each(cases)('%s accepts the %s sample without warnings', (_build, name, build) => {
    const dir = nginxTempDir('stream-relay-');
    try {
      const conf = path.join(dir, 'nginx.conf');
      fs.writeFileSync(conf, renderStreamRelayConfig(relayInDirectory(sampleRelays[name], dir)));

      const { status, output } = build.check(conf);

      expect(output).toContain('test is successful');
      expect(output).not.toMatch(/\[(warn|emerg|alert|crit)\]/);
      expect(status).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.each(builds.map((b): [string, NginxBuild] => [b.name, b]))('a relay on %s in front of two backends', (_name, build) => {
  const backends = [new Backend('127.0.0.6', BACKEND_PORT), new Backend('127.0.0.7', BACKEND_PORT)];
  let dir = '';
  let relay: RunningNginx | undefined;

  beforeAll(async () => {
    await Promise.all(backends.map((b) => b.start()));
    dir = nginxTempDir('stream-relay-');
    const model: StreamRelayModel = {
      listeners: [{ name: 'web', port: RELAY_PORT, listenAddress: '127.0.0.1', servers: backends.map((b) => ({ host: b.address, port: b.port })) }],
      modules: [DEBIAN_STREAM_MODULE],
      nginxVersion: build.version,
      process: { workerProcesses: 1 },
    };
    const conf = path.join(dir, 'nginx.conf');
    fs.writeFileSync(conf, renderStreamRelayConfig(relayInDirectory(model, dir)));
    relay = startCheckedNginx(build, conf);
    await waitForPort('127.0.0.1', RELAY_PORT, 20_000);
  });

  afterAll(async () => {
    if (relay) await relay.stop();
    await Promise.all(backends.map((b) => b.stop()));
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('passes HTTP through to both backends, one connection at a time', async () => {
    const replies = await Promise.all(Array.from({ length: 10 }, (_, i) => request(RELAY_PORT, `/through/${i}`, { headers: { host: 'shop.test' } })));

    expect(replies.map((r) => r.status)).toEqual(replies.map(() => 200));
    expect(new Set(replies.map((r) => json(r).backend))).toEqual(new Set(['127.0.0.6', '127.0.0.7']));
    expect(json(replies[0]).headers.host).toBe('shop.test');
  });

  test('fails over to the other backend when one stops: no failed connection', async () => {
    await backends[1].stop();

    const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => request(RELAY_PORT, `/failover/${i}`)));

    expect(replies.map((r) => r.status)).toEqual(replies.map(() => 200));
    expect(new Set(replies.map((r) => json(r).backend))).toEqual(new Set(['127.0.0.6']));
  });
});
