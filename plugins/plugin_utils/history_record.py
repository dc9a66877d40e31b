# -*- coding: utf-8 -*-

# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The deployment history record: its shape and the pure functions that build, compare and summarize it.

Controller-only (callback and lookup). One record per playbook run::

    {record_version, run_id, started_at, ended_at, duration_seconds, updated_at, playbook, mode, check_mode,
     diff_mode, outcome, user, controller, process, awx, collection_version, ansible_version, lake, config,
     config_hash, config_changes, compared_with, redacted_keys, cost_estimate, resources, failed_tasks,
     summary, drift}

``mode`` is ``deploy``, ``check`` (a ``--check`` run: its changes are the drift) or ``teardown``; ``outcome``
is ``running``, ``success``, ``failed`` or ``interrupted``. Times are UTC ISO 8601 strings ending in ``Z``;
run ids start with the start time, so sorting run ids sorts runs by start.
"""

import datetime
import hashlib
import json
import os
import secrets
import socket

from ansible.module_utils.common.collections import is_sequence

RECORD_VERSION = 1
MODES = ("deploy", "check", "teardown")
OUTCOMES = ("running", "success", "failed", "interrupted")
FINAL_OUTCOMES = ("success", "failed", "interrupted")

# Variables whose names start with one of these make up the lake configuration (docs/lake-configuration.md).
CONFIG_PREFIXES = (
    "datalake_",
    "network_",
    "encryption_",
    "storage_",
    "catalog_",
    "iam_",
    "ingest_",
    "crawl_",
    "query_",
    "governance_",
)
# Outputs and switches that share a prefix with the configuration but are not part of it.
# Variables with a lake prefix that are not the lake's configuration: options of one run (where the drift report
# goes, whether drift fails the run, teardown and rollback switches, the budget guard and the cost scenario) and
# facts the roles set while running. A changed run option is not a changed lake.
CONFIG_EXCLUDED = (
    "datalake_cost_estimate",
    "datalake_drift_report",
    "datalake_fail_on_drift",
    "datalake_rollback_on_failure",
    "datalake_teardown_delete_data",
    "datalake_state",
    "datalake_hosts",
    "datalake_monthly_budget_usd",
    "datalake_cost_scenario",
    "datalake_cost_usage",
    "datalake_resource_tags",
    "datalake_account_id",
    "datalake_partition",
    "datalake_drift",
)
CONFIG_EXCLUDED_SUFFIXES = ("_outputs", "_created", "_result")

# Keys of a module result that are never a resource.
_NOT_RESOURCE_KEYS = frozenset(
    (
        "invocation",
        "diff",
        "ansible_facts",
        "results",
        "item",
        "warnings",
        "deprecations",
        "exception",
        "_ansible_no_log",
    )
)
MESSAGE_LIMIT = 1000
_VALUE_LIMIT = 120


# ---------------------------------------------------------------------------------------------- time and ids


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc)


def isoformat(moment):
    return moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(text):
    """Parse an ISO time written by ``isoformat`` (or any ISO 8601 form Python reads); None when unreadable."""
    if not text:
        return None
    try:
        return datetime.datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None


def new_run_id(started):
    """``20250131T235959Z-1a2b3c4d``: sortable by start time, unique across controllers."""
    return f"{started.astimezone(datetime.timezone.utc):%Y%m%dT%H%M%S}Z-{secrets.token_hex(4)}"


def run_date(run_id):
    """The UTC start date (``YYYY-MM-DD``) encoded in a run id."""
    return f"{run_id[0:4]}-{run_id[4:6]}-{run_id[6:8]}"


def run_started(run_id):
    """The start time (to the second) encoded in a run id, or None for an id this code did not make."""
    try:
        return datetime.datetime.strptime(str(run_id)[:16], "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.timezone.utc)
    except ValueError:
        return None


# ---------------------------------------------------------------------------------------------- processes


def _read(path):
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read().strip()
    except OSError:
        return None


def _process_start(pid):
    """The process start time in clock ticks since boot (Linux), to tell a reused pid from the original."""
    stat = _read(f"/proc/{pid}/stat")
    if not stat:
        return None
    try:
        return stat.rsplit(")", 1)[1].split()[19]
    except IndexError:
        return None


def host_id(hostname=None):
    """A stable identifier of this controller that does not reveal its name."""
    name = hostname or socket.gethostname()
    return hashlib.sha256(name.encode("utf-8")).hexdigest()[:16]


def process_identity(pid=None):
    """What identifies the running ansible-playbook process: host, boot, pid and start time."""
    pid = pid or os.getpid()
    return {
        "host_id": host_id(),
        "boot_id": _read("/proc/sys/kernel/random/boot_id"),
        "pid": pid,
        "start": _process_start(pid),
    }


def process_gone(record, stale_after, now=None, me=None):
    """Whether the process that wrote a ``running`` record can no longer finish it.

    On the same controller (same boot) the pid is checked, with its start time when the OS tells it (a pid can
    be reused). A record from another controller, or one that says nothing about its process, is gone once it
    has not been updated for ``stale_after`` seconds.
    """
    now = now or utcnow()
    me = me or process_identity()
    process = record.get("process") or {}
    if process.get("host_id") == me["host_id"] and process.get("pid"):
        if process.get("boot_id") and me.get("boot_id") and process["boot_id"] != me["boot_id"]:
            return True
        if process["pid"] == me["pid"] and process.get("start") == me.get("start"):
            return False
        try:
            os.kill(int(process["pid"]), 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            pass  # exists, owned by someone else
        except (OSError, ValueError, TypeError):
            return True
        if process.get("start") is not None:
            started = _process_start(int(process["pid"]))
            if started is not None and started != process["start"]:
                return True
        return False
    last = parse_time(record.get("updated_at") or record.get("started_at"))
    return last is None or (now - last).total_seconds() > stale_after


def mark_interrupted(record, now=None):
    """The final form of a record whose run was killed: outcome ``interrupted``, ended at its last update."""
    record = dict(record)
    record["outcome"] = "interrupted"
    record["ended_at"] = record.get("updated_at") or record.get("started_at")
    record["interrupted_detected_at"] = isoformat(now or utcnow())
    started, ended = parse_time(record.get("started_at")), parse_time(record["ended_at"])
    if started and ended:
        record["duration_seconds"] = round((ended - started).total_seconds(), 3)
    record["summary"] = summarize_resources(record.get("resources") or [])
    record["drift"] = record.get("mode") == "check" and record["summary"]["changed"] > 0
    return record


# ---------------------------------------------------------------------------------------------- resources


def changed_fields(before, after, prefix=""):
    """Dotted paths of the settings that differ between a diff's ``before`` and ``after``."""
    if isinstance(before, dict) and isinstance(after, dict):
        fields = []
        for key in sorted(set(before) | set(after), key=str):
            path = f"{prefix}.{key}" if prefix else str(key)
            if key not in before or key not in after:
                fields.append(path)
            elif before[key] != after[key]:
                fields.extend(changed_fields(before[key], after[key], path))
        return fields
    if before != after:
        return [prefix or "*"]
    return []


