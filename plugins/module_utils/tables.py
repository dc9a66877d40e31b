# -*- coding: utf-8 -*-

# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Glue Data Catalog tables of a data lake: column types, partitions, Hive SerDe definitions, catalog calls and
the planning of schema changes, shared by the Hive, Iceberg (iceberg.py) and Delta (delta.py) handlers of
deltalake.aws.glue_table.

- Column types are parsed into one format-neutral tree and written back in each format's own spelling
  (``long`` for Iceberg and Delta, ``bigint`` for Hive; ``list`` for Iceberg, ``array`` for Delta and Hive), so
  that ``int`` and ``integer`` or ``decimal(10, 2)`` and ``decimal(10,2)`` compare equal.
- A table's normalized state (the module's return and diff shape) is
  ``{name, format, location, description, columns, partition_by, properties[, serde_parameters][, catalog_synced]}``
  with columns ``{name, type, required, comment}``.
- ``plan_schema`` turns current and desired columns into the list of changes (add, widen, make optional, rename,
  drop, incompatible type change, ...), the state after them, and the changes that lose data.
- Catalog reads and writes pass ``aws_retry=True``; botocore errors become DeltaLakeAWSError.
"""

import copy
import gzip
import json
import re

try:
    import boto3
except ImportError:
    pass  # AnsibleAWSModule reports a missing boto3

from ansible_collections.amazon.aws.plugins.module_utils.botocore import get_aws_connection_info

from ansible_collections.deltalake.aws.plugins.module_utils.base import DeltaLakeAWSError
from ansible_collections.deltalake.aws.plugins.module_utils.base import aws_retry
from ansible_collections.deltalake.aws.plugins.module_utils.glue import GlueErrorHandler
from ansible_collections.deltalake.aws.plugins.module_utils.s3 import S3ErrorHandler

ICEBERG = "iceberg"
DELTA = "delta"
HIVE = "hive"
HIVE_FORMATS = ("parquet", "json", "csv")
FORMATS = (ICEBERG, DELTA) + HIVE_FORMATS


def dialect_of(table_format):
    """The type dialect of a table format: ``iceberg``, ``delta`` or ``hive``."""
    return table_format if table_format in (ICEBERG, DELTA) else HIVE


# ---------------------------------------------------------------------------------------------------- types

# Format-neutral primitive names -> the name each format uses. A type missing from a format's table cannot be
# declared in that format.
_NAMES = {
    ICEBERG: {
        "boolean": "boolean", "int32": "int", "int64": "long", "float32": "float", "float64": "double",
        "decimal": "decimal", "date": "date", "time": "time", "timestamp": "timestamp",
        "timestamptz": "timestamptz", "string": "string", "uuid": "uuid", "fixed": "fixed", "binary": "binary",
    },
    DELTA: {
        "boolean": "boolean", "int8": "byte", "int16": "short", "int32": "integer", "int64": "long",
        "float32": "float", "float64": "double", "decimal": "decimal", "date": "date", "timestamptz": "timestamp",
        "timestamp": "timestamp_ntz", "string": "string", "binary": "binary",
    },
    HIVE: {
        "boolean": "boolean", "int8": "tinyint", "int16": "smallint", "int32": "int", "int64": "bigint",
        "float32": "float", "float64": "double", "decimal": "decimal", "char": "char", "varchar": "varchar",
        "string": "string", "binary": "binary", "date": "date", "timestamp": "timestamp",
    },
}
# Other spellings accepted in input, per format.
_ALIASES = {
    ICEBERG: {"bool": "boolean", "integer": "int", "bigint": "long", "timestamp_ntz": "timestamp"},
    DELTA: {"bool": "boolean", "tinyint": "byte", "smallint": "short", "int": "integer", "bigint": "long",
            "timestamptz": "timestamp"},
    HIVE: {"bool": "boolean", "byte": "tinyint", "short": "smallint", "integer": "int", "long": "bigint"},
}
_NEUTRAL = {dialect: {name: neutral for neutral, name in names.items()} for dialect, names in _NAMES.items()}
_LIST_NAME = {ICEBERG: "list", DELTA: "array", HIVE: "array"}
# How the Glue catalog spells types it has no name for (what Iceberg's own Glue integration writes).
_HIVE_FALLBACK = {"timestamptz": "timestamp", "uuid": "string", "time": "string", "fixed": "binary"}
_PARAMETERS = {"decimal": (1, 2), "char": (1, 1), "varchar": (1, 1), "fixed": (1, 1)}
_INTEGERS = ("int8", "int16", "int32", "int64")
_TOKEN = re.compile(r"\s*(?:([A-Za-z0-9_]+)|([<>(),:\[\]]))")
NAME_RE = re.compile(r"^[A-Za-z0-9_]{1,255}$")
LOWER_NAME_RE = re.compile(r"^[a-z0-9_]{1,255}$")
ELEMENT = "element"
VALUE = "value"


class TypeSyntaxError(ValueError):
    """A column type that cannot be parsed, or that the table's format has no name for."""


