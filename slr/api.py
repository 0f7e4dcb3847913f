"""The Python API: the CLI's queries as pandas DataFrames, for notebooks and scripts.

    import slr
    slr.studies(task="CSum", arch="enc-dec")   # one row per study; the filters of `slr papers`
    slr.facts("P30")                            # one row per fact, with its evidence
    slr.results()                               # the studies' reported numbers, with tier and evidence
    slr.runs(study="P30")                       # recorded replication runs
    slr.compare("P30")                          # replicated PEFT-vs-FMFT deltas beside the reported ones
    kb = slr.connect("sqlite:///other.db")      # the same five questions of another database

Every function reads the same query layer as the CLI (slr.queries, slr.comparison), so a
DataFrame and `slr papers --format json` agree row for row. Nothing heavy is imported
until a function is called: `import slr` stays as cheap as the CLI's start-up.
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Iterable

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from sqlalchemy.engine import Engine

# Columns of an empty answer, so `df[column]` works before any run is recorded.
STUDY_COLUMNS = ("id", "title", "authors", "venue", "true_venue", "year", "doi", "arxiv", "url", "citation_key",
                 "tasks", "categories", "methods", "families", "architectures", "models",
                 "full_finetuning_baseline", "artifact_url", "summary", "reported_numbers")
FACT_COLUMNS = ("study", "kind", "fact", "name", "value", "tier", "source", "locator", "quote", "evidence",
                "fields")
RESULT_COLUMNS = ("study", "task", "model", "dataset", "method", "metric", "value", "baseline_value", "delta",
                  "higher_is_better", "tier", "seeds", "note", "fact", "source", "locator", "quote", "evidence")
RUN_COLUMNS = ("id", "study", "experiment", "task", "task_fidelity", "method", "method_config", "profile", "model",
               "architecture", "dataset", "dataset_kind", "dataset_size", "dataset_hash", "seed", "steps",
               "trainable_params", "total_params", "train_seconds", "eval_seconds", "peak_memory_bytes",
               "memory_kind", "tokens_per_second", "metrics", "versions", "hardware", "status", "error",
               "started_at", "finished_at", "trainable_share", "tier")
COMPARE_COLUMNS = ("study", "experiment", "profile", "seeds", "task", "task_fidelity", "fidelity", "method", "metric",
                   "method_value", "baseline_value", "reported_metric", "reported_delta", "reported_rows",
                   "reported_tier", "replicated_delta", "ci95", "trivial_baselines", "replicated_tier", "run_ids",
                   "baseline_run_ids", "verdict")


def frame(records: list[dict[str, Any]], columns: Iterable[str]) -> "pd.DataFrame":
    """Records as a DataFrame: the known `columns` first, in that order, then any others the query
    gave; an empty answer still has the known columns."""
    import pandas as pd

    if not records:
        return pd.DataFrame(columns=list(columns))
    df = pd.DataFrame.from_records(records)
    first = [c for c in columns if c in df.columns]
    return df[first + [c for c in df.columns if c not in first]]


def _listed(value: str | Iterable[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


class Connection:
    """One database: the default (SLR_DB, else SQLite in the user data directory) or the URL given.

    The database is opened (and built from the corpus if it is missing or stale) on the first
    query, not here.
    """

    def __init__(self, db: str | None = None, corpus: str | os.PathLike | None = None) -> None:
        self.db, self.corpus = db, corpus
        self._engine: Engine | None = None

    def __repr__(self) -> str:
        return f"slr.connect(db={self.db!r}, corpus={self.corpus!r})"

    @property
    def engine(self) -> "Engine":
        if self._engine is None:
            from slr.db import open_current

            self._engine = open_current(self.db, self.corpus)
        return self._engine

    # ------------------------------------------------------------------ questions

    def studies(self, task: str | Iterable[str] | None = None, method: str | Iterable[str] | None = None,
                arch: str | Iterable[str] | None = None, venue: str | None = None, year: int | None = None,
                category: str | None = None, family: str | None = None) -> "pd.DataFrame":
        """One row per study, filtered as `slr papers` filters (names, abbreviations or aliases;
        several tasks, methods or architectures must all match)."""
        from slr import queries

        flt = queries.PaperFilter(_listed(task), _listed(method), _listed(arch), venue, year, category, family)
        return frame(queries.papers(self.engine, flt), STUDY_COLUMNS)

    def facts(self, study: str | None = None) -> "pd.DataFrame":
        """One row per fact (bibliography, finding, task, method, model, dataset, metric, result,
        baseline, hardware, artifact) with all its evidence (`evidence`: a list of {source, locator,
        quote | paraphrase}) and, for the first evidence item, `source`, `locator` and `quote`;
        `tier` is the verification tier of a reported result."""
        from slr import queries

        ids = [queries.show(self.engine, study)["id"]] if study else queries.study_ids(self.engine)
        rows = []
        for record in queries.describe(self.engine, ids, with_evidence=True):
            rows += fact_rows(record["id"], record["facts"])
        return frame(rows, FACT_COLUMNS)

    def results(self, study: str | None = None) -> "pd.DataFrame":
        """The studies' reported numbers: one row per result, with `delta` (value minus the full
        fine-tuning baseline, where one is reported), its tier and its evidence."""
        from slr import queries

        rows = []
        for r in queries.results(self.engine, study):
            first = r["evidence"][0] if r["evidence"] else {}
            delta = r["value"] - r["baseline_value"] if r.get("baseline_value") is not None else None
            rows.append({**r, "delta": delta, "source": first.get("source"), "locator": first.get("locator"),
                         "quote": first.get("quote")})
        return frame(rows, RESULT_COLUMNS)

    def runs(self, study: str | None = None, profile: str | None = None) -> "pd.DataFrame":
        """Recorded replication runs (`metrics` is a dict per run: `pd.json_normalize(df.metrics)` spreads it)."""
        from slr import queries

        return frame(queries.runs(self.engine, study, profile), RUN_COLUMNS)

    def compare(self, study: str | None = None) -> "pd.DataFrame":
        """Each PEFT run's gain over full fine-tuning beside the study's reported gain, with a verdict."""
        from slr.comparison import compare

        return frame(compare(self.engine, study.strip().upper() if study else None), COMPARE_COLUMNS)


def fact_rows(study: str, facts: dict[str, Any]) -> list[dict[str, Any]]:
    """queries.study_facts' nested facts as flat rows (see Connection.facts)."""
    rows = []

    def add(kind: str, fact: str, name: str, value: Any, item: dict, tier: str | None = None) -> None:
        evidence = item.get("evidence") or []
        first = evidence[0] if evidence else {}
        rows.append({"study": study, "kind": kind, "fact": fact, "name": name, "value": value, "tier": tier,
                     "source": first.get("source"), "locator": first.get("locator"), "quote": first.get("quote"),
                     "evidence": evidence, "fields": {k: v for k, v in item.items() if k != "evidence"}})

    add("bibliography", "bibliography", "bibliography", None, facts["bibliography"])
    add("finding", "finding", "finding", facts["finding"]["text"], facts["finding"])
    for kind, plural in (("task", "tasks"), ("method", "methods"), ("model", "models"), ("dataset", "datasets"),
                         ("metric", "metrics")):
        for i, item in enumerate(facts[plural]):
            value = item.get("as_named") if kind in ("task", "method") else item.get("architecture")
            add(kind, f"{plural}[{i}]", item["name"], value, item)
    for i, item in enumerate(facts["results"]):
        name = " / ".join(x for x in (item["method"], item["metric"], item.get("task"), item.get("model"),
                                      item.get("dataset")) if x)
        add("result", f"results[{i}]", name, item["value"], item, item.get("tier") or "untiered")
    add("full_finetuning_baseline", "full_finetuning_baseline", "full fine-tuning baseline",
        facts["full_finetuning_baseline"]["value"], facts["full_finetuning_baseline"])
    add("hardware", "hardware", "hardware", facts["hardware"]["text"], facts["hardware"])
    add("artifact", "artifact", "artifact", facts["artifact"]["url"] or facts["artifact"]["available"],
        facts["artifact"])
    return rows


