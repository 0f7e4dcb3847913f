"""P35. Wang et al., "One Adapter for All Programming Languages? Adapter Tuning for Code Search and
Summarization", ICSE 2023.

What the study did: one adapter for all programming languages: adapter tuning of UniXcoder
and CodeT5 on code search and summarization across CodeSearchNet's six languages, against full
fine-tuning (the corpus records its trainable-parameter share).
What we run: adapters on Python only (mined functions): search pairs on an encoder,
summarization on an encoder-decoder.
"""
from replication.studies._common import experiment, paper
from replication.study import Study

METHODS = ('Adapter (Houlsby)',)
# Code search at the paper profile as the released code runs it (Multilingual-Adapter-for-SE at commit
# fe69e31e3cc3e7dfb87abf3571b76c0110de3df2, "code search/unixcoder/README.md" line 34): 10 epochs, batch 64,
# code 256 and query 128 tokens (ours: one 256-token pair), lr 5e-5, seed 123456 (pass --seeds 123456).
# Not followed yet: its UniXcoder is a bi-encoder ranking the whole codebase; ours a cross-encoder ranking
# pools of 1,000. Summarisation's settings live in variables of "code summarization/codet5/sh/exp_with_args.sh"
# (lines 28-96), whose values were not traced; it keeps the generic paper scale.
PAPER_SEARCH = paper(251820, 14918, epochs=10, batch=64, source=256, target=1, lr={'Adapter (Houlsby)': 5e-5,
                                                                                    'Full Fine-Tuning': 5e-5})

STUDY = Study(
    id='P35',
    title='One Adapter for All Programming Languages? Adapter Tuning for Code Search and Summarization',
    source='arXiv:2303.15822; code https://github.com/wangdeze18/Multilingual-Adapter-for-SE',
    experiments=(
        experiment('search-unixcoder', 'Code Search', 'encoder-only', METHODS,
                   paper_model='microsoft/unixcoder-base', study_model='microsoft/unixcoder-base',
                   study_dataset='CodeSearchNet (six languages)', reported_metric='MRR', paper_scale=PAPER_SEARCH),
        experiment('summarize-codet5', 'Code Summarization', 'encoder-decoder', METHODS,
                   paper_model='Salesforce/codet5-base', paper_data='codexglue-code-to-text-python',
                   study_model='CodeT5', study_dataset='CodeSearchNet (six languages)', reported_metric='BLEU'),
    ),
)
