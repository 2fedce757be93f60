import { IConstruct } from 'constructs';
import { fail } from '../constructs/validation';
import { quote } from '../renderers/invalid-input';
import { attach, attachedTo, nearestAttached } from './attached';

/** The shortest reason a suppression accepts: enough for a sentence that says why, not just "ok". */
export const MIN_REASON_LENGTH = 20;

/** A rule switched off for a construct and everything under it, with the reason. */
export interface Suppression {
  /** The id of the suppressed rule. */
  readonly ruleId: string;
  /** Why the finding is acceptable here (at least `MIN_REASON_LENGTH` characters). */
  readonly reason: string;
}

/** A suppression and the construct it was declared on. */
export interface DeclaredSuppression extends Suppression {
  /** The construct the suppression was added to. */
  readonly scope: IConstruct;
}

const RULE_ID = /^[a-z][a-z0-9-]*$/;
const SUPPRESSIONS = Symbol.for('cdktf-kvm-microservices/policy/suppressions');

/**
 * Suppressions of policy rules, per construct and per rule id, each with a written reason, in the
 * manner of cdk-nag's `NagSuppressions`. A suppression covers the construct and everything under it,
 * so suppressing on a `ContainerService` covers its `docker_container`. Every suppression is listed in
 * `policy-report.json` beside the synthesized stacks.
 *
 * ```ts
 * Suppressions.of(gateway).add('port-not-public', 'the gateway is the public entry point of the shop');
 * ```
 */
export class Suppressions {
  /** The suppressions of a construct (created on first use). */
  static of(scope: IConstruct): Suppressions {
    return attach(scope, SUPPRESSIONS, () => new Suppressions(scope));
  }

  /** The suppression of `ruleId` that covers `node`: its own, or the nearest ancestor's. */
  static find(node: IConstruct, ruleId: string): DeclaredSuppression | undefined {
    return nearestAttached<Suppressions, DeclaredSuppression>(node, SUPPRESSIONS, (own, scope) => {
      const match = own.list.find((s) => s.ruleId === ruleId);
      return match === undefined ? undefined : { ...match, scope };
    });
  }

  /** Every suppression declared on `root` or below it. */
  static declaredUnder(root: IConstruct): DeclaredSuppression[] {
    return root.node.findAll().flatMap((scope) => (attachedTo<Suppressions>(scope, SUPPRESSIONS)?.list ?? []).map((s) => ({ ...s, scope })));
  }

  private readonly list: Suppression[] = [];

  private constructor(private readonly scope: IConstruct) {}

  /**
   * Suppresses `ruleId` on this construct and everything under it. Throws when the reason is shorter
   * than `MIN_REASON_LENGTH` characters or the rule is already suppressed here.
   */
  add(ruleId: string, reason: string): Suppression {
    if (typeof ruleId !== 'string' || !RULE_ID.test(ruleId)) {
      fail(this.scope, `suppression rule id ${quote(ruleId)} is not a rule id; use the id shown in brackets in the finding, e.g. 'port-not-public'`);
    }
    const text = typeof reason === 'string' ? reason.trim() : '';
    if (text.length < MIN_REASON_LENGTH) {
      fail(this.scope, `suppression of '${ruleId}' has reason ${quote(reason)} (${text.length} characters); write at least ${MIN_REASON_LENGTH} characters saying why the finding is acceptable here`);
    }
    if (this.list.some((s) => s.ruleId === ruleId)) {
      fail(this.scope, `rule '${ruleId}' is already suppressed here; give one suppression per rule with the whole reason`);
    }
    const suppression = { ruleId, reason: text };
    this.list.push(suppression);
    return suppression;
  }

  /** This construct's own suppressions (a copy). */
  get all(): Suppression[] {
    return [...this.list];
  }
}
