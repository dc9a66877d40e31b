# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Stand-in for the get-pip.py that ansible-test downloads to bootstrap pip in its virtual environments.

That download is not reachable from CI machines that only reach the package index, so tests/ci/tree.sh puts this
file in ansible-test's cache under the name it looks for. It installs pip from the interpreter's own bundled
wheel (ensurepip, run in a child process so its PIP_CONFIG_FILE=/dev/null does not leak into the pip config),
then runs ``pip install`` with the requested arguments, minus the get-pip-only flags.
"""

import subprocess
import sys

GET_PIP_ONLY = {"--no-setuptools", "--no-wheel"}


def main():
    subprocess.run([sys.executable, "-m", "ensurepip", "--upgrade"], check=True, stdout=subprocess.DEVNULL)
    args = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY]
    if args:
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check"] + args, check=True)


if __name__ == "__main__":
    main()
