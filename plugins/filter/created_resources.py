# -*- coding: utf-8 -*-

# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
name: created_resources
short_description: The resources that a registered deltalake.aws task created
version_added: 0.1.0
description:
  - Takes the registered result of a C(deltalake.aws) module task (a loop's too) and returns one entry per resource
    that the task created in this run, in creation order, each with C(kind) (the module), C(identity) (the
    arguments that name the resource for O(ignore:state=absent)) and a readable C(label).
  - The C(datalake) role collects these entries so that C(datalake_rollback_on_failure) deletes exactly what the
    run created; a resource that existed before the run is never listed.
author:
  - deltalake.aws developers (@deltalake-aws)
options:
  _input:
    description: A registered task result.
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Remember what the bucket task created
  ansible.builtin.set_fact:
    datalake_created: "{{ datalake_created + (bucket_result | deltalake.aws.created_resources) }}"
"""

RETURN = r"""
_value:
  description: The created resources, in creation order.
  type: list
  elements: dict
  sample: [{"kind": "s3_bucket", "identity": {"name": "acme-data"}, "label": "s3_bucket acme-data"}]
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.deltalake.aws.plugins.plugin_utils.lake_results import created_resources


def _created_resources(result):
    if not isinstance(result, dict):
        raise AnsibleFilterError(f"created_resources: expected a registered task result, not {type(result).__name__}")
    return created_resources(result)


class FilterModule:
    def filters(self):
        return {"created_resources": _created_resources}
