"""Trivial baselines: what a task gives away without any learning of code.

A stand-in task a rule solves does not compare methods (design.md, "What makes a replicated number
worth reading"), so every dataset's baselines are scored beside the methods, on the same test split
and with the metric the experiment reports:

    classification  majority class; for two classes also the constant positive answer, which the
                    positive-class F1 rewards whenever positives are common; TF-IDF + logistic
                    regression (scikit-learn) on the input's code tokens (a diff's added and removed
                    lines kept apart, a pair's two sides too); the task's own rule where one
                    exists: "pure add/remove or a fresh name -> benign" for code changes, a
                    word-overlap threshold fitted on train for pairs (code search, clones); for
                    clones also identical identifier-normalised code, and thresholds on how far
                    the two sides are apart (token-count difference, edit similarity of the
                    normalised token streams), which a near-miss negative could give away
    mrr             TF-IDF cosine between query and code, ranked in the pools `tasks._rank` uses; chance
    generation      copy the input; the target of the nearest training input (TF-IDF cosine); the most
                    frequent training target; for commit messages, a template filled from the diff

    from replication import baselines, data
    baselines.trivial_baselines(data.load("stdlib-search", 1600, 400), "f1")   # {"majority": ..., ...}

Execution metrics (pass@k) need generated code run in the sandbox; no baseline is scored for them.
"""
from __future__ import annotations

import re
from collections import Counter
from typing import Callable, Sequence

CLASSIFICATION = ("f1", "accuracy", "precision", "recall")
_TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|\d+|==|!=|<=|>=|\*\*|//|->|[^\sA-Za-z0-9_]")


def code_tokens(text: str) -> list[str]:
    """Identifiers, numbers and operators; a diff's lines prefixed by their side (+x, -x), so "a line
    with `<=` was added" and "was removed" are different features."""
    if "\n+" in text or "\n-" in text or text.startswith(("@@", "+", "-")):
        out = []
        for line in text.splitlines():
            side = line[:1] if line[:1] in "+-" else ""
            out += [side + t for t in _TOKEN.findall(line[1:] if side else line)]
        return out
    return _TOKEN.findall(text)


def _pair_text(row: dict) -> str:
    return row["text"]


def _pair_tokens(row: dict) -> list[str]:
    tokens = code_tokens(row["text"])
    if "text_pair" in row:
        tokens += ["B:" + t for t in code_tokens(row["text_pair"])]
    return tokens


def _tfidf(analyzer: Callable[[str], list[str]]):
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(analyzer=analyzer, sublinear_tf=True, min_df=1)


# ---- classification -------------------------------------------------------------------------

def majority(train: list[dict], test: list[dict]) -> list[int]:
    label = Counter(r["label"] for r in train).most_common(1)[0][0]
    return [label] * len(test)


def always_positive(train: list[dict], test: list[dict]) -> list[int]:
    """Label 1 for every example: F1 of the positive class is 2p/(1+p) for a positive share p, so on a
    test split with half its changes defective this constant reaches about 0.67 while majority gets 0."""
    return [1] * len(test)


def tfidf_logreg(train: list[dict], test: list[dict]) -> list[int]:
    from sklearn.linear_model import LogisticRegression

    vectorizer = _tfidf(lambda tokens: tokens)
    x_train = vectorizer.fit_transform([_pair_tokens(r) for r in train])
    model = LogisticRegression(max_iter=2000, C=1.0).fit(x_train, [r["label"] for r in train])
    return [int(p) for p in model.predict(vectorizer.transform([_pair_tokens(r) for r in test]))]


def change_rule(train: list[dict], test: list[dict]) -> list[int]:
    """The audit's rule for just-in-time defect prediction: a change that only adds or only removes
    lines, or that introduces a name found nowhere in the lines it replaces, is benign (0); else 1."""
    def predict(diff: str) -> int:
        lines = diff.splitlines()
        added = [line[1:] for line in lines if line.startswith("+")]
        removed = [line[1:] for line in lines if line.startswith("-")]
        if not added or not removed:
            return 0
        before = {t for line in lines if not line.startswith("+") for t in re.findall(r"[A-Za-z_]\w*", line)}
        fresh = {t for line in added for t in re.findall(r"[A-Za-z_]\w*", line)} - before
        return 0 if fresh else 1
    return [predict(r["text"]) for r in test]


