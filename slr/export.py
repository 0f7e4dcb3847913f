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


# --------------------------------------------------------------------------- interoperable exports
# `slr export --format csvw|jsonld|eval-results`: every reported number (the corpus' results) and every
# replicated one (each metric of each ok run), one record per number, under one id in all three formats.

INTEROP_FORMATS = ("csvw", "jsonld", "eval-results")
REVIEW_URL = "https://arxiv.org/abs/2504.21569"
CSVW_FILE, CSVW_METADATA_FILE = "results.csv", "results.csv-metadata.json"
JSONLD_FILE, EVAL_RESULTS_FILE = "results.jsonld", "eval_results.yaml"
# Several sources/locators of one reported number share a cell, joined by this (CSVW `separator`).
LIST_SEPARATOR = " | "

# name, CSVW datatype, description. Names follow the CSVW rule for column names (letters, digits, "_";
# not starting with "_"); the CSV header repeats them as the columns' titles.
NUMBER_COLUMNS = (
    ("id", "string", "Stable id of the number: <study>-results-<n> (reported) or run-<id>-<metric> (replicated)."),
    ("kind", "string", "reported (by the study, as the corpus encodes it) or replicated (measured by slr here)."),
    ("study", "string", "The review's study id (P1 ... P38)."),
    ("task", "string", "Software-engineering task (the review's taxonomy); empty if the study gives none."),
    ("model", "string", "Model fine-tuned (replicated: the model this tool ran, often a small stand-in)."),
    ("method", "string", "PEFT method, or Full Fine-Tuning."),
    ("dataset", "string", "Dataset the number was measured on."),
    ("metric", "string", "Metric as the source names it (replicated: slr's metric id)."),
    ("value", "double", "The number."),
    ("baseline_value", "double", "Reported: full fine-tuning on the same setting, where the study gives it."),
    ("higher_is_better", "boolean", "Reported: whether a higher value is better, where known."),
    ("tier", "string", "Verification tier: paper-table, paper-text, artifact-file, secondary; "
                       "replicated-here (<profile>) for numbers measured by this tool."),
    ("seeds", "string", "Reported: what the source says of repeated runs."),
    ("experiment", "string", "Replicated: the study's experiment in slr's replication harness."),
    ("profile", "string", "Replicated: smoke, mini or paper (the scale of the run)."),
    ("seed", "integer", "Replicated: the training seed."),
    ("run_id", "integer", "Replicated: the run's id in the database (slr runs)."),
    ("source", "string", "Reported: the evidence's sources (URLs or DOIs; several joined by ' | '). "
                         "Replicated: the tool and version that measured it."),
    ("locator", "string", "Where in each source (parallel to source, joined by ' | '); replicated: "
                          "the run's uid."),
    ("note", "string", "Reported: the corpus' note on the number."),
)


def _number_id(study: str, fact: str | None, index: int) -> str:
    return f"{study}-" + (re.sub(r"[^A-Za-z0-9]+", "-", fact).strip("-") if fact else f"results-{index}")


def interop_records(engine) -> list[dict[str, Any]]:
    """Every reported and replicated number as a flat record with the NUMBER_COLUMNS keys (plus
    `evidence` and `run`, the full source records, for the JSON-LD and eval-results writers)."""
    from slr import comparison, queries
    from slr.about import package_version

    tool = f"slr-peft-code {package_version()}"
    records, per_study = [], {}
    for r in queries.results(engine):
        per_study[r["study"]] = per_study.get(r["study"], -1) + 1
        evidence = r.get("evidence") or []
        records.append({
            "id": _number_id(r["study"], r.get("fact"), per_study[r["study"]]), "kind": "reported",
            "study": r["study"], "task": r.get("task"), "model": r.get("model"), "method": r["method"],
            "dataset": r.get("dataset"), "metric": r["metric"], "value": r["value"],
            "baseline_value": r.get("baseline_value"), "higher_is_better": r.get("higher_is_better"),
            "tier": r.get("tier"), "seeds": r.get("seeds"),
            "source": [e.get("source") or "" for e in evidence], "locator": [e.get("locator") or "" for e in evidence],
            "note": r.get("note"), "evidence": evidence})
    for run in queries.runs(engine):
        if run["status"] != "ok":
            continue
        for metric, value in comparison._metrics(run).items():
            records.append({
                "id": f"run-{run['id']}-{re.sub(r'[^A-Za-z0-9@.]+', '-', metric)}", "kind": "replicated",
                "study": run["study"], "task": run["task"], "model": run["model"], "method": run["method"],
                "dataset": run["dataset"], "metric": metric, "value": value, "tier": run["tier"],
                "experiment": run["experiment"], "profile": run["profile"], "seed": run["seed"],
                "run_id": run["id"], "source": [tool], "locator": [run["uid"]] if run.get("uid") else [],
                "run": run})
    return records


