"""Mine Python functions from sources on disk (by default the standard library) with `ast`.

Deterministic: files in sorted order, functions in source order, every sample drawn with
a fixed seed; results cached as JSON under the cache dir, keyed by what determines them.
"""
from __future__ import annotations

import ast
import contextlib
import gc
import hashlib
import io
import json
import keyword
import os
import random
import sys
import sysconfig
import tokenize
from collections import deque
from pathlib import Path

# 2: each function carries its key; paths are POSIX
MINER_VERSION = 2
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
                   max_lines: int = 40, workers: int = 1) -> list[dict]:
    """Functions as {"path", "name", "code", "code_no_doc", "docstring", "key"}: the first `limit`
    in sorted-file order whose body is min_lines..max_lines long. Code is ast.unparse'd, so
    formatting is canonical and comments are gone (every derived task then diffs cleanly); `key` is
    function_key of the code without its docstring. With `workers` 2, a second Python process
    mines the later files meanwhile (the same functions, in the same order); more are not used."""
    root = Path(root) if root else stdlib_root()
    key = {"v": MINER_VERSION, "root": str(root), "limit": limit, "min": min_lines, "max": max_lines,
           "py": sys.version_info[:2]}
    cache = _cache_path("functions", key)
    if cache.exists():
        return json.loads(cache.read_text())
    files = source_files(root)
    own = _first_share(files) if workers > 1 else len(files)
    helper = _MiningHelper(files[own:], root, min_lines, max_lines) if own < len(files) else None
    out: list[dict] = []
    try:
        with _collector_paused():
            for path in files[:own]:
                out += mine_file(path, root, min_lines, max_lines)
                if len(out) >= limit:
                    break
        if helper and len(out) < limit:
            out += helper.result()
    finally:
        if helper:
            helper.close()
    out = out[:limit]
    cache.write_text(json.dumps(out))
    return out


def mine_file(path: Path, root: Path, min_lines: int = 3, max_lines: int = 40) -> list[dict]:
    """One source file's functions, as mine_functions keeps them (none where it does not parse)."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except (SyntaxError, UnicodeDecodeError, ValueError):
        return []
    out = []
    for node in function_definitions(tree):
        length = (node.end_lineno or node.lineno) - node.lineno + 1
        if not min_lines <= length <= max_lines or node.name.startswith("__"):
            continue
        doc = ast.get_docstring(node) or ""
        try:
            code = ast.unparse(node)
            code_no_doc = ast.unparse(_strip_docstring(node))
        except Exception:   # ast.unparse can fail on exotic nodes; skip them
            continue
        out.append({"path": path.relative_to(root).as_posix(), "name": node.name, "code": code,
                    "code_no_doc": code_no_doc, "docstring": doc, "key": function_key(code_no_doc)})
    return out


_HOLDERS = (ast.stmt, ast.excepthandler, ast.match_case)


def function_definitions(tree: ast.AST):
    """The (async) function definitions of `tree` in ast.walk's order, breadth first. A definition is a
    statement, so only statements and the clauses that hold them (except, case) are visited: ast.walk
    over every expression too took five times as long (0.94 s against 0.19 s for the standard library).
    Skipping subtrees that hold no statement keeps the order: breadth-first order sorts nodes by depth,
    then by their parents' order, and neither changes for the nodes kept."""
    todo = deque([tree])
    while todo:
        node = todo.popleft()
        for name in node._fields:         # before the yield, as ast.walk: the caller may change the node
            value = getattr(node, name, None)
            if isinstance(value, list):
                todo.extend(child for child in value if isinstance(child, _HOLDERS))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node


# This process's share of the bytes to mine when a helper mines the rest: a little over half, as the helper
# also starts an interpreter and sends its answer as JSON (stdlib, two cores: 3.6 s at 0.5, 3.2 s here).
OWN_SHARE = 0.56


def _first_share(files: list[Path]) -> int:
    """How many of `files` (the first ones) this process mines when a helper mines the rest."""
    sizes = [p.stat().st_size for p in files]
    share, total = sum(sizes) * OWN_SHARE, 0
    for i, size in enumerate(sizes):
        total += size
        if total >= share:
            return i + 1
    return len(files)


