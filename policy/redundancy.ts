import { IConstruct } from 'constructs';
import { fail } from '../constructs/validation';
import { quote } from '../renderers/invalid-input';
import { attach, nearestAttached } from './attached';

const REDUNDANCY = Symbol.for('cdktf-kvm-microservices/policy/redundancy');

/**
 * Whether an environment must have no single point of failure, for the `gateway-redundant-pool` rule.
 * An environment says what it is, instead of being judged by its name: `require` declares it on a
 * stack (or any scope) and everything under it; `EnvironmentStack` declares it from its tier.
 *
 * ```ts
 * Redundancy.of(liveStack).require('customers reach the shop through it');
 * Redundancy.of(gateway).required; // true: its stack requires it
 * ```
 */
export class Redundancy {
  /** The redundancy record of a construct (created on first use). */
  static of(scope: IConstruct): Redundancy {
    return attach(scope, REDUNDANCY, () => new Redundancy(scope));
  }

  private requiredHere = false;
  private why?: string;

  private constructor(private readonly scope: IConstruct) {}

  /**
   * Declares that this scope (an environment) and everything under it must have no single point of
   * failure; `reason` says why and appears in the findings. Requiring twice is fine, with two different
   * reasons it fails.
   */
  require(reason?: string): void {
    if (reason !== undefined && (typeof reason !== 'string' || reason.trim() === '')) {
      fail(this.scope, `redundancy reason ${quote(reason)} must be a sentence saying why, e.g. 'customers reach the shop through it', or left out`);
    }
    const text = reason?.trim();
    if (this.why !== undefined && text !== undefined && text !== this.why) {
      fail(this.scope, `redundancy is already required here because ${quote(this.why)}; give one reason, not ${quote(text)} as well`);
    }
    this.requiredHere = true;
    this.why = this.why ?? text;
  }

  /** Whether this scope or an ancestor requires redundancy. */
  get required(): boolean {
    return this.nearest() !== undefined;
  }

  /** The reason given where redundancy is required (here or the nearest ancestor that requires it). */
  get reason(): string | undefined {
    return this.nearest()?.why;
  }

  private nearest(): Redundancy | undefined {
    return nearestAttached<Redundancy, Redundancy>(this.scope, REDUNDANCY, (r) => (r.requiredHere ? r : undefined));
  }
}
