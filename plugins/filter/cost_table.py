# -*- coding: utf-8 -*-

# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
name: cost_table
short_description: Cost estimates side by side as a text table
version_added: 0.1.0
description:
  - Renders a list of estimates returned by the P(deltalake.aws.cost_estimate#lookup) lookup as a text table,
    one column per estimate (scenario), one row per line item, and the monthly total.
  - A line item a configuration does not deploy shows as C(off).
author:
  - deltalake.aws developers (@deltalake-aws)
options:
  _input:
    description: Estimates from P(deltalake.aws.cost_estimate#lookup), usually from C(query()).
    type: list
    elements: dict
    required: true
"""

EXAMPLES = r"""
- name: Print the three scenarios of the lake side by side
  ansible.builtin.debug:
    msg: "{{ query('deltalake.aws.cost_estimate', 'light', 'medium', 'heavy') | deltalake.aws.cost_table }}"
"""

RETURN = r"""
_value:
  description: The table, one string per row.
  type: list
  elements: str
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.deltalake.aws.plugins.plugin_utils import pricing


def cost_table(estimates):
    if isinstance(estimates, dict):
        estimates = [estimates]
    if not isinstance(estimates, (list, tuple)):
        raise AnsibleFilterError(f"cost_table expects a list of cost estimates, got {type(estimates).__name__}")
    try:
        return pricing.render_table(list(estimates))
    except (KeyError, TypeError) as e:
        raise AnsibleFilterError(f"cost_table expects estimates from deltalake.aws.cost_estimate: {e}") from e


class FilterModule:
    def filters(self):
        return {"cost_table": cost_table}
