#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: lakeformation_permissions
short_description: Grant and revoke a data lake's Lake Formation permissions, the whole set in one task
version_added: 0.1.0
description:
  - Converges a whole set of Lake Formation grants in one invocation. Each item of O(permissions) names a
    principal, a resource and the permissions the principal holds on it.
  - Resources are the Data Catalog, a database, a table by name or every table of a database (wildcard), a
    table's columns (listed, or all but some), an S3 data location, an LF-tag, or an LF-tag expression.
  - Reads with one C(ListPermissions) per listed resource (a table's column-level grants share the table's
    read) and writes with C(BatchGrantPermissions) and C(BatchRevokePermissions), 20 entries per call (the API
    limit), so a thousand grants converge in one run and an identical re-run makes read calls only.
  - O(state=present) grants what is listed and missing; O(state=absent) revokes what is listed and held.
    O(purge=true) also revokes every grant on the listed resources held by the listed principals that the list
    does not name, so the listed principals' access to the listed resources is exactly the list (the mode for
    drift detection with C(--check --diff)).
  - "The diff and RV(granted)/RV(revoked) name each grant readably, one line per permission, such as
    C(role/analyst: SELECT on sales.orders)."
  - Full check mode, predicting exactly what a real run grants and revokes. The principals, databases and
    tables need not exist yet in check mode.
author:
  - deltalake.aws developers (@deltalake-aws)
