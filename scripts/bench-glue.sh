#!/bin/sh
# Glue job benchmark (not a test): >= 500 MB of generator-like NDJSON in many files, converted three ways on
# the same cores: our job (its own code path, local-fs storage instead of S3), plain
# spark.read.json().write.parquet(), and DuckDB COPY ... (FORMAT parquet). Last line of stdout: JSON with
# ours_mb_s, plain_spark_mb_s, duckdb_mb_s, ours_vs_plain, ours_vs_duckdb, compression_ratio.
# Knobs: BENCH_MB (default 512), BENCH_FILES (100), BENCH_CORES (2), BENCH_ROUNDS (2), BENCH_DIR.
set -eu
cd "$(dirname "$0")/.."

want=$(cat requirements-bench.txt | sha256sum | cut -c1-64)
if [ ! -f .venv/.bench-stamp ] || [ "$(cat .venv/.bench-stamp)" != "$want" ]; then
  echo "bench-glue: installing benchmark packages (requirements-bench.txt)" >&2
  .venv/bin/pip install --quiet --disable-pip-version-check -r requirements-bench.txt
  echo "$want" > .venv/.bench-stamp
fi

exec .venv/bin/python test/glue/bench_glue.py "$@"
