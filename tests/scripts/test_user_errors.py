"""Mistakes a user makes on the command line of a training script end in one clear line
(`<script>: error: ...`, exit status 2), never a traceback."""

from __future__ import annotations

import json

import pytest

from tests.scripts.conftest import run_script


def check(result, script: str, *fragments: str) -> None:
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert f"{script}: error:" in result.stderr and "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in result.stderr


@pytest.mark.parametrize("name", ["train_rae.py", "train_parser.py", "train_vae.py", "train_mlm.py", "train_paraphrase.py",
                                  "train_acceptability.py"])
def test_resume_without_a_checkpoint(name, tmp_path, data_dir):
    result = run_script(name, "--tiny", "--resume", "--progress", "false", "--output-dir", str(tmp_path / "none"))
    check(result, name, "no checkpoint", str(tmp_path / "none"))
    assert not (tmp_path / "none" / "run_config.json").exists()  # no trace of a run that never started


def test_missing_corpus_and_missing_text_files(tmp_path, monkeypatch):
    monkeypatch.setenv("TEXTAE_OFFLINE", "1")
    check(run_script("train_rae.py", "--tiny", "--data-dir", str(tmp_path / "nothing")), "train_rae.py",
          "sst corpus is not available", str(tmp_path / "nothing"))
    check(run_script("train_vae.py", "--tiny", "--train-file", str(tmp_path / "a.txt"), "--dev-file",
                     str(tmp_path / "a.txt"), "--test-file", str(tmp_path / "a.txt")), "train_vae.py", "no text corpus")
    (tmp_path / "empty.txt").write_text("\n\n")
    check(run_script("train_vae.py", "--tiny", "--train-file", str(tmp_path / "empty.txt"), "--dev-file",
                     str(tmp_path / "empty.txt"), "--test-file", str(tmp_path / "empty.txt")), "train_vae.py",
          "has no sentence")
    check(run_script("train_word_vectors.py", "--corpora", "--text-file", str(tmp_path / "empty.txt"),
                     "--output", str(tmp_path / "v.txt")), "train_word_vectors.py", "has no sentence")
    check(run_script("train_word_vectors.py", "--corpora", "--text-file", str(tmp_path / "missing.txt"),
                     "--output", str(tmp_path / "v.txt")), "train_word_vectors.py", "missing.txt")


def test_a_device_that_is_not_here(tmp_path, data_dir):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    result = run_script("train_rae.py", "--tiny", "--device", "cuda", "--output-dir", str(tmp_path / "run"))
    check(result, "train_rae.py", "CUDA is not available")


def test_unknown_early_stopping_metric_is_refused_before_training(tmp_path, data_dir):
    result = run_script("train_rae.py", "--tiny", "--early-stopping-metric", "rootacc", "--progress", "false",
                        "--output-dir", str(tmp_path / "run"))
    check(result, "train_rae.py", "'rootacc'", "root_fine_acc")
    assert not (tmp_path / "run" / "metrics.jsonl").exists() or '"train"' not in (tmp_path / "run" / "metrics.jsonl").read_text()


def test_a_text_corpus_that_is_not_utf8_is_named(tmp_path):
    (tmp_path / "latin1.txt").write_bytes("caf\xe9 au lait\n".encode("latin-1"))
    (tmp_path / "ok.txt").write_text("a b c\n")
    check(run_script("train_vae.py", "--tiny", "--train-file", str(tmp_path / "latin1.txt"), "--dev-file",
                     str(tmp_path / "ok.txt"), "--test-file", str(tmp_path / "ok.txt"), "--output-dir", str(tmp_path / "r")),
          "train_vae.py", "latin1.txt is not UTF-8: byte 0xe9 near byte offset 3")
    check(run_script("train_word_vectors.py", "--corpora", "--text-file", str(tmp_path / "latin1.txt"),
                     "--output", str(tmp_path / "v.txt")), "train_word_vectors.py", "is not UTF-8")


def test_a_damaged_vocabulary_in_a_model_folder_is_named(tmp_path, data_dir):
    import shutil

    output = tmp_path / "run"
    assert run_script("train_vae.py", "--tiny", "--dry-run", "--progress", "false", "--output-dir", str(output)).returncode == 0
    damaged = tmp_path / "model"
    shutil.copytree(output / "model", damaged)
    (damaged / "vocab.json").write_text("{")
    check(run_script("interpolate.py", "--checkpoint", str(damaged), "a b", "c d"), "interpolate.py",
          "cannot read vocabulary", "vocab.json")


