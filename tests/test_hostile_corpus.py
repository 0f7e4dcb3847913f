"""Hostile corpus files: each gets one clear problem naming the file (and line), quickly, and the
database keeps its last good corpus."""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from slr import corpus as corpus_module
from slr.cli import app

BOMB = """  - field: bomb
    values:
      a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
      b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
      c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
      d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
      e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
      f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
      g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
      h: [*g,*g,*g,*g,*g,*g,*g,*g,*g]
"""


def p30(corpus: Path) -> Path:
    return corpus / "studies" / "P30.yaml"


def plant_bomb_in_study(corpus):
    p30(corpus).write_text(p30(corpus).read_text().replace("conflicts:\n", "conflicts:\n" + BOMB, 1))


def plant_bomb_in_review(corpus):
    review = corpus / "review.yaml"
    body = "".join(line[2:] + "\n" for line in BOMB.splitlines()[1:])     # the values, two spaces less
    review.write_text(review.read_text().replace("inconsistencies:\n", "inconsistencies:\n- what: bomb\n" + body, 1))


def duplicate_year(corpus):
    p30(corpus).write_text(p30(corpus).read_text().replace("year: 2024\n", "year: 2024\nyear: 1999\n", 1))


def empty_studies(corpus):
    for path in (corpus / "studies").glob("*.yaml"):
        path.unlink()


def deep_nesting(corpus):
    p30(corpus).write_text("id: P30\nx: " + "[" * 900 + "]" * 900 + "\n")


def device_link(corpus):
    p30(corpus).unlink()
    p30(corpus).symlink_to("/dev/zero")


def huge_file(corpus):
    p30(corpus).write_text(p30(corpus).read_text() + "# " + "x" * (corpus_module.MAX_FILE_BYTES + 10) + "\n")


