import { execFileSync, ExecFileSyncOptions } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** The repository root, for running the app and the scripts. */
export const repoRoot = path.resolve(__dirname, '..', '..', '..');

const TOFU_VERSION = '1.12.6';
const PROVIDERS = ['kreuzwerker/docker/3.6.2', 'hashicorp/null/3.2.4', 'dmacvicar/libvirt/0.9.7'];

/** Where scripts/toolchain.sh put the engine (same rules as scripts/toolchain-env.sh). */
export interface Toolchain {
  readonly tofu: string;
  readonly env: NodeJS.ProcessEnv;
}

/**
 * Finds OpenTofu and the provider mirror, or throws a message naming every missing piece and the
 * command that installs it.
 */
export function requireToolchain(): Toolchain {
  const cache = process.env.KVMS_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'cdktf-kvm-microservices');
  const tofu = path.join(cache, 'opentofu', TOFU_VERSION, 'tofu');
  const cliConfig = path.join(cache, 'tofu.rc');
  const missing: string[] = [];
  if (!fs.existsSync(tofu)) missing.push(`OpenTofu ${TOFU_VERSION}`);
  if (!fs.existsSync(cliConfig)) missing.push('the OpenTofu CLI config (tofu.rc)');
  for (const p of PROVIDERS) {
    const [ns, type, version] = p.split('/');
    const bin = path.join(cache, 'providers', 'registry.opentofu.org', ns, type, version, 'linux_amd64', `terraform-provider-${type}_v${version}`);
    if (!fs.existsSync(bin)) missing.push(`provider ${ns}/${type} ${version}`);
  }
  if (missing.length > 0) {
    throw new Error(`the engine toolchain is incomplete: missing ${missing.join(', ')}. Run \`npm run toolchain\` (scripts/toolchain.sh); see its MISSING lines.`);
  }
  return { tofu, env: { ...process.env, TF_CLI_CONFIG_FILE: cliConfig, TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1' } };
}

/** Runs tofu in a stack directory and returns its output; on failure the error carries tofu's output. */
export function runTofu(tc: Toolchain, cwd: string, args: string[], options: ExecFileSyncOptions = {}): string {
  try {
    return execFileSync(tc.tofu, [...args, '-no-color'], { cwd, env: tc.env, encoding: 'utf8', stdio: 'pipe', timeout: 600_000, ...options }) as string;
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; status?: number };
    throw new Error(`tofu ${args.join(' ')} failed (exit ${err.status}) in ${path.basename(cwd)}:\n${err.stdout ?? ''}${err.stderr ?? ''}`);
  }
}

/** Synthesizes the app (main.ts) into a fresh directory and returns the stack directories by name. */
export function synthApp(outdir: string, env: NodeJS.ProcessEnv = {}): Record<string, string> {
  execFileSync(process.execPath, [path.join(repoRoot, 'scripts', 'run-ts.js'), path.join(repoRoot, 'main.ts')], {
    cwd: repoRoot,
    env: { ...process.env, ...env, CDKTF_OUTDIR: outdir },
    stdio: 'pipe',
  });
  const manifest = JSON.parse(fs.readFileSync(path.join(outdir, 'manifest.json'), 'utf8'));
  const dirs: Record<string, string> = {};
  for (const [name, stack] of Object.entries<{ workingDirectory: string }>(manifest.stacks)) {
    dirs[name] = path.join(outdir, stack.workingDirectory);
  }
  return dirs;
}
