"""Metrics against known values. The smoothed BLEU expectations were computed by running
CodeXGLUE's code-to-text evaluator/bleu.py (bleuFromMaps over splitPuncts'd, lower-cased
lines) on these exact pairs."""
import math

import pytest

from replication import metrics
from replication.errors import ReplicationError
from replication.metrics import codexglue_bleu, execution

CODEXGLUE_CASES = [
    (["Returns the sum of two numbers."], ["Return the sum of two numbers"], 69.64743404143488),
    (["Rename x to y in foo"], ["Rename x to y in foo"], 100.0),
    (["Use <= instead of < in parse_header"], ["Use < instead of <= in parse"], 34.80972619949627),
    (["Fix off-by-one error in loop"], ["completely unrelated words here today"], 1.5066977494645224e-76),
    (["a"], [""], 36.787944117144235),     # the reference's quirk on empty output, kept
    (["Get the value of key, or default.", "Close the file."],
     ["Get value of the key or the default", "Close file handle now."], 27.830981096619922),
]


@pytest.mark.parametrize("refs,hyps,expected", CODEXGLUE_CASES)
def test_smoothed_bleu_matches_codexglue(refs, hyps, expected):
    assert metrics.smoothed_bleu4(refs, hyps) == pytest.approx(expected, rel=1e-12, abs=1e-300)


def test_sentence_bleu_matches_reference_bleu_function():
    # bleu(['the cat sat on the mat'], 'the cat sat on a mat')[0] in the reference
    assert codexglue_bleu.sentence_bleu(["the cat sat on the mat"], "the cat sat on a mat") == \
        pytest.approx(0.6389431042462724, rel=1e-12)


def test_sacrebleu_corpus_bleu():
    assert metrics.corpus_bleu(["the cat sat on the mat"], ["the cat sat on the mat"]) == pytest.approx(100.0)
    assert metrics.corpus_bleu(["the cat sat on the mat"], ["dogs bark"]) == pytest.approx(0.0)


def test_exact_match_and_edit_similarity():
    assert metrics.exact_match(["a", "b ", "c"], ["a", "b", "d"]) == pytest.approx(2 / 3)
    assert metrics.edit_similarity(["abcd"], ["abcd"]) == 100.0
    assert metrics.edit_similarity(["abcd"], ["abce"]) == pytest.approx(75.0)   # InDel: 1 - 2/8


def test_classification_metrics():
    out = metrics.classification([1, 0, 1, 1, 0, 0], [1, 0, 0, 1, 1, 0], [0.9, 0.2, 0.4, 0.8, 0.6, 0.1])
    assert out["accuracy"] == pytest.approx(4 / 6)
    assert out["precision"] == pytest.approx(2 / 3) and out["recall"] == pytest.approx(2 / 3)
    assert out["f1"] == pytest.approx(2 / 3)
    assert out["auc"] == pytest.approx(8 / 9)


def test_classification_metrics_equal_sklearns_own_functions():
    """One precision_recall_fscore_support call gives what the three separate scorers give, zero
    divisions included (no predicted positive; a class never predicted)."""
    import random

    from sklearn.metrics import f1_score, precision_score, recall_score

    rng = random.Random(3)
    cases = [([1, 0, 1], [0, 0, 0], 2), ([0, 0, 0], [0, 0, 0], 2), ([2, 1, 0, 2], [2, 2, 0, 0], 3)]
    cases += [([rng.randrange(k) for _ in range(9)], [rng.randrange(k) for _ in range(9)], k) for k in (2, 3, 4) * 3]
    for labels, predictions, k in cases:
        out = metrics.classification(labels, predictions, num_labels=k)
        kwargs = {"average": "binary"} if k == 2 else {"average": "macro", "labels": list(range(k))}
        for name, scorer in (("precision", precision_score), ("recall", recall_score), ("f1", f1_score)):
            assert out[name] == scorer(labels, predictions, zero_division=0, **kwargs), (name, labels, predictions)


def test_mrr():
    assert metrics.mrr([[True, False], [False, False, True], [False, False]]) == pytest.approx((1 + 1 / 3 + 0) / 3)
    assert metrics.mrr_from_scores([[0.9, 0.1], [0.8, 0.3]]) == pytest.approx((1 + 0.5) / 2)


def test_pass_at_k_uses_the_unbiased_estimator():
    assert metrics.pass_at_k([10], [3], 1) == pytest.approx(0.3)
    assert metrics.pass_at_k([10], [3], 10) == pytest.approx(1.0)
    assert metrics.pass_at_k([5, 5], [0, 5], 2) == pytest.approx(0.5)
    assert metrics.pass_at_k([10], [3], 2) == pytest.approx(1 - math.comb(7, 2) / math.comb(10, 2))


PROBLEM = {"prompt": "def add(a, b):\n", "test": "def check(f):\n    assert f(2, 3) == 5\n", "entry_point": "add"}


def test_generated_code_runs_only_when_allowed():
    program = execution.humaneval_program(PROBLEM, "    return a + b\n")
    with pytest.raises(ReplicationError, match="allow_code_execution"):
        execution.run_program(program, allow_code_execution=False)
    assert execution.run_program(program, allow_code_execution=True) == (True, "passed")
    passed, why = execution.run_program(execution.humaneval_program(PROBLEM, "    return a - b\n"), True)
    assert not passed and "AssertionError" in why


def test_generated_code_is_stopped_by_the_timeout():
    program = execution.humaneval_program(PROBLEM, "    while True:\n        pass\n")
    assert execution.run_program(program, True, timeout=1.0) == (False, "timed out")


def test_f1_takes_the_label_set_from_the_task_not_from_the_slice():
    from sklearn.metrics import f1_score

    from replication import metrics

    labels, predictions = [0, 1, 1, 0, 1], [0, 1, 0, 0, 1]      # a 3-class task whose slice holds only 0 and 1
    three = metrics.classification(labels, predictions, num_labels=3)
    assert three["f1"] == pytest.approx(f1_score(labels, predictions, average="macro", labels=[0, 1, 2],
                                                 zero_division=0))
    assert three["f1"] != pytest.approx(metrics.classification(labels, predictions, num_labels=2)["f1"])
    assert metrics.classification(labels, predictions, num_labels=2)["f1"] == pytest.approx(
        f1_score(labels, predictions, average="binary"))


def test_mrr_counts_ties_against_the_true_candidate():
    import numpy as np

    from replication import metrics

    assert metrics.mrr_from_scores(np.zeros((1000, 1000))) == pytest.approx(0.001)
    assert metrics.mrr_from_scores(np.eye(4)) == 1.0
    scores = np.array([[0.5, 0.5, 0.1], [0.9, 0.2, 0.2], [0.0, 0.0, 1.0]])   # tie, worst, best
    assert metrics.mrr_from_scores(scores) == pytest.approx((1 / 2 + 1 / 3 + 1) / 3)


def test_exact_match_comes_in_codexglue_token_form_and_strict_form():
    from replication import metrics

    references, hypotheses = ["return  a + b", "x = 1", "é ü"], ["return a + b", "x=1", "é ü "]
    assert metrics.exact_match(references, hypotheses) == pytest.approx(2 / 3)        # .split() equality
    assert metrics.exact_match_strict(references, hypotheses) == pytest.approx(1 / 3)
    assert metrics.exact_match([""], [""]) == 1.0 and metrics.exact_match([], []) == 0.0
