"""What a study module declares: its experiments, at three profiles, in plain data.

A study module (replication/studies/P30.py) reads like an lm-evaluation-harness task:
it names the task, architecture, methods, model and dataset per profile, and how its
replicated metric lines up with the metric the corpus records. One runner runs them all.
"""
from __future__ import annotations

from dataclasses import dataclass, field

PROFILES = ("smoke", "mini", "paper")
FIDELITY = ("faithful", "analogue", "approximation", "different")


@dataclass(frozen=True)
class Scale:
    """How much to train at one profile. Same code, different numbers."""
    train_size: int
    eval_size: int
    epochs: float = 1.0
    max_steps: int | None = None        # caps epochs, so smoke stays seconds
    batch_size: int = 8
    grad_accum: int = 1
    max_source_len: int = 128
    max_target_len: int = 24
    warmup_ratio: float = 0.06
    weight_decay: float = 0.0
    lr: dict[str, float] = field(default_factory=dict)   # per method; else the method's default
    num_beams: int = 1
    # Code search is scored as ranking: the test queries are cut into pools of this many (query, code)
    # pairs and each query is ranked against its pool's codes (CodeBERT's CodeSearchNet protocol: 1,000).
    ranking_pool: int = 1000
    samples: int = 1                    # completions per problem for pass@k (1: greedy, as P10 reports)
    # times the validation split is scored during training; the best checkpoint (by the study's metric)
    # is the one tested, as the studies' released code selects (PEFT4CC: best F1 on valid)
    validation_checks: int = 2
    # learning rates tried on the validation split, as multiples of the study's (or the method's) rate at
    # this profile; () trains at that rate. The studies' own rates hold at paper; mini has no such rates.
    lr_factors: tuple[float, ...] = ()
    # torch's intra-op threads while a run trains and evaluates on a CPU (None: torch's own choice, one
    # per core). The tiny smoke models spend longer handing each small matmul to a second thread than
    # computing it: all 28 studies at smoke took 81 s with two threads and 47 s with one
    # (benchmarks/RESULTS.md).
    cpu_threads: int | None = None


@dataclass(frozen=True)
class Setup:
    """One profile's model and dataset for an experiment."""
    model: str          # "tiny:<architecture>" | "minilm" | "base:<architecture>" | hub id / path
    dataset: str        # a name in replication.data.DATASETS
    scale: Scale


@dataclass(frozen=True)
class Experiment:
    name: str
    task: str                           # canonical task name (taxonomy/data/tasks.yaml)
    architecture: str                   # encoder-only | decoder-only | encoder-decoder
    head: str                           # classification | generation
    methods: tuple[str, ...]            # canonical method names (taxonomy/data/methods.yaml)
    setups: dict[str, Setup]            # profile -> setup
    reported_metric: str                # case-insensitive substring of the corpus's metric name
    replicated_metric: str              # the metric's name in replication.metrics (a RunRecord.metrics key)
    task_fidelity: str = "faithful"     # faithful | analogue | approximation
    method_config: dict[str, dict] = field(default_factory=dict)   # the study's own settings
    study_model: str = ""               # what the study itself tuned, for the reader
    study_dataset: str = ""
    notes: str = ""
    gpu_only: tuple[str, ...] = ()      # methods that need CUDA (QLoRA): left out where torch sees no GPU
    # dimension -> label where a study departs from the rules of `fidelity` (e.g. {"method": "different"})
    fidelity_overrides: dict[str, str] = field(default_factory=dict)
    metric_fidelity: str = "faithful"   # approximation where the replicated metric stands in for the study's

    def methods_here(self, cuda: bool) -> tuple[str, ...]:
        return self.methods if cuda else tuple(m for m in self.methods if m not in self.gpu_only)

    def fidelity(self, profile: str) -> dict[str, str]:
        """How close each dimension of this experiment is to the study at `profile`, each one of
        FIDELITY: the task's form, the data, the model, the method as built, and the metric."""
        setup = self.setups[profile]
        from replication.data import DATASETS

        source = DATASETS.get(setup.dataset)
        if source is not None and source.released:
            data = "faithful"
        else:
            data = "approximation" if source is not None and source.kind == "derived" else "analogue"
        if setup.model.startswith("tiny:"):
            model = "different"                   # random weights of the study's architecture
        elif setup.model in ("minilm",) or setup.model.startswith("base:"):
            model = "approximation"               # a small pretrained model of the same architecture
        else:
            model = "faithful" if setup.model == self.study_model else "analogue"
        out = {"task": self.task_fidelity, "data": data, "model": model, "method": "faithful",
               "metric": self.metric_fidelity}
        out.update(self.fidelity_overrides)
        return out

    def describe(self) -> dict:
        return {
            "name": self.name,
            "task": self.task,
            "task_fidelity": self.task_fidelity,
            "architecture": self.architecture,
            "methods": list(self.methods),
            "dataset": {p: s.dataset for p, s in self.setups.items()},
            "model": {p: s.model for p, s in self.setups.items()},
            "study_model": self.study_model,
            "study_dataset": self.study_dataset,
            "reported_metric": self.reported_metric,
            "replicated_metric": self.replicated_metric,
            "gpu_only": list(self.gpu_only),
            "fidelity": {p: self.fidelity(p) for p in self.setups},
        }


@dataclass(frozen=True)
class Study:
    id: str
    title: str
    source: str
    experiments: tuple[Experiment, ...]
    notes: str = ""

    @property
    def methods(self) -> list[str]:
        seen: list[str] = []
        for exp in self.experiments:
            seen += [m for m in exp.methods if m not in seen]
        return seen
