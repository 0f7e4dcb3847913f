"""P35. Wang et al., "One Adapter for All Programming Languages? Adapter Tuning for Code Search and
Summarization", ICSE 2023.

What the study did: one adapter for all programming languages: adapter tuning of UniXcoder
and CodeT5 on code search and summarization across CodeSearchNet's six languages, against full
fine-tuning (the corpus records its trainable-parameter share). Its released code inserts an
OpenDelta AdapterModel of bottleneck 128 after the self-attention and feed-forward modules and
trains only the adapters.
What we run: adapters on Python only (mined functions offline; CodeXGLUE's Python split at the
paper profile): search pairs on an encoder, summarization on an encoder-decoder.
"""
from dataclasses import replace

from replication.studies._common import experiment, paper
from replication.study import Study

METHODS = ('Adapter (Houlsby)',)
# Every file and line below is in the released code, Multilingual-Adapter-for-SE at commit
# fe69e31e3cc3e7dfb87abf3571b76c0110de3df2, unless named as OpenDelta's (thunlp/OpenDelta at commit
# 067eed2304cb1bdfe462094e42a37de4de98edff).
#
# The adapter, as both tasks build it: an OpenDelta AdapterModel of bottleneck_dim=128
#   "code search/unixcoder/run_multilin_adapter.py":550
#       AdapterModel(backbone_model=model, modified_modules=['attention', '[r](\d)+\.output'], bottleneck_dim=128)
#       (RoBERTa: each layer's whole attention block and its output block, after their LayerNorm)
#   "code summarization/codet5/models.py":38
#       AdapterModel(backbone_model = model,modified_modules=['layer.0','layer.2','[r]encoder\.block\.(\d)+\.layer\.[01]'],bottleneck_dim=128)
#       (T5: encoder self-attention and feed-forward, decoder self-attention and feed-forward; no adapter on
#       the decoder's cross-attention, layer.1, as ours leaves it out)
#   OpenDelta opendelta/delta_models/adapter.py:63,109,111,139  non_linearity='gelu_new'; weights N(0, 0.01),
#       biases zero; "modified_output = adapter_output + hiddens" on the module's output: placement "output"
#   only the adapters train: the optimiser holds the parameters named 'adapter' alone
#       ("code search/unixcoder/run_multilin_adapter.py":261 "if 'adapter' in n :#or 'Norm' in n";
#       "code summarization/codet5/run_gen_adapter.py":203 "if 'adapter' in n:"), so no LayerNorm trains.
# 128 of 768 wide (UniXcoder and CodeT5-base alike): reduction factor 6, which keeps the ratio on the
# smaller models of smoke and mini.
ADAPTER = {'reduction_factor': 6, 'placement': 'output', 'init': 'opendelta', 'non_linearity': 'gelu_new',
           'train_layer_norm': False}

# Code search ("code search/unixcoder/README.md":34, the multilingual adapter's training command):
#   --num_train_epochs 10 --code_length 256 --nl_length 128 --train_batch_size 64 --learning_rate 5e-5
#   --seed 123456 (pass --seeds 123456); ours reads one 256-token (query, code) pair.
#   run_multilin_adapter.py:267  num_warmup_steps=0; :321 clip_grad_norm_(..., args.max_grad_norm), default 1.0
#   (:487); :335-337 validation MRR once per epoch (averaged over the six languages), the best kept (:352-364).
#   Full fine-tuning: "code search/unixcoder/run.py":314 --learning_rate default=5e-5, :136 num_warmup_steps = 0.
#   Sizes: Python's CodeXGLUE-cleaned split, 251,820 train / 14,918 test (README.md:29,34).
PAPER_SEARCH = replace(paper(251820, 14918, epochs=10, batch=64, source=256, target=1, warmup=0.0,
                             lr={'Adapter (Houlsby)': 5e-5, 'Full Fine-Tuning': 5e-5}), validation_checks=10)

