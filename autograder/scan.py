"""Flags an instructor should look at, found without running anything a student wrote.

`scan_code` reads the student's cells as syntax trees (the `ast` module parses, it never executes)
for tampering with the grading environment; `compare_cells` finds locked cells that were edited or
deleted and points changed in metadata (nbgrader restores those cells before grading, see
`OverwriteCells`, so they cost the student nothing but are worth a look).
"""

import ast

# Flags that mark a submission for review: it may try to change how it is graded (a hint: the judge decides).
TAMPERING = ("monkeypatch", "ipython-hooks", "sys-modules", "os-exit", "signals")
GUARDED_MODULES = ("torch", "numpy", "builtins", "IPython")
IPYTHON_HOOKS = ("ast_transformers", "input_transformers_cleanup", "input_transformers_post", "events",
                 "register_magic_function", "set_custom_exc", "showtraceback", "run_cell")


def scan_code(sources: list[str]) -> list[str]:
    """Tampering flags found in the given cell sources (IPython magics and shell lines are skipped)."""
    visitor = _Scanner()
    for source in sources:
        try:
            tree = ast.parse(_without_magics(source))
        except SyntaxError:
            continue
        visitor.visit(tree)
    return sorted(visitor.flags)


def _without_magics(source: str) -> str:
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())


class _Scanner(ast.NodeVisitor):
    def __init__(self):
        self.flags: set[str] = set()
        self.guarded = {"builtins", "__builtins__", "get_ipython"}  # names bound to a guarded module or object

    def visit_Import(self, node):
        for alias in node.names:
            if alias.name.split(".")[0] in GUARDED_MODULES:
                self.guarded.add((alias.asname or alias.name).split(".")[0])
            if alias.name == "signal":
                self.flags.add("signals")

    def visit_ImportFrom(self, node):
        root = (node.module or "").split(".")[0]
        if root in GUARDED_MODULES:
            self.guarded.update(a.asname or a.name for a in node.names)
        if root == "signal":
            self.flags.add("signals")
        if root == "os" and any(a.name == "_exit" for a in node.names):
            self.flags.add("os-exit")

    def visit_Assign(self, node):
        for target in node.targets:
            self._check_target(target)
        self.generic_visit(node)

    def visit_AugAssign(self, node):
        self._check_target(node.target)
        self.generic_visit(node)

    def visit_Delete(self, node):
        for target in node.targets:
            self._check_target(target)
        self.generic_visit(node)

    def _check_target(self, target):
        if isinstance(target, ast.Attribute) and _root_name(target) in self.guarded:
            self.flags.add("monkeypatch")
        if isinstance(target, ast.Subscript) and _dotted(target.value) == "sys.modules":
            self.flags.add("sys-modules")

    def visit_Call(self, node):
        name = _dotted(node.func)
        if name in ("setattr", "delattr") and node.args and _root_name(node.args[0]) in self.guarded:
            self.flags.add("monkeypatch")
        if name == "os._exit":
            self.flags.add("os-exit")
        self.generic_visit(node)

    def visit_Attribute(self, node):
        if node.attr in IPYTHON_HOOKS and _root_name(node) in ("get_ipython", "IPython", "ip", "shell"):
            self.flags.add("ipython-hooks")
        if _dotted(node) == "sys.modules":
            self.flags.add("sys-modules")
        if _dotted(node).startswith("signal."):
            self.flags.add("signals")
        self.generic_visit(node)


def _root_name(node) -> str:
    """`torch` for `torch.nn.functional.relu`, `get_ipython` for `get_ipython().events`."""
    while isinstance(node, (ast.Attribute, ast.Call, ast.Subscript)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else ""


def _dotted(node) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return ".".join(reversed(parts))


def compare_cells(submitted: list[dict], released: list[dict]) -> list[str]:
    """Flags for locked cells deleted or edited, and points changed, against the released notebook."""
    def locked(cells):
        return {c["metadata"]["nbgrader"]["grade_id"]: c for c in cells
                if c.get("metadata", {}).get("nbgrader", {}).get("locked") and
                c["metadata"]["nbgrader"].get("grade_id")}

    mine, theirs = {}, locked(released)
    for cell in submitted:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id in theirs:
            mine[grade_id] = cell
    flags = set()
    for grade_id, original in theirs.items():
        cell = mine.get(grade_id)
        if cell is None:
            flags.add("cells-deleted")
        elif cell["source"].strip() != original["source"].strip():
            flags.add("tests-edited")
        elif cell["metadata"]["nbgrader"].get("points") != original["metadata"]["nbgrader"].get("points"):
            flags.add("points-edited")
    return sorted(flags)


def student_sources(submitted: list[dict], released: list[dict]) -> list[str]:
    """Sources of the submitted code cells that are not given code from the released notebook."""
    given = {c["source"].strip() for c in released if c["cell_type"] == "code"}
    return [c["source"] for c in submitted if c.get("cell_type") == "code" and c["source"].strip() not in given]
