"""The review's own reported numbers (corpus/review.yaml `figures`), recomputed from the database.

A claim is one reported number or table of the review (a study count, a venue distribution, the
method x task heatmap ...). Each is recomputed from the studies in the database and gets a status:

  match        the database gives the review's number
  explained    it does not, and a named cause, *applied*, gives exactly the review's number: the
               claim is recomputed with the cause in place and compared again. Causes:
                 - conflicts: for studies whose corpus file records a conflict with the review's
                   artifact on a field the claim reads, the artifact's value of that field;
                 - csv-rows: the review counts rows of its detail CSV (a task paired with that
                   row's methods and architectures), where the database pairs every task of a study
                   with all its methods; applied only to studies whose tasks and methods (or
                   architectures: the fields the claim reads) agree with the artifact, so it changes
                   the pairing, never the data;
                 - inconsistency: a documented contradiction inside the review's own sources that
                   names this claim and the exact difference it leaves (reported minus computed).
               Anything less than the whole difference is not an explanation.
  mismatch     nothing accounts for the whole difference: `slr check` fails
  source-only  the claim cannot be recomputed from study data (e.g. 1,146 candidates)
  superseded   a draft of the artifact the review itself replaced; reported, not compared

Claims tagged with a 27-study version (arxiv-v1, arxiv-v2, artifact-27...) are recomputed over the
27 studies the review's artifact classifies; revision-28 claims over all studies.
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from typing import Any, Callable

from sqlalchemy import select
from sqlalchemy.engine import Engine

from slr import schema

Claim = dict[str, Any]


@dataclass(frozen=True)
class Row:
    """One task instance: a task with the methods and architectures used for it. `methods` holds
    method combinations: {LoRA} alone, or {L-Adapter, T-Adapter} used together, which the review
    counts under its own label ("L-Adapter + T-Adapter") and not under either part."""
    task: str
    methods: frozenset[frozenset[str]]
    architectures: frozenset[str]

    @property
    def method_names(self) -> frozenset[str]:
        return frozenset().union(*self.methods)


@dataclass(frozen=True)
class StudyView:
    rows: tuple[Row, ...]
    venue: str
    year: int

    @property
    def tasks(self) -> set[str]:
        return {r.task for r in self.rows}

    def sets(self) -> tuple[frozenset, frozenset, frozenset]:
        return (frozenset(self.tasks), frozenset().union(*(r.method_names for r in self.rows)),
                frozenset().union(*(r.architectures for r in self.rows)))


View = dict[str, StudyView]
# Which conflict fields a claim's computation reads, by claim key.
READS: dict[str, tuple[str, ...]] = {
    "distinct_tasks": ("tasks",), "task_category_counts": ("tasks",), "task_taxonomy": ("tasks",),
    "studies_per_task": ("tasks",), "multi_task_studies": ("tasks",), "multi_task_share": ("tasks",),
    "architecture_counts": ("tasks", "architectures"), "method_instance_counts": ("tasks", "methods"),
    "method_task_heatmap": ("tasks", "methods"), "venue_distribution": ("venue",),
    "studies_per_year": ("year",),
}
PER_ROW = {"architecture_counts", "method_instance_counts", "method_task_heatmap"}
CONFLICT_FIELD = {"tasks": r"^tasks", "methods": r"^methods", "architectures": r"^models.*arch|^architecture",
                  "venue": r"^venue", "year": r"^year"}


class Basis:
    """What the database says (`ours`), what the review's artifact says (`artifact`), and the
    vocabularies, for the computations below."""

    def __init__(self, engine: Engine):
        from taxonomy import vocabularies

        S, ST, SM, MO = (schema.Study.__table__, schema.StudyTask.__table__, schema.StudyMethod.__table__,
                         schema.Model.__table__)
        T, M, RF, C = (schema.Task.__table__, schema.Method.__table__, schema.ReviewFigure.__table__,
                       schema.Conflict.__table__)
        tasks, methods, archs = defaultdict(set), defaultdict(set), defaultdict(set)
        with engine.connect() as conn:
            studies = {r["id"]: dict(r) for r in conn.execute(select(S)).mappings()}
            for sid, task in conn.execute(select(ST.c.study_id, ST.c.task)):
                tasks[sid].add(task)
            for sid, method in conn.execute(select(SM.c.study_id, SM.c.method)):
                methods[sid].add(method)
            for sid, arch in conn.execute(select(MO.c.study_id, MO.c.architecture)):
                archs[sid].add(arch)
            self.category = {r["name"]: r["category"] for r in conn.execute(select(T)).mappings()}
            self.abbreviation = {r["abbreviation"]: r["name"] for r in conn.execute(select(T)).mappings()}
            self.family = {r["name"]: r["family"] for r in conn.execute(select(M)).mappings()}
            self.claims = [dict(r) for r in conn.execute(select(RF).order_by(RF.c.id)).mappings()]
            self.conflicts: dict[str, list[dict]] = defaultdict(list)
            for r in conn.execute(select(C)).mappings():
                self.conflicts[r["study_id"]].append(dict(r))
        self.ours: View = {
            sid: StudyView(tuple(Row(t, frozenset(frozenset({m}) for m in methods[sid]), frozenset(archs[sid]))
                                 for t in sorted(tasks[sid])),
                           s["venue"], s["year"]) for sid, s in studies.items()}
        review = next((c["body"] for c in self.claims if c["key"] == "__review__"), {})
        self.inconsistencies = review.get("inconsistencies") or []
        heatmap = next((c["body"] for c in self.claims if c["key"] == "method_task_heatmap"), {})
        self.method_labels = {m["as_named"]: m["canonical"] for m in heatmap.get("methods_mapping") or []}
        classification = review.get("review_classification") or {}
        self.artifact: View = _artifact_view(classification, self.method_labels, vocabularies())
        # The 27 studies of the detail CSV; P38's entry is inferred from the revision and counts only there.
        self.artifact_27 = {sid for sid in self.artifact if "28" not in str(classification[sid].get("version", ""))}

    def scope(self, version: str | None) -> list[str]:
        """The studies a version of the review counts: the artifact's 27, or all for the revision."""
        if version and "28" not in version and self.artifact_27:
            return sorted(s for s in self.ours if s in self.artifact_27)
        return sorted(self.ours)

    def conflicting(self, sid: str, field: str) -> bool:
        return any(re.search(CONFLICT_FIELD[field], c["field"], re.I) for c in self.conflicts.get(sid, []))


