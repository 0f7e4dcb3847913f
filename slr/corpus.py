"""Corpus files: the pydantic models that validate them and the loader that reports problems.

A study file is YAML read with a safe loader. Every problem becomes a `Problem` naming
the file, the field and, where the parser knows it, the line; nothing here raises on bad
input, so `slr check` can list everything wrong at once.
"""
from __future__ import annotations

import functools
import hashlib
import os
import re
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

import taxonomy
from slr import collector

STUDY_ID = re.compile(r"^P\d{1,6}$")
UNKNOWN = "unknown"
# A stored address is http(s) or a DOI; anything else with a scheme (javascript:, data:, file:)
# could run or leak when the shared report turns it into a link. A plain description has no scheme.
WEB_URL = re.compile(r"^https?://[^\s<>\"']+$")
DOI = re.compile(r"^(doi:)?10\.\d{4,9}/\S+$", re.I)
SCHEME = re.compile(r"^\s*[A-Za-z][A-Za-z0-9+.-]*:")
SAFE_SCHEMES = ("http:", "https:", "doi:", "arxiv:")


def safe_url(value: str | None) -> str | None:
    """A field that holds an address: http(s) or DOI only."""
    if value is None or WEB_URL.match(value) or DOI.match(value):
        return value
    raise ValueError(f"'{value[:60]}' is not an http(s) or DOI address")


def safe_sources(value: dict[str, str]) -> dict[str, str]:
    for key, address in value.items():
        try:
            safe_source(str(address))
        except ValueError as exc:
            raise ValueError(f"sources.{key}: {exc}") from None
    return value


def safe_source(value: str) -> str:
    """A source: an http(s)/DOI/arXiv address, a key of `sources`, or a plain description."""
    if ":" not in value:      # a key or a description: neither check below can apply (both need a ':')
        return value
    if SCHEME.match(value) and not value.strip().lower().startswith(SAFE_SCHEMES):
        raise ValueError(f"'{value[:60]}': only http(s), DOI and arXiv addresses (or a plain description) are "
                         "accepted")
    if value.strip().lower().startswith(("http:", "https:")) and not WEB_URL.match(value.strip()):
        raise ValueError(f"'{value[:60]}' is not a well-formed http(s) address")
    return value


# --------------------------------------------------------------------------- models

class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Evidence(Strict):
    # YAML turns a bare `Table 3` into a string but `3` into an int; both are locators. Coercing in
    # pydantic's core (not a Python validator) matters: evidence is most of a corpus's objects.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, coerce_numbers_to_str=True)

    # (an AfterValidator calls safe_source directly: one Python call per evidence item, of which a
    # large corpus has hundreds of thousands)
    source: Annotated[str, Field(min_length=1), AfterValidator(safe_source)]
    locator: str | None = None
    quote: str | None = None           # verbatim text of the source (" ... " may join verbatim pieces)
    paraphrase: str | None = None      # our words for what the source says, where no quote is verbatim


class Fact(Strict):
    evidence: list[Evidence] = Field(min_length=1)


class TaskFact(Fact):
    name: str
    as_named: str | None = None
    note: str | None = None


class MethodFact(Fact):
    name: str
    as_named: str | None = None
    note: str | None = None


class MaybeUnknownFact(Strict):
    """A fact that may be recorded as unknown; only a known value needs evidence."""
    evidence: list[Evidence] = Field(default_factory=list)

    def _is_unknown(self) -> bool:
        raise NotImplementedError

    @model_validator(mode="after")
    def _evidence_unless_unknown(self):
        if not self.evidence and not self._is_unknown():
            raise ValueError("evidence: a known fact needs at least one evidence item (or say unknown)")
        return self


class BoolFact(MaybeUnknownFact):
    value: bool | Literal["unknown"]
    note: str | None = None

    def _is_unknown(self) -> bool:
        return self.value == UNKNOWN


class TextFact(Fact):
    text: str = Field(min_length=1)


class ModelFact(Fact):
    name: str = Field(min_length=1)
    hf_id: str | None = None
    architecture: str
    params: int | Literal["unknown"] | None = None
    note: str | None = None


class NamedFact(Fact):
    name: str = Field(min_length=1)
    note: str | None = None


class ArtifactFact(MaybeUnknownFact):
    url: str | None = None
    available: bool | Literal["unknown"] = UNKNOWN
    note: str | None = None

    _url = field_validator("url")(classmethod(lambda cls, v: safe_url(v)))

    def _is_unknown(self) -> bool:
        return self.available == UNKNOWN and not self.url


