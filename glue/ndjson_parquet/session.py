"""Spark session settings the job depends on. Applied on Glue (to Glue's session) and locally."""

from __future__ import annotations

import os

from pyspark.sql import SparkSession

# Settings whose defaults would change results, not just speed:
JOB_CONF = {
    # Casts and map lookups must yield null, not fail the task, for values that do not fit.
    "spark.sql.ansi.enabled": "false",
    # A JSON object with a repeated key keeps the last value, like most JSON parsers.
    "spark.sql.mapKeyDedupPolicy": "LAST_WIN",
    # A line that fails half-way must be rejected whole, never kept as a partial record.
    "spark.sql.json.enablePartialResults": "false",
    # A timestamp column (declared.py) as Parquet INT64 TIMESTAMP(MICROS, isAdjustedToUTC=true), which Athena
    # reads as timestamp, instead of Spark's default, the deprecated INT96.
    "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
    # A declared timestamp without offset is UTC; the session's zone is what Spark's cast reads it in.
    "spark.sql.session.timeZone": "UTC",
}


# Settings that only change speed, measured with `npm run bench:glue`:
SPEED_CONF = {
    # The parsed lines are cached once and scanned three times; compressing the cache (dictionary and
    # run-length schemes tried column by column) cost more CPU than the parse itself, to save memory that
    # MEMORY_AND_DISK can spill anyway.
    "spark.sql.inMemoryColumnarStorage.compressed": "false",
}


def configure(spark: SparkSession) -> SparkSession:
    for key, value in {**JOB_CONF, **SPEED_CONF}.items():
        spark.conf.set(key, value)
    return spark


# Built from glue/jvm by scripts/build-jar.sh (run by scripts/setup.sh); on Glue the stack passes the same
# jar as --extra-jars.
DEFAULT_JAR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "build", "ndjson-parquet-glue.jar")


def parser_jar() -> str:
    return os.environ.get("NDJSON_PARQUET_JAR") or DEFAULT_JAR


# The JVM's client compiler only, and the serial collector: a JVM that runs many tiny jobs (the test suite)
# starts and warms up in a fraction of the CPU, while a long job (the benchmark, a large local run) would lose
# the optimising compiler's speed. So it is asked for, by `quick_start` or NDJSON_PARQUET_SPARK_QUICK_START=1.
QUICK_START_JVM_OPTIONS = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"


def local_session(
    app_name: str = "ndjson-parquet-local", cores: str | None = None, memory: str | None = None, quick_start: bool | None = None
) -> SparkSession:
    """One local SparkSession, as quiet and small as a laptop or CI box wants it."""
    # Binding to loopback keeps Spark from probing the network interfaces (and warning about them).
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    cores = cores or os.environ.get("NDJSON_PARQUET_SPARK_CORES", "*")
    memory = memory or os.environ.get("NDJSON_PARQUET_SPARK_MEMORY", "2g")
    if quick_start is None:
        quick_start = os.environ.get("NDJSON_PARQUET_SPARK_QUICK_START") == "1"
    java_options = "-Dlog4j2.level=WARN" + (f" {QUICK_START_JVM_OPTIONS}" if quick_start else "")
    spark = (
        SparkSession.builder.master(f"local[{cores}]")
        .appName(app_name)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.memory", memory)
        .config("spark.sql.shuffle.partitions", os.environ.get("NDJSON_PARQUET_SHUFFLE_PARTITIONS", "4"))
        .config("spark.sql.adaptive.enabled", "true")
        .config("spark.jars", parser_jar())
        .config("spark.driver.extraJavaOptions", java_options)
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("WARN")
    return configure(spark)