def overlap(row: dict) -> float:
    """Share of the first text's words found in the second (identifiers split into words)."""
    from replication.data.mining import words

    a, b = words(row["text"]), words(row["text_pair"])
    return len(a & b) / max(len(a), 1)


def threshold_rule(score: Callable[[dict], float]):
    """Label 1 when score >= t, with t the training split's best threshold (accuracy)."""
    def fit_predict(train: list[dict], test: list[dict]) -> list[int]:
        scored = sorted((score(r), r["label"]) for r in train)
        best, best_t = -1, 0.0
        positives_above = sum(label for _, label in scored)
        negatives_below = 0
        for i, (value, label) in enumerate(scored):       # t = value: rows i.. are predicted 1
            if i == 0 or value != scored[i - 1][0]:
                correct = positives_above + negatives_below
                if correct > best:
                    best, best_t = correct, value
            positives_above -= label
            negatives_below += 1 - label
        if negatives_below > best:                        # t above every score: all 0
            best_t = float("inf")
        return [int(score(r) >= best_t) for r in test]
    return fit_predict


def same_normalised_code(train: list[dict], test: list[dict]) -> list[int]:
    from replication.data.mining import normalised_form

    return [int(normalised_form(r["text"]) == normalised_form(r["text_pair"])) for r in test]


def length_gap(row: dict) -> float:
    """Minus the difference in code tokens between the two sides: an edit that adds or drops lines in
    one class only would show here."""
    return -abs(len(code_tokens(row["text"])) - len(code_tokens(row["text_pair"])))


def edit_similarity(row: dict) -> float:
    """difflib's ratio between the two sides' identifier-normalised token streams: high when one side
    is the other with little changed, so it would catch negatives that carry one edit more."""
    import difflib

    from replication.data.mining import normalised_form

    a, b = normalised_form(row["text"]).split(), normalised_form(row["text_pair"]).split()
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def _classifiers(data) -> dict[str, Callable]:
    out = {"majority": majority, "tfidf-logreg": tfidf_logreg}
    if data.num_labels == 2:
        out["constant: always positive"] = always_positive
    sample = data.train[0] if data.train else {}
    if "code-changes" in data.name or sample.get("text", "").startswith("@@"):
        out["rule: pure add/remove or fresh name"] = change_rule
    if "text_pair" in sample:
        out["rule: word-overlap threshold"] = threshold_rule(overlap)
        if "clone" in data.name:
            out["rule: same normalised code"] = same_normalised_code
            out["rule: length-difference threshold"] = threshold_rule(length_gap)
            out["rule: edit-similarity threshold"] = threshold_rule(edit_similarity)
    return out


# ---- ranking (code search as MRR) -----------------------------------------------------------

def tfidf_mrr(train: list[dict], test: list[dict], pool: int) -> float:
    """The pools of tasks._rank (replication.metrics.ranking_pools), each query's codes ranked by TF-IDF
    cosine (fitted on the training queries and codes); ties count against the true code."""
    from replication import metrics

    vectorizer = _tfidf(code_tokens).fit([r["text"] for r in train] + [r["text_pair"] for r in train])
    reciprocal: list[float] = []
    for block in metrics.ranking_pools(test, pool)[0]:
        queries = vectorizer.transform([r["text"] for r in block])
        codes = vectorizer.transform([r["text_pair"] for r in block])
        reciprocal += metrics.reciprocal_ranks((queries @ codes.T).toarray())
    return sum(reciprocal) / len(reciprocal) if reciprocal else 0.0


# ---- generation -----------------------------------------------------------------------------

def copy_input(train: list[dict], test: list[dict]) -> list[str]:
    return [r["source"] for r in test]


def nearest_neighbour(train: list[dict], test: list[dict]) -> list[str]:
    """The target of the training example whose input is most similar (TF-IDF cosine)."""
    import numpy as np

    vectorizer = _tfidf(code_tokens)
    x_train = vectorizer.fit_transform([r["source"] for r in train])
    x_test = vectorizer.transform([r["source"] for r in test])
    best = np.asarray((x_test @ x_train.T).argmax(axis=1)).ravel()
    return [train[i]["target"] for i in best]


