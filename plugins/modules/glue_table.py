#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: glue_table
short_description: Manage the tables of one Glue database (Iceberg, Delta Lake, Parquet, JSON, CSV)
version_added: 0.1.0
description:
  - Creates, updates and deletes the tables of one Glue Data Catalog database in one invocation. O(tables) is a
    list, so a catalog of hundreds of tables converges in one module run with one paginated C(GetTables) read,
    then one write per table that differs.
  - V(iceberg) tables are created through pyiceberg's Glue catalog, so they have real Iceberg metadata in S3
    (the Glue parameter C(metadata_location)) and Iceberg engines can write and read them at once. Schema changes
    are Iceberg schema evolution (add a column, widen a type, make a column optional, rename a column through
    O(tables[].rename_columns)) and partition evolution, committed in one Iceberg transaction; never a raw Glue
    C(UpdateTable).
  - V(delta) tables are created with deltalake (delta-rs), so C(_delta_log/) holds the first commit with the
    schema and partition columns; the table is then registered in Glue as an external table with the parameters
    Athena and Spark expect (C(table_type=DELTA), C(spark.sql.sources.provider=delta)). New columns, dropped NOT
    NULL constraints, column comments and table properties are Delta metadata commits. A Delta log that already
    exists at the location is adopted, not overwritten.
  - V(parquet), V(json) and V(csv) tables are Hive-style external tables with the SerDe, input and output formats
    Athena uses, and partition keys.
  - A change that loses data or breaks readers (dropping a column, a type change that is not a widening, making a
    column required, removing or changing partitioning, replacing a table of another format or location) fails
    with a message naming the table and the change, before any write, unless O(allow_destructive=true).
  - The current state of Iceberg tables is read from their metadata file in S3 and that of Delta tables from
    their log; these are read calls. In check mode the module makes read calls only and predicts exactly what a
    real run would change, also when the database or bucket is created by an earlier task of the same run. With
    C(--diff) it shows one diff per changed table (columns added or changed, partitioning, properties).
  - Data files are never deleted unless O(delete_data=true).
author:
  - deltalake.aws developers (@deltalake-aws)
requirements:
  - pyiceberg >= 0.9 with pyarrow, for O(tables[].format=iceberg) (imported only when the run manages an Iceberg
    table; the pyarrow FileIO is used, s3fs is not needed)
  - deltalake >= 1.0, for O(tables[].format=delta) (imported only when the run manages a Delta table)
