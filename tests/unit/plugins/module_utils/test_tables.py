# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Glue tables: type normalization, schema-change planning, Hive definitions, and the catalog and S3 calls on
paths the emulator cannot produce (pagination, throttling, batch errors), driven through botocore's Stubber."""

import gzip
import io
import re
from unittest.mock import MagicMock

import boto3
import pytest
from botocore.response import StreamingBody
from botocore.stub import Stubber

from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper

from ansible_collections.deltalake.aws.plugins.module_utils import tables as t
from ansible_collections.deltalake.aws.plugins.module_utils.base import DeltaLakeAWSError
from ansible_collections.deltalake.aws.plugins.module_utils.base import aws_retry


def stubbed_client(service):
    raw = boto3.client(service, region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s")
    return RetryingBotoClientWrapper(raw, aws_retry(delay=0, max_delay=0)), Stubber(raw)


@pytest.fixture
def glue():
    client, stub = stubbed_client("glue")
    with stub:
        yield client, stub
        stub.assert_no_pending_responses()


@pytest.fixture
def s3():
    client, stub = stubbed_client("s3")
    with stub:
        yield client, stub
        stub.assert_no_pending_responses()


def cols(*specs):
    """cols("a long", "b string!") -> columns; a trailing ! marks a required column."""
    result = []
    for spec in specs:
        name, type_text = spec.split(" ", 1)
        result.append(t.column(name, type_text.rstrip("!"), type_text.endswith("!")))
    return result


# ------------------------------------------------------------------ types


@pytest.mark.parametrize("dialect, text, canonical", [
    ("iceberg", "bigint", "long"),
    ("iceberg", "INTEGER", "int"),
    ("iceberg", "decimal(10, 2)", "decimal(10,2)"),
    ("iceberg", "decimal(7)", "decimal(7,0)"),
    ("iceberg", "fixed[16]", "fixed[16]"),
    ("iceberg", "array<string>", "list<string>"),
    ("iceberg", "struct< a : int , b:list<long not null> >", "struct<a:int,b:list<long not null>>"),
    ("iceberg", "map<string, struct<x:double>>", "map<string,struct<x:double>>"),
    ("iceberg", "timestamp_ntz", "timestamp"),
    ("delta", "int", "integer"),
    ("delta", "bigint", "long"),
    ("delta", "smallint", "short"),
    ("delta", "list<timestamptz>", "array<timestamp>"),
    ("delta", "struct<id:long not null>", "struct<id:long not null>"),
    ("hive", "long", "bigint"),
    ("hive", "decimal", "decimal(10,0)"),
    ("hive", "VARCHAR(20)", "varchar(20)"),
    ("hive", "list<struct<Sku:string>>", "array<struct<Sku:string>>"),
])
def test_types_normalize_to_the_formats_spelling(dialect, text, canonical):
    assert t.normalize_type(text, dialect) == canonical
    assert t.normalize_type(canonical, dialect) == canonical  # idempotent


@pytest.mark.parametrize("dialect, text, message", [
    ("iceberg", "strin", "is not a type of this table format"),
    ("iceberg", "tinyint", "is not a type of this table format"),
    ("iceberg", "uuid(3)", "takes no parameters"),
    ("iceberg", "decimal(40,2)", "1 <= p <= 38"),
    ("iceberg", "decimal(5,6)", "0 <= s <= p"),
    ("iceberg", "struct<a:int,a:long>", "appears more than once"),
    ("iceberg", "list<int", "ends early"),
    ("iceberg", "map<string>", "',' expected"),
    ("iceberg", "int garbage", "unexpected 'garbage'"),
    ("iceberg", "struct<a-b:int>", "unexpected character '-'"),
    ("iceberg", "", "non-empty type"),
    ("delta", "uuid", "is not a type of this table format"),
    ("hive", "timestamptz", "is not a type of this table format"),
    ("hive", "array<int not null>", "not supported by Glue/Hive"),
    ("hive", "varchar(0)", "at least 1"),
])
def test_invalid_types_say_why(dialect, text, message):
    with pytest.raises(t.TypeSyntaxError, match=message.replace("(", r"\(").replace(")", r"\)")):
        t.normalize_type(text, dialect)


def test_types_read_from_aws_are_never_refused():
    assert t.lenient_type("interval_day_time", "hive") == "interval_day_time"
    assert t.lenient_type("struct<a:weird_type>", "hive") == "struct<a:weird_type>"
    assert t.lenient_type("decimal(10, 2)", "hive") == "decimal(10,2)"
    assert t.lenient_type("<<", "hive") == "<<"


def to_hive(text, dialect):
    return t.render_type(t.parse_type(text, dialect), "hive")


def test_glue_spelling_of_delta_and_iceberg_types():
    assert to_hive("struct<a:integer not null,b:array<timestamp_ntz>>", "delta") == "struct<a:int,b:array<timestamp>>"
    assert to_hive("map<string,long>", "delta") == "map<string,bigint>"
    assert to_hive("uuid", "iceberg") == "string"
    assert to_hive("fixed[16]", "iceberg") == "binary"
    assert to_hive("timestamptz", "iceberg") == "timestamp"


@pytest.mark.parametrize("dialect, old, new, widening", [
    ("iceberg", "int", "long", True),
    ("iceberg", "float", "double", True),
    ("iceberg", "decimal(10,2)", "decimal(12,2)", True),
    ("iceberg", "decimal(10,2)", "decimal(12,3)", False),
    ("iceberg", "long", "int", False),
    ("iceberg", "int", "string", False),
    ("hive", "tinyint", "bigint", True),
    ("hive", "varchar(10)", "varchar(20)", True),
    ("hive", "char(3)", "string", True),
    ("hive", "string", "varchar(100)", False),
    ("delta", "integer", "long", False),
])
def test_widening_rules(dialect, old, new, widening):
    assert t.is_widening(t.parse_type(old, dialect), t.parse_type(new, dialect), dialect) is widening


# ------------------------------------------------------------------ partitions


@pytest.mark.parametrize("text, canonical", [
    ("country", "country"),
    ("identity(country)", "country"),
    ("DAY(ts)", "day(ts)"),
    ("days(ts)", "day(ts)"),
    ("bucket[16](id)", "bucket[16](id)"),
    ("truncate[4]( name )", "truncate[4](name)"),
    ("addr.zip", "addr.zip"),
])
def test_partitions_normalize(text, canonical):
    assert t.normalize_partition(text) == canonical


@pytest.mark.parametrize("text, message", [
    ("bucket(id)", "needs a positive width"),
    ("bucket[0](id)", "needs a positive width"),
    ("day[3](ts)", "takes no [N] argument"),
    ("week(ts)", "is not one of identity"),
    ("day(ts", "must be a column name or transform(column)"),
])
def test_invalid_partitions(text, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        t.parse_partition(text)


def test_transform_source_types():
    long_type = t.parse_type("long", "iceberg")
    assert t.validate_partition_source("bucket", long_type) is None
    assert "date, timestamp, timestamptz" in t.validate_partition_source("day", long_type)
    assert "primitive" in t.validate_partition_source("identity", t.parse_type("list<int>", "iceberg"))
    assert t.rename_partition("day(ts)", {"ts": "event_ts"}) == "day(event_ts)"


# ------------------------------------------------------------------ schema changes


def kinds(changes):
    return [(c["kind"], t.path_name(c["path"])) for c in changes]


def test_identical_columns_in_another_order_have_no_change():
    have = cols("a long", "b struct<x:int,y:string>")
    want = cols("b struct<y:string,x:int>", "a long")
    assert t.diff_columns(have, want, "iceberg") == []


def test_every_kind_of_change_is_found():
    have = cols("a int", "b string!", "c long", "d struct<x:int>", "gone string")
    want = cols("a long", "b string", "c string", "d struct<x:int,y:double>", "e date!")
    assert sorted(kinds(t.diff_columns(have, want, "iceberg"))) == [
        ("add", "d.y"), ("add", "e"), ("drop", "gone"), ("optional", "b"), ("retype", "c"), ("widen", "a")]


def test_changes_inside_lists_and_maps():
    have = cols("l list<struct<q:int>>", "m map<string,int not null>", "k map<string,int>")
    want = cols("l list<struct<q:long,p:double>>", "m map<string,long>", "k map<int,int>")
    assert sorted(kinds(t.diff_columns(have, want, "iceberg"))) == [
        ("add", "l.element.p"), ("optional", "m.value"), ("retype", "k"), ("widen", "l.element.q"),
        ("widen", "m.value")]


def test_an_incompatible_list_element_retypes_the_owning_column_once():
    have = cols("l list<int>", "s struct<v:list<string>,w:int>")
    want = cols("l list<string>", "s struct<v:list<int>,w:long>")
    assert sorted(kinds(t.diff_columns(have, want, "iceberg"))) == [("retype", "l"), ("retype", "s.v"), ("widen", "s.w")]


def test_changes_inside_a_retyped_column_are_not_listed_separately():
    have = cols("s struct<a:int,b:int>")
    want = cols("s list<struct<a:long>>")
    assert kinds(t.diff_columns(have, want, "iceberg")) == [("retype", "s")]


def test_comments_compare_on_top_level_columns():
    have = [t.column("a", "int", comment="old")]
    want = [t.column("a", "int", comment="new")]
    assert kinds(t.diff_columns(have, want, "iceberg")) == [("comment", "a")]
    assert t.resolve_comments(have, [t.column("a", "int", comment=None)])[0]["comment"] == "old"


def test_apply_changes_appends_like_iceberg():
    have = cols("a int", "b int", "s struct<x:int,y:int>", "c string")
    want = cols("z string", "a long", "b string", "s struct<w:int,x:int,y:int>", "c string")
    changes = t.diff_columns(have, want, "iceberg")
    after = t.apply_changes(have, want, changes, "iceberg")
    assert [c["name"] for c in after] == ["a", "s", "c", "z", "b"]  # b re-created at the end
    assert after[0]["type"] == "long" and after[1]["type"] == "struct<x:int,y:int,w:int>"
    assert t.diff_columns(after, want, "iceberg") == []


def test_describe_changes():
    have = cols("a int", "l list<int>")
    want = cols("a long", "l list<string>", "n decimal(10,2)!")
    lines = [t.describe_change(c, have, want, "iceberg") for c in t.diff_columns(have, want, "iceberg")]
    assert sorted(lines) == ["add column n decimal(10,2) not null", "change type of l list<int> -> list<string>",
                             "widen a int -> long"]


def test_renames_apply_once():
    plan = t.Plan({})
    renamed, done = t.apply_renames(cols("a int", "b int"), {"a": "x", "gone": "y"}, plan)
    assert [c["name"] for c in renamed] == ["x", "b"] and done == {"a": "x"}
    assert plan.changes == ["rename column a -> x"]
    plan = t.Plan({})
    t.apply_renames(cols("a int", "x int"), {"a": "x"}, plan)
    assert plan.blocked and not plan.changes


# ------------------------------------------------------------------ Hive tables


def glue_table(name="clicks", serde="org.openx.data.jsonserde.JsonSerDe", **extra):
    table = {
        "Name": name,
        "TableType": "EXTERNAL_TABLE",
        "Owner": "etl",
        "Parameters": {"EXTERNAL": "TRUE", "classification": "json", "projection.enabled": "true"},
        "StorageDescriptor": {
            "Columns": [{"Name": "user_id", "Type": "string"}, {"Name": "n", "Type": "int", "Comment": "count"}],
            "Location": "s3://lake/raw/clicks",
            "InputFormat": "org.apache.hadoop.mapred.TextInputFormat",
            "SerdeInfo": {"SerializationLibrary": serde, "Parameters": {}},
        },
        "PartitionKeys": [{"Name": "dt", "Type": "string"}],
        "CreateTime": "2024-01-01",
        "DatabaseName": "sales",
        "VersionId": "3",
    }
    table.update(extra)
    return table


def spec(**values):
    base = {"name": "clicks", "format": "json", "location": "s3://lake/raw/clicks/", "description": None,
            "columns": None, "partition_by": None, "properties": None, "serde_parameters": None, "rename_columns": {}}
    base.update(values)
    return base


@pytest.mark.parametrize("table, expected", [
    ({"Parameters": {"table_type": "ICEBERG"}}, "iceberg"),
    ({"Parameters": {"table_type": "delta"}}, "delta"),
    ({"Parameters": {"spark.sql.sources.provider": "DELTA"}}, "delta"),
    ({"TableType": "VIRTUAL_VIEW"}, "view"),
    ({"StorageDescriptor": {"SerdeInfo": {"SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"}}}, "parquet"),
    ({"StorageDescriptor": {"InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"}}, "parquet"),
    ({"StorageDescriptor": {"SerdeInfo": {"SerializationLibrary": "org.apache.hive.hcatalog.data.JsonSerDe"}}}, "json"),
    ({"StorageDescriptor": {"SerdeInfo": {"SerializationLibrary": "org.apache.hadoop.hive.serde2.OpenCSVSerde"}}}, "csv"),
    ({"Parameters": {"classification": "ORC"}}, "orc"),
    ({}, "unknown"),
])
def test_detect_format(table, expected):
    assert t.detect_format(table) == expected


def test_hive_state_and_table_input_keep_what_is_not_managed():
    state = t.normalize_hive_table(glue_table(), t.hive_property_keys(spec(properties={"owner": "x"})))
    assert state["columns"] == [t.column("user_id", "string"), t.column("n", "int", comment="count"),
                                t.column("dt", "string")]
    assert state["partition_by"] == ["dt"] and state["location"] == "s3://lake/raw/clicks/"
    assert state["properties"] == {"EXTERNAL": "TRUE", "classification": "json", "owner": None}
    api = t.hive_table_input(dict(state, properties={"owner": "x"}), glue_table())
    assert api["Owner"] == "etl" and "CreateTime" not in api and "VersionId" not in api
    assert api["Parameters"] == {"EXTERNAL": "TRUE", "classification": "json", "projection.enabled": "true",
                                 "owner": "x"}
    assert api["PartitionKeys"] == [{"Name": "dt", "Type": "string"}]
    assert [c["Name"] for c in api["StorageDescriptor"]["Columns"]] == ["user_id", "n"]


def test_hive_plan_without_changes():
    state = t.normalize_hive_table(glue_table(), t.hive_property_keys(spec()))
    plan = t.plan_hive_table(state, spec(columns=cols("dt string", "user_id string", "n int"), partition_by=["dt"]))
    assert plan.changes == [] and plan.operations is None
    assert plan.target["columns"] == state["columns"]  # the comment nobody manages is kept


def test_hive_plan_changes_and_unsafe_ones():
    state = t.normalize_hive_table(glue_table(), t.hive_property_keys(spec()))
    plan = t.plan_hive_table(state, spec(format="parquet", columns=cols("user_id string", "n bigint", "h date"),
                                         partition_by=["h"], properties={"owner": "x"}))
    assert plan.changes == [
        "widen n int -> bigint", "add column h date", "drop column dt", "change partition keys ['dt'] -> ['h']",
        "change format json -> parquet", "set parameter classification: 'json' -> 'parquet'",
        "set parameter owner: None -> 'x'", "set SerDe parameters {} -> {'serialization.format': '1'}"]
    assert plan.unsafe == ["drop column dt", "change partition keys ['dt'] -> ['h']"]
    assert [c["name"] for c in plan.target["columns"]] == ["user_id", "n", "h"]


def test_hive_reorder_is_a_change_for_positional_formats():
    state = t.normalize_hive_table(glue_table(), t.hive_property_keys(spec()))
    plan = t.plan_hive_table(state, spec(columns=cols("n int", "user_id string", "dt string")))
    assert plan.changes == ["reorder columns ['user_id', 'n', 'dt'] -> ['n', 'user_id', 'dt']"] and not plan.unsafe


def test_new_hive_state_puts_partition_keys_last():
    state = t.new_hive_state(spec(format="csv", columns=cols("dt string", "a int"), partition_by=["dt"],
                                  serde_parameters={"field.delim": "|"}))
    assert [c["name"] for c in state["columns"]] == ["a", "dt"]
    assert state["serde_parameters"] == {"field.delim": "|", "serialization.format": ","}
    assert state["properties"] == {"EXTERNAL": "TRUE", "classification": "csv"}


def test_custom_endpoints_are_passed_on_and_aws_endpoints_are_not():
    emulator = boto3.client("s3", region_name="us-east-1", endpoint_url="http://127.0.0.1:5000")
    assert t.custom_endpoint(emulator) == "http://127.0.0.1:5000"
    assert t.custom_endpoint(RetryingBotoClientWrapper(emulator, aws_retry())) == "http://127.0.0.1:5000"
    for region in ("us-east-1", "eu-west-1", "cn-north-1"):
        assert t.custom_endpoint(boto3.client("glue", region_name=region)) is None


def test_connection_hands_the_modules_credentials_and_endpoints_to_the_libraries():
    module = MagicMock(params={"access_key": "AKIDEXAMPLE", "secret_key": "secret", "session_token": "token",
                               "region": "eu-west-1", "endpoint_url": None, "profile": None, "validate_certs": True,
                               "aws_ca_bundle": None, "aws_config": None})
    glue_client = boto3.client("glue", region_name="eu-west-1", endpoint_url="http://127.0.0.1:9")
    module.client.return_value = boto3.client("s3", region_name="eu-west-1")
    connection = t.Connection(module, glue_client)
    assert (connection.region, connection.glue_endpoint, connection.s3_endpoint) == (
        "eu-west-1", "http://127.0.0.1:9", None)
    credentials = connection.credentials
    assert (credentials.access_key, credentials.secret_key, credentials.token) == ("AKIDEXAMPLE", "secret", "token")


def test_property_strings():
    assert t.property_string(True) == "true" and t.property_string(1) == "1" and t.property_string(None) == ""
    assert t.default_location("lake", "processed/", "sales", "orders") == "s3://lake/processed/sales/orders/"
    assert t.normalize_location("s3://lake/a") == "s3://lake/a/" == t.normalize_location("s3://lake/a/")


# ------------------------------------------------------------------ catalog calls through Stubber


def test_get_tables_follows_every_page(glue):
    client, stub = glue
    stub.add_response("get_tables", {"TableList": [{"Name": "a"}], "NextToken": "t1"}, {"DatabaseName": "sales"})
    stub.add_response("get_tables", {"TableList": [{"Name": "b"}], "NextToken": "t2"},
                      {"DatabaseName": "sales", "NextToken": "t1"})
    stub.add_response("get_tables", {"TableList": [{"Name": "c"}]}, {"DatabaseName": "sales", "NextToken": "t2"})
    assert [x["Name"] for x in t.list_tables(client, "sales")] == ["a", "b", "c"]


def test_get_tables_is_retried_when_throttled_and_passes_the_catalog_id(glue):
    client, stub = glue
    stub.add_client_error("get_tables", service_error_code="ThrottlingException", http_status_code=400)
    stub.add_response("get_tables", {"TableList": []}, {"DatabaseName": "sales", "CatalogId": "111122223333"})
    assert t.list_tables(client, "sales", "111122223333") == []


def test_missing_database_reads_as_none_and_other_errors_fail(glue):
    client, stub = glue
    stub.add_client_error("get_tables", service_error_code="EntityNotFoundException", http_status_code=400)
    assert t.list_tables(client, "sales") is None
    stub.add_client_error("get_tables", service_error_code="AccessDeniedException", http_status_code=400)
    with pytest.raises(DeltaLakeAWSError, match="get the tables of Glue database"):
        t.list_tables(client, "sales")


def test_deletes_go_in_batches_of_100_and_gone_tables_are_fine(glue):
    client, stub = glue
    names = [f"t{i}" for i in range(150)]
    stub.add_response("batch_delete_table", {"Errors": []}, {"DatabaseName": "sales", "TablesToDelete": names[:100]})
    stub.add_response("batch_delete_table", {"Errors": [
        {"TableName": "t120", "ErrorDetail": {"ErrorCode": "EntityNotFoundException", "ErrorMessage": "gone"}}]},
        {"DatabaseName": "sales", "TablesToDelete": names[100:]})
    t.delete_tables(client, "sales", names)


def test_a_failed_batch_delete_names_the_table(glue):
    client, stub = glue
    stub.add_response("batch_delete_table", {"Errors": [
        {"TableName": "t1", "ErrorDetail": {"ErrorCode": "AccessDeniedException", "ErrorMessage": "no"}}]},
        {"DatabaseName": "sales", "TablesToDelete": ["t1"]})
    with pytest.raises(DeltaLakeAWSError, match="t1: AccessDeniedException no"):
        t.delete_tables(client, "sales", ["t1"])


def body(data):
    return StreamingBody(io.BytesIO(data), len(data))


def test_metadata_files_may_be_gzip_compressed(s3):
    client, stub = s3
    stub.add_response("get_object", {"Body": body(gzip.compress(b'{"a": 1}'))}, {"Bucket": "lake", "Key": "m.gz.json"})
    stub.add_response("get_object", {"Body": body(b"not json")}, {"Bucket": "lake", "Key": "bad.json"})
    assert t.read_json(client, "s3://lake/m.gz.json") == {"a": 1}
    with pytest.raises(DeltaLakeAWSError, match="is not valid JSON"):
        t.read_json(client, "s3://lake/bad.json")


def test_missing_bucket_has_no_objects(s3):
    client, stub = s3
    stub.add_client_error("list_objects_v2", service_error_code="NoSuchBucket", http_status_code=404)
    assert t.has_objects(client, "s3://lake/t/_delta_log/") is False


def test_delete_data_pages_batches_and_reports_errors(s3):
    client, stub = s3
    keys = [{"Key": f"t/k{i}"} for i in range(1001)]
    stub.add_response("list_objects_v2", {"Contents": keys[:900], "IsTruncated": True, "NextContinuationToken": "n"},
                      {"Bucket": "lake", "Prefix": "t/"})
    stub.add_response("delete_objects", {}, {"Bucket": "lake", "Delete": {"Objects": keys[:900], "Quiet": True}})
    stub.add_response("list_objects_v2", {"Contents": keys[900:], "IsTruncated": False},
                      {"Bucket": "lake", "Prefix": "t/", "ContinuationToken": "n"})
    stub.add_response("delete_objects", {"Errors": [{"Key": "t/k1000", "Code": "AccessDenied", "Message": "no"}]},
                      {"Bucket": "lake", "Delete": {"Objects": keys[900:], "Quiet": True}})
    with pytest.raises(DeltaLakeAWSError, match="t/k1000: AccessDenied"):
        t.delete_data(client, "s3://lake/t")
