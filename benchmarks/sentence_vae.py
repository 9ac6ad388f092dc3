#!/usr/bin/env python
"""The sentence VAE and its LSTM-LM baseline on PTB, measured by He et al. (2019)'s protocol.

Runs `scripts/train_vae.py --ptb` (the VAE) and `--ptb --model lstm_lm` for each seed into
<--runs-dir>/<model>-seed<S>, runs/benchmark-vae by default (with --reuse, a run that already has its
test_report.json is read, not retrained; a run stopped by --time-budget-minutes can be
continued with train_vae.py --resume first). The VAE's test set is then scored with 500
importance samples (train_vae.py --eval-only), optionally under bf16 autocast
(--iw-autocast bf16), in which case the benchmark first measures the bf16 estimate against
float32 on the first --check-sentences test sentences and stores both. Ten interpolations
between held-out (test) sentences are written, unedited, to
benchmarks/results/sentence_vae_interpolations.txt (or --interpolations-file), once per decoding:
the model's greedy decoding; a beam of 10 that never outputs <unk> and ranks sentences by log
probability / length**0.5; that beam's finished sentences re-ranked by the LM baseline of the
same seed (interpolate.py --fluency-lm; skipped without that LM's run folder); and, with
--clause-parser DIR, the last of these kept to sentences the parser roots in a clause
(interpolate.py --clause-parser), then that with beams of 20 and 40 searched where the parser
accepts none of the 10 (--fallback-beam-sizes 20,40), and with --refuse-boilerplate FILE (the
training text) that once more with the training text's recurring table and footnote lines refused
(interpolate.py --refuse-boilerplate, with its near copies by default). --interpolations-only rewrites just that file;
--interpolation-pairs-from 10 takes the ten pairs after those (fresh pairs, on which to check a
decoding chosen by reading the first ten).

Run folders are not committed and do not outlive the machine, while three seeds of both
models take longer than a working session here. So each run's figures (its test report, the
median epoch, its training commands) are also kept as a record in
benchmarks/results/sentence_vae_runs/<runs-dir name>/<model>-seed<S>.json, with the bf16
check and the timed epoch beside them; with --reuse a run whose folder is gone is read from
its record (a VAE whose record has fewer importance samples than asked cannot be rescored
without its model), and --available-only reports each model over the seeds that have a run
or a record, training nothing (vae_seeds and lm_seeds say which). A VAE estimate made under
the other precision than --iw-autocast is kept (iw_autocast_per_seed says which), and on a
CPU without native bfloat16 an estimate made here runs in float32. --record-only only writes
the records of the runs that have finished (between sessions, before the runs' machine goes).

The issue's epoch floor is for hidden 256: --time-epoch times one epoch alone for each of --seeds
(epoch_seconds: their mean, per seed and std beside it), with
--time-epoch-args in place of --extra-args when given (so larger runs can be reported beside
the 256-unit epoch, its sizes setting train_gflops; epoch_timed_with says which).

Writes benchmarks/results/sentence_vae.json with vae_test_iw_nll, vae_test_ppl, vae_test_kl,
vae_test_mi, vae_test_active_units, lm_test_nll, lm_test_ppl, epoch_seconds and
train_gflops (mean over seeds under the plain keys; per-seed values and std beside them),
next to Bowman et al. (2016), Texar-PyTorch and timbmg/Sentence-VAE.

    python benchmarks/sentence_vae.py                         # seeds 0 1 2
    python benchmarks/sentence_vae.py --seeds 0 --reuse --iw-autocast bf16 \\
        --extra-args "--autocast bf16 --free-bits 0.2 --kl-anneal-steps 2600"
    python benchmarks/sentence_vae.py --seeds 0 1 2 --reuse --available-only \\
        --runs-dir runs/benchmark-vae-tied --iw-autocast bf16 --check-sentences 100 --time-epoch
    python benchmarks/sentence_vae.py --seeds 0 1 2 --record-only --runs-dir runs/vae-h512 \\
        --extra-args "--hidden-size 512 --embedding-size 512"
"""

from __future__ import annotations

import argparse
import filecmp
import json
import shlex
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

# Python puts benchmarks/ first on sys.path, where benchmarks/parsers.py would shadow the
# parsers package: drop that entry and put the repository root first.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [str(_HERE.parent)] + [entry for entry in sys.path if Path(entry or ".").resolve() != _HERE]

