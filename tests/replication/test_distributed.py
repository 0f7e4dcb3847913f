"""`accelerate launch` over 2 processes (CPU, gloo) gives one run record whose metrics cover the whole test set."""
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ACCELERATE = Path(sys.executable).with_name("accelerate")


@pytest.mark.slow
@pytest.mark.skipif(not ACCELERATE.exists() and not shutil.which("accelerate"), reason="accelerate CLI not installed")
def test_two_processes_give_one_record_over_the_whole_test_set(tmp_path):
    command = [str(ACCELERATE if ACCELERATE.exists() else shutil.which("accelerate")), "launch", "--multi_gpu",
               "--num_processes", "2", "--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend", "no",
               "-m", "replication", "P30", "--profile", "smoke", "--experiment", "jitdp-codebert", "--method", "lora",
               "--device", "cpu"]
    # without GPUs, accelerate's multi-process launch runs torch.distributed on the CPU (gloo)
    done = subprocess.run(command, capture_output=True, text=True, timeout=300,
                          env={**__import__("os").environ, "CUDA_VISIBLE_DEVICES": ""})
    assert done.returncode == 0, done.stderr[-2000:]
    records = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert len(records) == 1
    (record,) = records
    assert record["status"] == "ok" and record["steps"] == 2                  # 4 steps shared by 2 processes
    assert any(n.startswith("distributed: 2 processes") for n in record["notes"])
    assert len(record["per_example"]["units"]) == 16                          # P30's smoke test split, whole
