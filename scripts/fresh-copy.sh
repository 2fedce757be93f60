#!/usr/bin/env bash
# Copies the working tree into DEST as a fresh clone of it would have it: tracked files and new files
# .gitignore does not exclude, as they are on disk (so uncommitted work is in), never node_modules,
# cdktf.out, dist or state. For tests that start from a clean checkout.
#   scripts/fresh-copy.sh DEST
set -euo pipefail
dest=${1:?usage: scripts/fresh-copy.sh DEST}
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$dest"
cd "$root"
git ls-files -z --cached --others --exclude-standard \
  | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done \
  | tar --null -T - -cf - | tar -xf - -C "$dest"
