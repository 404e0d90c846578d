"""The concept checks cannot be answered without the concept: no tell in the options' length or letters.

A multiple-choice check is a solution cell `answer_<name> = "<letter>"` whose question (the markdown
cell above it) lists its options as `- **a.** text`. Across the course, the key is the longest option
in at most a third of the checks and never much longer than the longest distractor, no letter is the
key of more than 40% of the checks and every letter is used; each chapter also asks for a number.
"""

import re
from collections import Counter

import nbformat
import pytest

from autograder.course import ROOT
from tests.chapters import CHAPTERS

OPTION = re.compile(r"^- \*\*([a-z])\.\*\*\s*(.+)$", re.M)
KEY = re.compile(r"^answer_\w+\s*=\s*[\"']([a-z])[\"']\s*$", re.M)


def concept_checks(chapter):
    """(grade_id, key letter or None for a number, {letter: option text}) for each check of the chapter."""
    cells = nbformat.read(ROOT / "solutions" / chapter / f"{chapter}.ipynb", as_version=4).cells
    for above, cell in zip(cells, cells[1:]):
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        if grade_id.startswith("answer_") and cell.metadata.nbgrader.get("solution"):
            key = KEY.search(cell.source)
            yield grade_id, key and key.group(1), dict(OPTION.findall(above.source))


CHECKS = [(chapter, *check) for chapter in CHAPTERS for check in concept_checks(chapter)]
CHOICES = [(chapter, grade_id, key, options) for chapter, grade_id, key, options in CHECKS if key]


@pytest.mark.parametrize("chapter, grade_id, key, options", CHOICES, ids=[f"{c}-{g}" for c, g, _, _ in CHOICES])
def test_multiple_choice_is_well_formed(chapter, grade_id, key, options):
    assert len(options) >= 3, f"{grade_id} lists {len(options)} options (`- **a.** text`); at least 3 are needed"
    assert key in options, f"{grade_id}'s key {key!r} is not one of its options {sorted(options)}"
    longest_other = max(len(text) for letter, text in options.items() if letter != key)
    assert len(options[key]) <= 1.5 * longest_other, f"{grade_id}'s key is far longer than every distractor"


def test_the_key_is_rarely_the_longest_option():
    longest = [g for _, g, key, options in CHOICES if len(options[key]) >= max(map(len, options.values()))]
    assert len(longest) <= len(CHOICES) / 3, f"the key is the longest option in {longest}"


def test_keys_are_spread_over_the_letters():
    keys = Counter(key for _, _, key, _ in CHOICES)
    letters = {letter for _, _, _, options in CHOICES for letter in options}
    assert max(keys.values()) <= 0.4 * len(CHOICES), f"one letter is the key too often: {dict(keys)}"
    assert letters <= set(keys), f"letters never used as a key: {sorted(letters - set(keys))}"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_chapter_asks_for_a_number(chapter):
    assert any(key is None for c, _, key, _ in CHECKS if c == chapter), f"{chapter} has no numeric concept check"
