"""Chapter 8's training code beyond what the notebook's tests can check: bf16 mixed precision on the CPU,
and one DistributedDataParallel step (two processes, gloo) equal to one step of one process.

The course's Transformer and train_epoch come from the solution notebook (benchmarks/solution_code.py).
"""

import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from benchmarks.solution_code import solution_namespace
from benchmarks.train import ddp_check
from tfs.numbers import copy_batches

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
VOCAB = 11


@pytest.fixture(scope="module")
def course():
    return solution_namespace("ch08_training")


def tiny_model(course):
    torch.manual_seed(0)
    return course["Transformer"](VOCAB, VOCAB, d_model=32, n_heads=4, n_layers=1, d_ff=64, dropout=0.0)


def test_bf16_autocast_trains_on_the_cpu(course):
    model = tiny_model(course)
    logits_dtypes = []
    model.out.register_forward_hook(lambda module, args, out: logits_dtypes.append(out.dtype))
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    loss_fn = course["LabelSmoothingLoss"](VOCAB, smoothing=0.0)
    data = copy_batches(8, 16, 5, VOCAB, seed=0)
    losses = [course["train_epoch"](model, data, optimizer, loss_fn, autocast_dtype=torch.bfloat16)
              for _ in range(3)]
    assert set(logits_dtypes) == {torch.bfloat16}, "the forward pass runs under bf16 autocast"
    assert all(p.dtype == torch.float32 for p in model.parameters()), "the weights stay float32"
    assert all(math.isfinite(loss) for loss in losses) and losses[-1] < losses[0] - 0.2, losses


def test_bf16_loss_is_close_to_float32(course):
    model = tiny_model(course).eval()
    (src, labels), = copy_batches(1, 32, 6, VOCAB, seed=1)
    tgt_in = course["shift_right"](labels, 1)
    loss_fn = course["LabelSmoothingLoss"](VOCAB)
    with torch.no_grad():
        full = loss_fn(model(src, tgt_in).flatten(0, 1), labels.flatten())
        with torch.autocast("cpu", dtype=torch.bfloat16):
            logits = model(src, tgt_in)
        half = loss_fn(logits.float().flatten(0, 1), labels.flatten())
    assert logits.dtype == torch.bfloat16
    assert abs(full.item() - half.item()) < 0.05, (full.item(), half.item())


def run(command):
    env = dict(os.environ, OMP_NUM_THREADS="1")
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


def test_ddp_step_equals_one_process_step(course, tmp_path):
    one, two = tmp_path / "one.pt", tmp_path / "two.pt"
    script = str(ROOT / "benchmarks" / "train.py")
    ddp_check(course, one, rank=0, world=1, device=torch.device("cpu"))
    run([str(BIN / "torchrun"), "--standalone", "--nproc_per_node=2", script, "--ddp-check", str(two)])
    single, parallel = torch.load(one), torch.load(two)
    assert single.keys() == parallel.keys()
    for name in single:
        assert torch.allclose(single[name], parallel[name], atol=1e-5), f"{name} differs after one step"
    # and the step did something: the parameters moved from the initial ones
    torch.manual_seed(0)
    initial = course["Transformer"](VOCAB, VOCAB, d_model=32, n_heads=4, n_layers=2, d_ff=64,
                                    dropout=0.0).state_dict()
    assert single.keys() == initial.keys()
    assert max((single[name] - initial[name]).abs().max().item() for name in single) > 1e-3
