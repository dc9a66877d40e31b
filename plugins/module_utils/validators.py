# -*- coding: utf-8 -*-

# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Validators for AWS naming rules, run before the first AWS call.

Each ``validate_*`` function takes the value and the name of the field it came from (``access_logging.target_bucket``)
and returns a list of messages, empty when the value is valid. Every message names the field, the value and the
rule it breaks, so that ``module.fail_on_errors()`` can report them all at once.
"""

import ipaddress
import json
import re

PARTITIONS = ("aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc")
REGION_RE = re.compile(r"^[a-z]{2,4}(?:-(?:gov|iso|isob|isoe|isof))?(?:-[a-z]+){1,2}-\d{1,2}$")
ACCOUNT_RE = re.compile(r"^\d{12}$")
ARN_SERVICE_RE = re.compile(r"^[a-z0-9-]+$")
KMS_KEY_ID_RE = re.compile(r"^(?:mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$")
KMS_ALIAS_RE = re.compile(r"^alias/[a-zA-Z0-9/_-]{1,250}$")
TAG_CHARS_RE = re.compile(r"^[\w\s.:/=+\-@]*$", re.UNICODE)
GLUE_NAME_RE = re.compile(r"^[a-z0-9_]{1,255}$")
ATHENA_WORKGROUP_RE = re.compile(r"^[a-zA-Z0-9._-]{1,128}$")

BUCKET_PREFIXES_RESERVED = ("xn--", "sthree-", "amzn-s3-demo-")
BUCKET_SUFFIXES_RESERVED = ("-s3alias", "--ol-s3", ".mrap", "--x-s3")
MAX_TAGS = 50


def partition_for_region(region):
    """The AWS partition of a region: aws-cn, aws-us-gov, aws-eusc or aws."""
    region = region or ""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    if region.startswith("eusc-"):
        return "aws-eusc"
    return "aws"


def _rule(field, value, rule):
    return f"{field}: {value!r} {rule}"


def validate_account_id(value, field):
    """A 12-digit AWS account id; None (not given) is valid."""
    if value is None or ACCOUNT_RE.match(str(value)):
        return []
    return [_rule(field, value, "must be a 12-digit AWS account id")]


def validate_bucket_name(value, field="name"):
    """S3 general purpose bucket naming rules
    (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html)."""
    if not isinstance(value, str):
        return [_rule(field, value, "must be a string")]
    errors = []
    if not 3 <= len(value) <= 63:
        errors.append(_rule(field, value, f"must be 3 to 63 characters long (it has {len(value)})"))
    if not re.fullmatch(r"[a-z0-9.-]*", value):
        errors.append(_rule(field, value, "may contain only lowercase letters, digits, dots (.) and hyphens (-)"))
    if value and not (value[0].isalnum() and value[-1].isalnum()):
        errors.append(_rule(field, value, "must begin and end with a lowercase letter or a digit"))
    if ".." in value:
        errors.append(_rule(field, value, "must not contain two adjacent dots"))
    try:
        ipaddress.IPv4Address(value)
        errors.append(_rule(field, value, "must not be formatted as an IP address"))
    except ValueError:
        pass
    for prefix in BUCKET_PREFIXES_RESERVED:
        if value.startswith(prefix):
            errors.append(_rule(field, value, f"must not start with the reserved prefix {prefix!r}"))
    for suffix in BUCKET_SUFFIXES_RESERVED:
        if value.endswith(suffix):
            errors.append(_rule(field, value, f"must not end with the reserved suffix {suffix!r}"))
    return errors


def validate_region(value, field="region"):
    if value is None:
        return [f"{field}: a region is required (set {field}, or AWS_REGION in the environment)"]
    if not isinstance(value, str) or not REGION_RE.match(value):
        return [_rule(field, value, "is not an AWS region name such as us-east-1 or eu-central-1")]
    return []


def parse_arn(value):
    """Split an ARN into its parts, or return None when it does not have the six ARN fields."""
    if not isinstance(value, str) or not value.startswith("arn:"):
        return None
    parts = value.split(":", 5)
    if len(parts) != 6:
        return None
    return dict(zip(("arn", "partition", "service", "region", "account", "resource"), parts))


def validate_arn(value, field, service=None, resource_prefix=None, region_required=None, account_required=None):
    """Validate ``arn:partition:service:region:account:resource``.

    ``service`` and ``resource_prefix`` restrict what the ARN may point to. ``region_required`` and
    ``account_required`` are True (must be set), False (must be empty, as in S3 bucket ARNs) or None (either).
    """
    arn = parse_arn(value)
    if arn is None:
        return [_rule(field, value, "is not an ARN of the form arn:partition:service:region:account:resource")]
    errors = []
    if arn["partition"] not in PARTITIONS:
        errors.append(_rule(field, value, f"has an unknown partition {arn['partition']!r} (one of {', '.join(PARTITIONS)})"))
    if not ARN_SERVICE_RE.match(arn["service"]):
        errors.append(_rule(field, value, f"has an invalid service {arn['service']!r}"))
    elif service and arn["service"] != service:
        errors.append(_rule(field, value, f"must be an ARN of service {service!r}, not {arn['service']!r}"))
    if arn["region"]:
        if region_required is False:
            errors.append(_rule(field, value, "must have an empty region field"))
        elif not REGION_RE.match(arn["region"]):
            errors.append(_rule(field, value, f"has an invalid region {arn['region']!r}"))
    elif region_required:
        errors.append(_rule(field, value, "must name a region"))
    if arn["account"]:
        if account_required is False:
            errors.append(_rule(field, value, "must have an empty account field"))
        elif not ACCOUNT_RE.match(arn["account"]):
            errors.append(_rule(field, value, f"has an invalid account {arn['account']!r} (12 digits)"))
    elif account_required:
        errors.append(_rule(field, value, "must name a 12-digit account"))
    if not arn["resource"]:
        errors.append(_rule(field, value, "has an empty resource"))
    elif resource_prefix and not arn["resource"].startswith(resource_prefix):
        errors.append(_rule(field, value, f"must point to a resource starting with {resource_prefix!r}"))
    return errors


def validate_kms_key_id(value, field="kms_key_id"):
    """A KMS key id, multi-Region key id, alias name, key ARN or alias ARN."""
    if value is None:
        return []
    if isinstance(value, str) and value.startswith("arn:"):
        errors = validate_arn(value, field, service="kms", region_required=True, account_required=True)
        resource = (parse_arn(value) or {}).get("resource", "")
        if not errors and not (
            KMS_ALIAS_RE.match(resource) or (resource.startswith("key/") and KMS_KEY_ID_RE.match(resource[4:]))
        ):
            errors.append(_rule(field, value, "must point to key/<key id> or alias/<name>"))
        return errors
    if isinstance(value, str) and (KMS_KEY_ID_RE.match(value) or KMS_ALIAS_RE.match(value)):
        return []
    return [_rule(field, value, "is not a KMS key id, alias/<name>, key ARN or alias ARN")]


def validate_tags(tags, field="tags"):
    """AWS tag rules: at most 50 tags, keys 1-128 and values 0-256 characters, no ``aws:`` prefix, and only
    letters, digits, spaces and ``_ . : / = + - @``."""
    if not tags:
        return []
    errors = []
    if len(tags) > MAX_TAGS:
        errors.append(f"{field}: {len(tags)} tags given, at most {MAX_TAGS} are allowed")
    for key, value in tags.items():
        key = str(key)
        value = "" if value is None else str(value)
        if not 1 <= len(key) <= 128:
            errors.append(_rule(f"{field}.{key}", key, "key must be 1 to 128 characters long"))
        if len(value) > 256:
            errors.append(_rule(f"{field}.{key}", value[:40] + "...", "value must be at most 256 characters long"))
        if key.lower().startswith("aws:"):
            errors.append(_rule(f"{field}.{key}", key, "key must not start with the reserved prefix 'aws:'"))
        if not TAG_CHARS_RE.match(key):
            errors.append(_rule(f"{field}.{key}", key, "key may contain only letters, digits, spaces and _ . : / = + - @"))
        if not TAG_CHARS_RE.match(value):
            errors.append(_rule(f"{field}.{key}", value, "value may contain only letters, digits, spaces and _ . : / = + - @"))
    return errors


def validate_glue_name(value, field="name"):
    """Glue Data Catalog database and table names as Athena can query them: lowercase letters, digits and
    underscores, 1-255 characters (AWS lower-cases names it stores, so upper case would not round-trip)."""
    if not isinstance(value, str) or not GLUE_NAME_RE.match(value):
        return [_rule(field, value, "must be 1 to 255 lowercase letters, digits or underscores")]
    return []


def validate_athena_workgroup_name(value, field="name"):
    if not isinstance(value, str) or not ATHENA_WORKGROUP_RE.match(value):
        return [_rule(field, value, "must be 1 to 128 letters, digits, dots (.), hyphens (-) or underscores")]
    return []


def validate_s3_prefix(value, field, allow_empty=False, trailing_slash=True):
    """An S3 key prefix as this collection uses it: relative (no leading /), no empty segment (//), ending in /."""
    if value == "" and allow_empty:
        return []
    errors = []
    if not isinstance(value, str) or value == "":
        return [_rule(field, value, "must be a non-empty key prefix such as 'raw/'")]
    if value.startswith("/"):
        errors.append(_rule(field, value, "must not start with '/'"))
    if "//" in value:
        errors.append(_rule(field, value, "must not contain an empty path segment ('//')"))
    if trailing_slash and not value.endswith("/"):
        errors.append(_rule(field, value, "must end with '/'"))
    if len(value.encode("utf-8")) > 1024:
        errors.append(_rule(field, value[:40] + "...", "must be at most 1024 bytes long"))
    return errors


def validate_policy_document(value, field="policy"):
    """The structure AWS requires of a policy: a ``Statement`` (one or a list), each with ``Effect`` Allow or
    Deny and an ``Action`` or ``NotAction``. Returns (messages, parsed document)."""
    document = value
    if isinstance(value, str):
        try:
            document = json.loads(value)
        except ValueError as e:
            return [f"{field}: is not valid JSON ({e})"], None
    if not isinstance(document, dict) or "Statement" not in document:
        return [f"{field}: must be a policy document with a Statement"], None
    statements = document["Statement"]
    statements = [statements] if isinstance(statements, dict) else statements
    if not isinstance(statements, list) or not all(isinstance(s, dict) for s in statements):
        return [f"{field}.Statement: must be a statement or a list of statements"], None
    errors = []
    for index, statement in enumerate(statements):
        where = f"{field}.Statement[{index}]"
        if statement.get("Effect") not in ("Allow", "Deny"):
            errors.append(f"{where}.Effect: {statement.get('Effect')!r} must be 'Allow' or 'Deny'")
        if ("Action" in statement) == ("NotAction" in statement):
            errors.append(f"{where}: must have exactly one of Action and NotAction")
    return errors, document
