"""The student's kernel, run inside bubblewrap and driven by nbgrader's own Execute preprocessor.

`SandboxKernelManager` starts ipykernel in a sandbox with no network, a read-only view of the
system, Python and the helper package, a private /tmp, its own PID namespace, a writable folder
holding only copies of the submission's files, and limits on memory, processes, file size and
wall-clock time. `SandboxExecute` is nbgrader's `Execute` using it, with a cap on output size.
Both are plugged into nbgrader's `Autograde` through configuration (see `grade.autograde_settings`).

Where we are root, each grading worker keeps a `Zygote`: a sandboxed process with ipykernel, torch
and matplotlib imported, which forks the kernels instead of starting each cold (see `zygote.py`).

Where bubblewrap is missing (macOS), the kernel runs with the same rlimits only, and a loud warning
(`grade` refuses this as root).
"""

import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import warnings
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from nbformat.v4 import new_output
from traitlets import Float, Integer, Unicode

from nbgrader.preprocessors import Execute

HELPER_PACKAGES = ("tfs",)
# As root, each grading worker's kernels run as a user of their own (a number with no account): process
# limits count per user, so a fork storm in one worker's kernel cannot starve another worker's.
SANDBOX_UID_BASE = 2_000_000_000
TRUNCATED = "[output truncated by the grader]"
# Sets the rlimits, drops root for the worker's sandbox user, then becomes the kernel:
# argv = [python, -c, LIMITS, AS, NPROC, FSIZE, UID, kernel command...]
LIMITS = ("import os, resource, sys\n"
          "for name, value in zip(('RLIMIT_AS', 'RLIMIT_NPROC', 'RLIMIT_FSIZE'), sys.argv[1:4]):\n"
          "    resource.setrlimit(getattr(resource, name), (int(value), int(value)))\n"
          "if os.geteuid() == 0:\n"
          "    uid = int(sys.argv[4]); os.setgroups([]); os.setgid(uid); os.setuid(uid)\n"
          "os.execv(sys.argv[5], sys.argv[5:])\n")

# Asks the worker's zygote for a kernel and exits with the kernel's status; killing it stops the kernel:
# argv = [python, -c, STUB, control socket, connection file, AS, NPROC, FSIZE]
STUB = ("import json, socket, sys\n"
        "s = socket.socket(socket.AF_UNIX)\n"
        "s.connect(sys.argv[1])\n"
        "s.sendall((json.dumps(sys.argv[2:]) + '\\n').encode())\n"
        "reply = s.makefile().readline().strip()\n"
        "sys.exit(int(reply) if reply.isdigit() else 70)\n")


def bwrap_path() -> str | None:
    """The bubblewrap executable, or None where it is not installed."""
    return shutil.which("bwrap")


def readonly_paths() -> list[str]:
    """What the kernel may read: the system, this Python and its virtualenv, the helper package."""
    paths = ["/usr", "/etc", os.path.realpath(sys.base_prefix), os.path.realpath(sys.prefix), sys.prefix]
    for name in HELPER_PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.submodule_search_locations:
            paths.append(os.path.realpath(list(spec.submodule_search_locations)[0]))
    return list(dict.fromkeys(p for p in paths if os.path.exists(p)))


def bwrap_command(command: list[str], binds: dict[Path, str], caps: tuple[str, ...] = ("CAP_SETUID", "CAP_SETGID"),
                  shell: bool = True, readable: tuple[str, ...] = ()) -> list[str]:
    """`command` wrapped in bubblewrap with the folders `binds` (host -> sandbox) writable, `readable` and
    `readonly_paths()` read-only, and /submission as working folder. As root, the sandbox keeps only `caps`
    (LIMITS and the zygote use them to become the sandbox user); otherwise it runs in a user namespace. /tmp is a
    private tmpfs unless `binds` provides it."""
    args = [bwrap_path(), "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try",
            "--die-with-parent", "--new-session", "--cap-drop", "ALL", "--proc", "/proc", "--dev", "/dev"]
    if "/tmp" not in binds.values():
        args += ["--perms", "1777", "--tmpfs", "/tmp"]
    args += [a for cap in caps for a in ("--cap-add", cap)] if os.geteuid() == 0 else ["--unshare-user"]
    for link in ("bin", "lib", "lib64", "sbin"):
        if os.path.islink(f"/{link}"):
            args += ["--symlink", os.readlink(f"/{link}"), f"/{link}"]
    paths = [*readonly_paths(), *readable]
    for folder in _folders_above([*paths, *binds.values()]):
        args += ["--perms", "0755", "--dir", folder]  # bubblewrap would copy e.g. /root's mode 0700
    for path in paths:
        args += ["--ro-bind", path, path]
    for host, target in binds.items():
        args += ["--bind", str(host), target]
    args += ["--chdir", "/submission" if "/submission" in binds.values() else "/"]
    if not shell:
        return [*args, *command]
    # With its own PID namespace the kernel would see pid 1 as its parent and exit: a shell stays its parent.
    return [*args, "/bin/sh", "-c", '"$0" "$@"; exit $?', *command]


