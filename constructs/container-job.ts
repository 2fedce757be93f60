import { Container, ContainerVolumes } from '@cdktf/provider-docker/lib/container';
import { DockerProvider } from '@cdktf/provider-docker/lib/provider';
import { TerraformVariable, Token } from 'cdktf';
import { Construct } from 'constructs';
import { quote } from '../renderers/invalid-input';
import { FileUpload } from './container-service';
import { terraformLiteral } from './terraform-literal';
import { fail } from './validation';

const CONTAINER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** Props of `ContainerJob`. */
export interface ContainerJobProps {
  /** The Docker host the job runs on. */
  readonly provider: DockerProvider;
  /** Docker container name (unique per Docker host). */
  readonly containerName: string;
  /** Image, pinned. */
  readonly image: string;
  /** Command in exec form. */
  readonly command: string[];
  /**
   * The first line of the apply's error when the job exits non-zero; the job's output follows it.
   */
  readonly failureMessage: string;
  /**
   * Run in the network and process namespaces of this container (e.g. the gateway the job reloads):
   * the job sees its processes, its loopback and its name resolution. The job is replaced with it.
   * @default the job's own namespaces, on Docker's default bridge
   */
  readonly namespacesOf?: Container;
  /**
   * Plain environment variables.
   * @default none
   */
  readonly environment?: Record<string, string>;
  /**
   * Environment variables from sensitive Terraform variables.
   * @default none
   */
  readonly secretEnvironment?: Record<string, TerraformVariable>;
  /**
   * Files written into the container before it starts; a change of content runs the job again.
   * @default none
   */
  readonly uploads?: FileUpload[];
  /**
   * Mounts (named volumes or host paths).
   * @default none
   */
  readonly volumes?: ContainerVolumes[];
  /**
   * Memory limit in MiB.
   * @default 64
   */
  readonly memoryMiB?: number;
  /**
   * Resources the job runs after (Terraform addresses, e.g. `docker_container.x`).
   * @default none beyond its references
   */
  readonly dependsOn?: string[];
}

/**
 * A one-shot container that OpenTofu runs to completion on apply, and whose failure fails the apply
 * with the job's own output (a `postcondition` on its exit code, quoting its log). It runs again
 * whenever its content changes, and otherwise stays exited with the log of its last run
 * (`docker logs <name>`). The gateway's configuration activation and the database's login check are
 * jobs.
 */
export class ContainerJob extends Construct {
  /** The `docker_container` resource. */
  public readonly container: Container;
  /** Docker container name. */
  public readonly containerName: string;

  constructor(scope: Construct, id: string, props: ContainerJobProps) {
    super(scope, id);
    this.containerName = props.containerName;
    if (!Token.isUnresolved(props.containerName) && !CONTAINER_NAME.test(props.containerName)) {
      fail(this, `containerName ${quote(props.containerName)} must contain only letters, digits, '_', '.' and '-', starting with a letter or digit`);
    }
    if (props.command.length === 0) fail(this, 'command [] runs nothing: give the program and its arguments, e.g. [\'/bin/sh\', \'/kvms/job.sh\']');
    const memoryMiB = props.memoryMiB ?? 64;
    if (!Token.isUnresolved(memoryMiB) && !(Number.isInteger(memoryMiB) && memoryMiB >= 6)) {
      fail(this, `memoryMiB ${quote(memoryMiB)} must be an integer of at least 6 (Docker needs at least 6 MiB)`);
    }
    for (const [name, variable] of Object.entries(props.secretEnvironment ?? {})) {
      if (variable.sensitive !== true) fail(this, `secret environment variable ${quote(name)} takes variable '${variable.node.id}', which is not sensitive: declare it with sensitive: true`);
    }
    const namespaces = props.namespacesOf === undefined ? undefined : `container:${props.namespacesOf.id}`;
    this.container = new Container(this, 'container', {
      provider: props.provider,
      name: props.containerName,
      image: props.image,
      command: props.command.map(terraformLiteral),
      env: [
        ...Object.entries(props.environment ?? {}).map(([name, value]) => `${name}=${terraformLiteral(value)}`),
        ...Object.entries(props.secretEnvironment ?? {}).map(([name, variable]) => `${name}=${variable.stringValue}`),
      ],
      networkMode: namespaces,
      pidMode: namespaces,
      // Run to the end on apply and keep the output; a finished job is what we want, not a running one.
      attach: true,
      logs: true,
      mustRun: false,
      restart: 'no',
      // One raw stream: without a TTY Docker frames the log with binary headers.
      tty: true,
      memory: memoryMiB,
      memorySwap: memoryMiB,
      logDriver: 'json-file',
      logOpts: { 'max-size': '1m', 'max-file': '1' },
      upload: (props.uploads ?? []).map((u) => ({
        file: terraformLiteral(u.path),
        content: terraformLiteral(u.content),
        executable: u.executable === true ? true : undefined,
      })),
      volumes: props.volumes,
    });
    // A failed run stays in the state, and every plan repeats its error until the job runs again: on its
    // own when the configuration changes, else (the cause was fixed elsewhere) when it is replaced.
    const address = `${this.container.terraformResourceType}.${this.container.friendlyUniqueId}`;
    this.container.lifecycle = {
      postcondition: [{
        condition: '${self.exit_code == 0}',
        errorMessage: `${terraformLiteral(props.failureMessage)}\n\${self.container_logs}\nWhen the cause is fixed outside this configuration, run the check again: tofu apply -replace=${address}`,
      }],
    };
    if (props.dependsOn !== undefined && props.dependsOn.length > 0) this.container.dependsOn = [...props.dependsOn];
  }

  /** Runs the job after `address` too (a Terraform resource address). */
  public runAfter(address: string): void {
    const current = this.container.dependsOn ?? [];
    if (!current.includes(address)) this.container.dependsOn = [...current, address];
  }

  /**
   * Runs the job again whenever the resource at `address` is replaced (`replace_triggered_by` on its
   * id), even though nothing the job is made of changes.
   */
  public rerunWhenReplaced(address: string): void {
    const lifecycle = this.container.lifecycle ?? {};
    const trigger = `${address}.id`;
    const triggers = (lifecycle.replaceTriggeredBy ?? []).map(String);
    if (!triggers.includes(trigger)) this.container.lifecycle = { ...lifecycle, replaceTriggeredBy: [...triggers, trigger] };
  }
}
