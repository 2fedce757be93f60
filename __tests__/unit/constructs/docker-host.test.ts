import 'cdktf/lib/testing/adapters/jest'; // types of the cdktf jest matchers
import { Container } from '@cdktf/provider-docker/lib/container';
import { DockerProvider } from '@cdktf/provider-docker/lib/provider';
import { TerraformStack, TerraformVariable, Testing } from 'cdktf';
import { Construct } from 'constructs';
import { DockerHost, LOCAL_DOCKER_SOCKET } from '../../../constructs/docker-host';
import { KvmHost } from '../../../constructs/kvm-host';
import { KvmNetwork } from '../../../constructs/kvm-network';
import { ServiceNetwork } from '../../../constructs/service-network';
import { TunedServer } from '../../../constructs/tuned-server';

// Public key made with ssh-keygen for these tests (the private half was discarded).
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIZKr13k7dY5Fz+G+pbLiadrE85vh8FM2F0M3FgpPUYx ops@example.com';
const IMAGE = 'https://cloud.debian.org/images/cloud/bookworm/latest/debian-12-genericcloud-amd64.qcow2';

/** A KVM host of `s` on its own libvirt network, with a readiness check unless told otherwise. */
function kvmHost(s: TerraformStack, id = 'kvm-1', ready = true): KvmHost {
  const network = (s.node.tryFindChild('kvm-net') as KvmNetwork | undefined) ?? new KvmNetwork(s, 'kvm-net', { cidr: '192.168.150.0/24' });
  const host = new KvmHost(s, id, { network, baseImage: IMAGE, cloudInit: { sshAuthorizedKeys: [KEY] } });
  if (ready) host.addReadinessCheck({ privateKey: sshKey(s) });
  return host;
}

function sshKey(s: TerraformStack): TerraformVariable {
  return (s.node.tryFindChild('ssh_key') as TerraformVariable | undefined) ?? new TerraformVariable(s, 'ssh_key', { type: 'string', sensitive: true });
}

/** Every docker_* resource of the synthesized stack with its address, provider and depends_on. */
function dockerResources(s: TerraformStack): { address: string; provider: string; dependsOn?: string[] }[] {
  const resources = JSON.parse(Testing.synth(s)).resource as Record<string, Record<string, any>>;
  return Object.entries(resources)
    .filter(([type]) => type.startsWith('docker_'))
    .flatMap(([type, byName]) => Object.entries(byName).map(([name, r]) => ({ address: `${type}.${name}`, provider: r.provider, dependsOn: r.depends_on })));
}

const addressOf = (r: { terraformResourceType: string; friendlyUniqueId: string }): string => `${r.terraformResourceType}.${r.friendlyUniqueId}`;

class EnvironmentStack extends TerraformStack {}

function stack(): TerraformStack {
  return new EnvironmentStack(Testing.app(), 'prod');
}

function providerJson(s: TerraformStack): unknown[] {
  return JSON.parse(Testing.synth(s)).provider.docker;
}

