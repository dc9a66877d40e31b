# -*- coding: utf-8 -*-

# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Apache Iceberg tables of the Glue Data Catalog for deltalake.aws.glue_table.

Reading needs no library: the table's current metadata file (Glue parameter ``metadata_location``) is read from S3
with the module's client and parsed here (schema, partition spec, properties; format versions 1 and 2).
Writing goes through pyiceberg's GlueCatalog with the pyarrow FileIO: a new table gets real Iceberg metadata in S3
and its Glue entry in one call, and every change is an Iceberg schema/partition evolution committed in one
transaction (never a raw Glue UpdateTable, which would leave the metadata behind). pyiceberg is imported only when
an Iceberg table is written (``load_library``); before any AWS call ``check_library`` only makes sure that it is
installed, since importing it costs about 0.7 s and an unchanged table needs none of it.
"""

import importlib.util
import itertools
import re

try:
    from botocore.exceptions import BotoCoreError
    from botocore.exceptions import ClientError
except ImportError:
    pass  # AnsibleAWSModule reports a missing botocore

from ansible_collections.deltalake.aws.plugins.module_utils.base import DeltaLakeAWSError
from ansible_collections.deltalake.aws.plugins.module_utils.tables import ICEBERG
from ansible_collections.deltalake.aws.plugins.module_utils.tables import Plan
from ansible_collections.deltalake.aws.plugins.module_utils.tables import apply_changes
from ansible_collections.deltalake.aws.plugins.module_utils.tables import apply_renames
from ansible_collections.deltalake.aws.plugins.module_utils.tables import column
from ansible_collections.deltalake.aws.plugins.module_utils.tables import columns_struct
from ansible_collections.deltalake.aws.plugins.module_utils.tables import describe_change
from ansible_collections.deltalake.aws.plugins.module_utils.tables import describe_properties
from ansible_collections.deltalake.aws.plugins.module_utils.tables import diff_columns
from ansible_collections.deltalake.aws.plugins.module_utils.tables import field_at
from ansible_collections.deltalake.aws.plugins.module_utils.tables import normalize_location
from ansible_collections.deltalake.aws.plugins.module_utils.tables import parse_partition
from ansible_collections.deltalake.aws.plugins.module_utils.tables import parse_type
from ansible_collections.deltalake.aws.plugins.module_utils.tables import partition_source
from ansible_collections.deltalake.aws.plugins.module_utils.tables import path_name
from ansible_collections.deltalake.aws.plugins.module_utils.tables import properties_subset
from ansible_collections.deltalake.aws.plugins.module_utils.tables import read_json
from ansible_collections.deltalake.aws.plugins.module_utils.tables import render_partition
from ansible_collections.deltalake.aws.plugins.module_utils.tables import render_type
from ansible_collections.deltalake.aws.plugins.module_utils.tables import rename_partition
from ansible_collections.deltalake.aws.plugins.module_utils.tables import resolve_comments

LIBRARY = "pyiceberg"
REQUIREMENT = "pyiceberg>=0.9 and pyarrow"
COMMENT_PROPERTY = "comment"  # the table comment as Spark, Trino and Iceberg's own Glue catalog store it
_TRANSFORM_RE = re.compile(r"^([a-z]+)(?:\[(\d+)\])?$")
FIRST_PARTITION_FIELD_ID = 1000


def check_library():
    """Raise ImportError naming what is missing when pyiceberg or pyarrow is not installed (finds the packages
    without importing them)."""
    for name in ("pyiceberg", "pyarrow"):
        if importlib.util.find_spec(name) is None:
            raise ImportError(f"No module named {name!r}", name=name)


def load_library():
    """Import pyiceberg's Glue catalog (raises ImportError naming what is missing)."""
    from pyiceberg.catalog.glue import GlueCatalog  # noqa: F401  pylint: disable=unused-import
    from pyiceberg.io.pyarrow import PyArrowFileIO  # noqa: F401  pylint: disable=unused-import


# ---------------------------------------------------------------------------------------------------- reading


