# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""deltalake.aws.site, called by its FQCN with the collection installed from its tarball, against the emulator."""

import os

EXAMPLE = "@" + os.path.join(os.path.dirname(__file__), "..", "..", "examples", "demo.yml")


def test_plan_deploy_rerun_and_drift(aws, run_playbook):
    plan = run_playbook("deltalake.aws.site", "-e", EXAMPLE, "--check", "--diff")
    assert plan.rc == 0, plan.stdout + plan.stderr
    assert plan.stats["changed"] == 2 and plan.stats["failures"] == 0 and plan.stats["skipped"] == 0
    assert aws.calls()["mutating"] == 0
    assert aws.client("s3").list_buckets()["Buckets"] == []

    aws.clear_calls()
    deploy = run_playbook("deltalake.aws.site", "-e", EXAMPLE)
    assert deploy.rc == 0, deploy.stdout + deploy.stderr
    assert deploy.stats["changed"] == 2
    data = deploy.tasks()["Create the data bucket"]["bucket"]
    planned = plan.tasks()["Create the data bucket"]["bucket"]
    assert data == planned, "check mode predicted exactly what the deploy did"
    assert data["tags"] == {"deltalake:lake": "demo-lake", "environment": "demo", "owner": "data-platform"}
    assert data["access_logging"]["target_bucket"] == "demo-lake-logs"

    aws.clear_calls()
    rerun = run_playbook("deltalake.aws.site", "-e", EXAMPLE)
    assert rerun.rc == 0 and rerun.stats["changed"] == 0
    calls = aws.calls()
    assert calls["mutating"] == 0, calls["mutating_operations"]

    s3 = aws.client("s3")
    s3.put_bucket_versioning(Bucket="demo-lake-data", VersioningConfiguration={"Status": "Suspended"})
    s3.delete_bucket_tagging(Bucket="demo-lake-logs")
    aws.clear_calls()
    drift = run_playbook("deltalake.aws.site", "-e", EXAMPLE, "--check", "--diff")
    assert drift.rc == 0 and drift.stats["changed"] == 2
    assert aws.calls()["mutating"] == 0
    diff = drift.tasks()["Create the data bucket"]["diff"]
    assert (diff["before"]["versioning"], diff["after"]["versioning"]) == (False, True)
    log_diff = drift.tasks()["Create the access-log bucket"]["diff"]
    assert log_diff["before"]["tags"] == {} and log_diff["after"]["tags"]["deltalake:lake"] == "demo-lake"


def test_lake_name_is_checked_before_any_aws_call(aws, run_playbook):
    result = run_playbook("deltalake.aws.site", extra_vars={"datalake_name": "Bad_Name"})
    assert result.rc != 0
    assert "datalake_name" in result.stdout
    assert aws.calls()["total"] == 0
