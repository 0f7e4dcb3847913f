"""P8. Wang et al., "Teaching Code LLMs to Use Autocompletion Tools in Repository-Level Code
Generation", TOSEM 2025.

What the study did: ToolGen fine-tunes code LLMs (CodeGPT, CodeT5, CodeLlama; LoRA per the
review's artifact) to call an autocompletion tool during repository-level generation, judged by
Pass@1 on CoderEval and by similarity on 12k mined functions.
What we run: LoRA on decoder-only generation of HumanEval bodies (no repository context, no tool).
"""
from replication.studies._common import experiment
from replication.study import Study

METHODS = ('LoRA',)

STUDY = Study(
    id='P8',
    title='Teaching Code LLMs to Use Autocompletion Tools in Repository-Level Code Generation',
    source='arXiv:2401.06391',
    experiments=(
        experiment('codegen-codellama', 'Code Generation', 'decoder-only', METHODS,
                   paper_model='codellama/CodeLlama-7b-hf', paper_data='humaneval', study_model='CodeLlama-7B',
                   study_dataset='CoderEval; 12,406 mined functions', reported_metric='Pass@1',
                   replicated_metric='pass@1'),
    ),
)