describe('DockerHost', () => {
  test('local uses the default socket and no alias', () => {
    const s = stack();
    const provider = DockerHost.local(s, 'docker');
    expect(provider).toBeInstanceOf(DockerProvider);
    expect(provider.alias).toBeUndefined();
    expect(providerJson(s)).toEqual([{ host: 'unix:///var/run/docker.sock' }]);
    expect(LOCAL_DOCKER_SOCKET).toBe('unix:///var/run/docker.sock');
  });

  test('local with another socket', () => {
    const s = stack();
    DockerHost.local(s, 'docker', { socket: 'unix:///run/test-docker/docker.sock' });
    expect(providerJson(s)).toEqual([{ host: 'unix:///run/test-docker/docker.sock' }]);
  });

  test('disableDockerDaemonCheck lets plans run without a daemon', () => {
    const s = stack();
    DockerHost.local(s, 'docker', { disableDockerDaemonCheck: true });
    expect(providerJson(s)).toEqual([{ host: 'unix:///var/run/docker.sock', disable_docker_daemon_check: true }]);
  });

  test('ssh builds ssh://user@address', () => {
    const s = stack();
    DockerHost.ssh(s, 'docker', { user: 'deploy', address: '10.0.0.11' });
    expect(providerJson(s)).toEqual([{ host: 'ssh://deploy@10.0.0.11' }]);
  });

  test('ssh with a port, a host name and ssh options', () => {
    const s = stack();
    DockerHost.ssh(s, 'docker', { user: 'deploy', address: 'kvm-01.example.net', port: 2222, sshOpts: ['-o', 'StrictHostKeyChecking=yes'] });
    expect(providerJson(s)).toEqual([{ host: 'ssh://deploy@kvm-01.example.net:2222', ssh_opts: ['-o', 'StrictHostKeyChecking=yes'] }]);
  });

  test('ssh to an IPv6 address brackets it', () => {
    const s = stack();
    DockerHost.ssh(s, 'docker', { user: 'deploy', address: 'fd00::11' });
    expect(providerJson(s)).toEqual([{ host: 'ssh://deploy@[fd00::11]' }]);
  });

  test('ssh to an address known only at apply (a token)', () => {
    const s = stack();
    const address = new TerraformVariable(s, 'vm_address', { type: 'string' });
    DockerHost.ssh(s, 'docker', { user: 'deploy', address: address.stringValue });
    expect(providerJson(s)).toEqual([{ host: 'ssh://deploy@${var.vm_address}' }]);
  });

  test('several hosts in one stack through aliases; containers pick theirs', () => {
    const s = stack();
    const local = DockerHost.local(s, 'docker');
    const vm1 = DockerHost.ssh(s, 'docker-vm1', { user: 'deploy', address: '10.0.0.11', alias: 'vm1' });
    const vm2 = DockerHost.ssh(s, 'docker-vm2', { user: 'deploy', address: '10.0.0.12', alias: 'vm2', disableDockerDaemonCheck: true });
    const network = new ServiceNetwork(s, 'services', { provider: local });
    const web1 = network.addService('web-1', { image: 'app:1', dockerProvider: vm1 });
    const web2 = network.addService('web-2', { image: 'app:1', dockerProvider: vm2 });
    const synth = Testing.synth(s);
    expect(JSON.parse(synth).provider.docker).toEqual(expect.arrayContaining([
      { host: 'unix:///var/run/docker.sock' },
      { alias: 'vm1', host: 'ssh://deploy@10.0.0.11' },
      { alias: 'vm2', host: 'ssh://deploy@10.0.0.12', disable_docker_daemon_check: true },
    ]));
    expect(synth).toHaveResourceWithProperties(Container, { name: `prod-services-web-1-\${local.${web1.version.friendlyUniqueId}}`, provider: 'docker.vm1' });
    expect(synth).toHaveResourceWithProperties(Container, { name: `prod-services-web-2-\${local.${web2.version.friendlyUniqueId}}`, provider: 'docker.vm2' });
  });
});

