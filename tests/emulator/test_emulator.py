# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The harness itself: the emulator starts on 127.0.0.1, counts other processes' calls correctly, resets, applies
its extensions, and is stopped."""

import json
import os
import subprocess
import sys

import boto3
import botocore
import pytest

from recorder import describe_request
from recorder import is_mutating
from server import Emulator


def client(aws, service):
    return aws.client(service)


def test_listens_on_loopback_only(aws):
    assert aws.url.startswith("http://127.0.0.1:")


def test_counts_calls_of_another_process_split_into_read_and_mutating(aws, aws_env):
    script = (
        "import boto3\n"
        "s3 = boto3.client('s3')\n"
        "s3.create_bucket(Bucket='counted')\n"
        "s3.get_bucket_versioning(Bucket='counted')\n"
        "s3.put_bucket_versioning(Bucket='counted', VersioningConfiguration={'Status': 'Enabled'})\n"
        "boto3.client('glue').get_databases()\n"
        "boto3.client('glue').create_database(DatabaseInput={'Name': 'db'})\n"
        "boto3.client('iam').list_roles()\n"
        "boto3.client('lakeformation').get_data_lake_settings()\n"
    )
    subprocess.run([sys.executable, "-c", script], env=aws_env, check=True)
    calls = aws.calls()
    operations = [(c["service"], c["operation"], c["mutating"]) for c in calls["calls"]]
    assert operations == [
        ("s3", "CreateBucket", True),
        ("s3", "GetBucketVersioning", False),
        ("s3", "PutBucketVersioning", True),
        ("glue", "GetDatabases", False),
        ("glue", "CreateDatabase", True),
        ("iam", "ListRoles", False),
        ("lakeformation", "GetDataLakeSettings", False),
    ]
    assert (calls["total"], calls["read"], calls["mutating"]) == (7, 4, 3)
    assert calls["mutating_operations"] == ["glue:CreateDatabase", "s3:CreateBucket", "s3:PutBucketVersioning"]
    aws.clear_calls()
    assert aws.calls()["total"] == 0


def test_retries_of_one_call_count_once(aws):
    # An operation the emulator does not implement answers 500, which botocore retries with the same invocation id.
    glue = boto3.client("glue", endpoint_url=aws.url, region_name="us-east-1", aws_access_key_id="testing",
                        aws_secret_access_key="testing",
                        config=botocore.config.Config(retries={"max_attempts": 3, "mode": "standard"}))
    with pytest.raises(botocore.exceptions.ClientError):
        glue.get_crawler_metrics()
    calls = aws.calls()["calls"]
    assert len(calls) == 1 and calls[0]["attempts"] > 1


def test_reset_clears_state(aws):
    s3 = client(aws, "s3")
    s3.create_bucket(Bucket="gone-after-reset")
    aws.reset()
    assert s3.list_buckets()["Buckets"] == []


@pytest.mark.parametrize(
    "method, path, query, headers, expected",
    [
        ("PUT", "/b", "", {"authorization": "Credential=K/20260101/us-east-1/s3/aws4_request"}, "CreateBucket"),
        ("PUT", "/b", "policy", {"authorization": "Credential=K/20260101/us-east-1/s3/aws4_request"}, "PutBucketPolicy"),
        ("DELETE", "/b", "lifecycle", {"authorization": "Credential=K/20260101/eu-west-1/s3/aws4_request"},
         "DeleteBucketLifecycle"),
        ("GET", "/b", "list-type=2&delimiter=%2F", {"authorization": "Credential=K/20260101/us-east-1/s3/aws4_request"},
         "ListObjectsV2"),
        ("GET", "/b", "versions", {"authorization": "Credential=K/20260101/us-east-1/s3/aws4_request"},
         "ListObjectVersions"),
        ("POST", "/b", "delete", {"authorization": "Credential=K/20260101/us-east-1/s3/aws4_request"}, "DeleteObjects"),
        ("PUT", "/b/raw/", "", {"authorization": "Credential=K/20260101/us-east-1/s3/aws4_request"}, "PutObject"),
        ("HEAD", "/b", "", {"authorization": "Credential=K/20260101/us-east-1/s3/aws4_request"}, "HeadBucket"),
        ("POST", "/", "", {"authorization": "Credential=K/20260101/us-east-1/glue/aws4_request",
                           "x-amz-target": "AWSGlue.UpdateCrawler"}, "UpdateCrawler"),
        ("POST", "/GrantPermissions", "", {"authorization": "Credential=K/20260101/us-east-1/lakeformation/aws4_request"},
         "GrantPermissions"),
        ("GET", "/", "Action=DescribeVpcEndpoints&Version=2016-11-15",
         {"authorization": "Credential=K/20260101/us-east-1/ec2/aws4_request"}, "DescribeVpcEndpoints"),
    ],
)
def test_operation_names(method, path, query, headers, expected):
    assert describe_request(method, path, query, headers, lambda: b"")[2] == expected


def test_form_encoded_action_is_read_from_the_body():
    headers = {"authorization": "Credential=K/20260101/us-east-1/iam/aws4_request",
               "content-type": "application/x-www-form-urlencoded; charset=utf-8"}
    assert describe_request("POST", "/", "", headers, lambda: b"Action=CreateRole&Version=2010-05-08") == (
        "iam", "us-east-1", "CreateRole")


@pytest.mark.parametrize(
    "service, method, operation, mutating",
    [
        ("s3", "GET", "GetObject", False),
        ("s3", "HEAD", "HeadBucket", False),
        ("s3", "POST", "DeleteObjects", True),
        ("glue", "POST", "BatchGetCrawlers", False),
        ("glue", "POST", "BatchCreatePartition", True),
        ("kms", "POST", "GenerateDataKey", False),
        ("lakeformation", "POST", "BatchGrantPermissions", True),
        ("athena", "POST", "StartQueryExecution", True),
        ("sts", "POST", "GetCallerIdentity", False),
        ("glue", "POST", "SomethingNew", True),
    ],
)
def test_read_or_mutating(service, method, operation, mutating):
    assert is_mutating(service, method, operation) is mutating


TLS_ONLY = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "TLS", "Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "s3:*",
                   "Resource": ["arn:aws:s3:::tls-bucket", "arn:aws:s3:::tls-bucket/*"],
                   "Condition": {"Bool": {"aws:SecureTransport": "false"}}}],
}


def test_tls_only_policy_lets_sdk_object_calls_through(aws):
    s3 = client(aws, "s3")
    s3.create_bucket(Bucket="tls-bucket")
    s3.put_bucket_policy(Bucket="tls-bucket", Policy=json.dumps(TLS_ONLY))
    s3.put_object(Bucket="tls-bucket", Key="raw/x.json", Body=b"{}")
    assert s3.get_object(Bucket="tls-bucket", Key="raw/x.json")["Body"].read() == b"{}"
    s3.delete_object(Bucket="tls-bucket", Key="raw/x.json")


def test_deny_statements_still_deny(aws):
    s3 = client(aws, "s3")
    s3.create_bucket(Bucket="tls-bucket")
    deny_put = {"Sid": "NoPut", "Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "s3:PutObject",
                "Resource": "arn:aws:s3:::tls-bucket/*"}
    deny_plain_http = dict(TLS_ONLY["Statement"][0], Sid="Plain", Condition={"Bool": {"aws:SecureTransport": "true"}})
    for statement in (deny_put, deny_plain_http):
        s3.put_bucket_policy(Bucket="tls-bucket", Policy=json.dumps({"Statement": [statement]}))
        with pytest.raises(botocore.exceptions.ClientError, match="403|AccessDenied"):
            s3.put_object(Bucket="tls-bucket", Key="x", Body=b"1")


def test_deny_with_a_condition_it_cannot_prove_does_not_apply(aws):
    s3 = client(aws, "s3")
    s3.create_bucket(Bucket="tls-bucket")
    statement = dict(TLS_ONLY["Statement"][0], Condition={"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}})
    s3.put_bucket_policy(Bucket="tls-bucket", Policy=json.dumps({"Statement": [statement]}))
    s3.put_object(Bucket="tls-bucket", Key="x", Body=b"1")


def test_command_line_start_and_stop(tmp_path):
    state = str(tmp_path / "emulator.json")
    helper = os.path.join(os.path.dirname(__file__), "server.py")
    url = subprocess.run([sys.executable, helper, "start", "--state-file", state], check=True, capture_output=True,
                         text=True).stdout.strip()
    pid = json.loads(open(state, encoding="utf-8").read())["pid"]
    try:
        assert url.startswith("http://127.0.0.1:")
        assert json.loads(subprocess.run([sys.executable, helper, "calls", "--state-file", state], check=True,
                                         capture_output=True, text=True).stdout)["total"] == 0
    finally:
        subprocess.run([sys.executable, helper, "stop", "--state-file", state], check=True)
    assert not os.path.exists(state)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_context_manager_stops_the_process(tmp_path):
    with Emulator.start(str(tmp_path / "s.json")) as running:
        process = running.process
        assert process.poll() is None
    assert process.poll() is not None
