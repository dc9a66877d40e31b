# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Area 1, faults: the lake deploys through a proxy that answers 30% of the AWS calls with throttling, 500/503
errors or connection resets (tests/emulator/faults.py, before the emulator sees the request) and delays the rest,
and the account it leaves equals the one a fault-free deploy leaves, read back with boto3, with no duplicate.

The playbook runs with botocore's default retry settings (standard mode, 3 attempts): what botocore gives up on,
the collection's own retries (module_utils/base.py aws_retry) must absorb, and pyiceberg's and delta-rs's clients
their own."""

import os
import random

from faults import FaultProxy
from lakes import example_for
from lakes import reference
from lakes import site
from snapshot import differences
from snapshot import duplicates
from snapshot import snapshot

RATE = 0.3
LATENCY_MS = 5
DEPLOYS = 2  # deploys through faults, each with its own seed (one in the fast slice)


def pytest_generate_tests(metafunc):
    if "deploy" in metafunc.fixturenames:
        metafunc.parametrize("deploy", range(1 if metafunc.config.getoption("--reliability-fast") else DEPLOYS))


def test_deploy_through_injected_faults_equals_a_fault_free_deploy(aws, run_playbook, tmp_path, fast, deploy, figures):
    example = example_for(fast)
    expected, dummy = reference(aws, run_playbook, example)
    seed = int(os.environ.get("RELIABILITY_SEED") or random.randrange(1 << 30)) + deploy

    with FaultProxy.start(aws.url, RATE, str(tmp_path / "faults.json"), seed=seed, latency_ms=LATENCY_MS) as proxy:
        run = site(run_playbook, example, json_output=False,
                   env={"AWS_ENDPOINT_URL": proxy.url, "AWS_MAX_ATTEMPTS": "3", "AWS_RETRY_MODE": "standard"})
        stats = proxy.stats()
    assert run.rc == 0, f"deploy through faults (seed {seed}) failed:\n{run.stdout[-4000:]}"
    assert stats["faults"] > 0 and stats["faults"] >= 0.2 * stats["requests"], stats

    actual = snapshot(aws)
    assert differences(expected, actual) == [], f"seed {seed}"
    assert duplicates(actual) == []
    figures("faults", example=example, rate=RATE, seed=seed, latency_ms=LATENCY_MS, requests=stats["requests"],
            faults=stats["faults"], throttle=stats["throttle"], error=stats["error"], reset=stats["reset"],
            deploy="ok", state="equal", duplicates=0)
