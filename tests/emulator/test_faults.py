# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fault-injecting proxy answers in each service's own error format, before the emulator sees the request."""

import boto3
import botocore
import pytest

from faults import FaultProxy
from faults import FaultState


@pytest.fixture
def proxy(aws, tmp_path):
    with FaultProxy.start(aws.url, 1.0, str(tmp_path / "faults.json"), seed=7) as running:
        yield running


def client(proxy, service, attempts=1):
    return boto3.client(service, endpoint_url=proxy.url, region_name="us-east-1", aws_access_key_id="testing",
                        aws_secret_access_key="testing",
                        config=botocore.config.Config(retries={"max_attempts": attempts, "mode": "standard"}))


@pytest.mark.parametrize(
    "service, call, codes",
    [
        ("s3", lambda c: c.create_bucket(Bucket="faulty"), {"SlowDown", "InternalError", "ServiceUnavailable"}),
        ("glue", lambda c: c.get_databases(),
         {"ThrottlingException", "TooManyRequestsException", "InternalFailure", "ServiceUnavailable"}),
        ("iam", lambda c: c.list_roles(), {"Throttling", "InternalFailure", "ServiceUnavailable"}),
        ("ec2", lambda c: c.describe_vpcs(), {"RequestLimitExceeded", "InternalFailure", "ServiceUnavailable"}),
    ],
)
def test_faults_parse_as_the_service_errors(aws, proxy, service, call, codes):
    seen = set()
    for dummy in range(10):
        try:
            call(client(proxy, service))
        except botocore.exceptions.ClientError as e:
            seen.add(e.response["Error"]["Code"])
        except botocore.exceptions.ConnectionClosedError:
            seen.add("reset")
    assert seen - {"reset"} <= codes and seen & codes and "reset" in seen, seen
    assert aws.calls()["total"] == 0, "faulted requests never reach the emulator"


def test_retries_get_through_and_act_once(aws, proxy):
    proxy.configure(rate=0.3)
    s3 = client(proxy, "s3", attempts=10)
    for index in range(8):
        s3.create_bucket(Bucket=f"retried-{index}")
    stats = proxy.stats()
    assert stats["faults"] > 0 and stats["requests"] > 8
    calls = aws.calls()
    assert calls["mutating"] == 8 and len(aws.client("s3").list_buckets()["Buckets"]) == 8


def test_control_endpoints_pass_through(proxy):
    assert proxy.stats()["rate"] == 1.0
    assert proxy.configure(rate=0.5)["rate"] == 0.5


@pytest.mark.parametrize("rate", [0.0, 0.3, 0.5, 1.0])
def test_the_share_of_faults_is_kept_in_every_block_of_ten(rate):
    """A short run gets its share of faults, not a lucky few: after n requests the faults are within one block's
    share of rate * n, whatever the seed, and the seeds place them differently."""
    patterns = set()
    for seed in range(20):
        state = FaultState("http://127.0.0.1:1", rate, seed=seed)
        decisions = [state.decide() is not None for dummy in range(45)]
        for n in range(1, 46):
            assert abs(sum(decisions[:n]) - rate * n) <= round(10 * rate) + 1
        assert sum(decisions[:40]) == round(40 * rate)
        patterns.add(tuple(decisions))
    assert len(patterns) == (1 if rate in (0.0, 1.0) else 20)
