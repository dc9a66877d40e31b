# -*- coding: utf-8 -*-

# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
name: deployment_history
type: notification
short_description: Record every run of the lake's playbooks in a deployment history
version_added: 0.1.0
description:
  - Records one history record per C(ansible-playbook) run, in a local SQLite database (default), in the
    lake's S3 bucket (one JSON object per run, queryable with Athena), or both.
  - 'A record holds: run id, start and end time, playbook, mode (V(deploy), V(check) for a C(--check) run whose
    changes are the drift, V(teardown)), outcome (V(success), V(failed), V(interrupted); V(running) while in
    progress), user and controller, the AWX / Automation Controller job when run there, the collection version,
    the lake name (C(datalake_name)), a redacted snapshot of the lake configuration and its hash, the settings
    changed since the last successful deploy, the cost estimate (fact C(datalake_cost_estimate)) when one was
    made, and for each resource a module touched: module, task, name and ARN, changed, failed with its message,
    and the changed fields from the diff (run with C(--diff)).'
  - Never recorded are whole task results, C(invocation), task arguments, extra vars, the environment or
    credentials. Secrets are replaced by a visible marker, see O(redact_keys) and O(redact_values).
  - At the start of a deploy or check run, the lake configuration is compared with the one of the last
    successful deploy of the same lake and the settings changed since are shown (on stderr), before any task
    runs.
  - Recording never fails a playbook. Store I/O runs on a background thread; problems become warnings. A record
    that could not be written to S3 stays in O(spool_dir) and is sent by a later run. A run killed before it
    could finish (SIGKILL, power loss) is recorded as V(interrupted) by the next run or read.
  - A play can switch recording off with the variable C(deployment_history_record=false); the
    C(deltalake.aws.history) playbook does.
author:
  - deltalake.aws developers (@deltalake-aws)
requirements:
  - Enabled in ansible.cfg (C(callbacks_enabled = deltalake.aws.deployment_history)) or with
    E(ANSIBLE_CALLBACKS_ENABLED).
  - boto3 and botocore on the controller for the V(s3) backend.
options:
  backend:
    description:
      - Where records go, V(sqlite) and/or V(s3); a list or a comma-separated string.
      - Config drift and interrupted runs are read from the first store listed.
    type: list
    elements: str
    default: [sqlite]
    env:
      - name: DELTALAKE_HISTORY_BACKEND
    ini:
      - section: callback_deployment_history
        key: backend
  redact_keys:
    description:
      - Regular expressions (case-insensitive, searched in the key) for more keys whose values are replaced by
        the redaction marker, in addition to the built-in ones (password, secret, token, private key, session,
        credential, API key, access key, authorization, cookie, signature).
    type: list
    elements: str
    default: []
    env:
      - name: DELTALAKE_HISTORY_REDACT_KEYS
    ini:
      - section: callback_deployment_history
        key: redact_keys
  redact_values:
    description:
      - Regular expressions for string values that are replaced by the redaction marker wherever they appear, in
        addition to AWS access key ids and private key blocks.
    type: list
    elements: str
    default: []
    env:
      - name: DELTALAKE_HISTORY_REDACT_VALUES
    ini:
      - section: callback_deployment_history
        key: redact_values
  config_prefixes:
    description: Variable name prefixes that make up the lake configuration.
    type: list
    elements: str
    default: [datalake_, network_, encryption_, storage_, catalog_, iam_, ingest_, crawl_, query_, governance_]
    env:
      - name: DELTALAKE_HISTORY_CONFIG_PREFIXES
    ini:
      - section: callback_deployment_history
        key: config_prefixes
  resource_collections:
    description:
      - Collections whose modules manage resources; their results are recorded per resource (a result with a
        top-level key holding C(name) or C(arn)). Failures of other tasks are recorded as failed tasks.
    type: list
    elements: str
    default: [deltalake.aws, amazon.aws, community.aws]
    env:
      - name: DELTALAKE_HISTORY_RESOURCE_COLLECTIONS
    ini:
      - section: callback_deployment_history
        key: resource_collections
  teardown_playbooks:
    description: Playbook file names whose runs are recorded with mode V(teardown).
    type: list
    elements: str
    default: [teardown.yml, teardown.yaml]
    env:
      - name: DELTALAKE_HISTORY_TEARDOWN_PLAYBOOKS
    ini:
      - section: callback_deployment_history
        key: teardown_playbooks
  show_config_drift:
    description: Whether to compare the lake configuration with the last successful deploy's at the start.
    type: bool
    default: true
    env:
      - name: DELTALAKE_HISTORY_SHOW_CONFIG_DRIFT
    ini:
      - section: callback_deployment_history
        key: show_config_drift
  record_user:
    description: Whether to record the controller user (the AWX user is recorded with the AWX job).
    type: bool
    default: true
    env:
      - name: DELTALAKE_HISTORY_RECORD_USER
    ini:
      - section: callback_deployment_history
        key: record_user
  record_controller:
    description:
      - Whether to record the controller's host name. A hash of it is always kept to detect interrupted runs.
    type: bool
    default: true
    env:
      - name: DELTALAKE_HISTORY_RECORD_CONTROLLER
    ini:
      - section: callback_deployment_history
        key: record_controller
  retention_days:
    description: Delete finished records older than this many days at the end of a run; V(0) keeps them.
    type: int
    default: 0
    env:
      - name: DELTALAKE_HISTORY_RETENTION_DAYS
    ini:
      - section: callback_deployment_history
        key: retention_days
  retention_runs:
    description:
      - Keep only the newest this many finished records (per lake in SQLite, per bucket and prefix in S3) at the
        end of a run; V(0) keeps all.
    type: int
    default: 0
    env:
      - name: DELTALAKE_HISTORY_RETENTION_RUNS
    ini:
      - section: callback_deployment_history
        key: retention_runs
  flush_timeout:
    description:
      - Seconds to wait at the end of the run for the records to be written. Unwritten S3 records stay in
        O(spool_dir).
    type: float
    default: 30
    env:
      - name: DELTALAKE_HISTORY_FLUSH_TIMEOUT
    ini:
      - section: callback_deployment_history
        key: flush_timeout
