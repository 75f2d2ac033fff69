"""What the stack uploads, exactly: scripts/write-glue-artifacts.ts writes the Glue files as pulumi/assets.ts
defines them (the entry script, `ndjson_parquet.zip` from the stack's own archive entries, the parser jar).
The zip must be self-contained: importable with nothing of the repository on sys.path, as on Glue, where it
is --extra-py-files."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
NODE_BIN = REPO / "node_modules" / ".bin"


def run(args: list[str], *, cwd: Path, env: dict[str, str], timeout: int) -> subprocess.CompletedProcess[str]:
    """The command's exit code and output, for the test to judge (never raises on a non-zero exit)."""
    return subprocess.run(args, capture_output=True, text=True, check=False, cwd=cwd, env=env, timeout=timeout)


@pytest.fixture(scope="module")
def uploaded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("uploaded")
    # node_modules/.bin first, as under npm scripts: tsx then runs on the Node 24 installed there.
    env = {**os.environ, "PATH": f"{NODE_BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = run([str(NODE_BIN / "tsx"), "scripts/write-glue-artifacts.ts", str(out)], cwd=REPO, env=env, timeout=180)
    assert result.returncode == 0, result.stderr
    return out


def without_repository(env: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in env.items() if k != "PYTHONPATH"}


def test_the_package_zip_holds_every_module_of_the_package(uploaded: Path):
    package = REPO / "glue" / "ndjson_parquet"
    modules = sorted(p.relative_to(package.parent).as_posix() for p in package.rglob("*.py") if "__pycache__" not in p.parts)

    with zipfile.ZipFile(uploaded / "ndjson_parquet.zip") as archive:
        names = sorted(archive.namelist())
        broken = archive.testzip()

    assert broken is None
    assert names == modules


def test_the_package_zip_and_the_entry_script_import_on_their_own(uploaded: Path, tmp_path: Path):
    code = (
        "import sys, runpy; sys.path.insert(0, sys.argv[1]);"
        "import ndjson_parquet.job, ndjson_parquet.s3_storage, ndjson_parquet.fs_storage;"
        "ns = runpy.run_path(sys.argv[2], run_name='not_main'); assert callable(ns['main']);"
        "print(ndjson_parquet.job.__file__)"
    )
    archive, script = uploaded / "ndjson_parquet.zip", uploaded / "ndjson_to_parquet.py"

    result = run(
        [sys.executable, "-c", code, str(archive), str(script)], cwd=tmp_path, env=without_repository(dict(os.environ)), timeout=120
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"{archive}{os.sep}")


def test_the_entry_script_fails_a_run_with_its_typed_error(uploaded: Path, tmp_path: Path):
    env = without_repository({k: v for k, v in os.environ.items() if not k.startswith("AWS_")})
    # Glue puts the --extra-py-files on sys.path.
    env["PYTHONPATH"] = str(uploaded / "ndjson_parquet.zip")

    result = run(
        [sys.executable, str(uploaded / "ndjson_to_parquet.py"), "--JOB_NAME", "j", "--date_prefix", "2026-01-30"],
        cwd=tmp_path,
        env=env,
        timeout=120,
    )

    assert result.returncode != 0
    assert "JobArgumentsError" in result.stderr
    assert "--manifest_path" in result.stderr
