"""`slr replicate`: run a study's experiments through the replication harness and store the runs.

The harness (replication/) returns run records; this module is the only place they meet
the database and the terminal.
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from slr.errors import SlrError, UsageError


def _harness():
    import replication

    return replication


def all_ids() -> list[str]:
    return [s["study"] for s in _harness().list_studies()]


def list_command(fmt: str, data_dir: Path | None = None) -> None:
    studies = _harness().list_studies(str(data_dir) if data_dir else None)
    if fmt == "json":
        sys.stdout.write(json.dumps(studies, indent=2, default=str) + "\n")
        return
    from rich.console import Console

    from slr import render

    console = Console(soft_wrap=False)
    render.experiment_list(console, studies)     # one line per experiment
    needed: dict[str, list[str]] = {}        # each missing file or checkpoint once, with who needs it
    for study in studies:
        for exp in study["experiments"]:
            for item in exp.get("paper_missing") or []:
                needed.setdefault(item, []).append(f"{study['study']} {exp['name']}")
    if needed and not (data_dir or os.environ.get("SLR_MODELS")):
        console.print("paper profile: `slr replicate --list --data-dir DIR --models DIR` lists each missing file "
                      "and checkpoint with its fix; `slr replicate --datasets` describes each release.", markup=False)
    elif needed:
        console.print(f"paper profile: what is missing here and the fix (--data-dir {data_dir or 'DIR'}; "
                      f"`slr replicate --datasets` describes each release):", markup=False)
        for item, users in needed.items():
            who = ", ".join(users[:3]) + (f" and {len(users) - 3} more" if len(users) > 3 else "")
            console.print(f"  - {item} [{who}]", markup=False, overflow="fold")


def datasets_command(target: str | None, data_dir: Path | None, fmt: str) -> None:
    """`slr replicate --datasets [ID]`: each paper-profile dataset's release, layout and presence."""
    harness = _harness()
    try:
        rows = harness.datasets_report(target, str(data_dir) if data_dir else None)
    except harness.ReplicationError as exc:
        raise UsageError(f"replicate --datasets: {exc}") from None
    if fmt == "json":
        sys.stdout.write(json.dumps(rows, indent=2, default=str) + "\n")
        return
    out = []
    for r in rows:
        state = ("offline: built on this machine" if r["present"] and not r["layouts"][0]["files"] else
                 "present" if r["present"] else "missing")
        out.append(f"{r['name']}  [{state}]  ({r['head']}; paper profile of: {', '.join(r['used_by']) or 'none yet'})")
        out.append(f"  from:     {r['source']}")
        if r.get("reference"):
            out.append(f"  read as:  {r['reference']}")
        for i, layout in enumerate(r["layouts"]):
            out.append(f"  {'layout:' if i == 0 else 'or:    '}   <data-dir>/{layout['layout']}")
        if r.get("rows"):
            out.append("  rows:     " + ", ".join(f"{k} {v:,}" for k, v in r["rows"].items()))
        for path, known in r.get("known_files", {}).items():
            out.append(f"  known:    {path}  {known['bytes']:,} bytes  sha256 {known['sha256']}")
        for f in r.get("files", []):
            size = f" {f['bytes']:,} bytes" if f.get("exists") else ""
            check = "" if "size_matches" not in f else ("  (size as released)" if f["size_matches"]
                                                         else "  (size differs from the release)")
            out.append(f"  {'found:  ' if f['exists'] else 'absent: '}  {f['path']}{size}{check}")
        for m in r["missing"]:
            out.append(f"  needs:    {m}")
        out.append("")
    sys.stdout.write("\n".join(out))


def build_bases() -> None:
    _harness().build_bases(progress=True)


def _terminate(signum, frame):
    # SIGTERM ends a replication the way Ctrl-C does: the harness records the run as cancelled
    raise KeyboardInterrupt


DEFAULT_SEEDS = {"mini": [0, 1, 2]}     # mini: enough seeds for an interval; smoke and paper: one


def parse_seeds(seeds: str | None, seed: int | None, profile: str) -> list[int]:
    if seeds is not None and seed is not None:
        raise UsageError("replicate: give --seed or --seeds, not both")
    if seed is not None:
        return [seed]
    if seeds is None:
        return DEFAULT_SEEDS.get(profile, [0])
    try:
        chosen = [int(part) for part in seeds.split(",") if part.strip()]
    except ValueError:
        raise UsageError(f"replicate: --seeds takes comma-separated integers, e.g. 0,1,2; not '{seeds}'") from None
    if not chosen or len(set(chosen)) != len(chosen):
        raise UsageError(f"replicate: --seeds needs distinct integers, e.g. 0,1,2; not '{seeds}'")
    return chosen


