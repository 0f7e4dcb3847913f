"""Tasks derived from mined functions by program transformation: labelled "derived".

They stand in, offline, for data we cannot ship (real bug-fix commits, clone corpora):
renamed clones, mutation "defects" and their repairs, and commit-like code changes with
a message. Every choice is drawn from random.Random(seed), so a seed gives one dataset.
"""
from __future__ import annotations

import ast
import difflib
import random

from replication.data.mining import tag

SWAPS = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq,
         ast.NotEq: ast.Eq, ast.Is: ast.IsNot, ast.IsNot: ast.Is, ast.In: ast.NotIn, ast.NotIn: ast.In,
         ast.And: ast.Or, ast.Or: ast.And, ast.Add: ast.Sub, ast.Sub: ast.Add}
SYMBOL = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!=",
          ast.Is: "is", ast.IsNot: "is not", ast.In: "in", ast.NotIn: "not in", ast.And: "and",
          ast.Or: "or", ast.Add: "+", ast.Sub: "-"}
FRESH_NAMES = ["value", "item", "result", "data", "acc", "tmp", "entry", "node", "count", "buf",
               "current", "state", "parts", "key", "obj"]


def _function(tree: ast.Module) -> ast.FunctionDef:
    return tree.body[0]


def mutate(code: str, rng: random.Random) -> tuple[str, str] | None:
    """Inject one defect: swap a comparison/boolean/arithmetic operator or bump an int
    constant by one. Returns (mutated code, message) or None when nothing applies."""
    tree = ast.parse(code)
    fn = _function(tree)
    sites = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            sites += [("cmp", node, i) for i, op in enumerate(node.ops) if type(op) in SWAPS]
        elif isinstance(node, ast.BoolOp) and type(node.op) in SWAPS:
            sites.append(("bool", node, None))
        elif isinstance(node, ast.BinOp) and type(node.op) in SWAPS:
            sites.append(("arith", node, None))
        elif isinstance(node, ast.Constant) and type(node.value) is int:
            sites.append(("const", node, None))
    if not sites:
        return None
    kind, node, i = rng.choice(sites)
    if kind == "cmp":
        old = type(node.ops[i])
        node.ops[i] = SWAPS[old]()
        message = f"Use `{SYMBOL[SWAPS[old]]}` instead of `{SYMBOL[old]}` in {fn.name}"
    elif kind == "const":
        message = f"Change {node.value} to {node.value + 1} in {fn.name}"
        node.value += 1
    else:
        old = type(node.op)
        node.op = SWAPS[old]()
        message = f"Use `{SYMBOL[SWAPS[old]]}` instead of `{SYMBOL[old]}` in {fn.name}"
    mutated = ast.unparse(tree)
    return (mutated, message) if mutated != code else None


def local_names(fn: ast.FunctionDef) -> list[str]:
    args = {a.arg for a in ast.walk(fn.args) if isinstance(a, ast.arg)}
    stored = {n.id for n in ast.walk(fn) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    return sorted(stored - args)


def rename(code: str, rng: random.Random, every: bool = False) -> tuple[str, str] | None:
    """Rename one local variable (or, with every=True, all of them) to fresh names.
    Behaviour is unchanged: the benign counterpart of a mutation."""
    tree = ast.parse(code)
    fn = _function(tree)
    names = local_names(fn)
    if not names:
        return None
    used = {n.id for n in ast.walk(fn) if isinstance(n, ast.Name)} | {a.arg for a in ast.walk(fn.args) if isinstance(a, ast.arg)}
    free = [n for n in FRESH_NAMES if n not in used]
    chosen = names if every else [rng.choice(names)]
    if len(free) < len(chosen):
        return None
    mapping = dict(zip(chosen, rng.sample(free, len(chosen))))
    for node in ast.walk(fn):
        if isinstance(node, ast.Name) and node.id in mapping:
            node.id = mapping[node.id]
    old, new = next(iter(mapping.items()))
    return ast.unparse(tree), f"Rename {old} to {new} in {fn.name}"


def toggle_docstring(code: str, rng: random.Random) -> tuple[str, str]:
    tree = ast.parse(code)
    fn = _function(tree)
    if ast.get_docstring(fn):
        fn.body = fn.body[1:] or [ast.Pass()]
        return ast.unparse(tree), f"Remove docstring from {fn.name}"
    text = f"{fn.name.strip('_').replace('_', ' ').capitalize()}."
    fn.body.insert(0, ast.Expr(ast.Constant(text)))
    return ast.unparse(tree), f"Document {fn.name}"


def diff(before: str, after: str, context: int = 2, header: str | None = None) -> str:
    """A unified diff without file headers; with `header`, each hunk starts "@@ <header>", as git names
    the enclosing function in its hunk headers (so a message can name it, as a committer would)."""
    lines = difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=context)
    return "\n".join(f"@@ {header}" if line.startswith("@@") else line for line in lines
                     if not line.startswith(("---", "+++")) and (header or not line.startswith("@@")))


