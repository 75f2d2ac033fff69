"""What the stack uploads: glue/ndjson_to_parquet.py as the script and the ndjson_parquet package zipped as
--extra-py-files (pulumi/assets.ts builds `ndjson_parquet.zip` holding `ndjson_parquet/*.py`). The zip must
be self-contained: importable with nothing of the repository on sys.path."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile

GLUE = os.path.join(os.path.dirname(__file__), "..", "..", "glue")


def test_the_package_zip_and_the_entry_script_import_on_their_own(tmp_path):
    archive = tmp_path / "ndjson_parquet.zip"
    package = os.path.join(GLUE, "ndjson_parquet")
    with zipfile.ZipFile(archive, "w") as zf:
        for name in sorted(os.listdir(package)):
            if name.endswith(".py"):
                zf.write(os.path.join(package, name), f"ndjson_parquet/{name}")
    script = os.path.abspath(os.path.join(GLUE, "ndjson_to_parquet.py"))
    code = (
        "import sys, runpy; sys.path[:] = [p for p in sys.path if 'glue' not in p]; sys.path.insert(0, sys.argv[1]);"
        "import ndjson_parquet.job, ndjson_parquet.s3_storage, ndjson_parquet.fs_storage;"
        "ns = runpy.run_path(sys.argv[2], run_name='not_main'); assert callable(ns['main']);"
        "print(ndjson_parquet.job.__file__)"
    )

    result = subprocess.run(
        [sys.executable, "-c", code, str(archive), script], capture_output=True, text=True, check=False, cwd=tmp_path, timeout=120
    )

    assert result.returncode == 0, result.stderr
    assert str(archive) in result.stdout


def test_the_entry_script_fails_a_run_with_its_typed_error(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    result = subprocess.run(
        [sys.executable, os.path.join(GLUE, "ndjson_to_parquet.py"), "--JOB_NAME", "j", "--date_prefix", "2026-01-30"],
        capture_output=True,
        check=False,
        text=True,
        env=env,
        timeout=120,
    )

    assert result.returncode != 0
    assert "JobArgumentsError" in result.stderr
    assert "--manifest_path" in result.stderr
