# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Release checks (issue 11), each on the collection built from this tree with ``ansible-galaxy collection build``:

- the execution environment: ``ansible-builder create`` writes a valid build context from docs/awx, and the
  builder stage's introspection, run here offline on the installed tarball, finds boto3/botocore and the
  optional table-format extras through meta/execution-environment.yml;
- Galaxy: the tarball installs (amazon.aws resolved from the ``ansible`` bundle) and ``ansible-doc`` renders every
  module, plugin and role found in the tree;
- AWX: the site playbook runs under ansible-runner from a private data directory laid out the way AWX lays it
  out (credentials and job ids in env/envvars, template extra vars and survey answers in env/extravars, the
  history callback enabled in the environment); its artifacts hold the status, the set_stats outputs and the
  history record;
- the generated module reference is current, and ``antsibull-changelog release`` works (in a copy).
"""

import glob
import json
import os
import re
import shlex
import shutil
import sqlite3
import subprocess
import sys
import tarfile

import pytest
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
AWX_DOCS = os.path.join(ROOT, "docs", "awx")
BIN = os.path.dirname(sys.executable)
sys.path.insert(0, os.path.join(ROOT, "docs", "tools"))

import changelog_preview  # noqa: E402  pylint: disable=wrong-import-position
import reference  # noqa: E402  pylint: disable=wrong-import-position

with open(os.path.join(ROOT, "galaxy.yml"), encoding="utf-8") as _handle:
    GALAXY = yaml.safe_load(_handle)
FQCN = f"{GALAXY['namespace']}.{GALAXY['name']}"
# Job ids as AWX sets them; any values do.
JOB_ID = "4711"
AWX_HOST = "https://awx.example.com"


def clean_env(tmp_path, **extra):
    """The environment of a fresh shell: no AWS or Ansible settings of the caller, a private HOME."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ANSIBLE_", "DELTALAKE_"))}
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env.update(PATH=BIN + os.pathsep + env.get("PATH", ""), HOME=str(home), ANSIBLE_NOCOLOR="1")
    env.update(extra)
    return env


def run(command, env, cwd=None, timeout=300):
    completed = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False)
    assert completed.returncode == 0, f"{shlex.join(command)} failed:\n{completed.stdout}\n{completed.stderr}"
    return completed


@pytest.fixture(scope="module")
def tarball(tmp_path_factory):
    """``ansible-galaxy collection build`` of this tree."""
    out = tmp_path_factory.mktemp("dist")
    env = clean_env(out)
    run([os.path.join(BIN, "ansible-galaxy"), "collection", "build", "--output-path", str(out), ROOT], env)
    path = out / f"{GALAXY['namespace']}-{GALAXY['name']}-{GALAXY['version']}.tar.gz"
    assert path.is_file()
    return path


def install(tarball_path, dest, env, *options):
    """Install the tarball into dest; amazon.aws is resolved from the ansible bundle (already installed)."""
    return run([os.path.join(BIN, "ansible-galaxy"), "collection", "install", *options, str(tarball_path), "-p", str(dest)], env)


def amazon_aws_dir():
    import ansible_collections.amazon.aws as amazon_aws  # pylint: disable=import-outside-toplevel

    return list(amazon_aws.__path__)[0]


def requirement_lines(path):
    with open(path, encoding="utf-8") as handle:
        return [line.strip() for line in handle if line.strip() and not line.startswith("#")]


# ----------------------------------------------------------------------------------------------------------------
# Execution environment
# ----------------------------------------------------------------------------------------------------------------


def builder_context(tmp_path, definition):
    context = tmp_path / "context"
    env = clean_env(tmp_path)
    run([os.path.join(BIN, "ansible-builder"), "create", "--file", str(definition), "--context", str(context),
         "--output-filename", "Containerfile"], env)
    return context