def test_resuming_with_another_model_is_refused_and_keeps_the_runs_record(tmp_path, data_dir):
    import json

    output = tmp_path / "run"
    first = run_script("train_vae.py", "--tiny", "--max-steps", "2", "--eval-splits", "", "--progress", "false",
                       "--output-dir", str(output))
    assert first.returncode == 0, first.stderr
    record = (output / "run_config.json").read_text()
    check(run_script("train_vae.py", "--tiny", "--model", "lstm_lm", "--resume", "--output-dir", str(output)),
          "train_vae.py", "trained sentence_vae", "resume with --model sentence_vae")
    check(run_script("train_vae.py", "--tiny", "--hidden-size", "24", "--decoder-dropout", "0.25", "--resume",
                     "--output-dir", str(output)),
          "train_vae.py", "hidden_size 16 (now 24)", "decoder_dropout 0.0 (now 0.25)", "the settings the run was started with")
    assert (output / "run_config.json").read_text() == record  # the refused commands left no trace
    resumed = run_script("train_vae.py", "--tiny", "--max-steps", "3", "--eval-splits", "", "--progress", "false",
                         "--resume", "--output-dir", str(output))
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads((output / "run_config.json").read_text())["previous_commands"] == [json.loads(record)["command"]]


def test_flags_that_do_not_fit_together_exit_with_status_2(tmp_path, data_dir):
    check(run_script("train_vae.py", "--tiny", "--train-file", str(tmp_path / "a.txt")), "train_vae.py",
          "give all three of --train-file, --dev-file and --test-file")
    for script in ("train_mlm.py", "train_acceptability.py"):  # one reader of the three files for all of them
        check(run_script(script, "--tiny", "--dev-file", str(tmp_path / "a.txt")), script,
              "give all three of --train-file, --dev-file and --test-file")
        files = [flag for split in ("train", "dev", "test") for flag in (f"--{split}-file", str(tmp_path / f"{split}.txt"))]
        check(run_script(script, "--tiny", *files), script, f"no text corpus at {tmp_path / 'train.txt'}")
    check(run_script("train_vae.py", "--tiny", "--eval-only", "--output-dir", str(tmp_path / "none")), "train_vae.py",
          "--eval-only needs a trained model")
    check(run_script("train_parser.py", "--ptb-sample", "--add-wsj-sample", "true", "--output-dir", str(tmp_path / "p")),
          "train_parser.py", "it needs --sst")


def test_an_unknown_eval_split_is_refused_before_training(tmp_path, data_dir):
    result = run_script("train_vae.py", "--tiny", "--eval-splits", "dev,train", "--output-dir", str(tmp_path / "run"))
    assert result.returncode == 2 and "train" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "run").exists()


def test_an_output_folder_that_is_a_file_or_cannot_be_made_is_named(tmp_path, data_dir):
    (tmp_path / "file").write_text("")
    for name in ("train_vae.py", "train_mlm.py", "train_rae.py", "train_acceptability.py"):
        check(run_script(name, "--tiny", "--dry-run", "--progress", "false", "--output-dir", str(tmp_path / "file")),
              name, f"--output-dir: {tmp_path / 'file'} is a file, not a folder")
    check(run_script("train_rae.py", "--tiny", "--dry-run", "--progress", "false", "--output-dir",
                     str(tmp_path / "file" / "run")), "train_rae.py", "cannot create the folder")
    (tmp_path / "a.txt").write_text("the cat sat\nthe dog ran\n")
    check(run_script("train_word_vectors.py", "--corpora", "--text-file", str(tmp_path / "a.txt"), "--output",
                     str(tmp_path / "file" / "v.txt")), "train_word_vectors.py", "is a file, not a folder")
    check(run_script("train_word_vectors.py", "--corpora", "--text-file", str(tmp_path / "a.txt"), "--min-count", "3",
                     "--output", str(tmp_path / "v.txt")), "train_word_vectors.py",
          "no word occurs 3 times", "the most frequent occurs 2 times")
    assert not (tmp_path / "v.txt").exists()


def test_a_parser_folder_given_where_a_textae_model_goes_is_named(tmp_path, data_dir):
    run = tmp_path / "parser"
    trained = run_script("train_parser.py", "--tiny", "--dry-run", "--progress", "false", "--max-tokens", "10",
                         "--output-dir", str(run))
    # a --max-tokens shorter than some test sentences: the report is still written (it was a
    # ParseInputError while timing the parser)
    assert trained.returncode == 0, trained.stderr
    assert "test sentences are longer than --max-tokens 10" in trained.stdout
    report = json.loads((run / "test_report.json").read_text())
    assert 0 < report["test_sentences_timed"] and report["test_sentences_per_second"] > 0
    check(run_script("classify.py", "--checkpoint", str(run / "model"), input="a fine film\n"), "classify.py",
          "holds a chart parser", "parse.py --model")
    check(run_script("train_vae.py", "--tiny", "--eval-only", "--output-dir", str(run)), "train_vae.py", "vocab.json")


