"""The review's figures, regenerated from the database: `slr figures --out DIR --format html,png,svg,pdf`.

    FIGURES          the registry (slr.figures.registry): key -> FigureSpec(key, title, build)
    build_all()      every registered figure as a plotly Figure
    write_all()      per-figure HTML, index.html, plotly.min.js once, and png/svg/pdf via kaleido

To add a figure, write one function `engine -> plotly Figure` decorated with
`@register("key", "Title")` in a module imported below; nothing else changes.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import Engine

from slr.errors import SlrError
from slr.figures import (
    charts,  # noqa: F401,E402  (registers the figures, in report order)
    replication,  # noqa: F401,E402  (figure 9: reported vs replicated)
)
from slr.figures.registry import FIGURES, FigureSpec, register  # noqa: F401

STATIC_FORMATS = ("png", "svg", "pdf")


@dataclass
class Written:
    files: list[Path] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)


def build_all(engine: Engine, keys: list[str] | None = None) -> dict[str, object]:
    """key -> plotly Figure, in registration order."""
    return {key: spec.build(engine) for key, spec in FIGURES.items() if keys is None or key in keys}


def write_all(engine: Engine, out_dir: Path, formats: list[str]) -> Written:
    """Write the figures in the asked formats. Never raises anything but SlrError (a clean message).

    No Chrome for png/svg/pdf: with html also asked, the HTML is written and a message says how to
    get a browser (exit 0); with only static formats asked, SlrError with that message (exit 1).
    """
    from slr.figures import static

    formats = list(dict.fromkeys(f.lower() for f in formats)) or ["html"]
    wanted_static = [f for f in formats if f in STATIC_FORMATS]
    chrome = static.find_chrome() if wanted_static else None
    if wanted_static and not chrome and "html" not in formats:
        raise SlrError(static.no_chrome_message() + " Nothing was written; `--format html` needs no browser.")
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SlrError(f"--out {out_dir}: cannot create the folder ({exc.strerror or exc})") from None
    figures = build_all(engine)
    written = Written()
    if "html" in formats:
        statics = wanted_static if chrome else []
        written.files += write_html(engine, figures, out_dir, statics)
    if wanted_static and not chrome:
        written.messages.append(f"{static.no_chrome_message()} Skipped {', '.join(wanted_static)}; the HTML was written.")
    elif wanted_static:
        try:
            written.files += static.export(figures, out_dir, wanted_static, chrome)
        except Exception as exc:  # kaleido/Chrome failures: say what and where, never a traceback
            done = f" The HTML report is at {out_dir / 'index.html'}." if "html" in formats else ""
            raise SlrError(f"static export ({', '.join(wanted_static)}) with {chrome} failed: "
                           f"{type(exc).__name__}: {str(exc)[:300]}.{done}") from None
        written.messages.append(f"static export: {len(figures)} figures as {', '.join(wanted_static)} "
                                f"(browser: {chrome})")
    return written


def write_html(engine: Engine, figures: dict[str, object], out_dir: Path, statics: list[str],
               site: bool = False) -> list[Path]:
    """plotly.min.js once, one HTML file per figure, and index.html; all offline (site: see report.page)."""
    from plotly.offline import get_plotlyjs

    from slr.figures import report

    files = [out_dir / report.PLOTLY_JS]
    files[0].write_text(get_plotlyjs(), encoding="utf-8")
    for key, fig in figures.items():
        path = out_dir / f"{key}.html"
        fig.write_html(path, include_plotlyjs=report.PLOTLY_JS, full_html=True, config=report.PLOT_CONFIG,
                       div_id=f"fig-{key}")
        files.append(path)
    entries = [(key, FIGURES[key].title, fig) for key, fig in figures.items()]
    extra = {key: [f"{key}.html", *(f"{key}.{fmt}" for fmt in statics)] for key in figures}
    index = out_dir / "index.html"
    index.write_text(report.page(engine, entries, extra, site=site), encoding="utf-8")
    files.append(index)
    return files
