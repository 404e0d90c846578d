"""Mutants: realistic wrong solutions, one file per chapter (`tests/mutants/<chapter>.py`).

Each file defines `MUTANTS`, a list of `Mutant`. Under autograding every mutant must lose
points; one with `visible_passes=True` must also pass every visible test, which shows what
the hidden tests catch that the visible ones do not.
"""

from typing import NamedTuple


class Mutant(NamedTuple):
    name: str
    cell: str  # grade_id of the solution cell whose whole source `source` replaces
    source: str
    visible_passes: bool = False
