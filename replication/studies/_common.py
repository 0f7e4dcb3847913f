"""What the study declarations share: the offline stand-in for each task, the model at each
profile per architecture, and the scales. A study module names only what is its own.

Task fidelity, as every declaration uses it:
  faithful       the study's task, on real data of the same form (mined from the standard library)
  analogue       the study's task on data derived by program transformation (injected defects,
                 renamed clones, synthetic commits), or scored differently (pairs, not rankings)
  approximation  a related task stands in for one no offline data can pose (translation,
                 test generation, review comments)
"""
from __future__ import annotations

from replication.study import Scale, Setup

# task -> (offline dataset, head, fidelity, why)
OFFLINE = {
    "Code Summarization": ("stdlib-code-docstring", "generation", "faithful", "code -> first docstring line"),
    "Code Generation": ("stdlib-docstring-to-code", "generation", "faithful", "signature + docstring -> body"),
    "Code Completion": ("stdlib-completion", "generation", "faithful", "function prefix -> next line"),
    "Method Name Recommendation": ("stdlib-method-names", "generation", "faithful", "masked name -> name"),
    "Cloze Test": ("stdlib-cloze", "generation", "faithful", "masked token -> token"),
    "Code Search": ("stdlib-search", "classification", "analogue", "(docstring, code) match as pairs, not ranked"),
    "Code Clone Detection": ("stdlib-clones", "classification", "analogue", "refactored copies as clones, the "
                             "same refactorings plus one behaviour-changing edit as non-clones"),
    "Defect Detection": ("stdlib-defects", "classification", "analogue", "injected defects"),
    "Code Review": ("stdlib-defects", "classification", "analogue", "issue detection on injected defects"),
    "Automated Program Repair": ("stdlib-repair", "generation", "analogue", "injected defect -> original"),
    "Code Refinement": ("stdlib-repair", "generation", "analogue", "injected defect -> original"),
    "Commit Message Generation": ("stdlib-code-changes-cmg", "generation", "analogue", "synthetic commits"),
    "Code Translation": ("stdlib-repair", "generation", "approximation", "code-to-code repair stands in"),
    "Unit Test Generation": ("stdlib-completion", "generation", "approximation", "code continuation stands in"),
    "Code Review Generation": ("stdlib-code-changes-cmg", "generation", "approximation",
                               "diff -> message stands in for diff -> review"),
    "Just-in-time Comment Update": ("stdlib-code-docstring", "generation", "approximation",
                                    "code -> docstring stands in for (change, old comment) -> new comment"),
    "Method Name Consistency Check": ("stdlib-search", "classification", "approximation",
                                      "code/docstring consistency stands in for name/body consistency"),
}
TINY = {a: f"tiny:{a}" for a in ("encoder-only", "encoder-decoder", "decoder-only")}
MINI = {"encoder-only": "minilm", "encoder-decoder": "base:encoder-decoder", "decoder-only": "base:decoder-only"}
FFT = "Full Fine-Tuning"

# Smoke: every declared method runs, so the scale is what keeps all 28 studies to minutes.
SMOKE = Scale(train_size=16, eval_size=8, max_steps=2, batch_size=8, max_source_len=48, max_target_len=6,
              cpu_threads=1)
# Mini's models are not the studies', so neither are their rates: each run chooses among three around the
# method's default on the validation split (runner.choose_lr).
MINI_LR_FACTORS = (0.3, 1.0, 3.0)
MINI_CLS = Scale(train_size=1600, eval_size=400, epochs=1, batch_size=16, max_source_len=128, ranking_pool=50,
                 lr_factors=MINI_LR_FACTORS)
MINI_GEN = Scale(train_size=1600, eval_size=200, epochs=2, batch_size=16, max_source_len=128, max_target_len=24,
                 lr_factors=MINI_LR_FACTORS)


def paper(train: int, eval: int, epochs: float = 3, batch: int = 16, source: int = 256, target: int = 128,
          lr: dict | None = None, accum: int = 1, beams: int = 1, warmup: float = 0.06) -> Scale:
    return Scale(train_size=train, eval_size=eval, epochs=epochs, batch_size=batch, grad_accum=accum,
                 max_source_len=source, max_target_len=target, lr=lr or {}, num_beams=beams, warmup_ratio=warmup)


