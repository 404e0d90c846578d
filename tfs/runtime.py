"""Where code runs: device choice, seeding, and whether the autograder is running it."""

import os
import random

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
