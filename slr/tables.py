"""What each command's table shows: one declaration per table, drawn three ways.

A `Table` is a title, columns and the records; each `Col` says how to read its cell from a
record and how it behaves when space is short. slr.render draws it in the terminal (choosing
the columns that fit the width, slr.render.fit), slr.export as Markdown or LaTeX (booktabs).
Plain data only: this module imports nothing beyond the standard library.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

ARCH_SHORT = {"encoder-only": "enc", "decoder-only": "dec", "encoder-decoder": "enc-dec"}


@dataclass(frozen=True)
class Col:
    header: str
    get: Callable[[dict], Any]
    priority: int = 50          # terminal: when the width is short, the lowest priorities go first
    wrap: bool = True           # may wrap between words; False: one line, cut with an ellipsis
    latex: str = "l"            # LaTeX column type (p{..} for text that wraps)
    style: str = ""             # rich style in the terminal
    justify: str = "left"
    min_width: int = 0          # terminal: a wrapping column narrower than this is worth dropping others for
    cut: bool = True            # terminal: a one-line cell may be cut with an ellipsis (False: an identifier)

    def cell(self, record: dict) -> str:
        value = self.get(record)
        return "" if value is None else str(value)


@dataclass
class Table:
    title: str
    columns: list[Col]
    records: list[dict] = field(default_factory=list)
    one_line: bool = False      # terminal: one line per record (every column cut, none wrapped)

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    def cells(self) -> list[list[str]]:
        return [[c.cell(r) for c in self.columns] for r in self.records]


def _join(items) -> str:
    items = list(items or [])
    return ", ".join(str(i) for i in items) if items else "-"


def _signed(value) -> str:
    return "-" if value is None else f"{value:+.3g}"


def _bytes(n: int | None) -> str:
    return f"{n / 2**30:.2f} GiB" if n else "-"


def _share(trainable, total) -> str:
    return f"{100 * trainable / total:.2f}%" if total else "-"


def compact_metrics(metrics: dict[str, float], limit: int = 3) -> str:
    """The task metrics first (training loss last), a few of them, short."""
    keys = sorted(metrics, key=lambda k: (k.startswith("final_") or "loss" in k, k))
    return " ".join(f"{k}={metrics[k]:.3g}" for k in keys[:limit])


# --------------------------------------------------------------------------- studies

def papers(records: list[dict], abbreviations: dict[str, str] | None = None, short: bool = False) -> Table:
    """The studies table. short: task abbreviations and enc/dec/enc-dec (the terminal's narrow form)."""
    abbreviations = abbreviations or {}
    task = (lambda t: abbreviations.get(t, t)) if short else (lambda t: t)
    arch = (lambda a: ARCH_SHORT.get(a, a)) if short else (lambda a: a)
    return Table(f"{len(records)} studies", [
        Col("ID", lambda r: r["id"], 100, wrap=False, style="bold cyan"),
        Col("Year", lambda r: r["year"], 45, wrap=False, latex="r"),
        Col("Venue", lambda r: r["venue"], 40, wrap=False),
        Col("Title", lambda r: r["title"], 90, latex="p{5.5cm}", min_width=28),
        Col("Tasks", lambda r: _join(task(t) for t in r["tasks"]), 80, style="green", latex="p{3cm}"),
        Col("Methods", lambda r: _join(r["methods"]), 70, style="magenta", latex="p{3cm}"),
        Col("Arch." if short else "Architectures", lambda r: _join(arch(a) for a in r["architectures"]), 60,
            style="yellow", latex="p{2.4cm}"),
    ], records)


def evidence_rows(record: dict) -> list[dict]:
    """One row per (fact, evidence item) of a `show` record; a fact with no evidence has one row."""
    from slr.api import fact_rows

    rows = []
    for fact in fact_rows(record["id"], record["facts"]):
        label = fact["kind"].replace("_", " ") + ("" if fact["name"] == fact["kind"].replace("_", " ")
                                                  else f": {fact['name']}")
        value = fact["value"]
        if fact["kind"] == "result" and fact["fields"].get("baseline_value") is not None:
            value = f"{value:g} (FMFT {fact['fields']['baseline_value']:g})"
        elif isinstance(value, float):
            value = f"{value:g}"
        for e in fact["evidence"] or [{}]:
            rows.append({"fact": label, "value": value, "tier": fact["tier"], "source": e.get("source"),
                         "locator": e.get("locator"),
                         "quote": e.get("quote") or (f"(paraphrase) {e['paraphrase']}" if e.get("paraphrase") else None)})
    return rows


def facts(record: dict) -> Table:
    return Table(f"{record['id']}: facts and their evidence", [
        Col("Fact", lambda r: r["fact"], 90, latex="p{3cm}"),
        Col("Value", lambda r: r["value"], 60, latex="p{2.5cm}"),
        Col("Tier", lambda r: r["tier"], 40, wrap=False),
        Col("Source", lambda r: r["source"], 70, latex="p{3cm}"),
        Col("Locator", lambda r: r["locator"], 50, latex="p{2.5cm}"),
        Col("Quote", lambda r: r["quote"], 80, latex="p{5cm}"),
    ], evidence_rows(record))


def conflicts(record: dict) -> Table:
    return Table(f"{record['id']}: where the sources disagree", [
        Col("Field", lambda c: c["field"], 90, latex="p{2.5cm}"),
        Col("Values", lambda c: "; ".join(f"{k}: {v}" for k, v in (c.get("values") or {}).items()), 70,
            latex="p{5cm}"),
        Col("We use", lambda c: c.get("we_use"), 80, wrap=False),
        Col("Why", lambda c: c.get("why"), 60, latex="p{5cm}"),
    ], record.get("conflicts") or [])


def stats(counts: dict[str, dict[str, int]]) -> list[Table]:
    out = []
    for facet, values in counts.items():
        if facet == "studies":
            continue
        unit = "numbers" if facet == "reported number tier" else "runs" if facet == "run tier" else "studies"
        out.append(Table(f"by {facet}", [Col(facet, lambda r: r[0], 90), Col(unit, lambda r: r[1], 100,
                                                                                 wrap=False, justify="right",
                                                                                 latex="r")],
                         list(values.items())))
    return out


def search(hits: list[dict], text: str) -> Table:
    return Table(f"{len(hits)} matches for '{text}'", [
        Col("ID", lambda h: h["id"], 100, wrap=False, style="bold cyan"),
        Col("Score", lambda h: f"{h['score']:.0f}", 40, wrap=False, justify="right"),
        Col("Matched", lambda h: h["matched"], 50),
        Col("Title", lambda h: h["title"], 80, min_width=20),
        Col("Snippet", lambda h: h["snippet"], 70, min_width=24),
    ], hits)


# --------------------------------------------------------------------------- runs

def runs(rows: list[dict]) -> Table:
    return Table(f"{len(rows)} runs", [
        Col("id", lambda r: r["id"], 100, wrap=False, justify="right"),
        Col("study", lambda r: r["study"], 95, wrap=False),
        Col("profile", lambda r: r["profile"], 60, wrap=False),
        Col("experiment", lambda r: r["experiment"], 70, wrap=False, cut=False),
        Col("method", lambda r: r["method"], 90, wrap=False, cut=False),
        Col("status", lambda r: r["status"], 85, wrap=False),
        Col("trainable", lambda r: _share(r.get("trainable_params"), r.get("total_params")), 50, wrap=False,
            justify="right", latex="r"),
        Col("train s", lambda r: f"{r['train_seconds']:.1f}", 40, wrap=False, justify="right", latex="r"),
        Col("peak mem", lambda r: _bytes(r.get("peak_memory_bytes")), 30, wrap=False, justify="right", latex="r"),
        Col("metrics", lambda r: compact_metrics(r.get("metrics") or {}) or (r.get("error") or "")[:80], 80,
            wrap=False, latex="p{4cm}"),
    ], rows, one_line=True)


def run_summary(rows: list[dict]) -> Table:
    """`slr replicate`'s closing summary: one line per run (rows as slr.replicate._summary builds them)."""
    table = runs(rows)
    table.title = f"Replication runs ({len(rows)})"
    table.columns = [c for c in table.columns if c.header != "profile"] if len({r.get("profile") for r in rows}) <= 1 \
        else table.columns
    return table


def compare(rows: list[dict]) -> Table:
    return Table("Reported vs replicated (PEFT minus full fine-tuning, FMFT)", [
        Col("study", lambda r: r["study"], 100, wrap=False),
        Col("profile", lambda r: r["profile"], 60, wrap=False),
        Col("experiment", lambda r: r.get("experiment") or "-", 50, wrap=False, cut=False),
        Col("method", lambda r: r["method"], 95, wrap=False, cut=False),
        Col("metric", lambda r: r.get("metric") or "-", 55, wrap=False),
        Col("fidelity", lambda r: fidelity_code(r.get("fidelity")), 50, wrap=False),
        Col("reported Δ", lambda r: _signed(r.get("reported_delta")), 90, wrap=False, justify="right", latex="r"),
        Col("reported tier", lambda r: r.get("reported_tier") or "-", 30, latex="p{2.2cm}"),
        Col("replicated Δ", lambda r: _signed(r.get("replicated_delta")), 90, wrap=False, justify="right",
            latex="r"),
        Col("95% interval", lambda r: _interval(r.get("ci95")), 75, wrap=False, latex="r"),
        Col("seeds", lambda r: ",".join(map(str, r.get("seeds") or [])) or "-", 40, wrap=False),
        Col("trivial baselines", lambda r: ", ".join(f"{k} {v:.3g}" for k, v in (r.get("trivial_baselines") or {})
                                                      .items()) or "-", 35),
        Col("verdict", lambda r: r["verdict"], 85, latex="p{4cm}"),
    ], rows)


# fidelity per dimension, compact: one letter each for task, data, model, method, metric
FIDELITY_LETTERS = {"faithful": "F", "analogue": "A", "approximation": "P", "different": "D"}
FIDELITY_LEGEND = ("fidelity: task, data, model, method, metric; F faithful, A analogue, P approximation, "
                   "D different")


def fidelity_code(fidelity: dict | None) -> str:
    if not fidelity:
        return "-"
    return "".join(FIDELITY_LETTERS.get(fidelity.get(k, ""), "?") for k in ("task", "data", "model", "method", "metric"))


def _interval(ci) -> str:
    return f"[{ci[0]:+.3g}, {ci[1]:+.3g}]" if ci else "-"


# --------------------------------------------------------------------------- replicate --list

def experiments(studies: list[dict]) -> tuple[Table, list[str]]:
    """`slr replicate --list` (studies as replication.list_studies() gives them): one line per
    experiment, each profile 'yes' or 'no' with a note number; the notes (why not, or what the
    first run does) are returned once each, numbered, to print under the table."""
    notes: dict[str, int] = {}
    rows = []
    for study in studies:
        marks = {}
        for profile, state in study["profiles"].items():
            reason = state.get("summary") or state.get("reason") or ""
            quiet = state["available"] and profile == "smoke"          # smoke always runs: no note needed
            number = None if quiet or not reason else notes.setdefault(reason, len(notes) + 1)
            marks[profile] = ("yes" if state["available"] else "no") + (f" [{number}]" if number else "")
        for exp in study["experiments"]:
            rows.append({"study": study["study"], **exp, "marks": marks})
    table = Table(f"{len(rows)} experiments in {len(studies)} studies", [
        Col("study", lambda r: r["study"], 100, wrap=False, style="bold cyan"),
        Col("experiment", lambda r: r["name"], 90, wrap=False, cut=False),
        Col("task (fidelity)", lambda r: f"{r['task']} ({r['task_fidelity']})", 40, wrap=False),
        Col("arch.", lambda r: ARCH_SHORT.get(r["architecture"], r["architecture"]), 45, wrap=False),
        Col("metric", lambda r: f"{r['reported_metric']} → {r['replicated_metric']}", 70, wrap=False),
        Col("fidelity (mini)", lambda r: fidelity_code((r.get("fidelity") or {}).get("mini")), 65, wrap=False),
        Col("methods", lambda r: ", ".join(r["methods"]), 30, wrap=False),
        *(Col(p, lambda r, p=p: r["marks"].get(p, "-"), 80, wrap=False) for p in ("smoke", "mini", "paper")),
    ], rows, one_line=True)
    return table, [FIDELITY_LEGEND] + [f"[{n}] {reason}" for reason, n in notes.items()]


# --------------------------------------------------------------------------- check

def check_figures(figures: list[dict]) -> Table:
    return Table("The review's figures, recomputed from the database", [
        Col("figure", lambda f: f["key"], 100),
        Col("version", lambda f: f.get("version") or "", 50, wrap=False),
        Col("review says", lambda f: _short(f.get("reported")), 80),
        Col("database says", lambda f: _short(f.get("computed")), 80),
        Col("status", lambda f: f["status"], 95, wrap=False),
        Col("why", lambda f: _short(f.get("explanation") or "", 240), 60),
    ], figures)


def _short(value, width: int = 60) -> str:
    text = str(value) if value is not None else "-"
    return text if len(text) <= width else text[: width - 3] + "..."
