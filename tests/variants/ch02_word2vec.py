"""Honest variants for ch02_word2vec: correct alternative solutions that must keep full marks."""

from tests.variants import Variant

VARIANTS: list[Variant] = []
