"""Terminal rendering with rich. Imported only when a table or tree is printed.

Tables fit the terminal (rich reads COLUMNS; 80 when piped) by choosing columns: `fit` keeps
each column at least as wide as its longest word and drops the least important columns until
the rest fit, so rich wraps between words and never folds one letter by letter; a word longer
than its column is cut with an ellipsis. Colour follows NO_COLOR (rich reads it).
"""
from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from slr import tables
from slr.tables import compact_metrics  # noqa: F401  (slr.replicate imports it from here)

WORD_CAP = 20       # a wrapping column need not be wider than this for its longest word (longer ones are cut)
LINE_CAP = 12       # a one-line column may be cut down to this (or its header) when space is short


def _join(items) -> str:
    return ", ".join(items) if items else "-"


def _overhead(n: int) -> int:
    return 3 * n + 1            # rich's default box: a rule between and around columns, one space of padding each side


def layout(table: tables.Table, width: int) -> list[tuple[int, int]]:
    """(column index, width) of the columns to draw so that the table fits in `width` cells."""
    cells = table.cells()
    one_line = table.one_line
    need, natural = [], []
    for i, col in enumerate(table.columns):
        texts = [" ".join(row[i].split()) for row in cells]
        longest_cell = max((cell_len(t) for t in texts), default=0)
        header_word = max((cell_len(w) for w in col.header.split()), default=1)
        if col.wrap and not one_line:
            longest_word = max((cell_len(w) for t in texts for w in t.split()), default=0)
            need.append(max(header_word, min(longest_word, WORD_CAP), min(longest_cell, col.min_width), 1))
            natural.append(max(cell_len(col.header), longest_cell, need[-1]))
        else:
            natural.append(max(cell_len(col.header), longest_cell, 1))
            need.append(min(natural[-1], max(header_word, LINE_CAP)) if col.cut else natural[-1])
    shown = list(range(len(table.columns)))
    while len(shown) > 1 and sum(need[i] for i in shown) + _overhead(len(shown)) > width:
        # drop the least important column; of equals, the rightmost
        shown.remove(min(reversed(shown), key=lambda i: table.columns[i].priority))
    widths = {i: need[i] for i in shown}
    spare = width - sum(widths.values()) - _overhead(len(shown))
    deficit = {i: natural[i] - need[i] for i in shown}
    total = sum(deficit.values())
    if 0 < total <= spare:
        widths = {i: natural[i] for i in shown}
    elif total:                         # share what is left in proportion to what each column lacks
        for i in shown:
            widths[i] += spare * deficit[i] // total
        left = width - sum(widths.values()) - _overhead(len(shown))
        for i in sorted((i for i in shown if widths[i] < natural[i]), key=lambda i: -table.columns[i].priority)[:left]:
            widths[i] += 1
    return [(i, widths[i]) for i in shown]


def fit(console: Console, table: tables.Table, title: str | None = None) -> Table:
    """A rich Table of `table` that fits the console's width (see the module's docstring)."""
    cells = table.cells()
    out = Table(title=escape(table.title if title is None else title), expand=False)
    chosen = layout(table, console.width)
    for i, width in chosen:
        col = table.columns[i]
        out.add_column(escape(col.header), width=width, no_wrap=table.one_line or not col.wrap,
                       overflow="ellipsis", style=col.style or None, justify=col.justify)
    for row in cells:
        out.add_row(*(Text(" ".join(row[i].split()) if table.one_line else row[i], overflow="ellipsis")
                      for i, _ in chosen))
    hidden = len(table.columns) - len(chosen)
    if hidden:
        out.caption = escape(f"left out at {console.width} columns: "
                             + ", ".join(c.header for j, c in enumerate(table.columns) if j not in dict(chosen)))
    return out


def papers_table(console: Console, records: list[dict[str, Any]]) -> None:
    console.print(fit(console, tables.papers(records, _task_abbreviations(), short=True)))


def _task_abbreviations() -> dict[str, str]:
    from taxonomy import tasks

    return {t.name: t.abbreviation or t.name for t in tasks().terms}


def _evidence_lines(node: Tree, items: list[dict] | None) -> None:
    for e in items or []:
        where = escape(e["source"]) + (f" [dim]({escape(e['locator'])})[/dim]" if e.get("locator") else "")
        quote = f' [italic]"{escape(e["quote"])}"[/italic]' if e.get("quote") else ""
        paraphrase = f" [dim]paraphrase:[/dim] {escape(e['paraphrase'])}" if e.get("paraphrase") else ""
        node.add(f"[dim]evidence:[/dim] {where}{quote}{paraphrase}")


