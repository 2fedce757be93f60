import { DockerProvider } from '@cdktf/provider-docker/lib/provider';
import { NullProvider } from '@cdktf/provider-null/lib/provider';
import { Annotations, TerraformProvider, TerraformResource, TerraformStack, TerraformVariable } from 'cdktf';
import { Construct } from 'constructs';
import { LibvirtProvider } from '../providers/libvirt/provider';
import { quote } from '../renderers/invalid-input';
import { SysctlProfile } from '../renderers/sysctl-profile';
import { HostSpec, HypervisorSpec, KvmSpec } from './application-spec';
import { DockerHost } from './docker-host';
import { isTerraformVariable } from './identity';
import { KvmHost } from './kvm-host';
import { IKvmNetwork, KvmNetwork } from './kvm-network';
import { TunedServer } from './tuned-server';
import { fail } from './validation';

/** One host of an `Application`, as the composition built it. */
export interface ApplicationHost {
  /** Its name. */
  readonly name: string;
  /** How it was described. */
  readonly spec: HostSpec;
  /** The Docker provider of its engine. */
  readonly provider: DockerProvider;
  /** The address other hosts reach it at, when it has one. */
  readonly address?: string;
  /** The KVM host, for `kind: kvm`. */
  readonly kvmHost?: KvmHost;
  /** The tuning of an existing server, for `kind: server`. */
  readonly tunedServer?: TunedServer;
  /** What its Docker resources wait for, when anything. */
  readonly readiness?: TerraformResource;
}

/** What building the hosts needs from the application. */
export interface HostBuildContext {
  /** The application construct (hosts and networks are its children). */
  readonly scope: Construct;
  /** Prefix of libvirt names. */
  readonly name: string;
  readonly hypervisors: Readonly<Record<string, HypervisorSpec>>;
  readonly kvm?: KvmSpec;
  readonly profile: SysctlProfile;
  /** Data disk size by host name (hosts with a database). */
  readonly dataDiskGiB: ReadonlyMap<string, number>;
  /** Extra ssh options for Docker over SSH. */
  readonly sshOptions: readonly string[];
}

const HOST_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

interface KvmNetworkOfHypervisor {
  readonly provider: TerraformProvider;
  readonly network: IKvmNetwork;
  /** Whether it is an existing network (e.g. bridged to a LAN) rather than one the application made. */
  readonly existing: boolean;
}

/**
 * Builds the hosts of an application: their Docker providers (created once in the stack, the first host
 * unaliased), libvirt providers and networks per hypervisor, `KvmHost`s with their readiness checks,
 * `TunedServer`s for existing servers, and the sensitive variable of the admin key they share.
 */
