#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: athena_workgroup
short_description: Manage one Athena workgroup for querying a data lake
version_added: 0.1.0
description:
  - Creates, updates and deletes one Athena workgroup, where the lake's queries run, with its results location,
    results encryption, cost guard and engine version.
  - Secure by default, query results are encrypted (SSE-S3) and the workgroup's settings override client-side
    settings, so that no query writes unencrypted results elsewhere.
  - The workgroup is read once and compared in normalized form; tags are read once when O(tags) is set. Only
    what differs is written, with one C(UpdateWorkGroup) call that changes exactly the differing settings, so an
    identical re-run reports RV(ignore:changed=false) and makes read calls only. Fields AWS reports but nobody
    sets (the creation time, the effective engine version) are never compared nor shown in the diff.
  - In check mode the module makes read calls only and predicts exactly what a real run would change, also when
    the results bucket is created by an earlier task of the same run. With C(--diff) it shows every changed
    setting before and after.
  - O(state=absent) refuses to delete a workgroup that holds saved (named) queries unless
    O(recursive_delete=true). Query results in S3 are never deleted.
author:
  - deltalake.aws developers (@deltalake-aws)
options:
  name:
    description:
      - Name of the workgroup, 1 to 128 letters, digits, dots, hyphens and underscores.
    type: str
    required: true
  state:
    description:
      - V(present) creates or updates the workgroup, V(absent) deletes it. The C(primary) workgroup cannot be
        deleted.
    type: str
    choices: [present, absent]
    default: present
  description:
    description:
      - Description of the workgroup (at most 1024 characters). V('') removes it. Not managed when not set.
    type: str
  bucket:
    description:
      - The lake bucket that receives query results, under C(analytics/athena-results/), that is
        C(s3://<bucket>/analytics/athena-results/), where the data-lake lifecycle preset of
        M(deltalake.aws.s3_bucket) expires them.
      - Mutually exclusive with O(output_location).
    type: str
  output_location:
    description:
      - Where query results go, an S3 URI ending in C(/). V('') removes the location. Not managed when neither
        this nor O(bucket) is set.
    type: str
  encryption:
    description:
      - Encryption of query results. V(sse_s3) uses S3-managed keys, V(sse_kms) and V(cse_kms) (client-side)
        the KMS key O(kms_key_id). V(none) removes the workgroup's encryption setting (the bucket's default
        encryption still applies).
    type: str
    choices: [none, sse_s3, sse_kms, cse_kms]
    default: sse_s3
  kms_key_id:
    description:
      - The KMS key of V(sse_kms) or V(cse_kms) encryption, as key ARN or key id.
    type: str
  enforce_workgroup_configuration:
    description:
      - Whether the workgroup's settings (results location, encryption) override the client-side settings of
        each query.
    type: bool
    default: true
  publish_cloudwatch_metrics:
    description:
      - Whether the workgroup publishes query metrics to CloudWatch.
    type: bool
    default: true
  bytes_scanned_cutoff_per_query:
    description:
      - The most bytes a query may scan before Athena cancels it, at least 10000000 (10 MB). V(0) removes the
        limit. Not managed when not set.
    type: int
  requester_pays:
    description:
      - Whether queries may read Requester Pays buckets, charging this account for the requests.
    type: bool
    default: false
  engine_version:
    description:
      - The Athena engine version, V(AUTO) (Athena picks and upgrades it) or for example
        V(Athena engine version 3). Not managed when not set (a new workgroup gets V(AUTO)). The effective version
        AWS reports is not compared.
    type: str
  recursive_delete:
    description:
      - With O(state=absent), delete the workgroup together with its saved queries and query history. Without it a
        workgroup that holds saved queries is not deleted and the module fails.
    type: bool
    default: false
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - deltalake.aws.modules
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
# Credentials, region and endpoint come from module_defaults or the environment; none are shown here.

- name: Create the analysts' workgroup, results in the lake bucket, 1 TB per query at most
  deltalake.aws.athena_workgroup:
    name: analysts
    description: Ad-hoc queries on the lake
    bucket: acme-lake-data
    bytes_scanned_cutoff_per_query: 1000000000000
    engine_version: Athena engine version 3
    tags:
      lake: acme

- name: Encrypt query results with the lake's KMS key
  deltalake.aws.athena_workgroup:
    name: analysts
    bucket: acme-lake-data
    encryption: sse_kms
    kms_key_id: arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab

- name: Show what would change, changing nothing (run with --check --diff)
  deltalake.aws.athena_workgroup:
    name: analysts
    bucket: acme-lake-data
  check_mode: true
  register: planned

- name: Delete a workgroup with its saved queries (query results in S3 are kept)
  deltalake.aws.athena_workgroup:
    name: scratch
    state: absent
    recursive_delete: true
