"""Trusted verdicts: the judge's run of each test cell decides its points, not the student's kernel.

- `judge_plan` writes, once per grading worker, what the judge may run: the released notebook's
  locked cells (setup and given code), the test cells with their hidden tests from the gradebook,
  and the names the solution cells define (the graded names the judge asks the agent for).
- `Judge` starts the judge (`judge.py`) for one notebook in a sandbox of its own, and collects its
  verdicts while the agent (`AGENT`) answers it from the student's kernel.
- `apply_verdicts` makes each test cell's outputs say the judge's verdict, so that nbgrader's own
  scoring, the gradebook, `grades.csv` and the feedback all carry it; the student's in-kernel
  outcome is kept in the report, to flag `verdict-mismatch`.
"""

import ast
import json
import queue
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat
from nbformat.v4 import new_output
from nbgrader.api import Gradebook

from jupyter_core.utils import run_sync
from traitlets import Unicode

from autograder.sandbox import SandboxExecute, bwrap_command, bwrap_path, kernel_environment

PACKAGE = Path(__file__).resolve().parent
CONNECT_SECONDS = 30.0  # for the agent to start listening once the notebook has run
# Runs in the student's kernel after the notebook: the channel's source, then the agent until the judge hangs up.
AGENT = """def _grader_agent(source, path, timeout):
    namespace = {"__name__": "_grader_channel"}
    exec(compile(source, "<grader channel>", "exec"), namespace)
    namespace["serve_student"](path, __import__("IPython").get_ipython().user_ns, timeout)
_grader_agent(%r, %r, %r)
del _grader_agent
"""
# Starts the judge (argv: AS, FSIZE) or, with a socket path as the third argument, the judges' warm start.
# It keeps its own user: it must never share one with students' kernels.
JUDGE = ("import resource, sys\n"
         "for name, value in zip(('RLIMIT_AS', 'RLIMIT_FSIZE'), sys.argv[1:3]):\n"
         "    resource.setrlimit(getattr(resource, name), (int(value), int(value)))\n"
         f"sys.path.insert(0, {str(PACKAGE.parent)!r})\n"
         "from autograder import judge\n"
         "judge.serve(sys.argv[3]) if len(sys.argv) > 3 else judge.main()\n")
FILE_BYTES = 256 * 2**20


def judge_command(memory_bytes: int, readable: tuple[str, ...], binds: dict | None = None, *extra: str) -> list[str]:
    """The judge's command line: sandboxed where bubblewrap is, as our own user without capabilities."""
    command = [sys.executable, "-I", "-c", JUDGE, str(memory_bytes), str(FILE_BYTES), *extra]
    if bwrap_path():
        return bwrap_command(command, binds or {}, caps=(), shell=False, readable=(str(PACKAGE), *readable))
    return command


class JudgeZygote:
    """A grading worker's warm start for judges (`judge.serve`), in a sandbox of its own that sees the
    worker's kernel socket folder `ipc` (read-only) and its control socket; used beside the kernel `Zygote`."""

    def __init__(self, ipc: Path, memory_bytes: int):
        self.folder = Path(tempfile.mkdtemp(prefix="tfs-judges-"))
        self.control = self.folder / "judges"
        command = judge_command(memory_bytes, (str(ipc),), {self.folder: str(self.folder)}, str(self.control))
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, env=kernel_environment(), cwd="/")
        if self.process.stdout.readline().strip() != b"ready":
            raise RuntimeError("the judges' warm start did not start")

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        self.process.kill()
        self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


def is_test(cell) -> bool:
    meta = cell.metadata.get("nbgrader", {})
    return cell.cell_type == "code" and bool(meta.get("grade")) and not meta.get("solution")


def judge_plan(released: nbformat.NotebookNode, source: nbformat.NotebookNode, db_url: str, assignment: str) -> dict:
    """The trusted cells in notebook order and the graded names, for every notebook of the assignment (whose
    notebook is `<assignment>.ipynb`)."""
    cells, given_names = [], set()
    with Gradebook(db_url) as gradebook:
        for cell in released.cells:
            meta = cell.metadata.get("nbgrader", {})
            if is_test(cell):
                stored = gradebook.find_source_cell(meta["grade_id"], assignment, assignment).source
                cells.append({"id": meta["grade_id"], "kind": "test", "source": stored})
            elif cell.cell_type == "code" and meta.get("locked") and not meta.get("solution"):
                cells.append({"id": meta.get("grade_id", ""), "kind": "given", "source": cell.source})
                given_names |= defined_names(cell.source)
    names = set()
    for cell in source.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("solution"):
            names |= defined_names(cell.source) | {meta["grade_id"]}
    return {"cells": cells, "names": sorted(names - given_names)}


def defined_names(source: str) -> set[str]:
    """The names a cell binds at its top level with functions, classes and assignments (never imports: a module
    the student imported is not graded, and the tests use the judge's own)."""
    try:
        tree = ast.parse("\n".join("" if line.lstrip().startswith(("%", "!")) else line
                                   for line in source.splitlines()))
    except SyntaxError:
        return set()
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                names |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
    return names


