"""The review's figures, each one function from the database to a plotly Figure.

Counts come from slr.figures.data; hover labels name the studies behind every mark, so a
reader can check any number against `slr show ID`.
"""
from __future__ import annotations

from sqlalchemy.engine import Engine

from slr.figures import data, style
from slr.figures.registry import register


def _go():
    import plotly.graph_objects as go  # lazy: only figure building pays for plotly's import

    return go


# --------------------------------------------------------------------------- 1 heatmap

@register("method_task_heatmap", "PEFT methods × SE tasks")
def method_task_heatmap(engine: Engine):
    from plotly.subplots import make_subplots

    go = _go()
    methods = data.methods(engine)
    cells = data.method_task_cells(engine)
    tasks = [t for t in data.tasks(engine) if any((m.name, t.name) in cells for m in methods)]
    groups = [(c, [t for t in tasks if t.category == c]) for c in data.CATEGORY_ORDER]
    groups = [(c, ts) for c, ts in groups if ts]
    fig = make_subplots(rows=1, cols=max(len(groups), 1), shared_yaxes=True, horizontal_spacing=0.015,
                        column_widths=[len(ts) for _, ts in groups] or None,
                        subplot_titles=[f"{c.capitalize()} tasks" for c, _ in groups])
    y = [f"{m.name}" for m in methods]
    for col, (category, group) in enumerate(groups, start=1):
        z, text = [], []
        for m in methods:
            ids_row = [cells.get((m.name, t.name), []) for t in group]
            z.append([len(ids) or None for ids in ids_row])   # None: an empty cell stays white
            text.append([f"<b>{m.name}</b> ({m.family}) × <b>{t.name}</b> ({t.abbreviation})<br>"
                         f"{style.plural(len(ids), 'study')}: {style.ids_text(ids)}"
                         for t, ids in zip(group, ids_row)])
        fig.add_trace(go.Heatmap(
            z=z, x=[t.abbreviation for t in group], y=y, text=text, hovertemplate="%{text}<extra></extra>",
            texttemplate="%{z}", coloraxis="coloraxis", xgap=2, ygap=2, name=category), row=1, col=col)
    fig.update_yaxes(autorange="reversed", title_text="PEFT method (grouped by family)", col=1)
    fig.update_xaxes(title_text="SE task", tickangle=-45)
    fig.update_layout(coloraxis={"colorscale": style.SEQUENTIAL, "cmin": 1,
                                 "colorbar": {"title": {"text": "studies"}, "thickness": 14}})
    total = sum(len(ids) for ids in cells.values())
    return style.apply(fig, "PEFT methods × SE tasks (number of studies)",
                       f"{len(methods)} PEFT methods, {len(tasks)} tasks; {total} study–method–task combinations. "
                       "A study counts in every cell of its methods × its tasks; full fine-tuning (baseline) left out.",
                       height=max(520, 150 + 28 * len(methods)))


# --------------------------------------------------------------------------- 2 tasks per year

def _year_range(engine: Engine) -> list[int]:
    """2022-2025 as the review plots them, widened if the corpus holds other years."""
    years = {s["year"] for s in data.studies(engine)}
    return list(range(min(years | {2022}), max(years | {2025}) + 1))


