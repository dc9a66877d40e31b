#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: s3_bucket
short_description: Manage S3 buckets of a data lake, with secure defaults
version_added: 0.1.0
description:
  - Creates, updates and deletes an S3 bucket of a data lake, with the settings a data lake needs.
  - With O(buckets), one task converges several buckets (a lake's log and data buckets) in one module run, which
    is much faster than a loop or one task per bucket (each starts the module, Python and boto3).
  - Secure by default, opted out of rather than into, versioning, all four public access block settings,
    C(BucketOwnerEnforced) object ownership, default encryption and a bucket policy that denies every request
    not made over TLS.
  - Each setting group is read once and compared in normalized form (policies semantically); only groups that
    differ are written, so an identical re-run reports RV(ignore:changed=false) and makes read calls only.
  - In check mode the module makes read calls only and predicts exactly what a real run would change. With
    C(--diff) it shows every changed setting before and after.
  - A setting that is not configured and the AWS default for it (SSE-S3 encryption, C(BucketOwnerEnforced),
    an all-true public access block) count as the same state.
  - Zero-byte folder markers for the lake's O(prefixes) are created before the TLS-only policy is applied, and
    are found by listing the bucket, never by reading objects.
  - O(state=absent) refuses to delete a bucket that holds data unless O(force=true). Folder markers (zero-byte
    keys ending in C(/)) do not count as data.
author:
  - deltalake.aws developers (@deltalake-aws)
options:
  name:
    description:
      - Name of the bucket. S3 naming rules are checked before any AWS call.
      - Required unless O(buckets) is set.
    type: str
  buckets:
    description:
      - Several buckets to converge in this one module run, in list order, instead of the one named by O(name).
        List a log bucket before the buckets whose O(access_logging) targets it.
      - Each item is a dict of this module's options (O(name) required, O(buckets) excepted); an option an
        item does not set takes the value given at the top level of the task, then the option's default (an
        item cannot unset a top-level option; null in an item means not set). So shared settings such as
        O(tags) or O(encryption) can be written once.
      - Every item is validated before the first AWS call. A failure names the item at the start of its
        message (as in C(buckets[1] (NAME))) and returns the results of the buckets converged before it; a
        re-run converges from there.
      - The result has C(results), one entry per item as a loop would register them.
    type: list
    elements: dict
  state:
    description:
      - V(present) creates or updates the bucket, V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  versioning:
    description:
      - Whether object versioning is enabled. V(false) suspends versioning on a versioned bucket (S3 cannot
        return a bucket to the unversioned state).
    type: bool
    default: true
  public_access_block:
    description:
      - The bucket's public access block. Each setting defaults to V(true).
    type: dict
    suboptions:
      block_public_acls:
        description: Reject requests that carry public ACLs.
        type: bool
        default: true
      ignore_public_acls:
        description: Ignore public ACLs on the bucket and its objects.
        type: bool
        default: true
      block_public_policy:
        description: Reject bucket policies that grant public access.
        type: bool
        default: true
      restrict_public_buckets:
        description: Restrict access to a bucket with a public policy to AWS services and the bucket owner.
        type: bool
        default: true
  object_ownership:
    description:
      - Object ownership. V(BucketOwnerEnforced) disables ACLs.
    type: str
    choices: [BucketOwnerEnforced, BucketOwnerPreferred, ObjectWriter]
    default: BucketOwnerEnforced
  encryption:
    description:
      - Default encryption of new objects. V(sse_kms) needs O(kms_key_id).
    type: str
    choices: [sse_s3, sse_kms]
    default: sse_s3
  kms_key_id:
    description:
      - The KMS key for O(encryption=sse_kms), as key id, C(alias/<name>), key ARN or alias ARN.
    type: str
  bucket_key:
    description:
      - Whether S3 Bucket Keys are used with O(encryption=sse_kms), which cuts KMS request costs.
      - Ignored with O(encryption=sse_s3).
    type: bool
    default: true
  tls_only:
    description:
      - Whether the bucket policy holds a statement (Sid C(DeltaLakeDenyInsecureTransport)) that denies every
        request made without TLS (C(aws:SecureTransport) false).
      - The module manages the whole bucket policy, that statement merged with the statements of O(policy),
        unless O(tls_only=false) and O(policy) is not set; then it leaves the policy alone.
    type: bool
    default: true
  policy:
    description:
      - Statements of your own for the bucket policy, as a policy document (dict or JSON string). Every
        C(Resource) must be this bucket or its objects.
      - Policies are compared semantically (statement order, a string versus a one-element list, the forms of
        a principal), so an equal policy is never rewritten.
      - Statements whose Sid starts with C(DeltaLakeAccessLogs) are kept as they are; source buckets that log
        to this bucket manage them (see O(access_logging.target_grant)).
    type: json
  access_logging:
    description:
      - Server access logging of this bucket. Not managed when not set.
    type: dict
    suboptions:
      enabled:
        description: Whether access logging is on; V(false) turns it off.
        type: bool
        default: true
      target_bucket:
        description: The bucket that receives the logs (name or C(arn:aws:s3:::name)), in the same region.
        type: str
      target_prefix:
        description: The key prefix of the log objects in the target bucket.
        type: str
        default: logs/
      target_grant:
        description:
          - Whether this module keeps a statement in the target bucket's policy that lets
            C(logging.s3.amazonaws.com) write under O(access_logging.target_prefix) for this bucket only
            (conditions C(aws:SourceArn) and C(aws:SourceAccount)). Its Sid starts with C(DeltaLakeAccessLogs),
            and M(deltalake.aws.s3_bucket) keeps such statements when it manages the target's own policy.
          - Set V(false) for a central logging bucket whose policy is managed elsewhere.
        type: bool
        default: true
  prefixes:
    description:
      - Key prefixes of the lake, each ending in C(/), kept as zero-byte folder markers. Missing markers are
        created; markers and data under prefixes that are no longer listed are never deleted.
    type: list
    elements: str
    default: [raw/, processed/, analytics/, logs/]
  lifecycle_rules:
    description:
      - The bucket's lifecycle rules; the list is the complete configuration (V([]) removes every rule). Not
        managed when not set.
      - 'An item C({preset: data_lake}) stands for the data-lake defaults, rules with ids starting with
        C(deltalake-): C(raw/) to STANDARD_IA after 30 days and GLACIER_IR after 90; C(processed/) to
        STANDARD_IA after 90 days; C(analytics/athena-results/) expire after 30 days; C(logs/) to GLACIER_IR
        after 30 days and expire after 365; non-current versions of C(raw/), C(processed/) and C(analytics/)
        expire after 30 days; incomplete multipart uploads are aborted after 7 days everywhere.'
    type: list
    elements: dict
    suboptions:
      preset:
        description: A named set of rules; no other key may be set in the same item.
        type: str
        choices: [data_lake]
      id:
        description: Rule id, unique in the bucket. Defaults to C(deltalake-) and the prefix.
        type: str
      prefix:
        description: Key prefix the rule applies to; required (V('') for the whole bucket).
        type: str
      enabled:
        description: Whether the rule is enabled.
        type: bool
        default: true
      transitions:
        description: Storage class transitions.
        type: list
        elements: dict
        suboptions:
          days:
            description: Days after object creation; at least 30 for V(STANDARD_IA).
            type: int
            required: true
          storage_class:
            description: The class objects move to.
            type: str
            required: true
            choices: [STANDARD_IA, INTELLIGENT_TIERING, ONEZONE_IA, GLACIER_IR, GLACIER, DEEP_ARCHIVE]
      expiration_days:
        description: Days after object creation when current versions expire.
        type: int
      noncurrent_version_expiration_days:
        description: Days after a version becomes non-current when it is deleted.
        type: int
      abort_incomplete_multipart_upload_days:
        description: Days after which incomplete multipart uploads are aborted.
        type: int
  force:
    description:
      - With O(state=absent), delete every object version and delete marker, then the bucket. Without it a
        bucket that holds data is not deleted and the module fails, naming some of the keys.
    type: bool
    default: false
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - deltalake.aws.modules
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
notes:
  - The bucket's region is O(region). An existing bucket in another region is an error, never moved.
