#!/usr/bin/env bash
# Upgrade the locked stack in one command: re-resolve every dependency (transitive ones included)
# to the newest release that pyproject.toml's ranges admit, in a throwaway venv, run ruff and the
# test suite there, and only if both pass write constraints.txt. Then read `git diff constraints.txt`
# and commit it as its own change. Extra arguments go to pytest (e.g. -m "not slow" for a quick look).
set -euo pipefail
cd "$(dirname "$0")/.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

python3 -m venv "$work/venv"
py="$work/venv/bin/python"
"$py" -m pip install -q --upgrade pip setuptools wheel
# torch stays pinned to the CPU build on purpose (an open range pulls a multi-GB CUDA build); move
# it by editing TORCH below and the README together.
TORCH="torch==2.13.0"
"$py" -m pip install -q "$TORCH"
"$py" -m pip install -q -e ".[dev]"          # no -c: the newest versions the ranges allow

{
  echo "# The tested stack: every runtime and dev dependency of slr-peft-code, transitive ones included."
  echo "# Install with: pip install -c constraints.txt torch==2.13.0 && pip install -c constraints.txt -e \".[dev]\""
  echo "# Written by scripts/relock.sh on $(date -u +%Y-%m-%d) after ruff and the tests passed; do not edit by hand."
  # --all keeps pip, setuptools and wheel; a local build tag (+cpu) is dropped so that the pin also
  # matches the same release from another index.
  "$py" -m pip freeze --all --exclude-editable | sed -E 's/^(torch==[0-9.]+)\+[a-z0-9]+$/\1/' | LC_ALL=C sort -f
} > "$work/constraints.txt"

"$work/venv/bin/ruff" check .
# The wheel test installs with the candidate lock, not the committed one.
SLR_TEST_CONSTRAINTS="$work/constraints.txt" HF_HUB_OFFLINE=1 "$py" -m pytest -q -p no:cacheprovider "$@"

cp "$work/constraints.txt" constraints.txt
echo "constraints.txt rewritten: $(grep -vc '^#' constraints.txt) pins; review with git diff constraints.txt" >&2
