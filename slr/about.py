"""What `slr --version` reports: enough to say exactly which tool, data and schema gave an answer."""
from __future__ import annotations

import os
from pathlib import Path

DISTRIBUTION = "slr-peft-code"


def package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:    # running from a checkout that was never installed
        return "unknown (not installed)"


def review_version(corpus_directory: Path) -> str:
    """The `encodes:` line of review.yaml: which version of the review the corpus encodes."""
    import yaml

    path = corpus_directory / "review.yaml"
    try:
        with path.open("rb") as handle:
            data = yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (OSError, yaml.YAMLError) as exc:
        return f"unknown ({path}: {type(exc).__name__})"
    encodes = data.get("encodes") if isinstance(data, dict) else None
    return str(encodes) if encodes else f"unknown ({path} has no 'encodes')"


def about(corpus_override: str | os.PathLike | None = None) -> dict[str, str]:
    """The four facts, keyed for JSON; `lines()` gives them one per line."""
    from slr.corpus import digest
    from slr.db import corpus_dir
    from slr.migrations import HEAD

    directory = corpus_dir(corpus_override)
    return {
        "version": package_version(),
        "corpus_sha256": digest(directory),
        "schema_revision": HEAD,          # the Alembic head this code builds and upgrades to
        "review": review_version(directory),
    }


def lines(facts: dict[str, str]) -> list[str]:
    return [f"{DISTRIBUTION} {facts['version']}", f"corpus sha256:{facts['corpus_sha256']}",
            f"schema {facts['schema_revision']}", f"review {facts['review']}"]