def introspect_like_the_builder_stage(context, collections_dir, tmp_path):
    """Run the introspection step of the Containerfile's builder stage as written there, with the image's paths
    (/usr/share/ansible, /build, /output/scripts, /tmp/src) mapped to local ones."""
    with open(context / "Containerfile", encoding="utf-8") as handle:
        steps = [line for line in handle if "introspect.py introspect" in line]
    assert len(steps) == 1, steps
    args = shlex.split(steps[0].split("introspect.py", 1)[1])
    out = tmp_path / "src"
    mapped = []
    for arg in args:
        arg = arg.replace("/tmp/src", str(out)).replace("/usr/share/ansible/collections", str(collections_dir))
        arg = arg.replace("/usr/share/ansible", str(collections_dir)).replace("/build/", str(context / "_build") + "/")
        mapped.append(arg)
    if not any(not a.startswith("-") and a != "introspect" for a in mapped):
        mapped.insert(1, str(collections_dir))  # the default folder, /usr/share/ansible/collections
    # The builder stage's WORKDIR is /build: relative paths in the step are relative to it.
    run([sys.executable, str(context / "_build" / "scripts" / "introspect.py"), *mapped], clean_env(tmp_path),
        cwd=context / "_build")
    return requirement_lines(out / "requirements.txt"), requirement_lines(out / "bindep.txt")


@pytest.fixture(scope="module")
def installed_for_the_ee(tmp_path_factory, tarball):
    """What the Containerfile's galaxy stage leaves in /usr/share/ansible/collections: this collection from its
    tarball and amazon.aws (here: the ansible bundle's copy)."""
    dest = tmp_path_factory.mktemp("ee-collections")
    install(tarball, dest, clean_env(dest), "--no-deps")
    os.makedirs(dest / "ansible_collections" / "amazon")
    os.symlink(amazon_aws_dir(), dest / "ansible_collections" / "amazon" / "aws")
    return dest


def test_execution_environment_build_context(tmp_path, installed_for_the_ee):
    context = builder_context(tmp_path, os.path.join(AWX_DOCS, "execution-environment.yml"))

    with open(context / "Containerfile", encoding="utf-8") as handle:
        containerfile = handle.read()
    assert re.search(r'^ARG EE_BASE_IMAGE="quay\.io/centos/centos:stream9"$', containerfile, re.M)
    assert re.search(r'^ARG ANSIBLE_INSTALL_REFS=".*ansible-core>=2\.19,<2\.20.*ansible-runner', containerfile, re.M)
    for stage in ("base", "galaxy", "builder", "final"):
        assert re.search(rf"^FROM \S+ AS {stage}$", containerfile, re.M), stage
    assert "ansible-galaxy collection install $ANSIBLE_GALAXY_CLI_COLLECTION_OPTS -r requirements.yml" in containerfile
    assert "LABEL ansible-execution-environment=true" in containerfile
    for script in ("introspect.py", "assemble", "install-from-bindep", "check_ansible", "entrypoint"):
        assert (context / "_build" / "scripts" / script).is_file(), script

    # The collection requirement: the galaxy stage installs exactly docs/awx/collections/requirements.yml.
    with open(context / "_build" / "requirements.yml", encoding="utf-8") as handle:
        collections = {c["name"]: c for c in yaml.safe_load(handle)["collections"]}
    assert set(collections) == {FQCN, "amazon.aws"}
    assert collections["amazon.aws"]["version"] == f">={GALAXY['dependencies']['amazon.aws'].lstrip('>=')}"

    # The Python requirements: what the builder stage finds in the installed collections.
    python, system = introspect_like_the_builder_stage(context, installed_for_the_ee, tmp_path)
    ours = [line.split("  # from collection")[0] for line in python if line.endswith(f"# from collection {FQCN}")]
    names = [re.split(r"[\[<>=!~ ]", line, maxsplit=1)[0] for line in ours]
    assert names == ["boto3", "botocore", "pyiceberg", "deltalake"], python
    assert "pyiceberg[pyarrow]>=0.9" in ours
    # The same boto3/botocore lines as requirements.txt (what the README tells pip users to install).
    assert ours[:2] == requirement_lines(os.path.join(ROOT, "requirements.txt"))
    assert any(line.endswith("# from collection amazon.aws") for line in python), "amazon.aws's requirements"
    assert not [line for line in system if FQCN in line], "no system packages"


