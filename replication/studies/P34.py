"""P34. Wang et al., "No More Fine-Tuning? An Experimental Evaluation of Prompt Tuning in Code
Intelligence", ESEC/FSE 2022.

What the study did: prompt tuning (hard and soft templates) against fine-tuning of CodeBERT
and CodeT5 on defect prediction (Devign), code summarization (CodeSearchNet) and code
translation (Java-C#), in full and low-resource data.
What we run: soft-prompt tuning on the three tasks' stand-ins.
"""
from replication.studies._common import experiment
from replication.study import Study

METHODS = ('Prompt Tuning',)
# The study's released code (PT4Code: PromptForGeneration(..., freeze_plm=False)) trains the whole model
# with its soft prompt; ours freezes the model and trains the prompt alone, as the PEFT method is defined.
FROZEN = {'method': 'different'}

STUDY = Study(
    id='P34',
    title='No More Fine-Tuning? An Experimental Evaluation of Prompt Tuning in Code Intelligence',
    source='arXiv:2207.11680; code https://github.com/adf1178/PT4Code',
    experiments=(
        experiment('defect-codebert', 'Defect Detection', 'encoder-only', METHODS,
                   paper_model='microsoft/codebert-base', paper_data='devign',
                   study_model='microsoft/codebert-base', study_dataset='Devign', reported_metric='Accuracy',
                   replicated_metric='accuracy', fidelity_overrides=FROZEN),
        experiment('summarize-codet5', 'Code Summarization', 'encoder-decoder', METHODS,
                   paper_model='Salesforce/codet5-base', paper_data='codexglue-code-to-text-python',
                   study_model='Salesforce/codet5-base', study_dataset='CodeSearchNet', reported_metric='BLEU',
                   fidelity_overrides=FROZEN),
        experiment('translate-codet5', 'Code Translation', 'encoder-decoder', METHODS,
                   paper_model='Salesforce/codet5-base', study_model='Salesforce/codet5-base',
                   study_dataset='CodeXGLUE Java-C#', reported_metric='BLEU',
                   fidelity_overrides=FROZEN),
    ),
)
