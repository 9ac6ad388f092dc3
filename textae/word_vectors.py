"""Word vectors textae trains itself: skip-gram with negative sampling (Mikolov et al. 2013).

Irsoy & Cardie (2014) and Socher et al. (2011) start from word vectors pre-trained on
large corpora, which cannot be downloaded here. This module trains skip-gram vectors on
the unlabelled text we do have (gensim's optimised implementation, deterministic with one
worker) and loads a word2vec text file into any model's embedding.

    vectors = train_skipgram(sentences, size=100)          # gensim KeyedVectors
    save_word2vec_text(vectors, "runs/vectors/vectors.txt")
    coverage = load_into_embedding(model.embedding, vocab, "runs/vectors/vectors.txt")

File format: word2vec text — a header line ``<count> <size>``, then ``word v1 ... v_size``
per line (UTF-8), fields separated by single spaces; whitespace at the end of a line is
ignored, and a gzipped file is read as it is. Words must not contain an ASCII space or a line
break (treebank tokens never do; SST's U+00A0 inside tokens is kept).
"""

from __future__ import annotations

import gzip
import os
import zlib
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO

import numpy as np
import torch
from torch import nn

from textae.vocab import Vocab, require_words


class WordVectorsError(ValueError):
    """A word-vector file is malformed or does not fit the model."""


def _stable_hash(text: str) -> int:
    """gensim seeds each word's initial vector from a hash of the word; Python's ``hash``
    of a string changes from process to process, this one does not."""
    return zlib.crc32(text.encode("utf-8"))


def train_skipgram(
    sentences: Iterable[Sequence[str]],
    *,
    size: int = 100,
    window: int = 5,
    min_count: int = 2,
    negative: int = 5,
    epochs: int = 10,
    seed: int = 0,
    workers: int = 1,
):
    """Skip-gram with negative sampling over token lists; returns gensim ``KeyedVectors``.

    One worker (the default) makes the result a function of ``seed`` alone; more workers
    are faster but not repeatable. ``sentences`` may be any iterable (a generator is read
    once, into a list); each sentence is a list of words, not a str.

    Raises:
        TypeError: a sentence is a str (:class:`~textae.vocab.NotWordsError`).
        ValueError: no sentence, or ``size``, ``window``, ``negative``, ``epochs`` or
            ``workers`` below 1 (``min_count`` below 0).
    """
    from gensim.models import Word2Vec

    # negative=0 (without gensim's hierarchical softmax, which this does not use) hangs in gensim.
    for name, value, least in (("size", size, 1), ("window", window, 1), ("min_count", min_count, 0),
                               ("negative", negative, 1), ("epochs", epochs, 1), ("workers", workers, 1)):
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            raise ValueError(f"train_skipgram()'s {name} must be an int >= {least}, got {value!r}")
    sentences = list(sentences)  # the word count and gensim each read them: a generator would be used up
    for number, sentence in enumerate(sentences):
        require_words(sentence, f"train_skipgram()'s sentence {number} (sentences must be lists of words)")
    if not sentences:
        raise ValueError("train_skipgram() needs at least one sentence")
    counts = Counter(word for sentence in sentences for word in sentence)
    if not counts or max(counts.values()) < min_count:
        raise WordVectorsError(f"no word occurs {min_count} times (min_count) in the {len(sentences)} sentences; "
                               f"the most frequent occurs {max(counts.values(), default=0)} times")
    model = Word2Vec(
        sentences=[list(sentence) for sentence in sentences], vector_size=size, window=window, min_count=min_count,
        sg=1, negative=negative, epochs=epochs, seed=seed, workers=workers, hashfxn=_stable_hash,
    )
    return model.wv


def save_word2vec_text(vectors, path: str | os.PathLike) -> Path:
    """Writes gensim ``KeyedVectors`` (or a ``{word: array}`` dict) as word2vec text.

    Raises:
        WordVectorsError: no vectors, vectors of different sizes or with NaN or infinite
            values (which :func:`read_word2vec_text` would refuse), or a word word2vec text
            cannot hold."""
    path = Path(path)
    if isinstance(vectors, dict):
        if not vectors:
            raise WordVectorsError("no vectors to save (an empty dict)")
        rows = [np.asarray(v, dtype=np.float32) for v in vectors.values()]
        if any(row.shape != rows[0].shape or row.ndim != 1 for row in rows):
            raise WordVectorsError(f"every vector must be 1-D of one size, got shapes {sorted({r.shape for r in rows})}")
        words, matrix = list(vectors), np.stack(rows)
    else:
        words, matrix = list(vectors.index_to_key), np.asarray(vectors.vectors, dtype=np.float32)
    if not np.isfinite(matrix).all():
        bad = words[int(np.flatnonzero(~np.isfinite(matrix).all(axis=1))[0])]
        raise WordVectorsError(f"the vector of {bad!r} holds NaN or infinite values")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        handle.write(f"{len(words)} {matrix.shape[1]}\n")
        for word, row in zip(words, matrix, strict=True):
            if not word or any(ch in word for ch in " \n\r"):  # U+00A0 (in SST tokens) is fine: fields split on " "
                raise WordVectorsError(f"word {word!r} is empty or contains a space or line break; "
                                       "word2vec text cannot hold it")
            handle.write(word + " " + " ".join(f"{value:.6g}" for value in row) + "\n")
    return path