def _node(value):
    """An Iceberg metadata JSON type -> the neutral type tree of tables.py."""
    if isinstance(value, str):
        return parse_type(value, ICEBERG, strict=False)
    kind = value.get("type")
    if kind == "struct":
        return {"t": "struct", "fields": [
            {"name": f["name"], "type": _node(f["type"]), "required": bool(f.get("required"))}
            for f in value.get("fields", [])]}
    if kind == "list":
        return {"t": "list", "element": _node(value["element"]), "required": bool(value.get("element-required"))}
    if kind == "map":
        return {"t": "map", "key": _node(value["key"]), "value": _node(value["value"]),
                "required": bool(value.get("value-required"))}
    return {"t": f"iceberg:{kind}", "p": []}


def _field_names(fields, prefix=""):
    """{field id: full dotted name} of every struct field (list elements and map values named as Iceberg does)."""
    names = {}
    for field in fields:
        name = prefix + field["name"]
        names[field["id"]] = name
        names.update(_nested_names(field["type"], name))
    return names


def _nested_names(value, name):
    if not isinstance(value, dict):
        return {}
    if value.get("type") == "struct":
        return _field_names(value.get("fields", []), name + ".")
    if value.get("type") == "list":
        return {value["element-id"]: name + ".element", **_nested_names(value["element"], name + ".element")}
    if value.get("type") == "map":
        return {value["key-id"]: name + ".key", value["value-id"]: name + ".value",
                **_nested_names(value["value"], name + ".value")}
    return {}


def transform_text(transform, source):
    """An Iceberg transform (``day``, ``bucket[16]``) and its source column -> ``day(ts)``, ``bucket[16](id)``."""
    match = _TRANSFORM_RE.match(transform or "")
    if not match:
        return f"{transform}({source})"
    return render_partition(match.group(1), int(match.group(2)) if match.group(2) else None, source)


def metadata_state(metadata):
    """An Iceberg table metadata document -> ``{format, location, columns, partition_by, properties}``
    (all properties; the module shows the ones it manages)."""
    schemas = metadata.get("schemas") or [metadata["schema"]]
    current = metadata.get("current-schema-id", schemas[0].get("schema-id", 0))
    schema = next((s for s in schemas if s.get("schema-id", 0) == current), schemas[-1])
    columns = [
        column(f["name"], render_type(_node(f["type"]), ICEBERG), f.get("required"), f.get("doc"))
        for f in schema.get("fields", [])
    ]
    names = _field_names(schema.get("fields", []))
    if "partition-specs" in metadata:
        default = metadata.get("default-spec-id", 0)
        spec = next((s for s in metadata["partition-specs"] if s.get("spec-id", 0) == default), {"fields": []})
        spec_fields = spec.get("fields", [])
    else:
        spec_fields = metadata.get("partition-spec", [])
    partition_by = [
        transform_text(f["transform"], names.get(f["source-id"], f"#{f['source-id']}"))
        for f in spec_fields if f.get("transform") != "void"
    ]
    return {
        "format": ICEBERG,
        "location": normalize_location(metadata.get("location")),
        "columns": columns,
        "partition_by": partition_by,
        "properties": dict(metadata.get("properties") or {}),
    }


def read_table(s3_client, glue_table):
    """The state of an Iceberg table from its current metadata file (one S3 read), and its metadata location."""
    location = (glue_table.get("Parameters") or {}).get("metadata_location")
    if not location:
        raise DeltaLakeAWSError(message=f"Glue table {glue_table['Name']} is an Iceberg table without a"
                                " metadata_location parameter; repair or delete it")
    state = metadata_state(read_json(s3_client, location))
    state["name"] = glue_table["Name"]
    return state, location


# ---------------------------------------------------------------------------------------------------- planning