def test_execution_environment_without_the_table_format_extras(tmp_path, installed_for_the_ee):
    """The exclusion the definition's comment documents leaves out pyiceberg and deltalake, not boto3."""
    with open(os.path.join(AWX_DOCS, "execution-environment.yml"), encoding="utf-8") as handle:
        definition = yaml.safe_load(handle)
    definition["dependencies"]["exclude"] = {"python": ["pyiceberg", "deltalake"]}
    shutil.copytree(os.path.join(AWX_DOCS, "collections"), tmp_path / "collections")
    with open(tmp_path / "execution-environment.yml", "w", encoding="utf-8") as handle:
        yaml.safe_dump(definition, handle)
    context = builder_context(tmp_path, tmp_path / "execution-environment.yml")
    python, _system = introspect_like_the_builder_stage(context, installed_for_the_ee, tmp_path)
    ours = [line for line in python if line.endswith(f"# from collection {FQCN}")]
    assert [line.split(">=")[0] for line in ours] == ["boto3", "botocore"], python


# ----------------------------------------------------------------------------------------------------------------
# Galaxy: build, install, ansible-doc for everything
# ----------------------------------------------------------------------------------------------------------------


def plugin_names():
    """{plugin type: [names]} from the tree: a module or lookup/callback per file, filters from filters()."""
    names = {}
    for kind in ("modules", "lookup", "callback", "filter", "inventory", "connection", "test"):
        files = sorted(glob.glob(os.path.join(ROOT, "plugins", kind, "*.py")))
        files = [f for f in files if not os.path.basename(f).startswith("__")]
        if not files:
            continue
        if kind in ("filter", "test"):
            found = []
            for path in files:
                with open(path, encoding="utf-8") as handle:
                    source = handle.read()
                body = source.split("def filters(self):" if kind == "filter" else "def tests(self):", 1)[1]
                found += re.findall(r'"([a-z_0-9]+)":', body.split("\n\n", 1)[0])
            names[kind] = sorted(found)
        else:
            names["module" if kind == "modules" else kind] = [os.path.basename(f)[:-3] for f in files]
    return names


def role_names():
    return sorted(os.path.basename(os.path.dirname(os.path.dirname(p)))
                  for p in glob.glob(os.path.join(ROOT, "roles", "*", "meta", "argument_specs.yml")))


def test_galaxy_build_install_and_ansible_doc(tmp_path, tarball):
    with tarfile.open(tarball) as archive:
        members = set(archive.getnames())
    for shipped in ("MANIFEST.json", "FILES.json", "meta/runtime.yml", "meta/execution-environment.yml",
                    "meta/ee-requirements.txt", "requirements.txt", "README.md", "playbooks/site.yml"):
        assert shipped in members, shipped
    assert not [m for m in members if m.startswith((".venv", "build/", "tests/output", ".git/")) or "__pycache__" in m]

    dest = tmp_path / "collections"
    env = clean_env(tmp_path, ANSIBLE_COLLECTIONS_PATH=str(dest))
    installed = install(tarball, dest, env)  # with dependency resolution: amazon.aws must already be there
    assert re.search(r"'amazon\.aws:[0-9.]+' is already installed", installed.stdout), installed.stdout

    names = plugin_names()
    assert len(names["module"]) >= 13 and names["lookup"] and names["callback"] and names["filter"], names
    roles = role_names()
    assert "datalake" in roles and len(roles) >= 10, roles

    headers = {"module": "MODULE", "lookup": "LOOKUP", "callback": "CALLBACK", "filter": "FILTER"}
    for kind, plugins in sorted(names.items()):
        doc = run([os.path.join(BIN, "ansible-doc"), "-t", kind, *[f"{FQCN}.{n}" for n in plugins]], env)
        assert "WARNING" not in doc.stderr and "ERROR" not in doc.stderr, doc.stderr
        rendered = set(re.findall(rf"^> {headers.get(kind, kind.upper())} {re.escape(FQCN)}\.(\w+) \(", doc.stdout, re.M))
        assert rendered == set(plugins), (kind, doc.stdout[:2000])
        # Each rendered page has the sections a user reads (modules: options, examples and return values).
        for name in plugins:
            page = doc.stdout.split(f"> {headers.get(kind, kind.upper())} {FQCN}.{name} (", 1)[1].split("\n> ", 1)[0]
            assert "OPTIONS" in page or "Options" in page or kind == "filter", (kind, name)
            if kind == "module":
                assert "EXAMPLES:" in page and "RETURN VALUES:" in page, name

    doc = run([os.path.join(BIN, "ansible-doc"), "-t", "role", *[f"{FQCN}.{r}" for r in roles]], env)
    assert "WARNING" not in doc.stderr and "ERROR" not in doc.stderr, doc.stderr
    assert set(re.findall(rf"^> ROLE: \*{re.escape(FQCN)}\.(\w+)\*", doc.stdout, re.M)) == set(roles)
    assert doc.stdout.count("ENTRY POINT: *main*") == len(roles)


