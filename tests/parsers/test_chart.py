"""The chart parser: gold spans, exact CKY against brute force, tree building, training, IO."""

from __future__ import annotations

import itertools
import json
import threading
import time

import numpy as np
import pytest
import torch

import parsers.chart as chart_module
from parsers import binarize, collapse_unary, parse_tree
from parsers.chart import (
    EMPTY,
    ChartExample,
    ChartParser,
    ChartParserConfig,
    ChartParserModel,
    ChartVocab,
    build_tree,
    cky_splits,
    collate,
    gold_spans,
    prepare_treebank_tree,
)
from parsers.parser import ParseInputError
from tests.fitting import fit_one_batch


def test_gold_spans_unlabelled_and_labelled():
    tree = parse_tree("(3 (2 a) (4 (2 b) (1 c)))", sst=True)
    spans, _ = gold_spans(tree, labeled=False)
    assert spans == {(0, 3): "X", (1, 3): "X"}
    wsj = prepare_treebank_tree(parse_tree("(S (NP-SBJ (NNP John)) (VP (VBD ran) (-NONE- *)) (. .))"))
    spans, tags = gold_spans(wsj, labeled=True)
    assert spans == {(0, 3): "S", (0, 1): "NP", (1, 2): "VP"}
    assert tags == ["NNP", "VBD", "."]


def all_binary_trees(start: int, end: int):
    if end - start == 1:
        yield []
        return
    for split in range(start + 1, end):
        for left in all_binary_trees(start, split):
            for right in all_binary_trees(split, end):
                yield [(start, end), *left, *right]


@pytest.mark.parametrize("n", [2, 3, 4, 6])
def test_cky_finds_the_best_binary_tree_by_brute_force(n):
    generator = torch.Generator().manual_seed(n)
    scores = torch.randn(3, n + 1, n + 1, generator=generator, dtype=torch.float64)
    lengths = torch.tensor([n, n, max(2, n - 1)])
    splits = cky_splits(scores)
    vocab = ChartVocab({}, [], ["X"], [])
    for row in range(3):
        length = int(lengths[row])
        best = max(sum(float(scores[row, i, j]) for i, j in spans) for spans in all_binary_trees(0, length))
        tree = build_tree([f"w{i}" for i in range(length)], splits[row], np.ones((n + 1, n + 1), dtype=np.int64),
                          vocab, None, labeled=False)
        found, _ = gold_spans(tree, labeled=False)
        assert sum(float(scores[row, i, j]) for i, j in found) == pytest.approx(best)


def test_build_tree_splices_empty_spans_and_expands_unary_chains():
    vocab = ChartVocab({}, [], ["S", "NP", "S+VP"], ["DT", "NN", "VB"])
    labels = np.zeros((4, 4), dtype=np.int64)
    labels[0, 3] = vocab.label_index["S"]
    labels[0, 2] = vocab.label_index["NP"]
    labels[2, 3] = vocab.label_index["S+VP"]
    splits = np.zeros((4, 4), dtype=np.int64)
    splits[0, 3], splits[0, 2] = 2, 1
    tree = build_tree(["the", "dog", "runs"], splits, labels, vocab, np.array([0, 1, 2]), labeled=True)
    assert str(tree) == "(S (NP (DT the) (NN dog)) (S (VP (VB runs))))"
    labels[0, 2] = 0  # ∅: the NP bracket disappears, its children join the parent
    tree = build_tree(["the", "dog", "runs"], splits, labels, vocab, np.array([0, 1, 2]), labeled=True)
    assert str(tree) == "(S (DT the) (NN dog) (S (VP (VB runs))))"
    assert EMPTY == vocab.labels[0]


def tiny_data(labeled: bool):
    texts = ["(S (NP (DT the) (NN dog)) (VP (VBZ barks)))", "(S (NP (PRP it)) (VP (VBZ runs) (ADVP (RB fast))))",
             "(S (NP (DT a) (JJ big) (NN cat)) (VP (VBD sat)))", "(S (VP (VB go)) (. .))"]
    trees = [prepare_treebank_tree(parse_tree(t)) for t in texts]
    if not labeled:  # unlabelled mode parses binary trees (as SST's)
        trees = [binarize(collapse_unary(t, collapse_root=True, keep_preterminals=False)) for t in trees]
    examples = []
    for tree in trees:
        spans, tags = gold_spans(tree, labeled)
        examples.append(ChartExample(tree.leaves(), spans, tags if labeled else None))
    vocab = ChartVocab.build((e.words, e.spans, e.tags or []) for e in examples)
    return trees, examples, vocab


