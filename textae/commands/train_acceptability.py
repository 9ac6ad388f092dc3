"""Train a sentence acceptability classifier: a corpus's lines against copies of them broken.

Examples:
    python scripts/train_acceptability.py --ptb                              # PTB, from random weights
    python scripts/train_acceptability.py --ptb --init-from-lm runs/vae-ptb-lstm_lm-seed0/model
    python scripts/train_acceptability.py --train-file a.txt --dev-file b.txt --test-file c.txt
    python scripts/train_acceptability.py --ptb --init-from-model runs/acceptability-ptb-seed0/model \
        --judged 'benchmarks/results/*_judged.tsv' --max-train-sentences 6000 --max-epochs 3 \
        --learning-rate 5e-4                                              # go on with a reader's verdicts
    python scripts/train_acceptability.py --tiny --dry-run                   # a smoke test in seconds
    python scripts/interpolate.py --checkpoint VAE/model --decode beam \\
        --acceptability-model runs/acceptability-ptb-seed0/model "first sentence" "second sentence"

Every training line of 4 words or more gets --negatives-per-line broken copies
(textae.acceptability.corrupt: cut short, 1-3 words dropped, 2-4 words repeated, is/are,
was/were, has/have or does/do swapped, two neighbouring words swapped, or its start run into
another line's end); the classifier (a bidirectional LSTM, models/acceptability.py) learns the
real lines (label 1) from the broken ones (0). Some broken copies stay grammatical, so the
labels are noisy; the model is chosen on dev loss, and its threshold is then set so that
--accept-dev-share of the dev text's real lines pass (written into model/config.json, the one
interpolate.py --acceptability-model uses unless --acceptability-threshold is given).

--init-from-lm starts the embedding and the forward LSTM from an LSTM language model of the
same vocabulary and sizes (scripts/train_vae.py --model lstm_lm): its vocabulary is then the
classifier's. It was chosen over random weights after short hand trials in which those learned
little on PTB (BENCHMARKS.md, issue #4, session 36; no benchmark measures that).

--judged adds a reader's verdicts on sentences a decoder wrote (the *_judged.tsv files of
benchmarks/blind_judging.py): the errors synthetic breaks do not make (table lines run together,
a listing with no verb), which only a reader names. They are few beside the corpus: each is
repeated --judged-repeat times, and --init-from-model goes on from a classifier already trained
on the corpus, with a few thousand of its lines (--max-train-sentences) to keep what it learned.

Data: --ptb reads <data dir>/ptb/ptb.{train,valid,test}.txt (downloaded and verified when
missing); --train-file/--dev-file/--test-file take any UTF-8 text, one pre-tokenized sentence
per line. The dev and test sets are their real lines and one broken copy of each, drawn with
fixed seeds (the run's --seed + 1 and + 2).

Outputs in --output-dir: run_config.json, metrics.jsonl, model/ (config.json with the
threshold, model.safetensors, vocab.json), checkpoints/ (for --resume) and test_report.json:
for dev and test, accuracy at P = 0.5, the real lines accepted at the threshold (percent) and
the broken copies rejected at it, of each kind and of all.
"""

from __future__ import annotations

import argparse
import dataclasses
import glob
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

from textae.acceptability import (
    CORRUPTIONS,
    corrupted_lines,
    majority_verdicts,
    threshold_for_share,
)
from textae.benchmarking import read_judged
from textae.cli import (
    PLACEHOLDER_VOCAB_SIZE,
    UsageError,
    add_dataclass_arguments,
    add_run_arguments,
    build_dataclass,
    check_minimums,
    flags_given,
    load_model_folder,
    load_sentence_splits,
    peek,
    user_errors,
    with_dry_run,
    write_run_config,
)
from textae.models.acceptability import (
    AcceptabilityClassifier,
    AcceptabilityConfig,
    LabelledSentences,
)
from textae.sentences import build_sentence_vocab, encode_sentences
from textae.train import TrainConfig, fit, make_loader, resolve_device, set_seed


