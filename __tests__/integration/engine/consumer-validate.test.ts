import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildConsumerProject, run } from '../consumer-project';
import { requireToolchain, runTofu, Toolchain } from './toolchain';

// GIVEN a fresh cdktf project that installed the packed library (see ../consumer.test.ts)
// WHEN its stack is synthesized and OpenTofu with the real docker provider initializes it
// THEN the stack validates.

describe('a consumer stack on OpenTofu', () => {
  let tc: Toolchain;
  let work: string;

  beforeAll(() => {
    tc = requireToolchain();
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'kvms-consumer-validate-'));
  });

  afterAll(() => {
    if (work !== undefined) fs.rmSync(work, { recursive: true, force: true });
  });

  test('passes tofu init and tofu validate', () => {
    const { project } = buildConsumerProject(work);
    const outdir = path.join(work, 'cdktf.out');
    run(process.execPath, ['main.js'], project, { ...process.env, CDKTF_OUTDIR: outdir });
    const dir = path.join(outdir, 'stacks', 'consumer');
    runTofu(tc, dir, ['init', '-input=false', '-backend=false']);
    expect(runTofu(tc, dir, ['validate'])).toContain('The configuration is valid');
  });
});
