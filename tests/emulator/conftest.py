# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from fixtures import aws  # noqa: F401  pylint: disable=unused-import
from fixtures import aws_env  # noqa: F401  pylint: disable=unused-import
from fixtures import emulator  # noqa: F401  pylint: disable=unused-import
from fixtures import run_playbook  # noqa: F401  pylint: disable=unused-import
