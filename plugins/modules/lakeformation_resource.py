#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: lakeformation_resource
short_description: Register an S3 location of a data lake with Lake Formation
version_added: 0.1.0
description:
  - Registers (O(state=present)) or deregisters (O(state=absent)) an Amazon S3 location with Lake Formation, so
    that Lake Formation vends credentials for it through a role.
  - The location is O(resource_arn), or O(bucket) and O(prefix).
  - With O(locations), one task registers several locations (all of a lake's zones) in one module run, which is
    faster than a loop, which starts the module, Python and boto3 once per location.
  - A registered location whose role, O(hybrid_access_enabled) or O(with_federation) differs is updated in place
    with one C(UpdateResource) call (the API changes all three on a registered location), never deregistered
    and registered again, so grants on the location are kept.
  - Deregistering stops Lake Formation from managing the location; no data is deleted.
  - Full check mode and diff.
author:
  - deltalake.aws developers (@deltalake-aws)
options:
  resource_arn:
    description:
      - The S3 ARN of the location (C(arn:aws:s3:::bucket/prefix)). A trailing C(/) is ignored.
    type: str
  bucket:
    description:
      - The bucket of the location, when O(resource_arn) is not given.
    type: str
  prefix:
    description:
      - A key prefix in O(bucket); the whole bucket when not set.
    type: str
  role_arn:
    description:
      - The IAM role Lake Formation uses to access the location.
    type: str
  use_service_linked_role:
    description:
      - Use Lake Formation's service-linked role C(AWSServiceRoleForLakeFormationDataAccess) instead of O(role_arn).
    type: bool
    default: false
  hybrid_access_enabled:
    description:
      - Whether the location is in hybrid access mode (IAM and Lake Formation permissions both apply). Not
        managed when not set; a new location gets V(false).
    type: bool
  with_federation:
    description:
      - Whether the location is registered for federated (Redshift) access. Not managed when not set; a new
        location gets V(false).
    type: bool
  locations:
    description:
      - Several locations to converge in this one module run, in list order, instead of the one named by
        O(resource_arn) or O(bucket) and O(prefix).
      - Each item is a dict of this module's options (O(locations) excepted) that names its location by
        O(resource_arn) or O(prefix) (in the top-level O(bucket)); an option an item does not set takes the
        value given at the top level of the task, then the option's default (an item cannot unset a top-level
        option; null in an item means not set).
      - Every item is validated before the first AWS call. A failure names the item at the start of its
        message (as in C(locations[1] (raw))) and returns the results of the locations converged before it; a
        re-run converges from there.
      - The result has C(results), one entry per item as a loop would register them.
    type: list
    elements: dict
  state:
    description:
      - V(present) registers or updates the location, V(absent) deregisters it.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - deltalake.aws.modules
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
# Credentials, region and endpoint come from module_defaults or the environment; none are shown here.

- name: Register the lake's processed zone with a data access role
  deltalake.aws.lakeformation_resource:
    bucket: acme-lake-data
    prefix: processed/
    role_arn: arn:aws:iam::123456789012:role/lake-data-access

- name: Register a whole bucket with the service-linked role, in hybrid access mode
  deltalake.aws.lakeformation_resource:
    resource_arn: arn:aws:s3:::acme-lake-raw
    use_service_linked_role: true
    hybrid_access_enabled: true

- name: Deregister a location (its data stays)
  deltalake.aws.lakeformation_resource:
    bucket: acme-lake-data
    prefix: scratch/
    state: absent

- name: Register three zones of the data bucket in one module run, with one data access role
  deltalake.aws.lakeformation_resource:
    bucket: acme-lake-data
    role_arn: arn:aws:iam::123456789012:role/lake-data-access
    locations:
      - prefix: raw/
      - prefix: processed/
      - prefix: analytics/
"""

RETURN = r"""
results:
  description:
    - With O(locations), one result per item in list order, as a loop registers them. Each has C(prefix) (as the
      item gave it), C(changed), C(created), C(changed_fields), C(resource) (as described below) and in diff mode
      C(diff).
    - In diff mode the task's C(diff) is then a list with one entry per item, headed by the item.
  returned: when O(locations) is set
  type: list
  elements: dict
  sample: [{"prefix": "raw", "changed": false, "created": false, "changed_fields": [], "resource": {}}]
resource:
  description: The registered location after the run (predicted in check mode); empty after O(state=absent).
  returned: without O(locations)
  type: dict
  contains:
    resource_arn:
      description: The location's S3 ARN.
      type: str
      sample: arn:aws:s3:::acme-lake-data/processed
    role_arn:
      description: The role Lake Formation uses.
      type: str
      sample: arn:aws:iam::123456789012:role/lake-data-access
    use_service_linked_role:
      description: Whether the role is Lake Formation's service-linked role.
      type: bool
      sample: false
    hybrid_access_enabled:
      description: Whether hybrid access mode is on.
      type: bool
      sample: false
    with_federation:
      description: Whether the location is registered for federation.
      type: bool
      sample: false
