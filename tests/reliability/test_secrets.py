# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Area 7, secrets: canary values given as credentials (AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN in the
environment: the emulator accepts any), as module options (the no_log ``secret_key`` and ``session_token`` options
of every module) and as extra vars (a secret-named lake variable, the values the module options are templated from)
never appear in the deployment history (the SQLite store and its spool), the drift report, the playbook output at
-vvv, or the messages of failed tasks.

The lake is deployed, drifted and checked with the history callback on; then a playbook passes the credentials as
module options and makes one module fail on an AWS error, so an error message exists to be checked."""

import json
import os
import secrets

import yaml

from lakes import example_for
from test_lake import site

HERE = os.path.dirname(os.path.abspath(__file__))


def canary(name):
    return f"canary{name}{secrets.token_hex(8)}"


def files_text(path):
    """The bytes of every file under ``path`` (the SQLite database, its WAL and the spool), decoded loosely."""
    text = []
    for root, dummy, names in os.walk(path):
        for name in names:
            with open(os.path.join(root, name), "rb") as handle:
                text.append(handle.read().decode("utf-8", "replace"))
    return "\n".join(text)


def failed_messages(stdout):
    return [line for line in stdout.splitlines() if "[ERROR]" in line or "FAILED!" in line or '"msg"' in line]


def test_canaries_never_leak(aws, run_playbook, tmp_path, history_env, fast, figures):
    example = example_for(fast)
    lake_name = f"{example}-lake"
    canaries = {name: canary(name) for name in ("SecretAccessKey", "SessionToken", "ExtraVar", "OptionKey",
                                                "OptionToken")}
    env = dict(history_env, AWS_SECRET_ACCESS_KEY=canaries["SecretAccessKey"],
               AWS_SESSION_TOKEN=canaries["SessionToken"])
    extra = {"datalake_api_token": canaries["ExtraVar"]}
    outputs = {}

    deploy = site(run_playbook, example, "-vvv", extra_vars=extra, env=env, json_output=False)
    assert deploy.rc == 0, deploy.stdout[-3000:]
    outputs["deploy"] = deploy.stdout + deploy.stderr

    aws.client("s3").put_bucket_versioning(Bucket=f"{lake_name}-data", VersioningConfiguration={"Status": "Suspended"})
    report = tmp_path / "drift.json"
    drift = site(run_playbook, example, "--check", "--diff", "-vvv", env=env, json_output=False,
                 extra_vars=dict(extra, datalake_drift_report=str(report)))
    assert drift.rc == 2, drift.stdout[-3000:]
    assert json.loads(report.read_text())["status"] == "drift"
    outputs["drift check"] = drift.stdout + drift.stderr

    # credentials as module options (no_log), templated from extra vars; the second task fails on an AWS error
    playbook = tmp_path / "options.yml"
    playbook.write_text(yaml.safe_dump([{
        "name": "Credentials as module options",
        "hosts": "localhost",
        "connection": "local",
        "gather_facts": False,
        "vars": {"ansible_python_interpreter": "{{ ansible_playbook_python }}"},
        "module_defaults": {"group/deltalake.aws.aws": {
            "region": "us-east-1", "access_key": "testing", "secret_key": "{{ lake_secret_key }}",
            "session_token": "{{ lake_session_token }}"}},
        "tasks": [
            {"name": "A read-only check", "deltalake.aws.glue_database": {"name": "basic_lake"}, "check_mode": True},
            {"name": "An AWS error", "deltalake.aws.glue_table": {
                "database": "no_such_database", "bucket": f"{lake_name}-data",
                "tables": [{"name": "canary", "format": "parquet", "columns": [{"name": "a", "type": "string"}]}]}},
        ],
    }]))
    options = run_playbook(str(playbook), "-vvv", env=env, json_output=False, extra_vars={
        "lake_secret_key": canaries["OptionKey"], "lake_session_token": canaries["OptionToken"]})
    assert options.rc == 2, options.stdout[-3000:]
    errors = failed_messages(options.stdout) + failed_messages(deploy.stdout) + failed_messages(drift.stdout)
    assert any("no_such_database" in line for line in errors), options.stdout[-3000:]
    outputs["module options"] = options.stdout + options.stderr

    places = {
        "history": files_text(str(tmp_path)),  # the database, its WAL and the spool (and the files above)
        "drift report": report.read_text(),
        "output at -vvv": "\n".join(outputs.values()),
        "error messages": "\n".join(errors),
    }
    history = os.path.join(tmp_path, "history.sqlite")
    assert os.path.getsize(history) > 0 and lake_name in places["history"], "the history recorded the runs"
    leaks = [f"{name} in {place}" for name, value in canaries.items() for place, text in places.items()
             if value in text]
    assert leaks == []
    figures("secrets", example=example, canaries=len(canaries), places=len(places), runs=3, leaks=0)
