# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""deltalake.aws.glue_table end to end against the emulator: the tables it creates are real. Rows are written into
the Iceberg table with pyiceberg and into the Delta table with deltalake, read back, the schemas are evolved by the
module, and rows written after the evolution read back together with the old ones (the renamed Iceberg column keeps
its values). Writes by other engines are drift the module reports, never overwrites silently.

The playbooks get the emulator through AWS_ENDPOINT_URL in the environment only (no endpoint_url option), so this
also proves that pyiceberg and deltalake follow the module's own clients there.
"""

import datetime
from decimal import Decimal

import pyarrow as pa
import yaml
from deltalake import DeltaTable
from deltalake import write_deltalake
from pyiceberg.catalog.glue import GlueCatalog
from pyiceberg.types import StringType

BUCKET = "shop-lake"
DATABASE = "shop"
ROOT = f"s3://{BUCKET}/processed/{DATABASE}"
PLAY = {"hosts": "localhost", "connection": "local", "gather_facts": False,
        "vars": {"ansible_python_interpreter": "{{ ansible_playbook_python }}"}}

ORDERS = {
    "name": "orders",
    "format": "iceberg",
    "columns": [
        {"name": "order_id", "type": "long", "required": True},
        {"name": "ordered_at", "type": "timestamptz"},
        {"name": "amount", "type": "decimal(10,2)"},
        {"name": "quantity", "type": "int"},
        {"name": "store", "type": "string"},
    ],
    # identity: pyiceberg's own writer needs the optional pyiceberg-core for day()/bucket[] (docs/tables.md)
    "partition_by": ["store"],
}
ORDERS_V2 = dict(ORDERS, columns=[
    {"name": "order_id", "type": "long", "required": True},
    {"name": "ordered_at", "type": "timestamptz"},
    {"name": "total", "type": "decimal(12,2)"},
    {"name": "quantity", "type": "long"},
    {"name": "store", "type": "string"},
    {"name": "channel", "type": "string"},
], rename_columns={"amount": "total"})
CUSTOMERS = {
    "name": "customers",
    "format": "delta",
    "columns": [{"name": "customer_id", "type": "long", "required": True}, {"name": "country", "type": "string"}],
    "partition_by": ["country"],
}
CUSTOMERS_V2 = dict(CUSTOMERS, columns=CUSTOMERS["columns"] + [{"name": "email", "type": "string"}])


def write_playbook(tmp_path, name, tasks):
    path = tmp_path / f"{name}.yml"
    path.write_text(yaml.safe_dump([dict(PLAY, name=name, tasks=tasks)], sort_keys=False))
    return str(path)


def tables_task(tables, **extra):
    return {"name": "Manage the shop tables", "register": "result",
            "deltalake.aws.glue_table": dict({"database": DATABASE, "bucket": BUCKET, "tables": tables}, **extra)}


def run_tables(run_playbook, tmp_path, tables, *args, setup=False, **extra):
    """Run glue_table in a playbook (after creating the lake with ``setup``); returns (run, the module's result).
    The lake is the data bucket with the collection's secure defaults (TLS-only policy) and the database."""
    tasks = [tables_task(tables, **extra)]
    if setup:
        tasks[:0] = [{"name": "Bucket", "deltalake.aws.s3_bucket": {"name": BUCKET}},
                     {"name": "Database", "deltalake.aws.glue_database": {"name": DATABASE}}]
    run = run_playbook(write_playbook(tmp_path, "tables", tasks), *args)
    return run, run.tasks().get("Manage the shop tables", {})


def catalog(aws):
    return GlueCatalog("test", **{
        "glue.endpoint": aws.url, "s3.endpoint": aws.url, "glue.region": "us-east-1", "s3.region": "us-east-1",
        "glue.access-key-id": "testing", "glue.secret-access-key": "testing", "s3.access-key-id": "testing",
        "s3.secret-access-key": "testing", "py-io-impl": "pyiceberg.io.pyarrow.PyArrowFileIO"})


def storage(aws):
    return {"AWS_ENDPOINT_URL": aws.url, "AWS_ALLOW_HTTP": "true", "AWS_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


def utc(day, hour=12):
    return datetime.datetime(2024, 5, day, hour, tzinfo=datetime.timezone.utc)


def test_tables_are_real_and_evolve_with_their_data(aws, run_playbook, tmp_path):
    run, created = run_tables(run_playbook, tmp_path, [ORDERS, CUSTOMERS], setup=True)
    assert run.rc == 0, run.stdout + run.stderr
    assert created["changed"] and created["metadata_locations"]["orders"].startswith(f"{ROOT}/orders/metadata/")

    # Iceberg: append rows with pyiceberg through the Glue catalog, read them back.
    orders = catalog(aws).load_table((DATABASE, "orders"))
    schema = orders.schema().as_arrow()
    orders.append(pa.Table.from_pylist([
        {"order_id": 1, "ordered_at": utc(1), "amount": Decimal("10.50"), "quantity": 2, "store": "paris"},
        {"order_id": 2, "ordered_at": utc(2), "amount": Decimal("99.99"), "quantity": 1, "store": "berlin"},
    ], schema=schema))
    assert sorted(catalog(aws).load_table((DATABASE, "orders")).scan().to_arrow()["order_id"].to_pylist()) == [1, 2]

    # Delta: append rows with deltalake at the table's location, read them back.
    customers_uri = f"{ROOT}/customers"
    write_deltalake(customers_uri, pa.table({"customer_id": pa.array([1, 2], pa.int64()),
                                             "country": ["fr", "de"]}),
                    mode="append", storage_options=storage(aws))
    delta = DeltaTable(customers_uri, storage_options=storage(aws))
    assert delta.metadata().partition_columns == ["country"]
    assert sorted(delta.to_pyarrow_table()["customer_id"].to_pylist()) == [1, 2]

    # Writing data is not a change of the managed definition.
    aws.clear_calls()
    run, again = run_tables(run_playbook, tmp_path, [ORDERS, CUSTOMERS])
    assert run.rc == 0 and not again["changed"], again
    assert aws.calls()["mutating"] == 0

    # Evolve both schemas: check mode first, then for real.
    aws.clear_calls()
    run, planned = run_tables(run_playbook, tmp_path, [ORDERS_V2, CUSTOMERS_V2], "--check", "--diff")
    assert run.rc == 0 and planned["changed"], run.stdout
    assert aws.calls()["mutating"] == 0
    assert planned["changes"] == {
        "orders": ["rename column amount -> total", "widen total decimal(10,2) -> decimal(12,2)",
                   "widen quantity int -> long", "add column channel string"],
        "customers": ["add column email string"],
    }
    run, evolved = run_tables(run_playbook, tmp_path, [ORDERS_V2, CUSTOMERS_V2])
    assert run.rc == 0 and evolved["tables"] == planned["tables"], run.stdout

    # New rows with the new schemas; old rows read back with the renamed column's values and nulls in new columns.
    orders = catalog(aws).load_table((DATABASE, "orders"))
    orders.append(pa.Table.from_pylist([
        {"order_id": 3, "ordered_at": utc(3), "total": Decimal("1234567.89"), "quantity": 3_000_000_000,
         "store": "paris", "channel": "web"},
    ], schema=orders.schema().as_arrow()))
    rows = sorted(orders.scan().to_arrow().to_pylist(), key=lambda r: r["order_id"])
    assert [(r["order_id"], r["total"], r["quantity"], r["channel"]) for r in rows] == [
        (1, Decimal("10.50"), 2, None), (2, Decimal("99.99"), 1, None), (3, Decimal("1234567.89"), 3_000_000_000, "web")]
    assert [(str(f.transform), orders.schema().find_column_name(f.source_id)) for f in orders.spec().fields] == [
        ("identity", "store")]
    assert [f.name for f in orders.schema().fields] == ["order_id", "ordered_at", "total", "quantity", "store",
                                                        "channel"]
    paris = orders.scan(row_filter="store == 'paris'").to_arrow()["order_id"].to_pylist()
    assert sorted(paris) == [1, 3]

    write_deltalake(customers_uri, pa.table({"customer_id": pa.array([3], pa.int64()), "country": ["fr"],
                                             "email": ["c@example.com"]}),
                    mode="append", storage_options=storage(aws))
    customers = DeltaTable(customers_uri, storage_options=storage(aws)).to_pyarrow_table().to_pylist()
    assert sorted((r["customer_id"], r["email"]) for r in customers) == [(1, None), (2, None), (3, "c@example.com")]

    # Re-running after the writes changes nothing.
    aws.clear_calls()
    run, again = run_tables(run_playbook, tmp_path, [ORDERS_V2, CUSTOMERS_V2])
    assert run.rc == 0 and not again["changed"], again.get("changes")
    assert aws.calls()["mutating"] == 0


def test_writes_by_other_engines_are_drift(aws, run_playbook, tmp_path):
    run, created = run_tables(run_playbook, tmp_path, [ORDERS, CUSTOMERS], setup=True)
    assert run.rc == 0, run.stdout

    # A Spark-like writer adds a column to each table outside Ansible.
    orders = catalog(aws).load_table((DATABASE, "orders"))
    with orders.update_schema() as update:
        update.add_column("coupon", StringType())
    merged = pa.schema([pa.field("customer_id", pa.int64(), nullable=False), ("country", pa.string()),
                        ("segment", pa.string())])
    write_deltalake(f"{ROOT}/customers", pa.Table.from_pylist([{"customer_id": 1, "country": "fr", "segment": "b2b"}],
                                                              schema=merged),
                    mode="append", schema_mode="merge", storage_options=storage(aws))

    # The definition in the playbook no longer matches: dropping the columns would lose data, so it is refused.
    aws.clear_calls()
    run, refused = run_tables(run_playbook, tmp_path, [ORDERS, CUSTOMERS], "--check")
    assert run.rc != 0
    assert "drop column coupon" in refused["msg"] and "drop column segment" in refused["msg"]
    assert "allow_destructive" in refused["msg"]
    assert aws.calls()["mutating"] == 0

    # Listing the new columns adopts them; the Delta table's Glue entry is brought up to date with its log.
    customers = dict(CUSTOMERS, columns=CUSTOMERS["columns"] + [{"name": "segment", "type": "string"}])
    orders_spec = dict(ORDERS, columns=ORDERS["columns"] + [{"name": "coupon", "type": "string"}])
    run, adopted = run_tables(run_playbook, tmp_path, [orders_spec, customers], "--diff")
    assert run.rc == 0, run.stdout
    assert adopted["changes"] == {"customers": ["update the Glue table to match the Delta log"]}
    glue = aws.client("glue").get_table(DatabaseName=DATABASE, Name="customers")["Table"]
    assert [c["Name"] for c in glue["StorageDescriptor"]["Columns"]] == ["customer_id", "country", "segment"]
    assert adopted["tables"]["orders"]["columns"][-1]["name"] == "coupon"


def test_delta_log_adopted_then_recreated_only_when_allowed(aws, run_playbook, tmp_path):
    uri = f"{ROOT}/customers"
    run, dummy = run_tables(run_playbook, tmp_path, [], setup=True)
    assert run.rc == 0, run.stdout
    write_deltalake(uri, pa.table({"customer_id": pa.array([7, 8], pa.int64()), "country": ["fr", "de"]}),
                    partition_by=["country"], mode="overwrite", storage_options=storage(aws))

    # A Delta log already at the location is registered as it is, never overwritten.
    spec = dict(CUSTOMERS, columns=[{"name": "customer_id", "type": "long"}, {"name": "country", "type": "string"}])
    aws.clear_calls()
    run, planned = run_tables(run_playbook, tmp_path, [spec], "--check")
    assert run.rc == 0 and planned["changes"] == {"customers": ["register the table in the Glue catalog"]}
    assert aws.calls()["mutating"] == 0
    run, registered = run_tables(run_playbook, tmp_path, [spec])
    assert run.rc == 0 and registered["tables"] == planned["tables"]
    assert sorted(DeltaTable(uri, storage_options=storage(aws)).to_pyarrow_table()["customer_id"].to_pylist()) == [7, 8]
    glue = aws.client("glue").get_table(DatabaseName=DATABASE, Name="customers")["Table"]
    assert glue["Parameters"]["table_type"] == "DELTA"
    assert glue["StorageDescriptor"]["SerdeInfo"]["Parameters"]["path"] == uri

    # Other partition columns cannot be a metadata commit: refused, and the rows are still there.
    repartitioned = dict(spec, partition_by=[])
    run, refused = run_tables(run_playbook, tmp_path, [repartitioned])
    assert run.rc != 0 and "change partition columns ['country'] -> []" in refused["msg"]
    assert DeltaTable(uri, storage_options=storage(aws)).to_pyarrow_table().num_rows == 2

    # Allowed, the table is re-created empty with the new partitioning; the old files stay until a VACUUM.
    run, replaced = run_tables(run_playbook, tmp_path, [repartitioned], allow_destructive=True)
    assert run.rc == 0, run.stdout
    table = DeltaTable(uri, storage_options=storage(aws))
    assert table.metadata().partition_columns == [] and table.to_pyarrow_table().num_rows == 0
    assert replaced["tables"]["customers"]["partition_by"] == []
    files = aws.client("s3").list_objects_v2(Bucket=BUCKET, Prefix="processed/shop/customers/country=fr/")
    assert files.get("KeyCount", 0) == 1
    aws.clear_calls()
    run, again = run_tables(run_playbook, tmp_path, [repartitioned])
    assert run.rc == 0 and not again["changed"] and again["tables"] == replaced["tables"]
    assert aws.calls()["mutating"] == 0
