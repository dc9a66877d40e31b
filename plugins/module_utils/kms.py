# -*- coding: utf-8 -*-

# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""KMS calls and shapes for deltalake.aws modules.

A lake's key is identified by its alias. ``find_key`` looks the alias up, and when there is none it looks for a
key this collection created for that alias (tag ``deltalake:alias``) that never got its alias because the run
that created it stopped between CreateKey and CreateAlias; such an orphan is adopted instead of creating a
second key. ``get_*`` read one setting group; writers change one. Every call passes ``aws_retry=True``.
"""

import json
import re

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict

from ansible_collections.deltalake.aws.plugins.module_utils.base import DeltaLakeAWSError
from ansible_collections.deltalake.aws.plugins.module_utils.base import aws_retry
from ansible_collections.deltalake.aws.plugins.module_utils.iam import retry_on_new_role
from ansible_collections.deltalake.aws.plugins.module_utils.validators import KMS_ALIAS_RE

IDENTITY_TAG = "deltalake:alias"
RESERVED_ALIAS_PREFIX = "alias/aws/"
POLICY_ID = "deltalake-key-policy"
USE_ACTIONS = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"]
GRANT_ACTIONS = ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"]
SERVICE_PRINCIPAL_RE = re.compile(r"^[a-z0-9][a-z0-9.-]*\.amazonaws\.com(?:\.cn)?$")
ADOPTABLE_STATES = ("Enabled", "Disabled")
MIN_PENDING_WINDOW, MAX_PENDING_WINDOW = 7, 30


class KMSErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = DeltaLakeAWSError

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code("NotFoundException")


def _tags(tag_list):
    return boto3_tag_list_to_ansible_dict(tag_list or [], tag_name_key_name="TagKey", tag_value_key_name="TagValue")


def _tag_list(tags):
    return ansible_dict_to_boto3_tag_list(tags, tag_name_key_name="TagKey", tag_value_key_name="TagValue")


# ---------------------------------------------------------------------------------------------------- shapes


def canonical_alias(value):
    """``lake`` or ``alias/lake`` -> ``alias/lake``."""
    return value if value.startswith("alias/") else f"alias/{value}"


def alias_arn(key_arn, alias):
    """The alias ARN in the key's region and account: ``arn:...:kms:region:account:alias/name``."""
    return key_arn.rsplit(":", 1)[0] + ":" + alias


def normalize_key(metadata, alias):
    """DescribeKey ``KeyMetadata`` -> the module's identity and state fields."""
    state = metadata.get("KeyState")
    return {
        "alias": alias,
        "alias_arn": alias_arn(metadata["Arn"], alias) if alias else None,
        "key_id": metadata["KeyId"],
        "key_arn": metadata["Arn"],
        "description": metadata.get("Description", "") or "",
        "enabled": state == "Enabled",
        "pending_deletion": state == "PendingDeletion",
    }


def default_key_policy(partition, account_id, key_users=(), service_principals=()):
    """The lake key's policy: the account root administers the key (so IAM policies can grant its use); the
    lake's roles and users (``key_users``) may use it and attach it to AWS resources through grants; the lake's
    services (``service_principals``, e.g. ``logs.<region>.amazonaws.com``) may use it on behalf of this account
    only. In a key policy ``Resource: "*"`` means this key.
    (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html)"""
    statements = [
        {
            "Sid": "EnableIAMPolicies",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:{partition}:iam::{account_id}:root"},
            "Action": "kms:*",
            "Resource": "*",
        }
    ]
    users = sorted(set(key_users))
    if users:
        principal = {"AWS": users[0] if len(users) == 1 else users}
        statements.append(
            {"Sid": "LakePrincipalsUseKey", "Effect": "Allow", "Principal": principal, "Action": USE_ACTIONS, "Resource": "*"}
        )
        statements.append(
            {
                "Sid": "LakePrincipalsAttachKeyToAWSResources",
                "Effect": "Allow",
                "Principal": principal,
                "Action": GRANT_ACTIONS,
                "Resource": "*",
                "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}},
            }
        )
    services = sorted(set(service_principals))
    if services:
        statements.append(
            {
                "Sid": "LakeServicesUseKey",
                "Effect": "Allow",
                "Principal": {"Service": services[0] if len(services) == 1 else services},
                "Action": USE_ACTIONS,
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
            }
        )
    return {"Version": "2012-10-17", "Id": POLICY_ID, "Statement": statements}


