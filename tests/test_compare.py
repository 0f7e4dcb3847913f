"""Reported vs replicated: deltas, task matching, and verdicts that always name their profile."""
from __future__ import annotations

import pytest

from replication.record import RunRecord
from slr import compare, db


def record(engine, experiment, task, method, bleu, profile="mini"):
    db.record_run(engine, RunRecord(study="P34", experiment=experiment, task=task, method=method, profile=profile,
                                    model="base:encoder-decoder", architecture="encoder-decoder", dataset="mined",
                                    metrics={"corpus-bleu" if "translate" in experiment else "bleu": bleu}))


def test_runs_stored_under_the_old_metric_names_are_still_compared(shared_db, tmp_path):
    engine = db.open_current(f"sqlite:///{tmp_path / 'c.db'}")
    record(engine, "summarize-codet5", "Code Summarization", "Full Fine-Tuning", 10.0)   # stored as "bleu"
    record(engine, "summarize-codet5", "Code Summarization", "Prompt Tuning", 12.0)
    (row,) = compare.compare(engine, "P34")
    assert row["metric"] == "smoothed-bleu" and row["replicated_delta"] == pytest.approx(2.0)


def test_reported_numbers_are_matched_by_task_and_metric(shared_db, tmp_path):
    engine = db.open_current(f"sqlite:///{tmp_path / 'c.db'}")
    record(engine, "summarize-codet5", "Code Summarization", "Full Fine-Tuning", 10.0)
    record(engine, "summarize-codet5", "Code Summarization", "Prompt Tuning", 12.0)
    record(engine, "translate-codet5", "Code Translation", "Full Fine-Tuning", 50.0)
    record(engine, "translate-codet5", "Code Translation", "Prompt Tuning", 40.0)
    rows = {r["experiment"]: r for r in compare.compare(engine, "P34")}
    summarize, translate = rows["summarize-codet5"], rows["translate-codet5"]
    # P34's corpus: three summarization BLEU rows (+1.19, +0.56, +2.02) and two translation rows.
    assert summarize["reported_rows"] == 3 and summarize["reported_delta"] == pytest.approx((1.19 + 0.56 + 2.02) / 3)
    assert summarize["replicated_delta"] == pytest.approx(2.0)
    assert summarize["verdict"] == "same direction (mini)"
    assert translate["reported_rows"] == 2 and translate["replicated_delta"] == pytest.approx(-10.0)
    assert translate["verdict"] == "diverged (mini)"


@pytest.mark.parametrize("profile, reported, replicated, scales, expected", [
    ("smoke", 1.0, 2.0, (100, 100), "not comparable (smoke): random tiny models"),
    ("mini", None, 2.0, (100, 100), "not comparable (mini): no reported BLEU vs FMFT"),
    ("mini", 1.0, None, (100, 100), "not comparable (mini): no FMFT run of this setting"),
    ("mini", 0.5, 0.004, (100, 1), "same direction (mini)"),    # both under 1% of their range: no difference
    ("mini", 0.5, 0.05, (100, 1), "diverged (mini)"),           # 0.05 F1 is a gain, 0.5 BLEU points is not
    ("paper", 1.19, 1.25, (100, 100), "reproduced within tolerance (paper)"),
    ("paper", 1.19, -0.8, (100, 100), "diverged (paper)"),
])
def test_verdicts(profile, reported, replicated, scales, expected):
    assert compare.verdict(profile, reported, replicated, "Prompt Tuning", "BLEU", *scales) == expected


def test_metric_range_reads_percentages_and_fractions():
    assert compare.metric_range(0.73, 0.71) == 1.0
    assert compare.metric_range(19.62, 18.43) == 100.0
    assert compare.metric_range(None, None) == 1.0
