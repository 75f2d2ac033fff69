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

from .accounting import Chunk, chunk_counts, collect_chunks, file_accounts, line_offsets, offsets_frame, typed_presence
from .args import JobArgs
from .catalog import make_glue_client, sync_catalog_table
from .commit import Publication, commit_manifest_files, commit_rejects
from .declared import declared_additions
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
from .manifest import Manifest, check_manifest_matches, parse_manifest
from .merge import ParquetFile, list_parts, merge_parts
from .metrics import MetricPublisher, cloudwatch_publisher, publish_run_metrics, run_metrics
from .parse import classify_lines, read_lines, register_parser
from .profile import collect_profiles, shape_counts
from .project import project_rows
from .registry import load_registry, register_columns
from .rejects import reject_rows
from .report import MB, RunFacts, build_report, report_body, report_key
from .schema import RESCUED_COLUMN, RegisteredColumn, SchemaPlan, plan_schema, propose_columns
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
    metrics: MetricPublisher | None = None,
    glue_client: Callable[[], Any] = make_glue_client,
) -> JobOutcome:
    """Converts the manifest's files; never raises for a failed run (the outcome carries the exception, and
    the report is written either way). `metrics` defaults to CloudWatch when the arguments name a namespace;
    `glue_client` makes the client of the catalog sync, called only when the arguments name a table."""
    configure(spark)
    facts = _facts_at_start(args, args.job_run_id or new_run_id(), now())
    workdir = tempfile.mkdtemp(prefix="ndjson-parquet-", dir=workdir_root)
    exception = _run_steps(_Run(spark, storage, args, facts, workdir, now, glue_client))
    outcome = _write_report(storage, args, facts, exception, now())
    publish_run_metrics(metrics or cloudwatch_publisher(args.metrics_namespace, args.metrics_service), run_metrics(outcome.report))
    return outcome


def _facts_at_start(args: JobArgs, run_id: str, started_at: datetime) -> RunFacts:
    return RunFacts(
        job_name=args.job_name,
        job_run_id=run_id,
        glue_version=args.glue_version,
        worker_type=args.worker_type,
        number_of_workers=args.number_of_workers,
        execution_class=args.execution_class,
        dpu_hour_usd=args.dpu_hour_usd,
        manifest_path=args.manifest_path,
        manifest_id=args.manifest_id,
        date=args.date_prefix,
        started_at=started_at,
    )


def _run_steps(run: _Run) -> Exception | None:
    """Runs every step, then removes the run's scratch; a failure is recorded in the facts and returned, not raised."""
    try:
        run.execute()
    except Exception as err:  # every failure must still produce a report
        run.facts.error = err.as_dict() if isinstance(err, JobError) else {"type": type(err).__name__, "message": str(err)}
        log.error("run %s of manifest %s failed: %s", run.facts.job_run_id, run.facts.manifest_id, run.facts.error)
        return err
    finally:
        run.cleanup()
        shutil.rmtree(run.workdir, ignore_errors=True)
    return None


def _write_report(storage: Storage, args: JobArgs, facts: RunFacts, exception: Exception | None, finished: datetime) -> JobOutcome:
    """Writes the run report, for a failed run too; a report that cannot be written fails the run."""
    status = "success" if exception is None else "failed"
    report = build_report(facts, status, finished)
    key = report_key(finished)
    try:
        storage.put_bytes(f"s3://{args.manifest_bucket}/{key}", report_body(report))
    except Exception as err:
        log.error("could not write report %s: %s", key, err)
        return JobOutcome(FAILED, facts.job_run_id, None, report, err if exception is None else exception)
    log.info("run %s of manifest %s: %s, report s3://%s/%s", facts.job_run_id, facts.manifest_id, status, args.manifest_bucket, key)
    return JobOutcome(SUCCEEDED if exception is None else FAILED, facts.job_run_id, key, report, exception)


@dataclass(frozen=True)
class _Places:
    """Where a run reads and writes, fixed once its manifest is read."""

    manifest_id: str
    date: str
    folder: str  # the date folder the Parquet files are committed into
    staging: str  # the run's own prefix, where files wait for the commit
    spark_dir: str  # where Spark writes, standing for `staging` (Storage.spark_dir)
    registry: str
    rejects: str  # the final rejects object


