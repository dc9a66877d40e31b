#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: lakeformation_settings
short_description: Manage a data lake's Lake Formation settings, refusing changes that lock everyone out
version_added: 0.1.0
description:
  - Manages the Lake Formation data lake settings of one Data Catalog, data lake administrators, read-only
    administrators, the default permissions of new databases and tables, trusted resource owners, external data
    filtering and parameters.
  - Options that are not set are not managed; the settings are read once, compared in normalized form
    (principal lists order-insensitively) and written with one C(PutDataLakeSettings) only when they differ.
    Fields this module does not manage are written back as they were read.
  - Safety, refuses a change that would leave the data lake without an administrator, or that would remove the
    identity running the module (STS C(GetCallerIdentity); an assumed-role session counts as its role) from the
    administrators, unless O(allow_lockout=true).
  - Removing C(IAM_ALLOWED_PRINCIPALS) from the default permissions puts new databases and tables under Lake
    Formation control. The result then lists, in RV(iam_allowed_principals_access), the existing databases and
    tables that still carry an C(IAM_ALLOWED_PRINCIPALS) grant, whose IAM-only access is cut off once that grant
    is revoked (with M(deltalake.aws.lakeformation_permissions)), and warns about it.
  - Full check mode and diff.
author:
  - deltalake.aws developers (@deltalake-aws)
options:
  admins:
    description:
      - Data lake administrators, as C(role/NAME), C(user/NAME) or IAM ARNs.
    type: list
    elements: str
  purge_admins:
    description:
      - Whether administrators not in O(admins) are removed. With V(false) O(admins) are added to the current ones.
    type: bool
    default: true
  read_only_admins:
    description:
      - Read-only administrators, as C(role/NAME), C(user/NAME) or IAM ARNs.
    type: list
    elements: str
  purge_read_only_admins:
    description:
      - Whether read-only administrators not in O(read_only_admins) are removed.
    type: bool
    default: true
  create_database_default_permissions:
    description:
      - The permissions new databases grant. V([]) puts new databases under Lake Formation control; the AWS
        default is C(ALL) for C(IAM_ALLOWED_PRINCIPALS) (IAM policies alone decide access).
    type: list
    elements: dict
    suboptions:
      principal:
        description: C(IAM_ALLOWED_PRINCIPALS), C(role/NAME), C(user/NAME) or an IAM ARN.
        type: str
        required: true
      permissions:
        description: The permissions.
        type: list
        elements: str
        required: true
  create_table_default_permissions:
    description:
      - The permissions new tables grant; as O(create_database_default_permissions).
    type: list
    elements: dict
    suboptions:
      principal:
        description: C(IAM_ALLOWED_PRINCIPALS), C(role/NAME), C(user/NAME) or an IAM ARN.
        type: str
        required: true
      permissions:
        description: The permissions.
        type: list
        elements: str
        required: true
  trusted_resource_owners:
    description:
      - Accounts (12-digit ids) whose resources this account's principals can be granted access to directly.
    type: list
    elements: str
  allow_external_data_filtering:
    description:
      - Whether third-party engines may filter data in Amazon S3 locations registered with Lake Formation.
    type: bool
  parameters:
    description:
      - Data lake parameters to set (for example C(CROSS_ACCOUNT_VERSION)). Keys not given keep their values.
    type: dict
  allow_lockout:
    description:
      - Allow a change that leaves no administrator or removes the calling identity from the administrators.
    type: bool
    default: false
  catalog_id:
    description:
      - The Data Catalog, as a 12-digit account id. Defaults to the account of the credentials.
    type: str
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - deltalake.aws.modules
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
# Credentials, region and endpoint come from module_defaults or the environment; none are shown here.

- name: Make the platform role the lake's administrator and put new databases and tables under Lake Formation
  deltalake.aws.lakeformation_settings:
    admins:
      - role/lake-admin
      - role/platform-deploy
    read_only_admins:
      - role/auditor
    create_database_default_permissions: []
    create_table_default_permissions: []
  register: settings

- name: Show the access that still relies on IAM_ALLOWED_PRINCIPALS
  ansible.builtin.debug:
    var: settings.iam_allowed_principals_access

- name: Add an administrator without removing the others
  deltalake.aws.lakeformation_settings:
    admins: [role/oncall]
    purge_admins: false

- name: Hand the lake over to another team's role, knowingly removing the one that runs this task
  deltalake.aws.lakeformation_settings:
    admins: [arn:aws:iam::123456789012:role/new-owner]
    allow_lockout: true
