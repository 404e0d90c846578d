"""Honest variants for ch01_tokens: correct alternative solutions that must keep full marks."""

from tests.variants import Variant

VARIANTS: list[Variant] = []
