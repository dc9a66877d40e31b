# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Iceberg and Delta table planning: metadata parsing (Iceberg format versions 1 and 2), schema and partition
evolution, what is unsafe, and the Glue registration of Delta tables. No library and no AWS call is needed here;
tests/e2e/test_tables.py writes and reads real tables."""

import json

from ansible_collections.deltalake.aws.plugins.module_utils import delta
from ansible_collections.deltalake.aws.plugins.module_utils import iceberg
from ansible_collections.deltalake.aws.plugins.module_utils import tables as t

V2_METADATA = {
    "format-version": 2,
    "location": "s3://lake/processed/sales/orders",
    "current-schema-id": 1,
    "schemas": [
        {"schema-id": 0, "type": "struct", "fields": [{"id": 1, "name": "old", "type": "int", "required": False}]},
        {"schema-id": 1, "type": "struct", "fields": [
            {"id": 1, "name": "id", "type": "long", "required": True, "doc": "key"},
            {"id": 2, "name": "ts", "type": "timestamptz", "required": False},
            {"id": 3, "name": "amount", "type": "decimal(10, 2)", "required": False},
            {"id": 4, "name": "addr", "required": False, "type": {"type": "struct", "fields": [
                {"id": 7, "name": "zip", "type": "string", "required": False}]}},
            {"id": 5, "name": "tags", "required": False, "type": {
                "type": "list", "element-id": 8, "element": "string", "element-required": True}},
            {"id": 6, "name": "attrs", "required": False, "type": {
                "type": "map", "key-id": 9, "key": "string", "value-id": 10, "value": "fixed[4]",
                "value-required": False}},
        ]},
    ],
    "default-spec-id": 1,
    "partition-specs": [
        {"spec-id": 0, "fields": []},
        {"spec-id": 1, "fields": [
            {"source-id": 2, "field-id": 1000, "name": "ts_day", "transform": "day"},
            {"source-id": 1, "field-id": 1001, "name": "id_bucket_16", "transform": "bucket[16]"},
            {"source-id": 7, "field-id": 1002, "name": "zip", "transform": "identity"},
            {"source-id": 3, "field-id": 1003, "name": "gone", "transform": "void"},
        ]},
    ],
    "properties": {"comment": "Orders", "write.format.default": "parquet"},
}

V1_METADATA = {
    "format-version": 1,
    "location": "s3://lake/t/",
    "schema": {"type": "struct", "fields": [{"id": 1, "name": "d", "type": "date", "required": False}]},
    "partition-spec": [{"source-id": 1, "field-id": 1000, "name": "d_month", "transform": "month"}],
}


def state_v2():
    state = iceberg.metadata_state(V2_METADATA)
    state["name"] = "orders"
    return state


def table_spec(**values):
    base = {"name": "orders", "format": "iceberg", "location": "s3://lake/processed/sales/orders/",
            "description": None, "columns": None, "partition_by": None, "properties": None,
            "serde_parameters": None, "rename_columns": {}}
    base.update(values)
    return base


def columns_of(state, **changes):
    columns = [dict(c) for c in state["columns"]]
    for col in columns:
        col.update(changes.get(col["name"], {}))
    return columns


# ------------------------------------------------------------------ Iceberg metadata


def test_v2_metadata_state():
    state = state_v2()
    assert state["location"] == "s3://lake/processed/sales/orders/"
    assert state["columns"] == [
        t.column("id", "long", True, "key"),
        t.column("ts", "timestamptz"),
        t.column("amount", "decimal(10,2)"),
        t.column("addr", "struct<zip:string>"),
        t.column("tags", "list<string not null>"),
        t.column("attrs", "map<string,fixed[4]>"),
    ]
    assert state["partition_by"] == ["day(ts)", "bucket[16](id)", "addr.zip"]  # void (removed in v1) skipped
    display = iceberg.display(state, table_spec(properties={"write.format.default": "parquet", "x": "1"}))
    assert display["description"] == "Orders"
    assert display["properties"] == {"write.format.default": "parquet", "x": None}


def test_v1_metadata_state():
    state = iceberg.metadata_state(V1_METADATA)
    assert state["columns"] == [t.column("d", "date")] and state["partition_by"] == ["month(d)"]
    assert state["properties"] == {}


def test_same_definition_plans_nothing():
    state = state_v2()
    plan = iceberg.plan_table(state, table_spec(columns=columns_of(state, id={"comment": None}),
                                                partition_by=list(state["partition_by"]), description="Orders",
                                                properties={"write.format.default": "parquet"}))
    assert plan.changes == [] and plan.operations is None
    assert plan.target["columns"] == state["columns"]


def test_evolution_is_planned_in_iceberg_order():
    state = state_v2()
    columns = columns_of(state, amount={"type": "decimal(12,2)"}, id={"required": False})
    columns = [dict(c, name="event_ts") if c["name"] == "ts" else c for c in columns]
    columns.append(t.column("channel", "string", comment="where"))
    plan = iceberg.plan_table(state, table_spec(
        columns=columns, rename_columns={"ts": "event_ts"},
        partition_by=["day(event_ts)", "bucket[16](id)", "addr.zip", "channel"],
        description="All orders", properties={"owner": "sales"}))
    assert plan.changes == [
        "rename column ts -> event_ts",
        "make id optional",
        "widen amount decimal(10,2) -> decimal(12,2)",
        "add column channel string",
        "add partition field channel",
        "set property comment: 'Orders' -> 'All orders'",
        "set property owner: None -> 'sales'",
    ]
    assert plan.unsafe == []
    names = ["id", "event_ts", "amount", "addr", "tags", "attrs", "channel"]
    assert [c["name"] for c in plan.target["columns"]] == names
    assert plan.target["partition_by"] == ["day(event_ts)", "bucket[16](id)", "addr.zip", "channel"]
    assert plan.operations["renames"] == {"ts": "event_ts"}
    assert plan.operations["spec_add"] == ["channel"] and plan.operations["spec_remove"] == []
    assert plan.operations["properties"] == {"comment": "All orders", "owner": "sales"}


def test_narrowing_and_dropping_are_unsafe_and_partitions_follow_recreated_columns():
    state = state_v2()
    columns = [c for c in columns_of(state, id={"type": "int"}, tags={"type": "list<string>"}) if c["name"] != "ts"]
    plan = iceberg.plan_table(state, table_spec(columns=columns))
    assert plan.unsafe == ["change type of id long -> int", "drop column ts", "remove partition field day(ts)",
                           "remove partition field bucket[16](id)"]
    assert "make tags.element optional" in plan.changes and "make tags.element optional" not in plan.unsafe
    # the bucket on the re-created id column is removed and added again; the day(ts) partition goes
    assert plan.operations["spec_remove"] == ["day(ts)", "bucket[16](id)"]
    assert plan.operations["spec_add"] == ["bucket[16](id)"]
    assert plan.target["partition_by"] == ["addr.zip", "bucket[16](id)"]
    assert [c["name"] for c in plan.target["columns"]] == ["amount", "addr", "tags", "attrs", "id"]


def test_required_columns_are_unsafe_to_add_or_tighten():
    state = state_v2()
    plan = iceberg.plan_table(state, table_spec(columns=columns_of(state, ts={"required": True}) + [
        t.column("must", "string", True)]))
    assert plan.unsafe == ["make ts required", "add column must string not null"]


def test_removing_a_description_removes_the_comment_property():
    plan = iceberg.plan_table(state_v2(), table_spec(description=""))
    assert plan.operations["properties"] == {"comment": None}
    assert "comment" not in plan.target["properties"]


def test_new_table_state():
    state = iceberg.new_table_state(table_spec(columns=[t.column("a", "long")], partition_by=["bucket[4](a)"],
                                               description="d", properties={"k": "v"}))
    assert state["properties"] == {"k": "v", "comment": "d"} and state["partition_by"] == ["bucket[4](a)"]
    assert iceberg.partition_field_name("bucket[4](a)") == "a_bucket_4"
    assert iceberg.partition_field_name("truncate[2](addr.zip)") == "addr_zip_trunc_2"
    assert iceberg.partition_field_name("day(ts)") == "ts_day"


# ------------------------------------------------------------------ Delta


def delta_state(columns, partition_by=(), properties=None, glue=None):
    state = {"name": "events", "format": "delta", "location": "s3://lake/events/", "columns": columns,
             "partition_by": list(partition_by), "properties": properties or {}, "glue": glue,
             "description": (glue or {}).get("Description")}
    state["catalog_synced"] = columns is not None and delta.catalog_synced(glue, "events", state["location"],
                                                                           columns)
    return state


def delta_spec(**values):
    return table_spec(name="events", format="delta", location="s3://lake/events/", **values)


def registered(columns, **changes):
    api = delta.glue_input("events", "s3://lake/events/", None, columns)
    api.update(changes)
    return api


def test_delta_schema_json_round_trip():
    columns = [t.column("id", "long", True, "key"), t.column("s", "struct<a:integer not null,b:array<string>>"),
               t.column("m", "map<string,decimal(10,2) not null>")]
    document = json.loads(delta.schema_json(columns))
    assert document["fields"][0] == {"name": "id", "type": "long", "nullable": False, "metadata": {"comment": "key"}}
    assert document["fields"][1]["type"]["fields"][0] == {"name": "a", "type": "integer", "nullable": False,
                                                          "metadata": {}}
    assert document["fields"][2]["type"]["valueContainsNull"] is False
    back = [t.render_type(delta._node(f["type"]), "delta") for f in document["fields"]]  # pylint: disable=protected-access
    assert back == [c["type"] for c in columns]


def test_delta_glue_registration():
    columns = [t.column("id", "long", True, "key"), t.column("ts", "timestamp_ntz")]
    api = delta.glue_input("events", "s3://lake/events/", "Events", columns)
    assert api["Parameters"] == {"table_type": "DELTA", "spark.sql.sources.provider": "delta", "EXTERNAL": "TRUE"}
    assert api["StorageDescriptor"]["Columns"] == [{"Name": "id", "Type": "bigint", "Comment": "key"},
                                                   {"Name": "ts", "Type": "timestamp"}]
    assert api["StorageDescriptor"]["Location"] == "s3://lake/events"
    assert api["StorageDescriptor"]["SerdeInfo"]["Parameters"]["path"] == "s3://lake/events"
    assert api["Description"] == "Events" and api["TableType"] == "EXTERNAL_TABLE"
    assert delta.catalog_synced(api, "events", "s3://lake/events", columns)
    assert not delta.catalog_synced(api, "events", "s3://lake/events", columns + [t.column("x", "string")])
    assert not delta.catalog_synced(None, "events", "s3://lake/events", columns)


def test_delta_create_when_there_is_no_log():
    plan = delta.plan_table(delta_state(None), delta_spec(columns=[t.column("id", "long")], partition_by=[]))
    assert plan.operations["create"] and plan.changes == [
        "create the Delta log at s3://lake/events/_delta_log/", "register the table in the Glue catalog"]
    plan = delta.plan_table(delta_state(None), delta_spec())
    assert plan.blocked


def test_delta_safe_changes_are_metadata_commits():
    have = [t.column("id", "long", True), t.column("v", "string")]
    state = delta_state(have, properties={"delta.appendOnly": "false"}, glue=registered(have))
    want = [t.column("id", "long"), t.column("v", "string", comment="value"), t.column("n", "integer")]
    plan = delta.plan_table(state, delta_spec(columns=want, properties={"delta.appendOnly": "true"}))
    assert plan.changes == ["make id optional", "set comment of v: None -> 'value'", "add column n integer",
                            "set property delta.appendOnly: 'false' -> 'true'"]
    assert not plan.unsafe and not plan.operations["overwrite"]
    assert plan.operations["optional"] == ["id"] and plan.operations["comments"] == {"v": "value"}
    assert [f["name"] for f in plan.operations["add"]] == ["n"]
    assert plan.target["catalog_synced"] is True


def test_delta_unsafe_changes_overwrite():
    have = [t.column("id", "long"), t.column("day", "string")]
    state = delta_state(have, partition_by=["day"], glue=registered(have))
    plan = delta.plan_table(state, delta_spec(columns=[t.column("id", "integer"), t.column("day", "string")],
                                              partition_by=[]))
    assert plan.unsafe == ["change type of id long -> integer", "change partition columns ['day'] -> []"]
    assert plan.operations["overwrite"] and plan.target["partition_by"] == []
    rename = delta.plan_table(state, delta_spec(columns=[t.column("key", "long"), t.column("day", "string")],
                                                rename_columns={"id": "key"}))
    assert rename.unsafe == ["rename column id -> key (Delta tables without column mapping cannot rename)"]
    nested = delta.plan_table(delta_state([t.column("s", "struct<a:int>")]),
                              delta_spec(columns=[t.column("s", "struct<a:int,b:int>")]))
    assert nested.unsafe == ["add field s.b integer"]


def test_delta_glue_entry_out_of_step_with_the_log():
    have = [t.column("id", "long")]
    state = delta_state(have, glue=registered([]))
    assert state["catalog_synced"] is False
    plan = delta.plan_table(state, delta_spec(columns=have))
    assert plan.changes == ["update the Glue table to match the Delta log"] and not plan.unsafe
    synced = delta_state(have, glue=registered(have))
    assert delta.plan_table(synced, delta_spec(columns=have)).changes == []
