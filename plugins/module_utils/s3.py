# -*- coding: utf-8 -*-

# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""S3 calls and shapes for deltalake.aws modules.

``get_*`` read one setting group and return it in the modules' normalized shape ("not set" and the AWS default
come back as the same value); ``put_*``/``delete_*`` write one group. Every call passes ``aws_retry=True`` so the
module's retrying client retries throttling and transient errors. botocore errors become DeltaLakeAWSError.

(amazon.aws gained S3 read helpers only in 10.0.0; this collection supports amazon.aws >= 9.0.0, so it keeps its
own, built on amazon.aws's AWSErrorHandler.)
"""

import hashlib
import json
import re

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict

from ansible_collections.deltalake.aws.plugins.module_utils.base import DeltaLakeAWSError
from ansible_collections.deltalake.aws.plugins.module_utils.base import aws_retry
from ansible_collections.deltalake.aws.plugins.module_utils.validators import partition_for_region

# "This setting is not configured" answers. The emulator answers 404 for settings that real AWS now reports as
# their defaults (SSE-S3, BucketOwnerEnforced, all-true public access block); both normalize to the default.
NOT_SET_CODES = [
    "404",
    "NoSuchBucket",
    "NoSuchBucketPolicy",
    "NoSuchLifecycleConfiguration",
    "NoSuchPublicAccessBlockConfiguration",
    "NoSuchTagSet",
    "NoSuchTagSetError",
    "OwnershipControlsNotFoundError",
    "NoSuchOwnershipControls",
    "ServerSideEncryptionConfigurationNotFoundError",
]

TLS_SID = "DeltaLakeDenyInsecureTransport"
LOG_GRANT_SID_PREFIX = "DeltaLakeAccessLogs"
LOGGING_SERVICE = "logging.s3.amazonaws.com"
DEFAULT_PUBLIC_ACCESS_BLOCK = {
    "block_public_acls": True,
    "ignore_public_acls": True,
    "block_public_policy": True,
    "restrict_public_buckets": True,
}
DEFAULT_OBJECT_OWNERSHIP = "BucketOwnerEnforced"
_PAB_KEYS = {
    "block_public_acls": "BlockPublicAcls",
    "ignore_public_acls": "IgnorePublicAcls",
    "block_public_policy": "BlockPublicPolicy",
    "restrict_public_buckets": "RestrictPublicBuckets",
}


class S3ErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = DeltaLakeAWSError

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code(NOT_SET_CODES)


def bucket_arn(name, region):
    return f"arn:{partition_for_region(region)}:s3:::{name}"


# ---------------------------------------------------------------------------------------------------- reads


@S3ErrorHandler.common_error_handler("find bucket")
def get_bucket_region(client, name):
    """The region of bucket ``name``, or None when no such bucket exists."""
    try:
        response = client.head_bucket(Bucket=name, aws_retry=True)
    except is_boto3_error_code(["404", "NoSuchBucket", "NotFound"]):
        return None
    except is_boto3_error_code(["403", "AccessDenied"]) as e:  # pylint: disable=duplicate-except
        raise DeltaLakeAWSError(
            message=f"Bucket {name} exists but is not accessible with these credentials; bucket names are global,"
            " so it may belong to another account: choose another name",
            exception=e,
        ) from e
    headers = response.get("ResponseMetadata", {}).get("HTTPHeaders", {})
    return response.get("BucketRegion") or headers.get("x-amz-bucket-region") or "us-east-1"


@S3ErrorHandler.list_error_handler("get bucket versioning", default_value=False)
def get_versioning(client, name):
    return client.get_bucket_versioning(Bucket=name, aws_retry=True).get("Status") == "Enabled"


@S3ErrorHandler.list_error_handler("get public access block", default_value=dict(DEFAULT_PUBLIC_ACCESS_BLOCK))
def get_public_access_block(client, name):
    config = client.get_public_access_block(Bucket=name, aws_retry=True)["PublicAccessBlockConfiguration"]
    return {key: bool(config.get(api_key, False)) for key, api_key in _PAB_KEYS.items()}


@S3ErrorHandler.list_error_handler("get object ownership", default_value=DEFAULT_OBJECT_OWNERSHIP)
def get_object_ownership(client, name):
    rules = client.get_bucket_ownership_controls(Bucket=name, aws_retry=True)["OwnershipControls"]["Rules"]
    return rules[0]["ObjectOwnership"] if rules else DEFAULT_OBJECT_OWNERSHIP


def normalize_encryption(config):
    """``ServerSideEncryptionConfiguration`` -> ``{encryption, kms_key_id, bucket_key}``; None means SSE-S3."""
    rule = ((config or {}).get("Rules") or [{}])[0]
    default = rule.get("ApplyServerSideEncryptionByDefault") or {}
    algorithm = default.get("SSEAlgorithm", "AES256")
    if algorithm == "AES256":
        return {"encryption": "sse_s3", "kms_key_id": None, "bucket_key": False}
    kind = "sse_kms" if algorithm == "aws:kms" else algorithm.replace("aws:kms:", "").lower() + "_kms"
    return {
        "encryption": kind,
        "kms_key_id": default.get("KMSMasterKeyID"),
        "bucket_key": bool(rule.get("BucketKeyEnabled", False)),
    }


@S3ErrorHandler.list_error_handler("get bucket encryption", default_value=normalize_encryption(None))
def get_encryption(client, name):
    return normalize_encryption(client.get_bucket_encryption(Bucket=name, aws_retry=True)["ServerSideEncryptionConfiguration"])


@S3ErrorHandler.list_error_handler("get bucket policy")
def get_policy(client, name):
    """The bucket policy as a dict, or None when the bucket has none."""
    policy = client.get_bucket_policy(Bucket=name, aws_retry=True)["Policy"]
    try:
        return json.loads(policy)
    except ValueError as e:
        raise DeltaLakeAWSError(message=f"Bucket {name} has a policy that is not valid JSON", exception=e) from e


@S3ErrorHandler.list_error_handler("get bucket logging", default_value={"enabled": False})
def get_logging(client, name):
    enabled = client.get_bucket_logging(Bucket=name, aws_retry=True).get("LoggingEnabled")
    if not enabled:
        return {"enabled": False}
    return {"enabled": True, "target_bucket": enabled["TargetBucket"], "target_prefix": enabled.get("TargetPrefix", "")}


@S3ErrorHandler.common_error_handler("list bucket prefixes")
@aws_retry()
def get_existing_prefixes(client, name, prefixes):
    """Which of ``prefixes`` exist, found by listing (never by reading objects): one ListObjectsV2 with a
    delimiter per distinct parent, so the default top-level prefixes cost one call."""
    parents = {}
    for prefix in prefixes:
        parent = prefix[: prefix.rstrip("/").rfind("/") + 1]
        parents.setdefault(parent, []).append(prefix)
    found = set()
    paginator = client.get_paginator("list_objects_v2")
    for parent in sorted(parents):
        result = paginator.paginate(Bucket=name, Prefix=parent, Delimiter="/").build_full_result()
        found.update(p["Prefix"] for p in result.get("CommonPrefixes", []))
    return [prefix for prefix in prefixes if prefix in found]


def normalize_lifecycle_rule(rule):
    """One API lifecycle rule -> the module's rule shape (the same keys as the ``lifecycle_rules`` option)."""
    prefix = rule.get("Filter", {}).get("Prefix", rule.get("Prefix", ""))
    if "And" in rule.get("Filter", {}):
        prefix = rule["Filter"]["And"].get("Prefix", "")
    return {
        "id": rule.get("ID"),
        "prefix": prefix,
        "enabled": rule.get("Status") == "Enabled",
        "transitions": sorted(
            ({"days": t.get("Days"), "storage_class": t.get("StorageClass")} for t in rule.get("Transitions", [])),
            key=lambda t: (t["days"] or 0, t["storage_class"]),
        ),
        "expiration_days": rule.get("Expiration", {}).get("Days"),
        "noncurrent_version_expiration_days": rule.get("NoncurrentVersionExpiration", {}).get("NoncurrentDays"),
        "abort_incomplete_multipart_upload_days": rule.get("AbortIncompleteMultipartUpload", {}).get(
            "DaysAfterInitiation"
        ),
    }


def lifecycle_rule_to_api(rule):
    api = {"ID": rule["id"], "Filter": {"Prefix": rule["prefix"]}, "Status": "Enabled" if rule["enabled"] else "Disabled"}
    if rule["transitions"]:
        api["Transitions"] = [{"Days": t["days"], "StorageClass": t["storage_class"]} for t in rule["transitions"]]
    if rule["expiration_days"]:
        api["Expiration"] = {"Days": rule["expiration_days"]}
    if rule["noncurrent_version_expiration_days"]:
        api["NoncurrentVersionExpiration"] = {"NoncurrentDays": rule["noncurrent_version_expiration_days"]}
    if rule["abort_incomplete_multipart_upload_days"]:
        api["AbortIncompleteMultipartUpload"] = {"DaysAfterInitiation": rule["abort_incomplete_multipart_upload_days"]}
    return api


@S3ErrorHandler.list_error_handler("get bucket lifecycle configuration", default_value=[])
def get_lifecycle_rules(client, name):
    rules = client.get_bucket_lifecycle_configuration(Bucket=name, aws_retry=True).get("Rules", [])
    return sorted((normalize_lifecycle_rule(r) for r in rules), key=lambda r: r["id"] or "")


@S3ErrorHandler.list_error_handler("get bucket tags", default_value={})
def get_tags(client, name):
    return boto3_tag_list_to_ansible_dict(client.get_bucket_tagging(Bucket=name, aws_retry=True).get("TagSet", []))


@S3ErrorHandler.common_error_handler("list object versions")
@aws_retry()
def find_data(client, name, limit=10):
    """Up to ``limit`` keys of object versions or delete markers that hold data, and whether there are more.

    Zero-byte folder markers (keys ending in ``/``, such as the ``prefixes`` this collection creates) hold no
    data and do not count, nor do delete markers of such keys."""
    found = []
    paginator = client.get_paginator("list_object_versions")
    for page in paginator.paginate(Bucket=name):
        for version in page.get("Versions", []):
            if not (version["Key"].endswith("/") and version.get("Size", 0) == 0):
                found.append(version["Key"])
        for marker in page.get("DeleteMarkers", []):
            if not marker["Key"].endswith("/"):
                found.append(f"{marker['Key']} (delete marker)")
        if len(found) > limit:
            return found[:limit], True
    return found, False


# ---------------------------------------------------------------------------------------------------- writes


@S3ErrorHandler.common_error_handler("create bucket")
def create_bucket(client, name, region, object_ownership):
    params = {"Bucket": name, "ObjectOwnership": object_ownership}
    if region != "us-east-1":
        params["CreateBucketConfiguration"] = {"LocationConstraint": region}
    client.create_bucket(aws_retry=True, **params)
    aws_retry()(client.get_waiter("bucket_exists").wait)(Bucket=name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})


