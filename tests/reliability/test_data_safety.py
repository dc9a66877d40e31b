# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Area 6, data safety, read back with boto3:

- ``s3_bucket state: absent`` without ``force`` refuses a bucket that holds data, also when only non-current
  versions and delete markers are left, and leaves every version and marker; with ``force`` the bucket goes with
  every version and delete marker (S3 refuses to delete a bucket that still holds one);
- the lake's teardown keeps both buckets and every object version unless ``datalake_teardown_delete_data``;
- removing an Iceberg or a Delta table (``glue_table``) keeps every data and metadata file under its location
  unless ``delete_data``; with it, only that table's location is emptied."""

import pytest
import yaml

from lakes import example_for
from test_lake import lake
from test_lake import site


def versions(s3, bucket, prefix=""):
    """(sorted (key, version id) of the object versions, sorted (key, version id) of the delete markers)."""
    pages = s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=prefix).build_full_result()
    return (sorted((v["Key"], v["VersionId"]) for v in pages.get("Versions", [])),
            sorted((m["Key"], m["VersionId"]) for m in pages.get("DeleteMarkers", [])))


def current_keys(s3, bucket, prefix=""):
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix).build_full_result()
    return sorted(o["Key"] for o in pages.get("Contents", []))


def fill(s3, bucket, count, prefix="raw/"):
    """``count`` objects in two versions each, a third of them deleted (delete markers)."""
    for index in range(count):
        key = f"{prefix}part-{index:04d}.json"
        s3.put_object(Bucket=bucket, Key=key, Body=b'{"v": 1}')
        s3.put_object(Bucket=bucket, Key=key, Body=b'{"v": 2}')
        if index % 3 == 0:
            s3.delete_object(Bucket=bucket, Key=key)


def playbook(tmp_path, name, tasks):
    path = tmp_path / f"{name}.yml"
    path.write_text(yaml.safe_dump([{
        "name": name, "hosts": "localhost", "connection": "local", "gather_facts": False,
        "vars": {"ansible_python_interpreter": "{{ ansible_playbook_python }}"},
        "module_defaults": {"group/deltalake.aws.aws": {"region": "us-east-1"}},
        "tasks": tasks}]))
    return str(path)


def test_bucket_absent_keeps_data_unless_forced(aws, run_playbook, tmp_path, fast, figures):
    s3 = aws.client("s3")
    count = 20 if fast else 600  # 600 objects: 1,200 versions and 200 markers, more than one page of 1,000
    for bucket in ("ds-data", "ds-only-versions"):
        s3.create_bucket(Bucket=bucket)
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    fill(s3, "ds-data", count)
    fill(s3, "ds-only-versions", 3)
    for key in current_keys(s3, "ds-only-versions"):
        s3.delete_object(Bucket="ds-only-versions", Key=key)  # nothing current: only versions and markers
    assert current_keys(s3, "ds-only-versions") == []
    before = {bucket: versions(s3, bucket) for bucket in ("ds-data", "ds-only-versions")}

    remove = [{"name": f"Remove {bucket}", "deltalake.aws.s3_bucket": {"name": bucket, "state": "absent"},
               "ignore_errors": True} for bucket in ("ds-data", "ds-only-versions")]
    refused = run_playbook(playbook(tmp_path, "refused", remove))
    for bucket in ("ds-data", "ds-only-versions"):
        result = refused.tasks()[f"Remove {bucket}"]
        assert result.get("failed") and "force" in result["msg"], result
        assert versions(s3, bucket) == before[bucket], f"{bucket}: a version or a marker went without force"

    forced = run_playbook(playbook(tmp_path, "forced", [
        dict(task, **{"deltalake.aws.s3_bucket": dict(task["deltalake.aws.s3_bucket"], force=True),
                      "ignore_errors": False}) for task in remove]))
    assert forced.rc == 0, forced.stdout[-3000:]
    assert all(forced.tasks()[f"Remove {b}"]["changed"] for b in ("ds-data", "ds-only-versions"))
    assert s3.list_buckets()["Buckets"] == [], "every version and marker went, so the buckets could go"
    figures("data-safety", part="bucket", versions=sum(len(v[0]) for v in before.values()),
            markers=sum(len(v[1]) for v in before.values()), kept_without_force="all", left_with_force=0)


