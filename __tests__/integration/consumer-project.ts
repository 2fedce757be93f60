import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { repoRoot } from './engine/toolchain';

// A fresh cdktf project that installs this library the way a team does: compiled with
// tsconfig.build.json, packed with `npm pack`, installed from the tarball with the supported peers.

export const PEERS = ['cdktf', 'constructs', '@cdktf/provider-docker', '@cdktf/provider-null'];
export const PACKAGE = 'cdktf-kvm-microservices';

/** Runs a command; on failure the error carries its output. */
export function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): string {
  try {
    return execFileSync(cmd, args, { cwd, env, encoding: 'utf8', stdio: 'pipe', timeout: 600_000 });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; status?: number };
    throw new Error(`${cmd} ${args.join(' ')} failed (exit ${err.status}):\n${err.stdout ?? ''}${err.stderr ?? ''}`);
  }
}

/** The environment without the npm_* settings of an enclosing `npm run`, which would steer a nested npm. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_')));
}

/** Installs from npm's cache when everything is there (it is after `npm ci` here), else from the registry. */
function npmInstall(cwd: string): void {
  try {
    run('npm', ['install', '--offline', '--no-audit', '--no-fund'], cwd, cleanEnv());
  } catch {
    run('npm', ['install', '--no-audit', '--no-fund'], cwd, cleanEnv());
  }
}

const CONSUMER_STACK = `import { App, TerraformStack } from 'cdktf';
import { DockerHost, NginxGateway, ServiceNetwork } from '${PACKAGE}';

const app = new App();
const stack = new TerraformStack(app, 'consumer');
const network = new ServiceNetwork(stack, 'services', { provider: DockerHost.local(stack, 'docker') });
const api = network.addService('api', { image: 'registry.example.no/team/api:1.0.0' });
const web = network.addService('web', { image: 'registry.example.no/team/web:1.0.0', environment: { API_URL: 'http://backend:8080' } });
web.link(api, 'backend');
new NginxGateway(stack, 'gateway', {
  network,
  pools: [
    { name: 'web_pool', servers: [{ host: web.alias, port: 3000 }] },
    { name: 'api_pool', servers: [{ host: api.alias, port: 8080 }] },
  ],
  routes: [
    { path: '/', pool: 'web_pool' },
    { path: '/api', pool: 'api_pool' },
  ],
});
app.synth();
`;

// Every subpath export, used for its types (tsc) and its values (node).
export const SUBPATHS: Record<string, string> = {
  [PACKAGE]: 'NginxGateway',
  [`${PACKAGE}/constructs`]: 'KvmHost',
  [`${PACKAGE}/renderers`]: 'SysctlProfile',
  [`${PACKAGE}/stacks`]: 'EnvironmentStack',
  [`${PACKAGE}/policy`]: 'applyPolicy',
  [`${PACKAGE}/providers/libvirt/provider`]: 'LibvirtProvider',
  [`${PACKAGE}/providers/libvirt/domain`]: 'Domain',
};
const EXPORTS_CHECK = [
  ...Object.entries(SUBPATHS).map(([from, name], i) => `import { ${name} as value${i} } from '${from}';`),
  `console.log(JSON.stringify([${Object.keys(SUBPATHS).map((_, i) => `typeof value${i}`).join(', ')}]));`,
  '',
].join('\n');

// The compiler options of `cdktf init --template=typescript` (moduleResolution node10: subpaths resolve
// through typesVersions), and a node16 variant (subpaths resolve through exports).
const TSCONFIG = {
  compilerOptions: {
    alwaysStrict: true, declaration: true, experimentalDecorators: true, lib: ['es2022'], module: 'CommonJS', noEmitOnError: true,
    noFallthroughCasesInSwitch: true, noImplicitAny: true, noImplicitReturns: true, noImplicitThis: true, noUnusedLocals: true,
    noUnusedParameters: true, resolveJsonModule: true, strict: true, strictNullChecks: true, strictPropertyInitialization: true,
    stripInternal: true, target: 'ES2022', skipLibCheck: true,
  },
  include: ['main.ts', 'exports-check.ts'],
};

/** The consumer project built in `work`: its directory and the files the package holds. */
export interface ConsumerProject {
  readonly project: string;
  readonly packedFiles: string[];
}

/**
 * Builds and packs the library from a staging copy (the working tree's dist/ is untouched), installs the
 * tarball into a fresh project in `work`, and compiles the project's stack as `cdktf init` projects do.
 */
export function buildConsumerProject(work: string): ConsumerProject {

  // Build and pack from a staging copy of the package: the same tsc and `files` as `npm run build &&
  // npm pack` in a clean checkout, without touching the working tree's dist/.
  const staging = path.join(work, 'package');
  fs.mkdirSync(staging);
  for (const f of ['package.json', 'README.md', 'CHANGELOG.md', 'LICENSE', path.join('docs', 'API.md')]) {
    if (!fs.existsSync(path.join(repoRoot, f))) continue;
    fs.mkdirSync(path.dirname(path.join(staging, f)), { recursive: true });
    fs.copyFileSync(path.join(repoRoot, f), path.join(staging, f));
  }
  run(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(repoRoot, 'tsconfig.build.json'), '--outDir', path.join(staging, 'dist')], repoRoot);
  const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', work], staging, cleanEnv()));
  const packedFiles: string[] = packed[0].files.map((f: { path: string }) => f.path);

  const project = path.join(work, 'app');
  fs.mkdirSync(project);
  const devDependencies = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')).devDependencies;
  const dependencies: Record<string, string> = { [PACKAGE]: `file:../${packed[0].filename}` };
  for (const peer of PEERS) dependencies[peer] = devDependencies[peer]; // the exact versions the library is tested with
  const consumerDev = { '@types/node': devDependencies['@types/node'] }; // as `cdktf init` adds it
  fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'consumer-app', version: '0.0.0', private: true, dependencies, devDependencies: consumerDev }, null, 2));
  fs.writeFileSync(path.join(project, 'cdktf.json'), JSON.stringify({ language: 'typescript', app: 'node main.js', terraformProviders: [] }, null, 2));
  fs.writeFileSync(path.join(project, 'main.ts'), CONSUMER_STACK);
  fs.writeFileSync(path.join(project, 'exports-check.ts'), EXPORTS_CHECK);
  fs.writeFileSync(path.join(project, 'tsconfig.json'), JSON.stringify(TSCONFIG, null, 2));
  const node16 = { ...TSCONFIG, compilerOptions: { ...TSCONFIG.compilerOptions, module: 'node16', moduleResolution: 'node16', noEmit: true } };
  fs.writeFileSync(path.join(project, 'tsconfig.node16.json'), JSON.stringify(node16, null, 2));
  npmInstall(project);
  // Compiled as `cdktf init` projects compile (node10 resolution: subpaths through typesVersions).
  run(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.json'], project);
  return { project, packedFiles };
}
