"""Honest variants for ch06_masks: correct alternative solutions that must keep full marks."""

from tests.variants import Variant

VARIANTS: list[Variant] = []
