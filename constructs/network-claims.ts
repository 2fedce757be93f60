import { Token } from 'cdktf';
import { IConstruct } from 'constructs';
import { Ipv4Network, ipv4Overlap } from '../renderers/ipv4';

/** A network's name and address range, claimed on the host that runs it (a hypervisor, a Docker engine). */
export interface NetworkClaim {
  /** The construct that makes or refers to the network. */
  readonly owner: IConstruct;
  /** The network's name on the host; `undefined` when it is not known at synth. */
  readonly name?: string;
  /** The network's address range; `undefined` when the host picks one. */
  readonly range?: Ipv4Network;
}

/** An earlier claim a new one collides with, and on what. */
export interface NetworkClash {
  /** The earlier claim. */
  readonly other: NetworkClaim;
  /** `name`: the same name; `range`: overlapping address ranges. */
  readonly by: 'name' | 'range';
}

const CLAIMS = new WeakMap<object, NetworkClaim[]>();
const MACHINES = new WeakMap<object, Map<string, object>>();

/**
 * The object that stands for the machine `endpoint` names (a libvirt URI, a Docker host URL), one per
 * endpoint in the app, so two providers (or two stacks) that reach one machine share its claims;
 * `fallback` when the endpoint is not known at synth.
 */
export function machineOf(scope: IConstruct, endpoint: unknown, fallback: object): object {
  if (typeof endpoint !== 'string' || endpoint === '' || Token.isUnresolved(endpoint)) return fallback;
  const machines = MACHINES.get(scope.node.root) ?? new Map<string, object>();
  MACHINES.set(scope.node.root, machines);
  const machine = machines.get(endpoint) ?? { endpoint };
  machines.set(endpoint, machine);
  return machine;
}

/**
 * Records `claim` on `host` (any object that stands for one machine: a provider, or a stack for its
 * default provider) unless an earlier claim there has the same name or an overlapping range; then
 * returns that clash and records nothing. Two networks with one name, or with overlapping ranges, on
 * one host fail when they are created (libvirt and Docker refuse both), so constructs refuse them at synth.
 */
export function claimNetwork(host: object, claim: NetworkClaim): NetworkClash | undefined {
  const claims = CLAIMS.get(host) ?? [];
  CLAIMS.set(host, claims);
  for (const other of claims) {
    if (claim.name !== undefined && other.name === claim.name) return { other, by: 'name' };
    if (claim.range !== undefined && other.range !== undefined && ipv4Overlap(claim.range, other.range)) return { other, by: 'range' };
  }
  claims.push(claim);
  return undefined;
}
