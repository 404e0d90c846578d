"""Concept checks measure understanding: the right option cannot be picked by its look alone.

A multiple-choice check is the markdown cell above an `answer_*` solution cell, its options written
`- **a.** text` (a line may continue on the next, indented); its key is the letter the solution
cell assigns. Across the course the keyed option is the longest in at most a third of the checks,
never more than 1.5 times longer than every other option, keys are spread over the letters, and
every chapter also asks for at least one number or snippet output.
"""

import re
from collections import Counter

import nbformat
import pytest

from autograder.course import ROOT
from tests.chapters import CHAPTERS

OPTION = re.compile(r"^- \*\*([a-e])\.\*\* (.+(?:\n {2,}.+)*)", re.M)
KEY = re.compile(r'^answer_\w+ = "([a-e])"', re.M)


def concept_checks(chapter):
    """[(grade_id, key or None for a number, {letter: option text})] of a chapter's solution notebook."""
    cells = nbformat.read(ROOT / "solutions" / chapter / f"{chapter}.ipynb", as_version=4).cells
    found = []
    for above, cell in zip(cells, cells[1:]):
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        if grade_id.startswith("answer_") and cell.metadata["nbgrader"].get("solution"):
            key = KEY.search(cell.source)
            options = {letter: " ".join(text.split()) for letter, text in OPTION.findall(above.source)}
            found.append((f"{chapter}:{grade_id}", key and key.group(1), options))
    return found


CHECKS = [check for chapter in CHAPTERS for check in concept_checks(chapter)]
CHOICES = [(name, key, options) for name, key, options in CHECKS if key]


def test_options_are_found():
    assert len(CHOICES) >= 10, f"only {len(CHOICES)} multiple-choice checks found: has their format changed?"
    for name, key, options in CHOICES:
        assert len(options) >= 3 and key in options, f"{name}: options {sorted(options)} and key {key!r}"


def test_the_key_is_rarely_the_longest_option():
    longest = [name for name, key, options in CHOICES
               if len(options[key]) >= max(len(text) for letter, text in options.items() if letter != key)]
    assert len(longest) <= len(CHOICES) / 3, f"the key is the longest option in {len(longest)} of {len(CHOICES)}: {longest}"


@pytest.mark.parametrize("name, key, options", CHOICES, ids=[name for name, _, _ in CHOICES])
def test_the_key_is_not_much_longer_than_every_other_option(name, key, options):
    others = max(len(text) for letter, text in options.items() if letter != key)
    assert len(options[key]) <= 1.5 * others, f"the key is {len(options[key])} characters, the longest other {others}"


def test_keys_are_spread_over_the_letters():
    keys = Counter(key for _, key, _ in CHOICES)
    letters = {letter for _, _, options in CHOICES for letter in options}
    assert max(keys.values()) <= 0.4 * len(CHOICES), f"keys {dict(keys)}: one letter answers too many checks"
    assert len(keys) == len(letters), f"keys {dict(keys)}: some option letter is never the answer"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_chapter_asks_for_a_number_or_an_output(chapter):
    assert any(key is None for _, key, _ in concept_checks(chapter)), \
        f"{chapter}'s concept checks are all multiple choice: ask for a number or a snippet's output too"
