# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""deltalake.aws.glue_database end to end in-process against moto: check mode writes nothing, an identical re-run
makes read calls only, invalid input makes no call, tables are never dropped without force."""

import boto3
import pytest

from ansible_collections.deltalake.aws.plugins.modules import glue_database

# pylint: disable-next=unused-import
from ansible_collections.deltalake.aws.tests.unit.plugins.modules.catalog_runner import aws  # the fixture
from ansible_collections.deltalake.aws.tests.unit.plugins.modules.catalog_runner import run_module

ARGS = {
    "name": "sales",
    "description": "Curated sales data",
    "location_uri": "s3://lake/processed/sales/",
    "parameters": {"owner": "data-platform"},
    "create_table_default_permissions": False,
    "tags": {"lake": "test"},
}


def run(capsys, args, check_mode=False):
    return run_module(glue_database, capsys, args, check_mode)


def test_check_mode_create_predicts_and_writes_nothing(aws, capsys):  # pylint: disable=redefined-outer-name
    planned = run(capsys, ARGS, check_mode=True)
    assert planned["changed"] and planned["diff"]["before"] == {}
    assert planned["database"]["arn"] == "arn:aws:glue:us-east-1:123456789012:database/sales"
    assert planned["database"]["create_table_default_permissions"] is False
    assert aws.mutating == []
    assert boto3.client("glue").get_databases()["DatabaseList"] == []


def test_create_then_identical_rerun_reads_only(aws, capsys):  # pylint: disable=redefined-outer-name
    created = run(capsys, ARGS)
    assert created["changed"] and aws.mutating == ["CreateDatabase"]
    database = boto3.client("glue").get_database(Name="sales")["Database"]
    assert database["CreateTableDefaultPermissions"] == [] and database["LocationUri"] == ARGS["location_uri"]
    del aws[:]
    again = run(capsys, ARGS)
    assert not again["changed"] and again["database"] == created["database"]
    assert aws == ["GetDatabase", "GetTags"]


def test_update_writes_one_call_and_keeps_unmanaged_settings(aws, capsys):  # pylint: disable=redefined-outer-name
    run(capsys, ARGS)
    del aws[:]
    updated = run(capsys, {"name": "sales", "description": "Sales"})
    assert updated["changed"] and aws.mutating == ["UpdateDatabase"]
    assert updated["diff"]["before"]["description"] == "Curated sales data"
    database = boto3.client("glue").get_database(Name="sales")["Database"]
    assert database["Description"] == "Sales"
    assert database["Parameters"] == {"owner": "data-platform"} and database["CreateTableDefaultPermissions"] == []


@pytest.mark.parametrize(
    "args, message",
    [
        ({"name": "Sales"}, "name: 'Sales' must be 1 to 255 lowercase letters"),
        ({"name": "sales", "location_uri": "s3://lake/x"}, "location_uri: 's3://lake/x' must end with '/'"),
        ({"name": "sales", "catalog_id": "12"}, "catalog_id: '12' must be a 12-digit account id"),
    ],
)
def test_invalid_input_makes_no_call(aws, capsys, args, message):  # pylint: disable=redefined-outer-name
    result = run(capsys, args)
    assert result["failed"] and message in result["msg"]
    assert aws == []


def test_tables_are_not_dropped_without_force(aws, capsys):  # pylint: disable=redefined-outer-name
    run(capsys, ARGS)
    boto3.client("glue").create_table(DatabaseName="sales", TableInput={"Name": "orders"})
    del aws[:]
    refused = run(capsys, {"name": "sales", "state": "absent"})
    assert refused["failed"] and "1 tables (orders)" in refused["msg"] and aws.mutating == []
    deleted = run(capsys, {"name": "sales", "state": "absent", "force": True})
    assert deleted["changed"] and deleted["database"] == {} and aws.mutating == ["DeleteDatabase"]
    again = run(capsys, {"name": "sales", "state": "absent", "force": True})
    assert not again["changed"] and aws.mutating == ["DeleteDatabase"]
