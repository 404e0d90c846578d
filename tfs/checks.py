"""Assertions for visible tests whose failure messages say what is probably wrong."""

import torch


def assert_shape(actual: torch.Tensor, shape: tuple[int, ...], what: str) -> None:
    """Fail with `what` and both shapes when `actual` does not have `shape`."""
    assert isinstance(actual, torch.Tensor), f"{what}: expected a torch.Tensor, got {type(actual).__name__}"
    assert tuple(actual.shape) == tuple(shape), f"{what}: expected shape {tuple(shape)}, got {tuple(actual.shape)}"


def assert_close(actual, expected, hint: str, atol: float = 1e-5, rtol: float = 1e-4) -> None:
    """Fail with `hint` and the largest difference when `actual` is not close to `expected`."""
    actual = torch.as_tensor(actual)
    expected = torch.as_tensor(expected)
    assert actual.shape == expected.shape, f"{hint} (shape {tuple(actual.shape)}, expected {tuple(expected.shape)})"
    if not torch.allclose(actual.double(), expected.double(), atol=atol, rtol=rtol, equal_nan=False):
        worst = (actual.double() - expected.double()).abs().nan_to_num(float("inf")).max().item()
        raise AssertionError(f"{hint} (largest difference {worst:.3g})")