def most_frequent_target(train: list[dict], test: list[dict]) -> list[str]:
    target = Counter(r["target"] for r in train).most_common(1)[0][0]
    return [target] * len(test)


def commit_template(train: list[dict], test: list[dict]) -> list[str]:
    """One fixed phrasing per kind of change, filled from the diff: the rule that scored smoothed
    BLEU-4 83.3 on the first, five-template commit messages."""
    return [_template(r["source"]) for r in test]


def _template(diff: str) -> str:
    lines = diff.splitlines()
    header = next((line for line in lines if line.startswith("@@")), "")
    fn = (re.search(r"def\s+(\w+)", header) or re.search(r"def\s+(\w+)", diff))
    fn = fn.group(1) if fn else "function"
    added = [line[1:].strip() for line in lines if line.startswith("+")]
    removed = [line[1:].strip() for line in lines if line.startswith("-")]
    ids = re.compile(r"[A-Za-z_]\w*")
    if sorted(added) == sorted(removed) and added:
        return f"Reorder statements in {fn}"
    if added and not removed:
        return f"Reset {ids.findall(added[0])[0] if ids.findall(added[0]) else 'value'} in {fn}"
    if removed and not added:
        return f"Drop the {ids.findall(removed[0])[0] if ids.findall(removed[0]) else 'value'} assignment in {fn}"
    old = Counter(t for line in removed for t in ids.findall(line))
    new = Counter(t for line in added for t in ids.findall(line))
    gone, came = sorted(old - new), sorted(new - old)
    if gone and came:
        return f"Rename {gone[0]} to {came[0]} in {fn}"
    if added and removed:
        return f"Use {added[0]} instead of {removed[0]} in {fn}"
    return f"Update {fn}"


def _generators(data) -> dict[str, Callable]:
    out = {"copy input": copy_input, "nearest training neighbour": nearest_neighbour,
           "most frequent target": most_frequent_target}
    if "cmg" in data.name or "commit" in data.name:
        out["template from the diff"] = commit_template
    return out


def _text_metric(metric: str) -> Callable[[Sequence[str], Sequence[str]], float]:
    from replication import metrics

    registry = getattr(metrics, "METRICS", {})
    if metric in registry:
        return registry[metric]
    fallback = {"smoothed-bleu": "smoothed_bleu4", "sacrebleu": "corpus_bleu", "exact-match": "exact_match"}
    if metric in fallback:
        return getattr(metrics, fallback[metric])
    raise ValueError(f"no text metric named {metric!r}; known: {', '.join(registry) or ', '.join(fallback)}")


def trivial_baselines(data, metric: str, ranking_pool: int = 1000) -> dict[str, float]:
    """baseline name -> its score on data.test under `metric` (a replication.metrics name: f1, accuracy,
    precision, recall, mrr, or a text metric of metrics.METRICS). {} for execution metrics (pass@k)."""
    from replication import metrics

    if not data.train or not data.test:
        raise ValueError(f"dataset '{data.name}' needs training and test examples for baselines")
    if metric.startswith("pass@"):
        return {}
    if data.head == "classification":
        if metric == "mrr":
            return {"random ranking (chance)": metrics.chance_mrr(metrics.ranking_pools(data.test, ranking_pool)[1]),
                    "tfidf cosine": tfidf_mrr(data.train, data.test, ranking_pool)}
        if metric not in CLASSIFICATION:
            raise ValueError(f"{metric!r} is not a classification metric; use one of {', '.join(CLASSIFICATION)}, mrr")
        labels = [r["label"] for r in data.test]
        return {name: float(metrics.classification(labels, predict(data.train, data.test),
                                                   num_labels=data.num_labels)[metric])
                for name, predict in _classifiers(data).items()}
    score = _text_metric(metric)
    references = [r["target"] for r in data.test]
    return {name: float(score(references, generate(data.train, data.test)))
            for name, generate in _generators(data).items()}
