"""Command-line helpers: dataclass fields become flags, presets are plain dicts.

``add_dataclass_arguments(parser, TrainConfig)`` adds ``--learning-rate`` etc. with
the field's type and default (in the help, or the value under each preset when one changes
it); ``build_dataclass(TrainConfig, args, overrides)``
builds the config with the precedence *explicit flag > preset > field default*.
Every run writes its resolved configuration and the git commit next to its outputs
(:func:`write_run_config`).
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import json
import math
import os
import re
import shutil
import subprocess
import sys
import types
import typing
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path
from typing import Any

_UNSET = object()


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def _field_type(field: dataclasses.Field, owner: type) -> Any:
    hints = typing.get_type_hints(owner)
    annotation = hints.get(field.name, str)
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(annotation) if a is not type(None)]
        annotation = options[0] if len(options) == 1 else str
    return annotation


def parse_bool(text: str) -> bool:
    """The ``type=`` of a BOOL flag: true/false, yes/no, on/off, 1/0."""
    lowered = text.lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise argparse.ArgumentTypeError(f"expected true/false, got {text!r}")


def _shown(value: Any) -> str:
    """A value as ``--help`` shows it: ``str(value)``, ``""`` for an empty string, with argparse's
    ``%`` escaped (help texts are %-formatted)."""
    return ('""' if value == "" else str(value)).replace("%", "%%")


def add_dataclass_arguments(
    parser: argparse.ArgumentParser,
    config_class: type,
    *,
    skip: tuple[str, ...] = (),
    help_texts: dict[str, str] | None = None,
    title: str | None = None,
    presets: dict[str, dict] | None = None,
) -> None:
    """Adds one flag per field of ``config_class`` (default shown, value left unset).

    Help comes from ``help_texts``, else from the class's own ``field_help`` dict if it has one.
    Each help ends with the field's default, ``(default: X)`` (nothing for an empty default, or
    when the help text already names one). ``presets`` maps a preset's flag (``"--ptb"``) to the
    values the script gives the config under it (keys that are not fields are ignored): a field
    that some preset sets to another value than its default ends instead with its value under
    every preset, ``(--ptb: 0.5; --tiny: 0.0)``, the field default for a preset that does not
    set it (``""`` for an empty string)."""
    group = parser.add_argument_group(title or config_class.__name__)
    help_texts = {**getattr(config_class, "field_help", {}), **(help_texts or {})}
    for field in dataclasses.fields(config_class):
        if field.name in skip or not field.init:
            continue
        kind = _field_type(field, config_class)
        default = field.default if field.default is not dataclasses.MISSING else None
        help_text = help_texts.get(field.name, "")
        under = {flag: values.get(field.name, default) for flag, values in (presets or {}).items()}
        if any(value != default for value in under.values()):  # the preset values are what runs
            shown = "; ".join(f"{flag}: {_shown(value)}" for flag, value in under.items())
            help_text = f"{help_text} ({shown})" if help_text else shown
        elif default not in ("", None) and "(default:" not in help_text:  # an empty default says nothing
            shown = _shown(default)
            help_text = f"{help_text} (default: {shown})" if help_text else f"default: {shown}"
        if kind is bool:
            group.add_argument(_flag(field.name), type=parse_bool, default=_UNSET, metavar="BOOL", help=help_text)
        else:
            group.add_argument(
                _flag(field.name), type=finite_float if kind is float else kind if kind in (int, str) else str,
                default=_UNSET, metavar=field.name.upper(), help=help_text,
            )


def parse_model_flags(parser: argparse.ArgumentParser, argv: list[str] | None, configs: dict[str, type],
                      chosen: str) -> argparse.Namespace:
    """``parser.parse_args(argv)`` of a script whose model flags depend on ``--model`` (the
    parser holds those of ``chosen`` only): a flag that belongs to another model's config
    (``configs``: model name -> config class) is refused naming that model, e.g. ``--num-layers
    is a flag of --model deep_recursive``, rather than as an unrecognized argument alone."""
    args, unknown = parser.parse_known_args(argv)
    for token in unknown:
        flag = token.split("=", 1)[0]
        if not flag.startswith("--"):
            continue
        field = flag[2:].replace("-", "_")
        owners = [name for name, config in configs.items()
                  if name != chosen and field in {item.name for item in dataclasses.fields(config)}]
        if owners:
            parser.error(f"{flag} is a flag of --model {' / '.join(owners)}, not of {chosen}: add --model {owners[0]} "
                         f"(`--model NAME --help` lists a model's flags)")
    if unknown:
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    return args


def peek(argv: list[str] | None, *, switches: tuple[str, ...] = (), options: tuple[str, ...] = ()) -> argparse.Namespace:
    """The values of a few flags, read before the full parser exists (a script's flags and their
    help depend on them, e.g. on ``--model``): ``switches`` become booleans, ``options`` strings
    (None when absent); everything else on the command line is left alone."""
    early = argparse.ArgumentParser(add_help=False)
    for flag in switches:
        early.add_argument(flag, action="store_true")
    for flag in options:
        early.add_argument(flag, default=None)
    return early.parse_known_args(argv)[0]


def check_minimums(config: Any, minimums: dict[str, float]) -> None:
    """For a config's ``__post_init__``: ``ValueError`` naming the first field below its
    least value (``{"batch_size": 1, "max_train_sentences": 0}``); NaN is below any."""
    for name, least in minimums.items():
        value = getattr(config, name)
        if not value >= least:
            raise ValueError(f"{name} must be >= {least}, got {value}")


def finite_float(text: str) -> float:
    """argparse type of every float flag: a number, not ``nan`` nor ``inf`` (which every
    range check of a config would let through or mean nothing for)."""
    value = float(text)  # argparse turns the ValueError into "invalid finite_float value"
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return value


def seed_int(text: str) -> int:
    """argparse type of ``--seed``: an integer numpy and torch accept, 0 to 2**32 - 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(f"{value} is not between 0 and 2**32 - 1 (4294967295)")
    return value


