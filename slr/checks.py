"""`slr check`: the corpus is valid, and the review's own figures agree with the database (or why not)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class CheckReport:
    studies: int = 0
    problems: list = field(default_factory=list)
    figures: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and not any(f["status"] == "mismatch" for f in self.figures)

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "studies": self.studies,
                "problems": [{"file": p.file, "field": p.field, "line": p.line, "message": p.message}
                             for p in self.problems],
                "figures": self.figures}


def run_checks(corpus_directory: Path, db_url: str | None = None) -> CheckReport:
    from slr import corpus as corpus_module
    from slr.db import data_dir

    loaded = corpus_module.load_corpus(corpus_directory, cache_dir=data_dir() / "parse-cache")
    report = CheckReport(studies=len(loaded.studies), problems=list(loaded.problems))
    if report.problems:
        return report
    from slr import claims, db, graph

    engine = db.open_current(db_url, corpus_directory, loaded=loaded)
    for message in graph.problems(engine):
        report.problems.append(corpus_module.Problem("taxonomy/data", "graph", message))
    report.figures = claims.recompute(engine)
    return report
