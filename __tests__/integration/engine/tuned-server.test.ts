import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { NullProvider } from '@cdktf/provider-null/lib/provider';
import { TerraformStack, TerraformVariable, Testing } from 'cdktf';
import { TunedServer } from '../../../constructs/tuned-server';
import { SysctlProfile } from '../../../renderers/sysctl-profile';
import { requireToolchain, runTofu } from './toolchain';

// The synthesized TunedServer must be valid configuration for the real engine, and the engine must
// read the provisioner's script back exactly as rendered: the shell's `${...}` is escaped as `$${...}`,
// which Terraform would otherwise read as template interpolation. No SSH server is contacted.

// OpenTofu alone (no providers), found by the same rules as scripts/toolchain-env.sh.
function tofuBinary(): string {
  const cache = process.env.KVMS_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'cdktf-kvm-microservices');
  const tofu = path.join(cache, 'opentofu', '1.12.6', 'tofu');
  if (!fs.existsSync(tofu)) throw new Error(`OpenTofu 1.12.6 is missing at ${tofu}; run \`npm run toolchain\``);
  return tofu;
}

describe('TunedServer with OpenTofu', () => {
  it('passes tofu init and tofu validate', () => {
    const tc = requireToolchain();
    // GIVEN a stack with two tuned servers, one with extras and a custom profile
    const app = Testing.app();
    const stack = new TerraformStack(app, 'vps');
    new NullProvider(stack, 'null');
    const privateKey = new TerraformVariable(stack, 'ssh_private_key', { type: 'string', sensitive: true });
    new TunedServer(stack, 'web', { host: '203.0.113.10', privateKey });
    new TunedServer(stack, 'db', {
      host: 'db.example.com',
      user: 'deploy',
      port: 2222,
      privateKey,
      profile: new SysctlProfile({ name: '60-db', overrides: { 'vm.swappiness': 1 }, extra: { 'kernel.pid_max': 4194304 } }),
    });
    const outdir = Testing.fullSynth(stack);
    try {
      const dir = path.join(outdir, 'stacks', 'vps');
      // WHEN the engine initialises and validates it THEN it reports success
      runTofu(tc, dir, ['init', '-input=false', '-backend=false']);
      expect(runTofu(tc, dir, ['validate'])).toContain('Success! The configuration is valid.');
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });

  it('reads the escaped inline script back byte for byte', () => {
    // GIVEN the inline script exactly as synthesized, as the value of an output
    const app = Testing.app();
    const stack = new TerraformStack(app, 'vps');
    new NullProvider(stack, 'null');
    const privateKey = new TerraformVariable(stack, 'ssh_private_key', { type: 'string', sensitive: true });
    const server = new TunedServer(stack, 'web', {
      host: '203.0.113.10',
      privateKey,
      profile: new SysctlProfile({ extra: { 'kernel.domainname': 'example_${x}_%{y}' } }),
    });
    const inline: string = JSON.parse(Testing.synth(stack)).resource.null_resource[server.resource.friendlyUniqueId].provisioner[0]['remote-exec'].inline[0];
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tuned-server-escape-'));
    try {
      fs.writeFileSync(path.join(dir, 'main.tf.json'), JSON.stringify({ output: { script: { value: inline } } }));
      fs.writeFileSync(path.join(dir, 'empty.tfrc'), '');
      const env = { ...process.env, TF_CLI_CONFIG_FILE: path.join(dir, 'empty.tfrc'), TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1' };
      const tofu = (...args: string[]) => execFileSync(tofuBinary(), args, { cwd: dir, env, encoding: 'utf8', stdio: 'pipe', timeout: 120_000 });
      // WHEN OpenTofu evaluates it
      tofu('init', '-input=false', '-no-color');
      tofu('apply', '-auto-approve', '-input=false', '-no-color');
      // THEN the value is the script the construct rendered
      expect(tofu('output', '-raw', 'script')).toBe(server.script);
      expect(server.script).toContain('kernel.domainname = example_${x}_%{y}');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