def add_run_arguments(parser: argparse.ArgumentParser, *, default_output: str, resume: str = "",
                      dry_run: str) -> None:
    """The five flags every training program has, with the same wording everywhere:
    ``--output-dir`` (default ``default_output``, e.g. ``runs/parser-<preset>-seed<seed>``),
    ``--seed``, ``--resume`` (``resume`` adds to its help, e.g. ``" (same tokenizer)"``),
    ``--overwrite`` (see :func:`write_run_config`) and ``--dry-run`` (``dry_run`` says what it
    runs, e.g. ``"2 training batches"``)."""
    parser.add_argument("--output-dir", default=None,
                        help=f"where to write the run (default: {default_output}; with --dry-run a temporary folder)")
    parser.add_argument("--seed", type=seed_int, default=0, help="seeds Python, numpy and torch (default: 0)")
    parser.add_argument("--resume", action="store_true",
                        help=f"continue the run in --output-dir from its last checkpoint{resume}")
    parser.add_argument("--overwrite", action="store_true",
                        help="start a new run in an --output-dir that already holds one, deleting its model, "
                             "checkpoints, log and test report first (without it such a folder is refused)")
    parser.add_argument("--dry-run", action="store_true",
                        help=f"{dry_run} (`--dry-run --help` shows the values it sets)")


def with_dry_run(preset: dict, dry_run: bool, dry_run_values: dict) -> dict:
    """A copy of ``preset`` with ``dry_run_values`` on top when ``dry_run`` (what a script's
    ``--dry-run`` changes; its ``--help`` shows the result too)."""
    return {**preset, **(dry_run_values if dry_run else {})}


# A vocabulary size for checking a model config's flags before the vocabulary (and so its
# real size) exists: scripts refuse bad model flags before reading any data.
PLACEHOLDER_VOCAB_SIZE = 1_000_000


def build_dataclass(config_class: type, args: argparse.Namespace, overrides: dict[str, Any] | None = None, **fixed: Any) -> Any:
    """Explicit flags win over ``overrides`` (a preset), which win over field defaults.

    A value the class rejects (its ``ValueError``) goes to ``args.usage_error`` when the
    script put its ``parser.error`` there — a usage line and the message, exit status 2 —
    instead of ending in a traceback."""
    values: dict[str, Any] = dict(fixed)
    names = {field.name for field in dataclasses.fields(config_class) if field.init}
    for name, value in (overrides or {}).items():
        if name in names and name not in fixed:
            values[name] = value
    for name in names:
        given = getattr(args, name, _UNSET)
        if given is not _UNSET and name not in fixed:
            values[name] = given
    usage_error = getattr(args, "usage_error", None)
    try:
        return config_class(**values)
    except ValueError as error:
        if usage_error is None:
            raise
        usage_error(flag_names(str(error), [name for name in names if hasattr(args, name)]))
        raise  # usage_error returned (it should exit)


def flags_given(args: argparse.Namespace, *names: str) -> list[str]:
    """The flags (``--hidden-size``) of the fields among ``names`` that the command line set
    (:func:`add_dataclass_arguments` leaves the others unset), for a check that refuses a flag
    the run would not read."""
    return [_flag(name) for name in names if getattr(args, name, _UNSET) is not _UNSET]


def flag_names(message: str, fields: list[str]) -> str:
    """A config's error ``message`` as a command-line user reads it: each of ``fields`` (those
    that are flags) named as its flag, ``batch_size must be >= 1`` -> ``--batch-size must be >= 1``.
    A field of one word is renamed only where it opens the message, so that a plain word such
    as "dropout" or "parser" in the middle of a sentence stays as it is."""
    for name in sorted(fields, key=len, reverse=True):  # max_eval_sentences before eval_sentences
        flag = "--" + name.replace("_", "-")
        if "_" in name:
            message = re.sub(rf"(?<![\w-]){re.escape(name)}(?![\w-])", flag, message)
        elif re.match(rf"{re.escape(name)}(?![\w-])", message):
            message = flag + message[len(name):]
    return message


