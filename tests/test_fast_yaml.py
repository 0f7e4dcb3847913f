"""corpus.fast_load (one pass over libyaml's events, for build speed) must give exactly what the strict
PyYAML loader gives, or step aside (_Unusual) so that the strict loader reads the file and words the problem."""
import functools
import math
import os
from pathlib import Path

import pytest
import yaml

from slr import corpus

CORPUS = Path(__file__).resolve().parents[1] / "corpus"

TRICKY = [
    "a: yes\nb: No\nc: on\nd: OFF\ne: true\nf: ~\ng: null\nh:\n",
    "i: 0x1F\nj: 0o17\nk: 017\nl: 1_000\nm: -3\nn: +4\no: 1e3\np: 1.5e-3\nq: .inf\nr: -.Inf\ns: 190:20:30\n",
    "d: 2024-01-05\nt: 2001-12-14t21:59:43.10-05:00\nv: 2024-1-5\n",
    "s: 'single ''quoted'''\nd: \"double \\u00e9 \\n\"\np: plain text: with colon-ish\nn: '123'\n",
    "block: |\n  line one\n  line two\nfolded: >\n  folded\n  text\n\n  para\nkeep: |+\n  x\n\n",
    "flow: [a, 1, {k: v, n: [2, 3]}]\nempty_list: []\nempty_map: {}\n",
    "nested:\n  - id: P1\n    quote: \"x\"\n  - id: P2\n    evidence:\n      - source: arXiv:1\n",
    "unicode: \"caf\\xe9 \u2014 \u00fc\"\nkey with spaces: v\n1: int key\n2.5: float key\nnull: null key\n",
    "dup: 1\ndup: 2\n",                                   # duplicate key: the strict loader's message
    "a: &x [1, 2]\nb: *x\n",                              # anchors and aliases
    "t: !!str 12\n",                                       # explicit tag
    "- a\n- b\n",                                          # not a mapping
    "---\na: 1\n---\nb: 2\n",                              # two documents
    "a: [1, 2\n",                                          # syntax error
    "? [1, 2]\n: v\n",                                     # a collection as a key
    "<<: {a: 1}\n",                                        # merge key
    "",                                                    # empty
    "x: " + "[" * 70 + "]" * 70 + "\n",                    # deep
]


def strict(text):
    try:
        return ("ok", yaml.load(text, Loader=corpus._strict_loader()))
    except yaml.YAMLError as exc:
        return ("error", type(exc).__name__)


def same(a, b):
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a):
        return math.isnan(b)
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


@pytest.mark.parametrize("text", TRICKY, ids=range(len(TRICKY)))
def test_fast_load_agrees_with_the_strict_loader_or_steps_aside(text):
    expected = strict(text)
    try:
        got = corpus.fast_load(text)
    except corpus._Unusual:
        return                                  # read_yaml hands it to the strict loader
    assert expected[0] == "ok" and same(got, expected[1]), (got, expected)


def test_fast_load_reads_every_shipped_file_as_the_strict_loader_does():
    files = sorted(CORPUS.rglob("*.yaml"))
    assert len(files) >= 29
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert same(corpus.fast_load(text), strict(text)[1]), path


def test_the_tricky_cases_exercise_both_paths():
    fast = sum(1 for t in TRICKY if _fast_ok(t))
    assert 6 <= fast < len(TRICKY)


def _fast_ok(text):
    try:
        corpus.fast_load(text)
        return True
    except corpus._Unusual:
        return False


_PARSE_FILES = corpus._parse_files


def _stale_parse(marker: str, names: list[str]) -> dict:
    """What the forked parser returns for bytes other than the ones the loader read (module level:
    the pool pickles it by name)."""
    Path(marker).write_text(str(os.getpid()))
    return {n: ("0" * 64, {**got, "title": "stale"}) for n, (_, got) in _PARSE_FILES(names).items()}


def _studies(loaded) -> dict:
    return {sid: study.model_dump() for sid, study in loaded.studies.items()}


def test_a_large_corpus_parsed_in_two_processes_loads_as_in_one(corpus_copy):
    """From corpus.PARALLEL_FROM files a forked process parses most of them, chunk by chunk; the
    corpus loaded (studies, problems, digest, file hashes) is the one a single process loads, a
    broken file's problem included, whether the chunks come from the other process or this one
    takes them back, and only results for the very bytes this process read are used. In a fresh
    interpreter: the loader forks only a process with no other thread, and a test session has some."""
    import subprocess
    import sys

    if not sys.platform.startswith("linux") or len(os.sched_getaffinity(0)) < 2:
        pytest.skip("the loader forks a parser only on Linux with two cores or more")
    code = (f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); import test_fast_yaml; "
            f"test_fast_yaml.check_two_process_load({str(corpus_copy)!r})")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == "ok"


def _slow_parse(names: list[str]) -> dict:
    """The forked parser on a busy machine (module level: the pool pickles it by name)."""
    import time

    time.sleep(0.5)
    return _PARSE_FILES(names)


def check_two_process_load(directory: str) -> None:
    import time

    corpus_copy = Path(directory)
    broken = corpus_copy / "studies" / "P3.yaml"
    broken.write_text(broken.read_text().replace("year: ", "year: [", 1))
    serial = corpus.load_corpus(corpus_copy)
    assert any("P3.yaml" in p.file for p in serial.problems)

    def same_as_serial(loaded) -> None:
        assert _studies(loaded) == _studies(serial)
        assert loaded.problems == serial.problems and loaded.digest == serial.digest
        assert {k: (f.sha256, f.study_id) for k, f in loaded.files.items()} == \
            {k: (f.sha256, f.study_id) for k, f in serial.files.items()}       # (stats: when each was read)

    # This process slow on its own share, so every chunk is parsed by the time it gets there.
    used, load_study = [], corpus.load_study

    def slow_when_parsing(*a, **k):
        if k.get("parsed") is None:
            time.sleep(0.05)
        used.append(k.get("parsed") is not None)
        return load_study(*a, **k)

    corpus.load_study = slow_when_parsing
    corpus.PARALLEL_FROM, corpus.CHUNK = 1, 4
    taken_back, close = [], corpus.ForkedParser.__exit__
    corpus.ForkedParser.__exit__ = lambda self, *a: taken_back.append(self.taken_back) or close(self, *a)
    assert corpus.can_fork_a_parser()
    parallel = corpus.load_corpus(corpus_copy)
    own = round(len(used) * corpus.OWN_SHARE)
    assert sum(used) >= len(used) - own - 1 > 0 and taken_back == [0], (used, taken_back)
    same_as_serial(parallel)

    # The forked process slow (the other core busy): this one takes back the chunks it was not
    # yet at, and parses them itself.
    corpus.load_study = load_study
    corpus._parse_files = _slow_parse
    taken_back.clear()
    same_as_serial(corpus.load_corpus(corpus_copy))
    assert taken_back[0] > 0, taken_back

    # A result for other bytes (the file changed between the two reads) is not used.
    corpus.load_study = slow_when_parsing
    marker = corpus_copy / "parsed-by"
    corpus._parse_files = functools.partial(_stale_parse, str(marker))
    used.clear()
    assert _studies(corpus.load_corpus(corpus_copy)) == _studies(serial)
    assert int(marker.read_text()) != os.getpid() and not any(used)    # forked, and nothing stale used
    print("ok")
