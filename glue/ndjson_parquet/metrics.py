"""The job's own metrics (contracts/metrics.ts, `emittedBy: 'glue'`), which only the job knows:
- `InputsChanged`: input files a run excluded because they were changed or deleted since their manifest was
  built (inputs.py);
- `GlueDpuSeconds`: the run's billed DPU-seconds as the job estimates them (cost.py, the report's `cost`);
- `GlueInputBytes`: bytes of the manifest's inputs a successful run converted, so the dashboard divides the
  first by the second for $/GB (a failed run's DPU-seconds count, its bytes are converted by the run that
  succeeds).
It publishes them with one PutMetricData per run, in the pipeline's namespace and `service` dimension
(--metrics_namespace, --metrics_service, set by the stack), where the dashboard and the `inputs-changed` alarm
read them beside the Lambdas' metrics. The job role may publish in that namespace only
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/iam-cw-condition-keys-namespace.html). Without
a namespace (the local worker: its runner counts the report's figures instead) nothing is published."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

INPUTS_CHANGED = "InputsChanged"
GLUE_DPU_SECONDS = "GlueDpuSeconds"
GLUE_INPUT_BYTES = "GlueInputBytes"
SERVICE_DIMENSION = "service"

log = logging.getLogger("ndjson_parquet")

#: One value of one metric: (name, value, CloudWatch unit).
Datum = tuple[str, float, str]
MetricPublisher = Callable[[Sequence[Datum]], None]


def cloudwatch_publisher(namespace: str, service: str, client_factory: Callable[[], Any] | None = None) -> MetricPublisher | None:
    if not namespace or not service:
        return None

    def publish(data: Sequence[Datum]) -> None:
        import boto3

        client = client_factory() if client_factory else boto3.client("cloudwatch")
        client.put_metric_data(
            Namespace=namespace,
            MetricData=[
                {"MetricName": name, "Dimensions": [{"Name": SERVICE_DIMENSION, "Value": service}], "Value": value, "Unit": unit}
                for name, value, unit in data
            ],
        )

    return publish


def run_metrics(report: dict[str, Any]) -> list[Datum]:
    """What a run publishes, from its report: exclusions when there were any, the DPU-seconds when the report
    priced the run, the converted bytes when it succeeded."""
    data: list[Datum] = []
    excluded = len(report.get("excluded_files") or [])
    if excluded:
        data.append((INPUTS_CHANGED, float(excluded), "Count"))
    cost = report.get("cost")
    if cost:
        data.append((GLUE_DPU_SECONDS, float(cost["dpu_seconds"]), "Count"))
    if (report.get("processing_summary") or {}).get("status") == "success":
        data.append((GLUE_INPUT_BYTES, float((report.get("bytes") or {}).get("input") or 0), "Bytes"))
    return data


def publish_run_metrics(publisher: MetricPublisher | None, data: Sequence[Datum]) -> None:
    """A metric that cannot be published fails nothing: the report holds every figure, and the run's Parquet is committed."""
    if publisher is None or not data:
        return
    try:
        publisher(data)
    except Exception as err:
        log.warning("could not publish %s: %s", ", ".join(f"{name}={value:g}" for name, value, _ in data), err)
