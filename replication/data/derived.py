"""Tasks derived from mined functions by program transformation: labelled "derived".

They stand in, offline, for data we cannot ship (real bug-fix commits, clone corpora):
renamed clones, mutation "defects" and their repairs, and commit-like code changes with
a message. Every choice is drawn from random.Random(seed), so a seed gives one dataset.
"""
from __future__ import annotations

import ast
import difflib
import random

from replication.data.mining import key_of, tag

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


def refactored_clones(functions: list[dict], seed: int = 0) -> list[dict]:
    """Clone detection on near-miss pairs: (code, a refactored copy) -> 1; (code, the same kind of
    refactoring with one behaviour-changing edit) -> 0. Both sides are always the same function, so
    the label says whether they behave alike, not whether they look alike.

    The first version paired a function with a consistently renamed copy (1) or with another function
    (0): word overlap alone separated them (F1 0.992), as did "same identifier-normalised code" (0.872).
    Here, as in BigCloneBench's type-3 cases, every copy is restructured, and the primary edit is drawn
    from CLONE_KINDS, each a refactoring with a broken twin of the same surface: a comparison mirrored
    (`a < b` -> `b > a`) or flipped/its operands swapped; if/else arms swapped under a negated test, or
    only one of the two; `x += 1` -> `x = x + 1` or `x = x - 1`; a for loop as a while loop over an
    iterator that breaks or returns when exhausted; nested ifs merged with `and` or with `or`, an `and`
    split into nested ifs or split with the inner test negated; an if/else assignment as a conditional
    expression with its arms kept or swapped; independent or dependent statements reordered; a dead
    store or a clobbering one (or a live initialisation removed); an error message reworded or a logic
    constant changed; a local renamed everywhere or everywhere but one read. The kind is drawn among
    those the function admits in both twins, before the label is looked at, so both classes get the same
    mix; then both get the same draw of 1-3 further refactorings (EXTRAS: also a returned expression
    through a temporary and back, `x + 1` -> `1 + x`, inserted `pass` or string statements, most of the
    time a rename of every local), and the sides are swapped at random.

    Negatives are never another function: with a quarter of them the split's nearest neighbour (by
    idf-weighted word overlap), the word-overlap rule rose from chance to 0.60 accuracy, since a
    different function shares fewer words than any refactoring of the same one. Functions longer than
    MAX_CLONE_CHARS are left out: the longer the pair, the likelier the mini profile's 128-token
    truncation cuts the edit away."""
    out = []
    for f in functions:
        code = f["code_no_doc"]
        if len(code) > MAX_CLONE_CHARS:
            continue
        key = key_of(f)
        rng = random.Random(f"{seed}:{key}")
        label = 1 - len(out) % 2
        try:
            # the kind is drawn before the label is looked at, among those the function admits in both
            # twins, so what a function admits says nothing of its label
            kind = _clone_kind(code, rng)
            built = _clone_variant(code, kind, not label, rng) if kind else None
        except (SyntaxError, ValueError, RecursionError):
            continue
        if built is None:
            continue
        variant, kinds = built
        swap = random.Random(f"{seed}:{key}:side").random() < 0.5
        text, pair = (variant, code) if swap else (code, variant)
        out.append({"text": text, "text_pair": pair, "label": label, "kinds": kinds, "swapped": swap, **tag(f)})
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


# ---- clones: refactorings with a behaviour-changing twin ------------------------------------

MAX_CLONE_CHARS = 480
# Primary edits: each has a benign form (a refactoring) and a broken one with the same surface.
CLONE_KINDS = ("operator", "constant", "reorder", "store", "rename", "branch", "augassign", "loop", "merge",
               "ifexp")
# Further refactorings both classes get alike. The last four are never the primary edit: they have no broken
# twin of the same surface that one side alone would not give away (`tmp = e; return` is wrong on sight).
EXTRAS = ("operator", "constant", "reorder", "store", "branch", "augassign", "loop", "merge", "ifexp",
          "return", "commute", "inline", "noop")
RENAME_ALL = 0.6
_DYNAMIC = {"locals", "vars", "eval", "exec", "globals", "dir"}
_INVERSE = {ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.Is: ast.IsNot, ast.IsNot: ast.Is, ast.In: ast.NotIn,
            ast.NotIn: ast.In}