def format_names(dialect):
    """The primitive type names of a format, for messages."""
    names = list(_NAMES[dialect].values())
    return ", ".join(n + ("(p,s)" if n == "decimal" else "[n]" if n == "fixed" else "(n)" if n in ("char", "varchar")
                          else "") for n in names)


def _tokens(text):
    position = 0
    tokens = []
    text = text.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            raise TypeSyntaxError(f"unexpected character {text[position:].strip()[:1]!r}")
        tokens.append(match.group(1) or match.group(2))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, text, dialect, strict):
        self.tokens = _tokens(text)
        self.position = 0
        self.dialect = dialect
        self.strict = strict

    def peek(self):
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self, expected=None):
        token = self.peek()
        if token is None:
            raise TypeSyntaxError(f"ends early, {expected!r} expected" if expected else "ends early")
        if expected is not None and token.lower() != expected:
            raise TypeSyntaxError(f"{expected!r} expected, found {token!r}")
        self.position += 1
        return token

    def number(self):
        token = self.take()
        if not token.isdigit():
            raise TypeSyntaxError(f"a number expected, found {token!r}")
        return int(token)

    def not_null(self):
        if (self.peek() or "").lower() == "not":
            self.take()
            self.take("null")
            if self.dialect == HIVE and self.strict:
                raise TypeSyntaxError("'not null' is not supported by Glue/Hive table types")
            return True
        return False

    def parse(self):
        node = self.type()
        if self.peek() is not None:
            raise TypeSyntaxError(f"unexpected {self.peek()!r} after the type")
        return node

    def type(self):
        word = self.take()
        name = word.lower()
        if name == "struct":
            self.take("<")
            fields = []
            while True:
                field = self.take()
                if not NAME_RE.match(field):
                    raise TypeSyntaxError(f"struct field name {field!r} must be letters, digits or underscores")
                self.take(":")
                field_type = self.type()
                fields.append({"name": field, "type": field_type, "required": self.not_null()})
                if self.take() == ">":
                    break
                if self.tokens[self.position - 1] != ",":
                    raise TypeSyntaxError("',' or '>' expected between struct fields")
            names = [f["name"] for f in fields]
            duplicates = sorted({n for n in names if names.count(n) > 1})
            if duplicates:
                raise TypeSyntaxError(f"struct field {duplicates[0]!r} appears more than once")
            return {"t": "struct", "fields": fields}
        if name in ("array", "list"):
            self.take("<")
            element = self.type()
            required = self.not_null()
            self.take(">")
            return {"t": "list", "element": element, "required": required}
        if name == "map":
            self.take("<")
            key = self.type()
            self.take(",")
            value = self.type()
            required = self.not_null()
            self.take(">")
            return {"t": "map", "key": key, "value": value, "required": required}
        return self.primitive(name)

    def primitive(self, name):
        params = []
        if self.peek() in ("(", "["):
            closing = ")" if self.take() == "(" else "]"
            params.append(self.number())
            while self.peek() == ",":
                self.take()
                params.append(self.number())
            self.take(closing)
        name = _ALIASES[self.dialect].get(name, name)
        neutral = _NEUTRAL[self.dialect].get(name)
        if neutral is None:
            if self.strict:
                raise TypeSyntaxError(f"is not a type of this table format (one of {format_names(self.dialect)}, "
                                      "struct<...>, array<...>/list<...>, map<...>)")
            return {"t": f"{self.dialect}:{name}", "p": params}
        return {"t": neutral, "p": _check_parameters(neutral, params, self.dialect, self.strict)}


def _check_parameters(neutral, params, dialect, strict):
    low, high = _PARAMETERS.get(neutral, (0, 0))
    if neutral == "decimal" and not params and dialect == HIVE:
        params = [10, 0]  # Hive's decimal without precision is decimal(10,0)
    if not low <= len(params) <= high:
        if strict:
            expected = "no parameters" if not high else f"{low} to {high} parameters"
            raise TypeSyntaxError(f"{_NAMES[dialect][neutral]} takes {expected}")
        return params
    if neutral == "decimal":
        if len(params) == 1:
            params = [params[0], 0]
        if strict and not (1 <= params[0] <= 38 and 0 <= params[1] <= params[0]):
            raise TypeSyntaxError("decimal(p,s) needs 1 <= p <= 38 and 0 <= s <= p")
    if strict and neutral in ("char", "varchar", "fixed") and params[0] < 1:
        raise TypeSyntaxError(f"{_NAMES[dialect][neutral]} length must be at least 1")
    return params


def parse_type(text, dialect, strict=True):
    """Parse a type in a format's spelling into the neutral tree; ``strict=False`` (types read from AWS) keeps
    names this collection does not know instead of refusing them."""
    if not isinstance(text, str) or not text.strip():
        raise TypeSyntaxError("must be a non-empty type such as 'string' or 'decimal(10,2)'")
    node = _Parser(text, dialect, strict).parse()
    return node