def _artifact_view(classification: dict, method_labels: dict[str, list[str]], vocab) -> View:
    """The artifact's detail-CSV rows per study, in canonical names."""
    def combination(label: str) -> frozenset[str]:
        if label in method_labels:
            return frozenset(method_labels[label])
        term = vocab["methods"].resolve(label) or vocab["methods"].resolve(re.sub(r"\s*\(.*\)$", "", label))
        if term is None and f"Base {label}" in method_labels:      # "Adapter" is the heatmap's "Base Adapter"
            return frozenset(method_labels[f"Base {label}"])
        return frozenset({term.name if term else label})

    def canonical(kind: str, label: str) -> str:
        term = vocab[kind].resolve(label)
        return term.name if term else label

    view: View = {}
    for sid, entry in classification.items():
        if not isinstance(entry, dict) or not entry.get("rows"):
            continue
        rows = tuple(Row(canonical("tasks", r["task"]),
                         frozenset(combination(m) for m in r.get("methods") or []),
                         frozenset(canonical("architectures", a) for a in r.get("architecture") or []))
                     for r in entry["rows"])
        view[sid] = StudyView(rows, str(entry.get("venue")), int(entry.get("year") or 0))
    return view


# --------------------------------------------------------------------------- claims, computed from a view

def _studies_total(c: Claim, v: View, b: Basis):
    return len(v), c.get("value")