export function buildHosts(context: HostBuildContext, specs: readonly HostSpec[]): ApplicationHost[] {
  const { scope } = context;
  const stack = TerraformStack.of(scope);
  const seen = new Set<string>();
  specs.forEach((h, i) => {
    const at = `hosts[${i}]`;
    if (typeof h.name !== 'string' || !HOST_NAME.test(h.name)) {
      fail(scope, `${at}.name ${quote(h.name)} must be a DNS label (lowercase letters, digits, '-', not at either end), e.g. "kvm-1"`);
    }
    if (seen.has(h.name)) fail(scope, `${at}.name ${quote(h.name)} is used by two hosts; give each host its own name`);
    seen.add(h.name);
    if (!['local', 'kvm', 'server'].includes((h as { kind: string }).kind)) {
      fail(scope, `${at}.kind ${quote((h as { kind: unknown }).kind)} must be one of "local", "kvm", "server"`);
    }
  });
  if (specs.filter((h) => h.kind === 'local').length > 1) {
    fail(scope, `hosts has ${specs.filter((h) => h.kind === 'local').length} hosts of kind "local": there is one local Docker engine; keep one`);
  }

  const needsKey = specs.some((h) => h.kind !== 'local');
  const privateKey = needsKey ? sshPrivateKey(stack) : undefined;
  const nullProvider = needsKey ? defaultNullProvider(stack) : undefined;
  const networks = new Map<string, KvmNetworkOfHypervisor>();
  // Grouped, so a host's name never meets a network's in one construct scope.
  const hostScope = new Construct(scope, 'hosts');
  const networkScope = new Construct(scope, 'hypervisors');

  const natHypervisors = [...new Set(specs.flatMap((h) => (h.kind === 'kvm' && context.hypervisors[h.hypervisor]?.existingNetwork === undefined ? [h.hypervisor] : [])))];
  if (natHypervisors.length > 1) {
    Annotations.of(scope).addWarning(`hosts run on hypervisors ${natHypervisors.map((h) => quote(h)).join(' and ')}, each on a NAT network of its own, so they cannot reach each other's addresses: give the hypervisors an existingNetwork bridged to one LAN (or routed between them)`);
  }

  return specs.map((spec, i): ApplicationHost => {
    const providerId = `${scope.node.id}-docker-${spec.name}`;
    // The first host's engine is the stack's default Docker provider; every other host has an alias.
    const alias = i === 0 && !hasDefaultDockerProvider(stack) ? undefined : `${scope.node.id}_${spec.name}`.replace(/[^A-Za-z0-9_-]/g, '_');
    switch (spec.kind) {
      case 'local': {
        const provider = spec.dockerSocket !== undefined
          ? DockerHost.local(stack, providerId, { socket: spec.dockerSocket, alias })
          : DockerHost.fromEnvironment(stack, providerId, { alias });
        return { name: spec.name, spec, provider, address: spec.address };
      }
      case 'server': {
        const tuned = new TunedServer(hostScope, spec.name, {
          host: spec.address,
          user: spec.user,
          port: spec.port,
          hostKey: spec.hostKey,
          privateKey: privateKey!,
          profile: context.profile,
          allowedVirtualization: spec.allowedVirtualization,
          provider: nullProvider,
        });
        const provider = DockerHost.forServer(stack, providerId, tuned, { alias, sshOpts: sshOptions(context, spec.hostKey) });
        return { name: spec.name, spec, provider, address: spec.privateAddress ?? spec.address, tunedServer: tuned, readiness: tuned.resource };
      }
      case 'kvm': {
        const kvm = context.kvm;
        if (kvm === undefined) fail(scope, `${`hosts[${i}]`} ${quote(spec.name)} is a KVM host, but kvm (baseImage, sshPublicKeys) is not set; add kvm: { baseImage, sshPublicKeys }`);
        const hv = context.hypervisors[spec.hypervisor];
        if (hv === undefined) {
          const known = Object.keys(context.hypervisors);
          fail(scope, `hosts[${i}].hypervisor ${quote(spec.hypervisor)} is not a hypervisor of this application: ${known.length === 0 ? 'add it under hypervisors' : `use one of ${known.map((k) => quote(k)).join(', ')}, or add it under hypervisors`}`);
        }
        const net = kvmNetwork(context, networkScope, networks, spec.hypervisor, hv);
        const dataDiskGiB = spec.dataDiskGiB ?? context.dataDiskGiB.get(spec.name);
        const host = new KvmHost(hostScope, spec.name, {
          provider: net.provider,
          network: net.network,
          baseImage: kvm.baseImage,
          vcpus: spec.vcpus,
          memoryMiB: spec.memoryMiB,
          diskSizeGiB: spec.diskSizeGiB,
          address: spec.address,
          virtualization: kvm.virtualization,
          dataDisk: dataDiskGiB === undefined ? undefined : { sizeGiB: dataDiskGiB },
          cloudInit: { sshAuthorizedKeys: kvm.sshPublicKeys, adminUser: kvm.adminUser, profile: context.profile },
        });
        const readiness = host.addReadinessCheck({ privateKey: privateKey!, provider: nullProvider });
        const provider = DockerHost.forKvmHost(stack, providerId, host, { alias, sshOpts: sshOptions(context, undefined) });
        return { name: spec.name, spec, provider, address: host.address, kvmHost: host, readiness };
      }
    }
  });
}

