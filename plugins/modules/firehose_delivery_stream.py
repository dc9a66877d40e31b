#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: firehose_delivery_stream
short_description: Manage an Amazon Data Firehose delivery stream that lands data in the lake's S3 bucket
version_added: 0.1.0
description:
  - Creates, updates, replaces and deletes one Amazon Data Firehose (Kinesis Data Firehose) delivery stream
    with an S3 destination, the ingestion path of a data lake's C(raw/) zone.
  - The stream is read with one DescribeDeliveryStream call (and one ListTagsForDeliveryStream when O(tags) is
    set) and compared in normalized form; an identical re-run reports RV(ignore:changed=false) and makes read
    calls only.
  - Destination settings (bucket, role, prefixes, compression, buffering, S3 encryption, CloudWatch logging)
    change in place with one UpdateDestination call that carries the stream's current version id and
    destination id. Stream encryption changes with StartDeliveryStreamEncryption, tags with
    TagDeliveryStream/UntagDeliveryStream.
  - The O(source) of a stream cannot change in place. The module then fails with a message naming the setting,
    or deletes and re-creates the stream when O(allow_replace=true).
  - In check mode the module makes read calls only and predicts what a real run would change; with C(--diff)
    it shows every changed setting before and after. A bucket, role or KMS alias that does not exist yet (an
    earlier task of the same check-mode run would create it) is predicted, not reported as an error.
  - A role created moments earlier may not be assumable by Firehose yet (IAM is eventually consistent); the
    create and update calls retry that answer, and only that one, for up to about 90 seconds.
author:
  - deltalake.aws developers (@deltalake-aws)