extends_documentation_fragment:
  - deltalake.aws.history_store
notes:
  - Enable with C(callbacks_enabled = deltalake.aws.deployment_history) under C([defaults]) in ansible.cfg;
    in AWX put that ansible.cfg in the project and use the V(s3) backend, since execution environments are
    ephemeral.
  - Changed fields come from the modules' C(changed_fields); their before and after values need C(--diff).
  - See docs/history.md for the S3 layout, the Athena table, retention and privacy.
seealso:
  - name: deltalake.aws.deployment_history lookup
    description: Read the history back.
    link: https://github.com/deltalake-aws/deltalake.aws/tree/main/docs/history.md
"""

import atexit
import copy
import functools
import getpass
import os
import socket
import sqlite3
import time

from ansible import constants as C
from ansible import context
from ansible.errors import AnsibleError
from ansible.module_utils.common.text.converters import to_text
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.callback import CallbackBase
from ansible.release import __version__ as ansible_version

from ansible_collections.deltalake.aws.plugins.plugin_utils.history_record import RECORD_VERSION
from ansible_collections.deltalake.aws.plugins.plugin_utils.history_record import collection_version
from ansible_collections.deltalake.aws.plugins.plugin_utils.history_record import compare_config
from ansible_collections.deltalake.aws.plugins.plugin_utils.history_record import config_hash
from ansible_collections.deltalake.aws.plugins.plugin_utils.history_record import isoformat
from ansible_collections.deltalake.aws.plugins.plugin_utils.history_record import new_run_id
from ansible_collections.deltalake.aws.plugins.plugin_utils.history_record import playbook_name
from ansible_collections.deltalake.aws.plugins.plugin_utils.history_record import process_identity
from ansible_collections.deltalake.aws.plugins.plugin_utils.history_record import render_config_changes
from ansible_collections.deltalake.aws.plugins.plugin_utils.history_record import resource_entry
from ansible_collections.deltalake.aws.plugins.plugin_utils.history_record import resource_key
from ansible_collections.deltalake.aws.plugins.plugin_utils.history_record import select_config
from ansible_collections.deltalake.aws.plugins.plugin_utils.history_record import summarize_resources
from ansible_collections.deltalake.aws.plugins.plugin_utils.history_record import truncate
from ansible_collections.deltalake.aws.plugins.plugin_utils.history_record import awx_info
from ansible_collections.deltalake.aws.plugins.plugin_utils.history_record import utcnow
from ansible_collections.deltalake.aws.plugins.plugin_utils.history_redact import MARKER
from ansible_collections.deltalake.aws.plugins.plugin_utils.history_redact import Redactor
from ansible_collections.deltalake.aws.plugins.plugin_utils.history_store import BackgroundWriter
from ansible_collections.deltalake.aws.plugins.plugin_utils.history_store import make_store
from ansible_collections.deltalake.aws.plugins.plugin_utils.history_store import parse_backends
from ansible_collections.deltalake.aws.plugins.plugin_utils.history_s3 import StoreError

try:
    from ansible.template import Templar
except ImportError:  # pragma: no cover
    Templar = None

COST_FACT = "datalake_cost_estimate"
SWITCH_VAR = "deployment_history_record"
CHECKPOINT_INTERVAL = 0.25  # seconds between progress saves of a running record (local stores, background)
HEARTBEAT_INTERVAL = 300.0  # seconds between updates of the S3 running marker


def _never_raise(method):
    """Callback entry points: a recording problem becomes one warning and recording stops; the playbook goes on."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        if self._broken:
            return None
        try:
            return method(self, *args, **kwargs)
        except Exception as e:  # pylint: disable=broad-exception-caught
            # A callback exception would be shown as an error for every event; the history must never get in
            # the way of a deploy, so any failure here disables recording for the rest of the run.
            self._broken = True
            self._warn(
                f"deployment history disabled for this run after an internal error in {method.__name__}: "
                f"{type(e).__name__}: {self._redactor.scrub_text(str(e)) if self._redactor else ''}"
            )
            return None

    return wrapper