def render_type(node, dialect):
    """The neutral tree -> the type in a format's spelling (``decimal(10,2)``, ``struct<a:int,b:string not null>``)."""
    kind = node["t"]
    not_null = "" if dialect == HIVE else " not null"
    if kind == "struct":
        fields = ",".join(f"{f['name']}:{render_type(f['type'], dialect)}{not_null if f['required'] else ''}"
                          for f in node["fields"])
        return f"struct<{fields}>"
    if kind == "list":
        return f"{_LIST_NAME[dialect]}<{render_type(node['element'], dialect)}{not_null if node['required'] else ''}>"
    if kind == "map":
        value = render_type(node["value"], dialect) + (not_null if node["required"] else "")
        return f"map<{render_type(node['key'], dialect)},{value}>"
    if ":" in kind:
        name = kind.split(":", 1)[1]
    else:
        name = _NAMES[dialect].get(kind) or _HIVE_FALLBACK.get(kind) or kind
    if kind == "fixed" and dialect == ICEBERG:
        return f"fixed[{node['p'][0]}]"
    if node["p"] and name in ("decimal", "char", "varchar", "fixed"):
        return f"{name}({','.join(str(p) for p in node['p'])})"
    return name


def normalize_type(text, dialect, strict=True):
    """A type string -> its canonical spelling in the format (raises TypeSyntaxError)."""
    return render_type(parse_type(text, dialect, strict), dialect)


def lenient_type(text, dialect):
    """A type as stored by AWS -> canonical spelling, or the text lower-cased when it cannot be parsed."""
    try:
        return normalize_type(text, dialect, strict=False)
    except TypeSyntaxError:
        return (text or "").strip().lower()


def is_widening(old, new, dialect):
    """Whether the primitive ``old`` may become ``new`` without rewriting data (Iceberg's type promotions:
    int -> long, float -> double, wider decimal precision; Hive also widens smaller integers, varchar length and
    char/varchar -> string). Delta tables (delta-rs) have no in-place type change."""
    if dialect == DELTA:
        return False
    a, b = old["t"], new["t"]
    if a == "decimal" and b == "decimal":
        return old["p"][1] == new["p"][1] and new["p"][0] > old["p"][0]
    if a == "float32" and b == "float64":
        return True
    if dialect == ICEBERG:
        return a == "int32" and b == "int64"
    if a in _INTEGERS and b in _INTEGERS:
        return _INTEGERS.index(b) > _INTEGERS.index(a)
    if a == "varchar" and b == "varchar":
        return new["p"][0] > old["p"][0]
    return a in ("char", "varchar") and b == "string"


def is_primitive(node):
    return node["t"] not in ("struct", "list", "map")


# ---------------------------------------------------------------------------------------------------- partitions

_PARTITION_RE = re.compile(
    r"^\s*(?:(?P<transform>[a-z]+)(?:\[(?P<arg>\d+)\])?\(\s*(?P<source>[A-Za-z0-9_.]+)\s*\)|(?P<column>[A-Za-z0-9_.]+))\s*$",
    re.IGNORECASE,
)
TRANSFORMS = ("identity", "year", "month", "day", "hour", "bucket", "truncate")
_TRANSFORM_ALIASES = {"years": "year", "months": "month", "days": "day", "hours": "hour"}
# Which source types each Iceberg transform takes (Iceberg table spec, "Partition Transforms").
_TRANSFORM_SOURCES = {
    "year": ("date", "timestamp", "timestamptz"),
    "month": ("date", "timestamp", "timestamptz"),
    "day": ("date", "timestamp", "timestamptz"),
    "hour": ("timestamp", "timestamptz"),
    "bucket": ("int32", "int64", "decimal", "date", "time", "timestamp", "timestamptz", "string", "uuid", "fixed",
               "binary"),
    "truncate": ("int32", "int64", "decimal", "string", "binary"),
}


def parse_partition(text):
    """``country``, ``identity(country)``, ``day(ts)``, ``bucket[16](id)``, ``truncate[4](name)`` ->
    (transform, argument, source column); raises ValueError."""
    match = _PARTITION_RE.match(text or "")
    if not match:
        raise ValueError("must be a column name or transform(column), e.g. day(ts), bucket[16](id), truncate[4](name)")
    if match.group("column"):
        return "identity", None, match.group("column")
    transform = match.group("transform").lower()
    transform = _TRANSFORM_ALIASES.get(transform, transform)
    if transform not in TRANSFORMS:
        raise ValueError(f"transform {transform!r} is not one of identity, year, month, day, hour, bucket[N], truncate[N]")
    arg = match.group("arg")
    if transform in ("bucket", "truncate"):
        if arg is None or int(arg) < 1:
            raise ValueError(f"{transform} needs a positive width, e.g. {transform}[16](column)")
        return transform, int(arg), match.group("source")
    if arg is not None:
        raise ValueError(f"{transform} takes no [N] argument")
    return transform, None, match.group("source")


def render_partition(transform, arg, source):
    if transform == "identity":
        return source
    return f"{transform}[{arg}]({source})" if arg is not None else f"{transform}({source})"


def normalize_partition(text):
    return render_partition(*parse_partition(text))


def partition_source(text):
    return parse_partition(text)[2]


def rename_partition(text, renames):
    transform, arg, source = parse_partition(text)
    return render_partition(transform, arg, renames.get(source, source))


