# -*- coding: utf-8 -*-

# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""IAM calls and shapes for deltalake.aws modules, and the retry every module that hands a role to a service uses.

``get_*``/``list_*`` read one setting group of a role and return it in the module's normalized shape; writers
change one group. Every call passes ``aws_retry=True`` so the module's retrying client retries throttling and
transient errors; botocore errors become DeltaLakeAWSError.

``retry_on_new_role()`` is the eventual-consistency decorator (STYLE §6): IAM is eventually consistent, so for a
few seconds after a role is created (or its trust policy changed) other services refuse it, e.g. Firehose
``InvalidArgumentException: Firehose is unable to assume role ...``, Glue ``InvalidInputException: Service is
unable to assume provided role``, KMS ``MalformedPolicyDocumentException: ... invalid principals``. Put it on the
one helper that hands the role over::

    @FirehoseErrorHandler.common_error_handler("create delivery stream")
    @retry_on_new_role()
    def create_delivery_stream(client, **params):
        return client.create_delivery_stream(aws_retry=True, **params)

Only those errors are retried, recognised by code AND message, so a genuinely invalid argument still fails at
once instead of after a minute of retries.
"""

import json
import re

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.policy import compare_policies
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict

from ansible_collections.deltalake.aws.plugins.module_utils.base import RETRYABLE_ERROR_CODES
from ansible_collections.deltalake.aws.plugins.module_utils.base import DeltaLakeAWSError
from ansible_collections.deltalake.aws.plugins.module_utils.base import aws_retry
from ansible_collections.deltalake.aws.plugins.module_utils.validators import parse_arn
from ansible_collections.deltalake.aws.plugins.module_utils.validators import validate_arn
from ansible_collections.deltalake.aws.plugins.module_utils.validators import validate_policy_document

DEFAULT_MAX_SESSION_DURATION = 3600
ROLE_NAME_RE = re.compile(r"^[\w+=,.@-]{1,64}$")
ROLE_PATH_RE = re.compile(r"^/(?:[\x21-\x7e]+/)*$")
POLICY_NAME_RE = re.compile(r"^[\w+=,.@-]{1,128}$")
DESCRIPTION_RE = re.compile(r"^[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*$")
SERVICE_PRINCIPAL_RE = re.compile(r"^[a-z0-9][a-z0-9.-]*\.amazonaws\.com(?:\.cn)?$")
# Role inline policies share one quota: 10,240 characters, whitespace not counted
# (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html).
INLINE_POLICIES_MAX_CHARS = 10240

# ---------------------------------------------------------------------------------------------------- retries

ROLE_NOT_READY = "DeltaLakeRoleNotReady"
# Error codes services answer while a new role (or a new trust policy) has not reached them yet ...
ROLE_PROPAGATION_ERROR_CODES = (
    "InvalidArgumentException",  # Firehose
    "InvalidInputException",  # Glue, Lake Formation
    "InvalidParameterValueException",  # Lambda, EMR Serverless
    "ValidationException",
    "AccessDeniedException",
    "MalformedPolicyDocumentException",  # KMS key policy naming the role
    "MalformedPolicyDocument",  # IAM trust policy naming the role
    "MalformedPolicy",  # S3 bucket policy naming the role
)
# ... and the messages that say it is the role, not the request, that is wrong.
ROLE_PROPAGATION_MESSAGE_RE = re.compile(
    r"unable to assume|cannot be assumed|cannot assume|(?:assume|assuming) (?:the |provided |this )?role"
    r"|trust ?policy|invalid principal",
    re.IGNORECASE,
)
# A service that validates the role's permissions when it is handed the role (Firehose) names the permission the
# role does not have yet; said by the service's validation codes only, never by the caller's own AccessDenied.
ROLE_POLICY_PROPAGATION_CODES = ("InvalidArgumentException", "InvalidInputException")
ROLE_POLICY_PROPAGATION_MESSAGE_RE = re.compile(r"is not authorized to perform", re.IGNORECASE)


def is_role_not_ready(error):
    """Whether a ClientError is a service refusing a role (or its policy) that IAM has not propagated yet."""
    details = getattr(error, "response", {}).get("Error", {})
    code, message = details.get("Code"), details.get("Message", "") or ""
    if code in ROLE_POLICY_PROPAGATION_CODES and ROLE_POLICY_PROPAGATION_MESSAGE_RE.search(message):
        return True
    return code in ROLE_PROPAGATION_ERROR_CODES and bool(ROLE_PROPAGATION_MESSAGE_RE.search(message))


class NewRoleRetry(AWSRetry):
    """AWSRetry that names a role-propagation error ``DeltaLakeRoleNotReady``, so that ``catch_extra_error_codes``
    can retry exactly those errors and not every InvalidArgumentException."""

    @staticmethod
    def status_code_from_exception(error):
        if is_role_not_ready(error):
            return ROLE_NOT_READY
        return AWSRetry.status_code_from_exception(error)


def retry_on_new_role(retries=8, delay=2, max_delay=15):
    """Decorator for the one helper that hands a role (just created or changed) to a service: retries the
    service's "cannot assume this role" / "invalid principal" answers with jittered backoff (about 45 s
    expected, at most ~90 s by default), and throttling as the module's client does."""
    return NewRoleRetry.jittered_backoff(
        retries=retries,
        delay=delay,
        max_delay=max_delay,
        catch_extra_error_codes=[ROLE_NOT_READY] + RETRYABLE_ERROR_CODES,
    )


class IAMErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = DeltaLakeAWSError

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code("NoSuchEntity")


# ---------------------------------------------------------------------------------------------------- shapes


def role_arn(partition, account_id, path, name):
    return f"arn:{partition}:iam::{account_id}:role{path or '/'}{name}"


def service_trust_policy(services):
    """The trust policy that lets ``services`` (service principals) assume the role."""
    principal = sorted(set(services))
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": principal[0] if len(principal) == 1 else principal},
                "Action": "sts:AssumeRole",
            }
        ],
    }


def parse_policy(document):
    """A policy given as JSON text or as a dict -> dict."""
    return json.loads(document) if isinstance(document, str) else document


def normalize_role(role):
    """GetRole/CreateRole ``Role`` -> the module's shape (missing description == '')."""
    boundary = (role.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn", "")
    return {
        "name": role["RoleName"],
        "path": role.get("Path", "/"),
        "arn": role["Arn"],
        "description": role.get("Description", "") or "",
        "max_session_duration": role.get("MaxSessionDuration", DEFAULT_MAX_SESSION_DURATION),
        "assume_role_policy": parse_policy(role.get("AssumeRolePolicyDocument") or {}),
        "permissions_boundary": boundary,
        "tags": boto3_tag_list_to_ansible_dict(role.get("Tags") or []),
    }


def _principal_values(principal):
    values = principal.get("AWS", []) if isinstance(principal, dict) else []
    return [values] if isinstance(values, str) else list(values)


def without_self_reference(policy, path, name):
    """``policy`` without the role's own ARN as a principal, or None when it does not name the role.

    IAM refuses a trust policy naming a role that does not exist yet ("Invalid principal in policy"), which a
    self-assuming role (Databricks Unity Catalog storage credentials) does at creation. The role is then
    created with this reduced policy and given the whole one right after."""
    suffix = f":role{path or '/'}{name}"
    statements = policy.get("Statement", [])
    statements = [statements] if isinstance(statements, dict) else statements
    reduced, found = [], False
    for statement in statements:
        principal = statement.get("Principal")
        values = _principal_values(principal)
        kept = [v for v in values if not (v.startswith("arn:") and v.endswith(suffix))]
        if len(kept) == len(values):
            reduced.append(statement)
            continue
        found = True
        others = {k: v for k, v in principal.items() if k != "AWS"}
        if kept:
            others["AWS"] = kept[0] if len(kept) == 1 else kept
        if others:
            reduced.append(dict(statement, Principal=others))
    if not found:
        return None
    return dict(policy, Statement=reduced)


# ---------------------------------------------------------------------------------------------------- validation


def validate_role_name(value, field="name"):
    if not isinstance(value, str) or not ROLE_NAME_RE.match(value):
        return [f"{field}: {value!r} must be 1 to 64 letters, digits or + = , . @ _ -"]
    return []


def validate_role_path(value, field="path"):
    if value is None:
        return []
    if not ROLE_PATH_RE.match(value) or len(value) > 512:
        return [f"{field}: {value!r} must begin and end with '/' and be at most 512 printable ASCII characters"]
    return []


def validate_description(value, field="description"):
    if value is None:
        return []
    errors = []
    if len(value) > 1000:
        errors.append(f"{field}: must be at most 1000 characters (it has {len(value)})")
    if not DESCRIPTION_RE.match(value):
        errors.append(f"{field}: may contain only printable Latin-1 characters, tabs and newlines")
    return errors


def validate_service_principal(value, field):
    if not isinstance(value, str) or not SERVICE_PRINCIPAL_RE.match(value):
        return [f"{field}: {value!r} is not a service principal such as glue.amazonaws.com"]
    return []


def validate_managed_policy_arn(value, field):
    """A managed policy ARN: ``arn:<partition>:iam::<account>:policy/...``, or ``...:iam::aws:policy/...`` for an
    AWS managed policy."""
    arn = parse_arn(value)
    if arn and arn["account"] == "aws":
        shown = f"arn:{arn['partition']}:iam:{arn['region']}::{arn['resource']}"
        errors = validate_arn(shown, field, service="iam", resource_prefix="policy/", region_required=False)
        return [e.replace(repr(shown), repr(value)) for e in errors]
    return validate_arn(value, field, service="iam", resource_prefix="policy/", region_required=False,
                        account_required=True)


def validate_inline_policies(policies, field="inline_policies"):
    """Names, documents and the shared 10,240-character quota. Returns (messages, {name: parsed document})."""
    errors, parsed = [], {}
    for name, document in (policies or {}).items():
        where = f"{field}.{name}"
        if not POLICY_NAME_RE.match(str(name)):
            errors.append(f"{where}: policy name {name!r} must be 1 to 128 letters, digits or + = , . @ _ -")
        doc_errors, doc = validate_policy_document(document, where)
        errors.extend(doc_errors)
        if doc is not None:
            parsed[str(name)] = doc
    size = sum(len(re.sub(r"\s", "", json.dumps(doc, separators=(",", ":")))) for doc in parsed.values())
    if size > INLINE_POLICIES_MAX_CHARS:
        errors.append(
            f"{field}: the inline policies of a role may total at most {INLINE_POLICIES_MAX_CHARS} characters"
            f" without whitespace (these have {size}); use managed policies for the rest"
        )
    return errors, parsed


# ---------------------------------------------------------------------------------------------------- reads


@IAMErrorHandler.list_error_handler("get role")
def get_role(client, name):
    """The role as GetRole returns it, or None when there is no such role."""
    return client.get_role(RoleName=name, aws_retry=True)["Role"]


@aws_retry()
def _inline_policy_names(client, name):
    return client.get_paginator("list_role_policies").paginate(RoleName=name).build_full_result()["PolicyNames"]


@IAMErrorHandler.list_error_handler("list role inline policies", default_value={})
def get_inline_policies(client, name):
    """{policy name: document} of the role's inline policies (one ListRolePolicies, one GetRolePolicy each)."""
    policies = {}
    for policy_name in _inline_policy_names(client, name):
        try:
            document = client.get_role_policy(RoleName=name, PolicyName=policy_name, aws_retry=True)["PolicyDocument"]
        except is_boto3_error_code("NoSuchEntity"):
            continue  # deleted between the two calls
        policies[policy_name] = parse_policy(document)
    return policies


@IAMErrorHandler.list_error_handler("list role managed policies", default_value=[])
@aws_retry()
def get_managed_policy_arns(client, name):
    result = client.get_paginator("list_attached_role_policies").paginate(RoleName=name).build_full_result()
    return sorted(p["PolicyArn"] for p in result["AttachedPolicies"])


@IAMErrorHandler.list_error_handler("list role instance profiles", default_value=[])
@aws_retry()
def get_instance_profile_names(client, name):
    result = client.get_paginator("list_instance_profiles_for_role").paginate(RoleName=name).build_full_result()
    return [p["InstanceProfileName"] for p in result["InstanceProfiles"]]


# ---------------------------------------------------------------------------------------------------- writes


@IAMErrorHandler.common_error_handler("create role")
def create_role(client, name, path, trust_policy, description, max_session_duration, permissions_boundary, tags):
    """Create the role with every setting CreateRole takes, and wait until IAM answers for it."""
    params = {
        "RoleName": name,
        "Path": path,
        "AssumeRolePolicyDocument": json.dumps(trust_policy),
        "MaxSessionDuration": max_session_duration,
    }
    if description:
        params["Description"] = description
    if permissions_boundary:
        params["PermissionsBoundary"] = permissions_boundary
    if tags:
        params["Tags"] = ansible_dict_to_boto3_tag_list(tags)
    role = client.create_role(aws_retry=True, **params)["Role"]
    aws_retry()(client.get_waiter("role_exists").wait)(RoleName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    return role


@IAMErrorHandler.common_error_handler("update role trust policy")
@retry_on_new_role()
def update_trust_policy(client, name, policy):
    """UpdateAssumeRolePolicy; retried while a principal it names (possibly the role itself) propagates."""
    client.update_assume_role_policy(RoleName=name, PolicyDocument=json.dumps(policy), aws_retry=True)


@IAMErrorHandler.common_error_handler("update role")
def update_role(client, name, settings):
    """UpdateRole with the description and/or maximum session duration in ``settings``."""
    params = {"RoleName": name}
    if "description" in settings:
        params["Description"] = settings["description"]
    if "max_session_duration" in settings:
        params["MaxSessionDuration"] = settings["max_session_duration"]
    client.update_role(aws_retry=True, **params)


@IAMErrorHandler.common_error_handler("set role permissions boundary")
def put_permissions_boundary(client, name, boundary):
    """Set the permissions boundary, or remove it when ``boundary`` is empty."""
    if boundary:
        client.put_role_permissions_boundary(RoleName=name, PermissionsBoundary=boundary, aws_retry=True)
    else:
        client.delete_role_permissions_boundary(RoleName=name, aws_retry=True)


@IAMErrorHandler.common_error_handler("set role inline policies")
def put_inline_policies(client, name, target, have):
    """Write the inline policies in ``target`` that differ from ``have``; delete those no longer in it."""
    for policy_name in sorted(set(have) - set(target)):
        client.delete_role_policy(RoleName=name, PolicyName=policy_name, aws_retry=True)
    for policy_name in sorted(target):
        if policy_name not in have or policies_differ(have[policy_name], target[policy_name]):
            client.put_role_policy(
                RoleName=name, PolicyName=policy_name, PolicyDocument=json.dumps(target[policy_name]), aws_retry=True
            )


@IAMErrorHandler.common_error_handler("attach role managed policies")
def put_managed_policies(client, name, target, have):
    for arn in sorted(set(have) - set(target)):
        client.detach_role_policy(RoleName=name, PolicyArn=arn, aws_retry=True)
    for arn in sorted(set(target) - set(have)):
        client.attach_role_policy(RoleName=name, PolicyArn=arn, aws_retry=True)


@IAMErrorHandler.common_error_handler("set role tags")
def put_tags(client, name, to_set, to_unset):
    if to_unset:
        client.untag_role(RoleName=name, TagKeys=sorted(to_unset), aws_retry=True)
    if to_set:
        client.tag_role(RoleName=name, Tags=ansible_dict_to_boto3_tag_list(to_set), aws_retry=True)


@IAMErrorHandler.deletion_error_handler("delete role")
def delete_role(client, name):
    """Remove the role from its instance profiles (which are kept), detach and delete its policies, then delete
    it. Returns False when the role is already gone."""
    for profile in get_instance_profile_names(client, name):
        client.remove_role_from_instance_profile(InstanceProfileName=profile, RoleName=name, aws_retry=True)
    for arn in get_managed_policy_arns(client, name):
        client.detach_role_policy(RoleName=name, PolicyArn=arn, aws_retry=True)
    for policy_name in _inline_policy_names(client, name):
        client.delete_role_policy(RoleName=name, PolicyName=policy_name, aws_retry=True)
    client.delete_role(RoleName=name, aws_retry=True)
    return True


def policies_differ(have, want):
    """Semantic comparison (statement order, string vs one-element list, principal forms) as amazon.aws does."""
    return compare_policies(have or {}, want or {})