# ----------------------------------------------------------------------------------------------------------------
# AWX: ansible-runner with a private data directory
# ----------------------------------------------------------------------------------------------------------------


def job_template(name):
    with open(os.path.join(AWX_DOCS, "job_templates.json"), encoding="utf-8") as handle:
        return next(t for t in json.load(handle)["job_templates"] if t["name"] == name)


def survey_answers(spec, answers):
    """Extra vars from survey answers, validated as AWX validates them (required, min/max, choices, defaults)."""
    extra_vars = {}
    for question in spec["spec"]:
        variable = question["variable"]
        value = answers.get(variable, question.get("default"))
        if value in (None, ""):
            assert not question["required"], f"survey: {variable} is required"
            continue
        if question["type"] in ("text", "textarea", "password"):
            assert question["min"] <= len(value) <= question["max"], variable
        elif question["type"] == "multiplechoice":
            assert value in question["choices"], variable
        elif question["type"] in ("integer", "float"):
            value = int(value) if question["type"] == "integer" else float(value)
            assert question["min"] <= value <= question["max"], variable
        extra_vars[variable] = value
    assert set(answers) <= set(extra_vars), "answers to questions the survey does not ask"
    return extra_vars


def test_job_template_extra_vars_are_the_basic_example():
    """The shipped job templates deploy examples/basic.yml, with the name and region from the survey."""
    with open(os.path.join(ROOT, "examples", "basic.yml"), encoding="utf-8") as handle:
        basic = yaml.safe_load(handle)
    for name in ("Deploy data lake", "Data lake drift check"):
        template = job_template(name)
        survey_vars = {q["variable"] for q in template["related"]["survey_spec"]["spec"]}
        assert yaml.safe_load(template["extra_vars"]) == {k: v for k, v in basic.items() if k not in survey_vars}
        assert template["playbook"] == "site.yml" and os.path.isfile(os.path.join(AWX_DOCS, template["playbook"]))
    assert job_template("Data lake drift check")["job_type"] == "check"


