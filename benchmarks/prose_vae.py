#!/usr/bin/env python
"""A sentence VAE trained on PTB's prose only, beside the same run on the whole training text.

PTB's training text holds the newspaper's tables, boxes, footnotes and headlines beside its prose,
and a VAE trained on it decodes such lines between sentences (BENCHMARKS.md, issue #4: many of the
interpolation steps read as bad are such lines). Here the training text is first kept to the lines the decoding's
own judges pass, then the same VAE is trained on it:

1. `scripts/filter_text.py ptb.train.txt <runs-dir>/ptb.train.sentences.txt --clause-parser <--parser>
   --refuse-boilerplate ptb.train.txt` (refused lines and counts beside it; skipped when it exists);
2. for each seed, `scripts/train_vae.py --ptb` with shortlist_ptb.py's flags (hidden 256,
   --softmax-shortlist 2000, 16 epochs, 50 importance samples) and `--train-file` that text
   (dev and test stay PTB's own) into <runs-dir>/sentence_vae-seed<S> (--reuse reads a run that
   has its test report);
3. for --interpolation-seed (default: the first of --seeds), the interpolations of both models, this
   one and shortlist_ptb.py's run of the same seed on the whole text (its model in --full-runs-dir,
   its test figures from its record under results/sentence_vae_runs/), between the ten PTB test
   pairs after each --pairs-from (--interpolate full: the whole-text model's alone), under BENCHMARKS.md's decodings ending with short beam +
   --clause-parser + --fallback-beam-sizes 20,40 + --refuse-boilerplate (no LM re-ranking), into
   results/prose_vae_interpolations_{prose,full}_seed<S>_pairs<N+1>.txt (kept when present);
   with --lm, an LSTM-LM (the same decoder without z, the same flags) is first trained on each
   model's training text for that seed (<runs-dir>/lstm_lm-seed<S> on the kept text,
   <runs-dir>/full-text-lstm_lm-seed<S> on the whole one; --reuse reads one that has its test
   report), and the interpolations re-rank each beam with it (--fluency-lm, the decodings of
   BENCHMARKS.md with the LM), into results/prose_vae_interpolations_{prose,full}_lm_seed<S>_pairs<N+1>.txt;
   with --borrow-accepted, one decoding more, the last with interpolate.py --borrow-accepted
   (files named _borrow_: results/prose_vae_interpolations_full_lm_borrow_seed<S>_pairs<N+1>.txt);
   with --greedy-first, one more, the last with interpolate.py --greedy-first (files named _greedy_;
   greedy_steps: the steps it changed against the decoding before);
   with --acceptability-model, one more, the last with interpolate.py --acceptability-model (files
   named _accept_; benchmarks/acceptability.py trains the classifier);
   with --no-repeat-ngram N, one more, the last with interpolate.py --no-repeat-ngram N (files named
   _norepeat<N>_; norepeat_steps: the steps it changed);
   with --full-512-runs-dir, a --ptb-512 VAE (hidden 512) of that seed on the whole text, cut to 10
   epochs so that 2 CPU cores train it in about an hour (with --interpolate full512, it decodes the
   pairs under the same decodings and whole-text LM, files named full512_), and the results hold its best dev ELBO NLL beside the
   256-unit model's (full512_dev_elbo_nll, full_text_dev_elbo_nll) and its test figures, scored after
   training with 50 importance samples as the 256-unit runs are (full512_test_<metric>; its run_config.json, metrics.jsonl
   and test_report.json kept under results/sentence_vae_runs/cpu-ptb512/);
4. benchmarks/results/<--name>.json: the filter's counts; each model's vocabulary and test figures
   (vae_test_<metric> for the prose model, full_text_vae_test_<metric> for the other: iw_nll, ppl,
   elbo_nll, kl, mi, active_units; mean over seeds, _per_seed and _std); and, for each interpolation
   file of --interpolation-seed a reader has judged, with the LM or without, whichever run wrote it
   (the same name ending _judged.tsv, `verdict<TAB>step` rows of the last
   decoding; benchmarks/blind_judging.py writes them from a blind reading of both models' steps), its
   bad steps, and for each model the bad steps and steps of all its judged files
   (interpolation_bad_steps_{prose,full}, interpolation_steps_{prose,full}; with the LM:
   interpolation_bad_steps_{prose,full}_lm, interpolation_steps_{prose,full}_lm; likewise for any
   other judged file named prose_vae_interpolations_<variant>_seed<S>_pairs<N>: interpolation_bad_steps_<variant>)
   and the bad steps
   its judged files hold more than once, with their counts (interpolation_repeated_bad_steps_<model>,
   commonest first); where the interpolation file is there, the same counted over the pairs whose
   two ends the clause judge (as it now stands, by --parser) reads as sentences (sentence_pairs,
   sentence_pair_steps, sentence_pair_bad_steps; interpolation_{bad_steps,steps}_<variant>_sentence_pairs
   where every judged file of the variant has them): PTB's test text holds table and listing lines,
   and pairs of them interpolate through table territory; how much of the steps is built from the
   words of their pair's ends (end_word_share, percent; interpolation_end_word_share_<variant>: a
   blend of the ends scores high, a sentence the decoder writes anywhere low; the same for each decoding
   of the file, in its order, greedy first: end_word_share_by_decoding,
   interpolation_end_word_share_by_decoding_<variant>); for a _borrow_ file, the steps --borrow-accepted changed (borrowed_steps: its
   last decoding against the one before; interpolation_borrowed_steps_<variant> summed); for every
   two variants judged on some of the same pairs, their counts over those pairs alone
   (interpolations_compared, <a>_vs_<b>: the comparisons BENCHMARKS.md reads); with --lm, the
   two LMs' exact test NLL and perplexity (lm_test_nll, lm_test_ppl; full_text_lm_test_nll, _ppl).

The test set is PTB's whole test text, table lines included, and the prose model's vocabulary is
its own training text's, so its test figures are not those of the same task: they say what
training on prose costs on PTB, not a better or worse model.

    python benchmarks/prose_vae.py --seeds 2 --parser runs/parser-ptb_sample-lmtext-seed0/model \\
        --runs-dir runs/prose-vae --full-runs-dir runs/shortlist-ptb --pairs-from 110 120 130
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shlex
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [str(_HERE.parent)] + [entry for entry in sys.path if Path(entry or ".").resolve() != _HERE]

from benchmarks.blind_judging import decoding_count, decoding_endpoints, decoding_steps  # noqa: E402
from benchmarks.sentence_vae import write_interpolations  # noqa: E402
from benchmarks.shortlist_ptb import FLAGS, read_run  # noqa: E402
from textae.benchmarking import RESULTS, add_seeded, interpolation_pairs, read_judged, write_result  # noqa: E402
from textae.corpora import ptb as ptb_corpus  # noqa: E402
from textae.corpora.download import ensure_corpus  # noqa: E402

REPO = _HERE.parent
SHORTLIST = 2000
IW_SAMPLES = 50
FULL512_EPOCHS = 10
RECORDS = RESULTS / "sentence_vae_runs" / "shortlist-ptb"  # shortlist_ptb.py's runs, committed


def endpoint_judge(parser_dir: str):
    """A judge of sentences (words as an interpolation file writes them, one string each): whether
    the clause judge of --clause-parser (``textae.decoding.is_sentence`` with the WSJ sample's
    verb frames, as it stands) reads each as a sentence, by the parser in ``parser_dir``."""
    from parsers.parser import load_parser
    from parsers.tokenize import to_ptb_tokens
    from textae.corpora.wsj_sample import wsj_sample_verb_frames
    from textae.decoding import is_sentence

    chart, frames = load_parser("chart", parser_dir), wsj_sample_verb_frames()

    def judge(sentences: list[str]) -> list[bool]:
        trees = chart.parse_many([to_ptb_tokens(sentence.split()) for sentence in sentences])
        return [is_sentence(tree, frames) for tree in trees]

    return judge


class EndJudge:
    """Whether the clause judge reads a pair's ends as sentences (:func:`endpoint_judge`, loaded
    on first use; each sentence judged once)."""

    def __init__(self, parser_dir: str):
        self.parser_dir, self.judge, self.verdicts = parser_dir, None, {}

    def __call__(self, sentences: list[str]) -> list[bool]:
        unknown = sorted(set(sentences) - set(self.verdicts))
        if unknown:
            self.judge = self.judge or endpoint_judge(self.parser_dir)
            self.verdicts.update(zip(unknown, self.judge(unknown), strict=True))
        return [self.verdicts[sentence] for sentence in sentences]


def count_judged(verdicts: Path, end_judge) -> tuple[dict, list[str]]:
    """One judged file's counts (steps, judged_bad; where its interpolation file is beside it,
    sentence_pairs, sentence_pair_steps and sentence_pair_bad_steps over the pairs whose two ends
    ``end_judge`` reads as sentences, and end_word_share (:func:`end_word_share`; of the last decoding,
    and end_word_share_by_decoding, of each in the file's order); for a _borrow_ file, borrowed_steps: the steps its last
    decoding changed against the one before (greedy_steps for a _greedy_ file, accepted_steps for an _accept_ one,
    norepeat_steps for a _norepeat<N>_ one, whose last decoding adds --greedy-first, --acceptability-model or
    --no-repeat-ngram)) and its steps judged bad, in order."""
    steps, bad = read_judged(verdicts, decoding=None)
    counts = {"steps": len(steps), "judged_bad": sum(bad)}
    decoded = verdicts.with_name(verdicts.name.removesuffix("_judged.tsv") + ".txt")
    # each decoding of the interpolation file, read once: its pairs and its steps
    sections = ([(decoding_endpoints(decoded, index), decoding_steps(decoded, index))
                 for index in range(decoding_count(decoded))] if decoded.is_file() else [])
    pairs = sections[-1][0] if sections else []
    if pairs and sum(count for _, _, count in pairs) == len(steps):
        shares = [end_word_share(*section) for section in sections]
        counts.update(end_word_share=shares[-1], end_word_share_by_decoding=shares)
        are_sentences = end_judge([end for first, second, _ in pairs for end in (first, second)])
        counts.update(sentence_pairs=0, sentence_pair_steps=0, sentence_pair_bad_steps=0)
        at = 0
        for i, (_, _, count) in enumerate(pairs):
            if are_sentences[2 * i] and are_sentences[2 * i + 1]:
                counts["sentence_pairs"] += 1
                counts["sentence_pair_steps"] += count
                counts["sentence_pair_bad_steps"] += sum(bad[at:at + count])
            at += count
    # the flag the last decoding added, by the file's last variant suffix: the steps it changed
    last_flag = next((key for suffix, key in (("_norepeat", "norepeat_steps"), ("_accept_", "accepted_steps"),
                                              ("_greedy_", "greedy_steps"), ("_borrow_", "borrowed_steps"))
                      if suffix in verdicts.name), None)
    if last_flag and decoded.is_file():
        if len(sections) < 2:
            raise SystemExit(f"prose_vae.py: error: {decoded} has {len(sections)} '# decoding:' sections; its last "
                             "decoding is compared with the one before")
        counts[last_flag] = sum(before != after for before, after in zip(sections[-2][1], sections[-1][1], strict=True))
    return counts, [step for step, is_bad in zip(steps, bad, strict=True) if is_bad]


def end_word_share(pairs: list[tuple[str, str, int]], steps: list[str]) -> float:
    """How much of the steps is built from their ends: the share of each step's words (tokens) that
    occur in either end of its pair, averaged over the steps, in percent. A step the decoder writes
    between any two sentences (`the company said it would n't be reached for comment`) scores low, a
    blend of the two ends high; it says nothing of grammar."""
    shares, at = [], 0
    for first, second, count in pairs:
        ends = set(first.split()) | set(second.split())
        for step in steps[at:at + count]:
            words = step.split()
            shares.append(100.0 * sum(word in ends for word in words) / len(words) if words else 0.0)
        at += count
    return round(sum(shares) / len(shares), 2) if shares else 0.0


def step_weighted(shares: list[float], sets: list[dict]) -> float:
    """The mean of per-file shares weighted by each file's steps (``sets``: the files' counts)."""
    return round(sum(share * counts["steps"] for share, counts in zip(shares, sets, strict=True))
                 / sum(counts["steps"] for counts in sets), 2)


def compared(judged: dict[str, dict]) -> dict[str, dict]:
    """For every two variants judged on some of the same test pairs (``<variant>_seed<S>_pairs<N>``
    files of the same N, e.g. two decodings pooled and read blind together), their counts summed
    over those pairs alone, under ``<a>_vs_<b>``: the pairs' first numbers (``pairs``), and for each
    variant its bad steps (``bad_steps``), and where both have them, its bad steps over the sentence
    pairs (``sentence_pair_bad_steps``, of ``sentence_pair_steps``) and its ``end_word_share`` (over
    the steps of those pairs)."""
    sets: dict[str, dict[int, dict]] = {}
    for name, counts in judged.items():
        variant, _, pairs = name.removeprefix("prose_vae_interpolations_").rpartition("_seed")
        sets.setdefault(variant, {})[int(pairs.rpartition("_pairs")[2])] = counts
    result = {}
    for a, b in itertools.combinations(sorted(sets), 2):
        shared = sorted(set(sets[a]) & set(sets[b]))
        if not shared:
            continue
        entry = {"pairs": shared, "steps": sum(sets[a][n]["steps"] for n in shared),
                 "bad_steps": {v: sum(sets[v][n]["judged_bad"] for n in shared) for v in (a, b)}}
        if all("sentence_pairs" in sets[v][n] for v in (a, b) for n in shared):
            entry["sentence_pair_steps"] = sum(sets[a][n]["sentence_pair_steps"] for n in shared)
            entry["sentence_pair_bad_steps"] = {v: sum(sets[v][n]["sentence_pair_bad_steps"] for n in shared)
                                                for v in (a, b)}
        if all("end_word_share" in sets[v][n] for v in (a, b) for n in shared):
            entry["end_word_share"] = {v: step_weighted([sets[v][n]["end_word_share"] for n in shared],
                                                        [sets[v][n] for n in shared]) for v in (a, b)}
        result[f"{a}_vs_{b}"] = entry
    return result


def filter_command(ptb: Path, runs_dir: str, parser_dir: str) -> list[str]:
    out = f"{runs_dir}/ptb.train.sentences.txt"
    return ["scripts/filter_text.py", str(ptb / "ptb.train.txt"), out, "--clause-parser", parser_dir,
            "--refuse-boilerplate", str(ptb / "ptb.train.txt"), "--refused", f"{runs_dir}/ptb.train.refused.txt",
            "--report", f"{runs_dir}/ptb.train.filter.json", "--progress", "false"]


def train_command(ptb: Path, runs_dir: str, seed: int) -> list[str]:
    return ["scripts/train_vae.py", "--ptb", "--seed", str(seed), *FLAGS, "--softmax-shortlist", str(SHORTLIST),
            "--iw-samples", str(IW_SAMPLES), "--train-file", f"{runs_dir}/ptb.train.sentences.txt",
            "--dev-file", str(ptb / "ptb.valid.txt"), "--test-file", str(ptb / "ptb.test.txt"),
            "--output-dir", f"{runs_dir}/sentence_vae-seed{seed}"]


def lm_command(ptb: Path, runs_dir: str, seed: int, text: str) -> list[str]:
    """The LSTM-LM of one seed on the kept text (``text`` "prose") or on PTB's whole training text ("full")."""
    files = ["--train-file", f"{runs_dir}/ptb.train.sentences.txt", "--dev-file", str(ptb / "ptb.valid.txt"),
             "--test-file", str(ptb / "ptb.test.txt")] if text == "prose" else []  # else the --ptb preset's own
    name = "lstm_lm" if text == "prose" else "full-text-lstm_lm"
    return ["scripts/train_vae.py", "--ptb", "--model", "lstm_lm", "--seed", str(seed), *FLAGS,
            "--softmax-shortlist", str(SHORTLIST), *files, "--output-dir", f"{runs_dir}/{name}-seed{seed}"]


