"""Time `slr figures`: all figures as HTML (goal: <= 5 s) and the static export (png, svg, pdf).

    .venv/bin/python benchmarks/figures/bench_figures.py [--repeat 5] [--no-static]

Builds the corpus into a temporary SQLite database (not timed), then times: building every
figure from the database; writing the HTML (per-figure files, index.html, plotly.min.js);
the CLI end to end (`slr figures --format html`, a fresh process, as a user runs it); and the
kaleido static export. Writes RESULTS.md beside this file, with the machine described.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
GOAL_HTML_S = 5.0


def timed(function, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return times


def machine() -> dict[str, str]:
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "?"
    try:
        kib = int(next(row for row in Path("/proc/meminfo").read_text().splitlines() if row.startswith("MemTotal")).split()[1])
        memory = f"{kib / 1024 ** 2:.0f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    from slr.figures import static

    chrome = static.find_chrome()
    chrome_version = "none"
    if chrome:
        try:
            chrome_version = subprocess.run([chrome, "--version"], capture_output=True, text=True,
                                            timeout=30).stdout.strip() or chrome
        except (OSError, subprocess.SubprocessError):
            chrome_version = chrome
    return {
        "OS": platform.platform(), "CPU": f"{cpu} ({os.cpu_count()} logical CPUs visible)", "memory": memory,
        "Python": platform.python_version(),
        "plotly / kaleido / choreographer": " / ".join(metadata.version(p) for p in ("plotly", "kaleido", "choreographer")),
        "browser": chrome_version,
        # A shared machine's other work shows up in the timings: record how busy it was.
        "load average (1, 5, 15 min) at the end": ", ".join(f"{x:.1f}" for x in os.getloadavg()),
    }


def summary(times: list[float]) -> str:
    return f"{statistics.median(times):.2f} s (min {min(times):.2f}, max {max(times):.2f}, n={len(times)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-static", action="store_true", help="skip the kaleido export")
    args = parser.parse_args()

    from slr.db import open_current
    from slr.figures import FIGURES, build_all, static, write_all

    work = Path(tempfile.mkdtemp(prefix="bench-figures-"))
    url = f"sqlite:///{work / 'slr.db'}"
    engine = open_current(url, os.environ.get("SLR_CORPUS"))
    rows: list[tuple[str, str]] = []

    build_all(engine)   # warm-up: plotly's first import is a one-off cost, timed separately below by the CLI run
    build = timed(lambda: build_all(engine), args.repeat)
    rows.append((f"build all {len(FIGURES)} figures from the database", summary(build)))
    html = timed(lambda: write_all(engine, work / "html", ["html"]), args.repeat)
    rows.append(("build + write HTML (per-figure files, index.html, plotly.min.js)", summary(html)))
    env = {**os.environ, "SLR_DB": url}
    cli = timed(lambda: subprocess.run([sys.executable, "-m", "slr.cli", "figures", "--out", str(work / "cli"),
                                        "--format", "html"], cwd=REPO, env=env, check=True, capture_output=True),
                max(3, args.repeat // 2))
    rows.append(("`slr figures --format html`, fresh process end to end", summary(cli)))

    chrome = static.find_chrome()
    if args.no_static:
        rows.append(("static export", "skipped (--no-static)"))
    elif not chrome:
        rows.append(("static export", "skipped: no Chrome/Chromium found"))
    else:
        figures = build_all(engine)
        for formats in (["png"], ["svg"], ["pdf"], ["png", "svg", "pdf"]):
            out = work / f"static-{'-'.join(formats)}"
            out.mkdir()
            times = timed(lambda out=out, formats=formats: static.export(figures, out, formats, chrome), 2)
            rows.append((f"static export, {len(figures)} figures × {', '.join(formats)} (one browser session "
                         "each, incl. start-up)", summary(times)))

    verdict = "met" if statistics.median(html) <= GOAL_HTML_S and statistics.median(cli) <= GOAL_HTML_S else "MISSED"
    lines = ["# `slr figures` benchmark", "",
             f"Run: `.venv/bin/python benchmarks/figures/bench_figures.py --repeat {args.repeat}` on "
             f"{time.strftime('%Y-%m-%d %H:%M %Z')}. Goal: all figures as HTML in <= {GOAL_HTML_S:.0f} s: **{verdict}**.",
             "", "## Machine", ""]
    lines += [f"- {k}: {v}" for k, v in machine().items()]
    lines += ["", "## Timings (median of runs)", "", "| what | time |", "|---|---|"]
    lines += [f"| {what} | {value} |" for what, value in rows]
    lines += ["", "The CLI row includes Python start-up, imports (plotly, SQLAlchemy) and writing the 4.8 MB "
              "plotly.min.js; the static rows include starting headless Chromium once per export call.", ""]
    (HERE / "RESULTS.md").write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