# How far a reported number can be trusted, best first; a run is "replicated-here (<profile>)".
Tier = Literal["paper-table", "paper-text", "artifact-file", "secondary"]


class ResultFact(Fact):
    task: str | None = None
    model: str | None = None
    method: str
    dataset: str | None = None
    metric: str = Field(min_length=1)
    value: float
    baseline_value: float | None = None
    higher_is_better: bool | None = None
    tier: Tier
    seeds: str | None = None           # what the source says of repeated runs ("mean of 3 seeds")
    note: str | None = None


class Conflict(Strict):
    field: str
    values: dict[str, Any]
    we_use: str | None = None
    why: str | None = None


# The fields of a study file that are facts with evidence: one each, or a list of them.
SINGLE_FACTS = ("finding", "artifact", "full_finetuning_baseline", "hardware")
LIST_FACTS = ("tasks", "methods", "models", "datasets", "metrics", "results")


class StudyFile(Strict):
    id: str
    title: str = Field(min_length=1)
    authors: list[str] = Field(default_factory=list)
    venue: str = Field(min_length=1)
    true_venue: str | None = None
    year: int = Field(ge=1990, le=2100)
    doi: str | None = None
    arxiv: str | None = None
    url: str | None = None
    sources: dict[str, str] = Field(min_length=1)
    bibliography_evidence: list[Evidence] = Field(default_factory=list)
    summary: str = Field(min_length=1)
    finding: TextFact | None = None
    artifact: ArtifactFact | Literal["unknown"] | None = None
    tasks: list[TaskFact] = Field(min_length=1)
    methods: list[MethodFact] = Field(min_length=1)
    full_finetuning_baseline: BoolFact | Literal["unknown"] | None = None
    models: list[ModelFact] = Field(default_factory=list)
    datasets: list[NamedFact] = Field(default_factory=list)
    metrics: list[NamedFact] = Field(default_factory=list)
    hardware: TextFact | Literal["unknown"] | None = None
    results: list[ResultFact] = Field(default_factory=list)
    conflicts: list[Conflict] = Field(default_factory=list)
    open_questions: list[str] = Field(default_factory=list)

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not STUDY_ID.match(value):
            raise ValueError("must look like P1, P30 ... (the review's own study id: P and a number)")
        return value

    @field_validator("doi", "arxiv", mode="before")
    @classmethod
    def _ids_are_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, (int, float)) else value

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return safe_url(value)

    @field_validator("doi")
    @classmethod
    def _doi(cls, value: str | None) -> str | None:
        if value is not None and not DOI.match(value):
            raise ValueError(f"'{value[:60]}' is not a DOI (10.NNNN/...)")
        return value

    _sources = field_validator("sources")(classmethod(lambda cls, v: safe_sources(v)))

    @model_validator(mode="after")
    def _cross_references(self) -> "StudyFile":
        errors: list[str] = []
        model_names = {m.name for m in self.models}
        for i, result in enumerate(self.results):
            if result.model and model_names and result.model not in model_names:
                errors.append(f"results[{i}].model: '{result.model}' is not one of this file's models "
                              f"({', '.join(sorted(model_names))})")
        if errors:
            raise ValueError("; ".join(errors))
        return self

    def evidence_by_fact(self) -> list[tuple[str, str, list[Evidence]]]:
        """(the fact's path, its evidence list's path, the evidence) for every fact with evidence
        fields: ("bibliography", "bibliography_evidence", ...), ("tasks[0]", "tasks[0].evidence", ...)."""
        found: list[tuple[str, str, list[Evidence]]] = [("bibliography", "bibliography_evidence",
                                                         self.bibliography_evidence)]
        for name in SINGLE_FACTS:
            fact = getattr(self, name)
            if isinstance(fact, (Fact, MaybeUnknownFact)):
                found.append((name, f"{name}.evidence", fact.evidence))
        for name in LIST_FACTS:
            for j, fact in enumerate(getattr(self, name)):
                found.append((f"{name}[{j}]", f"{name}[{j}].evidence", fact.evidence))
        return found

    def evidence_sources(self) -> list[tuple[str, Evidence]]:
        """Every evidence item with its own field path ("tasks[0].evidence[1]")."""
        return [(f"{where}[{i}]", e) for _, where, items in self.evidence_by_fact() for i, e in enumerate(items)]

    def resolve_source(self, source: str) -> str:
        return self.sources.get(source, source)


