"""Honest variants: correct alternative solutions, one file per chapter (`tests/variants/<chapter>.py`).

Each file defines `VARIANTS`, a list of `Variant`: a solution cell written another way, as a good
learner might (another formulation, another precision the statement allows), in full or as
the solution with edits (`tests.mutants.solution_with`). Under autograding every
variant must keep full marks, which proves that the hidden tests accept more than the reference.
The k-th variant of every cell goes into one submission, `variants-k`, graded beside the mutants.
"""

from collections import Counter
from typing import NamedTuple


class Variant(NamedTuple):
    name: str
    cell: str  # grade_id of the solution cell whose whole source `source` replaces
    source: str


def submissions(variants: list[Variant]) -> dict[str, list[Variant]]:
    """{"variants-1": the first variant of every cell, "variants-2": the second, ...}."""
    grouped, seen = {}, Counter()
    for variant in variants:
        seen[variant.cell] += 1
        grouped.setdefault(f"variants-{seen[variant.cell]}", []).append(variant)
    return grouped
