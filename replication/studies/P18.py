"""P18. Zhu, "Automating Method Naming with Context-Aware Prompt-Tuning", ICPC 2023.

What the study did: AUMENA recommends method names with context-aware prompt tuning of
CodeT5, and checks name consistency as two-class classification.
What we run: soft-prompt tuning on recommending masked names of mined functions. The
consistency check is not declared: soft prompts need input embeddings, which transformers'
T5ForSequenceClassification refuses (see replication/methods/_peft.py).
"""
from replication.studies._common import experiment
from replication.study import Study

METHODS = ('Prompt Tuning',)

STUDY = Study(
    id='P18',
    title='Automating Method Naming with Context-Aware Prompt-Tuning',
    source='arXiv:2303.05771',
    experiments=(
        experiment('method-naming-codet5', 'Method Name Recommendation', 'encoder-decoder', METHODS,
                   paper_model='Salesforce/codet5-base', study_model='CodeT5',
                   study_dataset='Java-small/med/large; Nguyen et al.', reported_metric='score',
                   replicated_metric='exact-match'),
    ),
)