NOTES = ["Keep the order: callers rely on it.", "Fast path first.", "Nothing else to do here.",
         "See the module docstring.", "The common case.", "Checked again below.", "Cheap enough to repeat.",
         "This mirrors the C implementation.", "Done in two steps for clarity.", "Edge case first."]


def _clone_kind(code: str, rng: random.Random) -> str | None:
    """The primary edit: the first kind, in a random order, that the function admits in both twins."""
    probe = ast.parse(code)
    return next((k for k in rng.sample(CLONE_KINDS, len(CLONE_KINDS))
                 if _clone_sites(probe, k, False) and _clone_sites(probe, k, True)), None)


def _clone_variant(code: str, kind: str, broken: bool, rng: random.Random) -> tuple[str, list[str]] | None:
    """A refactored copy of `code` whose primary edit is `kind` (its broken twin with broken=True), and
    the kinds of edit made; None when an edit finds no site, or when the copy would not differ from
    `code` once identifiers are normalised (a rename alone keeps that form, which "same normalised code"
    would call a clone)."""
    from replication.data.mining import normalised_form

    tree = ast.parse(code)
    if not _clone_edit(tree, kind, broken, rng):
        return None
    done = [kind]
    wanted = rng.choice([1, 1, 2, 3])
    for extra in rng.sample(EXTRAS, len(EXTRAS)):
        if len(done) > wanted:
            break
        if extra != kind and _clone_edit(tree, extra, False, rng):
            done.append(extra)
    if rng.random() < RENAME_ALL and _rename_all(_function(tree), rng):
        done.append("rename-all")
    ast.fix_missing_locations(tree)
    variant = ast.unparse(tree)
    if normalised_form(variant) == normalised_form(code):
        if not _clone_edit(tree, "noop", False, rng):
            return None
        done.append("noop")
        variant = ast.unparse(tree)
    ast.parse(variant)               # raises SyntaxError if an edit built something unparseable
    return variant, done


