"""P14. Hajipour et al., "SimSCOOD: Systematic Analysis of Out-of-Distribution Generalization in
Fine-tuned Source Code Models", NAACL 2024.

What the study did: SimSCOOD fine-tunes code models (GraphCodeBERT, CodeT5, CodeT5+, Code
Llama) fully and with LoRA on CONCODE and code refinement, holding out parts of the data to
study out-of-distribution generalisation.
What we run: the in-distribution comparison of LoRA and full fine-tuning on an encoder-decoder
(HumanEval generation; repair of injected defects); the OOD splits are not reproduced.
"""
from replication.studies._common import experiment
from replication.study import Study

METHODS = ('LoRA',)

STUDY = Study(
    id='P14',
    title='SimSCOOD: Systematic Analysis of Out-of-Distribution Generalization in Fine-tuned Source Code Models',
    source='arXiv:2210.04802; code https://github.com/hajipour/SimSCOOD',
    experiments=(
        experiment('codegen-codet5', 'Code Generation', 'encoder-decoder', METHODS,
                   paper_model='Salesforce/codet5-base', paper_data='concode', study_model='CodeT5',
                   study_dataset='CONCODE', reported_metric='BLEU'),
        experiment('refine-codet5', 'Code Refinement', 'encoder-decoder', METHODS,
                   paper_model='Salesforce/codet5-base', study_model='CodeT5',
                   study_dataset='CodeXGLUE code refinement', reported_metric='exact match',
                   replicated_metric='exact-match-strict'),
    ),
)
