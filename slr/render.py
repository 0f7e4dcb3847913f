"""Terminal rendering with rich. Imported only when a table or tree is printed."""
from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.tree import Tree


def _join(items) -> str:
    return ", ".join(items) if items else "-"


def papers_table(console: Console, records: list[dict[str, Any]]) -> None:
    table = Table(title=f"{len(records)} studies", show_lines=False, expand=True)
    for column, style, ratio in (("ID", "bold cyan", None), ("Year", "", None), ("Venue", "", None),
                                 ("Title", "", 4), ("Tasks", "green", 2), ("Methods", "magenta", 2),
                                 ("Arch.", "yellow", 1)):
        table.add_column(column, style=style, overflow="fold", ratio=ratio, no_wrap=ratio is None)
    abbreviations = _task_abbreviations()
    for r in records:
        table.add_row(r["id"], str(r["year"]), r["venue"], escape(r["title"]),
                      _join(abbreviations.get(t, t) for t in r["tasks"]), escape(_join(r["methods"])),
                      _join({"encoder-only": "enc", "decoder-only": "dec", "encoder-decoder": "enc-dec"}.get(a, a)
                            for a in r["architectures"]))
    console.print(table)


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
    console.print(tree)


def _params(value) -> str:
    if value is None:
        return "size unknown"
    return f"{value / 1e9:.1f}B" if value >= 1e9 else f"{value / 1e6:.0f}M"


def _artifact(fact) -> str:
    if fact.get("url"):
        return f"{fact['url']} (available: {fact['available']})"
    return f"available: {fact['available']}"


def search_table(console: Console, hits: list[dict[str, Any]], text: str) -> None:
    table = Table(title=f"{len(hits)} matches for '{escape(text)}'")
    for column in ("ID", "Score", "Matched", "Title", "Snippet"):
        table.add_column(column, overflow="fold")
    for h in hits:
        table.add_row(h["id"], f"{h['score']:.0f}", h["matched"], escape(h["title"]), escape(h["snippet"]))
    console.print(table)


def stats(console: Console, counts: dict[str, dict[str, int]]) -> None:
    console.print(f"[bold]{counts['studies']['total']} studies[/bold]")
    for facet, values in counts.items():
        if facet == "studies":
            continue
        table = Table(title=f"by {facet}", title_justify="left")
        table.add_column(facet)
        table.add_column("numbers" if facet == "reported number tier" else "runs" if facet == "run tier" else "studies",
                         justify="right")
        for name, n in values.items():
            table.add_row(escape(name), str(n))
        console.print(table)


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
    console.print(root)


def check_report(console: Console, report) -> None:
    if report.problems:
        console.print(f"[bold red]{len(report.problems)} corpus problem(s)[/bold red]")
        for p in report.problems:
            console.print(f"  {escape(str(p))}")
    else:
        console.print(f"[green]corpus ok[/green]: {report.studies} studies, every fact with evidence")
    if report.figures:
        table = Table(title="The review's figures, recomputed from the database")
        for column in ("figure", "version", "review says", "database says", "status", "why"):
            table.add_column(column, overflow="fold")
        colours = {"match": "green", "mismatch": "red", "documented": "yellow", "inconsistent": "yellow",
                   "unknown": "dim"}
        for f in report.figures:
            colour = colours.get(f["status"], "white")
            table.add_row(f["key"], str(f.get("version") or ""), escape(_short(f.get("reported"))),
                          escape(_short(f.get("computed"))), f"[{colour}]{f['status']}[/{colour}]",
                          escape(_short(f.get("explanation") or "", 240)))
        console.print(table)


def _short(value, width: int = 60) -> str:
    text = str(value) if value is not None else "-"
    return text if len(text) <= width else text[: width - 3] + "..."


def runs_table(console: Console, rows: list[dict[str, Any]]) -> None:
    table = Table(title=f"{len(rows)} runs", expand=True)
    for column, ratio in (("id", None), ("study", None), ("profile", None), ("experiment", 2), ("method", 2),
                          ("status", None), ("trainable", None), ("train s", None), ("peak mem", None),
                          ("metrics", 3)):
        table.add_column(column, overflow="fold", ratio=ratio)
    for r in rows:
        share = f"{r['trainable_share'] * 100:.2f}%" if r["trainable_share"] is not None else "-"
        metrics = compact_metrics(r["metrics"] or {})
        table.add_row(str(r["id"]), r["study"], r["profile"], r["experiment"], escape(r["method"]),
                      r["status"], share, f"{r['train_seconds']:.1f}", _bytes(r["peak_memory_bytes"]),
                      escape(metrics or (r.get("error") or "")[:60]))
    console.print(table)


def compact_metrics(metrics: dict[str, float], limit: int = 3) -> str:
    """The task metrics first (training loss last), a few of them, short."""
    keys = sorted(metrics, key=lambda k: (k.startswith("final_") or "loss" in k, k))
    return " ".join(f"{k}={metrics[k]:.3g}" for k in keys[:limit])


def _bytes(n: int | None) -> str:
    return f"{n / 2**30:.2f} GiB" if n else "-"


def compare_table(console: Console, rows: list[dict[str, Any]]) -> None:
    table = Table(title="Reported vs replicated (PEFT minus full fine-tuning, FMFT)", expand=True)
    for column, ratio in (("study", None), ("profile", None), ("experiment", 2), ("method", 2), ("metric", None),
                          ("reported Δ", None), ("replicated Δ", None), ("verdict", 3)):
        table.add_column(column, overflow="fold", ratio=ratio)
    for r in rows:
        fmt = lambda v: "-" if v is None else f"{v:+.3g}"  # noqa: E731
        table.add_row(r["study"], r["profile"], r.get("experiment") or "-", escape(r["method"]),
                      escape(r.get("metric") or "-"), fmt(r.get("reported_delta")), fmt(r.get("replicated_delta")),
                      escape(r["verdict"]))
    console.print(table)
