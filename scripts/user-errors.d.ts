/** The library's own message inside cdktf's "Resolution error: ... Object creation stack" wrapping. */
export function unwrapResolutionError(message: string): string;
/** What to print for a user error (its message), or `undefined` when `error` is not one (a bug). */
export function userErrorMessage(error: unknown): string | undefined;
/** Prints a user error as its message alone (anything else with its trace) and exits 1. */
export function reportAndExit(error: unknown): never;
