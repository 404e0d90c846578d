"""Chapter 8's training code beyond what the notebook's tests can check: bf16 mixed precision on the CPU,
and one DistributedDataParallel step (two processes, gloo) equal to one step of one process; and
`tfs.runtime.mixed_precision`, the precision that fits the GPU (bf16, or float16 with a gradient scaler).

The course's Transformer and train_epoch come from the solution notebook (benchmarks/solution_code.py).
"""

import math
import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
import torch

from benchmarks.solution_code import solution_namespace
from benchmarks.train import ddp_check
from tfs.numbers import copy_batches
from tfs.runtime import Precision, has_native_bf16, mixed_precision

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


# ---------------------------------------------------------------------------------------------
# tfs.runtime.mixed_precision: which precision fits the device (the GPU's capability mocked)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("capability, dtype, scaled", [((9, 0), torch.bfloat16, False),   # H100
                                                       ((8, 0), torch.bfloat16, False),   # A100
                                                       ((7, 5), torch.float16, True),     # T4 (Colab)
                                                       ((7, 0), torch.float16, True)])    # V100
def test_mixed_precision_fits_the_gpu(monkeypatch, capability, dtype, scaled):
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda device=None: capability)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a GradScaler for CUDA on a machine without it disables itself
        precision = mixed_precision("cuda")
    assert (precision.dtype, precision.scaled) == (dtype, scaled)
    assert has_native_bf16("cuda") == (dtype == torch.bfloat16)


def test_mixed_precision_on_the_cpu_is_float32():
    precision = mixed_precision("cpu")
    assert (precision.dtype, precision.scaled, precision.name) == (None, False, "float32")
    assert not has_native_bf16("cpu")
    with precision.autocast():
        assert (torch.ones(2, 2) @ torch.ones(2, 2)).dtype == torch.float32


@pytest.mark.parametrize("dtype", [None, torch.bfloat16, torch.float16])
def test_a_precision_trains_with_clipping(dtype):
    """The same steps, with float16's gradient scaler (on the CPU here): the loss falls, weights stay float32."""
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(8, 32), torch.nn.ReLU(), torch.nn.Linear(32, 4))
    x, y = torch.randn(64, 8), torch.randint(0, 4, (64,))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    precision = Precision("cpu", dtype)
    losses = []
    for _ in range(30):
        with precision.autocast():
            logits = model(x)
            loss = torch.nn.functional.cross_entropy(logits.float(), y)
        precision.step(loss, optimizer, clip_norm=1.0)
        losses.append(loss.item())
    assert logits.dtype == (dtype or torch.float32)
    assert precision.scaler.is_enabled() == (dtype == torch.float16)
    assert all(p.dtype == torch.float32 for p in model.parameters())
    assert losses[-1] < losses[0] - 0.3, losses


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU (benchmarks/gpu_check.sh runs it there)")
def test_mixed_precision_on_this_gpu(course):
    """On a real GPU: the precision chosen for it trains the course's model, weights in float32."""
    precision = mixed_precision("cuda")
    assert precision.dtype == (torch.bfloat16 if has_native_bf16("cuda") else torch.float16)
    model = tiny_model(course).cuda()
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    loss_fn = course["LabelSmoothingLoss"](VOCAB, smoothing=0.0)
    losses = []
    for src, labels in copy_batches(30, 16, 5, VOCAB, seed=0):
        src, labels = src.cuda(), labels.cuda()
        with precision.autocast():
            logits = model(src, course["shift_right"](labels, 1))
        loss = loss_fn(logits.float().flatten(0, 1), labels.flatten())
        precision.step(loss, optimizer, clip_norm=1.0)
        losses.append(loss.item())
    assert logits.dtype == precision.dtype and all(p.dtype == torch.float32 for p in model.parameters())
    assert losses[-1] < losses[0] - 0.2, losses


def test_gpu_check_script_runs_on_the_cpu(tmp_path):
    """benchmarks/gpu_check.sh --cpu: the GPU check's every step, a few training steps each, on the CPU."""
    done = subprocess.run([str(ROOT / "benchmarks" / "gpu_check.sh"), "--cpu"], cwd=ROOT, capture_output=True,
                          text=True, timeout=600, env=dict(os.environ, PYTHON=sys.executable, OUT=str(tmp_path)))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    summary = done.stdout.split("== summary", 1)[1]
    assert re.search(r"training: 2 steps on cpu, [\d.]+ steps/s, exact match [\d.]+%, BLEU [\d.]+", summary), summary
    for model in ("nn.Transformer", "course, eager", "course, SDPA"):
        assert re.search(rf"throughput: {model}: [\d,]+ tokens/s", summary), summary
    assert (tmp_path / "train.json").is_file()
