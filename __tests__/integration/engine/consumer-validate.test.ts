import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildConsumerProject } from '../consumer-project';
import { requireToolchain, runTofu, Toolchain } from './toolchain';

// GIVEN the README's consumer quick start run against the packed library (see ../consumer.test.ts)
// WHEN OpenTofu with the real docker provider initializes the stack `npx cdktf synth` wrote
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
    const dir = path.join(project, 'cdktf.out', 'stacks', 'shop');
    runTofu(tc, dir, ['init', '-input=false', '-backend=false']);
    expect(runTofu(tc, dir, ['validate'])).toContain('The configuration is valid');
  });
});
