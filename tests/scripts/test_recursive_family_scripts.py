"""scripts/train_paraphrase.py, scripts/train_word_vectors.py and train_rae.py --model deep_recursive."""

from __future__ import annotations

import json

import pytest

from tests.scripts.conftest import run_script


@pytest.fixture(scope="module")
def vectors(tmp_path_factory, data_dir):
    output = tmp_path_factory.mktemp("vectors") / "vectors.txt"
    result = run_script("train_word_vectors.py", "--corpora", "sst", "--size", "8", "--epochs", "1",
                        "--output", str(output), "--data-dir", str(data_dir))
    assert result.returncode == 0, result.stderr
    return output


def test_word_vectors_file_and_its_record(vectors):
    header = vectors.read_text(encoding="utf-8").splitlines()[0].split()
    assert int(header[1]) == 8 and int(header[0]) > 1000  # SST train words seen twice or more
    info = json.loads(vectors.with_name("vectors.json").read_text())
    assert info["corpora"]["sst"]["sentences"] == 8544 and info["settings"]["size"] == 8


def test_word_vectors_bad_flags_are_clear_errors(tmp_path):
    result = run_script("train_word_vectors.py", "--size", "0", "--output", str(tmp_path / "v.txt"))
    assert result.returncode == 2 and "--size" in result.stderr
    result = run_script("train_word_vectors.py", "--corpora", "--output", str(tmp_path / "v.txt"))
    assert result.returncode == 2 and "nothing to train on" in result.stderr


def test_deep_recursive_net_trains_from_pretrained_vectors(vectors, data_dir, tmp_path):
    result = run_script("train_rae.py", "--tiny", "--dry-run", "--model", "deep_recursive", "--embedding-size", "8",
                        "--hidden-size", "6", "--word-vectors", str(vectors), "--freeze-embeddings", "true",
                        "--output-dir", str(tmp_path), "--progress", "false", "--data-dir", str(data_dir))
    assert result.returncode == 0, result.stderr
    assert "word vectors from" in result.stdout
    config = json.loads((tmp_path / "model" / "config.json").read_text())
    assert config["model_type"] == "deep_recursive" and config["config"]["num_layers"] == 3
    report = json.loads((tmp_path / "test_report.json").read_text())
    assert 0 <= report["test"]["root_fine_acc"] <= 100


def test_word_vectors_of_the_wrong_size_are_refused(vectors, data_dir, tmp_path):
    result = run_script("train_rae.py", "--tiny", "--dry-run", "--model", "deep_recursive", "--embedding-size", "9",
                        "--word-vectors", str(vectors), "--output-dir", str(tmp_path), "--data-dir", str(data_dir))
    assert result.returncode == 2 and "set --embedding-size to 8" in result.stderr
    assert not (tmp_path / "run_config.json").exists()  # refused before the run folder was written


def test_model_help_follows_the_chosen_model():
    deep = run_script("train_rae.py", "--model", "deep_recursive", "--help").stdout
    assert "--num-layers" in deep and "--alpha" not in deep
    assert "--alpha" in run_script("train_rae.py", "--help").stdout


def test_paraphrase_tiny_run_reports_every_variant(data_dir, tmp_path):
    result = run_script("train_paraphrase.py", "--tiny", "--output-dir", str(tmp_path), "--progress", "false",
                        "--data-dir", str(data_dir))
    assert result.returncode == 0, result.stderr
    report = json.loads((tmp_path / "test_report.json").read_text())
    for name in ("majority", "overlap_features", "pooled", "pooled_and_features"):
        assert 0 <= report[name]["test_acc"] <= 100 and 0 <= report[name]["test_f1"] <= 100
    assert report["majority"]["test_acc"] == pytest.approx(100 * 81 / 120)  # first 120 test pairs: 81 paraphrases
    assert (tmp_path / "model" / "config.json").is_file()
    assert "pooled_and_features" in result.stdout
    assert json.loads((tmp_path / "run_config.json").read_text())["data"]["cv_folds"] == 3  # --tiny's


def test_paraphrase_cross_validation_needs_two_folds(tmp_path):
    result = run_script("train_paraphrase.py", "--tiny", "--cv-folds", "1", "--output-dir", str(tmp_path))
    assert result.returncode == 2 and "--cv-folds must be >= 2" in result.stderr