"""

RETURN = r"""
workgroup:
  description:
    - The workgroup after the run (predicted in check mode), in the same shape as the diff. Empty after
      O(state=absent).
  returned: always
  type: dict
  contains:
    name:
      description: Workgroup name.
      type: str
      sample: analysts
    arn:
      description: Workgroup ARN.
      type: str
      sample: arn:aws:athena:eu-west-1:123456789012:workgroup/analysts
    description:
      description: Description; V('') when there is none.
      type: str
    output_location:
      description: Where query results go; V('') when not set.
      type: str
      sample: s3://acme-lake-data/analytics/athena-results/
    encryption:
      description: Encryption of query results, V(none), V(sse_s3), V(sse_kms) or V(cse_kms).
      type: str
      sample: sse_s3
    kms_key_id:
      description: KMS key of V(sse_kms) or V(cse_kms) encryption.
      type: str
    enforce_workgroup_configuration:
      description: Whether the workgroup's settings override client-side settings.
      type: bool
      sample: true
    publish_cloudwatch_metrics:
      description: Whether query metrics go to CloudWatch.
      type: bool
      sample: true
    bytes_scanned_cutoff_per_query:
      description: Bytes a query may scan; null when there is no limit.
      type: int
      sample: 1000000000000
    requester_pays:
      description: Whether queries may read Requester Pays buckets.
      type: bool
      sample: false
    engine_version:
      description: The selected engine version.
      type: str
      sample: Athena engine version 3
    tags:
      description: Workgroup tags.
      type: dict
      returned: when O(tags) is set
      sample: {"lake": "acme"}
"""

import re

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError

from ansible_collections.deltalake.aws.plugins.module_utils import athena
from ansible_collections.deltalake.aws.plugins.module_utils import glue
from ansible_collections.deltalake.aws.plugins.module_utils.base import DeltaLakeAWSModule
from ansible_collections.deltalake.aws.plugins.module_utils.base import Reconciler
from ansible_collections.deltalake.aws.plugins.module_utils.base import desired_tags
from ansible_collections.deltalake.aws.plugins.module_utils.validators import validate_athena_workgroup_name
from ansible_collections.deltalake.aws.plugins.module_utils.validators import validate_bucket_name
from ansible_collections.deltalake.aws.plugins.module_utils.validators import validate_kms_key_id
from ansible_collections.deltalake.aws.plugins.module_utils.validators import validate_region
from ansible_collections.deltalake.aws.plugins.module_utils.validators import validate_tags

RESULTS_PREFIX = "analytics/athena-results/"
MIN_BYTES_SCANNED_CUTOFF = 10000000
MAX_DESCRIPTION = 1024
ENGINE_VERSION_RE = re.compile(r"^(?:AUTO|Athena engine version \d+)$")
KMS_ENCRYPTION = ("sse_kms", "cse_kms")

ARGUMENT_SPEC = dict(
    name=dict(type="str", required=True),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    description=dict(type="str"),
    bucket=dict(type="str"),
    output_location=dict(type="str"),
    encryption=dict(type="str", choices=["none", "sse_s3", "sse_kms", "cse_kms"], default="sse_s3"),
    kms_key_id=dict(type="str"),
    enforce_workgroup_configuration=dict(type="bool", default=True),
    publish_cloudwatch_metrics=dict(type="bool", default=True),
    bytes_scanned_cutoff_per_query=dict(type="int"),
    requester_pays=dict(type="bool", default=False),
    engine_version=dict(type="str"),
    recursive_delete=dict(type="bool", default=False),
    tags=dict(type="dict", aliases=["resource_tags"]),
    purge_tags=dict(type="bool", default=True),
)


def output_location(params):
    if params["bucket"]:
        return f"s3://{params['bucket']}/{RESULTS_PREFIX}"
    return params["output_location"]


def validate_params(module):
    """Every rule that can be checked without AWS, before the first AWS call."""
    params = module.params
    errors = validate_athena_workgroup_name(params["name"]) + validate_region(module.region)
    errors += validate_tags(params["tags"])
    if params["state"] == "absent" and params["name"] == "primary":
        errors.append("name: 'primary' is the default workgroup of every account and cannot be deleted")
    if params["description"] and len(params["description"]) > MAX_DESCRIPTION:
        errors.append(
            f"description: must be at most {MAX_DESCRIPTION} characters (it has {len(params['description'])})"
        )
    if params["bucket"] is not None:
        errors += validate_bucket_name(params["bucket"], "bucket")
    if params["output_location"]:
        errors += glue.validate_s3_uri(params["output_location"], "output_location", trailing_slash=True)
    if params["kms_key_id"] and params["encryption"] not in KMS_ENCRYPTION:
        errors.append(f"kms_key_id: is only used with encryption sse_kms or cse_kms, not {params['encryption']}")
    errors += validate_kms_key_id(params["kms_key_id"])
    cutoff = params["bytes_scanned_cutoff_per_query"]
    if cutoff is not None and cutoff != 0 and cutoff < MIN_BYTES_SCANNED_CUTOFF:
        errors.append(
            f"bytes_scanned_cutoff_per_query: {cutoff} must be at least {MIN_BYTES_SCANNED_CUTOFF} (10 MB),"
            " or 0 for no limit"
        )
    if params["engine_version"] is not None and not ENGINE_VERSION_RE.match(params["engine_version"]):
        errors.append(f"engine_version: {params['engine_version']!r} must be AUTO or 'Athena engine version <N>'")
    module.fail_on_errors(errors)


def desired_settings(params):
    """The settings this run manages, in the normalized shape; options left unset are not managed."""
    kms = params["encryption"] in KMS_ENCRYPTION
    wants = {
        "encryption": params["encryption"],
        "kms_key_id": params["kms_key_id"] if kms else None,
        "enforce_workgroup_configuration": params["enforce_workgroup_configuration"],
        "publish_cloudwatch_metrics": params["publish_cloudwatch_metrics"],
        "requester_pays": params["requester_pays"],
    }
    if params["description"] is not None:
        wants["description"] = params["description"]
    if output_location(params) is not None:
        wants["output_location"] = output_location(params)
    if params["bytes_scanned_cutoff_per_query"] is not None:
        wants["bytes_scanned_cutoff_per_query"] = params["bytes_scanned_cutoff_per_query"] or None
    if params["engine_version"] is not None:
        wants["engine_version"] = params["engine_version"]
    return wants


def new_workgroup_state(params, name, arn, wants):
    """What the workgroup looks like once created: the managed settings, AWS's defaults for the others."""
    state = {
        "name": name,
        "arn": arn,
        "description": "",
        "output_location": "",
        "bytes_scanned_cutoff_per_query": None,
        "engine_version": athena.DEFAULT_ENGINE_VERSION,
    }
    state.update(wants)
    state = {key: state[key] for key in ("name", "arn") + athena.WORKGROUP_SETTINGS}
    if params["tags"] is not None:
        state["tags"] = desired_tags({}, params["tags"], True)
    return state


