# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The data lake as users run it: deltalake.aws.site / deltalake.aws.teardown by FQCN, with the collection installed
from its tarball, against the emulator. State is always checked by reading AWS back with boto3, never through the
modules' own return values."""

import json
import os

import pytest

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def lake(name):
    return "@" + os.path.join(ROOT, "examples", f"{name}.yml")


def site(run_playbook, example, *args, **kwargs):
    return run_playbook("deltalake.aws.site", "-e", lake(example), *args, **kwargs)


def resource_results(run):
    """Results of the tasks that ran a deltalake.aws module (loop items flattened)."""
    results = []
    for play in (run.output or {}).get("plays", []):
        for task in play["tasks"]:
            for result in task["hosts"].values():
                items = result.get("results") if isinstance(result.get("results"), list) else [result]
                results += [(task["task"]["name"], item) for item in items if isinstance(item, dict)]
    return results


# ------------------------------------------------------------------ plan, deploy, re-run, drift, repair


OUT_OF_BAND = [
    # (what is changed outside Ansible, the drift report's resource substring, field)
    ("data bucket versioning suspended", "s3_bucket full-lake-data", "versioning"),
    ("log bucket tags removed", "s3_bucket full-lake-logs", "tags"),
    ("public access block relaxed", "s3_bucket full-lake-data", "public_access_block"),
    ("key rotation disabled", "kms_key alias/full-lake-lake", "enable_key_rotation"),
    ("database description changed", "glue_database full_lake", "description"),
    ("clicks table dropped", "glue_table full_lake", None),
    ("processing role's policy widened", "iam_role full-lake-processing", "inline_policies"),
    ("Firehose buffering changed", "firehose_delivery_stream full-lake-ingest", "buffering"),
    ("crawler schedule changed", "glue_crawler full-lake-raw", "schedule"),
    ("Athena cutoff raised", "athena_workgroup full-lake", "bytes_scanned_cutoff_per_query"),
    ("Lake Formation grant revoked", "lakeformation_permissions", "grants"),
    ("grant added outside the list", "lakeformation_permissions", "grants"),
    ("LF-tag value added", "lakeformation_tag domain", "values"),
]