def plan_table(before, spec):
    """Plan the evolution of an existing Iceberg table (``before``: read_table's state) to ``spec``."""
    plan = Plan(dict(before))
    have, renamed = apply_renames(before["columns"], spec["rename_columns"], plan)
    operations = {"renames": renamed, "changes": [], "want": have, "spec_remove": [], "spec_add": [],
                  "properties": {}}
    target_columns = have
    if spec["columns"] is not None:
        want = resolve_comments(have, spec["columns"])
        changes = diff_columns(have, want, ICEBERG)
        for change in changes:
            unsafe = change["kind"] in ("drop", "retype", "require") or (
                change["kind"] == "add" and change["field"]["required"])
            plan.change(describe_change(change, have, want, ICEBERG), unsafe)
        target_columns = apply_changes(have, want, changes, ICEBERG)
        operations.update(changes=changes, want=want)
    plan.target["columns"] = target_columns

    current = [rename_partition(p, renamed) for p in before["partition_by"]]
    recreated = {path_name(c["path"]) for c in operations["changes"] if c["kind"] in ("drop", "retype")}
    wanted = spec["partition_by"] if spec["partition_by"] is not None else [
        p for p in current if partition_source(p) not in recreated or _kept(p, operations["changes"])]
    gone = [p for p in current if p not in wanted or partition_source(p) in recreated]
    new = [p for p in wanted if p not in current or partition_source(p) in recreated]
    for text in gone:
        plan.change(f"remove partition field {text}", unsafe=True)
    for text in new:
        plan.change(f"add partition field {text}")
    plan.target["partition_by"] = [p for p in current if p not in gone] + new
    operations.update(spec_remove=gone, spec_add=new)

    properties = dict(spec["properties"] or {})
    if spec["description"] is not None:
        properties[COMMENT_PROPERTY] = spec["description"] or None  # '' removes the comment
    changed = {k: v for k, v in properties.items() if before["properties"].get(k) != v}
    for line in describe_properties(before["properties"], changed):
        plan.change(line)
    target = dict(before["properties"], **changed)
    plan.target["properties"] = {k: v for k, v in target.items() if v is not None}
    operations["properties"] = changed
    plan.operations = operations if plan.changes else None
    return plan


def _kept(partition, changes):
    """A partition on a column whose type changes (re-created) stays wanted; one on a dropped column does not."""
    source = partition_source(partition)
    return any(c["kind"] == "retype" and path_name(c["path"]) == source for c in changes)


def display(state, spec):
    """The module's shape of an Iceberg table: the description is the ``comment`` property, and only the
    properties this run manages are shown."""
    return {
        "name": state["name"],
        "format": ICEBERG,
        "location": state["location"],
        "description": state["properties"].get(COMMENT_PROPERTY) or None,
        "columns": state["columns"],
        "partition_by": state["partition_by"],
        "properties": properties_subset(state["properties"], (spec["properties"] or {}).keys()),
    }


def new_table_state(spec):
    """The state of a table created from ``spec`` (what create_table produces)."""
    properties = dict(spec["properties"] or {})
    if spec["description"]:
        properties[COMMENT_PROPERTY] = spec["description"]
    return {
        "name": spec["name"],
        "format": ICEBERG,
        "location": spec["location"],
        "columns": [dict(c, comment=c.get("comment") or None) for c in spec["columns"]],
        "partition_by": list(spec["partition_by"] or []),
        "properties": properties,
    }


# ---------------------------------------------------------------------------------------------------- writing


def _iceberg_type(node, ids):
    """A neutral type tree -> a pyiceberg type (new field ids; pyiceberg assigns fresh ones on commit)."""
    from pyiceberg import types as t

    kind = node["t"]
    if kind == "struct":
        return t.StructType(*[
            t.NestedField(next(ids), f["name"], _iceberg_type(f["type"], ids), required=f["required"])
            for f in node["fields"]])
    if kind == "list":
        return t.ListType(next(ids), _iceberg_type(node["element"], ids), element_required=node["required"])
    if kind == "map":
        return t.MapType(next(ids), _iceberg_type(node["key"], ids), next(ids), _iceberg_type(node["value"], ids),
                         value_required=node["required"])
    if kind == "decimal":
        return t.DecimalType(*node["p"])
    if kind == "fixed":
        return t.FixedType(node["p"][0])
    simple = {
        "boolean": t.BooleanType, "int32": t.IntegerType, "int64": t.LongType, "float32": t.FloatType,
        "float64": t.DoubleType, "date": t.DateType, "time": t.TimeType, "timestamp": t.TimestampType,
        "timestamptz": t.TimestamptzType, "string": t.StringType, "uuid": t.UUIDType, "binary": t.BinaryType,
    }
    if kind not in simple:
        raise DeltaLakeAWSError(message=f"type {render_type(node, ICEBERG)} cannot be written to an Iceberg table")
    return simple[kind]()


