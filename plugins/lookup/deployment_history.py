# -*- coding: utf-8 -*-

# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
name: deployment_history
short_description: Read the deployment history recorded by the deltalake.aws.deployment_history callback
version_added: 0.1.0
description:
  - Reads the records that the C(deltalake.aws.deployment_history) callback wrote, from the same store and
    with the same settings (environment variables and C([callback_deployment_history]) in ansible.cfg).
  - Each term is a query and gives one value. V(runs) is the newest O(limit) runs (summaries),
    V(last_deploy) the last successful deploy in full (V({}) when there is none), V(drift) the newest O(limit)
    check runs that found drift (summaries), V(run) the run O(run_id) in full, V(table) the newest O(limit)
    runs as lines of a text table.
  - A run still marked V(running) whose process is gone is reported as V(interrupted) (the SQLite store also
    records that).
author:
  - deltalake.aws developers (@deltalake-aws)
options:
  _terms:
    description: Queries, V(runs), V(last_deploy), V(drift), V(run) or V(table).
    type: list
    elements: str
    required: true
  lake:
    description:
      - Only runs of this lake (C(datalake_name)). All lakes when not set.
      - Needed for the V(s3) backend unless O(s3_bucket) is set, to find C(<lake>-data).
    type: str
    vars:
      - name: datalake_name
  limit:
    description: How many runs V(runs), V(drift) and V(table) return; V(0) for all.
    type: int
    default: 10
  run_id:
    description: The run that the V(run) query returns.
    type: str
  backend:
    description:
      - The store to read, V(sqlite) or V(s3). With a list (as the callback takes), the first one is read.
    type: list
    elements: str
    default: [sqlite]
    env:
      - name: DELTALAKE_HISTORY_BACKEND
    ini:
      - section: callback_deployment_history
        key: backend
extends_documentation_fragment:
  - deltalake.aws.history_store
notes:
  - Reading the V(s3) backend lists the prefix and reads one object per run returned; the AWS SDK's
    credential chain is used.
"""

EXAMPLES = r"""
- name: Show the last five runs of the lake
  ansible.builtin.debug:
    msg: "{{ lookup('deltalake.aws.deployment_history', 'runs', limit=5, lake='acme') }}"

- name: Fail when the lake drifted since the last check
  ansible.builtin.assert:
    that: lookup('deltalake.aws.deployment_history', 'drift', limit=1, lake='acme') | length == 0

- name: Compare the configuration with the last successful deploy
  ansible.builtin.set_fact:
    last_deploy: "{{ lookup('deltalake.aws.deployment_history', 'last_deploy', lake='acme') }}"

- name: Read one run in full from the lake's bucket
  ansible.builtin.debug:
    msg: "{{ lookup('deltalake.aws.deployment_history', 'run', run_id=history_run_id, backend='s3', lake='acme') }}"
"""

RETURN = r"""
_raw:
  description:
    - One value per term. V(runs) and V(drift) give lists of run summaries (run_id, started_at, ended_at,
      duration_seconds, playbook, mode, check_mode, outcome, user, controller, collection_version, lake,
      config_hash, config_changes (the changed keys), summary, drift, awx, cost_estimate); V(last_deploy) and
      V(run) give a whole record (adds config, resources, failed_tasks, redacted_keys); V(table) gives text lines.
  type: list
  elements: raw
"""

import sqlite3

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase

from ansible_collections.deltalake.aws.plugins.plugin_utils.history_record import summarize
from ansible_collections.deltalake.aws.plugins.plugin_utils.history_s3 import StoreError
from ansible_collections.deltalake.aws.plugins.plugin_utils.history_store import drift_runs
from ansible_collections.deltalake.aws.plugins.plugin_utils.history_store import format_table
from ansible_collections.deltalake.aws.plugins.plugin_utils.history_store import last_runs
from ansible_collections.deltalake.aws.plugins.plugin_utils.history_store import make_store
from ansible_collections.deltalake.aws.plugins.plugin_utils.history_store import parse_backends

QUERIES = ("runs", "last_deploy", "drift", "run", "table")


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        try:
            backend = parse_backends(self.get_option("backend"))[0]
        except ValueError as e:
            raise AnsibleLookupError(str(e)) from e
        lake = self.get_option("lake") or None
        limit = self.get_option("limit")
        if limit is None or int(limit) < 0:
            raise AnsibleLookupError("limit must be 0 (all) or a positive number")
        limit = int(limit)
        options = {
            name: self.get_option(name)
            for name in (
                "db_path",
                "s3_bucket",
                "s3_prefix",
                "s3_region",
                "s3_endpoint_url",
                "s3_profile",
                "spool_dir",
                "stale_after",
            )
        }
        try:
            store = make_store(backend, options, lake=lake)
        except (StoreError, ValueError) as e:
            raise AnsibleLookupError(f"deployment history: {e}") from e

        if store.name == "sqlite":
            try:
                store.recover()  # runs whose process died are recorded as interrupted
            except (sqlite3.Error, OSError) as e:
                raise AnsibleLookupError(f"deployment history ({store.describe()}): {e}") from e

        results = []
        for term in terms:
            query = str(term).strip()
            if query not in QUERIES:
                raise AnsibleLookupError(f"unknown deployment history query {query!r}; use one of {', '.join(QUERIES)}")
            try:
                results.append(self._query(store, query, lake, limit))
            except StoreError as e:
                raise AnsibleLookupError(f"deployment history ({store.describe()}): {e}") from e
            except (sqlite3.Error, OSError, ValueError) as e:
                raise AnsibleLookupError(f"deployment history ({store.describe()}): {e}") from e
        return results

    def _query(self, store, query, lake, limit):
        if query == "runs":
            return [summarize(r) for r in last_runs(store, limit, lake)]
        if query == "drift":
            return [summarize(r) for r in drift_runs(store, limit, lake)]
        if query == "table":
            return format_table(last_runs(store, limit, lake))
        if query == "last_deploy":
            return store.last_successful_deploy(lake) or {}
        run_id = self.get_option("run_id")
        if not run_id:
            raise AnsibleLookupError("the 'run' query needs run_id")
        record = store.get(str(run_id))
        if record is None:
            raise AnsibleLookupError(f"no run {run_id} in {store.describe()}")
        return record
