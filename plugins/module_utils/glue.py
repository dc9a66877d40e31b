# -*- coding: utf-8 -*-

# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Glue Data Catalog calls and shapes for deltalake.aws modules: databases, crawlers and their tags.

``get_*`` return one resource as the API gives it (None when it does not exist), ``normalize_*`` turn it into the
modules' return shape, in which a value AWS fills in by default and the same value left unset compare equal.
Writers take the normalized shape. Every call passes ``aws_retry=True``; paginated reads carry the collection's
retry decorator. botocore errors become DeltaLakeAWSError (``GlueErrorHandler``), which table code may reuse.

The ``validate_*`` helpers here check Glue-specific inputs before the first AWS call (cron schedules, S3 URIs,
IAM role names); each message names the field, the value and the rule, as in validators.py.
"""

import json
import re

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

from ansible_collections.deltalake.aws.plugins.module_utils.base import DeltaLakeAWSError
from ansible_collections.deltalake.aws.plugins.module_utils.base import aws_retry
from ansible_collections.deltalake.aws.plugins.module_utils.validators import validate_arn
from ansible_collections.deltalake.aws.plugins.module_utils.validators import validate_bucket_name

IAM_ALLOWED_PRINCIPALS = "IAM_ALLOWED_PRINCIPALS"
# The permissions a new table gets when the database keeps the IAM_ALLOWED_PRINCIPALS default: IAM policies alone
# decide access, as before Lake Formation. An empty list leaves new tables to Lake Formation grants.
IAM_ALLOWED_PRINCIPALS_PERMISSIONS = [
    {"Principal": {"DataLakePrincipalIdentifier": IAM_ALLOWED_PRINCIPALS}, "Permissions": ["ALL"]}
]

# What GetCrawler reports for settings a crawler was created without.
DEFAULT_SCHEMA_CHANGE_POLICY = {"update_behavior": "UPDATE_IN_DATABASE", "delete_behavior": "DEPRECATE_IN_DATABASE"}
DEFAULT_RECRAWL_BEHAVIOR = "CRAWL_EVERYTHING"
DEFAULT_LAKE_FORMATION_CONFIGURATION = {"use_lake_formation_credentials": False, "account_id": ""}
DEFAULT_ICEBERG_TRAVERSAL_DEPTH = 10

# Crawler settings that UpdateCrawler writes, normalized key -> API key. The schedule has its own call.
CRAWLER_DEFINITION_KEYS = {
    "role": "Role",
    "database": "DatabaseName",
    "description": "Description",
    "targets": "Targets",
    "table_prefix": "TablePrefix",
    "schema_change_policy": "SchemaChangePolicy",
    "recrawl_policy": "RecrawlPolicy",
    "lake_formation_configuration": "LakeFormationConfiguration",
    "configuration": "Configuration",
}
# Target kinds this collection manages, and the others a crawler may have (kept visible in the diff, never hidden).
_MANAGED_TARGETS = {"S3Targets": "s3_targets", "DeltaTargets": "delta_targets", "IcebergTargets": "iceberg_targets"}
_OTHER_TARGETS = {
    "JdbcTargets": "jdbc_targets",
    "MongoDBTargets": "mongodb_targets",
    "DynamoDBTargets": "dynamodb_targets",
    "CatalogTargets": "catalog_targets",
    "HudiTargets": "hudi_targets",
}
_S3_TARGET_OPTIONAL = {
    "sample_size": "SampleSize",
    "connection_name": "ConnectionName",
    "event_queue_arn": "EventQueueArn",
    "dlq_event_queue_arn": "DlqEventQueueArn",
}


class GlueErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = DeltaLakeAWSError

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code("EntityNotFoundException")


def _catalog(catalog_id):
    return {"CatalogId": catalog_id} if catalog_id else {}


def glue_arn(partition, region, account_id, resource):
    """``arn:<partition>:glue:<region>:<account>:<resource>``, e.g. resource ``database/sales``."""
    return f"arn:{partition}:glue:{region}:{account_id}:{resource}"


def role_arn(role, partition, account_id):
    """A crawler role given as a name (with an optional path) or an ARN -> the role's ARN."""
    if not role or role.startswith("arn:"):
        return role
    return f"arn:{partition}:iam::{account_id}:role/{role}"


