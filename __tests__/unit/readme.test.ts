import * as fs from 'fs';
import * as path from 'path';
import { aptInstallPackages, markedBlocks, README_PATH, readmeBlocks } from '../fixtures/readme-blocks';
import { deployCommands, readmeDeployCommands } from '../fixtures/readme-deploy';

// The README is the user's manual: the engine suite runs its Deploy commands and the consumer suite its
// quick start (both read out of README.md). These checks hold at `npm test` time, without the engines.

const repoRoot = path.resolve(__dirname, '..', '..');
const readme = fs.readFileSync(README_PATH, 'utf8');

describe('README.md', () => {
  test('the Deploy section gives both paths, from the toolchain to destroy, in the order a user runs them', () => {
    const { opentofu, cdktf } = readmeDeployCommands();
    const order = (commands: string, steps: RegExp[]) => steps.map((s) => commands.search(s));
    const setup = [/npm run toolchain/, /export PATH="\$PWD\/scripts\/bin:\$PATH"/, /docker-engine\.sh start/, /npm run images/, /export TF_VAR_/];
    for (const { deploy } of [opentofu, cdktf]) {
      const at = order(deploy, [...setup, /curl -fsS http:\/\/127\.0\.0\.1:8080\/api\/inventory/]);
      expect(at.every((p) => p >= 0)).toBe(true);
      expect([...at].sort((a, b) => a - b)).toEqual(at);
    }
    expect(opentofu.deploy).toMatch(/tofu init\ntofu apply/);
    expect(cdktf.deploy).toMatch(/CHECKPOINT_DISABLE=1/);
    expect(cdktf.deploy).toMatch(/npx cdktf deploy dev --skip-provider-lock/);
    expect(opentofu.destroy).toMatch(/^tofu destroy/m);
    expect(cdktf.destroy).toMatch(/^npx cdktf destroy dev --skip-provider-lock/m);
  });

  test('fails when a deploy-test marker has no code block, an unknown word, or a path lacks its destroy', () => {
    const section = (body: string) => `# x\n\n## Deploy\n\n${body}\n## Next\n`;
    const block = (words: string, code = 'echo hi') => `<!-- deploy-test: ${words} -->\n\`\`\`sh\n${code}\n\`\`\`\n`;
    expect(() => deployCommands(section('<!-- deploy-test: opentofu -->\nno block here\n'))).toThrow(
      'README.md:5: the "deploy-test" marker must stand right before a fenced code block',
    );
    expect(() => deployCommands(section(block('opentofu cdk')))).toThrow('README.md:5: unknown deploy-test word(s) cdk; use opentofu, cdktf and destroy');
    expect(() => deployCommands(section(block('opentofu cdktf') + block('opentofu destroy')))).toThrow('the Deploy section has no destroy block for the cdktf path');
    expect(() => deployCommands(`# x\n\n${block('opentofu')}\n## Deploy\n`)).toThrow('README.md:3: a deploy-test block outside the Deploy section');
    expect(deployCommands(section(block('opentofu cdktf', 'a') + block('opentofu', 'b') + block('cdktf', 'c') + block('opentofu cdktf destroy', 'd')))).toEqual({
      opentofu: { deploy: 'a\nb\n', destroy: 'd\n' },
      cdktf: { deploy: 'a\nc\n', destroy: 'd\n' },
    });
  });

  test('lists the Debian packages that .ci/run installs', () => {
    const fromReadme = aptInstallPackages(readme.slice(readme.indexOf('## Integration tests')));
    const fromCi = aptInstallPackages(fs.readFileSync(path.join(repoRoot, '.ci', 'run'), 'utf8'));
    expect([...fromReadme].sort()).toEqual([...fromCi].sort());
    expect(fromCi).toEqual(expect.arrayContaining(['unzip', 'procps', 'curl', 'openssl']));
  });

  test('installs packages with exact versions wherever it names one (npm install --save-exact)', () => {
    const installs = readme.split('\n').filter((l) => /^npm install .*@\d/.test(l));
    expect(installs.length).toBeGreaterThanOrEqual(3);
    expect(installs.filter((l) => !l.includes('--save-exact'))).toEqual([]);
    expect(installs.filter((l) => /@[\^~]/.test(l))).toEqual([]);
  });

  test('the consumer quick start has valid cdktf.json and tsconfig.json files and a main.ts', () => {
    const files = readmeBlocks('consumer-quickstart').filter((b) => b.words[0] === 'file');
    expect(files.map((b) => b.words[1])).toEqual(['cdktf.json', 'tsconfig.json', 'main.ts']);
    expect(JSON.parse(files[0].code)).toMatchObject({ language: 'typescript', app: 'npx ts-node main.ts' });
    expect(JSON.parse(files[1].code).compilerOptions).toMatchObject({ strict: true, module: 'CommonJS' });
  });

  test('markedBlocks reads a block after blank lines and keeps longer fences whole', () => {
    expect(markedBlocks('<!-- t: a b -->\n\n````md\n```sh\nx\n```\n````\n', 't')).toEqual([{ words: ['a', 'b'], code: '```sh\nx\n```\n', line: 1 }]);
  });
});
