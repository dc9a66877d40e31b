# -*- coding: utf-8 -*-

# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Least-privilege IAM roles of a data lake, generated from the lake's settings (controller side).

``lake_roles(settings, account_id)`` returns, for each role the lake's settings enable, what
M(deltalake.aws.iam_role) needs: name, path, predicted ARN, description, trust policy and one inline policy.
The settings use the names of the lake configuration (docs/lake-configuration.md); see docs/security-model.md
for what each role may do and why.

Rules every generated policy follows (and the unit tests check, with parliament):
- no ``Resource: "*"`` on an S3, Glue or KMS action (``find_wildcard_data_access``);
- object actions on the prefixes the role needs only, listing restricted to them by ``s3:prefix``;
- Glue catalog actions on the lake's database and its tables only (plus the catalog, which Glue requires);
- KMS use of the lake key only, and only through S3 (``kms:ViaService``).
"""

import re

from ansible_collections.deltalake.aws.plugins.module_utils.validators import ACCOUNT_RE
from ansible_collections.deltalake.aws.plugins.module_utils.validators import REGION_RE
from ansible_collections.deltalake.aws.plugins.module_utils.validators import parse_arn
from ansible_collections.deltalake.aws.plugins.module_utils.validators import partition_for_region
from ansible_collections.deltalake.aws.plugins.module_utils.validators import validate_arn
from ansible_collections.deltalake.aws.plugins.module_utils.validators import validate_bucket_name
from ansible_collections.deltalake.aws.plugins.module_utils.validators import validate_glue_name
from ansible_collections.deltalake.aws.plugins.module_utils.validators import validate_s3_prefix

LAKE_NAME_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$")
KEY_ID_RE = re.compile(r"^key/(?:mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$")
ROLE_KINDS = ("firehose", "crawler", "processing", "lakeformation")
PROCESSING_ENGINES = ("glue", "emr", "emr_serverless", "databricks")
ENGINE_SERVICES = {
    "glue": "glue.amazonaws.com",
    "emr": "ec2.amazonaws.com",  # the EMR on EC2 instance profile role reads and writes the data
    "emr_serverless": "emr-serverless.amazonaws.com",
}
# Databricks' Unity Catalog master role, which assumes storage-credential roles
# (https://docs.databricks.com/en/connect/unity-catalog/cloud-storage/storage-credentials.html).
DATABRICKS_UC_MASTER_ROLE = "arn:aws:iam::414351767826:role/unity-catalog-prod-UCMasterRole-14S5ZJVKOTYTL"

# Data actions: the services whose actions must never apply to Resource "*".
DATA_SERVICES = ("s3", "glue", "kms")

GLUE_READ = [
    "glue:BatchGetPartition",
    "glue:GetDatabase",
    "glue:GetPartition",
    "glue:GetPartitions",
    "glue:GetTable",
    "glue:GetTableVersion",
    "glue:GetTableVersions",
    "glue:GetTables",
]
GLUE_WRITE = [
    "glue:BatchCreatePartition",
    "glue:BatchDeletePartition",
    "glue:BatchDeleteTable",
    "glue:BatchUpdatePartition",
    "glue:CreatePartition",
    "glue:CreateTable",
    "glue:DeletePartition",
    "glue:DeleteTable",
    "glue:UpdatePartition",
    "glue:UpdateTable",
]
FIREHOSE_FORMAT_CONVERSION_GLUE = ["glue:GetTable", "glue:GetTableVersion", "glue:GetTableVersions"]


class LakePolicyError(ValueError):
    """The lake's settings cannot produce a policy; the message names the setting and the rule."""


def _dns_suffix(partition):
    return "amazonaws.com.cn" if partition == "aws-cn" else "amazonaws.com"


def _one_or_list(values):
    values = list(dict.fromkeys(values))
    return values[0] if len(values) == 1 else values


def _statement(sid, actions, resources, condition=None):
    statement = {"Sid": sid, "Effect": "Allow", "Action": sorted(set(actions)), "Resource": _one_or_list(resources)}
    if condition:
        statement["Condition"] = condition
    return statement


