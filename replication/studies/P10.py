"""P10. Liu et al., "MFTCoder: Boosting Code LLMs with Multitask Fine-Tuning", KDD 2024 (ACM SIGKDD
Conference on Knowledge Discovery and Data Mining).

What the study did: MFTCoder multitask-fine-tunes large code LLMs (CodeLlama-34B-Python,
DeepSeek-Coder-33B, StarCoder-15B, ...) with LoRA and QLoRA; pass@1 on HumanEval, MBPP, etc.
What we run: LoRA (and QLoRA where a GPU exists) on decoder-only HumanEval generation; the
multitask loss balancing is not reproduced.
"""
from replication.studies._common import experiment
from replication.study import Study

METHODS = ('LoRA', 'QLoRA')

STUDY = Study(
    id='P10',
    title='MFTCoder: Boosting Code LLMs with Multitask Fine-Tuning',
    source='arXiv:2311.02303; code https://github.com/codefuse-ai/MFTCoder',
    experiments=(
        experiment('codegen-codellama', 'Code Generation', 'decoder-only', METHODS, gpu_only=('QLoRA',),
                   paper_model='codellama/CodeLlama-34b-Python-hf', paper_data='humaneval',
                   study_model='codellama/CodeLlama-34b-Python-hf',
                   study_dataset='Evol-instruction-66k, CodeExercise; HumanEval', reported_metric='pass@1',
                   replicated_metric='pass@1',
                   fidelity_overrides={'task': 'approximation'},
                   notes='single-task docstring-to-body tuning stands in for the study\'s multi-task '
                         'instruction tuning (MFTCoder)'),
    ),
)