def validate_partition_source(transform, source_type):
    """A message when an Iceberg transform cannot apply to a column of ``source_type`` (neutral tree), else None."""
    if not is_primitive(source_type):
        return "partition source columns must have a primitive type"
    allowed = _TRANSFORM_SOURCES.get(transform)
    if allowed and source_type["t"] not in allowed:
        names = sorted({_NAMES[ICEBERG].get(a, a) for a in allowed})
        return f"{transform} applies to columns of type {', '.join(names)}"
    return None


# ---------------------------------------------------------------------------------------------------- columns


def column(name, type_text, required=False, comment=None):
    return {"name": name, "type": type_text, "required": bool(required), "comment": comment or None}


def columns_struct(columns, dialect):
    """Columns -> one struct node whose fields carry the column comments."""
    return {
        "t": "struct",
        "fields": [
            {"name": c["name"], "type": parse_type(c["type"], dialect, strict=False), "required": c["required"],
             "comment": c.get("comment")}
            for c in columns
        ],
    }


def struct_columns(struct, dialect):
    return [column(f["name"], render_type(f["type"], dialect), f["required"], f.get("comment")) for f in struct["fields"]]


def field_at(struct, path):
    """The field dict at ``path`` (names; ``element``/``value`` step into lists and maps), or None."""
    node = {"t": "struct", "fields": struct["fields"]}
    field = None
    for step in path:
        if node["t"] == "struct":
            field = next((f for f in node["fields"] if f["name"] == step), None)
            if field is None:
                return None
            node = field["type"]
        elif node["t"] == "list" and step == ELEMENT:
            field = {"name": ELEMENT, "container": node}
            node = node["element"]
        elif node["t"] == "map" and step == VALUE:
            field = {"name": VALUE, "container": node}
            node = node["value"]
        else:
            return None
    return field


def node_at(struct, path):
    if not path:
        return struct
    field = field_at(struct, path)
    if field is None:
        return None
    if "container" in field:
        return field["container"]["element" if field["name"] == ELEMENT else "value"]
    return field["type"]


def _owner(path):
    """The struct field that owns a change inside a list element or map value."""
    while path and path[-1] in (ELEMENT, VALUE):
        path = path[:-1]
    return path


def _diff_type(path, have, want, dialect, changes):
    if have["t"] != want["t"] and not (is_primitive(have) and is_primitive(want)):
        changes.append({"kind": "retype", "path": path})
        return
    if have["t"] == "struct":
        by_name = {f["name"]: f for f in have["fields"]}
        for field in want["fields"]:
            current = by_name.get(field["name"])
            if current is None:
                changes.append({"kind": "add", "path": path + (field["name"],), "field": field})
            else:
                _diff_field(path + (field["name"],), current, field, dialect, changes)
        wanted = {f["name"] for f in want["fields"]}
        for field in have["fields"]:
            if field["name"] not in wanted:
                changes.append({"kind": "drop", "path": path + (field["name"],)})
    elif have["t"] == "list":
        _diff_nested(path + (ELEMENT,), have, want, "element", dialect, changes)
    elif have["t"] == "map":
        if have["key"] != want["key"]:
            changes.append({"kind": "retype", "path": path})
            return
        _diff_nested(path + (VALUE,), have, want, "value", dialect, changes)
    elif have != want:
        if is_widening(have, want, dialect):
            changes.append({"kind": "widen", "path": path, "old": have, "new": want})
        else:
            changes.append({"kind": "retype", "path": path})


def _diff_nested(path, have, want, key, dialect, changes):
    _diff_type(path, have[key], want[key], dialect, changes)
    if have["required"] and not want["required"]:
        changes.append({"kind": "optional", "path": path})
    elif want["required"] and not have["required"]:
        changes.append({"kind": "require", "path": path})


def _diff_field(path, have, want, dialect, changes):
    _diff_type(path, have["type"], want["type"], dialect, changes)
    if have["required"] and not want["required"]:
        changes.append({"kind": "optional", "path": path})
    elif want["required"] and not have["required"]:
        changes.append({"kind": "require", "path": path})
    if len(path) == 1 and (have.get("comment") or None) != (want.get("comment") or None):
        changes.append({"kind": "comment", "path": path, "old": have.get("comment"), "new": want.get("comment")})


def diff_columns(have, want, dialect):
    """Changes that turn the columns ``have`` into ``want`` (column and struct-field order ignored). An
    incompatible change inside a list or map becomes a type change of the column (or struct field) owning it."""
    changes = []
    _diff_type((), columns_struct(have, dialect), columns_struct(want, dialect), dialect, changes)
    for change in changes:
        if change["kind"] == "retype":
            change["path"] = _owner(change["path"])
    retyped = {c["path"] for c in changes if c["kind"] == "retype"}
    result = []
    for change in changes:
        covering = [r for r in retyped if change["path"][:len(r)] == r]
        if change["kind"] == "retype":
            outermost = len(covering) == 1  # only itself: not inside another re-created field
            if outermost and change["path"] not in [c["path"] for c in result if c["kind"] == "retype"]:
                result.append(change)
        elif not covering:
            result.append(change)
    return result


