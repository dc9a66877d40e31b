# -*- coding: utf-8 -*-

# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Delta Lake tables of the Glue Data Catalog for deltalake.aws.glue_table.

The Delta transaction log (``<location>/_delta_log/``) is the table: deltalake (delta-rs) reads it, creates it
(the first commit holds the schema and partition columns) and changes it with metadata commits (new columns,
nullability, column comments, table properties). The Glue entry is an external table that points at the location
with the parameters Athena and Spark expect (``table_type=DELTA``, ``spark.sql.sources.provider=delta``) and the
log's schema as Glue columns, so that Lake Formation column permissions and the Glue console see it. deltalake is
imported only when a Delta table is managed (``load_library``).
"""

import json

from ansible_collections.deltalake.aws.plugins.module_utils.base import DeltaLakeAWSError
from ansible_collections.deltalake.aws.plugins.module_utils.tables import DELTA
from ansible_collections.deltalake.aws.plugins.module_utils.tables import EXTERNAL_TABLE
from ansible_collections.deltalake.aws.plugins.module_utils.tables import Plan
from ansible_collections.deltalake.aws.plugins.module_utils.tables import apply_changes
from ansible_collections.deltalake.aws.plugins.module_utils.tables import column
from ansible_collections.deltalake.aws.plugins.module_utils.tables import columns_struct
from ansible_collections.deltalake.aws.plugins.module_utils.tables import describe_change
from ansible_collections.deltalake.aws.plugins.module_utils.tables import describe_properties
from ansible_collections.deltalake.aws.plugins.module_utils.tables import diff_columns
from ansible_collections.deltalake.aws.plugins.module_utils.tables import glue_column
from ansible_collections.deltalake.aws.plugins.module_utils.tables import has_objects
from ansible_collections.deltalake.aws.plugins.module_utils.tables import normalize_glue_columns
from ansible_collections.deltalake.aws.plugins.module_utils.tables import normalize_location
from ansible_collections.deltalake.aws.plugins.module_utils.tables import parse_type
from ansible_collections.deltalake.aws.plugins.module_utils.tables import properties_subset
from ansible_collections.deltalake.aws.plugins.module_utils.tables import render_type
from ansible_collections.deltalake.aws.plugins.module_utils.tables import resolve_comments
from ansible_collections.deltalake.aws.plugins.module_utils.tables import table_input

LIBRARY = "deltalake"
REQUIREMENT = "deltalake>=1.0"
# What Spark's DeltaCatalog and Athena write for a Delta table in the Glue catalog: the provider and table type
# tell engines to read the transaction log; the SerDe/format are the placeholders Spark uses for data-source
# tables, and the ``path`` SerDe parameter is the table's location.
PARAMETERS = {"table_type": "DELTA", "spark.sql.sources.provider": "delta", "EXTERNAL": "TRUE"}
INPUT_FORMAT = "org.apache.hadoop.mapred.SequenceFileInputFormat"
OUTPUT_FORMAT = "org.apache.hadoop.hive.ql.io.HiveSequenceFileOutputFormat"
SERDE = "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"


def load_library():
    """Import deltalake (raises ImportError naming what is missing)."""
    import deltalake  # noqa: F401  pylint: disable=unused-import


def check_library():
    """Reading a Delta table's state needs deltalake, and it imports in under 0.1 s: import it at once."""
    load_library()


def storage_options(connection):
    """delta-rs object store options from the module's connection (an http endpoint, such as a local emulator,
    needs AWS_ALLOW_HTTP)."""
    credentials = connection.credentials
    options = {
        "AWS_REGION": connection.region,
        "AWS_ACCESS_KEY_ID": credentials.access_key,
        "AWS_SECRET_ACCESS_KEY": credentials.secret_key,
    }
    if credentials.token:
        options["AWS_SESSION_TOKEN"] = credentials.token
    if connection.s3_endpoint:
        options["AWS_ENDPOINT_URL"] = connection.s3_endpoint
        if connection.s3_endpoint.startswith("http://"):
            options["AWS_ALLOW_HTTP"] = "true"
    return options


