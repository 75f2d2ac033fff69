#!/bin/sh
# The whole suite: lint (biome, knip, ruff), TypeScript (unit, integration against moto, infra mocks, e2e), then the Glue job's pytest.
set -eu
cd "$(dirname "$0")/.."
sh scripts/setup-browser.sh
npm run --silent lint
tsc --noEmit -p tsconfig.json
vitest run
.venv/bin/python -m pytest -q test/glue
