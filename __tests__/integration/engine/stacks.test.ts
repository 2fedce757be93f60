import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { repoRoot, requireToolchain, runTofu, synthApp, Toolchain } from './toolchain';

// GIVEN the app's default environments, synthesized as `npm run synth` does
// WHEN OpenTofu with the real providers initializes and validates each stack, and plans `dev`
// THEN every stack is valid, and `dev` plans against the local Docker engine.

describe('the default environment stacks on OpenTofu', () => {
  let tc: Toolchain;
  let work: string;
  let stacks: Record<string, string>;

  beforeAll(() => {
    tc = requireToolchain();
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'kvms-stacks-'));
    stacks = synthApp(path.join(work, 'out'));
  });

  afterAll(() => {
    if (work !== undefined) fs.rmSync(work, { recursive: true, force: true });
  });

  test('synthesizes dev, staging and prod', () => {
    expect(Object.keys(stacks).sort()).toEqual(['dev', 'prod', 'staging']);
  });

  test.each(['dev', 'staging', 'prod'])('%s passes tofu init and tofu validate', (name) => {
    // -backend=false: prod's pg backend needs a database to init against; validation does not.
    runTofu(tc, stacks[name], ['init', '-input=false', '-backend=false']);
    expect(runTofu(tc, stacks[name], ['validate'])).toContain('The configuration is valid');
  });

  test('dev plans against the local Docker engine', () => {
    const dockerHost = execFileSync('bash', [path.join(repoRoot, 'scripts', 'docker-engine.sh'), 'env'], { encoding: 'utf8' })
      .trim()
      .replace(/^export DOCKER_HOST=/, '');
    const dir = stacks.dev;
    runTofu(tc, dir, ['init', '-input=false', '-reconfigure', '-backend-config', `path=${path.join(work, 'dev.tfstate')}`]);
    const plan = runTofu(tc, dir, ['plan', '-input=false', '-var', 'db_root_password=plan-only', '-var', 'db_app_password=plan-only'], {
      env: { ...tc.env, DOCKER_HOST: dockerHost },
    });
    // network, database and its login check, two replicas, the gateway, its activation job and its volume
    expect(plan).toMatch(/Plan: 8 to add, 0 to change, 0 to destroy/);
    expect(plan).toMatch(/gateway_url\s+= "http:\/\/127.0.0.1:8080"/);
  });
});
