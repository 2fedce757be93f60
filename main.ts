import { App } from 'cdktf';
import { applyPolicy } from './policy';
import { EnvironmentConfig } from './stacks/environment-config';
import { loadEnvironmentFile } from './stacks/environment-file';
import { EnvironmentStack } from './stacks/environment-stack';
import { DEFAULT_ENVIRONMENTS } from './stacks/environments';

// The default environments, plus any JSON/YAML environment files listed in KVMS_ENVIRONMENT_FILES
// (comma-separated); a file's environment replaces a default of the same name.
const files = (process.env.KVMS_ENVIRONMENT_FILES ?? '').split(',').filter((f) => f.trim() !== '');
const fromFiles = files.map((f) => loadEnvironmentFile(f.trim()));
fromFiles.forEach((config, i) => {
  const first = fromFiles.findIndex((other) => other.name === config.name);
  if (first !== i) {
    throw new Error(`environment files ${files[first].trim()} and ${files[i].trim()} both define the environment "${config.name}"; rename one of them`);
  }
});
const environments: EnvironmentConfig[] = [
  ...DEFAULT_ENVIRONMENTS.filter((d) => !fromFiles.some((f) => f.name === d.name)),
  ...fromFiles,
];

// No stack traces in the construct metadata: they cost a third of the synth time and are never read.
const app = new App({ stackTraces: false });
for (const config of environments) new EnvironmentStack(app, config);
// The rule pack: an error finding in any stack stops the synth before anything is written. Until
// EnvironmentStack declares Redundancy from its tier, staging and prod are named here.
applyPolicy(app, { redundantEnvironments: ['staging', 'prod'] });
app.synth();