def _transform(text):
    from pyiceberg import transforms

    transform, arg, source = parse_partition(text)
    classes = {
        "identity": transforms.IdentityTransform, "year": transforms.YearTransform,
        "month": transforms.MonthTransform, "day": transforms.DayTransform, "hour": transforms.HourTransform,
    }
    if transform == "bucket":
        return transforms.BucketTransform(arg), source
    if transform == "truncate":
        return transforms.TruncateTransform(arg), source
    return classes[transform](), source


def partition_field_name(text):
    """The partition field name pyiceberg and Spark give a transform: ``ts_day``, ``id_bucket_16``, ``country``."""
    transform, arg, source = parse_partition(text)
    base = source.replace(".", "_")
    if transform == "identity":
        return base
    if transform == "bucket":
        return f"{base}_bucket_{arg}"
    if transform == "truncate":
        return f"{base}_trunc_{arg}"
    return f"{base}_{transform}"


def _library_errors():
    from pyiceberg import exceptions as e

    return (e.CommitFailedException, e.NoSuchTableError, e.TableAlreadyExistsError, e.NoSuchNamespaceError,
            e.ValidationError, e.ResolveError, e.NotInstalledError, e.NoSuchPropertyException, OSError, ValueError,
            ClientError, BotoCoreError)


# Attempts of the pyarrow S3 client that writes Iceberg metadata: pyarrow's default is 3, pyiceberg's Glue client
# makes 10; a throttled (SlowDown), 5xx or reset write is retried as often as the catalog call that follows it.
S3_MAX_ATTEMPTS = 10


def s3_retry_strategy():
    """pyarrow's AWS standard retry strategy (throttling, 5xx, connection errors, with backoff) with
    S3_MAX_ATTEMPTS attempts; pyiceberg builds it from the ``s3.retry-strategy-impl`` property."""
    from pyarrow.fs import AwsStandardS3RetryStrategy

    return AwsStandardS3RetryStrategy(max_attempts=S3_MAX_ATTEMPTS)


