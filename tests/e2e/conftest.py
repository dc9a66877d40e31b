# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "emulator"))

from fixtures import aws  # noqa: E402,F401  pylint: disable=unused-import,wrong-import-position
from fixtures import aws_env  # noqa: E402,F401  pylint: disable=unused-import,wrong-import-position
from fixtures import emulator  # noqa: E402,F401  pylint: disable=unused-import,wrong-import-position
from fixtures import run_playbook  # noqa: E402,F401  pylint: disable=unused-import,wrong-import-position
