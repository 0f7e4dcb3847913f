"""The review's vocabularies (tasks, PEFT methods, architectures) as data.

The YAML files in taxonomy/data/ are the single source; the schema validator, the
database build and the CLI's completion all read them through this module.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

DATA_DIR = Path(__file__).parent / "data"
KINDS = ("tasks", "methods", "architectures")
CATEGORIES = ("generative", "non-generative")
FAMILIES = ("additive", "selective", "reparameterized", "hybrid", "baseline")


_SEPARATORS = re.compile(r"[\s_\-]+")


@lru_cache(maxsize=4096)    # a corpus spells the same few hundred names again in every study
def normalise(text: str) -> str:
    """Fold case, punctuation and spacing so 'P-Tuning', 'p tuning' and 'ptuning' differ only as they should."""
    return _SEPARATORS.sub(" ", text.strip().lower())


@dataclass(frozen=True)
class Term:
    kind: str
    name: str
    aliases: tuple[str, ...] = ()
    abbreviation: str | None = None
    category: str | None = None       # tasks only
    family: str | None = None         # methods only
    library: str | None = None        # methods only
    description: str = ""
    in_review: str | None = None      # tasks only

    @property
    def spellings(self) -> tuple[str, ...]:
        extra = (self.abbreviation,) if self.abbreviation else ()
        return (self.name, *extra, *self.aliases)


@dataclass
class Vocabulary:
    kind: str
    terms: list[Term]
    _index: dict[str, Term] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for term in self.terms:
            for spelling in term.spellings:
                key = normalise(spelling)
                other = self._index.get(key)
                if other is not None and other.name != term.name:
                    raise ValueError(
                        f"taxonomy/data/{self.kind}.yaml: '{spelling}' names both "
                        f"'{other.name}' and '{term.name}'"
                    )
                self._index[key] = term

    @property
    def names(self) -> list[str]:
        return [t.name for t in self.terms]

    def resolve(self, text: str) -> Term | None:
        return self._index.get(normalise(text))

    def get(self, name: str) -> Term:
        term = self.resolve(name)
        if term is None:
            raise KeyError(name)
        return term

    def suggest(self, text: str, limit: int = 3) -> list[str]:
        """Canonical names closest to a misspelling, best first."""
        from rapidfuzz import fuzz, process, utils

        choices = {spelling: t.name for t in self.terms for spelling in t.spellings}
        hits = process.extract(text, list(choices), scorer=fuzz.WRatio,
                               processor=utils.default_process, limit=limit * 4)
        names: list[str] = []
        best = hits[0][1] if hits else 0
        for spelling, score, _ in hits:
            name = choices[spelling]
            # Only near-best hits: a clear winner should not drag weak look-alikes along.
            if score >= max(60, best - 8) and name not in names:
                names.append(name)
        return names[:limit]


def _term(kind: str, raw: dict) -> Term:
    return Term(
        kind=kind,
        name=raw["name"],
        aliases=tuple(raw.get("aliases") or ()),
        abbreviation=raw.get("abbreviation"),
        category=raw.get("category"),
        family=raw.get("family"),
        library=raw.get("library"),
        description=raw.get("description", ""),
        in_review=raw.get("in_review"),
    )


def load(kind: str, data_dir: Path = DATA_DIR) -> Vocabulary:
    import yaml

    path = data_dir / f"{kind}.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    vocabulary = Vocabulary(kind, [_term(kind, item) for item in raw])
    for term in vocabulary.terms:
        if kind == "tasks" and term.category not in CATEGORIES:
            raise ValueError(f"{path}: task '{term.name}' has category {term.category!r}, "
                             f"expected one of {CATEGORIES}")
        if kind == "methods" and term.family not in FAMILIES:
            raise ValueError(f"{path}: method '{term.name}' has family {term.family!r}, "
                             f"expected one of {FAMILIES}")
    return vocabulary


@lru_cache(maxsize=None)
def vocabularies() -> dict[str, Vocabulary]:
    return {kind: load(kind) for kind in KINDS}


def tasks() -> Vocabulary:
    return vocabularies()["tasks"]


def methods() -> Vocabulary:
    return vocabularies()["methods"]


def architectures() -> Vocabulary:
    return vocabularies()["architectures"]


def data_files() -> list[Path]:
    return [DATA_DIR / f"{kind}.yaml" for kind in KINDS]
