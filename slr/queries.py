"""Questions a user asks of the database, as plain functions returning plain data.

Every output format (table, json, csv, bibtex) is rendered from what these return. Each question
is written once, as portable SQL run through slr.fastread.reading(db): `db` is a SQLAlchemy
Engine (PostgreSQL, the Python API, a database just built) or the sqlite3 reader of the fast
path (slr.fastread.open_fast), and both give the same answer. No SQLAlchemy import here.
"""
from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any, Iterable

from slr.errors import UsageError
from slr.fastread import cols, reading

# --------------------------------------------------------------------------- vocabulary


def vocabulary(db, kind: str):
    """The vocabulary as stored by the last build (no YAML parsing on the query path)."""
    from taxonomy.vocabulary import Term, Vocabulary

    with reading(db) as q:
        if kind == "tasks":
            rows = q.dicts(f"SELECT {cols('task')} FROM task", table="task")
            terms = [Term("tasks", r["name"], tuple(r["aliases"] or ()), r["abbreviation"], r["category"],
                          description=r["description"], in_review=r["in_review"]) for r in rows]
        elif kind == "methods":
            rows = q.dicts(f"SELECT {cols('method')} FROM method", table="method")
            terms = [Term("methods", r["name"], tuple(r["aliases"] or ()), family=r["family"],
                          library=r["library"], description=r["description"]) for r in rows]
        else:
            rows = q.dicts(f"SELECT {cols('architecture')} FROM architecture", table="architecture")
            terms = [Term("architectures", r["name"], tuple(r["aliases"] or ()),
                          description=r["description"]) for r in rows]
    return Vocabulary(kind, terms)


def resolve(db, kind: str, value: str, option: str) -> str:
    vocab = vocabulary(db, kind)
    term = vocab.resolve(value)
    if term is None:
        hints = vocab.suggest(value)
        tip = f" Did you mean {' or '.join(repr(h) for h in hints)}?" if hints else ""
        raise UsageError(f"{option}: unknown {kind[:-1]} '{value}'.{tip}")
    return term.name


def _distinct(db, table: str, column: str) -> list:
    with reading(db) as q:
        return q.scalars(f"SELECT DISTINCT {table}.{column} FROM {table}")


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


def papers(db, flt: PaperFilter | None = None, with_evidence: bool = False) -> list[dict[str, Any]]:
    flt = flt or PaperFilter()
    with reading(db) as q:
        where: list[str] = []
        params: dict[str, Any] = {}
        # (values, vocabulary, option, link table, name column): a study matches if it links to the name.
        for values, kind, option, table, name_column in (
                (flt.tasks, "tasks", "--task", "study_task", "task"),
                (flt.methods, "methods", "--method", "study_method", "method"),
                (flt.architectures, "architectures", "--arch", "model", "architecture")):
            for value in values:
                key = f"p{len(params)}"
                params[key] = resolve(q, kind, value, option)
                where.append(f"study.id IN (SELECT {table}.study_id FROM {table} WHERE {table}.{name_column} = :{key})")
        if flt.category:
            params["category"] = _resolve_choice(flt.category, ("generative", "non-generative"), "--category", "category")
            where.append("study.id IN (SELECT study_task.study_id FROM study_task JOIN task ON task.name = study_task.task "
                         "WHERE task.category = :category)")
        if flt.family:
            params["family"] = _resolve_choice(flt.family, _distinct(q, "method", "family"), "--family", "PEFT family")
            where.append("study.id IN (SELECT study_method.study_id FROM study_method JOIN method ON "
                         "method.name = study_method.method WHERE method.family = :family)")
        if flt.venue:
            params["venue"] = _resolve_choice(flt.venue, _distinct(q, "study", "venue"), "--venue", "venue")
            where.append("study.venue = :venue")
        if flt.year is not None:
            params["year"] = flt.year
            where.append("study.year = :year")
        id_query = ("SELECT study.id FROM study" + (" WHERE " + " AND ".join(where) if where else ""), params)
        ids = q.scalars(id_query[0] + " ORDER BY study.number", params)
        return describe(q, ids, with_evidence=with_evidence, id_query=id_query)


