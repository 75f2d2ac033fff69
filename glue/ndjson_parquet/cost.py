"""The run's estimated cost, from its own run time and the capacity it ran on: Glue bills a Spark run per second,
with a one-minute minimum, for every worker's DPUs (https://aws.amazon.com/glue/pricing/). The job knows its
wall time, not Glue's ExecutionTime (which also counts Glue starting the Spark application), so the estimate is
low by that start-up; reports and trace on AWS replace it with GetJobRun's figures. The rule is the same as
handlers/orchestration/glueCapacity.ts billedDpuSeconds, whose GLUE_WORKERS the DPUs below repeat."""

from __future__ import annotations

import math
from typing import Any

#: DPUs Glue bills per worker of each type (https://docs.aws.amazon.com/glue/latest/dg/worker-types.html).
WORKER_DPU: dict[str, int] = {"G.1X": 1, "G.2X": 2, "G.4X": 4, "G.8X": 8}
MINIMUM_BILLED_SECONDS = 60
BASIS = "run time x DPUs, 1-minute minimum"


def billed_dpu_seconds(worker_type: str, number_of_workers: int, run_seconds: float) -> int | None:
    """DPU-seconds billed for a run of this capacity and time; None when the worker type is none Glue bills (a local run
    given no capacity)."""
    dpu = WORKER_DPU.get(worker_type)
    if dpu is None or number_of_workers <= 0:
        return None
    return max(MINIMUM_BILLED_SECONDS, math.ceil(run_seconds)) * number_of_workers * dpu


def run_cost(worker_type: str, number_of_workers: int | None, run_seconds: float, dpu_hour_usd: float | None) -> dict[str, Any] | None:
    """The report's `cost` object, or None when the run's capacity or the DPU-hour price is unknown."""
    if number_of_workers is None or dpu_hour_usd is None:
        return None
    dpu_seconds = billed_dpu_seconds(worker_type, number_of_workers, run_seconds)
    if dpu_seconds is None:
        return None
    return {"dpu_seconds": dpu_seconds, "usd": round(dpu_seconds / 3600 * dpu_hour_usd, 6), "estimated": True, "basis": BASIS}