# ---------------------------------------------------------------------------------------------------- validation


def validate_alias(value, field="alias"):
    if not isinstance(value, str) or not value:
        return [f"{field}: is required, e.g. alias/acme-lake"]
    alias = canonical_alias(value)
    if alias.lower().startswith(RESERVED_ALIAS_PREFIX):
        return [f"{field}: {value!r} is reserved for AWS managed keys (alias/aws/...); choose another name"]
    if not KMS_ALIAS_RE.match(alias):
        return [f"{field}: {value!r} must be alias/ followed by 1 to 250 letters, digits, '/', '_' or '-'"]
    return []


def validate_pending_window(value, field="pending_window_days"):
    if value is None or MIN_PENDING_WINDOW <= value <= MAX_PENDING_WINDOW:
        return []
    return [f"{field}: {value} must be between {MIN_PENDING_WINDOW} and {MAX_PENDING_WINDOW} days"]


def validate_service_principal(value, field):
    if not isinstance(value, str) or not SERVICE_PRINCIPAL_RE.match(value):
        return [f"{field}: {value!r} is not a service principal such as logs.us-east-1.amazonaws.com"]
    return []


# ---------------------------------------------------------------------------------------------------- reads


@KMSErrorHandler.list_error_handler("describe key")
def describe_key(client, key_id):
    """KeyMetadata of a key id, ARN or alias, or None when there is no such key or alias."""
    return client.describe_key(KeyId=key_id, aws_retry=True)["KeyMetadata"]


@KMSErrorHandler.common_error_handler("get key policy")
def get_key_policy(client, key_id):
    policy = client.get_key_policy(KeyId=key_id, PolicyName="default", aws_retry=True)["Policy"]
    try:
        return json.loads(policy)
    except ValueError as e:
        raise DeltaLakeAWSError(message=f"Key {key_id} has a policy that is not valid JSON", exception=e) from e


@KMSErrorHandler.common_error_handler("get key rotation status")
def get_key_rotation(client, key_id):
    """Whether automatic rotation is on; None when KMS cannot say in the key's state (pending deletion)."""
    try:
        return client.get_key_rotation_status(KeyId=key_id, aws_retry=True)["KeyRotationEnabled"]
    except is_boto3_error_code("KMSInvalidStateException"):
        return None


@KMSErrorHandler.common_error_handler("list key tags")
@aws_retry()
def get_tags(client, key_id):
    pages = client.get_paginator("list_resource_tags").paginate(KeyId=key_id).build_full_result()
    return _tags(pages.get("Tags"))


@aws_retry()
def _list_all(client, operation, key):
    return client.get_paginator(operation).paginate().build_full_result().get(key, [])


@aws_retry()
def _readable_tags(client, key_id):
    """The key's tags, or None when its key policy does not let us read them (then we did not create it)."""
    try:
        pages = client.get_paginator("list_resource_tags").paginate(KeyId=key_id).build_full_result()
    except is_boto3_error_code(["AccessDeniedException", "NotFoundException"]):
        return None
    return _tags(pages.get("Tags"))


