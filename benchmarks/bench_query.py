"""Measure the knowledge base's speed goals and write benchmarks/query_results.md.

1. Cold start: `slr papers --task "Code Summarization" --format json` against
   `python -c "import typer, sqlmodel"` (the frameworks it cannot avoid) and
   `python -c "import sqlite3"`; median of interleaved runs. Goal: ratio <= 1.5.
2. A synthetic 10,000-study corpus (the real studies cloned under new ids): build <= 10 s,
   a facet query <= 100 ms, a fuzzy search <= 200 ms.

Usage: python benchmarks/bench_query.py [--runs 15] [--studies 10000]
"""
from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def timed(cmd: list[str], env: dict) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def cold_start(runs: int, workdir: Path) -> dict:
    env = {**os.environ, "SLR_DATA_DIR": str(workdir / "data")}
    env.pop("SLR_DB", None)
    slr = [sys.executable, "-m", "slr.cli", "papers", "--task", "Code Summarization", "--format", "json"]
    frameworks = [sys.executable, "-c", "import typer, sqlmodel"]
    bare = [sys.executable, "-c", "import sqlite3"]
    timed(slr, env)  # the first call builds the database; what we measure is every later call
    samples: dict[str, list[float]] = {"slr": [], "frameworks": [], "sqlite3": []}
    for _ in range(runs):  # interleaved, so drift in machine load hits all three alike
        samples["slr"].append(timed(slr, env))
        samples["frameworks"].append(timed(frameworks, env))
        samples["sqlite3"].append(timed(bare, env))
    return {k: statistics.median(v) for k, v in samples.items()}


def synthetic_corpus(target: Path, n: int) -> None:
    """n study files: the real ones cloned round-robin under new ids P1000, P1001, ..."""
    import yaml

    real = sorted((REPO / "corpus" / "studies").glob("P*.yaml"))
    texts = [p.read_text(encoding="utf-8") for p in real]
    ids = [yaml.safe_load(t)["id"] for t in texts]
    studies = target / "studies"
    studies.mkdir(parents=True)
    for i in range(n):
        new_id = f"P{1000 + i}"
        text = texts[i % len(texts)].replace(f"id: {ids[i % len(ids)]}\n", f"id: {new_id}\n", 1)
        (studies / f"{new_id}.yaml").write_text(text, encoding="utf-8")
    shutil.copy(REPO / "corpus" / "review.yaml", target / "review.yaml")


def best_of(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def large_corpus(n: int, workdir: Path) -> dict:
    from slr import corpus as corpus_module
    from slr import db, queries

    directory = workdir / "big-corpus"
    synthetic_corpus(directory, n)
    url = f"sqlite:///{workdir / 'big.db'}"
    engine = db.connect(url)
    db.create_schema(engine)
    cache = workdir / "parse-cache"
    start = time.perf_counter()
    loaded = corpus_module.load_corpus(directory, cache_dir=cache)
    load_seconds = time.perf_counter() - start
    assert not loaded.problems, loaded.problems[:3]
    db.build(engine, loaded)
    build_seconds = time.perf_counter() - start
    # A curator edits one study and runs a query: only that file is parsed again.
    edited = directory / "studies" / "P1000.yaml"
    edited.write_text(edited.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    start = time.perf_counter()
    db.build(engine, corpus_module.load_corpus(directory, cache_dir=cache))
    rebuild_seconds = time.perf_counter() - start
    flt = queries.PaperFilter(tasks=("CSum",), methods=("LoRA",))
    facet_ids = lambda: queries.papers(engine, flt)  # noqa: E731
    return {
        "studies": n,
        "build_s": build_seconds,
        "rebuild_s": rebuild_seconds,
        "load_validate_s": load_seconds,
        "facet_query_s": best_of(facet_ids),
        "facet_hits": len(facet_ids()),
        "stats_s": best_of(lambda: queries.stats(engine)),
        "search_s": best_of(lambda: queries.search(engine, "commit message generation"), 3),
    }


def machine() -> str:
    import psutil

    return (f"{platform.processor() or platform.machine()}, {psutil.cpu_count()} cores, "
            f"{psutil.virtual_memory().total / 2**30:.0f} GiB, Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--studies", type=int, default=10_000)
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("query_results.md"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        cold = cold_start(args.runs, work)
        big = large_corpus(args.studies, work)
    ratio = cold["slr"] / cold["frameworks"]
    goal = lambda ok: "met" if ok else "MISSED"  # noqa: E731
    lines = [
        "# Knowledge-base speed",
        "",
        f"Machine: {machine()}. Measured {time.strftime('%Y-%m-%d')} by `python benchmarks/bench_query.py`.",
        "",
        f"## Cold start (median of {args.runs} interleaved runs, database already built)",
        "",
        "| command | median s | ratio |",
        "| --- | ---: | ---: |",
        f"| `slr papers --task \"Code Summarization\" --format json` | {cold['slr']:.3f} | 1.00 |",
        f"| `python -c \"import typer, sqlmodel\"` | {cold['frameworks']:.3f} | {cold['frameworks'] / cold['slr']:.2f} |",
        f"| `python -c \"import sqlite3\"` | {cold['sqlite3']:.3f} | {cold['sqlite3'] / cold['slr']:.2f} |",
        "",
        f"slr / frameworks = **{ratio:.2f}** (goal <= 1.5: {goal(ratio <= 1.5)}); "
        f"slr / bare python+sqlite3 = {cold['slr'] / cold['sqlite3']:.1f}.",
        "",
        f"## Synthetic corpus of {big['studies']:,} studies",
        "",
        "| step | seconds | goal |",
        "| --- | ---: | --- |",
        f"| load + validate YAML | {big['load_validate_s']:.2f} | |",
        f"| build from scratch (load, validate, write, one transaction) | {big['build_s']:.2f} | <= 10 s: {goal(big['build_s'] <= 10)} |",
        f"| rebuild after editing one study (parse cache) | {big['rebuild_s']:.2f} | <= 10 s: {goal(big['rebuild_s'] <= 10)} |",
        f"| facet query (`--task CSum --method LoRA`, {big['facet_hits']:,} hits, full records) | {big['facet_query_s']:.3f} | <= 0.1 s: {goal(big['facet_query_s'] <= 0.1)} |",
        f"| `slr stats` facets | {big['stats_s']:.3f} | |",
        f"| fuzzy search 'commit message generation' | {big['search_s']:.3f} | <= 0.2 s: {goal(big['search_s'] <= 0.2)} |",
        "",
        "What limits the build from scratch: parsing 10,000 YAML files with libyaml (CSafeLoader) is",
        "most of it; pydantic validation and the bulk insert are the rest. Tried and dropped: parsing",
        "in worker processes (slower on 2 cores: pickling validated studies back costs more than it",
        "saves) and the Rust parser yaml-rs (8x faster, but it reads the quoted string '2025-04-29' as",
        "a date). Search reads every evidence quote (the synthetic corpus repeats the real studies'",
        "quotes, so distinct texts are fewer than in a real corpus of this size).",
        "",
    ]
    args.out.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
