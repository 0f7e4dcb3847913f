"""P1. Li et al., "Exploring Parameter-Efficient Fine-Tuning of Large Language Model on Automated
Program Repair", ASE 2024.

What the study did: full fine-tuning against LoRA, P-Tuning, prefix tuning and (IA)3 on
CodeLlama-7B/13B, DeepSeek-Coder-6.7B and Llama-2-7B, instruction-tuned for automated program
repair (APR-Instruction) and judged by plausible patches on Defects4J, HumanEval-Java, QuixBugs.
What we run: decoder-only repair of injected defects in mined functions (analogue); exact
match stands in for test-passing plausible patches.
"""
from replication.studies._common import experiment
from replication.study import Study

METHODS = ('LoRA', 'P-Tuning', 'Prefix Tuning', '(IA)3')

STUDY = Study(
    id='P1',
    title='Exploring Parameter-Efficient Fine-Tuning of Large Language Model on Automated Program Repair',
    source='arXiv:2406.05639; code https://github.com/zjulgc/llmpeft4apr',
    experiments=(
        experiment('apr-codellama', 'Automated Program Repair', 'decoder-only', METHODS,
                   paper_model='codellama/CodeLlama-7b-hf', study_model='codellama/CodeLlama-7b-hf',
                   study_dataset='APR-Instruction; Defects4J, HumanEval-Java, QuixBugs',
                   reported_metric='plausible patches', replicated_metric='exact-match'),
    ),
)
