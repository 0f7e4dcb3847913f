"""Each experiment computes the metric its study reports, as its community computes it: code
search as a ranking (MRR, ties against the true code), pass@k by running the code in the
sandbox, BLEU in the variant of the task's CodeXGLUE evaluator."""
from types import SimpleNamespace

import pytest

from replication import data, metrics, studies, tasks
from replication.studies._common import community_metric
from replication.study import Scale

CLASSIFICATION = {"accuracy", "precision", "recall", "f1", "auc", "mrr"}


def _all_experiments():
    return [(s.id, e) for s in studies.all_studies() for e in s.experiments]


def test_every_experiment_names_a_metric_the_harness_computes():
    for sid, exp in _all_experiments():
        m = exp.replicated_metric
        known = CLASSIFICATION if exp.head == "classification" else set(metrics.METRICS)
        assert m in known or (exp.head == "generation" and m.startswith("pass@")), (sid, exp.name, m)


def test_the_replicated_metric_follows_the_reported_one():
    for sid, exp in _all_experiments():
        reported, replicated = exp.reported_metric.lower(), exp.replicated_metric
        if "mrr" in reported:
            assert replicated == "mrr", (sid, exp.name)
        if "pass@" in reported:
            assert replicated == reported[reported.index("pass@"):], (sid, exp.name)
            assert exp.setups["mini"].dataset == "humaneval" == exp.setups["paper"].dataset
        if "bleu" in reported and exp.task in ("Code Translation", "Code Generation"):
            assert replicated == "corpus-bleu", (sid, exp.name)      # CodeXGLUE evaluator/bleu.py
        if ("exact" in reported or "acc" in reported) and exp.task == "Code Refinement":
            assert replicated == "exact-match-strict", (sid, exp.name)   # CodeXGLUE refinement's "Acc"
        if "bleu" in reported and exp.task == "Code Summarization":
            assert replicated == "smoothed-bleu", (sid, exp.name)    # CodeXGLUE code-to-text


def test_community_metric_reads_k_and_falls_back_by_task():
    assert community_metric("Code Generation", "pass@10") == "pass@10"
    assert community_metric("Code Generation", "BLEU") == "corpus-bleu"
    assert community_metric("Code Summarization", "BLEU-4") == "smoothed-bleu"
    assert community_metric("Code Search", "MRR") == "mrr"
    assert community_metric("Defect Detection", "Accuracy") == "accuracy"
    assert community_metric("Code Completion", "edit similarity") == "edit-sim"
    assert community_metric("Code Refinement", "exact match") == "exact-match-strict"
    assert community_metric("Code Completion", "exact match") == "exact-match"


def _search_examples(n):
    queries = [f"query {i}" for i in range(n)]
    pos = [{"text": q, "text_pair": f"code {i}", "label": 1} for i, q in enumerate(queries)]
    neg = [{"text": q, "text_pair": f"code {(i + 1) % n}", "label": 0} for i, q in enumerate(queries)]
    return pos + neg


def _fake_classifier(score):
    def classify(model, tokenizer, examples, architecture, scale, device):
        scores = [score(e) for e in examples]
        return [e["label"] for e in examples], [int(s > 0.5) for s in scores], scores, 2
    return classify


def test_code_search_ranks_each_query_in_its_pool(monkeypatch):
    examples, scale = _search_examples(12), Scale(train_size=1, eval_size=1, ranking_pool=4)
    perfect = lambda e: 1.0 if e["text"].split()[1] == e["text_pair"].split()[1] else 0.0   # noqa: E731
    monkeypatch.setattr(tasks, "_classify", _fake_classifier(perfect))
    assert tasks._rank(None, None, examples, "encoder-only", scale, "cpu")[0] == 1.0
    monkeypatch.setattr(tasks, "_classify", _fake_classifier(lambda e: 0.5))
    value, note, reciprocal = tasks._rank(None, None, examples, "encoder-only", scale, "cpu")
    assert value == pytest.approx(1 / 4)                 # a constant scorer: every tie counts against it
    assert reciprocal == [0.25] * 12
    assert "12 queries" in note and "4 codes" in note
    # the true code ranked second in every pool
    second = lambda e: {0: 0.5, 1: 0.9}.get((int(e["text_pair"].split()[1]) - int(e["text"].split()[1])) % 12, 0.1)  # noqa: E731
    monkeypatch.setattr(tasks, "_classify", _fake_classifier(second))
    value, _, _ = tasks._rank(None, None, examples, "encoder-only", scale, "cpu")
    assert value == pytest.approx((3 * 0.5 + 1.0) / 4)   # the pool's last query has no code after it


def test_humaneval_trains_on_mined_functions_disjoint_from_its_problems():
    d = data.load("humaneval", 200, 164)
    assert len(d.train) == 200 and len(d.test) == 164
    names = {p["entry_point"] for p in d.test}
    bodies = {" ".join(p["canonical_solution"].split()) for p in d.test}
    assert not any(r["name"] in names or " ".join(r["target"].split()) in bodies for r in d.train)
    assert all({"prompt", "test", "entry_point"} <= set(p) for p in d.test)
    row = d.train[0]
    assert row["source"].rstrip().endswith(('"""', "'''")) and row["target"].startswith("    ")
    planted = d.train + [{"name": "x", "target": d.test[0]["canonical_solution"]}]
    assert len(data.disjoint_from(planted, d.test)) == len(d.train)       # a leaked body is removed