"""

EXAMPLES = r"""
# Credentials, region and endpoint come from module_defaults or the environment; none are shown here.

- name: Create the lake's data bucket with the secure defaults and the default prefixes
  deltalake.aws.s3_bucket:
    name: acme-lake-data
    region: eu-west-1
    tags:
      lake: acme

- name: Encrypt with a KMS key, log to the log bucket and apply the data-lake lifecycle preset
  deltalake.aws.s3_bucket:
    name: acme-lake-data
    region: eu-west-1
    encryption: sse_kms
    kms_key_id: alias/acme-lake
    access_logging:
      target_bucket: acme-lake-logs
      target_prefix: s3-access/acme-lake-data/
    lifecycle_rules:
      - preset: data_lake
      - id: expire-scratch
        prefix: scratch/
        expiration_days: 7

- name: Let an analytics account read processed data (merged with the TLS-only statement)
  deltalake.aws.s3_bucket:
    name: acme-lake-data
    region: eu-west-1
    policy:
      Version: "2012-10-17"
      Statement:
        - Sid: AnalyticsRead
          Effect: Allow
          Principal:
            AWS: arn:aws:iam::111122223333:root
          Action: s3:GetObject
          Resource: arn:aws:s3:::acme-lake-data/processed/*

- name: Show what would change, changing nothing (run with --check --diff)
  deltalake.aws.s3_bucket:
    name: acme-lake-data
    region: eu-west-1
    versioning: true
  check_mode: true
  register: planned

- name: Delete a scratch bucket and every object version in it
  deltalake.aws.s3_bucket:
    name: acme-lake-scratch
    region: eu-west-1
    state: absent
    force: true

- name: Converge the log bucket, then the data bucket that logs into it, in one module run
  deltalake.aws.s3_bucket:
    buckets:
      - name: acme-lake-logs
        prefixes: []
      - name: acme-lake-data
        access_logging:
          target_bucket: acme-lake-logs
          target_prefix: logs/acme-lake-data/
    region: eu-west-1
    tags:
      lake: acme
"""

RETURN = r"""
results:
  description:
    - With O(buckets), one result per item in list order, as a loop registers them. Each has C(name),
      C(changed), C(created), C(changed_fields), C(bucket) (as described below) and in diff mode C(diff).
    - In diff mode the task's C(diff) is then a list with one entry per item, headed by the item.
  returned: when O(buckets) is set
  type: list
  elements: dict
  sample: [{"name": "acme-lake-logs", "changed": false, "created": false, "changed_fields": [], "bucket": {}}]
bucket:
  description:
    - The bucket's settings after the run (predicted in check mode), in the same shape as the diff. Settings
      this run does not manage (O(lifecycle_rules), O(access_logging), O(tags) when not set) are not read and
      not returned.
    - Empty after O(state=absent).
  returned: without O(buckets)
  type: dict
  contains:
    name:
      description: Bucket name.
      type: str
      sample: acme-lake-data
    arn:
      description: Bucket ARN.
      type: str
      sample: arn:aws:s3:::acme-lake-data
    region:
      description: Bucket region.
      type: str
      sample: eu-west-1
    versioning:
      description: Whether versioning is enabled.
      type: bool
      sample: true
    public_access_block:
      description: The four public access block settings.
      type: dict
      sample: {"block_public_acls": true, "ignore_public_acls": true, "block_public_policy": true, "restrict_public_buckets": true}
    object_ownership:
      description: Object ownership.
      type: str
      sample: BucketOwnerEnforced
    encryption:
      description: Default encryption, V(sse_s3) or V(sse_kms).
      type: str
      sample: sse_kms
    kms_key_id:
      description: KMS key of V(sse_kms) encryption.
      type: str
      sample: alias/acme-lake
    bucket_key:
      description: Whether S3 Bucket Keys are enabled.
      type: bool
      sample: true
    prefixes:
      description: The requested prefixes that exist.
      type: list
      elements: str
      sample: ["raw/", "processed/", "analytics/", "logs/"]
    tls_only:
      description: Whether the policy holds the TLS-only statement.
      type: bool
      sample: true
    policy:
      description: The whole bucket policy; V({}) when the bucket has none.
      type: dict
      sample: {"Version": "2012-10-17", "Statement": []}
    access_logging:
      description: Access logging; C(target_grant) says whether the target's policy holds this bucket's grant.
      type: dict
      returned: when O(access_logging) is set
      sample: {"enabled": true, "target_bucket": "acme-lake-logs", "target_prefix": "logs/", "target_grant": true}
    lifecycle_rules:
      description: Lifecycle rules, sorted by id, in the shape of O(lifecycle_rules) items.
      type: list
      elements: dict
      returned: when O(lifecycle_rules) is set
    tags:
      description: Bucket tags.
      type: dict
      returned: when O(tags) is set
      sample: {"lake": "acme"}
"""

import json

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.policy import compare_policies

from ansible_collections.deltalake.aws.plugins.module_utils import s3
from ansible_collections.deltalake.aws.plugins.module_utils.base import DeltaLakeAWSModule
from ansible_collections.deltalake.aws.plugins.module_utils.base import Reconciler
from ansible_collections.deltalake.aws.plugins.module_utils.base import desired_tags
from ansible_collections.deltalake.aws.plugins.module_utils.validators import parse_arn
from ansible_collections.deltalake.aws.plugins.module_utils.validators import validate_arn
from ansible_collections.deltalake.aws.plugins.module_utils.validators import validate_bucket_name
from ansible_collections.deltalake.aws.plugins.module_utils.validators import validate_kms_key_id
from ansible_collections.deltalake.aws.plugins.module_utils.validators import validate_policy_document
from ansible_collections.deltalake.aws.plugins.module_utils.validators import validate_region
from ansible_collections.deltalake.aws.plugins.module_utils.validators import validate_s3_prefix
from ansible_collections.deltalake.aws.plugins.module_utils.validators import validate_tags

STORAGE_CLASSES = ["STANDARD_IA", "INTELLIGENT_TIERING", "ONEZONE_IA", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE"]
DEFAULT_PREFIXES = ["raw/", "processed/", "analytics/", "logs/"]


def _rule(rule_id, prefix, transitions=(), expiration=None, noncurrent=None, abort_multipart=None):
    return {
        "id": rule_id,
        "prefix": prefix,
        "enabled": True,
        "transitions": [{"days": days, "storage_class": cls} for days, cls in transitions],
        "expiration_days": expiration,
        "noncurrent_version_expiration_days": noncurrent,
        "abort_incomplete_multipart_upload_days": abort_multipart,
    }


LIFECYCLE_PRESETS = {
    "data_lake": [
        _rule("deltalake-raw", "raw/", [(30, "STANDARD_IA"), (90, "GLACIER_IR")], noncurrent=30),
        _rule("deltalake-processed", "processed/", [(90, "STANDARD_IA")], noncurrent=30),
        _rule("deltalake-analytics", "analytics/", noncurrent=30),
        _rule("deltalake-athena-results", "analytics/athena-results/", expiration=30),
        _rule("deltalake-logs", "logs/", [(30, "GLACIER_IR")], expiration=365),
        _rule("deltalake-multipart", "", abort_multipart=7),
    ]
}
RULE_KEYS = ("id", "prefix", "transitions", "expiration_days", "noncurrent_version_expiration_days",
             "abort_incomplete_multipart_upload_days")

ARGUMENT_SPEC = dict(
    name=dict(type="str"),
    buckets=dict(type="list", elements="dict"),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    versioning=dict(type="bool", default=True),
    public_access_block=dict(
        type="dict",
        apply_defaults=True,
        options=dict(
            block_public_acls=dict(type="bool", default=True),
            ignore_public_acls=dict(type="bool", default=True),
            block_public_policy=dict(type="bool", default=True),
            restrict_public_buckets=dict(type="bool", default=True),
        ),
    ),
    object_ownership=dict(
        type="str", choices=["BucketOwnerEnforced", "BucketOwnerPreferred", "ObjectWriter"], default="BucketOwnerEnforced"
    ),
    encryption=dict(type="str", choices=["sse_s3", "sse_kms"], default="sse_s3"),
    kms_key_id=dict(type="str"),
    bucket_key=dict(type="bool", default=True),
    tls_only=dict(type="bool", default=True),
    policy=dict(type="json"),
    access_logging=dict(
        type="dict",
        options=dict(
            enabled=dict(type="bool", default=True),
            target_bucket=dict(type="str"),
            target_prefix=dict(type="str", default="logs/"),
            target_grant=dict(type="bool", default=True),
        ),
        required_if=[("enabled", True, ["target_bucket"])],
    ),
    prefixes=dict(type="list", elements="str", default=list(DEFAULT_PREFIXES)),
    lifecycle_rules=dict(
        type="list",
        elements="dict",
        options=dict(
            preset=dict(type="str", choices=list(LIFECYCLE_PRESETS)),
            id=dict(type="str"),
            prefix=dict(type="str"),
            enabled=dict(type="bool", default=True),
            transitions=dict(
                type="list",
                elements="dict",
                options=dict(
                    days=dict(type="int", required=True),
                    storage_class=dict(type="str", required=True, choices=STORAGE_CLASSES),
                ),
            ),
            expiration_days=dict(type="int"),
            noncurrent_version_expiration_days=dict(type="int"),
            abort_incomplete_multipart_upload_days=dict(type="int"),
        ),
    ),
    tags=dict(type="dict", aliases=["resource_tags"]),
    purge_tags=dict(type="bool", default=True),
    force=dict(type="bool", default=False),
)


# ---------------------------------------------------------------------------------------------------- desired state


def target_bucket_name(value):
    """``access_logging.target_bucket`` given as a name or an S3 bucket ARN -> the name."""
    arn = parse_arn(value)
    return arn["resource"] if arn else value


def expand_lifecycle_rules(rules):
    """The option's items (presets expanded, defaults filled) -> normalized rules sorted by id."""
    expanded = []
    for rule in rules:
        if rule.get("preset"):
            expanded.extend(dict(r) for r in LIFECYCLE_PRESETS[rule["preset"]])
            continue
        prefix = rule["prefix"]
        expanded.append(
            {
                "id": rule["id"] or "deltalake-" + ("".join(c if c.isalnum() else "-" for c in prefix).strip("-") or "all"),
                "prefix": prefix,
                "enabled": rule["enabled"],
                "transitions": sorted(
                    (dict(t) for t in rule["transitions"] or []), key=lambda t: (t["days"], t["storage_class"])
                ),
                "expiration_days": rule["expiration_days"],
                "noncurrent_version_expiration_days": rule["noncurrent_version_expiration_days"],
                "abort_incomplete_multipart_upload_days": rule["abort_incomplete_multipart_upload_days"],
            }
        )
    return sorted(expanded, key=lambda r: r["id"])


def validate_lifecycle_rules(rules):
    errors = []
    for index, rule in enumerate(rules or []):
        field = f"lifecycle_rules[{index}]"
        if rule.get("preset"):
            extra = [key for key in RULE_KEYS if rule.get(key) not in (None, [])]
            if extra:
                errors.append(f"{field}: preset {rule['preset']!r} cannot be combined with {', '.join(extra)}")
            continue
        if rule.get("prefix") is None:
            errors.append(f"{field}.prefix: is required (use '' for the whole bucket)")
        else:
            errors.extend(validate_s3_prefix(rule["prefix"], f"{field}.prefix", allow_empty=True, trailing_slash=False))
        actions = [key for key in RULE_KEYS[2:] if rule.get(key)]
        if not actions:
            errors.append(f"{field}: needs at least one of transitions, expiration_days, "
                          "noncurrent_version_expiration_days, abort_incomplete_multipart_upload_days")
        for key in RULE_KEYS[3:]:
            if rule.get(key) is not None and rule[key] < 1:
                errors.append(f"{field}.{key}: {rule[key]} must be at least 1")
        transition_days = []
        for t_index, transition in enumerate(rule.get("transitions") or []):
            where = f"{field}.transitions[{t_index}].days"
            if transition["days"] < 0:
                errors.append(f"{where}: {transition['days']} must not be negative")
            if transition["storage_class"] in ("STANDARD_IA", "ONEZONE_IA") and transition["days"] < 30:
                errors.append(f"{where}: {transition['days']} must be at least 30 for {transition['storage_class']}")
            transition_days.append(transition["days"])
        if rule.get("expiration_days") and transition_days and rule["expiration_days"] <= max(transition_days):
            errors.append(f"{field}.expiration_days: {rule['expiration_days']} must be later than every transition")
    if not errors:
        ids = [r["id"] for r in expand_lifecycle_rules(rules or [])]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            errors.append(f"lifecycle_rules: rule ids must be unique, {', '.join(duplicates)} appear more than once")
        errors.extend(f"lifecycle_rules: id {i!r} must be at most 255 characters" for i in ids if len(i) > 255)
    return errors


def validate_bucket_policy(policy, name):
    """Structure of the policy, and every Resource on this bucket (AWS refuses others as MalformedPolicy)."""
    errors, document = validate_policy_document(policy, "policy")
    for index, statement in enumerate(s3.policy_statements(document) if not errors else []):
        resources = statement.get("Resource", statement.get("NotResource", []))
        for resource in [resources] if isinstance(resources, str) else resources:
            field = f"policy.Statement[{index}].Resource"
            arn_errors = validate_arn(resource, field, service="s3", region_required=False, account_required=False)
            bucket = (parse_arn(resource) or {}).get("resource", "").split("/", 1)[0]
            if not arn_errors and bucket != name:
                arn_errors.append(f"{field}: {resource!r} must be bucket {name} or its objects")
            errors.extend(arn_errors)
    return errors


def validate_params(module):
    """Every rule that can be checked without AWS, before the first AWS call."""
    params = module.params
    errors = validate_bucket_name(params["name"]) + validate_region(module.region)
    errors += validate_tags(params["tags"])
    if params["encryption"] == "sse_kms" and not params["kms_key_id"]:  # required_if, for items of buckets
        errors.append("kms_key_id: is required with encryption sse_kms")
    if params["encryption"] == "sse_s3" and params["kms_key_id"]:
        errors.append("kms_key_id: is only used with encryption sse_kms")
    errors += validate_kms_key_id(params["kms_key_id"])
    if params["policy"] is not None:
        errors += validate_bucket_policy(params["policy"], params["name"])
    logging = params["access_logging"]
    if logging and logging["target_bucket"]:
        target = logging["target_bucket"]
        if target.startswith("arn:"):
            errors += validate_arn(target, "access_logging.target_bucket", service="s3", region_required=False,
                                   account_required=False)
        errors += validate_bucket_name(target_bucket_name(target), "access_logging.target_bucket")
        errors += validate_s3_prefix(logging["target_prefix"], "access_logging.target_prefix", allow_empty=True,
                                     trailing_slash=False)
    for index, prefix in enumerate(params["prefixes"]):
        errors += validate_s3_prefix(prefix, f"prefixes[{index}]")
    errors += validate_lifecycle_rules(params["lifecycle_rules"])
    module.fail_on_errors(errors)


def desired_access_logging(params):
    logging = params["access_logging"]
    if logging is None:
        return None
    if not logging["enabled"]:
        return {"enabled": False}
    return {
        "enabled": True,
        "target_bucket": target_bucket_name(logging["target_bucket"]),
        "target_prefix": logging["target_prefix"],
        "target_grant": logging["target_grant"],
    }


def desired_policy(params, current_policy, name, region):
    """The whole policy this module wants, or None when it leaves the policy alone."""
    if params["policy"] is None and not params["tls_only"]:
        return None
    statements = s3.policy_statements(json.loads(params["policy"])) if params["policy"] else []
    if params["tls_only"]:
        statements.append(s3.tls_only_statement(name, region))
    statements += [s for s in s3.policy_statements(current_policy) if s3.is_log_grant(s)]
    return s3.build_policy(statements)


def desired_prefixes(params):
    return list(dict.fromkeys(params["prefixes"]))


def policies_equal(have, want):
    return not compare_policies(have or {}, want or {})


# ---------------------------------------------------------------------------------------------------- current state


class LogGrant:
    """This bucket's statement in the access-log target's policy (read once, written when it differs)."""

    def __init__(self, module, client, name, region):
        self.module = module
        self.client = client
        self.name = name
        self.region = region
        self._account_id = None

    def statement(self, logging):
        if self._account_id is None:
            self._account_id = self.module.account_info()[0]
        return s3.log_grant_statement(self.name, logging["target_bucket"], logging["target_prefix"], self.region,
                                      self._account_id)

    def present(self, logging):
        """Whether the target's policy grants this bucket's logs (False when the target does not exist yet)."""
        policy = s3.get_policy(self.client, logging["target_bucket"])
        return s3.has_statement(policy, self.statement(logging), compare_policies)

    def ensure(self, logging):
        target = logging["target_bucket"]
        if s3.get_bucket_region(self.client, target) is None:
            self.module.fail_json(msg=f"access_logging.target_bucket: bucket {target} does not exist; create it first")
        statement = self.statement(logging)
        s3.put_policy(self.client, target, s3.with_statement(s3.get_policy(self.client, target), statement, True))

    def remove(self, logging):
        """Remove this bucket's grant from a former target, if that bucket and the grant still exist."""
        target = logging["target_bucket"]
        policy = s3.get_policy(self.client, target)
        sid = s3.log_grant_sid(self.name)
        if any(s.get("Sid") == sid for s in s3.policy_statements(policy)):
            remaining = [s for s in s3.policy_statements(policy) if s.get("Sid") != sid]
            s3.put_policy(self.client, target, s3.build_policy(remaining))


def read_bucket(module, client, grants, name, region):
    """Normalized state of an existing bucket: one read per managed setting group."""
    params = module.params
    policy = s3.get_policy(client, name) or {}
    state = {
        "name": name,
        "arn": s3.bucket_arn(name, region),
        "region": region,
        "versioning": s3.get_versioning(client, name),
        "public_access_block": s3.get_public_access_block(client, name),
        "object_ownership": s3.get_object_ownership(client, name),
        **s3.get_encryption(client, name),
        "prefixes": s3.get_existing_prefixes(client, name, desired_prefixes(params)) if params["prefixes"] else [],
        "tls_only": s3.has_statement(policy, s3.tls_only_statement(name, region), compare_policies),
        "policy": policy,
    }
    wanted_logging = desired_access_logging(params)
    if wanted_logging is not None:
        logging = s3.get_logging(client, name)
        if logging["enabled"] and wanted_logging.get("target_grant"):
            logging["target_grant"] = grants.present(logging)
        elif logging["enabled"]:
            logging["target_grant"] = False
        state["access_logging"] = logging
    if params["lifecycle_rules"] is not None:
        state["lifecycle_rules"] = s3.get_lifecycle_rules(client, name)
    if params["tags"] is not None:
        state["tags"] = s3.get_tags(client, name)
    return state


def new_bucket_state(params, name, region):
    """What a new bucket looks like before this module's writes. Security settings start unknown (None) so
    that they are written explicitly rather than left to account or AWS defaults."""
    state = {
        "name": name,
        "arn": s3.bucket_arn(name, region),
        "region": region,
        "versioning": False,
        "public_access_block": None,
        "object_ownership": params["object_ownership"],
        "encryption": None,
        "kms_key_id": None,
        "bucket_key": None,
        "prefixes": [],
        "tls_only": False,
        "policy": {},
    }
    if params["access_logging"] is not None:
        state["access_logging"] = {"enabled": False}
    if params["lifecycle_rules"] is not None:
        state["lifecycle_rules"] = []
    if params["tags"] is not None:
        state["tags"] = {}
    return state


# ---------------------------------------------------------------------------------------------------- reconcile


def ensure_present(module, client, reconciler, grants, name, region):
    params = module.params
    if not reconciler.exists:
        reconciler.create(
            new_bucket_state(params, name, region),
            lambda: s3.create_bucket(client, name, region, params["object_ownership"]),
        )
    converge = reconciler.converge
    converge("object_ownership", params["object_ownership"], lambda t, h: s3.put_object_ownership(client, name, t))
    converge("public_access_block", params["public_access_block"],
             lambda t, h: s3.put_public_access_block(client, name, t))
    kms = params["encryption"] == "sse_kms"
    reconciler.converge_group(
        {
            "encryption": params["encryption"],
            "kms_key_id": params["kms_key_id"] if kms else None,
            "bucket_key": params["bucket_key"] if kms else False,
        },
        lambda t, h: s3.put_encryption(client, name, t),
    )
    converge("versioning", params["versioning"], lambda t, h: s3.put_versioning(client, name, t))
    # Markers first: the TLS-only policy written next applies to every later object request.
    converge("prefixes", desired_prefixes(params), lambda t, h: s3.put_prefix_markers(client, name, [p for p in t if p not in h]))
    policy = desired_policy(params, reconciler.after["policy"], name, region)
    if policy is not None:
        reconciler.converge_group(
            {"tls_only": params["tls_only"], "policy": policy},
            lambda t, h: s3.put_policy(client, name, t["policy"]),
            equal=lambda h, t: h["tls_only"] == t["tls_only"] and policies_equal(h["policy"], t["policy"]),
        )
    converge("access_logging", desired_access_logging(params), lambda t, h: write_access_logging(client, grants, name, t, h))
    if params["lifecycle_rules"] is not None:
        converge("lifecycle_rules", expand_lifecycle_rules(params["lifecycle_rules"]),
                 lambda t, h: s3.put_lifecycle_rules(client, name, t))
    if params["tags"] is not None:
        converge("tags", desired_tags(reconciler.after.get("tags"), params["tags"], params["purge_tags"]),
                 lambda t, h: s3.put_tags(client, name, t))


def write_access_logging(client, grants, name, target, have):
    if have and have.get("enabled") and (not target["enabled"] or have["target_bucket"] != target["target_bucket"]):
        grants.remove(have)
    if target["enabled"] and target["target_grant"]:
        grants.ensure(target)
    s3.put_logging(client, name, target)


def ensure_absent(module, client, reconciler, grants, name):
    if not reconciler.exists:
        return
    data, more = s3.find_data(client, name)
    if data and not module.params["force"]:
        count = f"more than {len(data)}" if more else str(len(data))
        module.fail_json(
            msg=f"Refusing to delete bucket {name}: it holds {count} object versions or delete markers"
            f" (for example {', '.join(list(dict.fromkeys(data))[:5])}). Set force: true to delete them all and the bucket.",
            bucket=reconciler.before,
        )
    logging = s3.get_logging(client, name)

    def delete():
        if logging["enabled"]:
            grants.remove(logging)
        s3.delete_all_versions(client, name)
        s3.delete_bucket(client, name)

    reconciler.delete(delete)


def converge(module):
    """Converge the bucket of ``module.params``; returns its result."""
    name = module.params["name"]
    region = module.region
    client = module.client("s3")
    grants = LogGrant(module, client, name, region)
    try:
        current_region = s3.get_bucket_region(client, name)
        if current_region is not None and current_region != region:
            module.fail_json(msg=f"region: bucket {name} exists in {current_region}, not in {region}; S3 cannot move"
                             " a bucket between regions")
        if module.params["state"] == "absent":
            before = {"name": name, "arn": s3.bucket_arn(name, region), "region": region} if current_region else None
            reconciler = Reconciler(module, before)
            ensure_absent(module, client, reconciler, grants, name)
        else:
            before = read_bucket(module, client, grants, name, region) if current_region else None
            reconciler = Reconciler(module, before)
            ensure_present(module, client, reconciler, grants, name, region)
    except AnsibleAWSError as e:
        module.fail_json_aws_error(e)
    return reconciler.result("bucket")


def main():
    module = DeltaLakeAWSModule(
        argument_spec=ARGUMENT_SPEC,
        supports_check_mode=True,
        required_if=[("encryption", "sse_kms", ["kms_key_id"])],
        mutually_exclusive=[("name", "buckets")],
        required_one_of=[("name", "buckets")],
    )
    module.exit_json(**module.converge_each("buckets", ARGUMENT_SPEC, validate_params, converge))


if __name__ == "__main__":
    main()