def diff_fields(diff):
    """Changed fields of a result's ``diff`` (one dict or a list of them); None without a structured diff."""
    diffs = diff if is_sequence(diff) else [diff]
    fields, found = [], False
    for item in diffs:
        if isinstance(item, dict) and ("before" in item or "after" in item):
            found = True
            for field in changed_fields(item.get("before", {}), item.get("after", {})):
                if field not in fields:
                    fields.append(field)
    return fields if found else None


def resource_key(result):
    """The top-level key that holds the resource (a dict with ``name`` and/or ``arn``), or None."""
    for key in sorted(result):
        if key in _NOT_RESOURCE_KEYS or key.startswith("_"):
            continue
        value = result[key]
        if isinstance(value, dict) and ("name" in value or "arn" in value):
            return key
    return None


def _identity_of(value):
    if not isinstance(value, dict):
        return None, None
    name, arn = value.get("name"), value.get("arn")
    return (str(name) if name is not None else None), (str(arn) if arn is not None else None)


def resource_entry(module, task, host, result, task_args=None, ignored=False):
    """The record entry for one module result: module, identity, changed, failed and message, changed fields.

    Only these allow-listed pieces are read from the result; the rest (``invocation``, returned data) is never
    copied. ``task_args`` is consulted for ``name``/``arn`` only, when the result does not identify the
    resource (a failure, a deletion).
    """
    key = resource_key(result)
    name, arn = _identity_of(result.get(key)) if key else (None, None)
    if name is None and arn is None and isinstance(result.get("diff"), dict):
        name, arn = _identity_of(result["diff"].get("before"))
    if name is None and arn is None and isinstance(task_args, dict):
        name, arn = _identity_of({k: task_args[k] for k in ("name", "arn") if isinstance(task_args.get(k), str)})
    failed = bool(result.get("failed"))
    fields = result.get("changed_fields")
    if not (is_sequence(fields) and all(isinstance(f, str) for f in fields)):
        fields = diff_fields(result.get("diff")) if "diff" in result else None
    entry = {
        "module": module,
        "task": task,
        "host": host,
        "resource_type": key,
        "name": name,
        "arn": arn,
        "changed": bool(result.get("changed")),
        "failed": failed,
        "ignored": bool(ignored and failed),
        "message": truncate(result.get("msg")) if failed else None,
        "changed_fields": list(fields) if fields is not None else None,
    }
    return entry


def is_resource_result(result):
    return resource_key(result) is not None


