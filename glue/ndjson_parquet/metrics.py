"""The job's one metric of its own, `InputsChanged` (contracts/metrics.ts): input files a run excluded because
they were changed or deleted since their manifest was built (inputs.py). The job is the one place that sees
them, so it publishes the count itself with PutMetricData, in the pipeline's namespace and `service`
dimension (--metrics_namespace, --metrics_service, set by the stack), where the dashboard and the
`inputs-changed` alarm read it beside the Lambdas' metrics. The job role may publish in that namespace only
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/iam-cw-condition-keys-namespace.html). Without
a namespace (the local worker: its runner counts the report's exclusions instead) nothing is published."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

INPUTS_CHANGED = "InputsChanged"
SERVICE_DIMENSION = "service"

log = logging.getLogger("ndjson_parquet")

MetricPublisher = Callable[[str, float], None]


def cloudwatch_publisher(namespace: str, service: str, client_factory: Callable[[], Any] | None = None) -> MetricPublisher | None:
    if not namespace or not service:
        return None

    def publish(name: str, value: float) -> None:
        import boto3

        client = client_factory() if client_factory else boto3.client("cloudwatch")
        client.put_metric_data(
            Namespace=namespace,
            MetricData=[
                {"MetricName": name, "Dimensions": [{"Name": SERVICE_DIMENSION, "Value": service}], "Value": value, "Unit": "Count"}
            ],
        )

    return publish


def publish_inputs_changed(publisher: MetricPublisher | None, excluded: int) -> None:
    """A metric that cannot be published fails nothing: the report names the files, and the run's Parquet is committed."""
    if publisher is None or excluded == 0:
        return
    try:
        publisher(INPUTS_CHANGED, float(excluded))
    except Exception as err:
        log.warning("could not publish %s=%d: %s", INPUTS_CHANGED, excluded, err)
