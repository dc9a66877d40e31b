#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: kms_key
short_description: Manage the customer-managed KMS key of a data lake, identified by its alias
version_added: 0.1.0
description:
  - Creates, updates and schedules the deletion of one symmetric KMS key, identified by its O(alias). A re-run
    never creates a second key.
  - The key is created tagged C(deltalake:alias=<alias>). When the alias does not exist, the module first looks
    for a key with that tag and no alias, left by a run that stopped between C(CreateKey) and C(CreateAlias),
    and adopts it instead of creating another key.
  - 'By default the key policy lets the account root administer the key, so IAM policies can grant its use (the
    policies from P(deltalake.aws.lake_policies#filter) do, for the lake key only), and lets O(key_users) and
    O(service_principals) use it. O(key_policy) replaces that policy entirely.'
  - Each setting group is read once and compared in normalized form (the policy semantically); only groups that
    differ are written. In check mode the module makes read calls only and predicts what a real run would
    change; with C(--diff) it shows each changed setting before and after.
  - O(state=absent) schedules the deletion of the key after O(pending_window_days); the alias keeps pointing to
    the key until KMS deletes both. O(state=present) on a key pending deletion cancels the deletion.
author:
  - deltalake.aws developers (@deltalake-aws)
options:
  alias:
    description:
      - Alias of the key, C(alias/<name>) (the C(alias/) prefix is added when missing). It identifies the key.
      - Names starting with C(alias/aws/) are reserved for AWS managed keys and refused.
    type: str
    required: true
    aliases: [name]
  description:
    description:
      - Description of the key. Not managed when not set (new keys get V('')).
    type: str
  state:
    description:
      - V(present) creates or updates the key, V(absent) schedules its deletion.
    type: str
    choices: [present, absent]
    default: present
  key_policy:
    description:
      - The whole key policy, as a policy document (dict or JSON string). Cannot be combined with O(key_users)
        or O(service_principals).
      - KMS refuses a policy that would stop the caller from changing it later.
    type: json
  key_users:
    description:
      - ARNs of IAM roles, users or accounts that may use the key (encrypt, decrypt, generate data keys, and
        attach it to AWS resources through grants), when O(key_policy) is not set.
      - KMS refuses principals that do not exist; principals created moments before are retried while IAM
        propagates them.
    type: list
    elements: str
    default: []
  service_principals:
    description:
      - Service principals that may use the key on behalf of this account only (condition
        C(aws:SourceAccount)), such as C(logs.us-east-1.amazonaws.com) for encrypted log groups, when
        O(key_policy) is not set.
    type: list
    elements: str
    default: []
  enable_key_rotation:
    description:
      - Whether KMS rotates the key material every year.
    type: bool
    default: true
  enabled:
    description:
      - Whether the key is enabled. A disabled key cannot encrypt or decrypt.
    type: bool
    default: true
  pending_window_days:
    description:
      - With O(state=absent), the days (7 to 30) before KMS deletes the key. Data encrypted with it cannot be
        read after that; until then O(state=present) restores the key.
    type: int
    default: 30
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - deltalake.aws.modules
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
notes:
  - RV(key.key_id) and RV(key.key_arn) of a key that does not exist yet are not known in check mode (V(null)).
  - The tag C(deltalake:alias) is the key's identity for crash recovery and is kept when O(purge_tags=true).
  - Looking for an orphaned key (only when the alias does not exist) reads the tags of every customer key that has
    no alias, so the identity needs C(kms:ListAliases), C(kms:ListKeys) and C(kms:ListResourceTags).
"""

EXAMPLES = r"""
# Credentials, region and endpoint come from module_defaults or the environment; none are shown here.

- name: Create the lake's key; the lake's roles may use it
  deltalake.aws.kms_key:
    alias: alias/acme-lake
    description: Data-lake key of acme
    key_users:
      - arn:aws:iam::123456789012:role/acme-lake-firehose
      - arn:aws:iam::123456789012:role/acme-lake-processing
    tags:
      lake: acme
  register: lake_key

- name: Let CloudWatch Logs encrypt the lake's log groups with it
  deltalake.aws.kms_key:
    alias: alias/acme-lake
    service_principals:
      - logs.eu-west-1.amazonaws.com

- name: Show what would change, changing nothing (run with --check --diff)
  deltalake.aws.kms_key:
    alias: alias/acme-lake
  check_mode: true
  register: planned

- name: Schedule the deletion of a scratch key in 7 days
  deltalake.aws.kms_key:
    alias: alias/acme-scratch
    state: absent
    pending_window_days: 7
"""

RETURN = r"""
key:
  description:
    - The key after the run (predicted in check mode), in the same shape as the diff.
    - After O(state=absent), the key pending deletion; empty when there was no key.
  returned: always
  type: dict
  contains:
    alias:
      description: The alias.
      type: str
      sample: alias/acme-lake
    alias_arn:
      description: ARN of the alias.
      type: str
      sample: arn:aws:kms:eu-west-1:123456789012:alias/acme-lake
    key_id:
      description: Key id (V(null) in check mode before the key exists).
      type: str
      sample: 1234abcd-12ab-34cd-56ef-1234567890ab
    key_arn:
      description: Key ARN, for IAM policies and services (V(null) in check mode before the key exists).
      type: str
      sample: arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
    description:
      description: Key description.
      type: str
    enabled:
      description: Whether the key is enabled.
      type: bool
      sample: true
    pending_deletion:
      description: Whether the key is scheduled for deletion.
      type: bool
      sample: false
    enable_key_rotation:
      description: Whether automatic key rotation is on (V(null) when KMS cannot tell for a key pending deletion).
      type: bool
      returned: when O(state=present)
      sample: true
    key_policy:
      description: The key policy.
      type: dict
      returned: when O(state=present)
    tags:
      description: Key tags, including C(deltalake:alias).
      type: dict
      returned: when O(tags) is set
      sample: {"lake": "acme", "deltalake:alias": "alias/acme-lake"}
"""

import json

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.policy import compare_policies

from ansible_collections.deltalake.aws.plugins.module_utils import kms
from ansible_collections.deltalake.aws.plugins.module_utils.base import DeltaLakeAWSModule
from ansible_collections.deltalake.aws.plugins.module_utils.base import Reconciler
from ansible_collections.deltalake.aws.plugins.module_utils.base import desired_tags
from ansible_collections.deltalake.aws.plugins.module_utils.validators import parse_arn
from ansible_collections.deltalake.aws.plugins.module_utils.validators import validate_arn
from ansible_collections.deltalake.aws.plugins.module_utils.validators import validate_policy_document
from ansible_collections.deltalake.aws.plugins.module_utils.validators import validate_region
from ansible_collections.deltalake.aws.plugins.module_utils.validators import validate_tags

ARGUMENT_SPEC = dict(
    alias=dict(type="str", required=True, aliases=["name"]),
    description=dict(type="str"),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    key_policy=dict(type="json", no_log=False),
    key_users=dict(type="list", elements="str", default=[], no_log=False),
    service_principals=dict(type="list", elements="str", default=[]),
    enable_key_rotation=dict(type="bool", default=True),
    enabled=dict(type="bool", default=True),
    pending_window_days=dict(type="int", default=30),
    tags=dict(type="dict", aliases=["resource_tags"]),
    purge_tags=dict(type="bool", default=True),
)


def validate_params(module):
    """Every rule that can be checked without AWS, before the first AWS call."""
    params = module.params
    errors = kms.validate_alias(params["alias"]) + validate_region(module.region)
    if params["description"] is not None and len(params["description"]) > 8192:
        errors.append(f"description: must be at most 8192 characters (it has {len(params['description'])})")
    if params["key_policy"] is not None:
        errors += validate_policy_document(params["key_policy"], "key_policy")[0]
    for index, arn in enumerate(params["key_users"]):
        errors += validate_arn(arn, f"key_users[{index}]", service="iam", region_required=False, account_required=True)
    for index, service in enumerate(params["service_principals"]):
        errors += kms.validate_service_principal(service, f"service_principals[{index}]")
    errors += kms.validate_pending_window(params["pending_window_days"])
    errors += validate_tags(params["tags"])
    if params["tags"] and kms.IDENTITY_TAG in params["tags"]:
        errors.append(f"tags.{kms.IDENTITY_TAG}: is set by the module to the alias and cannot be given")
    module.fail_on_errors(errors)


# ---------------------------------------------------------------------------------------------------- desired state


def desired_policy(params, partition, account_id):
    if params["key_policy"] is not None:
        return json.loads(params["key_policy"])
    return kms.default_key_policy(partition, account_id, params["key_users"], params["service_principals"])


def wanted_tags(params, alias):
    """User tags plus the identity tag that lets a re-run find a key whose alias was never created."""
    return dict(params["tags"] or {}, **{kms.IDENTITY_TAG: alias})


def policies_equal(have, want):
    return not compare_policies(have or {}, want or {})


# ---------------------------------------------------------------------------------------------------- reconcile


def read_key(module, client, metadata, alias):
    """Normalized state of an existing key: DescribeKey, plus one read per setting group."""
    state = kms.normalize_key(metadata, alias)
    state["enable_key_rotation"] = kms.get_key_rotation(client, metadata["KeyId"])
    state["key_policy"] = kms.get_key_policy(client, metadata["KeyId"])
    if module.params["tags"] is not None:
        state["tags"] = kms.get_tags(client, metadata["KeyId"])
    return state


def create(module, client, reconciler, alias):
    params = module.params
    account_id, partition = module.account_info()
    policy = desired_policy(params, partition, account_id)
    tags = desired_tags({}, wanted_tags(params, alias), params["purge_tags"])
    initial = {
        "alias": alias,
        "alias_arn": f"arn:{partition}:kms:{module.region}:{account_id}:{alias}",
        "key_id": None,
        "key_arn": None,
        "description": params["description"] or "",
        "enabled": True,
        "pending_deletion": False,
        "enable_key_rotation": False,
        "key_policy": policy,
    }
    if params["tags"] is not None:
        initial["tags"] = tags
    created = {}

    def write():
        # Tagged with its alias at creation: should the run stop before CreateAlias, the next run adopts it.
        metadata = kms.create_key(client, initial["description"], policy, tags)
        created.update(key_id=metadata["KeyId"], key_arn=metadata["Arn"])
        kms.create_alias(client, alias, metadata["KeyId"])

    reconciler.create(initial, write)
    if created:
        reconciler.after.update(created, alias_arn=kms.alias_arn(created["key_arn"], alias))


def ensure_present(module, client, reconciler, alias):
    params = module.params
    if not reconciler.exists:
        create(module, client, reconciler, alias)
    after = reconciler.after
    key_id = after["key_id"]
    if after["key_arn"]:
        arn = parse_arn(after["key_arn"])
        partition, account_id = arn["partition"], arn["account"]
    else:  # check mode, key not created yet: create() predicted everything
        partition, account_id = None, None
    reconciler.converge_group(
        {"alias": alias, "alias_arn": kms.alias_arn(after["key_arn"], alias) if after["key_arn"] else after["alias_arn"]},
        lambda t, h: kms.create_alias(client, alias, key_id),
    )
    reconciler.converge("pending_deletion", False, lambda t, h: kms.cancel_deletion(client, key_id))
    if params["enabled"]:
        reconciler.converge("enabled", True, lambda t, h: kms.put_enabled(client, key_id, True))
    reconciler.converge(
        "enable_key_rotation", params["enable_key_rotation"], lambda t, h: kms.put_key_rotation(client, key_id, t)
    )
    if account_id:
        reconciler.converge(
            "key_policy", desired_policy(params, partition, account_id),
            lambda t, h: kms.put_key_policy(client, key_id, t), equal=policies_equal,
        )
    reconciler.converge("description", params["description"], lambda t, h: kms.put_description(client, key_id, t))
    if params["tags"] is not None:
        reconciler.converge("tags", desired_tags(after.get("tags"), wanted_tags(params, alias), params["purge_tags"]),
                            lambda t, h: write_tags(client, key_id, t, h))
    if not params["enabled"]:
        reconciler.converge("enabled", False, lambda t, h: kms.put_enabled(client, key_id, False))


def write_tags(client, key_id, target, have):
    to_set = {k: v for k, v in target.items() if have.get(k) != v}
    to_unset = [k for k in have if k not in target and not k.startswith("aws:")]
    kms.put_tags(client, key_id, to_set, to_unset)


def ensure_absent(module, client, reconciler):
    if not reconciler.exists:
        return
    key_id = reconciler.after["key_id"]
    reconciler.converge_group(
        {"pending_deletion": True, "enabled": False},
        lambda t, h: kms.schedule_deletion(client, key_id, module.params["pending_window_days"]),
    )


def main():
    module = DeltaLakeAWSModule(
        argument_spec=ARGUMENT_SPEC,
        supports_check_mode=True,
        mutually_exclusive=[("key_policy", "key_users"), ("key_policy", "service_principals")],
    )
    validate_params(module)
    alias = kms.canonical_alias(module.params["alias"])
    client = module.client("kms")
    try:
        metadata, by_alias, others = kms.find_key(client, alias)
        if others:
            module.warn(
                f"More keys tagged {kms.IDENTITY_TAG}={alias} have no alias: {', '.join(others)}. They were left"
                " by interrupted runs and are not used; schedule their deletion once you are sure they hold no data."
            )
        shown_alias = alias if by_alias else None
        if module.params["state"] == "absent":
            reconciler = Reconciler(module, kms.normalize_key(metadata, shown_alias) if metadata else None)
            ensure_absent(module, client, reconciler)
        else:
            reconciler = Reconciler(module, read_key(module, client, metadata, shown_alias) if metadata else None)
            ensure_present(module, client, reconciler, alias)
    except AnsibleAWSError as e:
        module.fail_json_aws_error(e)
    module.exit_json(**reconciler.result("key"))


if __name__ == "__main__":
    main()
