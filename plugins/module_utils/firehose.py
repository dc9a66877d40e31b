# -*- coding: utf-8 -*-

# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Amazon Data Firehose calls and shapes for deltalake.aws modules.

A delivery stream is read with one DescribeDeliveryStream call and normalized into the module's return shape
(``normalize_delivery_stream``); "not set" and the AWS default come back as the same value. Writes go through
``create_delivery_stream``, ``update_destination`` (with the current version and destination ids),
``start_stream_encryption``, ``tag_delivery_stream``/``untag_delivery_stream`` and ``delete_delivery_stream``.
Every call passes ``aws_retry=True``; botocore errors become DeltaLakeAWSError.

IAM eventual consistency: Firehose checks at CreateDeliveryStream/UpdateDestination time that it can assume the
role, and a role created seconds earlier may not be assumable yet. The two helpers that hand the role to Firehose
carry iam.retry_on_new_role(), which retries exactly that answer (InvalidArgumentException "Firehose is unable to
assume role ...") and not a genuinely invalid argument.
"""

import re

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.waiter import BaseWaiterFactory
from ansible_collections.amazon.aws.plugins.module_utils.waiter import custom_waiter_config

from ansible_collections.deltalake.aws.plugins.module_utils.base import DeltaLakeAWSError
from ansible_collections.deltalake.aws.plugins.module_utils.base import aws_retry
from ansible_collections.deltalake.aws.plugins.module_utils.iam import ROLE_NAME_RE
from ansible_collections.deltalake.aws.plugins.module_utils.iam import retry_on_new_role
from ansible_collections.deltalake.aws.plugins.module_utils.validators import partition_for_region
from ansible_collections.deltalake.aws.plugins.module_utils.validators import parse_arn
from ansible_collections.deltalake.aws.plugins.module_utils.validators import validate_arn
from ansible_collections.deltalake.aws.plugins.module_utils.validators import validate_bucket_name

DIRECT_PUT = "DirectPut"
KINESIS_SOURCE = "KinesisStreamAsSource"
COMPRESSION_FORMATS = ["UNCOMPRESSED", "GZIP", "ZIP", "Snappy", "HADOOP_SNAPPY"]
DEFAULT_PREFIX = "raw/!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/"
DEFAULT_ERROR_OUTPUT_PREFIX = "raw/_errors/!{firehose:error-output-type}/!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/"
DEFAULT_LOG_STREAM = "DestinationDelivery"
AWS_OWNED_CMK = "AWS_OWNED_CMK"
CUSTOMER_MANAGED_CMK = "CUSTOMER_MANAGED_CMK"
NO_STREAM_ENCRYPTION = {"key_type": None, "key_arn": None}
LOGGING_DISABLED = {"enabled": False, "log_group_name": None, "log_stream_name": None}
BUFFER_SIZE_RANGE = (1, 128)  # MiB, ExtendedS3 BufferingHints.SizeInMBs
BUFFER_INTERVAL_RANGE = (0, 900)  # seconds, BufferingHints.IntervalInSeconds (0 = zero buffering)
PREFIX_MAX_LENGTH = 1024  # API limit of Prefix and ErrorOutputPrefix

STREAM_NAME_RE = re.compile(r"^[a-zA-Z0-9_.-]{1,64}$")
LOG_GROUP_RE = re.compile(r"^[.\-_/#A-Za-z0-9]{1,512}$")
LOG_STREAM_RE = re.compile(r"^[^:*]{1,512}$")
EXPRESSION_RE = re.compile(r"!\{([^{}:]*):([^{}]*)\}")
ERROR_OUTPUT_TYPE = "!{firehose:error-output-type}"


class FirehoseErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = DeltaLakeAWSError

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code("ResourceNotFoundException")


class FirehoseWaiterFactory(BaseWaiterFactory):
    @property
    def _waiter_model_data(self):
        status = "DeliveryStreamDescription.DeliveryStreamStatus"
        encryption = "DeliveryStreamDescription.DeliveryStreamEncryptionConfiguration.Status"
        return {
            "delivery_stream_active": {
                "operation": "DescribeDeliveryStream",
                "delay": 5,
                "maxAttempts": 120,
                "acceptors": [
                    {"matcher": "path", "argument": status, "expected": "ACTIVE", "state": "success"},
                    {"matcher": "path", "argument": status, "expected": "CREATING_FAILED", "state": "failure"},
                ],
            },
            "delivery_stream_deleted": {
                "operation": "DescribeDeliveryStream",
                "delay": 5,
                "maxAttempts": 120,
                "acceptors": [
                    {"matcher": "error", "expected": "ResourceNotFoundException", "state": "success"},
                    {"matcher": "path", "argument": status, "expected": "DELETING_FAILED", "state": "failure"},
                ],
            },
            "delivery_stream_encryption_settled": {
                "operation": "DescribeDeliveryStream",
                "delay": 5,
                "maxAttempts": 120,
                "acceptors": [
                    {"matcher": "path", "argument": encryption, "expected": "ENABLED", "state": "success"},
                    {"matcher": "path", "argument": encryption, "expected": "DISABLED", "state": "success"},
                    {"matcher": "path", "argument": encryption, "expected": "ENABLING_FAILED", "state": "failure"},
                    {"matcher": "path", "argument": encryption, "expected": "DISABLING_FAILED", "state": "failure"},
                ],
            },
        }


WAITERS = FirehoseWaiterFactory()


@FirehoseErrorHandler.common_error_handler("wait for the delivery stream")
@aws_retry()
def wait_for(client, waiter_name, name, timeout):
    """Wait with a boto3 waiter built from FirehoseWaiterFactory; ``timeout`` in seconds."""
    WAITERS.get_waiter(client, waiter_name).wait(
        DeliveryStreamName=name, WaiterConfig=custom_waiter_config(timeout=timeout, default_pause=5)
    )


# ---------------------------------------------------------------------------------------------------- names


def stream_arn(name, region, account_id):
    return f"arn:{partition_for_region(region)}:firehose:{region}:{account_id}:deliverystream/{name}"


def role_arn_from_name(name, region, account_id):
    return f"arn:{partition_for_region(region)}:iam::{account_id}:role/{name}"


def role_name_from_arn(arn):
    """The role name of a role ARN (the last path segment: role names are unique whatever the path)."""
    return (parse_arn(arn) or {}).get("resource", "").rsplit("/", 1)[-1]


def bucket_arn_of(bucket, region):
    """``bucket`` is a name or an S3 bucket ARN."""
    if bucket.startswith("arn:"):
        return bucket
    return f"arn:{partition_for_region(region)}:s3:::{bucket}"


def bucket_name_of(bucket):
    return (parse_arn(bucket) or {}).get("resource", "") if bucket.startswith("arn:") else bucket


def default_log_group(name):
    """The log group the Firehose console uses for a stream."""
    return f"/aws/kinesisfirehose/{name}"


# ---------------------------------------------------------------------------------------------------- validation


def validate_stream_name(value, field="name"):
    if not isinstance(value, str) or not STREAM_NAME_RE.match(value):
        return [f"{field}: {value!r} must be 1 to 64 letters, digits, underscores (_), hyphens (-) or periods (.)"]
    return []


def validate_role(value, field="role"):
    """An IAM role name or role ARN."""
    if isinstance(value, str) and value.startswith("arn:"):
        return validate_arn(value, field, service="iam", resource_prefix="role/", region_required=False,
                            account_required=True)
    if not isinstance(value, str) or not ROLE_NAME_RE.match(value):
        return [f"{field}: {value!r} is not an IAM role name (1 to 64 of letters, digits and _+=,.@-) or role ARN"]
    return []


def validate_bucket(value, field="bucket"):
    """An S3 bucket name or bucket ARN (arn:aws:s3:::name)."""
    errors = []
    if isinstance(value, str) and value.startswith("arn:"):
        errors = validate_arn(value, field, service="s3", region_required=False, account_required=False)
        if errors:
            return errors
        if "/" in bucket_name_of(value):
            return [f"{field}: {value!r} must be a bucket ARN, not an object ARN"]
    return errors + validate_bucket_name(bucket_name_of(value) if isinstance(value, str) else value, field)


def validate_source(value, field="source"):
    """``DirectPut`` or the ARN of a Kinesis data stream."""
    if value == DIRECT_PUT:
        return []
    if isinstance(value, str) and value.startswith("arn:"):
        return validate_arn(value, field, service="kinesis", resource_prefix="stream/", region_required=True,
                            account_required=True)
    return [f"{field}: {value!r} must be {DIRECT_PUT} or the ARN of a Kinesis data stream (arn:aws:kinesis:...:stream/name)"]


def _prefix_expression_errors(value, field, allow_error_output_type):
    errors = []
    matched = 0
    for match in EXPRESSION_RE.finditer(value):
        matched += 1
        namespace, key = match.group(1), match.group(2)
        expression = match.group(0)
        if namespace == "timestamp":
            if not key:
                errors.append(f"{field}: {expression!r} needs a date-time pattern, such as !{{timestamp:yyyy}}")
            elif key.count("'") % 2:
                errors.append(f"{field}: {expression!r} has an unbalanced single quote in its date-time pattern")
        elif namespace == "firehose":
            if key not in ("random-string", "error-output-type"):
                errors.append(f"{field}: {expression!r} is not a firehose expression; use"
                              " !{firehose:random-string} or !{firehose:error-output-type}")
            elif key == "error-output-type" and not allow_error_output_type:
                errors.append(f"{field}: {expression!r} may be used only in error_output_prefix")
        elif namespace in ("partitionKeyFromQuery", "partitionKeyFromLambda"):
            errors.append(f"{field}: {expression!r} needs dynamic partitioning, which this module does not configure")
        else:
            errors.append(f"{field}: {expression!r} has an unknown namespace {namespace!r} (timestamp or firehose)")
    if value.count("!{") != matched:
        errors.append(f"{field}: {value!r} has '!{{' outside a complete !{{namespace:value}} expression")
    return errors


def validate_prefixes(prefix, error_output_prefix):
    """Firehose's rules for custom S3 prefixes (https://docs.aws.amazon.com/firehose/latest/dev/s3-prefixes.html):
    only ``!{timestamp:...}`` and ``!{firehose:...}`` expressions; ``!{firehose:error-output-type}`` only in the
    error prefix, and there at least once if that prefix has expressions; an error prefix whenever the prefix has
    expressions; at most 1024 characters; no leading ``/`` or empty segment."""
    errors = []
    for field, value, allow_error_type in (("prefix", prefix, False),
                                           ("error_output_prefix", error_output_prefix, True)):
        if not value:
            continue
        if len(value) > PREFIX_MAX_LENGTH:
            errors.append(f"{field}: must be at most {PREFIX_MAX_LENGTH} characters long (it has {len(value)})")
        if value.startswith("/"):
            errors.append(f"{field}: {value!r} must not start with '/'")
        if "//" in EXPRESSION_RE.sub("x", value):
            errors.append(f"{field}: {value!r} must not contain an empty path segment ('//')")
        errors.extend(_prefix_expression_errors(value, field, allow_error_type))
    if prefix and EXPRESSION_RE.search(prefix) and not error_output_prefix:
        errors.append("error_output_prefix: is required by Firehose when prefix has !{...} expressions")
    if error_output_prefix and "!{" in error_output_prefix and ERROR_OUTPUT_TYPE not in error_output_prefix:
        errors.append(f"error_output_prefix: {error_output_prefix!r} has expressions, so it must contain"
                      f" {ERROR_OUTPUT_TYPE} at least once")
    return errors


def validate_buffering(buffering, field="buffering"):
    errors = []
    low, high = BUFFER_SIZE_RANGE
    if not low <= buffering["size_mib"] <= high:
        errors.append(f"{field}.size_mib: {buffering['size_mib']} must be between {low} and {high}")
    low, high = BUFFER_INTERVAL_RANGE
    if not low <= buffering["interval_seconds"] <= high:
        errors.append(f"{field}.interval_seconds: {buffering['interval_seconds']} must be between {low} and {high}")
    return errors


def validate_cloudwatch_logging(logging, field="cloudwatch_logging"):
    errors = []
    if logging.get("log_group_name") is not None and not LOG_GROUP_RE.match(logging["log_group_name"]):
        errors.append(f"{field}.log_group_name: {logging['log_group_name']!r} must be 1 to 512 letters, digits"
                      " or . - _ / #")
    if logging.get("log_stream_name") is not None and not LOG_STREAM_RE.match(logging["log_stream_name"]):
        errors.append(f"{field}.log_stream_name: {logging['log_stream_name']!r} must be 1 to 512 characters"
                      " without ':' or '*'")
    return errors


# ---------------------------------------------------------------------------------------------------- shapes


def s3_destination(description):
    """The (Extended)S3 destination description of a delivery stream, or None for other destination types."""
    for destination in description.get("Destinations", []):
        found = destination.get("ExtendedS3DestinationDescription") or destination.get("S3DestinationDescription")
        if found:
            return found
    return None


def destination_id(description):
    return description["Destinations"][0]["DestinationId"]


def destination_types(description):
    """The destination kinds of a stream, e.g. ['ExtendedS3'] or ['HttpEndpoint']."""
    kinds = set()
    for destination in description.get("Destinations", []):
        kinds.update(k[: -len("DestinationDescription")] for k in destination if k.endswith("DestinationDescription"))
    if "ExtendedS3" in kinds:
        kinds.discard("S3")  # AWS describes an ExtendedS3 destination with an S3 twin
    return sorted(kinds)


def normalize_stream_encryption(config):
    """DeliveryStreamEncryptionConfiguration -> ``{key_type, key_arn}``; key_type None when not encrypted.
    ENABLING counts as enabled (it is on its way), DISABLING and failures as not enabled."""
    config = config or {}
    if config.get("Status", "ENABLED") not in ("ENABLED", "ENABLING") or not config.get("KeyType"):
        return dict(NO_STREAM_ENCRYPTION)
    key_arn = config.get("KeyARN") if config["KeyType"] == CUSTOMER_MANAGED_CMK else None
    return {"key_type": config["KeyType"], "key_arn": key_arn}


def normalize_cloudwatch_logging(options):
    options = options or {}
    if not options.get("Enabled"):
        return dict(LOGGING_DISABLED)
    return {"enabled": True, "log_group_name": options.get("LogGroupName"), "log_stream_name": options.get("LogStreamName")}


def normalize_delivery_stream(description, tags=None):
    """DescribeDeliveryStream's description -> the module's return shape. ``tags`` (a dict) only when managed."""
    destination = s3_destination(description) or {}
    source = DIRECT_PUT
    if description.get("DeliveryStreamType") == KINESIS_SOURCE:
        source = description.get("Source", {}).get("KinesisStreamSourceDescription", {}).get("KinesisStreamARN")
    elif description.get("DeliveryStreamType") not in (None, DIRECT_PUT):
        source = description["DeliveryStreamType"]
    hints = destination.get("BufferingHints") or {}
    kms = (destination.get("EncryptionConfiguration") or {}).get("KMSEncryptionConfig") or {}
    state = {
        "name": description["DeliveryStreamName"],
        "arn": description["DeliveryStreamARN"],
        "source": source,
        "bucket_arn": destination.get("BucketARN"),
        "role_arn": destination.get("RoleARN"),
        "prefix": destination.get("Prefix") or "",
        "error_output_prefix": destination.get("ErrorOutputPrefix") or "",
        "compression": destination.get("CompressionFormat", "UNCOMPRESSED"),
        "buffering": {"size_mib": hints.get("SizeInMBs", 5), "interval_seconds": hints.get("IntervalInSeconds", 300)},
        "kms_key_arn": kms.get("AWSKMSKeyARN"),
        "stream_encryption": normalize_stream_encryption(description.get("DeliveryStreamEncryptionConfiguration")),
        "cloudwatch_logging": normalize_cloudwatch_logging(destination.get("CloudWatchLoggingOptions")),
    }
    if tags is not None:
        state["tags"] = tags
    return state


def destination_to_api(state):
    """The ExtendedS3 destination fields of a normalized state (the keys it holds) for Create or Update."""
    api = {}
    if "role_arn" in state:
        api["RoleARN"] = state["role_arn"]
    if "bucket_arn" in state:
        api["BucketARN"] = state["bucket_arn"]
    if "prefix" in state:
        api["Prefix"] = state["prefix"]
    if "error_output_prefix" in state:
        api["ErrorOutputPrefix"] = state["error_output_prefix"]
    if "compression" in state:
        api["CompressionFormat"] = state["compression"]
    if "buffering" in state:
        api["BufferingHints"] = {
            "SizeInMBs": state["buffering"]["size_mib"],
            "IntervalInSeconds": state["buffering"]["interval_seconds"],
        }
    if "kms_key_arn" in state:
        if state["kms_key_arn"]:
            api["EncryptionConfiguration"] = {"KMSEncryptionConfig": {"AWSKMSKeyARN": state["kms_key_arn"]}}
        else:
            api["EncryptionConfiguration"] = {"NoEncryptionConfig": "NoEncryption"}
    if "cloudwatch_logging" in state:
        logging = state["cloudwatch_logging"]
        api["CloudWatchLoggingOptions"] = {"Enabled": bool(logging["enabled"])}
        if logging["enabled"]:
            api["CloudWatchLoggingOptions"].update(
                LogGroupName=logging["log_group_name"], LogStreamName=logging["log_stream_name"]
            )
    return api


def stream_encryption_to_api(encryption):
    api = {"KeyType": encryption["key_type"]}
    if encryption["key_type"] == CUSTOMER_MANAGED_CMK:
        api["KeyARN"] = encryption["key_arn"]
    return api


# ---------------------------------------------------------------------------------------------------- reads


@FirehoseErrorHandler.list_error_handler("describe delivery stream")
def get_delivery_stream(client, name):
    """The DeliveryStreamDescription, or None when no such stream exists."""
    return client.describe_delivery_stream(DeliveryStreamName=name, aws_retry=True)["DeliveryStreamDescription"]


@FirehoseErrorHandler.list_error_handler("list delivery stream tags", default_value={})
@aws_retry()
def get_tags(client, name):
    """Every tag of the stream as a dict, following HasMoreTags (ListTagsForDeliveryStream has no paginator)."""
    tags = []
    params = {"DeliveryStreamName": name}
    while True:
        response = client.list_tags_for_delivery_stream(**params)
        tags.extend(response.get("Tags", []))
        if not response.get("HasMoreTags") or not response.get("Tags"):
            return boto3_tag_list_to_ansible_dict(tags)
        params["ExclusiveStartTagKey"] = response["Tags"][-1]["Key"]


@FirehoseErrorHandler.common_error_handler("check the destination bucket")
def bucket_exists(s3_client, name):
    """True or False; None when the bucket exists but these credentials may not see it (another account's)."""
    try:
        s3_client.head_bucket(Bucket=name, aws_retry=True)
    except is_boto3_error_code(["404", "NoSuchBucket", "NotFound"]):
        return False
    except is_boto3_error_code(["403", "AccessDenied"]):  # pylint: disable=duplicate-except
        return None
    return True


# ---------------------------------------------------------------------------------------------------- writes


@FirehoseErrorHandler.common_error_handler("create delivery stream")
@retry_on_new_role()
def create_delivery_stream(client, state):
    """Create the stream in one call: source, destination, stream encryption and tags."""
    params = {
        "DeliveryStreamName": state["name"],
        "ExtendedS3DestinationConfiguration": destination_to_api(state),
    }
    if state["source"] == DIRECT_PUT:
        params["DeliveryStreamType"] = DIRECT_PUT
        if state["stream_encryption"]["key_type"]:
            params["DeliveryStreamEncryptionConfigurationInput"] = stream_encryption_to_api(state["stream_encryption"])
    else:
        params["DeliveryStreamType"] = KINESIS_SOURCE
        params["KinesisStreamSourceConfiguration"] = {"KinesisStreamARN": state["source"], "RoleARN": state["role_arn"]}
    if state.get("tags"):
        params["Tags"] = ansible_dict_to_boto3_tag_list(state["tags"])
    return client.create_delivery_stream(aws_retry=True, **params)["DeliveryStreamARN"]


@FirehoseErrorHandler.common_error_handler("update delivery stream destination")
@retry_on_new_role()
def update_destination(client, name, version_id, dest_id, changes):
    """UpdateDestination with the version and destination ids read before; ``changes`` is a partial
    normalized state (Firehose keeps the fields an update does not name)."""
    client.update_destination(
        DeliveryStreamName=name,
        CurrentDeliveryStreamVersionId=version_id,
        DestinationId=dest_id,
        ExtendedS3DestinationUpdate=destination_to_api(changes),
        aws_retry=True,
    )


@FirehoseErrorHandler.common_error_handler("start delivery stream encryption")
def start_stream_encryption(client, name, encryption):
    client.start_delivery_stream_encryption(
        DeliveryStreamName=name,
        DeliveryStreamEncryptionConfigurationInput=stream_encryption_to_api(encryption),
        aws_retry=True,
    )


@FirehoseErrorHandler.common_error_handler("tag delivery stream")
def tag_delivery_stream(client, name, tags):
    client.tag_delivery_stream(DeliveryStreamName=name, Tags=ansible_dict_to_boto3_tag_list(tags), aws_retry=True)


@FirehoseErrorHandler.common_error_handler("untag delivery stream")
def untag_delivery_stream(client, name, keys):
    client.untag_delivery_stream(DeliveryStreamName=name, TagKeys=list(keys), aws_retry=True)


@FirehoseErrorHandler.deletion_error_handler("delete delivery stream")
def delete_delivery_stream(client, name):
    client.delete_delivery_stream(DeliveryStreamName=name, aws_retry=True)
    return True
