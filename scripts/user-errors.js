// How the synth runner (run-ts.js, behind `npm run synth` and `npx cdktf synth`) reports a failure.
// A user error, bad input the library refused at synth, prints as its message alone: the Node stack
// trace and the source line of the library's `throw` say nothing to the user. A bug (TypeError...)
// keeps its trace. KVMS_DEBUG=1 prints the trace of user errors too.
'use strict';

// The library's error classes, by name (an error from another copy of the library is no instance of ours).
const USER_ERROR_NAMES = ['ConstructValidationError', 'InvalidInputError', 'EnvironmentFileError'];
// cdktf's errors for failed validations (the policy pack's among them) and for error annotations.
const VALIDATION_FAILED = 'Validation failed with the following errors:';
const ERROR_ANNOTATIONS = 'Encountered Annotations with level "ERROR":';
// cdktf's advice below a failed validation: skipping validation would skip the policy pack too.
const SKIP_VALIDATION_HINT = /\n+If you wish to ignore these validations, pass 'skipValidation: true' to your App configuration\.\n*$/;

/**
 * The library's own message inside cdktf's wrapping: a check that fails while a token resolves (a
 * check that runs again at synth) comes back as `Resolution error: <message>.` followed by the token's
 * "Object creation stack" (and once more per enclosing token).
 */
function unwrapResolutionError(message) {
  let text = message;
  const creation = text.indexOf('\nObject creation stack:');
  if (creation !== -1) text = text.slice(0, creation);
  let wrappers = 0;
  while (text.startsWith('Resolution error: ')) {
    text = text.slice('Resolution error: '.length);
    wrappers++;
  }
  // Each wrapper added a '.'; with creation stacks, only the innermost one is left before the stack.
  for (let dots = creation === -1 ? wrappers : Math.min(wrappers, 1); dots > 0 && text.endsWith('.'); dots--) text = text.slice(0, -1);
  return text;
}

/** What to print for a user error (its message), or `undefined` when `error` is not one (a bug). */
function userErrorMessage(error) {
  if (error === null || typeof error !== 'object' || typeof error.message !== 'string') return undefined;
  if (USER_ERROR_NAMES.includes(error.name)) return unwrapResolutionError(error.message);
  if (error.message.startsWith(VALIDATION_FAILED) || error.message.startsWith(ERROR_ANNOTATIONS)) {
    return error.message.replace(SKIP_VALIDATION_HINT, '').trimEnd();
  }
  return undefined;
}

/**
 * Reports an error that stopped the runner and exits 1: a user error as its message alone on stderr
 * (then, with KVMS_DEBUG=1, the whole error with its trace), anything else with its trace.
 */
function reportAndExit(error) {
  const message = userErrorMessage(error);
  const trace = error !== null && typeof error === 'object' && typeof error.stack === 'string' ? error.stack : String(error);
  if (message === undefined) process.stderr.write(`${trace}\n`);
  else process.stderr.write(process.env.KVMS_DEBUG ? `${message}\n\n${trace}\n` : `${message}\n`);
  process.exit(1);
}

module.exports = { reportAndExit, unwrapResolutionError, userErrorMessage };
