# -*- coding: utf-8 -*-

# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""History stores by name, the background writer of the callback, and the queries the lookup answers.

Controller-only. Both stores (``history_sqlite.SQLiteStore``, ``history_s3.S3Store``) offer the same methods:
``start_run`` and ``finish_run`` (what a recording run does at its start and end; they return notes about
problems that are expected and harmless), ``begin``, ``checkpoint``, ``finish``, ``recover``, ``prune``,
``iter_runs``, ``get``, ``last_successful_deploy`` and ``describe``.
"""

import collections
import threading

from ansible_collections.deltalake.aws.plugins.plugin_utils.history_s3 import DEFAULT_PREFIX
from ansible_collections.deltalake.aws.plugins.plugin_utils.history_s3 import S3Store
from ansible_collections.deltalake.aws.plugins.plugin_utils.history_s3 import StoreError
from ansible_collections.deltalake.aws.plugins.plugin_utils.history_sqlite import SQLiteStore

BACKENDS = ("sqlite", "s3")
DEFAULT_DB_PATH = "~/.ansible/deltalake.aws/history.sqlite"
DEFAULT_SPOOL_DIR = "~/.ansible/deltalake.aws/spool"


def parse_backends(value):
    """``["sqlite", "s3"]`` from a list or a comma-separated string; unknown names raise ValueError."""
    if value is None:
        return ["sqlite"]
    items = value if isinstance(value, (list, tuple)) else str(value).split(",")
    names = []
    for item in items:
        for name in str(item).split(","):
            name = name.strip().lower()
            if not name:
                continue
            if name not in BACKENDS:
                raise ValueError(f"unknown history backend {name!r}; choose from {', '.join(BACKENDS)}")
            if name not in names:
                names.append(name)
    return names or ["sqlite"]


def default_bucket(lake, data_bucket=None):
    """The lake's data bucket: ``storage_data_bucket`` when it is a plain name, else ``<datalake_name>-data``."""
    if data_bucket and "{{" not in str(data_bucket) and "{%" not in str(data_bucket):
        return str(data_bucket)
    return f"{lake}-data" if lake else None


def make_store(backend, options, lake=None, data_bucket=None, region=None, user_agent=None):
    """One store from plugin options (``db_path``, ``s3_bucket``, ``s3_prefix``, ``s3_region``,
    ``s3_endpoint_url``, ``s3_profile``, ``spool_dir``, ``stale_after``)."""
    stale_after = int(options.get("stale_after") or 86400)
    if backend == "sqlite":
        return SQLiteStore(options.get("db_path") or DEFAULT_DB_PATH, stale_after=stale_after)
    if backend == "s3":
        return S3Store(
            bucket=options.get("s3_bucket") or default_bucket(lake, data_bucket),
            prefix=options.get("s3_prefix") or DEFAULT_PREFIX,
            spool_dir=options.get("spool_dir") or DEFAULT_SPOOL_DIR,
            region=options.get("s3_region") or region,
            endpoint_url=options.get("s3_endpoint_url"),
            profile=options.get("s3_profile"),
            stale_after=stale_after,
            user_agent=user_agent,
        )
    raise ValueError(f"unknown history backend {backend!r}")


# ---------------------------------------------------------------------------------------------- writer


