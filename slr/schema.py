"""Database tables (SQLModel). Corpus tables are rebuilt from corpus/; `run` is never touched by a rebuild."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from sqlalchemy import JSON, BigInteger, Column, Text
from sqlmodel import Field, SQLModel

# Tables a corpus build owns and may empty and refill. `run` and `meta` are not among them.
CORPUS_TABLES = (
    "evidence", "result", "study_task", "study_method", "model", "dataset", "metric",
    "conflict", "study", "task", "method", "architecture", "review_figure", "corpus_file",
)


class Meta(SQLModel, table=True):
    key: str = Field(primary_key=True)
    value: str


class Task(SQLModel, table=True):
    name: str = Field(primary_key=True)
    abbreviation: str
    category: str = Field(index=True)
    description: str = ""
    aliases: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    in_review: Optional[str] = None


class Method(SQLModel, table=True):
    name: str = Field(primary_key=True)
    family: str = Field(index=True)
    library: Optional[str] = None
    description: str = ""
    aliases: list[str] = Field(default_factory=list, sa_column=Column(JSON))


class Architecture(SQLModel, table=True):
    name: str = Field(primary_key=True)
    description: str = ""
    aliases: list[str] = Field(default_factory=list, sa_column=Column(JSON))


class Study(SQLModel, table=True):
    id: str = Field(primary_key=True)              # the review's id, P1 ... P38
    number: int = Field(index=True)                # 30 for P30: natural sort order
    title: str
    authors: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    venue: str = Field(index=True)                 # as the review labels it
    true_venue: Optional[str] = None               # where it differs
    year: int = Field(index=True)
    doi: Optional[str] = None
    arxiv: Optional[str] = None
    url: Optional[str] = None
    summary: str = Field(sa_column=Column(Text))
    finding: Optional[str] = Field(default=None, sa_column=Column(Text))
    artifact_url: Optional[str] = None
    artifact_available: Optional[str] = None       # "true" | "false" | "unknown"
    full_finetuning_baseline: Optional[str] = None  # "true" | "false" | "unknown"
    hardware: Optional[str] = None
    citation_key: str = Field(index=True)
    sources: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON))
    open_questions: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    source_file: str = ""


class StudyTask(SQLModel, table=True):
    __tablename__ = "study_task"
    study_id: str = Field(primary_key=True, foreign_key="study.id")
    task: str = Field(primary_key=True, foreign_key="task.name")
    as_named: Optional[str] = None
    note: Optional[str] = None
    fact: Optional[str] = None                     # field path in the study file: "tasks[2]"


class StudyMethod(SQLModel, table=True):
    __tablename__ = "study_method"
    study_id: str = Field(primary_key=True, foreign_key="study.id")
    method: str = Field(primary_key=True, foreign_key="method.name")
    as_named: Optional[str] = None
    note: Optional[str] = None
    fact: Optional[str] = None


class Model(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    study_id: str = Field(index=True, foreign_key="study.id")
    name: str
    hf_id: Optional[str] = None
    architecture: str = Field(foreign_key="architecture.name", index=True)
    params: Optional[int] = Field(default=None, sa_type=BigInteger)  # None: unknown
    note: Optional[str] = None
    fact: Optional[str] = None


class Dataset(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    study_id: str = Field(index=True, foreign_key="study.id")
    name: str
    note: Optional[str] = None
    fact: Optional[str] = None


class Metric(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    study_id: str = Field(index=True, foreign_key="study.id")
    name: str
    note: Optional[str] = None
    fact: Optional[str] = None


class Result(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    study_id: str = Field(index=True, foreign_key="study.id")
    task: Optional[str] = None
    model: Optional[str] = None
    method: str
    dataset: Optional[str] = None
    metric: str
    value: float
    baseline_value: Optional[float] = None         # full fine-tuning on the same setting
    higher_is_better: Optional[bool] = None
    note: Optional[str] = None
    fact: Optional[str] = None
    tier: Optional[str] = None                     # paper-table | paper-text | artifact-file | secondary
    seeds: Optional[str] = None                    # what the source says of repeated runs, if anything


class Evidence(SQLModel, table=True):
    """Where one fact comes from. `fact` is the field path in the study file (e.g. tasks[0])."""
    id: Optional[int] = Field(default=None, primary_key=True)
    study_id: str = Field(index=True, foreign_key="study.id")
    fact: str = Field(index=True)
    source: str                                    # URL or DOI, resolved from the file's sources
    source_key: Optional[str] = None
    locator: Optional[str] = None
    quote: Optional[str] = Field(default=None, sa_column=Column(Text))          # verbatim
    paraphrase: Optional[str] = Field(default=None, sa_column=Column(Text))     # our words, marked as such


class Conflict(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    study_id: str = Field(index=True, foreign_key="study.id")
    field: str
    values: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    we_use: Optional[str] = None
    why: Optional[str] = Field(default=None, sa_column=Column(Text))


class ReviewFigure(SQLModel, table=True):
    __tablename__ = "review_figure"
    id: Optional[int] = Field(default=None, primary_key=True)
    key: str = Field(index=True)
    version: Optional[str] = None
    body: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))


class CorpusFile(SQLModel, table=True):
    """One file the last build read (a study file, review.yaml or a vocabulary file): what an
    incremental build compares to find the studies to write again, and what the per-command
    staleness check compares (stat first, content hash when the stat differs)."""
    __tablename__ = "corpus_file"
    path: str = Field(primary_key=True)            # "studies/P30.yaml", "review.yaml", "vocabulary/tasks.yaml" (fastread.corpus_entries)
    sha256: str
    study_id: Optional[str] = None                 # the study whose rows it made
    size: Optional[int] = Field(default=None, sa_type=BigInteger)
    # st_mtime_ns, st_ctime_ns, st_ino when read; None when the file changed too recently to trust
    # its timestamps (see slr.fastread.trusted_stat), so the check hashes it instead
    mtime_ns: Optional[int] = Field(default=None, sa_type=BigInteger)
    ctime_ns: Optional[int] = Field(default=None, sa_type=BigInteger)
    inode: Optional[int] = Field(default=None, sa_type=BigInteger)


class Run(SQLModel, table=True):
    """One replication run (see replication/record.py). Never touched by a corpus rebuild."""
    id: Optional[int] = Field(default=None, primary_key=True)
    study: str = Field(index=True)                 # no foreign key: runs outlive corpus edits
    experiment: str
    task: str
    task_fidelity: str = "faithful"
    method: str = Field(index=True)
    method_config: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    profile: str = Field(index=True)
    model: str
    architecture: str
    dataset: str
    dataset_kind: str = "real"
    dataset_size: int = Field(default=0, sa_type=BigInteger)
    dataset_hash: str = ""
    seed: int = 0
    steps: int = 0
    trainable_params: int = Field(default=0, sa_type=BigInteger)
    total_params: int = Field(default=0, sa_type=BigInteger)
    train_seconds: float = 0.0
    eval_seconds: float = 0.0
    peak_memory_bytes: int = Field(default=0, sa_type=BigInteger)
    memory_kind: str = "rss"
    tokens_per_second: float = 0.0
    metrics: dict[str, float] = Field(default_factory=dict, sa_column=Column(JSON))
    notes: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    base: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    per_example: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    trivial_baselines: dict[str, float] = Field(default_factory=dict, sa_column=Column(JSON))
    versions: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON))
    hardware: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    status: str = Field(index=True)
    error: Optional[str] = Field(default=None, sa_column=Column(Text))
    started_at: Optional[datetime] = None
    finished_at: Optional[datetime] = None
    recorded_by: Optional[str] = None              # user@host that stored it (shared databases)
    uid: Optional[str] = Field(default=None, unique=True, index=True)  # given at start; the journal's key
    pid: Optional[int] = None                      # the process running it, while status is "running"
    host: Optional[str] = None