from textae.benchmarking import (  # noqa: E402
    RESULTS,
    SHORT_BEAM_DECODING,
    add_seeded,
    interpolation_pair_source,
    interpolation_pairs,
    interpolation_report,
    machine,
    write_result,
)
from textae.train import native_bf16  # noqa: E402

REPO = Path(__file__).resolve().parents[1]

PUBLISHED = {
    "Bowman et al. 2016 (recalled)": {"lm_test_nll": 100, "lm_test_ppl": 116, "vae_test_iw_nll": 101,
                                      "vae_test_kl": 2, "vae_test_ppl": 119},
    "Texar-PyTorch VAE-LSTM (checked)": {"vae_test_iw_nll": 102.54, "vae_test_ppl": 107.64},
    "timbmg/Sentence-VAE (checked, ELBO)": {"vae_test_nll": 103.97, "vae_test_kl": 7.27},
    "protocol": "He et al. 2019: IW-NLL with 500 samples; PPL = exp(total NLL / words incl. end token)",
}


def epoch_flops(hidden: int, embedding: int, vocab: int, tokens: int, shortlist: int = 0, rare_tokens: int = 0) -> float:
    """Matrix-multiply FLOPs of one training epoch over ``tokens`` decoder positions
    (encoder and decoder LSTMs plus the output layer; backward counted as 2 x forward). With a
    two-level softmax (``--softmax-shortlist``), the output layer scores ``shortlist`` words and
    the rare-word class at every position and the other ``vocab - shortlist`` words only at the
    ``rare_tokens`` positions whose target is one of them: the work done, not a full softmax's."""
    lstm = 2 * 4 * hidden * (embedding + hidden)  # one LSTM step
    output = tokens * vocab if not shortlist else tokens * (shortlist + 1) + rare_tokens * (vocab - shortlist)
    return 3.0 * (tokens * 2 * lstm + 2 * hidden * output)


def rare_train_tokens(model_dir: Path, shortlist: int) -> int:
    """PTB train's tokens whose id, in the vocabulary of ``model_dir``, is past ``shortlist``
    (``--softmax-shortlist``; 0: none): where a two-level softmax computes its second softmax."""
    if not shortlist:
        return 0
    from textae.corpora.ptb import load_ptb
    from textae.serialization import load_vocab

    vocab = load_vocab(model_dir)
    return sum(1 for sentence in load_ptb("train", download=False) for index in vocab.encode(sentence)
               if index >= shortlist)


def run(command: list[str], reuse: bool, record: Path, available_only: bool) -> dict | None:
    """The run's report: read from its folder (with ``reuse``), else from its committed record
    (with ``reuse``: the folder is gone, the figures stay), else trained now (None instead
    with ``available_only``)."""
    output = Path(command[command.index("--output-dir") + 1])
    in_folder = (REPO / output / "test_report.json").is_file()
    if reuse and not in_folder and record.is_file():
        return read_record(record)
    if not (reuse and in_folder):
        if available_only:
            return None
        subprocess.run([sys.executable, *command, "--overwrite"], cwd=REPO, check=True)  # a run to train again
    report = json.loads((REPO / output / "test_report.json").read_text())
    report["config"] = json.loads((REPO / output / "run_config.json").read_text())["model"]
    if report["config"].get("softmax_shortlist"):  # the work of its output layer depends on it (epoch_flops)
        report["config"]["rare_tokens"] = rare_train_tokens(REPO / output / "model", report["config"]["softmax_shortlist"])
    lines = [json.loads(line) for line in (REPO / output / "metrics.jsonl").read_text().splitlines()]
    epochs = [line for line in lines if line.get("split") == "epoch"]
    budget_stops = [line["step"] for line in lines if line.get("split") == "time_budget"]
    run_config = json.loads((REPO / output / "run_config.json").read_text())
    if (budget_stops and budget_stops[-1] >= max((line["step"] for line in epochs), default=0)
            and len(epochs) < run_config["train"]["max_epochs"]):
        raise SystemExit(f"error: {output} stopped at its --time-budget-minutes after {len(epochs)} of "
                         f"{run_config['train']['max_epochs']} epochs: continue it with train_vae.py --resume first")
    report["epoch_seconds"] = statistics.median(record["seconds"] for record in epochs)
    report["epochs"] = len(epochs)
    report["output_dir"] = str(output)
    report["training_commands"] = [*run_config.get("previous_commands", []), run_config["command"]]  # as it ran
    return report


