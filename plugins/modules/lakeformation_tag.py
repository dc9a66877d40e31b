#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: lakeformation_tag
short_description: Manage Lake Formation LF-tags and their assignment to databases, tables and columns
version_added: 0.1.0
description:
  - Creates, updates and deletes an LF-tag (a key and its allowed values) and assigns it to databases, tables
    and columns of the Data Catalog, for LF-tag based access control with
    M(deltalake.aws.lakeformation_permissions) (C(lf_tag_policy) resources).
  - With O(lf_tags), one task converges several LF-tags (all the LF-tags of a lake) in one module run, which is
    much faster than a loop, which starts the module, Python and boto3 once per LF-tag.
  - Values are compared as sets; missing ones are added and, with O(purge_values=true), others removed, in
    C(UpdateLFTag) calls (values are removed after the assignments are converged).
  - Each listed assignment gives one database, table or column of the key one value, or removes the key from it
    (O(assignments[].state=absent)). Resources not listed are left alone. One C(GetResourceLFTags) per listed
    database and table (a table's listed columns share one more) reads the current assignments.
  - O(state=absent) deletes the LF-tag, which removes it from every resource it is assigned to.
  - Full check mode and diff. In check mode, databases and tables created earlier in the same run need not exist.
author:
  - deltalake.aws developers (@deltalake-aws)
options:
  key:
    description:
      - The LF-tag key.
      - Required unless O(lf_tags) is set.
    type: str
  lf_tags:
    description:
      - Several LF-tags to converge in this one module run, in list order, instead of the one named by O(key).
      - Each item is a dict of this module's options (O(key) required, O(lf_tags) excepted); an option an item
        does not set takes the value given at the top level of the task, then the option's default (an item
        cannot unset a top-level option; null in an item means not set). So O(state) or O(catalog_id) can be
        written once.
      - Every item is validated before the first AWS call. A failure names the item at the start of its
        message (as in C(lf_tags[1] (KEY))) and returns the results of the LF-tags converged before it; a re-run
        converges from there.
      - The result has C(results), one entry per item as a loop would register them.
    type: list
    elements: dict
  values:
    description:
      - The values the LF-tag allows (1 to 50). Required to create the LF-tag; not managed when not set.
    type: list
    elements: str
  purge_values:
    description: Whether values not in O(values) are removed.
    type: bool
    default: true
  assignments:
    description:
      - Databases, tables and columns that carry this LF-tag. Each names a database, optionally a table, and
        optionally columns of that table.
    type: list
    elements: dict
    default: []
    suboptions:
      database:
        description: The database.
        type: str
        required: true
      table:
        description: A table of the database.
        type: str
      columns:
        description: Columns of the table; each gets the value.
        type: list
        elements: str
      value:
        description: The value assigned; one of the LF-tag's values. Required with O(assignments[].state=present).
        type: str
      state:
        description: V(present) assigns the value, V(absent) removes this LF-tag from the resource.
        type: str
        choices: [present, absent]
        default: present
  state:
    description: V(present) creates or updates the LF-tag, V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  catalog_id:
    description: The Data Catalog. Defaults to the account of the credentials.
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

- name: Classify the sales data by domain and sensitivity
  deltalake.aws.lakeformation_tag:
    key: domain
    values: [sales, finance, marketing]
    assignments:
      - database: sales
        value: sales
      - database: sales
        table: invoices
        value: finance

- name: Mark personal data columns
  deltalake.aws.lakeformation_tag:
    key: sensitivity
    values: [public, pii]
    assignments:
      - database: sales
        table: customers
        columns: [email, phone]
        value: pii

- name: Add a value without removing the others
  deltalake.aws.lakeformation_tag:
    key: domain
    values: [hr]
    purge_values: false

- name: Converge all the LF-tags of a lake in one module run
  deltalake.aws.lakeformation_tag:
    lf_tags:
      - key: domain
        values: [sales, finance]
        assignments:
          - database: sales
            value: sales
      - key: sensitivity
        values: [public, pii]

- name: Delete an LF-tag (it is removed from every resource)
  deltalake.aws.lakeformation_tag:
    key: legacy
    state: absent
"""

RETURN = r"""
results:
  description:
    - With O(lf_tags), one result per item in list order, as a loop registers them. Each has C(key), C(changed),
      C(created), C(changed_fields), C(tag) (as described below) and in diff mode C(diff).
    - In diff mode the task's C(diff) is then a list with one entry per item, headed by the item.
  returned: when O(lf_tags) is set
  type: list
  elements: dict
  sample: [{"key": "domain", "changed": false, "created": false, "changed_fields": [], "tag": {}}]
