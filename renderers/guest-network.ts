import { stringify } from 'yaml';
import { InvalidInputError, quote } from './invalid-input';
import { Ipv4Network, isUsableHost } from './ipv4';

/** A guest's one network interface with a fixed address, as cloud-init network config version 2. */
export interface GuestNetworkModel {
  /** The interface's MAC address, which the config matches on (interface names vary by image). */
  readonly macAddress: string;
  /** The guest's address inside `network`. */
  readonly address: string;
  /** The network the guest sits on; its gateway is also the DNS resolver (libvirt's dnsmasq). */
  readonly network: Ipv4Network;
}

const MAC = /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/;

/**
 * Renders NoCloud `network-config` (version 2) that gives the guest a static address, a default route
 * and a resolver. Static addressing makes the address known at synth, so a stack can point a Docker
 * provider at `ssh://admin@<address>` without waiting for a DHCP lease.
 */
export function renderGuestNetworkConfig(model: GuestNetworkModel): string {
  if (!MAC.test(model.macAddress)) {
    throw new InvalidInputError(`macAddress ${quote(model.macAddress)} must be six lowercase hex pairs joined by ':', like "52:54:00:12:34:56"`);
  }
  if (!isUsableHost(model.network, model.address)) {
    throw new InvalidInputError(
      `address ${quote(model.address)} is not a usable host address of ${model.network.network}/${model.network.prefix}; pick one between the gateway ${model.network.gateway} (exclusive) and ${model.network.lastHost}`,
    );
  }
  const config = {
    version: 2,
    ethernets: {
      primary: {
        match: { macaddress: model.macAddress },
        'set-name': 'eth0',
        dhcp4: false,
        addresses: [`${model.address}/${model.network.prefix}`],
        routes: [{ to: '0.0.0.0/0', via: model.network.gateway }],
        nameservers: { addresses: [model.network.gateway] },
      },
    },
  };
  return stringify(config, { version: '1.1', lineWidth: 0 });
}
