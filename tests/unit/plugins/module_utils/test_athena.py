# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Athena helpers: the normalized workgroup shape (no creation time, no effective engine version), the one
UpdateWorkGroup request that turns one state into another, and, through botocore's Stubber, missing workgroups as
AWS and the emulator report them, tag pagination and throttling."""

import boto3
import pytest
from botocore.stub import Stubber

from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper

from ansible_collections.deltalake.aws.plugins.module_utils import athena
from ansible_collections.deltalake.aws.plugins.module_utils.base import DeltaLakeAWSError
from ansible_collections.deltalake.aws.plugins.module_utils.base import aws_retry

ARN = "arn:aws:athena:us-east-1:123456789012:workgroup/analysts"
KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


@pytest.fixture
def stubbed():
    raw = boto3.client("athena", region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s")
    client = RetryingBotoClientWrapper(raw, aws_retry(delay=0, max_delay=0))
    with Stubber(raw) as stub:
        yield client, stub
        stub.assert_no_pending_responses()


def workgroup(**configuration):
    return {"Name": "analysts", "State": "ENABLED", "Configuration": configuration, "CreationTime": "2024-01-01"}


STATE = {
    "name": "analysts",
    "arn": ARN,
    "description": "",
    "output_location": "s3://lake/analytics/athena-results/",
    "encryption": "sse_s3",
    "kms_key_id": None,
    "enforce_workgroup_configuration": True,
    "publish_cloudwatch_metrics": True,
    "bytes_scanned_cutoff_per_query": None,
    "requester_pays": False,
    "engine_version": "AUTO",
}


# ------------------------------------------------------------------ normalization


def test_normalized_shape_leaves_out_creation_time_and_effective_engine_version():
    raw = workgroup(
        ResultConfiguration={
            "OutputLocation": "s3://lake/analytics/athena-results/",
            "EncryptionConfiguration": {"EncryptionOption": "SSE_S3"},
        },
        EnforceWorkGroupConfiguration=True,
        PublishCloudWatchMetricsEnabled=True,
        RequesterPaysEnabled=False,
        EngineVersion={"SelectedEngineVersion": "AUTO", "EffectiveEngineVersion": "Athena engine version 3"},
        EnableMinimumEncryptionConfiguration=False,
    )
    assert athena.normalize_workgroup(raw, ARN) == STATE
    later = dict(raw, CreationTime="2024-06-01")
    later["Configuration"] = dict(
        raw["Configuration"],
        EngineVersion={"SelectedEngineVersion": "AUTO", "EffectiveEngineVersion": "Athena engine version 4"},
    )
    assert athena.normalize_workgroup(later, ARN) == STATE


def test_unset_settings_normalize_to_defaults():
    state = athena.normalize_workgroup({"Name": "analysts"}, ARN)
    assert state["output_location"] == "" and state["encryption"] == "none" and state["kms_key_id"] is None
    assert state["engine_version"] == "AUTO" and state["bytes_scanned_cutoff_per_query"] is None


def test_kms_encryption_normalization():
    raw = workgroup(ResultConfiguration={"EncryptionConfiguration": {"EncryptionOption": "CSE_KMS", "KmsKey": KEY}})
    state = athena.normalize_workgroup(raw, ARN)
    assert (state["encryption"], state["kms_key_id"]) == ("cse_kms", KEY)


# ------------------------------------------------------------------ requests


def test_create_configuration():
    assert athena.configuration_to_api(dict(STATE, bytes_scanned_cutoff_per_query=10000000)) == {
        "ResultConfiguration": {
            "OutputLocation": "s3://lake/analytics/athena-results/",
            "EncryptionConfiguration": {"EncryptionOption": "SSE_S3"},
        },
        "EnforceWorkGroupConfiguration": True,
        "PublishCloudWatchMetricsEnabled": True,
        "RequesterPaysEnabled": False,
        "BytesScannedCutoffPerQuery": 10000000,
        "EngineVersion": {"SelectedEngineVersion": "AUTO"},
    }
    bare = athena.configuration_to_api({"encryption": "none", "output_location": ""})
    assert bare == {}


def test_no_difference_no_update():
    assert athena.workgroup_updates(dict(STATE), dict(STATE)) == {}


@pytest.mark.parametrize(
    "change, request_",
    [
        ({"description": "d"}, {"Description": "d"}),
        (
            {"output_location": "s3://lake/x/"},
            {"ConfigurationUpdates": {"ResultConfigurationUpdates": {"OutputLocation": "s3://lake/x/"}}},
        ),
        (
            {"output_location": ""},
            {"ConfigurationUpdates": {"ResultConfigurationUpdates": {"RemoveOutputLocation": True}}},
        ),
        (
            {"encryption": "sse_kms", "kms_key_id": KEY},
            {
                "ConfigurationUpdates": {
                    "ResultConfigurationUpdates": {
                        "EncryptionConfiguration": {"EncryptionOption": "SSE_KMS", "KmsKey": KEY}
                    }
                }
            },
        ),
        (
            {"encryption": "none"},
            {"ConfigurationUpdates": {"ResultConfigurationUpdates": {"RemoveEncryptionConfiguration": True}}},
        ),
        (
            {"bytes_scanned_cutoff_per_query": 10000000},
            {"ConfigurationUpdates": {"BytesScannedCutoffPerQuery": 10000000}},
        ),
        (
            {"enforce_workgroup_configuration": False, "requester_pays": True},
            {"ConfigurationUpdates": {"EnforceWorkGroupConfiguration": False, "RequesterPaysEnabled": True}},
        ),
        (
            {"engine_version": "Athena engine version 3"},
            {"ConfigurationUpdates": {"EngineVersion": {"SelectedEngineVersion": "Athena engine version 3"}}},
        ),
    ],
)
def test_update_request_names_only_what_changes(change, request_):
    assert athena.workgroup_updates(dict(STATE, **change), dict(STATE)) == request_


def test_removing_the_scan_limit():
    have = dict(STATE, bytes_scanned_cutoff_per_query=10000000)
    assert athena.workgroup_updates(dict(STATE), have) == {
        "ConfigurationUpdates": {"RemoveBytesScannedCutoffPerQuery": True}
    }


def test_unmanaged_settings_are_not_in_the_request():
    target = {"encryption": "sse_s3", "kms_key_id": None, "enforce_workgroup_configuration": False}
    assert athena.workgroup_updates(target, dict(STATE)) == {
        "ConfigurationUpdates": {"EnforceWorkGroupConfiguration": False}
    }


# ------------------------------------------------------------------ calls through Stubber


def test_missing_workgroup_without_key_is_none(stubbed):
    client, stub = stubbed
    stub.add_response("get_work_group", {}, {"WorkGroup": "analysts"})  # what the emulator answers
    assert athena.get_workgroup(client, "analysts") is None


def test_missing_workgroup_error_is_none(stubbed):
    client, stub = stubbed
    stub.add_client_error(
        "get_work_group",
        service_error_code="InvalidRequestException",
        service_message="WorkGroup analysts is not found.",
        http_status_code=400,
    )
    assert athena.get_workgroup(client, "analysts") is None


def test_other_invalid_requests_are_errors(stubbed):
    client, stub = stubbed
    stub.add_client_error(
        "get_work_group",
        service_error_code="InvalidRequestException",
        service_message="Request is malformed",
        http_status_code=400,
    )
    with pytest.raises(DeltaLakeAWSError, match="get Athena workgroup"):
        athena.get_workgroup(client, "analysts")


def test_throttled_read_is_retried(stubbed):
    client, stub = stubbed
    stub.add_client_error("get_work_group", service_error_code="TooManyRequestsException", http_status_code=400)
    stub.add_client_error("get_work_group", service_error_code="ThrottlingException", http_status_code=400)
    stub.add_response("get_work_group", {"WorkGroup": {"Name": "analysts"}}, {"WorkGroup": "analysts"})
    assert athena.get_workgroup(client, "analysts") == {"Name": "analysts"}


def test_tags_follow_every_page(stubbed):
    client, stub = stubbed
    stub.add_response(
        "list_tags_for_resource", {"Tags": [{"Key": "a", "Value": "1"}], "NextToken": "t"}, {"ResourceARN": ARN}
    )
    stub.add_response(
        "list_tags_for_resource", {"Tags": [{"Key": "b", "Value": "2"}]}, {"ResourceARN": ARN, "NextToken": "t"}
    )
    assert athena.get_tags(client, ARN) == {"a": "1", "b": "2"}


def test_tag_updates(stubbed):
    client, stub = stubbed
    stub.add_response("untag_resource", {}, {"ResourceARN": ARN, "TagKeys": ["old"]})
    stub.add_response("tag_resource", {}, {"ResourceARN": ARN, "Tags": [{"Key": "lake", "Value": "x"}]})
    athena.update_tags(client, ARN, {"old": "1"}, {"lake": "x"})


def test_update_and_create_requests(stubbed):
    client, stub = stubbed
    stub.add_response("update_work_group", {}, {"WorkGroup": "analysts", "Description": "d"})
    athena.update_workgroup(client, "analysts", dict(STATE, description="d"), dict(STATE))
    stub.add_response(
        "create_work_group",
        {},
        {
            "Name": "analysts",
            "Configuration": athena.configuration_to_api(STATE),
            "Description": "d",
            "Tags": [{"Key": "lake", "Value": "x"}],
        },
    )
    athena.create_workgroup(client, "analysts", dict(STATE, description="d"), {"lake": "x"})


def test_named_queries_and_delete(stubbed):
    client, stub = stubbed
    stub.add_response(
        "list_named_queries",
        {"NamedQueryIds": ["q1", "q2"], "NextToken": "n"},
        {"WorkGroup": "analysts", "MaxResults": 50},
    )
    assert athena.find_named_queries(client, "analysts") == (2, True)
    stub.add_response("delete_work_group", {}, {"WorkGroup": "analysts", "RecursiveDeleteOption": True})
    assert athena.delete_workgroup(client, "analysts", True) is True
    stub.add_client_error(
        "delete_work_group",
        service_error_code="InvalidRequestException",
        service_message="WorkGroup analysts is not found.",
        http_status_code=400,
    )
    assert athena.delete_workgroup(client, "analysts", False) is False