class ReviewFile(BaseModel):
    """The review's own figures. Loose on purpose: its figures differ in shape."""
    model_config = ConfigDict(extra="allow")
    id: str = "review"
    title: str
    sources: dict[str, str] = Field(default_factory=dict)
    figures: list[dict[str, Any]] = Field(default_factory=list)
    inconsistencies: list[dict[str, Any]] = Field(default_factory=list)

    _sources = field_validator("sources")(classmethod(lambda cls, v: safe_sources(v)))


# --------------------------------------------------------------------------- loading

@dataclass(frozen=True)
class Problem:
    file: str
    field: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


@dataclass(frozen=True)
class FileState:
    """One file as the loader read it: its content hash, the study it holds, and its stat
    (size, mtime_ns, ctime_ns, inode), None when too recent to trust (slr.fastread.trusted_stat)."""
    sha256: str
    study_id: str | None = None
    stat: tuple[int, int, int, int] | None = None


@dataclass
class Corpus:
    directory: Path
    studies: dict[str, StudyFile]
    review: ReviewFile | None
    problems: list[Problem]
    digest: str
    # file key ("studies/P30.yaml", "review.yaml", "vocabulary/tasks.yaml") -> what was read
    files: dict[str, FileState] = field(default_factory=dict)
    # file key -> study id of the files left unparsed because they hash to what the database holds
    # (load_corpus's `known`); their studies are not in `studies`
    unchanged: dict[str, str | None] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def corpus_files(directory: Path) -> list[Path]:
    """studies/*.yaml, then studies/*.yml, each in name order, then review.yaml if present."""
    return [Path(path) for key, path in _entries(directory) if not key.startswith("vocabulary/")]


def _entries(directory: Path) -> list[tuple[str, str]]:
    from slr.fastread import corpus_entries

    return corpus_entries(directory)


def digest(directory: Path) -> str:
    """Content hash of the corpus and the vocabularies: the database is rebuilt when it changes."""
    h = hashlib.sha256()
    for path in corpus_files(directory) + taxonomy.vocabulary.data_files():
        h.update(path.name.encode())
        raw, problems = read_capped(path, path.name)       # never reads a device or a huge file whole
        h.update(raw if raw is not None else str(problems).encode())
    return h.hexdigest()


def _line_of(node: Any, loc: tuple) -> int | None:
    """The 1-based line of a pydantic error location in a composed YAML node tree."""
    import yaml

    if isinstance(node, LazyNodes):
        node = node.node
    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next(((k, v) for k, v in node.value if k.value == part), None)
            if match is None:
                return line
            key, node = match
            line = key.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return line
    return line


def _is_union_member(part: Any) -> bool:
    # pydantic names the union member it tried ("ArtifactFact", "literal['unknown']", "int");
    # the user never wrote those, so they stay out of the field path.
    text = str(part)
    return text[:1].isupper() or "[" in text or text in ("bool", "int", "str", "float", "none")


def _field_path(loc: tuple) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif not _is_union_member(part):
            path += f".{part}" if path else str(part)
    return path


def _clean_loc(loc: tuple) -> tuple:
    return tuple(p for p in loc if isinstance(p, int) or not _is_union_member(p))


# Corpus files are hand-written and a few KB; these bounds keep a hostile file from costing more
# than a clear message: no YAML alias (an alias bomb expands to gigabytes), bounded size and depth.
MAX_FILE_BYTES = 4 * 1024 * 1024
MAX_DEPTH = 64


def read_capped(path: Path, label: str) -> tuple[bytes | None, list[Problem]]:
    """The bytes of a regular file of at most MAX_FILE_BYTES (never a device, a fifo or a folder)."""
    try:
        if not path.is_file():
            return None, [Problem(label, "", "is not a regular file (a device, a folder or a broken link)")]
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        return None, [Problem(label, "", f"cannot read file: {exc.strerror or exc}")]
    if len(raw) > MAX_FILE_BYTES:
        return None, [Problem(label, "", f"is larger than {MAX_FILE_BYTES // 2**20} MiB; a corpus file is a few KB")]
    return raw, []


