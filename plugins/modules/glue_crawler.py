#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: glue_crawler
short_description: Manage one Glue crawler that catalogs data lake paths
version_added: 0.1.0
description:
  - Creates, updates and deletes one Glue crawler, with S3, Delta Lake and Iceberg targets.
  - The crawler is read once and compared in normalized form, in which a setting left unset and the default AWS
    reports for it are the same (empty exclusions, the default schema change and recrawl policies, Lake Formation
    credentials off), target lists are compared in any order and O(configuration) is compared as JSON, not as
    text. So the module never reports a change because AWS filled in a default.
  - The definition is written with one C(UpdateCrawler) call, the schedule with C(UpdateCrawlerSchedule) and the
    tags with C(TagResource)/C(UntagResource), each only when it differs. An identical re-run reports
    RV(ignore:changed=false) and makes read calls only.
  - In check mode the module makes read calls only and predicts exactly what a real run would change, also when
    the database or the role is created by an earlier task of the same run. With C(--diff) it shows every
    changed setting before and after.
  - Glue cannot update or delete a crawler while it crawls; the module then fails with a message saying so.
author:
  - deltalake.aws developers (@deltalake-aws)
options:
  name:
    description:
      - Name of the crawler, 1 to 255 characters.
    type: str
    required: true
  state:
    description:
      - V(present) creates or updates the crawler, V(absent) deletes it. Deleting a crawler never deletes the
        tables it created or their data.
    type: str
    choices: [present, absent]
    default: present
  role:
    description:
      - The IAM role the crawler uses, as a role name (with an optional path, e.g. C(service-role/glue-crawler))
        or a role ARN. A name is expanded to the role's ARN in the account of the credentials.
      - Required with O(state=present).
    type: str
  database:
    description:
      - The Glue database the crawler writes its tables to. Compared in lower case, as Glue stores names.
      - Required with O(state=present).
    type: str
  description:
    description:
      - Description of the crawler. V('') removes it. Not managed when not set.
    type: str
  targets:
    description:
      - What the crawler crawls; at least one target. The lists are complete (targets not listed are removed) and
        compared in any order. Required with O(state=present).
    type: dict
    suboptions:
      s3_targets:
        description: S3 paths with data files (CSV, JSON, Parquet, ...).
        type: list
        elements: dict
        default: []
        suboptions:
          path:
            description: The S3 path, C(s3://bucket/prefix/).
            type: str
            required: true
          exclusions:
            description: Glob patterns, relative to O(targets.s3_targets[].path), of keys the crawler skips.
            type: list
            elements: str
            default: []
          sample_size:
            description: How many files of each leaf folder are crawled (1 to 249); all when not set.
            type: int
          connection_name:
            description: A Glue connection for crawling within a VPC.
            type: str
          event_queue_arn:
            description: The SQS queue of S3 event notifications, for O(recrawl_policy.recrawl_behavior=CRAWL_EVENT_MODE).
            type: str
          dlq_event_queue_arn:
            description: The dead-letter SQS queue of O(targets.s3_targets[].event_queue_arn).
            type: str
      delta_targets:
        description: Delta Lake tables.
        type: list
        elements: dict
        default: []
        suboptions:
          delta_tables:
            description: S3 paths of the Delta tables (the folders that hold C(_delta_log/)).
            type: list
            elements: str
            required: true
          write_manifest:
            description: Whether the crawler writes symlink manifest files for engines that need them.
            type: bool
            default: false
          create_native_delta_table:
            description:
              - Whether the crawler registers native Delta tables, which Athena and Spark read through the Delta
                transaction log (no manifest needed).
            type: bool
            default: true
          connection_name:
            description: A Glue connection for crawling within a VPC.
            type: str
      iceberg_targets:
        description: S3 paths under which the crawler finds Iceberg tables (their C(metadata/) folders).
        type: list
        elements: dict
        default: []
        suboptions:
          paths:
            description: S3 paths to search.
            type: list
            elements: str
            required: true
          exclusions:
            description: Glob patterns of keys the crawler skips.
            type: list
            elements: str
            default: []
          maximum_traversal_depth:
            description: How deep below each path the crawler looks for Iceberg metadata (1 to 20).
            type: int
            default: 10
          connection_name:
            description: A Glue connection for crawling within a VPC.
            type: str
  schedule:
    description:
      - When the crawler runs, as an AWS cron expression with six fields (minutes, hours, day-of-month, month,
        day-of-week, year), for example C(cron(15 2 * * ? *)) or just C(15 2 * * ? *). Exactly one of
        day-of-month and day-of-week is C(?). The expression is checked before any AWS call.
      - V('') removes the schedule (the crawler runs on demand). Not managed when not set.
    type: str
  table_prefix:
    description:
      - Prefix of the names of the tables the crawler creates (at most 128 characters). V('') for none. Not
        managed when not set.
    type: str
  schema_change_policy:
    description:
      - What the crawler does when it finds a changed or deleted object. The defaults are the AWS defaults.
    type: dict
    suboptions:
      update_behavior:
        description: V(UPDATE_IN_DATABASE) changes the table, V(LOG) only logs the change.
        type: str
        choices: [LOG, UPDATE_IN_DATABASE]
        default: UPDATE_IN_DATABASE
      delete_behavior:
        description: What happens to a table whose data is gone.
        type: str
        choices: [LOG, DELETE_FROM_DATABASE, DEPRECATE_IN_DATABASE]
        default: DEPRECATE_IN_DATABASE
  recrawl_policy:
    description:
      - Whether later runs crawl everything again or only new folders.
    type: dict
    suboptions:
      recrawl_behavior:
        description:
          - V(CRAWL_NEW_FOLDERS_ONLY) crawls only folders added since the last run (incremental crawls, for S3
            targets); AWS allows it only with O(schema_change_policy) V(LOG)/V(LOG).
          - V(CRAWL_EVENT_MODE) crawls what S3 event notifications report; every S3 target then needs
            O(targets.s3_targets[].event_queue_arn).
          - When not set, V(CRAWL_NEW_FOLDERS_ONLY) where AWS allows it (S3 targets only and a V(LOG)/V(LOG)
            schema change policy), otherwise V(CRAWL_EVERYTHING).
        type: str
        choices: [CRAWL_EVERYTHING, CRAWL_NEW_FOLDERS_ONLY, CRAWL_EVENT_MODE]
  lake_formation_configuration:
    description:
      - Whether the crawler uses Lake Formation credentials instead of its role's IAM permissions to reach the
        data. Not managed when not set (AWS default, off).
    type: dict
    suboptions:
      use_lake_formation_credentials:
        description: Use Lake Formation credentials.
        type: bool
        default: false
      account_id:
        description: The account of the data, for cross-account crawls; V('') for the crawler's own account.
        type: str
        default: ''
  configuration:
    description:
      - 'The crawler''s configuration, a JSON object (dict or JSON string), for example
        C({"Version": 1.0, "Grouping": {"TableGroupingPolicy": "CombineCompatibleSchemas"}}). Compared as JSON.
        V({}) removes it. Not managed when not set.'
    type: json
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - deltalake.aws.modules
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
notes:
  - AWS documents that the S3 targets of a crawler that crawls new folders only cannot be changed; if AWS refuses
    such an update, apply it once with O(recrawl_policy.recrawl_behavior=CRAWL_EVERYTHING).
"""

EXAMPLES = r"""
# Credentials, region and endpoint come from module_defaults or the environment; none are shown here.

- name: Crawl the raw events every night, adding only new partitions
  deltalake.aws.glue_crawler:
    name: raw-events
    role: service-role/glue-crawler
    database: raw
    targets:
      s3_targets:
        - path: s3://acme-lake-data/raw/events/
          exclusions: ["**/_temporary/**", "**.crc"]
    schedule: cron(15 2 * * ? *)
    schema_change_policy:
      update_behavior: LOG
      delete_behavior: LOG
    tags:
      lake: acme

- name: Register the Delta and Iceberg tables of the processed zone, with Lake Formation credentials
  deltalake.aws.glue_crawler:
    name: processed-tables
    role: arn:aws:iam::123456789012:role/glue-crawler
    database: processed
    targets:
      delta_targets:
        - delta_tables:
            - s3://acme-lake-data/processed/orders/
            - s3://acme-lake-data/processed/customers/
      iceberg_targets:
        - paths: [s3://acme-lake-data/processed/iceberg/]
          maximum_traversal_depth: 5
    lake_formation_configuration:
      use_lake_formation_credentials: true
    configuration:
      Version: 1.0
      CrawlerOutput:
        Partitions:
          AddOrUpdateBehavior: InheritFromTable

- name: Run on demand only
  deltalake.aws.glue_crawler:
    name: raw-events
    role: service-role/glue-crawler
    database: raw
    targets:
      s3_targets:
        - path: s3://acme-lake-data/raw/events/
    schedule: ""

- name: Delete the crawler (its tables and their data are kept)
  deltalake.aws.glue_crawler:
    name: raw-events
    state: absent
"""

RETURN = r"""
crawler:
  description:
    - The crawler after the run (predicted in check mode), in the same shape as the diff, AWS defaults filled in.
      Run state and timestamps are not part of it. Empty after O(state=absent).
  returned: always
  type: dict
  contains:
    name:
      description: Crawler name.
      type: str
      sample: raw-events
    arn:
      description: Crawler ARN.
      type: str
      sample: arn:aws:glue:eu-west-1:123456789012:crawler/raw-events
    role:
      description: ARN of the crawler's role.
      type: str
      sample: arn:aws:iam::123456789012:role/service-role/glue-crawler
    database:
      description: The database the crawler writes to.
      type: str
      sample: raw
    description:
      description: Description; V('') when there is none.
      type: str
    targets:
      description:
        - C(s3_targets), C(delta_targets) and C(iceberg_targets), sorted, in the shape of the O(targets) items.
          Target kinds this module does not manage (for example C(jdbc_targets)) appear only when the crawler
          has some.
      type: dict
      sample: {"s3_targets": [{"path": "s3://acme-lake-data/raw/events/", "exclusions": []}], "delta_targets": [],
               "iceberg_targets": []}
    schedule:
      description: The cron expression; V('') when the crawler runs on demand only.
      type: str
      sample: cron(15 2 * * ? *)
    table_prefix:
      description: Prefix of table names; V('') for none.
      type: str
    schema_change_policy:
      description: C(update_behavior) and C(delete_behavior).
      type: dict
      sample: {"update_behavior": "LOG", "delete_behavior": "LOG"}
    recrawl_policy:
      description: C(recrawl_behavior).
      type: dict
      sample: {"recrawl_behavior": "CRAWL_NEW_FOLDERS_ONLY"}
    lake_formation_configuration:
      description: C(use_lake_formation_credentials) and C(account_id).
      type: dict
      sample: {"use_lake_formation_credentials": false, "account_id": ""}
    configuration:
      description: The configuration as a dict; V({}) when there is none.
      type: dict
      sample: {"Version": 1.0}
    tags:
      description: Crawler tags.
      type: dict
      returned: when O(tags) is set
      sample: {"lake": "acme"}
"""

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError

from ansible_collections.deltalake.aws.plugins.module_utils import glue
from ansible_collections.deltalake.aws.plugins.module_utils.base import DeltaLakeAWSModule
from ansible_collections.deltalake.aws.plugins.module_utils.base import Reconciler
from ansible_collections.deltalake.aws.plugins.module_utils.base import desired_tags
from ansible_collections.deltalake.aws.plugins.module_utils.validators import ACCOUNT_RE
from ansible_collections.deltalake.aws.plugins.module_utils.validators import validate_arn
from ansible_collections.deltalake.aws.plugins.module_utils.validators import validate_glue_name
from ansible_collections.deltalake.aws.plugins.module_utils.validators import validate_region
from ansible_collections.deltalake.aws.plugins.module_utils.validators import validate_tags

ARGUMENT_SPEC = dict(
    name=dict(type="str", required=True),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    role=dict(type="str"),
    database=dict(type="str"),
    description=dict(type="str"),
    targets=dict(
        type="dict",
        options=dict(
            s3_targets=dict(
                type="list",
                elements="dict",
                default=[],
                options=dict(
                    path=dict(type="str", required=True),
                    exclusions=dict(type="list", elements="str", default=[]),
                    sample_size=dict(type="int"),
                    connection_name=dict(type="str"),
                    event_queue_arn=dict(type="str"),
                    dlq_event_queue_arn=dict(type="str"),
                ),
            ),
            delta_targets=dict(
                type="list",
                elements="dict",
                default=[],
                options=dict(
                    delta_tables=dict(type="list", elements="str", required=True),
                    write_manifest=dict(type="bool", default=False),
                    create_native_delta_table=dict(type="bool", default=True),
                    connection_name=dict(type="str"),
                ),
            ),
            iceberg_targets=dict(
                type="list",
                elements="dict",
                default=[],
                options=dict(
                    paths=dict(type="list", elements="str", required=True),
                    exclusions=dict(type="list", elements="str", default=[]),
                    maximum_traversal_depth=dict(type="int", default=glue.DEFAULT_ICEBERG_TRAVERSAL_DEPTH),
                    connection_name=dict(type="str"),
                ),
            ),
        ),
    ),
    schedule=dict(type="str"),
    table_prefix=dict(type="str"),
    schema_change_policy=dict(
        type="dict",
        apply_defaults=True,
        options=dict(
            update_behavior=dict(type="str", choices=["LOG", "UPDATE_IN_DATABASE"], default="UPDATE_IN_DATABASE"),
            delete_behavior=dict(
                type="str",
                choices=["LOG", "DELETE_FROM_DATABASE", "DEPRECATE_IN_DATABASE"],
                default="DEPRECATE_IN_DATABASE",
            ),
        ),
    ),
    recrawl_policy=dict(
        type="dict",
        options=dict(
            recrawl_behavior=dict(
                type="str", choices=["CRAWL_EVERYTHING", "CRAWL_NEW_FOLDERS_ONLY", "CRAWL_EVENT_MODE"]
            ),
        ),
    ),
    lake_formation_configuration=dict(
        type="dict",
        options=dict(
            use_lake_formation_credentials=dict(type="bool", default=False),
            account_id=dict(type="str", default=""),
        ),
    ),
    configuration=dict(type="json"),
    tags=dict(type="dict", aliases=["resource_tags"]),
    purge_tags=dict(type="bool", default=True),
)
MAX_DESCRIPTION = 2048
MAX_TABLE_PREFIX = 128
LOG_ONLY = {"update_behavior": "LOG", "delete_behavior": "LOG"}


def default_recrawl_behavior(params):
    """CRAWL_NEW_FOLDERS_ONLY where AWS allows it: incremental crawls are for S3 targets, and AWS requires the LOG
    update and delete behaviors with them. CRAWL_EVERYTHING otherwise."""
    targets = params["targets"] or {}
    only_s3 = (
        bool(targets.get("s3_targets")) and not targets.get("delta_targets") and not targets.get("iceberg_targets")
    )
    if only_s3 and params["schema_change_policy"] == LOG_ONLY:
        return "CRAWL_NEW_FOLDERS_ONLY"
    return glue.DEFAULT_RECRAWL_BEHAVIOR


def recrawl_behavior(params):
    return (params["recrawl_policy"] or {}).get("recrawl_behavior") or default_recrawl_behavior(params)


def validate_targets(targets, recrawl):
    errors = []
    if not any(targets.get(kind) for kind in ("s3_targets", "delta_targets", "iceberg_targets")):
        return ["targets: needs at least one of s3_targets, delta_targets and iceberg_targets"]
    for index, target in enumerate(targets.get("s3_targets") or []):
        field = f"targets.s3_targets[{index}]"
        errors += glue.validate_s3_uri(target["path"], f"{field}.path")
        if target.get("sample_size") is not None and not 1 <= target["sample_size"] <= 249:
            errors.append(f"{field}.sample_size: {target['sample_size']} must be 1 to 249")
        for key in ("event_queue_arn", "dlq_event_queue_arn"):
            if target.get(key):
                errors += validate_arn(
                    target[key], f"{field}.{key}", service="sqs", region_required=True, account_required=True
                )
        if recrawl == "CRAWL_EVENT_MODE" and not target.get("event_queue_arn"):
            errors.append(f"{field}.event_queue_arn: is required with recrawl_behavior CRAWL_EVENT_MODE")
    for index, target in enumerate(targets.get("delta_targets") or []):
        field = f"targets.delta_targets[{index}].delta_tables"
        if not target["delta_tables"]:
            errors.append(f"{field}: needs at least one S3 path")
        for t_index, path in enumerate(target["delta_tables"]):
            errors += glue.validate_s3_uri(path, f"{field}[{t_index}]")
    for index, target in enumerate(targets.get("iceberg_targets") or []):
        field = f"targets.iceberg_targets[{index}]"
        if not target["paths"]:
            errors.append(f"{field}.paths: needs at least one S3 path")
        for p_index, path in enumerate(target["paths"]):
            errors += glue.validate_s3_uri(path, f"{field}.paths[{p_index}]")
        if not 1 <= target["maximum_traversal_depth"] <= 20:
            errors.append(f"{field}.maximum_traversal_depth: {target['maximum_traversal_depth']} must be 1 to 20")
    return errors


def validate_params(module):
    """Every rule that can be checked without AWS, before the first AWS call."""
    params = module.params
    name = params["name"]
    errors = validate_region(module.region) + validate_tags(params["tags"])
    if not 1 <= len(name) <= 255 or any(ord(c) < 32 for c in name):
        errors.append(f"name: {name!r} must be 1 to 255 characters, without control characters")
    if params["state"] == "present":
        recrawl = recrawl_behavior(params)
        errors += glue.validate_role(params["role"])
        errors += validate_glue_name(params["database"], "database")
        errors += validate_targets(params["targets"], recrawl)
        errors += glue.validate_schedule(params["schedule"])
        if recrawl == "CRAWL_NEW_FOLDERS_ONLY" and params["schema_change_policy"] != LOG_ONLY:
            errors.append(
                "recrawl_policy.recrawl_behavior: CRAWL_NEW_FOLDERS_ONLY needs schema_change_policy update_behavior"
                " LOG and delete_behavior LOG (AWS refuses other behaviors with incremental crawls)"
            )
        if params["description"] and len(params["description"]) > MAX_DESCRIPTION:
            errors.append(f"description: must be at most {MAX_DESCRIPTION} characters")
        if params["table_prefix"] and len(params["table_prefix"]) > MAX_TABLE_PREFIX:
            errors.append(f"table_prefix: {params['table_prefix']!r} must be at most {MAX_TABLE_PREFIX} characters")
        lake_formation = params["lake_formation_configuration"]
        if lake_formation and lake_formation["account_id"] and not ACCOUNT_RE.match(lake_formation["account_id"]):
            errors.append(
                f"lake_formation_configuration.account_id: {lake_formation['account_id']!r} must be a"
                " 12-digit account id or ''"
            )
        errors += glue.parse_json_object(params["configuration"], "configuration")[1]
    module.fail_on_errors(errors)


# ---------------------------------------------------------------------------------------------------- desired state


def desired_targets(targets):
    """The ``targets`` option -> the normalized targets (the same shape normalize_targets gives)."""
    api = glue.targets_to_api(
        {
            "s3_targets": [{k: v for k, v in t.items() if v is not None} for t in targets.get("s3_targets") or []],
            "delta_targets": targets.get("delta_targets") or [],
            "iceberg_targets": targets.get("iceberg_targets") or [],
        }
    )
    return glue.normalize_targets(api)


def desired_definition(params, partition, account_id):
    """The definition settings this run manages, in the normalized shape; options left unset are not managed."""
    wants = {
        "role": glue.role_arn(params["role"], partition, account_id),
        "database": params["database"],
        "targets": desired_targets(params["targets"]),
        "schema_change_policy": dict(params["schema_change_policy"]),
        "recrawl_policy": {"recrawl_behavior": recrawl_behavior(params)},
    }
    for key in ("description", "table_prefix"):
        if params[key] is not None:
            wants[key] = params[key]
    if params["lake_formation_configuration"] is not None:
        wants["lake_formation_configuration"] = dict(params["lake_formation_configuration"])
    if params["configuration"] is not None:
        wants["configuration"] = glue.parse_json_object(params["configuration"], "configuration")[0]
    return wants


def new_crawler_state(params, name, arn, definition):
    """What the crawler looks like once created: the managed settings, AWS's defaults for the others."""
    state = {
        "name": name,
        "arn": arn,
        "role": None,
        "database": None,
        "description": "",
        "targets": None,
        "schedule": glue.normalize_schedule(params["schedule"]) or "",
        "table_prefix": "",
        "schema_change_policy": dict(glue.DEFAULT_SCHEMA_CHANGE_POLICY),
        "recrawl_policy": {"recrawl_behavior": glue.DEFAULT_RECRAWL_BEHAVIOR},
        "lake_formation_configuration": dict(glue.DEFAULT_LAKE_FORMATION_CONFIGURATION),
        "configuration": {},
    }
    state.update(definition)
    if params["tags"] is not None:
        state["tags"] = desired_tags({}, params["tags"], True)
    return state


# ---------------------------------------------------------------------------------------------------- reconcile


def ensure_present(module, client, reconciler, name, arn, partition, account_id):
    params = module.params
    definition = desired_definition(params, partition, account_id)
    if not reconciler.exists:
        initial = new_crawler_state(params, name, arn, definition)
        reconciler.create(
            initial,
            lambda: glue.create_crawler(client, name, definition, initial["schedule"], initial.get("tags")),
        )
        return
    reconciler.converge_group(definition, lambda target, have: glue.update_crawler(client, name, target))
    reconciler.converge(
        "schedule",
        glue.normalize_schedule(params["schedule"]),
        lambda target, have: glue.update_crawler_schedule(client, name, target),
    )
    if params["tags"] is not None:
        reconciler.converge(
            "tags",
            desired_tags(reconciler.after["tags"], params["tags"], params["purge_tags"]),
            lambda target, have: glue.update_tags(client, arn, have, target),
        )


def main():
    module = DeltaLakeAWSModule(
        argument_spec=ARGUMENT_SPEC,
        supports_check_mode=True,
        required_if=[("state", "present", ["role", "database", "targets"])],
    )
    validate_params(module)
    params = module.params
    name = params["name"]
    client = module.client("glue")
    try:
        current = glue.get_crawler(client, name)
        account_id, partition = module.account_info()
        arn = glue.glue_arn(partition, module.region, account_id, f"crawler/{name}")
        before = glue.normalize_crawler(current, arn, partition, account_id) if current else None
        if before is not None and params["tags"] is not None and params["state"] == "present":
            before["tags"] = glue.get_tags(client, arn)
        reconciler = Reconciler(module, before)
        if params["state"] == "absent":
            if reconciler.exists:
                reconciler.delete(lambda: glue.delete_crawler(client, name))
        else:
            ensure_present(module, client, reconciler, name, arn, partition, account_id)
    except AnsibleAWSError as e:
        module.fail_json_aws_error(e)
    module.exit_json(**reconciler.result("crawler"))


if __name__ == "__main__":
    main()
