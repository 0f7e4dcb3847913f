"""Figure 9: for every study with runs, the reported PEFT-vs-FMFT difference beside the replicated one."""
from __future__ import annotations

from sqlalchemy.engine import Engine

from slr.figures import style
from slr.figures.registry import register


@register("reported_vs_replicated", "Reported vs replicated PEFT − full fine-tuning")
def reported_vs_replicated(engine: Engine):
    import plotly.graph_objects as go

    from slr.comparison import compare

    rows = [r for r in compare(engine) if r["replicated_delta"] is not None]
    labels = [f"{r['study']} {r['experiment']}<br>{r['method']} ({r['profile']})" for r in rows]
    fig = go.Figure()
    fig.add_trace(go.Bar(
        y=labels, x=[r["reported_delta"] for r in rows], orientation="h", name="reported by the study",
        marker_color=style.OKABE_ITO["blue"],
        hovertext=[f"{r['study']}: reported {r['reported_metric'] or r['metric']} difference"
                   + (f" [{r['reported_tier']}]" if r["reported_delta"] is not None else " not reported") for r in rows],
        hoverinfo="text+x"))
    fig.add_trace(go.Bar(
        y=labels, x=[r["replicated_delta"] for r in rows], orientation="h", name="replicated here",
        marker_color=style.OKABE_ITO["orange"],
        hovertext=[f"{r['study']} run {_ids(r, 'run_id')} vs FMFT run {_ids(r, 'baseline_run_id')}: {r['metric']} "
                   f"[{r['replicated_tier']}]<br>{r['verdict']}" for r in rows],
        hoverinfo="text+x"))
    studies = sorted({r["study"] for r in rows}, key=lambda s: int(s[1:]))
    missing = sum(1 for r in rows if r["reported_delta"] is None)
    subtitle = (f"{len(rows)} PEFT runs with a full fine-tuning run of the same setting, from {len(studies)} "
                f"{'study' if len(studies) == 1 else 'studies'} ({', '.join(studies) or 'none yet: run slr replicate'}); "
                "every bar names its profile. "
                f"{missing} have no reported number to compare with.")
    style.apply(fig, "Reported vs replicated: PEFT minus full fine-tuning", subtitle,
                height=max(360, 60 + 44 * len(rows)), barmode="group",
                xaxis_title="metric difference (PEFT − FMFT), in the metric's own units",
                yaxis={"autorange": "reversed", "title": {"text": "study, experiment, method (profile)"}})
    if not rows:
        fig.add_annotation(text="No replication runs recorded yet: `slr replicate P30 --profile mini`",
                           showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
    return fig


def _ids(row: dict, key: str) -> str:
    """The run id(s) of a comparison row: `run_id` (one seed) or `run_ids` (the seeds averaged)."""
    if row.get(key) is not None:
        return str(row[key])
    return ", ".join(str(i) for i in row.get(key + "s") or []) or "-"