@dataclass(frozen=True)
class AcceptabilityDataConfig:
    data_dir: str = ""
    train_file: str = ""
    dev_file: str = ""
    test_file: str = ""
    init_from_lm: str = ""
    init_from_model: str = ""
    judged: str = ""
    judged_repeat: int = 5
    negatives_per_line: int = 1
    accept_dev_share: float = 0.95
    batch_size: int = 64
    min_freq: int = 1
    max_train_sentences: int = 0
    max_eval_sentences: int = 0

    field_help = {
        "data_dir": "corpus folder (default: $TEXTAE_DATA_DIR, else ~/.cache/textae/data)",
        "train_file": "training text, one pre-tokenized sentence per line (with --dev-file and --test-file)",
        "dev_file": "dev text (model selection and the threshold)",
        "test_file": "test text (the report)",
        "init_from_lm": "the model/ folder of an LSTM language model (scripts/train_vae.py --model lstm_lm) whose "
                        "embedding and LSTM start the classifier's forward direction; its vocabulary is used "
                        "(empty: random weights, the vocabulary from the training text)",
        "init_from_model": "the model/ folder of an acceptability classifier (a run of this script) to go on "
                           "training: its weights, sizes and vocabulary are used (--embedding-size and "
                           "--hidden-size are refused); e.g. with --judged, to teach it a reader's verdicts",
        "judged": "files of a reader's verdicts on decoded sentences (verdict<TAB>step, or "
                  "decoding<TAB>verdict<TAB>step, after # comments; glob patterns, comma-separated), added "
                  "to the training lines: each distinct step once, 'bad' (on at least half of its readings) "
                  "as 0, 'ok' as 1",
        "judged_repeat": "copies of each --judged sentence in the training set (they are few beside the corpus)",
        "negatives_per_line": "broken copies of each training line",
        "accept_dev_share": "share of the dev text's real lines the threshold lets through, in (0, 1]",
        "batch_size": "sentences per batch (real and broken together)",
        "min_freq": "words seen fewer times in the training text are <unk> (without --init-from-lm)",
        "max_train_sentences": "use only the first N training lines (0: all)",
        "max_eval_sentences": "use only the first N dev and test lines (0: all)",
    }

    def __post_init__(self) -> None:
        check_minimums(self, {"negatives_per_line": 1, "judged_repeat": 1, "batch_size": 1, "min_freq": 1,
                              "max_train_sentences": 0, "max_eval_sentences": 0})
        if not 0 < self.accept_dev_share <= 1:
            raise ValueError(f"accept_dev_share must be in (0, 1], got {self.accept_dev_share}")


PRESETS: dict[str, dict] = {
    # PTB: the LSTM-LM's sizes (256), so --init-from-lm can start from the LM baseline of BENCHMARKS.md.
    # 4 epochs: the dev loss was lowest after the 4th of 6 (BENCHMARKS.md, issue #4, session 36).
    "ptb": dict(embedding_size=256, hidden_size=256, dropout=0.3, batch_size=64, optimizer="adam",
                learning_rate=2e-3, max_epochs=4, early_stopping_metric="loss", patience=0),
    "tiny": dict(embedding_size=16, hidden_size=16, dropout=0.0, batch_size=16, max_train_sentences=300,
                 max_eval_sentences=60, optimizer="adam", learning_rate=3e-3, max_epochs=2,
                 early_stopping_metric="loss", patience=0),
}
PRESET_FLAGS = {"ptb": "--ptb", "tiny": "--tiny"}
DRY_RUN = dict(max_train_sentences=64, max_eval_sentences=16, max_steps=2, max_epochs=1)  # what --dry-run changes


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0], epilog=__doc__.split("\n", 2)[2],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    presets = parser.add_mutually_exclusive_group()
    presets.add_argument("--ptb", action="store_true", help="Penn Treebank's LM text, a BiLSTM of 256 (default)")
    presets.add_argument("--tiny", action="store_true", help="300 PTB lines, a BiLSTM of 16, 2 epochs")
    add_run_arguments(parser, default_output="runs/acceptability-<preset>-seed<seed>",
                      dry_run="2 training batches, a few evaluation lines")
    dry_run = peek(argv, switches=("--dry-run",)).dry_run
    shown = {flag: with_dry_run(PRESETS[name], dry_run, DRY_RUN) for name, flag in PRESET_FLAGS.items()}
    add_dataclass_arguments(parser, AcceptabilityDataConfig, title="data", presets=shown)
    add_dataclass_arguments(parser, AcceptabilityConfig, skip=("vocab_size", "pad_id", "bos_id", "eos_id", "threshold"),
                            title="model", presets=shown)
    add_dataclass_arguments(parser, TrainConfig, skip=("output_dir", "seed", "resume"), title="training",
                            presets=shown)
    return parser


