# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Generated documentation stays in step with what it is generated from."""

import os
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
sys.path.insert(0, os.path.join(ROOT, "docs", "tools"))

import lake_variables  # noqa: E402  pylint: disable=wrong-import-position


def test_lake_configuration_page_matches_the_role_argument_specs():
    with open(os.path.join(ROOT, "docs", "lake-configuration.md"), encoding="utf-8") as handle:
        assert handle.read() == lake_variables.render(), "run: python docs/tools/lake_variables.py > docs/lake-configuration.md"
