"""Trivial baselines score what a task gives away, and would flag a task a rule solves."""
import pytest

from replication import baselines, data


def test_classification_baselines_on_the_redesigned_stand_ins():
    jit = baselines.trivial_baselines(data.load("stdlib-code-changes-jit", 300, 100), "accuracy")
    assert set(jit) == {"majority", "tfidf-logreg", "rule: pure add/remove or fresh name",
                        "constant: always positive"}
    assert all(0.3 <= v <= 0.8 for v in jit.values()), jit
    search = baselines.trivial_baselines(data.load("stdlib-search", 300, 100), "f1")
    assert "rule: word-overlap threshold" in search and max(search.values()) < 0.85, search


def test_a_task_a_rule_solves_is_flagged():
    """The first JIT-DP stand-in, in miniature: benign changes only add lines, defects edit one."""
    rows = [{"text": f"@@ def f{i}():\n+    x{i} = {i}", "label": 0} if i % 2 else
            {"text": f"@@ def f{i}():\n-    if a < {i}:\n+    if a <= {i}:", "label": 1} for i in range(60)]
    task = data.TaskData("stdlib-code-changes-toy", "derived", "classification", rows[:40], rows[40:])
    scores = baselines.trivial_baselines(task, "f1")
    assert scores["rule: pure add/remove or fresh name"] == 1.0 and scores["tfidf-logreg"] == 1.0
    assert scores["majority"] in (0.0, pytest.approx(2 / 3))


def test_the_positive_constant_is_scored_where_positive_class_f1_rewards_it():
    """Half the test changes defective: answering 'defective' always gives F1 2p/(1+p) = 2/3, which
    a method learning nothing would match; majority (all benign here) gives 0."""
    train = [{"text": f"@@ a{i}\n+ b{i}", "label": int(i % 3 == 0)} for i in range(30)]
    test = [{"text": f"@@ c{i}\n+ d{i}", "label": i % 2} for i in range(20)]
    task = data.TaskData("toy-binary", "derived", "classification", train, test)
    f1 = baselines.trivial_baselines(task, "f1")
    assert f1["majority"] == 0.0 and f1["constant: always positive"] == pytest.approx(2 / 3)
    three = data.TaskData("toy-three", "derived", "classification", train, test, num_labels=3)
    assert "constant: always positive" not in baselines.trivial_baselines(three, "accuracy")


def test_generation_baselines_use_the_metric_registry():
    d = data.load("stdlib-code-changes-cmg", 200, 60)
    scores = baselines.trivial_baselines(d, "smoothed-bleu")
    assert set(scores) == {"copy input", "nearest training neighbour", "most frequent target",
                           "template from the diff"}
    assert all(0 <= v < 60 for v in scores.values()), scores
    exact = baselines.trivial_baselines(data.load("stdlib-method-names", 200, 60), "exact-match")
    assert exact["copy input"] == 0.0 and 0 <= exact["nearest training neighbour"] <= 100
    copy = data.TaskData("toy", "real", "generation", [{"source": "a b", "target": "a b"}] * 3,
                         [{"source": "c d e f", "target": "c d e f"}], 0)
    assert baselines.trivial_baselines(copy, "exact-match")["copy input"] == 100.0


def test_mrr_baselines_rank_in_pools_and_chance_matches_the_formula():
    d = data.load("stdlib-search", 300, 100)
    scores = baselines.trivial_baselines(d, "mrr", ranking_pool=10)
    assert scores["random ranking (chance)"] == pytest.approx(sum(1 / r for r in range(1, 11)) / 10)
    assert scores["random ranking (chance)"] < scores["tfidf cosine"] <= 1.0
    assert baselines.trivial_baselines(data.load("humaneval", 20, 5), "pass@1") == {}
    with pytest.raises(ValueError, match="classification metric"):
        baselines.trivial_baselines(d, "smoothed-bleu")
