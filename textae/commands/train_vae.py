"""Train a sentence VAE (Bowman et al. 2016) or its LSTM language-model baseline, and evaluate it.

Examples:
    python scripts/train_vae.py --ptb                       # sentence VAE on Penn Treebank
    python scripts/train_vae.py --ptb --model lstm_lm       # the baseline, same decoder
    python scripts/train_vae.py --ptb-512 --device cuda     # the configuration of BENCHMARKS.md's 100.5
    python scripts/train_vae.py --ptb --model sentence_ae --input-mask-rate 0.15   # denoising autoencoder
    python scripts/train_vae.py --ptb --train-file my.txt --dev-file dev.txt --test-file test.txt
    python scripts/train_vae.py --tiny --dry-run            # a smoke test in seconds
    python scripts/interpolate.py --checkpoint runs/vae-ptb-sentence_vae-seed0/model "a b" "c d"

Data: --ptb and --ptb-512 read <data dir>/ptb/ptb.{train,valid,test}.txt (downloaded and verified when
missing); --train-file/--dev-file/--test-file take any UTF-8 text, one pre-tokenized
sentence per line. The vocabulary comes from the training text.

Outputs in --output-dir: run_config.json, metrics.jsonl, model/ (config.json,
model.safetensors, vocab.json), checkpoints/ (for --resume), curves.png (training NLL,
KL and KL weight), latent_pca.png (test posterior means) and test_report.json: dev and
test NLL (importance-weighted with --iw-samples draws for the VAE), perplexity, KL,
mutual information, active units and reconstruction BLEU, as He et al. (2019) report them.
An evaluation on the CPU keeps its progress in eval-<split>-progress.pt every two minutes
(500 importance samples of a large model take hours there): run the same command again
after an interruption and it goes on from there, to the same figures.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from textae.cli import (
    PLACEHOLDER_VOCAB_SIZE,
    UsageError,
    add_dataclass_arguments,
    add_run_arguments,
    build_dataclass,
    check_minimums,
    load_sentence_splits,
    parse_model_flags,
    peek,
    user_errors,
    with_dry_run,
    write_run_config,
)
from textae.models import MODELS
from textae.models.sentence_vae import SentenceVAEConfig
from textae.sentences import (
    SPECIALS,
    build_sentence_vocab,
    collate_sentences,
    encode_sentences,
    evaluate_sentences,
)
from textae.train import TrainConfig, fit, make_loader, native_bf16, resolve_device, set_seed
from textae.viz import plot_latent_map, plot_training_curves
from textae.vocab import Vocab


@dataclass(frozen=True)
class SentenceDataConfig:
    data_dir: str = ""
    train_file: str = ""
    dev_file: str = ""
    test_file: str = ""
    batch_size: int = 32
    max_length: int = 0  # 0: keep whole sentences; else cut longer ones
    min_freq: int = 1
    max_train_sentences: int = 0
    max_eval_sentences: int = 0
    iw_samples: int = 500
    eval_splits: str = "dev,test"  # splits scored after training (comma-separated)
    eval_autocast: str = "none"  # none | bf16: the importance-weighted estimate under bfloat16 autocast

    def __post_init__(self) -> None:
        check_minimums(self, {"batch_size": 1, "iw_samples": 1, "min_freq": 1, "max_length": 0,
                              "max_train_sentences": 0, "max_eval_sentences": 0})
        if self.eval_autocast not in ("none", "bf16"):
            raise ValueError(f"eval_autocast must be 'none' or 'bf16', got {self.eval_autocast!r}")
        unknown = [name for name in self.eval_splits.split(",") if name and name not in ("dev", "test")]
        if unknown:  # refused before training, not after it
            raise ValueError(f"eval_splits names the splits to score, dev and/or test; got {', '.join(unknown)}")

    # --help text of each field (a class attribute, not a field: it has no annotation).
    field_help = {
        "data_dir": "folder holding ptb/ptb.{train,valid,test}.txt, used unless --train-file is given "
                    "(empty: $TEXTAE_DATA_DIR, else ~/.cache/textae/data)",
        "train_file": "UTF-8 text, one pre-tokenized sentence per line, to train on instead of PTB "
                      "(give --dev-file and --test-file too)",
        "dev_file": "text of the dev set (model selection, early stopping and the report), with --train-file",
        "test_file": "text of the test set (the report), with --train-file",
        "batch_size": "training sentences per batch",
        "max_length": "cut every sentence (all splits) to this many words (0: keep whole sentences)",
        "min_freq": "training words seen fewer times map to <unk>",
        "max_train_sentences": "use only the first N training sentences (0: all)",
        "max_eval_sentences": "use only the first N dev and test sentences (0: all)",
        "iw_samples": "posterior samples per sentence for the sentence_vae's importance-weighted NLL in the "
                      "final evaluation",
        "eval_splits": "splits scored after training, comma-separated: dev, test (empty: none)",
        "eval_autocast": "none | bf16: compute the final importance-weighted NLL (sentence_vae) under bfloat16 "
                         "autocast; compare with none on a subset before reporting it (float32, with a warning, "
                         "on CPUs without native bfloat16)",
    }


PRESETS: dict[str, dict] = {
    # He et al. (2019)'s PTB configuration: latent 32, embedding and LSTMs 256, dropout 0.5.
    "ptb": dict(model="sentence_vae", embedding_size=256, hidden_size=256, latent_size=32, decoder_dropout=0.5,
                word_dropout=0.0, kl_schedule="linear", kl_anneal_steps=10_000, free_bits=0.0, batch_size=32,
                optimizer="adam", learning_rate=1e-3, max_epochs=40, early_stopping_metric="elbo_nll",
                early_stopping_mode="min", patience=5, grad_clip=5.0),
    # The benchmark's configuration that met issue #4's floor (PTB test IW-NLL 100.52, KL 6.0,
    # mean of 3 seeds; BENCHMARKS.md): sizes 512, output layer tied to the embeddings, free bits,
    # a shorter KL warm-up and a linearly decaying learning rate over 16 epochs.
    "ptb-512": dict(model="sentence_vae", embedding_size=512, hidden_size=512, latent_size=32, decoder_dropout=0.5,
                    word_dropout=0.0, kl_schedule="linear", kl_anneal_steps=2600, free_bits=0.2, tie_output=True,
                    batch_size=32, optimizer="adam", learning_rate=1e-3, lr_schedule="linear", max_epochs=16,
                    early_stopping_metric="elbo_nll", early_stopping_mode="min", patience=5, grad_clip=5.0),
    "tiny": dict(model="sentence_vae", embedding_size=16, hidden_size=16, latent_size=4, decoder_dropout=0.0,
                 kl_schedule="linear", kl_anneal_steps=100, batch_size=16, max_train_sentences=300,
                 max_eval_sentences=40, iw_samples=10, optimizer="adam", learning_rate=3e-3, max_epochs=2,
                 early_stopping_metric="elbo_nll", early_stopping_mode="min", patience=0),
}
PRESET_FLAGS = {"ptb": "--ptb", "ptb-512": "--ptb-512", "tiny": "--tiny"}
DRY_RUN = dict(max_train_sentences=64, max_eval_sentences=16, iw_samples=4, max_steps=2, max_epochs=1,
               patience=0)  # what --dry-run changes


def preset_values(preset_name: str, model_name: str | None = None, dry_run: bool = False) -> dict:
    """What a preset gives the configs of ``model_name`` (its own model when None), with the
    model's and --dry-run's changes: the values a run uses unless flags override them."""
    preset = dict(PRESETS[preset_name])
    model_name = model_name or preset["model"]
    if model_name == "lstm_lm":
        preset.update(early_stopping_metric="loss")
    if model_name == "sentence_ae":
        preset.update(early_stopping_metric="nll")
    return with_dry_run(preset, dry_run, DRY_RUN)


SENTENCE_MODELS = ["sentence_vae", "lstm_lm", "sentence_ae"]  # the --model choices


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0], epilog=__doc__.split("\n", 2)[2],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    presets = parser.add_mutually_exclusive_group()
    presets.add_argument("--ptb", action="store_true", help="Penn Treebank, He et al.'s sizes (default)")
    presets.add_argument("--ptb-512", action="store_true",
                         help="Penn Treebank, the benchmark's best configuration: sizes 512, tied output layer, "
                              "free bits 0.2, KL warm-up 2,600 steps, linear LR decay, 16 epochs (test IW-NLL "
                              "100.5, mean of 3 seeds; on 2 CPU cores ~2 h of training and ~3 h more for the "
                              "500-sample test estimate; ~4 minutes in all on an H200 with --device cuda)")
    presets.add_argument("--tiny", action="store_true", help="300 PTB sentences, a tiny model, 2 epochs")
    parser.add_argument("--model", choices=SENTENCE_MODELS, default=None,
                        help="sentence_vae (default), lstm_lm (the baseline) or sentence_ae (plain, or denoising "
                             "with --input-mask-rate); `--model NAME --help` lists that model's flags")
    add_run_arguments(parser, default_output="runs/vae-<preset>-<model>-seed<seed>",
                      dry_run="2 training batches, a few evaluation sentences (a --softmax-shortlist the "
                              "real vocabulary holds but these few words do not becomes half their number)")
    parser.add_argument("--eval-only", action="store_true",
                        help="no training: evaluate the model in --output-dir/model again (e.g. with other "
                             "--iw-samples or --eval-splits) and rewrite test_report.json; the data flags default "
                             "to those the run recorded in its run_config.json (its corpus files, --max-length, "
                             "--max-eval-sentences), so give one only to score other data")
    # The model flags are those of the chosen model's config (read --model first); the help shows
    # the values each preset gives them for that model (and under --dry-run).
    known = peek(argv, switches=("--dry-run",), options=("--model",))
    chosen = known.model if known.model in MODELS else None
    presets_shown = {flag: preset_values(name, chosen, known.dry_run) for name, flag in PRESET_FLAGS.items()}
    add_dataclass_arguments(parser, SentenceDataConfig, title="data", presets=presets_shown)
    config_class = MODELS[chosen][0] if chosen else SentenceVAEConfig
    add_dataclass_arguments(parser, config_class, skip=("vocab_size", "pad_id", "unk_id", "bos_id", "eos_id"),
                            title="model", presets=presets_shown)
    add_dataclass_arguments(parser, TrainConfig, skip=("output_dir", "seed", "resume"), title="training",
                            presets=presets_shown)
    args = parse_model_flags(parser, argv, {name: MODELS[name][0] for name in SENTENCE_MODELS}, chosen or "sentence_vae")
    args.usage_error = parser.error  # bad config values end as usage errors (textae.cli.build_dataclass)
    if args.eval_only and (args.resume or args.overwrite):
        parser.error(f"--eval-only trains nothing, so {'--resume' if args.resume else '--overwrite'} does not apply")
    return args


# What --eval-only scores anew rather than reads from the run's record: the evaluation itself.
EVALUATION_FIELDS = ("iw_samples", "eval_splits", "eval_autocast")


def recorded_data(output_dir: str) -> dict:
    """The data settings a trained run recorded in ``run_config.json`` (its corpus files, data
    folder, length cut, evaluation subset), less :data:`EVALUATION_FIELDS`: ``--eval-only``
    scores the data the run was trained and selected on unless a flag names other data. An
    unreadable or missing record gives nothing (the preset's values apply, as for a model
    folder copied without its run)."""
    path = Path(output_dir) / "run_config.json"
    try:
        recorded = json.loads(path.read_text(encoding="utf-8")).get("data")
    except (OSError, ValueError, AttributeError):
        return {}
    names = {field.name for field in dataclasses.fields(SentenceDataConfig)} - set(EVALUATION_FIELDS)
    return {name: value for name, value in recorded.items() if name in names} if isinstance(recorded, dict) else {}


@user_errors
def main(argv=None) -> dict:
    args = parse_args(argv)
    preset_name = "tiny" if args.tiny else "ptb-512" if args.ptb_512 else "ptb"
    model_name = args.model or PRESETS[preset_name]["model"]
    preset = preset_values(preset_name, model_name, args.dry_run)
    output_dir = args.output_dir or (tempfile.mkdtemp(prefix="textae-vae-dry-run-") if args.dry_run
                                     else f"runs/vae-{preset_name}-{model_name}-seed{args.seed}")
    data = build_dataclass(SentenceDataConfig, args, {**preset, **recorded_data(output_dir)} if args.eval_only else preset)
    train_config = build_dataclass(TrainConfig, args, preset, output_dir=output_dir, seed=args.seed, resume=args.resume)
    config_class, model_class = MODELS[model_name]
    placeholder = build_dataclass(config_class, args, preset, vocab_size=PLACEHOLDER_VOCAB_SIZE)  # bad flags: refused before reading
    set_seed(args.seed)
    splits = load_sentence_splits(data)
    shortlist = getattr(placeholder, "softmax_shortlist", 0)  # the flag's, else the preset's, else the default
    if args.dry_run and shortlist:  # checked against the vocabulary the real run would have, before it is cut
        real_cut = build_dataclass(SentenceDataConfig, args, preset_values(preset_name, model_name)).max_train_sentences
        real_train = splits["train"][:real_cut] if real_cut else splits["train"]
        build_dataclass(config_class, args, preset, vocab_size=len(build_sentence_vocab(real_train, min_freq=data.min_freq)))
    if data.max_train_sentences:
        splits["train"] = splits["train"][: data.max_train_sentences]
    if data.max_eval_sentences:
        splits["dev"], splits["test"] = (splits[s][: data.max_eval_sentences] for s in ("dev", "test"))
    if args.eval_only and (Path(output_dir) / "model" / "vocab.json").is_file():
        vocab = Vocab.load(Path(output_dir) / "model" / "vocab.json")  # exactly the trained model's
    else:
        vocab = build_sentence_vocab(splits["train"], min_freq=data.min_freq)
        if len(vocab) <= len(SPECIALS):  # every word would be <unk>: a model of nothing, with a low perplexity
            raise UsageError(f"--min-freq {data.min_freq}: no training word is seen that often, so every word would "
                             "be <unk>; lower --min-freq")
    encoded = {split: encode_sentences(rows, vocab, data.max_length or None) for split, rows in splits.items()}
    fixed = {"vocab_size": len(vocab)}
    if args.dry_run and shortlist and shortlist >= len(vocab) - 1:  # fits the real run, not the dry run's few words
        fixed["softmax_shortlist"] = len(vocab) // 2
        print(f"--dry-run: --softmax-shortlist {shortlist} is past the dry run's vocabulary of {len(vocab)} words; "
              f"it uses {fixed['softmax_shortlist']}", file=sys.stderr)
    model_config = build_dataclass(config_class, args, preset, **fixed)
    model = model_class(model_config)
    lengths = [len(row) for row in encoded["train"]]
    train_loader = make_loader(encoded["train"], data.batch_size, collate_sentences, shuffle=True, seed=args.seed,
                               sort_keys=lengths)
    eval_loaders = {split: make_loader(encoded[split], 64, collate_sentences) for split in ("dev", "test")}
    if not args.eval_only:  # an evaluation keeps the training run's record
        write_run_config(output_dir, {"preset": preset_name, "model_name": model_name, "data": data,
                                      "model": model_config, "train": train_config}, overwrite=args.overwrite)
    print(f"{model_name}: {len(encoded['train'])}/{len(encoded['dev'])}/{len(encoded['test'])} sentences, "
          f"vocabulary {len(vocab)}, output {output_dir}", flush=True)
    report_path = Path(output_dir) / "test_report.json"
    if args.eval_only:
        if not (Path(output_dir) / "model" / "config.json").is_file():
            raise UsageError(f"--eval-only needs a trained model in {output_dir}/model")
        model_dir = Path(output_dir) / "model"
        report = json.loads(report_path.read_text()) if report_path.is_file() else {}
    else:
        result = fit(model, train_loader, eval_loaders["dev"], train_config,
                     save_model=lambda m, d: m.save_pretrained(d, vocab=vocab))
        if not result.is_main:  # under torchrun, rank 0 writes the report
            return {}
        if result.interrupted:
            return {"interrupted": True}
        model_dir = result.model_dir
        report = {"model": model_name, "preset": preset_name, "seed": args.seed, "best_step": result.best_step,
                  "steps": result.steps, "train_seconds": result.train_seconds}
    best = model_class.from_pretrained(model_dir).to(resolve_device(train_config.device)).eval()  # evaluated on --device
    for split in [name for name in data.eval_splits.split(",") if name]:
        evaluated = time.perf_counter()
        on_cpu = next(best.parameters()).device.type == "cpu"  # a CPU evaluation can be resumed
        report[split] = evaluate_sentences(best, eval_loaders[split], iw_samples=data.iw_samples, seed=args.seed,
                                           iw_autocast=data.eval_autocast,
                                           progress_file=Path(output_dir) / f"eval-{split}-progress.pt" if on_cpu else None)
        used = data.eval_autocast if native_bf16(next(best.parameters()).device) else "none"  # what ran
        earlier = report[split].pop("seconds_before_resume", 0.0)
        report[split].update(iw_samples=data.iw_samples, iw_autocast=used,
                             eval_seconds=earlier + time.perf_counter() - evaluated)
    report_path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    keys = ("nll", "kl", "kl_weight") if model_name == "sentence_vae" else ("nll",)  # what each model logs
    plot_training_curves(Path(output_dir) / "metrics.jsonl", Path(output_dir) / "curves.png", keys)
    if model_name in ("sentence_vae", "sentence_ae"):
        best_device = next(best.parameters()).device
        with torch.no_grad():
            means = torch.cat([best.encoder(batch.to(best_device))[0] for batch in eval_loaders["test"]]).cpu().numpy()
        plot_latent_map(means, Path(output_dir) / "latent_pca.png",
                        colours=np.array([len(row) for row in encoded["test"]]))
    for split in ("dev", "test"):
        if split in report:
            summary = ", ".join(f"{key} {report[split][key]:.2f}" for key in
                                ("nll", "ppl", "kl", "mi", "active_units", "recon_bleu") if key in report[split])
            print(f"{split}: {summary}")
    print(f"model in {model_dir}")
    return report


if __name__ == "__main__":
    main()
