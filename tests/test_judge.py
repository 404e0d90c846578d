"""The judge decides the points: cheats that forge a verdict inside the student's kernel gain nothing.

The cheats (tests/cheats.py) are graded in chapter 3's class (tests/chapters.py), beside the mutants
they start from, so that each is compared with the same notebook without its cheat.
"""

import pytest

from tests.chapters import by_chapter, failing
from tests.cheats import ENCODED_HOOK, cheats

CHAPTER = "ch03_attention"
NAMES = ["cheat-encoded-hook", "cheat-rebound-helpers", "cheat-vars-patch", "cheat-armed-hook", "cheat-tests-edited"]


@pytest.mark.parametrize("chapter, name", [by_chapter(CHAPTER, n, id=n) for n in NAMES])
def test_a_cheat_scores_no_more_than_its_notebook_without_it(chapters, chapter, name):
    opened = chapters(chapter)
    results = opened.hidden()
    baseline = cheats(opened)[name][1]
    cheat, honest = results[name], results[baseline]
    assert cheat.status == "graded", cheat.message
    assert cheat.score <= honest.score, f"{name} scores {cheat.score}, {baseline} without the cheat {honest.score}"


@pytest.mark.parametrize("chapter, name", [by_chapter(CHAPTER, n, id=n) for n in ["cheat-encoded-hook",
                                                                                   "cheat-armed-hook"]])
def test_a_verdict_forged_in_the_kernel_is_flagged(chapters, chapter, name):
    """The hooks make every test pass in the student's kernel; the judge fails them, which is a mismatch."""
    result = chapters(chapter).hidden()[name]
    assert "verdict-mismatch" in result.flags, result.flags
    assert "ipython-hooks" not in result.flags, "the hex-encoded hook is out of the scanner's sight"
    assert "bytes.fromhex" in ENCODED_HOOK


@pytest.mark.parametrize("chapter", [by_chapter(CHAPTER)])
def test_a_notebook_with_pasted_copies_of_graded_cells_is_graded(chapters, chapter):
    result = chapters(chapter).hidden()["duplicated-cells"]
    assert result.status == "graded", result.message
    assert result.score == result.max_score, f"the solution with pasted cells fails {failing(result)}"
    assert "verdict-mismatch" not in result.flags
