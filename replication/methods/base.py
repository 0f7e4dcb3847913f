"""What every method provides, and the helpers they share."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from torch import nn

# Task heads are new, randomly initialised layers: every method trains them, as the
# studies do (an adapter-tuned classifier still learns its classifier).
HEAD_NAMES = ("classifier", "classification_head", "score")


@dataclass(frozen=True)
class Context:
    architecture: str                  # encoder-only | decoder-only | encoder-decoder
    head: str                          # classification | generation
    model_type: str                    # config.model_type: roberta, bert, t5, llama, ...
    total_steps: int = 1
    cuda: bool = False
    config: dict[str, Any] = field(default_factory=dict)   # overrides of the method's defaults


@dataclass(frozen=True)
class Method:
    name: str                          # canonical, from taxonomy/data/methods.yaml
    library: str                       # torch | peft | ours
    apply: Callable[[nn.Module, Context, dict], nn.Module]
    defaults: dict[str, Any] = field(default_factory=dict)
    lr: float = 1e-3                   # a sensible default; a study's Scale may override
    check: Callable[[Context], None] | None = None          # raise MethodUnavailable
    load_kwargs: Callable[[Context], dict] | None = None    # e.g. QLoRA's 4-bit loading
    after_step: Callable[[nn.Module, int], None] | None = None
    # Where the build differs from the method's paper (a library's behaviour we keep, a part we
    # could not reproduce): fixed sentences, or a function of the context and the config.
    notes: tuple[str, ...] | Callable[[Context, dict], list[str]] = ()

    def config(self, ctx: Context) -> dict[str, Any]:
        """The method's settings for this run; "deviations" lists the notes that apply, so the run
        record (which stores this dict as method_config) carries them."""
        cfg = {**self.defaults, **ctx.config}
        cfg.pop("deviations", None)
        deviations = list(self.notes(ctx, cfg) if callable(self.notes) else self.notes)
        return {**cfg, "deviations": deviations} if deviations else cfg

    def prepare(self, model: nn.Module, ctx: Context) -> nn.Module:
        if self.check is not None:
            self.check(ctx)
        return self.apply(model, ctx, self.config(ctx))


def head_names(model: nn.Module) -> list[str]:
    return [name for name, _ in model.named_children() if name in HEAD_NAMES]


def freeze_all_but_head(model: nn.Module) -> None:
    for p in model.parameters():
        p.requires_grad_(False)
    for name in head_names(model):
        for p in getattr(model, name).parameters():
            p.requires_grad_(True)


def count_parameters(model: nn.Module) -> tuple[int, int]:
    """(trainable, total), counting tied weights once."""
    seen: set[int] = set()
    trainable = total = 0
    for p in model.parameters():
        if id(p) in seen:
            continue
        seen.add(id(p))
        n = p.numel()
        if p.__class__.__name__ == "Params4bit":     # bitsandbytes packs two 4-bit values a byte
            n *= 2
        total += n
        if p.requires_grad:
            trainable += n
    return trainable, total


def layer_stacks(model: nn.Module) -> list[tuple[str, nn.ModuleList]]:
    """The transformer layer lists: encoder.layer (BERT/RoBERTa), block (T5), layers (Llama)."""
    stacks: list[tuple[str, nn.ModuleList]] = []
    for name, module in model.named_modules():
        if isinstance(module, nn.ModuleList) and name.rsplit(".", 1)[-1] in ("layer", "layers", "block", "h"):
            # T5Block keeps its sublayers in a ModuleList named `layer` too: those are not layers
            if not any(name.startswith(outer + ".") for outer, _ in stacks):
                stacks.append((name, module))
    return stacks