# ---------------------------------------------------------------------------------------------------- validation

_CRON_MONTHS = {name: index + 1 for index, name in enumerate("JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split())}
_CRON_DAYS = {name: index + 1 for index, name in enumerate("SUN MON TUE WED THU FRI SAT".split())}
# (name, lowest, highest, names) of the six fields of an AWS cron expression.
_CRON_FIELDS = (
    ("minutes", 0, 59, None),
    ("hours", 0, 23, None),
    ("day-of-month", 1, 31, None),
    ("month", 1, 12, _CRON_MONTHS),
    ("day-of-week", 1, 7, _CRON_DAYS),
    ("year", 1970, 2199, None),
)
ROLE_NAME_RE = re.compile(r"^(?:[\w+=,.@-]+/)*[\w+=,.@-]{1,64}$")


def _cron_value(token, low, high, names):
    if names and token.upper() in names:
        return names[token.upper()]
    if token.isdigit() and low <= int(token) <= high:
        return int(token)
    return None


def _cron_item_valid(item, index, low, high, names):
    """One comma-separated item of cron field ``index``: ``*``, ``5``, ``1-5``, ``*/10``, ``0-30/5``, and the
    day wildcards ``L`` and ``nW`` (day-of-month), ``L``, ``nL`` and ``n#k`` (day-of-week)."""
    if item == "*":
        return True
    if index == 2 and (item in ("L", "LW") or (item.endswith("W") and _cron_value(item[:-1], low, high, None))):
        return True
    if index == 4:
        if item == "L" or (item.endswith("L") and _cron_value(item[:-1], low, high, names)):
            return True
        if "#" in item:
            day, dummy, nth = item.partition("#")
            return _cron_value(day, low, high, names) is not None and nth in ("1", "2", "3", "4", "5")
    base, slash, step = item.partition("/")
    if slash and not (step.isdigit() and int(step) >= 1):
        return False
    if base == "*":
        return bool(slash)
    start, dash, end = base.partition("-")
    if _cron_value(start, low, high, names) is None:
        return False
    return not dash or _cron_value(end, low, high, names) is not None


def normalize_schedule(value):
    """``cron(15 12 * * ? *)`` or the bare six fields -> ``cron(15 12 * * ? *)``; ``""`` stays ``""``."""
    if value is None:
        return None
    value = " ".join(value.split())
    if not value:
        return ""
    if value.startswith("cron(") and value.endswith(")"):
        value = " ".join(value[5:-1].split())
    return f"cron({value})"


def validate_schedule(value, field="schedule"):
    """An AWS cron expression as Glue schedules take it
    (https://docs.aws.amazon.com/glue/latest/dg/monitor-data-warehouse-schedule.html): six fields (minutes, hours,
    day-of-month, month, day-of-week, year), and exactly one of day-of-month and day-of-week is ``?``.
    ``""`` (no schedule: the crawler runs on demand) is valid."""
    if value is None or value.strip() == "":
        return []
    if value.strip().startswith("rate("):
        return [f"{field}: {value!r} must be a cron(...) expression; Glue schedules do not take rate(...)"]
    expression = normalize_schedule(value)[5:-1]
    fields = expression.split(" ")
    if len(fields) != 6:
        return [
            f"{field}: {value!r} must have 6 fields (minutes hours day-of-month month day-of-week year), "
            f"it has {len(fields)}, e.g. cron(15 12 * * ? *)"
        ]
    errors = []
    for index, (name, low, high, names) in enumerate(_CRON_FIELDS):
        text = fields[index]
        if text == "?":
            if index not in (2, 4):
                errors.append(f"{field}: {value!r} field {name} may not be '?' (only day-of-month and day-of-week)")
            continue
        if not all(_cron_item_valid(item, index, low, high, names) for item in text.split(",")):
            allowed = f"{low}-{high}" + (f" or {'-'.join([list(names)[0], list(names)[-1]])}" if names else "")
            errors.append(f"{field}: {value!r} field {name} {text!r} is not valid (values {allowed}, with , - * /)")
    if (fields[2] == "?") == (fields[4] == "?"):
        errors.append(f"{field}: {value!r} exactly one of day-of-month and day-of-week must be '?'")
    return errors


def parse_s3_uri(value):
    """``s3://bucket/key/prefix`` -> (bucket, key); None when the value is not an S3 URI."""
    if not isinstance(value, str) or not value.startswith("s3://"):
        return None
    bucket, dummy, key = value[5:].partition("/")
    return bucket, key


def validate_s3_uri(value, field, trailing_slash=False):
    """``s3://<bucket>[/<prefix>]`` with a valid bucket name, no empty path segment, and a final ``/`` when
    ``trailing_slash``."""
    parsed = parse_s3_uri(value)
    if parsed is None:
        return [f"{field}: {value!r} must be an S3 URI such as 's3://bucket/prefix/'"]
    bucket, key = parsed
    errors = validate_bucket_name(bucket, field)
    if "//" in key or key.startswith("/"):
        errors.append(f"{field}: {value!r} must not contain an empty path segment ('//')")
    if trailing_slash and not value.endswith("/"):
        errors.append(f"{field}: {value!r} must end with '/'")
    return errors


def validate_role(value, field="role"):
    """An IAM role name (with an optional path, e.g. ``service-role/glue-crawler``) or a role ARN."""
    if isinstance(value, str) and value.startswith("arn:"):
        return validate_arn(
            value, field, service="iam", resource_prefix="role/", region_required=False, account_required=True
        )
    if not isinstance(value, str) or not ROLE_NAME_RE.match(value):
        return [f"{field}: {value!r} is not an IAM role name (1-64 letters, digits and + = , . @ _ -) or role ARN"]
    return []


def parse_json_object(value, field):
    """A JSON object given as a string or a dict -> (dict, errors)."""
    if value is None:
        return None, []
    if isinstance(value, dict):
        return value, []
    if not value.strip():
        return {}, []
    try:
        parsed = json.loads(value)
    except ValueError as e:
        return None, [f"{field}: is not valid JSON ({e})"]
    if not isinstance(parsed, dict):
        return None, [f"{field}: must be a JSON object, not {type(parsed).__name__}"]
    return parsed, []


# ---------------------------------------------------------------------------------------------------- tags


@GlueErrorHandler.list_error_handler("get Glue tags", default_value={})
def get_tags(client, arn):
    return client.get_tags(ResourceArn=arn, aws_retry=True).get("Tags") or {}


@GlueErrorHandler.common_error_handler("set Glue tags")
def update_tags(client, arn, current, wanted):
    """Make the resource's tags ``wanted``: UntagResource for removed keys, TagResource for new or changed ones."""
    to_set, to_unset = compare_aws_tags(current or {}, wanted, True)
    if to_unset:
        client.untag_resource(ResourceArn=arn, TagsToRemove=to_unset, aws_retry=True)
    if to_set:
        client.tag_resource(ResourceArn=arn, TagsToAdd=to_set, aws_retry=True)


# ---------------------------------------------------------------------------------------------------- databases


@GlueErrorHandler.list_error_handler("get Glue database")
def get_database(client, name, catalog_id=None):
    return client.get_database(Name=name, aws_retry=True, **_catalog(catalog_id))["Database"]


@GlueErrorHandler.common_error_handler("list Glue databases")
@aws_retry()
def list_databases(client, catalog_id=None):
    """Every database of the catalog (GetDatabases, all pages)."""
    paginator = client.get_paginator("get_databases")
    return paginator.paginate(**_catalog(catalog_id)).build_full_result().get("DatabaseList", [])


def keeps_iam_allowed_principals(permissions):
    """Whether CreateTableDefaultPermissions gives new tables to IAM_ALLOWED_PRINCIPALS. A database created without
    the field has the account's default, which is that grant unless the Lake Formation settings changed it."""
    if permissions is None:
        return True
    return any(
        p.get("Principal", {}).get("DataLakePrincipalIdentifier") == IAM_ALLOWED_PRINCIPALS
        and "ALL" in p.get("Permissions", [])
        for p in permissions
    )


def normalize_database(database):
    """GetDatabase's ``Database`` -> the module's shape. Names compare lower-cased: AWS stores them so."""
    return {
        "name": database["Name"].lower(),
        "catalog_id": database.get("CatalogId"),
        "description": database.get("Description") or "",
        "location_uri": database.get("LocationUri") or "",
        "parameters": dict(database.get("Parameters") or {}),
        "create_table_default_permissions": keeps_iam_allowed_principals(database.get("CreateTableDefaultPermissions")),
    }


def database_input(name, state, current=None):
    """DatabaseInput for CreateDatabase/UpdateDatabase: UpdateDatabase replaces the whole definition, so fields this
    run does not manage keep their current API values (``current``, the raw GetDatabase answer)."""
    api = {"Name": name}
    for key in (
        "Description",
        "LocationUri",
        "Parameters",
        "CreateTableDefaultPermissions",
        "TargetDatabase",
        "FederatedDatabase",
    ):
        if current and current.get(key) is not None:
            api[key] = current[key]
    if state.get("description") is not None:
        api["Description"] = state["description"]
    if state.get("location_uri") is not None:
        api["LocationUri"] = state["location_uri"]
    if state.get("parameters") is not None:
        api["Parameters"] = state["parameters"]
    if state.get("create_table_default_permissions") is not None:
        api["CreateTableDefaultPermissions"] = (
            IAM_ALLOWED_PRINCIPALS_PERMISSIONS if state["create_table_default_permissions"] else []
        )
    return {k: v for k, v in api.items() if v != ""}


@GlueErrorHandler.common_error_handler("create Glue database")
def create_database(client, name, state, catalog_id=None, tags=None):
    params = {"DatabaseInput": database_input(name, state), **_catalog(catalog_id)}
    if tags:
        params["Tags"] = tags
    client.create_database(aws_retry=True, **params)


@GlueErrorHandler.common_error_handler("update Glue database")
def update_database(client, name, state, current, catalog_id=None):
    client.update_database(
        Name=name, DatabaseInput=database_input(name, state, current), aws_retry=True, **_catalog(catalog_id)
    )


@GlueErrorHandler.list_error_handler("list the tables of Glue database", default_value=([], False))
def find_tables(client, name, catalog_id=None, limit=10):
    """Up to ``limit`` table names of the database (one GetTables page) and whether it holds more."""
    response = client.get_tables(DatabaseName=name, MaxResults=limit, aws_retry=True, **_catalog(catalog_id))
    names = [t["Name"] for t in response.get("TableList", [])]
    return names[:limit], bool(response.get("NextToken")) or len(names) > limit


@GlueErrorHandler.deletion_error_handler("delete Glue database")
def delete_database(client, name, catalog_id=None):
    client.delete_database(Name=name, aws_retry=True, **_catalog(catalog_id))
    return True


# ---------------------------------------------------------------------------------------------------- crawlers


@GlueErrorHandler.list_error_handler("get Glue crawler")
def get_crawler(client, name):
    return client.get_crawler(Name=name, aws_retry=True)["Crawler"]


@GlueErrorHandler.common_error_handler("list Glue crawlers")
@aws_retry()
def list_crawlers(client):
    """Every crawler of the account and region (GetCrawlers, all pages)."""
    return client.get_paginator("get_crawlers").paginate().build_full_result().get("Crawlers", [])


def crawlers_writing_to(client, database):
    """Names of the crawlers whose database is ``database`` (compared lower-cased)."""
    return sorted(c["Name"] for c in list_crawlers(client) if (c.get("DatabaseName") or "").lower() == database)


def _drop_none(item):
    return {k: v for k, v in item.items() if v is not None}


def normalize_s3_target(target):
    item = {"path": target["Path"], "exclusions": sorted(target.get("Exclusions") or [])}
    item.update({key: target.get(api) for key, api in _S3_TARGET_OPTIONAL.items()})
    return _drop_none(item)


def normalize_delta_target(target):
    return _drop_none(
        {
            "delta_tables": sorted(target.get("DeltaTables") or []),
            "write_manifest": bool(target.get("WriteManifest", False)),
            "create_native_delta_table": bool(target.get("CreateNativeDeltaTable", False)),
            "connection_name": target.get("ConnectionName"),
        }
    )


def normalize_iceberg_target(target):
    return _drop_none(
        {
            "paths": sorted(target.get("Paths") or []),
            "exclusions": sorted(target.get("Exclusions") or []),
            "maximum_traversal_depth": target.get("MaximumTraversalDepth") or DEFAULT_ICEBERG_TRAVERSAL_DEPTH,
            "connection_name": target.get("ConnectionName"),
        }
    )


_TARGET_NORMALIZERS = {
    "S3Targets": (normalize_s3_target, lambda t: t["path"]),
    "DeltaTargets": (normalize_delta_target, lambda t: t["delta_tables"]),
    "IcebergTargets": (normalize_iceberg_target, lambda t: t["paths"]),
}


def _snake(name):
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def normalize_targets(targets):
    """Crawler ``Targets`` -> ``{s3_targets, delta_targets, iceberg_targets}``, each sorted (order carries no
    meaning), with AWS's defaults (empty exclusions, no manifest, traversal depth 10) filled in. Target kinds this
    collection does not manage appear only when the crawler has some, so that replacing them shows in the diff."""
    targets = targets or {}
    result = {}
    for api, key in _MANAGED_TARGETS.items():
        normalize, sort_key = _TARGET_NORMALIZERS[api]
        result[key] = sorted((normalize(t) for t in targets.get(api) or []), key=sort_key)
    for api, key in _OTHER_TARGETS.items():
        if targets.get(api):
            result[key] = [{_snake(k): v for k, v in t.items()} for t in targets[api]]
    return result


def targets_to_api(targets):
    api = {}
    for item in targets.get("s3_targets", []):
        target = {"Path": item["path"], "Exclusions": list(item.get("exclusions", []))}
        target.update({a: item[k] for k, a in _S3_TARGET_OPTIONAL.items() if item.get(k) is not None})
        api.setdefault("S3Targets", []).append(target)
    for item in targets.get("delta_targets", []):
        target = {
            "DeltaTables": list(item["delta_tables"]),
            "WriteManifest": item["write_manifest"],
            "CreateNativeDeltaTable": item["create_native_delta_table"],
        }
        if item.get("connection_name"):
            target["ConnectionName"] = item["connection_name"]
        api.setdefault("DeltaTargets", []).append(target)
    for item in targets.get("iceberg_targets", []):
        target = {
            "Paths": list(item["paths"]),
            "Exclusions": list(item.get("exclusions", [])),
            "MaximumTraversalDepth": item["maximum_traversal_depth"],
        }
        if item.get("connection_name"):
            target["ConnectionName"] = item["connection_name"]
        api.setdefault("IcebergTargets", []).append(target)
    return api


def normalize_configuration(configuration):
    """The crawler's JSON ``Configuration`` -> a dict (``{}`` when unset), so that equal JSON compares equal
    whatever its formatting."""
    if not configuration:
        return {}
    try:
        return json.loads(configuration)
    except ValueError:
        return {"_unparsed": configuration}


def normalize_crawler(crawler, arn, partition, account_id):
    """GetCrawler's ``Crawler`` -> the module's shape, with AWS's defaults filled in so that a setting the user
    left unset and the default AWS reports for it are the same value. Run state and timestamps are left out."""
    schema = crawler.get("SchemaChangePolicy") or {}
    lake_formation = crawler.get("LakeFormationConfiguration") or {}
    return {
        "name": crawler["Name"],
        "arn": arn,
        "role": role_arn(crawler.get("Role"), partition, account_id),
        "database": (crawler.get("DatabaseName") or "").lower(),
        "description": crawler.get("Description") or "",
        "targets": normalize_targets(crawler.get("Targets")),
        "schedule": normalize_schedule((crawler.get("Schedule") or {}).get("ScheduleExpression") or ""),
        "table_prefix": crawler.get("TablePrefix") or "",
        "schema_change_policy": {
            "update_behavior": schema.get("UpdateBehavior") or DEFAULT_SCHEMA_CHANGE_POLICY["update_behavior"],
            "delete_behavior": schema.get("DeleteBehavior") or DEFAULT_SCHEMA_CHANGE_POLICY["delete_behavior"],
        },
        "recrawl_policy": {
            "recrawl_behavior": (crawler.get("RecrawlPolicy") or {}).get("RecrawlBehavior") or DEFAULT_RECRAWL_BEHAVIOR
        },
        "lake_formation_configuration": {
            "use_lake_formation_credentials": bool(lake_formation.get("UseLakeFormationCredentials", False)),
            "account_id": lake_formation.get("AccountId") or "",
        },
        "configuration": normalize_configuration(crawler.get("Configuration")),
    }


def crawler_to_api(state):
    """The normalized crawler settings present in ``state`` -> CreateCrawler/UpdateCrawler parameters."""
    api = {}
    for key, api_key in CRAWLER_DEFINITION_KEYS.items():
        if key not in state:
            continue
        value = state[key]
        if key == "targets":
            value = targets_to_api(value)
        elif key == "schema_change_policy":
            value = {"UpdateBehavior": value["update_behavior"], "DeleteBehavior": value["delete_behavior"]}
        elif key == "recrawl_policy":
            value = {"RecrawlBehavior": value["recrawl_behavior"]}
        elif key == "lake_formation_configuration":
            value = {"UseLakeFormationCredentials": value["use_lake_formation_credentials"]}
            if state[key]["account_id"]:
                value["AccountId"] = state[key]["account_id"]
        elif key == "configuration":
            value = json.dumps(value, sort_keys=True) if value else ""
        api[api_key] = value
    return api


def _running_crawler_error(name, action, error):
    return DeltaLakeAWSError(
        message=f"Glue crawler {name} is running and cannot be {action} until its crawl ends; run the task again then"
        " (or stop the crawl first)",
        exception=error,
    )


@GlueErrorHandler.common_error_handler("create Glue crawler")
def create_crawler(client, name, state, schedule=None, tags=None):
    params = {"Name": name, **crawler_to_api(state)}
    if params.get("Configuration") == "":
        del params["Configuration"]
    if schedule:
        params["Schedule"] = schedule
    if tags:
        params["Tags"] = tags
    client.create_crawler(aws_retry=True, **params)


@GlueErrorHandler.common_error_handler("update Glue crawler")
def update_crawler(client, name, state):
    """UpdateCrawler with the settings in ``state`` (only those this run manages); Glue refuses while it runs."""
    try:
        client.update_crawler(Name=name, aws_retry=True, **crawler_to_api(state))
    except is_boto3_error_code("CrawlerRunningException") as e:
        raise _running_crawler_error(name, "updated", e) from e


@GlueErrorHandler.common_error_handler("update Glue crawler schedule")
def update_crawler_schedule(client, name, schedule):
    """UpdateCrawlerSchedule; ``""`` removes the schedule, so that the crawler runs on demand only."""
    client.update_crawler_schedule(CrawlerName=name, Schedule=schedule or "", aws_retry=True)


@GlueErrorHandler.deletion_error_handler("delete Glue crawler")
def delete_crawler(client, name):
    try:
        client.delete_crawler(Name=name, aws_retry=True)
    except is_boto3_error_code("CrawlerRunningException") as e:
        raise _running_crawler_error(name, "deleted", e) from e
    return True
