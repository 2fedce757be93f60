import { TerraformStack } from 'cdktf';
import { IConstruct } from 'constructs';
import { looksSecret } from '../../constructs/container-service';
import { Finding, PolicyRule, isReference } from '../rule';

/** A place in the synthesized JSON that holds a secret-looking literal, and why it looks secret. */
export interface SecretLiteral {
  /** JSON path, e.g. `resource.docker_container.web.env[1]`. */
  readonly path: string;
  /** What gave it away (never the value itself). */
  readonly reason: string;
}

const FLAG_VALUES = new Set(['', 'yes', 'no', 'true', 'false', 'on', 'off', '0', '1', 'null']);
const SECRET_WORDS = new Set(['PASSWORD', 'PASSWD', 'PASSPHRASE', 'SECRET', 'SECRETS', 'TOKEN', 'APIKEY', 'CREDENTIAL', 'CREDENTIALS']);
// `key` alone is an S3 object key or a map key; only these pairs make a key secret.
const SECRET_PAIRS = [['API', 'KEY'], ['PRIVATE', 'KEY'], ['ACCESS', 'KEY'], ['SECRET', 'KEY'], ['CLIENT', 'SECRET'], ['CONN', 'STR']];

const CONTENT_PATTERNS: readonly (readonly [RegExp, string])[] = [
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, 'a PEM private key'],
  [/\bAKIA[0-9A-Z]{16}\b/, 'an AWS access key id'],
  [/\bgh[pousr]_[A-Za-z0-9]{36,}\b/, 'a GitHub token'],
  [/\bxox[abprs]-[A-Za-z0-9-]{10,}/, 'a Slack token'],
  [/\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/, 'a JSON web token'],
  [/[a-z][a-z0-9+.-]*:\/\/[^\s/:@"']+:([^\s/@"'$]+)@/i, 'a URL with a password'],
];
// `password: x`, `PASSWORD=x`, `"token": "x"` inside a longer text (a config file, a script).
const INLINE_ASSIGNMENT = /(?:^|[^A-Za-z0-9_])(password|passwd|passphrase|secret|api[_-]?key|access[_-]?key|auth[_-]?token|client[_-]?secret)["']?\s*[:=]\s*["']?([^\s"',;}]+)/gi;

/** Whether an attribute name (snake_case, kebab-case or camelCase) names a secret. */
export function isSecretAttributeName(name: string): boolean {
  const words = name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase().split(/[_\-.]+/);
  if (words.some((w) => SECRET_WORDS.has(w))) return true;
  return SECRET_PAIRS.some(([a, b]) => words.some((w, i) => w === a && words[i + 1] === b));
}

function isLiteralSecretValue(value: string): boolean {
  return !isReference(value) && !FLAG_VALUES.has(value.trim().toLowerCase());
}

/**
 * Every secret-looking literal in a synthesized Terraform JSON document: attributes named like a
 * secret with a literal value, `NAME=value` environment entries with a secret-looking name, defaults
 * of sensitive or secret-named variables, and well-known secret formats (PEM private keys, cloud and
 * chat tokens, URLs with passwords, `password: ...` inside a text). References (`${var.x}`) are fine.
 */
export function findSecretLiterals(json: unknown): SecretLiteral[] {
  const found: SecretLiteral[] = [];
  const visit = (value: unknown, path: string, key: string, parent: Record<string, unknown> | undefined): void => {
    if (Array.isArray(value)) {
      value.forEach((v, i) => visit(v, `${path}[${i}]`, key, parent));
      return;
    }
    if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (k === '//') continue; // cdktf's metadata: construct paths, not configuration
        visit(v, path === '' ? k : `${path}.${k}`, k, value as Record<string, unknown>);
      }
      return;
    }
    if (typeof value !== 'string') return;
    const variable = /^variable\.([^.]+)\.default/.exec(path);
    if (variable !== null && parent !== undefined && key === 'default' && value !== '' &&
      (parent.sensitive === true || isSecretAttributeName(variable[1]))) {
      found.push({ path, reason: `the default of variable '${variable[1]}'` });
      return;
    }
    if (key === 'env' && /^[A-Za-z_][A-Za-z0-9_]*=/.test(value)) {
      const [name, ...rest] = value.split('=');
      if (looksSecret(name) && isLiteralSecretValue(rest.join('='))) {
        found.push({ path, reason: `environment variable ${name} with a literal value` });
        return;
      }
    }
    if (isSecretAttributeName(key) && isLiteralSecretValue(value)) {
      found.push({ path, reason: `attribute '${key}' with a literal value` });
      return;
    }
    for (const [pattern, what] of CONTENT_PATTERNS) {
      if (pattern.test(value)) {
        found.push({ path, reason: `text that contains ${what}` });
        return;
      }
    }
    for (const m of value.matchAll(INLINE_ASSIGNMENT)) {
      // In a script, `password=$DB_PASSWORD` reads a variable: not a literal.
      if (isLiteralSecretValue(m[2]) && !m[2].startsWith('$')) {
        found.push({ path, reason: `text that assigns a literal to '${m[1]}'` });
        return;
      }
    }
  };
  visit(json, '', '', undefined);
  return found;
}

/** No secret-looking literal anywhere in a stack's synthesized JSON: secrets come from sensitive variables. */
export const noSecretLiteral: PolicyRule = {
  id: 'no-secret-literal',
  level: 'error',
  description: 'No secret-looking literal anywhere in the synthesized JSON; secrets come from sensitive TerraformVariables.',
  check(node: IConstruct): Finding[] {
    if (!TerraformStack.isStack(node)) return [];
    return findSecretLiterals(node.toTerraform()).map((s) => ({
      message: `the synthesized JSON holds a secret-looking literal at ${s.path} (${s.reason}; value not shown): declare a TerraformVariable with sensitive: true and no default, and pass the variable instead`,
    }));
  },
};
