"""--format md and --format latex: what a Markdown parser and a LaTeX reader get back is what the
table holds, for papers, show, stats, runs and runs --compare; the LaTeX is booktabs and compiles
(checked structurally without TeX; with pdflatex too where it is installed)."""
from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from typer.testing import CliRunner

from replication.record import RunRecord
from slr import comparison as compare
from slr import db, export, queries, tables
from slr.cli import app

HOSTILE = '--flag A & B_1 {x} 50% $5 #2 ~ ^ \\ <b>|pipe|</b> *star* `tick` [link](x) é Δ → ≥ "q"'


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    """The real corpus, plus runs of P34 and P30 so that runs and --compare have rows."""
    import replication

    url = f"sqlite:///{tmp_path_factory.mktemp('formats') / 'slr.db'}"
    engine = db.open_current(url, None)
    keys = {(s["study"], e["name"]): (e["task"], e.get("replicated_metric") or "bleu")
            for s in replication.list_studies() for e in s["experiments"]}
    for study, experiment in (("P34", "summarize-codet5"), ("P34", "translate-codet5")):
        task, key = keys[(study, experiment)]
        for method, value in (("Full Fine-Tuning", 10.0), ("Prompt Tuning", 12.5)):
            db.record_run(engine, RunRecord(study=study, experiment=experiment, task=task, method=method,
                                            profile="mini", model="base:encoder-decoder",
                                            architecture="encoder-decoder", dataset="mined", metrics={key: value},
                                            trainable_params=10, total_params=1000, train_seconds=1.5))
    return engine


def documents(engine):
    """(name, Table(s)) for every command with md/latex output, as the CLI builds them."""
    show = {sid: queries.show(engine, sid) for sid in ("P30", "P12")}
    return [
        ("papers", [tables.papers(queries.papers(engine))]),
        ("show P30", [tables.facts(show["P30"]), tables.conflicts(show["P30"])]),
        ("show P12", [tables.facts(show["P12"]), tables.conflicts(show["P12"])]),
        ("stats", tables.stats(queries.stats(engine))),
        ("runs", [tables.runs(queries.runs(engine))]),
        ("runs --compare", [tables.compare(compare.compare(engine))]),
    ]


def hostile_table():
    return tables.Table(HOSTILE, [tables.Col(HOSTILE, lambda r: r["a"]), tables.Col("b", lambda r: r["b"])],
                        [{"a": HOSTILE, "b": "plain"}, {"a": "", "b": None}])


def _norm(text: str) -> str:
    return " ".join(str(text).split())


# --------------------------------------------------------------------------- Markdown

def markdown_tables(text: str) -> list[list[list[str]]]:
    """Every table a CommonMark + GFM-tables parser (markdown-it-py) finds: rows of cell texts."""
    from markdown_it import MarkdownIt

    found, rows, row = [], None, None
    for token in MarkdownIt("commonmark").enable("table").parse(text):
        if token.type == "table_open":
            rows = []
        elif token.type == "table_close":
            found.append(rows)
            rows = None
        elif token.type == "tr_open":
            row = []
        elif token.type == "tr_close":
            rows.append(row)
            row = None
        elif token.type == "inline" and row is not None and rows is not None:
            row.append("".join(c.content for c in token.children if c.type in ("text", "text_special", "code_inline")))
    return found


def expected_cells(table) -> list[list[str]]:
    return [[_norm(h) for h in table.headers]] + [[_norm(c) for c in row] for row in table.cells()]


def test_markdown_round_trips_every_document(engine):
    for name, found in documents(engine):
        text = export.to_markdown(found)
        parsed = markdown_tables(text)
        assert parsed == [expected_cells(t) for t in found], name


def test_markdown_keeps_hostile_text_as_text():
    table = hostile_table()
    text = export.to_markdown(table)
    assert markdown_tables(text) == [expected_cells(table)]
    from markdown_it import MarkdownIt

    html = MarkdownIt("commonmark").enable("table").render(text)
    assert "<b>" not in html and "<em>" not in html and "<a " not in html and "<code>" not in html


def test_show_markdown_has_the_study_and_every_evidence_row(engine):
    record = queries.show(engine, "P30")
    text = export.show_markdown(record)
    assert text.startswith("# P30: Delving into Parameter-Efficient Fine-Tuning")
    facts_table = markdown_tables(text)[0]
    assert len(facts_table) - 1 == len(tables.evidence_rows(record))
    quotes = {row[5] for row in facts_table[1:]}
    assert {e["quote"] for t in record["facts"]["tasks"] for e in t["evidence"] if e.get("quote")} <= quotes
    assert "## Open questions" in text


