"""P36. Goel et al., "On The Cross-Modal Transfer from Natural Language to Code through Adapter
Modules", ICPC 2022.

What the study did: language adapters trained with MLM on programming languages, and task
adapters stacked on them (MODE-X), in RoBERTa, against full fine-tuning on cloze tests
(CT-all, CT-max/min) and clone detection (BigCloneBench, POJ-104, SCD-88).
What we run: L-/T-Adapters on the cloze and clone stand-ins.
"""
from replication.studies._common import experiment
from replication.study import Study

METHODS = ('L-Adapter', 'T-Adapter')

STUDY = Study(
    id='P36',
    title='On The Cross-Modal Transfer from Natural Language to Code through Adapter Modules',
    source='arXiv:2204.08653; code https://github.com/fardfh-lab/NL-Code-Adapter',
    experiments=(
        experiment('cloze-roberta', 'Cloze Test', 'encoder-decoder', METHODS, paper_model='Salesforce/codet5-base',
                   study_model='roberta-base', study_dataset='CodeXGLUE cloze test', reported_metric='accuracy',
                   replicated_metric='exact-match',
                   notes="the study predicts the masked token with RoBERTa's MLM head; the harness has no MLM head, so a T5-style encoder-decoder generates it",
                   fidelity_overrides={'task': 'analogue'}),
        experiment('clone-roberta', 'Code Clone Detection', 'encoder-only', METHODS, paper_model='roberta-base',
                   study_model='roberta-base', study_dataset='BigCloneBench, POJ-104, SCD-88', reported_metric='F1'),
    ),
)
