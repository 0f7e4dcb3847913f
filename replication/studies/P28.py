"""P28. Saberi et al., "Utilization of pre-trained language models for adapter-based knowledge
transfer in software engineering", Empirical Software Engineering 29, article 94 (2024).

What the study did: MAD-X-style language adapters (MLM on CodeSearchNet/CodeNet) and task
adapters stacked on them, in RoBERTa, CodeBERT and GraphCodeBERT, against full fine-tuning on
cloze test, clone detection and code summarization.
What we run: L-/T-Adapters (short language pre-training on mined code; see
replication/methods/l_adapter) on the three tasks' offline stand-ins.
"""
from replication.studies._common import experiment
from replication.study import Study

METHODS = ('L-Adapter', 'T-Adapter')

STUDY = Study(
    id='P28',
    title='Utilization of pre-trained language models for adapter-based knowledge transfer in software engineering',
    source='arXiv:2307.08540',
    experiments=(
        experiment('cloze-codebert', 'Cloze Test', 'encoder-decoder', METHODS, paper_model='Salesforce/codet5-base',
                   study_model='microsoft/codebert-base', study_dataset='CodeXGLUE cloze test',
                   reported_metric='accuracy', replicated_metric='exact-match',
                   notes='an encoder alone cannot generate here; a T5-style encoder-decoder stands in (CodeT5 at paper)',
                   fidelity_overrides={'task': 'analogue'}),
        experiment('clone-codebert', 'Code Clone Detection', 'encoder-only', METHODS,
                   paper_model='microsoft/codebert-base', study_model='microsoft/codebert-base',
                   study_dataset='BigCloneBench, POJ-104, SCD-88', reported_metric='F1'),
        experiment('summarize-codebert', 'Code Summarization', 'encoder-decoder', METHODS,
                   paper_model='Salesforce/codet5-base', paper_data='codexglue-code-to-text-python',
                   study_model='microsoft/codebert-base', study_dataset='CodeSearchNet', reported_metric='BLEU',
                   notes='an encoder alone cannot generate here; a T5-style encoder-decoder stands in (CodeT5 at paper)'),
    ),
)
