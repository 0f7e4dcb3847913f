"""Render query results: json, csv, bibtex and rich tables, all from the same records."""
from __future__ import annotations

import csv
import io
import json
import re
from typing import Any, Iterable

FORMATS = ("table", "json", "csv", "bibtex")


def to_json(records: Any) -> str:
    return json.dumps(records, indent=2, ensure_ascii=False, default=str)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple, set)):
        return "; ".join(_cell(v) if not isinstance(v, dict) else v.get("name", json.dumps(v)) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def to_csv(records: list[dict[str, Any]], columns: Iterable[str] | None = None) -> str:
    columns = list(columns or (records[0].keys() if records else []))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for record in records:
        writer.writerow([_cell(record.get(c)) for c in columns])
    return buffer.getvalue()


_LATEX_SPECIAL = {"&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{", "}": r"\}"}


def _bib_escape(text: str) -> str:
    return re.sub(r"[&%$#_{}]", lambda m: _LATEX_SPECIAL[m.group()], text)


def _entry_type(venue: str) -> tuple[str, str]:
    """(bibtex type, venue field) — journals are @article, arXiv-only is @misc, the rest @inproceedings."""
    journals = {"TSE", "TOSEM", "EMSE", "JSS", "IST"}
    if venue.upper() in journals:
        return "article", "journal"
    if venue.lower() == "arxiv":
        return "misc", "howpublished"
    return "inproceedings", "booktitle"


def to_bibtex(records: list[dict[str, Any]]) -> str:
    entries = []
    for r in records:
        kind, venue_field = _entry_type(r["venue"])
        fields = [("title", "{" + _bib_escape(r["title"]) + "}"),
                  ("author", _bib_escape(" and ".join(r.get("authors") or []) or "Unknown")),
                  (venue_field, _bib_escape(r.get("true_venue") or r["venue"])),
                  ("year", str(r["year"]))]
        if r.get("doi"):
            fields.append(("doi", r["doi"]))
        if r.get("arxiv"):
            fields += [("eprint", r["arxiv"].removeprefix("arXiv:")), ("archiveprefix", "arXiv")]
        if r.get("url"):
            fields.append(("url", r["url"]))
        fields.append(("note", _bib_escape(f"Study {r['id']} of the PEFT-for-code review")))
        body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
        entries.append(f"@{kind}{{{r['citation_key']},\n{body}\n}}")
    return "\n\n".join(entries) + ("\n" if entries else "")


PAPER_COLUMNS = ("id", "title", "venue", "true_venue", "year", "tasks", "methods", "architectures",
                 "citation_key", "doi", "arxiv", "url", "artifact_url", "full_finetuning_baseline")


# --------------------------------------------------------------------------- Markdown and LaTeX

# Backslash-escaping any ASCII punctuation is valid CommonMark; these are the characters that
# would otherwise start markup inside a GitHub-flavoured table cell.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#~])")


def _md(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def markdown_table(table) -> str:
    """A slr.tables.Table as a GitHub-flavoured Markdown table (pandas -> tabulate, pipe format)."""
    import pandas as pd

    df = pd.DataFrame([[_md(c) for c in row] for row in table.cells()], columns=[_md(h) for h in table.headers])
    return df.to_markdown(index=False, tablefmt="pipe", disable_numparse=True,
                          colalign=[c.justify for c in table.columns]) + "\n"


def to_markdown(tables, heading: str | None = None, intro: str = "") -> str:
    """One or more tables as a Markdown document: an optional `# heading`, then `## title` and table each."""
    tables = tables if isinstance(tables, (list, tuple)) else [tables]
    parts = [f"# {_md(heading)}\n"] if heading else []
    if intro:
        parts.append(intro + "\n")
    for table in tables:
        parts.append(f"## {_md(table.title)}\n\n{markdown_table(table)}")
    return "\n".join(parts)


def latex_escape(text) -> str:
    """Text as LaTeX that pdflatex typesets as written: specials (& % $ # _ { } ~ ^ \\) and every
    non-ASCII character become macros (pylatexenc), < > (¡ ¿ in the OT1 font) become \\textless/\\textgreater
    and -- stays two hyphens."""
    from pylatexenc.latexencode import RULE_DICT, UnicodeToLatexConversionRule, UnicodeToLatexEncoder

    encoder = _latex_encoder(UnicodeToLatexEncoder, UnicodeToLatexConversionRule, RULE_DICT)
    # "--" would typeset as an en dash (a command line's --option, a Markdown rule): break the ligature
    return re.sub(r"-(?=-)", "-{}", encoder.unicode_to_latex(" ".join(str(text).split())))


def _latex_encoder(encoder_cls, rule_cls, rule_dict, _cache: dict = {}):  # noqa: B006 (a deliberate cache)
    if "encoder" not in _cache:
        angles = rule_cls(rule_dict, {ord("<"): r"\textless{}", ord(">"): r"\textgreater{}"})
        _cache["encoder"] = encoder_cls(conversion_rules=[angles, "defaults"], unknown_char_policy="replace",
                                        replacement_latex_protection="braces-almost-all")
    return _cache["encoder"]


LATEX_PACKAGES = r"% needs \usepackage{booktabs} in the preamble"


def latex_table(table, label: str | None = None) -> str:
    """A slr.tables.Table as a booktabs table float (pandas' Styler: \\toprule, \\midrule, \\bottomrule)."""
    import pandas as pd

    df = pd.DataFrame([[latex_escape(c) for c in row] for row in table.cells()],
                      columns=[latex_escape(h) for h in table.headers])
    return df.to_latex(index=False, escape=False, column_format="".join(c.latex for c in table.columns),
                       caption=latex_escape(table.title), label=label, position="htbp")


def to_latex(tables, label: str | None = None) -> str:
    tables = tables if isinstance(tables, (list, tuple)) else [tables]
    many = len(tables) > 1
    body = "\n".join(latex_table(t, f"{label}-{i + 1}" if label and many else label) for i, t in enumerate(tables))
    return f"{LATEX_PACKAGES}\n{body}"


def show_markdown(record: dict[str, Any]) -> str:
    """One study as Markdown: its bibliography, summary and finding, then every fact with its evidence."""
    from slr import tables

    where = record.get("doi") and f"doi:{record['doi']}" or record.get("url") or record.get("arxiv") or ""
    intro = [f"{_md(', '.join(record['authors']))}. {_md(record['venue'])}, {record['year']}. {_md(where)} "
             f"(BibTeX key {_md(record['citation_key'])})", "", f"**Summary.** {_md(record['summary'])}"]
    if record.get("finding"):
        intro += ["", f"**Finding.** {_md(record['finding'])}"]
    parts = [to_markdown([tables.facts(record)], heading=f"{record['id']}: {record['title']}",
                         intro="\n".join(intro))]
    if record.get("conflicts"):
        parts.append(to_markdown(tables.conflicts(record)))
    if record.get("open_questions"):
        parts.append("## Open questions\n\n" + "\n".join(f"- {_md(q)}" for q in record["open_questions"]) + "\n")
    return "\n".join(parts)


def show_latex(record: dict[str, Any]) -> str:
    from slr import tables

    found = [tables.facts(record)] + ([tables.conflicts(record)] if record.get("conflicts") else [])
    return to_latex(found, label=f"tab:{record['citation_key']}")
