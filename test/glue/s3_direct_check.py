"""The job through S3DirectStorage (Spark reads the inputs and writes staging on s3:// itself, as on Glue),
against moto through S3A. Run by scripts/check-glue-s3.sh (`npm run check:glue-s3`), which fetches the S3A
jars; not collected by pytest. Glue's own s3:// is EMRFS, not S3A: what this proves is the job's side
(paths, escaping, listing, row-group merge and commit over a Hadoop S3 file system), not EMRFS."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(HERE)), "glue"))
sys.path.insert(0, HERE)


def main(s3a_jars: list[str]) -> int:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    os.environ.update(
        AWS_ENDPOINT_URL=endpoint, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1"
    )

    from pyspark.sql import SparkSession

    from ndjson_parquet.s3_storage import S3DirectStorage
    from ndjson_parquet.session import configure, parser_jar
    from records import ndjson, records
    from support import Pipeline

    hadoop = {
        # Glue maps s3:// to EMRFS; here the same URIs go to S3A, pointed at the emulator.
        "fs.s3.impl": "org.apache.hadoop.fs.s3a.S3AFileSystem",
        "fs.s3a.endpoint": endpoint,
        "fs.s3a.path.style.access": "true",
        "fs.s3a.connection.ssl.enabled": "false",
        "fs.s3a.aws.credentials.provider": "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider",
        "fs.s3a.access.key": "testing",
        "fs.s3a.secret.key": "testing",
    }
    builder = (
        SparkSession.builder.master("local[2]")
        .config("spark.ui.enabled", "false")
        .config("spark.jars", ",".join([parser_jar(), *s3a_jars]))
    )
    for key, value in hadoop.items():
        builder = builder.config(f"spark.hadoop.{key}", value)
    spark = configure(builder.getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    failures: list[str] = []

    def check(what: str, ok: bool) -> None:
        print(f"{'ok  ' if ok else 'FAIL'} {what}", flush=True)
        if not ok:
            failures.append(what)

    try:
        pipeline = Pipeline.create(spark, Path(tempfile.mkdtemp(prefix="s3-direct-")))
        storage = S3DirectStorage(pipeline.s3)
        sample = records(500, seed=5)
        # A key with glob characters and a space, and a file cut off mid-object.
        odd = pipeline.put_file(ndjson(sample[:250]) + b'{"broken": \n', name="a[1] b{2}")
        plain = pipeline.put_file(ndjson(sample[250:]), name="plain")
        manifest = pipeline.put_manifest([odd, plain])

        first = pipeline.run(manifest, storage=storage)
        check(f"first run succeeds ({first.error})", first.status == "SUCCEEDED")
        rerun = pipeline.run(manifest, storage=storage)
        check(f"re-run of the same manifest succeeds ({rerun.error})", rerun.status == "SUCCEEDED")

        rows = pipeline.output_rows()
        check(
            f"500 rows, each record once, after the re-run (got {len(rows)})",
            sorted(r["id"] for r in rows) == sorted(r["id"] for r in sample),
        )
        check("one Parquet file in the date folder", len(pipeline.output_keys()) == 1)
        rejects = [(r["file"].rsplit("/", 1)[1], r["line_number"], r["reason"]) for r in pipeline.rejects(manifest[1])]
        check(
            f"the cut-off line is rejected with its file and line ({rejects})",
            rejects == [("2026-01-30-a[1] b{2}.ndjson", 251, "truncated_last_line")],
        )
        report = pipeline.report(rerun)
        check("the report accounts for every line", report["records"] == {"read": 501, "written": 500, "rejected": 1, "empty_lines": 0})
        check("the run's staging is removed", pipeline.keys(pipeline.output_bucket, "pipeline/output/_staging/") == [])
    finally:
        spark.stop()
        server.stop()
    print("s3-direct: all checks passed" if not failures else f"s3-direct: {len(failures)} check(s) failed", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