CASES = {
    "alias bomb in a study": (plant_bomb_in_study, "P30.yaml:", "YAML alias *a is not allowed"),
    "alias bomb in review.yaml": (plant_bomb_in_review, "review.yaml:", "YAML alias *a is not allowed"),
    "duplicate key": (duplicate_year, "P30.yaml:7", "duplicate key 'year' (first at line 6)"),
    "empty studies folder": (empty_studies, "studies", "holds no study files"),
    "900-deep nesting": (deep_nesting, "P30.yaml:2", "nested deeper than 64 levels"),
    "link to /dev/zero": (device_link, "P30.yaml", "is not a regular file"),
    "a 4 MiB file": (huge_file, "P30.yaml", "is larger than 4 MiB"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_file_gets_one_clear_message_and_the_database_is_kept(name, corpus_copy, tmp_path):
    plant, where, message = CASES[name]
    runner = CliRunner()
    db = f"sqlite:///{tmp_path / 'kept.db'}"
    env = {"SLR_DB": db}
    good = runner.invoke(app, ["--corpus", str(corpus_copy), "papers", "--format", "json"], env=env)
    assert good.exit_code == 0 and len(json.loads(good.stdout)) == 28
    plant(corpus_copy)
    start = time.perf_counter()
    result = runner.invoke(app, ["--corpus", str(corpus_copy), "check"], env={**env, "COLUMNS": "300"})
    assert time.perf_counter() - start < 30
    assert result.exit_code == 1, result.output
    assert where in result.output and message in result.output, result.output
    assert "Traceback" not in result.output and "internal error" not in result.output
    refused = runner.invoke(app, ["--corpus", str(corpus_copy), "papers", "--format", "json"],
                            env={**env, "COLUMNS": "300"})
    assert refused.exit_code == 1 and "left as it was" in refused.output
    # nothing lost: with the intact corpus the same database answers, unchanged
    again = runner.invoke(app, ["papers", "--format", "json"], env={"SLR_DB": db})
    assert again.exit_code == 0 and len(json.loads(again.stdout)) == 28


def test_an_empty_corpus_builds_only_when_asked(corpus_copy, tmp_path, monkeypatch):
    empty_studies(corpus_copy)
    assert corpus_module.load_corpus(corpus_copy).problems
    monkeypatch.setenv("SLR_ALLOW_EMPTY_CORPUS", "1")
    assert not [p for p in corpus_module.load_corpus(corpus_copy).problems if "no study files" in p.message]


# ----------------------------------------------------------------------------- fuzz

SCALAR = st.one_of(st.integers(-5, 5), st.sampled_from(["a", "b", "x y", "'q'", "2024"]))


@st.composite
def documents(draw):
    """YAML text: nested mappings and lists, some with a repeated key, an anchor and alias, or deep nesting."""
    lines, anchors = ["id: P1"], []
    for i in range(draw(st.integers(0, 6))):
        key = draw(st.sampled_from(["year", "venue", "k", f"k{i}"]))
        kind = draw(st.sampled_from(["scalar", "alias", "anchor", "deep", "list"]))
        if kind == "anchor":
            anchors.append(f"a{i}")
            lines.append(f"{key}: &a{i} [{draw(SCALAR)}, {draw(SCALAR)}]")
        elif kind == "alias" and anchors:
            lines.append(f"{key}: [*{anchors[-1]}, *{anchors[-1]}]")
        elif kind == "deep":
            depth = draw(st.integers(1, 200))
            lines.append(f"{key}: " + "[" * depth + "]" * depth)
        elif kind == "list":
            lines.append(f"{key}:\n  - {draw(SCALAR)}\n  - {draw(SCALAR)}")
        else:
            lines.append(f"{key}: {draw(SCALAR)}")
    return "\n".join(lines) + "\n"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=documents())
def test_loader_fuzz_never_raises_and_refuses_aliases_duplicates_and_depth(text, tmp_path):
    path = tmp_path / "P1.yaml"
    path.write_text(text)
    data, _node, problems = corpus_module.read_yaml(path, "P1.yaml")
    has_alias = "*a" in text
    keys = [line.split(":", 1)[0] for line in text.splitlines() if line and not line.startswith(" ")]
    duplicated = len(keys) != len(set(keys))
    too_deep = "[" * 64 in text
    if has_alias or duplicated or too_deep:
        assert data is None and problems, text
        message = problems[0].message
        assert ("alias" in message) or ("duplicate key" in message) or ("nested deeper" in message), message
    else:
        assert problems == [] and isinstance(data, dict), (text, problems)



URLS = {
    "study url": ("P30", r"^url: .*$", 'url: "javascript:alert(1)"', "url"),
    "artifact url": ("P30", r"^  url: https://github.com/ishuoliu/PEFT4CC$", '  url: "javascript:alert(1)"', "artifact.url"),
    "a source": ("P30", r"^  code: https://github.com/ishuoliu/PEFT4CC$", '  code: "data:text/html,<b>x</b>"', "sources"),
    "an evidence source": ("P30", r"^      - source: code$", '      - source: "file:///etc/passwd"', "source"),
    "a doi": ("P30", r"^doi: null$", 'doi: "javascript:x"', "doi"),
    "the review's sources": ("review", r"^  artifact: https://github.com/alvi75/SLR-PEFT$", '  artifact: "javascript:x"',
                             "sources"),
}


@pytest.mark.parametrize("name", list(URLS))
def test_only_web_and_doi_addresses_are_stored(name, corpus_copy):
    import re

    study, pattern, replacement, field = URLS[name]
    path = corpus_copy / ("review.yaml" if study == "review" else f"studies/{study}.yaml")
    text, n = re.subn(pattern, replacement, path.read_text(), count=1, flags=re.M)
    assert n == 1
    path.write_text(text)
    problems = corpus_module.load_corpus(corpus_copy).problems
    assert len(problems) == 1 and field in problems[0].field and problems[0].line, problems
    assert "http(s)" in problems[0].message or "not a DOI" in problems[0].message
