# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The deployment_history callback in real ansible-playbook runs against the emulator, both backends at once:
the SQLite file is read with sqlite3 and the S3 records with boto3, as a user would."""

import glob
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
LAKE_PLAYBOOK = os.path.join(HERE, "playbooks", "history_lake.yml")
LAKE = "hist-lake"
BUCKET = f"{LAKE}-data"
RUNS_PREFIX = "logs/deployments/runs/"
MARKERS_PREFIX = "logs/deployments/running/"


@pytest.fixture
def history(tmp_path, aws_env):
    """Callback settings of one test: its own database and spool, both backends."""
    settings = {
        "ANSIBLE_CALLBACKS_ENABLED": "deltalake.aws.deployment_history",
        "DELTALAKE_HISTORY_BACKEND": "sqlite,s3",
        "DELTALAKE_HISTORY_DB": str(tmp_path / "history.sqlite"),
        "DELTALAKE_HISTORY_SPOOL_DIR": str(tmp_path / "spool"),
    }
    return settings


@pytest.fixture
def deploy(run_playbook, history):
    def run(*args, env=None, **extra_vars):
        return run_playbook(
            LAKE_PLAYBOOK,
            "--diff",
            *args,
            extra_vars=dict({"datalake_name": LAKE}, **extra_vars),
            env=dict(history, **(env or {})),
        )

    return run


def sqlite_records(history):
    with sqlite3.connect(history["DELTALAKE_HISTORY_DB"]) as db:
        rows = db.execute("SELECT record FROM runs ORDER BY started_at").fetchall()
    return [json.loads(row[0]) for row in rows]


def s3_records(aws):
    s3 = aws.client("s3")
    listing = s3.list_objects_v2(Bucket=BUCKET, Prefix=RUNS_PREFIX).get("Contents", [])
    records = []
    for item in sorted(listing, key=lambda i: i["Key"]):
        body = s3.get_object(Bucket=BUCKET, Key=item["Key"])["Body"].read().decode()
        assert body.count("\n") == 1 and body.endswith("\n"), "one JSON line per object"
        record = json.loads(body)
        assert item["Key"] == f"{RUNS_PREFIX}dt={record['started_at'][:10]}/{record['run_id']}.json"
        records.append(record)
    return records


def markers(aws):
    return aws.client("s3").list_objects_v2(Bucket=BUCKET, Prefix=MARKERS_PREFIX).get("KeyCount", 0)


def spooled(history):
    return glob.glob(os.path.join(history["DELTALAKE_HISTORY_SPOOL_DIR"], "*.json"))


def by_name(record):
    return {r["name"]: r for r in record["resources"]}


def test_deploy_rerun_drift_and_failed_runs_are_recorded_in_both_backends(aws, deploy, run_playbook, history):
    first = deploy()
    assert first.rc == 0, first.stdout + first.stderr
    (record,) = sqlite_records(history)
    assert s3_records(aws) == [record], "both backends hold the same record"
    assert record["outcome"] == "success" and record["mode"] == "deploy" and record["lake"] == LAKE
    assert record["playbook"] == LAKE_PLAYBOOK and record["collection_version"] == "0.1.0"
    assert record["user"] and record["controller"] and record["ended_at"] > record["started_at"]
    assert record["cost_estimate"] == {"monthly_usd": 12.5, "currency": "USD"}
    assert record["config"] == {"datalake_name": LAKE, "storage_versioning": True}  # extra vars and play vars
    assert record["config_hash"].startswith("sha256:")
    buckets = by_name(record)
    assert set(buckets) == {BUCKET, f"{LAKE}-logs"}
    assert all(b["changed"] and b["module"] == "deltalake.aws.s3_bucket" for b in buckets.values())
    assert buckets[BUCKET]["arn"] == f"arn:aws:s3:::{BUCKET}" and "versioning" in buckets[BUCKET]["changed_fields"]
    assert record["summary"] == {"resources": 2, "changed": 2, "failed": 0}
    assert markers(aws) == 0 and spooled(history) == []

    rerun = deploy()
    assert rerun.rc == 0 and rerun.stats["changed"] == 0
    record = sqlite_records(history)[-1]
    assert record["outcome"] == "success" and record["summary"]["changed"] == 0
    assert all(r["changed_fields"] == [] for r in record["resources"])
    assert record["config_changes"] == [] and record["compared_with"] == sqlite_records(history)[0]["run_id"]
    assert "changed since the last successful deploy" not in rerun.stderr

    aws.client("s3").put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Suspended"})
    drift = deploy("--check", datalake_tags={"env": "prod"})
    assert drift.rc == 0 and drift.stats["changed"] == 1
    assert "1 setting(s) changed since the last successful deploy" in drift.stderr
    assert 'datalake_tags.env: (not set) -> "prod"' in drift.stderr
    record = sqlite_records(history)[-1]
    assert record["mode"] == "check" and record["check_mode"] is True and record["drift"] is True
    assert by_name(record)[BUCKET]["changed_fields"] == ["versioning"]
    assert by_name(record)[f"{LAKE}-logs"]["changed"] is False
    assert [c["key"] for c in record["config_changes"]] == ["datalake_tags.env"]

    failed = deploy(history_fail=True)
    assert failed.rc != 0
    record = sqlite_records(history)[-1]
    assert record["outcome"] == "failed"
    bad = by_name(record)["Invalid_Bucket_Name"]
    assert bad["failed"] is True and bad["message"] and "Invalid_Bucket_Name" in bad["message"]

    local, remote = sqlite_records(history), s3_records(aws)
    assert [r["run_id"] for r in local] == [r["run_id"] for r in remote]
    assert [(r["mode"], r["outcome"]) for r in remote] == [
        ("deploy", "success"),
        ("deploy", "success"),
        ("check", "success"),
        ("deploy", "failed"),
    ]
    assert markers(aws) == 0 and spooled(history) == []

    # read back: the history playbook (FQCN) prints the table, and its own run is not recorded
    shown = run_playbook("deltalake.aws.history", extra_vars={"history_lake": LAKE}, env=history)
    assert shown.rc == 0, shown.stdout + shown.stderr
    lines = shown.tasks()["Show the latest runs"]["msg"]
    assert lines[0].startswith("RUN ID") and len(lines) == 2 + 4
    assert [line.split()[0] for line in lines[2:]] == [r["run_id"] for r in reversed(local)]
    assert lines[3].split()[5:10] == ["check", "success", "1", "0", "yes"]  # mode, outcome, changed, failed, drift
    assert f"Last successful deploy: {local[1]['run_id']}" in shown.tasks()["Show the last successful deploy"]["msg"]
    assert len(sqlite_records(history)) == 4

    # the lookup, from both backends
    lookup_vars = {"lake": LAKE, "failed_id": local[-1]["run_id"]}
    for backend in ("sqlite", "s3"):
        read = run_playbook(
            os.path.join(HERE, "playbooks", "history_lookup.yml"),
            extra_vars=dict(lookup_vars, backend=backend),
            env=history,
        )
        assert read.rc == 0, read.stdout + read.stderr
        answers = read.tasks()["Read the history"]["msg"]
        assert [r["run_id"] for r in answers["runs"]] == [r["run_id"] for r in reversed(local)][:3]
        assert answers["last_deploy"]["run_id"] == local[1]["run_id"] and "config" in answers["last_deploy"]
        assert [r["run_id"] for r in answers["drift"]] == [local[2]["run_id"]]
        assert answers["run"]["outcome"] == "failed" and answers["run"]["resources"]


def _wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _start(aws_env, history, *args, **extra_vars):
    command = [
        os.path.join(os.path.dirname(sys.executable), "ansible-playbook"),
        "-i",
        "localhost,",
        LAKE_PLAYBOOK,
        "-e",
        json.dumps(dict({"datalake_name": LAKE}, **extra_vars)),
        *args,
    ]
    return subprocess.Popen(  # pylint: disable=consider-using-with
        command,
        env=dict(aws_env, **history),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def _stop(process):
    """Kill the playbook's whole process group (ansible-playbook, its workers, the module) and reap it."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    process.communicate(timeout=30)