options:
  database:
    description:
      - Name of the Glue database whose tables this task manages, 1 to 255 lowercase letters, digits and
        underscores. It must exist (see M(deltalake.aws.glue_database)); in check mode a missing database means
        that every listed table would be created.
    type: str
    required: true
  catalog_id:
    description:
      - The account id of the Data Catalog. Defaults to the account of the credentials.
    type: str
  bucket:
    description:
      - The bucket of the default table location C(s3://<bucket>/<prefix><database>/<table>/), used for tables
        without O(tables[].location).
    type: str
  prefix:
    description:
      - The key prefix of the default table location, ending in C(/), or V('').
    type: str
    default: processed/
  tables:
    description:
      - The tables of the database.
      - With O(purge_tables=false) tables that are not listed are left alone.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description:
          - Table name, 1 to 255 lowercase letters, digits and underscores.
        type: str
        required: true
      state:
        description:
          - V(present) creates or updates the table, V(absent) deletes it from the catalog (its data is kept
            unless O(delete_data=true)).
        type: str
        choices: [present, absent]
        default: present
      format:
        description:
          - The table format; required with O(tables[].state=present).
          - Changing between V(parquet), V(json) and V(csv) changes the Glue definition only. Any other change of
            format replaces the table and needs O(allow_destructive=true).
        type: str
        choices: [iceberg, delta, parquet, json, csv]
      location:
        description:
          - The table's S3 location, C(s3://bucket/prefix/). Defaults to
            C(s3://<bucket>/<prefix><database>/<name>/) from O(bucket) and O(prefix).
          - The location of an Iceberg or Delta table cannot move; a new location replaces the table (an empty
            one is created there; the old data stays where it is) and needs O(allow_destructive=true).
        type: str
      description:
        description:
          - Description of the table. For Iceberg tables it is the table property C(comment), which Spark, Trino
            and Athena show. V('') removes it. Not managed when not set.
        type: str
      columns:
        description:
          - The table's columns, partition columns included. The list is the complete schema; a column of the
            table that is not listed is dropped, which needs O(allow_destructive=true).
          - Required to create a table. When not set, the schema of an existing table is not managed.
          - Column order is kept when a table is created; columns added later go to the end (Iceberg and Delta)
            or where they are listed (Hive formats, where order matters for CSV).
        type: list
        elements: dict
        suboptions:
          name:
            description:
              - Column name. Letters, digits and underscores; lowercase only for the Hive formats (Glue and Athena
                lower-case them).
            type: str
            required: true
          type:
            description:
              - The type, in the format's own spelling or a common alias, compared in normalized form (V(int)
                and V(integer) are the same; V(decimal(10, 2)) and V(decimal(10,2)) too).
              - 'Iceberg: boolean, int, long, float, double, decimal(p,s), date, time, timestamp, timestamptz,
                string, uuid, fixed[n], binary, struct<name:type,...>, list<type>, map<key,value>.'
              - 'Delta: boolean, byte, short, integer, long, float, double, decimal(p,s), date, timestamp,
                timestamp_ntz, string, binary, struct<...>, array<...>, map<...>.'
              - 'Parquet, JSON, CSV (Glue/Hive): boolean, tinyint, smallint, int, bigint, float, double,
                decimal(p,s), char(n), varchar(n), string, binary, date, timestamp, struct<...>, array<...>,
                map<...>.'
              - Nested fields, list elements and map values are optional; append C(not null) to make one
                required (Iceberg and Delta), for example C(struct<id:long not null,name:string>).
            type: str
            required: true
          required:
            description:
              - Whether the column is required (NOT NULL). Iceberg and Delta tables only. Making an existing
                column required, or adding a required column to an existing table, needs
                O(allow_destructive=true).
            type: bool
            default: false
          comment:
            description:
              - Column comment. V('') removes it. Not managed when not set.
            type: str
      partition_by:
        description:
          - The partitioning, in order. Iceberg takes V(column) or V(identity(column)), V(year(column)),
            V(month(column)), V(day(column)), V(hour(column)), V(bucket[N](column)) and V(truncate[N](column));
            Delta and the Hive formats take column names.
          - Adding an Iceberg partition field is partition evolution (new data is written with it). Removing one,
            and any change of the partition columns of a Delta or Hive-style table, needs
            O(allow_destructive=true).
          - V([]) means unpartitioned. When not set, the partitioning of an existing table is not managed (a new
            table is unpartitioned).
        type: list
        elements: str
      properties:
        description:
          - Table properties; only the listed keys are managed, other keys are left as they are.
          - Iceberg table properties, Delta table configuration (for example C(delta.appendOnly)), or Glue table
            parameters of the Hive formats (for example C(skip.header.line.count)).
        type: dict
      serde_parameters:
        description:
          - SerDe parameters of a Hive-style table, merged over the format's defaults (C(field.delim) V(,) for
            CSV). Not valid for Iceberg and Delta tables.
        type: dict
      rename_columns:
        description:
          - Renames, as current name to new name. A rename is done while the old column exists and the new one
            does not, so it is safe to keep in the task after it ran. The new name must be in
            O(tables[].columns).
          - Iceberg tables rename in place (the data stays readable under the new name). Delta tables cannot
            rename columns without column mapping, so a rename there needs O(allow_destructive=true).
        type: dict
      allow_destructive:
        description:
          - Overrides O(allow_destructive) for this table.
        type: bool
  purge_tables:
    description:
      - Whether tables of the database that are not in O(tables) are deleted, views included. Their data files are
        kept unless O(delete_data=true).
    type: bool
    default: false
  delete_data:
    description:
      - Whether deleting a table (O(tables[].state=absent), or O(purge_tables)) also deletes every object under
        its location. In a versioned bucket the objects remain as non-current versions.
      - A location that is a whole bucket, or that holds another table of the database, is never emptied.
    type: bool
    default: false
  allow_destructive:
    description:
      - Whether changes that lose data or break readers are made (see the description). Without it such a change
        fails the task before any write, naming the table and the change.
      - For a Delta table such a change re-creates the table empty with the new schema and partitioning (the old
        files stay until a VACUUM); for an Iceberg table a column whose type cannot be widened is dropped and
        added again (its values are lost).
    type: bool
    default: false
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - deltalake.aws.modules
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
notes:
  - pyiceberg and deltalake get the module's region, credentials (resolved like boto3 does, including profiles
    and instance roles) and the endpoints its own Glue and S3 clients use (O(endpoint_url), or
    C(AWS_ENDPOINT_URL) in the environment); they write to S3 and Glue with them.
