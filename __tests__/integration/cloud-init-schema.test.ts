import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse } from 'yaml';
import { CloudInitConfig, CloudInitConfigProps } from '../../renderers/cloud-init';
import { SysctlProfile } from '../../renderers/sysctl-profile';

// Every user-data the renderer can produce must pass the real validator, cloud-init 22.4's
// `cloud-init schema --config-file <f>`: exit 0 and "Valid cloud-config: <f>" on stdout; on errors it
// exits 1 and prints "Cloud config schema errors: ..." on stderr. Unknown top-level keys pass that
// check silently, so the keys are also checked against cloud-init's own schema.

const ED25519 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIZKr13k7dY5Fz+G+pbLiadrE85vh8FM2F0M3FgpPUYx ops@example.com';
const RSA =
  'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQCoA3G0A4w7Z4Ts4wOteDcEWpMRTOrhgTza9gixn56tGK56y3Nh822TTjtjn3UML8jEkoPfdDOb3utvxqfbj48yUonPmuzUra2ePfiKF5CPgje2yv7hlJKYkNMMzbrbX0qiUJskVW2hWM9ieVXkEBhHYsmvXvFdjjoFwi/qXeGEpw== old';

const VARIANTS: Record<string, CloudInitConfigProps> = {
  defaults: { sshAuthorizedKeys: [ED25519] },
  'two keys, custom user and host name': { sshAuthorizedKeys: [ED25519, RSA], adminUser: 'deploy', hostname: 'kvm-host-1.example.com' },
  'a data disk': { sshAuthorizedKeys: [ED25519], dataDisk: { device: '/dev/vdb', mountPath: '/srv/data' } },
  'every known sysctl, extras and several machine types': {
    sshAuthorizedKeys: [RSA],
    allowedVirtualization: ['kvm', 'amazon', 'none'],
    profile: new SysctlProfile({
      name: '60-everything',
      overrides: {
        'net.core.netdev_max_backlog': 5000,
        'net.ipv4.tcp_timestamps': 1,
        'net.ipv4.ip_local_port_range': [10000, 65001],
        'net.ipv4.ip_local_reserved_ports': [3306, [8080, 8089]],
        'net.ipv4.tcp_fin_timeout': 15,
        'net.ipv4.tcp_max_syn_backlog': 8192,
        'net.ipv4.tcp_max_tw_buckets': 400000,
        'net.ipv4.tcp_syncookies': 1,
        'net.ipv4.tcp_keepalive_time': 600,
        'net.ipv4.tcp_keepalive_intvl': 30,
        'net.ipv4.tcp_keepalive_probes': 5,
        'net.ipv4.tcp_slow_start_after_idle': 0,
        'net.ipv4.ip_forward': 1,
        'fs.nr_open': 1048576,
        'fs.inotify.max_user_watches': 524288,
        'vm.swappiness': 10,
        'vm.max_map_count': 262144,
      },
      extra: { 'kernel.pid_max': 4194304, 'net.ipv4.tcp_rmem': '4096 87380 6291456' },
    }),
  },
  'an empty profile': { sshAuthorizedKeys: [ED25519], profile: new SysctlProfile({ preset: {} }) },
  'key comments with letters beyond ASCII': { sshAuthorizedKeys: [ED25519.replace('ops@example.com', 'jörg@eksempel.no'), RSA.replace(' old', ' 山田 Åse')] },
};

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloud-init-schema-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function schema(file: string) {
  return spawnSync('cloud-init', ['schema', '--config-file', file], { encoding: 'utf8', timeout: 60_000 });
}

// The top-level keys cloud-init's JSON schema defines, read through cloud-init's own Python.
function knownTopLevelKeys(): Set<string> {
  const launcher = execFileSync('sh', ['-c', 'command -v cloud-init'], { encoding: 'utf8' }).trim();
  const python = fs.readFileSync(launcher, 'utf8').split('\n')[0].replace(/^#!\s*/, '').trim();
  const program = [
    'import json',
    'from cloudinit.config.schema import get_schema',
    's = get_schema()',
    'keys = set(s.get("properties", {}))',
    'for part in s.get("allOf", []):',
    '    ref = part.get("$ref", "").split("/")[-1]',
    '    keys |= set(s.get("$defs", {}).get(ref, {}).get("properties", {}))',
    'print(json.dumps(sorted(keys)))',
  ].join('\n');
  return new Set(JSON.parse(execFileSync(python, ['-c', program], { encoding: 'utf8', timeout: 60_000 })));
}

describe('rendered user-data passes cloud-init schema', () => {
  it.each(Object.keys(VARIANTS))('%s', (name) => {
    // GIVEN a rendered user-data file
    const config = new CloudInitConfig(VARIANTS[name]);
    const file = path.join(dir, `${name.replace(/[^a-z0-9]+/g, '-')}.yaml`);
    fs.writeFileSync(file, config.renderUserData());
    // WHEN cloud-init validates it THEN it is valid, with no deprecation notice
    const result = schema(file);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(`Valid cloud-config: ${file}\n`);
    expect(result.status).toBe(0);
    // AND the document round-trips through a YAML parser to the model
    expect(parse(config.renderUserData())).toEqual(config.userDataModel());
    // AND the meta-data carries the instance id
    expect(parse(config.renderMetaData())['instance-id']).toBe(config.instanceId);
  });

  it('uses only top-level keys that cloud-init knows (unknown keys would pass schema unnoticed)', () => {
    const known = knownTopLevelKeys();
    const used = Object.keys(new CloudInitConfig(VARIANTS.defaults).userDataModel());
    expect(used.filter((key) => !known.has(key))).toEqual([]);
    expect(known.has('runcmd')).toBe(true);
  });

  it('reports a broken document (the check is real)', () => {
    const file = path.join(dir, 'broken.yaml');
    fs.writeFileSync(file, '#cloud-config\nusers:\n  - name: admin\n    lock_passwd: "maybe"\nruncmd: sysctl --system\n');
    const result = schema(file);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('Cloud config schema errors:');
    expect(result.stderr).toContain("runcmd: 'sysctl --system' is not of type 'array'");
  });
});
