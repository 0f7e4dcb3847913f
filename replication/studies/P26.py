"""P26. Chen et al., "Pass-Tuning: Towards Structure-Aware Parameter-Efficient Tuning for Code
Representation Learning", Findings of EMNLP 2023.

What the study did: Pass-Tuning feeds a GNN over the code's AST into the prefixes of a
frozen CodeT5/PLBART, against full fine-tuning, adapters, BitFit and (MLP) prefix tuning, on
six CodeXGLUE tasks (clone, defect, summarize, generate, translate, refine).
What we run: all six tasks with their offline stand-ins; Pass-Tuning's graph is the Python
AST type graph (see replication/methods/pass_tuning). The classification tasks run on an
encoder (CodeT5's classification head refuses prefixes in transformers; the study's code also runs CodeBERT-family encoders, used here).
"""
from replication.studies._common import experiment
from replication.study import Study

METHODS = ('Pass-Tuning', 'Adapter (Houlsby)', 'BitFit', 'Prefix Tuning')

STUDY = Study(
    id='P26',
    title='Pass-Tuning: Towards Structure-Aware Parameter-Efficient Tuning for Code Representation Learning',
    source='doi:10.18653/v1/2023.findings-emnlp.42; code https://github.com/nchen909/Pass-Tuning',
    experiments=(
        experiment('clone-encoder', 'Code Clone Detection', 'encoder-only', METHODS,
                   paper_model='microsoft/codebert-base', study_model='CodeT5, PLBART',
                   study_dataset='BigCloneBench', reported_metric='F1',
                   notes="CodeT5's classification head refuses prefixes in transformers; the study's code also runs CodeBERT-family encoders, used here"),
        experiment('defect-encoder', 'Defect Detection', 'encoder-only', METHODS,
                   paper_model='microsoft/codebert-base', paper_data='devign', study_model='CodeT5, PLBART',
                   study_dataset='Devign', reported_metric='accuracy', replicated_metric='accuracy',
                   notes="CodeT5's classification head refuses prefixes in transformers; the study's code also runs CodeBERT-family encoders, used here"),
        experiment('summarize-codet5', 'Code Summarization', 'encoder-decoder', METHODS,
                   paper_model='Salesforce/codet5-base', paper_data='codexglue-code-to-text-python',
                   study_model='CodeT5', study_dataset='CodeSearchNet', reported_metric='BLEU'),
        experiment('generate-codet5', 'Code Generation', 'encoder-decoder', METHODS,
                   paper_model='Salesforce/codet5-base', paper_data='concode', study_model='CodeT5',
                   study_dataset='CONCODE', reported_metric='BLEU'),
        experiment('translate-codet5', 'Code Translation', 'encoder-decoder', METHODS,
                   paper_model='Salesforce/codet5-base', study_model='CodeT5', study_dataset='CodeXGLUE Java-C#',
                   reported_metric='BLEU'),
        experiment('refine-codet5', 'Code Refinement', 'encoder-decoder', METHODS,
                   paper_model='Salesforce/codet5-base', study_model='CodeT5',
                   study_dataset='Bugs2Fix small/medium', reported_metric='exact match',
                   replicated_metric='exact-match-strict'),
    ),
)
