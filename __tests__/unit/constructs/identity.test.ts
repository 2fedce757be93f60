import { Container } from '@cdktf/provider-docker/lib/container';
import { DockerProvider } from '@cdktf/provider-docker/lib/provider';
import { TerraformProvider, TerraformResource, TerraformStack, TerraformVariable, Testing } from 'cdktf';
import { isDockerContainer, isDockerProvider, isInstance, isTerraformVariable } from '../../../constructs/identity';
import { TunedServer } from '../../../constructs/tuned-server';
import { containerNotPrivileged, dataResidency, hostSysctlProfile } from '../../../policy';
import { findings } from '../policy/helpers';

/**
 * A project that installs the framework twice (a library bringing its own cdktf, or two versions of this
 * library) has objects from one copy checked by code of the other. `instanceof` then fails silently; the
 * guards must not. `jest.isolateModules` loads a second copy of cdktf, the Docker bindings and this library.
 */
type Copy = {
  cdktf: typeof import('cdktf');
  container: typeof import('@cdktf/provider-docker/lib/container');
  provider: typeof import('@cdktf/provider-docker/lib/provider');
  tunedServer: typeof import('../../../constructs/tuned-server');
  sysctl: typeof import('../../../renderers/sysctl-profile');
};

function secondCopy(): Copy {
  let copy: Copy | undefined;
  jest.isolateModules(() => {
    copy = {
      cdktf: require('cdktf'),
      container: require('@cdktf/provider-docker/lib/container'),
      provider: require('@cdktf/provider-docker/lib/provider'),
      tunedServer: require('../../../constructs/tuned-server'),
      sysctl: require('../../../renderers/sysctl-profile'),
    };
  });
  return copy!;
}

const HOST_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIZKr13k7dY5Fz+G+pbLiadrE85vh8FM2F0M3FgpPUYx';

describe('identity guards across two copies of the framework', () => {
  const other = secondCopy();
  const app = new other.cdktf.App({ stackTraces: false });
  const stack = new other.cdktf.TerraformStack(app, 'prod');
  const provider = new other.provider.DockerProvider(stack, 'docker', { host: 'ssh://deploy@203.0.113.10' });
  const container = new other.container.Container(stack, 'web', { name: 'web', image: 'app:1.0', privileged: true });
  const variable = new other.cdktf.TerraformVariable(stack, 'ssh_private_key', { type: 'string', sensitive: true });

  test('the second copy is really another copy: its classes are not ours', () => {
    expect(other.cdktf.TerraformStack).not.toBe(TerraformStack);
    expect(other.container.Container).not.toBe(Container);
    expect(other.tunedServer.TunedServer).not.toBe(TunedServer);
  });

  test("instanceof misses the other copy's resources, providers and variables; the guards find them", () => {
    expect([container instanceof TerraformResource, container instanceof Container]).toEqual([false, false]);
    expect([TerraformResource.isTerraformResource(container), isDockerContainer(container)]).toEqual([true, true]);
    expect([provider instanceof TerraformProvider, provider instanceof DockerProvider]).toEqual([false, false]);
    expect([TerraformProvider.isTerraformProvider(provider), isDockerProvider(provider)]).toEqual([true, true]);
    expect(variable instanceof TerraformVariable).toBe(false);
    expect(isTerraformVariable(variable)).toBe(true);
    expect(TerraformStack.isStack(stack)).toBe(true);
  });

  test("a variable of CDK Terrain (jsii name cdktn.TerraformVariable) is a variable; a look-alike name is not", () => {
    // GIVEN classes carrying the names jsii records on CDK Terrain's and on some other library's variable
    const rtti = Symbol.for('jsii.rtti');
    class TerrainVariable {
      static readonly [rtti] = { fqn: 'cdktn.TerraformVariable', version: '0.24.0' };
    }
    class NotAVariable {
      static readonly [rtti] = { fqn: 'other.TerraformVariable', version: '1.0.0' };
    }
    class SubVariable extends TerrainVariable {}
    // THEN CDK Terrain's variable and its subclasses count, the other one does not
    expect([isTerraformVariable(new TerrainVariable()), isTerraformVariable(new SubVariable()), isTerraformVariable(new NotAVariable())]).toEqual([true, true, false]);
  });

  test('the guards still tell kinds apart', () => {
    expect([isDockerContainer(provider), isDockerProvider(container), isTerraformVariable(container), isTerraformVariable('a key')]).toEqual([false, false, false, false]);
  });

  test("a rule of this copy checks the other copy's container", () => {
    expect(findings(containerNotPrivileged, container)).toEqual([
      'container runs privileged (privileged = true), which makes it root on its host: remove privileged and add only the capabilities it needs (addCapabilities), or suppress with the reason',
    ]);
  });

  test("a rule of this copy checks the other copy's Docker host reached over SSH", () => {
    expect(findings(dataResidency, provider, { environment: 'prod', allowedJurisdictions: ['NO'] })).toEqual([
      "host has no declared jurisdiction, but environment 'prod' allows hosts only in 'NO': declare where it is with Jurisdiction.of(host).set('NO') (or on its stack)",
    ]);
  });

  test("this library's own classes are recognized across copies by their brand", () => {
    // GIVEN a TunedServer made by the other copy of the library, with a profile that leaves out the article's keys
    const profile = new other.sysctl.SysctlProfile({ preset: { 'vm.swappiness': 10 } });
    const server = new other.tunedServer.TunedServer(stack, 'vps', { host: '203.0.113.10', privateKey: variable, hostKey: HOST_KEY, profile });
    // THEN instanceof misses it, the guard does not, and this copy's rule checks it
    expect(server instanceof TunedServer).toBe(false);
    expect([TunedServer.isTunedServer(server), isInstance(server, TunedServer, 'TunedServer')]).toEqual([true, true]);
    expect(findings(hostSysctlProfile, server)).toEqual([
      "the server's sysctl profile leaves net.core.somaxconn, net.ipv4.tcp_tw_reuse, net.ipv4.ip_local_port_range, fs.file-max at the kernel default: keep the article's preset (new SysctlProfile()) or set them in overrides",
    ]);
    expect(TunedServer.isTunedServer(new TerraformStack(Testing.app(), 'x'))).toBe(false);
  });
});
