"""Per-example units of a metric, so its value can be recomputed on any resample of the test set.

A run keeps, for its experiment's own metric, one row per test example (`units`); `aggregate` turns
any subset of rows back into the metric, exactly as the whole-set metric computes it (tests check
equality on the full set). The bootstrap in slr/compare.py resamples these rows, paired across
methods, to put an interval on a difference between methods.

    smoothed-bleu, exact-match(-strict), edit-sim, mrr   one score per example; the metric is the mean
    corpus-bleu                                          n-gram statistics per sentence, summed
    sacrebleu                                            sacrebleu's sufficient statistics, summed
    accuracy, precision, recall, f1                      [label, prediction]; num_labels fixes the set
    pass@k                                               [samples, correct] per problem
"""
from __future__ import annotations

from math import comb
from typing import Sequence

import numpy as np

from replication.metrics import codexglue_bleu

MEAN_TEXT = ("smoothed-bleu", "exact-match", "exact-match-strict", "edit-sim")
CLASSIFICATION = ("accuracy", "precision", "recall", "f1")


def text_units(name: str, references: Sequence[str], hypotheses: Sequence[str]) -> list:
    from replication import metrics

    if name in MEAN_TEXT:         # the metric of one example is the example's share of the mean
        return [metrics.METRICS[name]([r], [h]) for r, h in zip(references, hypotheses)]
    if name == "corpus-bleu":
        return codexglue_bleu.corpus_bleu_statistics(list(references), list(hypotheses))
    if name == "sacrebleu":
        bleu = _sacrebleu()
        return [list(map(float, row)) for row in bleu._extract_corpus_statistics(list(hypotheses), [list(references)])]
    raise ValueError(f"no per-example units for metric {name!r}")


def classification_units(labels: Sequence[int], predictions: Sequence[int]) -> list[list[int]]:
    return [[int(a), int(b)] for a, b in zip(labels, predictions)]


def aggregate(name: str, rows, num_labels: int = 2) -> float:
    """The metric `name` over `rows` (any subset of a run's units, numpy-indexable)."""
    rows = np.asarray(rows, dtype=float)
    if len(rows) == 0:
        return 0.0
    if name in MEAN_TEXT or name == "mrr":
        return float(rows.mean())
    if name == "corpus-bleu":
        return codexglue_bleu.bleu_from_statistics(rows.sum(axis=0).tolist())
    if name == "sacrebleu":
        return float(_sacrebleu()._compute_score_from_stats(rows.sum(axis=0).tolist()).score)
    if name in CLASSIFICATION:
        return _classification(name, rows[:, 0].astype(int), rows[:, 1].astype(int), num_labels)
    if name.startswith("pass@"):
        k = int(name.split("@", 1)[1])
        return float(np.mean([1.0 - comb(int(n) - int(c), k) / comb(int(n), k) for n, c in rows]))
    raise ValueError(f"no aggregate for metric {name!r}")


def _classification(name: str, labels, predictions, num_labels: int) -> float:
    """As replication.metrics.classification (scikit-learn, zero_division=0), vectorised for the bootstrap."""
    if name == "accuracy":
        return float((labels == predictions).mean())
    classes = [1] if num_labels <= 2 else list(range(num_labels))     # binary: class 1; else macro
    values = []
    for c in classes:
        tp = float(((predictions == c) & (labels == c)).sum())
        fp = float(((predictions == c) & (labels != c)).sum())
        fn = float(((predictions != c) & (labels == c)).sum())
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        values.append({"precision": precision, "recall": recall,
                       "f1": 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0}[name])
    return float(np.mean(values))


def _sacrebleu():
    from sacrebleu.metrics import BLEU

    return BLEU()