def add_decoding_arguments(parser: argparse.ArgumentParser) -> None:
    """The decoding flags of the sentence scripts (``interpolate.py``, ``sample.py``):
    ``--decode``, ``--beam-size``, ``--length-penalty``, ``--temperature``, ``--min-length``, ``--no-unk``,
    ``--no-repeat-ngram``, ``--fluency-lm``, ``--fluency-weight``, ``--clause-parser``,
    ``--refuse-boilerplate``, ``--boilerplate-similarity``, ``--boilerplate-span``, ``--acceptability-model``,
    ``--acceptability-threshold``, ``--fallback-beam-sizes``, ``--borrow-accepted``, ``--greedy-first``;
    :func:`check_decoding_arguments` refuses bad values, :func:`decoding_options` turns them into
    :func:`textae.decoding.generate`'s keywords, :func:`load_fluency_model` loads ``--fluency-lm``
    and :func:`load_acceptability` ``--clause-parser``, ``--acceptability-model`` and ``--refuse-boilerplate``."""
    parser.add_argument("--decode", choices=["greedy", "beam", "sample"], default="greedy",
                        help="greedy (most likely word at each step), beam (beam search, see --beam-size and "
                             "--length-penalty) or sample (from the softmax, see --temperature and --seed) "
                             "(default: greedy)")
    parser.add_argument("--beam-size", type=int, default=None, metavar="K",
                        help="for --decode beam: hypotheses kept at each step (default: 5)")
    parser.add_argument("--length-penalty", type=float, default=None, metavar="P",
                        help="for --decode beam: a finished sentence scores its summed log probability divided by "
                             "length**P; 1.0 is the mean per word (favours long outputs), 0.0 the plain sum "
                             "(favours short ones) (default: 1.0)")
    parser.add_argument("--temperature", type=float, default=None,
                        help="for --decode sample: > 0, lower is closer to greedy (default: 1.0)")
    parser.add_argument("--min-length", type=int, default=1, metavar="N",
                        help="words per output sentence at least (<eos> is not taken before); 0 allows an empty "
                             "sentence (default: 1)")
    parser.add_argument("--no-unk", action="store_true", help="never output <unk> (the next-best word is taken)")
    parser.add_argument("--no-repeat-ngram", type=int, default=0, metavar="N",
                        help="never repeat an N-gram within one output sentence; 0: off (default: 0)")
    parser.add_argument("--fluency-lm", metavar="DIR",
                        help="for --decode beam: the model/ folder of a language model trained on the same "
                             "vocabulary (scripts/train_vae.py --model lstm_lm); beam search's finished sentences "
                             "are re-ranked by their score plus --fluency-weight times the LM's mean log "
                             "probability per token, which steers away from fragments (default: no re-ranking)")
    parser.add_argument("--fluency-weight", type=float, default=None, metavar="W",
                        help="for --fluency-lm: weight of the LM's mean log probability per token (default: 2.0)")
    parser.add_argument("--clause-parser", metavar="DIR",
                        help="for --decode beam: the model/ folder of a labelled Penn Treebank parser "
                             "(scripts/train_parser.py --ptb-sample --lm-text true for PTB's LM text); of beam "
                             "search's finished sentences, the best one it parses as a sentence (a clause root S, SINV, "
                             "SQ or SBARQ with a verb, not a subordinate clause alone nor a wh-word without a verb "
                             "after it, no verb left without the complement it needs, as in 'we do n't want to "
                             "do', nor a time adjunct in the subject's place, as in 'trading yesterday closed at $ N', "
                             "nor a participle alone, as in 'guaranteed by the exchange', "
                             "by the counts of the WSJ sample treebank in the data directory; nor an auxiliary "
                             "without its verb phrase, as in 'odds are n't', 'one of' with a singular, as in 'one "
                             "of the company', or 'ago' with a present, as in 'this is a few years ago') is output, the "
                             "best of all only when none is; keeps out fragments such as noun phrases (default: no "
                             "filter)")
    parser.add_argument("--refuse-boilerplate", metavar="FILE",
                        help="for --decode beam: the text the model was trained on, one sentence per line in its "
                             "documents' order (for PTB, ptb.train.txt in the data directory's ptb/ folder); the "
                             "lines it reprints as parts of recurring blocks (tables, boxes, standing footnotes: "
                             "seen at least 3 times, with the same line before or after in at least 3 of 4) are "
                             "refused word for word, as --clause-parser refuses fragments, e.g. the footnote 'the "
                             "percent difference compares actual profit with the 30-day estimate where at least "
                             "three analysts have issues forecasts in the past N days', their near copies (see "
                             "--boilerplate-similarity) and any sentence holding a run of words only they hold (see "
                             "--boilerplate-span) (default: none refused)")
    parser.add_argument("--acceptability-model", metavar="DIR",
                        help="for --decode beam: the model/ folder of scripts/train_acceptability.py (a classifier "
                             "of the training text's lines against copies of them cut short, with words dropped or "
                             "repeated, an agreement flipped or two lines spliced); of beam search's finished "
                             "sentences, the best one it gives P(acceptable) of at least its threshold is output, "
                             "as --clause-parser's (with both, a sentence must pass both) (default: no classifier)")
    parser.add_argument("--acceptability-threshold", type=float, metavar="P",
                        help="for --acceptability-model: the P(acceptable) a sentence needs, in (0, 1) (default: "
                             "the model's own, at which the share of its dev text's real lines it was trained for "
                             "passes)")
    parser.add_argument("--boilerplate-similarity", type=float, metavar="R",
                        help="for --refuse-boilerplate: a sentence is a near copy of a line when twice the words "
                             "they have in common, in order, over the words of both is at least R (Python's "
                             "difflib ratio); 1 refuses word-for-word copies only (default: 0.8, which takes "
                             "'annualized average rate of return for expenses ...' for '... after expenses ...')")
    parser.add_argument("--boilerplate-span", type=int, metavar="N",
                        help="for --refuse-boilerplate: a sentence holding N words in a row that, in the training "
                             "text, only its recurring lines hold is refused too, e.g. 'london interbank offered "
                             "rates libor' in a blend of two table lines; 0: off (default: 5)")
    parser.add_argument("--fallback-beam-sizes", type=beam_widths, default=[], metavar="K[,K...]",
                        help="for --clause-parser, --refuse-boilerplate or --acceptability-model: wider beams, "
                             "comma-separated, searched in turn from a step whose beam held no sentence they "
                             "accept, each wider than the last (e.g. 20,40 after --beam-size 10); the first that "
                             "holds one gives the output (default: none, the best of all)")
    parser.add_argument("--borrow-accepted", action="store_true",
                        help="for --clause-parser, --refuse-boilerplate or --acceptability-model: a step whose "
                             "beams (the fallback ones too) held no sentence they accept outputs, of the sentences "
                             "accepted at the other steps decoded with it (the other steps of the interpolation; "
                             "the other samples), the one its own latent code scores highest, as its beam ranks "
                             "sentences (default: the best of its first beam, which they refused)")
    parser.add_argument("--greedy-first", action="store_true",
                        help="for --clause-parser, --refuse-boilerplate or --acceptability-model: each step's "
                             "greedy sentence is put to them first and output when they accept it; the beam (and "
                             "the flags above) decodes only the steps whose greedy sentence they refuse. Greedy "
                             "keeps more of the two sentences' words, the beam writes the decoder's stock sentences "
                             "(default: the beam at every step)")


