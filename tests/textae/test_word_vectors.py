"""textae.word_vectors: skip-gram training, the word2vec text format, loading into a model."""

from __future__ import annotations

import gzip
import struct

import pytest
import torch
from torch import nn

from textae.vocab import Vocab
from textae.word_vectors import (
    WordVectorsError,
    embedding_of,
    load_into_embedding,
    read_word2vec_text,
    save_word2vec_text,
    train_skipgram,
)


def test_skipgram_is_repeatable_and_learns_co_occurrence(tmp_path):
    sentences = [["the", "cat", "sat"], ["the", "dog", "sat"], ["a", "cat", "ran"], ["a", "dog", "ran"]] * 200
    first = train_skipgram(sentences, size=8, epochs=3, min_count=1, seed=1)
    second = train_skipgram(sentences, size=8, epochs=3, min_count=1, seed=1)
    assert (first.vectors == second.vectors).all()
    assert first.similarity("cat", "dog") > first.similarity("cat", "the")  # same contexts vs neighbours
    path = save_word2vec_text(first, tmp_path / "v.txt")
    words, matrix = read_word2vec_text(path)
    assert words == list(first.index_to_key) and matrix.shape == (len(words), 8)
    assert abs(matrix - first.vectors).max() < 1e-5


def test_loading_fills_known_rows_and_reports_coverage(tmp_path):
    path = save_word2vec_text({"cat": [1.0, 2.0], "Dog": [3.0, 4.0]}, tmp_path / "v.txt")
    vocab = Vocab(["cat", "dog", "eel"])  # <pad> <unk> cat dog eel
    embedding = nn.Embedding(len(vocab), 2)
    nn.init.uniform_(embedding.weight, -0.01, 0.01)
    before = embedding.weight.detach().clone()
    coverage = load_into_embedding(embedding, vocab, path)
    assert coverage == pytest.approx(1 / 5)  # "dog" is not "Dog"; a vocabulary word is tried lower-cased only
    assert torch.equal(embedding.weight[vocab.index("cat")], torch.tensor([1.0, 2.0]))
    assert torch.equal(embedding.weight[vocab.pad_id], before[vocab.pad_id])
    # missing words get vectors on the file's scale, distinct from each other (not all near zero)
    dog, eel = embedding.weight.detach()[vocab.index("dog")], embedding.weight.detach()[vocab.index("eel")]
    assert float((dog - eel).norm()) > 0.1 and float(dog.abs().max()) > 0.1


@pytest.mark.parametrize("content, message", [
    ("2 3\na 1 2 3\n", "header announces 2"),
    ("1 3\na 1 2\n", "expected a word and 3 values"),
    ("x y\n", "line 1"),
    ("1 2\na 1 b\n", "could not convert"),
    ("3 2\na 1 2\nb nan 2\nc 1 inf\n", r"the vector of 'b' \(line 3\) holds nan or inf, as do 1 more"),
])
def test_malformed_files_are_clear_errors(tmp_path, content, message):
    path = tmp_path / "bad.txt"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(WordVectorsError, match=message):
        read_word2vec_text(path)


def test_wrong_size_and_missing_table_are_clear_errors(tmp_path):
    path = save_word2vec_text({"cat": [1.0, 2.0]}, tmp_path / "v.txt")
    with pytest.raises(WordVectorsError, match="embedding size to 2"):
        load_into_embedding(nn.Embedding(5, 3), Vocab(["cat"]), path)
    with pytest.raises(TypeError, match="no word-vector table"):
        embedding_of(nn.Linear(2, 2))


def test_trailing_whitespace_is_ignored_and_words_are_kept_whole(tmp_path):
    # The word2vec C tool and fastText's .vec files end every line (the header too) with a space.
    path = tmp_path / "v.vec"
    path.write_text("2 3 \nfilm\u00a0noir 1 2 3 \nthe 4 5 6\t\r\n", encoding="utf-8")
    words, matrix = read_word2vec_text(path)
    assert words == ["film\u00a0noir", "the"]
    assert matrix.tolist() == [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]


def test_a_gzipped_file_is_read_as_it_is(tmp_path):
    path = tmp_path / "v.txt.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write("1 2\ncat 1 2\n")
    words, matrix = read_word2vec_text(path)
    assert words == ["cat"] and matrix.tolist() == [[1.0, 2.0]]
    damaged = tmp_path / "damaged.txt.gz"
    damaged.write_bytes(path.read_bytes()[:-6])
    with pytest.raises(WordVectorsError, match="damaged.txt.gz: a damaged gzip file"):
        read_word2vec_text(damaged)


def test_a_binary_word2vec_file_is_named_with_how_to_convert_it(tmp_path):
    path = tmp_path / "vectors.bin"
    vector = struct.pack("<2f", 0.5, -1.25) + b"\xff\xfe\x80"  # float32 bytes are rarely UTF-8
    path.write_bytes(b"1 2\ncat " + vector + b"\n")
    with pytest.raises(WordVectorsError, match=r"vectors.bin is not a word2vec text file") as caught:
        read_word2vec_text(path)
    assert "binary=True" in str(caught.value)


def test_skipgram_refuses_strings_for_sentences_and_bad_sizes_and_reads_a_generator_once():
    with pytest.raises(TypeError, match=r"sentence 0 .sentences must be lists of words. is a str"):
        train_skipgram(["the cat sat", "the dog sat"], size=4, epochs=1, min_count=1)  # used to learn letters
    for name, value in (("size", 0), ("epochs", 0), ("size", -3), ("window", 0), ("negative", 0), ("size", 2.5)):
        with pytest.raises(ValueError, match=f"{name} must be an int >= 1"):
            train_skipgram([["a", "b"]], min_count=1, **{name: value})
    sentences = [["the", "cat", "sat"], ["the", "dog", "sat"]] * 5
    from_generator = train_skipgram((s for s in sentences), size=4, epochs=1, min_count=1)  # gensim: "build vocabulary"
    from_list = train_skipgram(sentences, size=4, epochs=1, min_count=1)
    assert (from_generator.vectors == from_list.vectors).all()


def test_saving_refuses_what_reading_would_refuse(tmp_path):
    from textae.word_vectors import WordVectorsError, save_word2vec_text

    with pytest.raises(WordVectorsError, match="no vectors to save"):
        save_word2vec_text({}, tmp_path / "empty.txt")
    with pytest.raises(WordVectorsError, match="every vector must be 1-D of one size"):
        save_word2vec_text({"a": [0.1, 0.2], "b": [0.3]}, tmp_path / "ragged.txt")
    with pytest.raises(WordVectorsError, match="the vector of 'b' holds NaN or infinite values"):
        save_word2vec_text({"a": [0.1, 0.2], "b": [float("nan"), 0.3]}, tmp_path / "nan.txt")
    assert not (tmp_path / "nan.txt").exists()
