"""Questions a user asks of the database, as plain functions returning plain data.

Every output format (table, json, csv, bibtex) is rendered from what these return.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any, Iterable

from sqlalchemy import select
from sqlalchemy.engine import Engine

from slr import schema
from slr.errors import UsageError

S, ST, SM, MO = schema.Study.__table__, schema.StudyTask.__table__, schema.StudyMethod.__table__, schema.Model.__table__
TASK, METHOD, ARCH = schema.Task.__table__, schema.Method.__table__, schema.Architecture.__table__


# --------------------------------------------------------------------------- vocabulary

def vocabulary(engine: Engine, kind: str):
    """The vocabulary as stored by the last build (no YAML parsing on the query path)."""
    from taxonomy.vocabulary import Term, Vocabulary

    with engine.connect() as conn:
        if kind == "tasks":
            rows = conn.execute(select(TASK)).mappings().all()
            terms = [Term("tasks", r["name"], tuple(r["aliases"] or ()), r["abbreviation"], r["category"],
                          description=r["description"], in_review=r["in_review"]) for r in rows]
        elif kind == "methods":
            rows = conn.execute(select(METHOD)).mappings().all()
            terms = [Term("methods", r["name"], tuple(r["aliases"] or ()), family=r["family"],
                          library=r["library"], description=r["description"]) for r in rows]
        else:
            rows = conn.execute(select(ARCH)).mappings().all()
            terms = [Term("architectures", r["name"], tuple(r["aliases"] or ()),
                          description=r["description"]) for r in rows]
    return Vocabulary(kind, terms)


def resolve(engine: Engine, kind: str, value: str, option: str) -> str:
    vocab = vocabulary(engine, kind)
    term = vocab.resolve(value)
    if term is None:
        hints = vocab.suggest(value)
        tip = f" Did you mean {' or '.join(repr(h) for h in hints)}?" if hints else ""
        raise UsageError(f"{option}: unknown {kind[:-1]} '{value}'.{tip}")
    return term.name


def _distinct(engine: Engine, column) -> list:
    with engine.connect() as conn:
        return list(conn.execute(select(column).distinct()).scalars())


def _resolve_choice(value: str, choices: Iterable[str], option: str, what: str) -> str:
    choices = sorted(set(choices))
    lowered = {c.lower(): c for c in choices}
    if value.lower() in lowered:
        return lowered[value.lower()]
    from rapidfuzz import process, utils

    hints = [h for h, score, _ in process.extract(value, choices, processor=utils.default_process, limit=3)
             if score >= 60]
    tip = f" Did you mean {' or '.join(repr(h) for h in hints)}?" if hints else ""
    raise UsageError(f"{option}: unknown {what} '{value}'.{tip} Known: {', '.join(choices)}.")


# --------------------------------------------------------------------------- papers

@dataclass
class PaperFilter:
    tasks: tuple[str, ...] = ()
    methods: tuple[str, ...] = ()
    architectures: tuple[str, ...] = ()
    venue: str | None = None
    year: int | None = None
    category: str | None = None
    family: str | None = None


def papers(engine: Engine, flt: PaperFilter | None = None, with_evidence: bool = False) -> list[dict[str, Any]]:
    flt = flt or PaperFilter()
    query = select(S.c.id).order_by(S.c.number)
    # (values, vocabulary, option, link column, name column): a study matches if it links to the name.
    for values, kind, option, study_column, name_column in (
            (flt.tasks, "tasks", "--task", ST.c.study_id, ST.c.task),
            (flt.methods, "methods", "--method", SM.c.study_id, SM.c.method),
            (flt.architectures, "architectures", "--arch", MO.c.study_id, MO.c.architecture)):
        for value in values:
            name = resolve(engine, kind, value, option)
            query = query.where(S.c.id.in_(select(study_column).where(name_column == name)))
    if flt.category:
        category = _resolve_choice(flt.category, ("generative", "non-generative"), "--category", "category")
        query = query.where(S.c.id.in_(
            select(ST.c.study_id).join(TASK, TASK.c.name == ST.c.task).where(TASK.c.category == category)))
    if flt.family:
        family = _resolve_choice(flt.family, _distinct(engine, METHOD.c.family), "--family", "PEFT family")
        query = query.where(S.c.id.in_(
            select(SM.c.study_id).join(METHOD, METHOD.c.name == SM.c.method).where(METHOD.c.family == family)))
    if flt.venue:
        query = query.where(S.c.venue == _resolve_choice(flt.venue, _distinct(engine, S.c.venue), "--venue", "venue"))
    if flt.year is not None:
        query = query.where(S.c.year == flt.year)
    with engine.connect() as conn:
        ids = conn.execute(query).scalars().all()
    return describe(engine, ids, with_evidence=with_evidence, id_query=query)


def describe(engine: Engine, ids: list[str], with_evidence: bool = False, id_query=None) -> list[dict[str, Any]]:
    """Study records with their canonical tasks, methods and architectures, in the given order."""
    if not ids:
        return []
    tasks: dict[str, list[str]] = defaultdict(list)
    categories: dict[str, set[str]] = defaultdict(set)
    methods: dict[str, list[str]] = defaultdict(list)
    families: dict[str, set[str]] = defaultdict(set)
    architectures: dict[str, set[str]] = defaultdict(set)
    models: dict[str, list[dict]] = defaultdict(list)
    # Long IN (...) lists are slow to compile and bind; past a few hundred ids the filter that
    # found them is handed to the database as a subquery instead.
    scope = id_query.with_only_columns(S.c.id).order_by(None) if (id_query is not None and len(ids) > 300) else ids

    def scoped(query, column):
        return query.where(column.in_(scope))

    with engine.connect() as conn:
        studies = {r["id"]: dict(r) for r in conn.execute(scoped(select(S), S.c.id)).mappings()}
        for sid, task, category in conn.execute(scoped(
                select(ST.c.study_id, ST.c.task, TASK.c.category).join(TASK, TASK.c.name == ST.c.task)
                .order_by(ST.c.task), ST.c.study_id)):
            tasks[sid].append(task)
            categories[sid].add(category)
        for sid, method, family in conn.execute(scoped(
                select(SM.c.study_id, SM.c.method, METHOD.c.family).join(METHOD, METHOD.c.name == SM.c.method)
                .order_by(SM.c.method), SM.c.study_id)):
            methods[sid].append(method)
            families[sid].add(family)
        R = schema.Result.__table__
        tiers: dict[str, Counter] = defaultdict(Counter)
        for sid, tier in conn.execute(scoped(select(R.c.study_id, R.c.tier), R.c.study_id)):
            tiers[sid][tier or "untiered"] += 1
        for row in conn.execute(scoped(select(MO).order_by(MO.c.id), MO.c.study_id)).mappings():
            architectures[row["study_id"]].add(row["architecture"])
            models[row["study_id"]].append({"name": row["name"], "hf_id": row["hf_id"],
                                            "architecture": row["architecture"], "params": row["params"]})
        if with_evidence:
            fact_rows: dict[str, dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
            for kind, table, order in _fact_tables():
                for row in conn.execute(scoped(select(table).order_by(order), table.c.study_id)).mappings():
                    fact_rows[row["study_id"]][kind].append(dict(row))
    out = []
    for sid in ids:
        s = studies[sid]
        record = {
            "id": sid, "title": s["title"], "authors": s["authors"], "venue": s["venue"],
            "true_venue": s["true_venue"], "year": s["year"], "doi": s["doi"], "arxiv": s["arxiv"],
            "url": s["url"], "citation_key": s["citation_key"],
            "tasks": tasks[sid], "categories": sorted(categories[sid]),
            "methods": methods[sid], "families": sorted(families[sid]),
            "architectures": sorted(architectures[sid]), "models": models[sid],
            "full_finetuning_baseline": s["full_finetuning_baseline"],
            "artifact_url": s["artifact_url"], "summary": s["summary"],
            "reported_numbers": dict(sorted(tiers[sid].items())),      # verification tier -> count
        }
        if with_evidence:
            record["facts"] = study_facts(s, fact_rows[sid])
        out.append(record)
    return out


# --------------------------------------------------------------------------- show

def study_ids(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(select(S.c.id).order_by(S.c.number)).scalars())


def show(engine: Engine, study_id: str) -> dict[str, Any]:
    ids = study_ids(engine)
    match = {i.lower(): i for i in ids}.get(study_id.strip().lower())
    if match is None and study_id.strip().isdigit():
        match = {i.lower(): i for i in ids}.get(f"p{study_id.strip()}")
    if match is None:
        from rapidfuzz import process

        hints = [h for h, score, _ in process.extract(study_id, ids, limit=3) if score >= 60]
        tip = f" Did you mean {' or '.join(hints)}?" if hints else ""
        raise UsageError(f"no study '{study_id}'.{tip} Known ids: {', '.join(ids)}.")
    record = describe(engine, [match])[0]
    C = schema.Conflict.__table__
    with engine.connect() as conn:
        study = dict(conn.execute(select(S).where(S.c.id == match)).mappings().one())
        fact_rows = {kind: [dict(r) for r in conn.execute(select(table).where(table.c.study_id == match)
                                                          .order_by(order)).mappings()]
                     for kind, table, order in _fact_tables()}
        conflicts = [dict(r) for r in conn.execute(select(C).where(C.c.study_id == match).order_by(C.c.id)).mappings()]
    record.update({
        "finding": study["finding"], "hardware": study["hardware"],
        "artifact_available": study["artifact_available"], "sources": study["sources"],
        "open_questions": study["open_questions"], "source_file": study["source_file"],
        "as_named": {"tasks": {r["task"]: r["as_named"] for r in fact_rows["tasks"] if r["as_named"]},
                     "methods": {r["method"]: r["as_named"] for r in fact_rows["methods"] if r["as_named"]}},
        "datasets": [d["name"] for d in fact_rows["datasets"]], "metrics": [m["name"] for m in fact_rows["metrics"]],
        "conflicts": [_without(c, "id", "study_id") for c in conflicts],
    })
    record["facts"] = study_facts(study, fact_rows)
    record["results"] = record["facts"]["results"]
    return record


def _without(row: dict, *keys: str) -> dict:
    return {k: v for k, v in row.items() if k not in keys}


def _fact_tables():
    """(kind, table, order) of the tables whose rows are facts of a study, and of the evidence."""
    E, R = schema.Evidence.__table__, schema.Result.__table__
    D, ME = schema.Dataset.__table__, schema.Metric.__table__
    return (("tasks", ST, ST.c.task), ("methods", SM, SM.c.method), ("models", MO, MO.c.id),
            ("datasets", D, D.c.id), ("metrics", ME, ME.c.id), ("results", R, R.c.id), ("evidence", E, E.c.id))


def study_facts(study: dict, rows: dict[str, list[dict]]) -> dict[str, Any]:
    """Every fact of a study as an object carrying its own evidence, looked up by the fact's
    field path in the study file (rows[kind] as stored, study: its `study` row). Display order
    never decides which evidence a fact shows."""
    evidence: dict[str, list[dict]] = defaultdict(list)
    for row in rows.get("evidence", []):
        evidence[row["fact"]].append({k: row[k] for k in ("source", "locator", "quote", "paraphrase")
                                      if row[k] is not None or k == "source"})

    def fact(row: dict, name_key: str | None = None) -> dict:
        out = _without(row, "id", "study_id", "fact")
        if name_key:
            out = {"name": out.pop(name_key), **out}
        out["evidence"] = evidence.get(row["fact"], [])
        return out

    return {
        "bibliography": {"evidence": evidence.get("bibliography", [])},
        "finding": {"text": study["finding"], "evidence": evidence.get("finding", [])},
        "tasks": [fact(r, "task") for r in rows.get("tasks", [])],
        "methods": [fact(r, "method") for r in rows.get("methods", [])],
        "models": [fact(r) for r in rows.get("models", [])],
        "datasets": [fact(r) for r in rows.get("datasets", [])],
        "metrics": [fact(r) for r in rows.get("metrics", [])],
        "results": [fact(r) for r in rows.get("results", [])],
        "full_finetuning_baseline": {"value": study["full_finetuning_baseline"] or "unknown",
                                     "evidence": evidence.get("full_finetuning_baseline", [])},
        "hardware": {"text": study["hardware"] or "unknown", "evidence": evidence.get("hardware", [])},
        "artifact": {"url": study["artifact_url"], "available": study["artifact_available"] or "unknown",
                     "evidence": evidence.get("artifact", [])},
    }


# --------------------------------------------------------------------------- search

def search(engine: Engine, text: str, limit: int = 20) -> list[dict[str, Any]]:
    """Rank studies by the best fuzzy match of the text in their title, summary, finding or evidence quotes.

    An exact (case-insensitive) occurrence ranks above any fuzzy one; fuzzy scores are
    rapidfuzz's partial ratio, computed in one C call over the distinct texts.
    """
    from rapidfuzz import fuzz, process, utils

    text = text.strip()
    if not text:
        raise UsageError("search: give some text to look for")
    E = schema.Evidence.__table__
    places: dict[str, list[tuple[str, str]]] = defaultdict(list)  # text -> [(study, field)]
    with engine.connect() as conn:
        for sid, title, summary, finding in conn.execute(select(S.c.id, S.c.title, S.c.summary, S.c.finding)):
            for field, haystack in (("title", title), ("summary", summary), ("finding", finding)):
                if haystack:
                    places[haystack].append((sid, field))
        for sid, fact, quote in conn.execute(select(E.c.study_id, E.c.fact, E.c.quote).where(E.c.quote.is_not(None))):
            places[quote].append((sid, f"evidence ({fact})"))
    texts = list(places)
    needle = utils.default_process(text)
    hits = process.extract(needle, texts, scorer=fuzz.partial_ratio, processor=utils.default_process,
                           limit=None, score_cutoff=60)
    best: dict[str, tuple[float, str, str]] = {}
    for haystack, score, _ in hits:
        if needle in utils.default_process(haystack):
            score = 100 + min(len(needle), 20) / 20
        elif len(needle) > len(haystack):
            score = fuzz.ratio(needle, utils.default_process(haystack))
            if score < 60:
                continue
        for sid, field in places[haystack]:
            if score > best.get(sid, (0.0, "", ""))[0]:
                best[sid] = (score, field, haystack)
    ranked = sorted(((v[0], sid, v[1], v[2]) for sid, v in best.items()),
                    key=lambda item: (-item[0], int(item[1][1:])))[:limit]
    records = {r["id"]: r for r in describe(engine, [sid for _, sid, _, _ in ranked])}
    return [{"id": sid, "score": round(min(score, 100.0), 1), "matched": field,
             "snippet": _snippet(haystack, text), "title": records[sid]["title"],
             "venue": records[sid]["venue"], "year": records[sid]["year"]}
            for score, sid, field, haystack in ranked]


def _snippet(haystack: str, text: str, width: int = 90) -> str:
    at = haystack.lower().find(text.lower())
    if at < 0:  # a fuzzy hit: centre the snippet on the best-matching stretch
        from rapidfuzz import fuzz

        alignment = fuzz.partial_ratio_alignment(text.lower(), haystack.lower())
        at = alignment.dest_start if alignment else 0
    start = max(0, at - width // 3)
    piece = haystack[start:start + width]
    return ("..." if start else "") + piece + ("..." if start + width < len(haystack) else "")


# --------------------------------------------------------------------------- stats and taxonomy

def stats(engine: Engine) -> dict[str, dict[str, int]]:
    """Facet counts: how many studies have each task, category, method, family, architecture, venue, year;
    and how many reported numbers and replication runs sit in each verification tier."""
    with engine.connect() as conn:
        total = conn.execute(select(S.c.id)).scalars().all()
        facets = {
            "task": Counter(r[0] for r in conn.execute(select(ST.c.task))),
            "category": Counter(r[1] for r in conn.execute(
                select(ST.c.study_id, TASK.c.category).join(TASK, TASK.c.name == ST.c.task).distinct())),
            "method": Counter(r[0] for r in conn.execute(select(SM.c.method))),
            "family": Counter(r[1] for r in conn.execute(
                select(SM.c.study_id, METHOD.c.family).join(METHOD, METHOD.c.name == SM.c.method).distinct())),
            "architecture": Counter(r[1] for r in conn.execute(
                select(MO.c.study_id, MO.c.architecture).distinct())),
            "venue": Counter(r[0] for r in conn.execute(select(S.c.venue))),
            "year": Counter(str(r[0]) for r in conn.execute(select(S.c.year))),
            "reported number tier": Counter(r[0] or "untiered" for r in conn.execute(select(schema.Result.__table__.c.tier))),
            "run tier": Counter(f"replicated-here ({r[0]})" for r in conn.execute(select(schema.Run.__table__.c.profile))),
        }
    out = {"studies": {"total": len(total)}}
    for name, counter in facets.items():
        out[name] = dict(sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])))
    return out


def taxonomy_tree(engine: Engine) -> dict[str, Any]:
    """category -> task -> studies, and family -> method -> studies, with counts."""
    with engine.connect() as conn:
        task_rows = conn.execute(select(TASK).order_by(TASK.c.category, TASK.c.name)).mappings().all()
        method_rows = conn.execute(select(METHOD).order_by(METHOD.c.family, METHOD.c.name)).mappings().all()
        by_task: dict[str, list[str]] = defaultdict(list)
        for sid, task in conn.execute(select(ST.c.study_id, ST.c.task).join(S, S.c.id == ST.c.study_id).order_by(S.c.number)):
            by_task[task].append(sid)
        by_method: dict[str, list[str]] = defaultdict(list)
        for sid, method in conn.execute(select(SM.c.study_id, SM.c.method).join(S, S.c.id == SM.c.study_id).order_by(S.c.number)):
            by_method[method].append(sid)
    categories: dict[str, dict] = {}
    for row in task_rows:
        category = categories.setdefault(row["category"], {"studies": set(), "tasks": []})
        studies = by_task.get(row["name"], [])
        category["studies"].update(studies)
        category["tasks"].append({"name": row["name"], "abbreviation": row["abbreviation"],
                                  "in_review": row["in_review"], "studies": studies})
    families: dict[str, dict] = {}
    for row in method_rows:
        family = families.setdefault(row["family"], {"studies": set(), "methods": []})
        studies = by_method.get(row["name"], [])
        family["studies"].update(studies)
        family["methods"].append({"name": row["name"], "library": row["library"], "studies": studies})
    for group in (*categories.values(), *families.values()):
        group["studies"] = sorted(group["studies"], key=lambda s: int(s[1:]))
    return {"categories": categories, "families": families}


# --------------------------------------------------------------------------- runs

def runs(engine: Engine, study: str | None = None, profile: str | None = None) -> list[dict[str, Any]]:
    RUN = schema.Run.__table__
    query = select(RUN).order_by(RUN.c.id)
    if study:
        query = query.where(RUN.c.study == study.upper())
    if profile:
        query = query.where(RUN.c.profile == profile)
    with engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(query).mappings()]
    for row in rows:
        for key in ("started_at", "finished_at"):
            if row.get(key) is not None:
                row[key] = row[key].isoformat()
        row["trainable_share"] = row["trainable_params"] / row["total_params"] if row["total_params"] else None
        row["notes"] = row.get("notes") or []         # rows stored before migration 0005 have none
        for key in ("base", "per_example", "trivial_baselines"):
            row[key] = row.get(key) or {}
        row["tier"] = f"replicated-here ({row['profile']})"
    return rows


def reported_results(engine: Engine, study: str) -> list[dict[str, Any]]:
    R = schema.Result.__table__
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(R).where(R.c.study_id == study).order_by(R.c.id)).mappings()]


def results(engine: Engine, study: str | None = None) -> list[dict[str, Any]]:
    """Every reported number (one corpus result each) with its study, verification tier and evidence,
    in study order; `study` narrows to one study (its id, any case)."""
    R, E = schema.Result.__table__, schema.Evidence.__table__
    query = select(R).join(S, S.c.id == R.c.study_id).order_by(S.c.number, R.c.id)
    evidence_query = select(E).where(E.c.fact.like("results%")).order_by(E.c.id)
    if study:
        query = query.where(R.c.study_id == study.strip().upper())
        evidence_query = evidence_query.where(E.c.study_id == study.strip().upper())
    with engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(query).mappings()]
        evidence: dict[tuple[str, str], list[dict]] = defaultdict(list)
        for e in conn.execute(evidence_query).mappings():
            evidence[(e["study_id"], e["fact"])].append(
                {k: e[k] for k in ("source", "locator", "quote", "paraphrase") if e[k] is not None or k == "source"})
    out = []
    for row in rows:
        record = {"study": row.pop("study_id"), **_without(row, "id")}
        record["evidence"] = evidence.get((record["study"], row["fact"]), [])
        out.append(record)
    return out
