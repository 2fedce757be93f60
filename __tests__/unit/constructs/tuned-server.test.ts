import 'cdktf/lib/testing/adapters/jest'; // types of the cdktf jest matchers
import { createHash } from 'crypto';
import { NullProvider } from '@cdktf/provider-null/lib/provider';
import { Resource } from '@cdktf/provider-null/lib/resource';
import { TerraformStack, TerraformVariable, Testing } from 'cdktf';
import { TunedServer, TunedServerProps } from '../../../constructs/tuned-server';
import { tuningScript } from '../../../renderers/cloud-init';
import { SysctlProfile } from '../../../renderers/sysctl-profile';

const HOST_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIZKr13k7dY5Fz+G+pbLiadrE85vh8FM2F0M3FgpPUYx';

function setup(props: Partial<TunedServerProps> = {}, keyConfig: { sensitive?: boolean; type?: string } = { sensitive: true, type: 'string' }) {
  const app = Testing.app();
  const stack = new TerraformStack(app, 'prod');
  const provider = new NullProvider(stack, 'null');
  const privateKey = new TerraformVariable(stack, 'ssh_private_key', keyConfig);
  const build = () => new TunedServer(stack, 'vps', { host: '203.0.113.10', privateKey, hostKey: HOST_KEY, ...props });
  return { stack, provider, privateKey, build };
}

function warnings(server: TunedServer): string[] {
  return server.node.metadata.filter((m) => m.type === '@cdktf/warn').map((m) => String(m.data));
}

function synthResource(stack: TerraformStack, server: TunedServer): Record<string, any> {
  return JSON.parse(Testing.synth(stack)).resource.null_resource[server.resource.friendlyUniqueId];
}

