import { ApplicationSpec } from '../constructs/application-spec';

/** What an environment is: staging and production must have no single point of failure. */
export type EnvironmentTier = 'development' | 'staging' | 'production';

/** Where the state lives. */
export type BackendConfig =
  | { readonly kind: 'local' }
  /** PostgreSQL with locking; the connection string comes from PG_CONN_STR at `init`, never from the JSON. */
  | { readonly kind: 'pg'; readonly schemaName: string }
  /** S3 with a lock file in the bucket (OpenTofu >= 1.10, Terraform >= 1.10). */
  | { readonly kind: 's3'; readonly bucket: string; readonly key: string; readonly region: string };

/**
 * One environment: the system (`ApplicationSpec`: hosts, services, databases, gateway) and what only
 * an environment has (its name, tier, state backend and data residency). An `EnvironmentStack` is made
 * from each; environment files (JSON or YAML) have exactly this shape.
 */
export interface EnvironmentConfig extends ApplicationSpec {
  /** Environment name: the stack name and the prefix of every Docker name. */
  readonly name: string;
  /**
   * What the environment is; staging and production are held to the redundancy rules of the policy.
   * @default 'development'
   */
  readonly tier?: EnvironmentTier;
  /**
   * Where the state lives.
   * @default { kind: 'local' } (`terraform.<name>.tfstate` at the project root)
   */
  readonly backend?: BackendConfig;
  /**
   * Data residency (the article's Personopplysningsloven case): the country the hosts are in and the
   * countries they may be in, as ISO 3166-1 alpha-2 codes. A host outside `allowed` stops the synth.
   * @default none
   */
  readonly residency?: { readonly hostsIn: string; readonly allowed: readonly string[] };
}