def tiny_model(vocab: ChartVocab, labeled: bool, seed: int = 0, objective: str = "cross_entropy") -> ChartParserModel:
    torch.manual_seed(seed)
    config = ChartParserConfig(vocab_size=len(vocab.words), num_chars=len(vocab.chars), num_labels=len(vocab.labels),
                               num_tags=len(vocab.tags) if labeled else 0, labeled=labeled, objective=objective,
                               word_dim=16, char_dim=8,
                               char_channels=8, lstm_hidden=16, lstm_layers=1, span_hidden=32, dropout=0.0)
    return ChartParserModel(config, vocab)


@pytest.mark.parametrize("labeled, objective", [(False, "cross_entropy"), (True, "cross_entropy"), (False, "hinge")])
def test_a_tiny_treebank_is_learned_exactly(labeled, objective):
    trees, examples, vocab = tiny_data(labeled)
    model = tiny_model(vocab, labeled, objective=objective)
    batch = collate(examples, vocab, labeled)
    first = float(model.loss(batch)["loss"].detach())
    fit_one_batch(model, batch, steps=150, lr=0.02)
    assert float(model.loss(batch)["loss"].detach()) < 0.05 * first + (0.01 if objective == "hinge" else 0.0)
    model.eval()
    correct, total = model.eval_counts(batch)["bracket_f1"]
    assert correct == total  # F1 = 100
    if labeled:
        decoded = model.decode(batch)
        assert [str(prepare_treebank_tree(t)) for t in decoded] == [str(t) for t in trees]


def test_every_parameter_gets_a_gradient():
    _, examples, vocab = tiny_data(True)
    model = tiny_model(vocab, True)
    model.loss(collate(examples, vocab, True))["loss"].backward()
    for name, parameter in model.named_parameters():
        assert parameter.grad is not None and float(parameter.grad.abs().sum()) > 0, name


def test_batched_decoding_equals_one_sentence_at_a_time():
    _, examples, vocab = tiny_data(True)
    model = tiny_model(vocab, True).eval()
    batched = model.decode(collate(examples, vocab, True))
    single = [model.decode(collate([example], vocab, True))[0] for example in examples]
    assert batched == single


def test_save_and_load_give_the_same_parses(tmp_path):
    _, examples, vocab = tiny_data(True)
    model = tiny_model(vocab, True).eval()
    model.save_pretrained(tmp_path)
    parser = ChartParser.from_pretrained(tmp_path)
    sentences = [example.words for example in examples]
    assert parser.parse_many(sentences) == model.decode(collate(examples, vocab, True))
    assert parser.parse(["an", "unknown", "sentence"]).leaves() == ["an", "unknown", "sentence"]
    with pytest.raises(ValueError, match="not a chart-parser directory"):
        ChartParser.from_pretrained(tmp_path / "missing")


