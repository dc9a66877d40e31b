#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: iam_role
short_description: Manage IAM roles of a data lake, with their trust, inline and managed policies
version_added: 0.1.0
description:
  - Creates, updates and deletes an IAM role, with its trust policy (from O(trusted_services) or a whole
    O(assume_role_policy)), description, maximum session duration, permissions boundary, inline policies,
    attached managed policies and tags.
  - With O(roles), one task converges several roles (all the roles of a lake) in one module run, which is much
    faster than a loop, which starts the module, Python and boto3 once per role.
  - Policies are compared semantically (statement order, a string versus a one-element list, the forms of a
    principal), so a re-run with an equal trust or inline policy written differently makes no write call, and a
    read-only identity can run it in check mode.
  - Each setting group is read once; only groups that differ are written. In check mode the module makes read
    calls only and predicts exactly what a real run would change; with C(--diff) it shows each changed setting
    before and after.
  - The policy documents of the data-lake roles (Firehose writer, Glue crawler, processing role, Lake Formation
    data-access role) are generated from the lake's settings by the P(deltalake.aws.lake_policies#filter)
    filter.
  - A role that trusts itself (Databricks Unity Catalog storage credentials) is created first without that
    principal, which IAM refuses for a role that does not exist yet, then given its whole trust policy.
  - IAM is eventually consistent; modules of this collection that hand a role to a service (Firehose, Glue)
    retry while the service cannot assume a role created moments before.
author:
  - deltalake.aws developers (@deltalake-aws)
options:
  name:
    description:
      - Name of the role, 1 to 64 letters, digits or C(+=,.@_-). Role names are unique in an account whatever
        their path.
      - Required unless O(roles) is set.
    type: str
  roles:
    description:
      - Several roles to converge in this one module run, in list order, instead of the one named by O(name).
      - Each item is a dict of this module's options (O(name) required, O(roles) excepted); an option an item
        does not set takes the value given at the top level of the task, then the option's default (an item
        cannot unset a top-level option; null in an item means not set). So shared settings such as O(tags) or
        O(permissions_boundary) can be written once.
      - Every item is validated before the first AWS call. A failure names the item at the start of its
        message (as in C(roles[1] (NAME))) and returns the results of the roles converged before it; a re-run
        converges from there.
      - The result has C(results), one entry per item as a loop would register them.
    type: list
    elements: dict
  path:
    description:
      - Path of the role, beginning and ending with C(/). Used when the role is created (default V(/)).
      - IAM cannot change the path of an existing role; a different path fails with a message.
    type: str
  description:
    description:
      - Description of the role; V('') removes it. Not managed when not set.
    type: str
  state:
    description:
      - V(present) creates or updates the role, V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  trusted_services:
    description:
      - Service principals that may assume the role, such as C(firehose.amazonaws.com), C(glue.amazonaws.com)
        or C(lakeformation.amazonaws.com). The trust policy becomes one C(sts:AssumeRole) statement for them.
      - One of O(trusted_services) and O(assume_role_policy) is required to create a role; with neither, the
        trust policy of an existing role is not managed.
    type: list
    elements: str
  assume_role_policy:
    description:
      - The whole trust policy, as a policy document (dict or JSON string). Use it for principals outside AWS
        services, for example a processing engine such as Databricks with an C(sts:ExternalId) condition.
    type: json
  inline_policies:
    description:
      - Inline policies of the role, policy name to policy document (dict or JSON string). Not managed when not
        set.
      - Together they may hold at most 10,240 characters without whitespace (the IAM quota), checked before any
        AWS call.
    type: dict
  purge_inline_policies:
    description:
      - Delete inline policies that are not in O(inline_policies). V(false) only adds and updates.
    type: bool
    default: true
  managed_policy_arns:
    description:
      - ARNs of the managed policies attached to the role. Not managed when not set; V([]) detaches them all
        (with O(purge_managed_policies=true)).
    type: list
    elements: str
  purge_managed_policies:
    description:
      - Detach managed policies that are not in O(managed_policy_arns). V(false) only attaches.
    type: bool
    default: true
  permissions_boundary:
    description:
      - ARN of the managed policy that is the role's permissions boundary; V('') removes it. Not managed when
        not set.
    type: str
  max_session_duration:
    description:
      - Maximum session duration in seconds, 3600 to 43200. New roles get 3600 when not set; not managed on an
        existing role when not set.
    type: int
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - deltalake.aws.modules
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
notes:
  - Each role is read and converged on its own; a run with O(roles) makes the same AWS calls as a loop over them.
  - O(state=absent) removes the role from its instance profiles (the profiles are kept), detaches its managed
    policies and deletes its inline policies, then deletes the role.
  - Creating a role in check mode reads the account id (C(sts:GetCallerIdentity)) to predict its ARN.
