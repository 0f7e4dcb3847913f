"""Every declared study runs end to end at the smoke profile: one ok record per
(experiment, method), except the GPU-only methods a CPU machine leaves out."""
import time

import pytest

import replication
from replication import studies
from replication.environment import cuda_available

ALL = ("P1 P3 P4 P5 P8 P9 P10 P11 P12 P14 P15 P18 P21 P22 P23 P26 P27 P28 P29 P30 P31 P32 P33 P34 P35 "
       "P36 P37 P38").split()


@pytest.mark.slow
def test_every_study_runs_at_smoke():
    cuda, took, problems = cuda_available(), {}, []
    for study in studies.all_studies():
        start = time.perf_counter()
        records = list(replication.run(study.id, profile="smoke", progress=False))
        took[study.id] = time.perf_counter() - start
        got = {(r.experiment, r.method): r for r in records}
        want = {(e.name, m) for e in study.experiments for m in e.methods_here(cuda)}
        assert set(got) == want, f"{study.id}: ran {sorted(set(got) ^ want)} unexpectedly"
        problems += [f"{study.id} {r.experiment} {r.method}: {r.error}" for r in records if r.status != "ok"]
        metric_of = {e.name: e.replicated_metric for e in study.experiments}
        for r in records:
            assert r.trainable_params > 0 and r.metrics, (study.id, r.experiment, r.method)
            # the study's own metric is computed, or a note says why not (pass@k without execution)
            metric = metric_of[r.experiment]
            assert metric in r.metrics or any(n.startswith(f"{metric} not computed") for n in r.notes), \
                (study.id, r.experiment, r.method, metric, sorted(r.metrics), r.notes)
        if not cuda:
            skipped = {m for e in study.experiments for m in e.gpu_only}
            assert not skipped & {r.method for r in records}
    print("smoke seconds per study:", {k: round(v, 1) for k, v in took.items()}, "total", round(sum(took.values())))
    assert not problems, "\n".join(problems)
    assert set(took) == set(ALL)