def _distinct_tasks(c: Claim, v: View, b: Basis):
    return len(_used_tasks(v)), c.get("value")


def _used_tasks(v: View) -> set[str]:
    return set().union(*(s.tasks for s in v.values())) if v else set()


def _task_category_counts(c: Claim, v: View, b: Basis):
    return dict(Counter(b.category.get(t, "?") for t in _used_tasks(v))), c.get("counts")


def _task_taxonomy(c: Claim, v: View, b: Basis):
    used = _used_tasks(v)
    computed = {k: sorted(t for t in used if b.category.get(t) == k) for k in ("generative", "non-generative")}
    return computed, {k: sorted(x) for k, x in (c.get("tasks") or {}).items()}


def _studies_per_task(c: Claim, v: View, b: Basis):
    reported = c.get("counts") or {}
    computed = dict(Counter(t for s in v.values() for t in s.tasks))
    if c.get("other_tasks"):  # the revision gives only some tasks' counts
        computed = {k: n for k, n in computed.items() if k in reported}
    return computed, reported


def _multi_task_studies(c: Claim, v: View, b: Basis):
    return sum(1 for s in v.values() if len(s.tasks) > 1), c.get("value")


def _multi_task_share(c: Claim, v: View, b: Basis):
    return f"{100 * sum(1 for s in v.values() if len(s.tasks) > 1) / max(len(v), 1):.1f}%", c.get("value")


def _architecture_counts(c: Claim, v: View, b: Basis):
    computed = {a: {"studies": sum(1 for s in v.values() if any(a in r.architectures for r in s.rows)),
                    "task_instances": sum(1 for s in v.values() for r in s.rows if a in r.architectures)}
                for a in ("encoder-decoder", "encoder-only", "decoder-only")}
    return computed, c.get("counts")


def _venue_distribution(c: Claim, v: View, b: Basis):
    reported = dict(c.get("counts") or {})
    computed = dict(Counter(s.venue for s in v.values()))
    if (c.get("version") or "").endswith("csv"):   # the CSV spells arXiv "ARXIV": compare case-insensitively
        by_lower = {k.lower(): k for k in reported}
        computed = {by_lower.get(k.lower(), k): n for k, n in computed.items()}
    return computed, reported


def _studies_per_year(c: Claim, v: View, b: Basis):
    return {str(k): n for k, n in sorted(Counter(s.year for s in v.values()).items())}, c.get("counts")


def _method_count(label: str, b: Basis, v: View) -> int:
    """Task instances of a method label of the review: rows that use that method (combination)."""
    if label == "Adapter family":
        family = {"Adapter (Houlsby)", "Adapter (Pfeiffer)", "L-Adapter", "T-Adapter", "Parallel Adapter"}
        return sum(1 for s in v.values() for r in s.rows if r.method_names & family)
    combination = frozenset(b.method_labels.get(label) or {"LoRA": ["LoRA"], "(IA)\u00b3": ["(IA)3"]}.get(label)
                            or [label])
    return sum(1 for s in v.values() for r in s.rows if combination in r.methods)


def _method_instance_counts(c: Claim, v: View, b: Basis):
    reported = c.get("counts") or {}
    return {label: _method_count(label, b, v) for label in reported}, reported


def _heatmap_cells(c: Claim, v: View, b: Basis):
    reported: dict[str, int] = {}
    for cell in c.get("cells") or []:
        task = b.abbreviation.get(cell.get("task"), cell.get("task"))
        reported[f"{cell.get('method_as_named') or cell.get('method')} x {task}"] = cell.get("count", 0)
    computed: dict[str, int] = {}
    for label, needed in b.method_labels.items():
        for s in v.values():
            for r in s.rows:
                if frozenset(needed) in r.methods:
                    key = f"{label} x {r.task}"
                    computed[key] = computed.get(key, 0) + 1
    return computed, reported


