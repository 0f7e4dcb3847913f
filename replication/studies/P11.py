"""P11. Fakih et al., "LLM4PLC: Harnessing Large Language Models for Verifiable Programming of PLCs
in Industrial Control Systems", ICSE 2024.

What the study did: LLM4PLC tunes Code Llama 7B/34B with LoRA to write IEC 61131-3
Structured Text for PLCs, verified in a loop with compilers and model checkers.
What we run: LoRA on decoder-only HumanEval generation (Python, not Structured Text; no loop).
"""
from replication.studies._common import experiment
from replication.study import Study

METHODS = ('LoRA',)

STUDY = Study(
    id='P11',
    title='LLM4PLC: Harnessing Large Language Models for Verifiable Programming of PLCs in Industrial Control Systems',
    source='arXiv:2401.05443; code https://sites.google.com/uci.edu/llm4plc/home',
    experiments=(
        experiment('codegen-codellama', 'Code Generation', 'decoder-only', METHODS,
                   paper_model='codellama/CodeLlama-7b-hf', paper_data='humaneval', study_model='Code Llama 7B',
                   study_dataset='OSCAT IEC 61131-3 library', reported_metric='success',
                   replicated_metric='pass@1',
                   fidelity_overrides={'task': 'approximation'},
                   notes='the corpus records no metric for P11; Python from docstrings stands in for '
                         'IEC 61131-3 Structured Text verified by compilers and model checkers'),
    ),
)
