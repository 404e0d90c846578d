"""Honest variants for ch07_encoder_decoder: correct alternative solutions that must keep full marks."""

from tests.variants import Variant

VARIANTS: list[Variant] = []
