"""The run journal: every finished run record, written to a file in the cache before the database
insert, so a run whose insert fails (a read-only or unreachable database) is not lost:
`slr runs import` replays the journal into a database, each run once (by its uid)."""
from __future__ import annotations

import json
import os
from pathlib import Path


def path() -> Path:
    from replication.paths import cache_dir

    folder = cache_dir() / "journal"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / "runs.jsonl"


def append(uid: str, record) -> Path:
    """One line per finished run, flushed to disk before the caller touches the database."""
    target = path()
    line = json.dumps({"uid": uid, "record": record.model_dump(mode="json")}, ensure_ascii=False)
    with target.open("a", encoding="utf-8") as handle:
        handle.write(line + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    return target


def replay(engine, source: Path | None = None) -> dict[str, int]:
    """Store the journal's runs that the database lacks (or holds only as running/interrupted)."""
    from sqlalchemy import select

    from replication.record import RunRecord
    from slr import db, schema
    from slr.errors import SlrError

    source = Path(source) if source else path()
    if not source.is_file():
        return {"stored": 0, "updated": 0, "already": 0}
    run = schema.Run.__table__
    counts = {"stored": 0, "updated": 0, "already": 0}
    for number, line in enumerate(source.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
            record = RunRecord.model_validate(entry["record"])
            uid = str(entry["uid"])
        except (ValueError, KeyError, TypeError) as exc:
            raise SlrError(f"{source}:{number}: not a journal entry ({type(exc).__name__}); "
                           "nothing after it was read") from None
        with engine.connect() as conn:
            found = conn.execute(select(run.c.id, run.c.status).where(run.c.uid == uid)).first()
        if found is None:
            db.record_run(engine, record, uid)
            counts["stored"] += 1
        elif found.status in ("running", "interrupted"):
            db.finish_run(engine, found.id, record)
            counts["updated"] += 1
        else:
            counts["already"] += 1
    return counts
