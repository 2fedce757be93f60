import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readmeBlocks } from '../fixtures/readme-blocks';

// GIVEN the TypeScript examples the README marks with <!-- readme-example: <name> -->
// WHEN each is run as a program (the package and cdktf resolved to this repository)
// THEN it synthesizes, so the README's code cannot rot unnoticed.

const repoRoot = path.resolve(__dirname, '..', '..');

function runExample(code: string): { outdir: string; stacks: string[] } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kvms-readme-example-'));
  const file = path.join(dir, 'main.ts');
  const resolved = code
    .replace(/from 'cdktf-kvm-microservices'/g, `from ${JSON.stringify(repoRoot)}`)
    .replace(/from 'cdktf'/g, `from ${JSON.stringify(path.join(repoRoot, 'node_modules', 'cdktf'))}`);
  fs.writeFileSync(file, resolved);
  const outdir = path.join(dir, 'out');
  execFileSync(process.execPath, [path.join(repoRoot, 'scripts', 'run-ts.js'), file], { cwd: dir, env: { ...process.env, CDKTF_OUTDIR: outdir }, stdio: 'pipe' });
  return { outdir, stacks: fs.readdirSync(path.join(outdir, 'stacks')) };
}

describe('README examples', () => {
  test('the Application example synthesizes the system it describes', () => {
    const [block] = readmeBlocks('readme-example').filter((b) => b.words.includes('application'));
    const { outdir, stacks } = runExample(block.code);
    try {
      expect(stacks).toEqual(['tix']);
      const json = JSON.parse(fs.readFileSync(path.join(outdir, 'stacks', 'tix', 'cdk.tf.json'), 'utf8'));
      expect(Object.keys(json.provider).sort()).toEqual(['docker', 'libvirt', 'null']);
      const names = Object.values<{ name: string }>(json.resource.docker_container).map((c) => c.name.replace(/-[0-9a-f]{8}$|-\$\{local\.[^}]+\}$/, '')).sort();
      expect(names).toEqual(expect.arrayContaining(['tix-services-api-1', 'tix-services-api-3', 'tix-services-web-2', 'tix-services-worker-1', 'tix-services-db', 'tix-services-gateway']));
      expect(json.variable.payment_key.sensitive).toBe(true);
    } finally {
      fs.rmSync(path.dirname(outdir), { recursive: true, force: true });
    }
  });
});