def record_run(command: list[str], record: Path) -> bool:
    """--record-only: saves the figures of the run ``command`` names as its record, if that run
    finished (True); an unfinished run (no test report yet, or stopped by its time budget) is
    skipped with a line saying so."""
    output = command[command.index("--output-dir") + 1]
    if not (REPO / output / "test_report.json").is_file():
        print(f"{output}: no test report (not run, or still running): no record", file=sys.stderr)
        return False
    try:
        report = run(command, True, record, available_only=True)
    except SystemExit as stop:
        print(f"{str(stop).removeprefix('error: ')}: no record", file=sys.stderr)
        return False
    save_record(record, report)
    print(f"{output} -> {record.relative_to(REPO)}", file=sys.stderr)
    return True


def read_record(record: Path) -> dict:
    """A record's report, with the machine it was made on under ``machine``."""
    saved = json.loads(record.read_text())
    return {**saved["report"], "machine": saved["machine"]}


def save_record(record: Path, report: dict) -> None:
    """Keeps a run's figures in the repository (``benchmarks/results/sentence_vae_runs/``): run
    folders are not committed and do not outlive the machine, and three seeds of these models
    take longer than one working session."""
    record.parent.mkdir(parents=True, exist_ok=True)
    payload = {"machine": report.get("machine", machine()), "report": {k: v for k, v in report.items() if k != "machine"}}
    record.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")


def timed_epoch(runs_dir: str, extra: list[str]) -> dict:
    """One VAE training epoch over PTB train, nothing else scored: ``seconds``, the flags it ran
    with (``args``), the ``hidden_size`` / ``embedding_size`` / ``vocab_size`` /
    ``softmax_shortlist`` it had and the ``rare_tokens`` of :func:`rare_train_tokens`."""
    output = f"{runs_dir}/timing"
    shutil.rmtree(REPO / output, ignore_errors=True)
    extra = [arg for i, arg in enumerate(extra)  # one epoch, whatever budget the runs had
             if arg != "--time-budget-minutes" and (i == 0 or extra[i - 1] != "--time-budget-minutes")]
    command = ["scripts/train_vae.py", "--ptb", "--progress", "false", "--output-dir", output, "--max-epochs", "1",
               "--eval-splits", "", "--max-eval-sentences", "64", *extra]
    subprocess.run([sys.executable, *command], cwd=REPO, check=True)
    lines = (REPO / output / "metrics.jsonl").read_text().splitlines()
    model = json.loads((REPO / output / "run_config.json").read_text())["model"]
    shortlist = model.get("softmax_shortlist", 0)
    return {"seconds": next(json.loads(line)["seconds"] for line in lines if '"split": "epoch"' in line),
            "args": shlex.join(extra), **{key: model[key] for key in ("hidden_size", "embedding_size", "vocab_size")},
            "softmax_shortlist": shortlist, "rare_tokens": rare_train_tokens(REPO / output / "model", shortlist)}


def epoch_timing(args: argparse.Namespace, records: Path) -> dict:
    """--time-epoch: the timed epoch of each of --seeds (``seconds_per_seed``; ``seconds`` their
    mean), read from its record (with --reuse, when it ran with the same flags and seeds) or
    timed now and recorded. A record from before the flags were kept counts as made with
    --extra-args, one from before the seeds were kept as seed 0's alone."""
    flags = args.extra_args if args.time_epoch_args is None else args.time_epoch_args
    record = records / "timed-epoch.json"
    if args.reuse and record.is_file():
        timing = read_record(record)
        if (shlex.split(timing.get("args", args.extra_args)) == shlex.split(flags)
                and timing.get("seeds", [0]) == list(args.seeds)):
            return {"seconds_per_seed": [timing["seconds"]], **timing}
    timings = [timed_epoch(args.runs_dir, [*shlex.split(flags), "--seed", str(seed)]) for seed in args.seeds]
    per_seed = [each["seconds"] for each in timings]
    timing = {**timings[0], "args": shlex.join(shlex.split(flags)), "seeds": list(args.seeds),
              "seconds": statistics.fmean(per_seed), "seconds_per_seed": per_seed}
    save_record(record, timing)
    return {**timing, "machine": machine()}


