# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""deltalake.aws.firehose_delivery_stream in-process against moto: the paths the integration target cannot reach
over HTTP (a stream that failed to create, a non-S3 destination, a Kinesis source with a key, a missing bucket)
and the call economy of a re-run."""

import boto3
import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.firehose.models import firehose_backends

from ansible_collections.deltalake.aws.plugins.modules import firehose_delivery_stream

# pylint: disable-next=unused-import
from ansible_collections.deltalake.aws.tests.unit.plugins.modules.catalog_runner import aws  # the fixture
from ansible_collections.deltalake.aws.tests.unit.plugins.modules.catalog_runner import run_module

TRUST = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "firehose.amazonaws.com"}, "Action": "sts:AssumeRole"}]}'
ARGS = {"name": "events", "bucket": "lake-data", "role": "lake-firehose", "tags": {"lake": "test"}}
KINESIS = "arn:aws:kinesis:us-east-1:123456789012:stream/events"


def run(capsys, args, check_mode=False):
    return run_module(firehose_delivery_stream, capsys, args, check_mode)


@pytest.fixture
def lake(aws):  # pylint: disable=redefined-outer-name
    """The bucket, role and key a stream needs; the recorded calls start empty."""
    boto3.client("s3").create_bucket(Bucket="lake-data")
    role = boto3.client("iam").create_role(RoleName="lake-firehose", AssumeRolePolicyDocument=TRUST)["Role"]
    key = boto3.client("kms").create_key()["KeyMetadata"]
    boto3.client("kms").create_alias(AliasName="alias/lake", TargetKeyId=key["KeyId"])
    del aws[:]
    return {"role_arn": role["Arn"], "key_arn": key["Arn"]}


def test_create_then_identical_rerun_reads_only(aws, lake, capsys):  # pylint: disable=redefined-outer-name
    created = run(capsys, ARGS)
    assert created["changed"] and created["created"] and aws.mutating == ["CreateDeliveryStream"]
    assert created["delivery_stream"]["role_arn"] == lake["role_arn"]
    del aws[:]
    again = run(capsys, ARGS)
    assert not again["changed"] and again["delivery_stream"] == created["delivery_stream"]
    assert aws == ["DescribeDeliveryStream", "ListTagsForDeliveryStream"]


def test_missing_bucket_fails_before_any_write(aws, lake, capsys):  # pylint: disable=redefined-outer-name
    result = run(capsys, dict(ARGS, bucket="lake-missing"))
    assert result["failed"] and "bucket: S3 bucket lake-missing does not exist" in result["msg"]
    assert aws.mutating == [] and "HeadBucket" in aws


def test_kinesis_source_with_a_key_encrypts_only_the_objects(aws, lake, capsys):  # pylint: disable=redefined-outer-name
    created = run(capsys, dict(ARGS, source=KINESIS, kms_key_id="alias/lake"))
    assert created["delivery_stream"]["kms_key_arn"] == lake["key_arn"]
    assert created["delivery_stream"]["stream_encryption"] == {"key_type": None, "key_arn": None}
    stream = firehose_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].delivery_streams["events"]
    assert stream.delivery_stream_type == "KinesisStreamAsSource" and not stream.delivery_stream_encryption_configuration
    del aws[:]
    assert not run(capsys, dict(ARGS, source=KINESIS, kms_key_id="alias/lake"))["changed"] and aws.mutating == []


def test_a_stream_that_failed_to_create_is_replaced_only_when_allowed(aws, lake, capsys):  # pylint: disable=redefined-outer-name
    run(capsys, ARGS)
    stream = firehose_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].delivery_streams["events"]
    stream.delivery_stream_status = "CREATING_FAILED"
    del aws[:]
    refused = run(capsys, ARGS)
    assert refused["failed"] and "status: the stream failed to create" in refused["msg"] and aws.mutating == []
    replaced = run(capsys, dict(ARGS, allow_replace=True))
    assert replaced["changed"] and aws.mutating == ["DeleteDeliveryStream", "CreateDeliveryStream"]


def test_a_non_s3_destination_cannot_be_updated_in_place(aws, lake, capsys):  # pylint: disable=redefined-outer-name
    boto3.client("firehose").create_delivery_stream(
        DeliveryStreamName="events",
        HttpEndpointDestinationConfiguration={
            "EndpointConfiguration": {"Url": "https://example.com/ingest"},
            "S3Configuration": {"RoleARN": lake["role_arn"], "BucketARN": "arn:aws:s3:::lake-data"},
        },
    )
    del aws[:]
    refused = run(capsys, ARGS, check_mode=True)
    assert refused["failed"] and "destination: the stream delivers to HttpEndpoint, not S3" in refused["msg"]
    assert aws.mutating == []


def test_planned_dependencies_are_predicted_in_check_mode(aws, capsys):  # pylint: disable=redefined-outer-name
    planned = run(capsys, dict(ARGS, kms_key_id="1234abcd-12ab-34cd-56ef-1234567890ab"), check_mode=True)
    assert planned["changed"] and aws.mutating == []
    assert planned["delivery_stream"]["role_arn"] == "arn:aws:iam::123456789012:role/lake-firehose"
    assert planned["delivery_stream"]["kms_key_arn"] == (
        "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    )


def test_tags_without_purge_keep_the_others(aws, lake, capsys):  # pylint: disable=redefined-outer-name
    run(capsys, ARGS)
    del aws[:]
    added = run(capsys, dict(ARGS, tags={"owner": "data"}, purge_tags=False))
    assert added["delivery_stream"]["tags"] == {"lake": "test", "owner": "data"}
    assert aws.mutating == ["TagDeliveryStream"]
