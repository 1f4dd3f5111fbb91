#!/usr/bin/env bash
# `npm test`: typecheck, lint, then every vitest suite against the real counterparts; ends with
# one plain "N passed, N failed, N skipped" line.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
mkdir -p .data
echo "== typecheck"; npx tsc --noEmit && npx tsc --noEmit -p console || exit 1
echo "== lint"; npx eslint . || exit 1
echo "== tests"
npx vitest run --reporter=default --reporter=json --outputFile.json=.data/vitest-report.json "$@"
status=$?
if [[ -f .data/vitest-report.json ]]; then
  node -e '
    const r = require(process.argv[1]);
    const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
    console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
  ' "$root/.data/vitest-report.json"
fi
exit $status
