#!/usr/bin/env bash
# One-go GPU check of P30's paper profile (FMFT, adapters, LoRA; bf16; at most 10 minutes on one H100/H200).
# Writes benchmarks/replication/gpu_check.{json,md}. A CPU dry run:
#   bash benchmarks/replication/gpu_check.sh --device cpu --size tiny --steps 2 --rows 24
set -euo pipefail
cd "$(dirname "$0")/../.."
PYTHON="${PYTHON:-$( [ -x .venv/bin/python ] && echo .venv/bin/python || echo python3 )}"
export HF_HUB_OFFLINE="${HF_HUB_OFFLINE:-1}"
exec timeout "${GPU_CHECK_TIMEOUT:-600}" "$PYTHON" benchmarks/replication/gpu_check.py "$@"
