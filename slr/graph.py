"""The taxonomy graph filled with the database's studies."""
from __future__ import annotations

from collections import defaultdict

from slr import queries
from slr.fastread import reading


def build(engine):
    from taxonomy import graph

    study_tasks, study_methods = defaultdict(list), defaultdict(list)
    with reading(engine) as q:  # an Engine or the fast path's sqlite3 reader (slr.fastread)
        for sid, task in q.all("SELECT study_task.study_id, study_task.task FROM study_task "
                               "ORDER BY study_task.study_id, study_task.task"):
            study_tasks[sid].append(task)
        for sid, method in q.all("SELECT study_method.study_id, study_method.method FROM study_method "
                                 "ORDER BY study_method.study_id, study_method.method"):
            study_methods[sid].append(method)
        return graph.build(queries.vocabulary(q, "tasks"), queries.vocabulary(q, "methods"),
                           study_tasks, study_methods)


def export(engine, fmt: str) -> str:
    from taxonomy import graph

    return graph.export(build(engine), fmt)


def problems(engine) -> list[str]:
    from taxonomy import graph

    return graph.validate(build(engine))