/**
 * The ssh client options of Docker over SSH: a pinned host key when known, else trust on first use.
 * The user's options come first, because ssh takes the first value it is given for an option.
 */
function sshOptions(context: HostBuildContext, hostKey: string | undefined): string[] {
  const keyOptions = hostKey === undefined
    ? ['-o', 'StrictHostKeyChecking=accept-new']
    // The pinned key, handed to ssh without writing a known_hosts file.
    : ['-o', 'StrictHostKeyChecking=yes', '-o', 'UserKnownHostsFile=/dev/null', '-o', `KnownHostsCommand=/bin/echo %H ${hostKey}`];
  return [...context.sshOptions, ...keyOptions, '-o', 'BatchMode=yes'];
}

function kvmNetwork(
  context: HostBuildContext,
  networkScope: Construct,
  networks: Map<string, KvmNetworkOfHypervisor>,
  name: string,
  hv: HypervisorSpec,
): KvmNetworkOfHypervisor {
  const existing = networks.get(name);
  if (existing !== undefined) return existing;
  const stack = TerraformStack.of(context.scope);
  const first = networks.size === 0 && !stack.node.findAll().some((c) => TerraformProvider.isTerraformProvider(c) && c.terraformResourceType === 'libvirt' && c.alias === undefined);
  const provider = new LibvirtProvider(stack, `${context.scope.node.id}-libvirt-${name}`, {
    uri: hv.uri,
    alias: first ? undefined : `${context.scope.node.id}_${name}`.replace(/[^A-Za-z0-9_-]/g, '_'),
  });
  // Hypervisors bridged to one LAN share its addresses: hand them out from one book.
  const sameLan = hv.existingNetwork === undefined ? undefined : [...networks.values()].find((n) => n.existing && n.network.ipv4.network === hv.networkCidr.split('/')[0]);
  const network: IKvmNetwork = hv.existingNetwork === undefined
    ? new KvmNetwork(networkScope, name, { name: `${context.name}-${name}`, cidr: hv.networkCidr, provider, isolated: hv.isolated })
    : sameLan !== undefined
      ? { networkName: hv.existingNetwork, ipv4: sameLan.network.ipv4, allocateAddress: (requester, address) => sameLan.network.allocateAddress(requester, address) }
      : KvmNetwork.fromName(networkScope, name, { name: hv.existingNetwork, cidr: hv.networkCidr });
  const built = { provider, network, existing: hv.existingNetwork !== undefined };
  networks.set(name, built);
  return built;
}

function hasDefaultDockerProvider(stack: TerraformStack): boolean {
  return stack.node.findAll().some((c) => TerraformProvider.isTerraformProvider(c) && c.terraformResourceType === 'docker' && c.alias === undefined);
}

/** The stack's default null provider, made when it has none. */
function defaultNullProvider(stack: TerraformStack): TerraformProvider {
  const found = stack.node.findAll().find((c): c is TerraformProvider => TerraformProvider.isTerraformProvider(c) && c.terraformResourceType === 'null' && c.alias === undefined);
  return found ?? new NullProvider(stack, 'null');
}

/** The sensitive variable of the admin SSH key, shared by every host of the stack. */
function sshPrivateKey(stack: TerraformStack): TerraformVariable {
  const found = stack.node.tryFindChild('ssh_private_key');
  if (found !== undefined) {
    if (!isTerraformVariable(found) || found.sensitive !== true) {
      fail(stack, 'ssh_private_key is already something other than a sensitive variable in this stack; the application declares it for the hosts\' admin key: rename the other construct');
    }
    return found;
  }
  return new TerraformVariable(stack, 'ssh_private_key', {
    type: 'string',
    sensitive: true,
    description: `SSH private key of the admin user on the hosts of ${stack.node.id}, for their readiness checks and tuning (set TF_VAR_ssh_private_key)`,
  });
}

