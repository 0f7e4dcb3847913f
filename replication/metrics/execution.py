"""Run model-generated code, only when the caller allows it, in a sandbox.

Model output is untrusted code: never exec it in-process. A program runs in a child process of its
own session (so a timeout kills its whole process group), in a private temporary folder, with a
scrubbed environment (no SLR_DB, no tokens) and limits on memory, CPU time and file size. Where
Debian's bubblewrap (`bwrap`) is installed, the child also gets its own pid, network, ipc and mount
namespaces: the filesystem is read-only but for its folder, a private /tmp, no network at all
(not even the host's loopback), and no view of the parent's /proc; every process it starts dies
with it. Without bwrap the limits still apply, and a warning says what is missing.

A sample passes only when its check function returned: a runner executes the program and then
writes a marker that only it knows (given on stdin) to a file. Exit status 0 alone proves nothing:
`sys.exit(0)`, `exit()`, `os._exit(0)` or `unittest.main()` after a wrong body all exit 0.
"""
from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import warnings

from replication.errors import ReplicationError

# The runner reads the marker from stdin before the program exists in its memory, runs the
# program in a namespace of its own, and writes the marker only after it returned normally.
RUNNER = """import sys
def main():
    marker = sys.stdin.readline().strip()
    sys.stdin.close()
    source = open("program.py", encoding="utf-8").read()
    scope = {"__name__": "__main__", "__builtins__": __builtins__}
    exec(compile(source, "program.py", "exec"), scope)
    with open("result", "w") as handle:
        handle.write(marker)
main()
"""
_warned = False


def bwrap() -> str | None:
    return shutil.which("bwrap")


def _limits(memory_bytes: int, cpu_seconds: int, file_bytes: int):
    def apply():
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds))
        resource.setrlimit(resource.RLIMIT_FSIZE, (file_bytes, file_bytes))
        resource.setrlimit(resource.RLIMIT_NPROC, (64, 64))     # not enforced for root: bwrap's pid namespace is
    return apply


def _command(folder: str) -> list[str]:
    # The base interpreter, not the venv's link to it: the program needs no site-packages (-S), and a
    # venv under /tmp would be hidden by the sandbox's private /tmp.
    executable = os.path.realpath(sys.executable)
    python = [executable, "-I", "-S", "runner.py"]
    tool = bwrap()
    if tool is None:
        global _warned
        if not _warned:
            warnings.warn("bubblewrap (bwrap) is not installed: generated code runs with resource limits, a "
                          "scrubbed environment and a private folder, but can reach the network and the "
                          "filesystem; install Debian's bubblewrap for full isolation", RuntimeWarning, stacklevel=3)
            _warned = True
        return python
    keep = [p for p in {os.path.realpath(sys.base_prefix), os.path.dirname(executable)} if p.startswith("/tmp")]
    return [tool, "--ro-bind", "/", "/", "--tmpfs", "/tmp", *(a for p in keep for a in ("--ro-bind", p, p)),
            "--bind", folder, folder, "--proc", "/proc", "--dev", "/dev", "--unshare-all", "--die-with-parent",
            "--new-session", "--chdir", folder, *python]


def run_program(program: str, allow_code_execution: bool, timeout: float = 5.0,
                memory_bytes: int = 1 << 30, file_bytes: int = 1 << 20) -> tuple[bool, str]:
    """(passed, outcome) for a self-checking program (HumanEval: prompt + completion + test + check)."""
    if not allow_code_execution:
        raise ReplicationError("refusing to execute model-generated code: pass allow_code_execution=True "
                               "(slr replicate --allow-code-execution) to run it in a sandboxed subprocess")
    marker = secrets.token_hex(16)
    with tempfile.TemporaryDirectory(prefix="slr-exec-") as folder:
        with open(os.path.join(folder, "program.py"), "w", encoding="utf-8") as handle:
            handle.write(program)
        with open(os.path.join(folder, "runner.py"), "w", encoding="utf-8") as handle:
            handle.write(RUNNER)
        env = {"PATH": "/usr/bin:/bin", "HOME": folder, "TMPDIR": folder, "LANG": "C.UTF-8"}
        process = subprocess.Popen(_command(folder), cwd=folder, env=env, stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   start_new_session=True,
                                   preexec_fn=_limits(memory_bytes, int(timeout) + 1, file_bytes))
        try:
            _, err = process.communicate(marker + "\n", timeout=timeout)
            outcome = None
        except subprocess.TimeoutExpired:
            outcome = "timed out"
        finally:
            _kill_group(process)
        if outcome:
            return False, outcome
        try:
            with open(os.path.join(folder, "result"), encoding="utf-8") as handle:
                passed = handle.read() == marker
        except OSError:
            passed = False
    if passed:
        return True, "passed"
    last = (err.strip().splitlines() or [f"exit {process.returncode}"])[-1]
    return False, last if process.returncode else f"exit 0 before its check returned ({last})"


def _kill_group(process: subprocess.Popen) -> None:
    """Kill the program and everything it started in its session, then reap it."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        process.communicate(timeout=5)
    except (subprocess.TimeoutExpired, ValueError):
        pass


def humaneval_program(problem: dict, completion: str) -> str:
    return f"{problem['prompt']}{completion}\n\n{problem['test']}\n\ncheck({problem['entry_point']})\n"