def read_word2vec_text(path: str | os.PathLike) -> tuple[list[str], np.ndarray]:
    """Reads a word2vec text file, gzipped or not: ``(words, [count, size] float32 matrix)``.

    Whitespace at the end of a line is ignored (the word2vec C tool and fastText's ``.vec``
    files end every line with a space); the word is everything before a line's first space.

    Raises:
        FileNotFoundError: no such file.
        WordVectorsError: a bad header, a line with the wrong number of values, or a file
            that is not UTF-8 text (e.g. binary word2vec) or a damaged gzip file.
    """
    path = Path(path)
    with path.open("rb") as probe:
        gzipped = probe.read(2) == b"\x1f\x8b"  # gzip's magic number, whatever the file's name
    try:
        with (gzip.open(path, "rt", encoding="utf-8") if gzipped else path.open(encoding="utf-8")) as handle:
            words, matrix = _read_word2vec_lines(handle, path)
    except UnicodeDecodeError as error:
        raise WordVectorsError(
            f"{path} is not a word2vec text file (it is not UTF-8 text: {error.reason}); convert a binary word2vec "
            "file with gensim: KeyedVectors.load_word2vec_format(path, binary=True).save_word2vec_format(out)"
        ) from None
    except (gzip.BadGzipFile, EOFError, zlib.error) as error:
        raise WordVectorsError(f"{path}: a damaged gzip file ({error or 'it ends too early'})") from None
    finite = np.isfinite(matrix).all(axis=1)
    if not finite.all():  # copied into a model, one such row makes every loss NaN
        bad = int(np.flatnonzero(~finite)[0])
        raise WordVectorsError(f"{path}: the vector of {words[bad]!r} (line {bad + 2}) holds nan or inf"
                               f"{f', as do {int((~finite).sum()) - 1} more' if (~finite).sum() > 1 else ''}")
    return words, matrix


def _read_word2vec_lines(handle: IO[str], path: Path) -> tuple[list[str], np.ndarray]:
    """The words and vectors of an open word2vec text file (see :func:`read_word2vec_text`)."""
    header = handle.readline().split()
    if len(header) != 2 or not all(part.isdigit() for part in header):
        raise WordVectorsError(f"{path}: line 1 must be '<count> <size>' (word2vec text format), got {header!r}")
    count, size = map(int, header)
    words: list[str] = []
    matrix = np.empty((count, size), dtype=np.float32)
    for line_number, line in enumerate(handle, start=2):
        word, _, values = line.rstrip().partition(" ")
        parts = values.split(" ") if values else []
        if len(parts) != size:
            raise WordVectorsError(f"{path}:{line_number}: expected a word and {size} values, got {len(parts)}")
        if len(words) == count:
            raise WordVectorsError(f"{path}: more than the {count} vectors the header announces")
        try:
            matrix[len(words)] = np.asarray(parts, dtype=np.float32)
        except ValueError as error:
            raise WordVectorsError(f"{path}:{line_number}: {error}") from None
        words.append(word)
    if len(words) != count:
        raise WordVectorsError(f"{path}: the header announces {count} vectors, the file has {len(words)}")
    return words, matrix


def embedding_of(model: nn.Module) -> nn.Embedding:
    """The word-vector table of a textae model (``model.embedding`` or ``model.encoder.embedding``)."""
    for owner in (model, getattr(model, "encoder", None)):
        embedding = getattr(owner, "embedding", None)
        if isinstance(embedding, nn.Embedding):
            return embedding
    raise TypeError(f"{type(model).__name__} has no word-vector table (embedding or encoder.embedding)")


@torch.no_grad()
def load_into_embedding(embedding: nn.Embedding, vocab: Vocab | Sequence[str], path: str | os.PathLike, *,
                        seed: int = 0, pad_id: int | None = None,
                        size_flag: str = "the model's embedding size") -> float:
    """Copies the vectors of ``path`` into the rows of ``vocab``'s words; returns the share
    of the vocabulary found (a word missing as written is tried lower-cased).

    ``vocab`` is a :class:`~textae.vocab.Vocab` or the list of words by row (e.g. the chart
    parser's ``ChartVocab.words``, whose padding row is ``pad_id``).

    A word the file lacks gets a fresh random vector with the mean and standard deviation
    (per dimension) of the file's vectors, not the model's small initial one: a table in
    which every unknown word sits near the origin makes all unknown words look alike (a
    paraphrase model would see every pair of names as equal). Padding stays as it was.

    ``size_flag`` names what sets the embedding's size in the message of a size mismatch
    (a script's flag, e.g. ``--word-dim``).

    Raises:
        WordVectorsError: the vector size differs from the embedding's.
    """
    words, matrix = read_word2vec_text(path)
    if matrix.shape[1] != embedding.embedding_dim:
        raise WordVectorsError(
            f"{path} has {matrix.shape[1]}-dimensional vectors but the model's word vectors have "
            f"{embedding.embedding_dim}; set {size_flag} to {matrix.shape[1]}"
        )
    row_of = {word: row for row, word in enumerate(words)}
    generator = np.random.default_rng(seed)
    mean, std = (matrix.mean(axis=0), matrix.std(axis=0)) if len(matrix) > 1 else (0.0, 1.0)
    found = 0
    if isinstance(vocab, Vocab):
        tokens, pad_id = vocab.itos, vocab.pad_id
    else:
        tokens = list(vocab)
    if len(tokens) != embedding.num_embeddings:
        raise WordVectorsError(f"the vocabulary has {len(tokens)} words but the table {embedding.num_embeddings} rows")
    for index, token in enumerate(tokens):
        row = row_of.get(token, row_of.get(token.lower()))
        if row is not None:
            vector = matrix[row]
            found += 1
        elif index == pad_id:
            continue
        else:
            vector = (mean + std * generator.standard_normal(matrix.shape[1])).astype(np.float32)
        embedding.weight[index] = torch.from_numpy(np.asarray(vector, dtype=np.float32)).to(embedding.weight)
    return found / max(len(tokens), 1)


def lowercase_sentences(sentences: Iterable[Sequence[str]]) -> list[list[str]]:
    return [[token.lower() for token in sentence] for sentence in sentences]
