#!/bin/sh
# The whole suite, part by part: type check, lint, the vitest projects (unit: in-process only; integration:
# against moto; infra: Pulumi mocks; e2e: the CLI with its own emulator and Spark), then the Glue job's
# pytest. Every part runs even when an earlier one fails; the last line gives each part's time and result,
# and the exit status is non-zero if any part failed. `sh scripts/test.sh unit infra` runs only those parts.
set -eu
cd "$(dirname "$0")/.."
PATH="$PWD/node_modules/.bin:$PATH"
sh scripts/setup-browser.sh

has_lint_script() {
  node -e 'process.exit(require("./package.json").scripts?.lint ? 0 : 1)'
}

part_cmd() {
  case "$1" in
    tsc) echo 'tsc --noEmit -p tsconfig.json' ;;
    lint) if has_lint_script; then echo 'npm run -s lint'; fi ;;
    unit | integration | infra | e2e) echo "vitest run --project $1" ;;
    pytest) echo '.venv/bin/python -m pytest -q test/glue' ;;
    *) echo "test.sh: unknown part '$1' (parts: tsc lint unit integration infra e2e pytest)" >&2; exit 2 ;;
  esac
}

parts=${*:-tsc lint unit integration infra e2e pytest}
summary=''
failed=''
started_all=$(date +%s)
for part in $parts; do
  cmd=$(part_cmd "$part")
  if [ -z "$cmd" ]; then
    summary="$summary, $part skipped (no npm script)"
    continue
  fi
  echo "test.sh: $part: $cmd" >&2
  started=$(date +%s)
  if sh -c "$cmd"; then result=ok; else result=FAILED; failed="$failed $part"; fi
  summary="$summary, $part $(($(date +%s) - started))s $result"
done
echo "test.sh: ${summary#, }; total $(($(date +%s) - started_all))s${failed:+; failed:$failed}"
[ -z "$failed" ]
