# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures of the reliability suite (tests/reliability/run.py runs it and prints one line per area).

The emulator fixtures come from tests/emulator/fixtures.py and the lake helpers from tests/e2e/test_lake.py. Here:

- ``--reliability-fast``: the slice `make test` runs (a small lake, fewer trials); ``fast`` tells a test which one;
- ``figures``: ``figures(area, **values)`` records an area's figures for the runner's summary line;
- ``history_env``: the deployment_history callback on, with a SQLite database of the test's own.
"""

import json
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "emulator"))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
sys.path.insert(0, HERE)

from fixtures import aws  # noqa: E402,F401  pylint: disable=unused-import,wrong-import-position
from fixtures import aws_env  # noqa: E402,F401  pylint: disable=unused-import,wrong-import-position
from fixtures import emulator  # noqa: E402,F401  pylint: disable=unused-import,wrong-import-position
from fixtures import run_playbook  # noqa: E402,F401  pylint: disable=unused-import,wrong-import-position


def pytest_addoption(parser):
    parser.addoption("--reliability-fast", action="store_true", default=False,
                     help="the fast slice: a small lake and fewer trials (make test)")


def pytest_configure(config):
    config.addinivalue_line("markers", "full_only: a test of the full suite only (make reliability); the fast "
                                       "slice deselects it, so it is neither run nor reported as skipped")


def pytest_collection_modifyitems(config, items):
    if not config.getoption("--reliability-fast"):
        return
    deselected = [item for item in items if item.get_closest_marker("full_only")]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not item.get_closest_marker("full_only")]


@pytest.fixture(scope="session")
def fast(request):
    return request.config.getoption("--reliability-fast")


@pytest.fixture
def figures(request):
    """Record figures of an area: one JSON line per call in $RELIABILITY_FIGURES (the runner's file)."""
    path = os.environ.get("RELIABILITY_FIGURES")

    def record(area, **values):
        if path:
            with open(path, "a", encoding="utf-8") as handle:
                handle.write(json.dumps({"area": area, "test": request.node.nodeid, **values}) + "\n")

    return record


@pytest.fixture
def history_env(tmp_path):
    """The deployment_history callback with the SQLite backend in the test's own directory."""
    return {
        "ANSIBLE_CALLBACKS_ENABLED": "deltalake.aws.deployment_history",
        "DELTALAKE_HISTORY_BACKEND": "sqlite",
        "DELTALAKE_HISTORY_DB": str(tmp_path / "history.sqlite"),
        "DELTALAKE_HISTORY_SPOOL_DIR": str(tmp_path / "spool"),
    }