@register("tasks_per_year", "SE tasks per year")
def tasks_per_year(engine: Engine):
    go = _go()
    tasks = data.tasks(engine)
    cells = data.task_year_cells(engine)
    years = _year_range(engine)
    per_year = {y: sum(1 for s in data.studies(engine) if s["year"] == y) for y in years}
    labels = {t.name: f"{t.name} ({t.abbreviation})" for t in tasks}
    peak = max((len(v) for v in cells.values()), default=1)
    fig = go.Figure()
    for category in data.CATEGORY_ORDER:
        xs, ys, sizes, texts, hovers = [], [], [], [], []
        for t in (t for t in tasks if t.category == category):
            for year in years:
                ids = cells.get((t.name, year), [])
                if ids:
                    xs.append(year), ys.append(labels[t.name]), sizes.append(len(ids)), texts.append(str(len(ids)))
                    hovers.append(f"<b>{t.name}</b>, {year}<br>{style.plural(len(ids), 'study')}: "
                                  f"{style.ids_text(ids)}")
        if xs:
            fig.add_trace(go.Scatter(
                x=xs, y=ys, mode="markers+text", name=category, text=texts, textposition="middle center",
                textfont={"color": "white", "size": 11}, hovertext=hovers, hovertemplate="%{hovertext}<extra></extra>",
                marker={"size": [14 + 18 * (s / peak) ** 0.5 for s in sizes], "color": style.colour(
                    style.CATEGORY_COLOURS, category), "line": {"width": 0}}))
    fig.update_xaxes(title_text="Publication year (studies that year)", tickmode="array", tickvals=years,
                     ticktext=[f"{y}<br>n={per_year[y]}" for y in years], range=[years[0] - 0.5, years[-1] + 0.5])
    fig.update_yaxes(title_text="SE task", categoryorder="array",
                     categoryarray=[labels[t.name] for t in reversed(tasks)])
    return style.apply(fig, f"SE tasks per year, {years[0]}–{years[-1]}",
                       "Number of studies addressing each task by publication year; a study with several "
                       "tasks counts once per task.", height=max(520, 170 + 36 * len(tasks)),
                       legend={"title": {"text": "task category"}, "orientation": "h", "y": 1.02, "x": 1,
                               "xanchor": "right", "yanchor": "bottom"})


# --------------------------------------------------------------------------- 3 venues

@register("studies_per_venue", "Studies per venue")
def studies_per_venue(engine: Engine):
    go = _go()
    rows = data.studies(engine)
    years = sorted({r["year"] for r in rows})
    totals: dict[str, int] = {}
    for r in rows:
        totals[r["venue"]] = totals.get(r["venue"], 0) + 1
    venues = sorted(totals, key=lambda v: (-totals[v], v.lower()))
    fig = go.Figure()
    for i, year in enumerate(years):
        xs, hovers = [], []
        for venue in venues:
            hits = [r for r in rows if r["venue"] == venue and r["year"] == year]
            xs.append(len(hits) or None)
            hovers.append(f"<b>{style.text(venue)}</b> (review's label), {year}<br>" + "<br>".join(
                r["id"] + (f" — true venue: {style.text(r['true_venue'])}" if _differs(r) else "") for r in hits))
        fig.add_trace(go.Bar(x=xs, y=[style.text(v) for v in venues], orientation="h", name=str(year), hovertext=hovers,
                             hovertemplate="%{hovertext}<extra></extra>",
                             marker_color=style.YEAR_SEQUENCE[i % len(style.YEAR_SEQUENCE)]))
    fig.add_trace(go.Scatter(x=[totals[v] for v in venues], y=[style.text(v) for v in venues], mode="text", text=[f"  {totals[v]}" for v in venues],
                             textposition="middle right", showlegend=False, hoverinfo="skip"))
    differ = sum(1 for r in rows if _differs(r))
    fig.update_layout(barmode="stack", legend={"title": {"text": "year"}, "traceorder": "normal"})
    fig.update_xaxes(title_text="Number of studies", dtick=1, range=[0, max(totals.values(), default=1) + 0.8])
    fig.update_yaxes(title_text="Venue (as the review labels it)", autorange="reversed")
    return style.apply(fig, "Studies per venue (the review's venue labels)",
                       f"{len(rows)} studies. Findings papers count under their main venue, as in the review; "
                       f"{style.plural(differ, 'study')} with a different true venue (hover shows it).",
                       height=max(480, 140 + 26 * len(venues)))


def _differs(row) -> bool:
    return bool(row["true_venue"]) and row["true_venue"].strip() != row["venue"].strip()


# --------------------------------------------------------------------------- 4 architectures

