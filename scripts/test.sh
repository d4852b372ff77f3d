#!/usr/bin/env bash
# The test command: system packages if missing, a fresh build, then every vitest suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-deps.sh
npx tsc -p tsconfig.json
exec npx vitest run "$@"