# --------------------------------------------------------------------------- LaTeX

TABULAR = re.compile(r"\\begin\{tabular\}\{(?P<spec>[^\n]*)\}\n(?P<body>.*?)\\end\{tabular\}", re.S)


def _spec_columns(spec: str) -> int:
    return len(re.findall(r"[lcr]|p\{[^}]*\}", spec))


def latex_tables(text: str) -> list[list[list[str]]]:
    """Each tabular: checked for booktabs structure, then its cells decoded back to text (pylatexenc)."""
    from pylatexenc.latex2text import LatexNodes2Text
    from pylatexenc.latexwalker import LatexWalker

    LatexWalker(text, tolerant_parsing=False).get_latex_nodes()      # raises on unbalanced braces or environments
    from pylatexenc.latex2text import MacroTextSpec, get_default_latex_context_db

    context = get_default_latex_context_db()
    context.add_context_category("angles", prepend=True, macros=[MacroTextSpec("textless", "<"),
                                                                 MacroTextSpec("textgreater", ">")])
    decode = LatexNodes2Text(latex_context=context, math_mode="text").latex_to_text
    found = []
    for match in TABULAR.finditer(text):
        lines = match["body"].split("\n")
        assert lines[0] == r"\toprule" and lines[2] == r"\midrule" and lines[-2] == r"\bottomrule", lines[:3]
        rows = []
        for line in [lines[1], *lines[3:-2]]:
            assert line.endswith(r" \\"), line
            cells = re.split(r"(?<!\\)&", line[: -len(r" \\")])
            assert len(cells) == _spec_columns(match["spec"]), line
            rows.append([_norm(decode(c)) for c in cells])
        found.append(rows)
    return found


def _latex_readable(text: str) -> str:
    # pdflatex prints " as a closing quote and ^ as a circumflex accent: what latex2text reads back
    return _norm(text).replace('"', "\u201d").replace("^", "\u02c6")


def test_latex_round_trips_every_document(engine):
    for name, found in documents(engine):
        text = export.to_latex(found, label="tab:x")
        assert text.count(r"\begin{table}") == len(found) and text.count(r"\caption{") == len(found)
        assert latex_tables(text) == [[[_latex_readable(c) for c in row] for row in expected_cells(t)]
                                      for t in found], name


def test_latex_escapes_every_special_character():
    table = hostile_table()
    text = export.to_latex(table)
    assert latex_tables(text) == [[[_latex_readable(c) for c in row] for row in expected_cells(table)]]
    body = TABULAR.search(text)["body"]
    assert not re.search(r"[^\x00-\x7f]", text)                      # every non-ASCII character is a macro
    assert "<" not in body and ">" not in body                        # OT1 would print them as ¡ ¿


def test_compare_latex_is_the_reported_vs_replicated_table(engine):
    text = export.to_latex(tables.compare(compare.compare(engine)), label="tab:compare")
    rows = latex_tables(text)[0]
    assert rows[0][:7] == ["study", "profile", "experiment", "method", "metric", "fidelity", "reported Δ"]
    assert {r[2] for r in rows[1:]} == {"summarize-codet5", "translate-codet5"}
    assert all(r[8] == "+2.5" for r in rows[1:])                     # replicated Δ: 12.5 - 10


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="no pdflatex installed (texlive-latex-recommended)")
def test_latex_compiles_with_pdflatex(engine, tmp_path):
    body = "\n".join(export.to_latex(found) for _, found in documents(engine)) + export.to_latex(hostile_table())
    doc = tmp_path / "t.tex"
    # the one package the output asks for (export.LATEX_PACKAGES), nothing else
    doc.write_text("\\documentclass{article}\n\\usepackage{booktabs}\n\\begin{document}\n" + body
                   + "\n\\end{document}\n")
    done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", doc.name], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:]


# --------------------------------------------------------------------------- the CLI

@pytest.mark.parametrize("argv", [["papers"], ["show", "P30"], ["stats"], ["runs"], ["runs", "--compare", "--all"]])
@pytest.mark.parametrize("fmt", ["md", "latex"])
def test_cli_prints_md_and_latex(engine, argv, fmt, monkeypatch):
    monkeypatch.setenv("SLR_DB", str(engine.url))
    result = CliRunner().invoke(app, [*argv, "--format", fmt], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    if fmt == "md":
        assert markdown_tables(result.stdout)
    else:
        assert r"\toprule" in result.stdout and latex_tables(result.stdout)