// What Terraform turns back into the script: `$${` and `%%{` are its template escapes.
function unescape(text: string): string {
  return text.replace(/\$\$\{/g, '${').replace(/%%\{/g, '%{');
}

describe('TunedServer', () => {
  it('runs the tuning script over SSH with the key from the sensitive variable', () => {
    // GIVEN an existing server and the defaults
    const { stack, build } = setup();
    const server = build();
    const synth = Testing.synth(stack);
    // THEN a null_resource connects as root on port 22 and is triggered by the host and the script hash
    const expectedScript = tuningScript({ profile: new SysctlProfile(), installDockerIfMissing: true });
    expect(server.script).toBe(expectedScript);
    expect(server.scriptSha256).toBe(createHash('sha256').update(expectedScript).digest('hex'));
    expect(synth).toHaveResourceWithProperties(Resource, {
      triggers: { host: '203.0.113.10', script_sha256: server.scriptSha256 },
      connection: {
        type: 'ssh',
        host: '203.0.113.10',
        user: 'root',
        port: 22,
        private_key: '${var.ssh_private_key}',
        timeout: '300s',
        host_key: HOST_KEY,
      },
    });
    const resource = synthResource(stack, server);
    expect(resource.provisioner).toHaveLength(1);
    expect(unescape(resource.provisioner[0]['remote-exec'].inline[0])).toBe(expectedScript);
    expect(server.user).toBe('root');
    expect(server.port).toBe(22);
    expect(server.connectionTimeoutSeconds).toBe(300);
    expect(server.allowedVirtualization).toEqual(['kvm']);
  });

  it("escapes the shell's ${...} so Terraform does not read it as interpolation", () => {
    const { stack, build } = setup();
    const inline: string = synthResource(stack, build()).provisioner[0]['remote-exec'].inline[0];
    expect(inline).toContain('major=$${kernel%%.*}');
    expect(inline).not.toMatch(/(^|[^$])\$\{/);
  });

  it('keeps the private key out of the synthesized JSON and marks the variable sensitive', () => {
    const { stack, build } = setup();
    build();
    const json = JSON.parse(Testing.synth(stack));
    expect(json.variable.ssh_private_key).toEqual({ sensitive: true, type: 'string' });
    expect(Testing.synth(stack)).not.toContain('PRIVATE KEY');
  });

  it('writes the given profile, adds a non-root user to the docker group, and passes the provider', () => {
    // GIVEN a sudo user, a custom port, profile and machine types
    const profile = new SysctlProfile({ overrides: { 'net.core.somaxconn': 8192, 'net.ipv4.ip_local_port_range': [32768, 60999] } });
    const { stack, provider, privateKey } = setup();
    const server = new TunedServer(stack, 'vps', {
      host: '203.0.113.10',
      privateKey,
      hostKey: HOST_KEY,
      user: 'deploy',
      port: 2222,
      connectionTimeoutSeconds: 60,
      profile,
      allowedVirtualization: ['kvm', 'amazon'],
      provider,
    });
    // THEN the script and the connection follow the props
    expect(server.script).toBe(
      tuningScript({ profile, allowedVirtualization: ['kvm', 'amazon'], dockerUser: 'deploy', installDockerIfMissing: true }),
    );
    expect(server.script).toContain('net.core.somaxconn = 8192');
    expect(server.script).toContain('\nusermod -aG docker deploy\n');
    expect(Testing.synth(stack)).toHaveResourceWithProperties(Resource, {
      provider: 'null',
      connection: { type: 'ssh', host: '203.0.113.10', user: 'deploy', port: 2222, private_key: '${var.ssh_private_key}', timeout: '60s', host_key: HOST_KEY },
    });
    expect(warnings(server)).toEqual([]);
  });

  it('changes the trigger when the profile changes, and only then', () => {
    const a = setup().build();
    const b = setup().build();
    const c = setup({ profile: new SysctlProfile({ overrides: { 'fs.file-max': 1048576 } }) }).build();
    expect(b.scriptSha256).toBe(a.scriptSha256);
    expect(c.scriptSha256).not.toBe(a.scriptSha256);
  });

  it('accepts a host from another resource (a token) without checking it', () => {
    const { stack, privateKey } = setup();
    const address = new TerraformVariable(stack, 'address', { type: 'string' });
    const server = new TunedServer(stack, 'vps', { host: address.stringValue, privateKey, hostKey: HOST_KEY });
    expect(Testing.synth(stack)).toHaveResourceWithProperties(Resource, {
      triggers: { host: '${var.address}', script_sha256: server.scriptSha256 },
    });
  });

  it('accepts IPv6 addresses and host names', () => {
    expect(setup({ host: '2001:db8::10' }).build().host).toBe('2001:db8::10');
    expect(setup({ host: 'vps-1.example.com' }).build().host).toBe('vps-1.example.com');
  });

  it('warns when the host key is not pinned, and passes on the profile warnings', () => {
    const { stack, privateKey } = setup();
    const server = new TunedServer(stack, 'vps', { host: '203.0.113.10', privateKey });
    expect(warnings(server)).toEqual([
      "hostKey is not set: the SSH host key is not verified, so an impostor at this address would receive the private key login; pin the server's host public key in hostKey",
      ...new SysctlProfile().warnings(),
    ]);
    expect(synthResource(stack, server).connection).not.toHaveProperty('host_key');
  });

  it('fails when the private key variable is not sensitive', () => {
    const { build } = setup({}, { type: 'string' });
    expect(build).toThrow(
      'TunedServer [prod/vps]: privateKey variable "ssh_private_key" must be declared with sensitive: true, or the key shows up in plans and logs; add sensitive: true to its TerraformVariable',
    );
  });

  it('fails when the private key is a string, not a variable, without showing it', () => {
    const { build } = setup({ privateKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIZKr13k7dY5Fz+G+pbLiadrE85vh8FM2F0M3FgpPUYx' as never });
    expect(build).toThrow(
      "TunedServer [prod/vps]: privateKey must be a TerraformVariable declared with sensitive: true, but it is a string (value not shown): a key written in code ends up in cdk.tf.json and in every plan; declare new TerraformVariable(stack, 'ssh_private_key', { type: 'string', sensitive: true }), pass that as privateKey, and set TF_VAR_ssh_private_key when you apply",
    );
  });

  it('fails when the private key is missing', () => {
    expect(setup({ privateKey: undefined as never }).build).toThrow('TunedServer [prod/vps]: privateKey must be a TerraformVariable declared with sensitive: true, but it is undefined:');
  });

  it('fails when the private key variable is not a string', () => {
    const { build } = setup({}, { sensitive: true, type: 'list(string)' });
    expect(build).toThrow('TunedServer [prod/vps]: privateKey variable "ssh_private_key" has type "list(string)"; declare it with type: "string"');
  });

  it('fails when a second TunedServer tunes the same host with another profile, naming both and what differs', () => {
    // GIVEN one server tuned with the article's profile, in staging
    const app = Testing.app();
    const stacks = ['staging', 'prod'].map((name) => new TerraformStack(app, name));
    const keys = stacks.map((stack) => new TerraformVariable(stack, 'ssh_private_key', { type: 'string', sensitive: true }));
    new TunedServer(stacks[0], 'vps', { host: '203.0.113.10', privateKey: keys[0], hostKey: HOST_KEY });
    // WHEN prod tunes the same machine with a bigger backlog THEN it is refused
    const profile = new SysctlProfile({ overrides: { 'net.core.somaxconn': 8192 } });
    expect(() => new TunedServer(stacks[1], 'vps', { host: '203.0.113.10', privateKey: keys[1], hostKey: HOST_KEY, profile })).toThrow(
      'TunedServer [prod/vps]: host "203.0.113.10" is already tuned by staging/vps with other settings (net.core.somaxconn 4096 there, 8192 here); each apply would undo the other\'s tuning: give both the same profile and allowedVirtualization, or tune the host with one TunedServer',
    );
  });

  it('fails when two TunedServers for one host accept different machine types', () => {
    const { stack, privateKey } = setup();
    new TunedServer(stack, 'a', { host: 'vps.example.no', privateKey, hostKey: HOST_KEY });
    expect(() => new TunedServer(stack, 'b', { host: 'VPS.example.no', privateKey, hostKey: HOST_KEY, allowedVirtualization: ['kvm', 'amazon'] })).toThrow(
      'TunedServer [prod/b]: host "VPS.example.no" is already tuned by prod/a with other settings (allowedVirtualization kvm there, kvm, amazon here);',
    );
  });

  it('accepts two TunedServers for one host with the same tuning (e.g. another SSH user)', () => {
    const { stack, privateKey } = setup();
    new TunedServer(stack, 'a', { host: '203.0.113.10', privateKey, hostKey: HOST_KEY });
    const second = new TunedServer(stack, 'b', { host: '203.0.113.10', privateKey, hostKey: HOST_KEY, user: 'deploy', profile: new SysctlProfile() });
    expect(second.user).toBe('deploy');
  });

  it('fails when the host carries a user or port', () => {
    expect(setup({ host: 'root@203.0.113.10:22' }).build).toThrow(
      'TunedServer [prod/vps]: host "root@203.0.113.10:22" must be a host name or an IP address; give the user in `user` and the port in `port`',
    );
  });

  it('fails when the user is not a Linux user name', () => {
    expect(setup({ user: 'root; rm -rf /' }).build).toThrow(
      `TunedServer [prod/vps]: user "root; rm -rf /" must be a Linux user name (lowercase letters, digits, '_' or '-')`,
    );
  });

  it('fails when the port is out of range', () => {
    expect(setup({ port: 0 }).build).toThrow('TunedServer [prod/vps]: port 0 must be an integer from 1 to 65535');
  });

  it('fails when the connection timeout is below one second', () => {
    expect(setup({ connectionTimeoutSeconds: 0.5 }).build).toThrow(
      'TunedServer [prod/vps]: connectionTimeoutSeconds 0.5 must be a whole number of seconds, at least 1',
    );
  });

  it('fails when the host key is not an SSH public key', () => {
    expect(setup({ hostKey: 'AAAAC3NzaC1lZDI1NTE5' }).build).toThrow(
      'TunedServer [prod/vps]: hostKey "AAAAC3NzaC1lZDI1NTE5" must be "<type> <base64 body> [comment]" with single spaces between the parts, as in a .pub file',
    );
  });

  it('fails when a machine type is unknown', () => {
    expect(setup({ allowedVirtualization: ['openvz'] }).build).toThrow(
      'TunedServer [prod/vps]: allowedVirtualization entry "openvz" is not a machine type systemd-detect-virt --vm prints;',
    );
  });

  it('refuses at synth a server without a provider in a stack with no default null provider', () => {
    // GIVEN a stack with only the key variable
    const stack = new TerraformStack(Testing.app(), 'prod');
    const privateKey = new TerraformVariable(stack, 'ssh_private_key', { type: 'string', sensitive: true });
    new TunedServer(stack, 'vps', { host: '203.0.113.10', privateKey, hostKey: HOST_KEY });
    // THEN the validation names the server and the provider to add
    expect(() => Testing.fullSynth(stack)).toThrow(
      "TunedServer [prod/vps]: provider is not set and stack 'prod' has no default null provider (one without an alias), so its resources would have no provider; add new NullProvider(stack, 'null') from '@cdktf/provider-null/lib/provider' to the stack, or pass the provider to use as provider",
    );
  });

  it('passes the provider check with a provider given, even without a default one', () => {
    const stack = new TerraformStack(Testing.app(), 'prod');
    const privateKey = new TerraformVariable(stack, 'ssh_private_key', { type: 'string', sensitive: true });
    const provider = new NullProvider(stack, 'tuning', { alias: 'tuning' });
    new TunedServer(stack, 'vps', { host: '203.0.113.10', privateKey, hostKey: HOST_KEY, provider });
    expect(() => Testing.fullSynth(stack)).not.toThrow();
  });
});