def _policy(statements):
    return {"Version": "2012-10-17", "Statement": statements}


# ---------------------------------------------------------------------------------------------------- settings


class Lake:
    """The lake's settings, validated, with the defaults of docs/lake-configuration.md filled in."""

    def __init__(self, settings, account_id=None, allow_unresolved=False):
        if not isinstance(settings, dict):
            raise LakePolicyError(f"the lake settings must be a dict of lake variables, not {type(settings).__name__}")
        self.settings = settings
        self.errors = []
        get = self.get
        self.name = get("datalake_name")
        if not isinstance(self.name, str) or not LAKE_NAME_RE.match(self.name):
            self.errors.append(f"datalake_name: {self.name!r} must be 1 to 40 lowercase letters, digits and hyphens,"
                               " starting and ending with a letter or digit")
            self.name = "lake"
        self.region = get("datalake_region", "us-east-1")
        if not isinstance(self.region, str) or not REGION_RE.match(self.region):
            self.errors.append(f"datalake_region: {self.region!r} is not an AWS region name such as us-east-1")
            self.region = "us-east-1"
        self.account_id = str(account_id if account_id is not None else get("datalake_account_id", ""))
        if not ACCOUNT_RE.match(self.account_id):
            self.errors.append(f"account_id: {self.account_id!r} must be the 12-digit account of the lake")
        self.partition = partition_for_region(self.region)
        self.bucket = get("storage_data_bucket", f"{self.name}-data")
        self.errors += validate_bucket_name(self.bucket, "storage_data_bucket")
        self.database = get("catalog_database", self.name.replace("-", "_"))
        self.errors += validate_glue_name(self.database, "catalog_database")
        self.path = get("iam_role_path", "/")
        if not isinstance(self.path, str) or not re.match(r"^/(?:[\x21-\x7e]+/)*$", self.path):
            self.errors.append(f"iam_role_path: {self.path!r} must begin and end with '/'")
        self.unresolved = []
        self.key_arn = None
        if get("encryption_enabled", False):
            self.key_arn = get("encryption_key_arn")
            if self.key_arn is None and allow_unresolved:
                # Check mode before the key exists: its id is not known yet. Any key of the lake's account and
                # region, used through S3 only; a real run (allow_unresolved false) needs the ARN.
                self.unresolved.append("encryption_key_arn")
                self.key_arn = f"arn:{self.partition}:kms:{self.region}:{self.account_id}:key/*"
            elif self.key_arn is None:
                self.errors.append("encryption_key_arn: is required when encryption_enabled is true (the key ARN,"
                                   " e.g. key.key_arn from deltalake.aws.kms_key)")
            else:
                self._check_key_arn()

    def get(self, key, default=None):
        value = self.settings.get(key)
        return default if value is None or value == "" else value

    def _check_key_arn(self):
        errors = validate_arn(self.key_arn, "encryption_key_arn", service="kms", region_required=True,
                              account_required=True)
        if not errors and not KEY_ID_RE.match(parse_arn(self.key_arn)["resource"]):
            errors.append(f"encryption_key_arn: {self.key_arn!r} must be a key ARN (…:key/<key id>); an alias"
                          " cannot authorize the use of a key in an IAM policy")
        self.errors += errors

    def prefixes(self, key, default):
        values = self.get(key, default)
        if isinstance(values, str) or not isinstance(values, list):
            values = [values]
        for index, prefix in enumerate(values):
            self.errors += validate_s3_prefix(prefix, f"{key}[{index}]")
        return list(dict.fromkeys(v for v in values if isinstance(v, str)))

    def check(self):
        if self.errors:
            raise LakePolicyError("; ".join(self.errors))

    # ------------------------------------------------------------------------------------------------ ARNs

    @property
    def bucket_arn(self):
        return f"arn:{self.partition}:s3:::{self.bucket}"

    def objects_arn(self, prefix):
        return f"{self.bucket_arn}/{prefix}*"

    def glue_arn(self, resource):
        return f"arn:{self.partition}:glue:{self.region}:{self.account_id}:{resource}"

    def logs_arn(self, resource):
        return f"arn:{self.partition}:logs:{self.region}:{self.account_id}:{resource}"

    def role_arn(self, name):
        return f"arn:{self.partition}:iam::{self.account_id}:role{self.path}{name}"

    def catalog_resources(self, database=None, tables="*"):
        """The catalog (Glue requires it on every catalog call), one database and its tables."""
        database = database or self.database
        return [self.glue_arn("catalog"), self.glue_arn(f"database/{database}"),
                self.glue_arn(f"table/{database}/{tables}")]

    # ------------------------------------------------------------------------------------------------ statements

    def list_statement(self, sid, prefixes):
        """ListBucket on the bucket, restricted to the prefixes (and the keys under them)."""
        patterns = [f"{prefix}*" for prefix in prefixes]  # "raw/*" matches "raw/" itself too
        return _statement(sid, ["s3:ListBucket"], [self.bucket_arn], {"StringLike": {"s3:prefix": _one_or_list(patterns)}})

    def kms_statement(self, actions):
        """Use of the lake key, only by S3 on the role's behalf."""
        if not self.key_arn:
            return []
        via = f"s3.{self.region}.{_dns_suffix(self.partition)}"
        return [_statement("LakeKeyThroughS3", actions, [self.key_arn], {"StringEquals": {"kms:ViaService": via}})]

    def lakeformation_statement(self):
        """Lake Formation vends the data credentials of governed tables; GetDataAccess has no resource type."""
        if not self.get("governance_enabled", False):
            return []
        return [_statement("LakeFormationDataAccess", ["lakeformation:GetDataAccess"], ["*"])]

    def spec(self, kind, name, description, trust, statements):
        return {
            "kind": kind,
            "name": name,
            "path": self.path,
            "arn": self.role_arn(name),
            "description": description,
            "assume_role_policy": trust,
            "inline_policies": {f"deltalake-{kind}": _policy(statements)},
            "unresolved": list(self.unresolved),
        }


