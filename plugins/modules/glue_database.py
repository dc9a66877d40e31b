#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: glue_database
short_description: Manage one Glue Data Catalog database of a data lake
version_added: 0.1.0
description:
  - Creates, updates and deletes one database of the Glue Data Catalog, the catalog Athena, Spark and Lake
    Formation share.
  - The definition (description, location, parameters, default permissions of new tables) is read once and
    compared in normalized form; tags are read once when O(tags) is set. Only what differs is written, so an
    identical re-run reports RV(ignore:changed=false) and makes read calls only.
  - In check mode the module makes read calls only and predicts exactly what a real run would change, also when
    the bucket of O(location_uri) is created by an earlier task of the same run. With C(--diff) it shows every
    changed setting before and after.
  - O(state=absent) refuses to delete a database that still holds tables unless O(force=true). Deleting a
    database removes its table definitions from the catalog; the data files in S3 are never touched.
author:
  - deltalake.aws developers (@deltalake-aws)
options:
  name:
    description:
      - Name of the database, as Athena can query it, 1 to 255 lowercase letters, digits and underscores. Glue
        stores names in lower case, so upper case is refused rather than silently changed.
    type: str
    required: true
  state:
    description:
      - V(present) creates or updates the database, V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  description:
    description:
      - Description of the database. V('') removes it. Not managed when not set.
    type: str
  location_uri:
    description:
      - Default location of the database's tables, an S3 URI ending in C(/), for example
        C(s3://acme-lake-data/processed/sales/). V('') removes it. Not managed when not set.
    type: str
  parameters:
    description:
      - Key-value parameters of the database. Not managed when not set.
    type: dict
  purge_parameters:
    description:
      - Whether parameters that are not in O(parameters) are removed. With V(false) they are kept and only the
        listed ones are added or changed.
    type: bool
    default: true
  create_table_default_permissions:
    description:
      - Whether new tables of the database grant C(ALL) to C(IAM_ALLOWED_PRINCIPALS), the default that leaves
        access to IAM policies alone.
      - V(false) removes that default, so that Lake Formation permissions govern every new table. Tables that
        already exist keep their permissions.
      - Not managed when not set; a new database then gets the account's Lake Formation default.
    type: bool
  catalog_id:
    description:
      - The account id of the Data Catalog. Defaults to the account of the credentials.
    type: str
  force:
    description:
      - With O(state=absent), delete the database even when it holds tables; their definitions are removed from
        the catalog with it (the data in S3 is kept). Without it the module fails and names some of the tables.
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
  - Tags are set on the database's ARN, C(arn:aws:glue:<region>:<catalog id>:database/<name>), with the Glue
    C(TagResource) and C(UntagResource) calls.
"""

EXAMPLES = r"""
# Credentials, region and endpoint come from module_defaults or the environment; none are shown here.

- name: Create the sales database, governed by Lake Formation
  deltalake.aws.glue_database:
    name: sales
    description: Curated sales data
    location_uri: s3://acme-lake-data/processed/sales/
    parameters:
      owner: data-platform
    create_table_default_permissions: false
    tags:
      lake: acme

- name: Add a parameter, keeping the others
  deltalake.aws.glue_database:
    name: sales
    parameters:
      classification: confidential
    purge_parameters: false

- name: Show what would change, changing nothing (run with --check --diff)
  deltalake.aws.glue_database:
    name: sales
    description: Curated sales data
  check_mode: true
  register: planned

- name: Delete a scratch database even though it still holds tables (their S3 data is kept)
  deltalake.aws.glue_database:
    name: scratch
    state: absent
    force: true
"""

RETURN = r"""
database:
  description:
    - The database after the run (predicted in check mode), in the same shape as the diff. Empty after
      O(state=absent).
  returned: always
  type: dict
  contains:
    name:
      description: Database name, lower case as Glue stores it.
      type: str
      sample: sales
    arn:
      description: Database ARN.
      type: str
      sample: arn:aws:glue:eu-west-1:123456789012:database/sales
    catalog_id:
      description: Account id of the Data Catalog.
      type: str
      sample: "123456789012"
    description:
      description: Description; V('') when there is none.
      type: str
      sample: Curated sales data
    location_uri:
      description: Default location of the tables; V('') when there is none.
      type: str
      sample: s3://acme-lake-data/processed/sales/
    parameters:
      description: Parameters.
      type: dict
      sample: {"owner": "data-platform"}
    create_table_default_permissions:
      description: Whether new tables grant C(ALL) to C(IAM_ALLOWED_PRINCIPALS).
      type: bool
      returned: when O(create_table_default_permissions) is set, or the database existed before the run
      sample: false
    tags:
      description: Database tags.
      type: dict
      returned: when O(tags) is set
      sample: {"lake": "acme"}
"""

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError

from ansible_collections.deltalake.aws.plugins.module_utils import glue
from ansible_collections.deltalake.aws.plugins.module_utils.base import DeltaLakeAWSModule
from ansible_collections.deltalake.aws.plugins.module_utils.base import Reconciler
from ansible_collections.deltalake.aws.plugins.module_utils.base import desired_tags
from ansible_collections.deltalake.aws.plugins.module_utils.validators import partition_for_region
from ansible_collections.deltalake.aws.plugins.module_utils.validators import ACCOUNT_RE
from ansible_collections.deltalake.aws.plugins.module_utils.validators import validate_glue_name
from ansible_collections.deltalake.aws.plugins.module_utils.validators import validate_region
from ansible_collections.deltalake.aws.plugins.module_utils.validators import validate_tags

ARGUMENT_SPEC = dict(
    name=dict(type="str", required=True),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    description=dict(type="str"),
    location_uri=dict(type="str"),
    parameters=dict(type="dict"),
    purge_parameters=dict(type="bool", default=True),
    create_table_default_permissions=dict(type="bool"),
    catalog_id=dict(type="str"),
    tags=dict(type="dict", aliases=["resource_tags"]),
    purge_tags=dict(type="bool", default=True),
    force=dict(type="bool", default=False),
)
MAX_DESCRIPTION = 2048


def validate_params(module):
    """Every rule that can be checked without AWS, before the first AWS call."""
    params = module.params
    errors = validate_glue_name(params["name"]) + validate_region(module.region) + validate_tags(params["tags"])
    if params["description"] and len(params["description"]) > MAX_DESCRIPTION:
        errors.append(
            f"description: must be at most {MAX_DESCRIPTION} characters (it has {len(params['description'])})"
        )
    if params["location_uri"]:
        errors += glue.validate_s3_uri(params["location_uri"], "location_uri", trailing_slash=True)
    for key, value in (params["parameters"] or {}).items():
        if not 1 <= len(str(key)) <= 255:
            errors.append(f"parameters.{key}: key must be 1 to 255 characters long")
        if value is None or isinstance(value, (dict, list)):
            errors.append(f"parameters.{key}: {value!r} must be a string")
    if params["catalog_id"] is not None and not ACCOUNT_RE.match(params["catalog_id"]):
        errors.append(f"catalog_id: {params['catalog_id']!r} must be a 12-digit account id")
    module.fail_on_errors(errors)


def desired_parameters(current, params):
    wanted = {str(k): str(v) for k, v in params["parameters"].items()}
    if params["purge_parameters"]:
        return wanted
    return {**(current or {}), **wanted}


def desired_definition(params, current):
    """The definition settings this run manages (others are left alone), in the normalized shape."""
    wants = {}
    for key in ("description", "location_uri", "create_table_default_permissions"):
        if params[key] is not None:
            wants[key] = params[key]
    if params["parameters"] is not None:
        wants["parameters"] = desired_parameters((current or {}).get("parameters"), params)
    return wants


def new_database_state(params, name, arn, catalog_id):
    """What the database looks like once created: the managed settings, AWS's empty values for the others."""
    state = {
        "name": name,
        "arn": arn,
        "catalog_id": catalog_id,
        "description": "",
        "location_uri": "",
        "parameters": {},
    }
    state.update(desired_definition(params, None))
    if params["tags"] is not None:
        state["tags"] = desired_tags({}, params["tags"], True)
    return state


def read_database(client, current, arn, params):
    state = {"name": current["Name"].lower(), "arn": arn, **glue.normalize_database(current)}
    if params["tags"] is not None:
        state["tags"] = glue.get_tags(client, arn)
    return state


def ensure_present(module, client, reconciler, current, name, arn, catalog_id):
    params = module.params
    if not reconciler.exists:
        initial = new_database_state(params, name, arn, catalog_id)
        reconciler.create(
            initial,
            lambda: glue.create_database(client, name, initial, params["catalog_id"], initial.get("tags")),
        )
        return
    reconciler.converge_group(
        desired_definition(params, reconciler.after),
        lambda target, have: glue.update_database(client, name, target, current, params["catalog_id"]),
    )
    if params["tags"] is not None:
        reconciler.converge(
            "tags",
            desired_tags(reconciler.after["tags"], params["tags"], params["purge_tags"]),
            lambda target, have: glue.update_tags(client, arn, have, target),
        )


def ensure_absent(module, client, reconciler, name):
    if not reconciler.exists:
        return
    tables, more = glue.find_tables(client, name, module.params["catalog_id"])
    if tables and not module.params["force"]:
        count = f"more than {len(tables)}" if more else str(len(tables))
        module.fail_json(
            msg=f"Refusing to delete Glue database {name}: it holds {count} tables ({', '.join(tables[:5])}). Set"
            " force: true to delete the database with its table definitions (their data in S3 is kept).",
            database=reconciler.before,
        )
    crawlers = glue.crawlers_writing_to(client, name)
    if crawlers:
        module.warn(f"Glue crawlers {', '.join(crawlers)} write to database {name}; they fail until it exists again")
    reconciler.delete(lambda: glue.delete_database(client, name, module.params["catalog_id"]))


def main():
    module = DeltaLakeAWSModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    validate_params(module)
    params = module.params
    name = params["name"]
    client = module.client("glue")
    try:
        current = glue.get_database(client, name, params["catalog_id"])
        catalog_id = params["catalog_id"] or (current or {}).get("CatalogId")
        if not catalog_id:
            catalog_id = module.account_info()[0]
        arn = glue.glue_arn(partition_for_region(module.region), module.region, catalog_id, f"database/{name}")
        if params["state"] == "absent":
            before = {"name": name, "arn": arn, **glue.normalize_database(current)} if current else None
            reconciler = Reconciler(module, before)
            ensure_absent(module, client, reconciler, name)
        else:
            reconciler = Reconciler(module, read_database(client, current, arn, params) if current else None)
            ensure_present(module, client, reconciler, current, name, arn, catalog_id)
    except AnsibleAWSError as e:
        module.fail_json_aws_error(e)
    module.exit_json(**reconciler.result("database"))


if __name__ == "__main__":
    main()