def test_a_checkpoint_folder_given_as_a_model_points_to_the_runs_model(tmp_path, data_dir):
    output = tmp_path / "run"
    assert run_script("train_vae.py", "--tiny", "--max-steps", "2", "--eval-splits", "", "--progress", "false",
                      "--output-dir", str(output)).returncode == 0
    step = next((output / "checkpoints").glob("step-*"))
    for folder in (step, output / "checkpoints"):
        check(run_script("sample.py", "--checkpoint", str(folder)), "sample.py",
              f"did you mean --checkpoint {output / 'model'}?")
    result = run_script("sample.py", "--checkpoint", str(output / "model"), "--decode", "beam", "--clause-parser",
                        str(output))
    assert result.returncode == 2 and result.stderr.count("did you mean") == 1, result.stderr
    assert f"did you mean --clause-parser {output / 'model'}?" in result.stderr


def test_a_select_rate_that_masks_nothing_is_named(tmp_path, data_dir):
    check(run_script("train_mlm.py", "--tiny", "--dry-run", "--progress", "false", "--select-rate", "1e-9",
                     "--output-dir", str(tmp_path / "run")), "train_mlm.py", "held nothing to score", "--select-rate")


@pytest.mark.parametrize("name", ["train_rae.py", "train_parser.py", "train_vae.py", "train_mlm.py", "train_paraphrase.py",
                                  "train_acceptability.py"])
def test_a_new_run_never_silently_replaces_an_earlier_one(name, tmp_path, data_dir):
    (tmp_path / "run_config.json").write_text("{}")
    (tmp_path / "checkpoints").mkdir()
    result = run_script(name, "--tiny", "--dry-run", "--progress", "false", "--output-dir", str(tmp_path))
    check(result, name, f"--output-dir {tmp_path} already holds a run (run_config.json, checkpoints): continue it "
                        "with --resume, start it again with --overwrite")
    assert (tmp_path / "run_config.json").read_text() == "{}"  # untouched


def test_overwrite_starts_the_run_again(tmp_path, data_dir):
    (tmp_path / "checkpoints" / "step-99999999").mkdir(parents=True)
    (tmp_path / "test_report.json").write_text("{}")
    result = run_script("train_rae.py", "--tiny", "--dry-run", "--progress", "false", "--no-logreg", "--output-dir",
                        str(tmp_path), "--overwrite")
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "checkpoints" / "step-99999999").exists()  # the earlier run's files went first
    assert json.loads((tmp_path / "test_report.json").read_text())  # the new run's report
    check(run_script("train_rae.py", "--tiny", "--resume", "--overwrite", "--output-dir", str(tmp_path)),
          "train_rae.py", "--resume continues the run in --output-dir and --overwrite starts it again: give one")


def test_resuming_another_program_s_run_names_the_program_that_made_it(rae_model):
    run = rae_model.parent
    before = (run / "run_config.json").read_text()
    check(run_script("train_vae.py", "--tiny", "--resume", "--progress", "false", "--output-dir", str(run)),
          "train_vae.py", f"the run in {run} was made by train_rae.py (run_config.json): resume it with train_rae.py "
                          "--resume, or give this program another --output-dir")
    assert (run / "run_config.json").read_text() == before


@pytest.mark.parametrize("name, flags, message", [
    ("train_rae.py", ["--num-layers", "2"], "--num-layers is a flag of --model deep_recursive, not of "
                                            "semi_supervised_rae: add --model deep_recursive"),
    ("train_rae.py", ["--model", "rae", "--leaf-mask-rate", "0.2"], "--leaf-mask-rate is a flag of --model denoising_rae"),
    ("train_vae.py", ["--input-mask-rate=0.15"], "--input-mask-rate is a flag of --model sentence_ae, not of sentence_vae"),
    ("train_vae.py", ["--no-such-flag", "3"], "unrecognized arguments: --no-such-flag 3"),
])
def test_another_model_s_flag_names_that_model(name, flags, message):
    check(run_script(name, "--tiny", "--dry-run", *flags), name, message)


def test_a_min_freq_that_leaves_no_word_is_refused(tmp_path, data_dir):
    check(run_script("train_vae.py", "--tiny", "--dry-run", "--min-freq", "100000", "--output-dir", str(tmp_path)),
          "train_vae.py", "--min-freq 100000: no training word is seen that often, so every word would be <unk>")
