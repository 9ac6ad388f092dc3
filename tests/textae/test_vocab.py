from __future__ import annotations

import pytest

from textae.vocab import PAD, UNK, Vocab, VocabError


def test_build_orders_by_frequency_and_keeps_specials_first():
    vocab = Vocab.build([["b", "a", "b"], ["c", "b", "a"]])
    assert vocab.itos == [PAD, UNK, "b", "a", "c"]
    assert vocab.encode(["a", "zzz"]) == [3, vocab.unk_id]
    assert vocab.decode([2, 3]) == ["b", "a"]
    assert vocab.pad_id == 0 and vocab.unk_id == 1


def test_min_freq_and_max_size():
    sentences = [["a", "a", "b", "c", "c", "c"]]
    assert Vocab.build(sentences, min_freq=2).itos[2:] == ["c", "a"]
    assert Vocab.build(sentences, max_size=1).itos[2:] == ["c"]
    with pytest.raises(VocabError):
        Vocab.build(sentences, min_freq=0)


def test_lowercase_applies_to_lookup_too():
    vocab = Vocab.build([["The", "the", "Film"]], lowercase=True)
    assert vocab.itos[2:] == ["the", "film"]
    assert vocab.index("FILM") == vocab.index("film") != vocab.unk_id
    assert "THE" in vocab


def test_non_ascii_words_and_json_round_trip(tmp_path):
    vocab = Vocab.build([["André", "2\u00a01\\/2", "-LRB-"]], lowercase=False)
    path = tmp_path / "vocab.json"
    vocab.save(path)
    loaded = Vocab.load(path)
    assert loaded == vocab
    assert loaded.index("2\u00a01\\/2") == vocab.index("2\u00a01\\/2") != vocab.unk_id


def test_load_rejects_other_files(tmp_path):
    path = tmp_path / "vocab.json"
    path.write_text('{"words": []}')
    with pytest.raises(VocabError, match="not a textae vocabulary"):
        Vocab.load(path)
    with pytest.raises(VocabError, match="cannot read"):
        Vocab.load(tmp_path / "missing.json")


def test_collisions_are_errors():
    with pytest.raises(VocabError):
        Vocab(["<unk>"])
    with pytest.raises(VocabError):
        Vocab(["a", "a"])


def test_strings_where_word_sequences_go_and_out_of_range_ids_are_refused(tmp_path):
    # A str is a sequence too: without these checks it was counted and encoded letter by letter.
    with pytest.raises(VocabError, match="sentence 1 is a str"):
        Vocab.build([["a", "b"], "hello world"])
    vocab = Vocab.build([["the", "cat"], ["the", "dog"]])
    with pytest.raises(VocabError, match="split it first"):
        vocab.encode("the")
    with pytest.raises(VocabError, match="max_size must be >= 0"):
        Vocab.build([["a"]], max_size=-1)
    assert len(Vocab.build([["a", "b"]], max_size=0)) == len(vocab.specials)
    for bad in (len(vocab), -1):  # -1 used to give the last word
        with pytest.raises(VocabError, match=f"id {bad} is outside this vocabulary of {len(vocab)} words"):
            vocab.decode([bad])
    vocab.save(tmp_path / "v.json")
    data = (tmp_path / "v.json").read_text().replace('"words"', '"wordz"')
    (tmp_path / "v.json").write_text(data)
    with pytest.raises(VocabError, match="lacks words"):
        Vocab.load(tmp_path / "v.json")


def test_ids_words_and_non_str_lookups_are_told_apart(tmp_path):
    vocab = Vocab.build([["the", "cat"], ["the", "dog"]])
    with pytest.raises(TypeError, match=r"encode takes words \(str\); decode takes ids"):
        vocab.encode([5, 6])  # used to give [<unk>, <unk>]
    with pytest.raises(TypeError, match=r"decode takes ids \(ints\), got str '23'"):
        vocab.decode("23")  # used to decode "2" and "3"
    with pytest.raises(TypeError, match="decode takes ids"):
        vocab.decode(["2"])
    assert vocab.decode([2, 3]) == ["the", "cat"]
    lowered = Vocab(["a", "b"], lowercase=True)
    assert 3 not in lowered and None not in lowered and "A" in lowered  # 3 used to raise AttributeError
    # A str where a sentence goes is a VocabError and a TypeError.
    with pytest.raises(TypeError, match="split it first"):
        vocab.encode("the cat")


def test_load_of_a_file_that_is_not_utf8_names_it(tmp_path):
    path = tmp_path / "vocab.json"
    path.write_bytes(b'{"format": "textae.vocab/1", "words": ["caf\xe9"]}')  # Latin-1
    with pytest.raises(VocabError, match=f"cannot read vocabulary {path}: it is not UTF-8"):
        Vocab.load(path)