def study(console: Console, r: dict[str, Any]) -> None:
    facts = r["facts"]
    head = f"[bold cyan]{r['id']}[/bold cyan]  [bold]{escape(r['title'])}[/bold]"
    tree = Tree(head)
    venue = r["venue"] + (f" (true venue: {r['true_venue']})" if r.get("true_venue") else "")
    bib = tree.add(f"{escape(_join(r['authors']))}. {escape(venue)}, {r['year']}. "
                   f"[dim]{escape(r.get('doi') or r.get('arxiv') or r.get('url') or '')}[/dim]  key: {r['citation_key']}")
    _evidence_lines(bib, facts["bibliography"]["evidence"])
    tree.add(f"[bold]Summary[/bold] {escape(r['summary'])}")
    if r.get("finding"):
        node = tree.add(f"[bold]Finding[/bold] {escape(r['finding'])}")
        _evidence_lines(node, facts["finding"]["evidence"])

    def as_named(fact):
        return f" [dim](as named: {escape(fact['as_named'])})[/dim]" if fact.get("as_named") else ""

    sections = (
        ("Tasks", facts["tasks"], lambda f: escape(f["name"]) + as_named(f)),
        ("PEFT methods", facts["methods"], lambda f: escape(f["name"]) + as_named(f)),
        ("Models", facts["models"], lambda m: f"{escape(m['name'])} [dim]{m['architecture']}, "
                                              f"{_params(m['params'])}{', ' + m['hf_id'] if m.get('hf_id') else ''}[/dim]"),
        ("Datasets", facts["datasets"], lambda f: escape(f["name"])),
        ("Metrics", facts["metrics"], lambda f: escape(f["name"])),
    )
    for title, items, label in sections:
        section = tree.add(f"[bold]{title}[/bold]" + ("" if items else " unknown"))
        for fact in items:
            _evidence_lines(section.add(label(fact)), fact["evidence"])
    for title, fact, value in (("Full fine-tuning baseline", facts["full_finetuning_baseline"],
                                facts["full_finetuning_baseline"]["value"]),
                               ("Hardware", facts["hardware"], facts["hardware"]["text"]),
                               ("Artifact", facts["artifact"], _artifact(facts["artifact"]))):
        node = tree.add(f"[bold]{title}[/bold] {escape(str(value))}")
        _evidence_lines(node, fact["evidence"])
    if facts["results"]:
        results = tree.add("[bold]Reported results[/bold] (value vs full fine-tuning; tier)")
        for res in facts["results"]:
            base = f" vs FMFT {res['baseline_value']:g}" if res.get("baseline_value") is not None else ""
            where = " / ".join(x for x in (res.get("task"), res.get("model"), res.get("dataset")) if x)
            extra = "".join(f"; {escape(res[k])}" for k in ("seeds", "note") if res.get(k))
            node = results.add(f"{escape(res['method'])}: {escape(res['metric'])} = {res['value']:g}{base}"
                               f" [dim]{escape(where)} [{escape(res.get('tier') or 'untiered')}]{extra}[/dim]")
            _evidence_lines(node, res["evidence"])
    if r["conflicts"]:
        conflicts = tree.add("[bold yellow]Sources disagree[/bold yellow]")
        for c in r["conflicts"]:
            values = "; ".join(f"{k}: {v}" for k, v in c["values"].items())
            conflicts.add(f"{escape(c['field'])}: {escape(values)} -> we use {escape(str(c.get('we_use')))}"
                          + (f" [dim]({escape(c['why'])})[/dim]" if c.get("why") else ""))
    if r["open_questions"]:
        questions = tree.add("[bold]Open questions[/bold]")
        for q in r["open_questions"]:
            questions.add(escape(q))
    tree.add(f"[dim]source file: corpus/{r['source_file']}[/dim]")
    console.print(tree, overflow="ellipsis")     # a word longer than the line (a long URL) is cut, never folded


def _params(value) -> str:
    if value is None:
        return "size unknown"
    return f"{value / 1e9:.1f}B" if value >= 1e9 else f"{value / 1e6:.0f}M"


def _artifact(fact) -> str:
    if fact.get("url"):
        return f"{fact['url']} (available: {fact['available']})"
    return f"available: {fact['available']}"


def search_table(console: Console, hits: list[dict[str, Any]], text: str) -> None:
    console.print(fit(console, tables.search(hits, text)))