tag:
  description: The LF-tag after the run (predicted in check mode); empty after O(state=absent).
  returned: without O(lf_tags)
  type: dict
  contains:
    key:
      description: The key.
      type: str
      sample: domain
    values:
      description: The allowed values, sorted.
      type: list
      elements: str
      sample: ["finance", "sales"]
    assignments:
      description:
        - The listed resources and the value each carries (V(null) when it carries none), keyed C(database NAME),
          C(DATABASE.TABLE) or C(DATABASE.TABLE.COLUMN).
      type: dict
      sample: {"database sales": "sales", "sales.invoices": "finance", "sales.customers.email": null}
"""

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError

from ansible_collections.deltalake.aws.plugins.module_utils import lakeformation as lf
from ansible_collections.deltalake.aws.plugins.module_utils.base import DeltaLakeAWSModule
from ansible_collections.deltalake.aws.plugins.module_utils.base import Reconciler
from ansible_collections.deltalake.aws.plugins.module_utils.validators import validate_account_id
from ansible_collections.deltalake.aws.plugins.module_utils.validators import validate_glue_name
from ansible_collections.deltalake.aws.plugins.module_utils.validators import validate_region

ARGUMENT_SPEC = {
    "key": {"type": "str", "no_log": False},
    "lf_tags": {"type": "list", "elements": "dict"},
    "values": {"type": "list", "elements": "str"},
    "purge_values": {"type": "bool", "default": True},
    "assignments": {
        "type": "list",
        "elements": "dict",
        "default": [],
        "options": {
            "database": {"type": "str", "required": True},
            "table": {"type": "str"},
            "columns": {"type": "list", "elements": "str"},
            "value": {"type": "str"},
            "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
        },
    },
    "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
    "catalog_id": {"type": "str"},
}


def validate_params(module):
    params = module.params
    errors = validate_region(module.region) + lf.validate_lf_tag(params["key"], params["values"], "tag")
    errors = [e.replace("tag.key", "key").replace("tag.values", "values") for e in errors]
    errors += validate_account_id(params["catalog_id"], "catalog_id")
    values = set(params["values"] or [])
    for index, item in enumerate(params["assignments"]):
        field = f"assignments[{index}]"
        errors += validate_glue_name(item["database"], f"{field}.database")
        if item["table"] is not None:
            errors += validate_glue_name(item["table"], f"{field}.table")
        if item["columns"] is not None:
            if item["table"] is None:
                errors.append(f"{field}.columns: need table")
            if not item["columns"] or not all(isinstance(c, str) and c for c in item["columns"]):
                errors.append(f"{field}.columns: must name at least one column, each a non-empty string")
        if item["state"] == "present":
            if item["value"] is None:
                errors.append(f"{field}.value: is required with state present")
            elif params["values"] is not None and params["purge_values"] and item["value"] not in values:
                errors.append(f"{field}.value: {item['value']!r} is not one of the values {sorted(values)}")
    module.fail_on_errors(errors)


def assignment_targets(assignments):
    """[{label, scope, column, item}] per listed resource; ``scope`` is the read/write unit (database, table, or
    a table's columns) and ``column`` the column name or None."""
    targets = []
    for item in assignments:
        if item["table"] is None:
            label, scope, columns = f"database {item['database']}", ("database", item["database"]), [None]
        elif item["columns"] is None:
            label, scope, columns = (
                f"{item['database']}.{item['table']}",
                ("table", item["database"], item["table"]),
                [None],
            )
        else:
            label, scope, columns = (
                f"{item['database']}.{item['table']}",
                ("columns", item["database"], item["table"]),
                item["columns"],
            )
        for column in columns:
            targets.append(
                {"label": label + (f".{column}" if column else ""), "scope": scope, "column": column, "item": item}
            )
    return targets


def scope_resource(scope, columns=None):
    if scope[0] == "database":
        return {"Database": {"Name": scope[1]}}
    if scope[0] == "table":
        return {"Table": {"DatabaseName": scope[1], "Name": scope[2]}}
    return {"TableWithColumns": {"DatabaseName": scope[1], "Name": scope[2], "ColumnNames": sorted(columns)}}


def read_assignments(client, key, targets, catalog_id):
    """{label: value or None} of every listed resource; one read per database/table/table-with-columns."""
    columns_by_scope = {}
    for target in targets:
        if target["column"] is not None:
            columns_by_scope.setdefault(target["scope"], set()).add(target["column"])
    tags = {}
    for scope in sorted({t["scope"] for t in targets}):
        tags[scope] = lf.get_resource_lf_tags(client, scope_resource(scope, columns_by_scope.get(scope)), catalog_id)
    found = {}
    for target in targets:
        scope = target["scope"]
        if scope[0] == "columns":
            values = tags[scope]["columns"].get(target["column"], {}).get(key)
        else:
            values = tags[scope][scope[0]].get(key)
        found[target["label"]] = values[0] if values else None
    return found


def write_assignments(client, key, targets, target, have, catalog_id):
    """Assign or remove the key where ``target`` and ``have`` differ; a table's columns with one value share
    one call."""
    changes = {}
    for listed in targets:
        label = listed["label"]
        if target[label] == have.get(label):
            continue
        op = "add" if target[label] is not None else "remove"
        value = target[label] if op == "add" else have[label]
        changes.setdefault((op, listed["scope"], value), []).append(listed["column"])
    for (op, scope, value), columns in sorted(changes.items(), key=repr):
        resource = scope_resource(scope, [c for c in columns if c is not None])
        if op == "add":
            lf.add_lf_tags(client, resource, {key: [value]}, catalog_id)
        else:
            lf.remove_lf_tags(client, resource, {key: [value]}, catalog_id)


def converge(module):
    """Converge the LF-tag of ``module.params``; returns its result."""
    params = module.params
    key = params["key"]
    catalog_id = params["catalog_id"]
    client = module.client("lakeformation")
    pending_deletes = []
    try:
        values = lf.get_lf_tag(client, key, catalog_id)
        if params["state"] == "absent":
            reconciler = Reconciler(module, {"key": key, "values": values} if values else None)
            if reconciler.exists:
                reconciler.delete(lambda: lf.delete_lf_tag(client, key, catalog_id))
            return reconciler.result("tag")
        targets = assignment_targets(params["assignments"])
        assignments = (
            read_assignments(client, key, targets, catalog_id) if values else {t["label"]: None for t in targets}
        )
        before = {"key": key, "values": values, "assignments": assignments} if values else None
        reconciler = Reconciler(module, before)
        if values is None:
            if not params["values"]:
                module.fail_json(msg=f"values: LF-tag {key!r} does not exist; give its values to create it")
            wanted_values = sorted(set(params["values"]))
            reconciler.create(
                {"key": key, "values": wanted_values, "assignments": assignments},
                lambda: lf.create_lf_tag(client, key, wanted_values, catalog_id),
            )
        elif params["values"] is not None:
            wanted = set(params["values"]) if params["purge_values"] else set(params["values"]) | set(values)

            def write_values(target, have):
                add = sorted(set(target) - set(have))
                if add:
                    lf.update_lf_tag(client, key, add, None, catalog_id)
                pending_deletes.extend(sorted(set(have) - set(target)))

            reconciler.converge("values", sorted(wanted), write_values)
        allowed = set(reconciler.after["values"])
        wanted_assignments = dict(reconciler.after["assignments"])
        for listed in targets:
            item = listed["item"]
            wanted_assignments[listed["label"]] = item["value"] if item["state"] == "present" else None
            if item["state"] == "present" and item["value"] not in allowed:
                module.fail_json(
                    msg=f"assignments: value {item['value']!r} for {listed['label']} is not one of the"
                    f" LF-tag's values {sorted(allowed)}"
                )
        reconciler.converge(
            "assignments",
            wanted_assignments,
            lambda target, have: write_assignments(client, key, targets, target, have, catalog_id),
        )
        if pending_deletes:
            lf.update_lf_tag(client, key, None, pending_deletes, catalog_id)
    except AnsibleAWSError as e:
        module.fail_json_aws_error(e)
    return reconciler.result("tag")


def main():
    module = DeltaLakeAWSModule(
        argument_spec=ARGUMENT_SPEC,
        supports_check_mode=True,
        mutually_exclusive=[("key", "lf_tags")],
        required_one_of=[("key", "lf_tags")],
    )
    module.exit_json(**module.converge_each("lf_tags", ARGUMENT_SPEC, validate_params, converge, label="key"))


if __name__ == "__main__":
    main()
