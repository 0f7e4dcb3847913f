"""Every fact `slr show` gives carries exactly the evidence its corpus entry gives (all 28 studies)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from slr import corpus as corpus_module
from slr import db, queries
from slr.cli import app
from taxonomy import vocabularies

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


@pytest.fixture(scope="module")
def loaded():
    return corpus_module.load_corpus(CORPUS)


def items(study, evidence) -> list[dict]:
    return [{"source": study.resolve_source(e.source), **{k: getattr(e, k) for k in ("locator", "quote", "paraphrase")
                                                          if getattr(e, k) is not None}} for e in evidence]


def expected_facts(study) -> dict[str, list[tuple[str, list[dict]]]]:
    """kind -> [(name, evidence)] from the file, tasks and methods merged by canonical name."""
    vocab = vocabularies()
    out: dict[str, list] = {}
    for kind in ("tasks", "methods"):
        merged: dict[str, list[dict]] = {}
        for fact in getattr(study, kind):
            merged.setdefault(vocab[kind].get(fact.name).name, []).extend(items(study, fact.evidence))
        out[kind] = sorted(merged.items())
    for kind, label in (("models", "name"), ("datasets", "name"), ("metrics", "name"), ("results", "metric")):
        out[kind] = [(getattr(f, label), items(study, f.evidence)) for f in getattr(study, kind)]
    return out


def test_every_fact_of_every_study_shows_its_own_evidence(built_db, loaded):
    engine = db.connect(built_db)
    assert len(loaded.studies) == 28
    checked = 0
    for sid, study in loaded.studies.items():
        facts = queries.show(engine, sid)["facts"]
        for kind, expected in expected_facts(study).items():
            label = "metric" if kind == "results" else "name"
            shown = [(f[label], f["evidence"]) for f in facts[kind]]
            assert shown == expected, f"{sid} {kind}"
            checked += len(shown)
        for name in ("artifact", "full_finetuning_baseline", "hardware", "finding"):
            fact = getattr(study, name)
            want = items(study, fact.evidence) if hasattr(fact, "evidence") else []
            assert facts[name]["evidence"] == want, f"{sid} {name}"
            checked += 1
        assert facts["bibliography"]["evidence"] == items(study, study.bibliography_evidence)
    assert checked > 400


def test_all_artifact_urls_are_stored_shown_and_exported(built_db, loaded, monkeypatch):
    monkeypatch.setenv("SLR_DB", built_db)
    urls = {sid: s.artifact.url for sid, s in loaded.studies.items()
            if isinstance(s.artifact, corpus_module.ArtifactFact) and s.artifact.url}
    assert len(urls) >= 18        # 18 at the audit, 19 since P33's repository was found
    runner = CliRunner()
    papers = json.loads(runner.invoke(app, ["papers", "--format", "json"]).stdout)
    assert {p["id"]: p["artifact_url"] for p in papers if p["artifact_url"]} == urls
    csv_out = runner.invoke(app, ["papers", "--format", "csv"]).stdout
    assert all(url in csv_out for url in urls.values())
    shown = runner.invoke(app, ["show", "P30"], env={"COLUMNS": "400"}).stdout
    assert "https://github.com/ishuoliu/PEFT4CC" in shown


def test_a_duplicated_task_keeps_both_entries_evidence(corpus_copy, tmp_path):
    """Two entries with one canonical name are one fact with the evidence of both."""
    path = corpus_copy / "studies" / "P30.yaml"
    text = path.read_text()
    marker = "tasks:\n"
    extra = ("tasks:\n  - name: jit defect prediction\n    evidence:\n      - source: arxiv\n        locator: planted\n"
             "        quote: a second entry for the same task\n")
    path.write_text(text.replace(marker, extra, 1))
    engine = db.open_current(f"sqlite:///{tmp_path / 'dup.db'}", corpus_copy)
    facts = queries.show(engine, "P30")["facts"]
    dd = [t for t in facts["tasks"] if t["name"] == "Defect Detection"]
    assert len(dd) == 1
    locators = [e.get("locator") for e in dd[0]["evidence"]]
    assert "planted" in locators and len(locators) >= 3


def test_quotes_are_quotes_and_sources_are_what_was_read(loaded):
    """A paraphrase lives in `paraphrase`, never in `quote`; our own study list is never cited as the review."""
    review = "https://arxiv.org/abs/2504.21569"
    for sid, study in loaded.studies.items():
        for path, e in study.evidence_sources():
            assert not (e.quote or "").lower().startswith("(paraphrase"), f"{sid} {path}: a paraphrase in `quote`"
            if e.source == "studies_csv":
                raise AssertionError(f"{sid} {path}: cites our own study list as evidence")
        assert study.sources.get("studies_csv") != review, f"{sid}: studies_csv points at the review"