def stats(console: Console, counts: dict[str, dict[str, int]]) -> None:
    console.print(f"[bold]{counts['studies']['total']} studies[/bold]")
    for table in tables.stats(counts):
        rendered = fit(console, table)
        rendered.title_justify = "left"
        console.print(rendered)


def taxonomy(console: Console, tree_data: dict[str, Any]) -> None:
    root = Tree("[bold]PEFT for large code models: the review's taxonomy[/bold]")
    tasks_node = root.add("[bold]SE tasks[/bold]")
    for category, group in tree_data["categories"].items():
        node = tasks_node.add(f"[bold green]{category}[/bold green] ({len(group['studies'])} studies)")
        for task in group["tasks"]:
            marker = "" if task["in_review"] == "27" else " [dim](added by the 28-study revision)[/dim]"
            node.add(f"{task['name']} ({task['abbreviation']}): {len(task['studies'])}"
                     f" [dim]{_join(task['studies'])}[/dim]{marker}")
    methods_node = root.add("[bold]PEFT methods[/bold]")
    for family, group in tree_data["families"].items():
        node = methods_node.add(f"[bold magenta]{family}[/bold magenta] ({len(group['studies'])} studies)")
        for method in group["methods"]:
            node.add(f"{escape(method['name'])}: {len(method['studies'])} [dim]{_join(method['studies'])}[/dim]")
    console.print(root, overflow="ellipsis")


# Statuses a reader must see in `slr check`'s short form: the database disagrees, or says why it may.
CHECK_SHOWN = ("mismatch", "explained", "inconsistent", "unknown")


def check_report(console: Console, report, show_all: bool = False) -> None:
    """Problems, then counts by status; the figures table holds only the rows in CHECK_SHOWN
    (every row with show_all)."""
    if report.problems:
        console.print(f"[bold red]{len(report.problems)} corpus problem(s)[/bold red]")
        for p in report.problems:
            console.print(Text(f"  {p}", overflow="fold"))
    else:
        console.print(f"[green]corpus ok[/green]: {report.studies} studies, every fact with evidence")
    if not report.figures:
        return
    from collections import Counter

    colours = {"match": "green", "mismatch": "red", "explained": "yellow", "inconsistent": "yellow",
               "unknown": "dim"}
    counts = Counter(f["status"] for f in report.figures)
    console.print(f"{len(report.figures)} of the review's figures recomputed: " + ", ".join(
        f"[{colours.get(status, 'default')}]{n} {status}[/]" for status, n in counts.most_common()))
    shown = report.figures if show_all else [f for f in report.figures if f["status"] in CHECK_SHOWN]
    if not show_all:
        console.print(f"{len(shown)} to read ({', '.join(CHECK_SHOWN)}); `slr check --all` lists every one:")
    from rich.padding import Padding

    for f in shown:     # a short block per figure: its words wrap, a long token is cut, nothing folds
        console.print(Text.assemble((f"{f['status']:<12} ", colours.get(f["status"], "")), (f["key"], "bold"),
                                    (f" ({f['version']})" if f.get("version") else "", "dim"), overflow="ellipsis"))
        lines = [f"review says {_short(f.get('reported'))}; database says {_short(f.get('computed'))}"]
        if f.get("explanation"):
            lines.append(f"why: {_short(f['explanation'], 400)}")
        for line in lines:
            console.print(Padding(Text(line, overflow="ellipsis"), (0, 0, 0, 13)))


def _short(value, width: int = 60) -> str:
    text = str(value) if value is not None else "-"
    return text if len(text) <= width else text[: width - 3] + "..."


def runs_table(console: Console, rows: list[dict[str, Any]]) -> None:
    console.print(fit(console, tables.runs(rows)))


def run_summary(console: Console, rows: list[dict[str, Any]]) -> None:
    """`slr replicate`'s closing summary, one line per run; rows as slr.replicate._summary builds them
    (id, study, experiment, method, profile, status, trainable_params, total_params, train_seconds,
    peak_memory_bytes, metrics, error)."""
    console.print(fit(console, tables.run_summary(rows)))


def experiment_list(console: Console, studies: list[dict[str, Any]]) -> None:
    """`slr replicate --list`, one line per experiment (studies as replication.list_studies() gives
    them), then each profile note once, numbered."""
    table, notes = tables.experiments(studies)
    console.print(fit(console, table))
    for note in notes:
        console.print(Text(note, overflow="ellipsis"))


def compare_table(console: Console, rows: list[dict[str, Any]]) -> None:
    console.print(fit(console, tables.compare(rows)))
