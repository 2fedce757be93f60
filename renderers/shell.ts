import { InvalidInputError, quote } from './invalid-input';

// Words made only of these characters mean the same to a POSIX shell quoted or not.
const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * Quotes a value as one POSIX shell word, so it reaches the command as exactly one argument whatever
 * it contains (spaces, quotes, `$`, backticks, newlines). Safe words stay bare for readability; anything
 * else is single-quoted, with each `'` written as `'\''`. A NUL byte cannot be passed in an argument at
 * all, so it is refused.
 */
export function shellQuote(value: string): string {
  if (value.includes('\0')) {
    throw new InvalidInputError(`shell argument ${quote(value)} contains a NUL byte, which no shell argument can carry; remove it`);
  }
  if (value === '') return "''";
  if (SAFE_WORD.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Joins words into one shell command line, quoting each with `shellQuote`. */
export function shellCommand(...words: readonly string[]): string {
  return words.map(shellQuote).join(' ');
}

/**
 * Validates a value that is spliced into a shell command as a bare identifier (a user name, a
 * virtualization id, a file name): only `A-Z a-z 0-9 _ @ % + = : , . / -`, not empty, and not starting
 * with `-` (which a command would read as an option). Returns the value; throws `InvalidInputError`
 * naming `setting` otherwise. Values with any other character must go through `shellQuote` instead.
 */
export function requireShellSafe(setting: string, value: string, fix: string): string {
  if (!SAFE_WORD.test(value) || value.startsWith('-')) {
    throw new InvalidInputError(
      `${setting} ${quote(value)} is not safe in a shell command (allowed: letters, digits and _ @ % + = : , . / -, not starting with '-'); ${fix}`,
    );
  }
  return value;
}