def table_uri(location):
    return location.rstrip("/")


def _library_errors():
    from deltalake.exceptions import DeltaError

    return (DeltaError, OSError, ValueError)


# ---------------------------------------------------------------------------------------------------- types


def _node(value):
    """A Delta schema JSON type -> the neutral type tree of tables.py."""
    if isinstance(value, str):
        return parse_type(value, DELTA, strict=False)
    kind = value.get("type")
    if kind == "struct":
        return {"t": "struct", "fields": [
            {"name": f["name"], "type": _node(f["type"]), "required": not f.get("nullable", True)}
            for f in value.get("fields", [])]}
    if kind == "array":
        return {"t": "list", "element": _node(value["elementType"]), "required": not value.get("containsNull", True)}
    if kind == "map":
        return {"t": "map", "key": _node(value["keyType"]), "value": _node(value["valueType"]),
                "required": not value.get("valueContainsNull", True)}
    return {"t": f"delta:{kind}", "p": []}


def _json(node):
    """The neutral type tree -> a Delta schema JSON type."""
    kind = node["t"]
    if kind == "struct":
        return {"type": "struct", "fields": [_field_json(f["name"], f["type"], f["required"]) for f in node["fields"]]}
    if kind == "list":
        return {"type": "array", "elementType": _json(node["element"]), "containsNull": not node["required"]}
    if kind == "map":
        return {"type": "map", "keyType": _json(node["key"]), "valueType": _json(node["value"]),
                "valueContainsNull": not node["required"]}
    return render_type(node, DELTA)


def _field_json(name, node, required, comment=None):
    return {"name": name, "type": _json(node), "nullable": not required,
            "metadata": {"comment": comment} if comment else {}}


def schema_json(columns):
    struct = columns_struct(columns, DELTA)
    return json.dumps({"type": "struct", "fields": [
        _field_json(f["name"], f["type"], f["required"], f.get("comment")) for f in struct["fields"]]})


# ---------------------------------------------------------------------------------------------------- reading


def log_exists(s3_client, location):
    """Whether ``<location>/_delta_log/`` holds anything (a listing; False when the bucket does not exist)."""
    return has_objects(s3_client, normalize_location(location) + "_delta_log/")


def read_log(location, options):
    """The state of the Delta table at ``location`` from its log, or None when it has no commit."""
    from deltalake import DeltaTable
    from deltalake.exceptions import TableNotFoundError

    try:
        table = DeltaTable(table_uri(location), storage_options=options)
    except TableNotFoundError:
        return None
    except _library_errors() as e:
        raise DeltaLakeAWSError(message=f"Failed to read the Delta log at {location}: {e}") from e
    schema = json.loads(table.schema().to_json())
    metadata = table.metadata()
    return {
        "format": DELTA,
        "location": normalize_location(location),
        "columns": [
            column(f["name"], render_type(_node(f["type"]), DELTA), not f.get("nullable", True),
                   (f.get("metadata") or {}).get("comment"))
            for f in schema.get("fields", [])
        ],
        "partition_by": list(metadata.partition_columns),
        "properties": dict(metadata.configuration or {}),
    }


# ---------------------------------------------------------------------------------------------------- Glue entry


def glue_input(name, location, description, columns, current=None):
    """The Glue TableInput registering the Delta table; fields this module does not manage keep their values
    from ``current`` (the GetTables answer)."""
    api = table_input(current) if current else {"Name": name}
    uri = table_uri(location)
    api["TableType"] = EXTERNAL_TABLE
    api.setdefault("Parameters", {}).update(PARAMETERS)
    descriptor = api.setdefault("StorageDescriptor", {})
    descriptor.update({
        "Columns": [glue_column(c, DELTA) for c in columns],
        "Location": uri,
        "InputFormat": INPUT_FORMAT,
        "OutputFormat": OUTPUT_FORMAT,
        "SerdeInfo": {"SerializationLibrary": SERDE, "Parameters": {"serialization.format": "1", "path": uri}},
    })
    api["PartitionKeys"] = []
    if description:
        api["Description"] = description
    else:
        api.pop("Description", None)
    return api