def path_name(path):
    return ".".join(path)


def _remove_field(struct, path):
    parent = node_at(struct, path[:-1])
    parent["fields"] = [f for f in parent["fields"] if f["name"] != path[-1]]


def _append_field(struct, path, field):
    parent = node_at(struct, path[:-1])
    parent["fields"].append(copy.deepcopy(field))


def apply_changes(have, want, changes, dialect):
    """The columns after ``changes`` as Iceberg makes them: added fields and fields re-created by an
    incompatible type change go to the end of their struct; everything else keeps its place."""
    struct = columns_struct(have, dialect)
    wanted = columns_struct(want, dialect)
    for change in changes:
        path, kind = change["path"], change["kind"]
        if kind == "drop":
            _remove_field(struct, path)
        elif kind == "retype":
            _remove_field(struct, path)
            _append_field(struct, path, field_at(wanted, path))
        elif kind == "add":
            _append_field(struct, path, change["field"])
        elif kind == "widen":
            field = field_at(struct, path)
            if "container" in field:
                field["container"]["element" if field["name"] == ELEMENT else "value"] = copy.deepcopy(change["new"])
            else:
                field["type"] = copy.deepcopy(change["new"])
        elif kind in ("optional", "require"):
            field = field_at(struct, path)
            target = field["container"] if "container" in field else field
            target["required"] = kind == "require"
        elif kind == "comment":
            field_at(struct, path)["comment"] = change["new"]
    return struct_columns(struct, dialect)


def describe_change(change, have, want, dialect):
    """One change as a line of the module's ``changes`` output."""
    path, kind = change["path"], change["kind"]
    name = path_name(path)
    what = "column" if len(path) == 1 else "field"
    if kind == "add":
        field = change["field"]
        required = " not null" if field["required"] else ""
        return f"add {what} {name} {render_type(field['type'], dialect)}{required}"
    if kind == "drop":
        return f"drop {what} {name}"
    if kind == "widen":
        return f"widen {name} {render_type(change['old'], dialect)} -> {render_type(change['new'], dialect)}"
    if kind == "retype":
        old = node_at(columns_struct(have, dialect), path)
        new = node_at(columns_struct(want, dialect), path)
        return f"change type of {name} {render_type(old, dialect)} -> {render_type(new, dialect)}"
    if kind == "optional":
        return f"make {name} optional"
    if kind == "require":
        return f"make {name} required"
    return f"set comment of {name}: {change['old']!r} -> {change['new']!r}"


# ---------------------------------------------------------------------------------------------------- planning


class Plan:
    """What one table needs: the state after (``target``), readable ``changes``, the ``unsafe`` ones (they lose
    data or break readers; refused without allow_destructive), ``blocked`` ones that cannot be made at all, and the
    format handler's operations."""

    def __init__(self, target):
        self.target = target
        self.changes = []
        self.unsafe = []
        self.blocked = []
        self.operations = []

    def change(self, text, unsafe=False):
        self.changes.append(text)
        if unsafe:
            self.unsafe.append(text)


def resolve_comments(have, want):
    """Column comments left unset (None) keep their current value."""
    by_name = {c["name"]: c for c in have}
    resolved = []
    for col in want:
        col = dict(col)
        if col.get("comment") is None and col["name"] in by_name:
            col["comment"] = by_name[col["name"]].get("comment")
        col["comment"] = col.get("comment") or None
        resolved.append(col)
    return resolved


def apply_renames(have, renames, plan):
    """Rename columns of ``have`` (a list) as ``renames`` {old: new} asks, where the old name still exists."""
    names = {c["name"] for c in have}
    done = {}
    for old, new in renames.items():
        if old in names and new in names:
            plan.blocked.append(f"cannot rename column {old} to {new}: the table already has both")
        elif old in names:
            done[old] = new
            plan.change(f"rename column {old} -> {new}")
    renamed = [dict(c, name=done.get(c["name"], c["name"])) for c in have]
    return renamed, done


def properties_subset(properties, keys):
    """The values of ``keys`` in ``properties`` (None for missing keys): what the diff shows."""
    return {key: (properties or {}).get(key) for key in sorted(keys)}


def describe_properties(have, want, label="property"):
    lines = []
    for key in sorted(want):
        if (have or {}).get(key) != want[key]:
            lines.append(f"set {label} {key}: {(have or {}).get(key)!r} -> {want[key]!r}")
    return lines


def property_string(value):
    """Table properties are strings; YAML booleans become ``true``/``false`` as engines write them."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


# ---------------------------------------------------------------------------------------------------- S3 URIs


def parse_s3_uri(value):
    """``s3://bucket/key`` -> (bucket, key), or None."""
    if not isinstance(value, str) or not value.startswith("s3://"):
        return None
    bucket, key = (value[5:].split("/", 1) + [""])[:2]
    return (bucket, key) if bucket else None


def normalize_location(value):
    """Table locations compare with one trailing slash (AWS and the table formats store either form)."""
    if not value:
        return value
    return value.rstrip("/") + "/"


