# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Glue helpers: validation of schedules, S3 URIs and roles; normalization (AWS defaults equal unset values);
and, through botocore's Stubber, the error paths the emulator cannot produce (pagination of GetDatabases and
GetCrawlers, which moto ignores, and throttling)."""

import json

import boto3
import pytest
from botocore.stub import Stubber

from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper

from ansible_collections.deltalake.aws.plugins.module_utils import glue
from ansible_collections.deltalake.aws.plugins.module_utils.base import DeltaLakeAWSError
from ansible_collections.deltalake.aws.plugins.module_utils.base import aws_retry


@pytest.fixture
def stubbed():
    raw = boto3.client("glue", region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s")
    client = RetryingBotoClientWrapper(raw, aws_retry(delay=0, max_delay=0))
    with Stubber(raw) as stub:
        yield client, stub
        stub.assert_no_pending_responses()


@pytest.fixture
def no_sleep(monkeypatch):
    """The paginated helpers carry the collection's retry decorator (3 s base delay): skip its sleeps."""
    monkeypatch.setattr("time.sleep", lambda seconds: None)


# ------------------------------------------------------------------ schedules


@pytest.mark.parametrize(
    "value",
    [
        "cron(15 12 * * ? *)",
        "15 12 * * ? *",
        "cron(0/15 * * * ? *)",
        "cron(0 */6 ? * MON-FRI *)",
        "cron(0 8 1,15 * ? 2025-2030)",
        "cron(0 18 L * ? *)",
        "cron(0 9 ? * 6L *)",
        "cron(0 9 ? * 2#1 *)",
        "cron(0 9 15W JAN-MAR ? *)",
        "cron(0 9 ? JUL SUN,SAT *)",
        "",
    ],
)
def test_valid_schedules(value):
    assert glue.validate_schedule(value) == []


@pytest.mark.parametrize(
    "value, rule",
    [
        ("cron(15 12 * * ?)", "must have 6 fields"),
        ("cron(15 12 * * ? * *)", "must have 6 fields"),
        ("rate(5 minutes)", "do not take rate(...)"),
        ("cron(60 12 * * ? *)", "field minutes '60'"),
        ("cron(0 24 * * ? *)", "field hours '24'"),
        ("cron(0 1 32 * ? *)", "field day-of-month '32'"),
        ("cron(0 1 ? 13 MON *)", "field month '13'"),
        ("cron(0 1 ? * 8 *)", "field day-of-week '8'"),
        ("cron(0 1 ? * MON#6 *)", "field day-of-week 'MON#6'"),
        ("cron(0 1 * * ? 1969)", "field year '1969'"),
        ("cron(0 1 * * * *)", "exactly one of day-of-month and day-of-week must be '?'"),
        ("cron(0 1 ? * ? *)", "exactly one of day-of-month and day-of-week must be '?'"),
        ("cron(? 1 * * ? *)", "field minutes may not be '?'"),
        ("cron(*/0 1 * * ? *)", "field minutes '*/0'"),
        ("cron(* 1 * * ? */x)", "field year '*/x'"),
    ],
)
def test_invalid_schedules_name_the_field_and_rule(value, rule):
    errors = glue.validate_schedule(value, "schedule")
    assert errors and all(e.startswith("schedule: ") for e in errors)
    assert any(rule in e for e in errors), errors


def test_schedule_normalization():
    assert glue.normalize_schedule("15  12 * * ? *") == "cron(15 12 * * ? *)"
    assert glue.normalize_schedule("cron( 15 12 * * ? * )") == "cron(15 12 * * ? *)"
    assert glue.normalize_schedule("") == ""
    assert glue.normalize_schedule(None) is None


# ------------------------------------------------------------------ S3 URIs, roles, JSON


@pytest.mark.parametrize(
    "value, trailing, rule",
    [
        ("lake/raw/", False, "must be an S3 URI"),
        ("s3a://lake/raw/", False, "must be an S3 URI"),
        ("s3://Lake/raw/", False, "lowercase letters"),
        ("s3://lake//raw/", False, "empty path segment"),
        ("s3://lake/raw", True, "must end with '/'"),
    ],
)
def test_invalid_s3_uris(value, trailing, rule):
    errors = glue.validate_s3_uri(value, "location_uri", trailing_slash=trailing)
    assert any(e.startswith("location_uri: ") and rule in e for e in errors), errors


