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
"""

RETURN = r"""
resource:
  description: The registered location after the run (predicted in check mode); empty after O(state=absent).
  returned: always
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
    "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
}


def validate_params(module):
    params = module.params
    errors = validate_region(module.region)
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


def main():
    module = DeltaLakeAWSModule(
        argument_spec=ARGUMENT_SPEC,
        supports_check_mode=True,
        mutually_exclusive=[
            ("resource_arn", "bucket"),
            ("resource_arn", "prefix"),
            ("role_arn", "use_service_linked_role"),
        ],
        required_one_of=[("resource_arn", "bucket")],
    )
    validate_params(module)
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
                role = lf.service_linked_role_arn(lf.get_caller_identity(module.client("sts"))["account"], partition)
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
    module.exit_json(**reconciler.result("resource"))


if __name__ == "__main__":
    main()
