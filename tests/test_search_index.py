"""`slr search` through the build's search index answers exactly as the full scan of every place does."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from slr import corpus, db, fastread, queries

QUERIES = ["commit message", "program repair", "lora", "code change", "code sumarization", "comit mesage",
           "prefix tuning", "adapter", "xyzzy", "GPU", "parameter-efficient", "CodeT5", "defect", "!!!", "a",
           "summarization of code", "vulnerability detection", "P30-CMG", "Table 3", "ä"]
# (not `from conftest import CORPUS`: with tests/replication/conftest.py also on the path, which
# module that name gives depends on collection order)
CORPUS = Path(__file__).resolve().parents[1] / "corpus"


def full_scan(reader, text: str, limit: int):
    """The search as PostgreSQL runs it: every title, summary, finding and quote read and ranked."""
    original = queries._index_current
    queries._index_current = lambda _q: False
    try:
        return queries.search(reader, text, limit)
    finally:
        queries._index_current = original


@pytest.fixture(scope="module")
def reader(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('search') / 'slr.db'}"
    db.open_current(url, CORPUS).dispose()
    opened = fastread.open_fast(url, CORPUS)
    assert opened is not None
    yield opened
    opened.close()


@pytest.mark.parametrize("limit", [1, 5, 20, 100])
def test_the_index_ranks_as_the_full_scan(reader, limit):
    with fastread.reading(reader) as q:
        assert queries._index_current(q)
    for text in QUERIES:
        assert queries.search(reader, text, limit) == full_scan(reader, text, limit), text


@pytest.mark.parametrize("limit", [5, 20])
def test_fts5_candidates_give_the_same_studies_for_words(reader, limit):
    for text in ("commit message", "program repair", "lora", "code change", "prefix tuning", "adapter",
                 "code sumarization", "vulnerability detection"):
        assert queries.search(reader, text, limit, exact_up_to=0) == full_scan(reader, text, limit), text


def test_fts5_answers_every_query_that_has_a_word(reader, monkeypatch):
    """The FTS5 table keeps no positions (detail=none), so a prefix of two tokens would fail and
    search would quietly score every text instead: the words search asks for are single tokens."""
    from rapidfuzz import utils

    answered, candidates = {}, queries._candidates
    monkeypatch.setattr(queries, "_candidates", lambda q, needle: answered.setdefault(needle, candidates(q, needle)))
    texts = QUERIES + ["P30-CMG's table", "code-change/repair", "naïve", "v.u.l.n detection", "a.b.c"]
    for text in texts:
        queries.search(reader, text, 5, exact_up_to=0)
    asked = {utils.default_process(t) for t in texts if utils.default_process(t).split()}
    assert set(answered) - {""} == asked       # ("!!!" cleans to nothing: no word to ask for)
    assert [needle for needle, found in answered.items() if found is None and needle] == []


def test_without_fts5_the_build_keeps_no_index_and_search_scans(corpus_copy, db_url, monkeypatch):
    monkeypatch.setattr(db, "_search_supported", lambda session, engine: False)
    db.open_current(db_url, corpus_copy).dispose()
    with sqlite3.connect(db_url.removeprefix("sqlite:///")) as conn:
        assert conn.execute("SELECT value FROM meta WHERE key = 'search_index'").fetchone() == ("",)
    reader = fastread.open_fast(db_url, corpus_copy)
    with fastread.reading(reader) as q:
        assert not queries._index_current(q)
    hits = queries.search(reader, "commit message", 5)
    assert "P30" in [h["id"] for h in hits]
    reader.close()
    # A later build that has FTS5 makes the index from the rows it holds, even an incremental one.
    monkeypatch.undo()
    path = corpus_copy / "studies" / "P12.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    engine = db.open_schema(db_url)
    report = db.refresh(engine, corpus_copy)
    engine.dispose()
    assert report.incremental and report.written == 1
    reader = fastread.open_fast(db_url, corpus_copy)
    with fastread.reading(reader) as q:
        assert queries._index_current(q)
    assert queries.search(reader, "commit message", 20) == full_scan(reader, "commit message", 20)
    reader.close()


def test_a_database_with_the_earlier_search_layout_gets_the_present_one_and_stays_incremental(corpus_copy, db_url):
    """Before the unique index on search_text was its own (made after the rows), the column carried
    UNIQUE; a full build makes the tables anew, and incremental builds work on either layout."""
    file = db_url.removeprefix("sqlite:///")
    db.open_current(db_url, corpus_copy).dispose()
    with sqlite3.connect(file) as conn:
        conn.execute("DROP TABLE search_text")
        conn.execute("CREATE TABLE search_text (id INTEGER PRIMARY KEY, text TEXT NOT NULL UNIQUE)")
        conn.execute("INSERT INTO search_text (id, text) SELECT text_id, 'x' || text_id FROM search_place "
                     "GROUP BY text_id")
    engine = db.open_schema(db_url)
    db.build(engine, corpus.load_corpus(corpus_copy), full=True)
    engine.dispose()
    with sqlite3.connect(file) as conn:
        layout = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'search_text'").fetchone()[0]
    assert layout == db.SEARCH_TABLES[0]
    path = corpus_copy / "studies" / "P12.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("summary: ", "summary: Edited. ", 1), encoding="utf-8")
    engine = db.open_schema(db_url)
    report = db.refresh(engine, corpus_copy)
    engine.dispose()
    assert report.incremental and report.written == 1
    reader = fastread.open_fast(db_url, corpus_copy)
    assert queries.search(reader, "Edited", 20) == full_scan(reader, "Edited", 20)
    assert "P12" in [h["id"] for h in queries.search(reader, "Edited", 5)]
    reader.close()
