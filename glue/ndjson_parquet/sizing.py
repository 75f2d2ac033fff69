"""How many Parquet files a manifest becomes.

Spark writes one part per input split, in parallel (so the encoding uses every core); the parts are then
concatenated, row group by row group without re-encoding (merge.py), into round(output / target) files,
at least one. A small manifest therefore gives exactly one file, and a large one files of about the target
size, whatever the cluster's parallelism was."""

from __future__ import annotations

from collections.abc import Sequence

MB = 1024 * 1024
ROW_GROUP_BYTES = 128 * MB  # Athena reads row groups in parallel; 128 MB is its documented sweet spot


def file_count(total_bytes: int, target_bytes: int, parts: int) -> int:
    if parts == 0:
        return 0
    return max(1, min(parts, round(total_bytes / target_bytes)))


def group_parts(part_sizes: Sequence[int], target_bytes: int) -> list[list[int]]:
    """Indices of the parts, in order, split into file_count(...) consecutive groups of similar size."""
    n = file_count(sum(part_sizes), target_bytes, len(part_sizes))
    if n == 0:
        return []
    total = sum(part_sizes)
    groups: list[list[int]] = [[]]
    done = 0
    for i, size in enumerate(part_sizes):
        remaining_parts = len(part_sizes) - i
        remaining_groups = n - len(groups)
        # Close the current group once it reached its share, or when every later part must start a group.
        if groups[-1] and remaining_groups > 0 and (done >= total * len(groups) / n or remaining_parts <= remaining_groups):
            groups.append([])
        groups[-1].append(i)
        done += size
    return groups
