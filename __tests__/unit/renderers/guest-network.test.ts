import { parse } from 'yaml';
import { renderGuestNetworkConfig } from '../../../renderers/guest-network';
import { InvalidInputError } from '../../../renderers/invalid-input';
import { parseCidr } from '../../../renderers/ipv4';

const NET = parseCidr('cidr', '192.168.150.0/24');

describe('renderGuestNetworkConfig', () => {
  it('renders a static address, default route and resolver matched on the MAC', () => {
    expect(renderGuestNetworkConfig({ macAddress: '52:54:00:47:40:ae', address: '192.168.150.10', network: NET })).toBe(`version: 2
ethernets:
  primary:
    match:
      macaddress: 52:54:00:47:40:ae
    set-name: eth0
    dhcp4: false
    addresses:
      - 192.168.150.10/24
    routes:
      - to: 0.0.0.0/0
        via: 192.168.150.1
    nameservers:
      addresses:
        - 192.168.150.1
`);
  });

  it('quotes a MAC of digits only, which YAML 1.1 would read as a base-60 number', () => {
    const text = renderGuestNetworkConfig({ macAddress: '52:54:00:12:34:56', address: '10.20.0.5', network: parseCidr('cidr', '10.20.0.0/16') });
    expect(text).toContain('      macaddress: "52:54:00:12:34:56"\n');
    expect(text).toContain('      - 10.20.0.5/16\n');
    expect(text).toContain('        via: 10.20.0.1\n');
    expect(parse(text, { version: '1.1' }).ethernets.primary.match.macaddress).toBe('52:54:00:12:34:56');
  });

  it('fails when the MAC is not six lowercase hex pairs', () => {
    for (const bad of ['52:54:00:47:40:AE', '52-54-00-47-40-ae', '52:54:00:47:40', '']) {
      expect(() => renderGuestNetworkConfig({ macAddress: bad, address: '192.168.150.10', network: NET })).toThrow(
        new InvalidInputError(`macAddress "${bad}" must be six lowercase hex pairs joined by ':', like "52:54:00:12:34:56"`),
      );
    }
  });

  it('fails when the address is not a usable host of the network', () => {
    for (const bad of ['192.168.150.1', '192.168.150.255', '192.168.151.10']) {
      expect(() => renderGuestNetworkConfig({ macAddress: '52:54:00:47:40:ae', address: bad, network: NET })).toThrow(
        new InvalidInputError(
          `address "${bad}" is not a usable host address of 192.168.150.0/24; pick one between the gateway 192.168.150.1 (exclusive) and 192.168.150.254`,
        ),
      );
    }
  });
});
