# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Preview the next release's changelog: run ``antsibull-changelog release`` in a copy of the collection, so that
the repository's changelogs/changelog.yaml and fragments stay as they are (cutting a release is a maintainer's
step), and return CHANGELOG.rst. ``python docs/tools/changelog_preview.py [OUT]`` writes it to OUT
(default build/CHANGELOG.rst); ``make changelog`` runs that."""

import os
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# What antsibull-changelog reads: galaxy.yml (name, version), the fragments and config, and the plugins, whose
# version_added announces new modules and plugins (it runs ansible-doc on the copy).
COPIED = ("galaxy.yml", "README.md", "meta", "plugins", "roles", "changelogs")


def release(root, dest):
    """Cut the release described by galaxy.yml's version in dest (a fresh copy of root); return CHANGELOG.rst."""
    os.makedirs(dest)
    for name in COPIED:
        source = os.path.join(root, name)
        if os.path.isdir(source):
            shutil.copytree(source, os.path.join(dest, name), ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, dest)
    env = dict(os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    completed = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), "antsibull-changelog"), "release"],
        cwd=dest, env=env, capture_output=True, text=True, check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"antsibull-changelog release failed:\n{completed.stdout}\n{completed.stderr}")
    with open(os.path.join(dest, "CHANGELOG.rst"), encoding="utf-8") as handle:
        return handle.read()


def main():
    import tempfile  # pylint: disable=import-outside-toplevel

    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build", "CHANGELOG.rst")
    with tempfile.TemporaryDirectory(prefix="changelog-") as work:
        text = release(ROOT, os.path.join(work, "collection"))
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    with open(out, "w", encoding="utf-8") as handle:
        handle.write(text)
    print(f"{out}: the changelog of the next release (not committed; the repository's changelog is unchanged)")


if __name__ == "__main__":
    main()
