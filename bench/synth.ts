/**
 * Synthesis benchmark (`npm run bench:synth`). Times, side by side in one run, over several rounds:
 *   (a) `npm run synth` for the three default environments, as a user runs it;
 *   (b) the reference: the same main.ts under the cdktf template's app command (`npx ts-node main.ts`,
 *       which type-checks);
 *   (c) the scale case (bench/scale-app.ts): 20 environments x 50 services, and 40 x 50.
 * Prints one JSON line: synth_median_s, reference_median_s, ratio, scale20_median_s, scale40_median_s,
 * growth, peak_rss_mib (the largest of runs a and c), output_bytes, rounds (and min/max of each timing,
 * and the reference's own peak, which is ts-node type-checking the generated bindings). Needs GNU time (/usr/bin/time)
 * for peak memory. ROUNDS (default 5) and REFERENCE_ROUNDS (default 3) set the rounds.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const root = path.resolve(__dirname, '..');
const rounds = Number(process.env.ROUNDS ?? 5);
const referenceRounds = Number(process.env.REFERENCE_ROUNDS ?? 3);
// Peak RSS of our runs (a, c) and, apart, of the reference (ts-node type-checking the bindings is
// the reference's cost, not ours).
const peakRssKiB = { ours: 0, reference: 0 };

/** Runs a command under GNU time; returns wall seconds and records its peak RSS. */
function timed(cmd: string[], env: NodeJS.ProcessEnv = {}, side: keyof typeof peakRssKiB = 'ours'): number {
  const report = path.join(os.tmpdir(), `kvms-bench-time-${process.pid}`);
  execFileSync('/usr/bin/time', ['-f', '%e %M', '-o', report, ...cmd], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const [seconds, rssKiB] = fs.readFileSync(report, 'utf8').trim().split(/\s+/).slice(-2).map(Number);
  fs.rmSync(report, { force: true });
  peakRssKiB[side] = Math.max(peakRssKiB[side], rssKiB);
  return seconds;
}

function stats(samples: number[]) {
  const sorted = [...samples].sort((x, y) => x - y);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median: round(median), min: round(sorted[0]), max: round(sorted[sorted.length - 1]) };
}

const round = (x: number) => Math.round(x * 1000) / 1000;

function outputBytes(outdir: string): number {
  const stacks = path.join(outdir, 'stacks');
  return fs.readdirSync(stacks).reduce((sum, s) => sum + fs.statSync(path.join(stacks, s, 'cdk.tf.json')).size, 0);
}

const out = fs.mkdtempSync(path.join(os.tmpdir(), 'kvms-bench-synth-'));
try {
  const ours: number[] = [];
  const reference: number[] = [];
  const scale20: number[] = [];
  const scale40: number[] = [];
  const mainOut = path.join(out, 'main');
  // One warm-up each, so both sides run with their caches as a developer's second synth does.
  timed(['npm', 'run', '--silent', 'synth'], { CDKTF_OUTDIR: mainOut });
  timed(['npx', 'ts-node', 'main.ts'], { CDKTF_OUTDIR: path.join(out, 'ref') }, 'reference');
  for (let i = 0; i < Math.max(rounds, referenceRounds); i++) {
    if (i < rounds) ours.push(timed(['npm', 'run', '--silent', 'synth'], { CDKTF_OUTDIR: mainOut }));
    if (i < referenceRounds) reference.push(timed(['npx', 'ts-node', 'main.ts'], { CDKTF_OUTDIR: path.join(out, 'ref') }, 'reference'));
  }
  for (let i = 0; i < rounds; i++) {
    for (const [envs, samples] of [[20, scale20], [40, scale40]] as const) {
      const dir = path.join(out, `scale${envs}`);
      fs.rmSync(dir, { recursive: true, force: true });
      samples.push(timed(['node', 'scripts/run-ts.js', 'bench/scale-app.ts'], { CDKTF_OUTDIR: dir, SCALE_ENVS: String(envs), SCALE_SERVICES: '50' }));
    }
  }
  const a = stats(ours);
  const b = stats(reference);
  const s20 = stats(scale20);
  const s40 = stats(scale40);
  console.log(
    JSON.stringify({
      synth_median_s: a.median,
      reference_median_s: b.median,
      ratio: round(a.median / b.median),
      scale20_median_s: s20.median,
      scale40_median_s: s40.median,
      growth: round(s40.median / s20.median),
      peak_rss_mib: Math.round(peakRssKiB.ours / 1024),
      reference_peak_rss_mib: Math.round(peakRssKiB.reference / 1024),
      output_bytes: outputBytes(mainOut),
      rounds,
      reference_rounds: referenceRounds,
      synth_min_max_s: [a.min, a.max],
      reference_min_max_s: [b.min, b.max],
      scale20_min_max_s: [s20.min, s20.max],
      scale40_min_max_s: [s40.min, s40.max],
    }),
  );
} finally {
  fs.rmSync(out, { recursive: true, force: true });
}