def full512_command(runs_dir: str, seed: int) -> list[str]:
    """The --ptb-512 VAE of one seed on PTB's whole training text, cut to FULL512_EPOCHS epochs (its linear
    LR decay fitted to them) so that it trains on 2 CPU cores in about an hour; no test scoring in the
    run (prose_vae.py scores it after, with IW_SAMPLES; the preset's 16-epoch figures are sentence_vae.py's)."""
    return ["scripts/train_vae.py", "--ptb-512", "--seed", str(seed), "--softmax-shortlist", str(SHORTLIST),
            "--max-epochs", str(FULL512_EPOCHS), "--eval-splits", "", "--progress", "false",
            "--output-dir", f"{runs_dir}/ptb512-e{FULL512_EPOCHS}-seed{seed}"]


def best_dev_elbo(run: Path) -> float:
    """The lowest dev ELBO NLL a run's metrics.jsonl records (its saved model's, early stopping on it)."""
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines() if line.strip()]
    values = [float(row["elbo_nll"]) for row in rows if row.get("split") == "dev"]
    if not values:
        raise SystemExit(f"prose_vae.py: error: {run / 'metrics.jsonl'} holds no dev evaluation")
    return min(values)


def vocab_size(run: Path) -> int:
    return int(json.loads((run / "run_config.json").read_text())["model"]["vocab_size"])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0], epilog=__doc__.split("\n", 1)[1],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="default: 0 1 2")
    parser.add_argument("--parser", required=True, metavar="DIR",
                        help="the model/ folder of scripts/train_parser.py --ptb-sample --lm-text true (the filter's "
                             "and the interpolations' clause judge)")
    parser.add_argument("--runs-dir", default="runs/prose-vae", help="default: runs/prose-vae")
    parser.add_argument("--full-runs-dir", default="runs/shortlist-ptb",
                        help="shortlist_ptb.py's --runs-dir, whose sl2000-seed<S>/model the whole-text interpolations "
                             "decode (default: runs/shortlist-ptb); its test figures are read from its record")
    parser.add_argument("--reuse", action="store_true", help="read runs that already have a test report")
    parser.add_argument("--pairs-from", type=int, nargs="+", default=[170], metavar="N",
                        help="interpolate the ten pairs after the first N, for each N given (default: 170, "
                             "the first pairs no earlier session read): pairs 1-438 are PTB test's (a block ends "
                             "with them: 431-438), those after PTB validation's, fresh ones once the test's are "
                             "read (textae.benchmarking.interpolation_pairs)")
    parser.add_argument("--interpolation-seed", type=int, metavar="S",
                        help="the seed whose two models interpolate (one of --seeds; default: the first)")
    parser.add_argument("--interpolate", nargs="+", choices=["prose", "full", "full512"], default=["prose", "full"],
                        metavar="MODEL",
                        help="the models whose interpolations are written: prose (trained on the kept text), full "
                             "(on the whole text), full512 (the 512-unit whole-text model of --full-512-runs-dir), "
                             "any of them (default: prose full)")
    parser.add_argument("--lm", action="store_true",
                        help="train an LSTM-LM on each model's training text (for --interpolation-seed) and "
                             "re-rank the interpolations' beams with it; their files are named _lm_")
    parser.add_argument("--borrow-accepted", action="store_true",
                        help="add interpolate.py --borrow-accepted to the last decoding (a step whose beams hold no "
                             "sentence the judges accept takes the accepted sentence of another step it scores "
                             "highest); the files are named _borrow_")
    parser.add_argument("--greedy-first", action="store_true",
                        help="add interpolate.py --greedy-first to the last decoding (each step's greedy sentence is "
                             "output where the judges accept it, the beam decodes the others); the files are named "
                             "_greedy_")
    parser.add_argument("--acceptability-model", metavar="DIR",
                        help="add interpolate.py --acceptability-model DIR to the last decoding (the model/ folder of "
                             "scripts/train_acceptability.py: a classifier of real lines against broken copies also "
                             "judges the beam's sentences); the files are named _accept_")
    parser.add_argument("--acceptability-threshold", type=float, metavar="P",
                        help="with --acceptability-model: interpolate.py --acceptability-threshold P (default: the "
                             "model's own threshold)")
    parser.add_argument("--no-repeat-ngram", type=int, default=0, metavar="N",
                        help="add interpolate.py --no-repeat-ngram N to the last decoding (no run of N words twice "
                             "in a sentence); the files are named _norepeat<N>_ (default: 0, off)")
    parser.add_argument("--full-512-runs-dir", metavar="DIR",
                        help="a --ptb-512 VAE of --interpolation-seed on the whole text, cut to "
                             f"{FULL512_EPOCHS} epochs (DIR/ptb512-e{FULL512_EPOCHS}-seed<S>, trained when missing: "
                             "about an hour on 2 CPU cores): its best dev ELBO NLL is reported beside the 256-unit "
                             "model's, with its test figures (50 importance samples, scored after training); with "
                             "--interpolate full512 it decodes the same pairs under the same decodings and whole-text "
                             "LM (files named full512_)")
    parser.add_argument("--name", default="prose_vae", help="results file name (default: prose_vae)")
    args = parser.parse_args(argv)
    if args.interpolation_seed is None:
        args.interpolation_seed = args.seeds[0]
    if args.interpolation_seed not in args.seeds:
        parser.error(f"--interpolation-seed {args.interpolation_seed} is not one of --seeds {args.seeds}")
    if args.acceptability_threshold is not None and not args.acceptability_model:
        parser.error("--acceptability-threshold is for --acceptability-model; add it")
    if args.no_repeat_ngram < 0:
        parser.error(f"--no-repeat-ngram must be 0 (off) or more, got {args.no_repeat_ngram}")
    if "full512" in args.interpolate and not args.full_512_runs_dir:
        parser.error("--interpolate full512 decodes with the model of --full-512-runs-dir; add it")
    ptb = ensure_corpus(ptb_corpus.SPEC)  # the folder of ptb.{train,valid,test}.txt
    for first in args.pairs_from:
        try:
            interpolation_pairs(10, first)
        except ValueError as error:
            parser.error(f"--pairs-from {first}: {error}")
    commands = []
    run = filter_command(ptb, args.runs_dir, args.parser)
    commands.append("python " + " ".join(run))
    if not (REPO / run[2]).is_file():
        subprocess.run([sys.executable, *run], cwd=REPO, check=True)
    counts = json.loads((REPO / args.runs_dir / "ptb.train.filter.json").read_text())["counts"]
    metrics: dict = {"filter_" + key: value for key, value in counts.items()}
    metrics["filter_kept_percent"] = round(100.0 * counts["kept"] / counts["lines"], 2)
    prose: dict[str, list[float]] = {}
    full: dict[str, list[float]] = {}
    judged: dict[str, dict] = {}
    bad_steps: dict[str, list[str]] = {}  # judged file -> its steps judged bad, in order
    for seed in args.seeds:
        run = train_command(ptb, args.runs_dir, seed)
        commands.append("python " + " ".join(run))
        folder = REPO / run[-1]
        if not (args.reuse and (folder / "test_report.json").is_file()):
            subprocess.run([sys.executable, *run, "--overwrite"], cwd=REPO, check=True)
        full_folder = REPO / args.full_runs_dir / f"sl{SHORTLIST}-seed{seed}"
        record = RECORDS / f"sl{SHORTLIST}-seed{seed}"
        for values, figures in ((prose, read_run(folder, IW_SAMPLES)), (full, read_run(record, IW_SAMPLES))):
            for name, value in figures.items():
                values.setdefault(name, []).append(value)
        metrics.setdefault("vocab_size_per_seed", []).append(vocab_size(folder))
        metrics.setdefault("full_text_vocab_size_per_seed", []).append(vocab_size(record))
        if seed != args.interpolation_seed:
            continue
        lm_dirs = {"prose": REPO / "no-lm", "full": REPO / "no-lm"}
        for text in ("prose", "full") if args.lm else ():
            run = lm_command(ptb, args.runs_dir, seed, text)
            commands.append("python " + " ".join(run))
            lm_folder = REPO / run[-1]
            if not (args.reuse and (lm_folder / "test_report.json").is_file()):
                subprocess.run([sys.executable, *run, "--overwrite"], cwd=REPO, check=True)
            report = json.loads((lm_folder / "test_report.json").read_text())["test"]
            prefix = "lm_test" if text == "prose" else "full_text_lm_test"
            metrics[f"{prefix}_nll"], metrics[f"{prefix}_ppl"] = float(report["nll"]), float(report["ppl"])
            lm_dirs[text] = lm_folder / "model"
        models = [(model, model_dir) for model, model_dir in (("prose", folder / "model"), ("full", full_folder / "model"))
                  if model in args.interpolate]
        if args.full_512_runs_dir:
            run = full512_command(args.full_512_runs_dir, seed)
            scoring = ["scripts/train_vae.py", "--ptb-512", "--output-dir", run[-1], "--eval-only", "--eval-splits",
                       "test", "--iw-samples", str(IW_SAMPLES), "--progress", "false"]
            commands += ["python " + shlex.join(run), "python " + shlex.join(scoring)]
            run_512 = REPO / run[-1]
            if not (args.reuse and (run_512 / "test_report.json").is_file()):
                subprocess.run([sys.executable, *run, "--overwrite"], cwd=REPO, check=True)
            if "test" not in json.loads((run_512 / "test_report.json").read_text()):
                subprocess.run([sys.executable, *scoring], cwd=REPO, check=True)
            for name, value in read_run(run_512, IW_SAMPLES).items():
                metrics[f"full512_test_{name}"] = value
            kept = RESULTS / "sentence_vae_runs" / "cpu-ptb512" / run_512.name  # committed: the run folder is not
            kept.mkdir(parents=True, exist_ok=True)
            for name in ("run_config.json", "metrics.jsonl", "test_report.json"):
                shutil.copy(run_512 / name, kept / name)
            metrics["full512_dev_elbo_nll"] = round(best_dev_elbo(run_512), 2)
            metrics["full_text_dev_elbo_nll"] = round(best_dev_elbo(record), 2)
            if "full512" in args.interpolate:
                models.append(("full512", run_512 / "model"))
            lm_dirs["full512"] = lm_dirs["full"]
        chosen = [(first, model, model_dir) for first in args.pairs_from for model, model_dir in models]
        for first, model, model_dir in chosen:
            variant = (model + ("_lm" if args.lm else "") + ("_borrow" if args.borrow_accepted else "")
                       + ("_greedy" if args.greedy_first else "") + ("_accept" if args.acceptability_model else "")
                       + (f"_norepeat{args.no_repeat_ngram}" if args.no_repeat_ngram else ""))
            name = f"prose_vae_interpolations_{variant}_seed{seed}_pairs{first + 1}"
            path = RESULTS / f"{name}.txt"
            if not path.is_file():
                write_interpolations(model_dir, lm_dirs[model], args.parser, str(path.relative_to(REPO)),
                                     first_pair=first, boilerplate=str(ptb / "ptb.train.txt"),
                                     borrow=args.borrow_accepted, greedy_first=args.greedy_first,
                                     acceptability=args.acceptability_model,
                                     acceptability_threshold=args.acceptability_threshold,
                                     no_repeat_ngram=args.no_repeat_ngram)
    # every judged file of the interpolation seed's models, with the LM or without, whichever run wrote it
    end_judge = EndJudge(args.parser)
    for verdicts in sorted(RESULTS.glob(f"prose_vae_interpolations_*_seed{args.interpolation_seed}_pairs*_judged.tsv")):
        name = verdicts.name.removesuffix("_judged.tsv")
        judged[name], bad_steps[name] = count_judged(verdicts, end_judge)
    for name, values in prose.items():
        add_seeded(metrics, f"vae_test_{name}", values)
    for name, values in full.items():
        add_seeded(metrics, f"full_text_vae_test_{name}", values)
    metrics["iw_samples"] = IW_SAMPLES
    metrics["interpolations_judged"] = judged
    # over every judged set: bad steps of all steps, for the four decodings and any other file name's
    # (e.g. full_lm_s27judge: the whole-text model's LM decoding by sessions 27-32's judge)
    by_variant: dict[str, list[str]] = {model: [] for model in ("prose", "full", "prose_lm", "full_lm")}
    for name in judged:
        by_variant.setdefault(name.removeprefix("prose_vae_interpolations_").rsplit("_seed", 1)[0], []).append(name)
    for model, names in by_variant.items():
        sets = [judged[name] for name in names]
        metrics[f"interpolation_bad_steps_{model}"] = sum(counts["judged_bad"] for counts in sets)
        metrics[f"interpolation_steps_{model}"] = sum(counts["steps"] for counts in sets)
        if sets and all("sentence_pairs" in counts for counts in sets):
            metrics[f"interpolation_bad_steps_{model}_sentence_pairs"] = sum(
                counts["sentence_pair_bad_steps"] for counts in sets)
            metrics[f"interpolation_steps_{model}_sentence_pairs"] = sum(counts["sentence_pair_steps"] for counts in sets)
        if sets and all("end_word_share" in counts for counts in sets):
            metrics[f"interpolation_end_word_share_{model}"] = step_weighted(
                [counts["end_word_share"] for counts in sets], sets)
            by_decoding = [counts["end_word_share_by_decoding"] for counts in sets]
            if len({len(shares) for shares in by_decoding}) == 1:  # the same decodings in every file
                metrics[f"interpolation_end_word_share_by_decoding_{model}"] = [
                    step_weighted([shares[index] for shares in by_decoding], sets) for index in range(len(by_decoding[0]))]
        for key in ("borrowed_steps", "accepted_steps", "norepeat_steps"):
            if any(key in counts for counts in sets):
                metrics[f"interpolation_{key}_{model}"] = sum(counts.get(key, 0) for counts in sets)
        repeated = Counter(step for name in names for step in bad_steps[name])
        metrics[f"interpolation_repeated_bad_steps_{model}"] = {step: n for step, n in repeated.most_common() if n > 1}
    metrics["interpolations_compared"] = compared(judged)
    path = write_result(args.name, seeds=args.seeds, metrics=metrics, published={},
                        notes="full_text_* are shortlist_ptb.py's runs of the same seeds on the whole PTB training "
                              f"text (their records under {RECORDS.relative_to(REPO)}); test on PTB's whole test "
                              "text; interpolations judged by one reader, the last decoding of each file. The runs: "
                              + " ; ".join(commands) + f" (TEXTAE_DATA_DIR={os.environ.get('TEXTAE_DATA_DIR', '')})")
    print(json.dumps(metrics, indent=1))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
