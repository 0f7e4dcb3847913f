"""CorDA (P12: Yang et al., "CorDA: Context-Oriented Decomposition Adaptation of Large
Language Models for Task-Aware Parameter-Efficient Fine-tuning", NeurIPS 2024), through
peft's own implementation (peft.tuners.lora.corda).

Before training, each target linear layer's weight W is decomposed by SVD of W·C, with C
the covariance of that layer's inputs collected on sample data; LoRA's A and B start from
the singular directions (IPM: the largest ones, "instruction-previewed"; KPM: the smallest,
"knowledge-preserved"), and the residual stays frozen in W. The study collects C on
samples of the fine-tuning data (CodeFeedback, for code); the harness's Method sees no
dataset at that point, so C comes from Python functions mined from the standard library
(the same code the offline datasets are made of): the closest we can do without changing
the runner. Targets: every linear map of attention and feed-forward, as the study did.
"""
from replication.methods import _calibration, _peft
from replication.methods.base import Method

ALL_LINEAR = _peft.ALL_LINEAR       # every attention and feed-forward matrix


def apply(model, ctx, cfg):
    import torch
    from peft import LoraConfig
    from peft.tuners.lora.config import CordaConfig

    # peft's corda.py imports attrs without declaring it; pyproject.toml lists attrs for that.
    from peft.tuners.lora.corda import preprocess_corda

    config = LoraConfig(
        task_type=_peft.task_type(ctx), r=cfg["r"], lora_alpha=cfg["alpha"], lora_dropout=cfg["dropout"],
        target_modules=_peft.targets(ALL_LINEAR, ctx, cfg.get("target_modules")),
        modules_to_save=_peft.modules_to_save(model, ctx),
        init_lora_weights="corda", corda_config=CordaConfig(corda_method=cfg["corda_method"]),
    )
    # peft's covariance hook takes one sequence per forward pass (no padding rows)
    data, _ = _calibration.batches(model, cfg["calibration_samples"], 1, cfg["calibration_max_len"])

    @torch.no_grad()
    def run_model():
        for batch in data:
            _calibration.forward_code(model, ctx.architecture, ctx.head, batch)

    was_training = model.training
    model.eval()
    preprocess_corda(model, config, run_model=run_model)
    model.train(was_training)
    return _peft.wrap(model, config)


METHOD = Method(name="CorDA", library="peft", apply=apply,
                defaults={"r": 8, "alpha": 16, "dropout": 0.05, "corda_method": "ipm",
                          "calibration_samples": 32, "calibration_max_len": 128},
                lr=1e-3)