def labelled(real: list[list[int]], broken: list[list[int]]) -> list[tuple[list[int], float]]:
    """``(ids, label)`` examples: the real sentences labelled 1, the broken ones 0."""
    return [(row, 1.0) for row in real] + [(row, 0.0) for row in broken]


def collate(items: list[tuple[list[int], float]]) -> LabelledSentences:
    return LabelledSentences.from_rows([row for row, _ in items], [label for _, label in items])


def scores(real_p: list[float], broken: list[tuple[str, list[int]]], broken_p: list[float], threshold: float) -> dict:
    """Accuracy at P = 0.5 and, at ``threshold``, the real sentences accepted and the broken ones
    rejected (percent; of each kind too), from the model's P(acceptable) of the real sentences
    (``real_p``) and of the broken ones (``broken_p``, one per ``(kind, ids)`` of ``broken``)."""
    right = sum(p >= 0.5 for p in real_p) + sum(p < 0.5 for p in broken_p)
    report = {"accuracy": 100.0 * right / (len(real_p) + len(broken_p)),
              "real_accepted": 100.0 * sum(p >= threshold for p in real_p) / len(real_p),
              "broken_rejected": 100.0 * sum(p < threshold for p in broken_p) / max(1, len(broken_p)),
              "real": len(real_p), "broken": len(broken_p)}
    for kind in CORRUPTIONS:
        of_kind = [p for (name, _), p in zip(broken, broken_p, strict=True) if name == kind]
        if of_kind:
            report[f"broken_rejected_{kind}"] = 100.0 * sum(p < threshold for p in of_kind) / len(of_kind)
    return report


def read_verdicts(patterns: str) -> list[tuple[list[str], float]]:
    """The labelled sentences of ``--judged`` (comma-separated glob patterns of judged files):
    :func:`textae.acceptability.majority_verdicts` over every file they match.

    Raises:
        UsageError: a pattern matches no file, or a file is not a judged file (the message says how).
    """
    steps, bad = [], []
    for pattern in (part.strip() for part in patterns.split(",")):
        paths = sorted(glob.glob(pattern)) if pattern else []
        if not paths:
            raise UsageError(f"--judged: no file matches {pattern!r}")
        for path in paths:
            try:
                file_steps, file_bad = read_judged(Path(path), decoding=None)
            except SystemExit as error:  # read_judged's message, for a benchmark's user
                raise UsageError(f"--judged {error}".replace(" error: ", " ")) from None
            steps += file_steps
            bad += file_bad
    return majority_verdicts(steps, bad)


