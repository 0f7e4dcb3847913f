"""P3. Liu, "FastFixer: An Efficient and Effective Approach for Repairing Programming Assignments",
ASE 2024.

What the study did: FastFixer fine-tunes CodeLlama-7B-Instruct with LoRA (r=8, alpha=16,
q/k/v/o) under a modification-focused loss to repair student C programs (Defects4DS).
What we run: LoRA with the study's settings on decoder-only repair of injected defects
(analogue); the modification-focused loss and its speculative decoding are not reproduced.
The study reported no full fine-tuning baseline: ours is the harness's reference.
"""
from replication.studies._common import experiment
from replication.study import Study

METHODS = ('LoRA',)

STUDY = Study(
    id='P3',
    title='FastFixer: An Efficient and Effective Approach for Repairing Programming Assignments',
    source='arXiv:2410.21285; code https://github.com/LiuFang816/FastFixer',
    experiments=(
        experiment('assignment-repair-codellama', 'Automated Program Repair', 'decoder-only', METHODS,
                   paper_model='codellama/CodeLlama-7b-Instruct-hf',
                   study_model='codellama/CodeLlama-7b-Instruct-hf', study_dataset='Defects4DS, Defects4DS-L',
                   reported_metric='assignment fixing', replicated_metric='exact-match',
                   method_config={'LoRA': {'r': 8, 'alpha': 16, 'target_modules': ['q_proj', 'k_proj', 'v_proj', 'o_proj']}}),
    ),
)
