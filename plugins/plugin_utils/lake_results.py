# -*- coding: utf-8 -*-

# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Reading registered results of deltalake.aws modules (controller side): what a run created (for rollback) and
what a check run found different (the drift report)."""

# The resource key each module returns, the module, and the arguments that name the resource for state=absent.
RESOURCE_KEYS = (
    ("bucket", "s3_bucket", ("name",)),
    ("key", "kms_key", ("alias",)),
    ("vpc_endpoint", "vpc_endpoint", ("vpc_id", "service_name", "type")),
    ("database", "glue_database", ("name", "catalog_id")),
    ("role", "iam_role", ("name",)),
    ("delivery_stream", "firehose_delivery_stream", ("name",)),
    ("crawler", "glue_crawler", ("name",)),
    ("workgroup", "athena_workgroup", ("name",)),
    ("resource", "lakeformation_resource", ("resource_arn",)),
    ("tag", "lakeformation_tag", ("key",)),
    ("settings", "lakeformation_settings", ()),
    ("permissions", "lakeformation_permissions", ()),
)
# Module arguments whose names differ from the returned field.
ARGUMENT_NAMES = {"service_name": "service"}


def task_items(result):
    """The per-item results of a registered task (a loop's ``results``, or the result itself)."""
    if isinstance(result, dict) and isinstance(result.get("results"), list):
        return [item for item in result["results"] if isinstance(item, dict)]
    return [result] if isinstance(result, dict) else []


def describe(item):
    """(module, resource dict, identity dict) of one item's result, or (None, None, None)."""
    if isinstance(item.get("tables"), dict) and isinstance(item.get("database"), str):
        return "glue_table", item["tables"], {"database": item["database"]}
    for key, module, identity_fields in RESOURCE_KEYS:
        resource = item.get(key)
        if isinstance(resource, dict):
            identity = {ARGUMENT_NAMES.get(f, f): resource.get(f) for f in identity_fields if resource.get(f) is not None}
            return module, resource, identity
    return None, None, None


def label(module, identity):
    return " ".join([module] + [str(v) for v in identity.values()])


def created_resources(result):
    """Entries {kind, identity, label} for every resource this registered result created, in order."""
    created = []
    for item in task_items(result):
        module, resource, identity = describe(item)
        if module == "glue_table":
            for name in item.get("created_tables") or []:
                table_identity = dict(identity, table=name)
                created.append({"kind": module, "identity": table_identity, "label": f"glue_table {identity['database']}.{name}"})
        elif module and item.get("created"):
            created.append({"kind": module, "identity": identity, "label": label(module, identity)})
    return created


def _diffs(item):
    diff = item.get("diff")
    if isinstance(diff, dict):
        return [diff]
    return [d for d in diff or [] if isinstance(d, dict)]


def drift_entries(results):
    """One entry {resource, module, field, expected, actual} per setting that a check run found different.

    ``expected`` is the value the lake configuration asks for (the diff's after), ``actual`` what AWS has (the
    diff's before; None where the resource does not exist). Without --diff the values are not known: the entry has
    the field and ``"values": "run with --diff"``."""
    entries = []
    for result in results:
        for item in task_items(result):
            if not item.get("changed"):
                continue
            module, resource, identity = describe(item)
            if module is None:
                continue
            name = label(module, identity)
            diffs = _diffs(item)
            if diffs:
                for diff in diffs:
                    before, after = diff.get("before") or {}, diff.get("after") or {}
                    where = diff.get("after_header") or diff.get("before_header")
                    resource_name = f"{name} {where}" if where else name
                    if not before or not after:
                        entries.append({"resource": resource_name, "module": module, "field": None,
                                        "expected": "present" if after else "absent",
                                        "actual": "present" if before else "absent"})
                        continue
                    for field in sorted(set(before) | set(after)):
                        if before.get(field) != after.get(field):
                            entries.append({"resource": resource_name, "module": module, "field": field,
                                            "expected": after.get(field), "actual": before.get(field)})
            else:
                for field in item.get("changed_fields") or [None]:
                    expected = resource.get(field) if isinstance(resource, dict) and field else None
                    entries.append({"resource": name, "module": module, "field": field, "expected": expected,
                                    "actual": None, "values": "run with --diff"})
    return entries