def ensure_present(module, client, reconciler, name, arn):
    params = module.params
    wants = desired_settings(params)
    if not reconciler.exists:
        initial = new_workgroup_state(params, name, arn, wants)
        reconciler.create(initial, lambda: athena.create_workgroup(client, name, initial, initial.get("tags")))
        return
    reconciler.converge_group(wants, lambda target, have: athena.update_workgroup(client, name, target, have))
    if params["tags"] is not None:
        reconciler.converge(
            "tags",
            desired_tags(reconciler.after["tags"], params["tags"], params["purge_tags"]),
            lambda target, have: athena.update_tags(client, arn, have, target),
        )


def ensure_absent(module, client, reconciler, name):
    if not reconciler.exists:
        return
    recursive = module.params["recursive_delete"]
    if not recursive:
        count, more = athena.find_named_queries(client, name)
        if count:
            module.fail_json(
                msg=f"Refusing to delete Athena workgroup {name}: it holds {'more than ' if more else ''}{count} saved"
                " (named) queries. Set recursive_delete: true to delete them with the workgroup.",
                workgroup=reconciler.before,
            )
    reconciler.delete(lambda: athena.delete_workgroup(client, name, recursive))


def main():
    module = DeltaLakeAWSModule(
        argument_spec=ARGUMENT_SPEC,
        supports_check_mode=True,
        mutually_exclusive=[("bucket", "output_location")],
        required_if=[("encryption", "sse_kms", ["kms_key_id"]), ("encryption", "cse_kms", ["kms_key_id"])],
    )
    validate_params(module)
    params = module.params
    name = params["name"]
    client = module.client("athena")
    try:
        current = athena.get_workgroup(client, name)
        account_id, partition = module.account_info()
        arn = athena.workgroup_arn(partition, module.region, account_id, name)
        before = athena.normalize_workgroup(current, arn) if current else None
        if before is not None and params["tags"] is not None and params["state"] == "present":
            before["tags"] = athena.get_tags(client, arn)
        reconciler = Reconciler(module, before)
        if params["state"] == "absent":
            ensure_absent(module, client, reconciler, name)
        else:
            ensure_present(module, client, reconciler, name, arn)
    except AnsibleAWSError as e:
        module.fail_json_aws_error(e)
    module.exit_json(**reconciler.result("workgroup"))


if __name__ == "__main__":
    main()
