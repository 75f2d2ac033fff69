"""One run of the job over one manifest: the orchestration, with every step in its own module."""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from pyspark import StorageLevel
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from .accounting import chunk_counts, collect_chunks, file_accounts, line_offsets, offsets_frame, typed_presence
from .args import JobArgs
from .commit import Publication, commit_manifest_files, commit_rejects
from .errors import JobError, ManifestNotFoundError, OutputIntegrityError
from .inputs import verify_inputs
from .layout import (
    SPARK_CODEC,
    check_manifest_id,
    manifest_files_prefix,
    output_folder_uri,
    part_file_name,
    registry_uri,
    rejects_uri,
    staging_uri,
)
from .manifest import check_manifest_matches, parse_manifest
from .merge import ParquetFile, list_parts, merge_parts
from .parse import classify_lines, read_lines, register_parser
from .profile import collect_profiles, shape_counts
from .project import project_rows
from .registry import load_registry, register_columns
from .rejects import reject_rows
from .report import MB, RunFacts, build_report, report_body, report_key
from .schema import RESCUED_COLUMN, plan_schema, propose_columns
from .session import configure
from .sizing import ROW_GROUP_BYTES, group_parts
from .storage import Storage, delete_prefix

log = logging.getLogger("ndjson_parquet")

SUCCEEDED, FAILED = "SUCCEEDED", "FAILED"


@dataclass
class JobOutcome:
    status: str
    job_run_id: str
    report_key: str | None
    report: dict[str, Any]
    exception: BaseException | None = None

    @property
    def error(self) -> str | None:
        return None if self.exception is None else f"{type(self.exception).__name__}: {self.exception}"


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def new_run_id() -> str:
    return f"jr_local_{uuid.uuid4().hex}"


def run_job(
    spark: SparkSession,
    storage: Storage,
    args: JobArgs,
    *,
    now: Callable[[], datetime] = utcnow,
    workdir_root: str | None = None,
) -> JobOutcome:
    """Converts the manifest's files; never raises for a failed run (the outcome carries the exception, and
    the report is written either way)."""
    configure(spark)
    run_id = args.job_run_id or new_run_id()
    facts = RunFacts(
        job_name=args.job_name,
        job_run_id=run_id,
        glue_version=args.glue_version,
        worker_type=args.worker_type,
        number_of_workers=args.number_of_workers,
        manifest_path=args.manifest_path,
        manifest_id=args.manifest_id,
        date=args.date_prefix,
        started_at=now(),
    )
    workdir = tempfile.mkdtemp(prefix="ndjson-parquet-", dir=workdir_root)
    run = _Run(spark, storage, args, facts, workdir, now)
    exception: BaseException | None = None
    try:
        run.execute()
    except Exception as err:  # every failure must still produce a report
        exception = err
        facts.error = err.as_dict() if isinstance(err, JobError) else {"type": type(err).__name__, "message": str(err)}
        log.error("run %s of manifest %s failed: %s", run_id, facts.manifest_id, facts.error)
    finally:
        run.cleanup()
        shutil.rmtree(workdir, ignore_errors=True)
    status = "success" if exception is None else "failed"
    finished = now()
    report = build_report(facts, status, finished)
    key = report_key(finished)
    try:
        storage.put_bytes(f"s3://{args.manifest_bucket}/{key}", report_body(report))
    except Exception as err:
        log.error("could not write report %s: %s", key, err)
        if exception is None:
            exception = err
        return JobOutcome(FAILED, run_id, None, report, exception)
    log.info("run %s of manifest %s: %s, report s3://%s/%s", run_id, facts.manifest_id, status, args.manifest_bucket, key)
    return JobOutcome(SUCCEEDED if exception is None else FAILED, run_id, key, report, exception)