def test_paraphrase_without_a_parser_model_says_what_to_do(data_dir, tmp_path):
    result = run_script("train_paraphrase.py", "--tiny", "--parser", "chart", "--parser-model", str(tmp_path / "none"),
                        "--output-dir", str(tmp_path), "--data-dir", str(data_dir))
    assert result.returncode != 0 and "train_parser.py --sst" in result.stderr


def test_paraphrase_parser_model_that_is_not_a_chart_parser_is_named(data_dir, tmp_path, rae_model):
    # A textae model folder and a run folder: the chart parser's loader refuses both, which
    # ends as a usage error naming the flag (as parse.py and classify.py do), not a traceback.
    for folder in (rae_model, rae_model.parent):
        result = run_script("train_paraphrase.py", "--tiny", "--dry-run", "--parser", "chart", "--parser-model",
                            str(folder), "--output-dir", str(tmp_path / "run"), "--data-dir", str(data_dir))
        assert result.returncode == 2 and "Traceback" not in result.stderr
        assert f"train_paraphrase.py: error: --parser-model: {folder} is not a chart-parser directory" in result.stderr
    assert not (tmp_path / "run").exists()


def test_paraphrase_trees_cache_that_is_a_file_is_refused_up_front(data_dir, tmp_path):
    cache = tmp_path / "cache.txt"
    cache.write_text("")
    for given, where in ((cache, "is a file"), (cache / "sub", f"lies under the file {cache}")):
        result = run_script("train_paraphrase.py", "--tiny", "--trees-cache", str(given), "--output-dir",
                            str(tmp_path / "run"), "--data-dir", str(data_dir))
        assert result.returncode == 2 and f"train_paraphrase.py: error: --trees-cache: {given} {where}" in result.stderr
    assert not (tmp_path / "run").exists()


def test_paraphrase_needs_two_training_pairs_of_each_class():
    from textae.cli import UsageError
    from textae.commands.train_paraphrase import check_class_counts

    check_class_counts([1, 0, 1, 0], max_pairs=4)
    with pytest.raises(UsageError, match="the first 5 MSRP train pairs hold 4 paraphrases and 1 other pairs; .* "
                                         "needs 2 of each: raise --max-pairs"):
        check_class_counts([1, 1, 0, 1, 1], max_pairs=5)


def test_binary_labels_train_a_two_class_model_that_classify_reads(data_dir, tmp_path):
    result = run_script("train_rae.py", "--tiny", "--dry-run", "--model", "deep_recursive", "--embedding-size", "6",
                        "--hidden-size", "6", "--labels", "binary", "--output-dir", str(tmp_path),
                        "--progress", "false", "--data-dir", str(data_dir))
    assert result.returncode == 0, result.stderr
    config = json.loads((tmp_path / "model" / "config.json").read_text())["config"]
    assert config["num_classes"] == 2
    run_config = json.loads((tmp_path / "run_config.json").read_text())
    assert run_config["train"]["early_stopping_metric"] == "root_binary_acc"
    report = json.loads((tmp_path / "test_report.json").read_text())
    assert "logreg" not in report and 0 <= report["test"]["root_binary_acc"] <= 100
    assert "root_fine_acc" not in report["test"] and "all_fine_acc" not in report["test"]  # a 2-class model has none
    classified = run_script("classify.py", "--checkpoint", str(tmp_path / "model"), "--json",
                            "(3 (2 a) (3 (3 good) (2 film)))")
    assert classified.returncode == 0, classified.stderr
    sentence = json.loads(classified.stdout.splitlines()[0])
    assert sentence["binary"] in ("negative", "positive")
    # label 1 is "positive" here but "negative" for a 5-class model: the JSON says which set it is
    assert sentence["label_set"] == "binary" and sentence["label_name"] == ("negative", "positive")[sentence["label"]]


def test_paraphrase_parses_are_cached_and_reused(data_dir, tmp_path):
    cache = tmp_path / "cache"
    arguments = ("--tiny", "--dry-run", "--trees-cache", str(cache), "--progress", "false", "--data-dir", str(data_dir))
    first = run_script("train_paraphrase.py", *arguments, "--output-dir", str(tmp_path / "a"))
    assert first.returncode == 0, first.stderr
    assert "parsed" in first.stdout and sorted(p.name for p in (cache / "balanced").iterdir()) == [
        "msrp-test-120.txt", "msrp-train-120.txt"]
    second = run_script("train_paraphrase.py", *arguments, "--output-dir", str(tmp_path / "b"))
    assert second.returncode == 0, second.stderr
    assert "parsed" not in second.stdout
    assert json.loads((tmp_path / "a" / "test_report.json").read_text())["majority"] == \
        json.loads((tmp_path / "b" / "test_report.json").read_text())["majority"]


