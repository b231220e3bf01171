#!/usr/bin/env bash
# `npm test`: system programs the tests need, then build, lint, type check and every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-deps.sh
bash scripts/podman-setup.sh
npm run -s build
npm run -s lint
npm run -s typecheck
npx vitest run "$@"