describe('DockerHost for managed hosts', () => {
  test('fromEnvironment leaves the host to DOCKER_HOST: no socket in the JSON', () => {
    const s = stack();
    DockerHost.fromEnvironment(s, 'docker');
    DockerHost.fromEnvironment(s, 'docker-ci', { alias: 'ci', disableDockerDaemonCheck: true });
    expect(providerJson(s)).toEqual([{}, { alias: 'ci', disable_docker_daemon_check: true }]);
  });

  test('forKvmHost reaches the guest as its admin user, and every Docker resource on it waits for its readiness check', () => {
    // GIVEN a KVM host with a readiness check, its Docker host, and a local engine beside it
    const s = stack();
    const host = kvmHost(s);
    const local = DockerHost.local(s, 'docker');
    const vm1 = DockerHost.forKvmHost(s, 'docker-vm1', host, { alias: 'vm1' });
    // WHEN a network and services live on both, one of them linked and with a named volume
    const network = new ServiceNetwork(s, 'services', { provider: local });
    const remote = network.addService('web-1', { image: 'app:1', dockerProvider: vm1, replacement: 'stop-first' });
    remote.addNamedVolume('cache', '/var/cache/app');
    const linked = network.addService('worker-1', { image: 'app:1', dockerProvider: vm1, replacement: 'stop-first' });
    linked.link(remote);
    network.addService('web-2', { image: 'app:1' });
    // THEN the provider talks SSH without checking the daemon at plan (the guest does not exist yet)
    expect(providerJson(s)).toEqual(expect.arrayContaining([{ alias: 'vm1', host: 'ssh://admin@192.168.150.10', disable_docker_daemon_check: true }]));
    // AND each docker_* resource of vm1 depends on the readiness check, after the dependencies it had
    const ready = addressOf(host.readinessCheck!);
    const resources = dockerResources(s);
    expect(resources.filter((r) => r.provider === 'docker.vm1').map((r) => [r.address, r.dependsOn])).toEqual([
      [addressOf(remote.container), [ready]],
      [addressOf(linked.container), [addressOf(remote.container), ready]],
      [addressOf(network.resourceOn(vm1)), [ready]],
      [addressOf(remote.namedVolumeMounts[0].volume), [ready]],
    ]);
    // AND the local engine's resources do not
    expect(resources.filter((r) => r.provider === 'docker').map((r) => r.dependsOn)).toEqual([undefined, undefined]);
    expect(DockerHost.readinessOf(vm1)).toEqual([host.readinessCheck]);
    expect(DockerHost.readinessOf(local)).toEqual([]);
  });

  test('forKvmHost takes ssh options and may turn the daemon check back on', () => {
    const s = stack();
    DockerHost.forKvmHost(s, 'docker', kvmHost(s), { sshOpts: ['-o', 'StrictHostKeyChecking=yes'], disableDockerDaemonCheck: false });
    expect(providerJson(s)).toEqual([{ host: 'ssh://admin@192.168.150.10', ssh_opts: ['-o', 'StrictHostKeyChecking=yes'], disable_docker_daemon_check: false }]);
  });

  test('forServer reaches a TunedServer as its SSH user and port, after it has been tuned', () => {
    const s = stack();
    const server = new TunedServer(s, 'vps', { host: '203.0.113.10', user: 'deploy', port: 2222, privateKey: sshKey(s), hostKey: KEY });
    const vps = DockerHost.forServer(s, 'docker', server);
    const web = new ServiceNetwork(s, 'services', { provider: vps }).addService('web', { image: 'app:1' });
    expect(providerJson(s)).toEqual([{ host: 'ssh://deploy@203.0.113.10:2222', disable_docker_daemon_check: true }]);
    expect(dockerResources(s).map((r) => r.dependsOn)).toEqual([[addressOf(server.resource)], [addressOf(server.resource)]]);
    expect(DockerHost.readinessOf(vps)).toEqual([server.resource]);
    expect(web.dockerProvider).toBe(vps);
  });

  test('waitFor adds each readiness once, in order, on one aspect per stack', () => {
    const s = stack();
    const one = kvmHost(s, 'kvm-1');
    const two = kvmHost(s, 'kvm-2');
    const provider = DockerHost.ssh(s, 'docker', { user: 'deploy', address: '192.168.150.10', readiness: one.readinessCheck });
    DockerHost.waitFor(provider, two.readinessCheck!);
    DockerHost.waitFor(provider, one.readinessCheck!);
    new ServiceNetwork(s, 'services', { provider });
    expect(DockerHost.readinessOf(provider)).toEqual([one.readinessCheck, two.readinessCheck]);
    expect(dockerResources(s).map((r) => r.dependsOn)).toEqual([[addressOf(one.readinessCheck!), addressOf(two.readinessCheck!)]]);
    // the copy returned does not change what is waited for
    DockerHost.readinessOf(provider).pop();
    expect(DockerHost.readinessOf(provider)).toHaveLength(2);
  });

  test('fails when the KvmHost has no readiness check', () => {
    const s = stack();
    const host = kvmHost(s, 'kvm-1', false);
    expect(() => DockerHost.forKvmHost(s, 'docker-vm1', host)).toThrow(
      "EnvironmentStack [prod]: docker host 'docker-vm1': KvmHost 'prod/kvm-1' has no readiness check, so Docker resources would not wait for the guest to boot; call host.addReadinessCheck({ privateKey }) first",
    );
  });
});