def default_location(bucket, prefix, database, table):
    return f"s3://{bucket}/{prefix or ''}{database}/{table}/"


# ---------------------------------------------------------------------------------------------------- Hive formats

EXTERNAL_TABLE = "EXTERNAL_TABLE"
# SerDe and input/output formats of the Hive-style external tables, as Athena's CREATE EXTERNAL TABLE and the Glue
# crawlers write them (https://docs.aws.amazon.com/athena/latest/ug/supported-serdes.html).
HIVE_DEFINITIONS = {
    "parquet": {
        "input_format": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
        "output_format": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
        "serde": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
        "serde_parameters": {"serialization.format": "1"},
    },
    "json": {
        "input_format": "org.apache.hadoop.mapred.TextInputFormat",
        "output_format": "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
        "serde": "org.openx.data.jsonserde.JsonSerDe",
        "serde_parameters": {},
    },
    "csv": {
        "input_format": "org.apache.hadoop.mapred.TextInputFormat",
        "output_format": "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
        "serde": "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
        "serde_parameters": {"field.delim": ",", "serialization.format": ","},
    },
}
# The keys of TableInput that a GetTable answer carries over unchanged (UpdateTable replaces the whole table).
_TABLE_INPUT_KEYS = ("Name", "Description", "Owner", "LastAccessTime", "LastAnalyzedTime", "Retention",
                     "StorageDescriptor", "PartitionKeys", "ViewOriginalText", "ViewExpandedText", "TableType",
                     "Parameters", "TargetTable")


def detect_format(table):
    """The format of a Glue table: iceberg, delta, parquet, json, csv, view, or the classification (orc, avro,
    ...) of other Hive tables."""
    parameters = {k.lower(): str(v) for k, v in (table.get("Parameters") or {}).items()}
    table_type = parameters.get("table_type", "").lower()
    if table_type == ICEBERG:
        return ICEBERG
    if table_type == DELTA or parameters.get("spark.sql.sources.provider", "").lower() == DELTA:
        return DELTA
    if table.get("TableType") == "VIRTUAL_VIEW":
        return "view"
    descriptor = table.get("StorageDescriptor") or {}
    serde = ((descriptor.get("SerdeInfo") or {}).get("SerializationLibrary") or "").lower()
    input_format = (descriptor.get("InputFormat") or "").lower()
    if "parquet" in serde or "parquet" in input_format:
        return "parquet"
    if "json" in serde:
        return "json"
    if "lazysimpleserde" in serde or "opencsvserde" in serde:
        return "csv"
    return parameters.get("classification", "").lower() or "unknown"


def is_hive_format(table_format):
    return table_format not in (ICEBERG, DELTA, "view")


def table_input(current):
    """The TableInput of an existing table (for UpdateTable), keeping what this module does not manage."""
    return {key: copy.deepcopy(current[key]) for key in _TABLE_INPUT_KEYS if key in current}


def glue_column(col, dialect_from):
    """A column in the normalized shape -> a Glue Column (type in Glue/Hive spelling)."""
    api = {"Name": col["name"], "Type": render_type(parse_type(col["type"], dialect_from, strict=False), HIVE)}
    if col.get("comment"):
        api["Comment"] = col["comment"]
    return api


def normalize_glue_columns(columns):
    return [column(c["Name"], lenient_type(c.get("Type"), HIVE), False, c.get("Comment")) for c in columns or []]


def hive_owned_parameters(table_format):
    """Table parameters Athena and the crawlers give Hive-style external tables."""
    return {"EXTERNAL": "TRUE", "classification": table_format}


def normalize_hive_table(table, property_keys):
    """A Hive-style Glue table -> the normalized state. ``property_keys`` are the parameters this run manages."""
    descriptor = table.get("StorageDescriptor") or {}
    partition_keys = table.get("PartitionKeys") or []
    table_format = detect_format(table)
    return {
        "name": table["Name"],
        "format": table_format,
        "location": normalize_location(descriptor.get("Location")),
        "description": table.get("Description") or None,
        "columns": normalize_glue_columns(descriptor.get("Columns")) + normalize_glue_columns(partition_keys),
        "partition_by": [c["Name"] for c in partition_keys],
        "properties": properties_subset(table.get("Parameters"), property_keys),
        "serde_parameters": dict((descriptor.get("SerdeInfo") or {}).get("Parameters") or {}),
    }


def hive_table_input(state, current=None):
    """The TableInput of a Hive-style table in ``state`` (normalized); fields this module does not manage keep
    their values from ``current`` (the GetTables answer)."""
    api = table_input(current) if current else {"Name": state["name"]}
    definition = HIVE_DEFINITIONS[state["format"]]
    partitions = state["partition_by"]
    by_name = {c["name"]: c for c in state["columns"]}
    descriptor = api.setdefault("StorageDescriptor", {})
    descriptor.update({
        "Columns": [glue_column(c, HIVE) for c in state["columns"] if c["name"] not in partitions],
        "Location": state["location"],
        "InputFormat": definition["input_format"],
        "OutputFormat": definition["output_format"],
        "SerdeInfo": {"SerializationLibrary": definition["serde"], "Parameters": dict(state["serde_parameters"])},
    })
    api["PartitionKeys"] = [glue_column(by_name[name], HIVE) for name in partitions]
    api["TableType"] = EXTERNAL_TABLE
    parameters = api.setdefault("Parameters", {})
    parameters.update({k: v for k, v in state["properties"].items() if v is not None})
    if state.get("description"):
        api["Description"] = state["description"]
    else:
        api.pop("Description", None)
    return api


