# -*- coding: utf-8 -*-

# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
name: drift_entries
short_description: The drift a check run of deltalake.aws tasks found, one entry per setting
version_added: 0.1.0
description:
  - Takes a list of registered results of C(deltalake.aws) module tasks run in check mode and returns one entry per
    setting that differs from the lake configuration, with C(resource), C(module), C(field), C(expected) (what the
    configuration asks for) and C(actual) (what AWS has; null where the resource does not exist).
  - Values come from the modules' diff, so run the check with C(--diff); without it the entries name the fields and
    say C(values=run with --diff).
author:
  - deltalake.aws developers (@deltalake-aws)
options:
  _input:
    description: Registered task results.
    type: list
    elements: dict
    required: true
"""

EXAMPLES = r"""
- name: Write the drift report
  ansible.builtin.copy:
    content: "{{ {'drift': [bucket_result, database_result] | deltalake.aws.drift_entries} | to_nice_json }}"
    dest: drift.json
    mode: "0644"
  check_mode: false
"""

RETURN = r"""
_value:
  description: The drifted settings.
  type: list
  elements: dict
  sample: [{"resource": "s3_bucket acme-data", "module": "s3_bucket", "field": "versioning", "expected": true, "actual": false}]
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.deltalake.aws.plugins.plugin_utils.lake_results import drift_entries


def _drift_entries(results):
    if not isinstance(results, (list, tuple)):
        raise AnsibleFilterError(f"drift_entries: expected a list of registered task results, not {type(results).__name__}")
    return drift_entries(results)


class FilterModule:
    def filters(self):
        return {"drift_entries": _drift_entries}
