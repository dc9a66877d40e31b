# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The s3 history store: conditional create, spool and re-send, interrupted runs from markers, reads and
retention against moto; error paths (412, 409, access denied, unreachable endpoint) through botocore's Stubber
or a closed port."""

import datetime
import io
import json
import multiprocessing
import os
import socket

import boto3
import pytest
from botocore.response import StreamingBody
from botocore.stub import ANY
from botocore.stub import Stubber
from moto import mock_aws

from ansible_collections.deltalake.aws.plugins.plugin_utils import history_record as hr
from ansible_collections.deltalake.aws.plugins.plugin_utils.history_s3 import S3Store
from ansible_collections.deltalake.aws.plugins.plugin_utils.history_s3 import StoreError

NOW = datetime.datetime(2025, 3, 1, 12, 0, 0, tzinfo=datetime.timezone.utc)
BUCKET = "acme-data"


def make_record(started=NOW, outcome="success", mode="deploy", process=None, **extra):
    record = {
        "run_id": hr.new_run_id(started),
        "started_at": hr.isoformat(started),
        "updated_at": hr.isoformat(started),
        "lake": "acme",
        "mode": mode,
        "outcome": outcome,
        "resources": [],
        "drift": False,
        "process": process or {"host_id": "other-controller", "pid": 1},
    }
    record.update(extra)
    return record


@pytest.fixture
def s3():
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s")
        client.create_bucket(Bucket=BUCKET)
        yield client


@pytest.fixture
def store(s3, tmp_path):
    return S3Store(BUCKET, spool_dir=str(tmp_path / "spool"), client=s3)


def keys(s3, prefix="logs/deployments/"):
    return sorted(o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", []))


def body(s3, key):
    return s3.get_object(Bucket=BUCKET, Key=key)["Body"].read().decode()


# ------------------------------------------------------------------ writing


def test_run_lifecycle_writes_one_json_line_and_cleans_up(store, s3):
    record = make_record(outcome="running")
    assert store.start_run(record) == []
    assert keys(s3) == [f"logs/deployments/running/{record['run_id']}.json"]
    assert store.spool.has(record["run_id"])

    final = dict(record, outcome="success")
    assert store.finish_run(final) == []
    key = f"logs/deployments/runs/dt=2025-03-01/{record['run_id']}.json"
    assert keys(s3) == [key]
    text = body(s3, key)
    assert text.endswith("\n") and text.count("\n") == 1  # one JSON object per line: what Athena's JSON SerDe reads
    assert json.loads(text) == final
    assert not store.spool.has(record["run_id"])


def test_conditional_create_never_overwrites(store, s3):
    record = make_record()
    assert store.upload(record) == "created"
    assert store.upload(dict(record, outcome="failed")) == "exists"
    assert json.loads(body(s3, store.record_key(record["run_id"])))["outcome"] == "success"


def test_unreachable_store_keeps_the_record_and_a_later_run_sends_it(s3, tmp_path, monkeypatch):
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    spool = str(tmp_path / "spool")
    down = S3Store(BUCKET, spool_dir=spool, region="us-east-1", endpoint_url=f"http://127.0.0.1:{port}")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "k")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "s")
    record = make_record(process=hr.process_identity())
    notes = down.start_run(dict(record, outcome="running"))
    assert len(notes) == 1 and "skipped" in notes[0]
    with pytest.raises(StoreError, match="kept in .* and sent by a later run"):
        down.finish_run(record)
    assert down.spool.has(record["run_id"])

    later = S3Store(BUCKET, spool_dir=spool, client=s3)
    assert later.flush() == [record["run_id"]]
    assert json.loads(body(s3, later.record_key(record["run_id"]))) == record
    assert not later.spool.has(record["run_id"])


def test_spool_only_sends_records_for_its_own_bucket(store, s3, tmp_path):
    other = S3Store("other-lake-data", spool_dir=store.spool.directory, client=s3)
    other.spool_record(make_record())
    assert store.flush() == []
    assert len(list(other.spool.entries(other.destination))) == 1


def test_spooled_running_record_of_a_dead_run_is_sent_as_interrupted(store, s3):
    dead = make_record(outcome="running", process=dict(hr.process_identity(), pid=_dead_pid()))
    live = make_record(outcome="running", process=hr.process_identity())
    store.spool_record(dead)
    store.spool_record(live)
    assert store.flush() == [dead["run_id"]]
    assert json.loads(body(s3, store.record_key(dead["run_id"])))["outcome"] == "interrupted"
    assert store.spool.has(live["run_id"])


def test_marker_of_a_run_killed_elsewhere_becomes_interrupted(store, s3):
    killed = make_record(outcome="running", updated_at=hr.isoformat(NOW))
    finished = make_record(outcome="running")
    recent = make_record(outcome="running", updated_at=hr.isoformat(hr.utcnow()))
    for record in (killed, finished, recent):
        s3.put_object(Bucket=BUCKET, Key=store.marker_key(record["run_id"]), Body=json.dumps(record).encode())
    store.upload(dict(finished, outcome="success"))  # its marker was left behind

    assert store.recover(now=NOW + datetime.timedelta(days=2)) == [killed["run_id"]]
    assert json.loads(body(s3, store.record_key(killed["run_id"])))["outcome"] == "interrupted"
    assert keys(s3, "logs/deployments/running/") == [store.marker_key(recent["run_id"])]


# ------------------------------------------------------------------ reading and retention


def test_reads_newest_first_with_markers_and_filters(store, s3):
    old = make_record(NOW, mode="deploy")
    check = make_record(NOW + datetime.timedelta(minutes=1), mode="check", drift=True)
    failed = make_record(NOW + datetime.timedelta(minutes=2), outcome="failed")
    for record in (old, check, failed):
        store.upload(record)
    dead = make_record(NOW + datetime.timedelta(minutes=3), outcome="running")
    s3.put_object(Bucket=BUCKET, Key=store.marker_key(dead["run_id"]), Body=json.dumps(dead).encode())

    runs = list(store.iter_runs(now=NOW + datetime.timedelta(days=2)))
    assert [r["run_id"] for r in runs] == [dead["run_id"], failed["run_id"], check["run_id"], old["run_id"]]
    assert runs[0]["outcome"] == "interrupted"  # shown so; not written by a read
    assert keys(s3, "logs/deployments/running/") == [store.marker_key(dead["run_id"])]
    assert store.last_successful_deploy("acme")["run_id"] == old["run_id"]
    assert [r["run_id"] for r in store.iter_runs(drift=True)] == [check["run_id"]]
    assert store.get(check["run_id"]) == check
    assert store.get("20990101T000000Z-00000000") is None


def test_prune_by_age_and_count(store, s3):
    records = [make_record(NOW - datetime.timedelta(days=d)) for d in (0, 1, 2, 20, 30)]
    for record in records:
        store.upload(record)
    assert sorted(store.prune(retention_days=10, now=NOW)) == sorted(r["run_id"] for r in records[3:])
    assert store.prune(retention_runs=2, now=NOW) == [records[2]["run_id"]]
    assert len(keys(s3, "logs/deployments/runs/")) == 2
    assert store.prune() == []


# ------------------------------------------------------------------ error paths (Stubber)


@pytest.fixture
def stubbed(tmp_path):
    client = boto3.client("s3", region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s")
    with Stubber(client) as stub:
        yield S3Store(BUCKET, spool_dir=str(tmp_path / "spool"), client=client), stub
        stub.assert_no_pending_responses()


def test_precondition_failed_means_the_record_is_already_there(stubbed):
    store, stub = stubbed
    stub.add_client_error(
        "put_object",
        "PreconditionFailed",
        "At least one of the pre-conditions you specified did not hold",
        http_status_code=412,
        expected_params={
            "Bucket": BUCKET,
            "Key": ANY,
            "Body": ANY,
            "ContentType": "application/json",
            "IfNoneMatch": "*",
        },
    )
    stub.add_response("delete_object", {}, {"Bucket": BUCKET, "Key": ANY})
    record = make_record()
    assert store.finish(record) == "exists"
    assert not store.spool.has(record["run_id"])


def test_conflicting_concurrent_write_keeps_the_record_in_the_spool(stubbed):
    store, stub = stubbed
    stub.add_client_error(
        "put_object", "ConditionalRequestConflict", "A conflicting operation is in progress", http_status_code=409
    )
    record = make_record()
    with pytest.raises(StoreError, match="ConditionalRequestConflict"):
        store.finish_run(record)
    assert store.spool.has(record["run_id"])


def test_access_denied_is_reported_with_the_key_and_no_credentials(stubbed):
    store, stub = stubbed
    stub.add_client_error("put_object", "AccessDenied", "Access Denied", http_status_code=403)
    record = make_record()
    with pytest.raises(StoreError) as error:
        store.finish_run(record)
    message = str(error.value)
    assert "AccessDenied" in message and store.record_key(record["run_id"]) in message
    assert "s3://acme-data/" in message


def test_missing_bucket_at_the_start_is_only_a_note(stubbed):
    store, stub = stubbed
    stub.add_client_error(
        "list_objects_v2", "NoSuchBucket", "The specified bucket does not exist", http_status_code=404
    )
    notes = store.start_run(make_record(outcome="running"))
    assert notes and "NoSuchBucket" in notes[0]


def test_unreadable_record_is_an_error(stubbed):
    store, stub = stubbed
    stub.add_response("get_object", {"Body": StreamingBody(io.BytesIO(b"not json"), 8)})
    with pytest.raises(StoreError, match="not a JSON record"):
        store.get("20250301T120000Z-0000aaaa")


def test_no_bucket_is_refused():
    with pytest.raises(StoreError, match="no S3 bucket"):
        S3Store(None)


def _dead_pid():
    child = multiprocessing.get_context("fork").Process(target=os.getpid)
    child.start()
    child.join()
    return child.pid
