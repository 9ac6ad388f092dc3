"""Shared by the scripts in benchmarks/: the machine description and the results file format.

Every benchmark writes ``benchmarks/results/<name>.json`` as
``{"command", "machine", "seeds", "metrics": {...}, "published": {...}}``; a metric
measured over several seeds has its mean under the plain key and ``<key>_per_seed``
and ``<key>_std`` beside it.
"""

from __future__ import annotations

import functools
import json
import os
import platform
import shlex
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import torch

RESULTS = Path(__file__).resolve().parents[1] / "benchmarks" / "results"


def cpu_name(cpuinfo: str) -> str:
    """The first processor's model name in ``/proc/cpuinfo`` text, with its family and model
    numbers where given (``AMD EPYC, family 25 model 1``): virtual machines often show only a
    brand, and hosts showing one brand have differed about threefold in float32 matmul peak here
    (BENCHMARKS.md, issue #4, session 30); '' when the text names none."""
    fields: dict[str, str] = {}
    for line in cpuinfo.splitlines():
        if not line.strip():
            if fields:
                break  # the first processor's block is enough
            continue
        key, _, value = line.partition(":")
        fields.setdefault(key.strip(), value.strip())
    name = fields.get("model name", "")
    if name and fields.get("cpu family") and fields.get("model"):
        name += f", family {fields['cpu family']} model {fields['model']}"
    return name


def machine() -> str:
    try:
        cpu = cpu_name(Path("/proc/cpuinfo").read_text()) or platform.processor() or platform.machine()
    except OSError:
        cpu = platform.processor() or platform.machine()
    # The vector ISA matters to every timing, and bf16 figures need native bfloat16.
    cpu += f", {torch.backends.cpu.get_cpu_capability()}"
    from textae.train import native_bf16

    cpu += " with native bf16" if native_bf16("cpu") else " without native bf16"
    threads = torch.get_num_threads()
    gpus = ""
    if torch.cuda.is_available():  # named whether or not the figures came from it (results say which device ran)
        names = [torch.cuda.get_device_name(index) for index in range(torch.cuda.device_count())]
        gpus = f", {len(names)} CUDA device{'' if len(names) == 1 else 's'} ({', '.join(sorted(set(names)))}, CUDA {torch.version.cuda})"
    return (f"{os.cpu_count()} CPU cores ({cpu}), torch {torch.__version__} with {threads} thread{'' if threads == 1 else 's'}"
            f"{gpus}, Python {platform.python_version()}, {platform.system()}")


def add_seeded(metrics: dict, key: str, values: list[float]) -> None:
    """Mean under ``key``, per-seed values and population std beside it."""
    metrics[key] = statistics.fmean(values)
    metrics[f"{key}_per_seed"] = values
    metrics[f"{key}_std"] = statistics.pstdev(values) if len(values) > 1 else 0.0


def write_result(name: str, *, seeds: list[int], metrics: dict, published: dict, notes: str = "") -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    payload = {
        "command": shlex.join(["python", *sys.argv]),
        "machine": machine(),
        "seeds": seeds,
        "metrics": metrics,
        "published": published,
    }
    if notes:
        payload["notes"] = notes
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return path


