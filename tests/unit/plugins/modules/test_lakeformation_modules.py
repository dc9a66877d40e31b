# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The Lake Formation modules end to end through main(), in-process against moto, with every AWS operation
recorded: the lockout guard writes nothing, an identical re-run writes nothing, check mode writes nothing."""

import json

import botocore.client
import pytest

from moto import mock_aws

from ansible.module_utils.testing import patch_module_args

from ansible_collections.deltalake.aws.plugins.module_utils import lakeformation as lf
from ansible_collections.deltalake.aws.plugins.modules import lakeformation_permissions
from ansible_collections.deltalake.aws.plugins.modules import lakeformation_resource
from ansible_collections.deltalake.aws.plugins.modules import lakeformation_settings

READ_PREFIXES = ("Get", "List", "Describe")
CALLER = "arn:aws:iam::123456789012:user/moto"


@pytest.fixture
def aws(monkeypatch):
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    calls = []
    original = botocore.client.BaseClient._make_api_call

    def record(self, operation, params):
        calls.append(operation)
        return original(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", record)
    with mock_aws():
        yield calls


def run(module, capsys, **args):
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            module.main()
    return json.loads(capsys.readouterr().out)


def mutating(calls):
    return [c for c in calls if not c.startswith(READ_PREFIXES)]


def test_settings_lockout_guard_writes_nothing(aws, capsys):
    taken = run(lakeformation_settings, capsys, admins=[CALLER, "role/admin"])
    assert taken["changed"] and taken["caller"] == CALLER
    aws.clear()
    for admins in (["role/admin"], []):
        refused = run(lakeformation_settings, capsys, admins=admins)
        assert refused["failed"] and "allow_lockout: true" in refused["msg"]
    assert mutating(aws) == []
    forced = run(lakeformation_settings, capsys, admins=["role/admin"], allow_lockout=True)
    assert forced["changed"] and forced["settings"]["admins"] == ["arn:aws:iam::123456789012:role/admin"]
    assert mutating(aws) == ["PutDataLakeSettings"]


def test_permissions_rerun_and_check_mode_write_nothing(aws, capsys):
    grants = [
        {
            "principal": "role/analyst",
            "resource": {"database": "sales", "table": "orders"},
            "permissions": ["SELECT", "DESCRIBE"],
        },
        {
            "principal": "role/etl",
            "resource": {"data_location": "s3://lake/raw/"},
            "permissions": ["DATA_LOCATION_ACCESS"],
        },
    ]
    planned = run(lakeformation_permissions, capsys, permissions=grants, _ansible_check_mode=True)
    assert planned["changed"] and mutating(aws) == []
    granted = run(lakeformation_permissions, capsys, permissions=grants)
    assert (
        granted["granted"]
        == planned["granted"]
        == [
            "role/analyst: DESCRIBE on sales.orders",
            "role/analyst: SELECT on sales.orders",
            "role/etl: DATA_LOCATION_ACCESS on s3://lake/raw",
        ]
    )
    assert mutating(aws) == ["BatchGrantPermissions"]
    aws.clear()
    again = run(lakeformation_permissions, capsys, permissions=grants, purge=True)
    assert not again["changed"] and mutating(aws) == []


def test_resource_invalid_input_makes_no_call(aws, capsys):
    failed = run(lakeformation_resource, capsys, bucket="Lake_Data", use_service_linked_role=True)
    assert failed["failed"] and failed["msg"].startswith("bucket:")
    assert aws == []


ACCOUNT = "123456789012"


def test_account_id_given_saves_the_caller_lookup(aws, capsys):
    """With account_id, a run that changes nothing asks STS nothing; a change of the administrators still asks
    who is calling (the lockout check)."""
    run(lakeformation_settings, capsys, admins=[CALLER, "role/admin"], account_id=ACCOUNT)
    grants = [{"principal": "role/analyst", "resource": {"database": "sales"}, "permissions": ["DESCRIBE"]}]
    run(lakeformation_permissions, capsys, permissions=grants, account_id=ACCOUNT)
    registered = run(lakeformation_resource, capsys, bucket="lake-data", use_service_linked_role=True, account_id=ACCOUNT)
    assert registered["resource"]["role_arn"].startswith(f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/")
    # one lookup: the first settings run changes the administrators, so the lockout check asks who calls
    assert aws.count("GetCallerIdentity") == 1 and aws.index("GetCallerIdentity") < aws.index("PutDataLakeSettings")
    aws.clear()
    settings = run(lakeformation_settings, capsys, admins=[CALLER, "role/admin"], account_id=ACCOUNT)
    permissions = run(lakeformation_permissions, capsys, permissions=grants, account_id=ACCOUNT)
    assert not settings["changed"] and not permissions["changed"] and "caller" not in settings
    assert "GetCallerIdentity" not in aws and mutating(aws) == []
    without = run(lakeformation_permissions, capsys, permissions=grants)
    assert not without["changed"] and aws.count("GetCallerIdentity") == 1
    aws.clear()
    refused = run(lakeformation_settings, capsys, admins=["role/admin"], account_id=ACCOUNT)
    assert refused["failed"] and "calling identity" in refused["msg"]
    assert aws.count("GetCallerIdentity") == 1 and mutating(aws) == []


@pytest.mark.parametrize(
    "module, args, field",
    [
        (lakeformation_settings, {"admins": ["role/a"], "account_id": "12345"}, "account_id"),
        (lakeformation_settings, {"admins": ["role/a"], "catalog_id": "abc"}, "catalog_id"),
        (lakeformation_permissions, {"permissions": [], "catalog_id": "1234567890123"}, "catalog_id"),
        (lakeformation_permissions, {"permissions": [], "account_id": "me"}, "account_id"),
        (
            lakeformation_permissions,
            {"permissions": [{"principal": "role/a", "resource": {"database": "d", "catalog_id": "x1"},
                              "permissions": ["DESCRIBE"]}]},
            "permissions[0].resource.catalog_id",
        ),
        (lakeformation_resource, {"bucket": "lake-data", "use_service_linked_role": True, "account_id": "1"},
         "account_id"),
    ],
)
def test_account_ids_are_validated_before_any_call(aws, capsys, module, args, field):
    failed = run(module, capsys, **args)
    assert failed["failed"] and f"{field}: " in failed["msg"] and "12-digit AWS account id" in failed["msg"]
    assert aws == []


class ConcurrentListClient:
    """A Lake Formation client whose ListPermissions answers from a dict, slowly, recording how many calls overlap."""

    def __init__(self, grants, fail_on=None):
        import threading

        self.grants, self.fail_on = grants, fail_on
        self.lock, self.running, self.most = threading.Lock(), 0, 0

    def list_permissions(self, aws_retry=False, **params):
        import time

        from botocore.exceptions import ClientError

        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        time.sleep(0.01)
        with self.lock:
            self.running -= 1
        name = params["Resource"]["Table"]["Name"]
        if name == self.fail_on:
            raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "ListPermissions")
        return {"PrincipalResourcePermissions": self.grants.get(name, [])}


def test_read_grants_reads_the_resources_concurrently_and_keeps_the_result(monkeypatch):
    from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError

    principal = f"arn:aws:iam::{ACCOUNT}:role/analyst"
    tables = [f"t{i:02d}" for i in range(40)]
    grants = {t: [{"Principal": {"DataLakePrincipalIdentifier": principal},
                   "Resource": {"Table": {"CatalogId": ACCOUNT, "DatabaseName": "sales", "Name": t}},
                   "Permissions": ["SELECT"], "PermissionsWithGrantOption": []}] for t in tables[::2]}
    wanted = {(principal, lf.resource_key({"Table": {"DatabaseName": "sales", "Name": t}}, ACCOUNT)) for t in tables}
    client = ConcurrentListClient(grants)
    have = lakeformation_permissions.read_grants(client, wanted, ACCOUNT, None)
    assert sorted(key[3] for _principal, key in have) == tables[::2]
    assert all(entry["permissions"] == {"SELECT"} for entry in have.values())
    assert 1 < client.most <= lakeformation_permissions.READ_CONCURRENCY
    with pytest.raises(AnsibleAWSError):
        lakeformation_permissions.read_grants(ConcurrentListClient(grants, fail_on="t07"), wanted, ACCOUNT, None)
