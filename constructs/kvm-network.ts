import { TerraformProvider, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { Network } from '../providers/libvirt/network';
import { InvalidInputError } from '../renderers/invalid-input';
import { Ipv4Network, formatCidr, formatIpv4, hostAt, isUsableHost, parseCidr, parseIpv4 } from '../renderers/ipv4';
import { brand, isInstance } from './identity';
import { claimNetwork, machineOf } from './network-claims';
import { requireProviderAtSynth } from './provider-presence';
import { checkOneOf, fail, withPath } from './validation';

/** A libvirt network that KVM hosts attach to and take fixed addresses from. */
export interface IKvmNetwork {
  /** The libvirt network name. */
  readonly networkName: string;
  /** The network's IPv4 range. */
  readonly ipv4: Ipv4Network;
  /** Hands out the next free fixed address (below the DHCP range), or checks and reserves `address`. */
  allocateAddress(requester: Construct, address?: string): string;
}

/** Construction properties of `KvmNetwork`. */
export interface KvmNetworkProps {
  /** The network in CIDR notation; the first address is the host side (gateway and DNS). */
  readonly cidr: string;
  /** The libvirt network name. @default the construct id */
  readonly name?: string;
  /** The libvirt provider of the hypervisor. @default the stack's default libvirt provider */
  readonly provider?: TerraformProvider;
  /**
   * Addresses handed out by DHCP, for guests without a fixed address. Fixed addresses come from below it.
   * @default offsets 100..199 of the network (`x.y.z.100`-`x.y.z.199` in a /24)
   */
  readonly dhcpRange?: { readonly start: string; readonly end: string };
  /** Start the network when the hypervisor boots. @default true */
  readonly autostart?: boolean;
  /**
   * An isolated network: guests reach each other and the hypervisor, but nothing beyond it (no NAT).
   * For tests and for hosts that must not reach the internet. @default false (NAT to the outside)
   */
  readonly isolated?: boolean;
}

/** Properties of an existing libvirt network that `KvmNetwork.fromName` refers to. */
export interface ExistingKvmNetworkProps {
  /** Its libvirt name. */
  readonly name: string;
  /** Its IPv4 range in CIDR notation, so hosts can get fixed addresses in it. */
  readonly cidr: string;
  /** The first offset handed out as a fixed address. @default 10 */
  readonly firstFixedOffset?: number;
}

const NETWORK_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,49}$/;

/** Hands out fixed addresses from an offset upwards, refusing duplicates and addresses DHCP may lease. */
class AddressBook {
  private readonly taken = new Set<string>();
  private next: number;

  constructor(
    private readonly owner: Construct,
    private readonly net: Ipv4Network,
    firstOffset: number,
    private readonly dhcp?: { readonly start: string; readonly end: string },
  ) {
    this.next = parseIpv4('network', net.network) + firstOffset;
  }

  allocate(requester: Construct, address?: string): string {
    let chosen = address;
    if (chosen === undefined) {
      while (this.taken.has(formatIpv4(this.next))) this.next++;
      chosen = formatIpv4(this.next);
    }
    const value = chosen;
    withPath(requester, () => {
      if (!isUsableHost(this.net, value)) {
        throw new InvalidInputError(`address "${value}" is not a host address of ${this.net.network}/${this.net.prefix}; pick one above the gateway ${this.net.gateway}`);
      }
    });
    if (this.dhcp !== undefined && parseIpv4('address', value) >= parseIpv4('start', this.dhcp.start) && parseIpv4('address', value) <= parseIpv4('end', this.dhcp.end)) {
      fail(requester, `address "${value}" lies in the DHCP range ${this.dhcp.start}-${this.dhcp.end} of network ${this.owner.node.path}; pick one outside it, or move dhcpRange`);
    }
    if (this.taken.has(value)) {
      fail(requester, `address "${value}" is already given to another host on network ${this.owner.node.path}; pick another, or omit it to get the next free one`);
    }
    this.taken.add(value);
    return value;
  }
}

/**
 * Claims a network's libvirt name and range on its hypervisor (its libvirt provider; the stack stands
 * for its default, unaliased one), and fails naming the network it collides with.
 */
function claimOnHypervisor(owner: Construct, provider: TerraformProvider | undefined, name: string, ipv4: Ipv4Network, cidr: string): void {
  // Left out, the provider is the stack's default libvirt provider; its URI names the machine.
  const stack = TerraformStack.of(owner);
  const given = provider ?? stack.node.children.find((c): c is TerraformProvider => TerraformProvider.isTerraformProvider(c) && c.terraformResourceType === 'libvirt' && c.alias === undefined);
  const own = given === undefined || given.alias === undefined ? stack : given;
  const hypervisor = given === undefined ? own : machineOf(owner, (given as { uri?: unknown }).uri, own);
  const clash = claimNetwork(hypervisor, { owner, name, range: ipv4 });
  if (clash === undefined) return;
  const where = `on the same hypervisor (${provider === undefined ? "the stack's default libvirt provider" : `libvirt provider ${provider.node.path}`})`;
  const other = clash.other.owner.node.path;
  if (clash.by === 'name') {
    fail(owner, `name "${name}" is already the libvirt name of network ${other} ${where}; libvirt keeps one network per name, so give this one another name`);
  }
  const taken = formatCidr(clash.other.range!);
  fail(owner, `cidr "${cidr}" overlaps ${taken} of network ${other} ${where}; libvirt cannot route both ranges, so choose one outside ${taken}`);
}

