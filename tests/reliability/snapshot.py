# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The state of a whole account, read back with boto3, in a form two deploys can be compared in.

``snapshot(emulator)`` reads every resource the lake can own in one region: buckets (every setting and the object
keys), KMS keys and aliases, VPC endpoints, Glue databases, tables and crawlers, IAM roles, Firehose streams, Athena
workgroups and Lake Formation (settings, locations, LF-tags, grants). It reads the whole account, not only what the
lake's configuration names, so an orphan or a duplicate (a second key, an endpoint created twice) shows up.

Generated identifiers (key ids, endpoint, VPC and subnet ids, Iceberg metadata UUIDs) and times are replaced by
stable names, so the snapshots of two deploys of the same configuration are equal exactly when the deploys left
the same resources with the same settings. ``duplicates(state)`` lists the resources that exist more than once.
"""

import json
import re
from collections import Counter

from botocore.exceptions import ClientError

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_EC2_ID = re.compile(r"\b(vpce|vpc|subnet|rtb|sg|igw|acl|eni)-[0-9a-f]{8,17}\b")
_VOLATILE = {
    "CreationTime", "CreateTime", "CreateDate", "CreationDate", "LastModified", "LastUpdated", "LastUpdateTime",
    "UpdateTime", "LastAccessTime", "LastAnalyzedTime", "CreationTimestamp", "LastUpdateTimestamp",
    "DeliveryStreamARN", "VersionId", "DestinationId", "RoleId", "RoleLastUsed", "KeyId", "Arn", "ResponseMetadata",
    "LastCrawl", "Version", "RequesterId", "OwnerId", "NetworkInterfaceIds", "DnsEntries", "CrawlElapsedTime",
    "IsRegisteredWithLakeFormation", "ETag", "VersionNumber",
}


def _strip(value):
    """Drop volatile keys (times, generated ids) recursively."""
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k not in _VOLATILE}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def _policy(document):
    if isinstance(document, str):
        document = json.loads(document)
    return document


def _call(function, *missing, default=None, **kwargs):
    """function(**kwargs), or ``default`` when AWS answers one of the ``missing`` error codes (a setting not set)."""
    try:
        return function(**kwargs)
    except ClientError as e:
        if e.response["Error"]["Code"] in missing or str(e.response["ResponseMetadata"].get("HTTPStatusCode")) in missing:
            return default
        raise


def _buckets(s3):
    buckets = {}
    for bucket in s3.list_buckets()["Buckets"]:
        name = bucket["Name"]
        versions = s3.get_paginator("list_object_versions").paginate(Bucket=name).build_full_result()
        policy = _call(s3.get_bucket_policy, "NoSuchBucketPolicy", Bucket=name)
        buckets[name] = {
            "region": s3.get_bucket_location(Bucket=name).get("LocationConstraint") or "us-east-1",
            "versioning": s3.get_bucket_versioning(Bucket=name).get("Status"),
            "encryption": (_call(s3.get_bucket_encryption, "ServerSideEncryptionConfigurationNotFoundError",
                                 Bucket=name) or {}).get("ServerSideEncryptionConfiguration"),
            "public_access_block": (_call(s3.get_public_access_block, "NoSuchPublicAccessBlockConfiguration",
                                          Bucket=name) or {}).get("PublicAccessBlockConfiguration"),
            "ownership": (_call(s3.get_bucket_ownership_controls, "OwnershipControlsNotFoundError",
                                Bucket=name) or {}).get("OwnershipControls"),
            "policy": _policy(policy["Policy"]) if policy else None,
            "logging": s3.get_bucket_logging(Bucket=name).get("LoggingEnabled"),
            "lifecycle": (_call(s3.get_bucket_lifecycle_configuration, "NoSuchLifecycleConfiguration",
                                Bucket=name) or {}).get("Rules"),
            "tags": {t["Key"]: t["Value"]
                     for t in (_call(s3.get_bucket_tagging, "NoSuchTagSet", Bucket=name) or {}).get("TagSet", [])},
            # object versions and delete markers by key (Iceberg metadata file names carry a UUID)
            "objects": sorted(_UUID.sub("<uuid>", v["Key"]) for v in versions.get("Versions", [])),
            "delete_markers": sorted(_UUID.sub("<uuid>", m["Key"]) for m in versions.get("DeleteMarkers", [])),
        }
    # Server access logs (the emulator writes them too) record every request, this snapshot's own included:
    # they are not state a deploy leaves.
    for bucket in buckets.values():
        logging = bucket["logging"]
        if logging and logging["TargetBucket"] in buckets:
            target = buckets[logging["TargetBucket"]]
            for key in ("objects", "delete_markers"):
                target[key] = [k for k in target[key] if not k.startswith(logging["TargetPrefix"])]
    return buckets


def _keys(kms):
    aliases = kms.get_paginator("list_aliases").paginate().build_full_result()["Aliases"]
    names = {}
    for alias in aliases:
        if alias.get("TargetKeyId") and not alias["AliasName"].startswith("alias/aws/"):
            names.setdefault(alias["TargetKeyId"], []).append(alias["AliasName"])
    keys = []
    for key in kms.get_paginator("list_keys").paginate().build_full_result()["Keys"]:
        metadata = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
        if metadata.get("KeyManager") == "AWS":
            continue
        enabled = metadata["KeyState"] == "Enabled"
        keys.append({
            "id": key["KeyId"],
            "aliases": sorted(names.get(key["KeyId"], [])),
            "state": metadata["KeyState"],
            "description": metadata.get("Description"),
            "spec": metadata.get("KeySpec"),
            "rotation": kms.get_key_rotation_status(KeyId=key["KeyId"])["KeyRotationEnabled"] if enabled else None,
            "policy": _policy(kms.get_key_policy(KeyId=key["KeyId"], PolicyName="default")["Policy"]),
            "tags": {t["TagKey"]: t["TagValue"] for t in kms.list_resource_tags(KeyId=key["KeyId"]).get("Tags", [])},
        })
    return keys


def _endpoints(ec2):
    endpoints = ec2.get_paginator("describe_vpc_endpoints").paginate().build_full_result()["VpcEndpoints"]
    return [_strip({
        "id": e["VpcEndpointId"],
        "vpc": e["VpcId"],
        "service": e["ServiceName"],
        "type": e["VpcEndpointType"],
        "state": e["State"],
        "subnets": sorted(e.get("SubnetIds", [])),
        "route_tables": sorted(e.get("RouteTableIds", [])),
        "security_groups": sorted(g["GroupId"] for g in e.get("Groups", [])),
        "private_dns": e.get("PrivateDnsEnabled"),
        "policy": _policy(e["PolicyDocument"]) if e.get("PolicyDocument") else None,
        "tags": {t["Key"]: t["Value"] for t in e.get("Tags", [])},
    }) for e in endpoints if e["State"].lower() != "deleted"]


def _glue(glue):
    databases = {}
    for database in glue.get_paginator("get_databases").paginate().build_full_result()["DatabaseList"]:
        name = database["Name"]
        tables = glue.get_paginator("get_tables").paginate(DatabaseName=name).build_full_result()["TableList"]
        databases[name] = {
            "database": _strip({k: v for k, v in database.items() if k != "CatalogId"}),
            "tables": sorted((_strip({k: v for k, v in t.items() if k not in ("CatalogId", "DatabaseName")})
                              for t in tables), key=lambda t: t["Name"]),
        }
    crawlers = []
    for crawler in glue.get_paginator("get_crawlers").paginate().build_full_result()["Crawlers"]:
        arn = f"arn:aws:glue:{glue.meta.region_name}:123456789012:crawler/{crawler['Name']}"
        crawler = _strip(dict(crawler, State=None))
        crawler["tags"] = glue.get_tags(ResourceArn=arn).get("Tags", {})
        crawlers.append(crawler)
    return databases, crawlers


def _roles(iam):
    roles = {}
    for role in iam.get_paginator("list_roles").paginate().build_full_result()["Roles"]:
        name = role["RoleName"]
        full = iam.get_role(RoleName=name)["Role"]
        policies = iam.get_paginator("list_role_policies").paginate(RoleName=name).build_full_result()["PolicyNames"]
        attached = iam.get_paginator("list_attached_role_policies").paginate(RoleName=name).build_full_result()
        roles[name] = {
            "path": full["Path"],
            "description": full.get("Description"),
            "max_session_duration": full.get("MaxSessionDuration"),
            "permissions_boundary": (full.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn"),
            "trust_policy": _policy(full["AssumeRolePolicyDocument"]),
            "inline_policies": {p: _policy(iam.get_role_policy(RoleName=name, PolicyName=p)["PolicyDocument"])
                                for p in policies},
            "managed_policies": sorted(p["PolicyArn"] for p in attached["AttachedPolicies"]),
            "tags": {t["Key"]: t["Value"] for t in full.get("Tags", [])},
        }
    return roles


def _streams(firehose):
    streams = {}
    for name in firehose.list_delivery_streams(Limit=100)["DeliveryStreamNames"]:
        stream = firehose.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"]
        tags = firehose.list_tags_for_delivery_stream(DeliveryStreamName=name).get("Tags", [])
        streams[name] = _strip({
            "status": stream["DeliveryStreamStatus"],
            "type": stream["DeliveryStreamType"],
            "encryption": stream.get("DeliveryStreamEncryptionConfiguration"),
            "source": stream.get("Source"),
            "destinations": stream["Destinations"],
            "tags": {t["Key"]: t["Value"] for t in tags},
        })
    return streams


def _workgroups(athena):
    workgroups = {}
    for summary in athena.list_work_groups()["WorkGroups"]:
        workgroup = athena.get_work_group(WorkGroup=summary["Name"]).get("WorkGroup", {})
        arn = f"arn:aws:athena:{athena.meta.region_name}:123456789012:workgroup/{summary['Name']}"
        workgroups[summary["Name"]] = _strip(dict(
            workgroup, tags={t["Key"]: t["Value"] for t in athena.list_tags_for_resource(ResourceARN=arn).get("Tags", [])}))
    return workgroups


def _lake_formation(lf, databases):
    settings = lf.get_data_lake_settings()["DataLakeSettings"]
    grants = lf.list_permissions()["PrincipalResourcePermissions"]
    tags = lf.list_lf_tags()["LFTags"]
    assignments = {}
    for database in databases:
        resource = {"Database": {"Name": database}}
        found = lf.get_resource_lf_tags(Resource=resource).get("LFTagOnDatabase", [])
        if found:
            assignments[database] = sorted((t["TagKey"], tuple(t["TagValues"])) for t in found)
    return {
        "settings": _strip(settings),
        "resources": sorted(_strip(r)["ResourceArn"] for r in lf.list_resources()["ResourceInfoList"]),
        "lf_tags": sorted((t["TagKey"], tuple(sorted(t["TagValues"]))) for t in tags),
        "lf_tag_assignments": assignments,
        "grants": sorted(
            json.dumps({"principal": g["Principal"], "resource": g["Resource"],
                        "permissions": sorted(g.get("Permissions", [])),
                        "grantable": sorted(g.get("PermissionsWithGrantOption", []))}, sort_keys=True)
            for g in grants),
    }


def snapshot(emulator, region="us-east-1"):
    """Everything the lake can own in ``region`` of the emulator's account, read back with boto3 and with
    generated identifiers replaced by stable names (see the module docstring)."""
    def client(service):
        return emulator.client(service, region)

    databases, crawlers = _glue(client("glue"))
    state = {
        "buckets": _buckets(client("s3")),
        "kms_keys": _keys(client("kms")),
        "vpc_endpoints": _endpoints(client("ec2")),
        "glue_databases": databases,
        "glue_crawlers": sorted(crawlers, key=lambda c: c["Name"]),
        "iam_roles": _roles(client("iam")),
        "firehose_streams": _streams(client("firehose")),
        "athena_workgroups": _workgroups(client("athena")),
        "lake_formation": _lake_formation(client("lakeformation"), sorted(databases)),
    }
    return _stable_names(state)


def _stable_names(state):
    """Replace generated identifiers by names derived from what they identify."""
    names = {}
    for key in state["kms_keys"]:
        names[key["id"]] = "key:" + (",".join(key["aliases"]) or "(no alias)")
    for endpoint in state["vpc_endpoints"]:
        names[endpoint["id"]] = f"vpce:{endpoint['service']}:{endpoint['type']}"
    text = json.dumps(state, sort_keys=True, default=str)
    for generated, name in names.items():
        text = text.replace(generated, name)
    text = _EC2_ID.sub(lambda m: f"<{m.group(1)}>", text)
    text = _UUID.sub("<uuid>", text)
    stable = json.loads(text)
    stable["kms_keys"] = sorted(stable["kms_keys"], key=lambda k: json.dumps(k, sort_keys=True))
    stable["vpc_endpoints"] = sorted(stable["vpc_endpoints"], key=lambda e: json.dumps(e, sort_keys=True))
    return stable


def duplicates(state):
    """Resources that exist more than once: VPC endpoints of one VPC, service and type; customer KMS keys that are
    not pending deletion beyond one per alias (an orphan key without alias counts); Firehose streams, crawlers,
    roles, buckets and tables by name; Lake Formation grants of one principal and resource."""
    found = []
    endpoints = Counter((e["vpc"], e["service"], e["type"]) for e in state["vpc_endpoints"])
    found += [f"vpc_endpoint {service} {kind} x{n}" for (vpc, service, kind), n in endpoints.items() if n > 1]
    live = [k for k in state["kms_keys"] if k["state"] != "PendingDeletion"]
    orphans = [k for k in live if not k["aliases"]]
    found += [f"kms_key without alias ({k['description']})" for k in orphans]
    aliased = Counter(a for k in live for a in k["aliases"])
    found += [f"kms alias {a} x{n}" for a, n in aliased.items() if n > 1]
    for database, content in state["glue_databases"].items():
        names = Counter(t["Name"] for t in content["tables"])
        found += [f"glue_table {database}.{t} x{n}" for t, n in names.items() if n > 1]
    for kind, names in (("glue_crawler", [c["Name"] for c in state["glue_crawlers"]]),):
        found += [f"{kind} {name} x{n}" for name, n in Counter(names).items() if n > 1]
    grants = Counter((json.dumps(json.loads(g)["principal"], sort_keys=True),
                      json.dumps(json.loads(g)["resource"], sort_keys=True))
                     for g in state["lake_formation"]["grants"])
    found += [f"lakeformation grant {p} on {r} x{n}" for (p, r), n in grants.items() if n > 1]
    return found


def differences(expected, actual, path=""):
    """Human-readable paths where two snapshots differ (empty when equal)."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        out = []
        for key in sorted(set(expected) | set(actual)):
            if key not in actual:
                out.append(f"{path}/{key}: missing")
            elif key not in expected:
                out.append(f"{path}/{key}: unexpected")
            else:
                out += differences(expected[key], actual[key], f"{path}/{key}")
        return out
    if expected != actual:
        return [f"{path}: {json.dumps(expected, sort_keys=True)[:300]} != {json.dumps(actual, sort_keys=True)[:300]}"]
    return []
