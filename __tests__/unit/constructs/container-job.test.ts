import { Container } from '@cdktf/provider-docker/lib/container';
import { DockerProvider } from '@cdktf/provider-docker/lib/provider';
import { TerraformStack, TerraformVariable, Testing } from 'cdktf';
import { ContainerJob, ContainerJobProps } from '../../../constructs/container-job';
import { ALL_RULES } from '../../../policy';
import { findings } from '../policy/helpers';

function setup() {
  const stack = new TerraformStack(Testing.app(), 'dev');
  const provider = new DockerProvider(stack, 'docker', {});
  return { stack, provider };
}

/** GIVEN a stack WHEN one job is made with `props` THEN the job and its synthesized docker_container. */
function synthJob(props: Partial<ContainerJobProps> = {}) {
  const { stack, provider } = setup();
  const job = new ContainerJob(stack, 'migrate', {
    provider,
    containerName: 'dev-migrate',
    image: 'shop/migrate:1.0',
    command: ['/bin/sh', '/kvms/migrate.sh'],
    failureMessage: 'the migration failed:',
    ...props,
  });
  const json = () => JSON.parse(Testing.synth(stack)).resource.docker_container[job.container.friendlyUniqueId];
  return { stack, provider, job, json };
}

describe('ContainerJob', () => {
  test('runs once to the end on apply, keeps its log, and fails the apply with the message and the log', () => {
    const { job, json } = synthJob();
    expect(json()).toEqual({
      provider: 'docker',
      name: 'dev-migrate',
      image: 'shop/migrate:1.0',
      command: ['/bin/sh', '/kvms/migrate.sh'],
      env: [],
      upload: [],
      attach: true,
      logs: true,
      must_run: false,
      restart: 'no',
      tty: true,
      memory: 64,
      memory_swap: 64,
      log_driver: 'json-file',
      log_opts: { 'max-size': '1m', 'max-file': '1' },
      lifecycle: {
        postcondition: [{ condition: '${self.exit_code == 0}', error_message: 'the migration failed:\n${self.container_logs}\nWhen the cause is fixed outside this configuration, run the check again: tofu apply -replace=docker_container.migrate_container_A786D85D' }],
      },
    });
    expect(job.containerName).toBe('dev-migrate');
  });

  test('namespacesOf runs it in the network and process namespaces of another container', () => {
    const { stack, provider } = setup();
    const db = new Container(stack, 'db', { provider, name: 'dev-db', image: 'mariadb:10.11' });
    const job = new ContainerJob(stack, 'check', { provider, containerName: 'dev-db-check', image: 'mariadb:10.11', command: ['true'], failureMessage: 'no', namespacesOf: db });
    const json = JSON.parse(Testing.synth(stack)).resource.docker_container[job.container.friendlyUniqueId];
    expect(json.network_mode).toBe('container:${docker_container.db.id}');
    expect(json.pid_mode).toBe('container:${docker_container.db.id}');
  });

  test('environment, secrets by reference, uploads, volumes and memory', () => {
    const { stack, provider } = setup();
    const password = new TerraformVariable(stack, 'db_password', { type: 'string', sensitive: true });
    const job = new ContainerJob(stack, 'migrate', {
      provider,
      containerName: 'dev-migrate',
      image: 'shop/migrate:1.0',
      command: ['sh', '-c', 'echo ${HOME}'],
      failureMessage: 'failed',
      environment: { DB_HOST: 'db' },
      secretEnvironment: { DB_PASSWORD: password },
      uploads: [{ path: '/kvms/a.sql', content: 'SELECT "${x}";' }, { path: '/kvms/run.sh', content: '#!/bin/sh\n', executable: true }],
      volumes: [{ hostPath: '/opt/data/migrations', containerPath: '/migrations', readOnly: true }],
      memoryMiB: 128,
    });
    const json = JSON.parse(Testing.synth(stack)).resource.docker_container[job.container.friendlyUniqueId];
    expect(json).toMatchObject({
      command: ['sh', '-c', 'echo $${HOME}'],
      env: ['DB_HOST=db', 'DB_PASSWORD=${var.db_password}'],
      upload: [{ file: '/kvms/a.sql', content: 'SELECT "$${x}";' }, { file: '/kvms/run.sh', content: '#!/bin/sh\n', executable: true }],
      volumes: [{ host_path: '/opt/data/migrations', container_path: '/migrations', read_only: true }],
      memory: 128,
      memory_swap: 128,
    });
  });

  test('the failure message is literal text for Terraform', () => {
    const { json } = synthJob({ failureMessage: 'job ${name} failed:' });
    expect(json().lifecycle.postcondition[0].error_message).toBe('job $${name} failed:\n${self.container_logs}\nWhen the cause is fixed outside this configuration, run the check again: tofu apply -replace=docker_container.migrate_container_A786D85D');
  });

  test('dependsOn and runAfter order it after other resources, each once', () => {
    const { job, json } = synthJob({ dependsOn: ['docker_container.a'] });
    job.runAfter('docker_container.b');
    job.runAfter('docker_container.a');
    expect(json().depends_on).toEqual(['docker_container.a', 'docker_container.b']);
  });

  test('rerunWhenReplaced adds replace_triggered_by on the id, once, and keeps the postcondition', () => {
    const { job, json } = synthJob();
    job.rerunWhenReplaced('docker_container.a');
    job.rerunWhenReplaced('docker_container.b');
    job.rerunWhenReplaced('docker_container.a');
    expect(json().lifecycle).toEqual({
      postcondition: [{ condition: '${self.exit_code == 0}', error_message: 'the migration failed:\n${self.container_logs}\nWhen the cause is fixed outside this configuration, run the check again: tofu apply -replace=docker_container.migrate_container_A786D85D' }],
      replace_triggered_by: ['docker_container.a.id', 'docker_container.b.id'],
    });
  });

  test('complies with every container rule of the policy: a one-shot job is meant to stay exited', () => {
    const { job } = synthJob();
    for (const rule of ALL_RULES) expect(findings(rule, job.container)).toEqual([]);
  });

  test('fails when a secret comes from a variable that is not sensitive', () => {
    const { stack, provider } = setup();
    const plain = new TerraformVariable(stack, 'db_password', { type: 'string' });
    expect(() => new ContainerJob(stack, 'migrate', {
      provider, containerName: 'dev-migrate', image: 'shop/migrate:1.0', command: ['true'], failureMessage: 'x', secretEnvironment: { DB_PASSWORD: plain },
    })).toThrow("ContainerJob [dev/migrate]: secret environment variable \"DB_PASSWORD\" takes variable 'db_password', which is not sensitive: declare it with sensitive: true");
  });

  test('fails when the container name is invalid', () => {
    expect(() => synthJob({ containerName: '../migrate' })).toThrow(
      "ContainerJob [dev/migrate]: containerName \"../migrate\" must contain only letters, digits, '_', '.' and '-', starting with a letter or digit",
    );
  });

  test('fails when the command is empty', () => {
    expect(() => synthJob({ command: [] })).toThrow(
      "ContainerJob [dev/migrate]: command [] runs nothing: give the program and its arguments, e.g. ['/bin/sh', '/kvms/job.sh']",
    );
  });

  test('fails when memoryMiB is below what Docker needs', () => {
    expect(() => synthJob({ memoryMiB: 4 })).toThrow('ContainerJob [dev/migrate]: memoryMiB 4 must be an integer of at least 6 (Docker needs at least 6 MiB)');
  });
});