# Code summarisation: "code summarization/codet5/README.md":36 runs
#   "python run_exp.py --model_tag codet5_base --task summarize --sub_task none  --apply_adapter", and
#   sh/run_exp.py passes its values to sh/exp_with_args.sh (run_exp.py:9-11, 103-109), which hands them on:
#   run_exp.py:34-37      src_len = 256, trg_len = 128, epoch = 15, patience = 2        (task == 'summarize')
#   run_exp.py:79-84      codet5_base: bs = 48 for 'summarize'
#   run_exp.py:90,100-101 lr = 5; "if args.apply_adapter: lr =10"; exp_with_args.sh:92 "--learning_rate ${LR}e-5":
#                         adapters 1e-4, full fine-tuning (run without --apply_adapter) 5e-5
#   run_exp.py:105        warmup=1000 -> exp_with_args.sh:92 --warmup_steps: 1,000 linear warm-up steps, here
#                         of 15 x ceil(251,820 / 48) = 78,705 steps (our warm-up is a ratio of the steps)
#   exp_with_args.sh:96   --train_batch_size ${BS} --eval_batch_size 16 --max_source_length ${SRC_LEN}
#                         --max_target_length ${TRG_LEN}; no --beam_size, --seed, --weight_decay or
#                         --gradient_accumulation_steps, so configs.py's defaults hold:
#   configs.py:77,81,83,102  gradient_accumulation_steps 1, beam_size 10, weight_decay 0.0, seed 1234
#                            (pass --seeds 1234 to use the study's)
#   run_gen_adapter.py:111-113  generate(num_beams=args.beam_size, early_stopping=True, max_length=128)
#   run_gen_adapter.py:321-352, 376  dev smoothed BLEU once per epoch; the best-BLEU checkpoint is tested
#   Sizes: Python's CodeXGLUE split, 251,820 train / 13,914 valid / 14,918 test (README.md:29,34;
#   "code summarization/codet5/README.md":6 downloads CodeXGLUE's code-to-text dataset).
PAPER_SUMMARIZE = replace(paper(251820, 14918, epochs=15, batch=48, source=256, target=128, beams=10,
                                warmup=1000 / 78705, lr={'Adapter (Houlsby)': 1e-4, 'Full Fine-Tuning': 5e-5}),
                          validation_checks=15)

# Deviations from the released code that remain, per task:
SEARCH_NOTES = (
    "the study's UniXcoder is a bi-encoder (code search/unixcoder/model.py:12-14: mean-pooled, L2-normalised "
    "vectors; run_multilin_adapter.py:305-307 in-batch cross-entropy over scores x 20) ranking each query "
    "against its language's whole codebase.jsonl (:370, :411 np.matmul(nl_vecs, code_vecs.T); a rank beyond "
    "1,000 scores 0, :427); ours is a cross-encoder ranking pools of 1,000; the study trains one adapter on "
    "all six languages (:202-206; 908,224 pairs, code search/unixcoder/README.md:11) with a language token "
    "prefixed to the code (:193-195, :213-215; six tokens added to the vocabulary, :556-561, their embeddings untrained); "
    "ours trains on Python alone with no such token")
SUMMARIZE_NOTES = (
    "the study trains one adapter on all six languages; the runner that exp_with_args.sh:79 names for it, "
    "run_gen_adapter_multi.py, is not in the released code (run_gen_adapter.py, the monolingual adapter "
    "runner, is; the multilingual file list is utils.py:262-289) and README's '--sub_task none' fails "
    "run_exp.py:166's assertion, so its multilingual run is not traceable and ours follows the settings "
    "run_exp.py gives every summarize sub-task, on Python; exp_with_args.sh:89 launches 4 processes whose "
    "per-process batch (configs.py:73-74 'Batch size per GPU/CPU for training.') or total batch is the absent runner's choice: "
    "ours is 48 in one process; its early stopping (patience 2: run_gen_adapter.py:313,359) is not ours (we "
    "train the 15 epochs and test the best-BLEU checkpoint); its training does not clip gradients "
    "(run_gen_adapter.py:257-263), ours clips at 1.0; its loss also counts the target padding (labels are "
    "padded with the pad id, _utils.py:51, run_gen_adapter.py:245-246)")

STUDY = Study(
    id='P35',
    title='One Adapter for All Programming Languages? Adapter Tuning for Code Search and Summarization',
    source='arXiv:2303.15822; code https://github.com/wangdeze18/Multilingual-Adapter-for-SE',
    notes="paper profile from Multilingual-Adapter-for-SE at commit fe69e31e (see the module's comments, file "
          "and line per setting); OpenDelta AdapterModel of bottleneck 128 after the self-attention and "
          "feed-forward modules, adapters alone trained; remaining deviations: Python only, not one adapter "
          "for six languages; search is a cross-encoder over pools of 1,000, not the study's bi-encoder over "
          "the whole codebase; summarisation's multilingual runner is not released; no early stopping",
    experiments=(
        experiment('search-unixcoder', 'Code Search', 'encoder-only', METHODS,
                   paper_model='microsoft/unixcoder-base', study_model='microsoft/unixcoder-base',
                   study_dataset='CodeSearchNet (six languages)', reported_metric='MRR', paper_scale=PAPER_SEARCH,
                   method_config={'Adapter (Houlsby)': ADAPTER}, notes=SEARCH_NOTES),
        experiment('summarize-codet5', 'Code Summarization', 'encoder-decoder', METHODS,
                   paper_model='Salesforce/codet5-base', paper_data='codexglue-code-to-text-python',
                   study_model='Salesforce/codet5-base', study_dataset='CodeXGLUE code-to-text (six languages)',
                   reported_metric='BLEU', paper_scale=PAPER_SUMMARIZE,
                   method_config={'Adapter (Houlsby)': ADAPTER}, notes=SUMMARIZE_NOTES),
    ),
)
