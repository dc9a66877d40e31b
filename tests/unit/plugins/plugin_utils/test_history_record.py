# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The deployment history record: resource entries from module results (allow-listed pieces only), changed
fields from diffs, configuration selection and comparison, liveness of running records, AWX metadata."""

import datetime
import json
import os
import subprocess
import sys

import pytest

from ansible_collections.deltalake.aws.plugins.plugin_utils import history_record as hr

NOW = datetime.datetime(2025, 3, 1, 12, 0, 0, tzinfo=datetime.timezone.utc)


# ------------------------------------------------------------------ ids and times


def test_run_ids_sort_by_start_time_and_carry_the_date():
    early = hr.new_run_id(NOW)
    late = hr.new_run_id(NOW + datetime.timedelta(seconds=1))
    assert early < late
    assert early.startswith("20250301T120000Z-") and len(early) == 25
    assert hr.run_date(early) == "2025-03-01"
    assert hr.run_started(early) == NOW
    assert hr.run_started("not-a-run-id") is None


def test_isoformat_round_trips():
    assert hr.parse_time(hr.isoformat(NOW)) == NOW
    assert hr.parse_time("garbage") is None and hr.parse_time(None) is None


# ------------------------------------------------------------------ resources


def test_changed_fields_are_dotted_paths_of_differences():
    before = {
        "name": "b",
        "versioning": True,
        "public_access_block": {"block_public_acls": True, "ignore_public_acls": True},
    }
    after = {
        "name": "b",
        "versioning": False,
        "public_access_block": {"block_public_acls": False, "ignore_public_acls": True},
        "tags": {"a": "1"},
    }
    assert hr.changed_fields(before, after) == ["public_access_block.block_public_acls", "tags", "versioning"]


def test_changed_fields_of_a_creation_are_the_top_level_settings():
    assert hr.diff_fields({"before": {}, "after": {"name": "b", "versioning": True}}) == ["name", "versioning"]


def test_diff_fields_handles_lists_of_diffs_and_text_diffs():
    assert hr.diff_fields(
        [{"before": {"a": 1}, "after": {"a": 2}}, {"before": {"b": 1}, "after": {"b": 1, "c": 0}}]
    ) == ["a", "c"]
    assert hr.diff_fields({"before": "x\n", "after": "y\n"}) == ["*"]
    assert hr.diff_fields({"prepared": "some text"}) is None


def test_resource_entry_reads_only_allow_listed_pieces():
    result = {
        "changed": True,
        "bucket": {"name": "lake-data", "arn": "arn:aws:s3:::lake-data", "policy": {"Statement": ["big"]}},
        "diff": {"before": {"versioning": False}, "after": {"versioning": True}},
        "invocation": {"module_args": {"secret_key": "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"}},
        "warnings": ["w"],
    }
    entry = hr.resource_entry("deltalake.aws.s3_bucket", "Create the bucket", "localhost", result)
    assert entry == {
        "module": "deltalake.aws.s3_bucket",
        "task": "Create the bucket",
        "host": "localhost",
        "resource_type": "bucket",
        "name": "lake-data",
        "arn": "arn:aws:s3:::lake-data",
        "changed": True,
        "failed": False,
        "ignored": False,
        "message": None,
        "changed_fields": ["versioning"],
    }
    assert "invocation" not in json.dumps(entry) and "Statement" not in json.dumps(entry)


def test_failed_resource_takes_its_identity_from_the_task_name_argument_only():
    entry = hr.resource_entry(
        "deltalake.aws.s3_bucket",
        "t",
        "h",
        {"failed": True, "msg": "x" * 5000},
        task_args={"name": "Bad_Name", "secret_key": "s3cr3t-value", "arn": None},
    )
    assert entry["name"] == "Bad_Name" and entry["arn"] is None
    assert entry["failed"] is True and len(entry["message"]) == hr.MESSAGE_LIMIT and entry["message"].endswith("...")
    assert "s3cr3t" not in json.dumps(entry)
    assert entry["changed_fields"] is None  # no diff: unknown, not "nothing"


def test_a_deleted_resource_is_identified_from_the_diff():
    entry = hr.resource_entry(
        "deltalake.aws.s3_bucket",
        "t",
        "h",
        {"changed": True, "bucket": {}, "diff": {"before": {"name": "old", "arn": "arn:old"}, "after": {}}},
    )
    assert (entry["name"], entry["arn"]) == ("old", "arn:old")


def test_changed_fields_returned_by_a_module_win_over_the_diff():
    entry = hr.resource_entry("m", "t", "h", {"changed": True, "table": {"name": "t"}, "changed_fields": ["columns"]})
    assert entry["changed_fields"] == ["columns"]


def test_resource_key_ignores_internal_keys():
    assert (
        hr.resource_key({"diff": {"before": {"name": 1}}, "ansible_facts": {"name": 1}, "database": {"name": "db"}})
        == "database"
    )
    assert hr.resource_key({"msg": "x", "changed": False}) is None


def test_summary_counts_ignored_failures_apart():
    resources = [
        {"changed": True, "failed": False},
        {"changed": False, "failed": True, "ignored": True},
        {"changed": False, "failed": True, "ignored": False},
    ]
    assert hr.summarize_resources(resources) == {"resources": 3, "changed": 1, "failed": 1}


# ------------------------------------------------------------------ configuration


def test_select_config_keeps_lake_prefixes_only():
    variables = {
        "datalake_name": "acme",
        "storage_data_bucket": "b",
        "__storage_private": 1,
        "datalake_cost_estimate": {},
        "ansible_check_mode": False,
        "hostvars": {},
        "my_var": 1,
        "governance_enabled": True,
        # options of one run and facts set while running are not the lake's configuration
        "datalake_drift_report": "/tmp/drift.json",
        "datalake_fail_on_drift": False,
        "datalake_teardown_delete_data": True,
        "storage_outputs": {"data_bucket": "b"},
        "storage_created": [],
        "storage_data_bucket_result": {"changed": False},
    }
    assert hr.select_config(variables) == {
        "datalake_name": "acme",
        "storage_data_bucket": "b",
        "governance_enabled": True,
    }


def test_config_hash_is_stable_and_order_independent():
    assert hr.config_hash({"a": 1, "b": [1, 2]}) == hr.config_hash({"b": [1, 2], "a": 1})
    assert hr.config_hash({"a": 1}) != hr.config_hash({"a": 2})
    assert hr.config_hash({}).startswith("sha256:")


def test_compare_config_lists_changed_added_and_removed_settings():
    before = {
        "datalake_tags": {"team": "a", "env": "prod"},
        "storage_lifecycle_preset": "data_lake",
        "crawl_enabled": True,
    }
    after = {
        "datalake_tags": {"team": "b", "env": "prod"},
        "storage_lifecycle_preset": "data_lake",
        "query_enabled": False,
    }
    assert hr.compare_config(before, after) == [
        {"key": "crawl_enabled", "before": True, "after": None, "absent": "after"},
        {"key": "datalake_tags.team", "before": "a", "after": "b"},
        {"key": "query_enabled", "before": None, "after": False, "absent": "before"},
    ]
    assert hr.compare_config(before, before) == []


def test_render_config_changes_names_the_previous_run():
    text = hr.render_config_changes(
        "acme", [{"key": "k", "before": "a", "after": None, "absent": "after"}], {"run_id": "R1", "started_at": "T"}
    )
    assert "lake 'acme'" in text and "run R1" in text and 'k: "a" -> (not set)' in text


# ------------------------------------------------------------------ processes


def _dead_pid():
    child = subprocess.Popen([sys.executable, "-c", "pass"])  # pylint: disable=consider-using-with
    child.wait()
    return child.pid


def test_own_process_is_alive():
    record = {"process": hr.process_identity(), "started_at": hr.isoformat(NOW)}
    assert hr.process_gone(record, 60, now=NOW + datetime.timedelta(days=30)) is False


def test_dead_process_on_this_controller_is_gone_at_once():
    record = {"process": dict(hr.process_identity(), pid=_dead_pid()), "updated_at": hr.isoformat(hr.utcnow())}
    assert hr.process_gone(record, 86400) is True


@pytest.mark.skipif(not os.path.exists("/proc/self/stat"), reason="process start times need /proc")
def test_reused_pid_is_gone():
    me = hr.process_identity()
    record = {"process": dict(me, pid=os.getppid(), start="1"), "updated_at": hr.isoformat(hr.utcnow())}
    assert hr.process_gone(record, 86400) is True


def test_other_controller_is_gone_only_after_stale_after():
    record = {"process": {"host_id": "elsewhere", "pid": 1}, "updated_at": hr.isoformat(NOW)}
    assert hr.process_gone(record, 3600, now=NOW + datetime.timedelta(minutes=59)) is False
    assert hr.process_gone(record, 3600, now=NOW + datetime.timedelta(minutes=61)) is True


def test_mark_interrupted_ends_at_the_last_update():
    record = {
        "run_id": "r",
        "mode": "check",
        "outcome": "running",
        "started_at": hr.isoformat(NOW),
        "updated_at": hr.isoformat(NOW + datetime.timedelta(seconds=42)),
        "resources": [{"changed": True}],
    }
    final = hr.mark_interrupted(record, NOW + datetime.timedelta(hours=1))
    assert final["outcome"] == "interrupted" and final["duration_seconds"] == 42.0
    assert final["ended_at"] == record["updated_at"] and final["drift"] is True
    assert record["outcome"] == "running"  # the input is not modified


# ------------------------------------------------------------------ run metadata


def test_awx_metadata_comes_from_the_job_environment_and_awx_vars():
    environ = {"JOB_ID": "42", "INVENTORY_ID": "3", "PROJECT_REVISION": "abc123", "AWX_HOST": "https://awx.example.com"}
    variables = {
        "awx_job_template_name": "Deploy lake",
        "awx_job_template_id": 7,
        "awx_user_name": "alice",
        "unrelated_extra_var": "never read",
    }
    assert hr.awx_info(environ, variables) == {
        "job_id": "42",
        "job_template_id": "7",
        "job_template_name": "Deploy lake",
        "workflow_job_id": None,
        "launched_by": "alice",
        "inventory_id": "3",
        "project_revision": "abc123",
        "host": "https://awx.example.com",
    }


def test_no_awx_metadata_outside_awx():
    assert hr.awx_info({"JOB_ID": "7"}, {}) is None  # JOB_ID alone is too common (other CI systems)
    assert hr.awx_info({}, {"tower_job_id": 9})["job_id"] == "9"


def test_playbook_name_of_collection_playbooks(tmp_path):
    path = tmp_path / "ansible_collections" / "deltalake" / "aws" / "playbooks" / "site.yml"
    assert hr.playbook_name(str(path)) == "deltalake.aws.site"
    assert hr.playbook_name("site.yml") == "site.yml"
    assert hr.playbook_name(None) is None


def test_collection_version_from_manifest_or_galaxy(tmp_path):
    (tmp_path / "galaxy.yml").write_text("namespace: x\nversion: 2.3.4\n")
    assert hr.collection_version(str(tmp_path)) == "2.3.4"
    (tmp_path / "MANIFEST.json").write_text(json.dumps({"collection_info": {"version": "2.3.5"}}))
    assert hr.collection_version(str(tmp_path)) == "2.3.5"
    assert hr.collection_version() is not None  # this collection's own


def test_summarize_drops_bulky_parts():
    record = {
        "run_id": "r",
        "config": {"a": 1},
        "resources": [1],
        "config_changes": [{"key": "a", "before": 1, "after": 2}],
    }
    summary = hr.summarize(record)
    assert "config" not in summary and "resources" not in summary and summary["config_changes"] == ["a"]
