import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { EnvironmentConfig } from './environment-config';
import { ENVIRONMENT_SCHEMA } from './environment-schema';
import { checkAgainstSchema } from './json-schema';

/** A problem in an environment file, with the file, the key and the fix. */
export class EnvironmentFileError extends Error {
  constructor(file: string, key: string, message: string) {
    super(`environment file ${file}: ${key === '' ? '' : `${key}: `}${message}`);
    this.name = 'EnvironmentFileError';
  }
}

const FORMATS: Readonly<Record<string, 'JSON' | 'YAML'>> = { '.json': 'JSON', '.yaml': 'YAML', '.yml': 'YAML' };

const READ_ERRORS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EISDIR: 'it is a directory',
  ENOTDIR: 'a part of the path is not a directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
};

// The top-level keys of the 0.1.0 format, which described only the article's shop.
const OLD_KEYS = ['hosting', 'storefront', 'inventory', 'database'];
const NEW_KEYS = ['hosts', 'services', 'databases', 'hypervisors'];
const OLD_SHAPE = 'this file has the shape of 0.1.0, which described only the article\'s shop. Now hosting.hosts is hosts, each with a kind '
  + '(local, kvm or server; libvirtUri and networkCidr go under hypervisors, baseImage, sshPublicKeys and virtualization under kvm), '
  + 'storefront and inventory are entries of services (containerPort is port; add routes and uses: [db]), database is databases.db '
  + '(hostPath is dataPath), and gateway.hostPort and hostAddress are port and address; see "Environment files" in the README';

/**
 * Reads an environment from a JSON or YAML file (by extension: .json, .yaml, .yml) and checks it
 * against the environment schema (`schema/environment.schema.json`, the shape of `EnvironmentConfig`):
 * unknown keys, wrong types, values out of range and missing keys are errors that name the file, the
 * key and the fix. A `$schema` key (for editors) is accepted and dropped. What needs the whole system
 * (unknown host names, cycles, clashing ports) is checked by the constructs at synth, with the same key
 * names.
 */
export function loadEnvironmentFile(file: string): EnvironmentConfig {
  const shown = path.basename(file);
  const format = FORMATS[path.extname(file).toLowerCase()];
  if (format === undefined) {
    const ext = path.extname(file);
    throw new EnvironmentFileError(shown, '', `${ext === '' ? 'has no extension' : `has the extension ${JSON.stringify(ext)}`}; environment files are JSON or YAML: name it .json, .yaml or .yml after its format`);
  }
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    throw new EnvironmentFileError(shown, '', `cannot be read (${READ_ERRORS[code] ?? (e as Error).message}); check the path ${JSON.stringify(file)}`);
  }
  let data: unknown;
  try {
    data = format === 'YAML' ? parse(text) : text.trim() === '' ? null : JSON.parse(text);
  } catch (e) {
    throw new EnvironmentFileError(shown, '', `is not valid ${format} (${(e as Error).message.split('\n')[0]})`);
  }
  if (data === null || data === undefined) {
    throw new EnvironmentFileError(shown, '', 'is empty; describe an environment: at least name, hosts and services (see "Environment files" in the README)');
  }
  // A file of the old shape has none of the new shape's keys (a new file may still misspell databases).
  const keys = typeof data === 'object' && !Array.isArray(data) ? Object.keys(data) : [];
  const old = NEW_KEYS.some((k) => keys.includes(k)) ? undefined : OLD_KEYS.find((k) => keys.includes(k));
  if (old !== undefined) throw new EnvironmentFileError(shown, old, `unknown key; ${OLD_SHAPE}`);
  const problem = checkAgainstSchema(ENVIRONMENT_SCHEMA, data);
  if (problem !== undefined) throw new EnvironmentFileError(shown, problem.key, problem.message);
  const { $schema: _schema, ...config } = data as EnvironmentConfig & { $schema?: string };
  // Not enumerable: the config stays the file's content, and EnvironmentStack can still name the file.
  Object.defineProperty(config, SOURCE_FILE, { value: shown, enumerable: false });
  return config;
}

const SOURCE_FILE = Symbol.for('cdktf-kvm-microservices/environment-file');

/** The file an environment was loaded from (its base name), when it came from one. */
export function environmentSourceFile(config: EnvironmentConfig): string | undefined {
  return (config as unknown as { [SOURCE_FILE]?: string })[SOURCE_FILE];
}

/** Options of `loadEnvironments`. */
export interface LoadEnvironmentsOptions {
  /**
   * The environments defined in code; a file's environment of the same name replaces one.
   * @default none
   */
  readonly defaults?: readonly EnvironmentConfig[];
  /**
   * Environment files (JSON or YAML); empty entries are skipped.
   * @default the comma-separated list in the environment variable KVMS_ENVIRONMENT_FILES
   */
  readonly files?: readonly string[];
}

/**
 * The environments of an app: the defaults, with every environment file loaded and checked; a file's
 * environment replaces the default of the same name (in its place), the others follow in file order,
 * and two files that define one environment are an error naming both. What a consumer's `main.ts` calls:
 *
 * ```ts
 * for (const config of loadEnvironments({ defaults: [DEV] })) new EnvironmentStack(app, config);
 * ```
 */
export function loadEnvironments(options: LoadEnvironmentsOptions = {}): EnvironmentConfig[] {
  const files = (options.files ?? (process.env.KVMS_ENVIRONMENT_FILES ?? '').split(',')).map((f) => f.trim()).filter((f) => f !== '');
  const byName = new Map<string, { readonly file: string; readonly config: EnvironmentConfig }>();
  for (const file of files) {
    const config = loadEnvironmentFile(file);
    const other = byName.get(config.name);
    if (other !== undefined && path.resolve(other.file) === path.resolve(file)) {
      throw new EnvironmentFileError(path.basename(file), '', 'is listed twice; list each environment file once');
    }
    if (other !== undefined) {
      // Base names are enough to tell two files apart, unless they are the same.
      const [shown, otherShown] = path.basename(file) === path.basename(other.file) ? [file, other.file] : [path.basename(file), path.basename(other.file)];
      throw new EnvironmentFileError(shown, 'name', `${JSON.stringify(config.name)} is also the name in ${otherShown}; one file per environment: rename one of them, or drop one from the list`);
    }
    byName.set(config.name, { file, config });
  }
  const defaults = options.defaults ?? [];
  const replaced = defaults.map((d) => byName.get(d.name)?.config ?? d);
  const added = [...byName.values()].map((f) => f.config).filter((c) => !defaults.some((d) => d.name === c.name));
  return [...replaced, ...added];
}