def read_judged(path: Path, decoding: str | None = "beam") -> tuple[list[str], list[bool]]:
    """The judged steps and whether each was judged bad, from a ``verdict<TAB>step`` file or a
    ``decoding<TAB>verdict<TAB>step`` one, of which the rows of ``decoding`` are read (all of
    them for ``None``; ``#`` lines are comments; the first other line is the header). The
    judged files are one reader's verdicts on interpolation steps
    (``results/*_judged.tsv``; ``benchmarks/clause_filter.py``, ``boilerplate_filter.py``).

    Raises:
        SystemExit: a malformed file, or one without a row of ``decoding``, with the message.
    """
    rows = [line for line in path.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    headers = {"verdict\tstep": 2, "decoding\tverdict\tstep": 3}
    if not rows or rows[0] not in headers:
        raise SystemExit(f"error: {path} must start (after # comments) with the header 'verdict<TAB>step' "
                         "or 'decoding<TAB>verdict<TAB>step'")
    columns = headers[rows[0]]
    steps, bad = [], []
    for number, line in enumerate(rows[1:], start=2):
        parts = line.split("\t", columns - 1)
        if len(parts) != columns or parts[-2] not in ("ok", "bad") or not parts[-1]:
            raise SystemExit(f"error: {path}, row {number}: expected {'a decoding, a tab, ' if columns == 3 else ''}"
                             f"'ok' or 'bad', a tab and the step, got {line!r}")
        if columns == 3 and decoding is not None and parts[0] != decoding:
            continue
        steps.append(parts[-1])
        bad.append(parts[-2] == "bad")
    if not steps:
        raise SystemExit(f"error: {path} has no rows of the decoding {decoding!r}")
    return steps, bad


def write_parts_result(name: str, *, measured: dict[str, tuple[dict, list[int]]], prefixes: dict[str, tuple[str, ...]],
                       published: dict, notes: str = "") -> Path:
    """Merges the parts of a benchmark that just ran into ``results/<name>.json``.

    A benchmark made of parts (each slow enough to run alone) replaces only the keys of the
    parts in ``measured`` (``part -> (metrics, seeds)``; a part's keys are those starting
    with one of ``prefixes[part]``) and records each part's command, machine, seeds and date
    under ``parts``; keys of the other parts are kept as they were.
    """
    path = RESULTS / f"{name}.json"
    previous = json.loads(path.read_text()) if path.exists() else {}
    metrics, parts = dict(previous.get("metrics", {})), dict(previous.get("parts", {}))
    for part, (part_metrics, seeds) in measured.items():
        for key in [key for key in metrics if key.startswith(prefixes[part])]:
            del metrics[key]
        metrics.update(part_metrics)
        parts[part] = {"command": shlex.join(["python", *sys.argv]), "machine": machine(), "seeds": seeds,
                       "date": time.strftime("%Y-%m-%d")}
    path = write_result(name, seeds=sorted({seed for part in parts.values() for seed in part["seeds"]}),
                        metrics=metrics, published=published,
                        notes=(notes + " " if notes else "") + "Each part's own command, machine and seeds are in "
                              "'parts'; a part re-run alone replaces only its keys.")
    payload = json.loads(path.read_text())
    payload["command"] = f"python benchmarks/{name}.py  (see parts for each part's run)"
    payload["parts"] = parts
    path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return path


CONTROLLED_DECODING = ("--decode", "beam", "--no-unk", "--no-repeat-ngram", "2")
# Wider beam ranked by log probability / length**0.5: shorter, whole sentences rather than the
# run-ons the per-word mean favours (chosen by reading interpolations between PTB dev pairs).
SHORT_BEAM_DECODING = ("--decode", "beam", "--no-unk", "--beam-size", "10", "--length-penalty", "0.5")


INTERPOLATION_LENGTHS = (6, 14)  # words of an interpolation pair's sentences


@functools.lru_cache(maxsize=1)
def _interpolation_sentences() -> tuple[tuple[list[str], ...], int]:
    """The sentences the interpolation pairs are made of, and how many pairs PTB's test text gives:
    its sentences of 6 to 14 words, consecutive ones paired, then (for the pairs after those,
    fresh ones once the test pairs are used up) PTB's validation text's, held out from training too
    (it chooses a run's best epoch)."""
    from textae.corpora.ptb import load_ptb

    low, high = INTERPOLATION_LENGTHS
    test, valid = ([sentence for sentence in load_ptb(split) if low <= len(sentence) <= high]
                   for split in ("test", "valid"))
    test_pairs = len(test) // 2
    return tuple(test[: 2 * test_pairs] + valid[: len(valid) // 2 * 2]), test_pairs


def interpolation_pair_source(first: int) -> str:
    """Where the pairs from pair ``first`` + 1 come from, for a file's header."""
    return "PTB test" if first < _interpolation_sentences()[1] else "PTB validation"


def interpolation_pairs(count: int, first: int = 0) -> tuple[tuple[list[str], list[str]], ...]:
    """``count`` pairs of consecutive sentences of 6 to 14 words from pair ``first`` (0-based):
    PTB test's pairs, then PTB validation's (:func:`_interpolation_sentences`). A block of pairs
    does not run from one text into the other: it ends with the test pairs.

    Raises:
        ValueError: no pair from ``first`` on (the message says how many there are).
    """
    sentences, test_pairs = _interpolation_sentences()
    end = min(first + count, test_pairs) if first < test_pairs else first + count
    chosen = sentences[2 * first: 2 * end]
    if not chosen:
        raise ValueError(f"no interpolation pair from pair {first + 1}: PTB's test and validation texts give "
                         f"{len(sentences) // 2} pairs of {INTERPOLATION_LENGTHS[0]}-{INTERPOLATION_LENGTHS[1]}-word "
                         f"sentences ({test_pairs} from the test text)")
    return tuple(zip(chosen[0::2], chosen[1::2], strict=True))


def interpolation_examples(model_dir: str | os.PathLike, pairs: int = 10, steps: int = 8,
                           decode_args: Sequence[str] = (), first_pair: int = 0) -> str:
    """Unedited ``scripts/interpolate.py`` output (its ``main``, run in this process) between
    pairs of consecutive PTB test sentences of 6 to 14 words, then validation ones
    (:func:`interpolation_pairs`; the same pairs for every model; ``first_pair`` > 0 skips that
    many, for fresh pairs on which to check a decoding chosen by reading the first ones), blocks
    separated by a blank line.

    ``decode_args`` are passed to the script (e.g. :data:`CONTROLLED_DECODING`: beam search
    that never outputs ``<unk>`` nor repeats a bigram); none: its greedy default."""
    blocks = []
    for first, second in interpolation_pairs(pairs, first_pair):
        output = _interpolate_output(["--checkpoint", str(model_dir), " ".join(first), " ".join(second),
                                      "--steps", str(steps), *decode_args])
        blocks.append(output.rstrip())
    return "\n\n".join(blocks)


def _interpolate_output(argv: Sequence[str]) -> str:
    """What ``python scripts/interpolate.py ARGV`` prints, from its ``main`` run in this process
    (a process per pair spent most of the time starting torch).

    Raises:
        RuntimeError: the script ended with an error (its message included).
    """
    import contextlib
    import io

    from textae.commands.interpolate import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(argv))
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
    if code:
        raise RuntimeError(f"scripts/interpolate.py {shlex.join(argv)} ended with status {code}: {err.getvalue().strip()}")
    return out.getvalue()


def interpolation_report(model_dir: str | os.PathLike, heading: str = "#",
                         decodings: Sequence[Sequence[str]] = ((), CONTROLLED_DECODING), first_pair: int = 0) -> str:
    """:func:`interpolation_examples` (from pair ``first_pair``) under each of ``decodings``
    (``scripts/interpolate.py`` flags; the default: greedy, then :data:`CONTROLLED_DECODING`),
    each under a heading naming its flags."""
    return "\n\n".join(
        f"{heading} decoding: {' '.join(args) or 'greedy (the default)'}\n"
        + interpolation_examples(model_dir, decode_args=args, first_pair=first_pair)
        for args in decodings)
