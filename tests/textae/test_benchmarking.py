"""textae.benchmarking: the results-file format and the merge of benchmark parts."""

from __future__ import annotations

import json

import textae.benchmarking as benchmarking


def test_a_part_rerun_replaces_only_its_own_keys(tmp_path, monkeypatch):
    monkeypatch.setattr(benchmarking, "RESULTS", tmp_path)
    prefixes = {"a": ("a_",), "b": ("b_", "shared_b_")}
    benchmarking.write_parts_result("demo", measured={"a": ({"a_x": 1.0, "a_y": 2.0}, [0, 1]),
                                                      "b": ({"b_x": 3.0, "shared_b_z": 4.0}, [5])},
                                    prefixes=prefixes, published={"paper": {"a_x": 9.0}}, notes="n.")
    benchmarking.write_parts_result("demo", measured={"a": ({"a_x": 10.0}, [2])}, prefixes=prefixes, published={})
    payload = json.loads((tmp_path / "demo.json").read_text())
    assert payload["metrics"] == {"a_x": 10.0, "b_x": 3.0, "shared_b_z": 4.0}  # a_y was a's and is gone
    assert payload["parts"]["a"]["seeds"] == [2] and payload["parts"]["b"]["seeds"] == [5]
    assert payload["seeds"] == [2, 5] and "see parts" in payload["command"]
    assert {"machine", "date", "command"} <= set(payload["parts"]["b"])


def test_machine_names_the_thread_count_in_good_english(monkeypatch):
    import torch

    monkeypatch.setattr(torch, "get_num_threads", lambda: 1)
    assert "with 1 thread," in benchmarking.machine()
    monkeypatch.setattr(torch, "get_num_threads", lambda: 2)
    assert "with 2 threads," in benchmarking.machine()


def test_cpu_name_gives_the_first_processors_model_with_its_family_and_model_numbers():
    text = ("processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 25\nmodel\t\t: 1\nmodel name\t: AMD EPYC\n\n"
            "processor\t: 1\ncpu family\t: 23\nmodel\t\t: 49\nmodel name\t: AMD EPYC 7B12\n")
    assert benchmarking.cpu_name(text) == "AMD EPYC, family 25 model 1"
    assert benchmarking.cpu_name("processor\t: 0\nmodel name\t: Some CPU\n") == "Some CPU"  # no numbers given
    assert benchmarking.cpu_name("processor\t: 0\nBogoMIPS\t: 50.00\n") == ""  # e.g. an ARM board's


def test_machine_says_whether_bfloat16_is_native(monkeypatch):
    import textae.train

    monkeypatch.setattr(textae.train, "native_bf16", lambda device: True)
    assert "with native bf16)" in benchmarking.machine()
    monkeypatch.setattr(textae.train, "native_bf16", lambda device: False)
    assert "without native bf16)" in benchmarking.machine()


def test_the_recorded_command_quotes_arguments_with_spaces(tmp_path, monkeypatch):
    import shlex
    import sys

    monkeypatch.setattr(benchmarking, "RESULTS", tmp_path)
    argv = ["benchmarks/demo.py", "--time-epoch-args", "--free-bits 0.2 --tie-output true", "--seeds", "0"]
    monkeypatch.setattr(sys, "argv", argv)
    benchmarking.write_result("demo", seeds=[0], metrics={"x": 1.0}, published={})
    command = json.loads((tmp_path / "demo.json").read_text())["command"]
    assert shlex.split(command) == ["python", *argv]  # pasted into a shell, it runs the same thing
    benchmarking.write_parts_result("parts", measured={"a": ({"a_x": 1.0}, [0])}, prefixes={"a": ("a_",)}, published={})
    assert shlex.split(json.loads((tmp_path / "parts.json").read_text())["parts"]["a"]["command"]) == ["python", *argv]
