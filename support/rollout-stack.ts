import { execFile } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { EnvironmentConfig } from '../stacks/environment-config';
import { runTofu, synthApp, Toolchain } from '../__tests__/integration/engine/toolchain';

/** What one `tofu apply` did. */
export interface ApplyResult {
  /** Whether it succeeded. */
  readonly ok: boolean;
  /** Seconds it took. */
  readonly seconds: number;
  /** Its output. */
  readonly output: string;
  /** Resources it created, by address (each replaced one is also in `destroyed`). */
  readonly created: readonly string[];
  /** Resources it destroyed (deposed objects included), by address. */
  readonly destroyed: readonly string[];
  /** Resources it updated in place. */
  readonly updated: readonly string[];
}

/**
 * An environment deployed through `main.ts` with an environment file, as a user deploys it: each
 * `deploy(config)` writes the file, synthesizes and applies (asynchronously, so a load can run), and
 * reports what OpenTofu created, destroyed and changed. Shared by the end-to-end tests and
 * `npm run bench:deploy`.
 */
export class RolloutStack {
  private stackDir?: string;

  constructor(
    private readonly toolchain: Toolchain,
    private readonly workDir: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  /** Writes the environment file and synthesizes it; the first call also runs `tofu init`. */
  synth(config: EnvironmentConfig): string {
    const file = path.join(this.workDir, `${config.name}.json`);
    fs.writeFileSync(file, JSON.stringify(config, null, 2));
    const dirs = synthApp(path.join(this.workDir, 'out'), { KVMS_ENVIRONMENT_FILES: file });
    const first = this.stackDir === undefined;
    this.stackDir = dirs[config.name];
    if (first) this.tofu('init');
    return this.stackDir;
  }

  /** Runs tofu in the stack directory (throws with tofu's output on failure). */
  tofu(...args: string[]): string {
    if (this.stackDir === undefined) throw new Error('synthesize first');
    return runTofu(this.toolchain, this.stackDir, [...args, '-input=false'], { env: { ...this.toolchain.env, ...this.env } });
  }

  /** The exit code of `tofu plan -detailed-exitcode` (0: no changes, 2: changes, 1: error) and its output. */
  planExitCode(): Promise<{ code: number; output: string }> {
    return this.run(['plan', '-detailed-exitcode', '-input=false', '-no-color']);
  }

  /** Synthesizes `config` and applies it without blocking; never throws for a failed apply. */
  async deploy(config: EnvironmentConfig): Promise<ApplyResult> {
    this.synth(config);
    const started = Date.now();
    const { code, output } = await this.run(['apply', '-auto-approve', '-input=false', '-no-color']);
    return { ok: code === 0, seconds: (Date.now() - started) / 1000, output, ...changes(output) };
  }

  private run(args: string[]): Promise<{ code: number; output: string }> {
    return new Promise((resolve) => {
      execFile(this.toolchain.tofu, args, { cwd: this.stackDir, env: { ...this.toolchain.env, ...this.env }, maxBuffer: 64 * 1024 * 1024, timeout: 900_000 }, (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : 1;
        resolve({ code, output: `${stdout}${stderr}` });
      });
    });
  }
}

/** The resources an apply's output says it created, destroyed and updated. */
export function changes(output: string): Pick<ApplyResult, 'created' | 'destroyed' | 'updated'> {
  const pick = (re: RegExp) => [...new Set([...output.matchAll(re)].map((m) => m[1]))].sort();
  return {
    created: pick(/^(\S+): Creation complete/gm),
    destroyed: pick(/^(\S+)(?: \(deposed object \w+\))?: Destruction complete/gm),
    updated: pick(/^(\S+): Modifications complete/gm),
  };
}