def test_loading_what_is_not_a_chart_parser_says_what_it_is(tmp_path):
    _, _, vocab = tiny_data(False)
    run = tmp_path / "run"
    tiny_model(vocab, False).save_pretrained(run / "model")
    # a run folder instead of its model/ folder: the model/ folder is suggested
    with pytest.raises(ValueError, match="not a chart-parser directory: it has no config.json") as caught:
        ChartParser.from_pretrained(run)
    assert f"did you mean {run / 'model'}?" in str(caught.value) and str(run) in str(caught.value)
    # another model's folder, which has a vocab.json of its own: its model type is named
    other = tmp_path / "other"
    other.mkdir()
    (other / "config.json").write_text('{"format": "textae.model/1", "model_type": "rae", "config": {}}')
    (other / "vocab.json").write_text('{"format": "textae.vocab/1"}')
    with pytest.raises(ValueError, match=r"other is not a chart-parser directory: it holds a 'rae' model") as caught:
        ChartParser.from_pretrained(other)
    assert "did you mean" not in str(caught.value)
    with pytest.raises(ValueError, match="not a chart-parser directory: not a directory"):
        ChartParser.from_pretrained(other / "config.json")
    # a config from another version, and weights that do not fit the config
    model_dir = run / "model"
    config = json.loads((model_dir / "config.json").read_text())
    config["config"]["unknown_setting"] = 1
    (model_dir / "config.json").write_text(json.dumps(config))
    with pytest.raises(ValueError, match="does not describe a chart parser of this textae version"):
        ChartParser.from_pretrained(model_dir)
    del config["config"]["unknown_setting"]
    config["config"]["lstm_hidden"] = float(config["config"]["lstm_hidden"])  # hand-edited: 200.0, not 200
    (model_dir / "config.json").write_text(json.dumps(config))
    with pytest.raises(ValueError, match=r"this textae version \(ChartParserConfig.lstm_hidden must be an int"):
        ChartParser.from_pretrained(model_dir)
    config["config"]["lstm_hidden"] = int(config["config"]["lstm_hidden"]) + 2
    (model_dir / "config.json").write_text(json.dumps(config))
    with pytest.raises(ValueError, match="model.safetensors does not fit its config.json"):
        ChartParser.from_pretrained(model_dir)


def test_bad_input_is_refused_clearly():
    _, _, vocab = tiny_data(False)
    parser = ChartParser(tiny_model(vocab, False))
    with pytest.raises(ParseInputError, match="empty"):
        parser.parse([])
    with pytest.raises(ParseInputError, match="at most 512"):
        parser.parse(["w"] * 513)
    with pytest.raises(ParseInputError, match="whitespace"):
        parser.parse(["two words"])


def test_a_400_token_sentence_parses_quickly_with_a_full_size_model():
    _, _, vocab = tiny_data(False)
    config = ChartParserConfig(vocab_size=len(vocab.words), num_chars=len(vocab.chars), num_labels=2)
    parser = ChartParser(ChartParserModel(config, vocab))
    words = [f"w{i % 50}" for i in range(400)]
    started = time.perf_counter()
    tree = parser.parse(words)
    assert time.perf_counter() - started < 5.0
    assert tree.leaves() == words


def test_config_validation():
    with pytest.raises(ValueError, match="num_labels"):
        ChartParserConfig(vocab_size=5, num_chars=5, num_labels=1)
    with pytest.raises(ValueError, match="dropout"):
        ChartParserConfig(vocab_size=5, num_chars=5, num_labels=2, dropout=1.0)
    with pytest.raises(ValueError, match="unlabelled"):
        ChartParserConfig(vocab_size=5, num_chars=5, num_labels=2, labeled=True, objective="hinge")
    for field, value, kind in (("labeled", "false", "a bool"), ("lstm_hidden", 200.0, "an int"),
                               ("num_tags", True, "an int"), ("dropout", float("nan"), "a finite number"),
                               ("objective", None, "a str")):
        with pytest.raises(TypeError, match=f"ChartParserConfig.{field} must be {kind}, got {value!r}"):
            ChartParserConfig(vocab_size=5, num_chars=5, num_labels=2, **{field: value})
    assert ChartParserConfig(vocab_size=5, num_chars=5, num_labels=2, dropout=0).dropout == 0  # an int is a number


def test_hinge_loss_is_zero_only_when_gold_wins_by_the_margin():
    _, examples, vocab = tiny_data(False)
    model = tiny_model(vocab, False, objective="hinge").eval()
    batch = collate(examples, vocab, False)
    loss = model.loss(batch)["loss"]
    assert float(loss.detach()) > 0  # an untrained model does not separate gold trees by a margin
    loss.backward()
    assert float(model.span_output.weight.grad.abs().sum()) > 0


def test_all_binary_trees_helper_counts_catalan_numbers():
    assert [len(list(all_binary_trees(0, n))) for n in range(1, 6)] == [1, 1, 2, 5, 14]
    assert list(itertools.islice(all_binary_trees(0, 2), 1)) == [[(0, 2)]]


