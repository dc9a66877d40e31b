# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Store selection, the callback's background writer and the history table."""

import threading
import time

import pytest

from ansible_collections.deltalake.aws.plugins.plugin_utils import history_store
from ansible_collections.deltalake.aws.plugins.plugin_utils.history_s3 import S3Store
from ansible_collections.deltalake.aws.plugins.plugin_utils.history_s3 import StoreError
from ansible_collections.deltalake.aws.plugins.plugin_utils.history_sqlite import SQLiteStore


@pytest.mark.parametrize(
    "value, expected",
    [
        (None, ["sqlite"]),
        ("s3", ["s3"]),
        ("sqlite, s3", ["sqlite", "s3"]),
        (["S3", "sqlite", "s3"], ["s3", "sqlite"]),
        (["sqlite,s3"], ["sqlite", "s3"]),
        ("", ["sqlite"]),
    ],
)
def test_parse_backends(value, expected):
    assert history_store.parse_backends(value) == expected


def test_unknown_backend_is_refused():
    with pytest.raises(ValueError, match="unknown history backend 'postgres'"):
        history_store.parse_backends("sqlite,postgres")


def test_default_bucket_is_the_lake_data_bucket():
    assert history_store.default_bucket("acme") == "acme-data"
    assert history_store.default_bucket("acme", "custom-bucket") == "custom-bucket"
    assert history_store.default_bucket("acme", "{{ datalake_name }}-data") == "acme-data"
    assert history_store.default_bucket(None) is None


def test_make_store(tmp_path):
    sqlite = history_store.make_store("sqlite", {"db_path": str(tmp_path / "h.sqlite"), "stale_after": 60})
    assert isinstance(sqlite, SQLiteStore) and sqlite.stale_after == 60
    s3 = history_store.make_store("s3", {"s3_prefix": "hist", "spool_dir": str(tmp_path)}, lake="acme")
    assert isinstance(s3, S3Store) and s3.describe() == "s3://acme-data/hist/"
    with pytest.raises(StoreError):
        history_store.make_store("s3", {}, lake=None)


def test_writer_runs_jobs_in_order_and_turns_failures_into_warnings():
    writer = history_store.BackgroundWriter()
    done = []

    def fail_store():
        raise StoreError("bucket unreachable")

    def fail_other():
        raise RuntimeError("disk on fire")

    writer.submit("one", done.append, 1)
    writer.submit("store", fail_store)
    writer.submit("other", fail_other)
    writer.submit("notes", lambda: ["expected at the start"])
    writer.submit("two", done.append, 2)
    assert writer.drain(10)
    assert done == [1, 2]
    assert writer.take_warnings() == ["store: bucket unreachable", "other: RuntimeError: disk on fire"]
    assert writer.take_notes() == ["notes: expected at the start"]
    assert writer.take_warnings() == []


def test_writer_drain_times_out_on_a_hung_store():
    writer = history_store.BackgroundWriter()
    release = threading.Event()
    writer.submit("hang", release.wait, 5)
    started = time.monotonic()
    assert writer.drain(0.2) is False
    assert time.monotonic() - started < 2
    release.set()
    assert writer.drain(5)


def test_writer_checkpoints_keep_only_the_newest_pending_one():
    writer = history_store.BackgroundWriter()
    release = threading.Event()
    saved = []
    writer.submit("block", release.wait, 5)
    for n in range(5):
        writer.checkpoint("store", "save", saved.append, {"n": n})
    release.set()
    assert writer.drain(5)
    assert saved == [{"n": 4}]


def test_table_lists_runs_newest_first():
    records = [
        {
            "run_id": "20250301T120500Z-bbbbbbbb",
            "started_at": "2025-03-01T12:05:00.000000Z",
            "duration_seconds": 3.2,
            "lake": "acme",
            "mode": "check",
            "outcome": "success",
            "summary": {"changed": 1, "failed": 0},
            "drift": True,
            "config_changes": [{"key": "a"}],
            "user": "alice",
            "awx": {"job_id": "42"},
        },
        {
            "run_id": "20250301T120000Z-aaaaaaaa",
            "started_at": "2025-03-01T12:00:00.000000Z",
            "duration_seconds": None,
            "lake": "acme",
            "mode": "deploy",
            "outcome": "interrupted",
            "summary": {"changed": 0, "failed": 0},
        },
    ]
    lines = history_store.format_table(records)
    assert lines[0].split() == [
        "RUN",
        "ID",
        "STARTED",
        "(UTC)",
        "SECONDS",
        "LAKE",
        "MODE",
        "OUTCOME",
        "CHANGED",
        "FAILED",
        "DRIFT",
        "CONFIG",
        "CHANGES",
        "USER",
        "AWX",
        "JOB",
    ]
    assert lines[2].split() == [
        "20250301T120500Z-bbbbbbbb",
        "2025-03-01",
        "12:05:00",
        "3",
        "acme",
        "check",
        "success",
        "1",
        "0",
        "yes",
        "1",
        "alice",
        "42",
    ]
    assert lines[3].split()[0] == "20250301T120000Z-aaaaaaaa" and "interrupted" in lines[3]
    assert history_store.format_table([])[-1] == "(no runs recorded)"