def _folders_above(paths: list[str]) -> list[str]:
    """The folders that lead to `paths` and are not inside one of them, outermost first."""
    above = {str(parent) for p in paths for parent in Path(p).parents if str(parent) != "/"}
    return sorted(a for a in above if not any(a == p or a.startswith(p + "/") for p in paths))


class SandboxKernelManager(AsyncKernelManager):
    """A kernel manager that starts the kernel sandboxed and kills it when the notebook runs too long."""

    memory_bytes = Integer(4 * 2**30, help="address-space limit of the kernel").tag(config=True)
    processes = Integer(128, help="process and thread limit inside the sandbox").tag(config=True)
    file_bytes = Integer(256 * 2**20, help="largest file the kernel may write").tag(config=True)
    notebook_seconds = Float(600.0, help="wall clock for the whole notebook, kernel start included").tag(config=True)
    report_path = Unicode("", help="file (outside the sandbox) where a timeout or a kernel death is written").tag(
        config=True)
    zygote_folder = Unicode("", help="folder of the worker's running `Zygote`; empty: start the kernel cold").tag(
        config=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        if self.zygote_folder:
            self._folder = None
            ipc_dir = Path(self.zygote_folder) / "ipc"
        else:
            self._folder = Path(tempfile.mkdtemp(prefix="tfs-sandbox-"))
            self._folder.chmod(0o755)
            ipc_dir = self._folder / "ipc"
            ipc_dir.mkdir()
        self.transport = "ipc"
        self.ip = str(ipc_dir / "k")
        self.connection_file = str(ipc_dir / "kernel.json")

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw) -> None:
        self.kernel_spec.interrupt_mode = "message"  # a signal would reach bubblewrap, not the kernel
        files = Path(kw.get("cwd") or os.getcwd())
        limits = [str(self.memory_bytes), str(self.processes), str(self.file_bytes)]
        if self.zygote_folder:
            command, kw["cwd"] = self._from_zygote(files, limits)
        else:
            command, kw["cwd"] = self._cold(files, limits, kernel_cmd)
        kw["env"] = kernel_environment()
        await super()._async_launch_kernel(command, **kw)
        threading.Thread(target=self._watch, args=(self.provisioner.process,), daemon=True).start()

    def _from_zygote(self, files: Path, limits: list[str]) -> tuple[list[str], str]:
        """The command (and its folder) that asks the worker's zygote for a kernel."""
        zygote = Zygote(Path(self.zygote_folder))
        zygote.prepare(files, keep=Path(self.connection_file))
        return [sys.executable, "-I", "-S", "-c", STUB, str(zygote.control), self.connection_file, *limits], \
            str(zygote.folder)

    def _cold(self, files: Path, limits: list[str], kernel_cmd: list[str]) -> tuple[list[str], str]:
        """The command (and its folder) that starts a fresh kernel in its own sandbox."""
        workdir, ipc_dir = self._folder / "work", self._folder / "ipc"
        shutil.copytree(files, workdir)
        for folder in (workdir, ipc_dir):
            _give_to_sandbox(folder)
        command = [sys.executable, "-I", "-S", "-c", LIMITS, *limits, str(sandbox_uid()), *kernel_cmd]
        if bwrap_path():
            return bwrap_command(command, {workdir: "/submission", ipc_dir: str(ipc_dir)}), str(self._folder)
        warnings.warn("bubblewrap (bwrap) is not installed: student code runs WITHOUT a sandbox, "
                      "with resource limits only. Install it: sudo apt-get install bubblewrap", stacklevel=2)
        return command, str(workdir)

    def _watch(self, process: subprocess.Popen) -> None:
        """Kill the sandbox when the notebook runs too long; report a death; remove the folder when it ends."""
        try:
            process.wait(timeout=self.notebook_seconds)
        except subprocess.TimeoutExpired:
            self._report("timeout")
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        else:
            if not self.shutting_down:
                self._report(f"died {process.returncode}")
        self._remove_folder()

    def _report(self, event: str) -> None:
        if self.report_path:
            Path(self.report_path).write_text(event)

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart)
        self._remove_folder()

    def _remove_folder(self) -> None:
        """A cold kernel's folder goes with it; the zygote's folders are emptied before the next kernel."""
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)


