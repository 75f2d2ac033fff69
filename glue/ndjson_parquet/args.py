"""Job arguments. On Glue they come from awsglue.utils.getResolvedOptions; locally (awsglue is not
installable) from a small parser that accepts the same `--name value` / `--name=value` argv."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from .declared import parse_declared
from .errors import JobArgumentsError

REQUIRED = ("JOB_NAME", "manifest_path", "date_prefix", "output_bucket", "manifest_bucket")
OPTIONAL_DEFAULTS: dict[str, str] = {
    "JOB_RUN_ID": "",
    "manifest_id": "",
    "output_prefix": "pipeline/output/",
    "rejects_prefix": "pipeline/rejects/",
    "compression": "zstd",
    "target_file_mb": "256",
    # Set by the stack as DefaultArguments so the report can describe the run without glue:GetJobRun.
    "glue_version": "",
    "worker_type": "",
    "number_of_workers": "",
    # The run's execution class (STANDARD or FLEX) and the price of its DPU-hour, for the report's cost estimate.
    "execution_class": "",
    "dpu_hour_usd": "",
    # Where the job publishes InputsChanged (metrics.py); the stack sets both, the local runtime neither.
    "metrics_namespace": "",
    "metrics_service": "",
    # The catalog table the job adds its registry's new columns to (catalog.py); empty: no sync.
    "catalog_database": "",
    "catalog_table": "",
    # schema.columns as compact JSON (declared.py): the stack always sets it, "{}" when nothing is declared.
    "declared_columns": "{}",
}
COMPRESSIONS = ("zstd", "snappy", "gzip", "none")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class JobArgs:
    job_name: str
    job_run_id: str
    manifest_path: str
    manifest_id: str
    date_prefix: str
    output_bucket: str
    output_prefix: str
    rejects_prefix: str
    manifest_bucket: str
    compression: str
    target_file_mb: float
    glue_version: str = ""
    worker_type: str = ""
    number_of_workers: int | None = None
    execution_class: str = ""
    dpu_hour_usd: float | None = None
    metrics_namespace: str = ""
    metrics_service: str = ""
    catalog_database: str = ""
    catalog_table: str = ""
    declared_columns: dict[str, str] = field(default_factory=dict)
    extra: dict[str, str] = field(default_factory=dict)


def parse_argv(argv: Sequence[str]) -> dict[str, str]:
    """`--name value` and `--name=value` pairs; a bare `--flag` maps to "true". Positional noise is skipped,
    as Glue itself puts a few non-option words into sys.argv."""
    out: dict[str, str] = {}
    i = 0
    while i < len(argv):
        token = argv[i]
        if token.startswith("--"):
            name = token[2:]
            if "=" in name:
                name, value = name.split("=", 1)
                out[name] = value
            elif i + 1 < len(argv) and not argv[i + 1].startswith("--"):
                out[name] = argv[i + 1]
                i += 1
            else:
                out[name] = "true"
        i += 1
    return out


def resolve_options(argv: Sequence[str]) -> dict[str, str]:
    """Raw option values: getResolvedOptions on Glue (asking only for options present, since it fails on
    absent ones), the local parser elsewhere."""
    present = parse_argv(argv)
    try:
        from awsglue.utils import getResolvedOptions  # type: ignore[import-not-found]
    except ImportError:
        return present
    wanted = [n for n in (*REQUIRED, *OPTIONAL_DEFAULTS) if n in present or n in REQUIRED]
    resolved = dict(getResolvedOptions(list(argv), wanted))
    return {**present, **resolved}


def job_args_from(options: dict[str, str]) -> JobArgs:
    missing = [n for n in REQUIRED if not options.get(n)]
    if missing:
        raise JobArgumentsError(f"missing job arguments: {', '.join('--' + n for n in missing)}", missing=missing)
    values = {**OPTIONAL_DEFAULTS, **{k: v for k, v in options.items() if v is not None}}
    if not values["manifest_path"].startswith("s3://"):
        raise JobArgumentsError(f"--manifest_path must be an s3:// URI, got {values['manifest_path']!r}")
    if not DATE_RE.match(values["date_prefix"]):
        raise JobArgumentsError(f"--date_prefix must be YYYY-MM-DD, got {values['date_prefix']!r}")
    compression = values["compression"].lower()
    if compression not in COMPRESSIONS:
        raise JobArgumentsError(f"--compression must be one of {COMPRESSIONS}, got {values['compression']!r}")
    try:
        # A float, so tests can ask for files of a few KB; the stack passes an integer.
        target_file_mb = float(values["target_file_mb"])
        if not target_file_mb > 0:
            raise ValueError
    except ValueError:
        raise JobArgumentsError(f"--target_file_mb must be a positive number, got {values['target_file_mb']!r}") from None
    workers = values["number_of_workers"]
    dpu_hour_usd = _price(values["dpu_hour_usd"])
    known = {*REQUIRED, *OPTIONAL_DEFAULTS}
    return JobArgs(
        job_name=values["JOB_NAME"],
        job_run_id=values["JOB_RUN_ID"],
        manifest_path=values["manifest_path"],
        manifest_id=values["manifest_id"],
        date_prefix=values["date_prefix"],
        output_bucket=values["output_bucket"],
        output_prefix=_as_prefix(values["output_prefix"]),
        rejects_prefix=_as_prefix(values["rejects_prefix"]),
        manifest_bucket=values["manifest_bucket"],
        compression=compression,
        target_file_mb=target_file_mb,
        glue_version=values["glue_version"],
        worker_type=values["worker_type"],
        number_of_workers=int(workers) if workers.isdigit() else None,
        execution_class=values["execution_class"],
        dpu_hour_usd=dpu_hour_usd,
        metrics_namespace=values["metrics_namespace"],
        metrics_service=values["metrics_service"],
        catalog_database=values["catalog_database"],
        catalog_table=values["catalog_table"],
        declared_columns=parse_declared(values["declared_columns"]),
        extra={k: v for k, v in options.items() if k not in known},
    )


def _price(value: str) -> float | None:
    """A price in USD: empty means none given (no cost estimate); anything else must be a number >= 0."""
    if value == "":
        return None
    try:
        price = float(value)
        if not price >= 0 or price == float("inf"):
            raise ValueError
    except ValueError:
        raise JobArgumentsError(f"--dpu_hour_usd must be a price in USD (a number >= 0), got {value!r}") from None
    return price


def _as_prefix(prefix: str) -> str:
    prefix = prefix.strip("/")
    return f"{prefix}/" if prefix else ""