def _humaneval_eval(monkeypatch, completions, allow):
    problems = data.load("humaneval", 1, 3).test
    monkeypatch.setattr(tasks, "_generate", lambda *a, **k: [[c] for c in completions(problems)])
    return tasks.evaluate(SimpleNamespace(eval=lambda: None), None, problems, "decoder-only", "generation", Scale(1, 3), "cpu",
                          metric="pass@1", allow_code_execution=allow)


def test_pass_at_1_runs_the_completions_in_the_sandbox(monkeypatch):
    out, notes, per_example = _humaneval_eval(monkeypatch, lambda ps: [p["canonical_solution"] for p in ps[:2]] +
                                              ["    import sys; sys.exit(0)\n"], allow=True)
    assert out["pass@1"] == pytest.approx(2 / 3) and "2 solved" in notes[0]
    assert per_example == {"metric": "pass@1", "units": [[1, 1], [1, 1], [1, 0]]}
    assert "exact-match" in out


def test_pass_at_1_without_execution_says_why(monkeypatch):
    out, notes, per_example = _humaneval_eval(monkeypatch, lambda ps: [p["canonical_solution"] for p in ps],
                                              allow=False)
    assert "pass@1" not in out and per_example == {}
    assert notes == ["pass@1 not computed: generated code runs only with --allow-code-execution (sandboxed); "
                     "the text metrics stand in"]


def test_pass_at_k_refuses_more_than_it_drew():
    with pytest.raises(ValueError, match="pass@5"):
        tasks._pass_at_k([{}], [["x"]], 5)


@pytest.mark.parametrize("name", sorted(metrics.METRICS))
def test_per_example_units_give_back_the_whole_set_metric(name):
    from replication.metrics import units

    refs = open("tests/fixtures/score/references.txt", encoding="utf-8").read().split("\n")[:323]
    hyps = open("tests/fixtures/score/predictions.txt", encoding="utf-8").read().split("\n")[:323]
    rows = units.text_units(name, refs, hyps)
    assert units.aggregate(name, rows) == pytest.approx(metrics.METRICS[name](refs, hyps), abs=1e-9)
    half = list(range(0, 323, 2))                     # and on a subset: the subset's own metric
    assert units.aggregate(name, [rows[i] for i in half]) == pytest.approx(
        metrics.METRICS[name]([refs[i] for i in half], [hyps[i] for i in half]), abs=1e-9)


@pytest.mark.parametrize("num_labels", [2, 3])
def test_classification_units_agree_with_scikit_learn(num_labels):
    import random

    from replication.metrics import units

    rng = random.Random(num_labels)
    labels = [rng.randrange(num_labels) for _ in range(300)]
    preds = [lab if rng.random() < 0.7 else rng.randrange(num_labels) for lab in labels]
    want = metrics.classification(labels, preds, num_labels=num_labels)
    rows = units.classification_units(labels, preds)
    for name in units.CLASSIFICATION:
        assert units.aggregate(name, rows, num_labels) == pytest.approx(want[name], abs=1e-12), name


def test_pass_at_k_units_agree_with_the_estimator():
    from replication.metrics import units

    rows = [[10, 0], [10, 3], [10, 10], [5, 1]]
    assert units.aggregate("pass@3", rows) == pytest.approx(metrics.pass_at_k([10, 10, 10, 5], [0, 3, 10, 1], 3))


def test_fidelity_is_labelled_per_dimension_and_the_overstatements_are_corrected():
    from replication.study import FIDELITY, PROFILES

    for sid, exp in _all_experiments():
        for profile in PROFILES:
            labels = exp.fidelity(profile)
            assert set(labels) == {"task", "data", "model", "method", "metric"}, (sid, exp.name)
            assert set(labels.values()) <= set(FIDELITY), (sid, exp.name, labels)
        assert exp.fidelity("smoke")["model"] == "different"          # random tiny weights
        assert exp.describe()["fidelity"]["mini"] == exp.fidelity("mini")
    by_name = {(sid, e.name): e for sid, e in _all_experiments()}
    assert by_name[("P10", "codegen-codellama")].fidelity("mini")["task"] != "faithful"    # not multi-task tuning
    assert by_name[("P11", "codegen-codellama")].fidelity("mini")["task"] != "faithful"    # not PLC code
    assert by_name[("P28", "cloze-codebert")].fidelity("mini")["task"] == "analogue"       # T5 generates the token
    assert by_name[("P36", "cloze-roberta")].fidelity("mini")["task"] == "analogue"
    assert all(by_name[("P34", n)].fidelity("mini")["method"] == "different"               # freeze_plm=False
               for n in ("defect-codebert", "summarize-codet5", "translate-codet5"))
    assert by_name[("P23", "comment-update-codellama")].fidelity("mini")["metric"] == "approximation"  # GLEU
    assert by_name[("P30", "jitdp-codebert")].fidelity("paper")["data"] == "faithful"