def _renamable(fn: ast.AST) -> dict[str, list[ast.AST]]:
    """Local name -> the nodes spelling it (Name nodes, `except ... as` targets), for the locals that a
    consistent rename cannot change the meaning of: not parameters, not declared global or nonlocal, not
    bound by an import, a nested def or class, or a nested scope's parameter; none at all where the
    function reads its namespace by name (locals(), eval) or matches patterns (their captures are not
    Name nodes)."""
    nodes = list(ast.walk(fn))
    if any(isinstance(n, ast.Match) or isinstance(n, ast.Name) and n.id in _DYNAMIC for n in nodes):
        return {}
    blocked = {a.arg for a in ast.walk(fn.args) if isinstance(a, ast.arg)}
    for n in nodes:
        if isinstance(n, (ast.Global, ast.Nonlocal)):
            blocked |= set(n.names)
        elif isinstance(n, (ast.Import, ast.ImportFrom)):
            blocked |= {(a.asname or a.name).split(".")[0] for a in n.names}
        elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)) and n is not fn:
            if not isinstance(n, ast.Lambda):
                blocked.add(n.name)
            if isinstance(n, ast.ClassDef):          # class attributes are names too
                blocked |= {m.id for m in ast.walk(n) if isinstance(m, ast.Name) and isinstance(m.ctx, ast.Store)}
            else:
                blocked |= {a.arg for a in ast.walk(n.args) if isinstance(a, ast.arg)}
    spelled: dict[str, list[ast.AST]] = {}
    for n in nodes:
        if isinstance(n, ast.Name):
            spelled.setdefault(n.id, []).append(n)
        elif isinstance(n, ast.ExceptHandler) and n.name:
            spelled.setdefault(n.name, []).append(n)
    # bound in the function's own scope: a name only a nested def assigns may be a global out here
    stored = {n.id for n in _own_scope(fn) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    stored |= {n.name for n in _own_scope(fn) if isinstance(n, ast.ExceptHandler) and n.name}
    return {name: spelled[name] for name in sorted(stored - blocked)}


def _own_scope(fn: ast.AST):
    """The nodes under fn outside nested defs, lambdas and classes (comprehensions included)."""
    stack = list(ast.iter_child_nodes(fn))
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            stack += ast.iter_child_nodes(node)


def _respell(node: ast.AST, new: str) -> None:
    if isinstance(node, ast.Name):
        node.id = new
    else:
        node.name = new


def _taken(fn: ast.AST) -> set[str]:
    out = set()
    for n in ast.walk(fn):
        if isinstance(n, ast.Name):
            out.add(n.id)
        elif isinstance(n, ast.arg):
            out.add(n.arg)
        elif isinstance(n, (ast.ExceptHandler, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and n.name:
            out.add(n.name)
        elif isinstance(n, ast.alias):
            out.add((n.asname or n.name).split(".")[0])
    return out


def _rename_all(fn: ast.AST, rng: random.Random) -> bool:
    taken = _taken(fn)
    changed = False
    for old, spellings in _renamable(fn).items():
        new = _new_name(old, taken, rng)
        if new:
            taken.add(new)
            for node in spellings:
                _respell(node, new)
            changed = True
    return changed


def _fresh(fn: ast.AST, stem: str, rng: random.Random) -> str:
    taken = _taken(fn)
    return _new_name(stem, taken, rng) or next(f"{stem}{i}" for i in range(2, 99) if f"{stem}{i}" not in taken)


def _numeric(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) in (int, float) and node.value != 0


def _negated(test: ast.expr) -> ast.expr:
    """`test` negated without changing its truth in any context where only truth counts (if, while, a
    conditional expression): `not x` -> `x`, `a == b` -> `a != b`, `a in b` -> `a not in b`, else `not
    (test)`. Never `a < b` -> `a >= b`, which differs for sets and NaN."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return test.operand
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and type(test.ops[0]) in _INVERSE:
        return ast.Compare(test.left, [_INVERSE[type(test.ops[0])]()], test.comparators)
    return ast.UnaryOp(ast.Not(), test)


def _statements(fn: ast.AST):
    """(block, index, statement) for every statement of the function outside nested scopes."""
    for block in list(_blocks(fn)):
        for i, stmt in enumerate(block):
            yield block, i, stmt


def _removable(tree: ast.Module) -> list:
    """Initialisations (x = <no call>) whose value the block reads next: the first later statement that
    mentions x reads it, so removing the line changes what it sees (code_changes' "remove" sites also
    take those overwritten before any read)."""
    out = []
    for block, i, name in _sites(tree, "remove", True):
        later = next((s for s in block[i + 1:] if name in _names(s)), None)
        if later is not None and name in _names(later, ast.Load):
            out.append((block, i, name))
    return out


def _single_store(stmt: ast.stmt) -> str | None:
    """x when the statement is `x = ...` with one plain-name target."""
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
        return stmt.targets[0].id
    return None


def _clone_sites(tree: ast.Module, kind: str, broken: bool) -> list:
    """Where `kind` applies, in its benign (broken=False) or its broken form."""
    fn = _function(tree)
    if kind in ("operator", "constant", "reorder"):
        return _sites(tree, kind, broken)
    if kind == "store":
        return _sites(tree, "assign", True) + _removable(tree) if broken else _sites(tree, "assign", False)
    if kind == "rename":
        # the broken twin leaves one read behind, so some use must be a read (a missed store can be dead)
        return [(name, nodes) for name, nodes in _renamable(fn).items() if len(nodes) >= 2
                and any(isinstance(getattr(n, "ctx", None), ast.Load) for n in nodes)]
    sites: list = []
    if kind == "branch":
        # the same sites for both twins: an if/else (or a conditional expression) whose arms differ
        for node in ast.walk(fn):
            if isinstance(node, (ast.If, ast.IfExp)) and node.orelse and ast.dump(
                    ast.Module(node.body, []) if isinstance(node, ast.If) else node.body) != ast.dump(
                    ast.Module(node.orelse, []) if isinstance(node, ast.If) else node.orelse):
                sites.append(node)
        return sites
    if kind == "augassign":
        for block, i, stmt in _statements(fn):
            if isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Name) \
                    and isinstance(stmt.op, (ast.Add, ast.Sub)) and _numeric(stmt.value):
                sites.append((block, i, "expand"))
            elif _single_store(stmt) and isinstance(stmt.value, ast.BinOp) \
                    and isinstance(stmt.value.op, (ast.Add, ast.Sub)) and _numeric(stmt.value.right) \
                    and isinstance(stmt.value.left, ast.Name) and stmt.value.left.id == _single_store(stmt):
                sites.append((block, i, "contract"))
        return sites
    if kind == "loop":
        bound = {n.id for n in ast.walk(fn) if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)}
        bound |= {a.arg for a in ast.walk(fn) if isinstance(a, ast.arg)}
        if bound & {"iter", "next", "StopIteration"}:
            return []
        # only loops something follows (more than `return None`), so the broken twin's early return skips it
        return [(block, i, None) for block, i, stmt in _statements(fn)
                if isinstance(stmt, ast.For) and not stmt.orelse and any(
                    not isinstance(later, ast.Pass) and not (isinstance(later, ast.Return) and (
                        later.value is None or isinstance(later.value, ast.Constant) and later.value.value is None))
                    for later in block[i + 1:])]
    if kind == "merge":
        for block, i, stmt in _statements(fn):
            if not isinstance(stmt, ast.If) or stmt.orelse:
                continue
            if len(stmt.body) == 1 and isinstance(stmt.body[0], ast.If) and not stmt.body[0].orelse:
                sites.append((block, i, "merge"))
            elif isinstance(stmt.test, ast.BoolOp) and isinstance(stmt.test.op, ast.And):
                sites.append((block, i, "split"))
        return sites
    if kind == "ifexp":
        for block, i, stmt in _statements(fn):
            if isinstance(stmt, ast.If) and len(stmt.body) == len(stmt.orelse) == 1 \
                    and _single_store(stmt.body[0]) and _single_store(stmt.body[0]) == _single_store(stmt.orelse[0]) \
                    and ast.dump(stmt.body[0].value) != ast.dump(stmt.orelse[0].value):
                sites.append((block, i, "to_expr"))
            elif _single_store(stmt) and isinstance(stmt.value, ast.IfExp) \
                    and ast.dump(stmt.value.body) != ast.dump(stmt.value.orelse):
                sites.append((block, i, "to_stmt"))
        return sites
    if broken:
        return []
    if kind == "return":
        return [(block, i, None) for block, i, stmt in _statements(fn) if isinstance(stmt, ast.Return)
                and stmt.value is not None and not isinstance(stmt.value, (ast.Name, ast.Constant))]
    if kind == "commute":
        return [node for node in ast.walk(fn) if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mult))
                and type(getattr(node.right, "value", None)) is int and isinstance(node.right, ast.Constant)
                and not isinstance(node.left, ast.Constant)]
    if kind == "inline":
        renamable = _renamable(fn)
        for block, i, stmt in _statements(fn):
            name = _single_store(stmt)
            if name and i + 1 < len(block) and isinstance(block[i + 1], ast.Return) \
                    and isinstance(block[i + 1].value, ast.Name) and block[i + 1].value.id == name \
                    and len(renamable.get(name, [])) == 2:
                sites.append((block, i, name))
        return sites
    if kind == "noop":
        # not first in the function (a string there is its docstring), not unreachable after a return
        return [(block, i) for block in _blocks(fn) for i in range(len(block) + 1) if (block is not fn.body or i > 0)
                and not (i and isinstance(block[i - 1], (ast.Return, ast.Raise, ast.Continue, ast.Break)))]
    raise ValueError(f"unknown clone edit {kind!r}")


def _clone_edit(tree: ast.Module, kind: str, broken: bool, rng: random.Random) -> bool:
    """Apply one edit of `kind` in place; False when it has no site."""
    done = _clone_edit_at(tree, kind, broken, rng)
    if done:
        ast.fix_missing_locations(tree)       # ast.unparse of a later edit's node wants positions
    return done


def _clone_edit_at(tree: ast.Module, kind: str, broken: bool, rng: random.Random) -> bool:
    sites = _clone_sites(tree, kind, broken)
    if not sites:
        return False
    fn = _function(tree)
    if kind in ("operator", "constant", "reorder"):
        return _apply(tree, kind, broken, rng) is not None
    if kind == "store":
        if not broken:
            return _apply(tree, "assign", False, rng) is not None
        removable = _removable(tree)
        if removable and (rng.random() < 0.5 or not _sites(tree, "assign", True)):
            block, i, _ = rng.choice(removable)
            del block[i]
            return True
        return _apply(tree, "assign", True, rng) is not None
    if kind == "rename":
        old, nodes = rng.choice(sites)
        new = _new_name(old, _taken(fn), rng)
        if new is None:
            return False
        missed = rng.choice([j for j, n in enumerate(nodes) if isinstance(getattr(n, "ctx", None), ast.Load)]) \
            if broken else None
        for j, node in enumerate(nodes):
            if j != missed:
                _respell(node, new)
        return True
    if kind == "branch":
        node = rng.choice(sites)
        negate, swap = (True, True) if not broken else rng.choice([(True, False), (False, True)])
        if negate:
            node.test = _negated(node.test)
        if swap:
            node.body, node.orelse = node.orelse, node.body
        return True
    if kind == "commute":
        node = rng.choice(sites)
        node.left, node.right = node.right, node.left
        return True
    if kind == "noop":
        block, i = rng.choice(sites)
        note = ast.Pass() if rng.random() < 0.4 else ast.Expr(ast.Constant(rng.choice(NOTES)))
        block.insert(i, note)
        return True
    block, i, how = rng.choice(sites)
    stmt = block[i]
    if kind == "augassign":
        op = type(stmt.op if how == "expand" else stmt.value.op)
        if broken:
            op = ast.Sub if op is ast.Add else ast.Add
        name = stmt.target.id if how == "expand" else stmt.targets[0].id
        value = stmt.value if how == "expand" else stmt.value.right
        block[i] = (ast.Assign([ast.Name(name, ast.Store())], ast.BinOp(ast.Name(name, ast.Load()), op(), value))
                    if how == "expand" else ast.AugAssign(ast.Name(name, ast.Store()), op(), value))
    elif kind == "loop":
        it = _fresh(fn, "it", rng)
        # the broken twin returns where the loop ends, skipping what follows it
        step = ast.Try(body=[ast.Assign([stmt.target], ast.Call(ast.Name("next", ast.Load()), [ast.Name(it, ast.Load())], []))],
                       handlers=[ast.ExceptHandler(ast.Name("StopIteration", ast.Load()), None,
                                                   [ast.Return(None) if broken else ast.Break()])],
                       orelse=[], finalbody=[])
        block[i:i + 1] = [ast.Assign([ast.Name(it, ast.Store())], ast.Call(ast.Name("iter", ast.Load()), [stmt.iter], [])),
                          ast.While(ast.Constant(True), [step] + stmt.body, [])]
    elif kind == "merge":
        if how == "merge":
            inner = stmt.body[0]
            op = ast.Or() if broken else ast.And()
            block[i] = ast.If(ast.BoolOp(op, [stmt.test, inner.test]), inner.body, [])
        else:
            first, *rest = stmt.test.values
            second = rest[0] if len(rest) == 1 else ast.BoolOp(ast.And(), rest)
            block[i] = ast.If(first, [ast.If(_negated(second) if broken else second, stmt.body, [])], [])
    elif kind == "ifexp":
        if how == "to_expr":
            yes, no = stmt.body[0].value, stmt.orelse[0].value
            if broken:
                yes, no = no, yes
            block[i] = ast.Assign([ast.Name(_single_store(stmt.body[0]), ast.Store())], ast.IfExp(stmt.test, yes, no))
        else:
            yes, no = stmt.value.body, stmt.value.orelse
            if broken:
                yes, no = no, yes
            name = _single_store(stmt)
            block[i] = ast.If(stmt.value.test, [ast.Assign([ast.Name(name, ast.Store())], yes)],
                              [ast.Assign([ast.Name(name, ast.Store())], no)])
    elif kind == "return":
        tmp = _fresh(fn, "result", rng)
        block[i:i + 1] = [ast.Assign([ast.Name(tmp, ast.Store())], stmt.value), ast.Return(ast.Name(tmp, ast.Load()))]
    elif kind == "inline":
        block[i:i + 2] = [ast.Return(stmt.value)]
    return True