def private_data_dir(tmp_path, tarball, aws, template, answers):
    """Lay out a job's private data directory as AWX does for ansible-runner."""
    pdd = tmp_path / "job"
    project = pdd / "project"
    # The project (a Git checkout in AWX): docs/awx is the example project.
    shutil.copytree(AWX_DOCS, project, ignore=shutil.ignore_patterns("execution-environment.yml", "*.json"))
    # The project's collections/requirements.yml is installed into the job's requirements_collections, which AWX
    # puts first on the collections path. Here the release tarball stands in for Galaxy.
    requirements = tmp_path / "requirements.yml"
    with open(requirements, "w", encoding="utf-8") as handle:
        yaml.safe_dump({"collections": [{"name": str(tarball), "type": "file"}]}, handle)
    run([os.path.join(BIN, "ansible-galaxy"), "collection", "install", "-r", str(requirements),
         "-p", str(pdd / "requirements_collections")], clean_env(tmp_path))

    (pdd / "inventory").mkdir()
    shutil.copy(os.path.join(AWX_DOCS, "inventory.yml"), pdd / "inventory" / "hosts.yml")
    (pdd / "env").mkdir()
    # The AWS credential as AWX injects it, and the job's own variables.
    envvars = {
        "AWS_ACCESS_KEY_ID": "AKIAAWXJOBCREDENTIAL",
        "AWS_SECRET_ACCESS_KEY": "awx-injected-secret-value-0123456789",
        "AWS_SESSION_TOKEN": "awx-injected-session-token-0123456789",
        "AWS_SECURITY_TOKEN": "awx-injected-session-token-0123456789",
        "AWS_ENDPOINT_URL": aws.url,  # the emulator: an AWX user would not set this
        "JOB_ID": JOB_ID,
        "AWX_HOST": AWX_HOST,
        "INVENTORY_ID": "3",
        "PROJECT_REVISION": "0123456789abcdef0123456789abcdef01234567",
        "ANSIBLE_COLLECTIONS_PATH": str(pdd / "requirements_collections"),
        # The history callback, enabled for the job; its database in the job's private data directory.
        "ANSIBLE_CALLBACKS_ENABLED": f"{FQCN}.deployment_history",
        "DELTALAKE_HISTORY_BACKEND": "sqlite",
        "DELTALAKE_HISTORY_DB": str(pdd / "history.sqlite"),
        "DELTALAKE_HISTORY_SPOOL_DIR": str(pdd / "spool"),
    }
    with open(pdd / "env" / "envvars", "w", encoding="utf-8") as handle:
        yaml.safe_dump(envvars, handle)
    # Template extra vars, then survey answers, then the awx_* variables AWX adds to every job.
    extra_vars = yaml.safe_load(template["extra_vars"])
    extra_vars.update(survey_answers(template["related"]["survey_spec"], answers))
    extra_vars.update(awx_job_id=int(JOB_ID), awx_job_template_id=7, awx_job_template_name=template["name"],
                      awx_user_name="alice", awx_project_revision=envvars["PROJECT_REVISION"],
                      tower_job_id=int(JOB_ID), awx_inventory_name="Data lake controller")
    with open(pdd / "env" / "extravars", "w", encoding="utf-8") as handle:
        yaml.safe_dump(extra_vars, handle)
    # The template's job type and "Show Changes" become ansible-playbook options.
    cmdline = (["--check"] if template["job_type"] == "check" else []) + (["--diff"] if template["diff_mode"] else [])
    (pdd / "env" / "cmdline").write_text(shlex.join(cmdline))
    with open(pdd / "env" / "settings", "w", encoding="utf-8") as handle:
        yaml.safe_dump({"job_timeout": 600, "suppress_ansible_output": True}, handle)
    return pdd, envvars


def job_events(artifacts):
    events = []
    for path in glob.glob(os.path.join(artifacts, "job_events", "*.json")):
        with open(path, encoding="utf-8") as handle:
            events.append(json.load(handle))
    return sorted(events, key=lambda e: e["counter"])