@KMSErrorHandler.common_error_handler("look for a key created for the alias")
def find_orphans(client, alias):
    """Keys tagged ``deltalake:alias=<alias>`` that no alias points to, enabled or disabled, oldest first.

    One ListAliases and one ListKeys, then ListResourceTags only for customer keys without any alias (AWS
    managed keys always have an ``alias/aws/`` alias). Runs only when the alias does not exist."""
    aliased = {a.get("TargetKeyId") for a in _list_all(client, "list_aliases", "Aliases")}
    orphans = []
    for key in _list_all(client, "list_keys", "Keys"):
        if key["KeyId"] in aliased or (_readable_tags(client, key["KeyId"]) or {}).get(IDENTITY_TAG) != alias:
            continue
        metadata = describe_key(client, key["KeyId"])
        if metadata and metadata.get("KeyManager") == "CUSTOMER" and metadata.get("KeyState") in ADOPTABLE_STATES:
            orphans.append(metadata)
    return sorted(orphans, key=lambda m: (str(m.get("CreationDate") or ""), m["KeyId"]))


def find_key(client, alias):
    """(KeyMetadata, True when found by the alias) of the key for ``alias``, or (None, False); plus the ids of
    further orphans (not adopted) when more than one run stopped before CreateAlias."""
    metadata = describe_key(client, alias)
    if metadata is not None:
        return metadata, True, []
    orphans = find_orphans(client, alias)
    if not orphans:
        return None, False, []
    return orphans[0], False, [m["KeyId"] for m in orphans[1:]]


# ---------------------------------------------------------------------------------------------------- writes


@KMSErrorHandler.common_error_handler("create key")
@retry_on_new_role()
def create_key(client, description, policy, tags):
    """CreateKey (symmetric, encrypt/decrypt), tagged with its alias so a re-run finds it even without the
    alias; retried while a principal of the policy (a role created moments before) propagates."""
    response = client.create_key(
        Description=description,
        Policy=json.dumps(policy),
        KeyUsage="ENCRYPT_DECRYPT",
        KeySpec="SYMMETRIC_DEFAULT",
        Tags=_tag_list(tags),
        BypassPolicyLockoutSafetyCheck=False,
        aws_retry=True,
    )
    return response["KeyMetadata"]


@KMSErrorHandler.common_error_handler("create alias")
def create_alias(client, alias, key_id):
    client.create_alias(AliasName=alias, TargetKeyId=key_id, aws_retry=True)


@KMSErrorHandler.common_error_handler("set key policy")
@retry_on_new_role()
def put_key_policy(client, key_id, policy):
    client.put_key_policy(
        KeyId=key_id, PolicyName="default", Policy=json.dumps(policy), BypassPolicyLockoutSafetyCheck=False,
        aws_retry=True,
    )


@KMSErrorHandler.common_error_handler("set key rotation")
def put_key_rotation(client, key_id, enabled):
    if enabled:
        client.enable_key_rotation(KeyId=key_id, aws_retry=True)
    else:
        client.disable_key_rotation(KeyId=key_id, aws_retry=True)


@KMSErrorHandler.common_error_handler("set key description")
def put_description(client, key_id, description):
    client.update_key_description(KeyId=key_id, Description=description, aws_retry=True)


@KMSErrorHandler.common_error_handler("enable or disable key")
def put_enabled(client, key_id, enabled):
    if enabled:
        client.enable_key(KeyId=key_id, aws_retry=True)
    else:
        client.disable_key(KeyId=key_id, aws_retry=True)


@KMSErrorHandler.common_error_handler("cancel key deletion")
def cancel_deletion(client, key_id):
    """CancelKeyDeletion; the key is then disabled (KMS does not re-enable it)."""
    client.cancel_key_deletion(KeyId=key_id, aws_retry=True)


@KMSErrorHandler.common_error_handler("schedule key deletion")
def schedule_deletion(client, key_id, pending_window_days):
    client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=pending_window_days, aws_retry=True)


@KMSErrorHandler.common_error_handler("set key tags")
def put_tags(client, key_id, to_set, to_unset):
    if to_unset:
        client.untag_resource(KeyId=key_id, TagKeys=sorted(to_unset), aws_retry=True)
    if to_set:
        client.tag_resource(KeyId=key_id, Tags=_tag_list(to_set), aws_retry=True)
