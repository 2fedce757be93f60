import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { readmeBlocks } from '../fixtures/readme-blocks';
import { repoRoot } from './engine/toolchain';

// A fresh cdktf project that installs this library the way a team does, by the README's consumer quick
// start: the library compiled with tsconfig.build.json and packed with `npm pack`, the quick start's
// commands and files, installed from the tarball with the supported peers.

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

// The types the API hands out, named from the package root.
const TYPES_CHECK = `import type { DockerProvider, ReadinessCheck } from '${PACKAGE}';
export type Handed = [DockerProvider, ReadinessCheck];
`;

/** The consumer project built in `work`: its directory and the files the package holds. */
export interface ConsumerProject {
  readonly project: string;
  readonly packedFiles: string[];
}

/**
 * The README's consumer quick start (its `consumer-quickstart` blocks) as one bash script: the commands,
 * and the files written where the user is at that point. The package name in `npm install` commands
 * becomes the tarball, the one thing a user of the published package types differently.
 */
function quickStartScript(tarball: string): string {
  const parts = ['set -e -o pipefail'];
  for (const block of readmeBlocks('consumer-quickstart')) {
    if (block.words[0] === 'run') {
      parts.push(block.code.replace(/^(npm install .*)$/gm, (line) => line.replace(new RegExp(`(?<=\\s)${PACKAGE}(?=\\s|$)`, 'g'), tarball)));
    } else if (block.words[0] === 'file' && block.words.length === 2) {
      parts.push(`cat > '${block.words[1]}' <<'KVMS_QUICKSTART_EOF'\n${block.code}KVMS_QUICKSTART_EOF`);
    } else {
      throw new Error(`README.md:${block.line}: a consumer-quickstart marker is "run" or "file <name>", not "${block.words.join(' ')}"`);
    }
  }
  parts.push('pwd > "$KVMS_QUICKSTART_DIR_FILE"');
  return parts.join('\n') + '\n';
}

/**
 * Builds and packs the library from a staging copy (the working tree's dist/ is untouched), runs the
 * README's consumer quick start in `work` against the tarball (install, cdktf.json, tsconfig.json,
 * main.ts, `npx cdktf synth`), and compiles the project as `cdktf init` projects compile.
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

  // The quick start, as written (npm takes what its cache has: everything is there after `npm ci` here).
  const dirFile = path.join(work, 'quickstart-dir');
  fs.writeFileSync(path.join(work, 'quickstart.sh'), quickStartScript(path.join(work, packed[0].filename)));
  run('bash', ['quickstart.sh'], work, { ...cleanEnv(), npm_config_prefer_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false', KVMS_QUICKSTART_DIR_FILE: dirFile });
  const project = fs.readFileSync(dirFile, 'utf8').trim();

  // Beyond the quick start: every subpath export and the handed-out types, with node10 resolution as
  // `cdktf init` projects compile (subpaths through typesVersions) and node16 (through `exports`).
  fs.writeFileSync(path.join(project, 'exports-check.ts'), EXPORTS_CHECK);
  fs.writeFileSync(path.join(project, 'types-check.ts'), TYPES_CHECK);
  const node16 = { extends: './tsconfig.json', compilerOptions: { module: 'node16', moduleResolution: 'node16', noEmit: true, incremental: false } };
  fs.writeFileSync(path.join(project, 'tsconfig.node16.json'), JSON.stringify(node16, null, 2));
  run(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.json'], project);
  return { project, packedFiles };
}
