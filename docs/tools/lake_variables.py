#!/usr/bin/env python
# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Render the variables of the lake configuration (docs/lake-configuration.md) from the roles' argument specs, so
that the page cannot drift from what the roles validate. `python docs/tools/lake_variables.py > docs/lake-configuration.md`."""

import os
import re
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ROLES = ["datalake", "network", "encryption", "storage", "catalog", "iam", "ingest", "crawl", "query", "governance"]

HEADER = """# The lake configuration

One lake is described by one vars file, passed as `-e @lake.yml` (or, for several lakes, as the host variables of
one inventory host per lake). These are the variables of the `deltalake.aws.datalake` role and its component
roles; optional parts are off unless their `*_enabled` variable is true. Each role validates its variables before
it runs (`ansible-doc -t role deltalake.aws.<role>` shows the same), and the `datalake` role checks the
combinations a specification cannot express before any AWS call, naming the variable to fix.

The cost estimate (`deltalake.aws.cost_estimate`) and the deployment history callback read the same variables.
This page is generated from the roles' `meta/argument_specs.yml` by `docs/tools/lake_variables.py`.
"""


def markdown(text):
    """Ansible doc markup to Markdown: O(x), V(x), C(x), M(x), P(x) become code; I(x) stays text."""
    text = re.sub(r"\b[OVCMP]\(([^()]*(?:\([^()]*\))?[^()]*)\)", r"`\1`", text)
    return re.sub(r"\bI\(([^)]*)\)", r"\1", text)


def cell(value):
    text = " ".join(value) if isinstance(value, list) else str(value)
    return markdown(text).replace("|", "\\|").replace("\n", " ")


def render():
    out = [HEADER]
    for role in ROLES:
        with open(os.path.join(ROOT, "roles", role, "meta", "argument_specs.yml"), encoding="utf-8") as handle:
            spec = yaml.safe_load(handle)["argument_specs"]["main"]
        out.append(f"\n## {role}: {spec['short_description']}\n")
        out.append("| variable | type | default | meaning |")
        out.append("|---|---|---|---|")
        for name, option in spec["options"].items():
            if name == "datalake_name" and role != "datalake":
                continue
            default = "(required)" if option.get("required") else option.get("default", "")
            if isinstance(default, (list, dict)):
                default = yaml.safe_dump(default, default_flow_style=True).strip()
            kind = option.get("type", "str") + (f" of {option['elements']}" if option.get("elements") else "")
            default = "(required)" if default == "(required)" else f"`{cell(default) or chr(34) * 2}`"
            out.append(f"| `{name}` | {kind} | {default} | {cell(option.get('description', ''))} |")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
