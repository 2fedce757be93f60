import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ARTICLE_SYSCTL_PRESET, SysctlProfile, SysctlSettings } from '../../renderers/sysctl-profile';

// The keys SysctlProfile knows must exist in a running kernel, and the ones it calls per network
// namespace must really be per namespace: visible and writable in a fresh network namespace (which is
// what a container gets, and what `docker run --sysctl` needs), without touching the host's value.
// Needs root and util-linux `unshare` (as in the project's integration environment).

function procPath(key: string): string {
  return path.join('/proc/sys', ...key.split('.'));
}

// Runs a shell snippet in a new, empty network namespace and returns its stdout.
function inNewNetns(script: string): string {
  return execFileSync('unshare', ['--net', 'sh', '-c', script], { encoding: 'utf8', timeout: 30_000 });
}

// A valid value for every namespaced key, different from common kernel defaults.
const NAMESPACED_VALUES: SysctlSettings = {
  'net.core.somaxconn': 1234,
  'net.ipv4.tcp_tw_reuse': 1,
  'net.ipv4.tcp_timestamps': 1,
  'net.ipv4.ip_local_port_range': [20000, 50001],
  'net.ipv4.ip_local_reserved_ports': [30000, [30100, 30110]],
  'net.ipv4.tcp_fin_timeout': 17,
  'net.ipv4.tcp_max_syn_backlog': 4321,
  'net.ipv4.tcp_max_tw_buckets': 54321,
  'net.ipv4.tcp_syncookies': 2,
  'net.ipv4.tcp_keepalive_time': 601,
  'net.ipv4.tcp_keepalive_intvl': 31,
  'net.ipv4.tcp_keepalive_probes': 6,
  'net.ipv4.tcp_slow_start_after_idle': 0,
  'net.ipv4.ip_forward': 1,
};

describe('sysctl keys against the running kernel', () => {
  it.each(SysctlProfile.knownKeys())('%s exists under /proc/sys', (key) => {
    expect(fs.existsSync(procPath(key))).toBe(true);
  });

  it("covers the article's preset", () => {
    for (const key of Object.keys(ARTICLE_SYSCTL_PRESET)) expect(fs.existsSync(procPath(key))).toBe(true);
  });

  it('sets a value for every namespaced key in this test', () => {
    const namespaced = SysctlProfile.knownKeys().filter((key) => SysctlProfile.describe(key).namespaced);
    expect(Object.keys(NAMESPACED_VALUES).sort()).toEqual(namespaced);
  });

  it('applies the rendered namespaced keys with sysctl -p inside a fresh network namespace, leaving the host alone', () => {
    // GIVEN a profile of only namespaced keys, rendered to a file
    const profile = new SysctlProfile({ preset: {}, overrides: NAMESPACED_VALUES });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sysctl-keys-'));
    try {
      const file = path.join(dir, `${profile.name}.conf`);
      fs.writeFileSync(file, profile.render());
      const hostBefore = fs.readFileSync(procPath('net.core.somaxconn'), 'utf8');
      // WHEN sysctl applies it in a new network namespace and reads every key back there
      const keys = Object.keys(profile.namespacedSysctls());
      const readBack = keys.map((key) => `printf '%s=' ${key}; cat ${procPath(key)}`).join('; ');
      const out = inNewNetns(`sysctl -q -p ${file} && ${readBack}`);
      // THEN each key holds the rendered value (sysctl prints ranges with a tab)
      const got = Object.fromEntries(
        out
          .trim()
          .split('\n')
          .map((line) => line.split('='))
          .map(([key, value]) => [key, value.replace(/\t/g, ' ')]),
      );
      expect(got).toEqual(profile.namespacedSysctls());
      // AND the host's own value did not change
      expect(fs.readFileSync(procPath('net.core.somaxconn'), 'utf8')).toBe(hostBefore);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps a value written in a network namespace apart from the host value (why containers need namespacedSysctls)', () => {
    const host = fs.readFileSync(procPath('net.ipv4.tcp_fin_timeout'), 'utf8').trim();
    const fresh = inNewNetns(`echo 17 > ${procPath('net.ipv4.tcp_fin_timeout')} && cat ${procPath('net.ipv4.tcp_fin_timeout')}`).trim();
    expect(fresh).toBe('17');
    expect(fs.readFileSync(procPath('net.ipv4.tcp_fin_timeout'), 'utf8').trim()).toBe(host);
  });
});