@user_errors
def main(argv=None) -> dict:
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    preset_name = "tiny" if args.tiny else "ptb"
    preset = with_dry_run(PRESETS[preset_name], args.dry_run, DRY_RUN)
    output_dir = args.output_dir or (tempfile.mkdtemp(prefix="textae-acceptability-dry-run-") if args.dry_run
                                     else f"runs/acceptability-{preset_name}-seed{args.seed}")
    args.usage_error = parser.error  # a value a config rejects is a usage error (textae.cli.build_dataclass)
    data = build_dataclass(AcceptabilityDataConfig, args, preset)
    train_config = build_dataclass(TrainConfig, args, preset, output_dir=output_dir, seed=args.seed,
                                   resume=args.resume)
    model_config = build_dataclass(AcceptabilityConfig, args, preset, vocab_size=PLACEHOLDER_VOCAB_SIZE)
    set_seed(args.seed)
    if data.init_from_lm and data.init_from_model:
        parser.error("give --init-from-lm or --init-from-model, not both")
    if data.init_from_model and (sizes := flags_given(args, "embedding_size", "hidden_size")):
        parser.error(f"--init-from-model keeps the classifier's own sizes; drop {' and '.join(sizes)}")
    judged = read_verdicts(data.judged) if data.judged else []
    language_model = base_model = None
    if data.init_from_model:
        base_model, vocab = load_model_folder("--init-from-model", data.init_from_model, "acceptability",
                                              "an acceptability classifier (the model/ folder of a "
                                              "scripts/train_acceptability.py run)")
    if data.init_from_lm:
        language_model, vocab = load_model_folder("--init-from-lm", data.init_from_lm, "lstm_lm",
                                                  "an lstm_lm (the model/ folder of a scripts/train_vae.py --model "
                                                  "lstm_lm run)")
    splits = load_sentence_splits(data)
    if data.max_train_sentences:
        splits["train"] = splits["train"][: data.max_train_sentences]
    if data.max_eval_sentences:
        splits["dev"], splits["test"] = (splits[s][: data.max_eval_sentences] for s in ("dev", "test"))
    if language_model is None and base_model is None:
        vocab = build_sentence_vocab(splits["train"], min_freq=data.min_freq)
    model_config = dataclasses.replace(model_config, vocab_size=len(vocab))
    if base_model is not None:  # its sizes and vocabulary; this run's dropout
        model_config = dataclasses.replace(base_model.config, dropout=model_config.dropout)
    model = AcceptabilityClassifier(model_config)
    if base_model is not None:
        model.load_state_dict(base_model.state_dict())
    if language_model is not None:
        try:
            model.load_language_model(language_model)
        except ValueError as error:
            sizes = language_model.config
            raise UsageError(f"--init-from-lm {data.init_from_lm}: {error}; give --embedding-size "
                             f"{sizes.embedding_size} --hidden-size {sizes.hidden_size}, the language model's") from error
    broken = {"train": corrupted_lines(splits["train"], args.seed, data.negatives_per_line),
              "dev": corrupted_lines(splits["dev"], args.seed + 1),
              "test": corrupted_lines(splits["test"], args.seed + 2)}
    real = {split: encode_sentences(lines, vocab) for split, lines in splits.items()}
    encoded_broken = {split: [(kind, vocab.encode(words)) for kind, words in rows] for split, rows in broken.items()}
    train_examples = labelled(real["train"], [row for _, row in encoded_broken["train"]])
    train_examples += [(vocab.encode(words), label) for words, label in judged] * data.judged_repeat
    train_loader = make_loader(train_examples, data.batch_size, collate, shuffle=True, seed=args.seed,
                               sort_keys=[len(row) for row, _ in train_examples])
    dev_loader = make_loader(labelled(real["dev"], [row for _, row in encoded_broken["dev"]]), 256, collate)
    write_run_config(output_dir, {"preset": preset_name, "data": data, "model": model_config, "train": train_config,
                                  "vocab_size": len(vocab)}, overwrite=args.overwrite)
    verdicts = (f", {sum(label == 0 for _, label in judged)} judged bad and {sum(label == 1 for _, label in judged)} "
                f"judged ok sentences (x{data.judged_repeat})" if judged else "")
    print(f"acceptability: {len(real['train'])} real and {len(broken['train'])} broken training lines{verdicts}, "
          f"vocabulary {len(vocab)}, output {output_dir}", flush=True)
    result = fit(model, train_loader, dev_loader, train_config, save_model=lambda m, d: m.save_pretrained(d, vocab))
    if not result.is_main:  # under torchrun, rank 0 writes the report
        return {}
    if result.interrupted:
        return {"interrupted": True}
    best = AcceptabilityClassifier.from_pretrained(result.model_dir).to(resolve_device(train_config.device))
    real_p = {split: best.probabilities(real[split]) for split in ("dev", "test")}  # once each: threshold and report
    threshold = threshold_for_share(real_p["dev"], data.accept_dev_share)
    best.config = dataclasses.replace(best.config, threshold=threshold)
    best.save_pretrained(result.model_dir, vocab)  # the threshold goes with the model
    report = {"model": "acceptability", "preset": preset_name, "seed": args.seed, "best_step": result.best_step,
              "steps": result.steps, "train_seconds": result.train_seconds, "threshold": threshold,
              "accept_dev_share": data.accept_dev_share, "judged_bad": sum(label == 0 for _, label in judged),
              "judged_ok": sum(label == 1 for _, label in judged)}
    for split in ("dev", "test"):
        broken_p = best.probabilities([row for _, row in encoded_broken[split]])
        report[split] = scores(real_p[split], encoded_broken[split], broken_p, threshold)
    (Path(output_dir) / "test_report.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    for split in ("dev", "test"):
        figures = report[split]
        print(f"{split}: accuracy {figures['accuracy']:.2f}% at P = 0.5; at the threshold {threshold:.3f} "
              f"{figures['real_accepted']:.1f}% of real lines accepted, {figures['broken_rejected']:.1f}% of broken "
              "ones rejected")
    print(f"model in {result.model_dir}")
    return report


if __name__ == "__main__":
    main()
