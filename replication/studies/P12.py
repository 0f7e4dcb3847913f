"""P12. Yang et al., "CorDA: Context-Oriented Decomposition Adaptation of Large Language Models for
Task-Aware Parameter-Efficient Fine-tuning", NeurIPS 2024.

What the study did: CorDA builds LoRA adapters from a context-oriented SVD of LLaMA-2-7B's
weights (covariance of inputs on sample data), compared with LoRA; for code it fine-tunes on
CodeFeedback and reports pass@1 on HumanEval and MBPP.
What we run: peft's CorDA (IPM) and LoRA on decoder-only HumanEval generation; CorDA's
covariance comes from mined Python functions (see replication/methods/corda).
"""
from replication.studies._common import experiment
from replication.study import Study

METHODS = ('LoRA', 'CorDA')

STUDY = Study(
    id='P12',
    title='CorDA: Context-Oriented Decomposition Adaptation of Large Language Models for Task-Aware Parameter-Efficient Fine-tuning',
    source='arXiv:2406.05223; code https://github.com/iboing/CorDA',
    experiments=(
        experiment('codegen-llama2', 'Code Generation', 'decoder-only', METHODS,
                   paper_model='meta-llama/Llama-2-7b-hf', paper_data='humaneval',
                   study_model='meta-llama/Llama-2-7b-hf', study_dataset='CodeFeedback; HumanEval, MBPP',
                   reported_metric='pass@1', replicated_metric='pass@1'),
    ),
)
