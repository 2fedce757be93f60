import { TerraformStack, TerraformVariable } from 'cdktf';
import { Construct } from 'constructs';
import { InvalidInputError, quote } from '../renderers/invalid-input';
import type { DatabaseSpec, ServiceSpec } from './application-spec';
import { fail } from './validation';

/** The prefix of the variables a service or database is passed to its users by: `orders-db` gives `ORDERS_DB`. */
export function envPrefix(name: string): string {
  return name.toUpperCase().replace(/-/g, '_');
}

/** The sensitive variables of a database's passwords: `<name>_root_password` and `<name>_app_password`. */
export function databaseVariables(stack: TerraformStack, name: string): { root: TerraformVariable; app: TerraformVariable } {
  const id = name.replace(/-/g, '_');
  const make = (suffix: string, what: string) => {
    const variable = `${id}_${suffix}`;
    if (stack.node.tryFindChild(variable) !== undefined) {
      fail(stack, `database ${quote(name)} needs the variable ${variable}, but the stack already has a construct of that id: rename the database or that construct`);
    }
    return new TerraformVariable(stack, variable, {
      type: 'string',
      sensitive: true,
      description: `${what} of database ${name} in ${stack.node.id} (set TF_VAR_${variable}); a database keeps the passwords it was created with`,
    });
  };
  return { root: make('root_password', 'Root password'), app: make('app_password', 'Application user password') };
}

/**
 * Checks what services use: each name is a service or a database, never the service itself, and the
 * services' uses form no cycle (they are started in that order). Throws `InvalidInputError` naming the
 * setting.
 */
export function usesGraph(services: Readonly<Record<string, ServiceSpec>>, databases: Readonly<Record<string, DatabaseSpec>>): void {
  const known = [...Object.keys(services), ...Object.keys(databases)];
  for (const [name, spec] of Object.entries(services)) {
    for (const used of spec.uses ?? []) {
      if (used === name) throw new InvalidInputError(`services.${name}.uses ${quote(used)} is the service itself: remove it (replicas of one service reach each other by the alias ${quote(name)})`);
      if (!known.includes(used)) {
        const others = known.filter((k) => k !== name).map((k) => quote(k));
        const fix = others.length === 0 ? 'add it under services or databases, or remove it' : `use one of ${others.join(', ')}, or add it under services or databases`;
        throw new InvalidInputError(`services.${name}.uses ${quote(used)} is no service or database of this application: ${fix}`);
      }
    }
    if (new Set(spec.uses ?? []).size !== (spec.uses ?? []).length) throw new InvalidInputError(`services.${name}.uses lists a name twice: list each once`);
  }
  // Depth-first search for a cycle among services (databases use nothing).
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]): void => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') {
      const cycle = [...path.slice(path.indexOf(name)), name];
      throw new InvalidInputError(`services use each other in a cycle (${cycle.join(' -> ')}): services start in the order they use each other, so break the cycle by removing one of these uses`);
    }
    state.set(name, 'visiting');
    for (const used of services[name].uses ?? []) if (Object.hasOwn(services, used)) visit(used, [...path, name]);
    state.set(name, 'done');
  };
  for (const name of Object.keys(services)) visit(name, []);
}

/**
 * Ports for traffic between hosts: the n-th service (in declaration order) gets `base + n` wherever it
 * is relayed, so a port never moves when services are added at the end or scaled; other published ports
 * on a host (a database's, the gateway's) are reserved, and a clash is an error naming both.
 */
export class CrossHostPorts {
  /** By host and port: what holds it, and whether it is a relay port (which crossHost.portBase moves). */
  private readonly taken = new Map<string, Map<number, { readonly what: string; readonly relay: boolean }>>();

  constructor(private readonly scope: Construct, private readonly base: number, private readonly services: readonly string[]) {
    if (!Number.isInteger(base) || base < 1024 || base + services.length > 65535) {
      fail(scope, `crossHost.portBase ${quote(base)} must be a whole number from 1024 to ${65535 - services.length} (one port per service above it)`);
    }
  }

  /** The relay port of `service` on `host`, reserved there. */
  portOf(service: string, host: string): number {
    const port = this.base + this.services.indexOf(service);
    this.reserve(host, port, `the relay port of services.${service}`, true);
    return port;
  }

  /** Reserves `port` on `host` for `what`; a port held by something else there is an error. */
  reserve(host: string, port: number, what: string, relay = false): void {
    const ports = this.taken.get(host) ?? new Map<number, { readonly what: string; readonly relay: boolean }>();
    this.taken.set(host, ports);
    const owner = ports.get(port);
    if (owner !== undefined && owner.what !== what) {
      // A relay port moves with crossHost.portBase; the others are set where they are named.
      const fix = relay || owner.relay ? 'set crossHost.portBase to a range without published ports, or move the other port' : `give one of them another port (${owner.what} or ${what})`;
      fail(this.scope, `${what} and ${owner.what} would both publish port ${port} on host ${quote(host)}: ${fix}`);
    }
    ports.set(port, { what, relay });
  }
}
