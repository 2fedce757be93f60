import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as fc from 'fast-check';
import { CloudInitConfig } from '../../renderers/cloud-init';
import { InvalidInputError } from '../../renderers/invalid-input';
import { NginxGatewayModel, renderNginxConfig, validateNginxGateway } from '../../renderers/nginx-config';
import { shellQuote } from '../../renderers/shell';
import { SysctlProfile } from '../../renderers/sysctl-profile';
import { inDirectory } from '../fixtures/gateway-models';
import { DANGEROUS, INVISIBLE, NON_ASCII_LETTERS, gatewayModelArb, stringFrom } from '../fixtures/properties';

// The unit property tests' samples through the real tools: every model or input the validators
// accept must pass `nginx -t`, `cloud-init schema` and a round trip through `sh`. Bounded runs with
// fixed seeds; each tool call has a timeout.

jest.setTimeout(300_000);
const RUNS = { seed: 20261128, numRuns: 50 };
const PRINTABLE = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i));
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIZKr13k7dY5Fz+G+pbLiadrE85vh8FM2F0M3FgpPUYx';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kvms-properties-'));
  fs.chmodSync(dir, 0o755);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function accepted(validate: () => void): boolean {
  try {
    validate();
    return true;
  } catch (e) {
    if (e instanceof InvalidInputError) return false;
    throw e;
  }
}

/**
 * nginx resolves upstream host names when it loads a configuration, and container aliases do not
 * resolve here: give each server that is a name (not an IP literal) its own loopback address, and keep
 * everything else, IP literals included, as generated.
 */
function withLoopbackNames(model: NginxGatewayModel): NginxGatewayModel {
  let n = 0;
  return {
    ...model,
    pools: model.pools.map((p) => ({
      ...p,
      servers: p.servers.map((s) => (s.host.includes(':') ? s : { ...s, host: `127.0.${Math.floor(++n / 250)}.${(n % 250) + 1}` })),
    })),
  };
}

test('nginx -t accepts every generated gateway model the validator accepts', () => {
  let checked = 0;
  fc.assert(
    fc.property(gatewayModelArb, (generated) => {
      if (!accepted(() => validateNginxGateway(generated))) return;
      const model = inDirectory(withLoopbackNames(generated), dir);
      const conf = path.join(dir, 'nginx.conf');
      fs.writeFileSync(conf, renderNginxConfig(model));
      const r = spawnSync('nginx', ['-t', '-q', '-c', conf], { encoding: 'utf8', timeout: 20_000 });
      checked++;
      expect({ status: r.status, output: `${r.stdout}${r.stderr}`, model: generated }).toEqual({ status: 0, output: '', model: generated });
    }),
    { ...RUNS, numRuns: 1000 }, // about one model in twenty is accepted (headers and origins too): some 50 nginx -t runs
  );
  expect(checked).toBeGreaterThan(40);
});

test('cloud-init schema accepts every generated user-data the renderer accepts', () => {
  let checked = 0;
  const input = fc.record({
    comment: stringFrom([...PRINTABLE, ...NON_ASCII_LETTERS, ...INVISIBLE], 20, 0),
    extraValue: stringFrom(PRINTABLE.filter((c) => c !== ' '), 10),
  });
  fc.assert(
    fc.property(input, ({ comment, extraValue }) => {
      let userData: string;
      try {
        const profile = new SysctlProfile({ extra: { 'kernel.pid_max': extraValue } });
        userData = new CloudInitConfig({ sshAuthorizedKeys: [comment === '' ? KEY : `${KEY} ${comment}`], profile }).renderUserData();
      } catch (e) {
        if (e instanceof InvalidInputError) return;
        throw e;
      }
      const file = path.join(dir, 'user-data');
      fs.writeFileSync(file, userData);
      const r = spawnSync('cloud-init', ['schema', '--config-file', file], { encoding: 'utf8', timeout: 60_000 });
      checked++;
      expect({ status: r.status, stdout: r.stdout.trim(), comment, extraValue }).toEqual({ status: 0, stdout: `Valid cloud-config: ${file}`, comment, extraValue });
    }),
    { ...RUNS, numRuns: 30 },
  );
  expect(checked).toBeGreaterThan(10);
});

test('sh reads every quoted value back byte for byte', () => {
  const value = fc.oneof(stringFrom(['a', '0', '/', '-', ...DANGEROUS], 16, 0), fc.string({ unit: 'binary', maxLength: 16 })).filter((v) => !v.includes('\0'));
  fc.assert(
    fc.property(value, (v) => {
      const out = execFileSync('sh', ['-c', `printf '%s' ${shellQuote(v)}`], { timeout: 10_000 });
      expect(out.equals(Buffer.from(v, 'utf8'))).toBe(true);
    }),
    RUNS,
  );
});
