import { requireShellSafe, shellCommand, shellQuote } from '../../../renderers/shell';

describe('shellQuote', () => {
  it('leaves words made of safe characters bare', () => {
    expect(shellQuote('/etc/sysctl.d/90-microservices.conf')).toBe('/etc/sysctl.d/90-microservices.conf');
    expect(shellQuote('user@host:22')).toBe('user@host:22');
  });

  it('single-quotes words with spaces, dollars, backticks and newlines', () => {
    expect(shellQuote('a b')).toBe("'a b'");
    expect(shellQuote('$(rm -rf /)')).toBe("'$(rm -rf /)'");
    expect(shellQuote('`id`;x')).toBe("'`id`;x'");
    expect(shellQuote('line1\nline2')).toBe("'line1\nline2'");
  });

  it("writes a single quote as '\\''", () => {
    expect(shellQuote("it's")).toBe("'it'\\''s'");
  });

  it('quotes the empty string as an empty word', () => {
    expect(shellQuote('')).toBe("''");
  });

  it('fails when the value contains a NUL byte', () => {
    expect(() => shellQuote('a\0b')).toThrow(
      'shell argument "a\\u0000b" contains a NUL byte, which no shell argument can carry; remove it',
    );
  });
});

describe('shellCommand', () => {
  it('quotes each word and joins them with spaces', () => {
    expect(shellCommand('usermod', '-aG', 'docker', 'admin')).toBe('usermod -aG docker admin');
    expect(shellCommand('echo', 'a b', "c'd")).toBe("echo 'a b' 'c'\\''d'");
  });
});

describe('requireShellSafe', () => {
  it('returns a value made of safe characters', () => {
    expect(requireShellSafe('user', 'deploy_1', 'fix it')).toBe('deploy_1');
  });

  it('fails when the value has a character the shell would interpret', () => {
    expect(() => requireShellSafe('user', 'a;b', 'use a plain name')).toThrow(
      `user "a;b" is not safe in a shell command (allowed: letters, digits and _ @ % + = : , . / -, not starting with '-'); use a plain name`,
    );
  });

  it('fails when the value starts with a dash, which a command would read as an option', () => {
    expect(() => requireShellSafe('user', '-rf', 'use a plain name')).toThrow(
      `user "-rf" is not safe in a shell command (allowed: letters, digits and _ @ % + = : , . / -, not starting with '-'); use a plain name`,
    );
  });

  it('fails when the value is empty', () => {
    expect(() => requireShellSafe('user', '', 'use a plain name')).toThrow(
      `user "" is not safe in a shell command (allowed: letters, digits and _ @ % + = : , . / -, not starting with '-'); use a plain name`,
    );
  });
});
