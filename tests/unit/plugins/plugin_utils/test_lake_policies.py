# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The least-privilege generator: every generated policy, for several lakes, passes parliament with no finding
(community auditors included) and allows no S3, Glue or KMS action on every resource; each role may do what
docs/security-model.md says and nothing more; wrong settings fail naming the setting."""

import json

import parliament  # in .venv (requirements-dev.txt); a missing parliament fails these tests, never skips them
import pytest

from ansible_collections.deltalake.aws.plugins.module_utils import iam
from ansible_collections.deltalake.aws.plugins.plugin_utils import lake_policies as lp

ACCOUNT = "123456789012"
KEY_ARN = f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
EVERYTHING = {"ingest_enabled": True, "crawl_enabled": True, "iam_processing_role_enabled": True,
              "governance_enabled": True}

LAKES = {
    "minimal": {"datalake_name": "acme", **EVERYTHING},
    "encrypted": {"datalake_name": "acme", "datalake_region": "eu-west-1", "encryption_enabled": True,
                  "encryption_key_arn": KEY_ARN, **EVERYTHING},
    "streaming": {"datalake_name": "clicks", "ingest_enabled": True, "crawl_enabled": True,
                  "ingest_source_stream_arn": f"arn:aws:kinesis:us-east-1:{ACCOUNT}:stream/clicks",
                  "ingest_format_conversion": True, "ingest_format_conversion_table": "events",
                  "ingest_error_output_prefix": "raw/errors/!{firehose:error-output-type}/"},
    "databricks": {"datalake_name": "acme", "iam_processing_role_enabled": True,
                   "iam_processing_engine": "databricks", "iam_processing_external_id": "0000aaaa-11bb",
                   "encryption_enabled": True, "encryption_key_arn": KEY_ARN.replace("eu-west-1", "us-east-1")},
    "emr-serverless": {"datalake_name": "acme", "iam_processing_role_enabled": True,
                       "iam_processing_engine": "emr_serverless", "governance_enabled": True},
    "custom": {"datalake_name": "sales-lake", "storage_data_bucket": "sales-lake-bucket",
               "catalog_database": "sales", "iam_role_path": "/lake/", "crawl_targets": ["raw/orders/", "raw/items/"],
               "crawl_database": "sales_raw", "governance_locations": ["processed/"],
               "iam_processing_read_prefixes": ["raw/orders/"], "iam_processing_write_prefixes": ["curated/"],
               **EVERYTHING},
    "china": {"datalake_name": "acme", "datalake_region": "cn-north-1", "encryption_enabled": True,
              "encryption_key_arn": f"arn:aws-cn:kms:cn-north-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab",
              **EVERYTHING},
    "check-mode-before-the-key": {"datalake_name": "acme", "encryption_enabled": True, **EVERYTHING},
}


def roles_of(lake):
    return lp.lake_roles(LAKES[lake], account_id=ACCOUNT, allow_unresolved=lake.startswith("check-mode"))


def all_policies():
    for lake in LAKES:
        for kind, spec in roles_of(lake).items():
            for name, document in spec["inline_policies"].items():
                yield pytest.param(document, id=f"{lake}-{kind}-{name}")


def statements(spec):
    return [s for doc in spec["inline_policies"].values() for s in doc["Statement"]]


def actions_on(spec, action):
    """Resources on which ``action`` is allowed by the role's inline policy."""
    found = []
    for statement in statements(spec):
        if action in statement["Action"]:
            found += [statement["Resource"]] if isinstance(statement["Resource"], str) else statement["Resource"]
    return found


def findings(document):
    policy = parliament.analyze_policy_string(json.dumps(document), include_community_auditors=True)
    return [(f.issue, f.detail) for f in policy.findings]


# ------------------------------------------------------------------ every policy, every lake


@pytest.mark.parametrize("document", list(all_policies()))
def test_parliament_finds_nothing(document):
    assert findings(document) == []


@pytest.mark.parametrize("document", list(all_policies()))
def test_no_data_action_on_every_resource(document):
    assert lp.find_wildcard_data_access(document) == []
    for statement in document["Statement"]:
        resources = [statement["Resource"]] if isinstance(statement["Resource"], str) else statement["Resource"]
        if "*" in resources:
            assert statement["Action"] == ["lakeformation:GetDataAccess"]  # an action without a resource type