class BackgroundWriter:
    """Runs store I/O on one daemon thread so that the playbook never waits for it mid-run.

    Jobs run in order. A job's failure becomes a warning message (``take_warnings``), never an exception in
    the playbook; a list of strings a job returns is kept as notes (``take_notes``), shown in verbose mode.
    ``checkpoint`` keeps only the newest pending progress save. ``drain(timeout)`` waits for the queue to
    empty, at most ``timeout`` seconds; the thread is a daemon, so a hung call cannot keep ansible-playbook
    alive after that.
    """

    def __init__(self, name="deployment-history-writer"):
        self._jobs = collections.deque()
        self._cond = threading.Condition()
        self._pending = 0
        self._warnings = []
        self._notes = []
        self._thread = None
        self._name = name
        self._latest = {}

    def _ensure_thread(self):
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
            self._thread.start()

    def submit(self, what, func, *args):
        with self._cond:
            self._jobs.append((what, func, args))
            self._pending += 1
            self._ensure_thread()
            self._cond.notify_all()

    def checkpoint(self, key, what, func, record):
        """Queue ``func(record)``; a newer checkpoint with the same key replaces one still waiting."""
        with self._cond:
            queued = key in self._latest
            self._latest[key] = record
        if not queued:
            self.submit(what, self._run_checkpoint, key, func)

    def _run_checkpoint(self, key, func):
        with self._cond:
            record = self._latest.pop(key, None)
        if record is not None:
            func(record)

    def _run(self):
        while True:
            with self._cond:
                while not self._jobs:
                    self._cond.wait()
                what, func, args = self._jobs.popleft()
            try:
                notes = func(*args)
                if isinstance(notes, list) and notes:
                    with self._cond:
                        self._notes.extend(f"{what}: {note}" for note in notes)
            except StoreError as e:
                self._warn(f"{what}: {e}")
            except Exception as e:  # pylint: disable=broad-exception-caught
                # The history must never break or stop a playbook: any failure of a store (sqlite errors,
                # OS errors, unexpected library errors) ends up as a warning.
                self._warn(f"{what}: {type(e).__name__}: {e}")
            finally:
                with self._cond:
                    self._pending -= 1
                    self._cond.notify_all()

    def _warn(self, message):
        with self._cond:
            self._warnings.append(message)

    def drain(self, timeout):
        """Wait until every queued job ran; False when ``timeout`` seconds passed first."""
        with self._cond:
            return self._cond.wait_for(lambda: self._pending == 0, timeout=timeout)

    def take_warnings(self):
        with self._cond:
            warnings, self._warnings = self._warnings, []
        return warnings

    def take_notes(self):
        with self._cond:
            notes, self._notes = self._notes, []
        return notes


# ---------------------------------------------------------------------------------------------- queries


def last_runs(store, limit=10, lake=None):
    runs = []
    for record in store.iter_runs(lake=lake):
        runs.append(record)
        if limit and len(runs) >= limit:
            break
    return runs


def drift_runs(store, limit=10, lake=None):
    runs = []
    for record in store.iter_runs(lake=lake, mode="check", drift=True):
        runs.append(record)
        if limit and len(runs) >= limit:
            break
    return runs


def _cell(value):
    if value is None or value == "":
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


TABLE_COLUMNS = (
    ("RUN ID", lambda r: r.get("run_id")),
    ("STARTED (UTC)", lambda r: (r.get("started_at") or "")[:19].replace("T", " ")),
    ("SECONDS", lambda r: None if r.get("duration_seconds") is None else f"{r['duration_seconds']:.0f}"),
    ("LAKE", lambda r: r.get("lake")),
    ("MODE", lambda r: r.get("mode")),
    ("OUTCOME", lambda r: r.get("outcome")),
    ("CHANGED", lambda r: (r.get("summary") or {}).get("changed")),
    ("FAILED", lambda r: (r.get("summary") or {}).get("failed")),
    ("DRIFT", lambda r: r.get("drift") if r.get("mode") == "check" else None),
    ("CONFIG CHANGES", lambda r: len(r.get("config_changes") or []) if r.get("config_changes") is not None else None),
    ("USER", lambda r: r.get("user")),
    ("AWX JOB", lambda r: (r.get("awx") or {}).get("job_id")),
)


def format_table(records):
    """Text lines of a table of runs (newest first), for the history playbook."""
    rows = [[_cell(column[1](record)) for column in TABLE_COLUMNS] for record in records]
    headers = [column[0] for column in TABLE_COLUMNS]
    widths = [max([len(h)] + [len(row[i]) for row in rows]) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip()
    lines = [line, "  ".join("-" * w for w in widths)]
    lines.extend("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in rows)
    if not rows:
        lines.append("(no runs recorded)")
    return lines
