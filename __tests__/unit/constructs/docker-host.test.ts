import 'cdktf/lib/testing/adapters/jest'; // types of the cdktf jest matchers
import { Container } from '@cdktf/provider-docker/lib/container';
import { DockerProvider } from '@cdktf/provider-docker/lib/provider';
import { TerraformStack, TerraformVariable, Testing } from 'cdktf';
import { Construct } from 'constructs';
import { DockerHost, LOCAL_DOCKER_SOCKET } from '../../../constructs/docker-host';
import { ServiceNetwork } from '../../../constructs/service-network';

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
    network.addService('web-1', { image: 'app:1', dockerProvider: vm1 });
    network.addService('web-2', { image: 'app:1', dockerProvider: vm2 });
    const synth = Testing.synth(s);
    expect(JSON.parse(synth).provider.docker).toEqual(expect.arrayContaining([
      { host: 'unix:///var/run/docker.sock' },
      { alias: 'vm1', host: 'ssh://deploy@10.0.0.11' },
      { alias: 'vm2', host: 'ssh://deploy@10.0.0.12', disable_docker_daemon_check: true },
    ]));
    expect(synth).toHaveResourceWithProperties(Container, { name: 'prod-services-web-1', provider: 'docker.vm1' });
    expect(synth).toHaveResourceWithProperties(Container, { name: 'prod-services-web-2', provider: 'docker.vm2' });
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