def guided_model(seed: int = 1, guide_spans: bool = False
                 ) -> tuple[ChartParserModel, ChartParserModel, list[ChartExample], ChartVocab]:
    """An unlabelled parser reading a (random) labelled guide's states, as --guide builds it."""
    _, _, guide_vocab = tiny_data(True)
    guide = tiny_model(guide_vocab, True, seed=0)
    _, examples, vocab = tiny_data(False)
    torch.manual_seed(seed)
    config = ChartParserConfig(vocab_size=len(vocab.words), num_chars=len(vocab.chars), num_labels=len(vocab.labels),
                               objective="hinge", word_dim=16, char_dim=8, char_channels=8, lstm_hidden=16,
                               lstm_layers=1, span_hidden=32, dropout=0.2, guide_dim=2 * guide.config.lstm_hidden,
                               guide_spans=guide_spans)
    return ChartParserModel(config, vocab, guide), guide, examples, vocab


@pytest.mark.parametrize("guide_spans", [False, True])
def test_a_guide_parser_is_frozen_and_its_states_are_used(guide_spans):
    model, guide, examples, vocab = guided_model(guide_spans=guide_spans)
    model.train()
    assert model.training and not guide.training  # no dropout inside the guide, even in training
    before = {name: value.clone() for name, value in guide.state_dict().items()}
    batch = collate(examples, vocab, False)
    first = float(model.loss(batch)["loss"].detach())
    fit_one_batch(model, batch, steps=100, lr=0.02)
    for name, parameter in model.named_parameters():
        if name.startswith("guide."):
            assert parameter.grad is None, name
        else:
            assert parameter.grad is not None, name
    assert all(torch.equal(before[name], value) for name, value in guide.state_dict().items())
    model.eval()
    assert float(model.loss(batch)["loss"].detach()) < 0.1 * first + 0.01
    correct, total = model.eval_counts(batch)["bracket_f1"]
    assert correct == total
    # the guide's states reach the span scores: other guide weights, other scores
    logits = model.encode(batch)[0]
    with torch.no_grad():
        guide.lstm.weight_ih_l0.add_(0.5)
    assert not torch.allclose(logits, model.encode(batch)[0])
    if guide_spans:  # and its span scores, which only guide_spans reads
        logits = model.encode(batch)[0]
        with torch.no_grad():
            guide.span_output.bias.add_(torch.arange(len(guide.vocab.labels), dtype=torch.float32))
        assert not torch.allclose(logits, model.encode(batch)[0])


@pytest.mark.parametrize("guide_spans", [False, True])
def test_a_guided_parser_saves_its_guide_inside_and_loads_it(tmp_path, guide_spans):
    model, guide, examples, vocab = guided_model(guide_spans=guide_spans)
    model.eval().save_pretrained(tmp_path / "model")
    assert (tmp_path / "model" / "guide" / "config.json").is_file()
    from safetensors.torch import load_file

    assert not any(name.startswith("guide.") for name in load_file(str(tmp_path / "model" / "model.safetensors")))
    loaded = ChartParser.from_pretrained(tmp_path / "model")
    sentences = [example.words for example in examples] + [["an", "unseen", "sentence", "here"]]
    assert loaded.parse_many(sentences) == ChartParser(model).parse_many(sentences)
    assert all(torch.equal(a, b) for a, b in zip(loaded.model.state_dict().values(), model.state_dict().values(),
                                                 strict=True))
    (tmp_path / "model" / "guide" / "model.safetensors").unlink()
    with pytest.raises(ValueError, match="its guide parser cannot be loaded"):
        ChartParser.from_pretrained(tmp_path / "model")


def test_a_guide_is_needed_exactly_when_guide_dim_is_set():
    model, guide, _, vocab = guided_model()
    with pytest.raises(ValueError, match="a guide parser is needed exactly when guide_dim > 0"):
        ChartParserModel(model.config, vocab)
    with pytest.raises(ValueError, match="does not fit the guide's BiLSTM states"):
        ChartParserModel(ChartParserConfig(**{**model.config.__dict__, "guide_dim": 5}), vocab, guide)
    with pytest.raises(ValueError, match="guide_dim must be >= 0"):
        ChartParserConfig(**{**model.config.__dict__, "guide_dim": -1})
    with pytest.raises(ValueError, match="guide_spans needs a guide parser"):
        ChartParserConfig(**{**model.config.__dict__, "guide_dim": 0, "guide_spans": True})


