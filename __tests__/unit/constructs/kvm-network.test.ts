import { TerraformStack, Testing, Token } from 'cdktf';
import { Construct } from 'constructs';
import { KvmNetwork, KvmNetworkProps } from '../../../constructs/kvm-network';
import { Network } from '../../../providers/libvirt/network';
import { LibvirtProvider } from '../../../providers/libvirt/provider';

/** Stands in for a KvmHost asking for an address, so the messages name it. */
class Requester extends Construct {}

function setup() {
  const app = Testing.app();
  const stack = new TerraformStack(app, 'test');
  return { stack, build: (props: Partial<KvmNetworkProps> = {}, id = 'net') => new KvmNetwork(stack, id, { cidr: '192.168.150.0/24', ...props }) };
}

describe('KvmNetwork', () => {
  it('creates an autostarted NAT network whose host side is the first address, with DHCP on offsets 100..199', () => {
    // GIVEN only a CIDR
    const { stack, build } = setup();
    const net = build();
    // THEN the network is named after the id and the defaults are exposed
    expect(Testing.synth(stack)).toHaveResourceWithProperties(Network, {
      name: 'net',
      autostart: true,
      forward: { mode: 'nat' },
      ips: [{ address: '192.168.150.1', prefix: 24, dhcp: { ranges: [{ start: '192.168.150.100', end: '192.168.150.199' }] } }],
    });
    expect(net.ipv4).toEqual({ network: '192.168.150.0', prefix: 24, gateway: '192.168.150.1', lastHost: '192.168.150.254' });
    expect(net.dhcpRange).toEqual({ start: '192.168.150.100', end: '192.168.150.199' });
    // a reference to the resource, so domains attached to it depend on it (see kvm-host.test.ts)
    expect(Token.isUnresolved(net.networkName)).toBe(true);
  });

  it('creates an isolated network, with no forward mode, when asked', () => {
    const { stack, build } = setup();
    build({ isolated: true });
    const network = Object.values(JSON.parse(Testing.synth(stack)).resource.libvirt_network)[0] as Record<string, unknown>;
    expect(network.forward).toBeUndefined();
    expect(network.ips).toEqual([{ address: '192.168.150.1', prefix: 24, dhcp: { ranges: [{ start: '192.168.150.100', end: '192.168.150.199' }] } }]);
  });

  it('takes a name, a DHCP range, autostart and a provider', () => {
    const { stack, build } = setup();
    const provider = new LibvirtProvider(stack, 'libvirt', { uri: 'qemu:///system', alias: 'hv' });
    const net = build({ name: 'prod.net-1', cidr: '10.20.0.0/16', dhcpRange: { start: '10.20.1.0', end: '10.20.1.255' }, autostart: false, provider });
    expect(Testing.synth(stack)).toHaveResourceWithProperties(Network, {
      provider: 'libvirt.hv',
      name: 'prod.net-1',
      autostart: false,
      ips: [{ address: '10.20.0.1', prefix: 16, dhcp: { ranges: [{ start: '10.20.1.0', end: '10.20.1.255' }] } }],
    });
    expect(net.dhcpRange).toEqual({ start: '10.20.1.0', end: '10.20.1.255' });
  });

  it('hands out fixed addresses from offset 10 upwards, skipping ones already taken', () => {
    const { stack, build } = setup();
    const net = build();
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((id) => new Requester(stack, id));
    expect(net.allocateAddress(a, '192.168.150.11')).toBe('192.168.150.11');
    expect(net.allocateAddress(b)).toBe('192.168.150.10');
    expect(net.allocateAddress(c)).toBe('192.168.150.12');
    expect(net.allocateAddress(d, '192.168.150.250')).toBe('192.168.150.250');
  });

  it('fails when the name is not a libvirt network name', () => {
    const { build } = setup();
    expect(() => build({ name: '-net' })).toThrow(
      "KvmNetwork [test/net]: name \"-net\" must be 1-50 letters, digits, '_', '.' or '-', starting with a letter or digit",
    );
  });

  it('fails when the CIDR is malformed', () => {
    const { build } = setup();
    expect(() => build({ cidr: '192.168.150.0' })).toThrow(
      'KvmNetwork [test/net]: cidr "192.168.150.0" is not a CIDR with a prefix of 8..30; write it like "192.168.150.0/24"',
    );
  });

  it('fails when the CIDR has host bits set', () => {
    const { build } = setup();
    expect(() => build({ cidr: '192.168.150.1/24' })).toThrow(
      'KvmNetwork [test/net]: cidr "192.168.150.1/24" has host bits set; use the network address "192.168.150.0/24"',
    );
  });

  it('fails when the network is smaller than a /24 and no DHCP range is given', () => {
    const { build } = setup();
    expect(() => build({ cidr: '192.168.150.0/25' })).toThrow(
      'KvmNetwork [test/net]: cidr "192.168.150.0/25" is smaller than a /24, so the default dhcpRange (offsets 100..199) does not fit; give dhcpRange',
    );
  });

  it('fails when the DHCP range starts outside the CIDR', () => {
    const { build } = setup();
    expect(() => build({ dhcpRange: { start: '192.168.149.100', end: '192.168.150.199' } })).toThrow(
      'KvmNetwork [test/net]: dhcpRange.start "192.168.149.100" is not a usable host address of 192.168.150.0/24; both ends of the range must lie above the gateway 192.168.150.1 and at most 192.168.150.254',
    );
  });

  it('fails when the DHCP range ends outside the CIDR', () => {
    const { build } = setup();
    expect(() => build({ dhcpRange: { start: '192.168.150.100', end: '192.168.150.255' } })).toThrow(
      'KvmNetwork [test/net]: dhcpRange.end "192.168.150.255" is not a usable host address of 192.168.150.0/24; both ends of the range must lie above the gateway 192.168.150.1 and at most 192.168.150.254',
    );
  });

  it('fails when a DHCP range end is not an IPv4 address', () => {
    const { build } = setup();
    expect(() => build({ dhcpRange: { start: '192.168.150.100', end: '192.168.150' } })).toThrow(
      'KvmNetwork [test/net]: dhcpRange.end "192.168.150" is not an IPv4 address; write four numbers 0-255 joined by dots, like "192.168.150.10"',
    );
  });

  it('fails when the DHCP range is reversed', () => {
    const { build } = setup();
    expect(() => build({ dhcpRange: { start: '192.168.150.199', end: '192.168.150.100' } })).toThrow(
      'KvmNetwork [test/net]: dhcpRange.start "192.168.150.199" comes after dhcpRange.end "192.168.150.100"; swap them',
    );
  });

  it('fails when a requested address is outside the network, naming the requester', () => {
    const { stack, build } = setup();
    const net = build();
    expect(() => net.allocateAddress(new Requester(stack, 'host'), '192.168.151.10')).toThrow(
      'Requester [test/host]: address "192.168.151.10" is not a host address of 192.168.150.0/24; pick one above the gateway 192.168.150.1',
    );
  });

  it('fails when a requested address lies in the DHCP range', () => {
    const { stack, build } = setup();
    const net = build();
    expect(() => net.allocateAddress(new Requester(stack, 'host'), '192.168.150.150')).toThrow(
      'Requester [test/host]: address "192.168.150.150" lies in the DHCP range 192.168.150.100-192.168.150.199 of network test/net; pick one outside it, or move dhcpRange',
    );
  });

  it('fails when a requested address is already given to another host', () => {
    const { stack, build } = setup();
    const net = build();
    net.allocateAddress(new Requester(stack, 'first'));
    expect(() => net.allocateAddress(new Requester(stack, 'second'), '192.168.150.10')).toThrow(
      'Requester [test/second]: address "192.168.150.10" is already given to another host on network test/net; pick another, or omit it to get the next free one',
    );
  });
});

