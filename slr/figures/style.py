"""One look for every figure: the Okabe-Ito palette, fonts, titles with subtitles, hover labels.

Okabe & Ito's eight colours stay distinguishable under the common colour-vision deficiencies,
so a colour in these figures always means the same thing (a category, a family, an
architecture, a year) and never relies on red-green contrast.
"""
from __future__ import annotations

from typing import Any

OKABE_ITO = {
    "black": "#000000", "orange": "#E69F00", "sky": "#56B4E9", "green": "#009E73",
    "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00", "purple": "#CC79A7",
    "grey": "#999999",
}

CATEGORY_COLOURS = {"generative": OKABE_ITO["blue"], "non-generative": OKABE_ITO["orange"]}
ARCHITECTURE_COLOURS = {"encoder-only": OKABE_ITO["green"], "decoder-only": OKABE_ITO["vermillion"],
                        "encoder-decoder": OKABE_ITO["sky"]}
FAMILY_COLOURS = {"additive": OKABE_ITO["blue"], "reparameterized": OKABE_ITO["vermillion"],
                  "selective": OKABE_ITO["green"], "hybrid": OKABE_ITO["purple"], "baseline": OKABE_ITO["grey"]}
# Years in order along a light-to-dark path through the palette, so later reads darker.
YEAR_SEQUENCE = [OKABE_ITO["sky"], OKABE_ITO["green"], OKABE_ITO["orange"], OKABE_ITO["vermillion"],
                 OKABE_ITO["purple"], OKABE_ITO["blue"], OKABE_ITO["yellow"], OKABE_ITO["black"]]
# Counts on heatmaps: white (none) to Okabe-Ito blue; one hue, so it reads in greyscale too.
SEQUENTIAL = [[0.0, "#EAF3FA"], [1.0, OKABE_ITO["blue"]]]

FONT = "Helvetica, Arial, 'Liberation Sans', sans-serif"   # system fonts only: the report is offline
WIDTH, HEIGHT = 1100, 620                                     # static export size (layout pixels)


def colour(mapping: dict[str, str], key: str) -> str:
    return mapping.get(key, OKABE_ITO["grey"])


def apply(fig, title: str, subtitle: str = "", height: int = HEIGHT, **layout: Any):
    """Title, subtitle, fonts and margins every figure shares."""
    base = {
        "template": "plotly_white",
        "title": {"text": f"<b>{title}</b>", "subtitle": {"text": subtitle, "font": {"size": 12, "color": "#444"}},
                  "x": 0.01, "xanchor": "left", "y": 0.98, "yanchor": "top"},
        "font": {"family": FONT, "size": 13, "color": "#222"},
        "hoverlabel": {"font": {"family": FONT, "size": 12}, "align": "left"},
        "margin": {"t": 100, "l": 80, "r": 30, "b": 60},
        "height": height,
        "legend": {"bgcolor": "rgba(255,255,255,0.8)"},
    }
    for key, value in layout.items():   # a figure's own margin/legend refine the shared ones
        base[key] = {**base[key], **value} if isinstance(base.get(key), dict) and isinstance(value, dict) else value
    fig.update_layout(**base)
    return fig


def ids_text(ids, per_line: int = 10) -> str:
    """Study ids for a hover label, wrapped so a long list stays readable."""
    ids = list(ids)
    lines = [", ".join(ids[i:i + per_line]) for i in range(0, len(ids), per_line)]
    return "<br>".join(lines) if lines else "none"


IRREGULAR = {"study": "studies"}


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {IRREGULAR.get(word, word + 's')}"


def text(value) -> str:
    """A corpus string for plotly's hover and label text, which reads a subset of HTML (<b>, <a>,
    <br>): escaped, so a study's title or venue is shown as written and never becomes markup."""
    import html

    return html.escape("" if value is None else str(value), quote=False)
