"""Every chapter's hidden tests catch real mistakes, proven by the course's own grading pipeline.

For each chapter in solutions/ (discovered), one class of submissions is graded with
`autograder.grade` (nbgrader's Autograde, each notebook in the sandbox): the solution, the
untouched student notebook, one submission per mutant in tests/mutants/<chapter>.py and the honest
variants of tests/variants/<chapter>.py. The solution and every variant must score full marks, the
untouched notebook zero, and every mutant must lose points.
A mutant marked `visible_passes` must also keep full marks when graded against the student
notebook's visible tests alone, which shows what the hidden tests add.
"""

from collections import Counter

import nbformat
import pytest

from autograder.course import ROOT
from tests.chapters import CHAPTERS, by_chapter, failing, mutants, solution_cells, variant_submission, variants
from tests.mutants import solution_with


@pytest.mark.parametrize("chapter", [by_chapter(c) for c in CHAPTERS])
def test_solution_scores_full_marks(chapters, chapter):
    result = chapters(chapter).hidden()["solution"]
    assert result.status == "graded", result.message
    assert result.max_score > 0 and result.score == result.max_score, f"the solution fails {failing(result)}"
    assert not result.flags, result.flags


@pytest.mark.parametrize("chapter", [by_chapter(c) for c in CHAPTERS])
def test_untouched_student_notebook_scores_zero(chapters, chapter):
    result = chapters(chapter).hidden()["untouched"]
    assert result.max_score > 0 and result.score == 0, f"an empty notebook scores {result.score}: {result.cells}"


def named_cells(chapter, found, kind):
    """The chapter's solution cells and how many of `found` (mutants or variants) replace each; names checked."""
    cells = solution_cells(nbformat.read(ROOT / "solutions" / chapter / f"{chapter}.ipynb", as_version=4))
    assert len({f.name for f in found}) == len(found), f"{kind} names must be unique"
    assert not {f.cell for f in found} - set(cells), f"a {kind} names a cell that is not a solution cell"
    return cells, Counter(f.cell for f in found)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_exercise_has_enough_mutants(chapter):
    found = mutants(chapter)
    cells, count = named_cells(chapter, found, "mutant")
    assert not {m.name for m in found} & {"solution", "untouched"}, "'solution' and 'untouched' are taken"
    hidden_only = {m.cell for m in found if m.visible_passes}
    for grade_id in cells:
        if grade_id.startswith("answer_"):  # a concept check: one wrong answer is enough
            assert count[grade_id] >= 1, f"no mutant answers {grade_id} wrongly"
        else:
            assert count[grade_id] >= 3, f"{grade_id} has {count[grade_id]} mutants; at least 3 are needed"
            assert grade_id in hidden_only, f"{grade_id} has no mutant that passes the visible tests"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_exercise_has_enough_variants(chapter):
    """Two correct alternatives per exercise (concept checks excepted), each differing from the solution."""
    found = variants(chapter)
    cells, count = named_cells(chapter, found, "variant")
    for variant in found:
        assert variant.source.strip() != solution_with(chapter, variant.cell).strip(), \
            f"variant {variant.name} is the solution itself"
    for grade_id in cells:
        if not grade_id.startswith("answer_"):
            assert count[grade_id] >= 2, f"{grade_id} has {count[grade_id]} honest variants; at least 2 are needed"


@pytest.mark.parametrize("chapter, mutant", [by_chapter(c, m, id=f"{c}-{m.name}") for c in CHAPTERS
                                             for m in mutants(c)])
def test_mutant_loses_points(chapters, chapter, mutant):
    result = chapters(chapter).hidden()[mutant.name]
    assert result.score < result.max_score, f"mutant {mutant.name} keeps full marks: the tests do not catch it"


@pytest.mark.parametrize("chapter, mutant", [by_chapter(c, m, id=f"{c}-{m.name}") for c in CHAPTERS
                                             for m in mutants(c) if m.visible_passes])
def test_mutant_passes_the_visible_tests(chapters, chapter, mutant):
    """Graded against the released notebook's tests alone, the mutant keeps full marks: only hidden tests catch it."""
    result = chapters(chapter).visible()[mutant.name]
    assert result.status == "graded", result.message
    assert result.score == result.max_score, \
        f"mutant {mutant.name} fails visible tests {failing(result)}; mark it visible_passes=False"


@pytest.mark.parametrize("chapter, variant", [by_chapter(c, v, id=f"{c}-{v.name}") for c in CHAPTERS
                                              for v in variants(c)])
def test_variant_keeps_full_marks(chapters, chapter, variant):
    """A correct alternative solution, graded with the other variants of its submission, loses nothing."""
    name = variant_submission(chapter, variant)
    result = chapters(chapter).hidden()[name]
    assert result.status == "graded", result.message
    assert result.score == result.max_score, \
        f"{name} (holding {variant.name}) fails {failing(result)}: a hidden test rejects correct code"
    assert not result.flags, f"{name} is flagged {result.flags}"
