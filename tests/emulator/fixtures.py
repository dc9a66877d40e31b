# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""pytest fixtures shared by the emulator's own tests and the playbook (e2e) tests.

- ``emulator``: one emulator per test session (per xdist worker), stopped at the end whatever happens.
- ``aws``: the emulator reset to an empty account with the call count cleared, for one test.
- ``aws_env``: the environment a process needs to talk to it (endpoint, test credentials, region).
- ``run_playbook``: run a real ``ansible-playbook`` against it with this collection installed from its tarball.
"""

import json
import os
import subprocess
import sys
import tempfile

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

from server import Emulator  # noqa: E402  pylint: disable=wrong-import-position

# Where this collection is installed from its tarball (`make collection`); another path can be given for a
# private install, e.g. DELTALAKE_COLLECTIONS_PATH=/tmp/mine/collections.
COLLECTIONS = os.environ.get("DELTALAKE_COLLECTIONS_PATH", os.path.join(ROOT, "build", "collections"))


@pytest.fixture(scope="session")
def emulator():
    with tempfile.TemporaryDirectory(prefix="emulator-") as state_dir:
        running = Emulator.start(os.path.join(state_dir, "state.json"), os.path.join(state_dir, "emulator.log"))
        try:
            yield running
        finally:
            running.stop()


@pytest.fixture
def aws(emulator):
    emulator.reset()
    return emulator


@pytest.fixture
def aws_env(aws):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ANSIBLE_"))}
    env.update(
        AWS_ENDPOINT_URL=aws.url,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_REGION="us-east-1",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_MAX_ATTEMPTS="2",
        ANSIBLE_COLLECTIONS_PATH=COLLECTIONS,
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_RETRY_FILES_ENABLED="0",
        ANSIBLE_PIPELINING="1",
    )
    return env


class PlaybookRun:
    def __init__(self, completed, output):
        self.rc = completed.returncode
        self.stdout = completed.stdout
        self.stderr = completed.stderr
        self.output = output

    def tasks(self):
        """{task name: result} from the ansible.posix.json callback output; role tasks are named without their
        ``role : `` prefix; with several hosts, the last host's result."""
        results = {}
        for play in (self.output or {}).get("plays", []):
            for task in play["tasks"]:
                for host_result in task["hosts"].values():
                    results[task["task"]["name"].split(" : ", 1)[-1]] = host_result
        return results

    @property
    def stats(self):
        return next(iter((self.output or {}).get("stats", {}).values()), {})


@pytest.fixture
def run_playbook(aws_env):
    """Run ansible-playbook (a path or a deltalake.aws.* FQCN); JSON results when ``json_output`` is true.
    ``extra_vars`` come after ``args`` on the command line, so they override a vars file passed in ``args``."""

    def run(playbook, *args, extra_vars=None, json_output=True, env=None):
        command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", "localhost,", playbook]
        command += list(args)
        if extra_vars:  # last, so that they win over any -e @file in args
            command += ["-e", json.dumps(extra_vars)]
        process_env = dict(aws_env, **(env or {}))
        if json_output:
            process_env["ANSIBLE_STDOUT_CALLBACK"] = "ansible.posix.json"
        completed = subprocess.run(command, env=process_env, capture_output=True, text=True, timeout=900, check=False)
        output = None
        if json_output and completed.stdout.strip().startswith("{"):
            output = json.loads(completed.stdout[completed.stdout.index("{"):])
        return PlaybookRun(completed, output)

    return run
