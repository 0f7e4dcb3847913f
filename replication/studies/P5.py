"""P5. Peng et al., "Domain Knowledge Matters: Improving Prompts with Fix Templates for Repairing
Python Type Errors", ICSE 2024.

What the study did: TypeFix turns mined fix templates into masked prompts that CodeT5-base
fills to repair Python type errors (BugsInPy, TypeBugs); the review files it under prompt tuning.
What we run: soft-prompt tuning of an encoder-decoder on repairing injected defects in Python
functions (analogue); TypeFix's template mining is not reproduced.
"""
from replication.studies._common import experiment
from replication.study import Study

METHODS = ('Prompt Tuning',)

STUDY = Study(
    id='P5',
    title='Domain Knowledge Matters: Improving Prompts with Fix Templates for Repairing Python Type Errors',
    source='arXiv:2306.01394; code https://github.com/JohnnyPeng18/TypeFix',
    experiments=(
        experiment('type-error-repair-codet5', 'Automated Program Repair', 'encoder-decoder', METHODS,
                   paper_model='Salesforce/codet5-base', study_model='Salesforce/codet5-base',
                   study_dataset='BugsInPy, TypeBugs', reported_metric='correct patches',
                   replicated_metric='exact-match'),
    ),
)