def _registration(api):
    """The parts of a Glue table this module keeps in step with the Delta log, for comparison."""
    descriptor = api.get("StorageDescriptor") or {}
    serde = descriptor.get("SerdeInfo") or {}
    serde_parameters = dict(serde.get("Parameters") or {})
    if "path" in serde_parameters:
        serde_parameters["path"] = normalize_location(serde_parameters["path"])
    return {
        "columns": normalize_glue_columns(descriptor.get("Columns")),
        "location": normalize_location(descriptor.get("Location")),
        "formats": [descriptor.get("InputFormat"), descriptor.get("OutputFormat"), serde.get("SerializationLibrary")],
        "serde_parameters": serde_parameters,
        "parameters": properties_subset(api.get("Parameters"), PARAMETERS),
        "partition_keys": [c.get("Name") for c in api.get("PartitionKeys") or []],
    }


def catalog_synced(current, name, location, columns):
    """Whether the Glue entry ``current`` registers the Delta table at ``location`` with ``columns``."""
    if current is None:
        return False
    return _registration(current) == _registration(glue_input(name, location, None, columns))


def display(state, spec):
    """The module's shape of a Delta table: the log's schema, partitions and managed properties, the Glue
    description, and whether the Glue entry matches the log (``catalog_synced``)."""
    return {
        "name": state["name"],
        "format": DELTA,
        "location": state["location"],
        "description": state.get("description"),
        "columns": state["columns"] or [],
        "partition_by": state["partition_by"],
        "properties": properties_subset(state["properties"], (spec["properties"] or {}).keys()),
        "catalog_synced": state["catalog_synced"],
    }


# ---------------------------------------------------------------------------------------------------- planning


def _is_safe(change):
    """What a Delta metadata commit can do without rewriting data (delta-rs has no column mapping and no type
    widening): add a nullable top-level column, drop NOT NULL of a top-level column, set a column comment."""
    top = len(change["path"]) == 1
    if change["kind"] == "add":
        return top and not change["field"]["required"]
    return top and change["kind"] in ("optional", "comment")


def plan_table(before, spec):
    """Plan a Delta table from ``before`` (read_state's answer; ``columns`` None when the location has no Delta
    log yet) to ``spec``. Changes a metadata commit cannot make are unsafe: with
    allow_destructive the table is re-created empty with the new schema (``overwrite``); the data files stay
    until a VACUUM removes them."""
    plan = Plan(dict(before))
    operations = {"create": False, "overwrite": False, "add": [], "optional": [], "comments": {}, "properties": {},
                  "register": True}
    properties = dict(spec["properties"] or {})
    description = before.get("description") if spec["description"] is None else (spec["description"] or None)
    plan.target["description"] = description
    if before["columns"] is None:
        if spec["columns"] is None:
            plan.blocked.append(f"columns are required: there is no Delta log at {before['location']} yet")
            return plan
        plan.change(f"create the Delta log at {before['location']}_delta_log/")
        plan.target.update(columns=[dict(c, comment=c.get("comment") or None) for c in spec["columns"]],
                           partition_by=list(spec["partition_by"] or []), properties=properties)
        operations["create"] = True
    else:
        have = before["columns"]
        renames = {old: new for old, new in spec["rename_columns"].items() if old in {c["name"] for c in have}}
        want = resolve_comments(have, spec["columns"]) if spec["columns"] is not None else have
        for old, new in renames.items():
            plan.change(f"rename column {old} -> {new} (Delta tables without column mapping cannot rename)", True)
        changes = diff_columns(have, want, DELTA) if not renames else []
        for change in changes:
            plan.change(describe_change(change, have, want, DELTA), unsafe=not _is_safe(change))
        partitions = spec["partition_by"] if spec["partition_by"] is not None else before["partition_by"]
        if partitions != before["partition_by"]:
            plan.change(f"change partition columns {before['partition_by']} -> {partitions}", unsafe=True)
        if plan.unsafe:
            operations["overwrite"] = True
            plan.target.update(columns=want, partition_by=list(partitions))
        else:
            plan.target["columns"] = apply_changes(have, want, changes, DELTA)
            operations["add"] = [c["field"] for c in changes if c["kind"] == "add"]
            operations["optional"] = [c["path"][0] for c in changes if c["kind"] == "optional"]
            operations["comments"] = {c["path"][0]: c["new"] for c in changes if c["kind"] == "comment"}
        changed = {k: v for k, v in properties.items() if before["properties"].get(k) != v}
        for line in describe_properties(before["properties"], changed):
            plan.change(line)
        plan.target["properties"] = dict(before["properties"], **properties)
        operations["properties"] = changed
    if before.get("description") != description:
        plan.change(f"set description: {before.get('description')!r} -> {description!r}")
    if before.get("glue") is None:
        plan.change("register the table in the Glue catalog")
    elif not before["catalog_synced"]:
        plan.change("update the Glue table to match the Delta log")
    plan.target["catalog_synced"] = True
    plan.target.pop("glue", None)
    plan.operations = operations if plan.changes else None
    return plan