# ---------------------------------------------------------------------------------------------------- catalog calls


def _catalog(catalog_id):
    return {"CatalogId": catalog_id} if catalog_id else {}


@GlueErrorHandler.list_error_handler("get the tables of Glue database")
@aws_retry()
def list_tables(client, database, catalog_id=None):
    """Every table of ``database`` (GetTables, all pages), or None when the database does not exist."""
    paginator = client.get_paginator("get_tables")
    result = paginator.paginate(DatabaseName=database, **_catalog(catalog_id)).build_full_result()
    return result.get("TableList", [])


@GlueErrorHandler.common_error_handler("create Glue table")
def create_table(client, database, api, catalog_id=None):
    client.create_table(DatabaseName=database, TableInput=api, aws_retry=True, **_catalog(catalog_id))


@GlueErrorHandler.common_error_handler("update Glue table")
def update_table(client, database, api, catalog_id=None):
    client.update_table(DatabaseName=database, TableInput=api, aws_retry=True, **_catalog(catalog_id))


@GlueErrorHandler.common_error_handler("delete Glue tables")
def delete_tables(client, database, names, catalog_id=None):
    """BatchDeleteTable, 100 names per call; a table that is already gone is not an error."""
    for start in range(0, len(names), 100):
        batch = names[start:start + 100]
        response = client.batch_delete_table(DatabaseName=database, TablesToDelete=batch, aws_retry=True,
                                             **_catalog(catalog_id))
        errors = [e for e in response.get("Errors") or []
                  if (e.get("ErrorDetail") or {}).get("ErrorCode") != "EntityNotFoundException"]
        if errors:
            detail = errors[0].get("ErrorDetail") or {}
            raise DeltaLakeAWSError(
                message=f"Failed to delete {len(errors)} Glue tables of {database}, e.g. {errors[0].get('TableName')}:"
                f" {detail.get('ErrorCode')} {detail.get('ErrorMessage')}"
            )


# ---------------------------------------------------------------------------------------------------- S3 data


@S3ErrorHandler.common_error_handler("read table metadata")
def read_object(client, uri):
    """The bytes of an S3 object (gzip-compressed metadata files are decompressed)."""
    bucket, key = parse_s3_uri(uri)
    body = client.get_object(Bucket=bucket, Key=key, aws_retry=True)["Body"].read()
    return gzip.decompress(body) if body[:2] == b"\x1f\x8b" else body


def read_json(client, uri):
    try:
        return json.loads(read_object(client, uri))
    except ValueError as e:
        raise DeltaLakeAWSError(message=f"{uri} is not valid JSON: {e}") from e


@S3ErrorHandler.list_error_handler("look for objects", default_value=False)
def has_objects(client, uri):
    """Whether any object exists under the prefix ``uri`` (False also when the bucket does not exist)."""
    bucket, key = parse_s3_uri(uri)
    response = client.list_objects_v2(Bucket=bucket, Prefix=key, MaxKeys=1, aws_retry=True)
    return bool(response.get("Contents"))


@S3ErrorHandler.common_error_handler("delete table data")
@aws_retry()
def delete_data(client, location):
    """Delete every object under ``location`` (a table's prefix, ending in ``/``), 1,000 per DeleteObjects call.
    In a versioned bucket the versions stay as non-current versions. Returns how many objects were deleted."""
    bucket, key = parse_s3_uri(normalize_location(location))
    deleted = 0
    paginator = client.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket, Prefix=key):
        objects = [{"Key": o["Key"]} for o in page.get("Contents", [])]
        for start in range(0, len(objects), 1000):
            batch = objects[start:start + 1000]
            response = client.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True}, aws_retry=True)
            if response.get("Errors"):
                error = response["Errors"][0]
                raise DeltaLakeAWSError(
                    message=f"Failed to delete {len(response['Errors'])} objects under {location}, e.g."
                    f" {error.get('Key')}: {error.get('Code')} {error.get('Message')}"
                )
            deleted += len(batch)
    return deleted


# ---------------------------------------------------------------------------------------------------- connection


def custom_endpoint(client):
    """The endpoint a module client really uses, when it is not AWS's own (an ``endpoint_url`` option, or
    ``AWS_ENDPOINT_URL`` in the environment), so that the table libraries go where the module goes."""
    url = getattr(getattr(client, "meta", None), "endpoint_url", None)
    if not url:
        return None
    host = url.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    return None if host.endswith((".amazonaws.com", ".amazonaws.com.cn", ".api.aws")) else url


