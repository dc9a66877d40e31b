# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the collection retries beyond botocore's own attempts (found by the reliability suite's fault injection,
tests/reliability): connection errors, transient errors that stop a waiter, and throttling codes that amazon.aws'
default AWSRetry does not know."""

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.exceptions import ConnectionClosedError
from botocore.exceptions import EndpointConnectionError
from botocore.exceptions import ReadTimeoutError
from botocore.exceptions import WaiterError
from botocore.stub import Stubber

from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper

from ansible_collections.deltalake.aws.plugins.module_utils import ec2
from ansible_collections.deltalake.aws.plugins.module_utils import firehose
from ansible_collections.deltalake.aws.plugins.module_utils import iam
from ansible_collections.deltalake.aws.plugins.module_utils import kms
from ansible_collections.deltalake.aws.plugins.module_utils import s3
from ansible_collections.deltalake.aws.plugins.module_utils.base import aws_retry


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch):
    monkeypatch.setattr("time.sleep", lambda seconds: None)


def failing(*errors, result="done"):
    """A function that raises ``errors`` one per call, then returns ``result``; ``calls`` counts its calls."""
    pending = list(errors)

    def call():
        call.calls += 1
        if pending:
            raise pending.pop(0)
        return result

    call.calls = 0
    return call


def client_error(code, status=400):
    return ClientError({"Error": {"Code": code, "Message": "m"}, "ResponseMetadata": {"HTTPStatusCode": status}}, "Op")


URL = "http://127.0.0.1:1/"


@pytest.mark.parametrize(
    "error",
    [
        ConnectionClosedError(endpoint_url=URL),
        EndpointConnectionError(endpoint_url=URL),
        ReadTimeoutError(endpoint_url=URL),
    ],
    ids=["reset", "refused", "read-timeout"],
)
def test_connection_errors_botocore_gave_up_on_are_retried(error):
    call = failing(error, error)
    assert aws_retry(delay=0)(call)() == "done" and call.calls == 3


def test_connection_errors_are_retried_a_bounded_number_of_times():
    call = failing(*[ConnectionClosedError(endpoint_url=URL)] * 5)
    with pytest.raises(ConnectionClosedError):
        aws_retry(retries=3, delay=0)(call)()
    assert call.calls == 3


@pytest.mark.parametrize("code", ["ThrottlingException", "SlowDown", "TooManyRequestsException", "503", "InternalError"])
def test_throttling_and_server_errors_are_retried(code):
    call = failing(client_error(code, 503))
    assert aws_retry(delay=0)(call)() == "done" and call.calls == 2


def test_a_head_request_answered_500_is_retried():
    """HeadBucket answered 500 three times (botocore's standard mode gave up) is retried by the collection: a HEAD
    response has no body, so the error code is the bare status (seen at 30% injected faults)."""
    call = failing(*[client_error("500", 500)] * 3)
    assert aws_retry(delay=0)(call)() == "done" and call.calls == 4


@pytest.mark.parametrize("code", ["AccessDenied", "ValidationException", "EntityNotFoundException"])
def test_other_errors_are_not_retried(code):
    call = failing(client_error(code))
    with pytest.raises(ClientError):
        aws_retry(delay=0)(call)()
    assert call.calls == 1


def waiter_error(last_response, reason="Unexpected error encountered"):
    return WaiterError(name="Thing", reason=reason, last_response=last_response)


@pytest.mark.parametrize("code", ["ThrottlingException", "SlowDown", "503", "ServiceUnavailable"])
def test_a_waiter_stopped_by_a_transient_error_waits_again(code):
    call = failing(waiter_error({"Error": {"Code": code, "Message": "m"}}))
    assert aws_retry(delay=0)(call)() == "done" and call.calls == 2


@pytest.mark.parametrize(
    "last_response, reason",
    [
        ({"Things": [{"State": "pending"}]}, "Max attempts exceeded"),
        ({"Things": [{"State": "failed"}]}, "Waiter encountered a terminal failure state"),
        ({"Error": {"Code": "AccessDenied", "Message": "m"}}, "Unexpected error encountered"),
        (None, "Unexpected error encountered"),
    ],
    ids=["timeout", "failure-state", "access-denied", "no-response"],
)
def test_a_waiter_that_timed_out_or_failed_is_not_retried(last_response, reason):
    call = failing(waiter_error(last_response, reason))
    with pytest.raises(WaiterError):
        aws_retry(delay=0)(call)()
    assert call.calls == 1


# ------------------------------------------------------------------ paginated reads: the collection's aws_retry()


def stubbed_client(service):
    raw = boto3.client(service, region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s")
    return raw, RetryingBotoClientWrapper(raw, aws_retry(delay=0))


READS = [
    # (service, operation, error code, response, params, helper, expected) - codes amazon.aws' default AWSRetry
    # does not retry
    ("ec2", "describe_vpc_endpoints", "EC2ThrottledException", {"VpcEndpoints": [{"VpcEndpointId": "vpce-1"}]}, None,
     lambda c: ec2.find_vpc_endpoints(c, "vpc-1", "com.amazonaws.us-east-1.s3", "Gateway"), [{"VpcEndpointId": "vpce-1"}]),
    ("iam", "list_attached_role_policies", "ThrottlingException", {"AttachedPolicies": [{"PolicyArn": "arn:aws:iam::aws:policy/P"}]},
     {"RoleName": "r"}, lambda c: iam.get_managed_policy_arns(c, "r"), ["arn:aws:iam::aws:policy/P"]),
    ("kms", "list_resource_tags", "ThrottlingException", {"Tags": [{"TagKey": "a", "TagValue": "b"}]},
     {"KeyId": "k"}, lambda c: kms.get_tags(c, "k"), {"a": "b"}),
    ("s3", "list_object_versions", "SlowDown", {"Versions": [{"Key": "data/x", "Size": 3}]}, {"Bucket": "b"},
     lambda c: s3.find_data(c, "b"), (["data/x"], False)),
    ("firehose", "list_tags_for_delivery_stream", "ThrottlingException", {"Tags": [{"Key": "a", "Value": "b"}],
     "HasMoreTags": False}, {"DeliveryStreamName": "f"}, lambda c: firehose.get_tags(c, "f"), {"a": "b"}),
]


@pytest.mark.parametrize("read", READS, ids=[r[0] for r in READS])
def test_paginated_reads_retry_the_collections_throttling_codes(read):
    service, operation, code, response, params, helper, expected = read
    raw, client = stubbed_client(service)
    with Stubber(raw) as stub:
        stub.add_client_error(operation, service_error_code=code, http_status_code=503 if code == "SlowDown" else 400)
        stub.add_response(operation, response, params)
        assert helper(client) == expected
        stub.assert_no_pending_responses()


def test_paginated_reads_retry_a_reset_connection(monkeypatch):
    raw, client = stubbed_client("kms")
    calls = []
    real = raw._make_api_call

    def reset_once(operation, params):
        calls.append(operation)
        if len(calls) == 1:
            raise ConnectionClosedError(endpoint_url=URL)
        return real(operation, params)

    monkeypatch.setattr(raw, "_make_api_call", reset_once)
    with Stubber(raw) as stub:
        stub.add_response("list_resource_tags", {"Tags": []}, {"KeyId": "k"})
        assert kms.get_tags(client, "k") == {}
    assert calls == ["ListResourceTags", "ListResourceTags"]


# ------------------------------------------------------------------ waiters: a transient error makes them wait again


def stream_description(status):
    return {"DeliveryStreamDescription": {
        "DeliveryStreamName": "f", "DeliveryStreamARN": "arn:aws:firehose:us-east-1:123456789012:deliverystream/f",
        "DeliveryStreamStatus": status, "DeliveryStreamType": "DirectPut", "VersionId": "1", "Destinations": [],
        "HasMoreDestinations": False}}


WAITS = [
    # (service, operation, error code and status, success response, params, the helper that waits, the calls
    # before the wait); waiters that match on the HTTP status need it in the stubbed response
    ("s3", "head_bucket", ("503", 503), {"ResponseMetadata": {"HTTPStatusCode": 200}}, {"Bucket": "b"},
     lambda c: s3.create_bucket(c, "b", "us-east-1", "BucketOwnerEnforced"),
     [("create_bucket", {"Location": "/b"}, {"Bucket": "b", "ObjectOwnership": "BucketOwnerEnforced"})]),
    ("iam", "get_role", ("ThrottlingException", 400),
     {"Role": {"Path": "/", "RoleName": "r", "RoleId": "AROAEXAMPLEEXAMPLE01", "Arn": "arn:aws:iam::123456789012:role/r",
               "CreateDate": "2025-01-01T00:00:00Z"}, "ResponseMetadata": {"HTTPStatusCode": 200}}, {"RoleName": "r"},
     lambda c: iam.create_role(c, "r", "/", {"Version": "2012-10-17", "Statement": []}, None, 3600, None, {}),
     [("create_role", {"Role": {"Path": "/", "RoleName": "r", "RoleId": "AROAEXAMPLEEXAMPLE01",
                                "Arn": "arn:aws:iam::123456789012:role/r", "CreateDate": "2025-01-01T00:00:00Z"}}, None)]),
    ("ec2", "describe_vpc_endpoints", ("EC2ThrottledException", 503),
     {"VpcEndpoints": [{"VpcEndpointId": "vpce-1", "State": "available"}]}, {"VpcEndpointIds": ["vpce-1"]},
     lambda c: ec2.wait_for(c, "vpc_endpoint_available", "vpce-1", 60), []),
    ("firehose", "describe_delivery_stream", ("ThrottlingException", 400), stream_description("ACTIVE"),
     {"DeliveryStreamName": "f"}, lambda c: firehose.wait_for(c, "delivery_stream_active", "f", 60), []),
]


@pytest.mark.parametrize("wait", WAITS, ids=[w[0] for w in WAITS])
def test_a_wait_interrupted_by_a_transient_error_goes_on(wait):
    service, operation, (code, status), response, params, helper, before = wait
    raw, client = stubbed_client(service)
    with Stubber(raw) as stub:
        for other_operation, other_response, other_params in before:
            stub.add_response(other_operation, other_response, other_params)
        stub.add_client_error(operation, service_error_code=code, http_status_code=status)
        stub.add_response(operation, response, params)
        helper(client)
        stub.assert_no_pending_responses()


# ------------------------------------------------------------------ pyiceberg's S3 writes (pyarrow)


class _Credentials:
    access_key = "AKIDEXAMPLE"
    secret_key = "not-a-secret"
    token = None


class _Connection:
    region = "us-east-1"
    credentials = _Credentials()
    glue_endpoint = None
    s3_endpoint = None


def test_iceberg_metadata_writes_retry_like_the_glue_calls(monkeypatch):
    """pyarrow's S3 client (Iceberg metadata writes) would give up after 3 attempts; the catalog names the
    collection's strategy, which pyiceberg resolves (as its FileIO does) to AWS standard retries."""
    pytest.importorskip("pyiceberg")
    from pyarrow.fs import AwsStandardS3RetryStrategy
    from pyiceberg.catalog import glue
    from pyiceberg.io.pyarrow import _import_retry_strategy

    from ansible_collections.deltalake.aws.plugins.module_utils import iceberg

    created = {}
    monkeypatch.setattr(glue, "GlueCatalog", lambda name, **properties: created.update(properties) or "catalog")
    assert iceberg.IcebergCatalog(_Connection()).catalog == "catalog"

    strategy = _import_retry_strategy(created["s3.retry-strategy-impl"])
    assert isinstance(strategy, AwsStandardS3RetryStrategy)
    assert iceberg.S3_MAX_ATTEMPTS >= 10
