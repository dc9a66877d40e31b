# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""KMS helpers: the default key policy, validation, and the search for a key whose run stopped before
CreateAlias (including answers the emulator cannot give, through botocore's Stubber)."""

import datetime

import boto3
import pytest
from botocore.stub import Stubber

from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper

from ansible_collections.deltalake.aws.plugins.module_utils import kms
from ansible_collections.deltalake.aws.plugins.module_utils.base import DeltaLakeAWSError
from ansible_collections.deltalake.aws.plugins.module_utils.base import aws_retry

KEY_A = "11111111-1111-1111-1111-111111111111"
KEY_B = "22222222-2222-2222-2222-222222222222"
KEY_C = "33333333-3333-3333-3333-333333333333"
ALIAS = "alias/acme-lake"


@pytest.fixture
def stubbed():
    raw = boto3.client("kms", region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s")
    client = RetryingBotoClientWrapper(raw, aws_retry(delay=0, max_delay=0))
    with Stubber(raw) as stub:
        yield client, stub
        stub.assert_no_pending_responses()


def metadata(key_id, state="Enabled", manager="CUSTOMER", created=1):
    return {"KeyId": key_id, "Arn": f"arn:aws:kms:us-east-1:123456789012:key/{key_id}", "KeyState": state,
            "KeyManager": manager, "CreationDate": datetime.datetime(2025, 1, created, tzinfo=datetime.timezone.utc)}


# ------------------------------------------------------------------ shapes and validation


def test_default_policy_lets_the_account_administer_and_nobody_else_by_default():
    policy = kms.default_key_policy("aws", "123456789012")
    assert policy["Statement"] == [{"Sid": "EnableIAMPolicies", "Effect": "Allow",
                                    "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "kms:*",
                                    "Resource": "*"}]


def test_default_policy_for_lake_roles_and_services():
    roles = ["arn:aws:iam::123456789012:role/b", "arn:aws:iam::123456789012:role/a"]
    policy = kms.default_key_policy("aws-cn", "123456789012", roles, ["logs.cn-north-1.amazonaws.com.cn"])
    sids = [s["Sid"] for s in policy["Statement"]]
    assert sids == ["EnableIAMPolicies", "LakePrincipalsUseKey", "LakePrincipalsAttachKeyToAWSResources",
                    "LakeServicesUseKey"]
    use, grants, services = policy["Statement"][1:]
    assert use["Principal"] == {"AWS": sorted(roles)}
    assert "kms:*" not in use["Action"] and "kms:Decrypt" in use["Action"]
    assert grants["Condition"] == {"Bool": {"kms:GrantIsForAWSResource": "true"}}
    assert services["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}
    assert policy["Statement"][0]["Principal"]["AWS"] == "arn:aws-cn:iam::123456789012:root"


@pytest.mark.parametrize("alias, rule", [
    ("alias/acme-lake", None),
    ("acme-lake", None),
    ("alias/team/acme_lake", None),
    ("alias/aws/s3", "reserved for AWS managed keys"),
    ("aws/s3", "reserved for AWS managed keys"),
    ("alias/AWS/x", "reserved for AWS managed keys"),
    ("alias/acme lake", "must be alias/"),
    ("", "is required"),
])
def test_alias_rules(alias, rule):
    errors = kms.validate_alias(alias)
    assert (errors == []) if rule is None else (len(errors) == 1 and rule in errors[0] and errors[0].startswith("alias:"))


@pytest.mark.parametrize("days, ok", [(7, True), (30, True), (6, False), (3, False), (31, False), (None, True)])
def test_pending_window_is_7_to_30_days(days, ok):
    assert (kms.validate_pending_window(days) == []) is ok


def test_alias_arn_and_canonical_alias():
    assert kms.canonical_alias("lake") == "alias/lake" and kms.canonical_alias("alias/lake") == "alias/lake"
    arn = f"arn:aws:kms:eu-west-1:123456789012:key/{KEY_A}"
    assert kms.alias_arn(arn, "alias/lake") == "arn:aws:kms:eu-west-1:123456789012:alias/lake"


def test_normalize_key_states():
    assert kms.normalize_key(metadata(KEY_A), ALIAS)["enabled"] is True
    pending = kms.normalize_key(metadata(KEY_A, "PendingDeletion"), None)
    assert pending["pending_deletion"] is True and pending["enabled"] is False and pending["alias_arn"] is None


# ------------------------------------------------------------------ finding the key


def test_found_by_alias_costs_one_call(stubbed):
    client, stub = stubbed
    stub.add_response("describe_key", {"KeyMetadata": metadata(KEY_A)}, {"KeyId": ALIAS})
    found, by_alias, others = kms.find_key(client, ALIAS)
    assert found["KeyId"] == KEY_A and by_alias and others == []


def test_orphans_are_found_by_tag_among_keys_without_alias(stubbed):
    client, stub = stubbed
    stub.add_client_error("describe_key", "NotFoundException", "Alias is not found.", http_status_code=400)
    stub.add_response("list_aliases", {"Aliases": [
        {"AliasName": "alias/other", "TargetKeyId": KEY_A},
        {"AliasName": "alias/aws/s3"},  # an AWS managed alias not used yet: no target
    ], "Truncated": False})
    stub.add_response("list_keys", {"Keys": [{"KeyId": k} for k in (KEY_A, KEY_B, KEY_C)], "Truncated": False})
    # KEY_A has an alias: its tags are never read. KEY_B's policy does not let us read it: not ours.
    stub.add_client_error("list_resource_tags", "AccessDeniedException", "denied", http_status_code=400,
                          expected_params={"KeyId": KEY_B})
    stub.add_response("list_resource_tags", {"Tags": [{"TagKey": kms.IDENTITY_TAG, "TagValue": ALIAS}],
                                             "Truncated": False}, {"KeyId": KEY_C})
    stub.add_response("describe_key", {"KeyMetadata": metadata(KEY_C)}, {"KeyId": KEY_C})
    found, by_alias, others = kms.find_key(client, ALIAS)
    assert found["KeyId"] == KEY_C and not by_alias and others == []


def test_oldest_orphan_wins_and_dead_ones_are_ignored(stubbed):
    client, stub = stubbed
    stub.add_response("list_aliases", {"Aliases": [], "Truncated": False})
    stub.add_response("list_keys", {"Keys": [{"KeyId": k} for k in (KEY_A, KEY_B, KEY_C)], "Truncated": False})
    tag = {"Tags": [{"TagKey": kms.IDENTITY_TAG, "TagValue": ALIAS}], "Truncated": False}
    stub.add_response("list_resource_tags", tag, {"KeyId": KEY_A})
    stub.add_response("describe_key", {"KeyMetadata": metadata(KEY_A, created=3)}, {"KeyId": KEY_A})
    stub.add_response("list_resource_tags", tag, {"KeyId": KEY_B})
    stub.add_response("describe_key", {"KeyMetadata": metadata(KEY_B, "PendingDeletion", created=1)}, {"KeyId": KEY_B})
    stub.add_response("list_resource_tags", tag, {"KeyId": KEY_C})
    stub.add_response("describe_key", {"KeyMetadata": metadata(KEY_C, "Disabled", created=2)}, {"KeyId": KEY_C})
    orphans = kms.find_orphans(client, ALIAS)
    assert [m["KeyId"] for m in orphans] == [KEY_C, KEY_A]


def test_listing_errors_are_reported(stubbed):
    client, stub = stubbed
    stub.add_client_error("list_aliases", "AccessDeniedException", "not authorized to kms:ListAliases",
                          http_status_code=400)
    with pytest.raises(DeltaLakeAWSError, match="look for a key created for the alias"):
        kms.find_orphans(client, ALIAS)


def test_rotation_status_of_a_key_pending_deletion_is_unknown(stubbed):
    client, stub = stubbed
    stub.add_client_error("get_key_rotation_status", "KMSInvalidStateException", "pending deletion",
                          http_status_code=400)
    assert kms.get_key_rotation(client, KEY_A) is None