def test_chart_parses_are_cached_per_parser_model(data_dir, tmp_path):
    models = []
    for seed in (0, 1):
        trained = run_script("train_parser.py", "--tiny", "--dry-run", "--seed", str(seed), "--progress", "false",
                             "--output-dir", str(tmp_path / f"parser{seed}"), "--data-dir", str(data_dir))
        assert trained.returncode == 0, trained.stderr
        models.append(str(tmp_path / f"parser{seed}" / "model"))
    cache = tmp_path / "cache"
    arguments = ("--tiny", "--dry-run", "--parser", "chart", "--trees-cache", str(cache), "--progress", "false",
                 "--data-dir", str(data_dir))
    outputs = [run_script("train_paraphrase.py", *arguments, "--parser-model", model, "--output-dir",
                          str(tmp_path / f"run{i}")) for i, model in enumerate([models[0], models[0], models[1]])]
    assert all(result.returncode == 0 for result in outputs), [result.stderr for result in outputs]
    assert ["parsed" in result.stdout for result in outputs] == [True, False, True]  # another model parses again
    assert len(list((cache / "chart").iterdir())) == 2


def test_the_chart_parser_starts_from_word_vectors(vectors, data_dir, tmp_path):
    result = run_script("train_parser.py", "--tiny", "--dry-run", "--word-dim", "8", "--word-vectors", str(vectors),
                        "--output-dir", str(tmp_path), "--progress", "false", "--data-dir", str(data_dir))
    assert result.returncode == 0, result.stderr
    assert "word vectors from" in result.stdout
    wrong = run_script("train_parser.py", "--tiny", "--dry-run", "--word-vectors", str(vectors),
                       "--output-dir", str(tmp_path / "w"), "--data-dir", str(data_dir))
    assert wrong.returncode == 2 and "set --word-dim to 8" in wrong.stderr


def test_the_chart_parser_stacks_on_a_guide_parser(data_dir, tmp_path):
    common = ("--tiny", "--dry-run", "--progress", "false", "--data-dir", str(data_dir))
    guide = run_script("train_parser.py", *common, "--output-dir", str(tmp_path / "guide"))
    assert guide.returncode == 0, guide.stderr
    stacked = run_script("train_parser.py", *common, "--guide", str(tmp_path / "guide" / "model"), "--guide-spans",
                         "true", "--output-dir", str(tmp_path / "stacked"))
    assert stacked.returncode == 0, stacked.stderr
    model = tmp_path / "stacked" / "model"
    assert (model / "guide" / "model.safetensors").is_file()
    config = json.loads((model / "config.json").read_text())["config"]
    assert config["guide_dim"] == 2 * 16 and config["guide_spans"]  # --tiny: lstm_hidden 16
    parsed = run_script("parse.py", "--parser", "chart", "--model", str(model), "A good film .")
    assert parsed.returncode == 0 and parsed.stdout.startswith("("), parsed.stderr
    missing = run_script("train_parser.py", *common, "--guide", str(tmp_path / "guide"),  # the run, not its model/
                         "--output-dir", str(tmp_path / "wrong"))
    assert missing.returncode != 0 and "error: --guide:" in missing.stderr and "did you mean" in missing.stderr
    assert "Traceback" not in missing.stderr
    unguided = run_script("train_parser.py", *common, "--guide-spans", "true", "--output-dir", str(tmp_path / "u"))
    assert unguided.returncode == 2 and "--guide-spans needs a guide parser" in unguided.stderr


def test_paraphrase_dry_run_leaves_no_parse_cache():
    """--dry-run turns the parse cache off (a cache of its 60 pairs would only be stale later);
    without --dry-run, --msrp caches under runs/parsed-trees. The help states both."""
    dry = run_script("train_paraphrase.py", "--dry-run", "--help")
    full = run_script("train_paraphrase.py", "--help")
    assert dry.returncode == 0 and full.returncode == 0, dry.stderr + full.stderr
    flat = lambda text: " ".join(text.split())  # noqa: E731
    assert '(--msrp: ""; --tiny: "")' in flat(dry.stdout)
    assert '(--msrp: runs/parsed-trees; --tiny: "")' in flat(full.stdout)
