import { Aspects, TerraformStack } from 'cdktf';
// Custom synthesis is cdktf's hook for writing files beside the stacks (TerraformAsset uses it).
import { addCustomSynthesis } from 'cdktf/lib/synthesize/synthesizer';
// The error cdktf throws for failed validations, so a policy failure reads like any other.
import { stackValidationFailure } from 'cdktf/lib/errors';
import { IConstruct } from 'constructs';
import { fail } from '../constructs/validation';
import { PathSuppression, PolicyPack, PolicyPackOptions, formatErrors } from './pack';
import { Suppressions } from './suppressions';

export * from './rule';
export * from './rules';
export * from './pack';
export * from './suppressions';
export * from './jurisdiction';
export * from './redundancy';
export * from './iso-3166';

/** Options of `applyPolicy`. */
export interface PolicyOptions extends PolicyPackOptions {
  /**
   * Suppressions by construct path, added with `Suppressions.of(construct).add()` (same rules: a reason
   * of at least 20 characters, listed in the report); a path that names no construct fails.
   * @default none
   */
  readonly suppressions?: readonly PathSuppression[];
}

const APPLIED = Symbol.for('cdktf-kvm-microservices/policy/applied');

/**
 * Applies the policy pack to a stack, or to every stack of an app; call it once, after the stacks are
 * built and before `app.synth()`:
 *
 * - the pack runs as an Aspect on each stack, so findings appear as `Annotations` with their rule id;
 * - each stack gets a validation that checks every covered stack (and runs the other stacks'
 *   construct validations), so an error anywhere stops `app.synth()` before the first stack is written,
 *   each error labelled with its own construct path (`[staging/gateway] [rule-id] ...`).
 *   cdktf runs validations before it writes a stack, and always throws on failed validations, whereas
 *   error annotations only stop a plain `app.synth()` and are merely printed by `cdktf synth`;
 * - on a successful synth, `policy-report.json` (suppressions and warnings) is written beside the stacks.
 *
 * Returns the pack (its `findings` and `report()` are useful in tests).
 */
export function applyPolicy(scope: IConstruct, options: PolicyOptions = {}): PolicyPack {
  const stacks = TerraformStack.isStack(scope) ? [scope] : scope.node.findAll().filter((c): c is TerraformStack => TerraformStack.isStack(c));
  if (stacks.length === 0) {
    fail(scope, 'applyPolicy found no stack here; call it after the stacks are created, just before app.synth()');
  }
  const pack = new PolicyPack(options);
  if (!TerraformStack.isStack(scope)) {
    // Over a whole app, an environment named in the options but not here is a typo that checks nothing.
    const names = stacks.map((st) => st.node.id);
    const named = [...(options.redundantEnvironments ?? []).map((e) => ['redundantEnvironments', e]), ...Object.keys(options.allowedJurisdictions ?? {}).map((e) => ['allowedJurisdictions', e])];
    for (const [setting, environment] of named) {
      if (!names.includes(environment)) {
        fail(scope, `policy ${setting} names environment ${JSON.stringify(environment)}, which is no stack of this app, so nothing is checked for it: use one of ${names.map((n) => JSON.stringify(n)).join(', ')}`);
      }
    }
  }
  for (const stack of stacks) {
    if ((stack as unknown as { [APPLIED]?: boolean })[APPLIED]) fail(stack, 'the policy is already applied to this stack; call applyPolicy once');
    Object.defineProperty(stack, APPLIED, { value: true, enumerable: false });
  }
  for (const s of options.suppressions ?? []) {
    const target = scope.node.findAll().find((c) => c.node.path === s.path);
    if (target === undefined) {
      fail(scope, `suppression of '${s.ruleId}' names path ${JSON.stringify(s.path)}, which is no construct here; use a path such as 'prod/gateway' (stack name, then construct ids)`);
    }
    Suppressions.of(target).add(s.ruleId, s.reason);
  }
  let validating = false;
  for (const stack of stacks) {
    Aspects.of(stack).add(pack);
    stack.node.addValidation({
      validate: () => {
        // Running other stacks' validations re-enters this one through theirs: answer those calls with nothing.
        if (validating) return [];
        validating = true;
        try {
          const findings = new Map(stacks.map((s) => [s, formatErrors(pack.check(s))]));
          const elsewhere = stacks.filter((s) => s !== stack).map((s) => constructErrors(s));
          if ([...findings.values(), ...elsewhere].every((errors) => errors.length === 0)) return []; // cdktf runs this stack's own
          // cdktf would label everything returned here with this stack's path: throw, each error labelled
          // with its own construct path, in cdktf's format. This stack's validation runs first, so the
          // error lists everything before any stack is written.
          const errors = stacks.flatMap((s) => [...constructErrors(s), ...findings.get(s)!]);
          throw stackValidationFailure(errors.join('\n  '));
        } finally {
          validating = false;
        }
      },
    });
    addCustomSynthesis(stack, { onSynthesize: (session) => pack.writeReport(session.outdir, stacks) });
  }
  return pack;
}

/** The failed construct validations under a stack, each labelled with its construct path. */
function constructErrors(stack: TerraformStack): string[] {
  return stack.node.findAll().flatMap((node) => node.node.validate().map((e) => `[${node.node.path}] ${e}`));
}