def test_a_guided_parser_decodes_a_batch_as_one_sentence_at_a_time():
    model, _, examples, vocab = guided_model(guide_spans=True)
    model.eval()
    batched = model.encode(collate(examples, vocab, False))[0]
    for row, example in enumerate(examples):
        single = model.encode(collate([example], vocab, False))[0]  # [1, S', L]: its own (smaller) chart
        n = len(example.words)
        width = max(len(e.words) for e in examples) + 1
        big = dict(zip(map(tuple, torch.triu_indices(width, width, offset=1).T.tolist()), batched[row], strict=True))
        small = dict(zip(map(tuple, torch.triu_indices(n + 1, n + 1, offset=1).T.tolist()), single[0], strict=True))
        for span, value in small.items():
            assert torch.allclose(big[span], value, atol=1e-5), span


def test_span_scores_equal_the_unfactored_formula():
    """s_ij = W_2 relu(LayerNorm(W_1 [f_j - f_i; b_{i+1} - b_{j+1}] + c_1)) + c_2, span by span."""
    _, _, vocab = tiny_data(False)
    model = tiny_model(vocab, False).double().eval()
    with torch.no_grad():
        model.span_bias.normal_()  # a non-zero c_1, so its place in the factoring is checked
    states = torch.randn(2, 7, 2 * model.config.lstm_hidden, dtype=torch.float64)  # [B, T+2, 2D]
    logits, starts, ends = model.span_logits(states)
    forward, backward = states.chunk(2, dim=-1)
    assert len(starts) == 6 * 5 // 2  # every i < j over 6 fenceposts
    for index, (i, j) in enumerate(zip(starts.tolist(), ends.tolist(), strict=True)):
        hidden = (model.span_forward(forward[:, j] - forward[:, i]) + model.span_backward(backward[:, i + 1] - backward[:, j + 1])
                  + model.span_bias)
        expected = model.span_output(torch.relu(model.span_norm(hidden)))
        torch.testing.assert_close(logits[:, index], expected)


def test_bf16_precision_runs_the_network_in_bfloat16_and_keeps_the_trees_sound(monkeypatch):
    # As on a CPU with native bfloat16 (this tiny model also runs on emulated bfloat16).
    monkeypatch.setattr("parsers.chart.native_bf16", lambda device: True)
    _, examples, vocab = tiny_data(False)
    model = tiny_model(vocab, False)
    seen = []
    original = model.span_logits

    def spy(*args, **kwargs):
        logits, starts, ends = original(*args, **kwargs)
        seen.append(logits.dtype)
        return logits, starts, ends

    model.span_logits = spy
    sentences = [example.words for example in examples]
    fp32 = ChartParser(model).parse_many(sentences)
    bf16 = ChartParser(model, precision="bf16").parse_many(sentences)
    assert seen[0] == torch.float32 and seen[-1] == torch.bfloat16
    for tree, words in zip(bf16, sentences, strict=True):
        assert tree.leaves() == words
        assert all(len(node.children) in (1, 2) for node in tree.subtrees())
    assert len(fp32) == len(bf16)
    assert not torch.is_autocast_enabled("cpu")  # the autocast region closed again


def test_bf16_without_native_bfloat16_warns_and_parses_in_float32(monkeypatch):
    monkeypatch.setattr("parsers.chart.native_bf16", lambda device: False)
    _, examples, vocab = tiny_data(False)
    model = tiny_model(vocab, False)
    sentences = [example.words for example in examples]
    with pytest.warns(RuntimeWarning, match="no native bfloat16.*parsing in float32"):
        parser = ChartParser(model, precision="bf16")
    assert parser.precision == "fp32"
    assert parser.parse_many(sentences) == ChartParser(model).parse_many(sentences)


