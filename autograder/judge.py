"""The judge: decides each test cell's points in a process that never runs anything a student wrote.

The grader starts it (`verdicts.Judge`) in a sandbox of its own, with the trusted cells only: the
setup and given cells of the released notebook and the test cells, hidden tests included, from the
gradebook. It reaches the student's functions, classes and answers through the channel to the agent
in the student's kernel (`channel.py`): every graded name is bound to what the agent sends, data or a
proxy, and the cells run here, in notebook order.

It reads its plan (JSON) on stdin and writes one JSON line per event on stdout (or, forked warm by
`serve`, both on a socket):
`{"cell", "passed", "ename", "evalue", "seconds"}` for each test cell, `{"interrupt": true}` when a
call into the student's code runs past the cell's time (the grader then interrupts the kernel),
`{"given", "ename", "evalue"}` when a trusted cell fails, and `{"done": true}` at the end.
"""

import builtins
import contextlib
import io
import json
import os
import resource
import select
import signal
import socket
import sys
import time
import traceback

from autograder.channel import GRACE, TESTS_MODULE, Peer, ProtocolError, connect


class CellTimeout(Exception):
    """A test cell ran past its time in the judge itself."""


def main() -> None:
    """One judge: the plan on stdin, the events on stdout."""
    judge(json.load(sys.stdin), sys.stdout)


def serve(control: str) -> None:
    """A warm start for judges: with torch and the helper imported once, fork one judge per connection to
    the socket `control`. A request is the plan as one JSON line; the events come back on the connection.
    A judge whose connection closes is killed; one judge runs at a time (a grading worker grades one
    notebook at a time)."""
    # Imported here once, for every judge: `student_copy`, the helper, and what autograd imports the first
    # time it runs through the channel's bridge (sympy, 0.4 s).
    import cloudpickle  # noqa: F401
    import tfs.checks  # noqa: F401
    import torch.fx.experimental.symbolic_shapes  # noqa: F401

    server = socket.socket(socket.AF_UNIX)
    server.bind(control)
    server.listen(1)
    print("ready", flush=True)
    while True:
        conn, _ = server.accept()
        with conn:
            line = conn.makefile("rb").readline()  # read here: after the fork, data waiting means a hang-up
            pid = os.fork()
            if pid == 0:
                server.close()
                code = 0
                try:
                    stream = conn.makefile("w", encoding="utf-8")
                    plan = json.loads(line)
                    resource.setrlimit(resource.RLIMIT_AS, (plan["memory_bytes"], plan["memory_bytes"]))
                    judge(plan, stream)
                except BaseException:  # noqa: BLE001 (the grader sees the judge's events end early)
                    traceback.print_exc()
                    code = 70
                os._exit(code)
            pidfd = os.pidfd_open(pid)
            ready, _, _ = select.select([pidfd, conn], [], [])
            if pidfd not in ready:
                os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            os.close(pidfd)


def judge(plan: dict, out) -> None:
    """Run the plan's cells against the agent at plan["socket"], writing one JSON line per event to `out`."""
    def emit(**event) -> None:
        out.write(json.dumps(event) + "\n")
        out.flush()

    namespace = {"__name__": TESTS_MODULE, "__builtins__": builtins}
    peer, unreachable = None, ""
    try:
        peer = Peer(connect(plan["socket"], plan["connect_timeout"]), judge=True)
        peer.on_deadline = lambda: emit(interrupt=True)
        peer.deadline = time.monotonic() + plan["cell_timeout"]
        namespace.update(peer.request("resolve", names=plan["names"]))
    except (ProtocolError, OSError) as error:
        unreachable = f"the grader could not reach the notebook's kernel: {error}"
    _install_copy(peer)
    for cell in plan["cells"]:
        if unreachable and cell["kind"] == "test":
            emit(cell=cell["id"], passed=False, ename="GraderError", evalue=unreachable, seconds=0.0)
            continue
        start = time.monotonic()
        error = run_cell(cell, namespace, peer, plan["cell_timeout"])
        seconds = round(time.monotonic() - start, 3)
        if cell["kind"] == "test":
            emit(cell=cell["id"], passed=error is None, ename=error[0] if error else "",
                 evalue=error[1] if error else "", seconds=seconds)
        else:
            if error:
                emit(given=cell["id"], ename=error[0], evalue=error[1])
            if peer is not None:  # the student's instances of given classes are instances of the judge's
                peer.classes.update({f"__main__:{v.__qualname__}": v for v in namespace.values()
                                     if isinstance(v, type) and v.__module__ == TESTS_MODULE})
    emit(done=True)


def run_cell(cell: dict, namespace: dict, peer: Peer | None, timeout: float) -> tuple[str, str] | None:
    """Run one trusted cell; None when it passes, else the error's name and message."""
    def expire(signum, frame):
        raise CellTimeout(f"the test ran longer than {timeout:g} s")

    if peer is not None:
        peer.deadline = time.monotonic() + timeout
    signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, timeout + 2 * GRACE)
    try:
        code = compile(cell["source"], f"<{cell['kind']} cell {cell['id']}>", "exec")
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            exec(code, namespace)
    except BaseException as error:  # noqa: BLE001 (every failure of a test is its verdict)
        if isinstance(error, (KeyboardInterrupt, SystemExit)):
            raise
        return type(error).__name__, str(error)[:2000]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    return None


def _install_copy(peer: Peer | None) -> None:
    """`tfs.checks.student_copy` copies objects into the student's kernel here (in a notebook it returns them)."""
    import tfs.checks

    def student_copy(*objects):
        if peer is None:
            raise ProtocolError("the notebook's kernel is not reachable")
        return peer.copy_to_student(*objects)

    tfs.checks.student_copy = student_copy


if __name__ == "__main__":
    serve(sys.argv[1]) if len(sys.argv) > 1 else main()