def _peft_families(c: Claim, v: View, b: Basis):
    mapping = dict(b.method_labels)
    mapping.update({"(IA)3": ["(IA)3"], "FF-LoRA + Adapter": ["FF-LoRA", "Adapter (Houlsby)"]})
    disagreements = [f"{label}: review {family}, ours {b.family[names[0]]}"
                     for family, labels in (c.get("families") or {}).items() for label in labels
                     for names in [mapping.get(label) or [label]]
                     if len(names) == 1 and names[0] in b.family and b.family[names[0]] != family]
    return ("families agree" if not disagreements else "; ".join(disagreements)), "families agree"


def _selection_flow(c: Claim, v: View, b: Basis):
    return len(v), (c.get("stages") or [{}])[-1].get("count")


COMPUTE: dict[str, Callable[[Claim, View, Basis], tuple[Any, Any]]] = {
    "studies_total": _studies_total, "distinct_tasks": _distinct_tasks,
    "task_category_counts": _task_category_counts, "task_taxonomy": _task_taxonomy,
    "studies_per_task": _studies_per_task, "multi_task_studies": _multi_task_studies,
    "multi_task_share": _multi_task_share, "architecture_counts": _architecture_counts,
    "venue_distribution": _venue_distribution, "studies_per_year": _studies_per_year,
    "method_task_heatmap": _heatmap_cells, "method_instance_counts": _method_instance_counts,
    "peft_families": _peft_families, "selection_flow": _selection_flow,
}


# --------------------------------------------------------------------------- causes, applied to a view

def _with_artifact_where_conflicting(c: Claim, v: View, b: Basis) -> tuple[View, str] | None:
    fields = READS.get(c["key"], ())
    changed: dict[str, list[str]] = {}
    out = dict(v)
    for sid in v:
        if sid not in b.artifact:
            continue
        which = [f for f in fields if b.conflicting(sid, f)]
        if not which:
            continue
        theirs = b.artifact[sid]
        study = out[sid]
        if "tasks" in which:                       # the artifact's rows, with their pairing
            study = replace(study, rows=theirs.rows)
        else:                                      # our tasks, with the artifact's methods / architectures
            study = replace(study, rows=tuple(_take(row, theirs, which) for row in study.rows))
        if "venue" in which:
            study = replace(study, venue=theirs.venue)
        if "year" in which:
            study = replace(study, year=theirs.year)
        if study != out[sid]:
            out[sid], changed[sid] = study, which
    if not changed:
        return None
    named = ", ".join(f"{sid} ({'/'.join(f)})" for sid, f in sorted(changed.items(), key=lambda x: int(x[0][1:])))
    return out, f"conflicts recorded with the review's artifact for {named}; with the artifact's values for them"


def _take(row: Row, theirs: StudyView, fields: list[str]) -> Row:
    """Our row with the artifact's value of `fields` for the same task (or its whole study's)."""
    same = [r for r in theirs.rows if r.task == row.task] or list(theirs.rows)
    if "methods" in fields:
        row = replace(row, methods=frozenset().union(*(r.methods for r in same)))
    if "architectures" in fields:
        row = replace(row, architectures=frozenset().union(*(r.architectures for r in same)))
    return row


def _per_csv_row(c: Claim, v: View, b: Basis) -> tuple[View, str] | None:
    if c["key"] not in PER_ROW:
        return None
    fields = [i for i, name in enumerate(("tasks", "methods", "architectures")) if name in READS[c["key"]]]
    out, moved = dict(v), []
    for sid, study in v.items():
        theirs = b.artifact.get(sid)
        if theirs and theirs.rows != study.rows and all(theirs.sets()[i] == study.sets()[i] for i in fields):
            out[sid] = replace(study, rows=theirs.rows)
            moved.append(sid)
    if not moved:
        return None
    return out, (f"the review counts rows of its detail CSV (a task with that row's methods and architectures); "
                 f"counted per row for the {len(moved)} studies whose "
                 f"{' and '.join(READS[c['key']])} agree with it")


CAUSES = (_with_artifact_where_conflicting, _per_csv_row)


