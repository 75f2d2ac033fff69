"""The run report, `logs/glue/<YYYY-MM-DD>-T<HHMMSS>-<8 hex>-0001.json` in the manifest bucket: the seed's
fields (job_info, processing_summary, parquet_files, timestamp) plus what an operator needs to trace a run."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .cost import run_cost

MB = 1024 * 1024


def report_key(at: datetime, token: str | None = None) -> str:
    token = token or secrets.token_hex(4)
    return f"logs/glue/{at.strftime('%Y-%m-%d')}-T{at.strftime('%H%M%S')}-{token}-0001.json"


@dataclass
class RunFacts:
    """Everything the job learned, filled in as it goes; a failed run reports what it got to."""

    job_name: str
    job_run_id: str
    glue_version: str
    worker_type: str
    number_of_workers: int | None
    execution_class: str
    dpu_hour_usd: float | None
    manifest_path: str
    manifest_id: str
    date: str
    started_at: datetime
    output_folder: str = ""
    manifest: dict[str, Any] = field(default_factory=dict)
    files: list[dict[str, Any]] = field(default_factory=list)
    parquet_files: list[dict[str, Any]] = field(default_factory=list)
    replaced_files: list[str] = field(default_factory=list)
    excluded_files: list[dict[str, Any]] = field(default_factory=list)
    rejects: dict[str, Any] = field(default_factory=dict)
    schema: dict[str, Any] = field(default_factory=dict)
    catalog: dict[str, Any] = field(default_factory=dict)
    durations: dict[str, float] = field(default_factory=dict)
    input_bytes: int = 0
    output_bytes: int = 0
    error: dict[str, Any] | None = None


def build_report(facts: RunFacts, status: str, finished_at: datetime) -> dict[str, Any]:
    lines_read = sum(f["lines_read"] for f in facts.files)
    written = sum(f["rows_written"] for f in facts.files)
    rejected = sum(f["lines_rejected"] for f in facts.files)
    empty = sum(f["empty_lines"] for f in facts.files)
    elapsed = (finished_at - facts.started_at).total_seconds()
    return {
        # The capacity the run ran on (the state machine sizes each run: docs/glue.md, Sizing each run), and what
        # it cost by the job's own wall time; job_info keeps the seed's fields.
        "worker_type": facts.worker_type,
        "number_of_workers": facts.number_of_workers,
        "execution_class": facts.execution_class,
        "cost": run_cost(facts.worker_type, facts.number_of_workers, elapsed, facts.dpu_hour_usd),
        "job_info": {
            "job_name": facts.job_name,
            "job_run_id": facts.job_run_id,
            "glue_version": facts.glue_version,
            "worker_type": facts.worker_type,
            "number_of_workers": facts.number_of_workers,
        },
        "processing_summary": {
            # Records that reached a decision: written to Parquet or rejected. A blank line is rejected (so
            # that every line read is accounted for) but is no record.
            "records_processed": written + rejected - empty,
            "parquet_files_created": len(facts.parquet_files),
            "input_size_mb": round(facts.input_bytes / MB, 3),
            "output_size_mb": round(facts.output_bytes / MB, 3),
            "compression_ratio": round(facts.input_bytes / facts.output_bytes, 2) if facts.output_bytes else None,
            "execution_time_seconds": round(elapsed, 3),
            "files_excluded": len(facts.excluded_files),
            "status": status,
        },
        "parquet_files": facts.parquet_files,
        "timestamp": finished_at.isoformat(),
        "manifest": {"id": facts.manifest_id, "path": facts.manifest_path, **facts.manifest},
        "date": facts.date,
        "output_folder": facts.output_folder,
        "records": {"read": lines_read, "written": written, "rejected": rejected, "empty_lines": empty},
        "bytes": {"input": facts.input_bytes, "output": facts.output_bytes},
        "files": facts.files,
        "excluded_files": facts.excluded_files,
        "rejects": facts.rejects,
        "schema": facts.schema,
        # The catalog sync (catalog.py): what it added, conflicts it left alone, or why it failed.
        "catalog": facts.catalog,
        "replaced_files": facts.replaced_files,
        "durations_seconds": {k: round(v, 3) for k, v in facts.durations.items()},
        "started_at": facts.started_at.isoformat(),
        "error": facts.error,
    }


def report_body(report: dict[str, Any]) -> bytes:
    return json.dumps(report, indent=2, default=str).encode()
