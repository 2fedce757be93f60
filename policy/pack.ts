import * as fs from 'fs';
import * as path from 'path';
import { Annotations, IAspect, TerraformStack } from 'cdktf';
import { IConstruct } from 'constructs';
import { InvalidInputError, requireOneOf } from '../renderers/invalid-input';
import { whyNotCountryCode } from './iso-3166';
import { PolicyContext, PolicyLevel, PolicyRule } from './rule';
import { Redundancy } from './redundancy';
import { ALL_RULES } from './rules';
import { DeclaredSuppression, Suppressions } from './suppressions';

/** Options of the policy pack. */
export interface PolicyPackOptions {
  /**
   * The rules to run.
   * @default ALL_RULES
   */
  readonly rules?: readonly PolicyRule[];
  /**
   * Environments (stack names) where single points of failure are errors (`gateway-redundant-pool`),
   * besides those that declare it with `Redundancy.of(stack).require()`.
   * @default [] (only the environments that declare it)
   */
  readonly redundantEnvironments?: readonly string[];
  /**
   * Jurisdictions each environment's hosts must be in, by stack name, e.g. `{ prod: ['NO'] }`
   * (`data-residency`). `Jurisdiction.of(stack).allowOnly([...])` declares the same on the stack.
   * @default {} (no environment restricts where its hosts are)
   */
  readonly allowedJurisdictions?: Readonly<Record<string, readonly string[]>>;
}

/** A suppression given by construct path, for code that cannot reach the construct (e.g. `main.ts`). */
export interface PathSuppression {
  /** The construct path, e.g. `prod/gateway`; the suppression covers it and everything under it. */
  readonly path: string;
  /** The id of the suppressed rule. */
  readonly ruleId: string;
  /** Why the finding is acceptable there (at least 20 characters). */
  readonly reason: string;
}

/** One finding of the pack, with where it is and whether a suppression covers it. */
export interface PolicyFinding {
  /** Path of the construct the finding is on. */
  readonly constructPath: string;
  /** The rule's id (`suppression` for a suppression of an unknown rule, an error, or one that suppresses nothing, a warning). */
  readonly ruleId: string;
  /** The rule's level. */
  readonly level: PolicyLevel;
  /** What is wrong and what to change. */
  readonly message: string;
  /** The suppression that covers it, if any. */
  readonly suppressedBy?: { readonly constructPath: string; readonly reason: string };
}

/** The content of `policy-report.json`. */
export interface PolicyReport {
  /** The rules that ran. */
  readonly rules: { readonly id: string; readonly level: PolicyLevel; readonly description: string }[];
  /** The stacks checked. */
  readonly stacks: string[];
  /** Every suppression, with the findings it suppressed. */
  readonly suppressions: {
    readonly constructPath: string;
    readonly ruleId: string;
    readonly reason: string;
    readonly suppressedFindings: { readonly constructPath: string; readonly message: string }[];
  }[];
  /** Unsuppressed warnings. */
  readonly warnings: { readonly constructPath: string; readonly ruleId: string; readonly message: string }[];
}

/** The file the report is written to, beside the synthesized stacks (`cdktf.out/policy-report.json`). */
export const POLICY_REPORT_FILE = 'policy-report.json';

/** The error lines of unsuppressed error findings, each labelled with its own construct path as cdktf labels validation errors. */
export function formatErrors(findings: readonly PolicyFinding[]): string[] {
  return findings
    .filter((f) => f.level === 'error' && f.suppressedBy === undefined)
    .map((f) => `[${f.constructPath}] [${f.ruleId}] ${f.message}`);
}

/**
 * The rule pack as a cdktf Aspect: `visit` runs every rule on a construct, turns unsuppressed findings
 * into `Annotations` (errors and warnings, prefixed with `[rule-id]`), and remembers them for the
 * report. Each construct is checked once, however often it is visited. `applyPolicy` attaches it to
 * stacks; error findings stop the synth through a validation (see `policy/index.ts`).
 */
export class PolicyPack implements IAspect {
  /** The rules that run. */
  public readonly rules: readonly PolicyRule[];
  private readonly redundantEnvironments: readonly string[];
  private readonly allowedJurisdictions: Readonly<Record<string, readonly string[]>>;
  private readonly results = new Map<IConstruct, PolicyFinding[]>();
  private readonly suppressionChecks = new Set<string>();

  constructor(options: PolicyPackOptions = {}) {
    this.rules = options.rules ?? ALL_RULES;
    this.redundantEnvironments = options.redundantEnvironments ?? [];
    this.allowedJurisdictions = options.allowedJurisdictions ?? {};
    for (const [environment, codes] of Object.entries(this.allowedJurisdictions)) {
      for (const code of codes) {
        const why = whyNotCountryCode(code);
        if (why !== undefined) throw new InvalidInputError(`policy allowedJurisdictions.${environment} ${why}`);
      }
    }
    for (const rule of this.rules) {
      requireOneOf(`policy rule '${rule.id}' level`, rule.level, ['error', 'warning']);
      if (typeof rule.check !== 'function') throw new InvalidInputError(`policy rule '${rule.id}' has no check function; give it check(node, context) returning its findings`);
    }
    const ids = this.rules.map((r) => r.id);
    const twice = ids.find((id, i) => ids.indexOf(id) !== i);
    if (twice !== undefined) throw new InvalidInputError(`policy rule id '${twice}' is used by two rules; give every rule its own id`);
  }

