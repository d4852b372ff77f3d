#!/usr/bin/env bash
# The test command: system packages if missing, a fresh build, then every vitest suite.
# Ends with one plain `N passed, N failed, N skipped` line (from vitest's JSON reports) so any
# CI reads the count; the exit status is non-zero when any run failed.
#
# The fault matrix runs on its own, after the rest (then the package and reaper tests, heavy for
# a minute: npm pack and install, a nested vitest): it holds pdbg to "exits within 10 s of a
# signal" while killing it mid-step, and with the other worker running the heaviest suites
# beside it (60 MiB agent reads, a 2 GiB sparse debug file, FUSE mounts) a 2-core machine can
# starve a case past that bound. Alone, the bound measures pdbg, not the neighbours.
# Arguments (test files, -t filters) run as one vitest invocation, as given.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-deps.sh
npx tsc -p tsconfig.json
npx tsc -p tsconfig.test.json   # the tests themselves, strict, no output
mkdir -p .cache
rm -f .cache/vitest-report*.json
status=0
if [ $# -gt 0 ]; then
  npx vitest run --project live --reporter=default --reporter=json --outputFile.json=.cache/vitest-report.json "$@" || status=$?
else
  npx vitest run --project live --reporter=default --reporter=json --outputFile.json=.cache/vitest-report.json --exclude test/fault-matrix.test.ts --exclude test/package.test.ts --exclude test/reaper.test.ts || status=$?
  npx vitest run --project live --reporter=default --reporter=json --outputFile.json=.cache/vitest-report-matrix.json test/fault-matrix.test.ts || status=$?
  # npm pack + install and a nested vitest: heavy for a minute, so beside nothing timing-sensitive.
  npx vitest run --project live --reporter=default --reporter=json --outputFile.json=.cache/vitest-report-heavy.json test/package.test.ts test/reaper.test.ts || status=$?
fi
node -e '
  const fs = require("fs");
  let passed = 0, failed = 0, skipped = 0, reports = 0;
  for (const f of fs.readdirSync(".cache").filter((n) => /^vitest-report.*\.json$/.test(n))) {
    const r = JSON.parse(fs.readFileSync(`.cache/${f}`, "utf8"));
    passed += r.numPassedTests; failed += r.numFailedTests; skipped += r.numPendingTests + r.numTodoTests; reports++;
  }
  if (reports) console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
'
exit "$status"