def run_command(engine, targets: list[str], profile: str, methods: list[str], data_dir: Path | None,
                seeds: list[int], allow_code_execution: bool, fmt: str, experiments: list[str] | None = None,
                device: str = "auto", max_steps: int | None = None, lr_sweep: bool = True) -> None:
    import signal
    import uuid

    from slr import db, journal

    harness = _harness()
    url = str(engine.url)                       # SQLAlchemy renders it with the password hidden
    with db.guarded(url):
        db.reap_interrupted(engine)
    started: dict[int, tuple[int, str]] = {}

    def on_start(record):
        uid = uuid.uuid4().hex
        with db.guarded(url):      # a database we cannot write fails here, before any training
            started[id(record)] = (db.start_run(engine, record, uid), uid)

    def store(record) -> int:
        run_id, uid = started.pop(id(record), (None, uuid.uuid4().hex))
        kept = journal.append(uid, record)     # first the journal, then the database
        try:
            with db.guarded(url):
                if run_id is None:
                    return db.record_run(engine, record, uid)
                db.finish_run(engine, run_id, record)
                return run_id
        except SlrError as exc:
            raise SlrError(f"{exc}. The finished run ({record.study} {record.experiment} {record.method}, "
                           f"{record.status}) is kept in {kept}: `slr runs import` stores it once the database "
                           "takes writes") from None

    recorded: list[tuple[int, object]] = []
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        options = {"experiments": experiments or None, "device": device, "max_steps": max_steps,
                   "lr_sweep": lr_sweep}
        _run_all(harness, targets, profile, methods, data_dir, seeds, allow_code_execution, on_start, store, recorded,
                 options)
    finally:
        signal.signal(signal.SIGTERM, previous)
    cancelled = any(r.status == "cancelled" for _, r in recorded)
    _summary(recorded, fmt)
    if cancelled:
        raise SlrError("replication cancelled; the runs so far are recorded (status cancelled for the last)")
    failed = [r for _, r in recorded if r.status == "failed"]
    if failed:
        raise SlrError(f"{len(failed)} of {len(recorded)} runs failed; `slr runs --format json` has their errors")


def _run_all(harness, targets, profile, methods, data_dir, seeds, allow_code_execution, on_start, store, recorded,
             options):
    cancelled = False
    for study_id in targets:
        try:
            for record in harness.run(study_id.upper(), profile=profile, methods=methods or None,
                                      data_dir=data_dir, seeds=seeds, allow_code_execution=allow_code_execution,
                                      progress=sys.stderr.isatty(), on_start=on_start, **options):
                run_id = store(record)
                recorded.append((run_id, record))
                _progress_line(run_id, record)
                if record.status == "cancelled":
                    cancelled = True
                    break
        except harness.ReplicationError as exc:
            if len(targets) == 1:
                raise UsageError(str(exc)) from None
            sys.stderr.write(f"slr: {study_id}: {exc}\n")
        if cancelled:
            break


def _progress_line(run_id: int, record) -> None:
    metrics = ", ".join(f"{k}={v:.3g}" for k, v in sorted(record.metrics.items()))
    sys.stderr.write(f"  run {run_id}: {record.study} {record.experiment} {record.method} "
                     f"[{record.profile}, seed {record.seed}] {record.status} {metrics}{' ' + (record.error or '')[:200] if record.error else ''}\n")
    for note in record.notes:
        sys.stderr.write(f"    note: {note}\n")


def _summary(recorded, fmt: str) -> None:
    rows = [{"id": run_id, "study": r.study, "experiment": r.experiment, "task": r.task, "method": r.method,
             "profile": r.profile, "seed": r.seed, "status": r.status, "trainable_params": r.trainable_params,
             "total_params": r.total_params, "train_seconds": round(r.train_seconds, 2),
             "peak_memory_bytes": r.peak_memory_bytes, "metrics": r.metrics, "notes": r.notes, "error": r.error}
            for run_id, r in recorded]
    if fmt == "json":
        sys.stdout.write(json.dumps(rows, indent=2, default=str) + "\n")
        return
    from rich.console import Console

    from slr import render

    render.run_summary(Console(soft_wrap=False), rows)             # one line per run
