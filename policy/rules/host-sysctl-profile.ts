import type { DockerProvider } from '@cdktf/provider-docker/lib/provider';
import { TerraformStack } from 'cdktf';
import { resolve } from 'cdktf/lib/_tokens';
import { IConstruct } from 'constructs';
import { parse } from 'yaml';
import { isDockerProvider } from '../../constructs/identity';
import { KvmHost } from '../../constructs/kvm-host';
import { TunedServer } from '../../constructs/tuned-server';
import { ARTICLE_SYSCTL_PRESET, SysctlProfile } from '../../renderers/sysctl-profile';
import { Finding, PolicyRule, isReference } from '../rule';

const ARTICLE_KEYS = Object.keys(ARTICLE_SYSCTL_PRESET) as (keyof typeof ARTICLE_SYSCTL_PRESET)[];

function missingKeys(profile: SysctlProfile): string[] {
  return ARTICLE_KEYS.filter((k) => profile.get(k) === undefined);
}

function kvmHostFindings(host: KvmHost): Finding[] {
  const findings: Finding[] = [];
  const profile = host.cloudInit.profile;
  const userData = parse(host.userData.replace(/^#cloud-config\n/, '')) as { write_files?: { path?: string }[]; runcmd?: unknown[] };
  const writes = (userData.write_files ?? []).some((f) => f.path === profile.filePath);
  const applies = (userData.runcmd ?? []).includes('sysctl --system');
  if (!writes || !applies) {
    findings.push({ message: `cloud-init does not ${writes ? 'apply' : 'write'} the sysctl profile ${profile.filePath}: keep the CloudInitConfig's write_files and runcmd ('sysctl --system')` });
  }
  const missing = missingKeys(profile);
  if (missing.length > 0) {
    findings.push({ message: `the host's sysctl profile leaves ${missing.join(', ')} at the kernel default: keep the article's preset (new SysctlProfile()) or set them in overrides` });
  }
  return findings;
}

function tunedServerFindings(server: TunedServer): Finding[] {
  const missing = missingKeys(server.profile);
  const applies = server.script.includes(server.profile.filePath) && server.script.includes('sysctl --system');
  const findings: Finding[] = [];
  if (!applies) findings.push({ message: `the tuning script does not write and apply ${server.profile.filePath}: use the tuningScript of renderers/cloud-init.ts` });
  if (missing.length > 0) {
    findings.push({ message: `the server's sysctl profile leaves ${missing.join(', ')} at the kernel default: keep the article's preset (new SysctlProfile()) or set them in overrides` });
  }
  return findings;
}

/** A Docker host reached over SSH must be tuned by a KvmHost or a TunedServer of the same stack. */
function dockerHostFindings(provider: DockerProvider): Finding[] {
  const url = resolve(TerraformStack.of(provider), provider.host) as unknown;
  if (typeof url !== 'string' || isReference(url)) return [];
  const m = /^ssh:\/\/[^@]+@(\[[^\]]+\]|[^:/]+)/.exec(url);
  if (m === null) return [];
  const address = m[1].replace(/^\[(.*)\]$/, '$1');
  const tuned = TerraformStack.of(provider).node.findAll().some((c) =>
    (KvmHost.isKvmHost(c) && c.address === address) || (TunedServer.isTunedServer(c) && c.host === address));
  if (tuned) return [];
  return [{
    message: `Docker host ${url} is not tuned by any KvmHost or TunedServer in this stack: add a TunedServer for ${JSON.stringify(address)} so its kernel gets the sysctl profile`,
  }];
}

/** Every host the stack runs containers on has the sysctl profile applied (the article's kernel tuning). */
export const hostSysctlProfile: PolicyRule = {
  id: 'host-sysctl-profile',
  level: 'error',
  description: "Every host has the sysctl profile applied (the article's somaxconn, tcp_tw_reuse, port range and file-max).",
  check(node: IConstruct): Finding[] {
    if (KvmHost.isKvmHost(node)) return kvmHostFindings(node);
    if (TunedServer.isTunedServer(node)) return tunedServerFindings(node);
    if (isDockerProvider(node)) return dockerHostFindings(node);
    return [];
  },
};