@register("architectures_by_task", "Architectures by task category")
def architectures_by_task(engine: Engine):
    go = _go()
    cells = data.architecture_task_cells(engine)
    tasks = [t for t in data.tasks(engine) if any(task == t.name for _, task in cells)]
    present = {arch for arch, _ in cells}
    archs = [a for a in data.ARCHITECTURE_ORDER if a in present] + sorted(present - set(data.ARCHITECTURE_ORDER))
    x = [[t.category for t in tasks], [t.abbreviation for t in tasks]]   # two-level axis: category, task
    fig = go.Figure()
    for arch in archs:
        ids = [cells.get((arch, t.name), []) for t in tasks]
        fig.add_trace(go.Bar(
            x=x, y=[len(i) for i in ids], name=arch, marker_color=style.colour(style.ARCHITECTURE_COLOURS, arch),
            hovertext=[f"<b>{t.name}</b> ({t.category}), {arch}<br>{style.plural(len(i), 'study')}: "
                       f"{style.ids_text(i)}" for t, i in zip(tasks, ids)],
            hovertemplate="%{hovertext}<extra></extra>"))
    fig.update_layout(barmode="group", bargap=0.25,
                      legend={"title": {"text": "architecture"}, "orientation": "h", "y": 1.02, "x": 1,
                              "xanchor": "right", "yanchor": "bottom"})
    fig.update_xaxes(title_text="Task category / SE task")
    fig.update_yaxes(title_text="Number of studies", dtick=2)
    return style.apply(fig, "Model architectures by task category",
                       "Studies that tuned at least one model of each architecture, per task; the corpus does not "
                       "tie models to tasks, so a study counts for each of its tasks.")


# --------------------------------------------------------------------------- 5 families and methods

@register("peft_families", "PEFT families and methods")
def peft_families(engine: Engine):
    go = _go()
    methods = data.methods(engine)
    families = [f for f in data.FAMILY_ORDER if any(m.family == f for m in methods)]
    ids, labels, parents, values, colours, hovers = [], [], [], [], [], []
    for family in families:
        members = [m for m in methods if m.family == family]
        studies = sorted({s for m in members for s in m.studies}, key=lambda s: int(s[1:]))
        ids.append(family), labels.append(family), parents.append("")
        values.append(sum(len(m.studies) for m in members))
        colours.append(style.colour(style.FAMILY_COLOURS, family))
        hovers.append(f"<b>{family}</b>: {style.plural(len(members), 'method')}, "
                      f"{style.plural(len(studies), 'study')}<br>{style.ids_text(studies)}")
        for m in members:
            ids.append(f"{family}/{m.name}"), labels.append(m.name), parents.append(family)
            values.append(len(m.studies)), colours.append(style.colour(style.FAMILY_COLOURS, family))
            hovers.append(f"<b>{m.name}</b> ({family})<br>{style.plural(len(m.studies), 'study')}: "
                          f"{style.ids_text(m.studies)}")
    fig = go.Figure(go.Sunburst(
        ids=ids, labels=labels, parents=parents, values=values, branchvalues="total", hovertext=hovers,
        hovertemplate="%{hovertext}<extra></extra>", marker={"colors": colours, "line": {"color": "white", "width": 1.5}},
        insidetextorientation="radial", sort=False))
    pairs = sum(len(m.studies) for m in methods)
    return style.apply(fig, "PEFT families and methods",
                       f"{len(methods)} methods in {len(families)} families; segment size = studies using the "
                       f"method ({pairs} study–method pairs). Full fine-tuning (baseline) left out.",
                       height=680, margin={"t": 100, "l": 20, "r": 20, "b": 20})


# --------------------------------------------------------------------------- 6 taxonomy

