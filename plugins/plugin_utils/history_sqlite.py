# -*- coding: utf-8 -*-

# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The ``sqlite`` history store: one local database file (controller-only).

- Versioned schema: ``PRAGMA user_version`` holds the version; ``MIGRATIONS[n]`` takes a database from
  version ``n`` to ``n + 1``. Each step runs in its own exclusive transaction that re-reads the version, so
  two processes opening an old database at once migrate it once. A database newer than this code is read but
  never written.
- Concurrency: WAL journal (readers never block the writer), a busy timeout instead of "database is locked"
  errors, one short connection per operation and ``BEGIN IMMEDIATE`` for every write, so two playbooks can
  record at the same time.
- Tables: ``runs`` (one row per run: indexed columns plus the whole record as JSON) and ``resources`` (one row
  per resource of a run, for SQL queries).
"""

import contextlib
import datetime
import json
import os
import sqlite3
import time

from ansible_collections.deltalake.aws.plugins.plugin_utils.history_record import isoformat
from ansible_collections.deltalake.aws.plugins.plugin_utils.history_record import mark_interrupted
from ansible_collections.deltalake.aws.plugins.plugin_utils.history_record import process_gone
from ansible_collections.deltalake.aws.plugins.plugin_utils.history_record import utcnow

BUSY_TIMEOUT = 30.0


def _v1(db):
    db.execute("""CREATE TABLE runs (
            run_id TEXT PRIMARY KEY,
            lake TEXT,
            started_at TEXT NOT NULL,
            ended_at TEXT,
            playbook TEXT,
            mode TEXT NOT NULL,
            outcome TEXT NOT NULL,
            config_hash TEXT,
            record TEXT NOT NULL
        )""")
    db.execute("CREATE INDEX runs_lake_started ON runs (lake, started_at)")
    db.execute("""CREATE TABLE resources (
            run_id TEXT NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            module TEXT,
            name TEXT,
            arn TEXT,
            changed INTEGER NOT NULL,
            failed INTEGER NOT NULL,
            message TEXT,
            changed_fields TEXT,
            PRIMARY KEY (run_id, seq)
        )""")


def _v2(db):
    """Drift and AWX job columns, so that "runs with drift" and "runs of AWX job N" are indexed queries;
    existing rows are back-filled from their JSON record."""
    db.execute("ALTER TABLE runs ADD COLUMN drift INTEGER NOT NULL DEFAULT 0")
    db.execute("ALTER TABLE runs ADD COLUMN awx_job_id TEXT")
    rows = db.execute("SELECT run_id, record FROM runs").fetchall()
    for run_id, text in rows:
        try:
            record = json.loads(text)
        except ValueError:
            continue
        db.execute(
            "UPDATE runs SET drift = ?, awx_job_id = ? WHERE run_id = ?",
            (1 if record.get("drift") else 0, (record.get("awx") or {}).get("job_id"), run_id),
        )
    db.execute("CREATE INDEX runs_lake_mode_outcome ON runs (lake, mode, outcome, started_at)")
    db.execute("CREATE INDEX runs_outcome ON runs (outcome)")


MIGRATIONS = (_v1, _v2)
SCHEMA_VERSION = len(MIGRATIONS)


class SchemaTooNew(Exception):
    """The database was written by a newer version of this collection."""


class SQLiteStore:
    """History in a local SQLite file; see the module docstring."""

    name = "sqlite"

    def __init__(self, path, stale_after=86400):
        self.path = os.path.expanduser(path)
        self.stale_after = stale_after
        self._ready = False
        self.read_only = False

    def describe(self):
        return f"sqlite:{self.path}"

    # ------------------------------------------------------------------ connections and schema

    @contextlib.contextmanager
    def _connect(self):
        directory = os.path.dirname(self.path)
        if directory and not os.path.isdir(directory):
            os.makedirs(directory, mode=0o700, exist_ok=True)
        if not os.path.exists(self.path):
            # history describes infrastructure: readable by its owner only
            os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
        db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT, isolation_level=None)
        try:
            db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT * 1000)}")
            db.execute("PRAGMA foreign_keys = ON")
            if not self._ready:
                self._migrate(db)
            yield db
        finally:
            db.close()

    def _migrate(self, db):
        self._use_wal(db)
        while True:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                self.read_only = True
                self._ready = True
                return
            if version == SCHEMA_VERSION:
                self._ready = True
                return
            db.execute("BEGIN EXCLUSIVE")
            try:
                if db.execute("PRAGMA user_version").fetchone()[0] == version:  # nobody migrated meanwhile
                    MIGRATIONS[version](db)
                    db.execute(f"PRAGMA user_version = {version + 1}")
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

    @staticmethod
    def _use_wal(db):
        # Switching to WAL needs an exclusive lock, and SQLite reports "database is locked" at once instead of
        # calling the busy handler when another process holds the file (two runs creating the store together),
        # so wait here the way busy_timeout would.
        deadline = time.monotonic() + BUSY_TIMEOUT
        delay = 0.01
        while True:
            try:
                if str(db.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
                    db.execute("PRAGMA journal_mode = WAL")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() >= deadline:
                    raise
                time.sleep(delay)
                delay = min(delay * 2, 0.25)

    def schema_version(self):
        with self._connect() as db:
            return db.execute("PRAGMA user_version").fetchone()[0]

    @contextlib.contextmanager
    def _write(self):
        with self._connect() as db:
            if self.read_only:
                raise SchemaTooNew(
                    f"{self.path} has schema version {db.execute('PRAGMA user_version').fetchone()[0]}, newer than "
                    f"{SCHEMA_VERSION} that this collection knows; not written (upgrade deltalake.aws)"
                )
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

    # ------------------------------------------------------------------ writing

    @staticmethod
    def _row(record):
        return (
            record["run_id"],
            record.get("lake"),
            record["started_at"],
            record.get("ended_at"),
            record.get("playbook"),
            record["mode"],
            record["outcome"],
            record.get("config_hash"),
            json.dumps(record, sort_keys=True, ensure_ascii=False),
            1 if record.get("drift") else 0,
            (record.get("awx") or {}).get("job_id"),
        )

    def _save(self, db, record):
        db.execute(
            """INSERT INTO runs (run_id, lake, started_at, ended_at, playbook, mode, outcome, config_hash, record,
                                 drift, awx_job_id)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT (run_id) DO UPDATE SET
                 lake = excluded.lake, ended_at = excluded.ended_at, playbook = excluded.playbook,
                 mode = excluded.mode, outcome = excluded.outcome, config_hash = excluded.config_hash,
                 record = excluded.record, drift = excluded.drift, awx_job_id = excluded.awx_job_id""",
            self._row(record),
        )
        db.execute("DELETE FROM resources WHERE run_id = ?", (record["run_id"],))
        db.executemany(
            """INSERT INTO resources (run_id, seq, module, name, arn, changed, failed, message, changed_fields)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [
                (
                    record["run_id"],
                    seq,
                    r.get("module"),
                    r.get("name"),
                    r.get("arn"),
                    1 if r.get("changed") else 0,
                    1 if r.get("failed") else 0,
                    r.get("message"),
                    json.dumps(r.get("changed_fields")) if r.get("changed_fields") is not None else None,
                )
                for seq, r in enumerate(record.get("resources") or [])
            ],
        )

    def begin(self, record):
        with self._write() as db:
            self._save(db, record)

    def start_run(self, record):
        """Mark runs whose process died as interrupted, then write this run's running record."""
        self.recover()
        self.begin(record)
        return []

    def finish_run(self, record):
        self.finish(record)
        return []

    def checkpoint(self, record):
        """Save a running record's progress, unless the run was already finished (or marked interrupted)."""
        with self._write() as db:
            row = db.execute("SELECT outcome FROM runs WHERE run_id = ?", (record["run_id"],)).fetchone()
            if row is None or row[0] == "running":
                self._save(db, record)

    def finish(self, record):
        with self._write() as db:
            self._save(db, record)

    def recover(self, now=None, me=None):
        """Mark ``running`` records whose process is gone as ``interrupted``; returns their run ids."""
        now = now or utcnow()
        with self._connect() as db:
            rows = db.execute("SELECT run_id, record FROM runs WHERE outcome = 'running'").fetchall()
        gone = []
        for run_id, text in rows:
            try:
                record = json.loads(text)
            except ValueError:
                continue
            if process_gone(record, self.stale_after, now=now, me=me):
                gone.append(mark_interrupted(record, now))
        if gone and not self.read_only:
            with self._write() as db:
                for record in gone:
                    # only if still running: the run may have finished since we looked
                    if db.execute(
                        "SELECT 1 FROM runs WHERE run_id = ? AND outcome = 'running'", (record["run_id"],)
                    ).fetchone():
                        self._save(db, record)
        return [r["run_id"] for r in gone]

    def prune(self, retention_days=0, retention_runs=0, lake=None, now=None):
        """Delete finished runs older than ``retention_days`` or beyond the newest ``retention_runs`` of each
        lake (0 disables a rule); running records are kept. Returns the deleted run ids."""
        now = now or utcnow()
        doomed = set()
        with self._connect() as db:
            if retention_days:
                cutoff = isoformat(now - datetime.timedelta(days=float(retention_days)))
                query = "SELECT run_id FROM runs WHERE outcome != 'running' AND started_at < ?"
                params = [cutoff]
                if lake is not None:
                    query += " AND lake IS ?"
                    params.append(lake)
                doomed.update(r[0] for r in db.execute(query, params))
            if retention_runs:
                lakes = [lake] if lake is not None else [r[0] for r in db.execute("SELECT DISTINCT lake FROM runs")]
                for name in lakes:
                    rows = db.execute(
                        "SELECT run_id FROM runs WHERE lake IS ? AND outcome != 'running' "
                        "ORDER BY started_at DESC, run_id DESC LIMIT -1 OFFSET ?",
                        (name, int(retention_runs)),
                    )
                    doomed.update(r[0] for r in rows)
        if doomed and not self.read_only:
            with self._write() as db:
                db.executemany("DELETE FROM runs WHERE run_id = ?", [(run_id,) for run_id in sorted(doomed)])
        return sorted(doomed)

    # ------------------------------------------------------------------ reading

    def iter_runs(self, lake=None, mode=None, outcome=None, drift=None):
        """Records, newest first, optionally filtered."""
        query, params = "SELECT record FROM runs WHERE 1 = 1", []
        for column, value in (("lake", lake), ("mode", mode), ("outcome", outcome)):
            if value is not None:
                query += f" AND {column} = ?"
                params.append(value)
        if drift is not None:
            query += " AND drift = ?"
            params.append(1 if drift else 0)
        query += " ORDER BY started_at DESC, run_id DESC"
        with self._connect() as db:
            rows = db.execute(query, params).fetchall()
        for (text,) in rows:
            try:
                yield json.loads(text)
            except ValueError:
                continue

    def get(self, run_id):
        with self._connect() as db:
            row = db.execute("SELECT record FROM runs WHERE run_id = ?", (run_id,)).fetchone()
        return json.loads(row[0]) if row else None

    def last_successful_deploy(self, lake):
        for record in self.iter_runs(lake=lake, mode="deploy", outcome="success"):
            return record
        return None