def describe(db, ids: list[str], with_evidence: bool = False, id_query=None) -> list[dict[str, Any]]:
    """Study records with their canonical tasks, methods and architectures, in the given order.
    `id_query`: (SQL selecting the study ids, its parameters), used in place of a long id list."""
    if not ids:
        return []
    tasks: dict[str, list[str]] = defaultdict(list)
    categories: dict[str, set[str]] = defaultdict(set)
    methods: dict[str, list[str]] = defaultdict(list)
    families: dict[str, set[str]] = defaultdict(set)
    architectures: dict[str, set[str]] = defaultdict(set)
    models: dict[str, list[dict]] = defaultdict(list)
    with reading(db) as q:
        # Long IN (...) lists are slow to bind. SQLite reads the ids from one JSON text (json_each); a
        # subquery would run the filter once per table read, a third of a 1,000-hit facet query on a
        # 10,000-study corpus. Elsewhere, past a few hundred ids the filter that found them is handed
        # to the database as a subquery.
        if q.dialect == "sqlite":
            scope, params = "SELECT value FROM json_each(:scope_json)", {"scope_json": json.dumps(list(ids))}
        elif id_query is not None and len(ids) > 300:
            scope, params = id_query[0], dict(id_query[1])
        else:
            scope, params = ":scope_ids", {"scope_ids": list(ids)}

        def scoped(sql: str, column: str, order: str | None = None) -> str:
            return f"{sql} WHERE {column} IN ({scope})" + (f" ORDER BY {order}" if order else "")

        studies = {r["id"]: r for r in q.dicts(scoped(f"SELECT {cols('study')} FROM study", "study.id"), params,
                                                 table="study")}
        for sid, task, category in q.all(scoped(
                "SELECT study_task.study_id, study_task.task, task.category FROM study_task "
                "JOIN task ON task.name = study_task.task", "study_task.study_id", "study_task.task"), params):
            tasks[sid].append(task)
            categories[sid].add(category)
        for sid, method, family in q.all(scoped(
                "SELECT study_method.study_id, study_method.method, method.family FROM study_method "
                "JOIN method ON method.name = study_method.method", "study_method.study_id", "study_method.method"),
                params):
            methods[sid].append(method)
            families[sid].add(family)
        tiers: dict[str, Counter] = defaultdict(Counter)
        for sid, tier in q.all(scoped("SELECT result.study_id, result.tier FROM result", "result.study_id"), params):
            tiers[sid][tier or "untiered"] += 1
        for row in q.dicts(scoped(f"SELECT {cols('model')} FROM model", "model.study_id", "model.id"), params,
                           table="model"):
            architectures[row["study_id"]].add(row["architecture"])
            models[row["study_id"]].append({"name": row["name"], "hf_id": row["hf_id"],
                                            "architecture": row["architecture"], "params": row["params"]})
        if with_evidence:
            fact_rows: dict[str, dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
            for kind, table, order in _fact_tables():
                for row in q.dicts(scoped(f"SELECT {cols(table)} FROM {table}", f"{table}.study_id", order), params,
                                   table=table):
                    fact_rows[row["study_id"]][kind].append(row)
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

def study_ids(db) -> list[str]:
    with reading(db) as q:
        return q.scalars("SELECT study.id FROM study ORDER BY study.number")


def show(db, study_id: str) -> dict[str, Any]:
    with reading(db) as q:
        return _show(q, study_id)


def _show(q, study_id: str) -> dict[str, Any]:
    ids = study_ids(q)
    match = {i.lower(): i for i in ids}.get(study_id.strip().lower())
    if match is None and study_id.strip().isdigit():
        match = {i.lower(): i for i in ids}.get(f"p{study_id.strip()}")
    if match is None:
        from rapidfuzz import process

        hints = [h for h, score, _ in process.extract(study_id, ids, limit=3) if score >= 60]
        tip = f" Did you mean {' or '.join(hints)}?" if hints else ""
        raise UsageError(f"no study '{study_id}'.{tip} Known ids: {', '.join(ids)}.")
    record = describe(q, [match])[0]
    (study,) = q.dicts(f"SELECT {cols('study')} FROM study WHERE study.id = :id", {"id": match}, table="study")
    fact_rows = {kind: q.dicts(f"SELECT {cols(table)} FROM {table} WHERE {table}.study_id = :id ORDER BY {order}",
                               {"id": match}, table=table)
                 for kind, table, order in _fact_tables()}
    conflicts = q.dicts(f"SELECT {cols('conflict')} FROM conflict WHERE conflict.study_id = :id ORDER BY conflict.id",
                        {"id": match}, table="conflict")
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
    return (("tasks", "study_task", "study_task.task"), ("methods", "study_method", "study_method.method"),
            ("models", "model", "model.id"), ("datasets", "dataset", "dataset.id"), ("metrics", "metric", "metric.id"),
            ("results", "result", "result.id"), ("evidence", "evidence", "evidence.id"))


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

def search(db, text: str, limit: int = 20, exact_up_to: int | None = None) -> list[dict[str, Any]]:
    """Rank studies by the best fuzzy match of the text in their title, summary, finding or evidence quotes.

    An exact (case-insensitive) occurrence ranks above any fuzzy one; fuzzy scores are
    rapidfuzz's partial ratio, computed in one C call over the distinct texts.

    On SQLite the build's search index (slr.db, search_text) holds each distinct text once with where
    it occurs, so the texts are scored without reading every evidence row; up to `exact_up_to`
    distinct texts (EXACT_UP_TO) all are scored, past that an FTS5 query picks the candidates: texts
    with a word that begins like one of the query's words (its first four letters). A candidate set
    that gives fewer than `limit` studies is scored in full instead. PostgreSQL, and SQLite without
    the index, read the texts from the study and evidence tables; every way gives the same ranking
    of the same candidates (tests/test_search_index.py).
    """
    text = text.strip()
    if not text:
        raise UsageError("search: give some text to look for")
    with reading(db) as q:
        if q.dialect == "sqlite" and _index_current(q):
            return _search_indexed(q, text, limit, EXACT_UP_TO if exact_up_to is None else exact_up_to)
        places: dict[str, list[tuple[str, str]]] = defaultdict(list)  # text -> [(study, field)]
        for sid, title, summary, finding in q.all("SELECT study.id, study.title, study.summary, study.finding FROM study"):
            for field, haystack in (("title", title), ("summary", summary), ("finding", finding)):
                if haystack:
                    places[haystack].append((sid, field))
        for sid, fact, quote in q.all("SELECT evidence.study_id, evidence.fact, evidence.quote FROM evidence "
                                      "WHERE evidence.quote IS NOT NULL"):
            places[quote].append((sid, f"evidence ({fact})"))
        return _ranked(q, text, places, limit)


# Up to this many distinct texts, search scores them all (rapidfuzz: tens of ms); past it, FTS5 picks.
EXACT_UP_TO = 50_000


def _index_current(q) -> bool:
    rows = q.all("SELECT meta.key, meta.value FROM meta WHERE meta.key IN ('search_index', 'corpus_digest')")
    values = dict(rows)
    return bool(values.get("search_index")) and values.get("search_index") == values.get("corpus_digest")


def _scores(needle: str, texts: dict[int, str]) -> list[tuple[int, float, float]]:
    """(text id, score, partial ratio) of the texts that match, scored as _ranked scores them."""
    from rapidfuzz import fuzz, process, utils

    out = []
    for haystack, partial, tid in process.extract(needle, texts, scorer=fuzz.partial_ratio,
                                                  processor=utils.default_process, limit=None, score_cutoff=60):
        score = partial
        if needle in utils.default_process(haystack):
            score = 100 + min(len(needle), 20) / 20
        elif len(needle) > len(haystack):
            score = fuzz.ratio(needle, utils.default_process(haystack))
            if score < 60:
                continue
        out.append((tid, score, partial))
    return out


def _candidates(q, needle: str) -> dict[int, str] | None:
    """Texts with a word beginning as a word of the needle begins (FTS5 prefix queries), or None
    when the needle has no word to look for or the index has no FTS5 table."""
    words = [w for w in needle.split() if len(w) >= 3] or needle.split()
    if not words:
        return None
    match = " OR ".join(dict.fromkeys(f'"{w[:4]}"*' for w in words))
    try:
        return dict(q.all("SELECT search_fts.rowid, search_fts.text FROM search_fts WHERE search_fts MATCH :match",
                          {"match": match}))
    except Exception:  # noqa: BLE001  (no FTS5 table here: score everything)
        return None


def _search_indexed(q, text: str, limit: int, exact_up_to: int) -> list[dict[str, Any]]:
    from rapidfuzz import utils

    needle = utils.default_process(text)
    hits = None
    if q.scalars("SELECT count(*) FROM search_text")[0] > exact_up_to:
        candidates = _candidates(q, needle)
        if candidates is not None:
            hits = _best_places(q, _scores(needle, candidates), limit)
            if len(hits) < limit:
                hits = None
    if hits is None:
        hits = _best_places(q, _scores(needle, dict(q.all("SELECT search_text.id, search_text.text FROM search_text"))),
                            limit)
    texts = dict(q.all("SELECT search_text.id, search_text.text FROM search_text WHERE search_text.id IN (:ids)",
                       {"ids": sorted({tid for _, _, _, tid in hits})})) if hits else {}
    records = {r["id"]: r for r in describe(q, [sid for sid, _, _, _ in hits])}
    return [{"id": sid, "score": round(min(score, 100.0), 1), "matched": field,
             "snippet": _snippet(texts[tid], text), "title": records[sid]["title"],
             "venue": records[sid]["venue"], "year": records[sid]["year"]}
            for sid, score, field, tid in hits]


def _best_places(q, scored: list[tuple[int, float, float]], limit: int) -> list[tuple[str, float, str, int]]:
    """(study, score, field, text id) of the `limit` best studies: each study's best place, ties going
    to the place _ranked's scan would meet first (higher partial ratio, then the text met earlier in
    the scan, then the earlier place), studies by score and then number."""
    import json

    if not scored:
        return []
    # Only the best hits can place a study in the top `limit`: take hits by falling score until they
    # cover `limit` studies, then every hit tying with the last one taken (a study met later with the
    # same score may still win on its number). A study's best place is then among those taken.
    scored = sorted(scored, key=lambda h: -h[1])
    taken, studies, at = [], set(), 0
    while at < len(scored) and len(studies) < limit:
        batch = scored[at:at + 200]
        at += len(batch)
        taken += batch
        studies.update(q.scalars("SELECT DISTINCT search_place.study_id FROM search_place "
                                 "WHERE search_place.text_id IN (:ids)", {"ids": [h[0] for h in batch]}))
    while at < len(scored) and scored[at][1] == taken[-1][1]:
        taken.append(scored[at])
        at += 1
    sql = """
        WITH hit(text_id, score, partial) AS (
            SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]')
            FROM json_each(:hits)),
        first(text_id, rank) AS (
            SELECT search_place.text_id, min(search_place.rank) FROM search_place
            WHERE search_place.text_id IN (SELECT text_id FROM hit) GROUP BY search_place.text_id),
        ranked AS (
            SELECT search_place.study_id AS study_id, hit.score AS score, search_place.field AS field,
                   hit.text_id AS text_id,
                   row_number() OVER (PARTITION BY search_place.study_id
                                      ORDER BY hit.score DESC, hit.partial DESC, first.rank, search_place.rank) AS n
            FROM hit JOIN first ON first.text_id = hit.text_id
            JOIN search_place ON search_place.text_id = hit.text_id)
        SELECT study_id, score, field, text_id FROM ranked WHERE n = 1
        ORDER BY score DESC, CAST(substr(study_id, 2) AS INTEGER), study_id LIMIT :limit"""
    return [tuple(r) for r in q.all(sql, {"hits": json.dumps(taken), "limit": limit})]


def _ranked(q, text: str, places: dict[str, list[tuple[str, str]]], limit: int) -> list[dict[str, Any]]:
    from rapidfuzz import utils

    texts = list(places)
    needle = utils.default_process(text)
    best: dict[str, tuple[float, str, str]] = {}
    for index, score, _ in _scores(needle, dict(enumerate(texts))):
        haystack = texts[index]
        for sid, field in places[haystack]:
            if score > best.get(sid, (0.0, "", ""))[0]:
                best[sid] = (score, field, haystack)
    ranked = sorted(((v[0], sid, v[1], v[2]) for sid, v in best.items()),
                    key=lambda item: (-item[0], int(item[1][1:])))[:limit]
    records = {r["id"]: r for r in describe(q, [sid for _, sid, _, _ in ranked])}
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

def stats(db) -> dict[str, dict[str, int]]:
    """Facet counts: how many studies have each task, category, method, family, architecture, venue, year;
    and how many reported numbers and replication runs sit in each verification tier."""
    with reading(db) as q:
        total = q.scalars("SELECT study.id FROM study")
        facets = {
            "task": Counter(q.scalars("SELECT study_task.task FROM study_task")),
            "category": Counter(r[1] for r in q.all(
                "SELECT DISTINCT study_task.study_id, task.category FROM study_task JOIN task ON task.name = study_task.task")),
            "method": Counter(q.scalars("SELECT study_method.method FROM study_method")),
            "family": Counter(r[1] for r in q.all(
                "SELECT DISTINCT study_method.study_id, method.family FROM study_method "
                "JOIN method ON method.name = study_method.method")),
            "architecture": Counter(r[1] for r in q.all("SELECT DISTINCT model.study_id, model.architecture FROM model")),
            "venue": Counter(q.scalars("SELECT study.venue FROM study")),
            "year": Counter(str(y) for y in q.scalars("SELECT study.year FROM study")),
            "reported number tier": Counter(t or "untiered" for t in q.scalars("SELECT result.tier FROM result")),
            "run tier": Counter(f"replicated-here ({p})" for p in q.scalars("SELECT run.profile FROM run")),
        }
    out = {"studies": {"total": len(total)}}
    for name, counter in facets.items():
        out[name] = dict(sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])))
    return out


