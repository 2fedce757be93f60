import { EnvironmentConfig } from '../stacks/environment-config';
import { LoadReport, report, RolloutLoad } from './rollout-load';
import { ROLLOUT_PORT, ROLLOUT_REQUESTS, ROLLOUT_SERVER_NAME, RolloutScenario } from './rollout-scenarios';
import { ApplyResult, RolloutStack } from './rollout-stack';

/** What one scenario did and cost. */
export interface ScenarioRun {
  readonly scenario: RolloutScenario;
  readonly config: EnvironmentConfig;
  readonly apply: ApplyResult;
  /** The load over the whole run. */
  readonly load: LoadReport;
  /** The load of the paths outside `affectedPaths` (all of them when none are named). */
  readonly unaffected: LoadReport;
  /** The load of the `affectedPaths` (all paths when none are named): its outage is the change's. */
  readonly affected: LoadReport;
  /** `tofu plan -detailed-exitcode` right after the apply. */
  readonly planExitCode: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Applies one scenario under load: the load runs 2 s before the apply, through it, and 2 s after;
 * then a plan shows whether anything is left to change.
 */
export async function runScenario(
  stack: RolloutStack,
  scenario: RolloutScenario,
  current: EnvironmentConfig,
  tag: (image: string) => string,
): Promise<ScenarioRun> {
  const config = scenario.apply(current, tag);
  const load = new RolloutLoad({ port: ROLLOUT_PORT, hostHeader: ROLLOUT_SERVER_NAME, requests: ROLLOUT_REQUESTS });
  load.start();
  await sleep(2000);
  const apply = await stack.deploy(config);
  await sleep(2000);
  const seen = await load.stop();
  const plan = await stack.planExitCode();
  const affected = scenario.affectedPaths ?? [];
  return {
    scenario,
    config,
    apply,
    load: seen,
    unaffected: affected.length === 0 ? seen : report(seen.records.filter((r) => !affected.includes(r.path))),
    affected: affected.length === 0 ? seen : report(seen.records.filter((r) => affected.includes(r.path))),
    planExitCode: plan.code,
  };
}

/** One JSON line of `npm run bench:deploy`. */
export function benchLine(run: ScenarioRun): Record<string, unknown> {
  return {
    change: run.scenario.change,
    requests: run.load.requests,
    failed: run.load.failed,
    failures: run.load.failures,
    longest_outage_s: run.affected.longestOutageSeconds,
    p99_ms: run.load.p99Ms,
    apply_s: Math.round(run.apply.seconds * 10) / 10,
    apply_ok: run.apply.ok,
    replaced: run.apply.created.filter((r) => run.apply.destroyed.includes(r)),
    created: run.apply.created.filter((r) => !run.apply.destroyed.includes(r)),
    destroyed: run.apply.destroyed.filter((r) => !run.apply.created.includes(r)),
    updated: run.apply.updated,
    plan_exit_code: run.planExitCode,
  };
}