class Connection:
    """Region, endpoints and credentials of the module's connection, resolved once through boto3 (so profiles,
    environment variables, SSO and instance roles all work) for the table libraries, which do not take a boto3
    session. The endpoints are those of the module's own Glue and S3 clients. The secrets never appear in
    messages or results."""

    def __init__(self, module, glue_client):
        region, dummy, params = get_aws_connection_info(module)
        self.region = region
        self.glue_endpoint = custom_endpoint(glue_client)
        self._module = module
        self._params = params
        self._credentials = None

    @property
    def s3_endpoint(self):
        return custom_endpoint(self._module.client("s3"))

    @property
    def credentials(self):
        if self._credentials is None:
            session = boto3.session.Session(
                profile_name=self._params.get("profile_name"),
                aws_access_key_id=self._params.get("aws_access_key_id"),
                aws_secret_access_key=self._params.get("aws_secret_access_key"),
                aws_session_token=self._params.get("aws_session_token"),
                region_name=self.region,
            )
            found = session.get_credentials()
            if found is None:
                raise DeltaLakeAWSError(message="No AWS credentials found for the Iceberg/Delta table library: set"
                                        " access_key/secret_key, a profile, or credentials in the environment")
            self._credentials = found.get_frozen_credentials()
        return self._credentials


# ---------------------------------------------------------------------------------------------------- Hive tables


def hive_property_keys(spec):
    return set(hive_owned_parameters(spec["format"])) | set((spec["properties"] or {}).keys())


def order_hive_columns(columns, partitions):
    """Glue keeps partition keys apart from the other columns: data columns in their order, then the partition
    keys in partition order, which is also how they read back."""
    by_name = {c["name"]: c for c in columns}
    return [c for c in columns if c["name"] not in partitions] + [by_name[p] for p in partitions if p in by_name]


def new_hive_state(spec):
    """The state of a Hive-style table created from ``spec``."""
    partitions = list(spec["partition_by"] or [])
    definition = HIVE_DEFINITIONS[spec["format"]]
    return {
        "name": spec["name"],
        "format": spec["format"],
        "location": spec["location"],
        "description": spec["description"] or None,
        "columns": order_hive_columns([dict(c, comment=c.get("comment") or None) for c in spec["columns"]], partitions),
        "partition_by": partitions,
        "properties": dict(hive_owned_parameters(spec["format"]), **(spec["properties"] or {})),
        "serde_parameters": dict(definition["serde_parameters"], **(spec["serde_parameters"] or {})),
    }


def plan_hive_table(before, spec):
    """Plan a Hive-style table from ``before`` (normalize_hive_table) to ``spec``. Every change is one Glue
    UpdateTable of metadata; dropping a column, an incompatible type change and other partition keys are unsafe
    (they break readers of existing files and partitions)."""
    plan = Plan(dict(before))
    have, renamed = apply_renames(before["columns"], spec["rename_columns"], plan)
    current_partitions = [renamed.get(p, p) for p in before["partition_by"]]
    partitions = list(spec["partition_by"]) if spec["partition_by"] is not None else current_partitions
    want = resolve_comments(have, spec["columns"]) if spec["columns"] is not None else have
    want = order_hive_columns(want, partitions)
    changes = diff_columns(have, want, HIVE)
    for change in changes:
        plan.change(describe_change(change, have, want, HIVE), unsafe=change["kind"] in ("drop", "retype"))
    touched = {c["path"][0] for c in changes}
    by_name = {c["name"]: c for c in have}
    target = [by_name[c["name"]] if c["name"] in by_name and c["name"] not in touched else c for c in want]
    if partitions != current_partitions:
        plan.change(f"change partition keys {current_partitions} -> {partitions}", unsafe=True)
    elif [c["name"] for c in target] != [c["name"] for c in have] and not changes:
        plan.change(f"reorder columns {[c['name'] for c in have]} -> {[c['name'] for c in target]}")
    plan.target.update(columns=target, partition_by=partitions)
    if before["format"] != spec["format"]:
        plan.change(f"change format {before['format']} -> {spec['format']}")
        plan.target["format"] = spec["format"]
    if before["location"] != spec["location"]:
        plan.change(f"change location {before['location']} -> {spec['location']}")
        plan.target["location"] = spec["location"]
    if spec["description"] is not None and (spec["description"] or None) != before["description"]:
        plan.change(f"set description: {before['description']!r} -> {spec['description'] or None!r}")
        plan.target["description"] = spec["description"] or None
    properties = dict(hive_owned_parameters(spec["format"]), **(spec["properties"] or {}))
    for line in describe_properties(before["properties"], properties, "parameter"):
        plan.change(line)
    plan.target["properties"] = dict(before["properties"], **properties)
    definition = HIVE_DEFINITIONS[spec["format"]]
    serde = {**(before["serde_parameters"] if before["format"] == spec["format"] else {}),
             **definition["serde_parameters"], **(spec["serde_parameters"] or {})}
    if serde != before["serde_parameters"]:
        plan.change(f"set SerDe parameters {before['serde_parameters']} -> {serde}")
        plan.target["serde_parameters"] = serde
    plan.operations = {"update": True} if plan.changes else None
    return plan
