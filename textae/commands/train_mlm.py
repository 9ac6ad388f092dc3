"""Train a small BERT masked language model on PTB or any text; report masked accuracy and perplexity.

Examples:
    python scripts/train_mlm.py --ptb                                  # Penn Treebank, 4 layers x 256
    python scripts/train_mlm.py --ptb --whole-word true                # whole-word masking in training
    python scripts/train_mlm.py --ptb --time-budget-minutes 120        # stop (keeping the best) after 2 h
    python scripts/train_mlm.py --ptb --resume                         # continue an interrupted run
    python scripts/train_mlm.py --train-file a.txt --dev-file b.txt --test-file c.txt
    python scripts/train_mlm.py --tiny --dry-run                       # a smoke test in seconds

Data: --ptb reads <data dir>/ptb/ptb.{train,valid,test}.txt (downloaded and verified when
missing); its '<unk>' and 'N' stay words ('<unk>' is kept whole, see --unsplit-words).
--train-file/--dev-file/--test-file take any UTF-8 text, one pre-tokenized sentence per line.
The WordPiece vocabulary is trained on the training text only. Each sentence becomes
[CLS] pieces [SEP], cut to --max-length pieces.

The preset (--ptb unless --tiny) sets most flags, and explicit flags override it: a flag's
help ends with its value under each preset, e.g. (--ptb: 0.001; --tiny: 0.002), where a preset
changes it, else with its default. --ptb: vocabulary 8000, AdamW (weight decay 0.01, none on
biases and LayerNorms), learning rate 1e-3 after 1000 warmup steps, gradient clip 1.0, batch 64,
at most 30 epochs, patience 5 on dev masked accuracy.

Training corrupts every batch afresh (BERT: 15% of the pieces chosen, of those 80% [MASK],
10% a random piece, 10% kept) and selects the model on dev masked accuracy under a fixed
corruption (--eval-seed).

Outputs in --output-dir: run_config.json, metrics.jsonl, tokenizer/ (the trained tokenizer),
model/ (Hugging Face files: transformers.AutoModelForMaskedLM and AutoTokenizer load it
offline; textae_mlm.json holds the corruption settings), checkpoints/ (for --resume) and
test_report.json: dev and test masked accuracy (%) and masked perplexity, always under
token-level 15% Bernoulli BERT corruption with the fixed --eval-seed, beside a unigram
baseline scored on the very same positions (it predicts the most frequent training piece,
specials excluded, everywhere; its perplexity is the add-one smoothed unigram's).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

from textae.cli import (
    PLACEHOLDER_VOCAB_SIZE,
    add_dataclass_arguments,
    add_run_arguments,
    build_dataclass,
    check_minimums,
    ensure_folder,
    load_sentence_splits,
    peek,
    user_errors,
    with_dry_run,
    write_run_config,
)
from textae.mlm import (
    PRE_TOKENIZERS,
    SPECIAL_TOKENS,
    MLMCollator,
    continuation_table,
    encode_for_mlm,
    load_tokenizer,
    masked_lm_scores,
    report_masking,
    train_wordpiece_tokenizer,
    unigram_counts,
    unigram_scores,
)
from textae.models.bert_mlm import BertMaskedLM, BertMLMConfig
from textae.train import (
    ResumeError,
    TrainConfig,
    fit,
    make_loader,
    require_checkpoint,
    resolve_device,
    set_seed,
)


@dataclass(frozen=True)
class MLMDataConfig:
    data_dir: str = ""
    train_file: str = ""
    dev_file: str = ""
    test_file: str = ""
    vocab_size: int = 8000  # WordPiece vocabulary asked of the trainer, specials included
    min_frequency: int = 2  # pieces seen fewer times in training text are not merged
    lowercase: bool = False
    pre_tokenizer: str = "whitespace"  # whitespace (pre-tokenized text) | bert (also splits punctuation)
    unsplit_words: str = "<unk>"  # comma-separated words never split into pieces
    max_length: int = 128  # pieces per sequence, [CLS] and [SEP] included; longer sentences are cut
    batch_size: int = 64
    eval_batch_size: int = 128
    max_train_sentences: int = 0
    max_eval_sentences: int = 0

    # --help text of each field (a class attribute, not a field: it has no annotation).
    field_help = {
        "data_dir": "folder holding ptb/ptb.{train,valid,test}.txt, used unless --train-file is given "
                    "(empty: $TEXTAE_DATA_DIR, else ~/.cache/textae/data)",
        "train_file": "UTF-8 text, one pre-tokenized sentence per line, to train the tokenizer and model on "
                      "instead of PTB (give --dev-file and --test-file too)",
        "dev_file": "text of the dev set (model selection, early stopping and the report), with --train-file",
        "test_file": "text of the test set (the report), with --train-file",
        "vocab_size": "WordPiece vocabulary size asked of the tokenizer trainer, the 5 specials included "
                      "(--unsplit-words not in it come on top)",
        "min_frequency": "pieces seen fewer times in the training text are not merged into the vocabulary",
        "lowercase": "lower-case the text (and strip accents) before splitting it into pieces",
        "pre_tokenizer": "whitespace: split words on whitespace only (pre-tokenized text such as PTB's) | "
                         "bert: also split off every punctuation character",
        "unsplit_words": "comma-separated words always kept whole as one piece (empty: none)",
        "max_length": "pieces per sentence, [CLS] and [SEP] included; longer sentences are cut "
                      "(at most --max-position-embeddings)",
        "batch_size": "training sentences per batch",
        "eval_batch_size": "sentences per batch when evaluating on dev and test",
        "max_train_sentences": "use only the first N training sentences (0: all)",
        "max_eval_sentences": "use only the first N dev and test sentences (0: all)",
    }

    def __post_init__(self) -> None:
        if self.pre_tokenizer not in PRE_TOKENIZERS:
            raise ValueError(f"pre_tokenizer must be one of {PRE_TOKENIZERS}, got {self.pre_tokenizer!r}")
        check_minimums(self, {"min_frequency": 1, "batch_size": 1, "eval_batch_size": 1,
                              "max_train_sentences": 0, "max_eval_sentences": 0})
        if self.vocab_size <= len(SPECIAL_TOKENS):  # refused before reading data, not by the tokenizer trainer
            raise ValueError(f"--vocab-size must exceed the {len(SPECIAL_TOKENS)} special tokens it includes (at least "
                             f"{len(SPECIAL_TOKENS) + 1}), got {self.vocab_size}")
        if self.max_length < 3:
            raise ValueError(f"max_length must be >= 3 ([CLS], a piece, [SEP]), got {self.max_length}")


PRESETS: dict[str, dict] = {
    # A small BERT for PTB's 0.9M words on a few CPU cores: 4 layers x 256, 4 heads, ~5M weights.
    "ptb": dict(vocab_size=8000, hidden_size=256, num_layers=4, num_heads=4, intermediate_size=1024,
                max_position_embeddings=128, max_length=128, dropout=0.1, attention_dropout=0.1, batch_size=64,
                optimizer="adamw", learning_rate=1e-3, warmup_steps=1000, grad_clip=1.0, max_epochs=30,
                early_stopping_metric="masked_acc", early_stopping_mode="max", patience=5),
    "tiny": dict(vocab_size=400, min_frequency=1, hidden_size=32, num_layers=2, num_heads=2, intermediate_size=64,
                 max_position_embeddings=64, max_length=64, dropout=0.0, attention_dropout=0.0, batch_size=16,
                 max_train_sentences=300, max_eval_sentences=60, optimizer="adamw", learning_rate=2e-3,
                 warmup_steps=0, grad_clip=1.0, max_epochs=2, early_stopping_metric="masked_acc",
                 early_stopping_mode="max", patience=0),
}
PRESET_FLAGS = {"ptb": "--ptb", "tiny": "--tiny"}


DRY_RUN = dict(max_train_sentences=64, max_eval_sentences=16, max_steps=2, max_epochs=1, patience=0)  # what --dry-run changes


def preset_values(preset_name: str, dry_run: bool = False) -> dict:
    """What a preset gives the configs (with --dry-run's changes): the values a run uses unless
    flags override them."""
    return with_dry_run(PRESETS[preset_name], dry_run, DRY_RUN)


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The script's parser; its help shows the values each preset gives the flags (those under
    --dry-run when ``argv`` has it)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0], epilog=__doc__.split("\n", 2)[2],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    presets = parser.add_mutually_exclusive_group()
    presets.add_argument("--ptb", action="store_true", help="Penn Treebank, a 4-layer BERT of width 256 (default)")
    presets.add_argument("--tiny", action="store_true", help="300 PTB sentences, a 2-layer BERT of width 32, 2 epochs")
    add_run_arguments(parser, default_output="runs/mlm-<preset>-seed<seed>", resume=" (same tokenizer)",
                      dry_run="2 training batches, a few evaluation sentences")
    dry_run = peek(argv, switches=("--dry-run",)).dry_run
    presets_shown = {flag: preset_values(name, dry_run) for name, flag in PRESET_FLAGS.items()}
    add_dataclass_arguments(parser, MLMDataConfig, title="data", presets=presets_shown)
    add_dataclass_arguments(parser, BertMLMConfig, skip=("vocab_size", "pad_id", "unk_id", "cls_id", "sep_id", "mask_id"),
                            title="model and corruption", presets=presets_shown)
    add_dataclass_arguments(parser, TrainConfig, skip=("output_dir", "seed", "resume"), title="training",
                            presets=presets_shown)
    return parser


@user_errors
def main(argv=None) -> dict:
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    preset_name = "tiny" if args.tiny else "ptb"
    preset = preset_values(preset_name, args.dry_run)
    output_dir = args.output_dir or (tempfile.mkdtemp(prefix="textae-mlm-dry-run-") if args.dry_run
                                     else f"runs/mlm-{preset_name}-seed{args.seed}")
    args.usage_error = parser.error  # a value a config rejects is a usage error (textae.cli.build_dataclass)
    data = build_dataclass(MLMDataConfig, args, preset)
    train_config = build_dataclass(TrainConfig, args, preset, output_dir=output_dir, seed=args.seed,
                                   resume=args.resume)
    model_config = build_dataclass(BertMLMConfig, args, preset, vocab_size=PLACEHOLDER_VOCAB_SIZE)
    if data.max_length > model_config.max_position_embeddings:
        parser.error(f"--max-length {data.max_length} exceeds --max-position-embeddings "
                     f"{model_config.max_position_embeddings}")
    set_seed(args.seed)
    splits = load_sentence_splits(data)
    if data.max_train_sentences:
        splits["train"] = splits["train"][: data.max_train_sentences]
    if data.max_eval_sentences:
        splits["dev"], splits["test"] = (splits[s][: data.max_eval_sentences] for s in ("dev", "test"))

    tokenizer_dir = Path(output_dir) / "tokenizer"
    if args.resume:  # the checkpoint's embedding rows belong to this run's tokenizer
        require_checkpoint(output_dir)
        if not (tokenizer_dir / "tokenizer.json").is_file():
            raise ResumeError(f"--resume: no tokenizer in {tokenizer_dir} (not a train_mlm.py run folder)")
        tokenizer = load_tokenizer(tokenizer_dir)
    else:
        ensure_folder(output_dir, "--output-dir")  # before training the tokenizer, which is written there
        unsplit = [word for word in data.unsplit_words.split(",") if word]
        tokenizer = train_wordpiece_tokenizer(splits["train"], data.vocab_size, min_frequency=data.min_frequency,
                                              lowercase=data.lowercase, pre_tokenizer=data.pre_tokenizer,
                                              unsplit_words=unsplit, max_length=data.max_length)
        tokenizer.save_pretrained(tokenizer_dir)
    model_config = dataclasses.replace(model_config, vocab_size=len(tokenizer))
    encoded = {split: encode_for_mlm(tokenizer, rows, data.max_length) for split, rows in splits.items()}
    collate = MLMCollator(tokenizer.pad_token_id, continuation_table(tokenizer))
    train_loader = make_loader(encoded["train"], data.batch_size, collate, shuffle=True, seed=args.seed,
                               sort_keys=[len(row) for row in encoded["train"]])
    eval_loaders = {split: make_loader(encoded[split], data.eval_batch_size, collate) for split in ("dev", "test")}
    model = BertMaskedLM(model_config)
    write_run_config(output_dir, {"preset": preset_name, "data": data, "model": model_config, "train": train_config,
                                  "vocab_size": len(tokenizer)}, overwrite=args.overwrite)
    pieces = sum(len(row) - 2 for row in encoded["train"])
    print(f"bert_mlm: {len(encoded['train'])}/{len(encoded['dev'])}/{len(encoded['test'])} sentences, "
          f"{pieces} training pieces, vocabulary {len(tokenizer)}, output {output_dir}", flush=True)

    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # no bar per saved or loaded model
    result = fit(model, train_loader, eval_loaders["dev"], train_config,
                 save_model=lambda m, d: m.save_pretrained(d, tokenizer=tokenizer))
    if not result.is_main:  # under torchrun, rank 0 writes the report
        return {}
    if result.interrupted:
        return {"interrupted": True}
    best = BertMaskedLM.from_pretrained(result.model_dir).to(resolve_device(train_config.device))
    masking = report_masking(best)
    counts = unigram_counts(encoded["train"], len(tokenizer))
    report = {"model": "bert_mlm", "preset": preset_name, "seed": args.seed, "best_step": result.best_step,
              "steps": result.steps, "train_seconds": result.train_seconds, "vocab_size": len(tokenizer),
              "corruption": {"select_rate": masking.select_rate, "mask_fraction": masking.mask_fraction,
                             "random_fraction": masking.random_fraction, "convention": masking.convention,
                             "whole_word": False, "seed": model_config.eval_seed}}
    for split in ("dev", "test"):
        report[split] = masked_lm_scores(best, eval_loaders[split], seed=model_config.eval_seed, masking=masking)
        baseline = unigram_scores(counts, eval_loaders[split], masking, seed=model_config.eval_seed)
        report[split].update(baseline, unigram_token=tokenizer.convert_ids_to_tokens(int(baseline["unigram_token_id"])))
    (Path(output_dir) / "test_report.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    for split in ("dev", "test"):
        scores = report[split]
        print(f"{split}: masked accuracy {scores['masked_acc']:.2f}% (unigram {scores['unigram_masked_acc']:.2f}%), "
              f"masked perplexity {scores['masked_ppl']:.2f} (unigram {scores['unigram_masked_ppl']:.2f}) over "
              f"{int(scores['masked_tokens'])} positions")
    print(f"model in {result.model_dir}")
    return report


if __name__ == "__main__":
    main()