@register("taxonomy", "The taxonomy: category → task → studies")
def taxonomy(engine: Engine):
    go = _go()
    titles = {s["id"]: s["title"] for s in data.studies(engine)}
    everything = data.tasks(engine, used_only=False)
    tasks = [t for t in everything if t.studies]
    root = "SE tasks"
    ids, labels, parents, values, colours, hovers = [root], [root], [""], [], ["white"], []
    for category in data.CATEGORY_ORDER:
        members = [t for t in tasks if t.category == category]
        if not members:
            continue
        studies = sorted({s for t in members for s in t.studies}, key=lambda s: int(s[1:]))
        ids.append(category), labels.append(category), parents.append(root)
        colours.append(style.colour(style.CATEGORY_COLOURS, category))
        hovers.append(f"<b>{category}</b>: {style.plural(len(members), 'task')}, "
                      f"{style.plural(len(studies), 'study')}<br>{style.ids_text(studies)}")
        for t in members:
            tid = f"{category}/{t.abbreviation}"
            ids.append(tid), labels.append(f"{t.abbreviation}<br>{t.name}"), parents.append(category)
            colours.append(style.colour(style.CATEGORY_COLOURS, category))
            hovers.append(f"<b>{t.name}</b> ({t.abbreviation}, {category})<br>"
                          f"{style.plural(len(t.studies), 'study')}: {style.ids_text(t.studies)}")
            for sid in t.studies:
                ids.append(f"{tid}/{sid}"), labels.append(sid), parents.append(tid), colours.append(
                    style.colour(style.CATEGORY_COLOURS, category))
                hovers.append(f"<b>{sid}</b>: {style.text(titles.get(sid, ''))}<br>{t.name}")
    # Leaves weigh 1 each and branches sum them: a task's area is its number of studies.
    weight = {i: 1 for i in ids if i.count("/") == 2}
    for i in reversed(ids):
        if i not in weight:
            weight[i] = sum(weight[c] for c, p in zip(ids, parents) if p == i)
    values = [weight[i] for i in ids]
    hovers.insert(0, f"<b>{root}</b>: {style.plural(len(tasks), 'task')} with studies")
    fig = go.Figure(go.Treemap(
        ids=ids, labels=labels, parents=parents, values=values, branchvalues="total", hovertext=hovers,
        hovertemplate="%{hovertext}<extra></extra>", marker={"colors": colours, "line": {"color": "white", "width": 1}},
        textfont={"color": [_ink(c) for c in colours]}, pathbar={"visible": True}, sort=True, tiling={"pad": 2}))
    unused = [t.abbreviation for t in everything if not t.studies]
    note = f"; tasks in the vocabulary without a study: {', '.join(unused)}" if unused else ""
    return style.apply(fig, "Taxonomy: task category → SE task → studies",
                       f"{len(tasks)} tasks; area = number of studies; a study with several tasks appears "
                       f"under each{note}. Click a box to zoom.", height=720,
                       margin={"t": 100, "l": 10, "r": 10, "b": 10})


# --------------------------------------------------------------------------- 7 selection flow

@register("selection_flow", "Paper selection flow")
def selection_flow(engine: Engine):
    go = _go()
    body = data.review_figure(engine, "selection_flow") or {}
    stages = body.get("stages") or []
    known = [s for s in stages if isinstance(s.get("count"), int)]
    labels = [_wrap(str(s.get("stage", "?"))) for s in stages]
    # A stage whose count the review does not report stays in the flow (its place matters) but
    # gets no bar and says so, rather than an invented number.
    fig = go.Figure(go.Funnel(
        y=labels, x=[s["count"] if isinstance(s.get("count"), int) else None for s in stages],
        text=[f"{s['count']:,}" if isinstance(s.get("count"), int) else "count not reported" for s in stages],
        textinfo="text", textposition="outside", hovertext=[f"{s.get('stage')}: {s.get('count')}" for s in stages],
        hovertemplate="%{hovertext}<extra></extra>", connector={"fillcolor": "#dde8f2"},
        marker={"color": [style.OKABE_ITO["blue"] if s in known else style.OKABE_ITO["grey"] for s in stages]}))
    n_corpus = len(data.studies(engine))
    source = (f"From the review figure 'selection_flow', version {body.get('version', '?')}" if body
              else "corpus/review.yaml has no 'selection_flow' figure")
    for s, label in zip(stages, labels):
        if s not in known:
            fig.add_annotation(x=0.5, xref="paper", y=label, yref="y", showarrow=False,
                               text="count not reported in the review's text", font={"color": "#555", "size": 13},
                               bgcolor="#f2f2f2", bordercolor=style.OKABE_ITO["grey"], borderpad=6)
    fig.update_yaxes(title_text="Selection stage")
    fig.update_xaxes(title_text="Number of papers (bar length)")
    return style.apply(fig, "Paper selection flow (PRISMA-style)",
                       f"{source}; this knowledge base holds {style.plural(n_corpus, 'study')}.",
                       height=max(420, 180 + 90 * len(stages)), margin={"t": 100, "l": 330, "r": 40, "b": 60})