class _Run:
    def __init__(self, spark: SparkSession, storage: Storage, args: JobArgs, facts: RunFacts, workdir: str, now: Callable[[], datetime]):
        self.spark, self.storage, self.args, self.facts, self.workdir, self.now = spark, storage, args, facts, workdir, now
        self.classified: DataFrame | None = None
        self.staging: str | None = None

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.facts.durations[name] = self.facts.durations.get(name, 0.0) + time.perf_counter() - started

    def execute(self) -> None:
        args, facts, storage, spark = self.args, self.facts, self.storage, self.spark
        with self.phase("manifest"):
            got = storage.get_bytes(args.manifest_path)
            if got is None:
                raise ManifestNotFoundError(f"manifest {args.manifest_path} does not exist", manifest_path=args.manifest_path)
            manifest = parse_manifest(got[0], args.manifest_path)
            check_manifest_matches(manifest, args.date_prefix, args.manifest_id)
            manifest_id = check_manifest_id(manifest.manifest_id)
            facts.manifest_id = manifest_id
            facts.manifest = {
                "name": manifest.name,
                "batch_seq": manifest.batch_seq,
                "file_count": len(manifest.files),
                "created_at": manifest.created_at,
            }
        date = manifest.date_prefix
        folder = output_folder_uri(args.output_bucket, args.output_prefix, date)
        facts.output_folder = folder
        self.staging = staging_uri(args.output_bucket, args.output_prefix, manifest_id, facts.job_run_id)
        spark_dir = storage.spark_dir(self.staging, self.workdir).rstrip("/")

        with self.phase("verify_inputs"):
            infos = verify_inputs(storage, manifest)
        facts.input_bytes = sum(i.size for i in infos)
        files = [(f.uri, f.key, i.size) for f, i in zip(manifest.files, infos, strict=True)]
        facts.files = [
            {"key": k, "uri": u, "bytes": s, "lines_read": 0, "rows_written": 0, "lines_rejected": 0, "empty_lines": 0} for u, k, s in files
        ]

        with self.phase("stage_in"):
            paths = storage.stage_in([(f.uri, f.etag) for f in manifest.files], self.workdir)

        registry_at = registry_uri(args.output_bucket, args.output_prefix)
        with self.phase("parse"):
            # The columns registered so far are parsed straight into their types; the rest of the record
            # stays tagged until this batch's new columns are registered.
            known = sorted(load_registry(storage, registry_at)[0].values(), key=lambda c: c.name)
            parser = register_parser(spark, [(c.name, c.type) for c in known])
            self.classified = classify_lines(read_lines(spark, paths), parser, len(known)).persist(StorageLevel.MEMORY_AND_DISK)
            chunks = collect_chunks(chunk_counts(self.classified, len(known)))
            offsets = line_offsets(chunks, paths)
            accounts = file_accounts(chunks, offsets, files)
        facts.files = [a.as_dict() for a in accounts]
        expected_rows = sum(a.rows_written for a in accounts)
        rejected = sum(a.lines_rejected for a in accounts)
        offsets_df = offsets_frame(spark, offsets, [f.uri for f in manifest.files])

        publications: list[Publication] = []
        finals: list[tuple[ParquetFile, str]] = []
        if expected_rows:
            with self.phase("schema"):
                # In a table's steady state every value fits a registered column: nothing left to profile.
                profiles = collect_profiles(shape_counts(self.classified)) if any(c.untyped for c in chunks) else []
                present = typed_presence(chunks, [c.name for c in known])
                registry, added = register_columns(
                    storage,
                    registry_at,
                    lambda current: propose_columns(profiles, current),
                    manifest_id,
                    lambda: self.now().isoformat(),
                )
                plan = plan_schema(profiles, registry, {c.name: i for i, c in enumerate(known)}, present)
            facts.schema = {
                "columns": {c.name: c.type for c in plan.columns},
                "added_to_registry": {c.name: c.type for c in added},
                "rescue_checked": dict(plan.rescued),
            }
            parts_dir = f"{spark_dir}/parts"
            with self.phase("write"):
                rows = project_rows(self.classified, plan, offsets_df, date)
                (
                    rows.write.mode("overwrite")
                    .option("compression", SPARK_CODEC[args.compression])
                    .option("parquet.block.size", ROW_GROUP_BYTES)
                    .parquet(parts_dir)
                )
                if plan.needs_rescue:
                    facts.schema["rescued_values"] = _rescued_counts(spark, parts_dir)
            with self.phase("merge"):
                parts = list_parts(spark, parts_dir)
                for index, group in enumerate(group_parts([p.size for p in parts], int(args.target_file_mb * MB))):
                    name = part_file_name(manifest_id, index, args.compression)
                    members = [parts[i] for i in group]
                    merged = members[0] if len(members) == 1 else merge_parts(spark, members, f"{spark_dir}/files/{name}")
                    finals.append((merged, name))
                written = sum(f.rows for f, _ in finals)
                if written != expected_rows:
                    raise OutputIntegrityError(
                        f"Parquet holds {written} rows but {expected_rows} lines parsed; nothing committed",
                        written=written,
                        expected=expected_rows,
                    )
            with self.phase("stage_out"):
                staged = storage.stage_out([f.path for f, _ in finals], f"{self.staging}files/")
                publications = [Publication(s, f"{folder}{name}") for s, (_, name) in zip(staged, finals, strict=True)]

        staged_rejects: str | None = None
        final_rejects = rejects_uri(args.output_bucket, args.rejects_prefix, date, manifest_id)
        if rejected:
            with self.phase("rejects"):
                rejects_df = reject_rows(self.classified, offsets_df, manifest_id, date).persist(StorageLevel.MEMORY_AND_DISK)
                try:
                    by_reason = {r["reason"]: int(r["count"]) for r in rejects_df.groupBy("reason").count().collect()}
                    rejects_dir = f"{spark_dir}/rejects"
                    rejects_df.coalesce(1).write.mode("overwrite").option("compression", "none").json(rejects_dir)
                finally:
                    rejects_df.unpersist()
                written_json = _json_parts(spark, rejects_dir)
                staged_rejects = storage.stage_out(written_json, f"{self.staging}rejects/")[0]
            facts.rejects = {"path": final_rejects, "count": rejected, "by_reason": by_reason}

        with self.phase("commit"):
            facts.replaced_files = commit_manifest_files(storage, manifest_files_prefix(folder, manifest_id), publications)
            commit_rejects(storage, staged_rejects, final_rejects)
        facts.parquet_files = [
            {"path": p.final_uri, "size_mb": round(f.size / MB, 3), "size_bytes": f.size, "record_count": f.rows}
            for p, (f, _) in zip(publications, finals, strict=True)
        ]
        facts.output_bytes = sum(f.size for f, _ in finals)

    def cleanup(self) -> None:
        if self.classified is not None:
            self.classified.unpersist()
        if self.staging:
            try:
                delete_prefix(self.storage, self.staging)
            except Exception as err:  # leftovers under _staging/ are harmless; a lifecycle rule expires them
                log.warning("could not clean staging %s: %s", self.staging, err)


def _rescued_counts(spark: SparkSession, parts_dir: str) -> dict[str, int]:
    rescued = spark.read.parquet(parts_dir).select(F.explode(F.map_keys(F.col(RESCUED_COLUMN))).alias("field"))
    return {r["field"]: int(r["count"]) for r in rescued.groupBy("field").count().collect()}


def _json_parts(spark: SparkSession, directory: str) -> list[str]:
    jvm, conf = spark._jvm, spark._jsc.hadoopConfiguration()  # type: ignore[attr-defined]
    path = jvm.org.apache.hadoop.fs.Path(directory)
    names = [s.getPath().toString() for s in path.getFileSystem(conf).listStatus(path) if s.getPath().getName().startswith("part-")]
    return sorted(names)