class CallbackModule(CallbackBase):
    """Record each playbook run; see DOCUMENTATION."""

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "notification"
    CALLBACK_NAME = "deltalake.aws.deployment_history"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, display=None, options=None):
        super().__init__(display=display, options=options)
        self._broken = False
        self._disabled = False
        self._record = None
        self._redactor = None
        self._stores = []
        self._writer = BackgroundWriter()
        self._started = None
        self._playbook = None
        self._config_vars = None
        self._previous = None
        self._cost_estimate = None
        self._dirty = False
        self._last_checkpoint = 0.0
        self._last_heartbeat = 0.0
        self._finished = False
        self._atexit = False

    # ------------------------------------------------------------------ helpers

    def _warn(self, message):
        self._display.warning(f"deltalake.aws.deployment_history: {message}")

    def _flush_warnings(self):
        scrub = self._redactor.scrub_text if self._redactor else str
        for message in self._writer.take_warnings():
            self._warn(scrub(message))
        for note in self._writer.take_notes():
            self._display.vvv(f"deltalake.aws.deployment_history: {scrub(note)}")

    def _opt(self, name):
        return self.get_option(name)

    @property
    def _active(self):
        return self._record is not None and not self._disabled and not self._finished

    @staticmethod
    def _play_variables(play):
        """The variables of the play for its first host (role defaults, inventory, play vars, extra vars)."""
        manager = play.get_variable_manager()
        host = None
        inventory = getattr(manager, "_inventory", None)  # no public accessor; ARA reads it the same way
        if inventory is not None:
            try:
                hosts = inventory.get_hosts(play.hosts)
            except AnsibleError:
                hosts = []  # play-level variables only
            host = hosts[0] if hosts else None
        return manager.get_vars(play=play, host=host, include_hostvars=False)

    @staticmethod
    def _template(play, variables, value):
        """Template one simple setting (lake name, bucket, region) given as a Jinja expression."""
        if not isinstance(value, str) or "{{" not in value or Templar is None:
            return value
        try:
            result = Templar(loader=play.get_loader(), variables=variables).template(value)
        except AnsibleError:
            return value
        return to_text(result) if result is not None else None

    # ------------------------------------------------------------------ run start

    @_never_raise
    def v2_playbook_on_start(self, playbook):
        self._started = utcnow()
        self._playbook = getattr(playbook, "_file_name", None)

    @_never_raise
    def v2_playbook_on_play_start(self, play):
        if self._disabled or self._finished:
            return
        if self._record is None:
            self._start(play)
        elif self._record.get("lake") is None:
            variables = self._play_variables(play)
            if variables.get("datalake_name"):
                self._set_lake(play, variables)

    def _start(self, play):
        variables = self._play_variables(play)
        switch = variables.get(SWITCH_VAR, True)
        if not boolean(switch, strict=False):
            self._disabled = True
            return
        try:
            self._redactor = Redactor(self._opt("redact_keys"), self._opt("redact_values"))
            backends = parse_backends(self._opt("backend"))
        except ValueError as e:
            self._disabled = True
            self._warn(f"not recording: {e}")
            return
        self._redactor.learn_environment()

        started = self._started or utcnow()
        check_mode = bool(context.CLIARGS.get("check"))
        basename = os.path.basename(self._playbook or "")
        if basename in (self._opt("teardown_playbooks") or []):
            mode = "teardown"
        elif check_mode:
            mode = "check"
        else:
            mode = "deploy"
        controller = socket.gethostname()
        self._record = {
            "record_version": RECORD_VERSION,
            "run_id": new_run_id(started),
            "started_at": isoformat(started),
            "updated_at": isoformat(utcnow()),
            "ended_at": None,
            "duration_seconds": None,
            "playbook": playbook_name(self._playbook),
            "mode": mode,
            "check_mode": check_mode,
            "diff_mode": bool(context.CLIARGS.get("diff")),
            "outcome": "running",
            "user": getpass.getuser() if self._opt("record_user") else MARKER,
            "controller": controller if self._opt("record_controller") else MARKER,
            "process": process_identity(),
            "awx": awx_info(os.environ, variables),
            "collection_version": collection_version(),
            "ansible_version": ansible_version,
            "lake": None,
            "config": None,
            "config_hash": None,
            "config_changes": None,
            "compared_with": None,
            "redacted_keys": [],
            "cost_estimate": None,
            "resources": [],
            "failed_tasks": [],
            "summary": summarize_resources([]),
            "drift": False,
        }
        self._backends = backends
        if variables.get("datalake_name"):
            self._set_lake(play, variables)
        else:
            self._begin(self._open_stores(play, variables))
            self._flush_warnings()
        if not self._atexit:
            atexit.register(self._at_exit)
            self._atexit = True

    def _set_lake(self, play, variables):
        """The lake is known (first play, or a later one when the first had no ``datalake_name``): snapshot its
        configuration, open the stores that need the lake (s3), show the config drift, start the run there."""
        lake = self._template(play, variables, variables.get("datalake_name"))
        self._record["lake"] = self._redactor.scrub_text(lake) if lake is not None else None
        self._config_vars = select_config(variables, self._opt("config_prefixes") or ())
        new_stores = self._open_stores(play, variables)
        if self._record["mode"] != "teardown" and self._opt("show_config_drift"):
            self._check_config_drift()
        self._begin(new_stores)
        self._flush_warnings()

    def _open_stores(self, play, variables):
        """Open the configured stores not opened yet; returns the new ones. Without a lake and without
        ``s3_bucket`` the s3 store waits for a play that names the lake."""
        lake = self._record.get("lake")
        data_bucket = self._template(play, variables, variables.get("storage_data_bucket"))
        region = self._template(play, variables, variables.get("datalake_region"))
        user_agent = f"deltalake.aws/{self._record.get('collection_version')} deployment_history"
        names = ("db_path", "s3_bucket", "s3_prefix", "s3_region", "s3_endpoint_url", "s3_profile", "spool_dir")
        options = {name: self._opt(name) for name in names + ("stale_after",)}
        opened = {store.name for store in self._stores}
        new_stores = []
        for backend in self._backends:
            if backend in opened:
                continue
            if backend == "s3" and not lake and not options["s3_bucket"]:
                self._display.vvv("deltalake.aws.deployment_history: s3 backend waits for a play with datalake_name")
                continue
            try:
                new_stores.append(
                    make_store(
                        backend, options, lake=lake, data_bucket=data_bucket, region=region, user_agent=user_agent
                    )
                )
            except (StoreError, ValueError) as e:
                self._warn(f"{backend} backend not used: {e}")
        self._stores.extend(new_stores)
        return new_stores

    def _check_config_drift(self):
        """Compare the lake configuration with the last successful deploy's and show what changed."""
        lake = self._record["lake"]
        for store in self._stores:
            try:
                previous = store.last_successful_deploy(lake)
            except (StoreError, sqlite3.Error, OSError, ValueError) as e:
                self._warn(f"config drift not checked, {store.describe()} unreadable: {e}")
                continue
            break
        else:
            return
        if not previous or not isinstance(previous.get("config"), dict):
            self._display.v(f"deltalake.aws.deployment_history: no successful deploy of lake {lake!r} recorded yet")
            return
        self._previous = {k: previous.get(k) for k in ("run_id", "started_at", "config", "redacted_keys")}
        # settings redacted in that run (values learned from no_log options) are redacted from the start now
        self._redactor.secret_keys.update(previous.get("redacted_keys") or [])
        current = self._redactor.redact(self._config_vars)
        changes = compare_config(previous["config"], current)
        self._record["compared_with"] = previous.get("run_id")
        self._record["config_changes"] = changes
        if changes:
            self._display.display(render_config_changes(lake, changes, previous), color=C.COLOR_CHANGED, stderr=True)
        else:
            self._display.v(
                f"deltalake.aws.deployment_history: lake {lake!r} configuration unchanged since run "
                f"{previous.get('run_id')}"
            )

    def _snapshot(self):
        record = copy.deepcopy(self._record)
        record["updated_at"] = isoformat(utcnow())
        record["resources"] = self._redactor.scrub(record["resources"])
        record["failed_tasks"] = self._redactor.scrub(record["failed_tasks"])
        record["summary"] = summarize_resources(record["resources"])
        # the configuration is stored with the final record only, when every secret of the run is known
        record["config_changes"] = (
            None if record["config_changes"] is None else [c["key"] for c in record["config_changes"]]
        )
        return record

    def _begin(self, stores):
        record = self._snapshot()
        for store in stores:
            self._writer.submit(f"starting run {record['run_id']} in {store.describe()}", store.start_run, record)
        self._last_checkpoint = self._last_heartbeat = time.monotonic()

    # ------------------------------------------------------------------ progress

    def _checkpoint(self, force=False):
        if not self._active or not self._stores or not self._dirty:
            return
        now = time.monotonic()
        if not force and now - self._last_checkpoint < CHECKPOINT_INTERVAL:
            return
        heartbeat = now - self._last_heartbeat >= HEARTBEAT_INTERVAL
        record = self._snapshot()
        for store in self._stores:
            if store.name == "s3":
                func = store.checkpoint if not heartbeat else functools.partial(store.checkpoint, heartbeat=True)
            else:
                func = store.checkpoint
            self._writer.checkpoint(store.describe(), f"saving progress to {store.describe()}", func, record)
        self._dirty = False
        self._last_checkpoint = now
        if heartbeat:
            self._last_heartbeat = now

    @_never_raise
    def v2_playbook_on_task_start(self, task, is_conditional):
        self._checkpoint()
        self._flush_warnings()

    @_never_raise
    def v2_playbook_on_handler_task_start(self, task):
        self._checkpoint()
        self._flush_warnings()

    # ------------------------------------------------------------------ results

    def _module_of(self, task):
        if task.loop or getattr(task, "loop_with", None):
            return task.action  # resolved_action is not reliable on loop results (it warns)
        return task.resolved_action or task.action

    def _is_resource_module(self, module):
        module = str(module or "")
        return any(module.startswith(f"{name}.") for name in (self._opt("resource_collections") or []))

    def _on_result(self, result, failed=False, ignored=False, unreachable=False):
        if not self._active:
            return
        data = result.result
        task = result.task
        host = result.host.get_name()
        module = self._module_of(task)
        task_name = result.task_name
        no_log = bool(data.get("_ansible_no_log")) or bool(task.no_log)
        looped = isinstance(data.get("results"), list)
        items = [i for i in data["results"] if isinstance(i, dict)] if looped else [data]
        task_args = None if looped else task.args
        for item in items:
            invocation = item.get("invocation") if isinstance(item.get("invocation"), dict) else {}
            self._redactor.learn_task(task.args, invocation.get("module_args"))
            facts = item.get("ansible_facts")
            if not no_log and isinstance(facts, dict) and COST_FACT in facts:
                self._cost_estimate = facts[COST_FACT]
            if item.get("skipped"):
                continue
            # core strips `failed` from a task's own result (the event says it); loop items keep theirs
            item_failed = bool(item.get("failed")) if looped else (failed or unreachable)
            # a no_log result is censored: it cannot say whether it is a resource, so its status is kept
            if self._is_resource_module(module) and (item_failed or no_log or resource_key(item) is not None):
                if no_log:
                    entry = {
                        "module": module,
                        "task": task_name,
                        "host": host,
                        "resource_type": None,
                        "name": None,
                        "arn": None,
                        "changed": bool(item.get("changed")),
                        "failed": item_failed,
                        "ignored": bool(ignored and item_failed),
                        "message": MARKER if item_failed else None,
                        "changed_fields": None,
                        "no_log": True,
                    }
                else:
                    entry = resource_entry(
                        module, task_name, host, dict(item, failed=item_failed), task_args=task_args, ignored=ignored
                    )
                self._record["resources"].append(self._redactor.scrub(entry))
                self._dirty = True
            elif item_failed:
                message = (
                    MARKER if no_log else truncate(item.get("msg") or ("host unreachable" if unreachable else None))
                )
                self._record["failed_tasks"].append(
                    self._redactor.scrub(
                        {
                            "task": task_name,
                            "module": module,
                            "host": host,
                            "message": message,
                            "ignored": bool(ignored),
                            "unreachable": unreachable,
                        }
                    )
                )
                self._dirty = True

    @_never_raise
    def v2_runner_on_ok(self, result):
        self._on_result(result)

    @_never_raise
    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._on_result(result, failed=True, ignored=ignore_errors)

    @_never_raise
    def v2_runner_on_unreachable(self, result):
        self._on_result(result, unreachable=True)

    # ------------------------------------------------------------------ run end

    @_never_raise
    def v2_playbook_on_stats(self, stats):
        if not self._active:
            return
        failed = any(stats.failures.get(h) or stats.dark.get(h) for h in stats.processed)
        self._finish("failed" if failed else "success")

    def _at_exit(self):
        if self._active and not self._broken:
            try:
                self._finish("interrupted")
            except Exception:  # pylint: disable=broad-exception-caught
                pass  # the interpreter is exiting: the running record is turned into "interrupted" later

    def _finish(self, outcome):
        self._finished = True
        ended = utcnow()
        record = self._snapshot()
        record["outcome"] = outcome
        record["ended_at"] = isoformat(ended)
        record["updated_at"] = record["ended_at"]
        record["duration_seconds"] = round((ended - (self._started or ended)).total_seconds(), 3)
        if self._config_vars is not None:
            self._redactor.redacted_paths.clear()
            config = self._redactor.redact(self._config_vars)
            record["redacted_keys"] = sorted(p for p in self._redactor.redacted_paths if p)
            record["config"] = config
            record["config_hash"] = config_hash(config)
            if self._previous is not None:
                previous_config = self._redactor.scrub(self._previous["config"])
                record["config_changes"] = compare_config(previous_config, config)
        if self._cost_estimate is not None:
            record["cost_estimate"] = self._redactor.redact(self._cost_estimate)
        record["summary"] = summarize_resources(record["resources"])
        record["drift"] = record["mode"] == "check" and record["summary"]["changed"] > 0
        retention_days, retention_runs = self._opt("retention_days") or 0, self._opt("retention_runs") or 0
        for store in self._stores:
            self._writer.submit(f"writing run {record['run_id']} to {store.describe()}", store.finish_run, record)
            if retention_days or retention_runs:
                self._writer.submit(
                    f"pruning {store.describe()}", store.prune, retention_days, retention_runs, record.get("lake")
                )
        timeout = float(self._opt("flush_timeout") or 0)
        if not self._writer.drain(timeout):
            where = ", ".join(s.describe() for s in self._stores)
            self._warn(
                f"run {record['run_id']} not fully written to {where} within {timeout:g} s; S3 records stay "
                f"in the spool directory and are sent by a later run"
            )
        self._flush_warnings()
