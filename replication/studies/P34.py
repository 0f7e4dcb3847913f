"""P34. Wang et al., "No More Fine-Tuning? An Experimental Evaluation of Prompt Tuning in Code
Intelligence", ESEC/FSE 2022.

What the study did: prompt tuning (hard and soft templates) against fine-tuning of CodeBERT
and CodeT5 on defect prediction (Devign), code summarization (CodeSearchNet) and code
translation (Java-C#), in full and low-resource data.
What we run: soft-prompt tuning on the three tasks' stand-ins.
"""
from replication.studies._common import experiment, paper
from replication.study import Study

METHODS = ('Prompt Tuning',)
# The study's released code (PT4Code: PromptForGeneration(..., freeze_plm=False)) trains the whole model
# with its soft prompt; ours freezes the model and trains the prompt alone, as the PEFT method is defined.
FROZEN = {'method': 'different'}
# Paper-profile settings from PT4Code at commit ba7446ce13f4db6b508ad3f0c9f385994309220d:
#   summarization/prompt_t5.py:87,90,104,107,123,125,131  20 epochs, batch 64, 64/32 tokens, lr 5e-5,
#                                                         beam 10, max_grad_norm 1.0; SoftTemplate num_tokens=50 (192)
#   translation/prompt_t5.py:87,90,104,107,123,125        20 epochs, batch 64, 128/256 tokens, lr 5e-5, beam 10
#   defect/prompt/codebert.py:86,111,116,128              batch 32, 5 epochs, lr 2e-5, warm-up 10% of the steps
#   summarization|translation/prompt_t5.py:110           warm_up_ratio 0.1
# Remaining deviation: its prompt tuning also trains the model (freeze_plm=False, prompt_t5.py:195), see FROZEN.
PAPER_SUMMARIZE = paper(251820, 14918, epochs=20, batch=64, source=64, target=32, beams=10, warmup=0.1,
                        lr={'Full Fine-Tuning': 5e-5, 'Prompt Tuning': 5e-5})
PAPER_TRANSLATE = paper(10300, 1000, epochs=20, batch=64, source=128, target=256, beams=10, warmup=0.1,
                        lr={'Full Fine-Tuning': 5e-5, 'Prompt Tuning': 5e-5})
PAPER_DEFECT = paper(21854, 2732, epochs=5, batch=32, source=512, target=1, warmup=0.1,
                     lr={'Full Fine-Tuning': 2e-5, 'Prompt Tuning': 2e-5})

STUDY = Study(
    id='P34',
    title='No More Fine-Tuning? An Experimental Evaluation of Prompt Tuning in Code Intelligence',
    source='arXiv:2207.11680; code https://github.com/adf1178/PT4Code',
    experiments=(
        experiment('defect-codebert', 'Defect Detection', 'encoder-only', METHODS,
                   paper_model='microsoft/codebert-base', paper_data='devign',
                   study_model='microsoft/codebert-base', study_dataset='Devign', reported_metric='Accuracy',
                   replicated_metric='accuracy', fidelity_overrides=FROZEN, paper_scale=PAPER_DEFECT),
        experiment('summarize-codet5', 'Code Summarization', 'encoder-decoder', METHODS,
                   paper_model='Salesforce/codet5-base', paper_data='codexglue-code-to-text-python',
                   study_model='Salesforce/codet5-base', study_dataset='CodeSearchNet', reported_metric='BLEU',
                   fidelity_overrides=FROZEN, paper_scale=PAPER_SUMMARIZE),
        experiment('translate-codet5', 'Code Translation', 'encoder-decoder', METHODS,
                   paper_model='Salesforce/codet5-base', study_model='Salesforce/codet5-base',
                   study_dataset='CodeXGLUE Java-C#', reported_metric='BLEU',
                   fidelity_overrides=FROZEN, paper_scale=PAPER_TRANSLATE),
    ),
)
