# -*- coding: utf-8 -*-

# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Lake Formation calls and shapes for deltalake.aws modules.

- Identity: the caller (STS GetCallerIdentity, an assumed-role session mapped to its role) and principals written
  short (``role/analyst``) or as ARNs, compared ignoring IAM paths where AWS loses them.
- Data lake settings: read, normalize and write the whole ``DataLakeSettings`` object (PutDataLakeSettings
  replaces it, so fields this collection does not manage are written back as read).
- Grants: one canonical, hashable key per Lake Formation resource (a table granted as ``Table`` and as
  ``TableWithColumns`` with an all-columns wildcard is the same key), readable names for the diff
  (``role/analyst: SELECT on sales.orders``), paginated ListPermissions per resource, and BatchGrantPermissions /
  BatchRevokePermissions in chunks of 20 entries (the API reference's limit per call).
- Registered locations and LF-tags: read and write helpers.

Every call passes ``aws_retry=True``; botocore errors become DeltaLakeAWSError.
"""

import re

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler

from ansible_collections.deltalake.aws.plugins.module_utils.base import DeltaLakeAWSError
from ansible_collections.deltalake.aws.plugins.module_utils.validators import parse_arn

IAM_ALLOWED_PRINCIPALS = "IAM_ALLOWED_PRINCIPALS"
BATCH_SIZE = 20  # BatchGrantPermissions / BatchRevokePermissions: "a list of up to 20 entries"
LIST_PAGE_SIZE = 1000  # ListPermissions MaxResults maximum
SERVICE_LINKED_ROLE_PATH = "role/aws-service-role/lakeformation.amazonaws.com/AWSServiceRoleForLakeFormationDataAccess"

PERMISSIONS = [
    "ALL",
    "SELECT",
    "ALTER",
    "DROP",
    "DELETE",
    "INSERT",
    "DESCRIBE",
    "CREATE_DATABASE",
    "CREATE_TABLE",
    "DATA_LOCATION_ACCESS",
    "CREATE_LF_TAG",
    "ASSOCIATE",
    "GRANT_WITH_LF_TAG_EXPRESSION",
    "CREATE_LF_TAG_EXPRESSION",
    "CREATE_CATALOG",
    "SUPER_USER",
]
# What each kind of resource can be granted (Lake Formation permissions reference,
# https://docs.aws.amazon.com/lake-formation/latest/dg/lf-permissions-reference.html).
TABLE_PERMISSIONS = ["ALL", "ALTER", "DELETE", "DESCRIBE", "DROP", "INSERT", "SELECT"]
DATABASE_PERMISSIONS = ["ALL", "ALTER", "CREATE_TABLE", "DESCRIBE", "DROP"]
ALLOWED_PERMISSIONS = {
    "catalog": [
        "ALL",
        "ALTER",
        "CREATE_CATALOG",
        "CREATE_DATABASE",
        "CREATE_LF_TAG",
        "CREATE_LF_TAG_EXPRESSION",
        "DESCRIBE",
        "DROP",
        "SUPER_USER",
    ],
    "database": DATABASE_PERMISSIONS,
    "table": TABLE_PERMISSIONS,
    "columns": ["SELECT"],
    "data_location": ["DATA_LOCATION_ACCESS"],
    "lf_tag": ["ASSOCIATE", "DESCRIBE", "GRANT_WITH_LF_TAG_EXPRESSION", "ALTER", "DROP"],
    "lf_tag_policy:DATABASE": DATABASE_PERMISSIONS,
    "lf_tag_policy:TABLE": TABLE_PERMISSIONS,
}
# AWS: letters, numbers, separators (\p{Z}: spaces, not tabs or line breaks) and _.:/=+-@% (values also *).
_LF_TAG_SPACES = "\u0020\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
LF_TAG_KEY_RE = re.compile(rf"^[\w{_LF_TAG_SPACES}.:/=+\-@%]{{1,128}}\Z", re.UNICODE)
LF_TAG_VALUE_RE = re.compile(rf"^[\w{_LF_TAG_SPACES}.:*/=+\-@%]{{0,256}}\Z", re.UNICODE)
SHORT_PRINCIPAL_RE = re.compile(r"^(role|user)/[\w+=,.@/-]{1,512}$")


class LakeFormationErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = DeltaLakeAWSError

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code("EntityNotFoundException")


# ---------------------------------------------------------------------------------------------------- identity


@LakeFormationErrorHandler.common_error_handler("get the caller identity")
def get_caller_identity(sts_client):
    """{account, arn, principal}: ``principal`` is the IAM identity Lake Formation knows the caller as (an
    assumed-role session ``arn:aws:sts::1:assumed-role/name/session`` is role ``arn:aws:iam::1:role/name``)."""
    identity = sts_client.get_caller_identity(aws_retry=True)
    return {"account": identity["Account"], "arn": identity["Arn"], "principal": caller_principal(identity["Arn"])}


def caller_principal(arn):
    parts = parse_arn(arn)
    if parts and parts["service"] == "sts" and parts["resource"].startswith("assumed-role/"):
        role = parts["resource"].split("/")[1]
        return f"arn:{parts['partition']}:iam::{parts['account']}:role/{role}"
    if parts and parts["service"] == "sts" and parts["resource"].startswith("user/"):
        # the emulator names an IAM user arn:aws:sts::...:user/NAME; AWS answers with the iam ARN
        return f"arn:{parts['partition']}:iam::{parts['account']}:{parts['resource']}"
    return arn


def identity_key(principal):
    """What identifies an IAM user or role whatever the path written: (account, kind, name). The session ARN of
    an assumed role carries no path, so ``role/team/analyst`` and ``role/analyst`` of one account are the same
    role here (IAM role names are unique in an account, paths aside)."""
    parts = parse_arn(caller_principal(principal))
    if not parts or parts["service"] != "iam":
        return (principal,)
    kind, rest = (parts["resource"].split("/", 1) + [""])[:2]
    return (parts["account"], kind, rest.rsplit("/", 1)[-1])


def expand_principal(value, account, partition):
    """``role/analyst`` -> ``arn:aws:iam::<account>:role/analyst``; ARNs, account ids and
    IAM_ALLOWED_PRINCIPALS are kept as written."""
    if SHORT_PRINCIPAL_RE.match(value):
        return f"arn:{partition}:iam::{account}:{value}"
    return value


def short_principal(value, account):
    """The readable form: principals of the caller's own account without their ARN prefix."""
    parts = parse_arn(value)
    if parts and parts["service"] == "iam" and parts["account"] == account:
        return parts["resource"]
    return value


def validate_principal(value, field):
    if not isinstance(value, str) or not value:
        return [
            f"{field}: must be a principal (role/NAME, user/NAME, an ARN, a 12-digit account or IAM_ALLOWED_PRINCIPALS)"
        ]
    if value == IAM_ALLOWED_PRINCIPALS or re.fullmatch(r"\d{12}", value) or SHORT_PRINCIPAL_RE.match(value):
        return []
    parts = parse_arn(value)
    if (
        parts
        and parts["resource"]
        and (parts["service"] in ("iam", "organizations", "quicksight", "identitystore", "sso"))
    ):
        return []
    return [
        f"{field}: {value!r} is not a principal: use role/NAME, user/NAME, an IAM/Organizations/QuickSight ARN,"
        " a 12-digit account id or IAM_ALLOWED_PRINCIPALS"
    ]


def validate_lf_tag(key, values, field):
    errors = []
    if not isinstance(key, str) or not LF_TAG_KEY_RE.match(key):
        errors.append(f"{field}.key: {key!r} must be 1 to 128 letters, digits, spaces or _ . : / = + - @ %")
    if values is not None:
        if not 1 <= len(values) <= 50:
            errors.append(f"{field}.values: {len(values)} values given, an LF-tag has 1 to 50")
        for value in values:
            if not isinstance(value, str) or not value or not LF_TAG_VALUE_RE.match(value):
                errors.append(
                    f"{field}.values: {value!r} must be 1 to 256 letters, digits, spaces or _ . : * / = + - @ %"
                )
    return errors


# ---------------------------------------------------------------------------------------------------- settings


@LakeFormationErrorHandler.common_error_handler("get data lake settings")
def get_data_lake_settings(client, catalog_id=None):
    params = {"CatalogId": catalog_id} if catalog_id else {}
    return client.get_data_lake_settings(aws_retry=True, **params).get("DataLakeSettings", {})


@LakeFormationErrorHandler.common_error_handler("put data lake settings")
def put_data_lake_settings(client, settings, catalog_id=None):
    params = {"CatalogId": catalog_id} if catalog_id else {}
    client.put_data_lake_settings(DataLakeSettings=settings, aws_retry=True, **params)


def principals(entries):
    return sorted({entry["DataLakePrincipalIdentifier"] for entry in entries or []})


def normalize_default_permissions(entries):
    """CreateDatabase/TableDefaultPermissions -> [{principal, permissions}] sorted (permissions sorted)."""
    merged = {}
    for entry in entries or []:
        principal = entry["Principal"]["DataLakePrincipalIdentifier"]
        merged.setdefault(principal, set()).update(entry.get("Permissions", []))
    return [{"principal": p, "permissions": sorted(merged[p])} for p in sorted(merged)]


def default_permissions_to_api(entries):
    return [
        {"Principal": {"DataLakePrincipalIdentifier": e["principal"]}, "Permissions": list(e["permissions"])}
        for e in entries
    ]


def normalize_settings(raw):
    return {
        "admins": principals(raw.get("DataLakeAdmins")),
        "read_only_admins": principals(raw.get("ReadOnlyAdmins")),
        "create_database_default_permissions": normalize_default_permissions(
            raw.get("CreateDatabaseDefaultPermissions")
        ),
        "create_table_default_permissions": normalize_default_permissions(raw.get("CreateTableDefaultPermissions")),
        "trusted_resource_owners": sorted(raw.get("TrustedResourceOwners") or []),
        "allow_external_data_filtering": bool(raw.get("AllowExternalDataFiltering", False)),
        "parameters": dict(raw.get("Parameters") or {}),
    }


def settings_to_api(raw, settings):
    """The whole DataLakeSettings to write: ``raw`` (as read) with the managed fields of ``settings``."""
    api = dict(raw)
    api["DataLakeAdmins"] = [{"DataLakePrincipalIdentifier": p} for p in settings["admins"]]
    api["ReadOnlyAdmins"] = [{"DataLakePrincipalIdentifier": p} for p in settings["read_only_admins"]]
    api["CreateDatabaseDefaultPermissions"] = default_permissions_to_api(
        settings["create_database_default_permissions"]
    )
    api["CreateTableDefaultPermissions"] = default_permissions_to_api(settings["create_table_default_permissions"])
    api["TrustedResourceOwners"] = list(settings["trusted_resource_owners"])
    api["AllowExternalDataFiltering"] = settings["allow_external_data_filtering"]
    if settings["parameters"] or "Parameters" in raw:
        api["Parameters"] = dict(settings["parameters"])
    return api


def allows_iam_principals(default_permissions):
    return any(e["principal"] == IAM_ALLOWED_PRINCIPALS for e in default_permissions or [])


# ---------------------------------------------------------------------------------------------------- resources


def s3_arn(location, partition="aws"):
    """``s3://bucket/prefix/`` or an S3 ARN -> ``arn:<partition>:s3:::bucket/prefix`` (no trailing slash)."""
    if location.startswith("s3://"):
        location = f"arn:{partition}:s3:::{location[5:]}"
    return location.rstrip("/")


def s3_url(arn):
    parts = parse_arn(arn)
    return f"s3://{parts['resource']}" if parts and parts["service"] == "s3" else arn


def _catalog(value, account):
    return None if value in (None, "", account) else value


def resource_key(resource, account):
    """The canonical, hashable key of an API ``Resource`` (as ListPermissions returns it or as sent)."""
    if "Catalog" in resource:
        return ("catalog", _catalog((resource["Catalog"] or {}).get("Id"), account))
    if "Database" in resource:
        db = resource["Database"]
        return ("database", _catalog(db.get("CatalogId"), account), db["Name"])
    if "Table" in resource:
        table = resource["Table"]
        name = "*" if "TableWildcard" in table else table["Name"]
        return ("table", _catalog(table.get("CatalogId"), account), table["DatabaseName"], name, None, ())
    if "TableWithColumns" in resource:
        table = resource["TableWithColumns"]
        columns, mode = (), None
        if table.get("ColumnNames"):
            columns, mode = tuple(sorted(table["ColumnNames"])), "include"
        elif (table.get("ColumnWildcard") or {}).get("ExcludedColumnNames"):
            columns, mode = tuple(sorted(table["ColumnWildcard"]["ExcludedColumnNames"])), "exclude"
        return ("table", _catalog(table.get("CatalogId"), account), table["DatabaseName"], table["Name"], mode, columns)
    if "DataLocation" in resource:
        location = resource["DataLocation"]
        return ("data_location", _catalog(location.get("CatalogId"), account), location["ResourceArn"].rstrip("/"))
    if "LFTag" in resource:
        tag = resource["LFTag"]
        return ("lf_tag", _catalog(tag.get("CatalogId"), account), tag["TagKey"], tuple(sorted(tag["TagValues"])))
    if "LFTagPolicy" in resource:
        policy = resource["LFTagPolicy"]
        expression = tuple(sorted((e["TagKey"], tuple(sorted(e["TagValues"]))) for e in policy.get("Expression", [])))
        return ("lf_tag_policy", _catalog(policy.get("CatalogId"), account), policy["ResourceType"], expression)
    return ("other", repr(sorted(resource)))


def key_to_api(key):
    """The API ``Resource`` that grants on ``key``."""
    kind, catalog = key[0], key[1]
    with_catalog = {"CatalogId": catalog} if catalog else {}
    if kind == "catalog":
        return {"Catalog": {"Id": catalog} if catalog else {}}
    if kind == "database":
        return {"Database": dict(with_catalog, Name=key[2])}
    if kind == "table":
        database, name, mode, columns = key[2:]
        if name == "*":
            return {"Table": dict(with_catalog, DatabaseName=database, TableWildcard={})}
        if mode is None:
            return {"Table": dict(with_catalog, DatabaseName=database, Name=name)}
        table = dict(with_catalog, DatabaseName=database, Name=name)
        if mode == "include":
            table["ColumnNames"] = list(columns)
        else:
            table["ColumnWildcard"] = {"ExcludedColumnNames": list(columns)}
        return {"TableWithColumns": table}
    if kind == "data_location":
        return {"DataLocation": dict(with_catalog, ResourceArn=key[2])}
    if kind == "lf_tag":
        return {"LFTag": dict(with_catalog, TagKey=key[2], TagValues=list(key[3]))}
    if kind == "lf_tag_policy":
        expression = [{"TagKey": k, "TagValues": list(v)} for k, v in key[3]]
        return {"LFTagPolicy": dict(with_catalog, ResourceType=key[2], Expression=expression)}
    raise ValueError(f"no API form for resource {key!r}")


def read_scope(key):
    """The ListPermissions ``Resource`` filter that returns every grant on ``key``: a table's filter covers its
    column-level grants, so all keys of one table share one read."""
    if key[0] == "table" and key[3] != "*":
        catalog = {"CatalogId": key[1]} if key[1] else {}
        return ("table", key[1], key[2], key[3], None, ()), {"Table": dict(catalog, DatabaseName=key[2], Name=key[3])}
    return key, key_to_api(key)


def describe_key(key):
    """A resource as people write it: catalog, database sales, sales.orders, sales.* ..."""
    kind, catalog = key[0], key[1]
    prefix = f"{catalog}:" if catalog else ""
    if kind == "catalog":
        return f"catalog {catalog}" if catalog else "catalog"
    if kind == "database":
        return f"database {prefix}{key[2]}"
    if kind == "table":
        database, name, mode, columns = key[2:]
        text = f"{prefix}{database}.{name}"
        if mode == "include":
            text += f" ({', '.join(columns)})"
        elif mode == "exclude":
            text += f" (all columns except {', '.join(columns)})"
        return text
    if kind == "data_location":
        return f"{prefix}{s3_url(key[2])}"
    if kind == "lf_tag":
        return f"LF-tag {prefix}{key[2]}={','.join(key[3])}"
    if kind == "lf_tag_policy":
        expression = " and ".join(f"{k}={','.join(v)}" for k, v in key[3])
        return f"{prefix}{key[2].lower()}s with {expression}"
    return str(key)


def describe_grant(principal, permission, grantable, key, account):
    suffix = " with grant option" if grantable else ""
    return f"{short_principal(principal, account)}: {permission}{suffix} on {describe_key(key)}"


# ---------------------------------------------------------------------------------------------------- grants


@LakeFormationErrorHandler.common_error_handler("list Lake Formation permissions")
def list_permissions(client, resource=None, catalog_id=None, resource_type=None):
    """Every grant on ``resource`` (all of the catalog when None), following NextToken (botocore has no
    paginator for ListPermissions). Each page is one retried call. No grants on a resource that does not exist."""
    params = {"MaxResults": LIST_PAGE_SIZE}
    if resource is not None:
        params["Resource"] = resource
    if resource_type is not None:
        params["ResourceType"] = resource_type
    if catalog_id:
        params["CatalogId"] = catalog_id
    grants = []
    while True:
        try:
            page = client.list_permissions(aws_retry=True, **params)
        except is_boto3_error_code("EntityNotFoundException"):
            # the database or table does not exist (yet: an earlier task of a check-mode run creates it), so no
            # grant on it exists either
            return grants
        grants.extend(page.get("PrincipalResourcePermissions", []))
        token = page.get("NextToken")
        if not token or token == params.get("NextToken"):
            return grants
        params["NextToken"] = token


def _batch(client, operation, entries, catalog_id, describe):
    method = getattr(client, operation)
    for start in range(0, len(entries), BATCH_SIZE):
        chunk = [dict(entry, Id=str(start + index)) for index, entry in enumerate(entries[start : start + BATCH_SIZE])]
        params = {"CatalogId": catalog_id} if catalog_id else {}
        failures = method(Entries=chunk, aws_retry=True, **params).get("Failures", [])
        if failures:
            details = []
            for failure in failures[:5]:
                error = failure.get("Error", {})
                details.append(
                    f"{describe(failure.get('RequestEntry', {}))}: {error.get('ErrorCode')} {error.get('ErrorMessage')}"
                )
            verb = "grant" if operation == "batch_grant_permissions" else "revoke"
            raise DeltaLakeAWSError(
                message=f"Failed to {verb} {len(failures)} of {len(chunk)} permission entries ({'; '.join(details)});"
                " the entries before them were applied, and a re-run converges from there"
            )


@LakeFormationErrorHandler.common_error_handler("grant Lake Formation permissions")
def batch_grant(client, entries, catalog_id=None, describe=str):
    """Grant ``entries`` ({Principal, Resource, Permissions, PermissionsWithGrantOption}), 20 per call."""
    _batch(client, "batch_grant_permissions", entries, catalog_id, describe)


@LakeFormationErrorHandler.common_error_handler("revoke Lake Formation permissions")
def batch_revoke(client, entries, catalog_id=None, describe=str):
    _batch(client, "batch_revoke_permissions", entries, catalog_id, describe)


# ---------------------------------------------------------------------------------------------------- locations


def normalize_registered_resource(info, account=None, partition="aws"):
    role = info.get("RoleArn")
    return {
        "resource_arn": info["ResourceArn"],
        "role_arn": role,
        "use_service_linked_role": bool(role and role.endswith(SERVICE_LINKED_ROLE_PATH)),
        "hybrid_access_enabled": bool(info.get("HybridAccessEnabled", False)),
        "with_federation": bool(info.get("WithFederation", False)),
    }


def service_linked_role_arn(account, partition="aws"):
    return f"arn:{partition}:iam::{account}:{SERVICE_LINKED_ROLE_PATH}"


@LakeFormationErrorHandler.list_error_handler("describe registered location")
def describe_resource(client, arn):
    return client.describe_resource(ResourceArn=arn, aws_retry=True)["ResourceInfo"]


@LakeFormationErrorHandler.common_error_handler("register location")
def register_resource(client, arn, settings):
    params = {
        "ResourceArn": arn,
        "HybridAccessEnabled": settings["hybrid_access_enabled"],
        "WithFederation": settings["with_federation"],
    }
    if settings["use_service_linked_role"]:
        params["UseServiceLinkedRole"] = True
    else:
        params["RoleArn"] = settings["role_arn"]
    client.register_resource(aws_retry=True, **params)


@LakeFormationErrorHandler.common_error_handler("update registered location")
def update_resource(client, arn, settings):
    client.update_resource(
        ResourceArn=arn,
        RoleArn=settings["role_arn"],
        aws_retry=True,
        HybridAccessEnabled=settings["hybrid_access_enabled"],
        WithFederation=settings["with_federation"],
    )


@LakeFormationErrorHandler.deletion_error_handler("deregister location")
def deregister_resource(client, arn):
    client.deregister_resource(ResourceArn=arn, aws_retry=True)
    return True


# ---------------------------------------------------------------------------------------------------- LF-tags


@LakeFormationErrorHandler.list_error_handler("get LF-tag")
def get_lf_tag(client, key, catalog_id=None):
    """The LF-tag's values sorted, or None when no such key exists (an answer without values, as the emulator
    gives for a missing key, counts as missing: AWS LF-tags always have at least one value)."""
    params = {"CatalogId": catalog_id} if catalog_id else {}
    values = client.get_lf_tag(TagKey=key, aws_retry=True, **params).get("TagValues")
    return sorted(values) if values else None


@LakeFormationErrorHandler.common_error_handler("create LF-tag")
def create_lf_tag(client, key, values, catalog_id=None):
    params = {"CatalogId": catalog_id} if catalog_id else {}
    client.create_lf_tag(TagKey=key, TagValues=list(values), aws_retry=True, **params)


@LakeFormationErrorHandler.common_error_handler("update LF-tag values")
def update_lf_tag(client, key, add, delete, catalog_id=None):
    params = {"CatalogId": catalog_id} if catalog_id else {}
    if add:
        params["TagValuesToAdd"] = list(add)
    if delete:
        params["TagValuesToDelete"] = list(delete)
    client.update_lf_tag(TagKey=key, aws_retry=True, **params)


@LakeFormationErrorHandler.deletion_error_handler("delete LF-tag")
def delete_lf_tag(client, key, catalog_id=None):
    params = {"CatalogId": catalog_id} if catalog_id else {}
    client.delete_lf_tag(TagKey=key, aws_retry=True, **params)
    return True


@LakeFormationErrorHandler.common_error_handler("get LF-tags of a resource")
def get_resource_lf_tags(client, resource, catalog_id=None):
    """{"database": {key: [values]}, "table": {...}, "columns": {column: {key: [values]}}} of the tags assigned
    to the resource itself (not inherited). A resource without LF-tags has none (EntityNotFound too: the table
    or database may be created later in the same run)."""
    params = {"CatalogId": catalog_id} if catalog_id else {}
    try:
        response = client.get_resource_lf_tags(Resource=resource, ShowAssignedLFTags=True, aws_retry=True, **params)
    except is_boto3_error_code("EntityNotFoundException"):
        response = {}

    def as_dict(pairs):
        return {pair["TagKey"]: sorted(pair["TagValues"]) for pair in pairs or []}

    return {
        "database": as_dict(response.get("LFTagOnDatabase")),
        "table": as_dict(response.get("LFTagsOnTable")),
        "columns": {c["Name"]: as_dict(c.get("LFTags")) for c in response.get("LFTagsOnColumns") or []},
    }


@LakeFormationErrorHandler.common_error_handler("assign LF-tags")
def add_lf_tags(client, resource, tags, catalog_id=None):
    params = {"CatalogId": catalog_id} if catalog_id else {}
    pairs = [{"TagKey": k, "TagValues": list(v)} for k, v in tags.items()]
    failures = client.add_lf_tags_to_resource(Resource=resource, LFTags=pairs, aws_retry=True, **params).get("Failures")
    if failures:
        error = failures[0].get("Error", {})
        raise DeltaLakeAWSError(
            message=f"Failed to assign LF-tags: {error.get('ErrorCode')} {error.get('ErrorMessage')}"
        )


@LakeFormationErrorHandler.common_error_handler("remove LF-tags")
def remove_lf_tags(client, resource, tags, catalog_id=None):
    params = {"CatalogId": catalog_id} if catalog_id else {}
    pairs = [{"TagKey": k, "TagValues": list(v)} for k, v in tags.items()]
    failures = client.remove_lf_tags_from_resource(Resource=resource, LFTags=pairs, aws_retry=True, **params).get(
        "Failures"
    )
    if failures:
        error = failures[0].get("Error", {})
        raise DeltaLakeAWSError(
            message=f"Failed to remove LF-tags: {error.get('ErrorCode')} {error.get('ErrorMessage')}"
        )
