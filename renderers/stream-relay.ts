// Interim relay renderer; replaced by the full one (validation, options) when it lands.
import { UpstreamServer } from './nginx-config';

export interface StreamRelayListener {
  readonly name: string;
  readonly port: number;
  readonly listenAddress?: string;
  readonly servers: readonly UpstreamServer[];
  readonly connectTimeoutSeconds?: number;
  readonly idleTimeoutSeconds?: number;
}

export interface StreamRelayModel {
  readonly listeners: readonly StreamRelayListener[];
  readonly modules?: readonly string[];
  readonly process?: { readonly workerShutdownTimeoutSeconds?: number; readonly workerConnections?: number };
}

export function renderStreamRelayConfig(model: StreamRelayModel): string {
  const lines: string[] = [
    ...(model.modules ?? []).map((m) => `load_module ${m};`),
    'worker_processes auto;',
    'pid /run/nginx.pid;',
    'error_log stderr warn;',
    ...(model.process?.workerShutdownTimeoutSeconds !== undefined ? [`worker_shutdown_timeout ${model.process.workerShutdownTimeoutSeconds}s;`] : []),
    '',
    'events {',
    `    worker_connections ${model.process?.workerConnections ?? 4096};`,
    '}',
    '',
    'stream {',
  ];
  for (const l of model.listeners) {
    lines.push(`    upstream ${l.name} {`);
    for (const s of l.servers) lines.push(`        server ${s.host}:${s.port} max_fails=${s.maxFails ?? 3} fail_timeout=${s.failTimeoutSeconds ?? 30}s;`);
    lines.push('    }', '    server {', `        listen ${l.listenAddress === undefined ? '' : `${l.listenAddress}:`}${l.port};`, `        proxy_pass ${l.name};`,
      `        proxy_connect_timeout ${l.connectTimeoutSeconds ?? 2}s;`, '        proxy_next_upstream on;', '        proxy_next_upstream_tries 3;',
      `        proxy_timeout ${l.idleTimeoutSeconds ?? 600}s;`, '    }');
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}
