# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""IAM helpers: the new-role retry (errors the emulator never produces, through botocore's Stubber), the trust
policy shapes, validation, and paginated reads."""

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from ansible_collections.amazon.aws.plugins.module_utils import cloud
from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper

from ansible_collections.deltalake.aws.plugins.module_utils import iam
from ansible_collections.deltalake.aws.plugins.module_utils import kms
from ansible_collections.deltalake.aws.plugins.module_utils.base import DeltaLakeAWSError
from ansible_collections.deltalake.aws.plugins.module_utils.base import aws_retry

UC_MASTER = "arn:aws:iam::414351767826:role/unity-catalog-prod-UCMasterRole-14S5ZJVKOTYTL"
ROLE_ARN = "arn:aws:iam::123456789012:role/acme-processing"


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch):
    slept = []
    monkeypatch.setattr(cloud.time, "sleep", slept.append)
    return slept


def stubbed_client(service):
    raw = boto3.client(service, region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s")
    return raw, RetryingBotoClientWrapper(raw, aws_retry(delay=0, max_delay=0))


# ------------------------------------------------------------------ retry_on_new_role


@iam.retry_on_new_role()
def create_stream(client):
    return client.create_delivery_stream(DeliveryStreamName="lake", aws_retry=True)["DeliveryStreamARN"]


@iam.retry_on_new_role()
def create_crawler(client):
    client.create_crawler(Name="lake", Role=ROLE_ARN, Targets={}, aws_retry=True)
    return True


ARN = "arn:aws:firehose:us-east-1:123456789012:deliverystream/lake"


def test_firehose_refusing_a_new_role_is_retried_until_it_accepts_it(no_sleep):
    raw, client = stubbed_client("firehose")
    with Stubber(raw) as stub:
        for dummy in range(2):
            stub.add_client_error("create_delivery_stream", "InvalidArgumentException",
                                  f"Firehose is unable to assume role {ROLE_ARN}. Please check the role provided.")
        stub.add_response("create_delivery_stream", {"DeliveryStreamARN": ARN})
        assert create_stream(client) == ARN
        stub.assert_no_pending_responses()
    assert len(no_sleep) == 2


def test_glue_refusing_a_new_role_is_retried():
    raw, client = stubbed_client("glue")
    with Stubber(raw) as stub:
        stub.add_client_error("create_crawler", "InvalidInputException",
                              "Service is unable to assume provided role. Please verify role's TrustPolicy")
        stub.add_response("create_crawler", {})
        assert create_crawler(client) is True
        stub.assert_no_pending_responses()


def test_a_real_invalid_argument_fails_at_once(no_sleep):
    raw, client = stubbed_client("firehose")
    with Stubber(raw) as stub:
        stub.add_client_error("create_delivery_stream", "InvalidArgumentException",
                              "BufferingHints.SizeInMBs must be at least 64 when format conversion is enabled")
        with pytest.raises(ClientError, match="SizeInMBs"):
            create_stream(client)
    assert no_sleep == []


def test_retries_give_up_with_the_services_error():
    raw, client = stubbed_client("firehose")

    @iam.retry_on_new_role(retries=3)
    def create(c):
        return c.create_delivery_stream(DeliveryStreamName="lake", aws_retry=True)

    with Stubber(raw) as stub:
        for dummy in range(3):
            stub.add_client_error("create_delivery_stream", "InvalidArgumentException",
                                  f"Firehose is unable to assume role {ROLE_ARN}.")
        with pytest.raises(ClientError, match="unable to assume role"):
            create(client)
        stub.assert_no_pending_responses()


def test_trust_policy_update_waits_for_a_principal_iam_has_not_propagated():
    raw, client = stubbed_client("iam")
    with Stubber(raw) as stub:
        stub.add_client_error("update_assume_role_policy", "MalformedPolicyDocument",
                              f"Invalid principal in policy: \"AWS\":\"{ROLE_ARN}\"", http_status_code=400)
        stub.add_response("update_assume_role_policy", {})
        iam.update_trust_policy(client, "acme-processing", {"Statement": []})
        stub.assert_no_pending_responses()


def test_key_policy_naming_a_new_role_is_retried():
    raw, client = stubbed_client("kms")
    with Stubber(raw) as stub:
        stub.add_client_error("put_key_policy", "MalformedPolicyDocumentException",
                              "Policy contains a statement with one or more invalid principals.")
        stub.add_response("put_key_policy", {})
        kms.put_key_policy(client, "1234abcd-12ab-34cd-56ef-1234567890ab", {"Statement": []})
        stub.assert_no_pending_responses()


def test_lockout_refusal_is_not_mistaken_for_propagation():
    raw, client = stubbed_client("kms")
    with Stubber(raw) as stub:
        stub.add_client_error("put_key_policy", "MalformedPolicyDocumentException",
                              "The new key policy will not allow you to update the key policy in the future.")
        with pytest.raises(DeltaLakeAWSError, match="set key policy"):
            kms.put_key_policy(client, "1234abcd-12ab-34cd-56ef-1234567890ab", {"Statement": []})


@pytest.mark.parametrize("code, message, expected", [
    ("InvalidArgumentException", "Firehose is unable to assume role arn:aws:iam::1:role/x.", True),
    ("InvalidArgumentException", "Access was denied. Ensure that the trust policy for the provided role allows"
                                 " Firehose to assume the role", True),
    ("InvalidParameterValueException", "The role defined for the function cannot be assumed by Lambda.", True),
    ("MalformedPolicy", "Invalid principal in policy", True),
    ("InvalidArgumentException", "Role arn:aws:iam::1:role/x is not authorized to perform: s3:PutObject", True),
    ("AccessDeniedException", "User: arn:aws:iam::1:user/me is not authorized to perform: firehose:Create", False),
    ("AccessDeniedException", "User: arn:aws:iam::1:user/me is not authorized to perform: sts:AssumeRole", False),
    ("InvalidArgumentException", "Destination bucket does not exist", False),
    ("ValidationException", "1 validation error detected", False),
    ("Throttling", "Rate exceeded", False),
    ("NoSuchEntity", "Role x cannot be assumed", False),
])
def test_role_propagation_errors_are_told_by_code_and_message(code, message, expected):
    error = ClientError({"Error": {"Code": code, "Message": message}}, "Op")
    assert iam.is_role_not_ready(error) is expected
    assert (iam.NewRoleRetry.status_code_from_exception(error) == iam.ROLE_NOT_READY) is expected


# ------------------------------------------------------------------ trust policy shapes


def test_service_trust_policy():
    assert iam.service_trust_policy(["glue.amazonaws.com"])["Statement"] == [
        {"Effect": "Allow", "Principal": {"Service": "glue.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ]
    many = iam.service_trust_policy(["glue.amazonaws.com", "firehose.amazonaws.com", "glue.amazonaws.com"])
    assert many["Statement"][0]["Principal"]["Service"] == ["firehose.amazonaws.com", "glue.amazonaws.com"]


def databricks_trust(principals):
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": principals}, "Action": "sts:AssumeRole",
                       "Condition": {"StringEquals": {"sts:ExternalId": "abc"}}}],
    }


def test_self_reference_is_removed_for_the_first_step_of_creation():
    reduced = iam.without_self_reference(databricks_trust([UC_MASTER, ROLE_ARN]), "/", "acme-processing")
    assert reduced["Statement"][0]["Principal"] == {"AWS": UC_MASTER}
    assert reduced["Statement"][0]["Condition"] == {"StringEquals": {"sts:ExternalId": "abc"}}


def test_a_statement_naming_only_the_role_itself_is_dropped():
    policy = {"Statement": [databricks_trust(UC_MASTER)["Statement"][0],
                            {"Effect": "Allow", "Principal": {"AWS": ROLE_ARN}, "Action": "sts:AssumeRole"}]}
    reduced = iam.without_self_reference(policy, "/", "acme-processing")
    assert len(reduced["Statement"]) == 1 and reduced["Statement"][0]["Principal"] == {"AWS": UC_MASTER}


def test_no_self_reference():
    assert iam.without_self_reference(databricks_trust(UC_MASTER), "/", "acme-processing") is None
    # same name under another path is another role
    assert iam.without_self_reference(databricks_trust([ROLE_ARN]), "/lake/", "acme-processing") is None
    assert iam.without_self_reference(iam.service_trust_policy(["glue.amazonaws.com"]), "/", "x") is None


def test_normalize_role_fills_what_aws_leaves_out():
    role = {"RoleName": "r", "Arn": "arn:aws:iam::123456789012:role/r", "Path": "/",
            "AssumeRolePolicyDocument": '{"Statement": []}', "MaxSessionDuration": 7200}
    assert iam.normalize_role(role) == {
        "name": "r", "path": "/", "arn": "arn:aws:iam::123456789012:role/r", "description": "",
        "max_session_duration": 7200, "assume_role_policy": {"Statement": []}, "permissions_boundary": "", "tags": {},
    }
    role.update(Description="d", Tags=[{"Key": "a", "Value": "b"}],
                PermissionsBoundary={"PermissionsBoundaryArn": "arn:aws:iam::aws:policy/PowerUserAccess"})
    normalized = iam.normalize_role(role)
    assert normalized["tags"] == {"a": "b"} and normalized["permissions_boundary"].endswith("PowerUserAccess")


# ------------------------------------------------------------------ validation


@pytest.mark.parametrize("name, ok", [("lake-firehose", True), ("a" * 64, True), ("a" * 65, False),
                                      ("lake role", False), ("", False), ("x+=,.@_-", True)])
def test_role_names(name, ok):
    assert (iam.validate_role_name(name) == []) is ok


@pytest.mark.parametrize("path, ok", [("/", True), ("/lake/", True), ("/a/b/", True), ("lake/", False),
                                      ("/lake", False), ("//", False)])
def test_role_paths(path, ok):
    assert (iam.validate_role_path(path) == []) is ok


def test_inline_policies_share_one_quota():
    small = {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::lake/raw/*"}]}
    errors, parsed = iam.validate_inline_policies({"a": small, "b": '{"Statement": []}'})
    assert errors == [] and parsed["b"] == {"Statement": []}
    big = {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
                          "Resource": [f"arn:aws:s3:::lake/{i:05d}/*" for i in range(300)]}]}
    errors = iam.validate_inline_policies({"a": big, "b": big})[0]
    assert len(errors) == 1 and "at most 10240 characters" in errors[0]
    assert "policy name" in iam.validate_inline_policies({"a b": small})[0][0]


def test_managed_policy_arns_include_aws_managed_ones():
    assert iam.validate_managed_policy_arn("arn:aws:iam::aws:policy/service-role/AWSGlueServiceRole", "f") == []
    assert iam.validate_managed_policy_arn("arn:aws:iam::123456789012:policy/lake", "f") == []
    errors = iam.validate_managed_policy_arn("arn:aws:iam::aws:role/x", "managed_policy_arns[0]")
    assert errors == ["managed_policy_arns[0]: 'arn:aws:iam::aws:role/x' must point to a resource starting with 'policy/'"]


# ------------------------------------------------------------------ reads and deletion through Stubber


def test_inline_policies_follow_pages_and_skip_one_deleted_meanwhile():
    raw, client = stubbed_client("iam")
    doc = '{"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}'
    with Stubber(raw) as stub:
        stub.add_response("list_role_policies", {"PolicyNames": ["a"], "IsTruncated": True, "Marker": "m"},
                          {"RoleName": "r"})
        stub.add_response("list_role_policies", {"PolicyNames": ["b"], "IsTruncated": False},
                          {"RoleName": "r", "Marker": "m"})
        stub.add_response("get_role_policy", {"RoleName": "r", "PolicyName": "a", "PolicyDocument": doc})
        stub.add_client_error("get_role_policy", "NoSuchEntity", "gone", http_status_code=404)
        assert list(iam.get_inline_policies(client, "r")) == ["a"]
        stub.assert_no_pending_responses()


def test_missing_role_is_none_and_access_denied_is_an_error():
    raw, client = stubbed_client("iam")
    with Stubber(raw) as stub:
        stub.add_client_error("get_role", "NoSuchEntity", "Role r not found", http_status_code=404)
        stub.add_client_error("get_role", "AccessDenied", "not authorized", http_status_code=403)
        assert iam.get_role(client, "r") is None
        with pytest.raises(DeltaLakeAWSError, match="get role"):
            iam.get_role(client, "r")


def test_delete_role_empties_it_first():
    raw, client = stubbed_client("iam")
    with Stubber(raw) as stub:
        stub.add_response("list_instance_profiles_for_role", {"InstanceProfiles": [{
            "InstanceProfileName": "p", "Path": "/", "InstanceProfileId": "AIPAEXAMPLE0000000001",
            "Arn": "arn:aws:iam::123456789012:instance-profile/p", "CreateDate": "2024-01-01T00:00:00Z", "Roles": []}],
            "IsTruncated": False}, {"RoleName": "r"})
        stub.add_response("remove_role_from_instance_profile", {}, {"InstanceProfileName": "p", "RoleName": "r"})
        stub.add_response("list_attached_role_policies", {"AttachedPolicies": [{"PolicyArn": "arn:aws:iam::aws:policy/x"}],
                                                          "IsTruncated": False}, {"RoleName": "r"})
        stub.add_response("detach_role_policy", {}, {"RoleName": "r", "PolicyArn": "arn:aws:iam::aws:policy/x"})
        stub.add_response("list_role_policies", {"PolicyNames": ["inline"], "IsTruncated": False}, {"RoleName": "r"})
        stub.add_response("delete_role_policy", {}, {"RoleName": "r", "PolicyName": "inline"})
        stub.add_response("delete_role", {}, {"RoleName": "r"})
        assert iam.delete_role(client, "r") is True
        stub.assert_no_pending_responses()
    with Stubber(raw) as stub:
        stub.add_client_error("list_instance_profiles_for_role", "NoSuchEntity", "gone", http_status_code=404)
        stub.add_client_error("list_attached_role_policies", "NoSuchEntity", "gone", http_status_code=404)
        stub.add_client_error("list_role_policies", "NoSuchEntity", "gone", http_status_code=404)
        assert iam.delete_role(client, "r") is False
