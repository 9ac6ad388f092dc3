#!/usr/bin/env python
"""The BERT-style masked denoising objective, measured: corruption rates, masked LM, denoising RAE.

Parts (``--parts``, default all; each rewrites only its own keys of the results file):

rates: ``mask_tokens`` on the ids of PTB's training text, two independent draws (842,501
    eligible tokens each, so 1.69 x 10^6 draws; 15% selected; of those 80% [MASK], 10% random, 10% kept), both conventions; the largest
    deviation of the four rates from their configured values in percentage points
    (mask_rate_max_error_pp), and that no padding or special token was ever touched.
mlm: ``scripts/train_mlm.py --ptb`` (a 4-layer BERT built from a config, WordPiece trained
    here) and its PTB test masked-token accuracy and perplexity over the masked positions
    (15% Bernoulli corruption, fixed seed) beside the unigram baseline on the same positions
    (mlm_test_masked_acc, unigram_test_masked_acc); the MLM's mean-pooled features of SST
    sentences -> logistic regression (mlm_features_sst_test_root_{fine,binary}_acc, beside
    the RAE root vectors of benchmarks/sst_rae.py); and the LSTM language model's next-word
    top-1 accuracy on PTB test (lstm_lm_test_top1_acc; the model of
    runs/benchmark-vae/lstm_lm-seed0, trained by benchmarks/sentence_vae.py, or --lm-model).
drae: the denoising RAE (``train_rae.py --sst --model denoising_rae --leaf-mask-rate R``) beside the plain
    semi-supervised RAE, the same preset and seeds, SST test root fine / binary.

dae: the plain sentence autoencoder (``train_vae.py --ptb --model sentence_ae``), the
    denoising one (``... --input-mask-rate 0.15``) and the VAE of benchmarks/sentence_vae.py:
    reconstruction BLEU on PTB test (greedy from the posterior mean, first 1,000 sentences)
    and the perplexity, under the LSTM-LM, of 1,000 greedy samples from the prior (the AEs
    have none: a Gaussian fitted to their training codes stands in), the generation /
    reconstruction trade-off of Shen et al. (2020); interpolations of each written to
    benchmarks/results/masked_denoising_interpolations.txt (dae_sample_ppl, ae_sample_ppl,
    dae_recon_bleu, ae_recon_bleu, vae_sample_ppl, vae_recon_bleu). Greedy samples can loop on
    <unk>, which an LM scores well, so the share of <unk> in them (*_sample_unk_percent) and the
    perplexity of the same draws decoded with no <unk> and no repeated bigram
    (*_sample_ppl_no_unk_no_repeat) are stored beside.

    python benchmarks/masked_denoising.py
    python benchmarks/masked_denoising.py --parts rates drae
    python benchmarks/masked_denoising.py --parts mlm --reuse --mlm-args "--time-budget-minutes 40"
    python benchmarks/masked_denoising.py --parts dae --seeds 0 --dae-args "--autocast bf16 --time-budget-minutes 40"
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
from pathlib import Path

# Python puts benchmarks/ first on sys.path, where benchmarks/parsers.py would shadow the
# parsers package: drop that entry and put the repository root first.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [str(_HERE.parent)] + [entry for entry in sys.path if Path(entry or ".").resolve() != _HERE]

import torch  # noqa: E402

from textae.benchmarking import RESULTS, add_seeded, interpolation_report, write_parts_result  # noqa: E402

REPO = _HERE.parent

PUBLISHED = {
    "BERT recipe (Devlin et al. 2019)": {"select_rate": 15.0, "mask": 12.0, "random": 1.5, "keep": 1.5},
    "floors of issue #6": {"mlm_test_masked_acc": 40.0, "mask_rate_max_error_pp": 0.5},
}


def measure_rates(args) -> dict:
    from textae.corpora.ptb import load_ptb
    from textae.models.masked_denoising import IGNORE_INDEX, MaskingConfig, mask_tokens
    from textae.sentences import build_sentence_vocab, collate_sentences, encode_sentences

    sentences = load_ptb("train", args.data_dir)
    vocab = build_sentence_vocab(sentences)
    mask_id = len(vocab)  # one id past the vocabulary plays [MASK]
    batch = collate_sentences(encode_sentences(sentences, vocab))
    tokens = batch.tokens  # [B, T], padding 0
    specials = (0, 1, 2, 3)
    eligible = torch.ones_like(tokens, dtype=torch.bool)
    for special in specials:
        eligible &= tokens != special
    draws = 2
    metrics: dict = {"rates_eligible_tokens": draws * int(eligible.sum())}
    tokens, eligible = tokens.repeat(draws, 1), eligible.repeat(draws, 1)  # two independent corruptions
    worst = 0.0
    for convention in ("bernoulli", "exact"):
        config = MaskingConfig(mask_id=mask_id, vocab_size=len(vocab) + 1, special_ids=specials, convention=convention)
        corrupted, labels = mask_tokens(tokens, config, generator=torch.Generator().manual_seed(0))
        chosen = labels != IGNORE_INDEX
        if bool((chosen & ~eligible).any()) or bool(((corrupted != tokens) & ~eligible).any()):
            raise AssertionError(f"{convention}: a padding or special token was chosen or changed")
        total = int(eligible.sum())
        rates = {
            "selected": 100.0 * int(chosen.sum()) / total,
            "mask": 100.0 * int((chosen & (corrupted == mask_id)).sum()) / total,
            "random": 100.0 * int((chosen & (corrupted != mask_id) & (corrupted != tokens)).sum()) / total,
            "keep": 100.0 * int((chosen & (corrupted == tokens)).sum()) / total,
        }
        # a random draw can pick the original word: it then counts as kept, as a reader of the output sees it
        expected = {"selected": 15.0, "mask": 12.0, "random": 1.5, "keep": 1.5}
        for name, value in rates.items():
            metrics[f"rates_{convention}_{name}_pct"] = value
            worst = max(worst, abs(value - expected[name]))
    metrics["mask_rate_max_error_pp"] = worst
    return metrics


def run(arguments: list[str], reuse: bool) -> dict:
    output = REPO / arguments[arguments.index("--output-dir") + 1]
    if not (reuse and (output / "test_report.json").is_file()):
        print("+ python " + shlex.join(arguments), flush=True)
        subprocess.run([sys.executable, *arguments, "--overwrite"], cwd=REPO, check=True)  # a run to train again
    return json.loads((output / "test_report.json").read_text())


def measure_mlm(args) -> dict:
    from textae.corpora.ptb import load_ptb
    from textae.sentences import collate_sentences, encode_sentences, next_word_accuracy
    from textae.serialization import load_model, load_vocab
    from textae.train import make_loader

    metrics: dict = {}
    reports = [run(["scripts/train_mlm.py", "--ptb", "--seed", str(seed), "--progress", "false", "--output-dir",
                    f"runs/benchmark-mlm/seed{seed}", *shlex.split(args.mlm_args)], args.reuse) for seed in args.seeds]
    for key, name in (("masked_acc", "mlm_test_masked_acc"), ("masked_ppl", "mlm_test_masked_ppl"),
                      ("unigram_masked_acc", "unigram_test_masked_acc"),
                      ("unigram_masked_ppl", "unigram_test_masked_ppl")):
        add_seeded(metrics, name, [report["test"][key] for report in reports])
    metrics["mlm_steps"] = [report["steps"] for report in reports]
    probes = [mlm_sentiment_probe(REPO / f"runs/benchmark-mlm/seed{seed}" / "model", seed, args.data_dir)
              for seed in args.seeds]
    for task in ("fine", "binary"):
        add_seeded(metrics, f"mlm_features_sst_test_root_{task}_acc", [probe[f"test_root_{task}_acc"] for probe in probes])
    lm_dir = Path(args.lm_model)
    if (lm_dir / "config.json").is_file():
        model, vocab = load_model(lm_dir), load_vocab(lm_dir)
        loader = make_loader(encode_sentences(load_ptb("test", args.data_dir), vocab), 64, collate_sentences)
        accuracy = next_word_accuracy(model, loader)
        metrics["lstm_lm_test_top1_acc"] = accuracy["word_acc"]
        metrics["lstm_lm_test_top1_acc_incl_eos"] = accuracy["token_acc"]
        metrics["lstm_lm_model"] = str(lm_dir)
    else:
        print(f"no LSTM-LM at {lm_dir}: lstm_lm_test_top1_acc not measured (run benchmarks/sentence_vae.py)")
    return metrics


@torch.no_grad()
def mlm_sentiment_probe(model_dir: Path, seed: int, data_dir: str | None) -> dict:
    """Mean-pooled last-layer vectors of the MLM for every SST sentence (frozen) ->
    logistic regression, C chosen on dev (``textae.sentiment.logistic_probe``): the
    masked LM's features beside the RAE's root vectors."""
    import numpy as np

    from textae.corpora.sst import load_sst_splits
    from textae.mlm import MLMCollator, continuation_table, encode_for_mlm, load_tokenizer
    from textae.models.bert_mlm import BertMaskedLM
    from textae.sentiment import logistic_probe

    model = BertMaskedLM.from_pretrained(model_dir).eval()
    tokenizer = load_tokenizer(model_dir)
    collate = MLMCollator(pad_id=tokenizer.pad_token_id, is_continuation=continuation_table(tokenizer))
    splits = {}
    for split, trees in load_sst_splits(data_dir).items():
        rows = encode_for_mlm(tokenizer, [" ".join(w.lower() for w in t.leaves()) for t in trees],
                              model.config.max_position_embeddings)
        features = []
        for start in range(0, len(rows), 128):
            batch = collate(rows[start : start + 128])
            hidden = model.bert.bert(input_ids=batch.input_ids, attention_mask=batch.attention_mask).last_hidden_state
            mask = batch.attention_mask.unsqueeze(-1).to(hidden.dtype)  # [B, T, 1]
            features.append(((hidden * mask).sum(1) / mask.sum(1)).numpy())  # [B, D]
        splits[split] = {"mean": np.concatenate(features), "label": np.array([int(t.label) for t in trees])}
    return logistic_probe(splits["train"], splits["dev"], splits["test"], "mean", seed=seed)


def measure_drae(args) -> dict:
    metrics: dict = {}
    for name, extra in (("rae", []), ("drae", ["--model", "denoising_rae", "--leaf-mask-rate", str(args.leaf_mask_rate)])):
        reports = [run(["scripts/train_rae.py", "--sst", "--seed", str(seed), "--progress", "false", "--no-logreg",
                        "--output-dir", f"runs/benchmark-drae/{name}-seed{seed}", *extra], args.reuse)
                   for seed in args.seeds]
        for key in ("root_fine_acc", "root_binary_acc", "all_fine_acc"):
            add_seeded(metrics, f"{name}_test_{key}", [report["test"][key] for report in reports])
    metrics["drae_leaf_mask_rate"] = args.leaf_mask_rate
    return metrics


def measure_dae(args) -> dict:
    from textae.corpora.ptb import load_ptb
    from textae.sentences import (
        collate_sentences,
        encode_sentences,
        language_model_perplexity,
        latent_gaussian,
        sample_sentences,
    )
    from textae.serialization import load_model, load_vocab
    from textae.train import make_loader

    lm = load_model(args.lm_model)
    metrics: dict = {}
    texts = []
    for name, extra in (("ae", ["--model", "sentence_ae"]),
                        ("dae", ["--model", "sentence_ae", "--input-mask-rate", str(args.leaf_mask_rate)]),
                        ("vae", None)):
        bleus, perplexities, unk_shares, controlled_perplexities = [], [], [], []
        for seed in args.seeds:
            if extra is None:  # the VAE of benchmarks/sentence_vae.py
                output = f"runs/benchmark-vae/sentence_vae-seed{seed}"
                report = json.loads((REPO / output / "test_report.json").read_text())
            else:
                output = f"runs/benchmark-dae/{name}-seed{seed}"
                report = run(["scripts/train_vae.py", "--ptb", "--seed", str(seed), "--progress", "false",
                              "--output-dir", output, *extra, *shlex.split(args.dae_args)], args.reuse)
            model, vocab = load_model(REPO / output / "model"), load_vocab(REPO / output / "model")
            if extra is None:
                mean = covariance = None
            else:
                train = encode_sentences(load_ptb("train", args.data_dir), vocab)
                mean, covariance = latent_gaussian(model, make_loader(train, 256, collate_sentences))
            samples = sample_sentences(model, 1000, mean=mean, covariance=covariance, seed=seed)
            perplexities.append(language_model_perplexity(lm, samples))
            # Greedy samples that loop on <unk> score well under an LM that loops too; the
            # same draws decoded with no <unk> and no repeated bigram show whether that is all.
            unk_shares.append(100.0 * sum(row.count(vocab.unk_id) for row in samples) / max(1, sum(map(len, samples))))
            controlled = sample_sentences(model, 1000, mean=mean, covariance=covariance, seed=seed, ban_unk=True,
                                          no_repeat_ngram=2)
            controlled_perplexities.append(language_model_perplexity(lm, controlled))
            bleus.append(report["test"]["recon_bleu"])
            if seed == args.seeds[0]:
                texts.append(f"## {name} (seed {seed}): five prior samples\n" +
                             "\n".join(" ".join(vocab.decode(ids)) for ids in samples[:5]))
                texts.append(f"## {name}: interpolations\n" + interpolation_report(REPO / output / "model", "###"))
        add_seeded(metrics, f"{name}_sample_ppl", perplexities)
        add_seeded(metrics, f"{name}_recon_bleu", bleus)
        add_seeded(metrics, f"{name}_sample_unk_percent", unk_shares)
        add_seeded(metrics, f"{name}_sample_ppl_no_unk_no_repeat", controlled_perplexities)
    (RESULTS / "masked_denoising_interpolations.txt").write_text("\n\n".join(texts) + "\n", encoding="utf-8")
    return metrics


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0], epilog=__doc__.split("\n", 2)[2],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parts", nargs="+", choices=["rates", "mlm", "drae", "dae"],
                        default=["rates", "mlm", "drae", "dae"],
                        help="which parts to run (default: all)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="mlm and drae seeds (default: 0 1 2)")
    parser.add_argument("--reuse", action="store_true", help="read runs that already have a test report")
    parser.add_argument("--mlm-args", default="", help="more flags for train_mlm.py, quoted")
    parser.add_argument("--lm-model", default="runs/benchmark-vae/lstm_lm-seed0/model",
                        help="LSTM-LM model folder for the next-word baseline")
    parser.add_argument("--leaf-mask-rate", type=float, default=0.15,
                        help="corruption rate of the denoising RAE and sentence AE (default: 0.15)")
    parser.add_argument("--dae-args", default="", help="more flags for train_vae.py (AE and DAE), quoted")
    parser.add_argument("--data-dir", default=None, help="corpora folder (default: $TEXTAE_DATA_DIR)")
    args = parser.parse_args()
    prefixes = {"rates": ("rates_", "mask_rate_"), "mlm": ("mlm_", "unigram_", "lstm_lm_"), "drae": ("rae_", "drae_"),
                "dae": ("ae_", "dae_", "vae_")}
    measured = {}
    for part, measure in (("rates", measure_rates), ("mlm", measure_mlm), ("drae", measure_drae),
                          ("dae", measure_dae)):
        if part in args.parts:
            measured[part] = (measure(args), [] if part == "rates" else args.seeds)
    path = write_parts_result("masked_denoising", measured=measured, prefixes=prefixes, published=PUBLISHED)
    metrics = {key: value for part_metrics, _ in measured.values() for key, value in part_metrics.items()}
    print(json.dumps({k: v for k, v in metrics.items() if isinstance(v, float)}, indent=1))
    print(f"-> {path}")


if __name__ == "__main__":
    main()
