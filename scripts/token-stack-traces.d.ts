/** Wraps `errorClass.prepareStackTrace` (or V8's own format) so that only real errors are formatted. */
export function skipTokenStackTraces(errorClass: { prepareStackTrace?: unknown }): void;
