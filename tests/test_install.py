"""The built wheel works on its own: installed into a fresh venv (with the locked versions), run
from a folder outside the checkout, it finds its corpus and vocabularies as package data."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def run(*command, cwd, env=None, timeout=900):
    done = subprocess.run([str(c) for c in command], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)
    assert done.returncode == 0, f"{command} -> {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


@pytest.mark.slow
def test_the_wheel_carries_its_data_and_runs_from_anywhere(tmp_path):
    dist = tmp_path / "dist"
    run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", dist, REPO, cwd=tmp_path)
    wheel = next(dist.glob("slr_peft_code-*.whl"))
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", venv, cwd=tmp_path)
    python = venv / "bin" / "python"
    lock = os.environ.get("SLR_TEST_CONSTRAINTS") or REPO / "constraints.txt"   # scripts/relock.sh sets it
    run(python, "-m", "pip", "install", "-q", "-c", lock, "torch==2.13.0", cwd=tmp_path)
    run(python, "-m", "pip", "install", "-q", "-c", lock, wheel, cwd=tmp_path)

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLR_", "PYTHON", "VIRTUAL_ENV"))}
    env.update(SLR_DATA_DIR=str(tmp_path / "data"), SLR_CACHE=str(tmp_path / "cache"), HF_HUB_OFFLINE="1")
    where = run(python, "-c", "import corpus, slr, taxonomy; print(corpus.__file__, slr.__file__, taxonomy.__file__)",
                cwd=elsewhere, env=env)
    site = str(venv)
    assert all(path.startswith(site) for path in where.split()), where      # not the checkout

    slr = venv / "bin" / "slr"
    studies = json.loads(run(slr, "papers", "--format", "json", cwd=elsewhere, env=env))
    assert len(studies) == 28 and {"P1", "P30", "P38"} <= {s["id"] for s in studies}
    run(slr, "check", cwd=elsewhere, env=env)
    assert "Code Summarization" in run(slr, "taxonomy", cwd=elsewhere, env=env)
    version = json.loads(run(slr, "--version", "--format", "json", cwd=elsewhere, env=env))
    assert version["version"] == _project_version() and len(version["corpus_sha256"]) == 64
    listing = json.loads(run(slr, "replicate", "--list", "--format", "json", cwd=elsewhere, env=env))
    assert len({row["study"] for row in listing}) == 28


def _project_version() -> str:
    import tomllib

    return tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