def _csvw_cell(value: Any, datatype: str) -> str:
    """A cell in the lexical form of its CSVW datatype (XSD): empty is null, doubles as Python's repr
    (valid xsd:double) with INF/-INF/NaN spelled as XSD spells them, booleans as true/false."""
    if value is None or value == []:
        return ""
    if isinstance(value, list):
        return LIST_SEPARATOR.join(str(v) for v in value)
    if datatype == "boolean":
        return "true" if value else "false"
    if datatype == "double":
        number = float(value)
        if number != number:
            return "NaN"
        if number in (float("inf"), float("-inf")):
            return "INF" if number > 0 else "-INF"
        return repr(number)
    if datatype == "integer":
        return str(int(value))
    return str(value)                     # the csv module quotes commas, quotes and line breaks


def to_csvw(records: list[dict[str, Any]], csv_name: str = CSVW_FILE) -> tuple[str, dict[str, Any]]:
    """(CSV text, CSVW metadata) following the W3C Recommendation "Metadata Vocabulary for Tabular Data"
    (https://www.w3.org/TR/2015/REC-tabular-metadata-20151217/): a table description with the required
    @context and url, a dialect, and a tableSchema whose columns match the header one to one."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")          # RFC 4180, CSVW's default dialect
    writer.writerow([name for name, _, _ in NUMBER_COLUMNS])
    for record in records:
        writer.writerow([_csvw_cell(record.get(name), datatype) for name, datatype, _ in NUMBER_COLUMNS])
    columns = []
    for name, datatype, description in NUMBER_COLUMNS:
        column = {"name": name, "titles": name, "datatype": datatype, "dc:description": description}
        if name in ("source", "locator"):
            column["separator"] = LIST_SEPARATOR
        if name in ("id", "kind", "study", "method", "metric", "value"):
            column["required"] = True
        columns.append(column)
    metadata = {
        "@context": ["http://www.w3.org/ns/csvw", {"@language": "en"}],
        "url": csv_name,
        "dc:title": "Reported and replicated numbers of the studies of the review 'Parameter-Efficient "
                    "Fine-Tuning for Large Code Models'",
        "dc:source": REVIEW_URL,
        "dc:description": "One row per number: each result the studies report (kind=reported, with its "
                          "verification tier and evidence) and each metric of each successful replication run "
                          "(kind=replicated, tier replicated-here (<profile>)). Written by `slr export`.",
        "dialect": {"header": True, "encoding": "utf-8", "delimiter": ",", "doubleQuote": True,
                    "lineTerminators": ["\r\n", "\n"]},
        "tableSchema": {"columns": columns, "primaryKey": "id"},
    }
    return buffer.getvalue(), metadata


def _jsonld_evidence(evidence: dict[str, Any]) -> dict[str, Any]:
    """One evidence item as a schema.org CreativeWork: url (or name, for a source that is no URL), the
    locator as its description and the verbatim quote as its text."""
    source = evidence.get("source") or ""
    item = {"@type": "CreativeWork", ("url" if source.startswith(("http://", "https://")) else "name"): source}
    for key, term in (("locator", "description"), ("quote", "text"), ("paraphrase", "abstract")):
        if evidence.get(key):
            item[term] = evidence[key]
    return item


def to_jsonld(records: list[dict[str, Any]]) -> dict[str, Any]:
    """A schema.org Dataset whose variableMeasured are PropertyValues, one per number: name and
    propertyID the metric, value the number, measurementMethod the tier, url the first source, and
    valueReference the setting (study, task, model, method, dataset, baseline, run ...), each a
    PropertyValue too. The @context is inline, so the document expands offline."""
    keys = ("kind", "study", "task", "model", "method", "dataset", "baseline_value", "higher_is_better", "seeds",
            "experiment", "profile", "seed", "run_id")
    measured = []
    for record in records:
        item = {"@type": "PropertyValue", "@id": f"#{record['id']}", "identifier": record["id"],
                "name": record["metric"], "propertyID": record["metric"], "value": record["value"],
                "measurementMethod": record.get("tier"),
                "valueReference": [{"@type": "PropertyValue", "propertyID": key, "value": record[key]}
                                   for key in keys if record.get(key) is not None]}
        urls = [s for s in record.get("source") or [] if s.startswith(("http://", "https://"))]
        if record["kind"] == "reported" and urls:
            item["url"] = urls[0]
        if record.get("note"):
            item["description"] = record["note"]
        if record.get("evidence"):
            item["citation"] = [_jsonld_evidence(e) for e in record["evidence"]]
        measured.append({k: v for k, v in item.items() if v is not None})
    return {"@context": {"@vocab": "https://schema.org/"}, "@type": "Dataset",
            "name": "Reported and replicated numbers of the review 'Parameter-Efficient Fine-Tuning for Large "
                    "Code Models'", "isBasedOn": REVIEW_URL, "variableMeasured": measured}


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def to_eval_results(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The replicated numbers as evaluation-result records in the shape of Hugging Face's
    `.eval_results/*.yaml` (https://github.com/huggingface/hub-docs/blob/main/eval_results.yaml: dataset.id/
    split/revision, value, date, source.url/name) with the model-index fields of a model card's
    metadata (https://github.com/huggingface/hub-docs/blob/main/modelcard.md: task.type/name,
    dataset.type/name, metric type/name/value, verified). `verified` is false: the number was measured
    by this tool, not by Hugging Face's evaluator, and `verification.tier` says at which profile.
    `source.url` is the run's uid as a urn:uuid (the run has no web address; runs stored without a
    uid have none); the other `source` keys are this tool's: run id, study, experiment, profile, seed."""
    import uuid

    out = []
    for record in records:
        if record["kind"] != "replicated":
            continue
        run = record["run"]
        dataset = {"id": run["dataset"], "name": run["dataset"], "type": run["dataset"], "split": "test"}
        if run.get("dataset_hash"):
            dataset["revision"] = run["dataset_hash"]
        source: dict[str, Any] = {}
        try:
            source["url"] = uuid.UUID(run["uid"]).urn if run.get("uid") else None
        except ValueError:
            source["url"] = None
        source.update({"name": f"slr replicate {run['study']} ({run['experiment']})", "tool": record["source"][0],
                       "run_id": run["id"], "uid": run.get("uid"), "study": run["study"],
                       "experiment": run["experiment"], "profile": run["profile"], "seed": run["seed"]})
        out.append({
            "dataset": dataset, "value": record["value"], "date": run.get("finished_at") or run.get("started_at"),
            "task": {"type": _slug(run["task"]), "name": run["task"]},
            "metric": {"type": record["metric"], "name": f"{record['metric']} ({run['method']}, {run['model']})",
                       "value": record["value"], "verified": False},
            "model": {"name": run["model"], "method": run["method"], "architecture": run["architecture"]},
            "source": {k: v for k, v in source.items() if v is not None},
            "verified": False,
            "verification": {"verified": False, "tier": record["tier"],
                             "note": "replicated here by slr; not verified by Hugging Face or the study's authors"},
        })
    return [{k: v for k, v in r.items() if v is not None} for r in out]