def _residual(reported: Any, computed: Any, prefix: str = "") -> dict[str, Any]:
    """reported minus computed, leaf by leaf, for numbers in (nested) dicts; {} when equal."""
    if isinstance(reported, dict) or isinstance(computed, dict):
        reported, computed = reported if isinstance(reported, dict) else {}, computed if isinstance(computed, dict) else {}
        out: dict[str, Any] = {}
        for key in sorted(set(reported) | set(computed), key=str):
            out.update(_residual(reported.get(key, 0), computed.get(key, 0), f"{prefix}{key}."))
        return out
    if reported == computed:
        return {}
    if isinstance(reported, (int, float)) and isinstance(computed, (int, float)):
        return {prefix.rstrip("."): reported - computed}
    return {prefix.rstrip(".") or "value": f"{reported!r} vs {computed!r}"}


def _documented_inconsistency(c: Claim, residual: dict[str, Any], b: Basis) -> str | None:
    """An inconsistency of the review's sources that names this claim and exactly this residual."""
    for item in b.inconsistencies:
        for target in item.get("claims") or []:
            if target.get("key") == c["key"] and target.get("version") == c.get("version") \
                    and (target.get("residual") or {}) == residual:
                return f"the review's own sources disagree ({item.get('what')}): {item.get('note') or ''}".strip()
    return None


def _check_one(c: Claim, b: Basis) -> dict[str, Any]:
    entry = {"key": c.get("key"), "version": c.get("version"), "reported": None, "computed": None,
             "status": "source-only", "explanation": c.get("note")}
    if c.get("superseded"):
        return {**entry, "status": "superseded", "explanation": "a draft the review replaced; not compared"}
    if c.get("key") not in COMPUTE:
        return {**entry, "reported": {k: x for k, x in c.items() if k not in ("key", "version", "evidence", "note",
                                                                                 "how", "derived")}}
    compute = COMPUTE[c["key"]]
    scope = b.scope(c.get("version"))
    view = {sid: b.ours[sid] for sid in scope}
    computed, reported = compute(c, view, b)
    left_out = sorted(set(b.ours) - set(scope), key=lambda sid: int(sid[1:]))
    entry.update(reported=_summary(c, reported), computed=_summary(c, computed),
                 scope=f"{len(scope)} studies" + (f" (this version leaves out {', '.join(left_out)})" if left_out else ""))
    if computed == reported:
        return {**entry, "status": "match", "explanation": None}
    applied: list[str] = []
    for cause in CAUSES:
        result = cause(c, view, b)
        if result is None:
            continue
        view, why = result
        applied.append(why)
        recomputed, _ = compute(c, view, b)
        if recomputed == reported:
            return {**entry, "status": "explained", "explanation": "; then ".join(applied)
                    + f": recomputed, {_summary(c, recomputed)} = the review's number"}
    residual = _residual(reported, compute(c, view, b)[0])
    documented = _documented_inconsistency(c, residual, b)
    if documented:
        return {**entry, "status": "explained",
                "explanation": ("; then ".join(applied) + "; " if applied else "") + documented
                + f" (leaves exactly {residual})"}
    return {**entry, "status": "mismatch",
            "explanation": ("with " + "; then ".join(applied) + ", still " if applied else "")
            + f"off by {residual}: check the corpus against the source"}


def _summary(c: Claim, value: Any) -> Any:
    if c["key"] == "method_task_heatmap" and isinstance(value, dict):
        return {"cells": sum(1 for n in value.values() if n), "total": sum(value.values())}
    return value


def recompute(engine: Engine) -> list[dict[str, Any]]:
    basis = Basis(engine)
    out = [_check_one(c["body"], basis) for c in basis.claims if c["key"] != "__review__"]
    for item in basis.inconsistencies:
        out.append({"key": "artifact-inconsistency", "version": None, "reported": item.get("what"),
                    "computed": item.get("values"), "status": "inconsistent",
                    "explanation": item.get("note") or "the review's own sources disagree"})
    return out
