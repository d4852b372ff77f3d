#!/usr/bin/env bash
# The test command: system packages if missing, a fresh build, then every vitest suite.
# Ends with one plain `N passed, N failed, N skipped` line (from vitest's JSON report) so any
# CI reads the count; the exit status is vitest's.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-deps.sh
npx tsc -p tsconfig.json
npx tsc -p tsconfig.test.json   # the tests themselves, strict, no output
mkdir -p .cache
report=.cache/vitest-report.json
rm -f "$report"
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@" || status=$?
if [ -f "$report" ]; then
  node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const skipped = r.numPendingTests + r.numTodoTests;
    console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
  ' "$report"
fi
exit "$status"