def _service_trust(services, condition=None):
    statement = {"Effect": "Allow", "Principal": {"Service": _one_or_list(sorted(services))}, "Action": "sts:AssumeRole"}
    if condition:
        statement["Condition"] = condition
    return _policy([statement])


# ---------------------------------------------------------------------------------------------------- roles


def firehose_role(lake):
    """Writes what Firehose delivers into ``raw/`` and nothing else."""
    stream = lake.get("ingest_stream_name", f"{lake.name}-ingest")
    prefix = lake.prefixes("ingest_prefix", "raw/")[:1] or ["raw/"]
    error_prefix = lake.get("ingest_error_output_prefix")
    if error_prefix is not None:
        static = re.split(r"!\{", str(error_prefix), maxsplit=1)[0]
        if not static.startswith(prefix[0]):
            lake.errors.append(f"ingest_error_output_prefix: {error_prefix!r} must be under {prefix[0]!r}; the Firehose"
                               f" role may write under {prefix[0]!r} only")
    statements = [
        _statement("WriteRawObjects", ["s3:AbortMultipartUpload", "s3:PutObject"], [lake.objects_arn(prefix[0])]),
        _statement("LocateAndListLakeBucket",
                   ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"], [lake.bucket_arn]),
    ]
    statements += lake.kms_statement(["kms:Decrypt", "kms:GenerateDataKey"])
    if lake.get("ingest_cloudwatch_logging", True):
        group = f"log-group:/aws/kinesisfirehose/{stream}"
        statements.append(_statement("DeliveryErrorLogs", ["logs:PutLogEvents"], [lake.logs_arn(f"{group}:log-stream:*")]))
    source = lake.get("ingest_source_stream_arn")
    if source is not None:
        lake.errors += validate_arn(source, "ingest_source_stream_arn", service="kinesis", resource_prefix="stream/",
                                    region_required=True, account_required=True)
        statements.append(_statement(
            "ReadSourceStream",
            ["kinesis:DescribeStream", "kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:ListShards"],
            [source],
        ))
    if lake.get("ingest_format_conversion", False):
        table = lake.get("ingest_format_conversion_table", "*")
        statements.append(_statement("ReadConversionSchema", FIREHOSE_FORMAT_CONVERSION_GLUE,
                                     lake.catalog_resources(tables=table)))
    # Firehose assumes the role with the account id as external id (confused-deputy protection):
    # https://docs.aws.amazon.com/firehose/latest/dev/controlling-access.html#using-iam-s3
    trust = _service_trust(["firehose.amazonaws.com"], {"StringEquals": {"sts:ExternalId": lake.account_id}})
    return lake.spec("firehose", f"{lake.name}-firehose", f"Firehose writer of the {lake.name} lake ({prefix[0]} only)",
                     trust, statements)


def crawler_role(lake):
    """Reads the crawler's targets and writes table definitions into the crawler's own database only."""
    crawler = lake.get("crawl_name", f"{lake.name}-raw")
    targets = lake.prefixes("crawl_targets", ["raw/"])
    database = lake.get("crawl_database", lake.database)
    lake.errors += validate_glue_name(database, "crawl_database")
    group = "log-group:/aws-glue/crawlers"
    statements = [
        _statement("ReadCrawlTargets", ["s3:GetObject"], [lake.objects_arn(p) for p in targets]),
        _statement("LocateLakeBucket", ["s3:GetBucketLocation"], [lake.bucket_arn]),
        lake.list_statement("ListCrawlTargets", targets),
    ]
    statements += lake.kms_statement(["kms:Decrypt"])
    statements += [
        _statement("CatalogOwnDatabase", GLUE_READ + GLUE_WRITE, lake.catalog_resources(database)),
        _statement("CrawlerLogGroup", ["logs:CreateLogGroup"], [lake.logs_arn(f"{group}:*")]),
        _statement("CrawlerLogStream", ["logs:CreateLogStream", "logs:PutLogEvents"],
                   [lake.logs_arn(f"{group}:log-stream:{crawler}")]),
    ]
    statements += lake.lakeformation_statement()
    return lake.spec("crawler", f"{lake.name}-crawler", f"Glue crawler of the {lake.name} lake",
                     _service_trust(["glue.amazonaws.com"]), statements)


def processing_role(lake):
    """Reads raw/ and processed/, writes processed/ and analytics/, reads and writes the lake's catalog."""
    engine = lake.get("iam_processing_engine", "glue")
    name = f"{lake.name}-processing"
    read = lake.prefixes("iam_processing_read_prefixes", ["raw/", "processed/"])
    write = lake.prefixes("iam_processing_write_prefixes", ["processed/", "analytics/"])
    # A table format writer (Delta log, Iceberg metadata) reads what it writes, so written prefixes are read too.
    readable = list(dict.fromkeys(read + write))
    statements = [
        _statement("ReadLakeObjects", ["s3:GetObject"], [lake.objects_arn(p) for p in readable]),
        _statement("WriteLakeObjects", ["s3:AbortMultipartUpload", "s3:DeleteObject", "s3:PutObject"],
                   [lake.objects_arn(p) for p in write]),
        _statement("LocateLakeBucket", ["s3:GetBucketLocation"], [lake.bucket_arn]),
        lake.list_statement("ListLakePrefixes", readable),
    ]
    statements += lake.kms_statement(["kms:Decrypt", "kms:GenerateDataKey"])
    statements.append(_statement("CatalogLakeDatabase", GLUE_READ + GLUE_WRITE, lake.catalog_resources()))
    if engine == "glue":
        statements.append(_statement(
            "GlueJobLogs", ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
            [lake.logs_arn("log-group:/aws-glue/jobs/*"), lake.logs_arn("log-group:/aws-glue/jobs/*:log-stream:*")],
        ))
    statements += lake.lakeformation_statement()
    if engine == "databricks":
        external_id = lake.get("iam_processing_external_id")
        if not external_id:
            lake.errors.append("iam_processing_external_id: is required for iam_processing_engine databricks (the"
                               " external id of the Databricks storage credential)")
        principal = lake.get("iam_processing_trusted_principal_arn", DATABRICKS_UC_MASTER_ROLE)
        lake.errors += validate_arn(principal, "iam_processing_trusted_principal_arn", service="iam",
                                    region_required=False, account_required=True)
        # Unity Catalog also requires the role to trust itself; deltalake.aws.iam_role creates it in two steps.
        trust = _policy([{
            "Effect": "Allow",
            "Principal": {"AWS": sorted([principal, lake.role_arn(name)])},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": str(external_id)}},
        }])
    elif engine in ENGINE_SERVICES:
        trust = _service_trust([ENGINE_SERVICES[engine]])
    else:
        lake.errors.append(f"iam_processing_engine: {engine!r} must be one of {', '.join(PROCESSING_ENGINES)}")
        trust = _service_trust(["glue.amazonaws.com"])
    return lake.spec("processing", name, f"Processing role ({engine}) of the {lake.name} lake", trust, statements)


def lakeformation_role(lake):
    """What Lake Formation may do with the data of the registered locations, and nothing outside them."""
    locations = lake.prefixes("governance_locations", ["raw/", "processed/", "analytics/"])
    statements = [
        _statement("RegisteredLocationObjects", ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"],
                   [lake.objects_arn(p) for p in locations]),
        lake.list_statement("ListRegisteredLocations", locations),
    ]
    statements += lake.kms_statement(["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"])
    return lake.spec("lakeformation", f"{lake.name}-lakeformation",
                     f"Lake Formation data access of the {lake.name} lake (registered locations only)",
                     _service_trust(["lakeformation.amazonaws.com"]), statements)


ROLE_BUILDERS = {
    "firehose": ("ingest_enabled", firehose_role),
    "crawler": ("crawl_enabled", crawler_role),
    "processing": ("iam_processing_role_enabled", processing_role),
    "lakeformation": ("governance_enabled", lakeformation_role),
}


def lake_roles(settings, account_id=None, allow_unresolved=False, roles=None):
    """{kind: role spec} for every role the lake's settings enable (or exactly ``roles``, a list of kinds).

    Raises LakePolicyError naming every setting that is wrong."""
    lake = Lake(settings, account_id, allow_unresolved)
    if roles is not None:
        unknown = [r for r in roles if r not in ROLE_BUILDERS]
        if unknown:
            lake.errors.append(f"roles: {', '.join(map(str, unknown))} not among {', '.join(ROLE_KINDS)}")
        wanted = [k for k in ROLE_KINDS if k in roles]
    else:
        wanted = [k for k in ROLE_KINDS if lake.get(ROLE_BUILDERS[k][0], False)]
    lake.check()
    result = {kind: ROLE_BUILDERS[kind][1](lake) for kind in wanted}
    lake.check()
    return result


# ---------------------------------------------------------------------------------------------------- checks


def _as_list(value):
    return [value] if isinstance(value, (str, dict)) else list(value or [])


def _is_wildcard_resource(resource):
    arn = parse_arn(resource)
    return resource == "*" or (arn is not None and arn["resource"] == "*")


def find_wildcard_data_access(policy):
    """Allow statements that give an S3, Glue or KMS action (or ``*``) on every resource (``"*"`` or an ARN whose
    resource part is ``*``), and Allow statements with NotAction/NotResource, which grant more than they name."""
    found = []
    for statement in _as_list(policy.get("Statement")):
        if statement.get("Effect") != "Allow":
            continue
        if "NotResource" in statement or "NotAction" in statement:
            found.append(statement)
            continue
        actions = _as_list(statement.get("Action"))
        data = [a for a in actions if a == "*" or a.split(":", 1)[0].lower() in DATA_SERVICES]
        if data and any(_is_wildcard_resource(r) for r in _as_list(statement.get("Resource"))):
            found.append(statement)
    return found