"""

RETURN = r"""
settings:
  description: The settings after the run (predicted in check mode), same shape as the diff.
  returned: always
  type: dict
  contains:
    admins:
      description: Data lake administrators (ARNs), sorted.
      type: list
      elements: str
      sample: ["arn:aws:iam::123456789012:role/lake-admin"]
    read_only_admins:
      description: Read-only administrators, sorted.
      type: list
      elements: str
    create_database_default_permissions:
      description: Default permissions of new databases, C([{principal, permissions}]).
      type: list
      elements: dict
      sample: [{"principal": "IAM_ALLOWED_PRINCIPALS", "permissions": ["ALL"]}]
    create_table_default_permissions:
      description: Default permissions of new tables.
      type: list
      elements: dict
    trusted_resource_owners:
      description: Trusted resource owner accounts.
      type: list
      elements: str
    allow_external_data_filtering:
      description: Whether external data filtering is allowed.
      type: bool
    parameters:
      description: Data lake parameters.
      type: dict
caller:
  description: The IAM identity the module ran as (an assumed-role session as its role ARN).
  returned: when O(admins) changes (or would, in check mode)
  type: str
  sample: arn:aws:iam::123456789012:role/platform-deploy
iam_allowed_principals_access:
  description:
    - When this run removes C(IAM_ALLOWED_PRINCIPALS) from a default, the databases and tables that carry an
      C(IAM_ALLOWED_PRINCIPALS) grant now; their IAM-only access ends once that grant is revoked.
  returned: when this run removes IAM_ALLOWED_PRINCIPALS from a default
  type: list
  elements: str
  sample: ["database sales", "sales.orders"]
