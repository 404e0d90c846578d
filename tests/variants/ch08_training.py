"""Honest variants for ch08_training: correct alternative solutions that must keep full marks."""

from tests.variants import Variant

VARIANTS: list[Variant] = []
