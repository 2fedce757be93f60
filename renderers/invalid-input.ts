/**
 * Thrown by the pure models and renderers when a value cannot be rendered safely. The message names
 * the setting, quotes the bad value and says how to fix it; constructs prefix it with their path
 * (see `constructs/validation.ts`).
 */
export class InvalidInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidInputError';
  }
}

/** Quotes a user value for an error message, so empty strings and whitespace stay visible. */
export function quote(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/**
 * Checks a value that TypeScript types as a union of literals (`'kvm' | 'qemu'`, a boolean) but that
 * JavaScript callers and parsed files can give as anything. Returns it; throws `InvalidInputError`
 * naming `setting`, the value and the allowed values otherwise.
 */
export function requireOneOf<T extends string | number | boolean>(setting: string, value: unknown, allowed: readonly T[]): T {
  if ((allowed as readonly unknown[]).includes(value)) return value as T;
  const choices = allowed.length === 2 && allowed.every((a) => typeof a === 'boolean') ? 'true or false' : `one of ${allowed.map(quote).join(', ')}`;
  const shown = typeof value === 'object' && value !== null ? JSON.stringify(value) : quote(value);
  throw new InvalidInputError(`${setting} ${shown} must be ${choices}`);
}
