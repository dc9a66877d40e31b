# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Area 4, read-only drift runs: docs/drift-readonly-policy.json, attached to an IAM user whose access key the
emulator issued, lets a full ``--check --diff`` drift run of examples/full.yml (examples/basic.yml in the fast slice)
through, clean and then with drift made out of band, and a deploy under it fails without changing anything.

moto enforces IAM policies for requests signed with the keys it issued once ``INITIAL_NO_AUTH_ACTION_COUNT`` is
reached; ``POST /moto-api/reset-auth`` sets that count in the running server (0: enforce from now on, inf: never),
so the session's emulator is switched for this test only. Every call's HTTP status is kept by a recording proxy
(status_proxy.py): no call of the drift runs is denied, and no mutating call of the deploy succeeds. The account
is read back before and after (snapshot.py) to show that nothing changed."""

import contextlib
import json
import os
import urllib.request

import boto3
from botocore.exceptions import ClientError

from lakes import ROOT
from lakes import example_for
from lakes import site
from snapshot import differences
from snapshot import snapshot
from status_proxy import StatusProxy
from test_lake import OUT_OF_BAND
from test_lake import change_out_of_band

POLICY = os.path.join(ROOT, "docs", "drift-readonly-policy.json")


def _reset_auth(url, count):
    request = urllib.request.Request(url + "/moto-api/reset-auth", data=count.encode(), method="POST",
                                     headers={"Content-Type": "text/plain"})  # a form body would be parsed away
    with urllib.request.urlopen(request, timeout=30) as response:  # nosec - the emulator on 127.0.0.1
        return json.loads(response.read())


@contextlib.contextmanager
def iam_enforced(aws):
    _reset_auth(aws.url, "0")
    try:
        yield
    finally:
        _reset_auth(aws.url, "inf")


def reader(aws):
    """An IAM user with the read-only drift policy and an access key the emulator issued, as AWS_* variables."""
    iam = aws.client("iam")
    iam.create_user(UserName="drift-reader")
    with open(POLICY, encoding="utf-8") as handle:
        iam.put_user_policy(UserName="drift-reader", PolicyName="drift-readonly", PolicyDocument=handle.read())
    key = iam.create_access_key(UserName="drift-reader")["AccessKey"]
    return {"AWS_ACCESS_KEY_ID": key["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}


# One write per service the lake uses, made with the reader's key: each must be refused, or the emulator does not
# enforce policies for that service and a drift run that passes would prove nothing about it.
WRITES = {
    "s3": lambda c: c.create_bucket(Bucket="drift-reader-denied"),
    "kms": lambda c: c.create_key(Description="drift-reader-denied"),
    "ec2": lambda c: c.create_vpc(CidrBlock="10.99.0.0/16"),
    "iam": lambda c: c.create_role(RoleName="drift-reader-denied", AssumeRolePolicyDocument="{}"),
    "glue": lambda c: c.create_database(DatabaseInput={"Name": "drift_reader_denied"}),
    "firehose": lambda c: c.delete_delivery_stream(DeliveryStreamName="drift-reader-denied"),
    "athena": lambda c: c.create_work_group(Name="drift-reader-denied"),
    "lakeformation": lambda c: c.put_data_lake_settings(DataLakeSettings={}),
}


def enforced_services(aws, credentials):
    """The services whose write the emulator refused (403) to the reader."""
    refused = []
    for service, write in WRITES.items():
        client = boto3.client(service, endpoint_url=aws.url, region_name="us-east-1",
                              aws_access_key_id=credentials["AWS_ACCESS_KEY_ID"],
                              aws_secret_access_key=credentials["AWS_SECRET_ACCESS_KEY"])
        try:
            write(client)
        except ClientError as e:
            if e.response["ResponseMetadata"]["HTTPStatusCode"] == 403:
                refused.append(service)
    return refused


def change_basic_out_of_band(aws):
    """Drift of examples/basic.yml in three settings groups; returns how many."""
    s3, glue = aws.client("s3"), aws.client("glue")
    s3.put_bucket_versioning(Bucket="basic-lake-data", VersioningConfiguration={"Status": "Suspended"})
    s3.delete_bucket_tagging(Bucket="basic-lake-logs")
    glue.update_database(Name="basic_lake", DatabaseInput={"Name": "basic_lake", "Description": "edited by hand"})
    return 3


def test_drift_runs_need_only_the_read_only_policy_and_a_deploy_under_it_changes_nothing(
        aws, run_playbook, tmp_path, fast, figures):
    example = example_for(fast)
    assert site(run_playbook, example).rc == 0
    credentials = reader(aws)
    with open(POLICY, encoding="utf-8") as handle:
        actions = sorted({a for s in json.load(handle)["Statement"] for a in s["Action"]})
    assert not [a for a in actions if not a.split(":")[1].startswith(("Get", "List", "Describe", "Decrypt"))], \
        "the policy allows reads only"
    with iam_enforced(aws):
        refused = enforced_services(aws, credentials)
    assert refused == list(WRITES), f"the emulator enforces IAM policies for {refused} only"
    report = tmp_path / "drift.json"
    drift_vars = {"datalake_drift_report": str(report)}

    with StatusProxy(aws.url) as proxy:
        env = dict(credentials, AWS_ENDPOINT_URL=proxy.url)
        with iam_enforced(aws):
            clean = site(run_playbook, example, "--check", "--diff", extra_vars=drift_vars, env=env)
        clean_calls = list(proxy.calls)
        assert clean.rc == 0, clean.stdout[-3000:]
        assert json.loads(report.read_text())["status"] == "clean"

        if example == "full":
            change_out_of_band(aws)
            changes = len(OUT_OF_BAND)
        else:
            changes = change_basic_out_of_band(aws)
        before = snapshot(aws)
        proxy.clear()
        with iam_enforced(aws):
            drifted = site(run_playbook, example, "--check", "--diff", extra_vars=drift_vars, env=env)
        drift_calls = list(proxy.calls)
        assert drifted.rc == 2, drifted.stdout[-3000:]
        found = json.loads(report.read_text())
        assert found["status"] == "drift" and found["drift_count"] >= changes, found

        for calls in (clean_calls, drift_calls):
            # a 404 is an answer (a Delta log version that does not exist yet), a 401/403 a refusal
            denied = sorted({f"{c['service']}:{c['operation']} {c['status']}" for c in calls
                             if c["status"] in (401, 403)})
            assert not denied, f"the drift run needs more than the policy allows: {denied}"
            assert not [c for c in calls if c["mutating"]], "a drift run makes read calls only"

        proxy.clear()
        with iam_enforced(aws):
            deploy = site(run_playbook, example, env=env)
        deploy_calls = list(proxy.calls)
    assert deploy.rc != 0, "a deploy under the read-only policy fails"
    assert [c for c in deploy_calls if c["mutating"] and 200 <= c["status"] < 300] == []
    denied = [c for c in deploy_calls if c["mutating"] and c["status"] == 403]
    assert denied, "the deploy tried to repair the drift and was denied"
    assert differences(before, snapshot(aws)) == [], "the denied deploy changed nothing"
    figures("readonly", example=example, actions=len(actions), enforced_services=len(refused),
            clean_calls=len(clean_calls), drift_calls=len(drift_calls),
            drift_found=found["drift_count"], deploy_rc=deploy.rc, denied_writes=len(denied),
            denied_operations=sorted({f"{c['service']}:{c['operation']}" for c in denied}), succeeded_writes=0,
            state="unchanged")
