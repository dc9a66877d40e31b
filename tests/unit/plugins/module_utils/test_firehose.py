# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Firehose helpers: prefix rules, normalization (as AWS and as the emulator describe a stream), and error paths
the emulator cannot produce (IAM propagation, throttling, tag paging), driven through botocore's Stubber."""

import boto3
import pytest
from botocore.stub import ANY
from botocore.stub import Stubber

from ansible_collections.amazon.aws.plugins.module_utils import cloud
from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper

from ansible_collections.deltalake.aws.plugins.module_utils import firehose
from ansible_collections.deltalake.aws.plugins.module_utils.base import DeltaLakeAWSError
from ansible_collections.deltalake.aws.plugins.module_utils.base import aws_retry

ROLE = "arn:aws:iam::123456789012:role/lake-firehose"
KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def stubbed_client(service):
    raw = boto3.client(service, region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s")
    return RetryingBotoClientWrapper(raw, aws_retry(delay=0, max_delay=0)), Stubber(raw)


@pytest.fixture
def stubbed():
    client, stub = stubbed_client("firehose")
    with stub:
        yield client, stub
        stub.assert_no_pending_responses()


@pytest.fixture
def no_sleep(monkeypatch):
    slept = []
    monkeypatch.setattr(cloud.time, "sleep", slept.append)
    return slept


# ------------------------------------------------------------------ prefix rules


def test_default_prefixes_are_valid():
    assert firehose.validate_prefixes(firehose.DEFAULT_PREFIX, firehose.DEFAULT_ERROR_OUTPUT_PREFIX) == []
    assert firehose.validate_prefixes("raw/", "") == []
    assert firehose.validate_prefixes("", "") == []
    assert firehose.validate_prefixes("raw/!{firehose:random-string}/", "err/!{firehose:error-output-type}/") == []
    quoted = "raw/!{timestamp:'year='yyyy'/month='MM}/"
    assert firehose.validate_prefixes(quoted, "err/!{firehose:error-output-type}/!{timestamp:yyyy}/") == []


@pytest.mark.parametrize(
    "prefix, error_prefix, field, rule",
    [
        ("raw/!{timestamp:yyyy}/", "", "error_output_prefix", "required by Firehose when prefix has"),
        ("raw/!{timestamp:yyyy}/", "err/!{timestamp:yyyy}/", "error_output_prefix", "must contain !{firehose:error-output-type}"),
        ("raw/!{firehose:error-output-type}/", "err/", "prefix", "may be used only in error_output_prefix"),
        ("raw/!{time:yyyy}/", "err/!{firehose:error-output-type}", "prefix", "unknown namespace 'time'"),
        ("raw/!{firehose:uuid}/", "err/!{firehose:error-output-type}", "prefix", "is not a firehose expression"),
        ("raw/!{partitionKeyFromQuery:id}/", "err/!{firehose:error-output-type}", "prefix", "dynamic partitioning"),
        ("raw/!{timestamp:}/", "err/!{firehose:error-output-type}", "prefix", "needs a date-time pattern"),
        ("raw/!{timestamp:'yyyy}/", "err/!{firehose:error-output-type}", "prefix", "unbalanced single quote"),
        ("raw/!{timestamp:yyyy/", "err/", "prefix", "outside a complete"),
        ("/raw/", "", "prefix", "must not start with '/'"),
        ("raw//x/", "", "prefix", "empty path segment"),
        ("r" * 1025, "", "prefix", "at most 1024 characters"),
        ("raw/", "/err/!{firehose:error-output-type}", "error_output_prefix", "must not start with '/'"),
    ],
)
def test_prefix_rules_name_the_field_and_the_rule(prefix, error_prefix, field, rule):
    errors = firehose.validate_prefixes(prefix, error_prefix)
    assert any(e.startswith(field + ":") and rule in e for e in errors), errors


@pytest.mark.parametrize(
    "function, value, ok",
    [
        (firehose.validate_stream_name, "lake-events_1.v2", True),
        (firehose.validate_stream_name, "lake events", False),
        (firehose.validate_stream_name, "x" * 65, False),
        (firehose.validate_role, "lake-firehose", True),
        (firehose.validate_role, ROLE, True),
        (firehose.validate_role, "arn:aws:iam::123456789012:user/me", False),
        (firehose.validate_role, "lake firehose", False),
        (firehose.validate_bucket, "lake-data", True),
        (firehose.validate_bucket, "arn:aws:s3:::lake-data", True),
        (firehose.validate_bucket, "arn:aws:s3:::lake-data/raw", False),
        (firehose.validate_bucket, "Lake_Data", False),
        (firehose.validate_source, "DirectPut", True),
        (firehose.validate_source, "arn:aws:kinesis:us-east-1:123456789012:stream/events", True),
        (firehose.validate_source, "arn:aws:sqs:us-east-1:123456789012:events", False),
        (firehose.validate_source, "kinesis", False),
    ],
)
def test_names_and_arns(function, value, ok):
    assert (function(value) == []) is ok


def test_buffering_and_logging_limits():
    assert firehose.validate_buffering({"size_mib": 5, "interval_seconds": 0}) == []
    errors = firehose.validate_buffering({"size_mib": 129, "interval_seconds": 901})
    assert errors == ["buffering.size_mib: 129 must be between 1 and 128",
                      "buffering.interval_seconds: 901 must be between 0 and 900"]
    bad = firehose.validate_cloudwatch_logging({"log_group_name": "bad group", "log_stream_name": "a:b"})
    assert [e.split(":")[0] for e in bad] == ["cloudwatch_logging.log_group_name", "cloudwatch_logging.log_stream_name"]


# ------------------------------------------------------------------ shapes


STATE = {
    "name": "events",
    "arn": "arn:aws:firehose:us-east-1:123456789012:deliverystream/events",
    "source": "DirectPut",
    "bucket_arn": "arn:aws:s3:::lake-data",
    "role_arn": ROLE,
    "prefix": firehose.DEFAULT_PREFIX,
    "error_output_prefix": firehose.DEFAULT_ERROR_OUTPUT_PREFIX,
    "compression": "GZIP",
    "buffering": {"size_mib": 64, "interval_seconds": 900},
    "kms_key_arn": KEY,
    "stream_encryption": {"key_type": "CUSTOMER_MANAGED_CMK", "key_arn": KEY},
    "cloudwatch_logging": {"enabled": True, "log_group_name": "/aws/kinesisfirehose/events",
                           "log_stream_name": "DestinationDelivery"},
}


def describe(state, encryption_status="ENABLED", **extra):
    """A DescribeDeliveryStream description as AWS writes it for ``state``."""
    destination = firehose.destination_to_api(state)
    description = {
        "DeliveryStreamName": state["name"],
        "DeliveryStreamARN": state["arn"],
        "DeliveryStreamStatus": "ACTIVE",
        "DeliveryStreamType": "DirectPut",
        "VersionId": "3",
        "CreateTimestamp": "2026-01-01T00:00:00Z",
        "HasMoreDestinations": False,
        "Destinations": [{"DestinationId": "destinationId-000000000001",
                          "S3DestinationDescription": dict(destination),
                          "ExtendedS3DestinationDescription": dict(destination)}],
    }
    encryption = firehose.stream_encryption_to_api(state["stream_encryption"])
    if encryption_status:
        encryption["Status"] = encryption_status
    description["DeliveryStreamEncryptionConfiguration"] = encryption
    description.update(extra)
    return description


def test_normalize_round_trips_the_api_shape():
    assert firehose.normalize_delivery_stream(describe(STATE)) == STATE
    assert firehose.normalize_delivery_stream(describe(STATE), {"lake": "x"})["tags"] == {"lake": "x"}
    assert firehose.destination_types(describe(STATE)) == ["ExtendedS3"]


def test_emulator_description_without_encryption_status_counts_as_enabled():
    assert firehose.normalize_delivery_stream(describe(STATE, encryption_status=None)) == STATE


@pytest.mark.parametrize("status", ["DISABLED", "DISABLING", "ENABLING_FAILED"])
def test_stream_not_encrypted(status):
    state = firehose.normalize_delivery_stream(describe(STATE, encryption_status=status))
    assert state["stream_encryption"] == {"key_type": None, "key_arn": None}


def test_defaults_when_aws_omits_fields():
    description = describe(STATE)
    for key in ("ErrorOutputPrefix", "EncryptionConfiguration", "CloudWatchLoggingOptions", "BufferingHints"):
        description["Destinations"][0]["ExtendedS3DestinationDescription"].pop(key)
    del description["DeliveryStreamEncryptionConfiguration"]
    state = firehose.normalize_delivery_stream(description)
    assert state["error_output_prefix"] == ""
    assert state["kms_key_arn"] is None
    assert state["buffering"] == {"size_mib": 5, "interval_seconds": 300}
    assert state["cloudwatch_logging"] == firehose.LOGGING_DISABLED
    assert state["stream_encryption"] == firehose.NO_STREAM_ENCRYPTION


def test_kinesis_source_and_other_destinations():
    kinesis = "arn:aws:kinesis:us-east-1:123456789012:stream/events"
    description = describe(STATE, DeliveryStreamType="KinesisStreamAsSource",
                           Source={"KinesisStreamSourceDescription": {"KinesisStreamARN": kinesis, "RoleARN": ROLE}})
    assert firehose.normalize_delivery_stream(description)["source"] == kinesis
    http = {"Destinations": [{"DestinationId": "d", "HttpEndpointDestinationDescription": {}}]}
    assert firehose.destination_types(http) == ["HttpEndpoint"]
    assert firehose.s3_destination(http) is None


def test_no_encryption_and_logging_off_in_the_api_shape():
    api = firehose.destination_to_api(dict(STATE, kms_key_arn=None, cloudwatch_logging=firehose.LOGGING_DISABLED))
    assert api["EncryptionConfiguration"] == {"NoEncryptionConfig": "NoEncryption"}
    assert api["CloudWatchLoggingOptions"] == {"Enabled": False}
    assert firehose.stream_encryption_to_api({"key_type": "AWS_OWNED_CMK", "key_arn": None}) == {"KeyType": "AWS_OWNED_CMK"}


def test_names():
    assert firehose.role_name_from_arn("arn:aws:iam::123456789012:role/service-role/x") == "x"
    assert firehose.bucket_arn_of("lake", "cn-north-1") == "arn:aws-cn:s3:::lake"
    assert firehose.bucket_name_of("arn:aws:s3:::lake") == "lake"
    assert firehose.stream_arn("s", "eu-west-1", "1" * 12) == "arn:aws:firehose:eu-west-1:111111111111:deliverystream/s"


# ------------------------------------------------------------------ calls through Stubber


def test_update_destination_sends_the_current_version_and_destination_ids(stubbed):
    client, stub = stubbed
    stub.add_response("update_destination", {}, {
        "DeliveryStreamName": "events", "CurrentDeliveryStreamVersionId": "3",
        "DestinationId": "destinationId-000000000001",
        "ExtendedS3DestinationUpdate": {"Prefix": "raw/x/", "BufferingHints": {"SizeInMBs": 64, "IntervalInSeconds": 60}},
    })
    firehose.update_destination(client, "events", "3", "destinationId-000000000001",
                                {"prefix": "raw/x/", "buffering": {"size_mib": 64, "interval_seconds": 60}})


def test_create_with_a_role_iam_has_not_propagated_yet_is_retried(stubbed, no_sleep):
    client, stub = stubbed
    for dummy in range(2):
        stub.add_client_error("create_delivery_stream", service_error_code="InvalidArgumentException",
                              service_message=f"Firehose is unable to assume role {ROLE}. Please check the role provided.")
    stub.add_response("create_delivery_stream", {"DeliveryStreamARN": STATE["arn"]}, {
        "DeliveryStreamName": "events", "DeliveryStreamType": "DirectPut",
        "ExtendedS3DestinationConfiguration": ANY, "DeliveryStreamEncryptionConfigurationInput": {
            "KeyType": "CUSTOMER_MANAGED_CMK", "KeyARN": KEY},
        "Tags": [{"Key": "lake", "Value": "x"}],
    })
    assert firehose.create_delivery_stream(client, dict(STATE, tags={"lake": "x"})) == STATE["arn"]
    assert len(no_sleep) == 2


def test_a_real_invalid_argument_fails_at_once(stubbed, no_sleep):
    client, stub = stubbed
    stub.add_client_error("update_destination", service_error_code="InvalidArgumentException",
                          service_message="BufferingHints.SizeInMBs must be at least 64 with format conversion")
    with pytest.raises(DeltaLakeAWSError, match="update delivery stream destination"):
        firehose.update_destination(client, "events", "1", "d", {"prefix": "raw/"})
    assert no_sleep == []


def test_kinesis_source_is_created_without_stream_encryption(stubbed):
    client, stub = stubbed
    kinesis = "arn:aws:kinesis:us-east-1:123456789012:stream/events"
    stub.add_response("create_delivery_stream", {"DeliveryStreamARN": STATE["arn"]}, {
        "DeliveryStreamName": "events", "DeliveryStreamType": "KinesisStreamAsSource",
        "KinesisStreamSourceConfiguration": {"KinesisStreamARN": kinesis, "RoleARN": ROLE},
        "ExtendedS3DestinationConfiguration": ANY,
    })
    firehose.create_delivery_stream(client, dict(STATE, source=kinesis, stream_encryption=firehose.NO_STREAM_ENCRYPTION))


def test_throttled_describe_is_retried_and_missing_is_none(stubbed):
    client, stub = stubbed
    stub.add_client_error("describe_delivery_stream", service_error_code="ThrottlingException", http_status_code=400)
    stub.add_response("describe_delivery_stream", {"DeliveryStreamDescription": describe(STATE)})
    stub.add_client_error("describe_delivery_stream", service_error_code="ResourceNotFoundException")
    assert firehose.get_delivery_stream(client, "events")["VersionId"] == "3"
    assert firehose.get_delivery_stream(client, "gone") is None


def test_tags_follow_has_more_tags(stubbed):
    client, stub = stubbed
    stub.add_response("list_tags_for_delivery_stream", {"Tags": [{"Key": "a", "Value": "1"}], "HasMoreTags": True},
                      {"DeliveryStreamName": "events"})
    stub.add_response("list_tags_for_delivery_stream", {"Tags": [{"Key": "b", "Value": "2"}], "HasMoreTags": False},
                      {"DeliveryStreamName": "events", "ExclusiveStartTagKey": "a"})
    assert firehose.get_tags(client, "events") == {"a": "1", "b": "2"}


def test_bucket_check_tells_missing_from_not_visible():
    s3, s3_stub = stubbed_client("s3")
    with s3_stub:
        s3_stub.add_client_error("head_bucket", service_error_code="404", http_status_code=404)
        s3_stub.add_client_error("head_bucket", service_error_code="403", http_status_code=403)
        s3_stub.add_response("head_bucket", {})
        assert [firehose.bucket_exists(s3, "b") for dummy in range(3)] == [False, None, True]
