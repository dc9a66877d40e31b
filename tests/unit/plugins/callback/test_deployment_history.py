# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The deployment_history callback driven event by event (as the task queue manager drives it), with the
sqlite store: what a record holds, what it never holds, modes and outcomes, config drift, and that recording
problems never reach the playbook."""

import atexit
import glob
import json
import os
import re
import time
from unittest.mock import MagicMock

import boto3
import pytest
from moto import mock_aws

from ansible import context
from ansible.module_utils.common.collections import ImmutableDict
from ansible.plugins.loader import callback_loader

from ansible_collections.deltalake.aws.plugins.plugin_utils.history_redact import MARKER
from ansible_collections.deltalake.aws.plugins.plugin_utils.history_sqlite import SQLiteStore

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))

CANARY_NO_LOG = "CANARY-nolog-5d1e9a7b3c"
CANARY_EXTRA_VAR = "CANARY-extravar-8a8f0c2d4e"
CANARY_ENV = "CANARY-env-2b7c9e1f0a"
CANARY_TASK_ARG = "CANARY-taskarg-6f4a1b2c9d"
CANARIES = (CANARY_NO_LOG, CANARY_EXTRA_VAR, CANARY_ENV, CANARY_TASK_ARG)


# ------------------------------------------------------------------ fakes for the objects core hands to callbacks


class FakeHost:
    def __init__(self, name="localhost"):
        self.name = name

    def get_name(self):
        return self.name


class FakeTask:
    def __init__(self, action, args=None, no_log=False, loop=None):
        self.action = action
        self.resolved_action = action
        self.args = args or {}
        self.no_log = no_log
        self.loop = loop
        self.loop_with = None


class FakeResult:
    """What 2.19 passes: ``result.host``, ``result.task``, ``result.result``, ``result.task_name``."""

    def __init__(self, task, data, name="task", host="localhost"):
        self.task = task
        self.result = data
        self.host = FakeHost(host)
        self.task_name = name


class FakeManager:
    def __init__(self, variables):
        self.variables = variables
        self._inventory = None

    def get_vars(self, play=None, host=None, include_hostvars=True):
        return dict(self.variables)


class FakePlay:
    hosts = "localhost"

    def __init__(self, variables):
        self.manager = FakeManager(variables)

    def get_variable_manager(self):
        return self.manager

    def get_loader(self):
        return None


class FakePlaybook:
    def __init__(self, path):
        self._file_name = path


class FakeStats:
    def __init__(self, failures=0, dark=0):
        self.processed = {"localhost": 1}
        self.failures = {"localhost": failures}
        self.dark = {"localhost": dark}


# ------------------------------------------------------------------ fixtures


@pytest.fixture(autouse=True)
def cliargs(monkeypatch):
    monkeypatch.setattr(context, "CLIARGS", ImmutableDict(check=False, diff=True))
    monkeypatch.setattr(atexit, "register", lambda func: None)  # tests finish (or abandon) runs themselves
    for name in list(os.environ):
        if name.startswith("DELTALAKE_HISTORY_"):
            monkeypatch.delenv(name)


@pytest.fixture
def db(tmp_path):
    return str(tmp_path / "history.sqlite")


def make_callback(db, **options):
    callback = callback_loader.get("deltalake.aws.deployment_history")
    assert callback is not None, "callback plugin not found"
    callback.set_options(direct=dict({"db_path": db, "flush_timeout": 10}, **options))
    callback._display = MagicMock()
    return callback


def lake_vars(**extra):
    variables = {
        "datalake_name": "acme",
        "datalake_region": "eu-west-1",
        "storage_lifecycle_preset": "data_lake",
        "datalake_tags": {"team": "data"},
        "datalake_admin_password": CANARY_EXTRA_VAR,
        "datalake_owner_ref": CANARY_NO_LOG,  # harmless-looking name, but it feeds a no_log option below
        "unrelated_extra_var": CANARY_EXTRA_VAR,  # not part of the lake configuration: never looked at
    }
    variables.update(extra)
    return variables


def bucket_result(name, changed=True, before=None, after=None, task_args=None):
    after = after if after is not None else {"name": name, "arn": f"arn:aws:s3:::{name}", "versioning": True}
    data = {
        "changed": changed,
        "bucket": after,
        "diff": {"before": before if before is not None else {}, "after": after},
        "invocation": {
            "module_args": {
                "name": name,
                "session_token": "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER",
                "secret_key": "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER",
            }
        },
    }
    args = {"name": name, "session_token": CANARY_NO_LOG, "secret_key": CANARY_TASK_ARG}
    args.update(task_args or {})
    return FakeResult(FakeTask("deltalake.aws.s3_bucket", args), data, name=f"Create {name}")


def run_playbook(callback, variables, results, stats=None, playbook="site.yml"):
    """Drive the callback through one run: each result is (event, FakeResult[, ignore_errors])."""
    callback.v2_playbook_on_start(FakePlaybook(playbook))
    callback.v2_playbook_on_play_start(FakePlay(variables))
    for event, result, *rest in results:
        callback.v2_playbook_on_task_start(result.task, False)
        if event == "ok":
            callback.v2_runner_on_ok(result)
        elif event == "failed":
            callback.v2_runner_on_failed(result, ignore_errors=bool(rest and rest[0]))
        else:
            callback.v2_runner_on_unreachable(result)
    callback.v2_playbook_on_stats(stats or FakeStats())
    return SQLiteStore(callback.get_option("db_path"))


def displayed(callback):
    """Everything the callback showed: warnings, messages, verbose output."""
    calls = callback._display.method_calls
    return "\n".join(str(c) for c in calls)


def store_bytes(db):
    data = b""
    for path in glob.glob(db + "*"):
        with open(path, "rb") as handle:
            data += handle.read()
    return data


# ------------------------------------------------------------------ records


def test_deploy_record_holds_what_the_issue_lists(db, monkeypatch):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", CANARY_ENV)
    callback = make_callback(db)
    cost = {"monthly_usd": 12.5}
    store = run_playbook(
        callback,
        lake_vars(),
        [
            ("ok", bucket_result("acme-data")),
            (
                "ok",
                FakeResult(
                    FakeTask("ansible.builtin.set_fact", {"datalake_cost_estimate": cost}),
                    {"changed": False, "ansible_facts": {"datalake_cost_estimate": cost}},
                ),
            ),
            (
                "ok",
                FakeResult(
                    FakeTask("ansible.builtin.debug", {"msg": CANARY_TASK_ARG}), {"changed": False, "msg": "hi"}
                ),
            ),
            (
                "failed",
                FakeResult(FakeTask("ansible.builtin.uri", {"url": "x"}), {"msg": "refused"}, name="Probe"),
                True,
            ),
        ],
    )
    (record,) = list(store.iter_runs())
    assert record["outcome"] == "success" and record["mode"] == "deploy" and record["check_mode"] is False
    assert record["playbook"] == "site.yml" and record["lake"] == "acme"
    assert record["collection_version"] and record["ansible_version"]
    assert record["user"] and record["controller"] and record["ended_at"] >= record["started_at"]
    assert record["cost_estimate"] == cost
    assert record["config"]["storage_lifecycle_preset"] == "data_lake"
    assert record["config"]["datalake_tags"] == {"team": "data"}
    assert "unrelated_extra_var" not in record["config"]
    assert record["config"]["datalake_admin_password"] == MARKER  # secret-looking key
    assert record["config"]["datalake_owner_ref"] == MARKER  # value of a no_log option
    assert set(record["redacted_keys"]) == {"datalake_admin_password", "datalake_owner_ref"}
    assert record["config_hash"].startswith("sha256:")
    (resource,) = record["resources"]
    assert resource == {
        "module": "deltalake.aws.s3_bucket",
        "task": "Create acme-data",
        "host": "localhost",
        "resource_type": "bucket",
        "name": "acme-data",
        "arn": "arn:aws:s3:::acme-data",
        "changed": True,
        "failed": False,
        "ignored": False,
        "message": None,
        "changed_fields": ["arn", "name", "versioning"],
    }
    assert record["failed_tasks"] == [
        {
            "task": "Probe",
            "module": "ansible.builtin.uri",
            "host": "localhost",
            "message": "refused",
            "ignored": True,
            "unreachable": False,
        }
    ]
    assert record["summary"] == {"resources": 1, "changed": 1, "failed": 0}
    assert record["awx"] is None and record["drift"] is False
    text = json.dumps(record)
    assert "invocation" not in text and "module_args" not in text
    for canary in CANARIES:
        assert canary.encode() not in store_bytes(db), canary
        assert canary not in displayed(callback), canary
    callback._display.warning.assert_not_called()


def test_no_log_task_keeps_only_its_status(db):
    callback = make_callback(db)
    censored = {"changed": True, "_ansible_no_log": True, "censored": "the output has been hidden"}
    store = run_playbook(
        callback,
        lake_vars(),
        [
            (
                "ok",
                FakeResult(
                    FakeTask(
                        "deltalake.aws.s3_bucket", {"name": "acme-data", "tags": {"k": CANARY_TASK_ARG}}, no_log=True
                    ),
                    censored,
                    name="Secret bucket",
                ),
            ),
            (
                "failed",
                FakeResult(
                    FakeTask("deltalake.aws.s3_bucket", {"name": CANARY_TASK_ARG}, no_log=True),
                    {"_ansible_no_log": True, "censored": "hidden", "msg": CANARY_TASK_ARG},
                    name="Hidden",
                ),
            ),
        ],
        stats=FakeStats(failures=1),
    )
    (record,) = list(store.iter_runs())
    ok, failed = record["resources"]
    assert ok["changed"] is True and ok["no_log"] is True and ok["name"] is None and ok["changed_fields"] is None
    assert failed["failed"] is True and failed["message"] == MARKER and failed["name"] is None
    assert record["outcome"] == "failed"
    assert CANARY_TASK_ARG.encode() not in store_bytes(db)


def test_check_run_records_drift_and_shows_config_changes_before_tasks(db):
    run_playbook(make_callback(db), lake_vars(), [("ok", bucket_result("acme-data"))])

    monkey_check = ImmutableDict(check=True, diff=True)
    context.CLIARGS = monkey_check
    callback = make_callback(db)
    changed_vars = lake_vars(storage_lifecycle_preset="none", datalake_tags={"team": "data", "env": "prod"})
    callback.v2_playbook_on_start(FakePlaybook("site.yml"))
    callback.v2_playbook_on_play_start(FakePlay(changed_vars))
    # the report is out before the first task runs
    report = callback._display.display.call_args.args[0]
    assert "2 setting(s) changed since the last successful deploy" in report
    assert 'storage_lifecycle_preset: "data_lake" -> "none"' in report
    assert 'datalake_tags.env: (not set) -> "prod"' in report
    assert callback._display.display.call_args.kwargs["stderr"] is True
    assert (
        CANARY_NO_LOG not in report and CANARY_EXTRA_VAR not in report
    )  # redacted from the start, even the no_log one

    before = {"name": "acme-data", "arn": "arn:aws:s3:::acme-data", "versioning": True}
    after = dict(before, versioning=False)
    callback.v2_runner_on_ok(bucket_result("acme-data", before=before, after=after))
    callback.v2_playbook_on_stats(FakeStats())
    store = SQLiteStore(db)
    latest = next(store.iter_runs())
    assert latest["mode"] == "check" and latest["drift"] is True
    assert latest["resources"][0]["changed_fields"] == ["versioning"]
    assert [c["key"] for c in latest["config_changes"]] == ["datalake_tags.env", "storage_lifecycle_preset"]
    assert latest["compared_with"] == store.last_successful_deploy("acme")["run_id"]
    assert [r["run_id"] for r in store.iter_runs(drift=True)] == [latest["run_id"]]


def test_identical_rerun_shows_no_config_change(db):
    run_playbook(make_callback(db), lake_vars(), [("ok", bucket_result("acme-data"))])
    callback = make_callback(db)
    store = run_playbook(callback, lake_vars(), [("ok", bucket_result("acme-data", changed=False))])
    callback._display.display.assert_not_called()
    latest, first = list(store.iter_runs())
    assert latest["config_changes"] == [] and latest["config_hash"] == first["config_hash"]
    assert latest["summary"]["changed"] == 0


def test_teardown_playbook_is_recorded_as_teardown(db):
    store = run_playbook(
        make_callback(db), lake_vars(), [], playbook="/x/ansible_collections/deltalake/aws/playbooks/teardown.yml"
    )
    record = next(store.iter_runs())
    assert record["mode"] == "teardown" and record["playbook"] == "deltalake.aws.teardown"


def test_failed_run_records_the_failure(db):
    failure = FakeResult(
        FakeTask("deltalake.aws.s3_bucket", {"name": "Invalid_Name"}),
        {"changed": False, "msg": "Invalid bucket name 'Invalid_Name'"},
        name="Create bad bucket",
    )
    unreachable = FakeResult(FakeTask("ansible.builtin.ping"), {"msg": "ssh: connect refused"}, name="Ping", host="h2")
    store = run_playbook(
        make_callback(db), lake_vars(), [("failed", failure), ("unreachable", unreachable)], stats=FakeStats(failures=1)
    )
    record = next(store.iter_runs())
    assert record["outcome"] == "failed"
    (resource,) = record["resources"]
    assert resource["failed"] is True and resource["name"] == "Invalid_Name"
    assert resource["message"] == "Invalid bucket name 'Invalid_Name'"
    assert record["failed_tasks"][0]["unreachable"] is True and record["failed_tasks"][0]["host"] == "h2"
    assert record["summary"]["failed"] == 1


def test_loop_results_become_one_entry_per_item(db):
    data = {
        "changed": True,
        "results": [
            {"changed": True, "bucket": {"name": "a", "arn": "arn:aws:s3:::a"}, "item": "a"},
            {"skipped": True, "item": "b"},
            {"failed": True, "msg": "boom", "item": "c"},
        ],
    }
    task = FakeTask("deltalake.aws.s3_bucket", {"name": "{{ item }}"}, loop=["a", "b", "c"])
    store = run_playbook(make_callback(db), lake_vars(), [("failed", FakeResult(task, data, name="Buckets"), True)])
    record = next(store.iter_runs())
    assert [(r["name"], r["changed"], r["failed"], r["ignored"]) for r in record["resources"]] == [
        ("a", True, False, False),
        (None, False, True, True),
    ]


def test_recording_can_be_switched_off_by_a_play_variable(db):
    store = run_playbook(make_callback(db), lake_vars(deployment_history_record=False), [("ok", bucket_result("x"))])
    assert list(store.iter_runs()) == []


def test_awx_job_is_recorded(db, monkeypatch):
    monkeypatch.setenv("JOB_ID", "42")
    monkeypatch.setenv("AWX_HOST", "https://awx.example.com")
    store = run_playbook(make_callback(db), lake_vars(awx_job_template_name="Deploy acme", awx_user_name="alice"), [])
    awx = next(store.iter_runs())["awx"]
    assert awx["job_id"] == "42" and awx["job_template_name"] == "Deploy acme" and awx["launched_by"] == "alice"


def test_privacy_switches_hide_user_and_controller(db):
    store = run_playbook(make_callback(db, record_user=False, record_controller=False), lake_vars(), [])
    record = next(store.iter_runs())
    assert record["user"] == MARKER and record["controller"] == MARKER
    assert record["process"]["host_id"]  # still able to detect interrupted runs


def test_user_patterns_redact_more(db):
    store = run_playbook(
        make_callback(db, redact_keys=["^network_vpc_id$"], redact_values=["acct-[0-9]+"]),
        lake_vars(network_vpc_id="vpc-1", storage_note="owned by acct-123"),
        [],
    )
    config = next(store.iter_runs())["config"]
    assert config["network_vpc_id"] == MARKER and config["storage_note"] == f"owned by {MARKER}"


def test_lake_named_in_a_later_play_opens_the_s3_store_then(db, tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="acme-data")
        callback = make_callback(db, backend=["sqlite", "s3"], spool_dir=str(tmp_path / "spool"))
        callback.v2_playbook_on_start(FakePlaybook("site.yml"))
        callback.v2_playbook_on_play_start(FakePlay({"unrelated": 1}))
        assert [store.name for store in callback._stores] == ["sqlite"]
        callback.v2_playbook_on_play_start(FakePlay(lake_vars(datalake_region="us-east-1")))
        assert [store.name for store in callback._stores] == ["sqlite", "s3"]
        callback.v2_runner_on_ok(bucket_result("acme-data"))
        callback.v2_playbook_on_stats(FakeStats())
        callback._display.warning.assert_not_called()
        (key,) = [o["Key"] for o in s3.list_objects_v2(Bucket="acme-data")["Contents"]]
        remote = json.loads(s3.get_object(Bucket="acme-data", Key=key)["Body"].read())
    local = next(SQLiteStore(db).iter_runs())
    assert remote == local and local["lake"] == "acme" and local["config"]["datalake_name"] == "acme"
    assert key == f"logs/deployments/runs/dt={local['started_at'][:10]}/{local['run_id']}.json"


def test_retention_is_applied_at_the_end_of_a_run(db):
    for dummy in range(3):
        run_playbook(make_callback(db, retention_runs=2), lake_vars(), [("ok", bucket_result("acme-data"))])
    assert len(list(SQLiteStore(db).iter_runs())) == 2
    run_playbook(make_callback(db), lake_vars(), [])  # default: keep everything
    assert len(list(SQLiteStore(db).iter_runs())) == 3


# ------------------------------------------------------------------ interrupted runs, progress


def test_running_record_then_interrupted_at_exit(db):
    callback = make_callback(db)
    callback.v2_playbook_on_start(FakePlaybook("site.yml"))
    callback.v2_playbook_on_play_start(FakePlay(lake_vars()))
    callback.v2_playbook_on_task_start(None, False)
    callback.v2_runner_on_ok(bucket_result("acme-data"))
    callback._last_checkpoint = 0  # let the next task start save progress
    callback.v2_playbook_on_task_start(None, False)
    assert callback._writer.drain(10)
    running = next(SQLiteStore(db).iter_runs())
    assert running["outcome"] == "running" and running["config"] is None  # no config before all secrets are known
    assert [r["name"] for r in running["resources"]] == ["acme-data"]

    callback._at_exit()  # e.g. Ctrl-C: the interpreter exits without playbook stats
    record = next(SQLiteStore(db).iter_runs())
    assert record["outcome"] == "interrupted" and record["config"]["datalake_name"] == "acme"


# ------------------------------------------------------------------ never in the way


def test_unwritable_store_warns_and_never_raises(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    callback = make_callback(str(blocker / "history.sqlite"))
    run_playbook(callback, lake_vars(), [("ok", bucket_result("acme-data"))])
    warnings = [c.args[0] for c in callback._display.warning.call_args_list]
    assert warnings and all(w.startswith("deltalake.aws.deployment_history:") for w in warnings)
    assert any("writing run" in w for w in warnings)


def test_internal_error_disables_recording_with_one_warning(db):
    class Exploding(FakeResult):
        @property
        def result(self):
            raise RuntimeError(f"boom {CANARY_ENV}")

        @result.setter
        def result(self, value):
            pass

    callback = make_callback(db)
    callback._redactor = None
    os.environ["AWS_SESSION_TOKEN"] = CANARY_ENV
    try:
        callback.v2_playbook_on_start(FakePlaybook("site.yml"))
        callback.v2_playbook_on_play_start(FakePlay(lake_vars()))
        callback.v2_runner_on_ok(Exploding(FakeTask("deltalake.aws.s3_bucket"), {}))
        callback.v2_runner_on_ok(Exploding(FakeTask("deltalake.aws.s3_bucket"), {}))
        callback.v2_playbook_on_stats(FakeStats())
    finally:
        del os.environ["AWS_SESSION_TOKEN"]
    (warning,) = [c.args[0] for c in callback._display.warning.call_args_list]
    assert "disabled for this run" in warning and "RuntimeError" in warning and CANARY_ENV not in warning


def test_unknown_backend_is_a_warning(db):
    callback = make_callback(db, backend=["sqlite", "postgres"])
    run_playbook(callback, lake_vars(), [])
    assert "unknown history backend" in callback._display.warning.call_args.args[0]


def test_results_are_handled_quickly(db):
    callback = make_callback(db)
    callback.v2_playbook_on_start(FakePlaybook("site.yml"))
    callback.v2_playbook_on_play_start(FakePlay(lake_vars()))
    results = [bucket_result(f"bucket-{n}") for n in range(300)]
    started = time.monotonic()
    for result in results:
        callback.v2_playbook_on_task_start(result.task, False)
        callback.v2_runner_on_ok(result)
    elapsed = time.monotonic() - started
    callback.v2_playbook_on_stats(FakeStats())
    assert elapsed < 3.0, f"{elapsed:.2f}s for 300 results"
    assert len(next(SQLiteStore(db).iter_runs())["resources"]) == 300


# ------------------------------------------------------------------ the documented Athena table


def test_documented_athena_columns_are_fields_of_a_real_record(db):
    store = run_playbook(make_callback(db), lake_vars(), [("ok", bucket_result("acme-data"))])
    record = next(store.iter_runs())
    with open(os.path.join(ROOT, "docs", "history.md"), encoding="utf-8") as handle:
        text = handle.read()
    ddl = re.search(r"CREATE EXTERNAL TABLE[^(]*\((.*?)\)\s*PARTITIONED BY", text, re.S).group(1)
    columns = [line.strip().split()[0].strip("`") for line in ddl.strip().splitlines() if line.strip()]
    assert {"run_id", "started_at", "mode", "outcome", "lake", "resources", "config"} <= set(columns)
    assert set(columns) <= set(record), set(columns) - set(record)
    fields = re.search(r"resources\s+array<struct<(.*?)>>", ddl, re.S).group(1)
    resource_fields = {f.split(":")[0].strip() for f in re.split(r",(?![^<]*>)", fields)}
    assert resource_fields <= set(record["resources"][0]), resource_fields - set(record["resources"][0])