class Zygote:
    """A grading worker's kernel factory (`zygote.py`) in a sandbox of its own, and the folders it binds:
    `work` (/submission) and `ipc` (kernel sockets) for the student's kernel, and `control` (the
    zygote's socket, for root only). /tmp is the sandbox's own; the zygote empties it.

    Used where we are root: there the kernels run as the worker's sandbox user and cannot touch the zygote, its
    socket, or anything the next student's kernel will see. `Zygote.start()` starts one; a kernel
    manager attaches to a running one by its folder (`Zygote(folder)`) to ask it for kernels."""

    def __init__(self, folder: Path, process: subprocess.Popen | None = None):
        self.folder, self.process = folder, process
        self.work, self.ipc = folder / "work", folder / "ipc"
        self.control = folder / "control" / "zygote"

    @classmethod
    def start(cls) -> "Zygote":
        zygote = cls(Path(tempfile.mkdtemp(prefix="tfs-zygote-")))
        zygote.folder.chmod(0o755)
        zygote.control.parent.mkdir(mode=0o700)
        for folder in (zygote.work, zygote.ipc):
            _give_to_sandbox(folder)
        source = (Path(__file__).parent / "zygote.py").read_text()
        binds = {zygote.work: "/submission", zygote.ipc: str(zygote.ipc),
                 zygote.control.parent: str(zygote.control.parent)}
        command = bwrap_command([sys.executable, "-I", "-c", source, str(zygote.control), str(sandbox_uid())], binds,
                                caps=("CAP_SETUID", "CAP_SETGID", "CAP_KILL"), shell=False)
        zygote.process = subprocess.Popen(command, stdout=subprocess.PIPE, env=kernel_environment(),
                                          cwd=zygote.folder)
        if zygote.process.stdout.readline().strip() != b"ready":
            raise RuntimeError("the kernel zygote did not start")
        return zygote

    @staticmethod
    def available() -> bool:
        return bool(bwrap_path()) and os.geteuid() == 0

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        self.process.kill()
        self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)

    def prepare(self, files: Path, keep: Path) -> None:
        """Wait until the previous kernel's processes are gone, then empty the folders and copy in `files`."""
        with socket.socket(socket.AF_UNIX) as conn:
            conn.connect(str(self.control))
            conn.sendall(b"\n")
            if conn.makefile().readline().strip() != "idle":
                raise RuntimeError("the kernel zygote did not answer")
        for folder in (self.work, self.ipc):
            for path in folder.iterdir():
                if path == keep:
                    continue
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path)
                else:
                    path.unlink()
        shutil.copytree(files, self.work, dirs_exist_ok=True)
        for folder in (self.work, self.ipc):
            _give_to_sandbox(folder)


def sandbox_uid() -> int:
    """The user this grading worker's kernels run as, where we are root."""
    return SANDBOX_UID_BASE + os.getpid()


def _give_to_sandbox(folder: Path) -> None:
    """As root, hand the folder to the user the sandbox runs as."""
    folder.mkdir(exist_ok=True)
    if os.geteuid() == 0:
        uid = sandbox_uid()
        for path in [folder, *folder.rglob("*")]:
            os.lchown(path, uid, uid)


def kernel_environment() -> dict[str, str]:
    """A clean environment: nothing of the grader's (tokens, paths) leaks into the student's kernel."""
    return {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "HOME": "/tmp", "USER": "student", "LANG": "C.UTF-8",
            "NBGRADER_EXECUTION": "autograde", "MPLBACKEND": "Agg", "MPLCONFIGDIR": "/tmp",
            "OMP_NUM_THREADS": "1", "PYTHONDONTWRITEBYTECODE": "1"}


class SandboxExecute(Execute):
    """nbgrader's Execute with the sandboxed kernel and a cap on the notebook's total output."""

    output_bytes = Integer(1_000_000, help="output kept per notebook; the rest is dropped").tag(config=True)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("kernel_manager_class", SandboxKernelManager)
        super().__init__(*args, **kwargs)
        self._kept = 0

    def output(self, outs, msg, display_id, cell_index):
        size = len(str(msg["content"]))
        if self._kept > self.output_bytes:
            return None
        self._kept += size
        if self._kept > self.output_bytes:
            outs.append(new_output("stream", name="stdout", text=f"\n{TRUNCATED}\n"))
            return None
        return super().output(outs, msg, display_id, cell_index)
