"""Benchmark of the Glue job under local Spark (run by scripts/bench-glue.sh; not collected by pytest).

Generates BENCH_MB of generator-like NDJSON in BENCH_FILES files (cached between runs), then converts it
three ways on the same BENCH_CORES cores, BENCH_ROUNDS times each (best time counts, after a warm-up that
loads the JIT): our job through LocalFsStorage (the job's own code path; S3 is the only thing left out),
both as a table's later manifest (`ours`: the column registry the warm-up wrote is in place, as it is for
every manifest after a table's first) and as its first (`ours_first_manifest`: no registry), plain
`spark.read.json(...).write.parquet(...)`, and DuckDB `COPY ... TO ... (FORMAT parquet)`. All write zstd.
Prints progress to stderr and one JSON line to stdout.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import platform
import shutil
import sys
import time
from collections.abc import Callable
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "glue"))
sys.path.insert(0, HERE)

MB = 1024 * 1024
DATE = "2026-01-30"
BUCKET = "bench-input"


def jvm_cpu_seconds(spark: Any) -> float:
    """CPU time of the Spark JVM so far: a figure other processes on a shared machine cannot inflate."""
    pid = int(spark.sparkContext._jvm.java.lang.ProcessHandle.current().pid())
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def say(message: str) -> None:
    print(f"bench-glue: {message}", file=sys.stderr, flush=True)


def _write_file(job: tuple[str, int, int]) -> int:
    from records import stream_ndjson

    path, size, index = job
    tmp = f"{path}.tmp"
    with open(tmp, "wb") as out:
        out.writelines(stream_ndjson(size, seed=index, date=DATE, start=index * 10_000_000))
    os.replace(tmp, path)
    return os.path.getsize(path)


def generate(root: str, total_mb: int, files: int, cores: int) -> list[str]:
    folder = os.path.join(root, BUCKET, "pipeline", "input")
    stamp = os.path.join(root, f".generated-{total_mb}mb-{files}")
    keys = [f"pipeline/input/{DATE}-test{i + 1:04d}-000000-bench.ndjson" for i in range(files)]
    if os.path.exists(stamp):
        return keys
    shutil.rmtree(os.path.join(root, BUCKET), ignore_errors=True)
    os.makedirs(folder)
    started = time.perf_counter()
    per_file = total_mb * MB // files + 1
    jobs = [(os.path.join(root, BUCKET, key), per_file, i) for i, key in enumerate(keys)]
    with multiprocessing.Pool(cores) as pool:
        written = sum(pool.map(_write_file, jobs))
    open(stamp, "w").close()
    say(f"generated {written / MB:.0f} MB in {files} files in {time.perf_counter() - started:.0f} s")
    return keys


def manifest_doc(root: str, keys: list[str], manifest_id: str) -> dict[str, Any]:
    sizes = [os.path.getsize(os.path.join(root, BUCKET, k)) for k in keys]
    return {
        "fileLocations": [{"URIPrefixes": [f"s3://{BUCKET}/{k}"]} for k in keys],
        "metadata": {
            "date_prefix": DATE,
            "manifest_id": manifest_id,
            "manifest_name": manifest_id[len(DATE) + 1 :] + ".json",
            "batch_seq": 1,
            "file_count": len(keys),
            "total_bytes": sum(sizes),
            "created_at": "2026-01-30T00:00:00Z",
            # No ETags: S3 returns them with HEAD for free, the local stand-in would have to hash 500 MB.
            "files": [{"key": k, "size_bytes": s} for k, s in zip(keys, sizes, strict=True)],
        },
    }


# What a stack would declare for the generator's data (schema.columns): its time as a timestamp, its money
# as a decimal and its counts as integers. Runs against a table of its own (another output bucket).
BENCH_DECLARED = {"timestamp": "timestamp", "revenue": "decimal(12,2)", "quantity": "bigint"}


def run_ours(spark: Any, root: str, keys: list[str], tag: str, first: bool = False, declared: bool = False) -> tuple[float, int, float]:
    """One run of the job. `first`: as the first manifest of a table (no column registry yet, so every value
    goes through the tagged record); otherwise the registry the warm-up run wrote stays, as it does for
    every later manifest of a table, and values are parsed straight into their registered types.
    `declared`: with BENCH_DECLARED as --declared_columns, in a table of its own."""
    from ndjson_parquet.args import job_args_from
    from ndjson_parquet.fs_storage import LocalFsStorage
    from ndjson_parquet.job import run_job

    manifest_id = f"{DATE}-batch-0001-20260130-{tag}"
    manifest_key = f"manifests/{DATE}/{manifest_id}.json"
    path = os.path.join(root, "bench-manifests", *manifest_key.split("/"))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(manifest_doc(root, keys, manifest_id), f)
    bucket = "bench-output-declared" if declared else "bench-output"
    output = os.path.join(root, bucket)
    if first:
        shutil.rmtree(output, ignore_errors=True)
    else:
        for name in os.listdir(os.path.join(output, "pipeline", "output")) if os.path.isdir(output) else []:
            if name != "_schema":
                shutil.rmtree(os.path.join(output, "pipeline", "output", name))
    args = job_args_from(
        {
            "JOB_NAME": "bench",
            "JOB_RUN_ID": f"jr_bench_{tag}",
            "manifest_path": f"s3://bench-manifests/{manifest_key}",
            "manifest_id": manifest_id,
            "date_prefix": DATE,
            "output_bucket": bucket,
            "manifest_bucket": "bench-manifests",
            "declared_columns": json.dumps(BENCH_DECLARED) if declared else "{}",
        }
    )
    cpu, started = jvm_cpu_seconds(spark), time.perf_counter()
    outcome = run_job(spark, LocalFsStorage(root), args, workdir_root=root)
    elapsed, cpu = time.perf_counter() - started, jvm_cpu_seconds(spark) - cpu
    if outcome.exception is not None:
        raise outcome.exception
    phases = outcome.report["durations_seconds"]
    files = outcome.report["processing_summary"]["parquet_files_created"]
    way = f"ours{' (first manifest)' if first else ''}{' (declared)' if declared else ''}"
    say(f"{way} {tag}: {elapsed:.1f} s, {cpu:.1f} cpu-s, {files} file(s), phases {phases}")
    return elapsed, outcome.report["bytes"]["output"], cpu


def run_plain(spark: Any, root: str, keys: list[str], tag: str) -> tuple[float, int, float]:
    out = os.path.join(root, "plain-output")
    shutil.rmtree(out, ignore_errors=True)
    paths = [os.path.join(root, BUCKET, k) for k in keys]
    cpu, started = jvm_cpu_seconds(spark), time.perf_counter()
    spark.read.json(paths).write.mode("overwrite").option("compression", "zstd").parquet(out)
    elapsed, cpu = time.perf_counter() - started, jvm_cpu_seconds(spark) - cpu
    size = sum(os.path.getsize(os.path.join(out, n)) for n in os.listdir(out) if n.endswith(".parquet"))
    say(f"plain spark {tag}: {elapsed:.1f} s, {cpu:.1f} cpu-s, {sum(1 for n in os.listdir(out) if n.endswith('.parquet'))} file(s)")
    return elapsed, size, cpu


def run_duckdb(root: str, keys: list[str], cores: int, tag: str) -> tuple[float, int, float]:
    import duckdb

    out = os.path.join(root, "duckdb-output.parquet")
    if os.path.exists(out):
        os.remove(out)
    paths = [os.path.join(root, BUCKET, k) for k in keys]
    con = duckdb.connect()
    con.execute(f"SET threads = {cores}")
    cpu, started = time.process_time(), time.perf_counter()
    con.execute(
        f"COPY (SELECT * FROM read_json_auto({paths!r}, format = 'newline_delimited')) TO '{out}' (FORMAT parquet, COMPRESSION zstd)"
    )
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    con.close()
    say(f"duckdb {tag}: {elapsed:.1f} s, {cpu:.1f} cpu-s")
    return elapsed, os.path.getsize(out), cpu


def best(runs: list[tuple[float, int, float]]) -> tuple[float, int, float]:
    return min(runs, key=lambda r: r[0])


def main() -> int:
    total_mb = int(os.environ.get("BENCH_MB", "512"))
    files = int(os.environ.get("BENCH_FILES", "100"))
    cores = int(os.environ.get("BENCH_CORES", "2"))
    rounds = int(os.environ.get("BENCH_ROUNDS", "2"))
    # Which ways to run (comma-separated); the summary holds the ratios of those run.
    ways = os.environ.get("BENCH_WAYS", "ours_first,ours,ours_declared,plain,duckdb").split(",")
    root = os.environ.get("BENCH_DIR", "/tmp/ndjson-parquet-bench")
    os.makedirs(root, exist_ok=True)
    keys = generate(root, total_mb, files, cores)
    input_bytes = sum(os.path.getsize(os.path.join(root, BUCKET, k)) for k in keys)

    from ndjson_parquet.session import local_session

    spark = local_session(app_name="ndjson-parquet-bench", cores=str(cores), memory=os.environ.get("BENCH_SPARK_MEMORY", "8g"))
    say("warming up the JVM on 4 files")
    run_ours(spark, root, keys[:4], "warmup", first=True)
    if "ours_declared" in ways:
        run_ours(spark, root, keys[:4], "warmup", first=True, declared=True)
    run_plain(spark, root, keys[:4], "warmup")

    runners: dict[str, Callable[[str], tuple[float, int, float]]] = {
        "ours_first": lambda tag: run_ours(spark, root, keys, tag, first=True),
        "ours": lambda tag: run_ours(spark, root, keys, tag),
        "ours_declared": lambda tag: run_ours(spark, root, keys, tag, declared=True),
        "plain": lambda tag: run_plain(spark, root, keys, tag),
        "duckdb": lambda tag: run_duckdb(root, keys, cores, tag),
    }
    results: dict[str, list[tuple[float, int, float]]] = {n: [] for n in runners if n in ways}
    for round_no in range(rounds):
        for name in results:
            results[name].append(runners[name](f"r{round_no + 1}"))
    spark.stop()
    print(json.dumps(summarise(results, input_bytes, len(keys), cores, rounds)))
    return 0


# Summary names of the ways, as earlier runs' JSON lines spell them.
NAMES = {"ours": "ours", "ours_first": "ours_first_manifest", "ours_declared": "ours_declared", "plain": "plain_spark", "duckdb": "duckdb"}


def summarise(results: dict[str, list[tuple[float, int, float]]], input_bytes: int, files: int, cores: int, rounds: int) -> dict[str, Any]:
    mb = input_bytes / MB
    fastest = {n: best(r) for n, r in results.items()}
    cpu = {n: min(r[2] for r in runs) for n, runs in results.items()}
    summary: dict[str, Any] = {
        "input_mb": round(mb, 1),
        "files": files,
        "cores": cores,
        "rounds": rounds,
        "seconds": {NAMES[n]: round(b[0], 2) for n, b in fastest.items()},
        "cpu_seconds": {NAMES[n]: round(c, 1) for n, c in cpu.items()},
        "output_mb": {NAMES[n]: round(b[1] / MB, 1) for n, b in fastest.items() if n != "ours_first"},
        "machine": f"{platform.machine()} {os.cpu_count()} cpu, Python {platform.python_version()}",
        **{f"{NAMES[n]}_mb_s": round(mb / b[0], 2) for n, b in fastest.items()},
    }
    ratios = [
        ("ours_vs_plain", "ours", "plain"),
        ("ours_vs_duckdb", "ours", "duckdb"),
        ("ours_first_manifest_vs_plain", "ours_first", "plain"),
        ("ours_declared_vs_ours", "ours_declared", "ours"),
    ]
    for key, ours, other in ratios:
        if ours in fastest and other in fastest:
            summary[key] = round(fastest[other][0] / fastest[ours][0], 3)
    if "ours" in fastest:
        summary["compression_ratio"] = round(input_bytes / fastest["ours"][1], 2)
    # The same comparisons in CPU time, which load from other processes cannot distort.
    if "ours" in cpu and "plain" in cpu:
        summary["ours_vs_plain_cpu"] = round(cpu["plain"] / cpu["ours"], 3)
    if "ours" in cpu and "ours_declared" in cpu:
        summary["ours_declared_vs_ours_cpu"] = round(cpu["ours"] / cpu["ours_declared"], 3)
    return summary


if __name__ == "__main__":
    sys.exit(main())