def taxonomy_tree(db) -> dict[str, Any]:
    """category -> task -> studies, and family -> method -> studies, with counts."""
    with reading(db) as q:
        task_rows = q.dicts(f"SELECT {cols('task')} FROM task ORDER BY task.category, task.name", table="task")
        method_rows = q.dicts(f"SELECT {cols('method')} FROM method ORDER BY method.family, method.name",
                              table="method")
        by_task: dict[str, list[str]] = defaultdict(list)
        for sid, task in q.all("SELECT study_task.study_id, study_task.task FROM study_task "
                               "JOIN study ON study.id = study_task.study_id ORDER BY study.number"):
            by_task[task].append(sid)
        by_method: dict[str, list[str]] = defaultdict(list)
        for sid, method in q.all("SELECT study_method.study_id, study_method.method FROM study_method "
                                 "JOIN study ON study.id = study_method.study_id ORDER BY study.number"):
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

def runs(db, study: str | None = None, profile: str | None = None) -> list[dict[str, Any]]:
    where, params = [], {}
    if study:
        where.append("run.study = :study")
        params["study"] = study.upper()
    if profile:
        where.append("run.profile = :profile")
        params["profile"] = profile
    sql = f"SELECT {cols('run')} FROM run" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY run.id"
    with reading(db) as q:
        rows = q.dicts(sql, params, table="run")
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


