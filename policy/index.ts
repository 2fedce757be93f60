import { Aspects, TerraformStack } from 'cdktf';
// Custom synthesis is cdktf's hook for writing files beside the stacks (TerraformAsset uses it).
import { addCustomSynthesis } from 'cdktf/lib/synthesize/synthesizer';
import { IConstruct } from 'constructs';
import { fail } from '../constructs/validation';
import { PathSuppression, PolicyPack, PolicyPackOptions, formatErrors } from './pack';
import { Suppressions } from './suppressions';

export * from './rule';
export * from './rules';
export * from './pack';
export * from './suppressions';
export * from './jurisdiction';
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
 *   construct validations), so an error anywhere stops `app.synth()` before the first stack is written.
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
          const errors = formatErrors(stacks.flatMap((s) => pack.check(s)));
          for (const other of stacks) {
            if (other === stack) continue; // cdktf runs this stack's own validations itself
            for (const node of other.node.findAll()) errors.push(...node.node.validate().map((e) => `${node.node.path}: ${e}`));
          }
          return errors;
        } finally {
          validating = false;
        }
      },
    });
    addCustomSynthesis(stack, { onSynthesize: (session) => pack.writeReport(session.outdir, stacks) });
  }
  return pack;
}