"""

EXAMPLES = r"""
# Credentials, region and endpoint come from module_defaults or the environment; none are shown here.

- name: Create the role Firehose uses to write into raw/
  deltalake.aws.iam_role:
    name: acme-lake-firehose
    description: Firehose writer of the acme lake
    trusted_services:
      - firehose.amazonaws.com
    inline_policies:
      firehose-s3:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Action: [s3:PutObject, s3:AbortMultipartUpload]
            Resource: arn:aws:s3:::acme-lake-data/raw/*
    tags:
      lake: acme

- name: Create every data-lake role from the lake's settings (least-privilege policies)
  deltalake.aws.iam_role:
    name: "{{ item.value.name }}"
    path: "{{ item.value.path }}"
    description: "{{ item.value.description }}"
    assume_role_policy: "{{ item.value.assume_role_policy }}"
    inline_policies: "{{ item.value.inline_policies }}"
  loop: "{{ lake | deltalake.aws.lake_policies(account_id=account_id) | dict2items }}"
  loop_control:
    label: "{{ item.value.name }}"

- name: A processing role assumed by Databricks with an external id
  deltalake.aws.iam_role:
    name: acme-lake-processing
    assume_role_policy:
      Version: "2012-10-17"
      Statement:
        - Effect: Allow
          Principal:
            AWS: arn:aws:iam::414351767826:role/unity-catalog-prod-UCMasterRole-14S5ZJVKOTYTL
          Action: sts:AssumeRole
          Condition:
            StringEquals:
              sts:ExternalId: 0000aaaa-11bb-22cc-33dd-444444eeeeee
    max_session_duration: 43200
    permissions_boundary: arn:aws:iam::123456789012:policy/lake-boundary

- name: Attach one more managed policy without detaching the others
  deltalake.aws.iam_role:
    name: acme-lake-processing
    managed_policy_arns:
      - arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy
    purge_managed_policies: false

- name: Show what would change, changing nothing (run with --check --diff)
  deltalake.aws.iam_role:
    name: acme-lake-firehose
    trusted_services: [firehose.amazonaws.com]
  check_mode: true
  register: planned

- name: Delete a role
  deltalake.aws.iam_role:
    name: acme-lake-scratch
    state: absent

- name: Converge two roles in one module run; the tags and boundary apply to both
  deltalake.aws.iam_role:
    roles:
      - name: acme-lake-firehose
        trusted_services: [firehose.amazonaws.com]
        inline_policies:
          write-raw: "{{ lookup('ansible.builtin.file', 'write-raw.json') }}"
      - name: acme-lake-crawler
        trusted_services: [glue.amazonaws.com]
        inline_policies:
          crawl-raw: "{{ lookup('ansible.builtin.file', 'crawl-raw.json') }}"
    permissions_boundary: arn:aws:iam::123456789012:policy/lake-boundary
    tags:
      lake: acme
  register: lake_roles

- name: The role ARNs, one result per item
  ansible.builtin.debug:
    msg: "{{ lake_roles.results | map(attribute='role.arn') | list }}"
"""

RETURN = r"""
results:
  description:
    - With O(roles), one result per item in list order, as a loop registers them. Each has C(name), C(changed),
      C(created), C(changed_fields), C(role) (as described below) and in diff mode C(diff).
    - In diff mode the task's C(diff) is then a list with one entry per item, headed by the item.
  returned: when O(roles) is set
  type: list
  elements: dict
  sample: [{"name": "acme-lake-firehose", "changed": false, "created": false, "changed_fields": [], "role": {}}]
role:
  description:
    - The role after the run (predicted in check mode), in the same shape as the diff. O(inline_policies) and
      O(managed_policy_arns) are read and returned only when they are managed (set).
    - Empty after O(state=absent).
  returned: without O(roles)
  type: dict
  contains:
    name:
      description: Role name.
      type: str
      sample: acme-lake-firehose
    path:
      description: Role path.
      type: str
      sample: /
    arn:
      description: Role ARN, to hand to services.
      type: str
      sample: arn:aws:iam::123456789012:role/acme-lake-firehose
    description:
      description: Role description (V('') when none).
      type: str
      sample: Firehose writer of the acme lake
    max_session_duration:
      description: Maximum session duration in seconds.
      type: int
      sample: 3600
    assume_role_policy:
      description: The trust policy.
      type: dict
      sample: {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "firehose.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    permissions_boundary:
      description: ARN of the permissions boundary (V('') when none).
      type: str
      sample: ""
    inline_policies:
      description: Inline policies, name to document.
      type: dict
      returned: when O(inline_policies) is set
    managed_policy_arns:
      description: ARNs of the attached managed policies, sorted.
      type: list
      elements: str
      returned: when O(managed_policy_arns) is set
    tags:
      description: Role tags.
      type: dict
      sample: {"lake": "acme"}
"""

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError

from ansible_collections.deltalake.aws.plugins.module_utils import iam
from ansible_collections.deltalake.aws.plugins.module_utils.base import DeltaLakeAWSModule
from ansible_collections.deltalake.aws.plugins.module_utils.base import Reconciler
from ansible_collections.deltalake.aws.plugins.module_utils.base import desired_tags
from ansible_collections.deltalake.aws.plugins.module_utils.validators import validate_policy_document
from ansible_collections.deltalake.aws.plugins.module_utils.validators import validate_tags

ARGUMENT_SPEC = dict(
    name=dict(type="str"),
    roles=dict(type="list", elements="dict"),
    path=dict(type="str"),
    description=dict(type="str"),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    trusted_services=dict(type="list", elements="str"),
    assume_role_policy=dict(type="json"),
    inline_policies=dict(type="dict"),
    purge_inline_policies=dict(type="bool", default=True),
    managed_policy_arns=dict(type="list", elements="str"),
    purge_managed_policies=dict(type="bool", default=True),
    permissions_boundary=dict(type="str"),
    max_session_duration=dict(type="int"),
    tags=dict(type="dict", aliases=["resource_tags"]),
    purge_tags=dict(type="bool", default=True),
)


# ---------------------------------------------------------------------------------------------------- validation


def validate_trust_policy(value, field="assume_role_policy"):
    errors, document = validate_policy_document(value, field)
    if errors:
        return errors
    statements = document["Statement"]
    for index, statement in enumerate([statements] if isinstance(statements, dict) else statements):
        where = f"{field}.Statement[{index}]"
        if "Principal" not in statement and "NotPrincipal" not in statement:
            errors.append(f"{where}.Principal: a trust policy statement must name a Principal")
        if "Resource" in statement or "NotResource" in statement:
            errors.append(f"{where}.Resource: a trust policy statement must not have a Resource")
    return errors


def validate_params(module):
    """Every rule that can be checked without AWS, before the first AWS call."""
    params = module.params
    errors = iam.validate_role_name(params["name"]) + iam.validate_role_path(params["path"])
    errors += iam.validate_description(params["description"])
    if params["trusted_services"] is not None and params["assume_role_policy"] is not None:
        errors.append("trusted_services, assume_role_policy: set one of them, not both")
    for index, service in enumerate(params["trusted_services"] or []):
        errors += iam.validate_service_principal(service, f"trusted_services[{index}]")
    if params["trusted_services"] == []:
        errors.append("trusted_services: must name at least one service principal")
    if params["assume_role_policy"] is not None:
        errors += validate_trust_policy(params["assume_role_policy"])
    errors += iam.validate_inline_policies(params["inline_policies"])[0]
    for index, arn in enumerate(params["managed_policy_arns"] or []):
        errors += iam.validate_managed_policy_arn(arn, f"managed_policy_arns[{index}]")
    if params["permissions_boundary"]:
        errors += iam.validate_managed_policy_arn(params["permissions_boundary"], "permissions_boundary")
    duration = params["max_session_duration"]
    if duration is not None and not 3600 <= duration <= 43200:
        errors.append(f"max_session_duration: {duration} must be between 3600 and 43200 seconds")
    errors += validate_tags(params["tags"])
    module.fail_on_errors(errors)


# ---------------------------------------------------------------------------------------------------- desired state


def desired_trust_policy(params):
    if params["trusted_services"]:
        return iam.service_trust_policy(params["trusted_services"])
    if params["assume_role_policy"] is not None:
        return iam.parse_policy(params["assume_role_policy"])
    return None


def desired_inline_policies(params, have):
    if params["inline_policies"] is None:
        return None
    wanted = iam.validate_inline_policies(params["inline_policies"])[1]
    return wanted if params["purge_inline_policies"] else {**(have or {}), **wanted}


def desired_managed_policy_arns(params, have):
    if params["managed_policy_arns"] is None:
        return None
    wanted = set(params["managed_policy_arns"])
    return sorted(wanted if params["purge_managed_policies"] else wanted | set(have or []))


def inline_policies_equal(have, want):
    return set(have or {}) == set(want or {}) and not any(iam.policies_differ(have[n], want[n]) for n in want)


def trust_equal(have, want):
    return not iam.policies_differ(have, want)


# ---------------------------------------------------------------------------------------------------- reconcile


def read_role(module, client, role):
    """Normalized state of an existing role: GetRole, plus one read per managed policy group."""
    state = iam.normalize_role(role)
    if module.params["inline_policies"] is not None:
        state["inline_policies"] = iam.get_inline_policies(client, role["RoleName"])
    if module.params["managed_policy_arns"] is not None:
        state["managed_policy_arns"] = iam.get_managed_policy_arns(client, role["RoleName"])
    return state


def create(module, client, reconciler, name):
    params = module.params
    trust = desired_trust_policy(params)
    if trust is None:
        module.fail_json(msg=f"trusted_services or assume_role_policy: one of them is required to create role {name}")
    path = params["path"] or "/"
    initial = {
        "name": name,
        "path": path,
        "arn": None,
        "description": params["description"] or "",
        "max_session_duration": params["max_session_duration"] or iam.DEFAULT_MAX_SESSION_DURATION,
        "assume_role_policy": trust,
        "permissions_boundary": params["permissions_boundary"] or "",
        "tags": desired_tags({}, params["tags"], params["purge_tags"]) if params["tags"] is not None else {},
    }
    if params["inline_policies"] is not None:
        initial["inline_policies"] = {}
    if params["managed_policy_arns"] is not None:
        initial["managed_policy_arns"] = []
    if module.check_mode:
        account_id, partition = module.account_info()
        initial["arn"] = iam.role_arn(partition, account_id, path, name)
    created = {}

    def write():
        reduced = iam.without_self_reference(trust, path, name)
        role = iam.create_role(client, name, path, reduced or trust, initial["description"],
                               initial["max_session_duration"], initial["permissions_boundary"], initial["tags"])
        created["arn"] = role["Arn"]
        if reduced is not None:
            iam.update_trust_policy(client, name, trust)

    reconciler.create(initial, write)
    if created:
        reconciler.after["arn"] = created["arn"]


def ensure_present(module, client, reconciler, name):
    params = module.params
    if not reconciler.exists:
        create(module, client, reconciler, name)
    elif params["path"] is not None and params["path"] != reconciler.after["path"]:
        module.fail_json(
            msg=f"path: role {name} exists with path {reconciler.after['path']}, not {params['path']}; IAM cannot"
            " change the path of a role (delete it and create it again to move it)",
            role=reconciler.before,
        )
    after = reconciler.after
    reconciler.converge(
        "assume_role_policy", desired_trust_policy(params), lambda t, h: iam.update_trust_policy(client, name, t),
        equal=trust_equal,
    )
    settings = {key: params[key] for key in ("description", "max_session_duration") if params[key] is not None}
    reconciler.converge_group(settings, lambda t, h: iam.update_role(client, name, t))
    reconciler.converge("permissions_boundary", params["permissions_boundary"],
                        lambda t, h: iam.put_permissions_boundary(client, name, t))
    reconciler.converge(
        "inline_policies", desired_inline_policies(params, after.get("inline_policies")),
        lambda t, h: iam.put_inline_policies(client, name, t, h), equal=inline_policies_equal,
    )
    reconciler.converge(
        "managed_policy_arns", desired_managed_policy_arns(params, after.get("managed_policy_arns")),
        lambda t, h: iam.put_managed_policies(client, name, t, h),
    )
    if params["tags"] is not None:
        reconciler.converge("tags", desired_tags(after["tags"], params["tags"], params["purge_tags"]), lambda t, h: write_tags(client, name, t, h))


def write_tags(client, name, target, have):
    to_set = {k: v for k, v in target.items() if have.get(k) != v}
    to_unset = [k for k in have if k not in target and not k.startswith("aws:")]
    iam.put_tags(client, name, to_set, to_unset)


def converge(module):
    """Converge the role of ``module.params``; returns its result."""
    name = module.params["name"]
    client = module.client("iam")
    try:
        role = iam.get_role(client, name)
        if module.params["state"] == "absent":
            reconciler = Reconciler(module, iam.normalize_role(role) if role else None)
            if reconciler.exists:
                reconciler.delete(lambda: iam.delete_role(client, name))
        else:
            reconciler = Reconciler(module, read_role(module, client, role) if role else None)
            ensure_present(module, client, reconciler, name)
    except AnsibleAWSError as e:
        module.fail_json_aws_error(e)
    return reconciler.result("role")


def main():
    module = DeltaLakeAWSModule(
        argument_spec=ARGUMENT_SPEC,
        supports_check_mode=True,
        mutually_exclusive=[("trusted_services", "assume_role_policy"), ("name", "roles")],
        required_one_of=[("name", "roles")],
    )
    module.exit_json(**module.converge_each("roles", ARGUMENT_SPEC, validate_params, converge))


if __name__ == "__main__":
    main()