describe('KvmNetwork collisions on one hypervisor', () => {
  it('fails when two networks on one hypervisor share a libvirt name, naming both', () => {
    const { build } = setup();
    build({ name: 'shop' }, 'a');
    expect(() => build({ name: 'shop', cidr: '192.168.151.0/24' }, 'b')).toThrow(
      'KvmNetwork [test/b]: name "shop" is already the libvirt name of network test/a on the same hypervisor (the stack\'s default libvirt provider); libvirt keeps one network per name, so give this one another name',
    );
  });

  it('fails when two networks on one hypervisor overlap, naming both ranges', () => {
    const { build } = setup();
    build({}, 'a');
    expect(() => build({ cidr: '192.168.150.128/25', dhcpRange: { start: '192.168.150.200', end: '192.168.150.250' } }, 'b')).toThrow(
      'KvmNetwork [test/b]: cidr "192.168.150.128/25" overlaps 192.168.150.0/24 of network test/a on the same hypervisor (the stack\'s default libvirt provider); libvirt cannot route both ranges, so choose one outside 192.168.150.0/24',
    );
    expect(() => build({ cidr: '192.168.0.0/16' }, 'c')).toThrow('KvmNetwork [test/c]: cidr "192.168.0.0/16" overlaps 192.168.150.0/24 of network test/a');
  });

  it('counts the default provider given explicitly and left out as one hypervisor', () => {
    const { stack, build } = setup();
    const libvirt = new LibvirtProvider(stack, 'libvirt', { uri: 'qemu:///system' });
    build({ provider: libvirt }, 'a');
    expect(() => build({ name: 'a' }, 'b')).toThrow('KvmNetwork [test/b]: name "a" is already the libvirt name of network test/a on the same hypervisor');
  });

  it('fails when two providers, or two stacks, reach one hypervisor by the same URI', () => {
    // GIVEN two aliased providers for one hypervisor, and a network on the first
    const { stack, build } = setup();
    const uri = 'qemu+ssh://root@kvm1.example.no/system';
    const first = new LibvirtProvider(stack, 'hv1a', { uri, alias: 'hv1a' });
    const second = new LibvirtProvider(stack, 'hv1b', { uri, alias: 'hv1b' });
    build({ name: 'shop', provider: first }, 'a');
    // THEN the same name through the second provider, or an overlapping range from another stack, fails
    expect(() => build({ name: 'shop', provider: second, cidr: '192.168.151.0/24' }, 'b')).toThrow(
      'KvmNetwork [test/b]: name "shop" is already the libvirt name of network test/a on the same hypervisor (libvirt provider test/hv1b); libvirt keeps one network per name, so give this one another name',
    );
    const other = new TerraformStack(stack.node.root as never, 'other');
    const provider = new LibvirtProvider(other, 'libvirt', { uri });
    expect(() => new KvmNetwork(other, 'c', { name: 'shop-2', cidr: '192.168.150.0/24' })).toThrow(
      'KvmNetwork [other/c]: cidr "192.168.150.0/24" overlaps 192.168.150.0/24 of network test/a on the same hypervisor (the stack\'s default libvirt provider)',
    );
    expect(new KvmNetwork(other, 'd', { name: 'shop-3', cidr: '192.168.152.0/24', provider }).ipv4.prefix).toBe(24);
  });

  it('accepts one name and range on two hypervisors, and in two stacks', () => {
    const { stack, build } = setup();
    const remote = new LibvirtProvider(stack, 'remote', { uri: 'qemu+ssh://root@kvm2.example.no/system', alias: 'kvm2' });
    build({ name: 'shop' }, 'a');
    expect(build({ name: 'shop', provider: remote }, 'b').ipv4.network).toBe('192.168.150.0');
    const other = new TerraformStack(stack.node.root as never, 'other');
    expect(new KvmNetwork(other, 'a', { name: 'shop', cidr: '192.168.150.0/24' }).ipv4.prefix).toBe(24);
  });

  it('fails when a network overlaps an existing one it refers to by name', () => {
    const { stack, build } = setup();
    KvmNetwork.fromName(stack, 'existing', { name: 'default', cidr: '192.168.122.0/24' });
    expect(() => build({ cidr: '192.168.122.0/24' }, 'b')).toThrow('KvmNetwork [test/b]: cidr "192.168.122.0/24" overlaps 192.168.122.0/24 of network test/existing on the same hypervisor');
  });

  // Casts stand in for JavaScript callers, where the boolean type is not checked.
  it('fails when autostart or isolated is not a boolean', () => {
    const { build } = setup();
    expect(() => build({ autostart: 'no' as never })).toThrow('KvmNetwork [test/net]: autostart "no" must be true or false');
    expect(() => build({ isolated: 1 as never }, 'net2')).toThrow('KvmNetwork [test/net2]: isolated 1 must be true or false');
  });
});

