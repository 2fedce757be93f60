import { createHash } from 'crypto';
import { Container } from '@cdktf/provider-docker/lib/container';
import { TerraformStack } from 'cdktf';
// The resolver TerraformStack.toTerraform() itself uses; cdktf exports no public equivalent.
import { resolve } from 'cdktf/lib/_tokens';

/**
 * Attributes that kreuzwerker/docker 3.6.2 changes in place (`docker update`) or that only steer the
 * provider: a change of these must not give the container a new identity. Every other attribute either
 * forces a replacement or (healthcheck, tmpfs, init, cpu_quota, cpu_period) is silently not applied to a
 * running container by the provider, so it belongs in the fingerprint and rolls a new container.
 */
const IN_PLACE = new Set([
  'name', 'labels', 'restart', 'max_retry_count', 'memory', 'memory_swap', 'cpu_shares', 'cpu_set',
  'rm', 'start', 'wait', 'wait_timeout', 'attach', 'logs', 'must_run', 'remove_volumes',
  'destroy_grace_seconds', 'container_read_refresh_timeout_milliseconds',
  // Terraform meta-arguments, and cdktf's metadata (the construct path: moving a construct, e.g. with
  // a `moved` block, changes nothing of what runs).
  'depends_on', 'lifecycle', 'provider', 'count', 'for_each', 'provisioner', 'connection', '//',
]);

/** How long the fingerprint is in hex: 32 bits, unique enough among the versions of one replica. */
const LENGTH = 8;

/**
 * The identity of a container's content: a hash of every attribute that a change must roll out as a new
 * container, as the synthesized JSON will hold it. Values known only at apply (a sensitive variable in
 * `env`, a reference to another resource) stay in as Terraform expressions, so the result is a
 * Terraform template: `abcd1234` when everything is known at synth, else
 * `${substr(sha256(join("|", ["<static hash>", var.x, ...])), 0, 8)}` (wrapped in `nonsensitive()` when a
 * sensitive variable is among them: a truncated hash shows nothing of the value). References whose
 * value is known at synth (`knownValues`: a network's or volume's literal name, by the expression that
 * refers to it) are hashed as that value, so a container on a network of a fixed name gets a name known
 * at synth.
 */
export function containerFingerprint(container: Container, sensitiveVariables: readonly string[], knownValues: Readonly<Record<string, string>> = {}): string {
  const attributes = resolvedAttributes(container);
  const kept: Record<string, unknown> = {};
  for (const key of Object.keys(attributes).sort()) if (!IN_PLACE.has(key)) kept[key] = attributes[key];
  let text = JSON.stringify(kept);
  for (const [expression, value] of Object.entries(knownValues)) text = text.split(JSON.stringify(`\${${expression}}`).slice(1, -1)).join(JSON.stringify(value).slice(1, -1));
  const staticHash = createHash('sha256').update(text).digest('hex');
  const expressions = [...new Set(templateExpressions(text))].sort();
  if (expressions.length === 0) return staticHash.slice(0, LENGTH);
  const hashed = `substr(sha256(join("|", ["${staticHash}", ${expressions.join(', ')}])), 0, ${LENGTH})`;
  const sensitive = expressions.some((e) => sensitiveVariables.some((v) => new RegExp(`\\bvar\\.${v}\\b`).test(e)));
  return `\${${sensitive ? `nonsensitive(${hashed})` : hashed}}`;
}

function resolvedAttributes(container: Container): Record<string, unknown> {
  const stack = TerraformStack.of(container);
  const tf = resolve(stack, container.toTerraform()) as { resource?: Record<string, Record<string, Record<string, unknown>>> };
  return tf.resource?.[container.terraformResourceType]?.[container.friendlyUniqueId] ?? {};
}

/**
 * The expressions of the `${...}` interpolations in a JSON text (`$${` is Terraform's escape for a
 * literal `${` and is skipped). Quotes inside an interpolation are JSON-escaped in the text.
 */
export function templateExpressions(json: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < json.length - 1; i++) {
    if (json[i] !== '$' || json[i + 1] !== '{') continue;
    if (i > 0 && json[i - 1] === '$') continue;
    let depth = 0;
    let j = i + 1;
    for (; j < json.length; j++) {
      if (json[j] === '{') depth++;
      else if (json[j] === '}' && --depth === 0) break;
    }
    out.push(JSON.parse(`"${json.slice(i + 2, j)}"`) as string);
    i = j;
  }
  return out;
}
