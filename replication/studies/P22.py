"""P22. Saberi et al., "Model-Agnostic Syntactical Information for Pre-Trained Programming Language
Models", MSR 2023.

What the study did: NER adapters trained with token type classification inject syntax into
CodeBERT (with language adapters and AdapterFusion, per the review's artifact); code refinement
(BFP small, accuracy) and code summarization (CodeSearchNet, BLEU) against full fine-tuning.
What we run: the three adapter methods on an encoder-decoder (CodeBERT there sits under a
Transformer decoder, CodeXGLUE style; here a T5-style model, CodeT5 at paper).
"""
from replication.studies._common import experiment
from replication.study import Study

METHODS = ('NER-Adapter', 'L-Adapter', 'AdapterFusion')

STUDY = Study(
    id='P22',
    title='Model-Agnostic Syntactical Information for Pre-Trained Programming Language Models',
    source='arXiv:2303.06233',
    experiments=(
        experiment('refine-codebert', 'Code Refinement', 'encoder-decoder', METHODS,
                   paper_model='Salesforce/codet5-base', study_model='microsoft/codebert-base',
                   study_dataset='BFP small (Tufano et al.)', reported_metric='accuracy',
                   replicated_metric='exact-match-strict'),
        experiment('summarize-codebert', 'Code Summarization', 'encoder-decoder', METHODS,
                   paper_model='Salesforce/codet5-base', paper_data='codexglue-code-to-text-python',
                   study_model='microsoft/codebert-base', study_dataset='CodeSearchNet', reported_metric='BLEU'),
    ),
)