"""

import re

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError

from ansible_collections.deltalake.aws.plugins.module_utils import lakeformation as lf
from ansible_collections.deltalake.aws.plugins.module_utils.base import DeltaLakeAWSModule
from ansible_collections.deltalake.aws.plugins.module_utils.validators import partition_for_region
from ansible_collections.deltalake.aws.plugins.module_utils.validators import validate_account_id
from ansible_collections.deltalake.aws.plugins.module_utils.base import Reconciler
from ansible_collections.deltalake.aws.plugins.module_utils.validators import validate_region

DEFAULT_SPEC = {
    "principal": {"type": "str", "required": True},
    "permissions": {"type": "list", "elements": "str", "required": True},
}
ARGUMENT_SPEC = {
    "admins": {"type": "list", "elements": "str"},
    "purge_admins": {"type": "bool", "default": True},
    "read_only_admins": {"type": "list", "elements": "str"},
    "purge_read_only_admins": {"type": "bool", "default": True},
    "create_database_default_permissions": {"type": "list", "elements": "dict", "options": DEFAULT_SPEC},
    "create_table_default_permissions": {"type": "list", "elements": "dict", "options": DEFAULT_SPEC},
    "trusted_resource_owners": {"type": "list", "elements": "str"},
    "allow_external_data_filtering": {"type": "bool"},
    "parameters": {"type": "dict"},
    "allow_lockout": {"type": "bool", "default": False},
    "catalog_id": {"type": "str"},
}


def validate_params(module):
    params = module.params
    errors = validate_region(module.region)
    errors += validate_account_id(params["catalog_id"], "catalog_id")
    for option in ("admins", "read_only_admins"):
        for index, principal in enumerate(params[option] or []):
            field = f"{option}[{index}]"
            errors += lf.validate_principal(principal, field)
            if principal == lf.IAM_ALLOWED_PRINCIPALS or re.fullmatch(r"\d{12}", principal):
                errors.append(f"{field}: {principal!r} cannot be an administrator; name an IAM role or user")
    for option in ("create_database_default_permissions", "create_table_default_permissions"):
        allowed = lf.DATABASE_PERMISSIONS if option.startswith("create_database") else lf.TABLE_PERMISSIONS
        for index, entry in enumerate(params[option] or []):
            field = f"{option}[{index}]"
            errors += lf.validate_principal(entry["principal"], f"{field}.principal")
            if not entry["permissions"]:
                errors.append(f"{field}.permissions: must name at least one permission")
            for permission in entry["permissions"]:
                if permission not in allowed:
                    errors.append(f"{field}.permissions: {permission!r} is not one of {', '.join(allowed)}")
    for index, account in enumerate(params["trusted_resource_owners"] or []):
        if not re.fullmatch(r"\d{12}", account):
            errors.append(f"trusted_resource_owners[{index}]: {account!r} must be a 12-digit account id")
    for key, value in (params["parameters"] or {}).items():
        if not isinstance(value, str):
            errors.append(f"parameters.{key}: {value!r} must be a string (quote it)")
    module.fail_on_errors(errors)


def desired_principals(current, wanted, purge, expand):
    if wanted is None:
        return None
    wanted = {expand(p) for p in wanted}
    return sorted(wanted if purge else wanted | set(current))


def desired_defaults(entries, expand):
    if entries is None:
        return None
    raw = [
        {"Principal": {"DataLakePrincipalIdentifier": expand(e["principal"])}, "Permissions": e["permissions"]}
        for e in entries
    ]
    return lf.normalize_default_permissions(raw)


def check_lockout(module, before, after, caller):
    """Fail unless allow_lockout when ``after`` has no administrator or drops the caller."""
    if module.params["allow_lockout"] or before == after:
        return
    if before and not after:
        module.fail_json(
            msg="admins: refusing to remove every data lake administrator (nobody could then manage Lake"
            " Formation permissions); set allow_lockout: true to do it anyway",
            settings={"admins": before},
        )
    caller_key = lf.identity_key(caller)
    was_admin = any(lf.identity_key(p) == caller_key for p in before)
    stays_admin = any(lf.identity_key(p) == caller_key for p in after)
    if was_admin and not stays_admin:
        module.fail_json(
            msg=f"admins: refusing to remove the calling identity {caller} from the data lake administrators"
            " (this run could not undo it); add it to admins, or set allow_lockout: true",
            settings={"admins": before},
            caller=caller,
        )


def iam_allowed_access(client, account, catalog_id):
    """Databases and tables that carry an IAM_ALLOWED_PRINCIPALS grant now (one listing of the catalog)."""
    found = set()
    for grant in lf.list_permissions(client, None, catalog_id):
        if grant["Principal"]["DataLakePrincipalIdentifier"] != lf.IAM_ALLOWED_PRINCIPALS:
            continue
        key = lf.resource_key(grant["Resource"], account)
        if key[0] in ("database", "table"):
            found.add(lf.describe_key(key))
    return sorted(found)


def main():
    module = DeltaLakeAWSModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    validate_params(module)
    params = module.params
    client = module.client("lakeformation")
    catalog_id = params["catalog_id"]
    partition = partition_for_region(module.region)
    extra = {}
    try:
        raw = lf.get_data_lake_settings(client, catalog_id)
        before = lf.normalize_settings(raw)
        principal_options = [
            params["admins"],
            params["read_only_admins"],
            params["create_database_default_permissions"],
            params["create_table_default_permissions"],
        ]
        identity = {}

        def caller():
            if not identity:
                identity.update(lf.get_caller_identity(module.client("sts")))
            return identity

        account = params["account_id"]
        if account is None and any(option is not None for option in principal_options):
            account = caller()["account"]

        def expand(principal):
            return lf.expand_principal(principal, account, partition)

        wanted = {
            "admins": desired_principals(before["admins"], params["admins"], params["purge_admins"], expand),
            "read_only_admins": desired_principals(
                before["read_only_admins"], params["read_only_admins"], params["purge_read_only_admins"], expand
            ),
            "create_database_default_permissions": desired_defaults(
                params["create_database_default_permissions"], expand
            ),
            "create_table_default_permissions": desired_defaults(params["create_table_default_permissions"], expand),
            "trusted_resource_owners": (
                sorted(set(params["trusted_resource_owners"]))
                if params["trusted_resource_owners"] is not None
                else None
            ),
            "allow_external_data_filtering": params["allow_external_data_filtering"],
            "parameters": (
                {**before["parameters"], **params["parameters"]} if params["parameters"] is not None else None
            ),
        }
        wanted = {key: value for key, value in wanted.items() if value is not None}
        if "admins" in wanted and wanted["admins"] != before["admins"]:
            # only a change of the administrators can lock anybody out: ask who is calling then
            extra["caller"] = caller()["principal"]
            check_lockout(module, before["admins"], wanted["admins"], extra["caller"])
        reconciler = Reconciler(module, before)
        cuts_iam = [
            key
            for key in ("create_database_default_permissions", "create_table_default_permissions")
            if key in wanted and lf.allows_iam_principals(before[key]) and not lf.allows_iam_principals(wanted[key])
        ]
        reconciler.converge_group(
            wanted,
            lambda target, have: lf.put_data_lake_settings(
                client, lf.settings_to_api(raw, {**reconciler.before, **target}), catalog_id
            ),
        )
        if cuts_iam and reconciler.changed:
            access = iam_allowed_access(client, account, catalog_id)
            extra["iam_allowed_principals_access"] = access
            what = " and ".join(k.replace("create_", "new ").replace("_default_permissions", "s") for k in cuts_iam)
            message = f"{what} no longer grant IAM_ALLOWED_PRINCIPALS: Lake Formation permissions alone govern them."
            if access:
                message += (
                    f" {len(access)} existing databases/tables still carry an IAM_ALLOWED_PRINCIPALS grant and"
                    f" keep IAM-only access until it is revoked, which cuts that access off:"
                    f" {', '.join(access[:20])}{' ...' if len(access) > 20 else ''}"
                )
            # AnsibleAWSModule.warn (amazon.aws 10.1) also passes warnings= to exit_json, which ansible-core
            # 2.19 reports as deprecated; warn through the AnsibleModule itself
            module._module.warn(message)
    except AnsibleAWSError as e:
        module.fail_json_aws_error(e)
    module.exit_json(**extra, **reconciler.result("settings"))


if __name__ == "__main__":
    main()
