import { TerraformResource, TerraformStack, Token } from 'cdktf';
// The resolver TerraformStack.toTerraform() itself uses; cdktf exports no public equivalent.
import { resolve } from 'cdktf/lib/_tokens';
import { IConstruct } from 'constructs';

/** How serious a finding is: an error stops the synth, a warning is reported and the synth goes on. */
export type PolicyLevel = 'error' | 'warning';

/** One problem a rule found on a construct. */
export interface Finding {
  /** What is wrong and what to change, in one sentence (the rule id is added by the pack). */
  readonly message: string;
}

/** What a rule may know besides the construct: the environment it is checked for. */
export interface PolicyContext {
  /** Name of the stack (environment) the construct belongs to. */
  readonly environment: string;
  /**
   * Whether this environment must not have single points of failure: it declares so with
   * `Redundancy.of(scope).require()`, or the pack's `redundantEnvironments` lists it.
   */
  readonly requiresRedundancy: boolean;
  /**
   * Why redundancy is required, as given to `Redundancy.of(scope).require(reason)`.
   * @default undefined: no reason given
   */
  readonly redundancyReason?: string;
  /**
   * Jurisdictions (ISO 3166-1 alpha-2 codes) the environment's hosts must be in.
   * @default undefined: no data-residency requirement
   */
  readonly allowedJurisdictions?: readonly string[];
}

/**
 * A policy rule, in the manner of cdk-nag: an id, a level and a pure check. `check` looks at one
 * construct (and what it can read from it) and returns findings; it never changes the construct,
 * annotates or throws for a finding. Constructs a rule does not apply to give no findings.
 */
export interface PolicyRule {
  /** Stable id used in annotations, suppressions and the report, e.g. `container-memory-limit`. */
  readonly id: string;
  /** Level of every finding of this rule. */
  readonly level: PolicyLevel;
  /** One line: what the rule asks for and why. */
  readonly description: string;
  /** The findings for `node` (empty when it complies or the rule does not apply to it). */
  check(node: IConstruct, context: PolicyContext): Finding[];
}

/**
 * The attributes of a resource exactly as they will be written to the synthesized JSON (snake_case,
 * tokens resolved, escape-hatch overrides applied), so rules judge what Terraform will really get.
 */
export function synthesizedAttributes(resource: TerraformResource): Record<string, unknown> {
  const stack = TerraformStack.of(resource);
  const tf = resolve(stack, resource.toTerraform()) as { resource?: Record<string, Record<string, Record<string, unknown>>> };
  return tf.resource?.[resource.terraformResourceType]?.[resource.friendlyUniqueId] ?? {};
}

/** Whether a synthesized value is a Terraform reference or expression, not a literal (`${var.x}`). */
export function isReference(value: unknown): boolean {
  // `$${` is Terraform's escape for a literal `${`, not an interpolation.
  return typeof value === 'string' && (value.replace(/\$\$\{/g, '').includes('${') || Token.isUnresolved(value));
}