@dataclass(frozen=True)
class _Parsed:
    """The manifest's lines, parsed and counted."""

    classified: DataFrame  # every line with its status and parsed values (persisted)
    known: list[RegisteredColumn]  # the registered columns the parser typed, in slot order
    chunks: list[Chunk]  # per Spark split: line counts by status
    offsets: DataFrame  # per split: its file and the line number of its first line
    expected_rows: int
    rejected: int


@dataclass(frozen=True)
class _ParquetOutput:
    file: ParquetFile  # as written (size, rows)
    publication: Publication  # its staged object, and the final object the commit makes of it


class _Run:
    """The steps of one run, in order. Each timed step reports its duration under its name."""

    def __init__(
        self,
        spark: SparkSession,
        storage: Storage,
        args: JobArgs,
        facts: RunFacts,
        workdir: str,
        now: Callable[[], datetime],
        glue_client: Callable[[], Any] = make_glue_client,
    ):
        self.spark, self.storage, self.args, self.facts, self.workdir, self.now = spark, storage, args, facts, workdir, now
        self.glue_client = glue_client
        # Kept for cleanup(), which also runs after a failure part-way.
        self.classified: DataFrame | None = None
        self.staging: str | None = None
        self.declared_added: list[RegisteredColumn] = []

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.facts.durations[name] = self.facts.durations.get(name, 0.0) + time.perf_counter() - started

    def execute(self) -> None:
        manifest = self._read_manifest()
        places = self._places_of(manifest)
        manifest, files = self._check_inputs(manifest)
        if not files:
            # Every input was excluded: the run succeeds with nothing to convert, and the report says why.
            return
        paths = self._stage_in(manifest)
        parsed = self._parse(manifest, files, paths, places)
        outputs = self._write_parquet(parsed, places) if parsed.expected_rows else []
        staged_rejects = self._write_rejects(parsed, places) if parsed.rejected else None
        self._commit(places, outputs, staged_rejects)
        self._record_outputs(outputs)
        self._sync_catalog(places)

    def _read_manifest(self) -> Manifest:
        path = self.args.manifest_path
        with self.phase("manifest"):
            got = self.storage.get_bytes(path)
            if got is None:
                raise ManifestNotFoundError(f"manifest {path} does not exist", manifest_path=path)
            manifest = parse_manifest(got[0], path)
            check_manifest_matches(manifest, self.args.date_prefix, self.args.manifest_id)
            self.facts.manifest_id = check_manifest_id(manifest.manifest_id)
            self.facts.manifest = {
                "name": manifest.name,
                "batch_seq": manifest.batch_seq,
                "file_count": len(manifest.files),
                "created_at": manifest.created_at,
            }
        return manifest

    def _places_of(self, manifest: Manifest) -> _Places:
        bucket, prefix, manifest_id, date = self.args.output_bucket, self.args.output_prefix, manifest.manifest_id, manifest.date_prefix
        folder = output_folder_uri(bucket, prefix, date)
        self.facts.output_folder = folder
        self.staging = staging_uri(bucket, prefix, manifest_id, self.facts.job_run_id)
        return _Places(
            manifest_id=manifest_id,
            date=date,
            folder=folder,
            staging=self.staging,
            spark_dir=self.storage.spark_dir(self.staging, self.workdir).rstrip("/"),
            registry=registry_uri(bucket, prefix),
            rejects=rejects_uri(bucket, self.args.rejects_prefix, date, manifest_id),
        )

    def _check_inputs(self, manifest: Manifest) -> tuple[Manifest, list[tuple[str, str, int]]]:
        """Excludes the inputs that are gone or changed (inputs.py); returns the manifest of the rest and
        (uri, key, bytes) per file, in manifest order."""
        with self.phase("verify_inputs"):
            check = verify_inputs(self.storage, manifest)
        manifest, infos = check.manifest, check.infos
        self.facts.excluded_files = check.excluded
        if check.excluded:
            log.warning("manifest %s: %d input file(s) excluded: %s", manifest.manifest_id, len(check.excluded), check.excluded[:20])
        self.facts.input_bytes = sum(i.size for i in infos)
        files = [(f.uri, f.key, i.size) for f, i in zip(manifest.files, infos, strict=True)]
        self.facts.files = [
            {"key": k, "uri": u, "bytes": s, "lines_read": 0, "rows_written": 0, "lines_rejected": 0, "empty_lines": 0} for u, k, s in files
        ]
        return manifest, files

    def _stage_in(self, manifest: Manifest) -> list[str]:
        """The inputs where Spark reads them; returns one path per manifest file."""
        with self.phase("stage_in"):
            return self.storage.stage_in([(f.uri, f.etag) for f in manifest.files], self.workdir)

    def _parse(self, manifest: Manifest, files: list[tuple[str, str, int]], paths: list[str], places: _Places) -> _Parsed:
        with self.phase("parse"):
            # The columns registered so far are parsed straight into their types; the rest of the record
            # stays tagged until this batch's new columns are registered.
            known = sorted(self._registry_with_declared(places).values(), key=lambda c: c.name)
            parser = register_parser(self.spark, [(c.name, c.type) for c in known])
            self.classified = classify_lines(read_lines(self.spark, paths), parser, len(known)).persist(StorageLevel.MEMORY_AND_DISK)
            chunks = collect_chunks(chunk_counts(self.classified, len(known)))
            offsets = line_offsets(chunks, paths)
            accounts = file_accounts(chunks, offsets, files)
        self.facts.files = [a.as_dict() for a in accounts]
        return _Parsed(
            classified=self.classified,
            known=known,
            chunks=chunks,
            offsets=offsets_frame(self.spark, offsets, [f.uri for f in manifest.files]),
            expected_rows=sum(a.rows_written for a in accounts),
            rejected=sum(a.lines_rejected for a in accounts),
        )

    def _registry_with_declared(self, places: _Places) -> dict[str, RegisteredColumn]:
        """The registry, with the declared columns registered first so they win over inference; a declaration
        that retypes a registered column fails the run here, before anything is written."""
        declared = self.args.declared_columns
        if not declared:
            return load_registry(self.storage, places.registry)[0]
        registry, self.declared_added = register_columns(
            self.storage,
            places.registry,
            lambda current: declared_additions(declared, current),
            places.manifest_id,
            lambda: self.now().isoformat(),
        )
        return registry

    def _write_parquet(self, parsed: _Parsed, places: _Places) -> list[_ParquetOutput]:
        """The rows as Parquet files of about --target_file_mb, staged for the commit."""
        plan = self._plan_schema(parsed, places)
        parts_dir = self._write_parts(parsed, plan, places)
        files = self._merge_parts(parts_dir, places, parsed.expected_rows)
        return self._stage_out_parquet(files, places)

    def _plan_schema(self, parsed: _Parsed, places: _Places) -> SchemaPlan:
        """Registers this batch's new columns and decides every column's type and which values are rescued."""
        with self.phase("schema"):
            # In a table's steady state every value fits a registered column: nothing left to profile.
            profiles = collect_profiles(shape_counts(parsed.classified)) if any(c.untyped for c in parsed.chunks) else []
            present = typed_presence(parsed.chunks, [c.name for c in parsed.known])
            registry, added = register_columns(
                self.storage,
                places.registry,
                lambda current: propose_columns(profiles, current),
                places.manifest_id,
                lambda: self.now().isoformat(),
            )
            plan = plan_schema(profiles, registry, {c.name: i for i, c in enumerate(parsed.known)}, present)
        self.facts.schema = {
            "columns": {c.name: c.type for c in plan.columns},
            "added_to_registry": {c.name: c.type for c in [*self.declared_added, *added]},
            "rescue_checked": dict(plan.rescued),
        }
        return plan

    def _write_parts(self, parsed: _Parsed, plan: SchemaPlan, places: _Places) -> str:
        """Spark writes the typed rows as Parquet parts; returns their directory."""
        parts_dir = f"{places.spark_dir}/parts"
        with self.phase("write"):
            rows = project_rows(parsed.classified, plan, parsed.offsets, places.date, self.args.declared_columns)
            (
                rows.write.mode("overwrite")
                .option("compression", SPARK_CODEC[self.args.compression])
                .option("parquet.block.size", ROW_GROUP_BYTES)
                .parquet(parts_dir)
            )
            if plan.needs_rescue:
                self.facts.schema["rescued_values"] = _rescued_counts(self.spark, parts_dir)
        return parts_dir

    def _merge_parts(self, parts_dir: str, places: _Places, expected_rows: int) -> list[tuple[ParquetFile, str]]:
        """Groups the parts into files of about --target_file_mb; returns each file with its final name.
        Refuses output whose row count differs from the lines parsed."""
        with self.phase("merge"):
            parts = list_parts(self.spark, parts_dir)
            files: list[tuple[ParquetFile, str]] = []
            for index, group in enumerate(group_parts([p.size for p in parts], int(self.args.target_file_mb * MB))):
                name = part_file_name(places.manifest_id, index, self.args.compression)
                members = [parts[i] for i in group]
                merged = members[0] if len(members) == 1 else merge_parts(self.spark, members, f"{places.spark_dir}/files/{name}")
                files.append((merged, name))
            written = sum(f.rows for f, _ in files)
            if written != expected_rows:
                raise OutputIntegrityError(
                    f"Parquet holds {written} rows but {expected_rows} lines parsed; nothing committed",
                    written=written,
                    expected=expected_rows,
                )
        return files

    def _stage_out_parquet(self, files: list[tuple[ParquetFile, str]], places: _Places) -> list[_ParquetOutput]:
        with self.phase("stage_out"):
            staged = self.storage.stage_out([f.path for f, _ in files], f"{places.staging}files/")
        return [_ParquetOutput(file, Publication(uri, f"{places.folder}{name}")) for uri, (file, name) in zip(staged, files, strict=True)]

    def _write_rejects(self, parsed: _Parsed, places: _Places) -> str:
        """The rejected lines as one NDJSON object, staged for the commit; returns its staged URI."""
        with self.phase("rejects"):
            rejects = reject_rows(parsed.classified, parsed.offsets, places.manifest_id, places.date).persist(StorageLevel.MEMORY_AND_DISK)
            rejects_dir = f"{places.spark_dir}/rejects"
            try:
                by_reason = {r["reason"]: int(r["count"]) for r in rejects.groupBy("reason").count().collect()}
                rejects.coalesce(1).write.mode("overwrite").option("compression", "none").json(rejects_dir)
            finally:
                rejects.unpersist()
            staged = self.storage.stage_out(_json_parts(self.spark, rejects_dir), f"{places.staging}rejects/")[0]
        self.facts.rejects = {"path": places.rejects, "count": parsed.rejected, "by_reason": by_reason}
        return staged

    def _commit(self, places: _Places, outputs: list[_ParquetOutput], staged_rejects: str | None) -> None:
        """Replaces the manifest's files in the date folder and its rejects object (commit.py)."""
        with self.phase("commit"):
            self.facts.replaced_files = commit_manifest_files(
                self.storage, manifest_files_prefix(places.folder, places.manifest_id), [o.publication for o in outputs]
            )
            commit_rejects(self.storage, staged_rejects, places.rejects)

    def _record_outputs(self, outputs: list[_ParquetOutput]) -> None:
        self.facts.parquet_files = [
            {"path": o.publication.final_uri, "size_mb": round(o.file.size / MB, 3), "size_bytes": o.file.size, "record_count": o.file.rows}
            for o in outputs
        ]
        self.facts.output_bytes = sum(o.file.size for o in outputs)

    def _sync_catalog(self, places: _Places) -> None:
        """Adds the registry's columns the catalog table lacks. The Parquet is committed by now, so a failed
        sync does not fail the run: the report says so, and the next run's sync adds what this one did not."""
        database, table = self.args.catalog_database, self.args.catalog_table
        if not (database and table):
            return
        with self.phase("catalog"):
            try:
                # Read again: runs of other dates may have registered columns since this run's schema step.
                registry = load_registry(self.storage, places.registry)[0]
                self.facts.catalog = sync_catalog_table(self.glue_client(), database, table, registry).as_dict()
            except Exception as err:  # recorded in the report and logged; the committed output stands
                error = err.as_dict() if isinstance(err, JobError) else {"type": type(err).__name__, "message": str(err)}
                self.facts.catalog = {"status": "failed", "database": database, "table": table, "error": error}
                log.warning("catalog sync of %s.%s failed (the next run catches up): %s", database, table, error)

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
