import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildConsumerProject, PACKAGE, PEERS, run, SUBPATHS } from './consumer-project';
import { repoRoot } from './engine/toolchain';

// GIVEN the library compiled (tsc -p tsconfig.build.json) and packed with `npm pack`, as it is published
// WHEN a fresh cdktf project installs the tarball with the supported peer versions, type-checks a small
// stack against the shipped declarations, and synthesizes it with node
// THEN the package holds only the library, every subpath export resolves, and the stack synthesizes.
// (engine/consumer-validate.test.ts runs OpenTofu with the real provider on the same stack.)

describe('the packed library in a fresh cdktf project', () => {
  let work: string;
  let project: string;
  let packedFiles: string[];

  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'kvms-consumer-'));
    ({ project, packedFiles } = buildConsumerProject(work));
  });

  afterAll(() => {
    if (work !== undefined) fs.rmSync(work, { recursive: true, force: true });
  });

  test('the package holds the compiled library, its declarations and the docs, and nothing else', () => {
    const allowed = /^(package\.json|README\.md|CHANGELOG\.md|LICENSE|docs\/API\.md|dist\/.+\.(js|d\.ts))$/;
    expect(packedFiles.filter((f) => !allowed.test(f))).toEqual([]);
    expect(packedFiles.filter((f) => /__tests__|\.test\.|__snapshots__|\.cache|cdktf\.out|node_modules|tsbuildinfo|^dist\/(scripts|bench|examples)\//.test(f))).toEqual([]);
    expect(packedFiles).toEqual(expect.arrayContaining([
      'dist/index.js', 'dist/index.d.ts', 'dist/constructs/index.js', 'dist/policy/index.js',
      'dist/providers/libvirt/provider/index.js', 'dist/providers/libvirt/domain/index.d.ts', 'README.md',
    ]));
  });

  test('installs with the peers at the supported versions, each once', () => {
    const versionOf = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).version;
    const modules = path.join(project, 'node_modules');
    expect(versionOf(path.join(modules, PACKAGE))).toBe(versionOf(repoRoot));
    const devDependencies = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')).devDependencies;
    for (const peer of PEERS) {
      expect(versionOf(path.join(modules, peer))).toBe(devDependencies[peer]);
      // One copy only: the library uses the project's cdktf and constructs (instanceof checks rely on it).
      expect(fs.existsSync(path.join(modules, PACKAGE, 'node_modules', peer))).toBe(false);
    }
  });

  test('type-checks against the shipped declarations with node16 module resolution too', () => {
    // node10 compiled main.ts in beforeAll; node16 resolves subpaths through `exports` instead.
    expect(run(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.node16.json'], project)).toBe('');
  });

  test('every subpath export resolves at run time, and files outside the exports do not', () => {
    expect(JSON.parse(run(process.execPath, ['exports-check.js'], project))).toEqual(Object.keys(SUBPATHS).map(() => 'function'));
    expect(() => run(process.execPath, ['-e', `require('${PACKAGE}/dist/constructs/kvm-host')`], project)).toThrow(/ERR_PACKAGE_PATH_NOT_EXPORTED/);
  });

  test('synthesizes the stack: two services linked by alias behind the gateway', () => {
    const outdir = path.join(work, 'cdktf.out');
    run(process.execPath, ['main.js'], project, { ...process.env, CDKTF_OUTDIR: outdir });
    const dir = path.join(outdir, 'stacks', 'consumer');
    const json = JSON.parse(fs.readFileSync(path.join(dir, 'cdk.tf.json'), 'utf8'));
    const containers = Object.values<{ name: string; networks_advanced: { aliases: string[] }[] }>(json.resource.docker_container);
    expect(containers.map((c) => [c.name, c.networks_advanced[0].aliases]).sort()).toEqual([
      ['consumer-services-api', ['api', 'backend']],
      ['consumer-services-gateway', ['gateway']],
      ['consumer-services-web', ['web']],
    ]);
  });
});
