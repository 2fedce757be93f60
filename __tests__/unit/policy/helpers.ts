import { DockerProvider } from '@cdktf/provider-docker/lib/provider';
import { App, TerraformStack, TerraformVariable, Testing } from 'cdktf';
import { IConstruct } from 'constructs';
import { KvmHost, KvmHostProps } from '../../../constructs/kvm-host';
import { KvmNetwork } from '../../../constructs/kvm-network';
import { ServiceNetwork } from '../../../constructs/service-network';
import { PolicyContext, PolicyRule } from '../../../policy';

// Public key made with ssh-keygen for these tests (the private half was discarded).
export const SSH_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIZKr13k7dY5Fz+G+pbLiadrE85vh8FM2F0M3FgpPUYx ops@example.com';
export const BASE_IMAGE = 'https://cloud.debian.org/images/cloud/bookworm/latest/debian-12-genericcloud-amd64.qcow2';

/** GIVEN an app with one stack named `environment`, a Docker provider and a service network. */
export function dockerStack(environment = 'dev', app: App = Testing.app()) {
  const stack = new TerraformStack(app, environment);
  const provider = new DockerProvider(stack, 'docker', {});
  const network = new ServiceNetwork(stack, 'services', { provider });
  return { app, stack, provider, network };
}

/** A KVM host on a fresh libvirt network of `stack`. */
export function kvmHost(stack: TerraformStack, props: Partial<KvmHostProps> = {}, id = 'host'): KvmHost {
  const network = (stack.node.tryFindChild('kvm-net') as KvmNetwork | undefined) ?? new KvmNetwork(stack, 'kvm-net', { cidr: '192.168.150.0/24' });
  return new KvmHost(stack, id, { network, baseImage: BASE_IMAGE, cloudInit: { sshAuthorizedKeys: [SSH_KEY] }, ...props });
}

/** A sensitive variable without default, as secrets must be declared. */
export function secret(stack: TerraformStack, id: string): TerraformVariable {
  return new TerraformVariable(stack, id, { type: 'string', sensitive: true });
}

/** The messages `rule` finds on `node`, in environment `environment`. */
export function findings(rule: PolicyRule, node: IConstruct, context: Partial<PolicyContext> = {}): string[] {
  return rule.check(node, { environment: 'dev', requiresRedundancy: false, ...context }).map((f) => f.message);
}

/** The error and warning annotations on a construct. */
export function annotations(node: IConstruct): { errors: string[]; warnings: string[] } {
  const of = (type: string) => node.node.metadata.filter((m) => m.type === type).map((m) => String(m.data));
  return { errors: of('@cdktf/error'), warnings: of('@cdktf/warn') };
}