# The released dataset a study of this task reads at the paper profile, where the studies agree on one
# (CodeXGLUE's; replication/data/releases.py describes each layout). Others keep the offline stand-in.
PAPER_DATA = {"Code Clone Detection": "bigclonebench", "Code Translation": "code-translation-java-cs",
              "Code Refinement": "code-refinement-small", "Code Search": "codesearchnet-python",
              "Code Summarization": "codexglue-code-to-text-python", "Defect Detection": "devign"}


def setups(task: str, arch: str, paper_model: str, paper_data: str | None = None,
           paper_scale: Scale | None = None, offline: str | None = None) -> dict[str, Setup]:
    data, head, _, _ = OFFLINE[task]
    data = offline or data
    mini = MINI_CLS if head == "classification" else MINI_GEN
    return {"smoke": Setup(TINY[arch], data, SMOKE), "mini": Setup(MINI[arch], data, mini),
            "paper": Setup(paper_model, paper_data or PAPER_DATA.get(task, data), paper_scale or paper(20000, 2000))}


# Tasks whose CodeXGLUE evaluator scores BLEU over the whole corpus (evaluator/bleu.py); code-to-text
# and the message/comment tasks score smoothed sentence BLEU-4, averaged.
CORPUS_BLEU_TASKS = {"Code Generation", "Code Translation", "Code Refinement", "Automated Program Repair"}
STRICT_MATCH_TASKS = {"Code Translation", "Code Refinement"}


def community_metric(task: str, reported: str) -> str:
    """The replication.metrics name of the metric a study reports for `task`, computed as the
    task's community computes it (CodeXGLUE's evaluators where the study follows them)."""
    import re

    name = reported.lower()
    if head(task) == "classification":
        return "mrr" if "mrr" in name else "accuracy" if "acc" in name else "f1"
    execution = re.search(r"pass@\d+", name)
    if execution:
        return execution.group()
    for key, metric in (("edit", "edit-sim"), ("exact", "exact-match"), ("acc", "exact-match")):
        if key in name:
            # CodeXGLUE's refinement and translation evaluators compare stripped lines ("Acc")
            return f"{metric}-strict" if metric == "exact-match" and task in STRICT_MATCH_TASKS else metric
    return "corpus-bleu" if task in CORPUS_BLEU_TASKS else "smoothed-bleu"


def _recognised(reported: str) -> bool:
    name = reported.lower()
    return any(key in name for key in ("bleu", "exact", "acc", "edit", "pass@", "mrr", "f1"))


def head(task: str) -> str:
    return OFFLINE[task][1]


def fidelity(task: str) -> str:
    return OFFLINE[task][2]


def offline_note(task: str, dataset: str | None = None) -> str:
    if dataset == "humaneval":
        return "offline: trained on stdlib-docstring-to-code, tested on HumanEval (pass@k in the sandbox)"
    return f"offline: {OFFLINE[task][0]} ({OFFLINE[task][3]})"


def experiment(name: str, task: str, arch: str, methods: tuple[str, ...], *, paper_model: str,
               study_model: str, study_dataset: str, reported_metric: str, replicated_metric: str | None = None,
               paper_data: str | None = None, paper_scale: Scale | None = None, gpu_only: tuple[str, ...] = (),
               method_config: dict | None = None, notes: str = "", task_fidelity: str | None = None,
               fidelity_overrides: dict | None = None):
    """One Experiment with the harness's offline stand-in for `task`; the Full Fine-Tuning
    baseline always comes first (the reference every PEFT run is compared with)."""
    from replication.study import Experiment

    methods = (FFT,) + tuple(m for m in methods if m != FFT)
    replicated = replicated_metric or community_metric(task, reported_metric)
    # the metric is the study's when its reported name is one the harness computes as its community does
    metric_fidelity = "faithful" if replicated == community_metric(task, reported_metric) and \
        _recognised(reported_metric) else "approximation"
    if replicated.startswith("pass@") and paper_data is None:
        paper_data = "humaneval"
    offline = "humaneval" if replicated.startswith("pass@") else None
    return Experiment(
        name=name, task=task, architecture=arch, head=head(task), methods=methods,
        setups=setups(task, arch, paper_model, paper_data, paper_scale, offline),
        reported_metric=reported_metric, replicated_metric=replicated,
        task_fidelity=task_fidelity or fidelity(task), method_config=method_config or {},
        study_model=study_model, study_dataset=study_dataset, gpu_only=gpu_only,
        metric_fidelity=metric_fidelity, fidelity_overrides=fidelity_overrides or {},
        notes="; ".join(x for x in (offline_note(task, offline), notes) if x))
