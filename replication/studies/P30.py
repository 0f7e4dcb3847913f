"""P30. Liu et al., "Delving into Parameter-Efficient Fine-Tuning in Code Change Learning:
An Empirical Study", SANER 2024 (arXiv:2402.06247; code: github.com/ishuoliu/PEFT4CC).

What the study did: adapter tuning (AT) and LoRA against full-model fine-tuning (FMFT) on
five code models (CodeBERT, GraphCodeBERT, UniXcoder, CodeT5, PLBART) for just-in-time
defect prediction (JIT-Defects4J; F1, AUC) and commit message generation (MCMD; BLEU).
Its released code sets AT to an OpenDelta bottleneck of 128 after the attention and
feed-forward output modules (after their LayerNorm: OpenDelta's placement, not Houlsby's), LoRA to r=64 (JIT-DP) / r=8 (CMG), alpha 32,
dropout 0.1 on the query/value matrices.

What we run: the paper profile is the study's setting for CodeBERT and CodeT5-base on a
local copy of the data. Offline (smoke, mini), JIT-DP becomes defect prediction over
commit-like changes derived from the standard library (half inject a defect, half
rename or document), and CMG becomes generating those changes' messages: analogues.
"""
from replication.studies._common import MINI_LR_FACTORS
from replication.study import Experiment, Scale, Setup, Study

METHODS = ("Full Fine-Tuning", "Adapter (Houlsby)", "LoRA")
# 128 of 768 wide, the study's ratio; its code (run_adapter.py) unfreezes every LayerNorm with the
# adapters: freeze_module(exclude=["deltas", "LayerNorm"]) (T5: "layer_norm"). OpenDelta's AdapterModel
# sits after the whole output module, starts at N(0, 0.01) and uses gelu_new.
ADAPTER = {"reduction_factor": 6, "train_layer_norm": True, "placement": "output", "init": "opendelta",
           "non_linearity": "gelu_new"}

SMOKE = Scale(train_size=48, eval_size=16, max_steps=4, batch_size=8, max_source_len=96, max_target_len=12)
# Mini's rates are the centres of the sweep each run makes on validation (runner.choose_lr).
MINI_JIT = Scale(train_size=1600, eval_size=400, epochs=1, batch_size=16, max_source_len=128,
                 lr={"Full Fine-Tuning": 1e-4, "Adapter (Houlsby)": 1e-3, "LoRA": 1e-3}, lr_factors=MINI_LR_FACTORS)
MINI_CMG = Scale(train_size=1600, eval_size=200, epochs=2, batch_size=16, max_source_len=128,
                 max_target_len=20, lr={"Full Fine-Tuning": 5e-4, "Adapter (Houlsby)": 3e-3, "LoRA": 3e-3},
                 lr_factors=MINI_LR_FACTORS)
# The paper profile follows the released code, PEFT4CC at commit 0b1dff2a42cc835804ca867b2ef7b44b28efad69:
#   just-in-time/run.sh:4-34      10 epochs; LoRA --learning_rate 1e-4 (line 20), adapters 2e-5 (line 32),
#                                 full fine-tuning the default 2e-5 (just-in-time/util.py:21)
#   just-in-time/util.py:19,24,35 batch 32, no accumulation (line 22 default 1), max_grad_norm 1.0, 512 tokens
#   just-in-time/run.py:26,89-91  no warm-up; the checkpoint kept is the best validation F1
#   commit-generation/run.sh:5-42 every method: batch 16 x accumulation 2, lr 5e-4, 10 epochs
#   commit-generation/util.py:25,35-36  beam 10, 512 input and 128 output tokens
#   both util.py:17/18            seed 33 (pass --seeds 33 to use the study's)
PAPER_JIT = Scale(train_size=16374, eval_size=5480, epochs=10, batch_size=32, grad_accum=1, warmup_ratio=0.0,
                  max_source_len=512, validation_checks=10,
                  lr={"Full Fine-Tuning": 2e-5, "Adapter (Houlsby)": 2e-5, "LoRA": 1e-4})
