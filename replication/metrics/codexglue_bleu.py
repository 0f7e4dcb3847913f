"""CodeXGLUE's two BLEUs: the code-to-text evaluator's smoothed sentence-level BLEU-4
(`smoothed_bleu4`) and the corpus BLEU-4 of its evaluator/bleu.py for text-to-code, code
refinement and code translation (`codexglue_corpus_bleu`).

Both are hand-written because no library ships these variants. The smoothed one is the number code
summarisation and commit-message papers report: each sentence is lower-cased, split into
word and punctuation tokens, NIST-normalised, scored with add-one smoothing on the 2..4-gram
precisions and a brevity penalty of min(0, 1 - (r+1)/(c+1)) in log space, and the
sentence scores are averaged (x100). It differs from sacrebleu's corpus BLEU on purpose.
"""
from __future__ import annotations

import math
import re
import sys
import xml.sax.saxutils
from collections import Counter

_TINY = sys.float_info.min
_NORMALISE_1 = [(re.compile(p), r) for p, r in [("<skipped>", ""), (r"-\n", ""), (r"\n", " ")]]
_NORMALISE_2 = [(re.compile(p), r) for p, r in [
    (r"([\{-\~\[-\` -\&\(-\+\:-\@\/])", r" \1 "),   # punctuation (apostrophe excluded, as NIST)
    (r"([^0-9])([\.,])", r"\1 \2 "),                 # period/comma unless after a digit
    (r"([\.,])([^0-9])", r" \1 \2"),                 # period/comma unless before a digit
    (r"([0-9])(-)", r"\1 \2 "),                      # dash after a digit
]]


def _normalise(text: str) -> list[str]:
    for pattern, repl in _NORMALISE_1:
        text = pattern.sub(repl, text)
    text = " " + xml.sax.saxutils.unescape(text, {"&quot;": '"'}).lower() + " "
    for pattern, repl in _NORMALISE_2:
        text = pattern.sub(repl, text)
    return text.split()


def _ngrams(words: list[str], n: int = 4) -> Counter:
    return Counter(tuple(words[i:i + k]) for k in range(1, n + 1) for i in range(len(words) - k + 1))


def split_puncts(line: str) -> str:
    return " ".join(re.findall(r"[\w]+|[^\s\w]", line))


def sentence_bleu(references: list[str], hypothesis: str, n: int = 4) -> float:
    """Smoothed BLEU-n of one hypothesis against its references, in [0, 1]."""
    refs = [_normalise(r) for r in references]
    max_counts: Counter = Counter()
    for ref in refs:
        for gram, count in _ngrams(ref, n).items():
            max_counts[gram] = max(max_counts[gram], count)
    hyp = _normalise(hypothesis)
    correct = [0] * n
    for gram, count in _ngrams(hyp, n).items():
        correct[len(gram) - 1] += min(max_counts.get(gram, 0), count)
    guess = [max(len(hyp) - k, 0) for k in range(n)]
    log_bleu = 0.0
    for k in range(n):
        smooth = 1 if k > 0 else 0
        log_bleu += math.log(correct[k] + smooth + _TINY) - math.log(guess[k] + smooth + _TINY)
    log_bleu /= n
    ref_len = min(len(r) for r in refs)       # CodeXGLUE uses the shortest reference
    log_bleu += min(0.0, 1 - (ref_len + 1) / (len(hyp) + 1))
    return math.exp(log_bleu)


def smoothed_bleu4(references: list[str], hypotheses: list[str]) -> float:
    """CodeXGLUE's reported number: mean sentence BLEU-4 x 100, after lower-casing and
    splitting punctuation from words (its computeMaps)."""
    if len(references) != len(hypotheses):
        raise ValueError(f"{len(references)} references but {len(hypotheses)} hypotheses")
    if not references:
        return 0.0
    total = sum(sentence_bleu([split_puncts(r.strip().lower())], split_puncts(h.strip().lower()))
                for r, h in zip(references, hypotheses))
    return 100.0 * total / len(references)


def codexglue_corpus_bleu(references: list[str], hypotheses: list[str], max_order: int = 4) -> float:
    """Corpus BLEU-4 as CodeXGLUE's evaluator/bleu.py computes it (text-to-code/CONCODE, code
    refinement, code translation, method generation), 0..100, unrounded (the evaluators print it
    rounded to 2 decimals).

    Written here because no maintained package computes this variant: tokens are `.strip().split()`
    (case and punctuation kept, unlike `smoothed_bleu4`), n-gram matches and lengths are summed over
    the corpus, every order's precision is add-one smoothed (unigrams too: their `_bleu` passes
    smooth=True, Lin & Och 2004), and the brevity penalty is exp(1 - r/c) when c <= r. sacrebleu's
    corpus BLEU tokenises with 13a and does not smooth, so it gives a different number.

    Where the reference divides by zero we take the limits: no hypothesis tokens at all gives 0
    (the penalty tends to 0), no reference tokens gives a penalty of 1.
    """
    if len(references) != len(hypotheses):
        raise ValueError(f"{len(references)} references but {len(hypotheses)} hypotheses")
    totals = [sum(column) for column in zip(*corpus_bleu_statistics(references, hypotheses, max_order))]
    return bleu_from_statistics(totals or [0] * (2 + 2 * max_order), max_order)


def corpus_bleu_statistics(references: list[str], hypotheses: list[str], max_order: int = 4) -> list[list[int]]:
    """Per sentence: [reference length, hypothesis length, matches per order..., possible per order...].
    Summed over any subset of sentences they give that subset's corpus BLEU (the bootstrap resamples them)."""
    rows = []
    for reference, hypothesis in zip(references, hypotheses):
        ref_tokens, hyp_tokens = reference.strip().split(), hypothesis.strip().split()
        matches = [0] * max_order
        ref_counts = _ngrams(ref_tokens, max_order)
        for gram, count in _ngrams(hyp_tokens, max_order).items():
            matches[len(gram) - 1] += min(count, ref_counts.get(gram, 0))
        possible = [max(len(hyp_tokens) - order + 1, 0) for order in range(1, max_order + 1)]
        rows.append([len(ref_tokens), len(hyp_tokens), *matches, *possible])
    return rows


def bleu_from_statistics(totals, max_order: int = 4) -> float:
    """Corpus BLEU x 100 from summed corpus_bleu_statistics rows."""
    reference_length, hypothesis_length = totals[0], totals[1]
    matches, possible = totals[2:2 + max_order], totals[2 + max_order:2 + 2 * max_order]
    if hypothesis_length == 0:
        return 0.0
    log_mean = sum(math.log((m + 1.0) / (p + 1.0)) / max_order for m, p in zip(matches, possible))
    ratio = hypothesis_length / reference_length if reference_length else math.inf
    brevity = 1.0 if ratio > 1.0 else math.exp(1 - 1.0 / ratio)
    return 100.0 * math.exp(log_mean) * brevity