def test_unknown_precision_or_batch_size_is_refused():
    from parsers.parser import load_parser

    _, _, vocab = tiny_data(False)
    with pytest.raises(ValueError, match="precision must be one of fp32, bf16"):
        ChartParser(tiny_model(vocab, False), precision="fp16")
    with pytest.raises(ValueError, match="batch_size must be >= 1"):
        ChartParser(tiny_model(vocab, False), batch_size=0)
    with pytest.raises(ValueError, match="precision must be fp32 or bf16"):
        load_parser("right", precision="int8")
    assert load_parser("right", precision="bf16").parse(["a", "b"]).leaves() == ["a", "b"]


def many_sentences(examples: list[ChartExample], count: int = 23) -> list[list[str]]:
    """Sentences of 1 to 9 words (some unknown) from the tiny vocabulary, in no length order."""
    words = sorted({word for example in examples for word in example.words}) + ["zebra", "Quickly"]
    generator = np.random.default_rng(0)
    return [list(generator.choice(words, size=int(generator.integers(1, 10)))) for _ in range(count)]


@pytest.mark.parametrize("labeled", [False, True])
def test_workers_parse_the_same_trees_in_order_with_one_torch_thread_each(labeled):
    _, examples, vocab = tiny_data(labeled)
    model = tiny_model(vocab, labeled).eval()
    sentences = many_sentences(examples)
    seen = []
    original = model.decode

    def spy(batch):
        seen.append((threading.get_ident(), torch.get_num_threads()))
        return original(batch)

    model.decode = spy
    threads = torch.get_num_threads()
    one = ChartParser(model, batch_size=2).parse_many(sentences)
    assert {count for _, count in seen} == {threads}
    seen.clear()
    parser = ChartParser(model, batch_size=2, workers=3)
    assert len(parser.batches(sentences)) > 3
    assert parser.parse_many(sentences) == one
    assert [tree.leaves() for tree in one] == sentences
    assert {count for _, count in seen} == {1}  # each worker's batch ran on one torch thread
    assert threading.get_ident() not in {ident for ident, _ in seen}
    assert torch.get_num_threads() == threads  # restored


def test_workers_run_under_bf16_autocast_too(monkeypatch):
    # autocast is thread-local: each worker must enter it itself.
    if not chart_module.native_bf16(torch.device("cpu")):  # before the monkeypatch below
        pytest.skip("this CPU has no native bfloat16: oneDNN's LSTM refuses bf16 batches the workers parse")
    monkeypatch.setattr("parsers.chart.native_bf16", lambda device: True)
    _, examples, vocab = tiny_data(False)
    model = tiny_model(vocab, False).eval()
    dtypes = []
    original = model.span_logits

    def spy(*args, **kwargs):
        logits, starts, ends = original(*args, **kwargs)
        dtypes.append(logits.dtype)
        return logits, starts, ends

    model.span_logits = spy
    trees = ChartParser(model, batch_size=2, precision="bf16", workers=2).parse_many(many_sentences(examples))
    assert len(dtypes) > 2 and set(dtypes) == {torch.bfloat16}
    assert all(len(node.children) in (1, 2) for tree in trees for node in tree.subtrees())


def test_a_failing_worker_raises_and_torch_threads_are_restored():
    _, examples, vocab = tiny_data(False)
    model = tiny_model(vocab, False).eval()
    calls = []

    def broken(batch):
        calls.append(1)
        raise RuntimeError("out of memory, say")

    model.decode = broken
    threads = torch.get_num_threads()
    with pytest.raises(RuntimeError, match="out of memory, say"):
        ChartParser(model, batch_size=2, workers=2).parse_many(many_sentences(examples))
    assert calls and torch.get_num_threads() == threads


@pytest.mark.parametrize("workers", [0, -1, 1.5, True, "2"])
def test_bad_workers_are_refused(workers):
    _, _, vocab = tiny_data(False)
    with pytest.raises(ValueError, match="workers must be an int >= 1"):
        ChartParser(tiny_model(vocab, False), workers=workers)


def test_the_scripts_default_workers_are_the_usable_cores_at_most_eight(monkeypatch):
    from parsers.parser import default_workers

    monkeypatch.setattr("os.sched_getaffinity", lambda pid: set(range(3)), raising=False)
    assert default_workers() == 3
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: set(range(64)), raising=False)
    assert default_workers() == 8
