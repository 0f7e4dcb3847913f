"""slr: the PEFT-for-code review as a knowledge base, a taxonomy and a replication launcher.

The Python API (slr.api), loaded on first use so that `import slr` (and the CLI's start-up)
stays cheap: `slr.studies(**filters)`, `slr.facts(study)`, `slr.results()`, `slr.runs(study)`,
`slr.compare(study)`, each a pandas DataFrame, and `slr.connect(db)` for another database.
"""
from __future__ import annotations

__all__ = ["connect", "studies", "facts", "results", "runs", "compare", "Connection"]


def __getattr__(name: str):
    if name in __all__:
        from slr import api

        return getattr(api, name)
    raise AttributeError(f"module 'slr' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
