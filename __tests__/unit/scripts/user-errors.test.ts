import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { unwrapResolutionError, userErrorMessage } from '../../../scripts/user-errors';

/**
 * `npm run synth` and `npx cdktf synth` run the app through scripts/run-ts.js. A user error (bad input
 * refused at synth) must print as its message alone and exit non-zero; KVMS_DEBUG=1 adds the trace; a
 * bug keeps its trace. The fixture fails in the way its argument says.
 */
const root = path.resolve(__dirname, '../../..');
let outdir: string;
beforeAll(() => {
  outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'kvms-user-errors-'));
});
afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

function run(entry: string, args: string[] = [], env: NodeJS.ProcessEnv = {}) {
  const { KVMS_DEBUG: _debug, KVMS_TOKEN_STACKS: _stacks, KVMS_ENVIRONMENT_FILES: _files, ...inherited } = process.env;
  const r = spawnSync(process.execPath, ['scripts/run-ts.js', entry, ...args], {
    cwd: root,
    env: { ...inherited, CDKTF_OUTDIR: outdir, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const fixture = (failure: string, env: NodeJS.ProcessEnv = {}) => run('__tests__/fixtures/synth-failure.ts', [failure], env);

const MEMORY = 'KvmHost [prod/host]: memoryMiB 1000000000 must be a whole number from 512 to 4194304; Docker and cloud-init need at least 512 MiB (2048 is the default), and no real host gives one guest more than 4 TiB';
const NO_ROUTES = 'NginxGateway [prod/services/gateway]: the gateway has no routes: add at least one with addRoute()';

describe('the synth runner on a user error', () => {
  test('prints a ConstructValidationError as its message alone and exits 1', () => {
    expect(fixture('construct')).toEqual({ status: 1, stdout: '', stderr: `${MEMORY}\n` });
  });

  test('prints an InvalidInputError of a pure model as its message alone', () => {
    expect(fixture('renderer')).toEqual({
      status: 1,
      stdout: '',
      stderr: 'extra sysctl key "net.ipv4.tcp_tw_recycle" was removed in Linux 4.12 (it broke connections from clients behind NAT); net.ipv4.tcp_tw_reuse, which the profile models, is the safe way to reuse TIME_WAIT sockets\n',
    });
  });

  test('prints a bad environment file of main.ts as its message alone (npm run synth)', () => {
    const file = path.join(outdir, 'qa.json');
    fs.writeFileSync(file, JSON.stringify({ name: 'qa', hosts: [{ name: 'a', kind: 'aws' }], services: {} }));
    const result = run('main.ts', [], { KVMS_ENVIRONMENT_FILES: file });
    expect(result).toEqual({ status: 1, stdout: '', stderr: `environment file qa.json: hosts[0].kind: must be one of local, kvm, server, got the string "aws"\n` });
  });

  test("prints the library's one-line message of a check that runs again at synth, not cdktf's Resolution error", () => {
    expect(fixture('resolution')).toEqual({ status: 1, stdout: '', stderr: `${NO_ROUTES}\n` });
    // with the token creation stacks kept, cdktf's wrapping holds about 25 lines of internals
    expect(fixture('resolution', { KVMS_TOKEN_STACKS: '1' })).toEqual({ status: 1, stdout: '', stderr: `${NO_ROUTES}\n` });
  });

  test("prints a policy error as cdktf's list of failed validations, without the advice to skip them", () => {
    expect(fixture('policy')).toEqual({
      status: 1,
      stdout: '',
      stderr:
        "Validation failed with the following errors:\n  [prod/services/web/container] [port-not-public] port 80/tcp is published on 0.0.0.0: publish it on 127.0.0.1 or one private address (hostAddress), or suppress 'port-not-public' on this construct with the reason it must be public\n",
    });
  });

  test('prints a user error from a rejected promise as its message alone', () => {
    expect(fixture('async')).toEqual({
      status: 1,
      stdout: '',
      stderr: `sysctl profile name "../x" must be 1-64 letters, digits, '_', '.' or '-', start with a letter or digit, and have no '.conf' suffix; use a name like "90-microservices"\n`,
    });
  });

  test('adds the trace with KVMS_DEBUG=1: the message first, then the wrapped error and its frames', () => {
    const { status, stderr } = fixture('resolution', { KVMS_DEBUG: '1', KVMS_TOKEN_STACKS: '1' });
    expect(status).toBe(1);
    const [first, blank, wrapped, creation] = stderr.split('\n');
    expect([first, blank, wrapped, creation]).toEqual([NO_ROUTES, '', `ConstructValidationError: Resolution error: ${NO_ROUTES}.`, 'Object creation stack:']);
    expect(stderr).toMatch(/\n {2}at .*nginx-gateway\.ts:\d+:\d+/);
    const construct = fixture('construct', { KVMS_DEBUG: '1' }).stderr;
    expect(construct.startsWith(`${MEMORY}\n\nConstructValidationError: ${MEMORY}\n    at `)).toBe(true);
  });
});

describe('the synth runner on a bug', () => {
  test('keeps the trace of a TypeError and exits 1', () => {
    const { status, stdout, stderr } = fixture('bug');
    expect({ status, stdout }).toEqual({ status: 1, stdout: '' });
    expect(stderr).toMatch(/^TypeError: Cannot read properties of undefined \(reading 'servers'\)\n\s+at .*synth-failure\.ts:\d+:\d+/);
  });
});

describe('userErrorMessage', () => {
  test('unwraps nested Resolution errors, with and without creation stacks', () => {
    expect(unwrapResolutionError('Resolution error: Resolution error: KvmHost [a]: x must be y..')).toBe('KvmHost [a]: x must be y');
    expect(unwrapResolutionError('Resolution error: KvmHost [a]: x must be y.\nObject creation stack:\n  at f (x.js:1:1)')).toBe('KvmHost [a]: x must be y');
    expect(unwrapResolutionError('KvmHost [a]: ends with a sentence.')).toBe('KvmHost [a]: ends with a sentence.');
  });

  test('knows the library errors by name, so an error from another copy of the library counts', () => {
    const fromOtherCopy = Object.assign(new Error('TunedServer [prod/vps]: port 0 must be an integer from 1 to 65535'), { name: 'ConstructValidationError' });
    expect(userErrorMessage(fromOtherCopy)).toBe('TunedServer [prod/vps]: port 0 must be an integer from 1 to 65535');
    expect(userErrorMessage(new TypeError('x is undefined'))).toBeUndefined();
    expect(userErrorMessage('a string')).toBeUndefined();
  });
});