PAPER_CMG = Scale(train_size=160018, eval_size=20159, epochs=10, batch_size=16, grad_accum=2, warmup_ratio=0.0,
                  max_source_len=512, max_target_len=128, num_beams=10, validation_checks=10,
                  lr={"Full Fine-Tuning": 5e-4, "Adapter (Houlsby)": 5e-4, "LoRA": 5e-4})
# Deviations from the released code that remain: its JIT-DP input is the message, then "[ADD]" + added
# lines and "[DEL]" + removed lines with those two tokens added to the vocabulary (just-in-time/util.py:76-77),
# and its model concatenates 14 expert features (manual_feature_size, util.py:29) in ConcatModel; ours reads
# the change as one text through the model's own classification head (CodeT5: T5ForSequenceClassification,
# which reads the decoder's final state, where the study's code classifies from the encoder's first token).
# Its validation runs once per epoch; ours at validation_checks evenly spaced steps (10 = once per epoch).

STUDY = Study(
    id="P30",
    title="Delving into Parameter-Efficient Fine-Tuning in Code Change Learning: An Empirical Study",
    source="arXiv:2402.06247 (SANER 2024); code https://github.com/ishuoliu/PEFT4CC",
    notes="paper profile from PEFT4CC at commit 0b1dff2a (see the module's comments, file and line per "
          "setting); remaining deviations: no [ADD]/[DEL] input tokens, no expert-feature concatenation, "
          "CodeT5 classifies from the decoder's final state, not the encoder's first token",
    experiments=(
        Experiment(
            name="jitdp-codebert", task="Defect Detection", task_fidelity="analogue",
            architecture="encoder-only", head="classification", methods=METHODS,
            study_model="microsoft/codebert-base", study_dataset="JIT-Defects4J (JIT-Fine)",
            setups={
                "smoke": Setup("tiny:encoder-only", "stdlib-code-changes-jit", SMOKE),
                "mini": Setup("minilm", "stdlib-code-changes-jit", MINI_JIT),
                "paper": Setup("microsoft/codebert-base", "jit-defects4j", PAPER_JIT),
            },
            method_config={"Adapter (Houlsby)": ADAPTER,
                           "LoRA": {"r": 64, "alpha": 32, "dropout": 0.1}},
            reported_metric="F1", replicated_metric="f1",
        ),
        Experiment(
            name="jitdp-codet5", task="Defect Detection", task_fidelity="analogue",
            architecture="encoder-decoder", head="classification", methods=METHODS,
            study_model="Salesforce/codet5-base", study_dataset="JIT-Defects4J (JIT-Fine)",
            setups={
                "smoke": Setup("tiny:encoder-decoder", "stdlib-code-changes-jit", SMOKE),
                "mini": Setup("base:encoder-decoder", "stdlib-code-changes-jit", MINI_JIT),
                "paper": Setup("Salesforce/codet5-base", "jit-defects4j", PAPER_JIT),
            },
            method_config={"Adapter (Houlsby)": ADAPTER,
                           "LoRA": {"r": 64, "alpha": 32, "dropout": 0.1}},
            reported_metric="F1", replicated_metric="f1",
            notes="T5ForSequenceClassification reads the decoder's final state; the study's code "
                  "classifies from CodeT5 too, its exact head was not checked.",
        ),
        Experiment(
            name="cmg-codet5", task="Commit Message Generation", task_fidelity="analogue",
            architecture="encoder-decoder", head="generation", methods=METHODS,
            study_model="Salesforce/codet5-base", study_dataset="MCMD (Java)",
            setups={
                "smoke": Setup("tiny:encoder-decoder", "stdlib-code-changes-cmg", SMOKE),
                "mini": Setup("base:encoder-decoder", "stdlib-code-changes-cmg", MINI_CMG),
                "paper": Setup("Salesforce/codet5-base", "mcmd-java", PAPER_CMG),
            },
            method_config={"Adapter (Houlsby)": ADAPTER,
                           "LoRA": {"r": 8, "alpha": 32, "dropout": 0.1}},
            reported_metric="BLEU", replicated_metric="smoothed-bleu",
        ),
    ),
)
