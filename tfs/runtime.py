"""Where code runs: device choice, mixed precision, seeding, and whether the autograder is running it."""

import os
import random
from dataclasses import dataclass

import numpy as np
import torch


def pick_device() -> torch.device:
    """CUDA when a GPU is present, else the CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def seed_everything(seed: int = 0) -> None:
    """Seed Python, NumPy and torch so that a notebook gives the same numbers on every run."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def under_autograder() -> bool:
    """True while nbgrader executes the notebook: "try it" cells then skip or shrink long work."""
    return "NBGRADER_EXECUTION" in os.environ


@dataclass
class Precision:
    """How a training step computes on a device: the autocast dtype (None: float32) and its gradient scaler.

    `mixed_precision(device)` picks it. Use it as

        precision = mixed_precision(device)
        with precision.autocast():
            loss = loss_fn(model(x), y)
        precision.step(loss, optimizer, model.parameters(), clip_norm=1.0)
    """
    device: torch.device
    dtype: torch.dtype | None

    def __post_init__(self):
        self.device = torch.device(self.device)
        # float16 has a narrow range: small gradients underflow to 0 unless the loss is scaled up first.
        self.scaled = self.dtype == torch.float16
        self.scaler = torch.amp.GradScaler(self.device.type, enabled=self.scaled)

    @property
    def name(self) -> str:
        return "float32" if self.dtype is None else str(self.dtype).removeprefix("torch.")

    def autocast(self):
        """The context in which the forward pass and the loss run."""
        return torch.autocast(self.device.type, dtype=self.dtype, enabled=self.dtype is not None)

    def step(self, loss: torch.Tensor, optimizer: torch.optim.Optimizer, parameters=None,
             clip_norm: float | None = None) -> None:
        """Backward pass, gradient clipping unless `clip_norm` is None or 0 (of the true, unscaled
        gradients), optimizer step.

        `parameters` (default: the optimizer's) are the ones clipped to a total norm of `clip_norm`.
        """
        optimizer.zero_grad()  # gradients set to None
        self.scaler.scale(loss).backward()
        if clip_norm:
            self.scaler.unscale_(optimizer)
            if parameters is None:
                parameters = [p for group in optimizer.param_groups for p in group["params"]]
            torch.nn.utils.clip_grad_norm_(list(parameters), clip_norm)
        self.scaler.step(optimizer)  # skipped when float16 gradients overflowed; the scale then shrinks
        self.scaler.update()


def has_native_bf16(device: torch.device | str) -> bool:
    """True for a CUDA GPU that computes in bfloat16 natively: compute capability 8.0 or newer
    (A100, H100, RTX 30xx and later). Older GPUs such as Colab's T4 (7.5) only emulate it, slowly."""
    gpu = torch.device(device)
    return gpu.type == "cuda" and torch.cuda.get_device_capability(gpu) >= (8, 0)


def mixed_precision(device: torch.device | str | None = None) -> Precision:
    """bfloat16 autocast on a GPU with native bf16; float16 autocast with a gradient scaler on an
    older GPU (a T4); float32 on the CPU, as everywhere else in the course."""
    chosen = pick_device() if device is None else torch.device(device)
    if chosen.type != "cuda":
        return Precision(chosen, None)
    return Precision(chosen, torch.bfloat16 if has_native_bf16(chosen) else torch.float16)
