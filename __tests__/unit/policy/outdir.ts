import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** Every file under `dir` with its content, and every directory, by relative path (to compare before and after). */
export function snapshotDir(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const full = path.join(entry.parentPath, entry.name);
    const rel = path.relative(dir, full);
    out[rel] = entry.isDirectory() ? '<dir>' : fs.readFileSync(full, 'utf8');
  }
  return out;
}

/**
 * A temporary `cdktf.out` that already holds a previous synth: a manifest, a stack's JSON and an
 * unrelated file. Returns its path; the caller removes the parent with `fs.rmSync`.
 */
export function previousOutdir(): { root: string; outdir: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kvms-policy-'));
  const outdir = path.join(root, 'cdktf.out');
  fs.mkdirSync(path.join(outdir, 'stacks', 'dev'), { recursive: true });
  fs.writeFileSync(path.join(outdir, 'manifest.json'), '{"version":"previous"}\n');
  fs.writeFileSync(path.join(outdir, 'stacks', 'dev', 'cdk.tf.json'), '{"previous":true}\n');
  fs.writeFileSync(path.join(outdir, 'notes.txt'), 'kept by the operator\n');
  return { root, outdir };
}
