# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Area 3, check mode is read-only: with the resources absent, present and drifted, a ``--check`` run makes no
mutating AWS call (the emulator's recorder counts every call by operation), for every module of the collection
(tests/reliability/checkmode_modules.yml: each module once, in a present and an absent variant) and for the whole
lake (deltalake.aws.site: the plan, the drift check; deltalake.aws.teardown in check mode).

Each check run must also have done its job (predicted the creation, the update or the deletion, read AWS), so a
run that skipped its modules cannot pass."""

import os

import pytest

from lakes import example_for
from test_lake import change_out_of_band
from test_lake import lake
from test_lake import resource_results
from test_lake import site

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PLAYBOOK = os.path.join(HERE, "checkmode_modules.yml")
MODULES = sorted(os.path.splitext(f)[0] for f in os.listdir(os.path.join(ROOT, "plugins", "modules"))
                 if f.endswith(".py") and not f.startswith("_"))


def module_results(run, prefix):
    """{module: result} of the tasks named ``<prefix> <module>`` that ran (not skipped)."""
    return {name[len(prefix) + 1:]: result for name, result in run.tasks().items()
            if name.startswith(prefix + " ") and not result.get("skipped")}


def changed_resources(run):
    """The resources a run changed or, in check mode, would change (each item of a module's results is one)."""
    return [name for name, result in resource_results(run) if result.get("changed")]


def check_run(aws, run, what, tally, drift=False):
    """The run succeeded (or, ``drift``, found drift: exit 2), read AWS and changed nothing."""
    calls = aws.calls()
    assert run.rc in ((0, 2) if drift else (0,)), f"{what}: rc {run.rc}\n{run.stdout[-3000:]}{run.stderr[-2000:]}"
    assert calls["read"] > 0, f"{what}: the check run read nothing"
    assert calls["mutating"] == 0, f"{what}: mutating calls in check mode: {calls['mutating_operations']}"
    tally["runs"] += 1
    tally["calls"] += calls["total"]
    aws.clear_calls()


@pytest.mark.full_only  # full suite only (make reliability): the fast slice checks the lake in check mode
def test_every_module_in_check_mode_is_read_only(aws, run_playbook, figures):
    tally = {"runs": 0, "calls": 0}
    ec2 = aws.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    route_table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    aws.clear_calls()

    def modules(state, variant="a", *args):
        return run_playbook(PLAYBOOK, *args, extra_vars={
            "cm_state": state, "cm_variant": variant, "cm_vpc_id": vpc, "cm_route_table_id": route_table})

    # absent: the plan of a new lake predicts every creation
    plan = modules("present", "a", "--check", "--diff")
    check_run(aws, plan, "modules, absent", tally)
    results = module_results(plan, "Module")
    assert sorted(results) == MODULES, (sorted(results), plan.stdout[-3000:])
    assert [m for m, r in results.items() if not r.get("changed") or r.get("failed")] == [], results

    deploy = modules("present", "a")
    assert deploy.rc == 0, deploy.stdout[-3000:]
    aws.clear_calls()

    # present, as configured: nothing to change
    same = modules("present", "a", "--check", "--diff")
    check_run(aws, same, "modules, present", tally)
    assert [m for m, r in module_results(same, "Module").items() if r.get("changed")] == []

    # drifted: every resource differs from what the run asks for; each update is predicted, none is made
    drifted = modules("present", "b", "--check", "--diff")
    check_run(aws, drifted, "modules, drifted", tally)
    results = module_results(drifted, "Module")
    assert sorted(results) == MODULES
    assert [m for m, r in results.items() if not r.get("changed")] == [], "every drift is predicted"

    # present, asked to go: every deletion is predicted, none is made
    removal = modules("absent", "a", "--check", "--diff")
    check_run(aws, removal, "modules, removal", tally)
    results = module_results(removal, "Remove")
    assert sorted(results) == MODULES
    assert [m for m, r in results.items() if not r.get("changed")] == [], results
    assert len(aws.client("s3").list_buckets()["Buckets"]) == 1
    assert aws.client("glue").get_crawler(Name="cm-lake-raw")["Crawler"]["Schedule"]["ScheduleExpression"] == \
        "cron(0 2 * * ? *)"
    figures("check-mode", part="modules", modules=len(MODULES), runs=tally["runs"], calls=tally["calls"], mutating=0)


def drift_out_of_band(aws, example):
    """Change the deployed lake outside Ansible."""
    if example == "full":
        change_out_of_band(aws)
        return
    s3, glue = aws.client("s3"), aws.client("glue")
    s3.put_bucket_versioning(Bucket="basic-lake-data", VersioningConfiguration={"Status": "Suspended"})
    s3.delete_bucket_tagging(Bucket="basic-lake-logs")
    glue.update_database(Name="basic_lake", DatabaseInput={"Name": "basic_lake", "Description": "edited by hand"})
    glue.delete_table(DatabaseName="basic_lake", Name="users")
    aws.client("athena").update_work_group(WorkGroup="basic-lake",
                                           ConfigurationUpdates={"BytesScannedCutoffPerQuery": 99999999999})


def test_the_lake_in_check_mode_is_read_only(aws, run_playbook, fast, figures):
    example = example_for(fast)
    tally = {"runs": 0, "calls": 0}

    plan = site(run_playbook, example, "--check", "--diff", extra_vars={"datalake_fail_on_drift": False})
    check_run(aws, plan, f"{example}: plan", tally)
    assert len(changed_resources(plan)) >= 5, f"the plan predicts the lake: {changed_resources(plan)}"
    assert aws.client("s3").list_buckets()["Buckets"] == []

    deploy = site(run_playbook, example)
    assert deploy.rc == 0, deploy.stdout[-3000:]
    aws.clear_calls()

    clean = site(run_playbook, example, "--check", "--diff")
    check_run(aws, clean, f"{example}: check of the deployed lake", tally)
    assert clean.rc == 0 and clean.stats["changed"] == 0

    drift_out_of_band(aws, example)
    aws.clear_calls()
    drifted = site(run_playbook, example, "--check", "--diff")
    check_run(aws, drifted, f"{example}: drift check", tally, drift=True)
    assert drifted.rc == 2 and len(changed_resources(drifted)) >= 3, f"the drift is found: {changed_resources(drifted)}"

    teardown = run_playbook("deltalake.aws.teardown", "-e", lake(example), "--check", "--diff",
                            extra_vars={"datalake_teardown_delete_data": True})
    check_run(aws, teardown, f"{example}: teardown plan", tally)
    assert len(changed_resources(teardown)) >= 3, f"the teardown plan predicts the deletions: {changed_resources(teardown)}"
    assert len(aws.client("s3").list_buckets()["Buckets"]) >= 2
    figures("check-mode", part="role", example=example, runs=tally["runs"], calls=tally["calls"], mutating=0)