def read_state(writer, s3_client, name, location, glue_table):
    """The current state of a Delta table: its log (one listing, then the log read when there is one) and its
    Glue entry (``glue``, None when not registered)."""
    state = writer.read(location) if log_exists(s3_client, location) else None
    if state is None:
        state = {"format": DELTA, "location": normalize_location(location), "columns": None, "partition_by": [],
                 "properties": {}}
    state.update(name=name, glue=glue_table, description=(glue_table or {}).get("Description") or None)
    state["catalog_synced"] = state["columns"] is not None and catalog_synced(glue_table, name, location,
                                                                              state["columns"])
    return state


# ---------------------------------------------------------------------------------------------------- writing


class DeltaWriter:
    """deltalake on the module's connection."""

    def __init__(self, connection):
        self.connection = connection
        self._options = None

    @property
    def options(self):
        if self._options is None:
            self._options = storage_options(self.connection)
        return self._options

    def read(self, location):
        return read_log(location, self.options)

    def create(self, name, state, mode="error"):
        """Write the first commit (schema, partition columns, properties) at the table's location; ``overwrite``
        replaces the schema of an existing table with an empty table."""
        from deltalake import DeltaTable
        from deltalake import Schema

        try:
            DeltaTable.create(
                table_uri(state["location"]), Schema.from_json(schema_json(state["columns"])), mode=mode,
                partition_by=list(state["partition_by"]) or None, name=name, description=state.get("description"),
                configuration={k: v for k, v in state["properties"].items() if v is not None} or None,
                storage_options=self.options, raise_if_key_not_exists=False)
        except _library_errors() as e:
            raise DeltaLakeAWSError(message=f"Failed to create the Delta table at {state['location']}: {e}") from e

    def evolve(self, location, operations):
        """Metadata commits: new columns, dropped NOT NULL constraints, column comments, table properties."""
        from deltalake import DeltaTable
        from deltalake import Field

        try:
            table = DeltaTable(table_uri(location), storage_options=self.options)
            if operations["add"]:
                table.alter.add_columns([
                    Field.from_json(json.dumps(_field_json(f["name"], f["type"], f["required"], f.get("comment"))))
                    for f in operations["add"]])
            for name in operations["optional"]:
                table.alter.drop_column_not_null(name)
            for name, comment in operations["comments"].items():
                table.alter.set_column_metadata(name, {"comment": comment or ""})
            updates = {k: v for k, v in operations["properties"].items() if v is not None}
            if updates:
                table.alter.set_table_properties(updates, raise_if_not_exists=False)
        except _library_errors() as e:
            raise DeltaLakeAWSError(message=f"Failed to change the Delta table at {location}: {e}") from e
