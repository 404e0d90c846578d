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
    body = "    " + ENCODED_HOOK.strip() + "\n"
    return source.replace(f"def {function}(", f"def _{function}_inner(", 1) + (
        f"\n\ndef {function}(*args, **kwargs):\n{body}    return _{function}_inner(*args, **kwargs)\n")
