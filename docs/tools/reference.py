# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Render the module and plugin reference (docs/reference/) with antsibull-docs from the installed collection's
own documentation (DOCUMENTATION, EXAMPLES and RETURN of every module and plugin, the roles' argument specs),
plus a Markdown index. ``python docs/tools/reference.py [COLLECTIONS_PATH]`` (default build/collections, which
``make collection`` fills from the tarball); ``make docs`` runs it, and tests/e2e/test_release.py checks that the
committed pages are current.

antsibull-docs writes a page saying "was malformed" for documentation it cannot validate. A malformed module or
plugin page is an error; a role whose argument spec it rejects (a ``default`` that is an expression rather than
a value) is listed in the index with the reason, and documented by ``ansible-doc -t role`` and
docs/lake-configuration.md."""

import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REFERENCE = os.path.join(ROOT, "docs", "reference")
COLLECTION = "deltalake.aws"
MALFORMED = "was malformed."
KINDS = [("module", "Modules"), ("lookup", "Lookup plugins"), ("filter", "Filter plugins"), ("callback", "Callback plugins"),
         ("role", "Roles")]


def antsibull_docs(collections_path, dest):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections_path, ANSIBLE_NOCOLOR="1")
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    command = [os.path.join(os.path.dirname(sys.executable), "antsibull-docs"), "collection", "--use-current",
               "--squash-hierarchy", "--output-format", "simplified-rst", "--no-add-antsibull-docs-version",
               "--dest-dir", dest, COLLECTION]
    completed = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise RuntimeError(f"antsibull-docs failed:\n{completed.stdout}\n{completed.stderr}")


def title(page):
    """'deltalake.aws.kms_key module -- Manage ...' -> 'Manage ...' (RST escapes removed)."""
    heading = next(line for line in page.splitlines() if line.startswith(f"{COLLECTION}."))
    summary = heading.split(" -- ", 1)[1] if " -- " in heading else ""
    return re.sub(r"\\(.)", r"\1", summary)


def index(pages, malformed_roles):
    out = [
        "# Module and plugin reference",
        "",
        "Generated with [antsibull-docs](https://github.com/ansible-community/antsibull-docs) from the documentation in",
        "the collection's code (`DOCUMENTATION`, `EXAMPLES` and `RETURN` of each module and plugin, the roles'",
        "`meta/argument_specs.yml`) by `make docs` (`docs/tools/reference.py`); do not edit these files. A test",
        "(`tests/e2e/test_release.py`) fails when they are not current. The same text is available offline with",
        f"`ansible-doc {COLLECTION}.<module>`, `ansible-doc -t <lookup|filter|callback> {COLLECTION}.<name>` and",
        f"`ansible-doc -t role {COLLECTION}.<role>`.",
        "",
    ]
    for kind, heading in KINDS:
        names = sorted(name[: -len(f"_{kind}.rst")] for name in pages if name.endswith(f"_{kind}.rst"))
        names += sorted(malformed_roles) if kind == "role" else []
        if not names:
            continue
        out += [f"## {heading}", "", "| name | description |", "|---|---|"]
        for name in sorted(names):
            page = f"{name}_{kind}.rst"
            if page in pages:
                out.append(f"| [{COLLECTION}.{name}]({page}) | {title(pages[page])} |")
            else:
                out.append(f"| {COLLECTION}.{name} | not rendered: antsibull-docs rejects its argument spec "
                           f"({malformed_roles[name]}); see `ansible-doc -t role {COLLECTION}.{name}` and "
                           "[lake-configuration.md](../lake-configuration.md) |")
        out.append("")
    return "\n".join(out)


def render(collections_path, workdir):
    """{file name: content} of the reference: antsibull-docs pages plus README.md (workdir: a scratch directory)."""
    os.makedirs(workdir, mode=0o700, exist_ok=True)  # antsibull-docs wants it owned by us and private
    antsibull_docs(collections_path, workdir)
    pages = {}
    malformed_roles = {}
    for name in sorted(os.listdir(workdir)):
        if not name.endswith(".rst") or name == "index.rst":
            continue
        with open(os.path.join(workdir, name), encoding="utf-8") as handle:
            page = handle.read()
        if MALFORMED in page:
            if not name.endswith("_role.rst"):
                raise RuntimeError(f"antsibull-docs cannot render {name}:\n{page}")
            options = sorted(set(re.findall(r"-> options -> (\w+)", page)))
            malformed_roles[name[: -len("_role.rst")]] = "defaults that are not values: " + ", ".join(options)
            continue
        pages[name] = page
    pages["README.md"] = index(pages, malformed_roles)
    return pages


def committed(directory):
    pages = {}
    if os.path.isdir(directory):
        for name in sorted(os.listdir(directory)):
            with open(os.path.join(directory, name), encoding="utf-8") as handle:
                pages[name] = handle.read()
    return pages


def main():
    collections_path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build", "collections")
    with tempfile.TemporaryDirectory(prefix="reference-") as work:
        pages = render(collections_path, work)
    if os.path.isdir(REFERENCE):
        shutil.rmtree(REFERENCE)
    os.makedirs(REFERENCE)
    for name, text in pages.items():
        with open(os.path.join(REFERENCE, name), "w", encoding="utf-8") as handle:
            handle.write(text)
    print(f"{REFERENCE}: {len(pages)} files")


if __name__ == "__main__":
    main()
