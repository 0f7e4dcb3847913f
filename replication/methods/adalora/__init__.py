"""AdaLoRA (Zhang et al. 2023) through peft: LoRA whose rank budget moves by importance.

Its budget schedule needs the run's total step count and a call after every optimiser
step, which the runner makes through `after_step`. Targets: the paper's, every weight matrix
of attention and feed-forward (W_q, W_k, W_v, W_o, W_f1, W_f2: _peft.ALL_LINEAR); a study's
method_config narrows them with `target_modules`.
"""
from replication.methods import _peft
from replication.methods.base import Method


def apply(model, ctx, cfg):
    from peft import AdaLoraConfig

    total = max(ctx.total_steps, 3)
    tinit, tfinal = int(total * cfg["tinit"]), int(total * cfg["tfinal"])
    if tinit + tfinal >= total:     # peft requires a budgeting phase of at least one step
        tinit, tfinal = 0, 0
    config = AdaLoraConfig(
        task_type=_peft.task_type(ctx), init_r=cfg["init_r"], target_r=cfg["target_r"],
        lora_alpha=cfg["alpha"], total_step=total, tinit=tinit, tfinal=tfinal,
        deltaT=max(1, total // 10),
        target_modules=_peft.targets(_peft.ALL_LINEAR, ctx, cfg.get("target_modules")),
        modules_to_save=_peft.modules_to_save(model, ctx),
    )
    return _peft.wrap(model, config)


def after_step(model, step):
    model.base_model.update_and_allocate(step)


METHOD = Method(name="AdaLoRA", library="peft", apply=apply, after_step=after_step,
                defaults={"init_r": 12, "target_r": 4, "alpha": 16, "tinit": 0.1, "tfinal": 0.2},
                lr=1e-3)