def test_awx_style_job_with_ansible_runner(tmp_path, aws, tarball):
    template = job_template("Deploy data lake")
    pdd, envvars = private_data_dir(tmp_path, tarball, aws, template,
                                    {"datalake_name": "awx-lake", "datalake_cost_scenario": "light"})
    ident = f"job-{JOB_ID}"
    command = [os.path.join(BIN, "ansible-runner"), "run", str(pdd), "-p", template["playbook"], "--ident", ident]
    run(command, clean_env(tmp_path), timeout=600)

    artifacts = pdd / "artifacts" / ident
    assert (artifacts / "status").read_text() == "successful"
    assert (artifacts / "rc").read_text() == "0"
    with open(artifacts / "command", encoding="utf-8") as handle:
        ran = json.load(handle)["command"]
    assert ran[0].endswith("ansible-playbook") and "--diff" in ran and "--check" not in ran, ran
    events = job_events(artifacts)
    stats = [e for e in events if e["event"] == "playbook_on_stats"]
    assert len(stats) == 1
    assert stats[0]["event_data"]["failures"] == {} and stats[0]["event_data"]["changed"]["localhost"] > 0
    # The set_stats outputs, as AWX passes them on to the next job of a workflow.
    lakes = stats[0]["event_data"]["artifact_data"]["datalake_lakes"]
    assert set(lakes) == {"awx-lake"}
    assert lakes["awx-lake"]["region"] == "us-east-1" and lakes["awx-lake"]["account"] == "123456789012"
    outputs = json.dumps(lakes["awx-lake"])
    assert "awx-lake-data" in outputs and "awx_lake" in outputs and "awx-lake" in outputs
    # The lake exists.
    buckets = {b["Name"] for b in aws.client("s3").list_buckets()["Buckets"]}
    assert {"awx-lake-data", "awx-lake-logs"} <= buckets
    tables = {t["Name"] for t in aws.client("glue").get_tables(DatabaseName="awx_lake")["TableList"]}
    assert tables == {"events", "users"}

    # The history record names the AWX job.
    with sqlite3.connect(pdd / "history.sqlite") as db:
        rows = db.execute("SELECT record, awx_job_id FROM runs").fetchall()
    assert len(rows) == 1
    record = json.loads(rows[0][0])
    assert rows[0][1] == JOB_ID
    assert record["outcome"] == "success" and record["mode"] == "deploy" and record["lake"] == "awx-lake"
    assert record["awx"]["job_id"] == JOB_ID and record["awx"]["host"] == AWX_HOST
    assert record["awx"]["job_template_name"] == "Deploy data lake" and record["awx"]["launched_by"] == "alice"
    # The survey answers: the lake's name is configuration; the cost scenario is an option of the run, recorded
    # with the estimate (and kept out of the configuration snapshot, so changing it is not a changed lake).
    assert record["config"]["datalake_name"] == "awx-lake" and "datalake_cost_scenario" not in record["config"]
    assert record["diff_mode"] is True
    assert record["summary"]["changed"] > 0 and record["cost_estimate"]["scenario"] == "light"

    # What AWX stores (job events, stdout) and the history never hold the injected credentials.
    stored = [json.dumps(events), (artifacts / "stdout").read_text(), rows[0][0]]
    for secret in ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        assert not [text for text in stored if envvars[secret] in text], secret


# ----------------------------------------------------------------------------------------------------------------
# Generated documentation and the changelog
# ----------------------------------------------------------------------------------------------------------------


def test_module_reference_is_current(tmp_path, tarball):
    dest = tmp_path / "collections"
    install(tarball, dest, clean_env(tmp_path), "--no-deps")
    rendered = reference.render(str(dest), str(tmp_path / "reference"))
    committed = reference.committed(os.path.join(ROOT, "docs", "reference"))
    assert sorted(committed) == sorted(rendered), "run: make docs"
    stale = [name for name in rendered if rendered[name] != committed[name]]
    assert not stale, f"run: make docs ({', '.join(stale)} changed)"
    names = plugin_names()
    for kind, plugins in names.items():
        for name in plugins:
            assert f"{name}_{kind}.rst" in rendered, (kind, name)


def changelog_state():
    state = {}
    for path in sorted(glob.glob(os.path.join(ROOT, "changelogs", "**"), recursive=True)):
        if os.path.isfile(path):
            with open(path, encoding="utf-8") as handle:
                state[path] = handle.read()
    return state


def test_changelog_release_in_a_copy(tmp_path):
    before = changelog_state()
    text = changelog_preview.release(ROOT, str(tmp_path / "copy"))
    assert changelog_state() == before, "the release is cut in the copy only"
    assert f"{FQCN} Release Notes" in text.replace("\\", "")
    assert f"v{GALAXY['version']}" in text
    with open(os.path.join(ROOT, "changelogs", "changelog.yaml"), encoding="utf-8") as handle:
        released = yaml.safe_load(handle)["releases"] or {}
    if GALAXY["version"] not in released:
        # Every pending fragment's first line is in the new release's section.
        for path in glob.glob(os.path.join(ROOT, "changelogs", "fragments", "*.yml")):
            with open(path, encoding="utf-8") as handle:
                for entries in (yaml.safe_load(handle) or {}).values():
                    for entry in entries if isinstance(entries, list) else [entries]:
                        assert entry[:60] in text, (path, entry[:60])
    if not released:
        # The first release announces every module and plugin (version_added).
        assert "New Modules" in text and "New Plugins" in text
        for name in plugin_names()["module"]:
            assert f"{FQCN}.{name} - " in text.replace("\\", ""), name
