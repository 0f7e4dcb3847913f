"""P29. Shi et al., "Towards Efficient Fine-Tuning of Pre-trained Code Models: An Experimental
Study and Beyond", ISSTA 2023.

What the study did: Telly-K freezes the embeddings and bottom K layers of UniXcoder and
GraphCodeBERT and fine-tunes the rest, on code search, clone detection, summarization,
generation and completion, against full fine-tuning.
What we run: Layer Freezing (bottom half) on the five tasks' offline stand-ins; the generative
ones on an encoder-decoder (UniXcoder's own generative mode) or decoder (completion).
"""
from replication.studies._common import experiment
from replication.study import Study

METHODS = ('Layer Freezing',)

STUDY = Study(
    id='P29',
    title='Towards Efficient Fine-Tuning of Pre-trained Code Models: An Experimental Study and Beyond',
    source='arXiv:2304.05216; code https://github.com/DeepSoftwareAnalytics/Telly',
    experiments=(
        experiment('search-unixcoder', 'Code Search', 'encoder-only', METHODS,
                   paper_model='microsoft/unixcoder-base', study_model='microsoft/unixcoder-base',
                   study_dataset='CodeSearchNet (Python, Ruby)', reported_metric='MRR'),
        experiment('clone-unixcoder', 'Code Clone Detection', 'encoder-only', METHODS,
                   paper_model='microsoft/unixcoder-base', study_model='microsoft/unixcoder-base',
                   study_dataset='BigCloneBench', reported_metric='F1'),
        experiment('summarize-unixcoder', 'Code Summarization', 'encoder-decoder', METHODS,
                   paper_model='Salesforce/codet5-base', paper_data='codexglue-code-to-text-python',
                   study_model='microsoft/unixcoder-base', study_dataset='CodeSearchNet', reported_metric='BLEU',
                   notes="UniXcoder's generation mode is not loadable by the harness's auto classes; CodeT5 stands in at paper"),
        experiment('generate-unixcoder', 'Code Generation', 'encoder-decoder', METHODS,
                   paper_model='Salesforce/codet5-base', paper_data='concode',
                   study_model='microsoft/unixcoder-base', study_dataset='CONCODE', reported_metric='BLEU',
                   notes="UniXcoder's generation mode is not loadable by the harness's auto classes; CodeT5 stands in at paper"),
        experiment('complete-unixcoder', 'Code Completion', 'decoder-only', METHODS,
                   paper_model='Salesforce/codegen-350M-mono', study_model='microsoft/unixcoder-base',
                   study_dataset='GitHub Java Corpus', reported_metric='edit similarity',
                   replicated_metric='edit-sim',
                   notes="UniXcoder's generation mode is not loadable by the harness's auto classes; CodeT5 stands in at paper"),
    ),
)
