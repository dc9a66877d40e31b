# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The sqlite history store: schema versions and migrations, concurrent writers, interrupted runs, retention."""

import datetime
import json
import multiprocessing
import os
import sqlite3
import stat

import pytest

from ansible_collections.deltalake.aws.plugins.plugin_utils import history_record as hr
from ansible_collections.deltalake.aws.plugins.plugin_utils import history_sqlite
from ansible_collections.deltalake.aws.plugins.plugin_utils.history_sqlite import SQLiteStore

NOW = datetime.datetime(2025, 3, 1, 12, 0, 0, tzinfo=datetime.timezone.utc)


def make_record(started=NOW, lake="acme", mode="deploy", outcome="success", process=None, **extra):
    record = {
        "run_id": hr.new_run_id(started),
        "started_at": hr.isoformat(started),
        "updated_at": hr.isoformat(started),
        "ended_at": None if outcome == "running" else hr.isoformat(started + datetime.timedelta(seconds=5)),
        "lake": lake,
        "mode": mode,
        "outcome": outcome,
        "playbook": "site.yml",
        "config": {"datalake_name": lake},
        "config_hash": hr.config_hash({"datalake_name": lake}),
        "resources": [
            {
                "module": "deltalake.aws.s3_bucket",
                "name": f"{lake}-data",
                "arn": None,
                "changed": True,
                "failed": False,
                "message": None,
                "changed_fields": ["versioning"],
            }
        ],
        "drift": mode == "check",
        "process": process or {"host_id": "other-controller", "pid": 1},
    }
    record.update(extra)
    return record


@pytest.fixture
def store(tmp_path):
    return SQLiteStore(str(tmp_path / "sub" / "history.sqlite"))


