"""fit() under data parallelism: two gloo processes on the CPU, as torchrun would start them."""

from __future__ import annotations

import json
import os
import socket

import torch
import torch.multiprocessing as mp

from tests.textae.helpers import random_treebank
from textae.models import SemiSupervisedRAE, SemiSupervisedRAEConfig
from textae.train import TrainConfig, fit, make_loader, set_seed
from textae.trees import TreeBatch, encode_tree
from textae.vocab import Vocab


def free_port() -> int:
    with socket.socket() as handle:
        handle.bind(("127.0.0.1", 0))
        return handle.getsockname()[1]


def worker(rank: int, world: int, port: int, output_dir: str) -> None:
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), WORLD_SIZE=str(world), RANK=str(rank),
                      LOCAL_RANK=str(rank))
    torch.set_num_threads(1)
    trees = random_treebank(5, 24, max_leaves=7)
    vocab = Vocab.build(tree.leaves() for tree in trees)
    encoded = [encode_tree(tree, vocab) for tree in trees]
    set_seed(0)
    model = SemiSupervisedRAE(SemiSupervisedRAEConfig(vocab_size=len(vocab), hidden_size=6))
    loader = make_loader(encoded[:20], 4, TreeBatch.collate, shuffle=True, seed=1)
    seen = []
    config = TrainConfig(output_dir=output_dir, max_epochs=2, optimizer="adam", learning_rate=0.01,
                         early_stopping_metric="root_fine_acc", early_stopping_mode="max", progress=False)
    result = fit(model, loader, make_loader(encoded[20:], 4, TreeBatch.collate), config,
                 on_step=lambda step, terms: seen.append(step))
    loader.batch_sampler.set_epoch(0)
    record = {"rank": rank, "steps": result.steps, "is_main": result.is_main, "batches": list(loader.batch_sampler),
              "weights": [float(p.detach().double().sum()) for p in model.parameters()]}
    with open(os.path.join(output_dir, f"rank{rank}.json"), "w") as handle:
        json.dump(record, handle)
    torch.distributed.destroy_process_group()


def test_two_processes_share_the_batches_and_end_with_the_same_weights(tmp_path):
    mp.spawn(worker, args=(2, free_port(), str(tmp_path)), nprocs=2, join=True)
    first, second = (json.loads((tmp_path / f"rank{r}.json").read_text()) for r in (0, 1))
    assert first["is_main"] and not second["is_main"]
    assert first["weights"] == second["weights"]  # averaged gradients keep the replicas identical
    assert first["steps"] == second["steps"] == 2 * 2  # 5 batches an epoch: 4 shared, 2 per process
    assert not set(map(tuple, first["batches"])) & set(map(tuple, second["batches"]))
    assert (tmp_path / "model" / "model.safetensors").is_file()  # written by rank 0
    assert (tmp_path / "checkpoints" / "latest").is_file()
    dev_lines = [line for line in (tmp_path / "metrics.jsonl").read_text().splitlines() if '"dev"' in line]
    assert len(dev_lines) == 2  # rank 0 alone evaluates and logs, once per epoch
