import { InvalidInputError, quote } from './invalid-input';

/** A host replicas can be placed on. */
export interface PlacementHost {
  /** Its name. */
  readonly name: string;
  /** Labels placement can select by (e.g. `{ zone: 'a' }`). */
  readonly labels?: Readonly<Record<string, string>>;
}

/** How strictly the replicas of one service keep to different hosts. */
export type SpreadMode = 'preferred' | 'required';

/** Where a service's replicas may run. */
export interface PlacementConstraints {
  /**
   * Only these hosts, by name.
   * @default every host
   */
  readonly hosts?: readonly string[];
  /**
   * Only hosts with all these labels.
   * @default no label needed
   */
  readonly labels?: Readonly<Record<string, string>>;
  /**
   * `preferred`: two replicas share a host only when there are more replicas than eligible hosts (a
   * warning says so); `required`: that is an error.
   * @default 'preferred'
   */
  readonly spread?: SpreadMode;
}

/** One service to place. */
export interface PlacementRequest extends PlacementConstraints {
  /** The service's name. */
  readonly service: string;
  /** How many replicas. */
  readonly replicas: number;
}

/** Where each replica of each service runs, and what the user should know. */
export interface Placement {
  /** For each service, the host of replica 1, 2, ... in order. */
  readonly hostsByService: ReadonlyMap<string, readonly string[]>;
  /** Services whose replicas must share hosts (spread 'preferred'), one sentence each. */
  readonly warnings: readonly string[];
}

const SPREADS: readonly SpreadMode[] = ['preferred', 'required'];

/**
 * Places replicas on hosts. Pure and deterministic: replica i of a service goes to the i-th of its
 * eligible hosts (in the order the hosts are given), wrapping around, so replicas of one service never
 * share a host while there are enough hosts, scaling a service up or down moves none of its other
 * replicas, and the same input always gives the same placement. Throws `InvalidInputError` naming the
 * setting (`services.<name>.placement...`), the value and the fix.
 */
export function placeReplicas(hosts: readonly PlacementHost[], requests: readonly PlacementRequest[]): Placement {
  if (hosts.length === 0) throw new InvalidInputError('hosts [] is empty: add at least one host (e.g. { name: "local", kind: "local" })');
  const byName = new Map(hosts.map((h) => [h.name, h]));
  const hostsByService = new Map<string, string[]>();
  const warnings: string[] = [];
  for (const request of requests) {
    const at = `services.${request.service}`;
    if (!Number.isInteger(request.replicas) || request.replicas < 0 || request.replicas > 100) {
      throw new InvalidInputError(`${at}.replicas ${quote(request.replicas)} must be a whole number from 0 to 100`);
    }
    const spread = request.spread ?? 'preferred';
    if (!SPREADS.includes(spread)) {
      throw new InvalidInputError(`${at}.placement.spread ${quote(spread)} must be one of ${SPREADS.map((s) => quote(s)).join(', ')}`);
    }
    for (const name of request.hosts ?? []) {
      if (!byName.has(name)) {
        throw new InvalidInputError(`${at}.placement.hosts entry ${quote(name)} is not a host of this application: use one of ${hosts.map((h) => quote(h.name)).join(', ')}`);
      }
    }
    const wanted = Object.entries(request.labels ?? {});
    const eligible = hosts.filter((h) =>
      (request.hosts === undefined || request.hosts.includes(h.name)) && wanted.every(([k, v]) => h.labels?.[k] === v));
    if (eligible.length === 0 && request.replicas > 0) {
      const labelled = hosts.map((h) => `${h.name} ${JSON.stringify(h.labels ?? {})}`).join(', ');
      throw new InvalidInputError(
        `${at}.placement ${quote(JSON.stringify({ hosts: request.hosts, labels: request.labels }))} is satisfied by no host (${labelled}): name existing hosts, or give a host the labels`,
      );
    }
    if (request.replicas > eligible.length) {
      const message = `${at}: ${request.replicas} replicas on ${eligible.length} eligible host${eligible.length === 1 ? '' : 's'} (${eligible.map((h) => h.name).join(', ')})`;
      if (spread === 'required') {
        throw new InvalidInputError(`${message} cannot keep to one replica a host (spread 'required'): lower replicas to ${eligible.length}, add hosts, or allow sharing with spread 'preferred'`);
      }
      warnings.push(`${message}: some replicas share a host, so losing that host takes more than one of them; add hosts, or lower replicas to ${eligible.length}`);
    }
    hostsByService.set(request.service, Array.from({ length: request.replicas }, (_, i) => eligible[i % eligible.length].name));
  }
  return { hostsByService, warnings };
}