options:
  permissions:
    description:
      - The grants. Items naming the same principal and resource are merged.
    type: list
    elements: dict
    required: true
    suboptions:
      principal:
        description:
          - Who holds the permissions. V(role/NAME) or V(user/NAME) (of the account the credentials belong to),
            an IAM role or user ARN, another account's id, an Organizations or QuickSight ARN, or
            V(IAM_ALLOWED_PRINCIPALS).
        type: str
        required: true
      resource:
        description:
          - The resource; set exactly one of O(permissions[].resource.catalog),
            O(permissions[].resource.database) (alone, or with O(permissions[].resource.table)),
            O(permissions[].resource.data_location), O(permissions[].resource.lf_tag) and
            O(permissions[].resource.lf_tag_policy).
        type: dict
        required: true
        suboptions:
          catalog:
            description: The Data Catalog itself.
            type: bool
          catalog_id:
            description: The Data Catalog that holds the resource, when it is not the caller's account's own.
            type: str
          database:
            description: A database, or the database of O(permissions[].resource.table).
            type: str
          table:
            description: A table of O(permissions[].resource.database); V(*) means every table of it.
            type: str
          columns:
            description: Grant on these columns of the table only (only C(SELECT) can be granted on columns).
            type: list
            elements: str
          excluded_columns:
            description: Grant on every column of the table except these.
            type: list
            elements: str
          data_location:
            description: An S3 location, as C(s3://bucket/prefix) or an S3 ARN (only C(DATA_LOCATION_ACCESS)).
            type: str
          lf_tag:
            description: An LF-tag and some of its values (to grant C(DESCRIBE), C(ASSOCIATE) and so on).
            type: dict
            suboptions:
              key:
                description: The LF-tag key.
                type: str
                required: true
              values:
                description: The values.
                type: list
                elements: str
                required: true
          lf_tag_policy:
            description: The databases or tables whose LF-tags match an expression.
            type: dict
            suboptions:
              resource_type:
                description: Whether the expression selects databases or tables.
                type: str
                choices: [DATABASE, TABLE]
                required: true
              expression:
                description: Conditions, all of which must hold; each matches any of its values.
                type: list
                elements: dict
                required: true
                suboptions:
                  key:
                    description: The LF-tag key.
                    type: str
                    required: true
                  values:
                    description: The values that match.
                    type: list
                    elements: str
                    required: true
      permissions:
        description:
          - The permissions held on the resource. With O(purge=true), V([]) means none.
        type: list
        elements: str
        default: []
        choices: [ALL, SELECT, ALTER, DROP, DELETE, INSERT, DESCRIBE, CREATE_DATABASE, CREATE_TABLE,
                  DATA_LOCATION_ACCESS, CREATE_LF_TAG, ASSOCIATE, GRANT_WITH_LF_TAG_EXPRESSION,
                  CREATE_LF_TAG_EXPRESSION, CREATE_CATALOG, SUPER_USER]
      permissions_with_grant_option:
        description:
          - The permissions that the principal may grant to others; each must also be in
            O(permissions[].permissions).
        type: list
        elements: str
        default: []
        choices: [ALL, SELECT, ALTER, DROP, DELETE, INSERT, DESCRIBE, CREATE_DATABASE, CREATE_TABLE,
                  DATA_LOCATION_ACCESS, CREATE_LF_TAG, ASSOCIATE, GRANT_WITH_LF_TAG_EXPRESSION,
                  CREATE_LF_TAG_EXPRESSION, CREATE_CATALOG, SUPER_USER]
  state:
    description:
      - V(present) grants the listed permissions, V(absent) revokes them (with their grant options).
    type: str
    choices: [present, absent]
    default: present
  purge:
    description:
      - With O(state=present), also revoke every permission and grant option that a listed principal holds on
        a listed resource and the list does not name, whichever item listed that principal or resource.
    type: bool
    default: false
  catalog_id:
    description:
      - The Data Catalog to grant in, as a 12-digit account id. Defaults to the account of the credentials.
    type: str
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - deltalake.aws.modules
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
notes:
  - Lake Formation treats C(ALL) as its own permission; list the same permissions that were granted (C(ALL), or
    the single permissions) so that a re-run compares equal.
  - A grant on a table by name and a C(SELECT) grant on all its columns (a column wildcard without exclusions)
    are the same grant here.
  - The grants of the listed resources are read with one C(ListPermissions) per resource, up to 8 at a time;
    throttled calls are retried with backoff.
"""

EXAMPLES = r"""
# Credentials, region and endpoint come from module_defaults or the environment; none are shown here.

- name: Grant the lake's permissions in one task
  deltalake.aws.lakeformation_permissions:
    permissions:
      - principal: role/analyst
        resource: {database: sales, table: orders}
        permissions: [SELECT, DESCRIBE]
      - principal: role/analyst
        resource: {database: sales, table: customers, excluded_columns: [ssn]}
        permissions: [SELECT]
      - principal: role/etl
        resource: {database: sales, table: "*"}
        permissions: [SELECT, INSERT, DELETE, DESCRIBE, ALTER]
      - principal: role/etl
        resource: {data_location: s3://acme-lake-data/processed/}
        permissions: [DATA_LOCATION_ACCESS]
      - principal: role/steward
        resource: {catalog: true}
        permissions: [CREATE_DATABASE]
        permissions_with_grant_option: [CREATE_DATABASE]
      - principal: arn:aws:iam::111122223333:role/finance
        resource:
          lf_tag_policy:
            resource_type: TABLE
            expression:
              - {key: domain, values: [finance]}
        permissions: [SELECT, DESCRIBE]

- name: Drift check - show every grant that differs, changing nothing (run with --check --diff)
  deltalake.aws.lakeformation_permissions:
    permissions: "{{ lake_permissions }}"
    purge: true
  check_mode: true
  register: drift

- name: Revoke the analyst's access to the orders table
  deltalake.aws.lakeformation_permissions:
    state: absent
    permissions:
      - principal: role/analyst
        resource: {database: sales, table: orders}
        permissions: [SELECT, DESCRIBE]
"""

RETURN = r"""
permissions:
  description:
    - The grants held by the listed principals on the listed resources after the run (predicted in check mode),
      one readable line per permission, sorted. The diff has the same shape.
  returned: always
  type: dict
  contains:
    grants:
      description: "The grants, as C(principal: PERMISSION[ with grant option] on resource)."
      type: list
      elements: str
      sample: ["role/analyst: DESCRIBE on sales.orders", "role/analyst: SELECT on sales.orders"]
granted:
  description: The grants this run added (or would add in check mode).
  returned: always
  type: list
  elements: str
  sample: ["role/analyst: SELECT on sales.orders"]
revoked:
  description: The grants this run revoked (or would revoke in check mode).
  returned: always
  type: list
  elements: str
  sample: ["role/intern: SELECT on sales.orders"]
"""

from concurrent.futures import ThreadPoolExecutor

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError

from ansible_collections.deltalake.aws.plugins.module_utils import lakeformation as lf
from ansible_collections.deltalake.aws.plugins.module_utils.base import DeltaLakeAWSModule
from ansible_collections.deltalake.aws.plugins.module_utils.validators import partition_for_region
from ansible_collections.deltalake.aws.plugins.module_utils.validators import validate_account_id
from ansible_collections.deltalake.aws.plugins.module_utils.base import Reconciler
from ansible_collections.deltalake.aws.plugins.module_utils.validators import validate_arn
from ansible_collections.deltalake.aws.plugins.module_utils.validators import validate_bucket_name
from ansible_collections.deltalake.aws.plugins.module_utils.validators import validate_glue_name
from ansible_collections.deltalake.aws.plugins.module_utils.validators import validate_region

TAG_SPEC = {
    "key": {"type": "str", "required": True, "no_log": False},
    "values": {"type": "list", "elements": "str", "required": True},
}
RESOURCE_SPEC = {
    "catalog": {"type": "bool"},
    "catalog_id": {"type": "str"},
    "database": {"type": "str"},
    "table": {"type": "str"},
    "columns": {"type": "list", "elements": "str"},
    "excluded_columns": {"type": "list", "elements": "str"},
    "data_location": {"type": "str"},
    "lf_tag": {"type": "dict", "options": TAG_SPEC},
    "lf_tag_policy": {
        "type": "dict",
        "options": {
            "resource_type": {"type": "str", "choices": ["DATABASE", "TABLE"], "required": True},
            "expression": {"type": "list", "elements": "dict", "required": True, "options": TAG_SPEC},
        },
    },
}
# ListPermissions calls in flight at once while reading the listed resources' grants (below botocore's default
# of 10 pooled connections per client).
READ_CONCURRENCY = 8

ARGUMENT_SPEC = {
    "permissions": {
        "type": "list",
        "elements": "dict",
        "required": True,
        "options": {
            "principal": {"type": "str", "required": True},
            "resource": {"type": "dict", "required": True, "options": RESOURCE_SPEC},
            "permissions": {"type": "list", "elements": "str", "default": [], "choices": lf.PERMISSIONS},
            "permissions_with_grant_option": {
                "type": "list",
                "elements": "str",
                "default": [],
                "choices": lf.PERMISSIONS,
            },
        },
    },
    "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
    "purge": {"type": "bool", "default": False},
    "catalog_id": {"type": "str"},
}


# ---------------------------------------------------------------------------------------------------- validation


def resource_kind(resource):
    """catalog, database, table, columns, data_location, lf_tag, lf_tag_policy:<TYPE>; None when the resource
    names no kind or several."""
    kinds = []
    if resource.get("catalog"):
        kinds.append("catalog")
    if resource.get("database") is not None:
        if resource.get("table") is None:
            kinds.append("database")
        elif resource.get("columns") is not None or resource.get("excluded_columns") is not None:
            kinds.append("columns")
        else:
            kinds.append("table")
    if resource.get("data_location") is not None:
        kinds.append("data_location")
    if resource.get("lf_tag") is not None:
        kinds.append("lf_tag")
    if resource.get("lf_tag_policy") is not None:
        kinds.append(f"lf_tag_policy:{resource['lf_tag_policy']['resource_type']}")
    return kinds[0] if len(kinds) == 1 else None


def validate_resource(resource, field):
    kind = resource_kind(resource)
    if kind is None:
        return [
            f"{field}: set exactly one of catalog, database (with or without table), data_location, lf_tag,"
            " lf_tag_policy"
        ]
    errors = validate_account_id(resource.get("catalog_id"), f"{field}.catalog_id")
    if resource.get("table") is not None and resource.get("database") is None:
        errors.append(f"{field}.table: needs database")
    if (resource.get("columns") is not None or resource.get("excluded_columns") is not None) and kind != "columns":
        errors.append(f"{field}.columns: columns and excluded_columns need database and table")
    if kind in ("database", "table", "columns"):
        errors += validate_glue_name(resource["database"], f"{field}.database")
    if kind in ("table", "columns") and resource["table"] != "*":
        errors += validate_glue_name(resource["table"], f"{field}.table")
    if kind == "columns":
        if resource["table"] == "*":
            errors.append(f"{field}.table: columns need a table name, not the wildcard '*'")
        if resource.get("columns") is not None and resource.get("excluded_columns") is not None:
            errors.append(f"{field}: columns and excluded_columns are mutually exclusive")
        elif resource.get("columns") is not None and not resource["columns"]:
            errors.append(f"{field}.columns: must name at least one column")
        elif resource.get("excluded_columns") is not None and not resource["excluded_columns"]:
            errors.append(
                f"{field}.excluded_columns: must name at least one column (a table's every column is"
                " the table itself: drop excluded_columns)"
            )
    if kind == "data_location":
        location = resource["data_location"]
        if location.startswith("arn:"):
            errors += validate_arn(
                location, f"{field}.data_location", service="s3", region_required=False, account_required=False
            )
        elif location.startswith("s3://"):
            errors += validate_bucket_name(location[5:].split("/", 1)[0], f"{field}.data_location")
        else:
            errors.append(f"{field}.data_location: {location!r} must be s3://bucket/prefix or an S3 ARN")
    if kind == "lf_tag":
        errors += lf.validate_lf_tag(resource["lf_tag"]["key"], resource["lf_tag"]["values"], f"{field}.lf_tag")
    if kind.startswith("lf_tag_policy"):
        expression = resource["lf_tag_policy"]["expression"]
        if not expression:
            errors.append(f"{field}.lf_tag_policy.expression: needs at least one condition")
        for index, condition in enumerate(expression):
            errors += lf.validate_lf_tag(
                condition["key"], condition["values"], f"{field}.lf_tag_policy.expression[{index}]"
            )
    return errors


def validate_params(module):
    params = module.params
    errors = validate_region(module.region)
    errors += validate_account_id(params["catalog_id"], "catalog_id")
    if params["purge"] and params["state"] == "absent":
        errors.append("purge: only applies with state present")
    for index, item in enumerate(params["permissions"]):
        field = f"permissions[{index}]"
        errors += lf.validate_principal(item["principal"], f"{field}.principal")
        resource_errors = validate_resource(item["resource"], f"{field}.resource")
        errors += resource_errors
        kind = resource_kind(item["resource"])
        if kind and not resource_errors:
            allowed = lf.ALLOWED_PERMISSIONS[kind]
            for key in ("permissions", "permissions_with_grant_option"):
                for permission in item[key]:
                    if permission not in allowed:
                        errors.append(
                            f"{field}.{key}: {permission} cannot be granted on a {kind.split(':')[0]}"
                            f" resource (allowed: {', '.join(allowed)})"
                        )
        missing = sorted(set(item["permissions_with_grant_option"]) - set(item["permissions"]))
        if missing:
            errors.append(f"{field}.permissions_with_grant_option: {', '.join(missing)} must also be in permissions")
        if not item["permissions"] and not item["permissions_with_grant_option"] and not params["purge"]:
            errors.append(f"{field}.permissions: is empty; an empty list only means 'no access' with purge: true")
    module.fail_on_errors(errors)


# ---------------------------------------------------------------------------------------------------- desired


def item_key(resource, account, partition):
    """The canonical key (see module_utils.lakeformation.resource_key) of an option-shaped resource."""
    catalog = lf._catalog(resource.get("catalog_id"), account)
    kind = resource_kind(resource)
    if kind == "catalog":
        return ("catalog", catalog)
    if kind == "database":
        return ("database", catalog, resource["database"])
    if kind in ("table", "columns"):
        mode, columns = None, ()
        if resource.get("columns") is not None:
            mode, columns = "include", tuple(sorted(set(resource["columns"])))
        elif resource.get("excluded_columns") is not None:
            mode, columns = "exclude", tuple(sorted(set(resource["excluded_columns"])))
        return ("table", catalog, resource["database"], resource["table"], mode, columns)
    if kind == "data_location":
        return ("data_location", catalog, lf.s3_arn(resource["data_location"], partition))
    if kind == "lf_tag":
        return ("lf_tag", catalog, resource["lf_tag"]["key"], tuple(sorted(set(resource["lf_tag"]["values"]))))
    policy = resource["lf_tag_policy"]
    expression = tuple(sorted((c["key"], tuple(sorted(set(c["values"])))) for c in policy["expression"]))
    return ("lf_tag_policy", catalog, policy["resource_type"], expression)


def desired_grants(params, account, partition):
    """{(principal, key): {"permissions": set, "grantable": set}}, items of one pair merged."""
    wanted = {}
    for item in params["permissions"]:
        principal = lf.expand_principal(item["principal"], account, partition)
        pair = (principal, item_key(item["resource"], account, partition))
        entry = wanted.setdefault(pair, {"permissions": set(), "grantable": set()})
        entry["permissions"].update(item["permissions"])
        entry["grantable"].update(item["permissions_with_grant_option"])
    return wanted


def read_grants(client, wanted, account, catalog_id):
    """What the listed principals hold on the listed resources: {(principal, key): {"permissions",
    "grantable", "raw": {permission: API resource it was granted on}}}. One paginated ListPermissions per
    resource scope (a table and its column sets share one), READ_CONCURRENCY scopes at a time."""
    keys = {pair[1] for pair in wanted}
    listed_principals = {pair[0] for pair in wanted}
    scopes = {}
    for key in sorted(keys, key=repr):
        scope, api = lf.read_scope(key)
        scopes.setdefault(scope, api)
    ordered = sorted(scopes, key=repr)

    def listing(scope):
        return lf.list_permissions(client, scopes[scope], catalog_id)

    if len(ordered) > 1:
        # independent reads: a few at a time (botocore clients are thread-safe; throttling is retried per call)
        with ThreadPoolExecutor(max_workers=min(READ_CONCURRENCY, len(ordered))) as pool:
            listings = list(pool.map(listing, ordered))
    else:
        listings = [listing(scope) for scope in ordered]
    have = {}
    for grants_of_scope in listings:
        for grant in grants_of_scope:
            principal = grant["Principal"]["DataLakePrincipalIdentifier"]
            key = lf.resource_key(grant["Resource"], account)
            if principal not in listed_principals or key not in keys:
                continue
            entry = have.setdefault((principal, key), {"permissions": set(), "grantable": set(), "raw": {}})
            for permission in grant.get("Permissions", []):
                entry["permissions"].add(permission)
                entry["raw"].setdefault(permission, grant["Resource"])
            for permission in grant.get("PermissionsWithGrantOption", []):
                entry["grantable"].add(permission)
                entry["raw"].setdefault(permission, grant["Resource"])
    return have


def grant_lines(grants, account):
    lines = []
    for (principal, key), entry in grants.items():
        for permission in entry["permissions"] | entry["grantable"]:
            lines.append(lf.describe_grant(principal, permission, permission in entry["grantable"], key, account))
    return sorted(lines)


def plan(params, wanted, have):
    """(grant entries, revoke entries, state after): the API entries that take ``have`` to the wanted state."""
    after = {pair: {"permissions": set(e["permissions"]), "grantable": set(e["grantable"])} for pair, e in have.items()}
    grants, revokes = [], []
    state = params["state"]
    pairs = set(wanted)
    if params["purge"]:
        principals = {pair[0] for pair in wanted}
        keys = {pair[1] for pair in wanted}
        pairs |= {pair for pair in have if pair[0] in principals and pair[1] in keys}
    for pair in sorted(pairs, key=repr):
        principal, key = pair
        want = wanted.get(pair, {"permissions": set(), "grantable": set()})
        held = have.get(pair, {"permissions": set(), "grantable": set(), "raw": {}})
        now = after.setdefault(pair, {"permissions": set(), "grantable": set()})
        if state == "absent":
            drop = want["permissions"] & held["permissions"]
            drop_grantable = held["grantable"] & (want["permissions"] | want["grantable"])
        elif params["purge"]:
            drop = held["permissions"] - want["permissions"]
            drop_grantable = held["grantable"] - want["grantable"]
        else:
            drop, drop_grantable = set(), set()
        # revoke against the resource form each permission was granted on (a table's SELECT may be held as
        # a column wildcard grant)
        by_form = {}
        for permission in drop | drop_grantable:
            form = held["raw"].get(permission) or lf.key_to_api(key)
            bucket = by_form.setdefault(repr(sorted(form.items(), key=str)), {"resource": form, "p": set(), "g": set()})
            if permission in drop:
                bucket["p"].add(permission)
            if permission in drop_grantable:
                bucket["g"].add(permission)
        for form in by_form.values():
            revokes.append(_entry(principal, form["resource"], form["p"], form["g"]))
        now["permissions"] -= drop
        now["grantable"] -= drop_grantable
        if state == "present":
            add = want["permissions"] - now["permissions"]
            add_grantable = want["grantable"] - now["grantable"]
            if add or add_grantable:
                grants.append(_entry(principal, lf.key_to_api(key), add | add_grantable, add_grantable))
            now["permissions"] |= want["permissions"]
            now["grantable"] |= want["grantable"]
    after = {pair: e for pair, e in after.items() if e["permissions"] or e["grantable"]}
    return grants, revokes, after


def _entry(principal, resource, permissions, grantable):
    return {
        "Principal": {"DataLakePrincipalIdentifier": principal},
        "Resource": resource,
        "Permissions": sorted(permissions),
        "PermissionsWithGrantOption": sorted(grantable),
    }


def entry_lines(entry, account):
    principal = entry["Principal"]["DataLakePrincipalIdentifier"]
    key = lf.resource_key(entry["Resource"], account)
    lines = []
    for permission in sorted(set(entry["Permissions"]) | set(entry["PermissionsWithGrantOption"])):
        grantable = permission in entry["PermissionsWithGrantOption"]
        if permission not in entry["Permissions"]:
            lines.append(
                f"{lf.short_principal(principal, account)}: grant option of {permission} on {lf.describe_key(key)}"
            )
        else:
            lines.append(lf.describe_grant(principal, permission, grantable, key, account))
    return lines


# ---------------------------------------------------------------------------------------------------- main


def main():
    module = DeltaLakeAWSModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    validate_params(module)
    params = module.params
    client = module.client("lakeformation")
    partition = partition_for_region(module.region)
    catalog_id = params["catalog_id"]
    try:
        account = params["account_id"] or lf.get_caller_identity(module.client("sts"))["account"]
        wanted = desired_grants(params, account, partition)
        have = read_grants(client, wanted, account, catalog_id)
        grants, revokes, after = plan(params, wanted, have)
        reconciler = Reconciler(module, {"grants": grant_lines(have, account)})

        def describe(entry):
            return "; ".join(entry_lines(entry, account))

        def write(target, current):
            if revokes:
                lf.batch_revoke(client, revokes, catalog_id, describe)
            if grants:
                lf.batch_grant(client, grants, catalog_id, describe)

        reconciler.converge("grants", grant_lines(after, account), write)
    except AnsibleAWSError as e:
        module.fail_json_aws_error(e)
    granted = sorted(line for entry in grants for line in entry_lines(entry, account))
    revoked = sorted(line for entry in revokes for line in entry_lines(entry, account))
    module.exit_json(granted=granted, revoked=revoked, **reconciler.result("permissions"))


if __name__ == "__main__":
    main()
