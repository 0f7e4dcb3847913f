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