def test_run_killed_mid_way_is_recorded_as_interrupted(aws, deploy, aws_env, history, run_playbook):
    assert deploy().rc == 0  # the buckets exist, so the killed run also leaves its S3 marker
    process = _start(aws_env, history, history_sleep=120)
    try:

        def running_with_progress():
            records = [r for r in sqlite_records(history) if r["outcome"] == "running"]
            return records[0] if records and len(records[0]["resources"]) == 2 else None

        running = _wait_for(running_with_progress, 60, "the running record with the buckets")
        _wait_for(lambda: markers(aws) == 1, 30, "the running marker in S3")
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate(timeout=30)
    finally:
        _stop(process)
    assert sqlite_records(history)[-1]["outcome"] == "running"  # nothing could finish it

    # a read marks it as interrupted
    shown = run_playbook("deltalake.aws.history", extra_vars={"history_run_id": running["run_id"]}, env=history)
    assert shown.rc == 0, shown.stdout + shown.stderr
    record = shown.tasks()["Show one run in full"]["msg"]
    assert record["outcome"] == "interrupted" and record["run_id"] == running["run_id"]
    assert sorted(r["name"] for r in record["resources"]) == [BUCKET, f"{LAKE}-logs"]
    assert record["ended_at"] == record["updated_at"] and record["duration_seconds"] > 0

    # the next run sends the interrupted record to S3 and removes the marker
    assert deploy().rc == 0
    remote = {r["run_id"]: r for r in s3_records(aws)}
    assert remote[running["run_id"]]["outcome"] == "interrupted"
    assert len(remote[running["run_id"]]["resources"]) == 2
    assert markers(aws) == 0 and spooled(history) == []
    assert [r["outcome"] for r in sqlite_records(history)] == ["success", "interrupted", "success"]


