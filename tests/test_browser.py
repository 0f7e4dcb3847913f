"""The HTML report in a real browser, and the static export through kaleido.

Why choreographer: it is already installed (kaleido 1.x drives Chrome with it), it talks to
Chrome's DevTools protocol over a pipe, so it needs no chromedriver whose version must match
the browser, no Node, no browser download and no network; selenium would add chromedriver
and playwright its own browser builds. It works with Debian's `chromium` as is.

Skips (with the reason) only when no Chrome/Chromium is installed; CI installs `chromium`.
"""
from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import pytest

from slr.figures import FIGURES, static, write_all

CHROME = static.find_chrome()
needs_chrome = pytest.mark.skipif(CHROME is None, reason="no Chrome/Chromium installed "
                                  "(apt-get install chromium, or plotly_get_chrome)")

# Flags beyond choreographer's own (--headless --no-sandbox --disable-gpu --no-first-run
# --disable-component-update --disable-sync and a fresh --user-data-dir): keep the test from
# reaching for the network at all.
EXTRA_FLAGS = ("--disable-quic", "--disable-background-networking")


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    from slr.db import open_current

    folder = tmp_path_factory.mktemp("browser-db")
    return open_current(f"sqlite:///{folder / 'slr.db'}", os.environ.get("SLR_CORPUS"))