/**
 * A NAT network on a libvirt hypervisor, from a CIDR: the hypervisor side takes the first address and
 * serves DNS and DHCP; hosts attached to it get fixed addresses (known at synth) from `allocateAddress`.
 * One network can carry several `KvmHost`s, like the article's two servers per pool.
 */
export class KvmNetwork extends Construct implements IKvmNetwork {
  /** Whether `x` is a `KvmNetwork`, from this or any other copy of the library (`instanceof` fails across copies). */
  public static isKvmNetwork(x: unknown): x is KvmNetwork {
    return isInstance(x, KvmNetwork, 'KvmNetwork');
  }

  /** Refers to a network that already exists on the hypervisor. */
  static fromName(scope: Construct, id: string, props: ExistingKvmNetworkProps): IKvmNetwork {
    const ref = new Construct(scope, id);
    if (!NETWORK_NAME.test(props.name)) {
      fail(ref, `name "${props.name}" must be 1-50 letters, digits, '_', '.' or '-', starting with a letter or digit (the name of the existing libvirt network)`);
    }
    const ipv4 = withPath(ref, () => parseCidr('cidr', props.cidr));
    claimOnHypervisor(ref, undefined, props.name, ipv4, props.cidr);
    const book = new AddressBook(ref, ipv4, props.firstFixedOffset ?? 10);
    return { networkName: props.name, ipv4, allocateAddress: (requester, address) => book.allocate(requester, address) };
  }

  /** The libvirt network name, as a reference to the `libvirt_network` resource. */
  public readonly networkName: string;
  public readonly ipv4: Ipv4Network;
  /** The DHCP range handed to dnsmasq. */
  public readonly dhcpRange: { readonly start: string; readonly end: string };
  /** The `libvirt_network` resource. */
  public readonly resource: Network;
  private readonly book: AddressBook;

  constructor(scope: Construct, id: string, props: KvmNetworkProps) {
    super(scope, id);
    brand(this, 'KvmNetwork');
    const name = props.name ?? id;
    if (!NETWORK_NAME.test(name)) {
      fail(this, `name "${name}" must be 1-50 letters, digits, '_', '.' or '-', starting with a letter or digit`);
    }
    const ipv4 = withPath(this, () => parseCidr('cidr', props.cidr));
    this.ipv4 = ipv4;
    checkOneOf(this, 'autostart', props.autostart, [true, false]);
    checkOneOf(this, 'isolated', props.isolated, [true, false]);
    claimOnHypervisor(this, props.provider, name, ipv4, props.cidr);
    if (props.dhcpRange === undefined && ipv4.prefix > 24) {
      fail(this, `cidr "${props.cidr}" is smaller than a /24, so the default dhcpRange (offsets 100..199) does not fit; give dhcpRange`);
    }
    this.dhcpRange = props.dhcpRange ?? { start: hostAt(ipv4, 100), end: hostAt(ipv4, 199) };
    const { start, end } = this.dhcpRange;
    withPath(this, () => {
      for (const [setting, value] of [['dhcpRange.start', start], ['dhcpRange.end', end]]) {
        parseIpv4(setting, value); // a malformed value is reported under its own setting
        if (!isUsableHost(ipv4, value)) {
          throw new InvalidInputError(
            `${setting} "${value}" is not a usable host address of ${props.cidr}; both ends of the range must lie above the gateway ${ipv4.gateway} and at most ${ipv4.lastHost}`,
          );
        }
      }
      if (parseIpv4('dhcpRange.start', start) > parseIpv4('dhcpRange.end', end)) {
        throw new InvalidInputError(`dhcpRange.start "${start}" comes after dhcpRange.end "${end}"; swap them`);
      }
    });
    this.book = new AddressBook(this, ipv4, 10, this.dhcpRange);

    requireProviderAtSynth(this, 'libvirt', props.provider);
    this.resource = new Network(this, 'network', {
      provider: props.provider,
      name,
      autostart: props.autostart ?? true,
      // No forward element makes libvirt create an isolated network.
      forward: props.isolated ? undefined : { mode: 'nat' },
      ips: [{ address: ipv4.gateway, prefix: ipv4.prefix, dhcp: { ranges: [{ start, end }] } }],
    });
    // A reference, not the literal name: a domain attached to it then depends on the network, so
    // Terraform creates the network first and destroys it last.
    this.networkName = this.resource.name;
  }

  allocateAddress(requester: Construct, address?: string): string {
    return this.book.allocate(requester, address);
  }
}