"""

EXAMPLES = r"""
# Credentials, region and endpoint come from module_defaults or the environment; none are shown here.

- name: Manage the sales tables (default location s3://acme-lake-data/processed/sales/<table>/)
  deltalake.aws.glue_table:
    database: sales
    bucket: acme-lake-data
    tables:
      - name: orders
        format: iceberg
        description: One row per order line
        columns:
          - {name: order_id, type: long, required: true}
          - {name: ordered_at, type: timestamptz}
          - {name: customer_id, type: long}
          - {name: amount, type: "decimal(12,2)"}
          - {name: items, type: "list<struct<sku:string,quantity:int>>"}
        partition_by: ["day(ordered_at)", "bucket[16](customer_id)"]
        properties:
          write.format.default: parquet
      - name: customers
        format: delta
        columns:
          - {name: customer_id, type: long, required: true}
          - {name: country, type: string}
        partition_by: [country]
      - name: clicks_raw
        format: json
        location: s3://acme-lake-data/raw/clicks/
        columns:
          - {name: user_id, type: string}
          - {name: url, type: string}
          - {name: dt, type: string}
        partition_by: [dt]

- name: Evolve the orders schema (add a column, widen a type, rename a column)
  deltalake.aws.glue_table:
    database: sales
    bucket: acme-lake-data
    tables:
      - name: orders
        format: iceberg
        columns:
          - {name: order_id, type: long, required: true}
          - {name: ordered_at, type: timestamptz}
          - {name: customer_id, type: long}
          - {name: total, type: "decimal(16,2)"}
          - {name: items, type: "list<struct<sku:string,quantity:int>>"}
          - {name: channel, type: string}
        rename_columns:
          amount: total
        partition_by: ["day(ordered_at)", "bucket[16](customer_id)"]

- name: Show what would change in the catalog, changing nothing (run with --check --diff)
  deltalake.aws.glue_table:
    database: sales
    bucket: acme-lake-data
    tables: "{{ sales_tables }}"
  check_mode: true
  diff: true

- name: Keep exactly the listed tables; delete the others from the catalog (their data stays in S3)
  deltalake.aws.glue_table:
    database: sales
    bucket: acme-lake-data
    tables: "{{ sales_tables }}"
    purge_tables: true

- name: Delete a scratch table and its data
  deltalake.aws.glue_table:
    database: sales
    tables:
      - name: scratch
        state: absent
    delete_data: true
"""

RETURN = r"""
tables:
  description:
    - The listed tables that exist after the run (predicted in check mode), by name, in the shape of each table's
      diff. Deleted tables are not included.
  returned: always
  type: dict
  contains:
    name:
      description: Table name.
      type: str
      sample: orders
    format:
      description: V(iceberg), V(delta), V(parquet), V(json) or V(csv).
      type: str
      sample: iceberg
    location:
      description: The table's S3 location, ending in C(/).
      type: str
      sample: s3://acme-lake-data/processed/sales/orders/
    description:
      description: Table description (for Iceberg, the C(comment) property), or null.
      type: str
    columns:
      description: Columns in table order, types in the format's spelling, each with C(name), C(type),
        C(required) and C(comment).
      type: list
      elements: dict
      sample: [{"name": "order_id", "type": "long", "required": true, "comment": null}]
    partition_by:
      description: Partitioning, in the form of O(tables[].partition_by).
      type: list
      elements: str
      sample: ["day(ordered_at)", "bucket[16](customer_id)"]
    properties:
      description: The managed properties (those listed, and for the Hive formats C(EXTERNAL) and
        C(classification)); null for a listed key the table does not have.
      type: dict
      sample: {"write.format.default": "parquet"}
    serde_parameters:
      description: SerDe parameters (Hive formats only).
      type: dict
      returned: for parquet, json and csv tables
      sample: {"field.delim": ",", "serialization.format": ","}
    catalog_synced:
      description: Whether the Glue entry matches the Delta log (location, columns, parameters).
      type: bool
      returned: for delta tables
      sample: true
changes:
  description: What changed (or would change in check mode), per table, one line per change.
  returned: always
  type: dict
  sample: {"orders": ["add column channel string", "widen quantity int -> long"], "old_clicks": ["delete table (data kept)"]}
changed_fields:
  description: The changed (or, in check mode, drifted) settings as C(<table>.<setting>); the table name alone for
    a table created, replaced or deleted.
  returned: always
  type: list
  elements: str
  sample: ["orders.columns", "orders.partition_by", "old_clicks"]
created_tables:
  description: The tables this run created (or would create, in check mode); a rollback removes exactly these.
  returned: always
  type: list
  elements: str
  sample: ["orders"]
metadata_locations:
  description: The current metadata file of each listed Iceberg table (not known in check mode for a table that
    does not exist yet).
  returned: always
  type: dict
  sample: {"orders": "s3://acme-lake-data/processed/sales/orders/metadata/00001-7c2c.metadata.json"}
database:
  description: The database name.
  returned: always
  type: str
  sample: sales
"""

import traceback

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError

from ansible_collections.deltalake.aws.plugins.module_utils import delta
from ansible_collections.deltalake.aws.plugins.module_utils import iceberg
from ansible_collections.deltalake.aws.plugins.module_utils import tables
from ansible_collections.deltalake.aws.plugins.module_utils.base import DeltaLakeAWSModule
from ansible_collections.deltalake.aws.plugins.module_utils.base import Reconciler
from ansible_collections.deltalake.aws.plugins.module_utils.validators import ACCOUNT_RE
from ansible_collections.deltalake.aws.plugins.module_utils.validators import validate_bucket_name
from ansible_collections.deltalake.aws.plugins.module_utils.validators import validate_glue_name
from ansible_collections.deltalake.aws.plugins.module_utils.validators import validate_region
from ansible_collections.deltalake.aws.plugins.module_utils.validators import validate_s3_prefix

COLUMN_OPTIONS = dict(
    name=dict(type="str", required=True),
    type=dict(type="str", required=True),
    required=dict(type="bool", default=False),
    comment=dict(type="str"),
)

TABLE_OPTIONS = dict(
    name=dict(type="str", required=True),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    format=dict(type="str", choices=list(tables.FORMATS)),
    location=dict(type="str"),
    description=dict(type="str"),
    columns=dict(type="list", elements="dict", options=COLUMN_OPTIONS),
    partition_by=dict(type="list", elements="str"),
    properties=dict(type="dict"),
    serde_parameters=dict(type="dict"),
    rename_columns=dict(type="dict"),
    allow_destructive=dict(type="bool"),
)

ARGUMENT_SPEC = dict(
    database=dict(type="str", required=True),
    catalog_id=dict(type="str"),
    bucket=dict(type="str"),
    prefix=dict(type="str", default="processed/"),
    tables=dict(type="list", elements="dict", required=True, options=TABLE_OPTIONS),
    purge_tables=dict(type="bool", default=False),
    delete_data=dict(type="bool", default=False),
    allow_destructive=dict(type="bool", default=False),
)

LIBRARIES = {tables.ICEBERG: iceberg, tables.DELTA: delta}


# ---------------------------------------------------------------------------------------------------- validation


def _strings(values):
    return {str(k): tables.property_string(v) for k, v in (values or {}).items()}


def validate_columns(columns, field, dialect, hive):
    """Columns -> normalized columns and messages."""
    errors = []
    normalized = []
    for index, col in enumerate(columns):
        where = f"{field}[{index}]"
        name_re = tables.LOWER_NAME_RE if hive else tables.NAME_RE
        if not name_re.match(col["name"]):
            rule = "lowercase letters" if hive else "letters"
            errors.append(f"{where}.name: {col['name']!r} must be 1 to 255 {rule}, digits or underscores")
        try:
            type_text = tables.normalize_type(col["type"], dialect)
        except tables.TypeSyntaxError as e:
            errors.append(f"{where}.type: {col['type']!r} {e}")
            type_text = col["type"]
        if col["required"] and hive:
            errors.append(f"{where}.required: only Iceberg and Delta tables have required columns")
        normalized.append(tables.column(col["name"], type_text, col["required"] and not hive, None))
        normalized[-1]["comment"] = col["comment"]  # None: not managed; '' removes
    names = [c["name"] for c in columns]
    for name in sorted({n for n in names if names.count(n) > 1}):
        errors.append(f"{field}: column {name!r} is listed more than once")
    return normalized, errors


def validate_partitions(partition_by, field, table_format, columns):
    errors = []
    normalized = []
    try:
        struct = tables.columns_struct(columns, tables.dialect_of(table_format)) if columns is not None else None
    except tables.TypeSyntaxError:
        struct = None  # a column type is invalid; validate_columns reports it
    for index, text in enumerate(partition_by):
        where = f"{field}[{index}]"
        try:
            transform, arg, source = tables.parse_partition(text)
        except ValueError as e:
            errors.append(f"{where}: {text!r} {e}")
            continue
        if transform != "identity" and table_format != tables.ICEBERG:
            errors.append(f"{where}: {text!r} {table_format} tables are partitioned by column names; transforms are"
                          " for Iceberg tables")
            continue
        normalized.append(tables.render_partition(transform, arg, source))
        if struct is None:
            continue
        source_type = tables.node_at(struct, tuple(source.split(".")))
        if source_type is None:
            errors.append(f"{where}: {text!r} partition source column {source!r} is not in columns")
        elif table_format == tables.ICEBERG:
            problem = tables.validate_partition_source(transform, source_type)
            if problem:
                errors.append(f"{where}: {text!r} {problem}")
        elif not tables.is_primitive(source_type) or "." in source:
            errors.append(f"{where}: {text!r} partition columns must be top-level columns of a primitive type")
    for text in sorted({p for p in normalized if normalized.count(p) > 1}):
        errors.append(f"{field}: {text!r} is listed more than once")
    return normalized, errors


def validate_location(value, field):
    parsed = tables.parse_s3_uri(value)
    if parsed is None or not parsed[1].strip("/"):
        return [f"{field}: {value!r} must be an S3 URI with a key prefix, such as 's3://bucket/prefix/table/'"]
    errors = validate_bucket_name(parsed[0], field)
    if "//" in parsed[1]:
        errors.append(f"{field}: {value!r} must not contain an empty path segment ('//')")
    return errors


def table_spec(params, item, index):
    """One item of ``tables`` -> (the normalized desired table, messages naming the field and the rule)."""
    field = f"tables[{index}]"
    errors = validate_glue_name(item["name"], f"{field}.name")
    spec = {"index": index, "field": field, "name": item["name"], "state": item["state"]}
    if item["state"] == "absent":
        return spec, errors
    table_format = item["format"]
    if table_format is None:
        return spec, errors + [f"{field}.format: is required with state present (one of {', '.join(tables.FORMATS)})"]
    dialect = tables.dialect_of(table_format)
    hive = dialect == tables.HIVE
    spec.update(format=table_format, description=item["description"], serde_parameters=None, columns=None,
                partition_by=None, rename_columns=dict(item["rename_columns"] or {}))
    spec["allow_destructive"] = (params["allow_destructive"] if item["allow_destructive"] is None
                                 else item["allow_destructive"])
    if item["location"] is not None:
        errors += validate_location(item["location"], f"{field}.location")
        spec["location"] = tables.normalize_location(item["location"])
    elif params["bucket"]:
        spec["location"] = tables.default_location(params["bucket"], params["prefix"], params["database"],
                                                   item["name"])
    else:
        errors.append(f"{field}.location: is required when the module option bucket is not set")
    if item["columns"] is not None:
        spec["columns"], more = validate_columns(item["columns"], f"{field}.columns", dialect, hive)
        errors += more
    if item["partition_by"] is not None:
        spec["partition_by"], more = validate_partitions(item["partition_by"], f"{field}.partition_by",
                                                         table_format, spec["columns"])
        errors += more
    spec["properties"] = _strings(item["properties"]) if item["properties"] is not None else None
    if table_format == tables.ICEBERG and spec["properties"]:
        if "format-version" in spec["properties"]:
            errors.append(f"{field}.properties.format-version: is not a table property; new Iceberg tables use"
                          " format version 2")
        if iceberg.COMMENT_PROPERTY in spec["properties"] and item["description"] is not None:
            errors.append(f"{field}.properties.comment: is the Iceberg table's description; set description or"
                          " properties.comment, not both")
    if item["serde_parameters"] is not None:
        if not hive:
            errors.append(f"{field}.serde_parameters: only parquet, json and csv tables have SerDe parameters")
        spec["serde_parameters"] = _strings(item["serde_parameters"])
    listed = {c["name"] for c in spec["columns"] or []}
    for old, new in spec["rename_columns"].items():
        where = f"{field}.rename_columns.{old}"
        if spec["columns"] is None:
            errors.append(f"{where}: renames need columns (the new name must be listed)")
            break
        if str(new) not in listed:
            errors.append(f"{where}: the new name {new!r} must be in columns")
        if old in listed:
            errors.append(f"{where}: the old name {old!r} must not be in columns")
    spec["rename_columns"] = {str(k): str(v) for k, v in spec["rename_columns"].items()}
    return spec, errors


def validate_params(module):
    """Every rule that can be checked without AWS, before the first AWS call. Returns the normalized specs."""
    params = module.params
    errors = validate_glue_name(params["database"], "database") + validate_region(module.region)
    if params["catalog_id"] is not None and not ACCOUNT_RE.match(params["catalog_id"]):
        errors.append(f"catalog_id: {params['catalog_id']!r} must be a 12-digit account id")
    if params["bucket"] is not None:
        errors += validate_bucket_name(params["bucket"], "bucket")
    errors += validate_s3_prefix(params["prefix"], "prefix", allow_empty=True)
    specs = []
    for index, item in enumerate(params["tables"]):
        spec, more = table_spec(params, item, index)
        specs.append(spec)
        errors += more
    names = [s["name"] for s in specs]
    for name in sorted({n for n in names if names.count(n) > 1}):
        errors.append(f"tables: table {name!r} is listed more than once")
    module.fail_on_errors(errors)
    return specs


def check_libraries(module, specs):
    """Before any AWS call, make sure that pyiceberg and deltalake are installed when, and only when, a listed table
    needs them (each library module imports itself when it is first used; pyiceberg only for a write)."""
    for table_format in sorted({s["format"] for s in specs if s["state"] == "present"} & set(LIBRARIES)):
        library = LIBRARIES[table_format]
        try:
            library.check_library()
        except ImportError:
            fail_missing_library(module, table_format)


def fail_missing_library(module, table_format):
    module.fail_json(msg=missing_required_lib(LIBRARIES[table_format].REQUIREMENT, reason=f"for {table_format} tables"),
                     exception=traceback.format_exc())


# ---------------------------------------------------------------------------------------------------- planning


class Entry:
    """One table of the run: its current and planned state, and how to write it."""

    def __init__(self, name, spec, current):
        self.name = name
        self.spec = spec
        self.current = current  # the GetTables answer, or None
        self.before = None  # the module's shape, or None when the table does not exist
        self.after = None
        self.action = None  # create, update, replace, delete, or None
        self.plan = None
        self.state = None  # the format handler's state (Delta, Iceberg)
        self.metadata_location = None
        self.changes = []
        self.errors = []


class TableCatalog:
    """Plans every table of the run (reads only), refuses unsafe or impossible changes before any write, then
    converges each table through the Reconciler (which skips every write in check mode)."""

    def __init__(self, module, glue, connection):
        self.module = module
        self.params = module.params
        self.glue = glue
        self.connection = connection
        self.database = module.params["database"]
        self.catalog_id = module.params["catalog_id"]
        self.iceberg = iceberg.IcebergCatalog(connection, self.catalog_id)
        self.delta = delta.DeltaWriter(connection)
        self.existing = {}
        self.deleted = set()
        self.pending_deletes = []

    @property
    def s3(self):
        """The module's S3 client, made when a table first needs it (Iceberg and Delta metadata, data deletion): a
        run of Hive tables only does not create one."""
        return self.module.client("s3")

    # ------------------------------------------------------------------ plan

    def light_state(self, current):
        """What a table about to be deleted or replaced is shown as (no metadata read)."""
        descriptor = current.get("StorageDescriptor") or {}
        return {"name": current["Name"], "format": tables.detect_format(current),
                "location": tables.normalize_location(descriptor.get("Location"))}

    def plan_delete(self, entry):
        if entry.current is None:
            return
        entry.before = self.light_state(entry.current)
        entry.action = "delete"
        location = entry.before["location"]
        if self.params["delete_data"] and location:
            problem = self.shared_location(entry.name, location)
            if problem:
                entry.errors.append(f"refusing to delete the data of table {entry.name}: {problem}")
            entry.changes = [f"delete table and every object under {location}"]
        else:
            entry.changes = ["delete table (data kept)"]

    def shared_location(self, name, location):
        key = tables.parse_s3_uri(location)[1]
        if not key.strip("/"):
            return f"its location {location} is a whole bucket"
        for other, table in self.existing.items():
            if other == name or other in self.deleted:
                continue
            other_location = tables.normalize_location((table.get("StorageDescriptor") or {}).get("Location"))
            if other_location and (other_location.startswith(location) or location.startswith(other_location)):
                return f"{location} also holds table {other} ({other_location})"
        return None

    def plan_present(self, entry):
        spec = entry.spec
        table_format = spec["format"]
        current = entry.current
        current_format = tables.detect_format(current) if current is not None else None
        replace = None
        if current is not None:
            location = tables.normalize_location((current.get("StorageDescriptor") or {}).get("Location"))
            if current_format != table_format and not (
                    tables.is_hive_format(current_format) and table_format in tables.HIVE_FORMATS):
                replace = (f"replace the {current_format} table with a {table_format} table (the Glue entry is"
                           " deleted and created again; data files are kept)")
            elif table_format in (tables.ICEBERG, tables.DELTA) and location != spec["location"]:
                replace = (f"move the {table_format} table from {location} to {spec['location']}: a new table is"
                           f" created there; the data under {location} is kept but no longer part of the table")
        if replace:
            entry.before = self.light_state(current)
            entry.action = "replace"
            plan = self.plan_new(entry, glue_table=None)
            plan.change(replace, unsafe=True)
            plan.changes.insert(0, plan.changes.pop())
            entry.plan = plan
        elif current is None:
            entry.action = "create"
            entry.plan = self.plan_new(entry, glue_table=None)
        else:
            entry.action = "update"
            entry.plan = self.plan_existing(entry)
        plan = entry.plan
        entry.after = self.display(table_format, plan.target, spec)
        self.check_partitions(entry)
        entry.changes = plan.changes
        entry.errors += plan.blocked
        if plan.unsafe and not spec["allow_destructive"]:
            entry.errors.append(f"{'; '.join(plan.unsafe)}: this loses data or breaks readers; set allow_destructive:"
                                " true to do it")

    def plan_new(self, entry, glue_table):
        """Plan a table that is not (or no longer) in the catalog."""
        spec = entry.spec
        if spec["format"] == tables.DELTA:
            entry.state = delta.read_state(self.delta, self.s3, spec["name"], spec["location"], glue_table)
            return delta.plan_table(entry.state, spec)
        plan = tables.Plan(None)
        if spec["columns"] is None:
            plan.blocked.append(f"columns are required to create table {spec['name']}")
            plan.target = {"name": spec["name"], "format": spec["format"], "location": spec["location"],
                           "columns": [], "partition_by": [], "properties": {}, "description": None,
                           "serde_parameters": {}}
            return plan
        if spec["format"] == tables.ICEBERG:
            plan.target = iceberg.new_table_state(spec)
        else:
            plan.target = tables.new_hive_state(spec)
        plan.change(f"create {spec['format']} table at {spec['location']}")
        return plan

    def plan_existing(self, entry):
        spec = entry.spec
        current = entry.current
        if spec["format"] == tables.ICEBERG:
            entry.state, entry.metadata_location = iceberg.read_table(self.s3, current)
            entry.before = iceberg.display(entry.state, spec)
            return iceberg.plan_table(entry.state, spec)
        if spec["format"] == tables.DELTA:
            entry.state = delta.read_state(self.delta, self.s3, spec["name"], spec["location"], current)
            entry.before = delta.display(entry.state, spec)
            return delta.plan_table(entry.state, spec)
        entry.state = tables.normalize_hive_table(current, tables.hive_property_keys(spec))
        entry.before = entry.state
        return tables.plan_hive_table(entry.state, spec)

    @staticmethod
    def display(table_format, state, spec):
        if table_format == tables.ICEBERG:
            return iceberg.display(state, spec)
        if table_format == tables.DELTA:
            return delta.display(state, spec)
        shown = dict(state)
        shown["properties"] = tables.properties_subset(state["properties"], tables.hive_property_keys(spec))
        return shown

    @staticmethod
    def check_partitions(entry):
        names = {c["name"] for c in entry.after["columns"] or []}
        for text in entry.after["partition_by"] or []:
            source = tables.partition_source(text).split(".")[0]
            if names and source not in names:
                entry.errors.append(f"partition source column {source!r} is not a column of the table")

    def plan_all(self, specs):
        listed = {s["name"] for s in specs}
        self.deleted = {s["name"] for s in specs if s["state"] == "absent"}
        if self.params["purge_tables"]:
            self.deleted |= set(self.existing) - listed
        entries = []
        for spec in specs:
            entry = Entry(spec["name"], spec, self.existing.get(spec["name"]))
            if spec["state"] == "absent":
                self.plan_delete(entry)
            else:
                self.plan_present(entry)
            entries.append(entry)
        if self.params["purge_tables"]:
            for name in sorted(set(self.existing) - listed):
                entry = Entry(name, None, self.existing[name])
                self.plan_delete(entry)
                entries.append(entry)
        return entries

    # ------------------------------------------------------------------ write

    def write(self, entry):
        spec = entry.spec
        if entry.action == "replace":
            tables.delete_tables(self.glue, self.database, [entry.current["Name"]], self.catalog_id)
            entry.current = None
        if spec["format"] == tables.ICEBERG:
            try:
                iceberg.load_library()
            except ImportError:
                fail_missing_library(self.module, tables.ICEBERG)
            if entry.current is None:
                entry.metadata_location = self.iceberg.create(self.database, entry.plan.target)
            else:
                entry.metadata_location = self.iceberg.evolve(self.database, spec["name"], entry.plan.operations,
                                                              spec["allow_destructive"])
        elif spec["format"] == tables.DELTA:
            self.write_delta(entry)
        elif entry.current is None:
            tables.create_table(self.glue, self.database, tables.hive_table_input(entry.plan.target), self.catalog_id)
        else:
            tables.update_table(self.glue, self.database, tables.hive_table_input(entry.plan.target, entry.current),
                                self.catalog_id)

    def write_delta(self, entry):
        operations = entry.plan.operations
        target = entry.plan.target
        if operations["create"]:
            self.delta.create(entry.name, target)
        elif operations["overwrite"]:
            self.delta.create(entry.name, target, mode="overwrite")
        else:
            self.delta.evolve(target["location"], operations)
        api = delta.glue_input(entry.name, target["location"], target["description"], target["columns"],
                               entry.current)
        if entry.current is None:
            tables.create_table(self.glue, self.database, api, self.catalog_id)
        elif api != tables.table_input(entry.current):
            tables.update_table(self.glue, self.database, api, self.catalog_id)

    def delete(self, entry):
        if self.params["delete_data"] and entry.before.get("location"):
            tables.delete_data(self.s3, entry.before["location"])
        self.pending_deletes.append(entry.current["Name"])

    def converge(self, entry):
        reconciler = Reconciler(self.module, entry.before)
        if entry.action == "delete":
            reconciler.delete(lambda: self.delete(entry))
        elif entry.action == "create":
            reconciler.create(entry.after, lambda: self.write(entry))
        elif entry.action in ("update", "replace"):
            reconciler.converge_group(
                dict(entry.after), lambda target, have: self.write(entry),
                equal=lambda have, target: not entry.plan.changes)
        return reconciler

    # ------------------------------------------------------------------ run

    def run(self, specs):
        found = tables.list_tables(self.glue, self.database, self.catalog_id)
        wants_tables = any(spec.get("state", "present") == "present" for spec in specs)
        if found is None and not self.module.check_mode and wants_tables:
            self.module.fail_json(msg=f"database: Glue database {self.database} does not exist; create it first"
                                  " (deltalake.aws.glue_database)")
        self.existing = {t["Name"].lower(): t for t in found or []}
        entries = self.plan_all(specs)
        errors = [f"{e.spec['field'] if e.spec else 'purge_tables'} ({e.name}): {m}" for e in entries for m in e.errors]
        if errors:
            self.module.fail_json(msg="; ".join(errors), errors=errors,
                                  changes={e.name: e.changes for e in entries if e.action and e.changes})
        result = {"changed": False, "database": self.database, "tables": {}, "changes": {}, "changed_fields": [],
                  "created_tables": [], "metadata_locations": {}}
        diffs = []
        for entry in entries:
            reconciler = self.converge(entry)
            outcome = reconciler.result("table")
            if reconciler.after is not None:
                result["tables"][entry.name] = outcome["table"]
            if entry.spec and entry.spec.get("format") == tables.ICEBERG and entry.metadata_location:
                result["metadata_locations"][entry.name] = entry.metadata_location
            if outcome["changed"]:
                if outcome["created"]:
                    result["created_tables"].append(entry.name)
                result["changed"] = True
                result["changes"][entry.name] = entry.changes
                fields = outcome["changed_fields"] if entry.action == "update" else []
                result["changed_fields"] += [f"{entry.name}.{field}" for field in fields] or [entry.name]
                if "diff" in outcome:
                    header = f"{self.database}.{entry.name}"
                    diffs.append(dict(outcome["diff"], before_header=header, after_header=header))
        if self.pending_deletes:
            tables.delete_tables(self.glue, self.database, self.pending_deletes, self.catalog_id)
        if self.module._diff:
            result["diff"] = diffs
        return result


def main():
    module = DeltaLakeAWSModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    specs = validate_params(module)
    check_libraries(module, specs)
    glue = module.client("glue")
    catalog = TableCatalog(module, glue, tables.Connection(module, glue))
    try:
        result = catalog.run(specs)
    except AnsibleAWSError as e:
        module.fail_json_aws_error(e)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