@pytest.fixture(scope="module")
def report(engine, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report")
    write_all(engine, out, ["html"])
    return out / "index.html"


async def _inspect(chrome: str, page: Path, timeout: float = 60.0, expression: str | None = None) -> dict:
    """Open the page headless; collect console errors, exceptions and failed loads; report each plot div."""
    return (await _inspect_pages(chrome, [page], timeout, expression))[0]


async def _inspect_pages(chrome: str, pages: list[Path], timeout: float = 60.0, expression: str | None = None,
                         settle: float = 0.5) -> list[dict]:
    """_inspect for several pages in one browser and tab, one after another: a result per page."""
    from choreographer import Browser
    from choreographer.browsers.chromium import Chromium

    class QuietChromium(Chromium):
        def get_cli(self):
            return [*super().get_cli(), *EXTRA_FLAGS]

    errors: list[str] = []

    async def on_console(message):
        params = message["params"]
        if params.get("type") in ("error", "assert"):
            errors.append("console: " + " ".join(str(a.get("value", a.get("description", ""))) for a in params["args"]))

    async def on_exception(message):
        details = message["params"]["exceptionDetails"]
        errors.append("exception: " + details.get("exception", {}).get("description", details.get("text", "")))

    async def on_log(message):
        entry = message["params"]["entry"]
        if entry.get("level") == "error":
            errors.append(f"log ({entry.get('source')}): {entry.get('text')} {entry.get('url', '')}")

    probe = """JSON.stringify(Array.from(document.querySelectorAll('.plotly-graph-div')).map(d =>
        ({id: d.id, svg: !!d.querySelector('.main-svg'), traces: (d.data || []).length})))"""
    results: list[dict] = []
    async with Browser(path=chrome, browser_cls=QuietChromium, headless=True) as browser:
        # Chromium 150+ refuses a size on a new tab ("Target position can only be set for new
        # windows"), so the viewport is set by emulation instead.
        tab = await browser.create_tab("about:blank")
        await tab.send_command("Emulation.setDeviceMetricsOverride",
                               {"width": 1400, "height": 1000, "deviceScaleFactor": 1, "mobile": False})
        tab.subscribe("Runtime.consoleAPICalled", on_console)
        tab.subscribe("Runtime.exceptionThrown", on_exception)
        tab.subscribe("Log.entryAdded", on_log)
        for domain in ("Page", "Runtime", "Log"):
            await tab.send_command(f"{domain}.enable")
        for page in pages:
            errors = []
            loaded = tab.subscribe_once("Page.loadEventFired")
            await tab.send_command("Page.navigate", {"url": page.as_uri()})
            await asyncio.wait_for(loaded, timeout)
            plots: list[dict] = []
            for _ in range(int(timeout * 4)):     # plotly draws after load: poll until every div has its SVG
                reply = await tab.send_command("Runtime.evaluate", {"expression": probe, "returnByValue": True})
                plots = json.loads(reply["result"]["result"]["value"])
                if not plots or all(p["svg"] for p in plots):
                    break
                await asyncio.sleep(0.25)
            await asyncio.sleep(settle)           # late console errors (e.g. from a hover handler) still count
            value = None
            if expression:
                reply = await tab.send_command("Runtime.evaluate", {"expression": expression, "returnByValue": True})
                value = reply["result"]["result"].get("value")
            results.append({"errors": errors, "plots": plots, "value": value})
    return results


@needs_chrome
def test_report_renders_every_figure_without_console_errors(report):
    seen = asyncio.run(_inspect(CHROME, report))
    assert seen["errors"] == []
    ids = {p["id"] for p in seen["plots"]}
    assert ids == {f"fig-{key}" for key in FIGURES}
    assert all(p["svg"] for p in seen["plots"]), [p["id"] for p in seen["plots"] if not p["svg"]]
    assert all(p["traces"] > 0 for p in seen["plots"])


@needs_chrome
def test_single_figure_page_renders(report):
    seen = asyncio.run(_inspect(CHROME, report.parent / "method_task_heatmap.html"))
    assert seen["errors"] == []
    assert [p["svg"] for p in seen["plots"]] == [True]


@needs_chrome
def test_static_export_writes_real_png_svg_pdf(engine, tmp_path):
    figures = {"selection_flow": FIGURES["selection_flow"].build(engine)}
    paths = static.export(figures, tmp_path, ["png", "svg", "pdf"], CHROME, workers=1)
    heads = {p.suffix: p.read_bytes()[:8] for p in paths}
    assert heads[".png"].startswith(b"\x89PNG")
    assert heads[".pdf"].startswith(b"%PDF")
    assert b"<svg" in (tmp_path / "selection_flow.svg").read_bytes()[:400]


HOSTILE = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'


@needs_chrome
def test_a_hostile_corpus_renders_as_text_and_runs_no_script(corpus_copy, tmp_path):
    """Titles, venues, model names and quotes full of markup: shown as written, never run."""
    import re

    from slr.db import open_current

    study = corpus_copy / "studies" / "P30.yaml"
    text = study.read_text()
    text = re.sub(r"^title: .*$", f"title: '{HOSTILE} Delving'", text, count=1, flags=re.M)
    text = re.sub(r"^true_venue: .*$", f"true_venue: '{HOSTILE}'", text, count=1, flags=re.M)
    text = text.replace("  - name: CodeBERT\n", f"  - name: '{HOSTILE}'\n", 1)
    study.write_text(text)
    engine = open_current(f"sqlite:///{tmp_path / 'hostile.db'}", corpus_copy)
    out = tmp_path / "report"
    write_all(engine, out, ["html"])
    page = (out / "index.html").read_text()
    assert HOSTILE not in page and "&lt;img src=x onerror=" in page
    probe = "JSON.stringify([window.__pwned === undefined, document.querySelectorAll('img[src=x]').length])"
    for name in ("index.html", "studies_per_venue.html", "taxonomy.html", "model_size_by_method.html"):
        seen = asyncio.run(_inspect(CHROME, out / name, expression=probe))
        assert json.loads(seen["value"]) == [True, 0], name
        assert seen["errors"] == [], (name, seen["errors"])


def test_the_report_links_only_web_addresses():
    from slr.figures.report import _row

    record = {"id": "P1", "title": "t", "venue": "ASE", "true_venue": None, "year": 2024, "tasks": [],
              "methods": [], "architectures": [], "models": [], "url": "javascript:alert(1)", "doi": None}
    assert "href" not in _row(record)
    assert 'href="https://example.org/p"' in _row({**record, "url": "https://example.org/p"})
