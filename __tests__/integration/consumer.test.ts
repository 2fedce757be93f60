import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildConsumerProject, PACKAGE, PEERS, run, SUBPATHS } from './consumer-project';
import { repoRoot } from './engine/toolchain';

// GIVEN the library compiled (tsc -p tsconfig.build.json) and packed with `npm pack`, as it is published
// WHEN the README's consumer quick start runs as written against the tarball: a new project installs it
// with the peers (--save-exact), writes the README's cdktf.json, tsconfig.json and main.ts, and runs
// `npx cdktf synth`
// THEN the package holds only the library, the versions are exact, every subpath export and the
// handed-out types resolve, and the shop stack is synthesized.
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

  test('installs with the peers at the supported versions, each once, written without ranges', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(project, 'package.json'), 'utf8'));
    const written = { ...manifest.dependencies, ...manifest.devDependencies } as Record<string, string>;
    expect(Object.entries(written).filter(([, v]) => /^[\^~]/.test(v))).toEqual([]);
    expect(Object.keys(manifest.dependencies).sort()).toEqual([PACKAGE, ...PEERS].sort());
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

  test('npx cdktf synth wrote the shop: the database linked as db, the web app, the gateway, the password a variable', () => {
    const text = fs.readFileSync(path.join(project, 'cdktf.out', 'stacks', 'shop', 'cdk.tf.json'), 'utf8');
    const json = JSON.parse(text);
    const containers = Object.values<{ name: string; networks_advanced?: { aliases: string[] }[]; network_mode?: string }>(json.resource.docker_container);
    // The services on the network (web is start-first: its name ends in its fingerprint), and the two
    // one-shot jobs that run in a container's namespaces: the database's login check and the gateway's activation.
    expect(containers.filter((c) => c.networks_advanced !== undefined).map((c) => [c.name.replace(/-[0-9a-f]{8}$|-\$\{local\.[^}]+\}$/, ''), c.networks_advanced![0].aliases]).sort()).toEqual([
      ['shop-services-gateway', ['gateway']],
      ['shop-services-mysql-core', ['mysql-core', 'db']],
      ['shop-services-web', ['web']],
    ]);
    expect(containers.filter((c) => c.networks_advanced === undefined).map((c) => c.name).sort()).toEqual(['shop-services-gateway-config', 'shop-services-mysql-core-login-check']);
    expect(json.variable.db_root_password).toEqual({ sensitive: true, type: 'string' });
    expect(text).toContain('${var.db_root_password}');
  });
});