def test_valid_s3_uris():
    assert glue.validate_s3_uri("s3://lake/", "f", trailing_slash=True) == []
    assert glue.validate_s3_uri("s3://lake/raw/events/", "f", trailing_slash=True) == []
    assert glue.validate_s3_uri("s3://lake", "f") == []
    assert glue.parse_s3_uri("s3://lake/raw/x") == ("lake", "raw/x")


@pytest.mark.parametrize(
    "role",
    [
        "glue-crawler",
        "service-role/AWSGlueServiceRole-lake",
        "a+b=c,d.e@f_g",
        "arn:aws:iam::123456789012:role/service-role/glue",
    ],
)
def test_valid_roles(role):
    assert glue.validate_role(role) == []


@pytest.mark.parametrize(
    "role, rule",
    [
        ("glue crawler", "is not an IAM role name"),
        ("r" * 65, "is not an IAM role name"),
        ("arn:aws:iam::123456789012:user/bob", "must point to a resource starting with 'role/'"),
        ("arn:aws:iam::12:role/x", "invalid account"),
    ],
)
def test_invalid_roles(role, rule):
    errors = glue.validate_role(role)
    assert any(e.startswith("role: ") and rule in e for e in errors), errors


def test_role_names_expand_to_arns():
    assert glue.role_arn("glue", "aws", "123456789012") == "arn:aws:iam::123456789012:role/glue"
    assert (
        glue.role_arn("service-role/glue", "aws-cn", "1" * 12) == "arn:aws-cn:iam::111111111111:role/service-role/glue"
    )
    arn = "arn:aws:iam::210987654321:role/x"
    assert glue.role_arn(arn, "aws", "123456789012") == arn


def test_json_objects():
    assert glue.parse_json_object('{"Version": 1.0}', "configuration") == ({"Version": 1.0}, [])
    assert glue.parse_json_object("", "configuration") == ({}, [])
    assert "is not valid JSON" in glue.parse_json_object("{x", "configuration")[1][0]
    assert "must be a JSON object, not list" in glue.parse_json_object("[1]", "configuration")[1][0]


# ------------------------------------------------------------------ databases


def test_database_normalization_lower_cases_and_fills_defaults():
    state = glue.normalize_database({"Name": "Sales", "CatalogId": "123456789012"})
    assert state == {
        "name": "sales",
        "catalog_id": "123456789012",
        "description": "",
        "location_uri": "",
        "parameters": {},
        "create_table_default_permissions": True,
    }


def test_default_permissions_flag():
    assert glue.keeps_iam_allowed_principals(None) is True
    assert glue.keeps_iam_allowed_principals(glue.IAM_ALLOWED_PRINCIPALS_PERMISSIONS) is True
    assert glue.keeps_iam_allowed_principals([]) is False
    other = [{"Principal": {"DataLakePrincipalIdentifier": "arn:aws:iam::123456789012:role/x"}, "Permissions": ["ALL"]}]
    assert glue.keeps_iam_allowed_principals(other) is False


def test_update_input_keeps_what_the_run_does_not_manage():
    current = {
        "Name": "sales",
        "Description": "old",
        "LocationUri": "s3://lake/sales/",
        "Parameters": {"a": "1"},
        "CreateTableDefaultPermissions": [],
        "TargetDatabase": {"CatalogId": "1", "DatabaseName": "x"},
        "CreateTime": "ignored",
        "CatalogId": "123456789012",
    }
    api = glue.database_input("sales", {"description": "new"}, current)
    assert api == {
        "Name": "sales",
        "Description": "new",
        "LocationUri": "s3://lake/sales/",
        "Parameters": {"a": "1"},
        "CreateTableDefaultPermissions": [],
        "TargetDatabase": {"CatalogId": "1", "DatabaseName": "x"},
    }
    removed = glue.database_input("sales", {"description": "", "create_table_default_permissions": True}, current)
    assert "Description" not in removed
    assert removed["CreateTableDefaultPermissions"] == glue.IAM_ALLOWED_PRINCIPALS_PERMISSIONS


def test_get_database_missing_is_none(stubbed):
    client, stub = stubbed
    stub.add_client_error(
        "get_database",
        service_error_code="EntityNotFoundException",
        http_status_code=400,
        expected_params={"Name": "sales"},
    )
    assert glue.get_database(client, "sales") is None


def test_get_database_passes_the_catalog(stubbed):
    client, stub = stubbed
    stub.add_response("get_database", {"Database": {"Name": "sales"}}, {"Name": "sales", "CatalogId": "210987654321"})
    assert glue.get_database(client, "sales", "210987654321") == {"Name": "sales"}


