"""Mine Python functions from sources on disk (by default the standard library) with `ast`.

Deterministic: files in sorted order, functions in source order, every sample drawn with
a fixed seed; results cached as JSON under the cache dir, keyed by what determines them.
"""
from __future__ import annotations

import ast
import hashlib
import json
import random
import sys
import sysconfig
from pathlib import Path

MINER_VERSION = 1
SKIP_DIRS = {"site-packages", "dist-packages", "__pycache__", "test", "tests", "idle_test", "lib2to3"}


def stdlib_root() -> Path:
    return Path(sysconfig.get_paths()["stdlib"])


def source_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.py")
                  if not SKIP_DIRS.intersection(p.relative_to(root).parts[:-1]))


def _cache_path(kind: str, key: dict) -> Path:
    from replication.paths import data_cache_dir

    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]
    return data_cache_dir() / f"{kind}-{digest}.json"


def _strip_docstring(node: ast.FunctionDef) -> ast.FunctionDef:
    body = node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) \
            and isinstance(body[0].value.value, str):
        node.body = body[1:] or [ast.Pass()]
    return node


def mine_functions(root: Path | None = None, limit: int = 5000, min_lines: int = 3,
                   max_lines: int = 40) -> list[dict]:
    """Functions as {"path", "name", "code", "code_no_doc", "docstring"}: the first `limit`
    in sorted-file order whose body is min_lines..max_lines long. Code is ast.unparse'd, so
    formatting is canonical and comments are gone (every derived task then diffs cleanly)."""
    root = Path(root) if root else stdlib_root()
    key = {"v": MINER_VERSION, "root": str(root), "limit": limit, "min": min_lines, "max": max_lines,
           "py": sys.version_info[:2]}
    cache = _cache_path("functions", key)
    if cache.exists():
        return json.loads(cache.read_text())
    out: list[dict] = []
    for path in source_files(root):
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        except (SyntaxError, UnicodeDecodeError, ValueError):
            continue
        for node in ast.walk(tree):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            if not min_lines <= length <= max_lines or node.name.startswith("__"):
                continue
            doc = ast.get_docstring(node) or ""
            try:
                code = ast.unparse(node)
                code_no_doc = ast.unparse(_strip_docstring(node))
            except Exception:   # ast.unparse can fail on exotic nodes; skip them
                continue
            out.append({"path": str(path.relative_to(root)), "name": node.name, "code": code,
                        "code_no_doc": code_no_doc, "docstring": doc})
        if len(out) >= limit:
            break
    out = out[:limit]
    cache.write_text(json.dumps(out))
    return out


def summary_line(doc: str) -> str:
    return doc.strip().split("\n\n")[0].replace("\n", " ").strip()


# ---- real tasks mined straight from the functions -------------------------------------

def code_docstring_pairs(functions: list[dict]) -> list[dict]:
    """Code summarization: code without its docstring -> first paragraph of the docstring."""
    return [{"source": f["code_no_doc"], "target": summary_line(f["docstring"])}
            for f in functions if len(summary_line(f["docstring"]).split()) >= 3]


def docstring_to_body(functions: list[dict]) -> list[dict]:
    """Code generation in HumanEval's form: signature + docstring -> the indented body. The prompt
    ends where the body begins, so a completion is appended to it and run as it stands."""
    out = []
    for f in functions:
        if len(summary_line(f["docstring"]).split()) < 3:
            continue
        code, bare = f["code"].splitlines(), f["code_no_doc"].splitlines()
        header = next((i for i, line in enumerate(bare) if line.lstrip().startswith(("def ", "async def "))), None)
        if header is None:
            continue
        body = bare[header + 1:]
        if not body or code[len(code) - len(body):] != body:
            continue
        out.append({"source": "\n".join(code[:len(code) - len(body)]) + "\n", "target": "\n".join(body) + "\n",
                    "name": f["name"], "path": f["path"]})
    return out


def method_names(functions: list[dict]) -> list[dict]:
    """Method name recommendation: the function with its name masked -> the name."""
    out = []
    for f in functions:
        header, _, rest = f["code_no_doc"].partition(f["name"])
        out.append({"source": header + "<mask>" + rest, "target": f["name"]})
    return out


def completion_lines(functions: list[dict], seed: int = 0) -> list[dict]:
    """Line completion: the lines before a randomly chosen line -> that line."""
    rng = random.Random(seed)
    out = []
    for f in functions:
        lines = f["code_no_doc"].splitlines()
        if len(lines) < 3:
            continue
        i = rng.randrange(1, len(lines))
        out.append({"source": "\n".join(lines[:i]) + "\n", "target": lines[i].strip()})
    return out


def cloze_tokens(functions: list[dict], seed: int = 0) -> list[dict]:
    """Cloze test: one identifier occurrence replaced by <mask> -> the identifier."""
    rng = random.Random(seed)
    out = []
    for f in functions:
        names = sorted({n.id for n in ast.walk(ast.parse(f["code_no_doc"])) if isinstance(n, ast.Name)})
        if not names:
            continue
        word = rng.choice(names)
        code = f["code_no_doc"]
        out.append({"source": _replace_word_once(code, word, "<mask>", rng), "target": word})
    return out


def _replace_word_once(code: str, word: str, repl: str, rng: random.Random) -> str:
    import re

    spans = [m.span() for m in re.finditer(rf"\b{re.escape(word)}\b", code)]
    start, end = rng.choice(spans)
    return code[:start] + repl + code[end:]


def search_pairs(functions: list[dict], seed: int = 0) -> list[dict]:
    """Code search as matching: (docstring, code) -> 1 if the code is the docstring's own,
    0 if drawn from another function. Balanced, shuffled with a fixed seed."""
    rng = random.Random(seed)
    docs = [f for f in functions if len(summary_line(f["docstring"]).split()) >= 3]
    out = []
    for i, f in enumerate(docs):
        if i % 2 == 0 or len(docs) < 2:
            code, label = f["code_no_doc"], 1
        else:
            j = rng.randrange(len(docs) - 1)
            j += j >= i
            code, label = docs[j]["code_no_doc"], 0
        out.append({"text": summary_line(f["docstring"]), "text_pair": code, "label": label})
    rng.shuffle(out)
    return out
