"""P23. Fan et al., "Exploring the Capabilities of LLMs for Code Change Related Tasks", TOSEM 2024.

What the study did: in-context learning, LoRA and prefix tuning of code LLMs (InCoder,
CodeGen, Llama 2, Code Llama) on code review generation, commit message generation and
just-in-time comment update; no full fine-tuning baseline (ours is the harness's reference).
What we run: LoRA and prefix tuning on a decoder on synthetic commits (message generation);
review generation and comment update are approximated (see replication/studies/_common.py).
"""
from replication.studies._common import experiment
from replication.study import Study

METHODS = ('LoRA', 'Prefix Tuning')

STUDY = Study(
    id='P23',
    title='Exploring the Capabilities of LLMs for Code Change Related Tasks',
    source='arXiv:2407.02824; code https://github.com/ZJU-CTAG/CodeChange',
    experiments=(
        experiment('review-generation-codellama', 'Code Review Generation', 'decoder-only', METHODS,
                   paper_model='codellama/CodeLlama-7b-hf', study_model='Code Llama-7B',
                   study_dataset='code review dataset of Li et al.', reported_metric='BLEU'),
        experiment('cmg-codellama', 'Commit Message Generation', 'decoder-only', METHODS,
                   paper_model='codellama/CodeLlama-7b-hf', paper_data='mcmd-java',
                   study_model='Code Llama-7B', study_dataset='MCMD', reported_metric='BLEU'),
        experiment('comment-update-codellama', 'Just-in-time Comment Update', 'decoder-only', METHODS,
                   paper_model='codellama/CodeLlama-7b-hf', study_model='Code Llama-7B',
                   study_dataset='JIT comment update (Liu et al.)', reported_metric='GLEU',
                   replicated_metric='sacrebleu'),
    ),
)