@functools.cache
def _strict_loader():
    """The C safe loader, refusing duplicate keys in a mapping (PyYAML keeps the last one silently)."""
    import yaml

    class StrictLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
        def construct_mapping(self, node, deep=False):
            first: dict[Any, int] = {}
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=True)
                try:
                    if key in first:
                        raise yaml.constructor.ConstructorError(
                            None, None, f"duplicate key '{key}' (first at line {first[key]})", key_node.start_mark)
                    first[key] = key_node.start_mark.line + 1
                except TypeError:      # an unhashable key: the base constructor reports it
                    pass
            return super().construct_mapping(node, deep)

    return StrictLoader


def _structure_problems(text: str, label: str) -> list[Problem]:
    """Aliases and nesting depth, from the parser's events, before anything is constructed."""
    import yaml

    depth = 0
    for event in yaml.parse(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
        line = event.start_mark.line + 1 if event.start_mark else None
        if isinstance(event, yaml.AliasEvent):
            return [Problem(label, "", f"YAML alias *{event.anchor} is not allowed in corpus files: write the value "
                                       "out (aliases can expand without bound)", line)]
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                return [Problem(label, "", f"nested deeper than {MAX_DEPTH} levels", line)]
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1
    return []


class _Unusual(Exception):
    """The fast reader met something outside the plain subset (a tag, an anchor, a duplicate key,
    a syntax error ...): the full reader then reads the file and words any problem."""


# Plain scalars as resolved and constructed, by their text: keys and short values repeat across
# files, and each resolution tries PyYAML's implicit-tag regexps (the values are all immutable).
_PLAIN: dict[str, Any] = {}
_STR = "tag:yaml.org,2002:str"


def _plain_scalar(value: str) -> Any:
    import yaml

    resolvers = yaml.resolver.Resolver.yaml_implicit_resolvers
    tag = _STR
    for candidate, regexp in resolvers.get(value[0] if value else "", []):
        if regexp.match(value):
            tag = candidate
            break
    if tag == _STR:
        out: Any = value
    elif tag in ("tag:yaml.org,2002:merge", "tag:yaml.org,2002:value"):
        raise _Unusual(tag)
    else:
        constructor = yaml.constructor.SafeConstructor
        out = constructor.yaml_constructors[tag](constructor(), yaml.ScalarNode(tag, value))
    if len(_PLAIN) > 100_000:
        _PLAIN.clear()
    _PLAIN[value] = out
    return out


def fast_load(text: str) -> dict:
    """The mapping that `read_yaml` returns for a plain corpus file, from one pass over libyaml's
    events: what `yaml.load` with the strict loader builds, without composing a node tree or running
    PyYAML's Python constructors (most of a large corpus's build time). Raises _Unusual for anything
    else, and read_yaml then decides; so both give the same data or the same problem (tests/test_fast_yaml.py
    checks this against the strict loader on every shipped file and on YAML's corner cases)."""
    import yaml
    from yaml import events

    try:
        from yaml.cyaml import CParser
    except ImportError:
        raise _Unusual("no libyaml") from None
    scalar, map_start, map_end = events.ScalarEvent, events.MappingStartEvent, events.MappingEndEvent
    seq_start, seq_end = events.SequenceStartEvent, events.SequenceEndEvent
    plain = _PLAIN
    get = CParser(text).get_event
    no_key = _NO_KEY
    try:
        # StreamStart, DocumentStart, then the document's node, DocumentEnd, StreamEnd.
        if type(get()) is not events.StreamStartEvent or type(get()) is not events.DocumentStartEvent:
            raise _Unusual("no document")
        # The open collection, whether it is a mapping, the key read in it and waiting for its
        # value (no_key when none), and the enclosing ones' (container, key, is_map) on a stack.
        root = container = None
        key = no_key
        is_map = False
        stack: list[tuple] = []
        while True:
            event = get()
            kind = type(event)
            if kind is scalar:
                if event.anchor is not None or event.tag is not None:
                    raise _Unusual("tag or anchor")
                value = event.value
                if event.implicit[0]:          # plain: resolved as YAML 1.1 (bool, int, null, date ...)
                    try:
                        value = plain[value]
                    except KeyError:
                        value = _plain_scalar(value)
                if is_map:
                    if key is no_key:
                        if value in container:  # (PyYAML's strict loader words the duplicate)
                            raise _Unusual("duplicate key")
                        key = value
                    else:
                        container[key] = value
                        key = no_key
                elif container is None:
                    raise _Unusual("a scalar document")
                else:
                    container.append(value)
            elif kind is map_start or kind is seq_start:
                if event.anchor is not None or event.tag is not None:
                    raise _Unusual("tag or anchor")
                if len(stack) >= MAX_DEPTH:
                    raise _Unusual("deep")
                new = {} if kind is map_start else []
                if container is None:
                    root = new
                elif is_map:
                    if key is no_key:
                        raise _Unusual("collection as a key")
                    container[key] = new
                    key = no_key
                else:
                    container.append(new)
                stack.append((container, key, is_map))
                container, key, is_map = new, no_key, kind is map_start
            elif kind is map_end or kind is seq_end:
                container, key, is_map = stack.pop()
                if container is None:
                    break
            else:                              # an alias, or a second document
                raise _Unusual(kind.__name__)
        if type(get()) is not events.DocumentEndEvent or type(get()) is not events.StreamEndEvent:
            raise _Unusual("more than one document")
    except yaml.YAMLError as exc:
        raise _Unusual("syntax") from exc
    except TypeError as exc:                  # an unhashable key
        raise _Unusual("key") from exc
    if type(root) is not dict:
        raise _Unusual("not a mapping")
    return root


_NO_KEY = object()


def read_yaml(path: Path, label: str, raw: bytes | None = None,
              parsed: dict | None = None) -> tuple[Any, Any, list[Problem]]:
    """Parse one file; returns (data, node tree, problems). `parsed`: what read_yaml made of these
    very bytes in another process (see ForkedParser)."""
    import yaml

    if raw is None:
        raw, problems = read_capped(path, label)
        if problems:
            return None, None, problems
    if b"\x00" in raw:
        return None, None, [Problem(label, "", "is a binary file, not YAML text")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, None, [Problem(label, "", f"is not UTF-8 text (byte {exc.start})")]
    if parsed is not None:
        return parsed, LazyNodes(text), []
    try:
        return fast_load(text), LazyNodes(text), []
    except _Unusual:
        pass
    try:
        structure = _structure_problems(text, label)
        if structure:
            return None, None, structure
        data = yaml.load(text, Loader=_strict_loader())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        context = getattr(exc, "context", None)
        message = (problem if problem.startswith("duplicate key") else f"YAML syntax error: {problem}") + \
            (f" ({context})" if context else "")
        return None, None, [Problem(label, "", message, mark.line + 1 if mark else None)]
    if data is None:
        return None, None, [Problem(label, "", "is empty")]
    if not isinstance(data, dict):
        return None, None, [Problem(label, "", f"must be a mapping of fields, found {type(data).__name__}")]
    return data, LazyNodes(text), []


class LazyNodes:
    """The YAML node tree (for line numbers), composed only when a problem needs a line."""

    def __init__(self, text: str):
        self.text = text
        self._node = None

    @property
    def node(self):
        if self._node is None:
            import yaml

            self._node = yaml.compose(self.text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        return self._node


def _vocabulary_problems(study: StudyFile, label: str, node: Any) -> list[Problem]:
    problems: list[Problem] = []
    vocab = taxonomy.vocabularies()

    def check(kind: str, value: str | None, loc: tuple) -> None:
        if value is None or vocab[kind].resolve(value):
            return
        hint = vocab[kind].suggest(value)
        tip = f"; did you mean {' or '.join(repr(h) for h in hint)}?" if hint else ""
        problems.append(Problem(label, _field_path(loc), f"unknown {kind[:-1]} '{value}'{tip}",
                                _line_of(node, loc)))

    for i, fact in enumerate(study.tasks):
        check("tasks", fact.name, ("tasks", i, "name"))
    for i, fact in enumerate(study.methods):
        check("methods", fact.name, ("methods", i, "name"))
    for i, fact in enumerate(study.models):
        check("architectures", fact.architecture, ("models", i, "architecture"))
    for i, fact in enumerate(study.results):
        check("methods", fact.method, ("results", i, "method"))
        check("tasks", fact.task, ("results", i, "task"))
    for _, where, items in study.evidence_by_fact():
        for i, evidence in enumerate(items):
            if evidence.source not in study.sources and not ADDRESS.match(evidence.source):
                problems.append(Problem(label, f"{where}[{i}].source",
                                        f"'{evidence.source}' is neither a key of `sources` nor a URL or DOI"))
    return problems


ADDRESS = re.compile(r"^(https?://|10\.\d+/|doi:|arXiv:)", re.I)


class ParseCache:
    """Validated study files, keyed by their bytes and by the schema: after an edit, a rebuild parses
    only the edited files (YAML parsing is most of a large corpus's build time)."""

    def __init__(self, folder: Path):
        import json

        self.folder = Path(folder)
        schema = json.dumps(StudyFile.model_json_schema(), sort_keys=True).encode()
        # the loader's rules are part of the key: an entry cached before them never skips them
        rules = f"no-alias depth<={MAX_DEPTH} bytes<={MAX_FILE_BYTES} no-duplicate-keys".encode()
        self.salt = hashlib.sha256(schema + rules).digest()

    def _path(self, raw: bytes) -> Path:
        return self.folder / f"{hashlib.sha256(self.salt + raw).hexdigest()}.json"

    def get(self, raw: bytes) -> StudyFile | None:
        try:
            return StudyFile.model_validate_json(self._path(raw).read_bytes())
        except (OSError, ValidationError, ValueError):
            return None

    def put(self, raw: bytes, study: StudyFile) -> None:
        path = self._path(raw)
        try:  # a cache that cannot be written only costs speed
            self.folder.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(f".{os.getpid()}.tmp")
            partial.write_text(study.model_dump_json(), encoding="utf-8")
            partial.replace(path)
        except OSError:
            pass


def load_study(path: Path, label: str | None = None, check_name: bool = True, cache: ParseCache | None = None,
               raw: bytes | None = None, parsed: dict | None = None) -> tuple[StudyFile | None, list[Problem]]:
    label = label or str(path)
    if raw is None:
        raw, problems = read_capped(path, label)
        if problems:
            return None, problems
    study = cache.get(raw) if cache else None
    if study is not None:
        return _checked(study, path, label, LazyNodes(raw.decode("utf-8")), check_name)
    data, node, problems = read_yaml(path, label, raw, parsed)
    if problems:
        return None, problems
    try:
        study = StudyFile.model_validate(data)
    except ValidationError as exc:
        seen: set[tuple[str, str]] = set()
        errors = exc.errors()
        # For `fact: <mapping> | unknown`, pydantic reports both members' failures; the
        # "should be 'unknown'" half is noise when the user clearly wrote a mapping.
        detailed = {_field_path(tuple(e["loc"])) for e in errors
                    if any(_is_union_member(p) for p in e["loc"]) and e["type"] != "literal_error"}
        for error in errors:
            loc = _clean_loc(tuple(error["loc"]))
            here = _field_path(loc)
            if error["type"] == "literal_error" and any(d.startswith(here) and d != here for d in detailed):
                continue
            field = _field_path(loc) or "(file)"
            message = error["msg"]
            if error["type"] == "missing":
                message = "required field is missing"
            elif error["type"] == "extra_forbidden":
                message = "is not a field of a study file (see corpus/FORMAT.md)"
            if (field, message) in seen:
                continue
            seen.add((field, message))
            problems.append(Problem(label, field, message, _line_of(node, loc)))
        return None, problems
    if cache:
        cache.put(raw, study)
    return _checked(study, path, label, node, check_name)


def _checked(study: StudyFile, path: Path, label: str, node: Any, check_name: bool):
    """The checks that depend on more than the file itself (its name, the vocabularies): never cached."""
    problems: list[Problem] = []
    if check_name and study.id != path.stem:
        problems.append(Problem(label, "id", f"'{study.id}' does not match the file name '{path.stem}'",
                                _line_of(node, ("id",))))
    problems += _vocabulary_problems(study, label, node)
    return (None if problems else study), problems


# From this many study files to parse, a forked process parses most of them while this one parses
# the first OWN_SHARE: turning libyaml's events into Python objects is most of a large build (4.9 of
# 12.6 s at 10,000 studies on one core), and it is pure CPU over bytes already on disk. This process
# keeps the smaller share because it also validates every file, its own and the forked one's.
PARALLEL_FROM = 2000
OWN_SHARE = 0.25
# The forked process's files go in chunks of this many, one task each, so this process validates the
# first chunks while the later ones are parsed; when it gets to a chunk not yet parsed, it takes back
# the last chunk the forked process has not started and parses that itself meanwhile (the share
# balances itself at the end, and on a busy machine, where the other core is not free after all).
CHUNK = 100


def _parse_files(names: list[str]) -> dict[str, tuple[str, dict]]:
    """file name -> (sha256 of the bytes read, read_yaml's mapping), for the files read_yaml reads
    without a problem; the loading process reads the rest itself and words their problems."""
    out = {}
    for name in names:
        raw, problems = read_capped(Path(name), name)
        if raw is None or problems:
            continue
        data, _, problems = read_yaml(Path(name), name, raw)
        if not problems:
            out[name] = (hashlib.sha256(raw).hexdigest(), data)
    return out


def can_fork_a_parser() -> bool:
    """Linux (fork is its default and cheap), two cores or more, and no other thread running in this
    process (fork copies only the calling thread: a lock another thread held would stay held)."""
    import sys
    import threading

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return sys.platform.startswith("linux") and cores >= 2 and threading.active_count() == 1


class ForkedParser:
    """_parse_files over `names` in a forked process, chunk by chunk; `parsed(name)` is the result
    for one file, from that process or from this one, or None where this process should parse the
    file itself (the chunk failed: a killed worker, an unpicklable result; only speed is lost)."""

    def __init__(self, pool, names: list[str]):
        self.pool = pool
        self.chunks = [names[i:i + CHUNK] for i in range(0, len(names), CHUNK)]
        self.futures = [pool.submit(_parse_files, chunk) for chunk in self.chunks]
        self.chunk_of = {name: i for i, chunk in enumerate(self.chunks) for name in chunk}
        self.results: dict[int, dict] = {}
        self.taken_back = 0

    @classmethod
    def start(cls, names: list[str]) -> "ForkedParser | None":
        """None when there is nothing to hand over or no process can be forked."""
        if not names or not can_fork_a_parser():
            return None
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        pool = None
        try:
            pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"))
            return cls(pool, names)
        except (OSError, RuntimeError, ValueError):
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)
            return None

    def __contains__(self, name: str) -> bool:
        return name in self.chunk_of

    def parsed(self, name: str) -> tuple[str, dict] | None:
        i = self.chunk_of[name]
        if i not in self.results:
            while not self.futures[i].done() and self._take_back_one(from_=i):
                pass
        if i not in self.results:
            try:
                self.results[i] = self.futures[i].result()
            except Exception:
                self.results[i] = {}
        return self.results[i].get(name)

    def _take_back_one(self, from_: int) -> bool:
        """Parse here the last chunk from `from_` on that the forked process has not started; False
        when there is none (every one is parsed, being parsed or queued for it)."""
        for j in range(len(self.chunks) - 1, from_ - 1, -1):
            if j not in self.results and self.futures[j].cancel():
                self.results[j] = _parse_files(self.chunks[j])
                self.taken_back += 1
                return True
        return False

    def __enter__(self) -> "ForkedParser":
        return self

    def __exit__(self, *_) -> None:
        """The pool shut down and its thread joined, so the next load may fork again."""
        self.pool.shutdown(wait=True, cancel_futures=True)


def load_corpus(directory: Path, cache_dir: Path | None = None,
                known: dict[str, tuple[str, str | None]] | None = None) -> Corpus:
    """Read and validate every corpus file, reading each once (its bytes feed the digest, the file's
    hash and the parser alike, so all three describe the same content).

    `known`: file key -> (sha256, study id) of the files whose rows the database already holds
    (slr.db.open_current passes the last build's). A study file or review.yaml whose bytes hash to
    its known value is not parsed: those rows were written from these very bytes under the same
    vocabularies and code (slr.db.build_key), and its id stands in for it in the checks across
    files. Such files are listed in Corpus.unchanged, their studies absent from Corpus.studies."""
    import time

    from slr.fastread import trusted_stat

    directory = Path(directory)
    problems: list[Problem] = []
    studies: dict[str, StudyFile] = {}
    files: dict[str, FileState] = {}
    unchanged: dict[str, str | None] = {}
    first_file: dict[str, str] = {}
    cache = ParseCache(cache_dir) if cache_dir else None
    known = known or {}
    studies_dir = directory / "studies"
    if not studies_dir.is_dir():
        problems.append(Problem(str(directory), "", "has no studies/ folder of study files"))
    entries = _entries(Path(directory))
    if studies_dir.is_dir() and not any(k.startswith("studies/") and not k.endswith("/review.yaml")
                                        for k, _ in entries) \
            and os.environ.get("SLR_ALLOW_EMPTY_CORPUS") != "1":
        # building it would empty the corpus tables: almost always a wrong folder, not a wish
        problems.append(Problem(str(studies_dir), "", "holds no study files (*.yaml); an empty corpus is refused "
                                "(set SLR_ALLOW_EMPTY_CORPUS=1 to build one on purpose)"))
    h = hashlib.sha256()
    review_raw: bytes | None = None
    review_problems: list[Problem] = []
    to_parse = [name for key, name in entries if key.startswith("studies/") and not key.endswith("/review.yaml")
                and key not in known]
    elsewhere = to_parse[round(len(to_parse) * OWN_SHARE):] if len(to_parse) >= PARALLEL_FROM and cache is None else []
    # The collector is paused before the fork too: a forked parser that collects writes to every
    # object it inherited, so the kernel copies those pages in both processes (1.4 s more at 10,000
    # studies after a fresh schema's migrations had left their garbage in the heap).
    with collector.paused(), ForkedParser.start(elsewhere) or nullcontext() as forked:
        for key, name in entries:
            path = Path(name)
            label = _label(path, directory)
            try:
                st = os.stat(path)
            except OSError:
                st = None
            before = time.time_ns()      # taken before the read: see trusted_stat
            raw, found = read_capped(path, label)
            h.update(path.name.encode())
            h.update(raw if raw is not None else str(read_capped(path, path.name)[1]).encode())
            if raw is not None:
                sha = hashlib.sha256(raw).hexdigest()
                files[key] = FileState(sha, None, trusted_stat(st, before) if st is not None else None)
            if key.startswith("vocabulary/") or (path.name == "review.yaml" and key != "review.yaml"):
                continue
            if key == "review.yaml":
                if raw is not None and known.get(key, (None,))[0] == sha:
                    unchanged[key] = None
                else:
                    review_raw, review_problems = raw, found
                continue
            problems += found
            if raw is None:
                continue
            sid = known[key][1] if known.get(key, (None,))[0] == sha else None
            study = None
            if sid is None:
                parsed = None
                if forked is not None and name in forked:
                    got = forked.parsed(name)
                    # only for the bytes this process read (the file may have changed in between)
                    parsed = got[1] if got is not None and got[0] == sha else None
                study, found = load_study(path, label, check_name=False, cache=cache, raw=raw, parsed=parsed)
                problems += found
                if study is None:
                    continue
                sid = study.id
            if sid in first_file:
                problems.append(Problem(label, "id", f"duplicate study id '{sid}' (also in {first_file[sid]})", 1))
                continue
            first_file[sid] = label
            if sid != path.stem:
                problems.append(Problem(label, "id", f"'{sid}' does not match the file name '{path.stem}'", 1))
                continue
            files[key] = FileState(sha, sid, files[key].stat)
            if study is None:
                unchanged[key] = sid
            else:
                studies[sid] = study
    review = None
    review_path = directory / "review.yaml"
    if "review.yaml" not in unchanged and review_path.is_file():
        label = _label(review_path, directory)
        if review_raw is None:
            problems += review_problems
        else:
            data, node, found = read_yaml(review_path, label, review_raw)
            problems += found
            if data is not None:
                try:
                    review = ReviewFile.model_validate(data)
                except ValidationError as exc:
                    for error in exc.errors():
                        problems.append(Problem(label, _field_path(tuple(error["loc"])), error["msg"],
                                                _line_of(node, tuple(error["loc"]))))
    return Corpus(directory, studies, review, problems, h.hexdigest(), files, unchanged)


def _label(path: Path, directory: Path) -> str:
    try:
        return str(path.relative_to(directory.parent)) if directory.parent != path else str(path)
    except ValueError:
        return str(path)


def citation_keys(studies: dict[str, StudyFile]) -> dict[str, str]:
    """Stable BibTeX keys: first author's surname + year + first content word of the title.

    Clashes get a, b, ... in study-id order, so a key never changes when another study is added
    unless that study clashes with it.
    """
    stop = {"a", "an", "the", "on", "of", "for", "to", "in", "and", "with", "towards", "beyond", "no", "more"}
    base: dict[str, str] = {}
    for sid, study in studies.items():
        surname = study.authors[0].split()[-1] if study.authors else "anon"
        words = [w for w in re.findall(r"[A-Za-z0-9]+", study.title) if w.lower() not in stop]
        word = words[0] if words else "study"
        base[sid] = re.sub(r"[^a-z0-9]", "", f"{surname}{study.year}{word}".lower())
    keys: dict[str, str] = {}
    by_key: dict[str, list[str]] = {}
    for sid in sorted(base, key=lambda s: int(s[1:])):
        by_key.setdefault(base[sid], []).append(sid)
    for key, sids in by_key.items():
        for n, sid in enumerate(sids):
            keys[sid] = key if len(sids) == 1 else f"{key}{chr(ord('a') + n)}"
    return keys