def _signature(code: str) -> str:
    return next((line.strip() for line in code.splitlines() if line.lstrip().startswith(("def ", "async def "))), "")


# ---- datasets ---------------------------------------------------------------------------

def defects(functions: list[dict], seed: int = 0) -> list[dict]:
    """Defect detection / repair: each function either intact (label 0) or mutated (label 1);
    `fixed` is the original, so buggy -> fixed pairs serve program repair."""
    rng = random.Random(seed)
    out = []
    for i, f in enumerate(functions):
        code = f["code_no_doc"]
        if i % 2 == 0:
            out.append({"text": code, "label": 0, "buggy": None, "fixed": code, **tag(f)})
            continue
        mutated = mutate(code, rng)
        if mutated:
            out.append({"text": mutated[0], "label": 1, "buggy": mutated[0], "fixed": code, **tag(f)})
    # Many functions have nothing to mutate; keeping every intact one tipped the classes to ~3:1 and
    # let a classifier score by always answering "intact". Keep as many intact as mutated, in order.
    budget = sum(row["label"] for row in out)
    balanced = []
    for row in out:
        if row["label"] == 0:
            if budget == 0:
                continue
            budget -= 1
        balanced.append(row)
    return balanced


def renamed_clones(functions: list[dict], seed: int = 0) -> list[dict]:
    """Clone detection: (code, consistently renamed copy) -> 1; (code, another function) -> 0."""
    rng = random.Random(seed)
    out = []
    for i, f in enumerate(functions):
        code = f["code_no_doc"]
        clone = rename(code, rng, every=True) if i % 2 == 0 else None
        if clone:
            out.append({"text": code, "text_pair": clone[0], "label": 1, **tag(f)})
        else:
            other = functions[(i + 1 + rng.randrange(len(functions) - 1)) % len(functions)]
            out.append({"text": code, "text_pair": other["code_no_doc"], "label": 0, **tag(f, other)})
    return out


def code_changes(functions: list[dict], seed: int = 0) -> list[dict]:
    """Commit-like changes: a diff, a message, and whether the change alters behaviour (label 1, the
    offline analogue of a defect-inducing commit) or preserves it (label 0).

    The label must not follow the kind of edit: the first version (label 1 = operator swap or
    constant bump, label 0 = rename or docstring) let "pure add/remove or a fresh name -> benign"
    score F1 0.974. Here every edit kind has a behaviour-preserving and a behaviour-altering twin
    with the same surface (see EDITS): a complete vs. an incomplete rename, a dead vs. a clobbering
    store, a redundant vs. a live statement removed, independent vs. dependent statements swapped,
    a mirrored vs. a flipped comparison, a constant changed in an error message vs. in the logic.
    The kind is drawn among those the function admits in both twins, so both classes get the same
    mix; a second, behaviour-preserving edit joins either class alike. Messages (for commit message
    generation) name the function and the identifiers changed in phrasings drawn per change, with
    the docstring's gist in some: not a handful of templates."""
    memo = (seed, tuple(tag(f)["functions"][0] for f in functions))
    if memo in _CHANGES:                 # the JIT and the commit-message datasets build the same changes
        return _CHANGES[memo]
    rng = random.Random(seed)
    out = []
    for i, f in enumerate(functions):
        label = i % 2
        try:
            change = _change(f["code"], f, label, rng)
        except (SyntaxError, ValueError, RecursionError):
            change = None
        if not change:
            continue
        before, after, edits = change
        out.append({"before": before, "after": after, "diff": diff(before, after, header=_signature(before)),
                    "message": message(edits, f, rng), "label": label, "name": f["name"],
                    "kinds": [e["kind"] for e in edits], **tag(f)})
    if len(_CHANGES) > 8:
        _CHANGES.clear()
    _CHANGES[memo] = out
    return out


