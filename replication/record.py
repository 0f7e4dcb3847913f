"""The run record: everything needed to trust or redo one replication run.

The harness returns these; `slr` stores them. Nothing here touches a database.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Literal

from pydantic import BaseModel, Field

# running: stored at start; interrupted: its process vanished (SIGKILL, a crash) before it finished
Status = Literal["ok", "failed", "cancelled", "running", "interrupted"]
Profile = Literal["smoke", "mini", "paper"]


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class RunRecord(BaseModel):
    study: str                                  # the review's id, e.g. "P30"
    experiment: str                             # the study module's experiment name
    task: str                                   # canonical task name from taxonomy
    task_fidelity: str = "faithful"             # faithful | analogue | approximation
    method: str                                 # canonical method name from taxonomy
    method_config: dict[str, Any] = Field(default_factory=dict)
    profile: Profile
    model: str                                  # hub id, local path or "config:<hash>"
    architecture: str                           # encoder-only | decoder-only | encoder-decoder
    dataset: str
    dataset_kind: str = "real"                  # real | derived
    dataset_size: int = 0
    dataset_hash: str = ""
    seed: int = 0
    steps: int = 0
    trainable_params: int = 0
    total_params: int = 0
    train_seconds: float = 0.0
    eval_seconds: float = 0.0
    peak_memory_bytes: int = 0
    memory_kind: str = "rss"                    # rss | cuda_allocated
    tokens_per_second: float = 0.0
    metrics: dict[str, float] = Field(default_factory=dict)
    notes: list[str] = Field(default_factory=list)   # what a reader must know: a metric not computed and why
    base: dict[str, Any] = Field(default_factory=dict)  # a locally pretrained base: its hashes, steps, tokens, loss
    # the experiment's own metric per test example ({"metric", "units", ["num_labels"]}), for intervals
    per_example: dict[str, Any] = Field(default_factory=dict)
    trivial_baselines: dict[str, float] = Field(default_factory=dict)   # name -> score on the same test split
    versions: dict[str, str] = Field(default_factory=dict)
    hardware: dict[str, Any] = Field(default_factory=dict)
    status: Status = "ok"
    error: str | None = None
    started_at: datetime = Field(default_factory=utc_now)
    finished_at: datetime | None = None

    @property
    def deviations(self) -> list[str]:
        """Where the method as built differs from its paper (kept in method_config["deviations"],
        so the database's JSON column stores them without a schema change)."""
        return list(self.method_config.get("deviations", []))

    @property
    def trainable_share(self) -> float:
        return self.trainable_params / self.total_params if self.total_params else 0.0