@contextlib.contextmanager
def _collector_paused():
    """Parsing makes millions of short-lived nodes and no cycles worth collecting: the cyclic collector,
    left on, spent a quarter of the parse walking them."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


class _MiningHelper:
    """`python -m replication.data.mining` mining `files` in a new interpreter: a subprocess rather than a
    fork (the caller may hold torch's threads) or multiprocessing (whose spawn re-runs the caller's
    main script). Its answer is JSON on stdout; if it fails, this process mines the files itself."""

    def __init__(self, files: list[Path], root: Path, min_lines: int, max_lines: int):
        import subprocess

        self.files, self.root, self.lines = files, root, (min_lines, max_lines)
        request = json.dumps({"root": str(root), "files": [str(p) for p in files], "min": min_lines,
                              "max": max_lines})
        try:
            self.process = subprocess.Popen([sys.executable, "-m", "replication.data.mining"],
                                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                            stderr=subprocess.DEVNULL, text=True, encoding="utf-8",
                                            env={**os.environ, "PYTHONPATH": _import_path()})
        except OSError:
            self.process = None
            return
        try:
            self.process.stdin.write(request)
            self.process.stdin.close()
        except OSError:         # it ended at once: result() sees its exit status and mines here
            pass

    def result(self) -> list[dict]:
        if self.process is not None:
            answer = self.process.stdout.read()
            if self.process.wait() == 0:
                try:
                    return json.loads(answer)
                except ValueError:      # cut short: mined here instead
                    pass
        return [f for path in self.files for f in mine_file(path, self.root, *self.lines)]

    def close(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        if self.process is not None:
            self.process.stdout.close()


def _import_path() -> str:
    """PYTHONPATH for the helper: where this package was imported from, then what was set."""
    here = str(Path(__file__).resolve().parents[2])
    return os.pathsep.join([here, *filter(None, [os.environ.get("PYTHONPATH")])])


# ---- identity of a function, for deduplication and leak checks ---------------------------

def exact_form(code: str) -> str:
    """The code with its whitespace collapsed: equal for copies that differ only in layout."""
    return " ".join(code.split())


def normalised_form(code: str) -> str:
    """The token stream with every identifier renamed to a placeholder numbered by first occurrence
    (v0, v1, ...) and comments and layout dropped: equal for copies that differ only in names or
    formatting (a getter for `x` and one for `y`; a function pasted into two modules and renamed).
    Literals stay, so `n + 1` and `n + 2` differ. Falls back to the exact form on untokenisable text."""
    names: dict[str, str] = {}
    out: list[str] = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(code).readline):
            if tok.type in (tokenize.COMMENT, tokenize.NL, tokenize.ENCODING, tokenize.ENDMARKER):
                continue
            if tok.type == tokenize.NAME and not keyword.iskeyword(tok.string):
                out.append(names.setdefault(tok.string, f"v{len(names)}"))
            elif tok.type in (tokenize.INDENT, tokenize.DEDENT, tokenize.NEWLINE):
                out.append(tokenize.tok_name[tok.type])
            else:
                out.append(tok.string)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return exact_form(code)
    return " ".join(out)


def function_key(code: str) -> str:
    """A short hash of normalised_form: two functions with one key are the same function."""
    return hashlib.sha256(normalised_form(code).encode()).hexdigest()[:12]


def key_of(f: dict) -> str:
    return f.get("key") or function_key(f["code_no_doc"])


def tag(f: dict, partner: dict | None = None) -> dict:
    """Provenance carried by every example built from mined functions: `origin` (the file, relative
    to the mined root), `functions` (the keys of every function the example shows) and, for pairs,
    `origin_pair`. Leak checks (replication.data.splits.leaks) read these."""
    out = {"origin": f["path"], "functions": [key_of(f)]}
    if partner is not None:
        out["origin_pair"] = partner["path"]
        out["functions"].append(key_of(partner))
    return out


def summary_line(doc: str) -> str:
    return doc.strip().split("\n\n")[0].replace("\n", " ").strip()


# ---- real tasks mined straight from the functions -------------------------------------

def code_docstring_pairs(functions: list[dict]) -> list[dict]:
    """Code summarization: code without its docstring -> first paragraph of the docstring."""
    return [{"source": f["code_no_doc"], "target": summary_line(f["docstring"]), **tag(f)}
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
                    "name": f["name"], "path": f["path"], **tag(f)})
    return out


def method_names(functions: list[dict]) -> list[dict]:
    """Method name recommendation: the function with its name masked -> the name."""
    out = []
    for f in functions:
        header, _, rest = f["code_no_doc"].partition(f["name"])
        out.append({"source": header + "<mask>" + rest, "target": f["name"], **tag(f)})
    return out


def completion_lines(functions: list[dict], seed: int = 0) -> list[dict]:
    """Line completion: the lines before a randomly chosen line -> that line."""
    rng = random.Random(seed)
    out = []
    for f in functions:
        lines = f["code_no_doc"].splitlines()
        # the prefix always holds the signature: a bare "@classmethod" is the same prompt in every split
        header = next((j for j, line in enumerate(lines) if line.lstrip().startswith(("def ", "async def "))), 0)
        if len(lines) - header < 3:
            continue
        i = rng.randrange(header + 1, len(lines))
        out.append({"source": "\n".join(lines[:i]) + "\n", "target": lines[i].strip(), **tag(f)})
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
        out.append({"source": _replace_word_once(code, word, "<mask>", rng), "target": word, **tag(f)})
    return out


def _replace_word_once(code: str, word: str, repl: str, rng: random.Random) -> str:
    import re

    spans = [m.span() for m in re.finditer(rf"\b{re.escape(word)}\b", code)]
    start, end = rng.choice(spans)
    return code[:start] + repl + code[end:]


STOPWORDS = frozenset("the a an of to in for and or is are be by on with as if it its this that from at "
                      "return returns given not no use used".split())


def words(text: str) -> set[str]:
    """Lower-case word pieces of prose or code: identifiers split at underscores and camelCase, so
    `parse_header` and `parseHeader` both give {"parse", "header"}; stop words and 1-2 letter pieces dropped."""
    import re

    pieces = re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])", text)
    return {p.lower() for p in pieces if len(p) > 2 and p.lower() not in STOPWORDS}


def search_pairs(functions: list[dict], seed: int = 0, pool: list[dict] | None = None) -> list[dict]:
    """Code search as matching: (docstring summary, code) -> 1 if the code is the docstring's own,
    0 if it is another function's. Balanced, shuffled with a fixed seed.

    Negatives are hard: the function of the same file (else of `pool`, the split's functions) whose
    code shares the most words with the query, never one with the same summary. With random
    negatives, counting shared words alone separated the classes (0.795 accuracy, above a tuned
    MiniLM); here the negative shares words with the query at least as often as the positive does,
    so matching has to read what the code does."""
    rng = random.Random(seed)
    docs = [f for f in functions if len(summary_line(f["docstring"]).split()) >= 3]
    pool = pool or functions
    code_words = {key_of(g): words(g["code_no_doc"]) for g in pool}
    by_file: dict[str, list[dict]] = {}
    by_word: dict[str, list[dict]] = {}
    for g in pool:
        by_file.setdefault(g["path"], []).append(g)
        for w in code_words[key_of(g)]:
            by_word.setdefault(w, []).append(g)
    out = []
    for i, f in enumerate(docs):
        query = summary_line(f["docstring"])
        if i % 2 == 0:
            out.append({"text": query, "text_pair": f["code_no_doc"], "label": 1, **tag(f)})
            continue
        negative = _hard_negative(f, query, by_file.get(f["path"], []), by_word, code_words, rng)
        if negative is None:
            continue
        out.append({"text": query, "text_pair": negative["code_no_doc"], "label": 0, **tag(f, negative)})
    rng.shuffle(out)
    return out


def _hard_negative(f, query, same_file, by_word, code_words, rng):
    """The same-file function sharing the most words with the query; where none shares any, the
    function of the split that does (found through the word index); ties broken by `rng`."""
    wanted = words(query) | words(f["name"])
    elsewhere = {key_of(g): g for w in sorted(wanted) for g in by_word.get(w, [])}

    best = None
    for candidates in (same_file, list(elsewhere.values())):
        scored = [(len(wanted & code_words[key_of(g)]), rng.random(), g) for g in candidates
                  if key_of(g) != key_of(f) and summary_line(g["docstring"]) != query]
        best = max(scored, key=lambda t: t[:2], default=None) or best
        if best and best[0] > 0:
            break
    return best[2] if best else None


def _serve() -> None:
    """The helper's side of _MiningHelper: a request on stdin, the files' functions on stdout."""
    request = json.loads(sys.stdin.read())
    root = Path(request["root"])
    with _collector_paused():
        found = [f for path in request["files"] for f in mine_file(Path(path), root, request["min"], request["max"])]
    sys.stdout.write(json.dumps(found))


if __name__ == "__main__":
    _serve()
