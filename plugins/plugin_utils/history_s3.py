# -*- coding: utf-8 -*-

# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The ``s3`` history store: one JSON object per run in the lake's bucket (controller-only).

Layout under the prefix (default ``logs/deployments/``)::

    runs/dt=YYYY-MM-DD/<run_id>.json     the final record of a run (success, failed or interrupted); one line
                                         of JSON, written once with a conditional create (If-None-Match: *),
                                         so concurrent runs, or a run and a later run re-sending it, never
                                         overwrite a record; the dt= partition makes the Athena table cheap
    running/<run_id>.json                a marker while a run is in progress (deleted when its record is
                                         written); a later run turns the marker of a run that died into an
                                         ``interrupted`` record

Every record is first written to a local spool directory and removed from it only once S3 has it. When S3
cannot be reached, the record stays in the spool and the next run that uses the same bucket and prefix sends
it. A ``running`` spool entry whose process is gone becomes an ``interrupted`` record.

boto3 is imported on first use, so that a playbook that does not use this store never pays for it.
"""

import json
import os

from ansible_collections.deltalake.aws.plugins.plugin_utils.history_record import mark_interrupted
from ansible_collections.deltalake.aws.plugins.plugin_utils.history_record import process_gone
from ansible_collections.deltalake.aws.plugins.plugin_utils.history_record import run_date
from ansible_collections.deltalake.aws.plugins.plugin_utils.history_record import run_started
from ansible_collections.deltalake.aws.plugins.plugin_utils.history_record import utcnow

DEFAULT_PREFIX = "logs/deployments/"
CONNECT_TIMEOUT = 3
READ_TIMEOUT = 10
MAX_ATTEMPTS = 2


class StoreError(Exception):
    """A history store could not be read or written; the message says what and why (no secrets)."""


def _botocore():
    try:
        import botocore.config
        import botocore.exceptions
    except ImportError as e:
        raise StoreError("the s3 history backend needs boto3 and botocore on the controller") from e
    return botocore


def error_text(error):
    """A short description of a botocore error: the error code and message, or the exception text."""
    response = getattr(error, "response", None)
    if isinstance(response, dict) and "Error" in response:
        code = response["Error"].get("Code", "?")
        message = response["Error"].get("Message") or ""
        return f"{code}: {message}".rstrip(": ")
    return str(error) or type(error).__name__


def error_code(error):
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", "")) or str(
            response.get("ResponseMetadata", {}).get("HTTPStatusCode", "")
        )
    return ""


class Spool:
    """Local copies of records not yet confirmed by S3: one JSON file per run, replaced atomically."""

    def __init__(self, directory):
        self.directory = os.path.expanduser(directory)

    def _path(self, run_id):
        return os.path.join(self.directory, f"{run_id}.json")

    def write(self, destination, record):
        os.makedirs(self.directory, mode=0o700, exist_ok=True)
        path = self._path(record["run_id"])
        tmp = f"{path}.{os.getpid()}.tmp"
        fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump({"destination": destination, "record": record}, handle, sort_keys=True)
        os.replace(tmp, path)

    def remove(self, run_id):
        try:
            os.unlink(self._path(run_id))
        except FileNotFoundError:
            pass

    def has(self, run_id):
        return os.path.exists(self._path(run_id))

    def entries(self, destination):
        """(record) for every spooled run bound for ``destination``, oldest first."""
        try:
            names = sorted(n for n in os.listdir(self.directory) if n.endswith(".json"))
        except FileNotFoundError:
            return
        for name in names:
            try:
                with open(os.path.join(self.directory, name), encoding="utf-8") as handle:
                    entry = json.load(handle)
            except (OSError, ValueError):
                continue
            if entry.get("destination") == destination and isinstance(entry.get("record"), dict):
                yield entry["record"]


class S3Store:
    """History as JSON objects in S3; see the module docstring."""

    name = "s3"

    def __init__(
        self,
        bucket,
        prefix=DEFAULT_PREFIX,
        spool_dir="~/.ansible/deltalake.aws/spool",
        region=None,
        endpoint_url=None,
        profile=None,
        stale_after=86400,
        client=None,
        user_agent=None,
    ):
        if not bucket:
            raise StoreError("no S3 bucket for the history: set s3_bucket, or datalake_name for <lake>-data")
        self.bucket = bucket
        self.prefix = (prefix or "").lstrip("/")
        if self.prefix and not self.prefix.endswith("/"):
            self.prefix += "/"
        self.spool = Spool(spool_dir)
        self.region = region
        self.endpoint_url = endpoint_url
        self.profile = profile
        self.stale_after = stale_after
        self.user_agent = user_agent
        self._client = client
        self._exceptions = None

    def describe(self):
        return f"s3://{self.bucket}/{self.prefix}"

    @property
    def destination(self):
        return {"bucket": self.bucket, "prefix": self.prefix}

    @property
    def exceptions(self):
        if self._exceptions is None:
            self._exceptions = _botocore().exceptions
        return self._exceptions

    @property
    def client(self):
        if self._client is None:
            botocore = _botocore()
            try:
                import boto3
            except ImportError as e:
                raise StoreError("the s3 history backend needs boto3 on the controller") from e
            config = botocore.config.Config(
                connect_timeout=CONNECT_TIMEOUT,
                read_timeout=READ_TIMEOUT,
                retries={"max_attempts": MAX_ATTEMPTS, "mode": "standard"},
                user_agent_extra=self.user_agent,
            )
            try:
                session = boto3.session.Session(profile_name=self.profile, region_name=self.region)
                self._client = session.client("s3", endpoint_url=self.endpoint_url, config=config)
            except (botocore.exceptions.BotoCoreError, ValueError) as e:
                raise StoreError(f"cannot create an S3 client: {error_text(e)}") from e
        return self._client

    # ------------------------------------------------------------------ keys

    def record_key(self, run_id):
        return f"{self.prefix}runs/dt={run_date(run_id)}/{run_id}.json"

    def marker_key(self, run_id):
        return f"{self.prefix}running/{run_id}.json"

    @staticmethod
    def _run_id(key):
        return key.rsplit("/", 1)[-1][: -len(".json")] if key.endswith(".json") else None

    # ------------------------------------------------------------------ low-level calls, errors as StoreError

    def _call(self, what, method, **kwargs):
        errors = (self.exceptions.BotoCoreError, self.exceptions.ClientError)
        try:
            return getattr(self.client, method)(**kwargs)
        except errors as e:
            raise StoreError(
                f"could not {what} (s3://{self.bucket}/{kwargs.get('Key', self.prefix)}): {error_text(e)}"
            ) from e

    def _put_marker(self, record):
        body = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"
        self._call(
            "write the running marker",
            "put_object",
            Bucket=self.bucket,
            Key=self.marker_key(record["run_id"]),
            Body=body.encode("utf-8"),
            ContentType="application/json",
        )

    def _delete_marker(self, run_id):
        self._call("delete the running marker", "delete_object", Bucket=self.bucket, Key=self.marker_key(run_id))

    def upload(self, record):
        """Create the run's record object unless it exists; returns ``created`` or ``exists``."""
        body = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"
        try:
            self.client.put_object(
                Bucket=self.bucket,
                Key=self.record_key(record["run_id"]),
                Body=body.encode("utf-8"),
                ContentType="application/json",
                IfNoneMatch="*",
            )
        except self.exceptions.ClientError as e:
            if error_code(e) in ("PreconditionFailed", "412"):
                return "exists"
            raise StoreError(
                f"could not write record {record['run_id']} to s3://{self.bucket}/{self.record_key(record['run_id'])}: "
                f"{error_text(e)}"
            ) from e
        except self.exceptions.BotoCoreError as e:
            raise StoreError(
                f"could not write record {record['run_id']} to s3://{self.bucket}/{self.record_key(record['run_id'])}: "
                f"{error_text(e)}"
            ) from e
        return "created"

    def _get_json(self, key):
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=key)
        except self.exceptions.ClientError as e:
            if error_code(e) in ("NoSuchKey", "404", "NotFound"):
                return None
            raise StoreError(f"could not read s3://{self.bucket}/{key}: {error_text(e)}") from e
        except self.exceptions.BotoCoreError as e:
            raise StoreError(f"could not read s3://{self.bucket}/{key}: {error_text(e)}") from e
        try:
            return json.loads(response["Body"].read().decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as e:
            raise StoreError(f"s3://{self.bucket}/{key} is not a JSON record: {e}") from e

    def _exists(self, key):
        try:
            self.client.head_object(Bucket=self.bucket, Key=key)
        except self.exceptions.ClientError as e:
            if error_code(e) in ("NoSuchKey", "404", "NotFound"):
                return False
            raise StoreError(f"could not read s3://{self.bucket}/{key}: {error_text(e)}") from e
        except self.exceptions.BotoCoreError as e:
            raise StoreError(f"could not read s3://{self.bucket}/{key}: {error_text(e)}") from e
        return True

    def _list(self, prefix):
        keys = []
        token = None
        while True:
            kwargs = {"Bucket": self.bucket, "Prefix": prefix}
            if token:
                kwargs["ContinuationToken"] = token
            page = self._call("list the history", "list_objects_v2", **kwargs)
            keys.extend(item["Key"] for item in page.get("Contents", []) if item["Key"].endswith(".json"))
            if not page.get("IsTruncated"):
                return keys
            token = page.get("NextContinuationToken")

    # ------------------------------------------------------------------ the store interface

    def begin(self, record):
        """Spool the running record, then put the running marker."""
        self.spool.write(self.destination, record)
        self._put_marker(record)

    def start_run(self, record):
        """Everything a run does with S3 at its start: spool its running record, send records left by earlier
        runs, turn markers of dead runs into interrupted records, put its own marker. Stops at the first S3
        problem and returns it as a note: at the start that is expected (the first deploy creates the bucket),
        and the final record reports its own problems."""
        self.spool.write(self.destination, record)
        steps = (
            ("sending earlier records", lambda: self.flush(exclude=(record["run_id"],))),
            ("recovering interrupted runs", self.recover),
            ("writing the running marker", lambda: self._put_marker(record)),
        )
        for what, step in steps:
            try:
                step()
            except StoreError as e:
                return [f"{what} skipped: {e}"]
        return []

    def checkpoint(self, record, heartbeat=False):
        self.spool.write(self.destination, record)
        if heartbeat:
            self._put_marker(record)

    def spool_record(self, record):
        self.spool.write(self.destination, record)

    def finish(self, record):
        """Spool the final record, create it in S3, drop the marker and the spooled copy. Raises StoreError
        when S3 cannot be written; the record then stays in the spool for a later run."""
        self.spool.write(self.destination, record)
        outcome = self.upload(record)
        self.spool.remove(record["run_id"])
        try:
            self._delete_marker(record["run_id"])
        except StoreError:
            pass  # a stale marker is cleaned up by a later run
        return outcome

    def finish_run(self, record):
        """Write the final record (StoreError, saying where the record is kept, when S3 cannot be written), then
        send what earlier runs left in the spool; problems with the latter are returned as notes."""
        try:
            self.finish(record)
        except StoreError as e:
            raise StoreError(f"{e}; the record is kept in {self.spool.directory} and sent by a later run") from e
        try:
            self.flush()
            self.recover()
        except StoreError as e:
            return [f"sending earlier records skipped: {e}"]
        return []

    def flush(self, now=None, me=None, exclude=()):
        """Send spooled records of finished or dead runs; returns the run ids sent. Stops at the first error
        (raised as StoreError) so that an unreachable store costs one timeout, not one per record."""
        now = now or utcnow()
        sent = []
        for record in list(self.spool.entries(self.destination)):
            if record.get("run_id") in exclude:
                continue
            if record.get("outcome") == "running":
                if not process_gone(record, self.stale_after, now=now, me=me):
                    continue
                record = mark_interrupted(record, now)
            self.upload(record)
            self.spool.remove(record["run_id"])
            try:
                self._delete_marker(record["run_id"])
            except StoreError:
                pass
            sent.append(record["run_id"])
        return sent

    def recover(self, now=None, me=None):
        """Turn running markers of dead runs into interrupted records (a run killed in an ephemeral execution
        environment leaves only its marker); returns their run ids."""
        now = now or utcnow()
        recovered = []
        for key in self._list(f"{self.prefix}running/"):
            run_id = self._run_id(key)
            if not run_id or self.spool.has(run_id):
                continue  # a live run of this controller, or a spooled one that flush() handles
            if self._exists(self.record_key(run_id)):
                self._call("delete a stale running marker", "delete_object", Bucket=self.bucket, Key=key)
                continue
            marker = self._get_json(key)
            if not isinstance(marker, dict) or marker.get("run_id") != run_id:
                continue
            if process_gone(marker, self.stale_after, now=now, me=me):
                self.upload(mark_interrupted(marker, now))
                self._call("delete a stale running marker", "delete_object", Bucket=self.bucket, Key=key)
                recovered.append(run_id)
        return recovered

    def prune(self, retention_days=0, retention_runs=0, lake=None, now=None):
        """Delete records older than ``retention_days`` or beyond the newest ``retention_runs`` under this
        prefix (0 disables a rule). The age comes from the run id (its start time). Returns deleted run ids."""
        if not retention_days and not retention_runs:
            return []
        now = now or utcnow()
        keys = sorted(self._list(f"{self.prefix}runs/"), key=lambda k: self._run_id(k) or "", reverse=True)
        doomed = []
        for index, key in enumerate(keys):
            run_id = self._run_id(key) or ""
            started = run_started(run_id)
            too_old = (
                retention_days
                and started is not None
                and (now - started).total_seconds() > float(retention_days) * 86400
            )
            too_many = retention_runs and index >= int(retention_runs)
            if too_old or too_many:
                doomed.append(key)
        for start in range(0, len(doomed), 1000):
            batch = doomed[start : start + 1000]
            self._call(
                "prune the history",
                "delete_objects",
                Bucket=self.bucket,
                Delete={"Objects": [{"Key": k} for k in batch], "Quiet": True},
            )
        return [self._run_id(k) for k in doomed]

    def iter_runs(self, lake=None, mode=None, outcome=None, drift=None, now=None, me=None):
        """Records, newest first. Runs still in progress come from their markers; a marker whose run is gone
        is shown as ``interrupted`` (reading never writes: the next recording run stores that record)."""
        now = now or utcnow()
        entries = {}
        for key in self._list(f"{self.prefix}running/"):
            run_id = self._run_id(key)
            if run_id:
                entries[run_id] = ("marker", key)
        for key in self._list(f"{self.prefix}runs/"):
            run_id = self._run_id(key)
            if run_id:
                entries[run_id] = ("record", key)  # a final record wins over a leftover marker
        for run_id in sorted(entries, reverse=True):
            kind, key = entries[run_id]
            record = self._get_json(key)
            if not isinstance(record, dict):
                continue
            if (
                kind == "marker"
                and record.get("outcome") == "running"
                and process_gone(record, self.stale_after, now=now, me=me)
            ):
                record = mark_interrupted(record, now)
            if lake is not None and record.get("lake") != lake:
                continue
            if mode is not None and record.get("mode") != mode:
                continue
            if outcome is not None and record.get("outcome") != outcome:
                continue
            if drift is not None and bool(record.get("drift")) != bool(drift):
                continue
            yield record

    def get(self, run_id):
        record = self._get_json(self.record_key(run_id))
        if record is None:
            record = self._get_json(self.marker_key(run_id))
        return record

    def last_successful_deploy(self, lake):
        for record in self.iter_runs(lake=lake, mode="deploy", outcome="success"):
            return record
        return None