def _ink(background: str) -> str:
    """Black on light fills (orange, sky, white), white on dark ones: readable labels either way."""
    light = {"white", style.OKABE_ITO["orange"], style.OKABE_ITO["sky"], style.OKABE_ITO["yellow"]}
    return "#222" if background in light else "white"


def _wrap(text: str, width: int = 38) -> str:
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "<br>".join(lines + ([line] if line else []))


# --------------------------------------------------------------------------- 8 model size

@register("model_size_by_method", "Base-model size by PEFT method")
def model_size_by_method(engine: Engine):
    go = _go()
    points, unknown, total = data.model_sizes(engine)
    order = [m.name for m in data.methods(engine) if any(p.method == m.name for p in points)]
    row = {name: i for i, name in enumerate(order)}
    archs = [a for a in data.ARCHITECTURE_ORDER if any(p.architecture == a for p in points)]
    fig = go.Figure()
    for k, arch in enumerate(archs):
        mine = [p for p in points if p.architecture == arch]
        # Spread the dots of one method row by architecture and by position, so equal sizes
        # (many 7B models) do not hide each other.
        offsets = [(k - (len(archs) - 1) / 2) * 0.22 + ((j % 5) - 2) * 0.05 for j in range(len(mine))]
        fig.add_trace(go.Scatter(
            x=[p.params for p in mine], y=[row[p.method] + o for p, o in zip(mine, offsets)], mode="markers",
            name=arch, showlegend=True, marker={"size": 10, "color": style.colour(style.ARCHITECTURE_COLOURS, arch),
                               "line": {"width": 1, "color": "white"}, "opacity": 0.9},
            hovertext=[f"<b>{p.study}</b> · {style.text(p.model)}<br>{_size(p.params)} parameters, {arch}<br>"
                       f"method: {p.method}"
                       for p in mine], hovertemplate="%{hovertext}<extra></extra>"))
    import math

    sizes = [p.params for p in points] or [1e9]
    span = [math.log10(min(sizes)) - 0.15, math.log10(max(sizes)) + 0.15]   # log axis: range in log10
    fig.update_xaxes(type="log", title_text="Base-model parameters (log scale)", range=span,
                     tickvals=[1e8, 3e8, 1e9, 3e9, 1e10, 3e10, 1e11], ticktext=["100M", "300M", "1B", "3B", "10B", "30B", "100B"])
    fig.update_yaxes(title_text="PEFT method", tickvals=list(range(len(order))), ticktext=order,
                     range=[len(order) - 0.5, -0.5], showgrid=False, zeroline=False)
    models = len({(p.study, p.model) for p in points})
    return style.apply(fig, "Base-model size by PEFT method",
                       f"{len(points)} (study, model, method) points from {models} models of known size; "
                       f"{unknown} of {total} models have no reported size and are left out. A study's models "
                       "are paired with each of its methods.", height=max(480, 160 + 34 * len(order)),
                       legend={"title": {"text": "architecture"}})


def _size(params: int) -> str:
    return f"{params / 1e9:.1f}B" if params >= 1e9 else f"{params / 1e6:.0f}M"