def test_access_denied_is_an_error_not_missing(stubbed):
    client, stub = stubbed
    stub.add_client_error("get_database", service_error_code="AccessDeniedException", http_status_code=400)
    with pytest.raises(DeltaLakeAWSError, match="get Glue database"):
        glue.get_database(client, "sales")


@pytest.mark.parametrize("codes", [["ThrottlingException"], ["ThrottlingException", "InternalServiceException"]])
def test_throttled_read_is_retried(stubbed, codes):
    client, stub = stubbed
    for code in codes:
        stub.add_client_error("get_database", service_error_code=code, http_status_code=400)
    stub.add_response("get_database", {"Database": {"Name": "sales"}}, {"Name": "sales"})
    assert glue.get_database(client, "sales") == {"Name": "sales"}


def test_retries_give_up_with_the_error():
    raw = boto3.client("glue", region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s")
    few = RetryingBotoClientWrapper(raw, aws_retry(retries=2, delay=0, max_delay=0))
    with Stubber(raw) as stub:
        for dummy in range(2):
            stub.add_client_error("get_crawler", service_error_code="ThrottlingException", http_status_code=400)
        with pytest.raises(DeltaLakeAWSError, match="ThrottlingException"):
            glue.get_crawler(few, "c")


def test_list_databases_follows_every_page(stubbed):
    client, stub = stubbed
    stub.add_response("get_databases", {"DatabaseList": [{"Name": "a"}, {"Name": "b"}], "NextToken": "t1"}, {})
    stub.add_response("get_databases", {"DatabaseList": [{"Name": "c"}], "NextToken": "t2"}, {"NextToken": "t1"})
    stub.add_response("get_databases", {"DatabaseList": [{"Name": "d"}]}, {"NextToken": "t2"})
    assert [d["Name"] for d in glue.list_databases(client)] == ["a", "b", "c", "d"]


def test_list_databases_retries_a_throttled_page(stubbed, no_sleep):
    client, stub = stubbed
    stub.add_response(
        "get_databases", {"DatabaseList": [{"Name": "a"}], "NextToken": "t1"}, {"CatalogId": "123456789012"}
    )
    stub.add_client_error("get_databases", service_error_code="ThrottlingException", http_status_code=400)
    # the retry starts the listing again from the first page
    stub.add_response(
        "get_databases", {"DatabaseList": [{"Name": "a"}], "NextToken": "t1"}, {"CatalogId": "123456789012"}
    )
    stub.add_response(
        "get_databases", {"DatabaseList": [{"Name": "b"}]}, {"CatalogId": "123456789012", "NextToken": "t1"}
    )
    assert [d["Name"] for d in glue.list_databases(client, "123456789012")] == ["a", "b"]


def test_find_tables_reads_one_page_and_says_whether_there_are_more(stubbed):
    client, stub = stubbed
    stub.add_response(
        "get_tables",
        {"TableList": [{"Name": f"t{i}"} for i in range(10)], "NextToken": "n"},
        {"DatabaseName": "sales", "MaxResults": 10},
    )
    assert glue.find_tables(client, "sales") == ([f"t{i}" for i in range(10)], True)
    stub.add_response("get_tables", {"TableList": []}, {"DatabaseName": "sales", "MaxResults": 10})
    assert glue.find_tables(client, "sales") == ([], False)


def test_delete_database_already_gone(stubbed):
    client, stub = stubbed
    stub.add_client_error("delete_database", service_error_code="EntityNotFoundException", http_status_code=400)
    assert glue.delete_database(client, "sales") is False


# ------------------------------------------------------------------ tags


def test_update_tags_untags_removed_keys_and_tags_new_ones(stubbed):
    client, stub = stubbed
    arn = "arn:aws:glue:us-east-1:123456789012:database/sales"
    stub.add_response("untag_resource", {}, {"ResourceArn": arn, "TagsToRemove": ["old"]})
    stub.add_response("tag_resource", {}, {"ResourceArn": arn, "TagsToAdd": {"lake": "new"}})
    glue.update_tags(
        client,
        arn,
        {"old": "1", "lake": "x", "aws:cloudformation:stack-name": "s"},
        {"lake": "new", "aws:cloudformation:stack-name": "s"},
    )


# ------------------------------------------------------------------ crawlers

ARN = "arn:aws:glue:us-east-1:123456789012:crawler/c"
MINIMAL = {  # what the emulator (moto) answers for a crawler created with only the required settings
    "Name": "c",
    "Role": "glue-crawler",
    "DatabaseName": "Raw",
    "Targets": {"S3Targets": [{"Path": "s3://lake/raw/b/"}, {"Path": "s3://lake/raw/a/"}]},
    "State": "READY",
    "CreationTime": "2024-01-01T00:00:00Z",
    "Version": 1,
}
FILLED = {  # what AWS answers for the same crawler: every default filled in
    **MINIMAL,
    "Targets": {
        "S3Targets": [{"Path": "s3://lake/raw/a/", "Exclusions": []}, {"Path": "s3://lake/raw/b/", "Exclusions": []}],
        "JdbcTargets": [],
        "MongoDBTargets": [],
        "DynamoDBTargets": [],
        "CatalogTargets": [],
        "DeltaTargets": [],
        "IcebergTargets": [],
        "HudiTargets": [],
    },
    "Classifiers": [],
    "RecrawlPolicy": {"RecrawlBehavior": "CRAWL_EVERYTHING"},
    "SchemaChangePolicy": {"UpdateBehavior": "UPDATE_IN_DATABASE", "DeleteBehavior": "DEPRECATE_IN_DATABASE"},
    "LineageConfiguration": {"CrawlerLineageSettings": "DISABLE"},
    "LakeFormationConfiguration": {"UseLakeFormationCredentials": False, "AccountId": ""},
    "LastUpdated": "2024-01-02T00:00:00Z",
    "CrawlElapsedTime": 0,
}


def test_aws_defaults_and_unset_settings_normalize_alike():
    minimal = glue.normalize_crawler(MINIMAL, ARN, "aws", "123456789012")
    assert minimal == glue.normalize_crawler(FILLED, ARN, "aws", "123456789012")
    assert minimal == {
        "name": "c",
        "arn": ARN,
        "role": "arn:aws:iam::123456789012:role/glue-crawler",
        "database": "raw",
        "description": "",
        "targets": {
            "s3_targets": [
                {"path": "s3://lake/raw/a/", "exclusions": []},
                {"path": "s3://lake/raw/b/", "exclusions": []},
            ],
            "delta_targets": [],
            "iceberg_targets": [],
        },
        "schedule": "",
        "table_prefix": "",
        "schema_change_policy": glue.DEFAULT_SCHEMA_CHANGE_POLICY,
        "recrawl_policy": {"recrawl_behavior": "CRAWL_EVERYTHING"},
        "lake_formation_configuration": glue.DEFAULT_LAKE_FORMATION_CONFIGURATION,
        "configuration": {},
    }


def test_targets_round_trip_and_sort():
    targets = {
        "s3_targets": [
            {"path": "s3://lake/raw/a/", "exclusions": ["**.crc", "**/_tmp/**"], "sample_size": 10},
            {"path": "s3://lake/raw/b/", "exclusions": [], "event_queue_arn": "arn:aws:sqs:us-east-1:123456789012:q"},
        ],
        "delta_targets": [
            {
                "delta_tables": ["s3://lake/d/a/", "s3://lake/d/b/"],
                "write_manifest": False,
                "create_native_delta_table": True,
            }
        ],
        "iceberg_targets": [
            {"paths": ["s3://lake/i/"], "exclusions": [], "maximum_traversal_depth": 5, "connection_name": "vpc"}
        ],
    }
    assert glue.normalize_targets(glue.targets_to_api(targets)) == targets
    shuffled = glue.targets_to_api(targets)
    shuffled["S3Targets"].reverse()
    shuffled["S3Targets"][1]["Exclusions"].reverse()
    shuffled["DeltaTargets"][0]["DeltaTables"].reverse()
    assert glue.normalize_targets(shuffled) == targets


def test_delta_and_iceberg_defaults():
    api = {"DeltaTargets": [{"DeltaTables": ["s3://lake/d/"]}], "IcebergTargets": [{"Paths": ["s3://lake/i/"]}]}
    targets = glue.normalize_targets(api)
    assert targets["delta_targets"] == [
        {"delta_tables": ["s3://lake/d/"], "write_manifest": False, "create_native_delta_table": False}
    ]
    assert targets["iceberg_targets"] == [{"paths": ["s3://lake/i/"], "exclusions": [], "maximum_traversal_depth": 10}]


def test_unmanaged_target_kinds_stay_visible():
    targets = glue.normalize_targets(
        {"S3Targets": [], "JdbcTargets": [{"ConnectionName": "db", "Path": "x/%"}], "CatalogTargets": []}
    )
    assert targets["jdbc_targets"] == [{"connection_name": "db", "path": "x/%"}]
    assert "catalog_targets" not in targets


def test_configuration_is_compared_as_json():
    compact = glue.normalize_crawler(
        dict(MINIMAL, Configuration='{"Version":1.0,"Grouping":{"A":"B"}}'), ARN, "aws", "1"
    )
    spaced = glue.normalize_crawler(
        dict(MINIMAL, Configuration='{ "Grouping": {"A": "B"}, "Version": 1 }'), ARN, "aws", "1"
    )
    assert compact["configuration"] == spaced["configuration"] == {"Version": 1.0, "Grouping": {"A": "B"}}


def test_crawler_to_api():
    state = {
        "role": "arn:aws:iam::123456789012:role/r",
        "database": "raw",
        "schema_change_policy": {"update_behavior": "LOG", "delete_behavior": "LOG"},
        "recrawl_policy": {"recrawl_behavior": "CRAWL_NEW_FOLDERS_ONLY"},
        "lake_formation_configuration": {"use_lake_formation_credentials": True, "account_id": ""},
        "configuration": {"Version": 1.0},
        "description": "",
    }
    assert glue.crawler_to_api(state) == {
        "Role": "arn:aws:iam::123456789012:role/r",
        "DatabaseName": "raw",
        "SchemaChangePolicy": {"UpdateBehavior": "LOG", "DeleteBehavior": "LOG"},
        "RecrawlPolicy": {"RecrawlBehavior": "CRAWL_NEW_FOLDERS_ONLY"},
        "LakeFormationConfiguration": {"UseLakeFormationCredentials": True},
        "Configuration": json.dumps({"Version": 1.0}),
        "Description": "",
    }
    assert "Targets" not in glue.crawler_to_api(state)  # only the settings given are written


def test_list_crawlers_follows_every_page(stubbed):
    client, stub = stubbed
    stub.add_response("get_crawlers", {"Crawlers": [{"Name": "a", "DatabaseName": "Sales"}], "NextToken": "t"}, {})
    stub.add_response(
        "get_crawlers",
        {"Crawlers": [{"Name": "b", "DatabaseName": "raw"}, {"Name": "c", "DatabaseName": "sales"}]},
        {"NextToken": "t"},
    )
    assert glue.crawlers_writing_to(client, "sales") == ["a", "c"]


def test_update_of_a_running_crawler_says_why(stubbed):
    client, stub = stubbed
    stub.add_client_error("update_crawler", service_error_code="CrawlerRunningException", http_status_code=400)
    with pytest.raises(DeltaLakeAWSError, match="Glue crawler c is running and cannot be updated"):
        glue.update_crawler(client, "c", {"description": "x"})


def test_delete_crawler(stubbed):
    client, stub = stubbed
    stub.add_client_error("delete_crawler", service_error_code="CrawlerRunningException", http_status_code=400)
    with pytest.raises(DeltaLakeAWSError, match="cannot be deleted"):
        glue.delete_crawler(client, "c")
    stub.add_client_error("delete_crawler", service_error_code="EntityNotFoundException", http_status_code=400)
    assert glue.delete_crawler(client, "c") is False


def test_schedule_update_and_removal(stubbed):
    client, stub = stubbed
    stub.add_response("update_crawler_schedule", {}, {"CrawlerName": "c", "Schedule": "cron(0 1 * * ? *)"})
    stub.add_response("update_crawler_schedule", {}, {"CrawlerName": "c", "Schedule": ""})
    glue.update_crawler_schedule(client, "c", "cron(0 1 * * ? *)")
    glue.update_crawler_schedule(client, "c", "")


def test_create_crawler_request(stubbed):
    client, stub = stubbed
    state = {
        "role": "arn:aws:iam::123456789012:role/r",
        "database": "raw",
        "configuration": {},
        "targets": {
            "s3_targets": [{"path": "s3://lake/raw/", "exclusions": []}],
            "delta_targets": [],
            "iceberg_targets": [],
        },
    }
    stub.add_response(
        "create_crawler",
        {},
        {
            "Name": "c",
            "Role": "arn:aws:iam::123456789012:role/r",
            "DatabaseName": "raw",
            "Targets": {"S3Targets": [{"Path": "s3://lake/raw/", "Exclusions": []}]},
            "Schedule": "cron(0 1 * * ? *)",
            "Tags": {"lake": "x"},
        },
    )
    glue.create_crawler(client, "c", state, "cron(0 1 * * ? *)", {"lake": "x"})