@pytest.mark.full_only  # full suite only (make reliability): a lake deploy and two teardowns
def test_teardown_keeps_data_unless_asked(aws, run_playbook, fast, figures):
    example = example_for(fast)
    name = f"{example}-lake"
    assert site(run_playbook, example).rc == 0
    s3 = aws.client("s3")
    fill(s3, f"{name}-data", 10)
    s3.put_object(Bucket=f"{name}-logs", Key="access/2026-11-26-log", Body=b"log line")
    before = {b: versions(s3, b) for b in (f"{name}-data", f"{name}-logs")}

    teardown = run_playbook("deltalake.aws.teardown", "-e", lake(example))
    assert teardown.rc == 0, teardown.stdout[-3000:]
    assert aws.client("glue").get_databases()["DatabaseList"] == [], "the teardown removed the rest of the lake"
    after = {b: versions(s3, b) for b in before}
    # (the log bucket also receives the access logs of the teardown's own calls: a superset is expected)
    assert all(set(before[b][0]) <= set(after[b][0]) and set(before[b][1]) <= set(after[b][1]) for b in before), \
        "the teardown kept every version and marker"
    if example == "full":
        key = aws.client("kms").describe_key(KeyId=f"alias/{name}-lake")["KeyMetadata"]
        assert key["KeyState"] == "Enabled", "the key that encrypts the kept data is kept"

    forced = run_playbook("deltalake.aws.teardown", "-e", lake(example),
                          extra_vars={"datalake_teardown_delete_data": True})
    assert forced.rc == 0, forced.stdout[-3000:]
    assert s3.list_buckets()["Buckets"] == []
    figures("data-safety", part="teardown", example=example, versions=sum(len(v[0]) for v in before.values()),
            markers=sum(len(v[1]) for v in before.values()), kept_without_force="all", left_with_force=0)


@pytest.mark.full_only  # full suite only (make reliability): Iceberg and Delta tables
def test_removed_tables_keep_their_data_unless_asked(aws, run_playbook, tmp_path, fast, figures):
    s3 = aws.client("s3")
    s3.create_bucket(Bucket="ds-tables")
    s3.put_bucket_versioning(Bucket="ds-tables", VersioningConfiguration={"Status": "Enabled"})
    aws.client("glue").create_database(DatabaseInput={"Name": "ds"})
    columns = [{"name": "id", "type": "long"}, {"name": "name", "type": "string"}]
    tables = {"ice": "iceberg", "dlt": "delta", "ice_gone": "iceberg", "dlt_gone": "delta"}

    def glue_table(items, **options):
        return {"name": "Tables", "deltalake.aws.glue_table": dict(
            {"database": "ds", "bucket": "ds-tables", "prefix": "tables/", "tables": items}, **options)}

    create = run_playbook(playbook(tmp_path, "create", [glue_table(
        [{"name": name, "format": fmt, "columns": columns} for name, fmt in tables.items()])]))
    assert create.rc == 0, create.stdout[-3000:]
    glue = aws.client("glue")
    prefixes = {}
    for name in tables:  # data files a writer added, under the table's location
        location = glue.get_table(DatabaseName="ds", Name=name)["Table"]["StorageDescriptor"]["Location"]
        assert location.startswith("s3://ds-tables/"), location
        prefixes[name] = location[len("s3://ds-tables/"):].rstrip("/") + "/"
        for index in range(3):
            s3.put_object(Bucket="ds-tables", Key=f"{prefixes[name]}data/part-{index}.parquet", Body=b"PAR1")
    files = {name: current_keys(s3, "ds-tables", prefixes[name]) for name in tables}
    assert all(len(keys) >= 4 for keys in files.values()), files  # table metadata or log, and the data files

    kept = run_playbook(playbook(tmp_path, "kept", [glue_table(
        [{"name": "ice", "state": "absent"}, {"name": "dlt", "state": "absent"}])]))
    assert kept.rc == 0 and kept.tasks()["Tables"]["changed"], kept.stdout[-3000:]
    names = [t["Name"] for t in aws.client("glue").get_tables(DatabaseName="ds")["TableList"]]
    assert sorted(names) == ["dlt_gone", "ice_gone"]
    assert {name: current_keys(s3, "ds-tables", prefixes[name]) for name in tables} == files

    gone = run_playbook(playbook(tmp_path, "gone", [glue_table(
        [{"name": "ice_gone", "state": "absent"}, {"name": "dlt_gone", "state": "absent"}], delete_data=True)]))
    assert gone.rc == 0, gone.stdout[-3000:]
    assert current_keys(s3, "ds-tables", prefixes["ice_gone"]) == []
    assert current_keys(s3, "ds-tables", prefixes["dlt_gone"]) == []
    assert {name: current_keys(s3, "ds-tables", prefixes[name]) for name in ("ice", "dlt")} == \
        {name: files[name] for name in ("ice", "dlt")}, "only the removed tables' locations were emptied"
    figures("data-safety", part="tables", formats="iceberg,delta",
            files_kept=sum(len(files[n]) for n in ("ice", "dlt")),
            files_deleted_when_asked=sum(len(files[n]) for n in ("ice_gone", "dlt_gone")))