def write_interop(engine, fmt: str, out=None) -> list[str]:
    """Run one interoperable export. With `out` (a folder, created if missing) write its file(s) there
    and return their paths; without, return the document as the one item of the list (csvw needs `out`:
    it is two files). Raises UsageError for an unknown format or a missing --out, SlrError when a file
    cannot be written."""
    from pathlib import Path

    import yaml

    from slr.errors import SlrError, UsageError

    if fmt not in INTEROP_FORMATS:
        raise UsageError(f"export: unknown format '{fmt}'; choose from {', '.join(INTEROP_FORMATS)}")
    if fmt == "csvw" and out is None:
        raise UsageError("export: --format csvw writes two files (results.csv and results.csv-metadata.json); "
                         "give --out DIR (e.g. --out .)")
    records = interop_records(engine)
    if fmt == "csvw":
        text, metadata = to_csvw(records)
        files = {CSVW_FILE: text, CSVW_METADATA_FILE: json.dumps(metadata, indent=2, ensure_ascii=False) + "\n"}
    elif fmt == "jsonld":
        files = {JSONLD_FILE: json.dumps(to_jsonld(records), indent=2, ensure_ascii=False, default=str) + "\n"}
    else:
        body = yaml.safe_dump(to_eval_results(records), sort_keys=False, allow_unicode=True, width=1000)
        files = {EVAL_RESULTS_FILE: "# Replicated numbers in the shape of Hugging Face's .eval_results/*.yaml "
                                    "(written by `slr export --format eval-results`)\n" + body}
    if out is None:
        return [next(iter(files.values()))]
    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        raise SlrError(f"export: --out {folder} is a file, not a folder")
    written = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for name, content in files.items():
            (folder / name).write_text(content, encoding="utf-8", newline="")
            written.append(str(folder / name))
    except OSError as exc:
        raise SlrError(f"export: cannot write to {folder}: {exc.strerror or exc}") from None
    return written
