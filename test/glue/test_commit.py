"""Exactly once per manifest: manifests of one date share a folder without colliding, a re-run replaces
exactly its manifest's files, and a run killed part-way is repaired by its re-run."""

from __future__ import annotations

from collections import Counter

from local_worker import FaultyStorage
from records import ndjson, records
from support import Pipeline


def ids(pipeline: Pipeline) -> Counter:
    return Counter(r["id"] for r in pipeline.output_rows())


def four_file_manifest(pipeline: Pipeline, seq: int = 1, stamp: str = "20260130-143052"):
    files = [pipeline.put_file(ndjson(records(120, seed=seq * 100 + i))) for i in range(4)]
    expected = Counter(r["id"] for i in range(4) for r in records(120, seed=seq * 100 + i))
    return pipeline.put_manifest(files, seq=seq, stamp=stamp), expected


def test_two_manifests_of_one_date_share_the_folder_without_colliding(pipeline: Pipeline):
    a = pipeline.put_manifest([pipeline.put_file(ndjson(records(30, seed=1)))], seq=1, stamp="20260130-100000")
    b = pipeline.put_manifest([pipeline.put_file(ndjson(records(20, seed=2)))], seq=2, stamp="20260130-110000")

    assert pipeline.run(a).status == "SUCCEEDED"
    assert pipeline.run(b).status == "SUCCEEDED"

    keys = pipeline.output_keys()
    assert [k.rsplit("/", 1)[1] for k in keys] == [
        "2026-01-30-batch-0001-20260130-100000-part-0000.zstd.parquet",
        "2026-01-30-batch-0002-20260130-110000-part-0000.zstd.parquet",
    ]
    assert ids(pipeline) == Counter(r["id"] for r in records(30, seed=1) + records(20, seed=2))


def test_a_rerun_leaves_the_same_rows_and_touches_no_other_manifest(pipeline: Pipeline):
    a = pipeline.put_manifest([pipeline.put_file(ndjson(records(30, seed=1)))], seq=1, stamp="20260130-100000")
    b = pipeline.put_manifest([pipeline.put_file(ndjson(records(20, seed=2)))], seq=2, stamp="20260130-110000")
    pipeline.run(a)
    pipeline.run(b)
    before = sorted(r.items() for r in (dict(x, _rescued_data=None) for x in pipeline.output_rows()))
    b_key = next(k for k in pipeline.output_keys() if "batch-0002" in k)
    b_etag = pipeline.s3.head_object(Bucket=pipeline.output_bucket, Key=b_key)["ETag"]

    outcome = pipeline.run(a)

    assert outcome.status == "SUCCEEDED"
    after = sorted(r.items() for r in (dict(x, _rescued_data=None) for x in pipeline.output_rows()))
    assert after == before
    assert pipeline.s3.head_object(Bucket=pipeline.output_bucket, Key=b_key)["ETag"] == b_etag
    assert pipeline.report(outcome)["replaced_files"] == [
        f"s3://{pipeline.output_bucket}/{k}" for k in pipeline.output_keys() if "batch-0001" in k
    ]


def test_a_run_killed_after_committing_some_files_is_repaired_by_its_rerun(pipeline: Pipeline):
    manifest, expected = four_file_manifest(pipeline)
    faulty = FaultyStorage(pipeline.storage, fail_after_files=1)

    killed = pipeline.run(manifest, storage=faulty, target_file_mb=0.005)

    assert killed.status == "FAILED"
    assert "InjectedFault" in (killed.error or "")
    assert pipeline.report(killed)["processing_summary"]["status"] == "failed"
    assert len(pipeline.output_keys()) == 1
    assert sum(ids(pipeline).values()) < sum(expected.values())
    assert pipeline.keys(pipeline.output_bucket, "pipeline/output/_staging/") == []

    rerun = pipeline.run(manifest, target_file_mb=0.005)

    assert rerun.status == "SUCCEEDED", rerun.error
    assert len(pipeline.output_keys()) >= 2
    assert ids(pipeline) == expected


def test_a_rerun_killed_mid_commit_after_a_good_run_still_converges(pipeline: Pipeline):
    manifest, expected = four_file_manifest(pipeline)
    assert pipeline.run(manifest, target_file_mb=0.005).status == "SUCCEEDED"

    killed = pipeline.run(manifest, storage=FaultyStorage(pipeline.storage, fail_after_files=1), target_file_mb=1)
    assert killed.status == "FAILED"
    final = pipeline.run(manifest)

    assert final.status == "SUCCEEDED"
    assert ids(pipeline) == expected
    assert len(pipeline.output_keys()) == 1


class DiesWhileStaging:
    """A run that dies after Spark wrote its files, before any of them is published."""

    def __init__(self, inner):
        self._inner = inner
        self.name = "dies-while-staging"

    def stage_out(self, spark_paths, staging_uri):
        self._inner.stage_out(spark_paths, staging_uri)
        raise RuntimeError("worker lost")

    def __getattr__(self, name):
        return getattr(self._inner, name)


def test_a_run_killed_while_writing_leaves_the_final_folder_untouched(pipeline: Pipeline):
    manifest, expected = four_file_manifest(pipeline)
    assert pipeline.run(manifest).status == "SUCCEEDED"
    keys_before = {k: pipeline.s3.head_object(Bucket=pipeline.output_bucket, Key=k)["ETag"] for k in pipeline.output_keys()}

    outcome = pipeline.run(manifest, storage=DiesWhileStaging(pipeline.storage))

    assert outcome.status == "FAILED"
    assert "worker lost" in (outcome.error or "")
    assert {k: pipeline.s3.head_object(Bucket=pipeline.output_bucket, Key=k)["ETag"] for k in pipeline.output_keys()} == keys_before
    assert ids(pipeline) == expected
    assert pipeline.keys(pipeline.output_bucket, "pipeline/output/_staging/") == []