def reported_results(db, study: str) -> list[dict[str, Any]]:
    with reading(db) as q:
        return q.dicts(f"SELECT {cols('result')} FROM result WHERE result.study_id = :study ORDER BY result.id",
                       {"study": study}, table="result")


def results(db, study: str | None = None) -> list[dict[str, Any]]:
    """Every reported number (one corpus result each) with its study, verification tier and evidence,
    in study order; `study` narrows to one study (its id, any case)."""
    params: dict[str, Any] = {"prefix": "results%"}
    narrow = narrow_evidence = ""
    if study:
        params["study"] = study.strip().upper()
        narrow, narrow_evidence = " WHERE result.study_id = :study", " AND evidence.study_id = :study"
    with reading(db) as q:
        rows = q.dicts(f"SELECT {cols('result')} FROM result JOIN study ON study.id = result.study_id{narrow} "
                       "ORDER BY study.number, result.id", params if study else None, table="result")
        evidence: dict[tuple[str, str], list[dict]] = defaultdict(list)
        for e in q.dicts(f"SELECT {cols('evidence')} FROM evidence WHERE evidence.fact LIKE :prefix{narrow_evidence} "
                         "ORDER BY evidence.id", params, table="evidence"):
            evidence[(e["study_id"], e["fact"])].append(
                {k: e[k] for k in ("source", "locator", "quote", "paraphrase") if e[k] is not None or k == "source"})
    out = []
    for row in rows:
        record = {"study": row.pop("study_id"), **_without(row, "id")}
        record["evidence"] = evidence.get((record["study"], row["fact"]), [])
        out.append(record)
    return out