describe('DockerHost guards', () => {
  test('fails when created inside a construct instead of a stack', () => {
    const s = stack();
    const inner = new Construct(s, 'inner');
    expect(() => DockerHost.local(inner, 'docker')).toThrow(
      "Construct [prod/inner]: docker host 'docker' must be created in a stack, not inside a construct: create it in the stack and pass the provider to the constructs that need it",
    );
  });
  test('fails when the socket is not a unix:// URL', () => {
    expect(() => DockerHost.local(stack(), 'docker', { socket: '/var/run/docker.sock' })).toThrow(
      'EnvironmentStack [prod]: docker host \'docker\': socket "/var/run/docker.sock" must be a unix:// URL with an absolute, normalized path, e.g. "unix:///var/run/docker.sock"',
    );
  });
  test('fails when the socket path is not normalized', () => {
    expect(() => DockerHost.local(stack(), 'docker', { socket: 'unix:///var/run/../docker.sock' })).toThrow('socket "unix:///var/run/../docker.sock" must be a unix:// URL');
  });
  test('fails when the ssh user is invalid', () => {
    expect(() => DockerHost.ssh(stack(), 'docker', { user: 'root@evil', address: '10.0.0.11' })).toThrow(
      'docker host \'docker\': ssh user "root@evil" must be a login name',
    );
  });
  test('fails when the address is not an address or host name', () => {
    expect(() => DockerHost.ssh(stack(), 'docker', { user: 'deploy', address: '10.0.0.11; rm -rf /' })).toThrow(
      'docker host \'docker\': address "10.0.0.11; rm -rf /" must be an IPv4 address, an IPv6 address or a host name',
    );
  });
  test('fails when the address is a malformed IPv4 address', () => {
    expect(() => DockerHost.ssh(stack(), 'docker', { user: 'deploy', address: '10.0.0.256' })).toThrow('address "10.0.0.256" must be an IPv4 address');
  });
  test('fails when the IPv6 address is malformed', () => {
    expect(() => DockerHost.ssh(stack(), 'docker', { user: 'deploy', address: 'fd00::zz' })).toThrow('address "fd00::zz" must be an IPv4 address');
  });
  test('fails when the ssh port is out of range', () => {
    expect(() => DockerHost.ssh(stack(), 'docker', { user: 'deploy', address: '10.0.0.11', port: 0 })).toThrow('ssh port 0 must be an integer from 1 to 65535');
  });
  test('fails when the alias is invalid', () => {
    expect(() => DockerHost.local(stack(), 'docker', { alias: 'vm 1' })).toThrow('docker host \'docker\': alias "vm 1" must start with a letter or \'_\'');
  });
  test('fails when disableDockerDaemonCheck is not a boolean (a JavaScript caller)', () => {
    expect(() => DockerHost.local(stack(), 'docker', { disableDockerDaemonCheck: 'yes' as never })).toThrow(
      'EnvironmentStack [prod]: docker host \'docker\': disableDockerDaemonCheck "yes" must be true or false',
    );
  });
  test('fails when two hosts in one stack have no alias', () => {
    const s = stack();
    DockerHost.local(s, 'docker');
    expect(() => DockerHost.ssh(s, 'docker-vm1', { user: 'deploy', address: '10.0.0.11' })).toThrow(
      'EnvironmentStack [prod]: docker host \'docker-vm1\': docker host \'docker\' already uses no alias (the default docker provider); give each Docker host in one stack its own alias',
    );
  });
  test('fails when two hosts in one stack share an alias', () => {
    const s = stack();
    DockerHost.ssh(s, 'docker-vm1', { user: 'deploy', address: '10.0.0.11', alias: 'vm' });
    expect(() => DockerHost.ssh(s, 'docker-vm2', { user: 'deploy', address: '10.0.0.12', alias: 'vm' })).toThrow(
      'docker host \'docker-vm1\' already uses alias "vm"',
    );
  });
});
