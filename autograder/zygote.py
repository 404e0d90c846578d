"""A warm start for sandboxed kernels: one process per grading worker that has imported ipykernel,
torch, matplotlib and what the judge's agent needs once, and forks a fresh kernel for each student.

It runs inside the worker's bubblewrap sandbox (see `sandbox.Zygote`), as root there, and is sent as
source code (`python -c`): the sandbox sees no file of the repository. It listens on a Unix socket
that only root may open. A request is one JSON line `[connection_file, AS, NPROC, FSIZE]`: the zygote
forks, the child sets those rlimits, becomes the worker's sandbox user and runs ipykernel. When the kernel exits, or
the requester hangs up (the grader stopping a notebook), every other process in the sandbox is
killed, /tmp and /dev/shm are emptied, and the exit status (128 + signal for a signal) is sent back.
An empty request is answered "idle" once that is done; the grader then empties the working folder
and the socket folder. A kernel therefore starts from the same clean state as a cold one, and the
next student finds no trace of the previous one (tests/test_sandbox.py).

Importing modules in the zygote is the point: a kernel that imports them again finds them loaded,
which saves about two seconds of CPU a notebook. No thread runs at fork time.
"""

import json
import os
import resource
import select
import shutil
import signal
import socket
import sys
import time
import traceback

UID = 65534  # the grading worker's sandbox user (argv), which the kernels become
# The last three for the judge's agent (verdicts.AGENT); torch imports symbolic_shapes (and sympy, 0.4 s)
# the first time autograd runs through the channel's bridge.
PRELOAD = ("ipykernel.kernelapp", "torch", "matplotlib.pyplot", "safetensors.torch", "cloudpickle",
           "torch.fx.experimental.symbolic_shapes", "torch._dynamo")  # the first op on `meta` imports dynamo: 1.5 s


def main(control: str, uid: str) -> None:
    global UID
    UID = int(uid)
    for name in PRELOAD:
        __import__(name)
    server = socket.socket(socket.AF_UNIX)
    server.bind(control)
    os.chmod(control, 0o600)
    server.listen(1)
    print("ready", flush=True)
    while True:
        conn, _ = server.accept()
        with conn:
            request = conn.makefile().readline()
            if not request.strip():
                _send(conn, "idle")
                continue
            pid = os.fork()
            if pid == 0:
                server.close()
                conn.close()
                _run_kernel(*json.loads(request))
            status = _wait(pid, conn)
            _kill_the_rest()
            _as_student(_empty_tmp)
            _send(conn, str(status))


def _run_kernel(connection_file: str, memory: str, processes: str, file_size: str) -> None:
    """In the forked child: limits, the sandbox user, then ipykernel; never returns."""
    try:
        for limit, value in ((resource.RLIMIT_AS, memory), (resource.RLIMIT_NPROC, processes),
                             (resource.RLIMIT_FSIZE, file_size)):
            resource.setrlimit(limit, (int(value), int(value)))
        _become_student()
        os.chdir("/submission")
        os.dup2(os.open(os.devnull, os.O_WRONLY), 1)  # stdout is the grader's pipe
        sys.argv = ["ipykernel_launcher", "-f", connection_file]
        from ipykernel import kernelapp
        kernelapp.launch_new_instance()
        code = 0
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    except BaseException:  # noqa: BLE001 (the kernel could not start: the grader reports a dead kernel)
        traceback.print_exc()
        code = 70
    os._exit(code)


def _wait(pid: int, conn: socket.socket) -> int:
    """The kernel's exit status; if the requester hangs up first, kill the kernel."""
    pidfd = os.pidfd_open(pid)
    ready, _, _ = select.select([pidfd, conn], [], [])
    if pidfd not in ready:
        os.kill(pid, signal.SIGKILL)
    os.close(pidfd)
    code = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    return 128 - code if code < 0 else code


def _kill_the_rest() -> None:
    """Kill every process in the sandbox but bubblewrap's init and this one, until none is left."""
    while True:
        try:
            os.kill(-1, signal.SIGKILL)
        except ProcessLookupError:
            return
        time.sleep(0.01)  # bubblewrap's init reaps them


def _as_student(work) -> None:
    """Run `work` in a child process that is the sandbox user, as the kernels are."""
    pid = os.fork()
    if pid == 0:
        try:
            _become_student()
            work()
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


def _become_student() -> None:
    if os.geteuid() == 0:
        os.setgroups([])
        os.setgid(UID)
        os.setuid(UID)


def _empty_tmp() -> None:
    """Remove what the kernel left in /tmp and /dev/shm (the sticky bit keeps the zygote's own files)."""
    def writable(function, path, _):
        os.chmod(os.path.dirname(path), 0o700)
        function(path)

    for folder in ("/tmp", "/dev/shm"):
        for entry in os.scandir(folder) if os.path.isdir(folder) else ():
            if entry.stat(follow_symlinks=False).st_uid == os.getuid():
                if entry.is_dir(follow_symlinks=False):
                    os.chmod(entry.path, 0o700)
                    shutil.rmtree(entry.path, onerror=writable)
                else:
                    os.unlink(entry.path)


def _send(conn: socket.socket, text: str) -> None:
    try:
        conn.sendall(f"{text}\n".encode())
    except OSError:
        pass


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