def evaluate(output_dir: str, extra: list[str]) -> dict:
    """train_vae.py --eval-only on the test split; returns the rewritten report's test part."""
    command = ["scripts/train_vae.py", "--ptb", "--output-dir", output_dir, "--eval-only", "--eval-splits", "test",
               "--progress", "false", *extra]
    subprocess.run([sys.executable, *command], cwd=REPO, check=True)
    return json.loads((REPO / output_dir / "test_report.json").read_text())["test"]


def check_bf16(runs_dir: str, output_dir: str, sentences: int, reuse: bool) -> dict:
    """The 500-sample estimate in float32 and under bf16 autocast on the same test sentences
    (with ``reuse``, a check already on disk for the same sentences and the same weights is read)."""
    results = {}
    for kind in ("none", "bf16"):
        copy = REPO / runs_dir / f"check-{kind}"
        report = copy / "test_report.json"
        weights = "model/model.safetensors"
        same_model = (copy / weights).is_file() and filecmp.cmp(copy / weights, REPO / output_dir / weights, shallow=False)
        if reuse and report.is_file() and same_model:
            test = json.loads(report.read_text()).get("test", {})
            if (test.get("iw_samples"), test.get("iw_autocast"), test.get("sentences")) == (500, kind, float(sentences)):
                results[kind] = test
                continue
        shutil.rmtree(copy, ignore_errors=True)
        copy.mkdir(parents=True)
        shutil.copytree(REPO / output_dir / "model", copy / "model")
        shutil.copy(REPO / output_dir / "metrics.jsonl", copy / "metrics.jsonl")
        results[kind] = evaluate(str(copy), ["--max-eval-sentences", str(sentences),
                                             "--iw-samples", "500", "--eval-autocast", kind])
    return {"sentences": sentences, "fp32_nll": results["none"]["nll"], "bf16_nll": results["bf16"]["nll"],
            "difference": results["bf16"]["nll"] - results["none"]["nll"],
            "fp32_seconds": results["none"]["eval_seconds"], "bf16_seconds": results["bf16"]["eval_seconds"]}


def use_timed_epoch(metrics: dict, seconds_per_seed: list[float], timed_on: str) -> None:
    """--time-epoch: the runs' own epoch figures (mean, per seed, std) move to
    epoch_seconds_of_the_runs*, and epoch_seconds* become those of the epochs timed alone
    (one per seed: mean, per seed, std)."""
    for suffix in ("", "_per_seed", "_std"):
        metrics[f"epoch_seconds_of_the_runs{suffix}"] = metrics.pop(f"epoch_seconds{suffix}")
    add_seeded(metrics, "epoch_seconds", seconds_per_seed)
    metrics["epoch_timed_on"] = timed_on


INTERPOLATION_DECODINGS = ((), SHORT_BEAM_DECODING)  # then SHORT_BEAM_DECODING re-ranked by the LM, if there is one


# With --clause-parser: where the parser accepts none of a step's beam of 10, beams of 20, then 40.
FALLBACK_BEAMS = ("--fallback-beam-sizes", "20,40")

INTERPOLATIONS_FILE = "benchmarks/results/sentence_vae_interpolations.txt"


