# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helpers shared by the reliability areas, on top of tests/e2e/test_lake.py's (``site``, ``lake``)."""

import os
import signal
import subprocess
import sys
import time

from snapshot import snapshot
from test_lake import site  # noqa: F401  pylint: disable=unused-import

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
ANSIBLE_PLAYBOOK = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")

# Reference deploys (fault-free, from an empty account) per example, kept for the test session of this worker:
# {example: (snapshot, [task banner, ...])}
_REFERENCES = {}


def example_for(fast):
    """The lake of an area: examples/full.yml (everything on), or examples/basic.yml in the fast slice."""
    return "basic" if fast else "full"


def task_banners(stdout):
    """The ``TASK [...]`` lines of a default-callback run, in order."""
    return [line for line in stdout.splitlines() if line.startswith("TASK [")]


def reference(aws, run_playbook, example):
    """(snapshot, task banners) of a fault-free deploy of ``example`` into an empty account; the emulator is
    reset before and after."""
    if example not in _REFERENCES:
        aws.reset()
        run = site(run_playbook, example, json_output=False)
        assert run.rc == 0, run.stdout[-3000:]
        _REFERENCES[example] = (snapshot(aws), task_banners(run.stdout))
        aws.reset()
    return _REFERENCES[example]


def start_playbook(env, *args):
    """ansible-playbook in its own process group (so that it can be killed with its workers), stdout piped."""
    return subprocess.Popen(  # pylint: disable=consider-using-with
        [ANSIBLE_PLAYBOOK, "-i", "localhost,", *args],
        env=dict(env, PYTHONUNBUFFERED="1"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def _descendants(pid):
    """Every process below ``pid`` (from /proc): ansible-core's workers call setsid(), so they and the modules they
    run are in process groups of their own, not in the playbook's."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="utf-8") as handle:
                    ppid = int(handle.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    found, pending = [], [pid]
    while pending:
        for child in children.get(pending.pop(), []):
            found.append(child)
            pending.append(child)
    return found


def _alive(pid):
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def kill_group(process):
    """SIGKILL the playbook, its process group and every process below it (the forked workers, which ansible-core
    moves to sessions of their own, and the modules they run), as a lost pod or a power cut would, and wait until
    none of them is left."""
    victims = [process.pid] + _descendants(process.pid)
    for pid in victims:
        for kill in (os.killpg, os.kill):
            try:
                kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
    process.wait(timeout=60)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        left = [pid for pid in victims if _alive(pid)]
        if not left:
            return
        time.sleep(0.05)
    raise AssertionError(f"processes {left} of playbook {process.pid} survived SIGKILL")
