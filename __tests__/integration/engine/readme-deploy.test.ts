import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DEPLOY_PATHS, DeployCommands, readmeDeployCommands } from '../../fixtures/readme-deploy';
import { requireDockerEngine } from './docker-engine';
import { httpRequest } from './http-client';
import { repoRoot, requireToolchain, runTofu, Toolchain } from './toolchain';

// GIVEN the commands of the README's Deploy section, read out of README.md (the `deploy-test` blocks),
// for each path (OpenTofu by hand, the cdktf CLI), and a fresh copy of the repository
// WHEN they run there in one bash, as a user runs them in one shell, against the suite's Docker engine,
// with no variable of this run that the README must set itself, and "yes" typed where OpenTofu asks to
// approve
// THEN they all succeed, the gateway answers `/` and `/api/inventory` once deployed, and no longer answers
// after the README's destroy.

// Where the README says dev's gateway and database files are.
const GATEWAY_PORT = 8080;
const DEV_DATA_DIR = '/opt/data/dev/mysql';
const PAUSE = '__readme_deploy_test_deployed__';
const MAX_RUN_MS = 15 * 60_000;
// What the README's commands must set themselves; PATH loses node_modules/.bin (npm run adds it).
const SET_BY_THE_README = /^(DOCKER_HOST|TF_CLI_CONFIG_FILE|TOFU|TOFU_VERSION|TERRAFORM_BINARY_NAME|CHECKPOINT_DISABLE|CDKTF_OUTDIR|KVMS_ENVIRONMENT_FILES|TF_VAR_.*|npm_.*)$/i;
// OpenTofu's approval prompts (apply and destroy); any other prompt (a variable, say) fails the test.
const APPROVAL = /Only 'yes' will be accepted to (approve|confirm)\.\s*\n\s*Enter a value:\s*$/;
const ANY_PROMPT = /Enter a value:\s*$/;

const stripAnsi = (s: string) => s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');

function userEnvironment(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !SET_BY_THE_README.test(k)));
  env.PATH = (process.env.PATH ?? '').split(':').filter((d) => !d.includes(`node_modules${path.sep}.bin`)).join(':');
  return env;
}

/** Whether anything answers HTTP on the gateway's port. */
async function gatewayAnswers(urlPath: string): Promise<number | undefined> {
  try {
    return (await httpRequest({ port: GATEWAY_PORT, path: urlPath, timeoutMs: 5000 })).status;
  } catch {
    return undefined;
  }
}

/**
 * Runs the deploy commands, then `whileDeployed`, then the destroy commands, in one bash in `cwd`; answers
 * OpenTofu's approval prompts with "yes". Resolves with the output, or rejects with its end.
 */
function runAsAUser(cwd: string, commands: DeployCommands, whileDeployed: () => Promise<void>): Promise<string> {
  const script = ['set -e -o pipefail', commands.deploy, `echo ${PAUSE}`, 'read -r _', commands.destroy].join('\n');
  fs.writeFileSync(path.join(cwd, '.readme-deploy.sh'), script);
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['.readme-deploy.sh'], { cwd, env: userEnvironment(), detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    let scanned = 0;
    let failure: Error | undefined;
    const stop = (why: Error) => {
      failure ??= why;
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => stop(new Error(`the README's commands ran longer than ${MAX_RUN_MS / 60_000} minutes`)), MAX_RUN_MS);
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const fresh = stripAnsi(output.slice(scanned));
      if (fresh.includes(PAUSE)) {
        scanned = output.length;
        whileDeployed().then(
          () => child.stdin.write('\n'),
          (e: Error) => { failure ??= e; child.stdin.write('\n'); }, // destroy all the same
        );
      } else if (APPROVAL.test(fresh)) {
        scanned = output.length;
        child.stdin.write('yes\n');
      } else if (ANY_PROMPT.test(fresh)) {
        scanned = output.length;
        stop(new Error(`the README's commands stopped at a prompt a user should not meet:\n${stripAnsi(output).slice(-1500)}`));
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('close', (code) => {
      clearTimeout(timer);
      const tail = stripAnsi(output).slice(-6000);
      if (failure !== undefined) reject(new Error(`${failure.message}\n--- the commands' output, last part ---\n${tail}`));
      else if (code !== 0) reject(new Error(`the README's commands failed (exit ${code}):\n${tail}`));
      else resolve(output);
    });
  });
}

describe("the README's Deploy section, as written, in a fresh copy", () => {
  let tc: Toolchain;
  let dockerHost: string;
  let work: string;
  let copy: string;

  beforeAll(async () => {
    tc = requireToolchain();
    dockerHost = requireDockerEngine([]).host;
    if ((await gatewayAnswers('/')) !== undefined) {
      throw new Error(`something already answers on 127.0.0.1:${GATEWAY_PORT} (a deployed dev?): destroy it before this test, which deploys dev itself`);
    }
    if (fs.existsSync(DEV_DATA_DIR)) {
      throw new Error(`${DEV_DATA_DIR} exists from an earlier dev deploy: its database keeps that deploy's passwords, so this run's would not log in; remove it (rm -rf ${DEV_DATA_DIR}) or move it away, then rerun`);
    }
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'kvms-readme-deploy-'));
  });

  afterEach(() => {
    if (copy === undefined) return;
    // After a failure: destroy what the commands left (placeholders for the variables: destroy reads none).
    const manifest = path.join(copy, 'cdktf.out', 'manifest.json');
    if (fs.existsSync(manifest)) {
      const stackDir = path.join(copy, 'cdktf.out', JSON.parse(fs.readFileSync(manifest, 'utf8')).stacks.dev.workingDirectory);
      if (fs.existsSync(path.join(stackDir, '.terraform'))) {
        const variables = Object.keys(JSON.parse(fs.readFileSync(path.join(stackDir, 'cdk.tf.json'), 'utf8')).variable ?? {});
        const env = { ...tc.env, DOCKER_HOST: dockerHost, ...Object.fromEntries(variables.map((v) => [`TF_VAR_${v}`, 'unused-by-destroy'])) };
        if (runTofu(tc, stackDir, ['state', 'list'], { env }).trim() !== '') runTofu(tc, stackDir, ['destroy', '-auto-approve', '-input=false'], { env });
      }
    }
    // The database files this run made (none existed before it).
    fs.rmSync(DEV_DATA_DIR, { recursive: true, force: true });
  });

  afterAll(() => {
    if (work !== undefined) fs.rmSync(work, { recursive: true, force: true });
  });

  const commands = readmeDeployCommands();
  test.each(DEPLOY_PATHS.map((p) => [p]))('the %s path deploys dev, the gateway answers both routes, and destroy takes it down', async (deployPath) => {
    copy = path.join(work, deployPath);
    fs.mkdirSync(copy);
    const copied = spawn('bash', [path.join(repoRoot, 'scripts', 'fresh-copy.sh'), copy], { stdio: 'inherit' });
    await new Promise<void>((resolve, reject) => copied.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`fresh-copy.sh failed (exit ${code})`)))));

    const answered: Record<string, number | undefined> = {};
    await runAsAUser(copy, commands[deployPath], async () => {
      for (const p of ['/', '/api/inventory']) answered[p] = await gatewayAnswers(p);
    });

    expect(answered).toEqual({ '/': 200, '/api/inventory': 200 });
    expect(await gatewayAnswers('/')).toBeUndefined();
  });
});
