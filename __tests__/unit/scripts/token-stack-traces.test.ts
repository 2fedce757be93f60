import { execFileSync } from 'child_process';
import * as path from 'path';
import { Lazy, TerraformOutput, TerraformStack, Testing, Tokenization } from 'cdktf';
import { skipTokenStackTraces } from '../../../scripts/token-stack-traces';

/**
 * `npm run synth` and the tests skip formatting the stack trace cdktf captures for every token
 * (scripts/token-stack-traces.js, installed by scripts/run-ts.js and __tests__/setup.ts). Real errors
 * must keep their traces, and KVMS_TOKEN_STACKS=1 must bring the token traces back.
 */

/** A stand-in for `Error` whose `prepareStackTrace` records what it was asked to format. */
function errorClassWith(format?: (error: unknown, callsites: unknown[]) => string) {
  return { prepareStackTrace: format } as { prepareStackTrace?: (error: unknown, callsites: unknown[]) => string };
}

const root = path.resolve(__dirname, '../../..');
// This test file runs under the setting it was started with: `KVMS_TOKEN_STACKS=1 npm test` keeps traces.
const keepTraces = Boolean(process.env.KVMS_TOKEN_STACKS);

/** Runs the fixture through the synth runner and returns what it printed. */
function runFixture(env: NodeJS.ProcessEnv): { frames: number; errorTrace: boolean } {
  const out = execFileSync(process.execPath, ['scripts/run-ts.js', '__tests__/fixtures/token-trace.ts'], { cwd: root, env, encoding: 'utf8' });
  return JSON.parse(out);
}

describe('token stack traces', () => {
  const saved = process.env.KVMS_TOKEN_STACKS;
  beforeEach(() => delete process.env.KVMS_TOKEN_STACKS);
  afterEach(() => {
    if (saved === undefined) delete process.env.KVMS_TOKEN_STACKS;
    else process.env.KVMS_TOKEN_STACKS = saved;
  });

  test('in the tests, a trace captured on a plain object, as cdktf does for tokens, is empty (unless KVMS_TOKEN_STACKS=1)', () => {
    const holder = { stack: 'unset' };
    Error.captureStackTrace(holder);
    expect(holder.stack === '').toBe(!keepTraces);
  });

  test('in the tests, a token records no creation trace (unless KVMS_TOKEN_STACKS=1), and still resolves', () => {
    const token = Lazy.stringValue({ produce: () => 'resolved' });
    expect(Tokenization.reverseString(token).firstToken!.creationStack.length === 0).toBe(!keepTraces);
    const stack = new TerraformStack(Testing.app(), 'traces');
    new TerraformOutput(stack, 'value', { value: token });
    expect(JSON.parse(Testing.synth(stack)).output.value.value).toBe('resolved');
  });

  test('a real error keeps its trace, with TypeScript line numbers', () => {
    const error = new Error('boom');
    expect(error.stack).toMatch(/^Error: boom\n\s+at .*token-stack-traces\.test\.ts:\d+:\d+/);
  });

  test('errors go to the formatter that was installed before; other objects get an empty trace', () => {
    const seen: unknown[] = [];
    const errorClass = errorClassWith((error) => {
      seen.push(error);
      return 'formatted';
    });
    skipTokenStackTraces(errorClass);
    const error = new RangeError('x');
    expect(errorClass.prepareStackTrace!(error, [])).toBe('formatted');
    expect(errorClass.prepareStackTrace!({ stack: '' }, [])).toBe('');
    expect(seen).toEqual([error]);
  });

  test("without a formatter installed, errors get V8's own format", () => {
    const errorClass = errorClassWith();
    skipTokenStackTraces(errorClass);
    const callsite = { toString: () => 'f (file.ts:1:2)' };
    expect(errorClass.prepareStackTrace!(new TypeError('bad'), [callsite])).toBe('TypeError: bad\n    at f (file.ts:1:2)');
  });

  test('the synth runner records no token traces, and keeps them with KVMS_TOKEN_STACKS=1; real errors keep theirs', () => {
    const { KVMS_TOKEN_STACKS: _, ...env } = process.env;
    expect(runFixture(env)).toEqual({ frames: 0, errorTrace: true });
    const kept = runFixture({ ...env, KVMS_TOKEN_STACKS: '1' });
    expect(kept.frames).toBeGreaterThan(3);
    expect(kept.errorTrace).toBe(true);
  });

  test('KVMS_TOKEN_STACKS=1 leaves the formatter alone', () => {
    process.env.KVMS_TOKEN_STACKS = '1';
    const format = () => 'all traces';
    const errorClass = errorClassWith(format);
    skipTokenStackTraces(errorClass);
    expect(errorClass.prepareStackTrace).toBe(format);
  });
});
