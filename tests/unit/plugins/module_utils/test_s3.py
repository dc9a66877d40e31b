# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""S3 helpers: normalization, semantic policy comparison, and error paths the emulator cannot produce
(throttling, pagination), driven through botocore's Stubber."""

import boto3
import pytest
from botocore.stub import Stubber

from ansible_collections.amazon.aws.plugins.module_utils.policy import compare_policies
from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper

from ansible_collections.deltalake.aws.plugins.module_utils import s3
from ansible_collections.deltalake.aws.plugins.module_utils.base import DeltaLakeAWSError
from ansible_collections.deltalake.aws.plugins.module_utils.base import aws_retry


@pytest.fixture
def stubbed():
    raw = boto3.client("s3", region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s")
    client = RetryingBotoClientWrapper(raw, aws_retry(delay=0, max_delay=0))
    with Stubber(raw) as stub:
        yield client, stub
        stub.assert_no_pending_responses()


# ------------------------------------------------------------------ policies compared semantically


TLS = s3.tls_only_statement("lake", "us-east-1")


def test_policy_statement_order_does_not_matter():
    read = {"Sid": "R", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::lake/*"}
    a = {"Version": "2012-10-17", "Statement": [TLS, read]}
    b = {"Version": "2012-10-17", "Statement": list(reversed(a["Statement"]))}
    assert not compare_policies(a, b)


def test_string_and_one_element_list_are_equal():
    a = {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::lake/*"}]}
    b = {"Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": ["arn:aws:s3:::lake/*"]}]}
    assert not compare_policies(a, b)


def test_principal_forms_are_equal():
    star = dict(TLS, Principal="*")
    assert not compare_policies({"Statement": [TLS]}, {"Statement": [star]})
    root = {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "s3:*",
            "Resource": "arn:aws:s3:::lake"}
    account = dict(root, Principal={"AWS": "123456789012"})
    assert not compare_policies({"Statement": [root]}, {"Statement": [account]})


def test_a_real_difference_is_seen():
    changed = dict(TLS, Condition={"Bool": {"aws:SecureTransport": "true"}})
    assert compare_policies({"Statement": [TLS]}, {"Statement": [changed]})
    assert compare_policies({}, {"Statement": [TLS]})


def test_tls_statement_shape():
    assert TLS["Effect"] == "Deny" and TLS["Principal"] == {"AWS": "*"}
    assert TLS["Resource"] == ["arn:aws:s3:::lake", "arn:aws:s3:::lake/*"]
    assert TLS["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert s3.tls_only_statement("lake", "cn-north-1")["Resource"][0] == "arn:aws-cn:s3:::lake"


def test_with_and_has_statement():
    grant = s3.log_grant_statement("data", "logs", "logs/", "us-east-1", "123456789012")
    policy = s3.build_policy([TLS])
    added = s3.with_statement(policy, grant, True)
    assert len(added["Statement"]) == 2 and s3.has_statement(added, grant, compare_policies)
    # replaced, not duplicated, when it changes
    moved = dict(grant, Resource="arn:aws:s3:::logs/other/*")
    replaced = s3.with_statement(added, moved, True)
    assert len(replaced["Statement"]) == 2 and not s3.has_statement(replaced, grant, compare_policies)
    assert s3.with_statement(s3.build_policy([grant]), grant, False) == {}
    assert not s3.has_statement(None, grant, compare_policies)


def test_log_grant_is_scoped_to_source_and_prefix():
    grant = s3.log_grant_statement("lake-data", "lake-logs", "logs/", "us-east-1", "123456789012")
    assert grant["Principal"] == {"Service": "logging.s3.amazonaws.com"}
    assert grant["Resource"] == "arn:aws:s3:::lake-logs/logs/*"  # one string: what S3 (and the emulator) expect
    assert grant["Condition"] == {
        "ArnLike": {"aws:SourceArn": "arn:aws:s3:::lake-data"},
        "StringEquals": {"aws:SourceAccount": "123456789012"},
    }
    assert s3.is_log_grant(grant) and grant["Sid"].isalnum()
    assert s3.log_grant_sid("a-b") != s3.log_grant_sid("ab")


# ------------------------------------------------------------------ normalization


def test_encryption_normalization_treats_not_set_as_sse_s3():
    assert s3.normalize_encryption(None) == {"encryption": "sse_s3", "kms_key_id": None, "bucket_key": False}
    kms = {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "alias/k"},
                      "BucketKeyEnabled": True}]}
    assert s3.normalize_encryption(kms) == {"encryption": "sse_kms", "kms_key_id": "alias/k", "bucket_key": True}
    dsse = {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms:dsse"}}]}
    assert s3.normalize_encryption(dsse)["encryption"] == "dsse_kms"


def test_lifecycle_round_trip():
    rule = {"id": "r", "prefix": "raw/", "enabled": True,
            "transitions": [{"days": 30, "storage_class": "STANDARD_IA"}, {"days": 90, "storage_class": "GLACIER_IR"}],
            "expiration_days": 400, "noncurrent_version_expiration_days": 30,
            "abort_incomplete_multipart_upload_days": 7}
    assert s3.normalize_lifecycle_rule(s3.lifecycle_rule_to_api(rule)) == rule
    legacy = {"ID": "old", "Prefix": "logs/", "Status": "Disabled", "Expiration": {"Days": 10}}
    assert s3.normalize_lifecycle_rule(legacy)["prefix"] == "logs/"
    assert s3.normalize_lifecycle_rule(legacy)["enabled"] is False


# ------------------------------------------------------------------ error paths through Stubber


@pytest.mark.parametrize("codes", [["SlowDown", "Throttling"], ["ThrottlingException", "503", "InternalError"]])
def test_throttled_read_is_retried(stubbed, codes):
    client, stub = stubbed
    for code in codes:
        stub.add_client_error("get_bucket_versioning", service_error_code=code, http_status_code=503)
    stub.add_response("get_bucket_versioning", {"Status": "Enabled"}, {"Bucket": "lake"})
    assert s3.get_versioning(client, "lake") is True


def test_retries_give_up_with_the_error():
    raw = boto3.client("s3", region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s")
    few = RetryingBotoClientWrapper(raw, aws_retry(retries=2, delay=0, max_delay=0))
    with Stubber(raw) as own:
        for dummy in range(2):
            own.add_client_error("get_bucket_versioning", service_error_code="SlowDown", http_status_code=503)
        with pytest.raises(DeltaLakeAWSError, match="SlowDown"):
            s3.get_versioning(few, "lake")


def test_not_set_answers_become_defaults(stubbed):
    client, stub = stubbed
    stub.add_client_error("get_public_access_block", service_error_code="NoSuchPublicAccessBlockConfiguration",
                          http_status_code=404)
    stub.add_client_error("get_bucket_ownership_controls", service_error_code="OwnershipControlsNotFoundError",
                          http_status_code=404)
    stub.add_client_error("get_bucket_encryption", service_error_code="ServerSideEncryptionConfigurationNotFoundError",
                          http_status_code=404)
    stub.add_client_error("get_bucket_policy", service_error_code="NoSuchBucketPolicy", http_status_code=404)
    assert s3.get_public_access_block(client, "lake") == s3.DEFAULT_PUBLIC_ACCESS_BLOCK
    assert s3.get_object_ownership(client, "lake") == "BucketOwnerEnforced"
    assert s3.get_encryption(client, "lake")["encryption"] == "sse_s3"
    assert s3.get_policy(client, "lake") is None


def test_access_denied_is_an_error_not_a_default(stubbed):
    client, stub = stubbed
    stub.add_client_error("get_bucket_policy", service_error_code="AccessDenied", http_status_code=403)
    with pytest.raises(DeltaLakeAWSError, match="get bucket policy"):
        s3.get_policy(client, "lake")


def test_bucket_owned_by_someone_else(stubbed):
    client, stub = stubbed
    stub.add_client_error("head_bucket", service_error_code="403", http_status_code=403)
    with pytest.raises(DeltaLakeAWSError, match="may belong to another account"):
        s3.get_bucket_region(client, "taken")


def test_prefix_listing_follows_pages_and_costs_one_listing_per_parent(stubbed):
    client, stub = stubbed
    stub.add_response("list_objects_v2", {"CommonPrefixes": [{"Prefix": "raw/"}], "IsTruncated": True,
                                          "NextContinuationToken": "t"},
                      {"Bucket": "lake", "Prefix": "", "Delimiter": "/"})
    stub.add_response("list_objects_v2", {"CommonPrefixes": [{"Prefix": "logs/"}], "IsTruncated": False},
                      {"Bucket": "lake", "Prefix": "", "Delimiter": "/", "ContinuationToken": "t"})
    stub.add_response("list_objects_v2", {"CommonPrefixes": [], "IsTruncated": False},
                      {"Bucket": "lake", "Prefix": "raw/", "Delimiter": "/"})
    wanted = ["raw/", "processed/", "logs/", "raw/events/"]
    assert s3.get_existing_prefixes(client, "lake", wanted) == ["raw/", "logs/"]


def test_find_data_ignores_folder_markers_and_follows_pages(stubbed):
    client, stub = stubbed
    stub.add_response("list_object_versions", {
        "Versions": [{"Key": "raw/", "Size": 0, "VersionId": "1"}], "DeleteMarkers": [{"Key": "logs/", "VersionId": "2"}],
        "IsTruncated": True, "NextKeyMarker": "raw/", "NextVersionIdMarker": "1"}, {"Bucket": "lake"})
    stub.add_response("list_object_versions", {
        "Versions": [{"Key": "raw/a.json", "Size": 10, "VersionId": "3"}],
        "DeleteMarkers": [{"Key": "raw/b.json", "VersionId": "4"}], "IsTruncated": False},
        {"Bucket": "lake", "KeyMarker": "raw/", "VersionIdMarker": "1"})
    assert s3.find_data(client, "lake") == (["raw/a.json", "raw/b.json (delete marker)"], False)


def test_markers_only_bucket_holds_no_data(stubbed):
    client, stub = stubbed
    stub.add_response("list_object_versions", {"Versions": [{"Key": "raw/", "Size": 0, "VersionId": "1"}],
                                               "IsTruncated": False}, {"Bucket": "lake"})
    assert s3.find_data(client, "lake") == ([], False)


def test_delete_all_versions_batches_and_reports_errors(stubbed):
    client, stub = stubbed
    versions = [{"Key": f"k{i}", "VersionId": str(i)} for i in range(1001)]
    stub.add_response("list_object_versions", {"Versions": versions, "IsTruncated": False}, {"Bucket": "lake"})
    stub.add_response("delete_objects", {}, {"Bucket": "lake", "Delete": {"Objects": versions[:1000], "Quiet": True}})
    stub.add_response("delete_objects", {"Errors": [{"Key": "k1000", "Code": "AccessDenied", "Message": "no"}]},
                      {"Bucket": "lake", "Delete": {"Objects": versions[1000:], "Quiet": True}})
    with pytest.raises(DeltaLakeAWSError, match="k1000: AccessDenied"):
        s3.delete_all_versions(client, "lake")


def test_delete_all_versions_lists_again_from_the_start_until_nothing_is_left(stubbed):
    """A listing is never continued from a marker whose version was just deleted."""
    client, stub = stubbed
    first = [{"Key": "a", "VersionId": "1"}, {"Key": "b", "VersionId": "2"}]
    stub.add_response("list_object_versions", {"Versions": first, "IsTruncated": True, "NextKeyMarker": "b",
                                               "NextVersionIdMarker": "2"}, {"Bucket": "lake"})
    stub.add_response("delete_objects", {}, {"Bucket": "lake", "Delete": {"Objects": first, "Quiet": True}})
    stub.add_response("list_object_versions", {"DeleteMarkers": [{"Key": "c", "VersionId": "3"}], "IsTruncated": False},
                      {"Bucket": "lake"})
    stub.add_response("delete_objects", {}, {"Bucket": "lake", "Delete": {"Objects": [{"Key": "c", "VersionId": "3"}],
                                                                          "Quiet": True}})
    stub.add_response("list_object_versions", {"IsTruncated": False}, {"Bucket": "lake"})
    assert s3.delete_all_versions(client, "lake") == 3


def test_delete_all_versions_stops_when_nothing_goes(stubbed):
    client, stub = stubbed
    versions = [{"Key": "a", "VersionId": "1"}]
    stub.add_response("list_object_versions", {"Versions": versions, "IsTruncated": False}, {"Bucket": "lake"})
    stub.add_response("delete_objects", {}, {"Bucket": "lake", "Delete": {"Objects": versions, "Quiet": True}})
    stub.add_response("list_object_versions", {"Versions": versions, "IsTruncated": False}, {"Bucket": "lake"})
    with pytest.raises(DeltaLakeAWSError, match="still listed"):
        s3.delete_all_versions(client, "lake")
