"""`slr data list` and `slr data export`: the replication datasets as rows anyone can read.

Exported rows (one JSON object a line) use the names of the data issue, whatever the dataset's
internal keys:

    input    generation: the model's input text; classification: the text, or for a pair task
             (code search, clones) an object {"text": ..., "text_pair": ...}
    target   generation: the reference output; classification: the label (an int)
    source   the file (relative to the mined standard library) or released file the example comes
             from; for a pair drawn from two files, both joined by " + "

The logic lives here; slr/cli.py only registers the sub-app.
"""
from __future__ import annotations

import json
from enum import Enum
from typing import Optional

import typer

from slr.errors import UsageError

DEFAULT_TRAIN, DEFAULT_EVAL = 1600, 400        # the mini profile's classification sizes


class ExportFormat(str, Enum):
    jsonl = "jsonl"


def export_row(row: dict, head: str) -> dict:
    if head == "generation":
        value, target = row["source"], row["target"]
    else:
        value = {"text": row["text"], "text_pair": row["text_pair"]} if "text_pair" in row else row["text"]
        target = row["label"]
    origins = [o for o in (row.get("origin"), row.get("origin_pair")) if o]
    source = " + ".join(dict.fromkeys(origins)) if origins else ""
    return {"input": value, "target": target, "source": source}


def _load(name: str, train: int, eval_: int, data_dir: Optional[str]):
    from replication import data
    from replication.errors import ReplicationError

    if name not in data.DATASETS:
        import difflib

        close = difflib.get_close_matches(name, list(data.DATASETS), n=1)
        hint = f" Did you mean '{close[0]}'?" if close else f" Known: {', '.join(data.DATASETS)}"
        raise UsageError(f"unknown dataset '{name}'.{hint}")
    try:
        return data.load(name, train, eval_, data_dir)
    except ReplicationError as exc:
        raise UsageError(str(exc)) from None


def list_rows(train: int = DEFAULT_TRAIN, eval_: int = DEFAULT_EVAL, data_dir: Optional[str] = None) -> list[dict]:
    """One row per dataset: name, kind, head, origin and the size of each split at (train, eval);
    datasets that need a --data-dir not given (or missing files) say so instead of sizes."""
    from replication import data

    out = []
    for name, source in data.DATASETS.items():
        row = {"name": name, "kind": source.kind, "head": source.head, "origin": source.origin}
        missing = data.missing_files(name, data_dir)
        if missing:
            row.update({"train": None, "validation": None, "test": None, "needs": ", ".join(missing)})
        else:
            loaded = data.load(name, train, eval_, data_dir)
            row.update({s: len(loaded.split(s)) for s in data.SPLITS})
        out.append(row)
    return out


app = typer.Typer(help="The replication datasets: list them, export their splits.", no_args_is_help=True)


@app.command("list")
def list_command(
    train_size: int = typer.Option(DEFAULT_TRAIN, "--train-size", min=1, help="Training examples asked for."),
    eval_size: int = typer.Option(DEFAULT_EVAL, "--eval-size", min=1, help="Validation and test examples asked for."),
    data_dir: Optional[str] = typer.Option(None, "--data-dir", help="Where the studies' released datasets are."),
    fmt: str = typer.Option("table", "--format", help="table | json"),
) -> None:
    """Every dataset: name, kind (real / derived), head, origin and its split sizes."""
    if fmt not in ("table", "json"):
        raise UsageError(f"--format: '{fmt}' is not one of table, json")
    rows = list_rows(train_size, eval_size, data_dir)
    if fmt == "json":
        typer.echo(json.dumps(rows, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("Name", "Kind", "Head", "Train", "Valid.", "Test", "Origin")
    for r in rows:
        sizes = [str(r[s]) for s in ("train", "validation", "test")] if r["train"] is not None else ["-"] * 3
        table.add_row(r["name"], r["kind"], r["head"], *sizes, r["origin"])
    Console(width=200).print(table)
    typer.echo(f"sizes asked: {train_size} train, {eval_size} validation and test; '-': needs --data-dir "
               f"(see --format json for the files)")


@app.command("export")
def export_command(
    name: str = typer.Argument(..., help="Dataset name (see `slr data list`)."),
    split: str = typer.Option("test", "--split", help="train | validation | test"),
    fmt: ExportFormat = typer.Option(ExportFormat.jsonl, "--format", help="jsonl: one JSON object a line."),
    size: Optional[int] = typer.Option(None, "--size", min=1,
                                       help="Examples of the split asked for (default: the list's sizes)."),
    data_dir: Optional[str] = typer.Option(None, "--data-dir", help="Where the studies' released datasets are."),
) -> None:
    """Write one split as rows of input, target and source (see the module docstring)."""
    from replication import data

    if split not in data.SPLITS:
        raise UsageError(f"--split: '{split}' is not one of {', '.join(data.SPLITS)}")
    # the other splits keep the list's sizes: held-out examples repeating a training input are dropped,
    # so a split's rows are those a run at these sizes sees
    train = size if size and split == "train" else DEFAULT_TRAIN
    eval_ = size if size and split != "train" else DEFAULT_EVAL
    loaded = _load(name, train, eval_, data_dir)
    for row in loaded.split(split):
        typer.echo(json.dumps(export_row(row, loaded.head), ensure_ascii=False))