_CHANGES: dict[tuple, list[dict]] = {}


# ---- edits with a behaviour-preserving and a behaviour-altering twin -------------------------

def _blocks(fn: ast.AST):
    """Every statement list of the function, nested blocks included, not those of inner scopes."""
    stack = [fn]
    while stack:
        node = stack.pop()
        for name in ("body", "orelse", "finalbody"):
            block = getattr(node, name, None)
            if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                yield block
                stack += [s for s in block if not isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                                 ast.ClassDef, ast.Lambda))]
        for handler in getattr(node, "handlers", []) or []:
            yield handler.body
            stack += handler.body


def _names(node: ast.AST, ctx=None) -> set[str]:
    return {n.id for n in _all_names(node) if ctx is None or isinstance(n.ctx, ctx)}


_NAMES: dict[int, tuple[ast.AST, list[ast.Name]]] = {}


def _all_names(node: ast.AST) -> list[ast.Name]:
    """The Name nodes under `node`, memoised per node (statements are asked about again and again);
    the node is kept beside its list so its id cannot be reused while the entry lives."""
    hit = _NAMES.get(id(node))
    if hit is None or hit[0] is not node:
        if len(_NAMES) > 50_000:
            _NAMES.clear()
        hit = _NAMES[id(node)] = (node, [n for n in ast.walk(node) if isinstance(n, ast.Name)])
    return hit[1]


def _has_call(node: ast.AST) -> bool:
    return any(isinstance(n, (ast.Call, ast.Await, ast.Yield, ast.YieldFrom)) for n in ast.walk(node))


def _mutated_bases(node: ast.AST) -> set[str]:
    """Names whose object a statement mutates through an attribute or item store (self.x = ..., d[k] = ...)."""
    out = set()
    for n in ast.walk(node):
        if isinstance(n, (ast.Attribute, ast.Subscript)) and isinstance(n.ctx, (ast.Store, ast.Del)):
            base = n.value
            while isinstance(base, (ast.Attribute, ast.Subscript)):
                base = base.value
            if isinstance(base, ast.Name):
                out.add(base.id)
    return out


SIMPLE = (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Expr)


def _independent(a: ast.stmt, b: ast.stmt) -> bool:
    """True when swapping a and b cannot change behaviour: neither writes or mutates a name the other
    touches, and at most one of them calls anything (a call may read any state)."""
    na, nb = _names(a), _names(b)
    wa, wb = _names(a, (ast.Store, ast.Del)) | _mutated_bases(a), _names(b, (ast.Store, ast.Del)) | _mutated_bases(b)
    if wa & nb or wb & na:
        return False
    ca, cb = _has_call(a), _has_call(b)
    return not (ca and cb) and not (ca and wb - _names(b, ast.Store)) and not (cb and wa - _names(a, ast.Store))


def _dependent(a: ast.stmt, b: ast.stmt) -> bool:
    """True when b reads a name a writes, or a reads one b writes: swapping them changes a value."""
    return bool(_names(a, ast.Store) & _names(b, ast.Load) or _names(b, ast.Store) & _names(a, ast.Load))


