"""`slr site`: index, one page per study with its evidence, the comparison page; offline, escaped,
every internal link resolving; in headless Chromium (test_browser's harness) without console
errors, with the search finding P30 by "code change"."""
from __future__ import annotations

import asyncio
import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from test_browser import CHROME, HOSTILE, _inspect_pages, needs_chrome
from typer.testing import CliRunner

from replication.record import RunRecord
from slr import db, queries
from slr.cli import app
from slr.site import write_site


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    engine = db.open_current(f"sqlite:///{tmp_path_factory.mktemp('site-db') / 'slr.db'}", None)
    for method, bleu in (("Full Fine-Tuning", 10.0), ("Prompt Tuning", 12.0)):
        db.record_run(engine, RunRecord(study="P34", experiment="summarize-codet5", task="Code Summarization",
                                        method=method, profile="mini", model="base:encoder-decoder",
                                        architecture="encoder-decoder", dataset="mined", metrics={"bleu": bleu}))
    return engine


@pytest.fixture(scope="module")
def site(engine, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    write_site(engine, out)
    return out


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.remote: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        for key in ("href", "src"):
            value = attrs.get(key)
            if value is None:
                continue
            if re.match(r"^[a-z]+:", value, re.I):
                if tag in ("script", "link", "img", "iframe"):
                    self.remote.append(value)           # a page must fetch nothing from elsewhere
            else:
                self.links.append(value)


def _parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def test_site_has_every_page(site):
    assert (site / "index.html").is_file() and (site / "compare.html").is_file() and (site / "site.css").is_file()
    assert sorted(p.stem for p in (site / "studies").glob("*.html")) == sorted(
        p.stem for p in (Path(__file__).parent.parent / "corpus" / "studies").glob("P*.yaml"))


def test_every_internal_link_resolves_and_nothing_is_fetched_from_elsewhere(site):
    pages = {p: _parse(p) for p in site.rglob("*.html")}
    checked = 0
    for page, parsed in pages.items():
        assert not parsed.remote, (page, parsed.remote[:3])
        for link in parsed.links:
            parts = urlsplit(link)
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            assert target.is_file(), (page.name, link)
            if parts.fragment and target.suffix == ".html":
                assert parts.fragment in pages[target].ids, (page.name, link)
            checked += 1
    assert checked > 28 * 5


def test_each_study_page_shows_every_fact_with_its_evidence(engine, site):
    for sid in queries.study_ids(engine):
        text = (site / "studies" / f"{sid}.html").read_text(encoding="utf-8")
        record = queries.show(engine, sid)
        for kind in ("tasks", "methods", "models", "datasets", "metrics", "results"):
            for fact in record["facts"][kind]:
                for item in fact["evidence"]:
                    assert html.escape(item["source"]) in text, (sid, kind)
                    for key in ("quote", "locator"):
                        if item.get(key):
                            assert html.escape(item[key]) in text, (sid, kind, key)
        for conflict in record["conflicts"]:
            assert html.escape(conflict["field"]) in text
        if record["facts"]["results"]:
            assert 'class="tier"' in text


def test_the_study_page_has_its_replication_and_the_compare_page_its_numbers(site):
    p34 = (site / "studies" / "P34.html").read_text(encoding="utf-8")
    assert "summarize-codet5" in p34 and "replicated-here (mini)" in p34 and "+2" in p34
    compare = (site / "compare.html").read_text(encoding="utf-8")
    assert 'href="studies/P34.html"' in compare and "summarize-codet5" in compare and "(mini)" in compare


def test_a_hostile_corpus_is_escaped_on_every_page(corpus_copy, tmp_path):
    study = corpus_copy / "studies" / "P30.yaml"
    text = study.read_text()
    text = re.sub(r"^title: .*$", f"title: '{HOSTILE} Delving'", text, count=1, flags=re.M)
    text = text.replace("  - name: CodeBERT\n", f"  - name: '{HOSTILE}'\n", 1)
    text = re.sub(r'(quote: )"', lambda m: m.group(1) + '"' + HOSTILE.replace('"', '\\"') + " ", text, count=1)
    study.write_text(text)
    engine = db.open_current(f"sqlite:///{tmp_path / 'hostile.db'}", corpus_copy)
    out = tmp_path / "site"
    write_site(engine, out)
    for page in [out / "index.html", out / "compare.html", *(out / "studies").glob("*.html")]:
        assert HOSTILE not in page.read_text(encoding="utf-8"), page.name
    assert "&lt;img src=x onerror=" in (out / "studies" / "P30.html").read_text(encoding="utf-8")


def test_slr_site_command(tmp_path, shared_db):
    result = CliRunner().invoke(app, ["site", "--out", str(tmp_path / "s")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "s" / "studies" / "P30.html").is_file()


SEARCH = """(function () {
  var box = document.getElementById('filter');
  box.value = 'code change';
  box.dispatchEvent(new Event('input'));
  var shown = Array.from(document.querySelectorAll('#studies-table tbody tr'))
      .filter(function (r) { return r.style.display !== 'none'; })
      .map(function (r) { return r.querySelector('td.id').textContent; });
  return JSON.stringify({shown: shown, counter: document.getElementById('shown').textContent});
})()"""

EVIDENCE = """JSON.stringify({evidence: document.querySelectorAll('#facts .evidence').length,
  quotes: document.querySelectorAll('#facts .evidence q').length,
  links: Array.from(document.querySelectorAll('#facts .evidence a')).filter(function (a) {
    return a.href.indexOf('http') === 0; }).length,
  visible: document.getElementById('facts').getBoundingClientRect().height > 100})"""


@needs_chrome
def test_index_renders_and_its_search_finds_p30_by_code_change(site):
    [seen] = asyncio.run(_inspect_pages(CHROME, [site / "index.html"], expression=SEARCH))
    assert seen["errors"] == []
    assert seen["plots"] and all(p["svg"] for p in seen["plots"])
    found = json.loads(seen["value"])
    assert "P30" in found["shown"] and len(found["shown"]) < 28 and found["counter"] == str(len(found["shown"]))


@needs_chrome
def test_every_study_page_shows_its_evidence_in_a_browser(site):
    pages = sorted((site / "studies").glob("*.html"))
    seen = asyncio.run(_inspect_pages(CHROME, [site / "compare.html", *pages], expression=EVIDENCE, settle=0.05))
    assert seen[0]["errors"] == []
    for page, result in zip(pages, seen[1:]):
        assert result["errors"] == [], (page.name, result["errors"])
        shown = json.loads(result["value"])
        assert shown["evidence"] > 3 and shown["quotes"] > 0 and shown["links"] > 0 and shown["visible"], page.name