def test_two_concurrent_runs_make_two_intact_records(aws, deploy, aws_env, history):
    assert deploy().rc == 0
    processes = [_start(aws_env, history, "--diff"), _start(aws_env, history, "--diff")]
    try:
        outputs = [p.communicate(timeout=300) for p in processes]
    finally:
        for process in processes:
            _stop(process)
    assert [p.returncode for p in processes] == [0, 0], outputs
    for out, err in outputs:
        assert "deltalake.aws.deployment_history" not in err, err  # no warning
    local, remote = sqlite_records(history), s3_records(aws)
    assert len(local) == 3
    assert sorted(local, key=lambda r: r["run_id"]) == remote  # same records in both backends
    first, second = local[1], local[2]
    assert first["run_id"] != second["run_id"]
    assert first["started_at"] < second["ended_at"] and second["started_at"] < first["ended_at"], "the runs overlapped"
    for record in (first, second):
        assert record["outcome"] == "success" and record["summary"] == {"resources": 2, "changed": 0, "failed": 0}
    assert markers(aws) == 0 and spooled(history) == []


def test_unreachable_s3_store_warns_without_failing_the_deploy(aws, deploy, history):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    down = deploy(env={"DELTALAKE_HISTORY_S3_ENDPOINT_URL": f"http://127.0.0.1:{closed_port}"})
    assert down.rc == 0, down.stdout + down.stderr
    assert down.stats["changed"] == 2 and down.stats["failures"] == 0
    assert "[WARNING]: deltalake.aws.deployment_history: writing run" in down.stderr
    assert "sent by a later run" in down.stderr
    assert len(spooled(history)) == 1
    assert s3_records(aws) == []
    assert sqlite_records(history)[0]["outcome"] == "success"  # the other backend is not affected

    up = deploy()
    assert up.rc == 0 and "WARNING" not in up.stderr, up.stderr
    assert [r["run_id"] for r in s3_records(aws)] == [r["run_id"] for r in sqlite_records(history)]
    assert spooled(history) == []


CANARIES = {
    "AWS_SECRET_ACCESS_KEY": "CANARY-envsecret-0b5d7e2a91",
    "AWS_SESSION_TOKEN": "CANARY-envtoken-4c8e1f6b27",
    "datalake_admin_password": "CANARY-extravar-9d3a6c0e58",
    "unrelated_api_key": "CANARY-extravar-1e7b4d9f30",
    "datalake_owner_ref": "CANARY-nolog-7f2c5a8e16",
}


def test_canary_secrets_never_reach_a_store_or_the_output(aws, deploy, history, run_playbook):
    env = {
        "AWS_SECRET_ACCESS_KEY": CANARIES["AWS_SECRET_ACCESS_KEY"],
        "AWS_SESSION_TOKEN": CANARIES["AWS_SESSION_TOKEN"],
    }
    extra = {
        "datalake_admin_password": CANARIES["datalake_admin_password"],
        "unrelated_api_key": CANARIES["unrelated_api_key"],
        # a lake setting with a harmless name, passed to the module's no_log option session_token
        "datalake_owner_ref": CANARIES["datalake_owner_ref"],
        "history_session_token": "{{ datalake_owner_ref }}",
    }
    outputs = []
    first = deploy(env=env, **extra)
    assert first.rc == 0, first.stdout + first.stderr
    outputs += [first.stdout, first.stderr]
    # a second run with a changed setting: the drift report is shown, redacted
    second = deploy("-v", env=env, datalake_tags={"env": "prod"}, **extra)
    assert second.rc == 0, second.stdout + second.stderr
    assert "changed since the last successful deploy" in second.stderr
    outputs += [second.stdout, second.stderr]
    record = sqlite_records(history)[-1]
    shown = run_playbook(
        "deltalake.aws.history", extra_vars={"history_run_id": record["run_id"]}, env=dict(history, **env)
    )
    assert shown.rc == 0
    outputs += [shown.stdout, shown.stderr]

    marker = "<redacted by deltalake.aws.deployment_history>"
    assert record["config"]["datalake_admin_password"] == marker
    assert record["config"]["datalake_owner_ref"] == marker
    assert "unrelated_api_key" not in record["config"]

    stored = b""
    for path in glob.glob(history["DELTALAKE_HISTORY_DB"] + "*") + glob.glob(
        os.path.join(history["DELTALAKE_HISTORY_SPOOL_DIR"], "*")
    ):
        with open(path, "rb") as handle:
            stored += handle.read()
    s3 = aws.client("s3")
    for item in s3.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        stored += s3.get_object(Bucket=BUCKET, Key=item["Key"])["Body"].read()
    assert len(s3_records(aws)) == 2
    text = "\n".join(outputs)
    for name, canary in CANARIES.items():
        assert canary.encode() not in stored, f"{name} reached a store"
        assert canary not in text, f"{name} reached the output"
