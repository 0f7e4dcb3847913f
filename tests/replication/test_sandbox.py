"""Model-generated code: a sample passes only when its check returned, and the sandbox keeps it in
its folder, its time and its process group, away from the network and the parent's secrets."""
from __future__ import annotations

import os
import socket
import time

import pytest

from replication.metrics import execution

PROBLEM = {"prompt": "def add(a, b):\n", "entry_point": "add",
           "test": "def check(candidate):\n    assert candidate(2, 3) == 5\n"}
WRONG = "    return a - b\n"


def program(body: str, after: str = "") -> str:
    return execution.humaneval_program(PROBLEM, body) + after


@pytest.mark.parametrize("escape", [
    "import sys\nsys.exit(0)\n", "exit()\n", "import os\nos._exit(0)\n", "quit(0)\n",
    "import unittest\nunittest.main(argv=['x'])\n", "raise SystemExit(0)\n",
])
def test_exiting_early_with_status_zero_is_not_passing(escape):
    # the escape comes before check() runs, at module level, after a wrong body
    code = execution.humaneval_program(PROBLEM, WRONG).replace("check(add)", escape + "check(add)")
    passed, why = execution.run_program(code, True)
    assert not passed, why


def test_a_correct_sample_passes_and_a_wrong_one_fails():
    assert execution.run_program(program("    return a + b\n"), True) == (True, "passed")
    passed, why = execution.run_program(program(WRONG), True)
    assert not passed and "AssertionError" in why


def test_writing_the_result_file_without_the_marker_does_not_pass():
    forged = "open('result', 'w').write('passed')\nimport os\nos._exit(0)\n"
    code = execution.humaneval_program(PROBLEM, WRONG).replace("check(add)", forged + "check(add)")
    assert execution.run_program(code, True)[0] is False


def _processes_with(token: str) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as handle:
                    if token.encode() in handle.read():
                        found.append(int(entry))
            except OSError:
                continue
    return found


@pytest.mark.parametrize("detach", [False, True])
def test_a_timeout_kills_every_process_it_started(detach):
    token = f"slr-sandbox-probe-{os.getpid()}-{int(detach)}"
    spawn = ("import subprocess, sys\n"
             "for _ in range(5):\n"
             f"    subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)', {token!r}], "
             f"start_new_session={detach})\n"
             "while True:\n    pass\n")
    code = execution.humaneval_program(PROBLEM, "    return a + b\n").replace("check(add)", spawn)
    assert execution.run_program(code, True, timeout=2.0) == (False, "timed out")
    time.sleep(0.5)
    left = _processes_with(token)
    for pid in left:                     # clean up before failing, so no test leaves them behind
        os.kill(pid, 9)
    if detach and execution.bwrap() is None:
        pytest.skip("without bubblewrap a child that starts its own session escapes the process group")
    assert left == [], "children outlived the timeout"


def test_the_environment_is_scrubbed(monkeypatch):
    monkeypatch.setenv("SLR_DB", "postgresql+psycopg://slr:s3cret@db/slr")
    probe = ("import os\nleak = [k for k in os.environ if 'SLR' in k or 's3cret' in os.environ[k]]\n"
             f"pp = open('/proc/{os.getpid()}/environ', 'rb').read() if os.path.exists('/proc/{os.getpid()}/environ') else b''\n"
             "assert not leak and b's3cret' not in pp, (leak, len(pp))\n")
    code = execution.humaneval_program(PROBLEM, "    return a + b\n").replace("check(add)", probe + "check(add)")
    passed, why = execution.run_program(code, True)
    assert passed, why


needs_bwrap = pytest.mark.skipif(execution.bwrap() is None, reason="bubblewrap not installed (.ci/run installs it)")


@needs_bwrap
def test_no_file_outside_its_folder_and_no_network(tmp_path):
    target = tmp_path / "escaped"
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        probe = (f"try:\n    open({str(target)!r}, 'w').write('x')\nexcept OSError:\n    pass\n"
                 "import socket\ns = socket.socket()\ns.settimeout(1)\n"
                 f"try:\n    s.connect(('127.0.0.1', {port}))\n    connected = True\nexcept OSError:\n    connected = False\n"
                 "assert not connected\n")
        code = execution.humaneval_program(PROBLEM, "    return a + b\n").replace("check(add)", probe + "check(add)")
        passed, why = execution.run_program(code, True)
    assert passed, why
    assert not target.exists()