class IcebergCatalog:
    """pyiceberg's GlueCatalog on the module's connection: its region, endpoint (``glue.endpoint`` and
    ``s3.endpoint``, so the same code works against an emulator) and resolved credentials, with the pyarrow
    FileIO and its S3 retries (s3_retry_strategy). Created on the first write only."""

    def __init__(self, connection, catalog_id=None):
        self.connection = connection
        self.catalog_id = catalog_id
        self._catalog = None

    @property
    def catalog(self):
        if self._catalog is None:
            from pyiceberg.catalog.glue import GlueCatalog

            credentials = self.connection.credentials
            properties = {
                "py-io-impl": "pyiceberg.io.pyarrow.PyArrowFileIO",
                "glue.region": self.connection.region,
                "s3.region": self.connection.region,
                "glue.access-key-id": credentials.access_key,
                "glue.secret-access-key": credentials.secret_key,
                "s3.access-key-id": credentials.access_key,
                "s3.secret-access-key": credentials.secret_key,
                "s3.retry-strategy-impl": f"{__name__}.s3_retry_strategy",
            }
            if credentials.token:
                properties["glue.session-token"] = credentials.token
                properties["s3.session-token"] = credentials.token
            if self.connection.glue_endpoint:
                properties["glue.endpoint"] = self.connection.glue_endpoint
            if self.connection.s3_endpoint:
                properties["s3.endpoint"] = self.connection.s3_endpoint
            if self.catalog_id:
                properties["glue.id"] = self.catalog_id
            self._catalog = GlueCatalog("deltalake_aws", **properties)
        return self._catalog

    def create(self, database, state):
        """Create the table in ``state`` (new_table_state); returns its metadata location."""
        from pyiceberg.partitioning import PartitionField
        from pyiceberg.partitioning import PartitionSpec
        from pyiceberg.schema import Schema
        from pyiceberg.types import NestedField

        try:
            ids = itertools.count(1)
            struct = columns_struct(state["columns"], ICEBERG)
            fields = []
            for field in struct["fields"]:
                field_id = next(ids)
                fields.append(NestedField(field_id, field["name"], _iceberg_type(field["type"], ids),
                                          required=field["required"], doc=field.get("comment")))
            schema = Schema(*fields)
            partition_fields = []
            for index, text in enumerate(state["partition_by"]):
                transform, source = _transform(text)
                partition_fields.append(PartitionField(
                    source_id=schema.find_field(source).field_id, field_id=FIRST_PARTITION_FIELD_ID + index,
                    transform=transform, name=partition_field_name(text)))
            table = self.catalog.create_table(
                (database, state["name"]), schema, location=state["location"].rstrip("/"),
                partition_spec=PartitionSpec(*partition_fields), properties=dict(state["properties"]))
        except _library_errors() as e:
            raise DeltaLakeAWSError(message=f"Failed to create Iceberg table {database}.{state['name']}: {e}") from e
        return table.metadata_location

    def evolve(self, database, name, operations, allow_incompatible):
        """Apply plan_table's operations in one Iceberg transaction: partition fields removed first, then
        renames and drops, then added, widened and re-created columns, new partition fields and properties.
        Returns the new metadata location."""
        try:
            table = self.catalog.load_table((database, name))
            renamed = operations["renames"]
            changes = operations["changes"]
            with table.transaction() as transaction:
                if operations["spec_remove"]:
                    names = self._partition_names(table, renamed)
                    with transaction.update_spec() as update:
                        for text in operations["spec_remove"]:
                            update.remove_field(names[text])
                self._evolve_schema(transaction, renamed, changes, operations["want"], allow_incompatible)
                if operations["spec_add"]:
                    with transaction.update_spec() as update:
                        for text in operations["spec_add"]:
                            transform, source = _transform(text)
                            update.add_field(source, transform, partition_field_name(text))
                updates = {k: v for k, v in operations["properties"].items() if v is not None}
                removed_keys = [k for k, v in operations["properties"].items() if v is None]
                if updates:
                    transaction.set_properties(updates)
                if removed_keys:
                    transaction.remove_properties(*removed_keys)
        except _library_errors() as e:
            raise DeltaLakeAWSError(message=f"Failed to evolve Iceberg table {database}.{name}: {e}") from e
        return table.metadata_location

    def _evolve_schema(self, transaction, renamed, changes, want, allow_incompatible):
        """One schema update (one new schema version) when possible. Within an update pyiceberg resolves names
        against the schema it started from, so paths of renamed columns are given by their old names. Columns
        dropped (or re-created) and new columns reusing a renamed column's old name need a second update."""
        removals = [c for c in changes if c["kind"] in ("drop", "retype")]
        others = [c for c in changes if c["kind"] != "drop"]
        reused = any(c["kind"] in ("add", "retype") and c["path"][0] in renamed for c in others)
        old_names = {new: old for old, new in renamed.items()}
        struct = columns_struct(want, ICEBERG)

        def original(path):
            return (old_names.get(path[0], path[0]),) + tuple(path[1:])

        if removals or reused:
            with transaction.update_schema(allow_incompatible_changes=allow_incompatible) as update:
                for old, new in renamed.items():
                    update.rename_column(old, new)
                for change in removals:
                    update.delete_column(original(change["path"]))
            if others:
                with transaction.update_schema(allow_incompatible_changes=allow_incompatible) as update:
                    for change in others:
                        self._schema_change(update, change, struct, change["path"])
        elif renamed or others:
            with transaction.update_schema(allow_incompatible_changes=allow_incompatible) as update:
                for old, new in renamed.items():
                    update.rename_column(old, new)
                for change in others:
                    self._schema_change(update, change, struct, original(change["path"]))

    @staticmethod
    def _partition_names(table, renamed):
        schema = table.schema()
        names = {}
        for field in table.spec().fields:
            source = schema.find_column_name(field.source_id)
            source = renamed.get(source, source)
            names[transform_text(str(field.transform), source)] = field.name
        return names

    @staticmethod
    def _schema_change(update, change, want, path):
        """One change of plan_table's, at ``path`` (the column's name as the update resolves it)."""
        kind = change["kind"]
        ids = itertools.count(1)
        if kind in ("add", "retype"):
            field = change["field"] if kind == "add" else field_at(want, change["path"])
            update.add_column(path, _iceberg_type(field["type"], ids), doc=field.get("comment"),
                              required=field["required"])
        elif kind == "widen":
            update.update_column(path, field_type=_iceberg_type(change["new"], ids))
        elif kind in ("optional", "require"):
            update.update_column(path, required=kind == "require")
        elif kind == "comment":
            update.update_column(path, doc=change["new"] or "")
