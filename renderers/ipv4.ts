import { InvalidInputError, quote } from './invalid-input';

/** An IPv4 network parsed from CIDR notation (`192.168.150.0/24`). */
export interface Ipv4Network {
  /** The network address, host bits cleared (`192.168.150.0`). */
  readonly network: string;
  /** The prefix length (`24`). */
  readonly prefix: number;
  /** The first usable address, by convention the gateway (`192.168.150.1`). */
  readonly gateway: string;
  /** The last usable address (`192.168.150.254`). */
  readonly lastHost: string;
}

const OCTETS = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** Whether `text` is a dotted-quad IPv4 address (four numbers 0-255, no leading zeros). */
export function isIpv4(text: string): boolean {
  const m = OCTETS.exec(text);
  return m !== null && m.slice(1).every((o) => Number(o) <= 255 && !(o.length > 1 && o.startsWith('0')));
}

/** Parses a dotted-quad IPv4 address to a 32-bit number; throws `InvalidInputError` naming `setting`. */
export function parseIpv4(setting: string, address: string): number {
  if (!isIpv4(address)) {
    throw new InvalidInputError(`${setting} ${quote(address)} is not an IPv4 address; write four numbers 0-255 joined by dots, like "192.168.150.10"`);
  }
  return address.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
}

/** Formats a 32-bit number as a dotted-quad IPv4 address. */
export function formatIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

/**
 * Parses `a.b.c.d/prefix`. Host bits must be zero (`192.168.150.0/24`, not `.1/24`), and the prefix must
 * leave room for a gateway and hosts (8..30).
 */
export function parseCidr(setting: string, cidr: string): Ipv4Network {
  const [address, prefixText, ...rest] = cidr.split('/');
  const prefix = Number(prefixText);
  if (rest.length > 0 || prefixText === undefined || !/^\d{1,2}$/.test(prefixText) || prefix < 8 || prefix > 30) {
    throw new InvalidInputError(`${setting} ${quote(cidr)} is not a CIDR with a prefix of 8..30; write it like "192.168.150.0/24"`);
  }
  if (!isIpv4(address)) {
    throw new InvalidInputError(`${setting} ${quote(cidr)} has no IPv4 network address before the '/'; write four numbers 0-255 joined by dots, like "192.168.150.0/24"`);
  }
  const base = parseIpv4(setting, address);
  const size = 2 ** (32 - prefix);
  if (base % size !== 0) {
    throw new InvalidInputError(`${setting} ${quote(cidr)} has host bits set; use the network address "${formatIpv4(base - (base % size))}/${prefix}"`);
  }
  return { network: formatIpv4(base), prefix, gateway: formatIpv4(base + 1), lastHost: formatIpv4(base + size - 2) };
}

/** Whether `address` is a usable host address of `net` (not the network, gateway or broadcast address). */
export function isUsableHost(net: Ipv4Network, address: string): boolean {
  const value = parseIpv4('address', address);
  return value > parseIpv4('gateway', net.gateway) && value <= parseIpv4('lastHost', net.lastHost);
}

/** The address `offset` places after the network address (`hostAt(net, 10)` is `x.y.z.10` in a /24). */
export function hostAt(net: Ipv4Network, offset: number): string {
  return formatIpv4(parseIpv4('network', net.network) + offset);
}

/** `network/prefix` of a parsed network (`192.168.150.0/24`). */
export function formatCidr(net: Ipv4Network): string {
  return `${net.network}/${net.prefix}`;
}

/** Whether two networks share at least one address (one contains the other, as CIDR blocks never cross). */
export function ipv4Overlap(a: Ipv4Network, b: Ipv4Network): boolean {
  const start = (n: Ipv4Network) => parseIpv4('network', n.network);
  const end = (n: Ipv4Network) => start(n) + 2 ** (32 - n.prefix) - 1;
  return start(a) <= end(b) && start(b) <= end(a);
}