describe('KvmNetwork.fromName', () => {
  it('refers to an existing network by its literal name and creates no resource', () => {
    const { stack } = setup();
    const net = KvmNetwork.fromName(stack, 'existing', { name: 'default', cidr: '192.168.122.0/24' });
    expect(net.networkName).toBe('default');
    expect(net.ipv4).toEqual({ network: '192.168.122.0', prefix: 24, gateway: '192.168.122.1', lastHost: '192.168.122.254' });
    expect(JSON.parse(Testing.synth(stack)).resource).toBeUndefined();
  });

  it('hands out fixed addresses from firstFixedOffset (default 10); the DHCP range is unknown, so not checked', () => {
    const { stack } = setup();
    const byDefault = KvmNetwork.fromName(stack, 'a', { name: 'default', cidr: '192.168.122.0/24' });
    const fromTwenty = KvmNetwork.fromName(stack, 'b', { name: 'other', cidr: '10.9.0.0/16', firstFixedOffset: 20 });
    const requester = new Requester(stack, 'host');
    expect(byDefault.allocateAddress(requester)).toBe('192.168.122.10');
    expect(byDefault.allocateAddress(requester)).toBe('192.168.122.11');
    expect(byDefault.allocateAddress(requester, '192.168.122.150')).toBe('192.168.122.150');
    expect(fromTwenty.allocateAddress(requester)).toBe('10.9.0.20');
  });

  it('fails when the cidr is malformed', () => {
    const { stack } = setup();
    expect(() => KvmNetwork.fromName(stack, 'existing', { name: 'default', cidr: '192.168.122.0/33' })).toThrow(
      'Construct [test/existing]: cidr "192.168.122.0/33" is not a CIDR with a prefix of 8..30; write it like "192.168.150.0/24"',
    );
  });
});
