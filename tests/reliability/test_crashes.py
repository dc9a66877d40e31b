# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Area 2, crashes: ansible-playbook is killed with SIGKILL at a different point of the lake's deploy in each trial
(its whole process group, as a lost pod or a power cut does: the workers and the running module die with it).
A re-run then converges to the state a clean deploy leaves, read back with boto3, with no duplicate (VPC
endpoints, KMS keys, Firehose streams, crawlers, grants, tables), and the deployment history (callback on, SQLite)
shows the killed run as interrupted.

Kill points are spread evenly over the first 90% of the deploy's task list (``TASK [...]`` banners of a clean deploy), each at a
random delay after its task started, so most kills land while a module is talking to AWS. One emulator is reused:
it is reset between trials."""

import json
import random
import sqlite3
import time

from lakes import example_for
from lakes import kill_group
from lakes import reference
from lakes import site
from lakes import start_playbook
from snapshot import differences
from snapshot import duplicates
from snapshot import snapshot
from test_lake import lake

TRIALS = 20
FAST_TRIALS = 3
SPAN = 0.9


def trials(config):
    return range(FAST_TRIALS if config.getoption("--reliability-fast") else TRIALS)


def pytest_generate_tests(metafunc):
    if "trial" in metafunc.fixturenames:
        metafunc.parametrize("trial", trials(metafunc.config))


def history(db):
    with sqlite3.connect(db) as connection:
        rows = connection.execute("SELECT record FROM runs ORDER BY started_at").fetchall()
    return [json.loads(row[0]) for row in rows]


def kill_at(process, banner_index, delay):
    """Read the run's output until its ``banner_index``-th task starts, wait ``delay`` seconds, SIGKILL the group.
    Returns the banner of the task it was killed in, or None when the run ended first."""
    seen = 0
    for line in process.stdout:
        if line.startswith("TASK ["):
            seen += 1
            if seen == banner_index:
                time.sleep(delay)
                kill_group(process)
                return line.strip()
    process.wait()
    return None


def test_a_run_killed_at_any_point_is_repaired_by_the_next_one(aws, aws_env, run_playbook, history_env, fast, trial,
                                                               figures):
    example = example_for(fast)
    expected, banners = reference(aws, run_playbook, example)
    count = FAST_TRIALS if fast else TRIALS
    # trial i of n is killed in the task at (i + 0.5) / n of the first 90% of the task list, 0-1.5 s after it
    # started: a kill in the last tasks can land after the run recorded its success (then it is not a crash)
    index = max(2, int((trial + 0.5) * SPAN * len(banners) / count))
    delay = random.Random(f"{example}-{trial}").uniform(0.0, 1.5)

    process = start_playbook(dict(aws_env, **history_env), "deltalake.aws.site", "-e", lake(example))
    try:
        killed_in = kill_at(process, index, delay)
    finally:
        kill_group(process)
        process.stdout.close()
    assert killed_in, f"the deploy ended before task {index} ({banners[index - 1]})"
    records = history(history_env["DELTALAKE_HISTORY_DB"])
    assert [r["outcome"] for r in records] == ["running"], "the killed run left its running record"
    killed_id = records[0]["run_id"]

    rerun = site(run_playbook, example, env=history_env)
    assert rerun.rc == 0, f"killed in {killed_in} + {delay:.2f} s; the re-run failed:\n{rerun.stdout[-3000:]}"
    actual = snapshot(aws)
    assert differences(expected, actual) == [], f"killed in {killed_in} + {delay:.2f} s"
    assert duplicates(actual) == [], f"killed in {killed_in} + {delay:.2f} s"

    outcomes = {r["run_id"]: r["outcome"] for r in history(history_env["DELTALAKE_HISTORY_DB"])}
    assert outcomes.pop(killed_id) == "interrupted", "the history shows the killed run as interrupted"
    assert list(outcomes.values()) == ["success"]
    figures("crashes", example=example, trial=trial, task_index=index, tasks=len(banners), killed_in=killed_in,
            delay=round(delay, 2), converged=True, state="equal", duplicates=0, interrupted=True)
