import { InvalidInputError } from '../../../renderers/invalid-input';
import { formatIpv4, hostAt, isUsableHost, parseCidr, parseIpv4 } from '../../../renderers/ipv4';

describe('parseIpv4 / formatIpv4', () => {
  it('converts dotted quads to 32-bit numbers and back', () => {
    expect(parseIpv4('address', '0.0.0.0')).toBe(0);
    expect(parseIpv4('address', '192.168.150.10')).toBe(3232273930);
    expect(parseIpv4('address', '255.255.255.255')).toBe(4294967295);
    expect(formatIpv4(3232273930)).toBe('192.168.150.10');
    expect(formatIpv4(4294967295)).toBe('255.255.255.255');
    expect(formatIpv4(parseIpv4('address', '10.0.0.1'))).toBe('10.0.0.1');
  });

  it('fails when an address is not four numbers 0-255, naming the setting', () => {
    const message = (value: string) =>
      `gateway "${value}" is not an IPv4 address; write four numbers 0-255 joined by dots, like "192.168.150.10"`;
    for (const bad of ['192.168.150', '192.168.150.256', '192.168.150.010', 'a.b.c.d', ' 192.168.150.1', '192.168.150.1.2', '']) {
      expect(() => parseIpv4('gateway', bad)).toThrow(new InvalidInputError(message(bad)));
    }
  });
});

describe('parseCidr', () => {
  it('splits a /24 into network, prefix, gateway and last host', () => {
    expect(parseCidr('cidr', '192.168.150.0/24')).toEqual({
      network: '192.168.150.0',
      prefix: 24,
      gateway: '192.168.150.1',
      lastHost: '192.168.150.254',
    });
  });

  it('handles the smallest and largest accepted prefixes', () => {
    expect(parseCidr('cidr', '10.0.0.0/8')).toEqual({ network: '10.0.0.0', prefix: 8, gateway: '10.0.0.1', lastHost: '10.255.255.254' });
    expect(parseCidr('cidr', '192.168.150.4/30')).toEqual({
      network: '192.168.150.4',
      prefix: 30,
      gateway: '192.168.150.5',
      lastHost: '192.168.150.6',
    });
  });

  it('fails when the prefix is missing, out of 8..30 or not a number', () => {
    for (const bad of ['192.168.150.0', '192.168.150.0/', '192.168.150.0/7', '192.168.150.0/31', '192.168.150.0/x', '192.168.150.0/24/1', '192.168.150.0/024']) {
      expect(() => parseCidr('cidr', bad)).toThrow(
        new InvalidInputError(`cidr "${bad}" is not a CIDR with a prefix of 8..30; write it like "192.168.150.0/24"`),
      );
    }
  });

  it('fails when the address part is not an IPv4 address', () => {
    expect(() => parseCidr('cidr', '192.168.300.0/24')).toThrow(
      new InvalidInputError('cidr "192.168.300.0/24" has no IPv4 network address before the \'/\'; write four numbers 0-255 joined by dots, like "192.168.150.0/24"'),
    );
  });

  it('fails when host bits are set, giving the network address', () => {
    expect(() => parseCidr('cidr', '192.168.150.1/24')).toThrow(
      new InvalidInputError('cidr "192.168.150.1/24" has host bits set; use the network address "192.168.150.0/24"'),
    );
    expect(() => parseCidr('cidr', '10.1.2.3/16')).toThrow('cidr "10.1.2.3/16" has host bits set; use the network address "10.1.0.0/16"');
  });
});

describe('isUsableHost', () => {
  const net = parseCidr('cidr', '192.168.150.0/24');

  it('accepts the addresses after the gateway up to the last host', () => {
    expect(isUsableHost(net, '192.168.150.2')).toBe(true);
    expect(isUsableHost(net, '192.168.150.254')).toBe(true);
  });

  it('refuses the network, gateway and broadcast addresses and other networks', () => {
    expect(isUsableHost(net, '192.168.150.0')).toBe(false);
    expect(isUsableHost(net, '192.168.150.1')).toBe(false);
    expect(isUsableHost(net, '192.168.150.255')).toBe(false);
    expect(isUsableHost(net, '192.168.151.10')).toBe(false);
    expect(isUsableHost(net, '10.0.0.10')).toBe(false);
  });

  it('fails when the address is malformed', () => {
    expect(() => isUsableHost(net, '192.168.150')).toThrow(
      new InvalidInputError('address "192.168.150" is not an IPv4 address; write four numbers 0-255 joined by dots, like "192.168.150.10"'),
    );
  });
});

describe('hostAt', () => {
  it('counts offsets from the network address, across octets', () => {
    expect(hostAt(parseCidr('cidr', '192.168.150.0/24'), 10)).toBe('192.168.150.10');
    expect(hostAt(parseCidr('cidr', '10.0.0.0/16'), 300)).toBe('10.0.1.44');
  });
});
