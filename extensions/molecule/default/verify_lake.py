#!/usr/bin/env python
# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check the deployed lake against its vars file by reading AWS back with boto3 (molecule's verify step)."""

import json
import sys

import boto3
import yaml


def check(condition, message):
    if not condition:
        sys.exit(f"verify: {message}")
    print(f"ok: {message}")


def main(lake_file):
    with open(lake_file, encoding="utf-8") as handle:
        lake = yaml.safe_load(handle)
    name = lake["datalake_name"]
    database = name.replace("-", "_")
    data, logs = f"{name}-data", f"{name}-logs"
    s3, glue, kms = boto3.client("s3"), boto3.client("glue"), boto3.client("kms")

    key = kms.describe_key(KeyId=f"alias/{name}-lake")["KeyMetadata"]
    check(key["KeyState"] == "Enabled", "the lake key is enabled")
    check(kms.get_key_rotation_status(KeyId=key["KeyId"])["KeyRotationEnabled"], "the lake key rotates")
    for bucket in (data, logs):
        check(s3.get_bucket_versioning(Bucket=bucket).get("Status") == "Enabled", f"{bucket} is versioned")
        block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
        check(all(block.values()), f"{bucket} blocks all public access")
        rule = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
        check(rule["ApplyServerSideEncryptionByDefault"].get("KMSMasterKeyID") == key["Arn"], f"{bucket} uses the lake key")
        policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
        check(any(s.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false" and s["Effect"] == "Deny"
                  for s in policy["Statement"]), f"{bucket} denies requests without TLS")
    logging = s3.get_bucket_logging(Bucket=data)["LoggingEnabled"]
    check(logging["TargetBucket"] == logs, "the data bucket logs to the log bucket")
    prefixes = {p["Prefix"] for p in s3.list_objects_v2(Bucket=data, Delimiter="/").get("CommonPrefixes", [])}
    check({"raw/", "processed/", "analytics/", "logs/"} <= prefixes, "the data bucket has the lake's prefixes")

    tables = {t["Name"]: t for t in glue.get_tables(DatabaseName=database)["TableList"]}
    check(set(tables) == {t["name"] for t in lake["catalog_tables"]}, f"the tables of {database} are the listed ones")
    check(tables["orders"]["Parameters"]["table_type"].upper() == "ICEBERG"
          and tables["orders"]["Parameters"]["metadata_location"].startswith(f"s3://{data}/"), "orders is Iceberg")
    check(tables["customers"]["Parameters"]["table_type"] == "DELTA", "customers is Delta")

    roles = {r["RoleName"] for r in boto3.client("iam").list_roles()["Roles"]}
    check({f"{name}-{kind}" for kind in ("firehose", "crawler", "processing", "lakeformation")} <= roles, "the lake roles exist")
    stream = boto3.client("firehose").describe_delivery_stream(DeliveryStreamName=f"{name}-ingest")["DeliveryStreamDescription"]
    destination = stream["Destinations"][0]["ExtendedS3DestinationDescription"]
    check(destination["BucketARN"] == f"arn:aws:s3:::{data}" and destination["Prefix"].startswith("raw/"), "Firehose writes to raw/")
    crawler = glue.get_crawler(Name=f"{name}-raw")["Crawler"]
    check(crawler["DatabaseName"] == database and crawler["Targets"]["S3Targets"][0]["Path"] == f"s3://{data}/raw/", "the crawler crawls raw/")
    workgroup = boto3.client("athena").get_work_group(WorkGroup=name)["WorkGroup"]["Configuration"]
    check(workgroup["ResultConfiguration"]["OutputLocation"] == f"s3://{data}/analytics/athena-results/", "Athena results stay in the lake")
    check(workgroup["BytesScannedCutoffPerQuery"] == lake["query_bytes_scanned_cutoff_per_query"], "the Athena cutoff is set")
    endpoints = boto3.client("ec2").describe_vpc_endpoints(
        Filters=[{"Name": "vpc-endpoint-state", "Values": ["available", "pending"]}])["VpcEndpoints"]
    check(len(endpoints) == 6, "one gateway and five interface endpoints")
    lakeformation = boto3.client("lakeformation")
    check(len(lakeformation.list_resources()["ResourceInfoList"]) == 3, "three locations are registered")
    settings = lakeformation.get_data_lake_settings()["DataLakeSettings"]
    check([a["DataLakePrincipalIdentifier"] for a in settings["DataLakeAdmins"]] == lake["governance_admins"], "the administrators")
    check(settings["CreateTableDefaultPermissions"] == [], "new tables are governed by Lake Formation")


if __name__ == "__main__":
    main(sys.argv[1])
