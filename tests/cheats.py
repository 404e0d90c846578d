"""Cheats a hostile student would try, as code to paste into a solution cell (tests/test_judge.py)."""

import binascii

# Wraps every later cell in try/except, so that no test cell can fail in the student's kernel.
_HOOK = '''
import ast
class _Swallow(ast.NodeTransformer):
    def visit_Module(self, node):
        handler = ast.ExceptHandler(type=ast.Name("BaseException", ast.Load()), name=None, body=[ast.Pass()])
        return ast.fix_missing_locations(ast.Module([ast.Try(node.body, [handler], [], [])], []))
get_ipython().ast_transformers.append(_Swallow())
'''
ENCODED_HOOK = f"exec(bytes.fromhex({binascii.hexlify(_HOOK.encode()).decode()!r}).decode())\n"

# The setup cell's helpers rebound, so that every visible and hidden comparison passes.
REBOUND_HELPERS = "assert_close = assert_shape = lambda *args, **kwargs: None\n"

# torch's comparisons patched through vars(), out of the scanner's sight.
VARS_PATCH = ("vars(torch)['allclose'] = lambda *args, **kwargs: True\n"
              "vars(torch)['equal'] = lambda *args, **kwargs: True\n"
              "import tfs.checks\n"
              "vars(tfs.checks)['assert_close'] = lambda *args, **kwargs: None\n")


def armed_inside(function: str, source: str) -> str:
    """`source` (a solution cell defining `function`) whose function installs the hook on its first call."""
    body = "    " + ENCODED_HOOK.strip()[:-1] + ", globals())\n"  # the hook's names live in the notebook's globals
    return source.replace(f"def {function}(", f"def _{function}_inner(", 1) + (
        f"\n\ndef {function}(*args, **kwargs):\n{body}    return _{function}_inner(*args, **kwargs)\n")


def cheats(chapter) -> dict[str, tuple[object, str]]:
    """For chapter 3: {name: (submission, the submission it must not beat)}, graded in the chapter's class.

    Each cheat is a realistic wrong answer (a mutant) or the untouched notebook, plus the cheat; its
    baseline is the same notebook without the cheat. `duplicated-cells` is the solution with a solution
    cell and a test cell pasted twice, as JupyterLab's copy and paste does: it must be graded like the
    solution."""
    if chapter.id != "ch03_attention":
        return {}
    from tests.chapters import mutants, solution_cells

    wrong = {m.name: m for m in mutants(chapter.id)}
    stubs = {grade_id: cell.source for grade_id, cell in solution_cells(chapter.released).items()}

    def with_mutant(name, extra="", test_edit=None):
        mutant = wrong[name]
        nb = chapter.submission(**{mutant.cell: mutant.source + extra})
        if test_edit:
            next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == test_edit).source = "pass"
        return nb

    duplicated = chapter.submission()
    for grade_id in ("softmax", "test_softmax"):
        index = next(i for i, c in enumerate(duplicated.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
        copy = copy_cell(duplicated.cells[index])
        duplicated.cells.insert(index + 1, copy)
    return {
        "cheat-encoded-hook": (chapter.submission(**{**stubs, "softmax": ENCODED_HOOK}), "untouched"),
        "cheat-rebound-helpers": (with_mutant("weights_no_scaling", "\n" + REBOUND_HELPERS), "weights_no_scaling"),
        "cheat-vars-patch": (with_mutant("context_mean_instead_of_sum", "\n" + VARS_PATCH), "context_mean_instead_of_sum"),
        "cheat-armed-hook": (chapter.submission(softmax=armed_inside("softmax", wrong["softmax_global_max"].source)),
                             "softmax_global_max"),
        "cheat-tests-edited": (with_mutant("additive_tanh_missing", test_edit="test_additive_scores"),
                               "additive_tanh_missing"),
        "duplicated-cells": (duplicated, "solution"),
    }


def copy_cell(cell):
    """A cell pasted in JupyterLab: same source and metadata, a new id."""
    import copy
    import uuid

    pasted = copy.deepcopy(cell)
    pasted["id"] = uuid.uuid4().hex[:8]
    return pasted