def test_parliament_and_the_wildcard_check_do_catch_bad_policies():
    """The two checks above can fail: a statement on Resource "*" and an action on a resource it does not apply
    to are found."""
    star = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
    assert ("RESOURCE_STAR", ["s3:GetObject"]) in findings(star)
    assert lp.find_wildcard_data_access(star) == star["Statement"]
    mismatch = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme-data"}]}
    assert [issue for issue, detail in findings(mismatch)] == ["RESOURCE_MISMATCH"]
    bucket_wide = {"Statement": [{"Effect": "Allow", "Action": ["glue:GetTable"], "Resource": "arn:aws:glue:*:*:*"}]}
    assert lp.find_wildcard_data_access(bucket_wide) == bucket_wide["Statement"]
    not_action = {"Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "arn:aws:s3:::x/*"}]}
    assert lp.find_wildcard_data_access(not_action) == not_action["Statement"]


@pytest.mark.parametrize("lake", list(LAKES))
def test_generated_roles_pass_the_iam_role_modules_validation(lake):
    for spec in roles_of(lake).values():
        assert iam.validate_role_name(spec["name"]) == []
        assert iam.validate_role_path(spec["path"]) == []
        assert iam.validate_inline_policies(spec["inline_policies"])[0] == []
        assert spec["arn"] == f"arn:{lp.partition_for_region(LAKES[lake].get('datalake_region', 'us-east-1'))}:iam::" \
                              f"{ACCOUNT}:role{spec['path']}{spec['name']}"
        trust = spec["assume_role_policy"]["Statement"]
        assert all(s["Action"] == "sts:AssumeRole" and "Principal" in s and "Resource" not in s for s in trust)


# ------------------------------------------------------------------ what each role may do


def test_firehose_writes_raw_only():
    spec = roles_of("encrypted")["firehose"]
    assert actions_on(spec, "s3:PutObject") == ["arn:aws:s3:::acme-data/raw/*"]
    assert actions_on(spec, "s3:AbortMultipartUpload") == ["arn:aws:s3:::acme-data/raw/*"]
    assert actions_on(spec, "s3:GetObject") == [] and actions_on(spec, "s3:DeleteObject") == []
    assert actions_on(spec, "s3:ListBucket") == ["arn:aws:s3:::acme-data"]
    assert actions_on(spec, "s3:GetBucketLocation") == ["arn:aws:s3:::acme-data"]
    kms_statement = [s for s in statements(spec) if s["Sid"] == "LakeKeyThroughS3"][0]
    assert kms_statement["Action"] == ["kms:Decrypt", "kms:GenerateDataKey"]
    assert kms_statement["Resource"] == KEY_ARN
    assert kms_statement["Condition"] == {"StringEquals": {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}}
    assert actions_on(spec, "logs:PutLogEvents") == [
        f"arn:aws:logs:eu-west-1:{ACCOUNT}:log-group:/aws/kinesisfirehose/acme-ingest:log-stream:*"]
    trust = spec["assume_role_policy"]["Statement"][0]
    assert trust["Principal"] == {"Service": "firehose.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"sts:ExternalId": ACCOUNT}}


def test_no_kms_statement_without_a_lake_key():
    for spec in roles_of("minimal").values():
        assert not [s for s in statements(spec) if any(a.startswith("kms:") for a in s["Action"])]


def test_firehose_source_stream_and_format_conversion():
    spec = roles_of("streaming")["firehose"]
    assert actions_on(spec, "kinesis:GetRecords") == [f"arn:aws:kinesis:us-east-1:{ACCOUNT}:stream/clicks"]
    assert actions_on(spec, "glue:GetTableVersions") == [
        f"arn:aws:glue:us-east-1:{ACCOUNT}:catalog", f"arn:aws:glue:us-east-1:{ACCOUNT}:database/clicks",
        f"arn:aws:glue:us-east-1:{ACCOUNT}:table/clicks/events"]
    assert actions_on(spec, "glue:UpdateTable") == []


def test_crawler_reads_its_targets_and_writes_its_own_database_only():
    spec = roles_of("custom")["crawler"]
    assert actions_on(spec, "s3:GetObject") == ["arn:aws:s3:::sales-lake-bucket/raw/orders/*",
                                                "arn:aws:s3:::sales-lake-bucket/raw/items/*"]
    assert actions_on(spec, "s3:PutObject") == []
    listing = [s for s in statements(spec) if s["Action"] == ["s3:ListBucket"]][0]
    assert listing["Condition"] == {"StringLike": {"s3:prefix": ["raw/orders/*", "raw/items/*"]}}
    catalog = actions_on(spec, "glue:CreateTable")
    assert catalog == [f"arn:aws:glue:us-east-1:{ACCOUNT}:catalog", f"arn:aws:glue:us-east-1:{ACCOUNT}:database/sales_raw",
                       f"arn:aws:glue:us-east-1:{ACCOUNT}:table/sales_raw/*"]
    assert actions_on(spec, "logs:PutLogEvents") == [
        f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws-glue/crawlers:log-stream:sales-lake-raw"]
    assert spec["assume_role_policy"]["Statement"][0]["Principal"] == {"Service": "glue.amazonaws.com"}
    assert spec["path"] == "/lake/" and spec["arn"] == f"arn:aws:iam::{ACCOUNT}:role/lake/sales-lake-crawler"


def test_processing_reads_raw_and_processed_and_writes_processed_and_analytics():
    spec = roles_of("minimal")["processing"]
    objects = "arn:aws:s3:::acme-data/"
    assert sorted(actions_on(spec, "s3:PutObject")) == [objects + "analytics/*", objects + "processed/*"]
    assert sorted(actions_on(spec, "s3:DeleteObject")) == [objects + "analytics/*", objects + "processed/*"]
    assert sorted(actions_on(spec, "s3:GetObject")) == [objects + "analytics/*", objects + "processed/*",
                                                        objects + "raw/*"]
    assert objects + "raw/*" not in actions_on(spec, "s3:PutObject")
    assert actions_on(spec, "glue:UpdateTable")[1:] == [f"arn:aws:glue:us-east-1:{ACCOUNT}:database/acme",
                                                        f"arn:aws:glue:us-east-1:{ACCOUNT}:table/acme/*"]
    assert actions_on(spec, "lakeformation:GetDataAccess") == ["*"]  # governance_enabled
    assert spec["assume_role_policy"]["Statement"][0]["Principal"] == {"Service": "glue.amazonaws.com"}


def test_processing_with_custom_prefixes():
    spec = roles_of("custom")["processing"]
    assert actions_on(spec, "s3:PutObject") == ["arn:aws:s3:::sales-lake-bucket/curated/*"]
    assert actions_on(spec, "s3:GetObject") == ["arn:aws:s3:::sales-lake-bucket/raw/orders/*",
                                                "arn:aws:s3:::sales-lake-bucket/curated/*"]


def test_databricks_trust_names_unity_catalog_and_the_role_itself_with_the_external_id():
    spec = roles_of("databricks")["processing"]
    trust = spec["assume_role_policy"]["Statement"][0]
    assert trust["Principal"]["AWS"] == sorted([lp.DATABRICKS_UC_MASTER_ROLE, spec["arn"]])
    assert trust["Condition"] == {"StringEquals": {"sts:ExternalId": "0000aaaa-11bb"}}
    # deltalake.aws.iam_role creates it without the self reference first
    assert iam.without_self_reference(spec["assume_role_policy"], spec["path"], spec["name"]) is not None
    assert actions_on(spec, "logs:CreateLogGroup") == []  # Glue job logs only for the glue engine


def test_emr_serverless_trust():
    spec = roles_of("emr-serverless")["processing"]
    assert spec["assume_role_policy"]["Statement"][0]["Principal"] == {"Service": "emr-serverless.amazonaws.com"}


def test_lakeformation_role_reaches_the_registered_locations_only():
    spec = roles_of("custom")["lakeformation"]
    for action in ("s3:GetObject", "s3:PutObject", "s3:DeleteObject"):
        assert actions_on(spec, action) == ["arn:aws:s3:::sales-lake-bucket/processed/*"]
    listing = [s for s in statements(spec) if s["Action"] == ["s3:ListBucket"]][0]
    assert listing["Condition"] == {"StringLike": {"s3:prefix": "processed/*"}}
    assert spec["assume_role_policy"]["Statement"][0]["Principal"] == {"Service": "lakeformation.amazonaws.com"}
    assert actions_on(roles_of("minimal")["lakeformation"], "s3:GetObject") == [
        "arn:aws:s3:::acme-data/raw/*", "arn:aws:s3:::acme-data/processed/*", "arn:aws:s3:::acme-data/analytics/*"]


def test_china_partition_and_endpoint():
    spec = roles_of("china")["firehose"]
    assert spec["arn"].startswith("arn:aws-cn:iam::")
    assert actions_on(spec, "s3:PutObject") == ["arn:aws-cn:s3:::acme-data/raw/*"]
    kms_statement = [s for s in statements(spec) if s["Sid"] == "LakeKeyThroughS3"][0]
    assert kms_statement["Condition"]["StringEquals"]["kms:ViaService"] == "s3.cn-north-1.amazonaws.com.cn"


def test_an_unknown_key_arn_in_check_mode_is_scoped_to_the_account_and_marked():
    roles = roles_of("check-mode-before-the-key")
    spec = roles["firehose"]
    assert actions_on(spec, "kms:GenerateDataKey") == [f"arn:aws:kms:us-east-1:{ACCOUNT}:key/*"]
    assert all(r["unresolved"] == ["encryption_key_arn"] for r in roles.values())
    assert all(r["unresolved"] == [] for r in roles_of("encrypted").values())


# ------------------------------------------------------------------ selection and errors


def test_roles_follow_the_enabled_settings_or_the_roles_argument():
    assert lp.lake_roles({"datalake_name": "acme"}, ACCOUNT) == {}
    assert list(lp.lake_roles({"datalake_name": "acme", "crawl_enabled": True}, ACCOUNT)) == ["crawler"]
    chosen = lp.lake_roles({"datalake_name": "acme"}, ACCOUNT, roles=["processing", "firehose"])
    assert list(chosen) == ["firehose", "processing"]
    assert lp.lake_roles({"datalake_name": "acme", "datalake_account_id": ACCOUNT, "ingest_enabled": True})


@pytest.mark.parametrize("settings, account, message", [
    ({}, ACCOUNT, "datalake_name: None must be 1 to 40 lowercase letters"),
    ({"datalake_name": "Acme"}, ACCOUNT, "datalake_name: 'Acme'"),
    ({"datalake_name": "acme"}, None, "account_id: '' must be the 12-digit account"),
    ({"datalake_name": "acme", "datalake_region": "europe"}, ACCOUNT, "datalake_region: 'europe'"),
    ({"datalake_name": "acme", "encryption_enabled": True}, ACCOUNT, "encryption_key_arn: is required"),
    ({"datalake_name": "acme", "encryption_enabled": True,
      "encryption_key_arn": f"arn:aws:kms:us-east-1:{ACCOUNT}:alias/acme-lake"}, ACCOUNT,
     "an alias cannot authorize the use of a key"),
    ({"datalake_name": "acme", "storage_data_bucket": "Acme_Data"}, ACCOUNT, "storage_data_bucket: 'Acme_Data'"),
    ({"datalake_name": "acme", "catalog_database": "Sales-DB"}, ACCOUNT, "catalog_database: 'Sales-DB'"),
    ({"datalake_name": "acme", "ingest_enabled": True, "ingest_error_output_prefix": "errors/"}, ACCOUNT,
     "ingest_error_output_prefix: 'errors/' must be under 'raw/'"),
    ({"datalake_name": "acme", "crawl_enabled": True, "crawl_targets": ["raw"]}, ACCOUNT,
     "crawl_targets[0]: 'raw' must end with '/'"),
    ({"datalake_name": "acme", "iam_processing_role_enabled": True, "iam_processing_engine": "spark"}, ACCOUNT,
     "iam_processing_engine: 'spark' must be one of glue, emr, emr_serverless, databricks"),
    ({"datalake_name": "acme", "iam_processing_role_enabled": True, "iam_processing_engine": "databricks"}, ACCOUNT,
     "iam_processing_external_id: is required"),
    ({"datalake_name": "acme", "ingest_enabled": True, "ingest_source_stream_arn": "clicks"}, ACCOUNT,
     "ingest_source_stream_arn: 'clicks' is not an ARN"),
    ({"datalake_name": "acme"}, ACCOUNT, "roles: athena not among"),
])
def test_wrong_settings_fail_naming_the_setting(settings, account, message):
    with pytest.raises(lp.LakePolicyError) as failed:
        lp.lake_roles(settings, account, roles=["athena"] if "roles:" in message else None)
    assert message in str(failed.value)
