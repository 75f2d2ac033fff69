"""Small factories for the Glue tests: input files and manifests in the emulator, job runs, and readers for
what a run left behind (Parquet rows, rejects, the report)."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ndjson_parquet.args import job_args_from
from ndjson_parquet.job import JobOutcome, run_job
from ndjson_parquet.s3_storage import S3StagedStorage, make_s3_client

DATE = "2026-01-30"


@dataclass
class InputFile:
    uri: str
    key: str
    size: int
    etag: str


@dataclass
class Pipeline:
    spark: Any
    tmp: Path
    s3: Any
    input_bucket: str
    output_bucket: str
    manifest_bucket: str
    storage: Any
    seq: int = 0
    defaults: dict[str, str] = field(default_factory=dict)

    @classmethod
    def create(cls, spark: Any, tmp: Path) -> Pipeline:
        s3 = make_s3_client()
        suffix = secrets.token_hex(4)
        buckets = [f"input-{suffix}", f"output-{suffix}", f"manifests-{suffix}"]
        for b in buckets:
            s3.create_bucket(Bucket=b)
        return cls(spark, tmp, s3, *buckets, storage=S3StagedStorage(s3))

    # ---- inputs -------------------------------------------------------------------------------------
    def put_file(self, body: bytes, name: str | None = None, date: str = DATE) -> InputFile:
        self.seq += 1
        key = f"pipeline/input/{date}-{name or f'test{self.seq:04d}'}.ndjson"
        response = self.s3.put_object(Bucket=self.input_bucket, Key=key, Body=body)
        return InputFile(f"s3://{self.input_bucket}/{key}", key, len(body), response["ETag"])

    def put_manifest(
        self, files: list[InputFile], date: str = DATE, seq: int = 1, stamp: str = "20260130-143052", etags: bool = True
    ) -> tuple[str, str]:
        name = f"batch-{seq:04d}-{stamp}.json"
        manifest_id = f"{date}-{name[:-5]}"
        doc = {
            "fileLocations": [{"URIPrefixes": [f.uri]} for f in files],
            "metadata": {
                "date_prefix": date,
                "manifest_id": manifest_id,
                "manifest_name": name,
                "batch_seq": seq,
                "file_count": len(files),
                "total_bytes": sum(f.size for f in files),
                "created_at": "2026-01-30T14:30:52.000Z",
                "files": [{"key": f.key, "size_bytes": f.size, **({"etag": f.etag} if etags else {})} for f in files],
            },
        }
        key = f"manifests/{date}/{name}"
        self.s3.put_object(Bucket=self.manifest_bucket, Key=key, Body=json.dumps(doc).encode())
        return f"s3://{self.manifest_bucket}/{key}", manifest_id

    # ---- runs ---------------------------------------------------------------------------------------
    def args(self, manifest_path: str, manifest_id: str, date: str = DATE, **overrides: Any) -> dict[str, str]:
        options = {
            "JOB_NAME": "ndjson-parquet-test",
            "JOB_RUN_ID": f"jr_test_{secrets.token_hex(6)}",
            "manifest_path": manifest_path,
            "manifest_id": manifest_id,
            "date_prefix": date,
            "output_bucket": self.output_bucket,
            "manifest_bucket": self.manifest_bucket,
            "glue_version": "5.0",
            "worker_type": "G.1X",
            "number_of_workers": "2",
            **self.defaults,
        }
        options.update({k: str(v) for k, v in overrides.items()})
        return options

    def run(self, manifest: tuple[str, str], date: str = DATE, storage: Any = None, metrics: Any = None, **overrides: Any) -> JobOutcome:
        args = job_args_from(self.args(manifest[0], manifest[1], date, **overrides))
        return run_job(self.spark, storage or self.storage, args, workdir_root=str(self.tmp), metrics=metrics)

    # ---- what a run left behind -------------------------------------------------------------------
    def keys(self, bucket: str, prefix: str = "") -> list[str]:
        pages = self.s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        return sorted(o["Key"] for page in pages for o in page.get("Contents", []))

    def output_keys(self, date: str = DATE) -> list[str]:
        return self.keys(self.output_bucket, f"pipeline/output/merged-parquet-{date}/")

    def download(self, bucket: str, keys: list[str]) -> Path:
        target = self.tmp / f"download-{secrets.token_hex(4)}"
        target.mkdir()
        for key in keys:
            self.s3.download_file(bucket, key, str(target / key.rsplit("/", 1)[-1]))
        return target

    def output_frame(self, date: str = DATE, keys: list[str] | None = None) -> Any:
        keys = self.output_keys(date) if keys is None else keys
        assert keys, "no Parquet files in the output folder"
        folder = self.download(self.output_bucket, keys)
        return self.spark.read.option("mergeSchema", "true").parquet(str(folder))

    def output_rows(self, date: str = DATE) -> list[dict[str, Any]]:
        return [r.asDict(recursive=True) for r in self.output_frame(date).collect()]

    def rejects(self, manifest_id: str, date: str = DATE) -> list[dict[str, Any]]:
        body = self.s3.get_object(Bucket=self.output_bucket, Key=f"pipeline/rejects/{date}/{manifest_id}.ndjson")["Body"].read()
        return [json.loads(line) for line in body.decode("utf-8").splitlines() if line]

    def report(self, outcome: JobOutcome) -> dict[str, Any]:
        assert outcome.report_key, outcome.error
        return json.loads(self.s3.get_object(Bucket=self.manifest_bucket, Key=outcome.report_key)["Body"].read())

    def registry(self) -> dict[str, str]:
        body = self.s3.get_object(Bucket=self.output_bucket, Key="pipeline/output/_schema/columns.json")["Body"].read()
        return {c["name"]: c["type"] for c in json.loads(body)["columns"]}
