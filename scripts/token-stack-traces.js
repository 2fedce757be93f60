// cdktf records a creation stack trace for every token (Lazy, references, functions) and prints it only
// when a token fails to resolve. Formatting those traces is half the synth time of a large app, and
// most of a unit test's time under Jest, whose source-map support rewrites every frame. They are
// captured on plain objects, never on Errors, so they get an empty trace while real errors keep theirs.
// KVMS_TOKEN_STACKS=1 keeps them (when debugging a token that does not resolve).
'use strict';
const { isNativeError } = require('util').types;

/** Wraps `ErrorClass.prepareStackTrace` (or V8's own format) so that only real errors are formatted. */
function skipTokenStackTraces(ErrorClass) {
  if (process.env.KVMS_TOKEN_STACKS) return;
  const format = ErrorClass.prepareStackTrace;
  ErrorClass.prepareStackTrace = (error, callsites) => {
    if (!isNativeError(error)) return '';
    return format ? format(error, callsites) : `${error}${callsites.map((c) => `\n    at ${c}`).join('')}`;
  };
}

module.exports = { skipTokenStackTraces };
