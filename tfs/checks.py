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


def student_copy(*objects):
    """The objects themselves here; the grader's judge copies them into the learner's kernel instead.

    Hidden tests use it for objects that the learner's code must change in place (a model and its
    optimizer that `train_epoch` trains), so that those changes happen where the learner's code runs.
    """
    return objects[0] if len(objects) == 1 else objects
