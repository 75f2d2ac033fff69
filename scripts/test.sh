#!/bin/sh
# The whole suite, part by part: type check, lint, the vitest projects (unit: in-process only; integration:
# against moto; infra: Pulumi mocks; e2e: the CLI with its own emulator and Spark), then the Glue job's
# pytest. The vitest projects run in one vitest run, side by side on its two workers as they always did;
# the summary gives that run's wall time and each project's own file time. Every part runs even when an
# earlier one fails; the last line gives each part's time and result, and the exit status is non-zero if
# any part failed. `sh scripts/test.sh unit infra` runs only the parts named.
set -eu
cd "$(dirname "$0")/.."
PATH="$PWD/node_modules/.bin:$PATH"
sh scripts/setup-browser.sh

parts=${*:-tsc lint unit integration infra e2e pytest}
projects=''
for part in $parts; do
  case "$part" in
    tsc | lint | pytest) ;;
    unit | integration | infra | e2e) projects="$projects --project $part" ;;
    *) echo "test.sh: unknown part '$part' (parts: tsc lint unit integration infra e2e pytest)" >&2; exit 2 ;;
  esac
done

report=$(mktemp -d)
trap 'rm -rf "$report"' EXIT
summary=''
failed=''
run_part() {
  name=$1
  shift
  echo "test.sh: $name: $*" >&2
  started=$(date +%s)
  if "$@"; then result=ok; else result=FAILED; failed="$failed $name"; fi
  summary="$summary, $name $(($(date +%s) - started))s $result"
}

started_all=$(date +%s)
vitest_done=''
for part in $parts; do
  case "$part" in
    tsc) run_part tsc tsc --noEmit -p tsconfig.json ;;
    lint) run_part lint npm run -s lint ;;
    pytest) run_part pytest .venv/bin/python -m pytest -q test/glue ;;
    *)
      [ -z "$vitest_done" ] || continue
      vitest_done=yes
      # shellcheck disable=SC2086 # one --project flag per word
      run_part vitest vitest run $projects --reporter=default --reporter=json --outputFile.json="$report/vitest.json"
      [ -f "$report/vitest.json" ] && summary="$summary [$(node scripts/vitest-parts.mjs "$report/vitest.json")]"
      ;;
  esac
done
echo "test.sh: ${summary#, }; total $(($(date +%s) - started_all))s${failed:+; failed:$failed}"
[ -z "$failed" ]