def write_interpolations(model_dir: Path, lm_dir: Path, clause_parser: str | None = None,
                         path: str = INTERPOLATIONS_FILE, first_pair: int = 0, boilerplate: str | None = None,
                         borrow: bool = False, greedy_first: bool = False, acceptability: str | None = None,
                         acceptability_threshold: float | None = None, no_repeat_ngram: int = 0) -> None:
    """The interpolation examples of one VAE under every decoding of INTERPOLATION_DECODINGS and,
    when ``lm_dir`` holds a model (the LM baseline of the same seed), under SHORT_BEAM_DECODING
    with ``--fluency-lm lm_dir``; given a ``clause_parser``, once more with ``--clause-parser`` added
    to the last of these, and again with :data:`FALLBACK_BEAMS`; given ``boilerplate`` (a training
    text), once more with ``--refuse-boilerplate boilerplate`` added; with ``borrow`` (and a
    ``clause_parser``), once more with ``--borrow-accepted`` added; with ``greedy_first`` (and a
    ``clause_parser``), once more with ``--greedy-first`` added; given ``acceptability`` (the model/
    folder of ``scripts/train_acceptability.py``), once more with ``--acceptability-model`` added
    (and ``--acceptability-threshold``, given ``acceptability_threshold``); given ``no_repeat_ngram`` > 0,
    once more with ``--no-repeat-ngram`` that many words added; headed by the run they come from,
    written to ``path`` (under the repository).
    ``first_pair`` > 0: the ten pairs after that many (fresh pairs)."""
    decodings = list(INTERPOLATION_DECODINGS)
    if (lm_dir / "config.json").is_file():
        decodings.append((*SHORT_BEAM_DECODING, "--fluency-lm", str(lm_dir)))
    else:
        print(f"no LM model at {lm_dir}: the interpolations are written without LM re-ranking", file=sys.stderr)
    if clause_parser:
        decodings.append((*decodings[-1], "--clause-parser", clause_parser))
        decodings.append((*decodings[-1], *FALLBACK_BEAMS))
    if boilerplate:
        decodings.append((*decodings[-1], "--refuse-boilerplate", boilerplate))
    if borrow and clause_parser:
        decodings.append((*decodings[-1], "--borrow-accepted"))
    if greedy_first and clause_parser:
        decodings.append((*decodings[-1], "--greedy-first"))
    if acceptability:
        threshold = () if acceptability_threshold is None else ("--acceptability-threshold", str(acceptability_threshold))
        decodings.append((*decodings[-1], "--acceptability-model", acceptability, *threshold))
    if no_repeat_ngram:
        decodings.append((*decodings[-1], "--no-repeat-ngram", str(no_repeat_ngram)))
    count = len(interpolation_pairs(10, first_pair))  # fewer where the test pairs end
    pairs = f" (pairs {first_pair + 1}-{first_pair + count})" if first_pair else ""
    text = (f"# model: {model_dir.parent.parent.name}/{model_dir.parent.name}; 8 steps between the posterior means of consecutive "
            f"{interpolation_pair_source(first_pair)} sentences of 6-14 words{pairs}\n\n"
            + interpolation_report(model_dir, decodings=decodings, first_pair=first_pair) + "\n")
    out = REPO / path
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(f"wrote {out}", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0], epilog=__doc__.split("\n", 2)[2],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="default: 0 1 2")
    parser.add_argument("--extra-args", default="", help="more flags for train_vae.py (both models), quoted")
    parser.add_argument("--reuse", action="store_true",
                        help="read runs that already have a test report, in --runs-dir or, where that folder is "
                             "gone, in the run's record under benchmarks/results/sentence_vae_runs/")
    parser.add_argument("--available-only", action="store_true",
                        help="train nothing: report each model over the seeds that have a run or a record "
                             "(vae_seeds and lm_seeds say which)")
    parser.add_argument("--runs-dir", default="runs/benchmark-vae",
                        help="folder of the runs, <model>-seed<S> inside (default: runs/benchmark-vae); use "
                             "another one for another configuration, e.g. with --extra-args '--tie-output true'")
    parser.add_argument("--time-epoch", action="store_true",
                        help="time one VAE training epoch of each seed alone on the machine (all threads) for "
                             "epoch_seconds and train_gflops, instead of the median epoch of the runs (which may have shared the machine)")
    parser.add_argument("--time-epoch-args", metavar="ARGS",
                        help="with --time-epoch: train_vae.py flags for the timed epoch in place of --extra-args, "
                             "quoted (e.g. the runs' flags without --hidden-size/--embedding-size, to time the "
                             "issue's 256-unit epoch beside larger runs); the epoch's sizes set train_gflops")
    parser.add_argument("--record-only", action="store_true",
                        help="train and score nothing and write no results: keep the figures of each finished run "
                             "in --runs-dir as its record under benchmarks/results/sentence_vae_runs/ (so they "
                             "outlive the machine), skipping runs still unfinished")
    parser.add_argument("--iw-samples", type=int, default=500,
                        help="importance samples for the full test set (default: 500, He et al.'s protocol; "
                             "fewer give an upper bound of it)")
    parser.add_argument("--iw-autocast", choices=["none", "bf16"], default="none",
                        help="score the full test set's estimate under bf16 autocast")
    parser.add_argument("--check-sentences", type=int, default=300,
                        help="test sentences on which the 500-sample estimate is computed in fp32 and under bf16 "
                             "(0: skip; default: 300)")
    parser.add_argument("--clause-parser", metavar="DIR",
                        help="also write the interpolations of the last decoding (LM re-ranked where there is an LM) "
                             "kept to clauses by this parser (the model/ "
                             "folder of scripts/train_parser.py --ptb-sample; interpolate.py --clause-parser)")
    parser.add_argument("--refuse-boilerplate", metavar="FILE",
                        help="also write the interpolations of the last decoding with this training text's recurring "
                             "table and footnote lines refused (interpolate.py --refuse-boilerplate; for PTB, "
                             "ptb.train.txt in the data directory's ptb/ folder)")
    parser.add_argument("--interpolations-only", action="store_true",
                        help="only rewrite the interpolation examples from the first seed's VAE run (re-ranked by "
                             "the same seed's LM where it has one); the results JSON is left as it is")
    parser.add_argument("--interpolations-file", default=INTERPOLATIONS_FILE, metavar="PATH",
                        help=f"where the interpolation examples go, relative to the repository (default: "
                             f"{INTERPOLATIONS_FILE}; another name keeps that file while trying a run or a decoding)")
    parser.add_argument("--interpolation-pairs-from", type=int, default=0, metavar="N",
                        help="write the interpolations of the ten pairs after the first N (default: 0, the pairs "
                             "BENCHMARKS.md shows; e.g. 10 for fresh pairs on which to check a decoding chosen by "
                             "reading those)")
    args = parser.parse_args()
    if args.interpolation_pairs_from < 0:
        parser.error(f"--interpolation-pairs-from must be 0 or more, got {args.interpolation_pairs_from}")
    if args.interpolations_only:
        runs = REPO / args.runs_dir
        write_interpolations(runs / f"sentence_vae-seed{args.seeds[0]}" / "model", runs / f"lstm_lm-seed{args.seeds[0]}" / "model",
                             args.clause_parser, args.interpolations_file, args.interpolation_pairs_from,
                             args.refuse_boilerplate)
        return
    bf16_here = native_bf16("cpu")
    if args.iw_autocast == "bf16" and not bf16_here:  # emulated bf16 would be float32, slower
        print("this CPU has no native bfloat16: an importance-weighted estimate made here runs in float32 "
              "(--iw-autocast none), and the bf16 check is only read from its record", file=sys.stderr)
        args.iw_autocast = "none"
    if args.time_epoch_args is not None and not args.time_epoch:
        parser.error("--time-epoch-args needs --time-epoch")
    records = RESULTS / "sentence_vae_runs" / Path(args.runs_dir).name
    vae, lm = [], []  # (seed, report)
    for seed in args.seeds:
        for model, reports in (("sentence_vae", vae), ("lstm_lm", lm)):
            command = ["scripts/train_vae.py", "--ptb", "--model", model, "--seed", str(seed), "--progress", "false",
                       "--output-dir", f"{args.runs_dir}/{model}-seed{seed}", *shlex.split(args.extra_args)]
            if args.record_only:
                record_run(command, records / f"{model}-seed{seed}.json")
                continue
            report = run(command, args.reuse, records / f"{model}-seed{seed}.json", args.available_only)
            if report is not None:
                reports.append((seed, report))
    if args.record_only:
        return
    if not vae or not lm:
        raise SystemExit(f"error: no {'VAE' if not vae else 'LM'} run of seeds {args.seeds} in {args.runs_dir} nor "
                         f"in {records.relative_to(REPO)} (--available-only trains nothing)")
    first_vae = REPO / vae[0][1]["output_dir"] / "model"
    check = None
    if args.check_sentences:
        check_record = records / "iw-bf16-check.json"
        if first_vae.is_dir() and bf16_here:
            check = check_bf16(args.runs_dir, vae[0][1]["output_dir"], args.check_sentences, args.reuse)
            save_record(check_record, check)
        elif args.reuse and check_record.is_file():
            check = {k: v for k, v in read_record(check_record).items() if k != "machine"}
    for seed, report in vae:
        test = report["test"]
        if test.get("iw_samples") != args.iw_samples:  # an estimate under the other precision is kept
            if not (REPO / report["output_dir"] / "model").is_dir():
                raise SystemExit(f"error: the VAE of seed {seed} was scored with {test.get('iw_samples')} importance "
                                 f"samples, and its model is gone: it cannot be scored with {args.iw_samples}")
            report["test"] = evaluate(report["output_dir"], ["--iw-samples", str(args.iw_samples),
                                                             "--eval-autocast", args.iw_autocast])
    for model, reports in (("sentence_vae", vae), ("lstm_lm", lm)):
        for seed, report in reports:
            if (REPO / report["output_dir"] / "test_report.json").is_file():  # a run here: keep its figures
                save_record(records / f"{model}-seed{seed}.json", report)
    metrics: dict = {"vae_seeds": [seed for seed, _ in vae], "lm_seeds": [seed for seed, _ in lm]}
    for key, name in (("nll", "vae_test_iw_nll"), ("ppl", "vae_test_ppl"), ("kl", "vae_test_kl"),
                      ("mi", "vae_test_mi"), ("active_units", "vae_test_active_units"),
                      ("elbo_nll", "vae_test_elbo_nll"), ("recon_bleu", "vae_test_recon_bleu")):
        add_seeded(metrics, name, [report["test"][key] for _, report in vae])
    for key, name in (("nll", "lm_test_nll"), ("ppl", "lm_test_ppl")):
        add_seeded(metrics, name, [report["test"][key] for _, report in lm])
    add_seeded(metrics, "epoch_seconds", [report["epoch_seconds"] for _, report in vae])
    train_tokens = 929_589  # PTB train: 887,521 words + one <eos> for each of 42,068 sentences
    config = vae[0][1]["config"]
    if args.time_epoch:
        timing = epoch_timing(args, records)
        use_timed_epoch(metrics, timing["seconds_per_seed"], timing["machine"])
        config = {key: timing.get(key, config.get(key, 0))
                  for key in ("hidden_size", "embedding_size", "vocab_size", "softmax_shortlist", "rare_tokens")}
        metrics["epoch_timed_with"] = f"hidden {config['hidden_size']}, embedding {config['embedding_size']}: " + (
            timing.get("args", args.extra_args) or "the --ptb preset")
    flops = epoch_flops(config["hidden_size"], config["embedding_size"], config["vocab_size"], train_tokens,
                        config.get("softmax_shortlist", 0), config.get("rare_tokens", 0))
    metrics["train_gflops"] = flops / metrics["epoch_seconds"] / 1e9
    metrics["train_tokens_per_second"] = train_tokens / metrics["epoch_seconds"]
    add_seeded(metrics, "vae_epochs_trained", [report["epochs"] for _, report in vae])
    add_seeded(metrics, "lm_epochs_trained", [report["epochs"] for _, report in lm])
    metrics["iw_autocast_per_seed"] = [report["test"].get("iw_autocast") for _, report in vae]
    metrics["iw_samples"] = args.iw_samples
    metrics["run_machines"] = {f"{model}-seed{seed}": report.get("machine", machine())
                               for model, reports in (("sentence_vae", vae), ("lstm_lm", lm)) for seed, report in reports}
    used = set(metrics["iw_autocast_per_seed"])
    metrics["iw_autocast"] = used.pop() if len(used) == 1 else "mixed"  # of the estimates reported
    if check is not None:
        metrics["iw_bf16_check"] = check
    if first_vae.is_dir():
        write_interpolations(first_vae, REPO / args.runs_dir / f"lstm_lm-seed{vae[0][0]}" / "model", args.clause_parser,
                             args.interpolations_file, args.interpolation_pairs_from, args.refuse_boilerplate)
    else:
        print(f"{first_vae} is gone: the interpolations file is left as it is", file=sys.stderr)
    path = write_result("sentence_vae", seeds=sorted({seed for seed, _ in vae + lm}), metrics=metrics, published=PUBLISHED,
                        notes="train_gflops counts the LSTM and output-layer matrix multiplies, x3 for backward; "
                              + ("epoch_seconds is one VAE training epoch timed alone on the machine (--time-epoch); "
                                 "epoch_seconds_of_the_runs is the median epoch of the runs as they ran"
                                 if args.time_epoch else
                                 "epoch_seconds is the median epoch of the VAE runs (as they ran, with whatever "
                                 "else shared the machine)")
                              + "; machine is where this report was assembled, run_machines where each run was "
                                "trained and scored, epoch_timed_on where the epoch was timed")
    print(json.dumps({k: v for k, v in metrics.items() if isinstance(v, float)}, indent=1))
    print(f"-> {path}")


if __name__ == "__main__":
    main()