@S3ErrorHandler.common_error_handler("set bucket versioning")
def put_versioning(client, name, enabled):
    client.put_bucket_versioning(
        Bucket=name, VersioningConfiguration={"Status": "Enabled" if enabled else "Suspended"}, aws_retry=True
    )


@S3ErrorHandler.common_error_handler("set public access block")
def put_public_access_block(client, name, settings):
    config = {api_key: settings[key] for key, api_key in _PAB_KEYS.items()}
    client.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=config, aws_retry=True)


@S3ErrorHandler.common_error_handler("set object ownership")
def put_object_ownership(client, name, ownership):
    client.put_bucket_ownership_controls(
        Bucket=name, OwnershipControls={"Rules": [{"ObjectOwnership": ownership}]}, aws_retry=True
    )


@S3ErrorHandler.common_error_handler("set bucket encryption")
def put_encryption(client, name, encryption):
    if encryption["encryption"] == "sse_kms":
        rule = {
            "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": encryption["kms_key_id"]},
            "BucketKeyEnabled": encryption["bucket_key"],
        }
    else:
        rule = {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
    client.put_bucket_encryption(
        Bucket=name, ServerSideEncryptionConfiguration={"Rules": [rule]}, aws_retry=True
    )


@S3ErrorHandler.common_error_handler("create prefix marker")
def put_prefix_markers(client, name, prefixes):
    for prefix in prefixes:
        client.put_object(Bucket=name, Key=prefix, Body=b"", aws_retry=True)


@S3ErrorHandler.common_error_handler("set bucket policy")
def put_policy(client, name, policy):
    """Write ``policy``; an empty one ({} or None) deletes the bucket policy."""
    if not policy:
        client.delete_bucket_policy(Bucket=name, aws_retry=True)
    else:
        client.put_bucket_policy(Bucket=name, Policy=json.dumps(policy), aws_retry=True)


@S3ErrorHandler.common_error_handler("set bucket logging")
def put_logging(client, name, logging):
    status = {}
    if logging.get("enabled"):
        status["LoggingEnabled"] = {"TargetBucket": logging["target_bucket"], "TargetPrefix": logging["target_prefix"]}
    client.put_bucket_logging(Bucket=name, BucketLoggingStatus=status, aws_retry=True)


@S3ErrorHandler.common_error_handler("set bucket lifecycle configuration")
def put_lifecycle_rules(client, name, rules):
    if rules:
        client.put_bucket_lifecycle_configuration(
            Bucket=name, LifecycleConfiguration={"Rules": [lifecycle_rule_to_api(r) for r in rules]}, aws_retry=True
        )
    else:
        client.delete_bucket_lifecycle(Bucket=name, aws_retry=True)


@S3ErrorHandler.common_error_handler("set bucket tags")
def put_tags(client, name, tags):
    tags = {k: v for k, v in tags.items() if not k.startswith("aws:")}
    if tags:
        client.put_bucket_tagging(Bucket=name, Tagging={"TagSet": ansible_dict_to_boto3_tag_list(tags)}, aws_retry=True)
    else:
        client.delete_bucket_tagging(Bucket=name, aws_retry=True)


@S3ErrorHandler.common_error_handler("delete object versions")
@aws_retry()
def delete_all_versions(client, name):
    """Delete every object version and delete marker, 1,000 per DeleteObjects call. Returns how many.

    Each round lists the bucket from its start again instead of following the listing's markers: the version a
    marker names has just been deleted (the emulator then ends the listing early, which left every version after
    the first 1,000 behind), and versions written meanwhile are caught as well."""
    deleted = 0
    previous = None
    while True:
        page = client.list_object_versions(Bucket=name, aws_retry=True)
        objects = [
            {"Key": v["Key"], "VersionId": v["VersionId"]} for v in page.get("Versions", []) + page.get("DeleteMarkers", [])
        ]
        if not objects:
            return deleted
        if objects == previous:
            raise DeltaLakeAWSError(message=f"Failed to delete the object versions of bucket {name}: still listed after"
                                    f" DeleteObjects, e.g. {objects[0]['Key']}")
        for start in range(0, len(objects), 1000):
            batch = objects[start:start + 1000]
            response = client.delete_objects(Bucket=name, Delete={"Objects": batch, "Quiet": True}, aws_retry=True)
            if response.get("Errors"):
                error = response["Errors"][0]
                raise DeltaLakeAWSError(
                    message=f"Failed to delete {len(response['Errors'])} object versions of bucket {name}, e.g."
                    f" {error.get('Key')}: {error.get('Code')} {error.get('Message')}"
                )
            deleted += len(batch)
        previous = objects


@S3ErrorHandler.deletion_error_handler("delete bucket")
def delete_bucket(client, name):
    client.delete_bucket(Bucket=name, aws_retry=True)
    return True


# ---------------------------------------------------------------------------------------------------- policies


def tls_only_statement(name, region):
    """Deny every request to the bucket and its objects that does not use TLS. The principal is written
    ``{"AWS": "*"}`` (same meaning as ``"*"``; the emulator's logging check cannot parse the bare string)."""
    arn = bucket_arn(name, region)
    return {
        "Sid": TLS_SID,
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": "s3:*",
        "Resource": [arn, f"{arn}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def log_grant_sid(source_bucket):
    """A statement id unique to one source bucket: readable part plus a hash (Sids allow only [A-Za-z0-9])."""
    readable = "".join(part.capitalize() for part in re.split(r"[^a-z0-9]+", source_bucket))[:40]
    digest = hashlib.sha256(source_bucket.encode()).hexdigest()[:8]
    return f"{LOG_GRANT_SID_PREFIX}{readable}{digest}"


def log_grant_statement(source_bucket, target_bucket, target_prefix, region, account_id):
    """Let S3 server access logging write this source bucket's logs under ``target_prefix`` of the target
    (https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html)."""
    return {
        "Sid": log_grant_sid(source_bucket),
        "Effect": "Allow",
        "Principal": {"Service": LOGGING_SERVICE},
        "Action": "s3:PutObject",
        "Resource": f"{bucket_arn(target_bucket, region)}/{target_prefix}*",
        "Condition": {
            "ArnLike": {"aws:SourceArn": bucket_arn(source_bucket, region)},
            "StringEquals": {"aws:SourceAccount": account_id},
        },
    }


def policy_statements(policy):
    if not policy:
        return []
    statements = policy.get("Statement", [])
    return [statements] if isinstance(statements, dict) else list(statements)


def is_log_grant(statement):
    return str(statement.get("Sid", "")).startswith(LOG_GRANT_SID_PREFIX)


def build_policy(statements):
    """A policy document from statements, or {} when there are none (the bucket then has no policy)."""
    return {"Version": "2012-10-17", "Statement": statements} if statements else {}


def with_statement(policy, statement, present):
    """``policy`` with the statement of the same Sid replaced by ``statement`` (present) or removed."""
    others = [s for s in policy_statements(policy) if s.get("Sid") != statement["Sid"]]
    return build_policy(others + ([statement] if present else []))


def has_statement(policy, statement, compare):
    """Whether ``policy`` holds ``statement`` (matched by Sid, compared semantically with ``compare``)."""
    for existing in policy_statements(policy):
        if existing.get("Sid") == statement["Sid"]:
            return not compare({"Statement": [existing]}, {"Statement": [statement]})
    return False
