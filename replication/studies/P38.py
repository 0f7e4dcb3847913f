"""P38. Wang et al., "Beyond PEFT: Layer-Wise Optimization for More Effective and Efficient Large
Code Model Tuning", FSE 2025 (Proceedings of the ACM on Software Engineering).

What the study did: Layer-Wise Optimization tunes a chosen subset of a large code model's
layers instead of adding PEFT modules, for line-level code completion on private industrial
data, against full fine-tuning and PEFT.
What we run: layer selection by gradient importance on mined code (see
replication/methods/layer_wise_optimization) on next-line completion of mined functions.
"""
from replication.studies._common import experiment
from replication.study import Study

METHODS = ('Layer-Wise Optimization',)

STUDY = Study(
    id='P38',
    title='Beyond PEFT: Layer-Wise Optimization for More Effective and Efficient Large Code Model Tuning',
    source='doi:10.1145/3729341',
    experiments=(
        experiment('line-completion-decoder', 'Code Completion', 'decoder-only', METHODS,
                   paper_model='deepseek-ai/deepseek-coder-1.3b-base',
                   study_model='unknown (not named in the sources seen)', study_dataset='private industrial data',
                   reported_metric='exact match', replicated_metric='exact-match',
                   notes="the study's models are unknown; DeepSeek-Coder-1.3B stands in at paper"),
    ),
)