def change_out_of_band(aws):
    s3, glue, iam, lf = aws.client("s3"), aws.client("glue"), aws.client("iam"), aws.client("lakeformation")
    s3.put_bucket_versioning(Bucket="full-lake-data", VersioningConfiguration={"Status": "Suspended"})
    s3.delete_bucket_tagging(Bucket="full-lake-logs")
    s3.put_public_access_block(Bucket="full-lake-data", PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": False, "RestrictPublicBuckets": False})
    kms = aws.client("kms")
    key_id = kms.describe_key(KeyId="alias/full-lake-lake")["KeyMetadata"]["KeyId"]
    kms.disable_key_rotation(KeyId=key_id)
    glue.update_database(Name="full_lake", DatabaseInput={"Name": "full_lake", "Description": "edited by hand"})
    glue.delete_table(DatabaseName="full_lake", Name="clicks")
    iam.put_role_policy(RoleName="full-lake-processing", PolicyName="deltalake-processing", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
    firehose = aws.client("firehose")
    stream = firehose.describe_delivery_stream(DeliveryStreamName="full-lake-ingest")["DeliveryStreamDescription"]
    firehose.update_destination(
        DeliveryStreamName="full-lake-ingest", CurrentDeliveryStreamVersionId=stream["VersionId"],
        DestinationId=stream["Destinations"][0]["DestinationId"],
        ExtendedS3DestinationUpdate={"BufferingHints": {"SizeInMBs": 128, "IntervalInSeconds": 900}})
    glue.update_crawler_schedule(CrawlerName="full-lake-raw", Schedule="cron(0 5 * * ? *)")
    aws.client("athena").update_work_group(WorkGroup="full-lake", ConfigurationUpdates={"BytesScannedCutoffPerQuery": 99999999999})
    processing = "arn:aws:iam::123456789012:role/full-lake-processing"
    lf.revoke_permissions(Principal={"DataLakePrincipalIdentifier": processing},
                          Resource={"Database": {"Name": "full_lake"}}, Permissions=["CREATE_TABLE"])
    lf.grant_permissions(Principal={"DataLakePrincipalIdentifier": processing},
                         Resource={"Table": {"DatabaseName": "full_lake", "Name": "orders"}}, Permissions=["DROP"])
    lf.update_lf_tag(TagKey="domain", TagValuesToAdd=["finance"])
    # Not drift: the deployment version tag keeps the version that created a resource, so an upgrade (here
    # faked by rewriting the tag) is not reported.
    s3.put_bucket_tagging(Bucket="full-lake-data", Tagging={"TagSet": [
        {"Key": k, "Value": v} for k, v in dict(
            {t["Key"]: t["Value"] for t in s3.get_bucket_tagging(Bucket="full-lake-data")["TagSet"]},
            **{"deltalake:version": "0.0.1"}).items()]})


def test_plan_deploy_rerun_drift_and_repair(aws, run_playbook, tmp_path):
    plan = site(run_playbook, "full", "--check", "--diff", extra_vars={"datalake_fail_on_drift": False})
    assert plan.rc == 0, plan.stdout[-3000:]
    assert plan.stats["failures"] == 0
    assert aws.calls()["mutating"] == 0, "the plan changed nothing"
    assert aws.client("s3").list_buckets()["Buckets"] == []
    # every resource task (a deltalake.aws module result carries "created") of the deploy also ran in the plan
    planned = sorted(name for name, result in resource_results(plan) if "created" in result)

    aws.clear_calls()
    deploy = site(run_playbook, "full")
    assert deploy.rc == 0, deploy.stdout[-3000:]
    deployed = sorted(name for name, result in resource_results(deploy) if "created" in result)
    assert planned == deployed and len(deployed) >= 20, "the plan runs (never skips) every resource task of the deploy"
    predicted = [result for _name, result in resource_results(plan) if result.get("name") == "full-lake-data"]
    assert predicted and predicted[0]["created"] and predicted[0]["bucket"]["name"] == "full-lake-data", \
        "the plan predicts creation"
    changed_resources = [name for name, result in resource_results(deploy) if result.get("changed")]
    assert len(changed_resources) >= 20, changed_resources  # each endpoint, bucket, role, table... of a new lake

    aws.clear_calls()
    rerun = site(run_playbook, "full")
    calls = aws.calls()
    assert rerun.rc == 0 and rerun.stats["changed"] == 0
    assert calls["mutating"] == 0, calls["mutating_operations"]

    tags = {t["Key"]: t["Value"] for t in aws.client("s3").get_bucket_tagging(Bucket="full-lake-data")["TagSet"]}
    assert tags["deltalake:lake"] == "full-lake" and tags["deltalake:version"] == "0.1.0"
    assert tags["environment"] == "demo"

    change_out_of_band(aws)
    report = tmp_path / "drift.json"
    aws.clear_calls()
    drift = site(run_playbook, "full", "--check", "--diff", extra_vars={"datalake_drift_report": str(report)})
    assert drift.rc == 2, "a check run that finds drift exits with 2"
    assert aws.calls()["mutating"] == 0
    found = json.loads(report.read_text())
    assert found["status"] == "drift" and found["lake"] == "full-lake"
    for what, resource, field in OUT_OF_BAND:
        assert any(resource in entry["resource"] and (field is None or entry["field"] == field)
                   for entry in found["drift"]), f"{what} is not in the report: {found['drift']}"
    assert not any(entry["field"] == "tags" and "full-lake-data" in entry["resource"] for entry in found["drift"]), \
        "a changed deployment version tag alone is not drift"
    versioning = next(e for e in found["drift"] if e["field"] == "versioning")
    assert (versioning["expected"], versioning["actual"]) == (True, False)
    # the run's output names the setting that differs, or says that the resource itself is missing
    assert "s3_bucket full-lake-data: versioning" in drift.stdout
    assert "glue_table full_lake full_lake.clicks: missing" in drift.stdout, drift.stdout[-3000:]

    repair = site(run_playbook, "full")
    assert repair.rc == 0 and repair.stats["changed"] > 0
    clean = site(run_playbook, "full", "--check", "--diff", extra_vars={"datalake_drift_report": str(report)})
    assert clean.rc == 0 and json.loads(report.read_text())["status"] == "clean", report.read_text()
    assert aws.client("s3").get_bucket_versioning(Bucket="full-lake-data")["Status"] == "Enabled"
    assert "clicks" in [t["Name"] for t in aws.client("glue").get_tables(DatabaseName="full_lake")["TableList"]]


# ------------------------------------------------------------------ the deployment patterns


@pytest.mark.parametrize("example", ["basic", "streaming", "secure", "processing"])
def test_examples_deploy_and_check_clean(aws, run_playbook, example):
    deploy = site(run_playbook, example)
    assert deploy.rc == 0, deploy.stdout[-3000:]
    aws.clear_calls()
    check = site(run_playbook, example, "--check", "--diff")
    assert check.rc == 0 and check.stats["changed"] == 0, check.stdout[-3000:]
    assert aws.calls()["mutating"] == 0


def test_two_lakes_in_two_regions_in_parallel(aws, run_playbook):
    inventory = os.path.join(ROOT, "examples", "inventory.yml")
    run = run_playbook("deltalake.aws.site", "-i", inventory, "-e", "datalake_hosts=lakes", "--forks", "2",
                       env={"ANSIBLE_SHOW_CUSTOM_STATS": "1"})
    assert run.rc == 0, run.stdout[-3000:]
    for name, region in (("sales-us", "us-east-1"), ("sales-eu", "eu-west-1")):
        location = aws.client("s3", region).get_bucket_location(Bucket=f"{name}-data")["LocationConstraint"]
        assert (location or "us-east-1") == region
        assert aws.client("athena", region).get_work_group(WorkGroup=name)["WorkGroup"]["Name"] == name
    lakes = run.output["global_custom_stats"]["datalake_lakes"]
    assert sorted(lakes) == ["sales-eu", "sales-us"]
    assert lakes["sales-eu"]["data_bucket_arn"] == "arn:aws:s3:::sales-eu-data"
    assert lakes["sales-us"]["workgroup"] == "sales-us" and lakes["sales-eu"]["region"] == "eu-west-1"


# ------------------------------------------------------------------ teardown and rollback


def test_teardown_keeps_data_unless_forced(aws, run_playbook):
    assert site(run_playbook, "basic").rc == 0
    s3 = aws.client("s3")
    s3.put_object(Bucket="basic-lake-data", Key="raw/events/part-0.json", Body=b'{"event_id": "1"}')

    teardown = run_playbook("deltalake.aws.teardown", "-e", lake("basic"))
    assert teardown.rc == 0, teardown.stdout[-3000:]
    assert sorted(b["Name"] for b in s3.list_buckets()["Buckets"]) == ["basic-lake-data", "basic-lake-logs"]
    assert s3.get_object(Bucket="basic-lake-data", Key="raw/events/part-0.json")["Body"].read() == b'{"event_id": "1"}'
    assert aws.client("glue").get_databases()["DatabaseList"] == []
    assert [w["Name"] for w in aws.client("athena").list_work_groups()["WorkGroups"]] == ["primary"]

    again = run_playbook("deltalake.aws.teardown", "-e", lake("basic"))
    assert again.rc == 0 and again.stats["changed"] == 0

    forced = run_playbook("deltalake.aws.teardown", "-e", lake("basic"), extra_vars={"datalake_teardown_delete_data": True})
    assert forced.rc == 0
    assert s3.list_buckets()["Buckets"] == []


def test_rollback_removes_exactly_what_the_failed_run_created(aws, run_playbook):
    s3 = aws.client("s3")
    s3.create_bucket(Bucket="basic-lake-logs")  # existed before the run: must survive the rollback
    s3.put_object(Bucket="basic-lake-logs", Key="old.log", Body=b"kept")
    # The workgroup's cutoff is below Athena's 10 MB minimum: the run fails at the Athena step, after the buckets,
    # the database and the roles.
    failing = {"datalake_rollback_on_failure": True, "query_bytes_scanned_cutoff_per_query": 5}
    failed = site(run_playbook, "basic", extra_vars=failing)
    assert failed.rc == 2
    message = failed.tasks()["Succeed only if the lake converged"]["msg"]
    assert "bytes_scanned_cutoff_per_query" in message, message
    rolled_back = message.split("rolled back: ", 1)[1]
    assert rolled_back.index("glue_database basic_lake") < rolled_back.index("s3_bucket basic-lake-data"), message
    assert "basic-lake-logs" not in rolled_back, "what existed before the run is never rolled back"
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["basic-lake-logs"]
    assert s3.get_object(Bucket="basic-lake-logs", Key="old.log")["Body"].read() == b"kept"
    assert aws.client("glue").get_databases()["DatabaseList"] == []

    # without rollback the created resources stay, and the next run converges from them
    failed = site(run_playbook, "basic", extra_vars={"query_bytes_scanned_cutoff_per_query": 5})
    assert failed.rc == 2
    assert "basic-lake-data" in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert site(run_playbook, "basic").rc == 0


# ------------------------------------------------------------------ bad configuration and the budget guard


@pytest.mark.parametrize(
    "extra_vars, variable",
    [
        ({"datalake_name": "Bad_Name"}, "datalake_name"),
        ({"datalake_region": "mars-1"}, "datalake_region"),
        ({"storage_encryption": "sse_kms"}, "storage_encryption"),
        ({"network_enabled": True}, "network_vpc_id"),
        ({"network_enabled": True, "network_vpc_id": "vpc-1234"}, "network_subnet_ids"),
        ({"crawl_enabled": True, "catalog_database": ""}, "crawl_enabled"),
        ({"ingest_enabled": True, "ingest_format_conversion": True}, "ingest_format_conversion_table"),
        ({"iam_processing_role_enabled": True, "iam_processing_engine": "databricks"}, "iam_processing_external_id"),
        ({"governance_enabled": True}, "governance_admins"),
        ({"datalake_rollback_on_failure": "perhaps"}, "datalake_rollback_on_failure"),
    ],
)
def test_bad_configuration_fails_before_any_aws_call(aws, run_playbook, extra_vars, variable):
    run = site(run_playbook, "basic", extra_vars=extra_vars)
    assert run.rc != 0
    assert variable in run.stdout, run.stdout[-2000:]
    assert aws.calls()["total"] == 0


def test_budget_guard_stops_before_any_change(aws, run_playbook):
    run = site(run_playbook, "full", extra_vars={"datalake_monthly_budget_usd": 50})
    assert run.rc == 2
    assert "budget" in run.stdout and "s3_storage" in run.stdout, run.stdout[-2000:]
    assert aws.calls()["mutating"] == 0