options:
  name:
    description:
      - Name of the delivery stream.
    type: str
    required: true
  state:
    description:
      - V(present) creates or updates the stream, V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  bucket:
    description:
      - The destination bucket, as a name or C(arn:aws:s3:::name). Required with O(state=present).
    type: str
  role:
    description:
      - The IAM role Firehose assumes to write to the bucket (and to use the KMS key and read a Kinesis
        O(source)), as a role name or role ARN. Required with O(state=present).
      - A name is resolved to its ARN with one C(iam:GetRole) call, unless the stream already uses a role of
        that name.
    type: str
  prefix:
    description:
      - The S3 key prefix of delivered objects. It may hold C(!{timestamp:...}) and
        C(!{firehose:random-string}) expressions
        (see U(https://docs.aws.amazon.com/firehose/latest/dev/s3-prefixes.html)); it must then have an
        O(error_output_prefix).
      - The default partitions the C(raw/) zone by arrival date.
    type: str
    default: "raw/!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/"
  error_output_prefix:
    description:
      - The S3 key prefix of records Firehose failed to deliver or process. When it has expressions it must
        contain C(!{firehose:error-output-type}).
      - V('') for none, allowed only when O(prefix) has no expressions.
      - The default keeps failed records inside C(raw/) (so a writer role limited to C(raw/) can write them)
        under C(_errors/), a name Athena and Hive treat as hidden.
    type: str
    default: "raw/_errors/!{firehose:error-output-type}/!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/"
  compression:
    description:
      - Compression of delivered objects.
    type: str
    choices: [UNCOMPRESSED, GZIP, ZIP, Snappy, HADOOP_SNAPPY]
    default: GZIP
  buffering:
    description:
      - How much data, or how long, Firehose buffers before it writes an object; whichever comes first.
    type: dict
    suboptions:
      size_mib:
        description: Buffer size in MiB, 1 to 128.
        type: int
        default: 5
      interval_seconds:
        description: Buffer interval in seconds, 0 to 900.
        type: int
        default: 300
  kms_key_id:
    description:
      - A KMS key (key id, C(alias/<name>), key ARN or alias ARN) that encrypts both the data at rest in the
        stream (server-side encryption with this customer managed key, O(source=DirectPut) only) and the
        objects written to S3 (SSE-KMS).
      - Compared as the key ARN it resolves to (one C(kms:DescribeKey) call unless a key ARN is given).
      - When not set, the stream is encrypted with an AWS owned key and objects get the bucket's default
        encryption.
    type: str
  cloudwatch_logging:
    description:
      - Delivery error logging to CloudWatch Logs. Not managed when not set (a new stream then logs nothing).
      - The log group and stream must exist, and the role must be allowed C(logs:PutLogEvents) on them.
    type: dict
    suboptions:
      enabled:
        description: Whether delivery errors are logged.
        type: bool
        default: true
      log_group_name:
        description: The log group. Defaults to C(/aws/kinesisfirehose/<name>).
        type: str
      log_stream_name:
        description: The log stream.
        type: str
        default: DestinationDelivery
  source:
    description:
      - Where the stream's records come from, V(DirectPut) (producers call PutRecord) or the ARN of a Kinesis
        data stream that O(role) may read.
      - Cannot change in place; see O(allow_replace).
    type: str
    default: DirectPut
  allow_replace:
    description:
      - Delete and re-create the stream when a setting that cannot change in place (O(source), a destination
        that is not S3, a stream that failed to create) differs. Records buffered in the stream and not yet
        delivered are lost, and producers get errors until the new stream is active.
      - Without it such a difference fails the module, which changes nothing.
    type: bool
    default: false
  wait:
    description:
      - Wait until a created stream is active, a stream encryption change is done, or a deleted stream is gone.
      - A replacement always waits for the old stream to be gone.
    type: bool
    default: true
  wait_timeout:
    description:
      - How long to wait, in seconds.
    type: int
    default: 600
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - deltalake.aws.modules
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
notes:
  - The role's permissions are not managed here; M(deltalake.aws.iam_role) and the collection's policy
    generator create a least-privilege writer role for the lake.
  - With a Kinesis O(source) the stream itself is not encrypted by Firehose (encrypt the Kinesis stream);
    O(kms_key_id) then applies to the S3 objects only.
"""

EXAMPLES = r"""
# Credentials, region and endpoint come from module_defaults or the environment; none are shown here.

- name: Deliver events to the raw zone, partitioned by day, compressed and encrypted with the lake key
  deltalake.aws.firehose_delivery_stream:
    name: acme-events
    bucket: acme-lake-data
    role: acme-lake-firehose
    kms_key_id: alias/acme-lake
    tags:
      lake: acme

- name: Buffer more, write hourly partitions and log delivery errors
  deltalake.aws.firehose_delivery_stream:
    name: acme-events
    bucket: acme-lake-data
    role: acme-lake-firehose
    kms_key_id: alias/acme-lake
    prefix: "raw/events/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/"
    error_output_prefix: "raw/_errors/events/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/"
    buffering:
      size_mib: 64
      interval_seconds: 900
    cloudwatch_logging:
      enabled: true

- name: Show what would change, changing nothing (run with --check --diff)
  deltalake.aws.firehose_delivery_stream:
    name: acme-events
    bucket: acme-lake-data
    role: acme-lake-firehose
  check_mode: true
  register: planned

- name: Read from a Kinesis data stream instead, replacing the stream
  deltalake.aws.firehose_delivery_stream:
    name: acme-events
    bucket: acme-lake-data
    role: acme-lake-firehose
    source: arn:aws:kinesis:eu-west-1:111122223333:stream/acme-events
    allow_replace: true

- name: Delete the stream
  deltalake.aws.firehose_delivery_stream:
    name: acme-events
    state: absent
"""

RETURN = r"""
delivery_stream:
  description:
    - The stream's settings after the run (predicted in check mode), in the same shape as the diff.
    - Empty after O(state=absent).
  returned: always
  type: dict
  contains:
    name:
      description: Stream name.
      type: str
      sample: acme-events
    arn:
      description: Stream ARN.
      type: str
      sample: arn:aws:firehose:eu-west-1:111122223333:deliverystream/acme-events
    source:
      description: V(DirectPut) or the ARN of the Kinesis data stream it reads.
      type: str
      sample: DirectPut
    bucket_arn:
      description: Destination bucket ARN.
      type: str
      sample: arn:aws:s3:::acme-lake-data
    role_arn:
      description: The role Firehose assumes.
      type: str
      sample: arn:aws:iam::111122223333:role/acme-lake-firehose
    prefix:
      description: Prefix of delivered objects.
      type: str
      sample: "raw/!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/"
    error_output_prefix:
      description: Prefix of failed records; V('') when none.
      type: str
      sample: "raw/_errors/!{firehose:error-output-type}/!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/"
    compression:
      description: Compression format.
      type: str
      sample: GZIP
    buffering:
      description: Buffering hints.
      type: dict
      sample: {"size_mib": 5, "interval_seconds": 300}
    kms_key_arn:
      description: The KMS key of S3 objects (SSE-KMS); V(null) when Firehose does not encrypt them.
      type: str
      sample: arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab
    stream_encryption:
      description: Server-side encryption of the stream; C(key_type) is V(null) when the stream is not
        encrypted.
      type: dict
      sample: {"key_type": "CUSTOMER_MANAGED_CMK", "key_arn": "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"}
    cloudwatch_logging:
      description: Delivery error logging.
      type: dict
      sample: {"enabled": true, "log_group_name": "/aws/kinesisfirehose/acme-events", "log_stream_name": "DestinationDelivery"}
    tags:
      description: Stream tags.
      type: dict
      returned: when O(tags) is set
      sample: {"lake": "acme"}
"""

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

from ansible_collections.deltalake.aws.plugins.module_utils import firehose
from ansible_collections.deltalake.aws.plugins.module_utils import iam
from ansible_collections.deltalake.aws.plugins.module_utils import kms
from ansible_collections.deltalake.aws.plugins.module_utils.base import DeltaLakeAWSModule
from ansible_collections.deltalake.aws.plugins.module_utils.base import Reconciler
from ansible_collections.deltalake.aws.plugins.module_utils.base import desired_tags
from ansible_collections.deltalake.aws.plugins.module_utils.validators import partition_for_region
from ansible_collections.deltalake.aws.plugins.module_utils.validators import parse_arn
from ansible_collections.deltalake.aws.plugins.module_utils.validators import validate_kms_key_id
from ansible_collections.deltalake.aws.plugins.module_utils.validators import validate_region
from ansible_collections.deltalake.aws.plugins.module_utils.validators import validate_tags

ARGUMENT_SPEC = dict(
    name=dict(type="str", required=True),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    bucket=dict(type="str"),
    role=dict(type="str"),
    prefix=dict(type="str", default=firehose.DEFAULT_PREFIX),
    error_output_prefix=dict(type="str", default=firehose.DEFAULT_ERROR_OUTPUT_PREFIX),
    compression=dict(type="str", choices=firehose.COMPRESSION_FORMATS, default="GZIP"),
    buffering=dict(
        type="dict",
        apply_defaults=True,
        options=dict(
            size_mib=dict(type="int", default=5),
            interval_seconds=dict(type="int", default=300),
        ),
    ),
    kms_key_id=dict(type="str"),
    cloudwatch_logging=dict(
        type="dict",
        options=dict(
            enabled=dict(type="bool", default=True),
            log_group_name=dict(type="str"),
            log_stream_name=dict(type="str", default=firehose.DEFAULT_LOG_STREAM),
        ),
    ),
    source=dict(type="str", default=firehose.DIRECT_PUT),
    allow_replace=dict(type="bool", default=False),
    tags=dict(type="dict", aliases=["resource_tags"]),
    purge_tags=dict(type="bool", default=True),
    wait=dict(type="bool", default=True),
    wait_timeout=dict(type="int", default=600),
)

# Settings UpdateDestination writes, in one call.
DESTINATION_KEYS = ("bucket_arn", "role_arn", "prefix", "error_output_prefix", "compression", "buffering", "kms_key_arn")


def validate_params(module):
    """Every rule that can be checked without AWS, before the first AWS call."""
    params = module.params
    errors = firehose.validate_stream_name(params["name"]) + validate_region(module.region)
    if module.params["wait_timeout"] < 1:
        errors.append(f"wait_timeout: {params['wait_timeout']} must be at least 1")
    if params["state"] == "present":
        errors += firehose.validate_bucket(params["bucket"])
        errors += firehose.validate_role(params["role"])
        errors += firehose.validate_source(params["source"])
        errors += firehose.validate_prefixes(params["prefix"], params["error_output_prefix"])
        errors += firehose.validate_buffering(params["buffering"])
        errors += validate_kms_key_id(params["kms_key_id"])
        errors += validate_tags(params["tags"])
        if params["cloudwatch_logging"]:
            errors += firehose.validate_cloudwatch_logging(params["cloudwatch_logging"])
    module.fail_on_errors(errors)


# ---------------------------------------------------------------------------------------------------- desired state


class Dependencies:
    """Resolves the names the user gave (role, KMS key) to the ARNs AWS reports, with as few reads as possible.
    A dependency that does not exist yet is predicted in check mode (an earlier task of the same run would
    create it) and is an error in a real run."""

    def __init__(self, module):
        self.module = module
        self._account_id = None

    @property
    def account_id(self):
        if self._account_id is None:
            self._account_id = self.module.account_info()[0]
        return self._account_id

    def missing(self, field, what):
        self.module.fail_json(msg=f"{field}: {what} does not exist; create it first (an earlier task of the play"
                              " can, and check mode then predicts it)")

    def check_bucket(self, bucket):
        """Before a write that hands the bucket to Firehose (never in check mode): fail clearly when it does not
        exist, rather than letting every delivery fail later. A bucket these credentials cannot see (another
        account's) is accepted."""
        name = firehose.bucket_name_of(bucket)
        if firehose.bucket_exists(self.module.client("s3"), name) is False:
            self.missing("bucket", f"S3 bucket {name}")

    def role_arn(self, current):
        role = self.module.params["role"]
        if role.startswith("arn:"):
            return role
        if current and firehose.role_name_from_arn(current.get("role_arn") or "") == role:
            return current["role_arn"]
        found = iam.get_role(self.module.client("iam"), role)
        if found:
            return found["Arn"]
        if not self.module.check_mode:
            self.missing("role", f"IAM role {role}")
        return firehose.role_arn_from_name(role, self.module.region, self.account_id)

    def kms_key_arn(self):
        key = self.module.params["kms_key_id"]
        if not key:
            return None
        if (parse_arn(key) or {}).get("resource", "").startswith("key/"):
            return key
        found = kms.describe_key(self.module.client("kms"), key)
        if found:
            return found["Arn"]
        if not self.module.check_mode:
            self.missing("kms_key_id", f"KMS key {key}")
        if key.startswith("arn:"):
            return key
        partition = partition_for_region(self.module.region)
        resource = key if key.startswith("alias/") else f"key/{key}"
        return f"arn:{partition}:kms:{self.module.region}:{self.account_id}:{resource}"


def desired_logging(params):
    logging = params["cloudwatch_logging"]
    if logging is None:
        return None
    if not logging["enabled"]:
        return dict(firehose.LOGGING_DISABLED)
    return {
        "enabled": True,
        "log_group_name": logging["log_group_name"] or firehose.default_log_group(params["name"]),
        "log_stream_name": logging["log_stream_name"],
    }


def desired_stream_encryption(params, kms_key_arn):
    """DirectPut streams are always encrypted: with the lake key when one is given, else an AWS owned key.
    A stream fed by Kinesis cannot be encrypted by Firehose: not managed (None)."""
    if params["source"] != firehose.DIRECT_PUT:
        return None
    if kms_key_arn:
        return {"key_type": firehose.CUSTOMER_MANAGED_CMK, "key_arn": kms_key_arn}
    return {"key_type": firehose.AWS_OWNED_CMK, "key_arn": None}


def desired_state(module, deps, have):
    """The whole stream as this run wants it (normalized); cloudwatch_logging and tags only when managed."""
    params = module.params
    kms_key_arn = deps.kms_key_arn()
    state = {
        "name": params["name"],
        "arn": have["arn"] if have else firehose.stream_arn(params["name"], module.region, deps.account_id),
        "source": params["source"],
        "bucket_arn": firehose.bucket_arn_of(params["bucket"], module.region),
        "role_arn": deps.role_arn(have),
        "prefix": params["prefix"],
        "error_output_prefix": params["error_output_prefix"] or "",
        "compression": params["compression"],
        "buffering": dict(params["buffering"]),
        "kms_key_arn": kms_key_arn,
        "stream_encryption": desired_stream_encryption(params, kms_key_arn),
        "cloudwatch_logging": desired_logging(params),
    }
    if params["tags"] is not None:
        state["tags"] = desired_tags((have or {}).get("tags"), params["tags"], params["purge_tags"])
    return state


def replacement_reasons(description, have, wanted):
    """Differences UpdateDestination cannot make, each naming the setting."""
    reasons = []
    if have["source"] != wanted["source"]:
        reasons.append(f"source: the stream reads from {have['source']}, not {wanted['source']}, and a stream's"
                       " source cannot change in place")
    kinds = firehose.destination_types(description)
    if kinds not in (["ExtendedS3"], ["S3"]):
        reasons.append(f"destination: the stream delivers to {', '.join(kinds) or 'nothing'}, not S3")
    if description.get("DeliveryStreamStatus") == "CREATING_FAILED":
        failure = (description.get("FailureDescription") or {}).get("Details", "no details")
        reasons.append(f"status: the stream failed to create ({failure})")
    return reasons


# ---------------------------------------------------------------------------------------------------- reconcile


def new_stream_state(wanted):
    """A new stream is created in one call with every setting: its initial state is the desired one, with the
    AWS defaults of what this run does not manage."""
    state = dict(wanted)
    if state["stream_encryption"] is None:
        state["stream_encryption"] = dict(firehose.NO_STREAM_ENCRYPTION)
    if state["cloudwatch_logging"] is None:
        state["cloudwatch_logging"] = dict(firehose.LOGGING_DISABLED)
    return state


def ensure_present(module, client, deps, reconciler, description, wanted):
    params = module.params
    name = params["name"]
    timeout = params["wait_timeout"]

    def create():
        deps.check_bucket(params["bucket"])
        firehose.create_delivery_stream(client, reconciler.after)
        if params["wait"]:
            firehose.wait_for(client, "delivery_stream_active", name, timeout)

    def replace():
        firehose.delete_delivery_stream(client, name)
        firehose.wait_for(client, "delivery_stream_deleted", name, timeout)  # the name must be free again
        create()

    if description is None or description.get("DeliveryStreamStatus") == "DELETING":
        if description is not None and not module.check_mode:
            firehose.wait_for(client, "delivery_stream_deleted", name, timeout)
        reconciler.create(new_stream_state(wanted), create)
        return
    reasons = replacement_reasons(description, reconciler.before, wanted)
    if reasons:
        if not params["allow_replace"]:
            module.fail_json(
                msg=f"Delivery stream {name} cannot be changed in place: {'; '.join(reasons)}. Set allow_replace:"
                " true to delete and re-create it (records buffered in the stream and not yet delivered are lost).",
                delivery_stream=reconciler.before,
            )
        reconciler.create(new_stream_state(wanted), replace)
        return

    active = {"done": description.get("DeliveryStreamStatus") == "ACTIVE"}

    def ensure_active():
        if not active["done"]:
            firehose.wait_for(client, "delivery_stream_active", name, timeout)
            active["done"] = True

    def write_destination(target, have):
        if target["bucket_arn"] != have["bucket_arn"]:
            deps.check_bucket(params["bucket"])
        ensure_active()
        firehose.update_destination(client, name, description["VersionId"], firehose.destination_id(description), target)

    group = {key: wanted[key] for key in DESTINATION_KEYS}
    if wanted["cloudwatch_logging"] is not None:
        group["cloudwatch_logging"] = wanted["cloudwatch_logging"]
    reconciler.converge_group(group, write_destination)

    def write_encryption(target, have):
        ensure_active()
        firehose.start_stream_encryption(client, name, target)
        if params["wait"]:
            firehose.wait_for(client, "delivery_stream_encryption_settled", name, timeout)

    reconciler.converge("stream_encryption", wanted["stream_encryption"], write_encryption)

    def write_tags(target, have):
        to_set, to_unset = compare_aws_tags(have or {}, target, purge_tags=True)
        if to_unset:
            firehose.untag_delivery_stream(client, name, to_unset)
        if to_set:
            firehose.tag_delivery_stream(client, name, to_set)

    if "tags" in wanted:
        reconciler.converge("tags", wanted["tags"], write_tags)


def ensure_absent(module, client, reconciler, description):
    params = module.params
    if description is None:
        return
    if description.get("DeliveryStreamStatus") == "DELETING":
        if params["wait"] and not module.check_mode:
            firehose.wait_for(client, "delivery_stream_deleted", params["name"], params["wait_timeout"])
        return

    def delete():
        firehose.delete_delivery_stream(client, params["name"])
        if params["wait"]:
            firehose.wait_for(client, "delivery_stream_deleted", params["name"], params["wait_timeout"])

    reconciler.delete(delete)


def main():
    module = DeltaLakeAWSModule(
        argument_spec=ARGUMENT_SPEC,
        supports_check_mode=True,
        required_if=[("state", "present", ["bucket", "role"])],
    )
    validate_params(module)
    name = module.params["name"]
    client = module.client("firehose")
    try:
        description = firehose.get_delivery_stream(client, name)
        tags = None
        if description is not None and module.params["tags"] is not None and module.params["state"] == "present":
            tags = firehose.get_tags(client, name)
        before = firehose.normalize_delivery_stream(description, tags) if description else None
        reconciler = Reconciler(module, before)
        if module.params["state"] == "absent":
            ensure_absent(module, client, reconciler, description)
        else:
            deps = Dependencies(module)
            wanted = desired_state(module, deps, before)
            ensure_present(module, client, deps, reconciler, description, wanted)
    except AnsibleAWSError as e:
        module.fail_json_aws_error(e)
    module.exit_json(**reconciler.result("delivery_stream"))


if __name__ == "__main__":
    main()