class Judge:
    """One notebook's judge, forked by the worker's `JudgeZygote` (its folder `warm`) or started cold, and the
    events it writes."""

    def __init__(self, plan: dict, socket_path: Path, cell_timeout: float, seconds: float, memory_bytes: int,
                 warm: str = ""):
        self.deadline = time.monotonic() + seconds
        self.events: queue.Queue = queue.Queue()
        self.process = self.connection = None
        plan = {**plan, "socket": str(socket_path), "connect_timeout": CONNECT_SECONDS, "cell_timeout": cell_timeout,
                "memory_bytes": memory_bytes}
        if warm:
            self.connection = socket.socket(socket.AF_UNIX)
            self.connection.connect(str(Path(warm) / "judges"))
            self.connection.sendall((json.dumps(plan) + "\n").encode())
            stream = self.connection.makefile("rb")
        else:
            self.process = subprocess.Popen(judge_command(memory_bytes, (str(socket_path.parent),)),
                                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                            env=kernel_environment(), cwd="/")
            self.process.stdin.write(json.dumps(plan).encode())
            self.process.stdin.close()
            stream = self.process.stdout
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream) -> None:
        for line in stream:
            try:
                self.events.put(json.loads(line))
            except ValueError:
                continue
        self.events.put(None)

    def verdicts(self, interrupt) -> tuple[dict[str, dict], list[dict]]:
        """Every test cell's verdict and the trusted cells that failed, calling `interrupt()` when the judge asks;
        returns when the judge is done."""
        found, given = {}, []
        while True:
            try:
                event = self.events.get(timeout=max(0.0, self.deadline - time.monotonic()))
            except queue.Empty:
                break
            if event is None or event.get("done"):
                break
            if event.get("interrupt"):
                interrupt()
            elif "cell" in event:
                found[str(event["cell"])] = event
            elif "given" in event:
                given.append(event)
        self.stop()
        return found, given

    def stop(self) -> None:
        if self.connection is not None:
            self.connection.close()
        if self.process is not None:
            if self.process.poll() is None:
                self.process.kill()
            self.process.wait()


def agent_source(socket_path: Path, seconds: float) -> str:
    return AGENT % ((PACKAGE / "channel.py").read_text(), str(socket_path), seconds)


def apply_verdicts(cells, verdicts: dict[str, dict], missing: str) -> dict[str, dict]:
    """Rewrite each test cell's outputs to carry the judge's verdict; return both outcomes per cell.

    The student's own outputs stay, but only the judge's verdict leaves an error: nbgrader then scores
    exactly what the judge decided (and a result the kernel printed can no longer claim partial credit).
    """
    outcomes = {}
    for cell in cells:
        if not is_test(cell):
            continue
        grade_id = cell.metadata.nbgrader["grade_id"]
        in_kernel = not any(o.output_type == "error" or (o.output_type == "stream" and o.name == "stderr")
                            for o in cell.outputs)
        verdict = verdicts.get(grade_id) or {"passed": False, "ename": "GraderError", "evalue": missing}
        kept = []
        for output in cell.outputs:
            if output.output_type == "execute_result":
                continue
            if output.output_type == "error" and verdict["passed"]:
                output = new_output("stream", name="stdout", text=f"(in your kernel: {output.ename}: {output.evalue})\n")
            elif output.output_type == "stream" and output.name == "stderr":
                output = new_output("stream", name="stdout", text=output.text)
            kept.append(output)
        if not verdict["passed"] and not any(o.output_type == "error" for o in kept):
            kept.append(new_output("error", ename=str(verdict.get("ename") or "AssertionError"),
                                   evalue=str(verdict.get("evalue", "")), traceback=[
                                       f"The grader's own run of this test failed: {verdict.get('ename')}: "
                                       f"{verdict.get('evalue', '')}"]))
        cell.outputs = kept
        outcomes[grade_id] = {"in_kernel": in_kernel, "judge": bool(verdict["passed"]),
                              "seconds": float(verdict.get("seconds", 0.0)),
                              "error": "" if verdict["passed"] else f"{verdict.get('ename')}: {verdict.get('evalue')}"}
    return outcomes


class JudgedExecute(SandboxExecute):
    """The sandboxed Execute, then the judge: after the notebook's last cell the agent starts in the kernel
    and the judge, in its own sandbox, runs the trusted cells against it; its verdicts replace the kernel's."""

    judge_plan = Unicode("", help="the judge's plan (`judge_plan`, JSON); empty: the kernel decides").tag(config=True)
    judge_report = Unicode("", help="file where both outcomes of each test cell are written").tag(config=True)
    judge_zygote = Unicode("", help="folder of the worker's running `JudgeZygote`; empty: start the judge cold").tag(
        config=True)

    def preprocess(self, nb, resources=None, km=None):
        self._judge = None
        try:
            return super().preprocess(nb, resources, km)
        finally:
            if self._judge is not None:
                self._judge.stop()

    def preprocess_cell(self, cell, resources, index):
        cell, resources = super().preprocess_cell(cell, resources, index)
        if self.judge_plan and index == len(self.nb.cells) - 1:
            self._judge_notebook()
        return cell, resources

    def _judge_notebook(self) -> None:
        start = time.monotonic()
        socket_path = Path(self.km.connection_file).parent / "grader-agent"
        plan = json.loads(Path(self.judge_plan).read_text())
        self._judge = Judge(plan, socket_path, self.timeout, self.km.notebook_seconds, self.km.memory_bytes,
                            self.judge_zygote)
        reply = self.kc.execute(agent_source(socket_path, CONNECT_SECONDS), silent=True, store_history=False)
        verdicts, given = self._judge.verdicts(interrupt=run_sync(self.km.interrupt_kernel))
        try:
            self.wait_for_reply(reply)  # the agent returns once the judge has hung up
        except Exception:  # noqa: BLE001 (a kernel that does not return is stopped with the notebook)
            pass
        missing = "the grader could not run this test against the notebook's kernel"
        outcomes = apply_verdicts(self.nb.cells, verdicts, missing)
        if self.judge_report:
            Path(self.judge_report).write_text(json.dumps(
                {"cells": outcomes, "given": given, "seconds": round(time.monotonic() - start, 3)}))