"""

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError

from ansible_collections.deltalake.aws.plugins.module_utils import lakeformation as lf
from ansible_collections.deltalake.aws.plugins.module_utils.base import DeltaLakeAWSModule
from ansible_collections.deltalake.aws.plugins.module_utils.validators import partition_for_region
from ansible_collections.deltalake.aws.plugins.module_utils.base import Reconciler
from ansible_collections.deltalake.aws.plugins.module_utils.validators import parse_arn
from ansible_collections.deltalake.aws.plugins.module_utils.validators import validate_arn
from ansible_collections.deltalake.aws.plugins.module_utils.validators import validate_bucket_name
from ansible_collections.deltalake.aws.plugins.module_utils.validators import validate_region
from ansible_collections.deltalake.aws.plugins.module_utils.validators import validate_s3_prefix

ARGUMENT_SPEC = {
    "resource_arn": {"type": "str"},
    "bucket": {"type": "str"},
    "prefix": {"type": "str"},
    "role_arn": {"type": "str"},
    "use_service_linked_role": {"type": "bool", "default": False},
    "hybrid_access_enabled": {"type": "bool"},
    "with_federation": {"type": "bool"},
    "locations": {"type": "list", "elements": "dict"},
    "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
}


def validate_params(module):
    params = module.params
    errors = validate_region(module.region)
    # the module's mutually_exclusive and required_one_of, for the items of locations merged with the top level
    if params["resource_arn"] and (params["bucket"] or params["prefix"]):
        errors.append("resource_arn: name the location by resource_arn, or by bucket and prefix, not both")
    if not params["resource_arn"] and not params["bucket"]:
        errors.append("bucket: set bucket (and prefix), or resource_arn, to name the location")
    if params["role_arn"] and params["use_service_linked_role"]:
        errors.append("role_arn: set role_arn, or use_service_linked_role: true, not both")
    if errors:
        module.fail_on_errors(errors)
        return
    if params["resource_arn"]:
        errors += validate_arn(
            params["resource_arn"], "resource_arn", service="s3", region_required=False, account_required=False
        )
        if not errors:
            errors += validate_bucket_name(
                parse_arn(params["resource_arn"])["resource"].split("/", 1)[0], "resource_arn"
            )
    else:
        errors += validate_bucket_name(params["bucket"], "bucket")
        if params["prefix"]:
            errors += validate_s3_prefix(params["prefix"], "prefix", trailing_slash=False)
    if params["role_arn"]:
        errors += validate_arn(
            params["role_arn"],
            "role_arn",
            service="iam",
            region_required=False,
            account_required=True,
            resource_prefix="role/",
        )
    if params["state"] == "present" and not params["role_arn"] and not params["use_service_linked_role"]:
        errors.append("role_arn: set role_arn, or use_service_linked_role: true, to register a location")
    module.fail_on_errors(errors)


def location_arn(params, partition):
    if params["resource_arn"]:
        return params["resource_arn"].rstrip("/")
    prefix = (params["prefix"] or "").strip("/")
    return f"arn:{partition}:s3:::{params['bucket']}" + (f"/{prefix}" if prefix else "")


def converge(module):
    """Converge the location of ``module.params``; returns its result."""
    params = module.params
    client = module.client("lakeformation")
    partition = partition_for_region(module.region)
    arn = location_arn(params, partition)
    try:
        info = lf.describe_resource(client, arn)
        before = lf.normalize_registered_resource(info) if info else None
        reconciler = Reconciler(module, before)
        if params["state"] == "absent":
            if reconciler.exists:
                reconciler.delete(lambda: lf.deregister_resource(client, arn))
        else:
            role = params["role_arn"]
            if params["use_service_linked_role"]:
                account = params["account_id"] or lf.get_caller_identity(module.client("sts"))["account"]
                role = lf.service_linked_role_arn(account, partition)
            wanted = {"role_arn": role, "use_service_linked_role": params["use_service_linked_role"]}
            for key in ("hybrid_access_enabled", "with_federation"):
                if params[key] is not None:
                    wanted[key] = params[key]
            if not reconciler.exists:
                initial = {
                    "resource_arn": arn,
                    "role_arn": role,
                    "use_service_linked_role": wanted["use_service_linked_role"],
                    "hybrid_access_enabled": wanted.get("hybrid_access_enabled", False),
                    "with_federation": wanted.get("with_federation", False),
                }
                reconciler.create(initial, lambda: lf.register_resource(client, arn, initial))
            else:
                reconciler.converge_group(
                    wanted, lambda target, have: lf.update_resource(client, arn, {**reconciler.before, **target})
                )
    except AnsibleAWSError as e:
        module.fail_json_aws_error(e)
    return reconciler.result("resource")


def main():
    module = DeltaLakeAWSModule(
        argument_spec=ARGUMENT_SPEC,
        supports_check_mode=True,
        mutually_exclusive=[
            ("resource_arn", "bucket"),
            ("resource_arn", "prefix"),
            ("role_arn", "use_service_linked_role"),
            ("resource_arn", "locations"),
        ],
        required_one_of=[("resource_arn", "bucket", "locations")],
    )
    # items name a location by resource_arn, or by prefix in the top-level bucket: neither is required of each
    result = module.converge_each("locations", ARGUMENT_SPEC, validate_params, converge, label="prefix", unique=False,
                                  required=())
    module.exit_json(**result)


if __name__ == "__main__":
    main()