def truncate(text, limit=MESSAGE_LIMIT):
    if text is None:
        return None
    text = str(text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def summarize_resources(resources):
    return {
        "resources": len(resources),
        "changed": sum(1 for r in resources if r.get("changed")),
        "failed": sum(1 for r in resources if r.get("failed") and not r.get("ignored")),
    }


# ---------------------------------------------------------------------------------------------- configuration


def select_config(variables, prefixes=CONFIG_PREFIXES, excluded=CONFIG_EXCLUDED):
    """The lake configuration among a play's variables: names with a lake prefix, no private ``__`` ones."""
    prefixes = tuple(prefixes)
    return {
        str(name): value
        for name, value in variables.items()
        if str(name).startswith(prefixes) and not str(name).startswith("__") and str(name) not in excluded
        and not str(name).endswith(CONFIG_EXCLUDED_SUFFIXES)
    }


def canonical_json(data):
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def config_hash(config):
    """``sha256:<hex>`` of the (redacted) configuration in canonical JSON."""
    return "sha256:" + hashlib.sha256(canonical_json(config).encode("utf-8")).hexdigest()


def _flatten(data, prefix=""):
    if isinstance(data, dict) and data:
        flat = {}
        for key, value in data.items():
            flat.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    return {prefix: data}


_ABSENT = object()


def compare_config(before, after):
    """Settings that differ between two configurations: ``[{key, before, after}]`` with dotted keys for
    nested dicts, sorted; ``before``/``after`` are None when the setting is absent on that side (``absent``
    says which)."""
    old, new = _flatten(before or {}), _flatten(after or {})
    changes = []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key, _ABSENT), new.get(key, _ABSENT)
        if a != b:
            change = {"key": key, "before": None if a is _ABSENT else a, "after": None if b is _ABSENT else b}
            if a is _ABSENT or b is _ABSENT:
                change["absent"] = "before" if a is _ABSENT else "after"
            changes.append(change)
    return changes


def _short(value):
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return text if len(text) <= _VALUE_LIMIT else text[: _VALUE_LIMIT - 3] + "..."


def render_config_changes(lake, changes, previous):
    """The config drift report shown at the start of a deploy."""
    when = previous.get("started_at", "?")
    lines = [
        f"deltalake.aws.deployment_history: lake {lake!r}: {len(changes)} setting(s) changed since the last "
        f"successful deploy (run {previous.get('run_id')}, {when}):"
    ]
    for change in changes:
        absent = change.get("absent")
        before = "(not set)" if absent == "before" else _short(change["before"])
        after = "(not set)" if absent == "after" else _short(change["after"])
        lines.append(f"  {change['key']}: {before} -> {after}")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------- run metadata


def collection_version(root=None):
    """This collection's version, from MANIFEST.json (installed) or galaxy.yml (source checkout)."""
    root = root or os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    manifest = os.path.join(root, "MANIFEST.json")
    try:
        with open(manifest, encoding="utf-8") as handle:
            return str(json.load(handle)["collection_info"]["version"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    try:
        with open(os.path.join(root, "galaxy.yml"), encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("version:"):
                    return line.split(":", 1)[1].strip().strip("'\"")
    except OSError:
        pass
    return None


def awx_info(environ, variables):
    """AWX / Automation Controller job metadata, or None outside AWX.

    AWX sets ``JOB_ID``, ``INVENTORY_ID``, ``PROJECT_REVISION`` and ``AWX_HOST`` in the job's environment and
    passes ``awx_job_id``, ``awx_job_template_id``, ``awx_job_template_name``, ``awx_user_name`` (and their
    ``tower_*`` twins) as extra vars. Only these named values are read; no other extra var is looked at.
    """

    def var(name):
        for prefix in ("awx_", "tower_"):
            value = variables.get(prefix + name)
            if value not in (None, ""):
                return str(value)
        return None

    job_id = var("job_id") or (environ.get("JOB_ID") if environ.get("AWX_HOST") or environ.get("TOWER_HOST") else None)
    if not job_id:
        return None
    return {
        "job_id": str(job_id),
        "job_template_id": var("job_template_id"),
        "job_template_name": var("job_template_name"),
        "workflow_job_id": var("workflow_job_id"),
        "launched_by": var("user_name"),
        "inventory_id": environ.get("INVENTORY_ID"),
        "project_revision": environ.get("PROJECT_REVISION") or var("project_revision"),
        "host": environ.get("AWX_HOST") or environ.get("TOWER_HOST"),
    }


def playbook_name(path):
    """``namespace.collection.name`` for a playbook inside an installed collection, else the path as given."""
    if not path:
        return None
    parts = os.path.abspath(path).split(os.sep)
    if "ansible_collections" in parts:
        index = len(parts) - 1 - parts[::-1].index("ansible_collections")
        rest = parts[index + 1 :]
        if len(rest) >= 4 and rest[2] == "playbooks":
            name = os.path.splitext(os.sep.join(rest[3:]))[0].replace(os.sep, ".")
            return f"{rest[0]}.{rest[1]}.{name}"
    return str(path)


def summarize(record):
    """The record without its bulky parts (configuration, resources), for listings."""
    keep = (
        "run_id",
        "started_at",
        "ended_at",
        "duration_seconds",
        "playbook",
        "mode",
        "check_mode",
        "outcome",
        "user",
        "controller",
        "collection_version",
        "lake",
        "config_hash",
        "summary",
        "drift",
        "awx",
    )
    summary = {key: record.get(key) for key in keep}
    summary["config_changes"] = [c["key"] for c in record.get("config_changes") or []]
    summary["cost_estimate"] = record.get("cost_estimate")
    return summary