  /** Runs every rule on `node` (once) and annotates it with the unsuppressed findings. */
  public visit(node: IConstruct): void {
    if (this.results.has(node)) return;
    const stack = node.node.scopes.find((s): s is TerraformStack => TerraformStack.isStack(s));
    if (stack === undefined) {
      this.results.set(node, []);
      return;
    }
    const redundancy = Redundancy.of(node);
    const context: PolicyContext = {
      environment: stack.node.id,
      requiresRedundancy: redundancy.required || this.redundantEnvironments.includes(stack.node.id),
      redundancyReason: redundancy.reason,
      allowedJurisdictions: this.allowedJurisdictions[stack.node.id],
    };
    const findings: PolicyFinding[] = [];
    for (const rule of this.rules) {
      for (const f of rule.check(node, context)) {
        const suppression = Suppressions.find(node, rule.id);
        findings.push({
          constructPath: node.node.path,
          ruleId: rule.id,
          level: rule.level,
          message: f.message,
          suppressedBy: suppression === undefined ? undefined : { constructPath: suppression.scope.node.path, reason: suppression.reason },
        });
        if (suppression !== undefined) continue;
        const text = `[${rule.id}] ${f.message}`;
        if (rule.level === 'error') Annotations.of(node).addError(text);
        else Annotations.of(node).addWarning(text);
      }
    }
    this.results.set(node, findings);
  }

  /**
   * Checks every construct under `root` (visiting those not visited yet) and returns their findings,
   * plus an error for each suppression of a rule the pack does not have.
   */
  public check(root: IConstruct): PolicyFinding[] {
    const nodes = root.node.findAll();
    for (const node of nodes) this.visit(node);
    return [...nodes.flatMap((n) => this.results.get(n) ?? []), ...this.suppressionFindings(root)];
  }

  /** Every finding recorded so far (a copy). */
  public get findings(): PolicyFinding[] {
    return [...this.results.values()].flat();
  }

  /** The report of `stacks`: rules, suppressions with what they suppressed, and unsuppressed warnings. */
  public report(stacks: readonly TerraformStack[]): PolicyReport {
    const findings = stacks.flatMap((s) => this.check(s));
    const suppressions = stacks.flatMap((s) => Suppressions.declaredUnder(s));
    return {
      rules: this.rules.map((r) => ({ id: r.id, level: r.level, description: r.description })),
      stacks: stacks.map((s) => s.node.id),
      suppressions: suppressions.map((s) => ({
        constructPath: s.scope.node.path,
        ruleId: s.ruleId,
        reason: s.reason,
        suppressedFindings: findings
          .filter((f) => f.ruleId === s.ruleId && f.suppressedBy?.constructPath === s.scope.node.path)
          .map((f) => ({ constructPath: f.constructPath, message: f.message })),
      })),
      warnings: findings
        .filter((f) => f.level === 'warning' && f.suppressedBy === undefined)
        .map((f) => ({ constructPath: f.constructPath, ruleId: f.ruleId, message: f.message })),
    };
  }

  /** Writes `policy-report.json` for `stacks` into `outdir`. */
  public writeReport(outdir: string, stacks: readonly TerraformStack[]): string {
    const file = path.join(outdir, POLICY_REPORT_FILE);
    fs.writeFileSync(file, JSON.stringify(this.report(stacks), null, 2) + '\n');
    return file;
  }

  private suppressionFindings(root: IConstruct): PolicyFinding[] {
    const known = this.rules.map((r) => r.id);
    const out: PolicyFinding[] = [];
    for (const s of Suppressions.declaredUnder(root)) {
      const at = s.scope.node.path;
      if (!known.includes(s.ruleId)) {
        out.push(this.suppressionFinding(s, 'error', `suppresses unknown rule '${s.ruleId}': use one of ${known.join(', ')}`));
        continue;
      }
      const used = s.scope.node.findAll().some((n) => (this.results.get(n) ?? []).some((f) => f.ruleId === s.ruleId && f.suppressedBy?.constructPath === at));
      if (!used) {
        out.push(this.suppressionFinding(s, 'warning', `suppresses '${s.ruleId}', but nothing here or below has that finding: remove the suppression`));
      }
    }
    return out;
  }

  private suppressionFinding(s: DeclaredSuppression, level: PolicyLevel, message: string): PolicyFinding {
    const key = `${s.scope.node.path}#${s.ruleId}`;
    if (!this.suppressionChecks.has(key)) {
      this.suppressionChecks.add(key);
      if (level === 'error') Annotations.of(s.scope).addError(`[suppression] ${message}`);
      else Annotations.of(s.scope).addWarning(`[suppression] ${message}`);
    }
    return { constructPath: s.scope.node.path, ruleId: 'suppression', level, message };
  }
}
