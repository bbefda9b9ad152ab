"""Two local CPU processes under torchrun train with DistributedDataParallel (gloo)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from convscope.training.config import TrainConfig
from convscope.training.run import train
from tests.training.helpers import needs_fashion_mnist

WORKER = Path(__file__).with_name("ddp_worker.py")
REPO = Path(__file__).resolve().parents[2]

pytestmark = [needs_fashion_mnist, pytest.mark.slow]


@pytest.fixture(scope="module")
def ddp_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("ddp")
    run_dir, weights_dir = root / "run", root / "weights"
    weights_dir.mkdir()
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    command = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc_per_node=2",
        str(WORKER),
        str(run_dir),
        str(weights_dir),
    ]
    done = subprocess.run(command, env=env, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return run_dir, weights_dir


def test_both_processes_end_with_identical_weights(ddp_run):
    _, weights_dir = ddp_run
    rank0, rank1 = load_file(weights_dir / "rank0.safetensors"), load_file(weights_dir / "rank1.safetensors")
    assert rank0.keys() == rank1.keys()
    assert all(torch.equal(rank0[k], rank1[k]) for k in rank0)
    assert torch.load(weights_dir / "rank0.pt")["world"] == 2


def test_only_rank_zero_wrote_one_run_folder_with_metrics_and_model(ddp_run):
    run_dir, _ = ddp_run
    rows = json.loads((run_dir / "metrics.json").read_text())["epochs"]
    assert [r["epoch"] for r in rows] == [1]
    meta = json.loads((run_dir / "model" / "model.json").read_text())
    assert meta["provenance"]["processes"] == 2
    assert not list(run_dir.glob("*.tmp"))


def test_two_processes_of_16_images_step_like_one_process_of_32(ddp_run, tmp_path):
    # DistributedSampler deals the shuffled order out in turn, so each DDP step
    # sees the same 32 images a single process sees with batch 32, and DDP
    # averages the two gradients: the weights must agree to float rounding.
    _, weights_dir = ddp_run
    single = train(
        TrainConfig(
            arch="tinyvgg", data="fashion-mnist",
            arch_options={"in_channels": 1, "input_size": 28, "filters": 4, "padding": 1},
            epochs=1, batch_size=32, optimizer="sgd", lr=0.05, schedule="constant",
            val_fraction=0.0, limit_train=320, limit_test=100, threads=1, seed=3,
        ),
        tmp_path / "single",
    )  # fmt: skip
    ddp = load_file(weights_dir / "rank0.safetensors")
    for key, value in single.module.state_dict().items():
        torch.testing.assert_close(ddp[key], value, atol=2e-5, rtol=1e-4)
    assert torch.load(weights_dir / "rank0.pt")["accuracy"] == pytest.approx(single.test.accuracy, abs=0.02)