def test_new_database_has_the_current_schema_private_and_in_wal_mode(store):
    assert store.schema_version() == history_sqlite.SCHEMA_VERSION == 2
    assert stat.S_IMODE(os.stat(store.path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(os.path.dirname(store.path)).st_mode) == 0o700
    with sqlite3.connect(store.path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        columns = {row[1] for row in db.execute("PRAGMA table_info(runs)")}
    assert {"run_id", "lake", "outcome", "record", "drift", "awx_job_id"} <= columns


def test_version_1_database_is_migrated_and_back_filled(tmp_path):
    path = str(tmp_path / "old.sqlite")
    old = make_record(mode="check", drift=True, awx={"job_id": "77"})
    db = sqlite3.connect(path, isolation_level=None)
    history_sqlite.MIGRATIONS[0](db)
    db.execute("PRAGMA user_version = 1")
    db.execute(
        "INSERT INTO runs (run_id, lake, started_at, ended_at, playbook, mode, outcome, config_hash, record) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            old["run_id"],
            "acme",
            old["started_at"],
            old["ended_at"],
            "site.yml",
            "check",
            "success",
            None,
            json.dumps(old),
        ),
    )
    db.close()

    store = SQLiteStore(path)
    assert store.get(old["run_id"])["run_id"] == old["run_id"]
    assert store.schema_version() == 2
    with sqlite3.connect(path) as check:
        assert check.execute("SELECT drift, awx_job_id FROM runs").fetchone() == (1, "77")
    assert [r["run_id"] for r in store.iter_runs(drift=True)] == [old["run_id"]]


def test_database_from_a_newer_collection_is_read_but_never_written(tmp_path):
    path = str(tmp_path / "new.sqlite")
    SQLiteStore(path).begin(make_record())
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version = 99")
    store = SQLiteStore(path)
    assert len(list(store.iter_runs())) == 1
    with pytest.raises(history_sqlite.SchemaTooNew, match="upgrade deltalake.aws"):
        store.finish(make_record())


def test_record_round_trip_and_resources_table(store):
    record = make_record()
    store.begin(dict(record, outcome="running", resources=[]))
    store.finish(record)
    assert store.get(record["run_id"]) == record
    with sqlite3.connect(store.path) as db:
        rows = db.execute("SELECT module, name, changed, changed_fields FROM resources").fetchall()
    assert rows == [("deltalake.aws.s3_bucket", "acme-data", 1, '["versioning"]')]


def test_checkpoint_never_overwrites_a_finished_record(store):
    record = make_record()
    store.finish(record)
    store.checkpoint(dict(record, outcome="running"))
    assert store.get(record["run_id"])["outcome"] == "success"


def test_queries_filter_and_order_newest_first(store):
    records = [
        make_record(NOW, mode="deploy"),
        make_record(NOW + datetime.timedelta(minutes=1), mode="check"),
        make_record(NOW + datetime.timedelta(minutes=2), mode="deploy", outcome="failed"),
        make_record(NOW + datetime.timedelta(minutes=3), lake="other"),
    ]
    for record in records:
        store.finish(record)
    assert [r["run_id"] for r in store.iter_runs(lake="acme")] == [r["run_id"] for r in reversed(records[:3])]
    assert store.last_successful_deploy("acme")["run_id"] == records[0]["run_id"]
    assert [r["run_id"] for r in store.iter_runs(lake="acme", drift=True)] == [records[1]["run_id"]]
    assert store.last_successful_deploy("nobody") is None


def test_recover_marks_dead_runs_interrupted_and_leaves_live_ones(store):
    dead = make_record(
        outcome="running",
        process=dict(hr.process_identity(), pid=_dead_pid()),
        updated_at=hr.isoformat(NOW + datetime.timedelta(seconds=30)),
    )
    live = make_record(outcome="running", process=hr.process_identity())
    elsewhere_recent = make_record(outcome="running", updated_at=hr.isoformat(hr.utcnow()))
    for record in (dead, live, elsewhere_recent):
        store.begin(record)
    assert store.recover() == [dead["run_id"]]
    interrupted = store.get(dead["run_id"])
    assert interrupted["outcome"] == "interrupted" and interrupted["ended_at"] == dead["updated_at"]
    assert interrupted["duration_seconds"] == 30.0
    assert store.get(live["run_id"])["outcome"] == "running"
    assert store.get(elsewhere_recent["run_id"])["outcome"] == "running"


def test_prune_by_age_and_by_count_per_lake(store):
    for minutes in range(5):
        store.finish(make_record(NOW - datetime.timedelta(days=10) + datetime.timedelta(minutes=minutes)))
    recent = [make_record(NOW + datetime.timedelta(minutes=m)) for m in range(3)]
    for record in recent:
        store.finish(record)
    running = make_record(NOW - datetime.timedelta(days=30), outcome="running", process=hr.process_identity())
    store.begin(running)
    other = make_record(NOW - datetime.timedelta(days=10), lake="other")
    store.finish(other)

    assert len(store.prune(retention_days=7, lake="acme", now=NOW + datetime.timedelta(hours=1))) == 5
    assert len(store.prune(retention_runs=2, now=NOW)) == 1  # the oldest recent run of acme; other keeps its one
    remaining = {r["run_id"] for r in store.iter_runs()}
    assert remaining == {recent[1]["run_id"], recent[2]["run_id"], running["run_id"], other["run_id"]}
    with sqlite3.connect(store.path) as db:
        assert (
            db.execute("SELECT COUNT(*) FROM resources WHERE run_id NOT IN (SELECT run_id FROM runs)").fetchone()[0]
            == 0
        )


def _dead_pid():
    child = multiprocessing.get_context("fork").Process(target=os.getpid)
    child.start()
    child.join()
    return child.pid


def _write_runs(path, worker, count, barrier):
    barrier.wait()
    store = SQLiteStore(path)
    for index in range(count):
        started = NOW + datetime.timedelta(seconds=index)
        record = make_record(started, lake=f"lake{worker}", outcome="running")
        store.start_run(record)
        store.checkpoint(dict(record, updated_at=hr.isoformat(started)))
        store.finish_run(dict(record, outcome="success"))


def test_two_processes_write_at_once_without_losing_a_record(tmp_path):
    path = str(tmp_path / "shared.sqlite")  # not created yet: both processes also race to create the schema
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(2)
    workers = [ctx.Process(target=_write_runs, args=(path, n, 25, barrier)) for n in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    assert [w.exitcode for w in workers] == [0, 0]
    store = SQLiteStore(path)
    records = list(store.iter_runs())
    assert len(records) == 50 and len({r["run_id"] for r in records}) == 50
    assert {r["lake"] for r in records} == {"lake0", "lake1"}
    assert all(r["outcome"] == "success" for r in records)
    assert store.schema_version() == 2
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("SELECT COUNT(*) FROM resources").fetchone()[0] == 50
