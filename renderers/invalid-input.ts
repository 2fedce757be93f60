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