def beam_widths(text: str) -> list[int]:
    """``--fallback-beam-sizes``' comma-separated widths (``"20,40"`` -> ``[20, 40]``)."""
    try:
        return [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated beam widths such as 20,40, got {text!r}") from None


# The decoding flags that only one --decode strategy (or one other flag) reads, with their
# defaults: given for another, they would be ignored without a word, so they are refused.
DECODING_DEFAULTS = {"beam_size": 5, "length_penalty": 1.0, "temperature": 1.0, "fluency_weight": 2.0}


def check_boilerplate_arguments(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Refuses (``parser.error``) ``--boilerplate-similarity`` or ``--boilerplate-span`` without
    ``--refuse-boilerplate``, and their values out of range (for :func:`load_boilerplate_filter`)."""
    if args.boilerplate_similarity is not None:
        if args.refuse_boilerplate is None:
            parser.error("--boilerplate-similarity says which near copies --refuse-boilerplate refuses; add "
                         "--refuse-boilerplate")
        if not 0 < args.boilerplate_similarity <= 1:
            parser.error(f"--boilerplate-similarity must be above 0 and at most 1 (word-for-word copies only), got "
                         f"{args.boilerplate_similarity}")
    if args.boilerplate_span is not None:
        if args.refuse_boilerplate is None:
            parser.error("--boilerplate-span says which runs of words --refuse-boilerplate refuses; add "
                         "--refuse-boilerplate")
        if args.boilerplate_span < 0:
            parser.error(f"--boilerplate-span must be 0 (off) or more words, got {args.boilerplate_span}")


# The decoding flags that judge beam search's sentences (load_acceptability joins them).
JUDGE_FIELDS = ("clause_parser", "refuse_boilerplate", "acceptability_model")


def check_decoding_arguments(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """``parser.error`` (exit code 2, usage on stderr) for a bad value of a decoding flag, or
    for a flag the chosen decoding would ignore (``--beam-size`` without ``--decode beam``,
    ``--temperature`` without ``--decode sample``, ``--fluency-weight`` without ``--fluency-lm``);
    then sets the flags not given to their defaults (:data:`DECODING_DEFAULTS`)."""
    for name, needs in (("beam_size", "beam"), ("length_penalty", "beam"), ("temperature", "sample")):
        if getattr(args, name) is not None and args.decode != needs:
            parser.error(f"--{name.replace('_', '-')} is for --decode {needs}; add --decode {needs} "
                         f"(got --decode {args.decode})")
    if args.fluency_weight is not None and args.fluency_lm is None:
        parser.error("--fluency-weight weighs the --fluency-lm's score; add --fluency-lm")
    for name, default in DECODING_DEFAULTS.items():
        if getattr(args, name) is None:
            setattr(args, name, default)
    if args.no_repeat_ngram < 0:
        parser.error("--no-repeat-ngram must be >= 0")
    if args.min_length < 0:
        parser.error(f"--min-length must be >= 0, got {args.min_length}")
    if args.beam_size < 1:
        parser.error(f"--beam-size must be at least 1, got {args.beam_size}")
    if not -10 <= args.length_penalty <= 10:  # a length**P beyond these over- or underflows
        parser.error(f"--length-penalty must be between -10 and 10, got {args.length_penalty}")
    if args.fluency_lm is not None and args.decode != "beam":
        parser.error(f"--fluency-lm re-ranks beam search's sentences; add --decode beam (got --decode {args.decode})")
    for name in JUDGE_FIELDS:
        if getattr(args, name) is not None and args.decode != "beam":
            parser.error(f"{_flag(name)} judges beam search's sentences; add --decode beam (got --decode "
                         f"{args.decode})")
    if args.acceptability_threshold is not None:
        if args.acceptability_model is None:
            parser.error("--acceptability-threshold is the P(acceptable) --acceptability-model asks for; add "
                         "--acceptability-model")
        if not 0 < args.acceptability_threshold < 1:
            parser.error(f"--acceptability-threshold must be between 0 and 1, got {args.acceptability_threshold}")
    check_boilerplate_arguments(parser, args)
    judged = any(getattr(args, name) is not None for name in JUDGE_FIELDS)
    flags = [_flag(name) for name in JUDGE_FIELDS]
    judges = f"{', '.join(flags[:-1])} or {flags[-1]}"
    if args.borrow_accepted and not judged:
        parser.error(f"--borrow-accepted takes sentences the judges accepted at other steps; add one of {judges}")
    if args.greedy_first and not judged:
        parser.error(f"--greedy-first puts each greedy sentence to the judges before the beam; add one of {judges}")
    if args.fallback_beam_sizes:
        if not judged:
            parser.error(f"--fallback-beam-sizes widens the beam where the judges accept none of its sentences; add "
                         f"one of {judges}")
        widths = [args.beam_size, *args.fallback_beam_sizes]
        if any(wider <= narrower for narrower, wider in pairwise(widths)):
            parser.error(f"--fallback-beam-sizes must each be wider than the one before, the first wider than "
                         f"--beam-size ({args.beam_size}); got {','.join(map(str, args.fallback_beam_sizes))}")
    if not (args.fluency_weight >= 0 and math.isfinite(args.fluency_weight)):
        parser.error(f"--fluency-weight must be a finite number >= 0, got {args.fluency_weight}")
    if not (args.temperature > 0 and math.isfinite(args.temperature)):
        parser.error(f"--temperature must be a number > 0 (the softmax is divided by it), got {args.temperature}; "
                     "for the most likely word at each step use --decode greedy")


def decoding_options(args: argparse.Namespace) -> dict[str, Any]:
    """The keywords of :func:`textae.decoding.generate` from :func:`add_decoding_arguments`' flags."""
    return {"strategy": args.decode, "temperature": args.temperature, "beam_size": args.beam_size,
            "length_penalty": args.length_penalty, "ban_unk": args.no_unk, "no_repeat_ngram": args.no_repeat_ngram,
            "min_length": args.min_length, "fallback_beam_sizes": args.fallback_beam_sizes,
            "borrow_accepted": args.borrow_accepted, "greedy_first": args.greedy_first}


def load_model_folder(flag: str, folder: str, model_type: str, needs: str) -> tuple[Any, Any]:
    """``(model, vocab)`` of the model/ folder a flag names, checked to hold a ``model_type``
    model (``needs`` says which, for the message, e.g. ``"an lstm_lm (the model/ folder of a
    scripts/train_vae.py --model lstm_lm run)"``), in eval mode.

    Raises:
        CheckpointError: the folder cannot be read (with a hint where it is a run folder) or
            holds another type of model, with the whole one-line message for the user.
    """
    from textae.serialization import CheckpointError, load_model, load_vocab

    try:
        model, vocab = load_model(folder), load_vocab(folder)
    except (CheckpointError, OSError) as error:
        raise CheckpointError(f"cannot load {flag} {folder}: {error}{model_folder_hint(flag, folder)}") from error
    if model.model_type != model_type:
        raise CheckpointError(f"{flag} {folder} holds a {model.model_type} model; it needs {needs}")
    return model.eval(), vocab


def load_fluency_model(args: argparse.Namespace, vocab: Any) -> Any:
    """The decoder of ``--fluency-lm`` (``None`` without it), for ``generate(fluency_model=...)``.

    Raises:
        CheckpointError: the folder cannot be read, holds no lstm_lm, or its vocabulary is not
            ``vocab`` (the sentence model's), with the whole one-line message for the user.
    """
    if args.fluency_lm is None:
        return None
    from textae.serialization import CheckpointError

    model, lm_vocab = load_model_folder("--fluency-lm", args.fluency_lm, "lstm_lm",
                                        "an lstm_lm (the model/ folder of a scripts/train_vae.py --model lstm_lm run)")
    if lm_vocab != vocab:
        raise CheckpointError(f"--fluency-lm {args.fluency_lm} has another vocabulary than --checkpoint "
                              f"({len(lm_vocab)} against {len(vocab)} words, or the same count in another order); "
                              "train the LM on the same corpus with the same --min-freq")
    return model.decoder


def load_clause_filter(args: argparse.Namespace, vocab: Any) -> Any:
    """The judge of ``--clause-parser`` (``None`` without it), for ``generate(acceptable=...)``:
    :func:`textae.decoding.clause_filter` over the parser, the sentence model's ``vocab`` and the
    verbs that need a complement and the nouns that are time adjuncts, never subjects, counted in
    the WSJ sample treebank the parser was trained on
    (:func:`textae.corpora.wsj_sample.wsj_sample_verb_frames`, from the data directory).

    Raises:
        CheckpointError: the folder holds no chart parser, or an unlabelled one, or the treebank
            cannot be read, with the whole one-line message for the user.
    """
    if args.clause_parser is None:
        return None
    from parsers.parser import load_parser
    from textae.corpora.wsj_sample import wsj_sample_verb_frames
    from textae.decoding import clause_filter, require_clause_labels
    from textae.serialization import CheckpointError

    try:
        chart = load_parser("chart", args.clause_parser)
        require_clause_labels(chart)  # an unlabelled parser is refused before the treebank is read
    except (OSError, ValueError) as error:
        message, hint = str(error), model_folder_hint("--clause-parser", args.clause_parser)
        if hint:  # the parser's loader has its own hint without the flag: one is enough
            message = message.split("; did you mean")[0]
        raise CheckpointError(f"cannot use --clause-parser {args.clause_parser}: {message}{hint}") from error
    try:
        frames = wsj_sample_verb_frames()
    except (OSError, ValueError) as error:
        raise CheckpointError(f"--clause-parser reads which verbs need a complement from the WSJ sample treebank: "
                              f"{error}") from error
    return clause_filter(chart, vocab, frames)


# --refuse-boilerplate's near copies: in PTB's test text every line this similar to a recurring
# block line of its training text is a table line too (benchmarks/boilerplate_filter.py).
BOILERPLATE_SIMILARITY = 0.8
# --refuse-boilerplate's runs of words only the recurring lines hold: of PTB's test lines, 5-word
# runs find table and box lines, and no sentence of prose (benchmarks/boilerplate_filter.py).
BOILERPLATE_SPAN = 5


def read_boilerplate(args: argparse.Namespace) -> tuple[set[tuple[str, ...]], set[tuple[str, ...]]] | None:
    """``--refuse-boilerplate``'s file read once (``None`` without the flag): its
    :func:`textae.corpora.text.recurring_block_lines` and the runs of ``--boilerplate-span``
    words only those lines hold (:func:`textae.corpora.text.block_spans`; :data:`BOILERPLATE_SPAN`
    words when not given), as words.

    Raises:
        UsageError: the file is missing, not UTF-8 or empty, with the whole one-line message.
    """
    if args.refuse_boilerplate is None:
        return None
    from textae.corpora.text import (
        EmptyCorpusError,
        block_spans,
        load_text_corpus,
        recurring_block_lines,
    )

    try:
        sentences = load_text_corpus(args.refuse_boilerplate)
    except (OSError, EmptyCorpusError) as error:
        raise UsageError(f"cannot use --refuse-boilerplate {args.refuse_boilerplate}: {error}") from error
    span = BOILERPLATE_SPAN if args.boilerplate_span is None else args.boilerplate_span
    lines = recurring_block_lines(sentences)
    return lines, (block_spans(sentences, lines, span) if span else set())


def load_boilerplate_filter(args: argparse.Namespace, vocab: Any,
                            boilerplate: tuple[set[tuple[str, ...]], set[tuple[str, ...]]] | None = None) -> Any:
    """The judge of ``--refuse-boilerplate`` (``None`` without it), for ``generate(acceptable=...)``:
    :func:`textae.decoding.line_filter` over the lines and runs of words of :func:`read_boilerplate`
    (``boilerplate``, when the caller has read them already), encoded with the sentence model's
    ``vocab``, with ``--boilerplate-similarity`` (:data:`BOILERPLATE_SIMILARITY` when not given).

    Raises:
        UsageError: from :func:`read_boilerplate`.
    """
    if args.refuse_boilerplate is None:
        return None
    from textae.decoding import line_filter

    lines, spans = boilerplate if boilerplate is not None else read_boilerplate(args)
    similarity = BOILERPLATE_SIMILARITY if args.boilerplate_similarity is None else args.boilerplate_similarity
    return line_filter(vocab, lines, min_similarity=similarity, spans=spans)


def load_acceptability(args: argparse.Namespace, vocab: Any) -> Any:
    """The judge of ``--refuse-boilerplate``, ``--acceptability-model`` and ``--clause-parser``
    together (``None`` with none of them), for ``generate(acceptable=...)``: a sentence must pass
    each given, the cheaper first (:func:`textae.decoding.all_of`).

    Raises:
        CheckpointError: from :func:`load_clause_filter`.
        UsageError: from :func:`load_boilerplate_filter`.
    """
    from textae.decoding import all_of

    return all_of(load_boilerplate_filter(args, vocab), load_acceptability_filter(args, vocab),
                  load_clause_filter(args, vocab))


def load_acceptability_filter(args: argparse.Namespace, vocab: Any) -> Any:
    """The judge of ``--acceptability-model`` (``None`` without it), for ``generate(acceptable=...)``:
    :func:`textae.decoding.acceptability_filter` over the classifier and its vocabulary, with
    ``--acceptability-threshold`` (the model's own threshold when not given).

    Raises:
        CheckpointError: the folder cannot be read or holds another kind of model, with the whole
            one-line message for the user.
    """
    if args.acceptability_model is None:
        return None
    from textae.decoding import acceptability_filter

    model, model_vocab = load_model_folder("--acceptability-model", args.acceptability_model, "acceptability",
                                           "an acceptability classifier (the model/ folder of a "
                                           "scripts/train_acceptability.py run)")
    return acceptability_filter(model, model_vocab, vocab, args.acceptability_threshold)


def model_folder_hint(flag: str, path: str | os.PathLike) -> str:
    """'; did you mean FLAG RUN/model?' when PATH is a run folder RUN that holds a model/
    folder, or its checkpoints/ folder or one of its checkpoints/step-N folders (for messages
    about a model directory a user gave), else ''."""
    path = Path(path)
    runs = [path, path.parent if path.name == "checkpoints" else None,
            path.parent.parent if path.parent.name == "checkpoints" else None]
    for run in runs:
        if run is not None and (run / "model" / "config.json").is_file():
            return f"; did you mean {flag} {run / 'model'}?"
    return ""


def load_sentence_model(checkpoint: str, needs: str) -> tuple[Any, Any]:
    """``(model, vocab)`` of a sentence_vae or sentence_ae model folder, for the programs that
    encode or decode with one (interpolate, sample); ``needs`` ends the message for another
    model type (e.g. ``"interpolation needs a sentence model with an encoder and a decoder"``).

    Raises:
        CheckpointError: with the whole one-line message for the user.
    """
    from textae.sentences import SENTENCE_MODEL_TYPES
    from textae.serialization import CheckpointError, load_model, load_vocab

    try:
        model, vocab = load_model(checkpoint), load_vocab(checkpoint)
    except (CheckpointError, OSError) as error:
        raise CheckpointError(f"cannot load --checkpoint {checkpoint}: {error}"
                              f"{model_folder_hint('--checkpoint', checkpoint)}") from error
    if model.model_type not in SENTENCE_MODEL_TYPES:
        raise CheckpointError(f"--checkpoint {checkpoint} holds a {model.model_type} model; {needs}, a sentence_vae "
                              "or sentence_ae (the model/ folder of a scripts/train_vae.py --model sentence_vae or "
                              "sentence_ae run)")
    return model, vocab


class UsageError(ValueError):
    """Flags that cannot work together or a value a program cannot use, found after parsing
    (``--eval-splits train``, ``--add-wsj-sample`` without ``--sst``): :func:`user_errors`
    ends the program with ``<program>: error: <message>`` and exit status 2, as argparse's
    own usage errors do."""


def load_sentence_splits(data: Any) -> dict[str, list[list[str]]]:
    """The ``train``, ``dev`` and ``test`` sentences of a data config with ``train_file``,
    ``dev_file``, ``test_file`` and ``data_dir`` fields: the three files when given (any UTF-8
    text, one pre-tokenized sentence per line), else PTB's from the data directory (``data_dir``,
    else ``$TEXTAE_DATA_DIR``; downloaded and verified when missing).

    Raises:
        UsageError: some of the three files given but not all.
        FileNotFoundError, EmptyCorpusError: a file missing, empty or not UTF-8, named
            (``load_text_corpus``); CorpusNotFoundError: PTB missing and not downloadable.
    """
    from textae.corpora.ptb import load_ptb
    from textae.corpora.text import load_text_corpus

    files = (data.train_file, data.dev_file, data.test_file)
    if any(files):
        if not all(files):
            raise UsageError("give all three of --train-file, --dev-file and --test-file")
        return {split: load_text_corpus(path) for split, path in zip(("train", "dev", "test"), files, strict=True)}
    return {split: load_ptb(name, data.data_dir or None) for split, name in
            (("train", "train"), ("dev", "valid"), ("test", "test"))}


def _user_error_types() -> tuple[type[BaseException], ...]:
    """Errors a user causes and can fix from the command line (imported late: these modules
    import textae.cli themselves or are heavy)."""
    from textae.corpora.download import ChecksumError
    from textae.corpora.text import EmptyCorpusError
    from textae.serialization import CheckpointError
    from textae.train import (
        DeviceError,
        EmptyEvaluationError,
        NonFiniteLossError,
        ResumeError,
        UnknownMetricError,
    )
    from textae.vocab import VocabError
    from textae.word_vectors import WordVectorsError

    return (UsageError, FileNotFoundError, IsADirectoryError, NotADirectoryError, FileExistsError, PermissionError,
            VocabError, ChecksumError, EmptyCorpusError, CheckpointError,
            DeviceError, EmptyEvaluationError, NonFiniteLossError, ResumeError, UnknownMetricError, WordVectorsError)


def _out_of_memory(error: BaseException) -> bool:
    """A failed allocation: torch's (CUDA) OutOfMemoryError, Python's MemoryError, or the
    CPU allocator's RuntimeError."""
    import torch

    return isinstance(error, (MemoryError, torch.OutOfMemoryError)) or (
        isinstance(error, RuntimeError) and "can't allocate memory" in str(error))


def program_name() -> str:
    """The name the running program was started under (``interpolate.py``, ``textae-interpolate``),
    which prefixes its error lines as argparse prefixes its own: ``<program>: error: <message>``."""
    return Path(sys.argv[0]).name or "textae"


def user_errors(main: Callable[..., Any]) -> Callable[..., Any]:
    """Decorates a script's ``main``: an error the user can fix (a missing corpus or file, a
    wrong checkpoint folder, ``--resume`` without a checkpoint, a diverged loss, ...) ends the
    script with ``<script>: error: <message>`` and exit status 2 instead of a traceback. So
    does running out of memory (model sizes or a batch too large for the CPU or GPU), with
    the allocator's first line and what to lower."""

    @functools.wraps(main)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return main(*args, **kwargs)
        except Exception as error:
            if _out_of_memory(error):
                first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
                print(f"{program_name()}: error: out of memory ({first_line}); use smaller model sizes or a "
                      "smaller --batch-size", file=sys.stderr)
                raise SystemExit(2) from None
            if not isinstance(error, _user_error_types()):
                raise
            print(f"{program_name()}: error: {error}", file=sys.stderr)
            raise SystemExit(2) from None

    return wrapper


def git_commit() -> str | None:
    """The commit of the code being run (with '-dirty' for local changes), if in git."""
    here = Path(__file__).resolve().parent
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, check=True, timeout=5
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=here,
            capture_output=True, text=True, timeout=5,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return commit + ("-dirty" if dirty else "")


def ensure_folder(path: str | os.PathLike, flag: str) -> Path:
    """Creates the folder ``path`` (and its parents) if missing; :class:`UsageError` naming
    ``flag`` when it is a file or cannot be created (no permission, under a file, /proc)."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise UsageError(f"{flag}: {path} is a file, not a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UsageError(f"{flag}: cannot create the folder {path}: {error.strerror or error}") from None
    return path


# The training programs, by the name each is started under less its form (train_rae.py,
# textae-train-rae and textae/commands/train_rae.py are all train_rae).
TRAINING_PROGRAMS = ("train_rae", "train_parser", "train_paraphrase", "train_vae", "train_mlm")


def training_program(command: str) -> str | None:
    """The training program a recorded ``command`` line (or ``sys.argv[0]``) ran, ``None`` for
    another (``pytest``, a user's own script)."""
    name = Path(command.split(" ", 1)[0]).name.removesuffix(".py").removeprefix("textae-").replace("-", "_")
    return name if name in TRAINING_PROGRAMS else None


def _require_same_model(path: Path, earlier: dict[str, Any], now: dict[str, Any]) -> None:
    """Raises :class:`textae.train.ResumeError` when a resumed command would build another
    model than the run recorded in ``path`` (the program that made it, its ``model_name`` or a
    field of its ``model`` section), naming what to run or the flags to give, before ``path``
    is overwritten."""
    from textae.train import ResumeError

    made_by, running = training_program(str(earlier.get("command", ""))), training_program(sys.argv[0])
    if made_by and running and made_by != running:
        raise ResumeError(f"the run in {path.parent} was made by {made_by}.py ({path.name}): resume it with "
                          f"{made_by}.py --resume, or give this program another --output-dir")
    if "model_name" in earlier and "model_name" in now and earlier["model_name"] != now["model_name"]:
        raise ResumeError(f"the run in {path.parent} trained {earlier['model_name']} ({path.name}), this command "
                          f"builds {now['model_name']}: resume with --model {earlier['model_name']}")
    run_model, model = earlier.get("model"), now.get("model")
    if not isinstance(run_model, dict) or not isinstance(model, dict):
        return
    model = json.loads(json.dumps(model))  # tuples as lists, as the file has them
    changed = [name for name in model if name in run_model and model[name] != run_model[name]]
    if changed:
        shown = ", ".join(f"{name} {run_model[name]!r} (now {model[name]!r})" for name in changed[:6])
        more = f" and {len(changed) - 6} more" if len(changed) > 6 else ""
        raise ResumeError(f"the run in {path.parent} was started with other model settings ({path.name}): "
                          f"{shown}{more}; resume with the settings the run was started with")


# What a training run writes in its --output-dir that a new run must not mix with: a folder
# holding one of RUN_MARKERS holds a run; --overwrite deletes RUN_OUTPUTS (and the partial
# evaluations a CPU evaluation keeps, eval-<split>-progress.pt) before the new run starts.
RUN_MARKERS = ("run_config.json", "checkpoints", "model", "metrics.jsonl")
RUN_OUTPUTS = ("checkpoints", "model", "metrics.jsonl", "test_report.json")


def existing_run(output_dir: str | os.PathLike) -> list[str]:
    """The entries of ``RUN_MARKERS`` that ``output_dir`` holds (none: no run there)."""
    return [name for name in RUN_MARKERS if (Path(output_dir) / name).exists()]


def write_run_config(output_dir: str | os.PathLike, sections: dict[str, Any], *, overwrite: bool = False) -> Path:
    """Writes ``run_config.json``: every config section, the command line and git commit.

    When ``sections["train"]`` resumes a run, the run must have a checkpoint (else
    :class:`textae.train.ResumeError`, before anything is written), and the commands of the
    earlier invocations are kept under ``previous_commands``, oldest first. A new run (no
    ``resume``) in a folder that already holds one (:func:`existing_run`) is refused with a
    :class:`UsageError` unless ``overwrite``, which deletes that run's model, checkpoints, log
    and test report first: a second run never silently replaces, or mixes its files with, a
    finished one. Under ``torchrun`` only rank 0 checks the folder and writes (the other
    processes would find rank 0's record and take it for an earlier run)."""
    from textae.train import require_checkpoint

    output_dir = Path(output_dir)
    path = output_dir / "run_config.json"
    resume = bool(getattr(sections.get("train"), "resume", False))
    if resume and overwrite:
        raise UsageError("--resume continues the run in --output-dir and --overwrite starts it again: give one")
    if resume:
        require_checkpoint(output_dir)
    if int(os.environ.get("RANK", "0")) != 0:
        return path
    if not resume and (existing := existing_run(output_dir)):
        if not overwrite:
            raise UsageError(f"--output-dir {output_dir} already holds a run ({', '.join(existing)}): continue it "
                             "with --resume, start it again with --overwrite, or choose another --output-dir")
        for name in RUN_OUTPUTS:
            target = output_dir / name
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            elif target.exists() or target.is_symlink():
                target.unlink()
        for partial in output_dir.glob("eval-*-progress.pt"):
            partial.unlink()
    payload = {
        name: dataclasses.asdict(value) if dataclasses.is_dataclass(value) else value
        for name, value in sections.items()
    }
    previous: list[str] = []
    if resume and path.is_file():
        try:
            earlier = json.loads(path.read_text(encoding="utf-8"))
            previous = [*earlier.get("previous_commands", []), earlier["command"]]
        except (ValueError, KeyError, TypeError, AttributeError):
            earlier, previous = None, []  # an unreadable earlier config: nothing to keep or compare
        if isinstance(earlier, dict):
            _require_same_model(path, earlier, payload)
    ensure_folder(output_dir, "--output-dir")
    payload["command"] = " ".join([Path(sys.argv[0]).name, *sys.argv[1:]])
    if previous:
        payload["previous_commands"] = previous
    payload["git_commit"] = git_commit()
    path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return path