def _first_reads(stmt: ast.stmt) -> set[str]:
    """Names a statement reads before anything in it can assign them: a compound statement's header."""
    if isinstance(stmt, (ast.If, ast.While)):
        return _names(stmt.test, ast.Load)
    if isinstance(stmt, (ast.For, ast.AsyncFor)):
        return _names(stmt.iter, ast.Load)
    if isinstance(stmt, (ast.With, ast.AsyncWith)):
        return set().union(*(_names(item.context_expr, ast.Load) for item in stmt.items))
    if isinstance(stmt, (ast.Try, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return set()
    return _names(stmt, ast.Load)


def _in_raise(tree: ast.AST) -> set[int]:
    """ids of the string constants inside raise statements (error messages)."""
    return {id(n) for r in ast.walk(tree) if isinstance(r, ast.Raise) for n in ast.walk(r)
            if isinstance(n, ast.Constant) and isinstance(n.value, str)}


def _docstring_ids(tree: ast.AST) -> set[int]:
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.body \
                and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant):
            out.add(id(node.body[0].value))
    return out


def _reword(text: str, rng: random.Random) -> str:
    """A small textual change to a string: its end punctuation, the case of its first letter, or a word
    dropped. The same change is benign in an error message and a defect in a compared string."""
    words = text.split(" ")
    options = [text[:-1] if text.endswith((".", ":")) else text + "."]
    if text[:1].isalpha():
        options.append(text[:1].swapcase() + text[1:])
    if len(words) > 2:
        k = rng.randrange(1, len(words))
        options.append(" ".join(words[:k] + words[k + 1:]))
    return rng.choice(options)


NAME_PARTS = ["value", "item", "result", "items", "entry", "node", "count", "index", "name", "key", "obj",
              "data", "text", "line", "path", "size", "total", "pos", "start", "end", "parts", "args", "info",
              "current", "first", "last", "new", "old", "tmp", "buf", "res", "out", "val", "elem", "token",
              "chunk", "field", "attr", "spec", "found", "target", "source", "prefix", "suffix", "offset"]


def _new_name(old: str, taken: set[str], rng: random.Random) -> str | None:
    """A plausible replacement for `old`: a variant of it (old_value, new_old, its first letters) or
    another common name, never one the function already uses nor a builtin."""
    import builtins
    import keyword

    stem = old.strip("_")
    candidates = [f"{stem}_{rng.choice(NAME_PARTS)}", f"{rng.choice(NAME_PARTS)}_{stem}", stem[:3] or "v",
                  f"{stem}s" if not stem.endswith("s") else stem[:-1], rng.choice(NAME_PARTS),
                  rng.choice(NAME_PARTS) + "_" + rng.choice(NAME_PARTS)]
    rng.shuffle(candidates)
    for c in candidates:
        if c.isidentifier() and c not in taken and c != old and not keyword.iskeyword(c) and not hasattr(builtins, c):
            return c
    return None


CONSTANTS = ["None", "0", "''", "[]", "False", "1", "()", "{}"]


def _sites(tree: ast.Module, kind: str, broken: bool) -> list:
    """Where `kind` applies in its behaviour-preserving (broken=False) or -altering twin."""
    fn = _function(tree)
    if kind == "rename":
        counts: dict[str, list[ast.Name]] = {}
        for n in ast.walk(fn):
            if isinstance(n, ast.Name):
                counts.setdefault(n.id, []).append(n)
        declared = {name for n in ast.walk(fn) if isinstance(n, (ast.Global, ast.Nonlocal)) for name in n.names}
        return [(name, counts[name]) for name in local_names(fn) if len(counts.get(name, [])) >= 2
                and name not in declared]
    sites: list = []
    if kind not in ("assign", "remove", "reorder"):
        pass
    elif kind == "reorder":
        for block in _blocks(fn):
            for i, (a, b) in enumerate(zip(block, block[1:])):
                docstring = isinstance(a, ast.Expr) and isinstance(a.value, ast.Constant)
                if isinstance(a, SIMPLE) and isinstance(b, SIMPLE) and not docstring \
                        and ast.dump(a) != ast.dump(b) and (_dependent(a, b) if broken else _independent(a, b)):
                    sites.append((block, i, None))
    else:
        local = set(local_names(fn))
        for block in _blocks(fn):
            stores = [_names(s, ast.Store) for s in block]
            loads = [_names(s, ast.Load) for s in block]
            earlier: set[str] = set()
            for i, stmt in enumerate(block):
                targets = [t.id for t in getattr(stmt, "targets", []) if isinstance(t, ast.Name)]
                single = isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and len(targets) == 1
                if not broken:
                    # a store of x directly before a statement that overwrites x without reading it is dead
                    if single and targets[0] not in _names(stmt.value):
                        sites.append((block, i, targets[0]))
                elif kind == "assign" and i > 0:
                    # ... one before a statement that reads x, assigned earlier in the block, clobbers it
                    sites += [(block, i, x) for x in sorted(_first_reads(stmt) & earlier & local)]
                elif kind == "remove" and single and len(block) > 1 and not isinstance(stmt.value, ast.Call) \
                        and any(targets[0] in later for later in loads[i + 1:]):
                    # an initialisation (total = 0, seen = []) that later statements read: removing it breaks them
                    sites.append((block, i, targets[0]))
                earlier |= stores[i]
    if kind == "operator":
        for node in ast.walk(fn):
            if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in MIRROR \
                    and not _has_call(node):
                sites.append((node, None, None))
    if kind == "constant":
        messages, docs = _in_raise(fn), _docstring_ids(fn)
        for node in ast.walk(fn):
            if not isinstance(node, ast.Constant) or id(node) in docs:
                continue
            if not broken and isinstance(node.value, str) and id(node) in messages and node.value.strip():
                sites.append((node, None, None))
            elif broken and id(node) not in messages and (
                    type(node.value) is int or isinstance(node.value, str) and node.value.strip()):
                sites.append((node, None, None))
    return sites


MIRROR = {ast.Lt: ast.Gt, ast.Gt: ast.Lt, ast.LtE: ast.GtE, ast.GtE: ast.LtE, ast.Eq: ast.Eq, ast.NotEq: ast.NotEq}
EDITS = ("rename", "assign", "remove", "reorder", "operator", "constant")


def _apply(tree: ast.Module, kind: str, broken: bool, rng: random.Random) -> dict | None:
    """Apply one edit of `kind` in place; a description of it (for the message), or None."""
    sites = _sites(tree, kind, broken)
    if not sites:
        return None
    fn = _function(tree)
    if kind == "rename":
        old, nodes = rng.choice(sites)
        taken = _names(fn) | {a.arg for a in ast.walk(fn.args) if isinstance(a, ast.arg)}
        new = _new_name(old, taken, rng)
        if new is None:
            return None
        missed = rng.randrange(len(nodes)) if broken else None   # an incomplete rename leaves one behind
        for j, n in enumerate(nodes):
            if j != missed:
                n.id = new
        return {"kind": kind, "old": old, "new": new}
    block, i, name = rng.choice(sites)
    if kind in ("assign", "remove"):
        if kind == "remove" and broken:
            removed = block.pop(i)
            return {"kind": kind, "old": name, "line": ast.unparse(removed)}
        constant = ast.parse(rng.choice(CONSTANTS), mode="eval").body
        block.insert(i, ast.Assign(targets=[ast.Name(name, ast.Store())], value=constant, lineno=0))
        return {"kind": kind, "old": name, "line": f"{name} = {ast.unparse(constant)}",
                "reverse": kind == "remove"}   # benign remove: the dead store is in `before`, not `after`
    if kind == "reorder":
        block[i], block[i + 1] = block[i + 1], block[i]
        names = sorted(_names(block[i]) | _names(block[i + 1]))
        return {"kind": kind, "old": names[0] if names else "", "line": ast.unparse(block[i])}
    if kind == "operator":
        node = block
        op = type(node.ops[0])
        before = ast.unparse(node)
        if not broken:
            node.left, node.comparators[0] = node.comparators[0], node.left
            node.ops[0] = MIRROR[op]()
        elif op in (ast.Eq, ast.NotEq) or rng.random() < 0.5:
            node.ops[0] = SWAPS[op]()
        else:
            node.left, node.comparators[0] = node.comparators[0], node.left
        return {"kind": kind, "old": before, "new": ast.unparse(node), "line": ast.unparse(node),
                "op": SYMBOL[type(node.ops[0])]}
    node = block
    old = node.value
    if isinstance(old, str):
        node.value = _reword(old, rng)
    else:
        node.value = old + rng.choice([1, -1]) if old not in (0, 1) else 1 - old
    if node.value == old:
        return None
    return {"kind": kind, "old": repr(old), "new": repr(node.value)}


def _change(code: str, f: dict, label: int, rng: random.Random):
    """(before, after, edits) for one function, or None when no edit kind fits both twins."""
    probe = ast.parse(code)
    # the first kind, in a random order, that fits both twins: a uniform draw among those that fit
    kind = next((k for k in rng.sample(EDITS, len(EDITS)) if _sites(probe, k, False) and _sites(probe, k, True)),
                None)
    if kind is None:
        return None
    tree = ast.parse(code)
    edit = _apply(tree, kind, bool(label), rng)
    if edit is None:
        return None
    edits = [edit]
    # a second, behaviour-preserving edit joins either class alike (not a removal: its benign twin is
    # built backwards, from a `before` holding the dead store, and must stay a single edit in both)
    if kind != "remove" and rng.random() < 0.4:
        extra = rng.choice([k for k in ("rename", "reorder", "operator", "constant") if k != kind])
        second = _apply(tree, extra, False, rng)
        if second:
            edits.append(second)
    before, after = code, ast.unparse(tree)
    if edit.get("reverse"):
        before, after = after, code
    if before == after:
        return None
    return before, after, edits


# ---- messages -----------------------------------------------------------------------------

def _words_of(identifier: str) -> str:
    import re

    return " ".join(p.lower() for p in re.findall(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])", identifier)) or identifier


PHRASES = {
    "rename": ["Rename {old} to {new} in {fn}", "{fn}: rename {old} -> {new}", "Use {new} instead of {old} in {fn}",
               "Call the {old_words} {new} in {fn}", "Clearer name for {old} in {fn}", "{fn}: {old} is now {new}",
               "Refactor {fn} to name {old} {new}", "Rename variable {old} in {fn}"],
    "assign": ["Reset {old} in {fn}", "{fn}: initialise {old} to {const}", "Set {old} = {const} before use in {fn}",
               "Assign {const} to {old} in {fn}", "Default {old_words} to {const} in {fn}",
               "{fn}: start {old} from {const}"],
    "remove": ["Drop the {old} assignment in {fn}", "{fn}: remove {line}", "Remove redundant {old} = ... from {fn}",
               "Simplify {fn}: no {line}", "Don't set {old_words} up front in {fn}", "Clean up {old} in {fn}"],
    "reorder": ["Reorder statements in {fn}", "{fn}: move {line} up", "Compute {old} earlier in {fn}",
                "Swap two statements in {fn}", "Move {line} in {fn}", "Tidy the statement order of {fn}"],
    "operator": ["Use {new} instead of {old} in {fn}", "{fn}: check {new}", "Rewrite the condition {old} in {fn}",
                 "Change comparison in {fn} to {new}", "Flip the check in {fn}", "{fn}: {old} -> {new}",
                 "Compare with {op} in {fn}"],
    "constant": ["Change {old} to {new} in {fn}", "{fn}: use {new}", "Update a constant in {fn}",
                 "{fn}: {old} -> {new}", "Adjust the {old_words} literal in {fn}", "Tweak {fn} ({new})"],
}
SECOND = ["; also {text}", ", and {text}", " (plus {text})", ". Also {text}"]


def _phrase(edit: dict, fn: str, rng: random.Random) -> str:
    fields = {"fn": fn, "old": edit.get("old", ""), "new": edit.get("new", ""), "line": edit.get("line", ""),
              "old_words": _words_of(str(edit.get("old", "")).strip("'\"")),
              "const": edit.get("line", " = ").split(" = ", 1)[-1], "op": edit.get("op", "")}
    return rng.choice(PHRASES[edit["kind"]]).format(**fields)


def message(edits: list[dict], f: dict, rng: random.Random) -> str:
    """A commit message for the edits: a phrasing drawn per change naming the function and what changed,
    the second edit sometimes mentioned, sometimes the function's purpose from its docstring."""
    from replication.data.mining import summary_line

    fn = f["name"] if rng.random() < 0.7 else _words_of(f["name"])
    text = _phrase(edits[0], fn, rng)
    if len(edits) > 1 and rng.random() < 0.6:
        second = _phrase(edits[1], fn, rng)
        text += rng.choice(SECOND).format(text=second[:1].lower() + second[1:])
    purpose = summary_line(f.get("docstring", "")).rstrip(".")
    if purpose and rng.random() < 0.3:
        text += rng.choice([" ({p})", " - {p}", ", which should {p}"]).format(p=purpose[:1].lower() + purpose[1:])
    return text
