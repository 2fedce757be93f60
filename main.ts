import { App } from 'cdktf';
import { applyPolicy } from './policy';
import { loadEnvironments } from './stacks/environment-file';
import { EnvironmentStack } from './stacks/environment-stack';
import { DEFAULT_ENVIRONMENTS } from './stacks/environments';

// The default environments, plus any JSON/YAML environment files listed in KVMS_ENVIRONMENT_FILES
// (comma-separated); a file's environment replaces a default of the same name.
const environments = loadEnvironments({ defaults: DEFAULT_ENVIRONMENTS });

// No stack traces in the construct metadata: they cost a third of the synth time and are never read.
const app = new App({ stackTraces: false });
for (const config of environments) new EnvironmentStack(app, config);
// The rule pack: an error finding in any stack stops the synth before anything is written; staging and
// production tiers are held to the redundancy rules (EnvironmentStack declares them).
applyPolicy(app);
app.synth();
