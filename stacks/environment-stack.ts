import { LocalBackend, PgBackend, S3Backend, TerraformOutput, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { Application } from '../constructs/application';
import { ConstructValidationError } from '../constructs/validation';
import { Jurisdiction, Redundancy } from '../policy';
import { quote } from '../renderers/invalid-input';
import { BackendConfig, EnvironmentConfig, EnvironmentTier } from './environment-config';
import { EnvironmentFileError, environmentSourceFile } from './environment-file';

const NAME = /^[a-z][a-z0-9-]{0,30}$/;
const TIERS: readonly EnvironmentTier[] = ['development', 'staging', 'production'];

/**
 * One environment as a stack: the state backend, the system (`Application`) built from the
 * environment's description, the policy context (tier, data residency) and the outputs (where the
 * gateway answers, the hosts' addresses, where each service runs). All the wiring is the
 * `Application`'s; the article's shop is data in `stacks/environments.ts`.
 */
export class EnvironmentStack extends TerraformStack {
  /** The configuration this stack was made from. */
  public readonly config: EnvironmentConfig;
  /** What the environment is. */
  public readonly tier: EnvironmentTier;
  /** The system: hosts, services, databases, gateway. */
  public readonly application: Application;

  constructor(scope: Construct, config: EnvironmentConfig) {
    super(scope, checkedName(scope, config));
    this.config = config;
    this.tier = config.tier ?? 'development';
    if (!TIERS.includes(this.tier)) {
      throw new ConstructValidationError(this, `tier ${quote(this.tier)} must be one of ${TIERS.map((t) => quote(t)).join(', ')}`);
    }
    this.addBackend(config.backend ?? { kind: 'local' });
    if (this.tier !== 'development') Redundancy.of(this).require(`the environment is ${this.tier === 'staging' ? 'a staging' : 'a production'} tier`);
    this.application = fromFile(config, () => {
      const application = new Application(this, 'app', { ...config, name: config.name });
      if (config.residency !== undefined) {
        // Every host of the environment (KVM hosts and the Docker hosts on them) is where the config says.
        Jurisdiction.of(this).allowOnly(config.residency.allowed);
        Jurisdiction.of(this).set(config.residency.hostsIn);
      }
      return application;
    });

    const app = this.application;
    const gateway = app.gateway;
    if (gateway !== undefined) {
      const host = app.hosts.find((h) => h.provider === gateway.service.dockerProvider)!;
      // gateway.url is the URL on the gateway's Docker host; a remote host is reached at its address.
      const url = host.spec.kind !== 'local' && gateway.hostAddress === '0.0.0.0' && host.address !== undefined
        ? gateway.url.replace('127.0.0.1', host.address)
        : gateway.url;
      new TerraformOutput(this, 'gateway_url', { value: url, description: 'Where the gateway answers' });
    }
    new TerraformOutput(this, 'host_addresses', {
      value: Object.fromEntries(app.hosts.filter((h) => h.address !== undefined).map((h) => [h.name, h.address])),
      description: 'The addresses hosts reach each other at',
    });
    new TerraformOutput(this, 'placement', {
      value: Object.fromEntries([...app.placement.hostsByService].map(([service, hosts]) => [service, hosts])),
      description: 'The host of each replica, by service',
    });
  }

  private addBackend(backend: BackendConfig): void {
    switch (backend.kind) {
      case 'local':
        // Relative to the stack's working directory (cdktf.out/stacks/<env>): the state sits at the
        // project root, as with cdktf's default, but the JSON holds no machine-specific path.
        new LocalBackend(this, { path: `../../../terraform.${this.config.name}.tfstate` });
        return;
      case 'pg':
        // The connection string comes from PG_CONN_STR when `init` runs: no credentials in the JSON.
        // cdktf requires connStr, but an explicit "" makes OpenTofu ignore PG_CONN_STR (and connect to
        // localhost:5432), so the attribute is removed from the JSON.
        new PgBackend(this, { connStr: '', schemaName: backend.schemaName }).addOverride('conn_str', undefined);
        return;
      case 's3':
        // use_lockfile (OpenTofu/Terraform >= 1.10) is newer than cdktf's S3 backend type.
        new S3Backend(this, { bucket: backend.bucket, key: backend.key, region: backend.region, encrypt: true }).addOverride('use_lockfile', true);
        return;
      default:
        throw new ConstructValidationError(this, `backend.kind ${quote((backend as { kind: unknown }).kind)} must be one of "local", "pg", "s3"`);
    }
  }
}

/**
 * Runs `build`; a refusal of an environment that came from a file names the file too, since the
 * refusal's keys (`services.api.uses`) are the file's.
 */
function fromFile<T>(config: EnvironmentConfig, build: () => T): T {
  try {
    return build();
  } catch (e) {
    const file = environmentSourceFile(config);
    if (file !== undefined && (e as Error)?.name === 'ConstructValidationError') {
      throw new EnvironmentFileError(file, '', (e as Error).message);
    }
    throw e;
  }
}

/** The stack name, checked before the stack exists (cdktf's own message for '' says nothing of the config). */
function checkedName(scope: Construct, config: EnvironmentConfig): string {
  if (typeof config?.name !== 'string' || !NAME.test(config.name)) {
    throw new ConstructValidationError(scope, `EnvironmentConfig name ${quote(config?.name)} must be lowercase letters, digits and '-', starting with a letter, at most 31 characters, like "qa-2" (it names the stack and every Docker resource)`);
  }
  return config.name;
}
