#!/usr/bin/env bash
# `npm test`: type-checks the whole project and runs the unit and snapshot tests, side by side (the
# type-check of the generated libvirt bindings takes as long as the tests; two cores do both at once).
# Arguments go to jest, e.g. `npm test -- -u` or `npm test -- __tests__/unit/stacks`.
set -u
cd "$(dirname "$0")/.."
mkdir -p node_modules/.cache
npx tsc -p tsconfig.json --noEmit > node_modules/.cache/typecheck.log 2>&1 &
typecheck=$!
npx jest "$@" --selectProjects unit
tests=$?
if wait "$typecheck"; then typechecked=0; else typechecked=1; fi
if [ "$typechecked" -ne 0 ]; then echo "npm test: the type-check failed:" >&2; cat node_modules/.cache/typecheck.log >&2; fi
[ "$tests" -eq 0 ] && [ "$typechecked" -eq 0 ]
