"""P4. Huang et al., "Comprehensive Fine-Tuning Large Language Models of Code for Automated Program
Repair", TSE 2025.

What the study did: full fine-tuning against LoRA, AdaLoRA and (IA)3 on InCoder-6B,
CodeGeeX2-6B, CodeGen2.5-7B, StarCoder-15B and CodeLlama-34B for repairing bugs,
vulnerabilities and errors (TraD; Defects4J v1.2, HumanEval-Java).
What we run: decoder-only repair of injected defects (analogue).
"""
from replication.studies._common import experiment
from replication.study import Study

METHODS = ('LoRA', 'AdaLoRA', '(IA)3')

STUDY = Study(
    id='P4',
    title='Comprehensive Fine-Tuning Large Language Models of Code for Automated Program Repair',
    source='doi:10.1109/TSE.2025.3532759; code https://github.com/vinzid/STUDY',
    experiments=(
        experiment('apr-incoder', 'Automated Program Repair', 'decoder-only', METHODS,
                   paper_model='facebook/incoder-6B', study_model='InCoder-6B (and four more)',
                   study_dataset='TraD; Defects4J v1.2, HumanEval-Java', reported_metric='exact match',
                   replicated_metric='exact-match', notes='the corpus records no metric for P4'),
    ),
)