# ---------------------------------------------------------------------- module-level shortcuts

_default: dict[tuple, Connection] = {}


def connect(db: str | None = None, corpus: str | os.PathLike | None = None) -> Connection:
    """A connection to another database (any SQLAlchemy URL) or corpus folder; None means the default."""
    return Connection(db, corpus)


def default() -> Connection:
    """The connection the module-level functions use: SLR_DB / SLR_CORPUS / SLR_DATA_DIR as they are now."""
    key = tuple(os.environ.get(k) for k in ("SLR_DB", "SLR_CORPUS", "SLR_DATA_DIR"))
    if key not in _default:
        _default[key] = Connection()
    return _default[key]


def studies(**filters: Any) -> "pd.DataFrame":
    return default().studies(**filters)


def facts(study: str | None = None) -> "pd.DataFrame":
    return default().facts(study)


def results(study: str | None = None) -> "pd.DataFrame":
    return default().results(study)


def runs(study: str | None = None, profile: str | None = None) -> "pd.DataFrame":
    return default().runs(study, profile)


def compare(study: str | None = None) -> "pd.DataFrame":
    return default().compare(study)


for _function, _method in ((studies, Connection.studies), (facts, Connection.facts), (results, Connection.results),
                           (runs, Connection.runs), (compare, Connection.compare)):
    _function.__doc__ = _method.__doc__
