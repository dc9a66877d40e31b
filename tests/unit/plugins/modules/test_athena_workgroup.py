# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""deltalake.aws.athena_workgroup end to end in-process against moto (create, identical re-run, check mode,
validation, refusal to drop saved queries). Updates need UpdateWorkGroup, which only the HTTP emulator's extension
provides: the athena_workgroup integration target tests them."""

import boto3
import pytest

from ansible_collections.deltalake.aws.plugins.modules import athena_workgroup

# pylint: disable-next=unused-import
from ansible_collections.deltalake.aws.tests.unit.plugins.modules.catalog_runner import aws  # the fixture
from ansible_collections.deltalake.aws.tests.unit.plugins.modules.catalog_runner import run_module

ARGS = {"name": "analysts", "bucket": "lake", "bytes_scanned_cutoff_per_query": 10000000, "tags": {"lake": "test"}}


def run(capsys, args, check_mode=False):
    return run_module(athena_workgroup, capsys, args, check_mode)


def test_check_mode_create_predicts_and_writes_nothing(aws, capsys):  # pylint: disable=redefined-outer-name
    planned = run(capsys, ARGS, check_mode=True)
    assert planned["changed"] and aws.mutating == []
    assert planned["workgroup"]["output_location"] == "s3://lake/analytics/athena-results/"
    assert planned["workgroup"]["encryption"] == "sse_s3" and planned["workgroup"]["enforce_workgroup_configuration"]
    assert [w["Name"] for w in boto3.client("athena").list_work_groups()["WorkGroups"]] == ["primary"]


def test_create_then_identical_rerun_reads_only(aws, capsys):  # pylint: disable=redefined-outer-name
    created = run(capsys, ARGS)
    assert created["changed"] and aws.mutating == ["CreateWorkGroup"]
    config = boto3.client("athena").get_work_group(WorkGroup="analysts")["WorkGroup"]["Configuration"]
    assert config["ResultConfiguration"]["EncryptionConfiguration"] == {"EncryptionOption": "SSE_S3"}
    del aws[:]
    again = run(capsys, ARGS)
    assert not again["changed"] and again["workgroup"] == created["workgroup"]
    assert aws == ["GetWorkGroup", "GetCallerIdentity", "ListTagsForResource"]


@pytest.mark.parametrize(
    "args, message",
    [
        ({"name": "primary", "state": "absent"}, "'primary' is the default workgroup"),
        ({"name": "analysts", "bytes_scanned_cutoff_per_query": 5}, "must be at least 10000000"),
        ({"name": "analysts", "bucket": "lake", "output_location": "s3://lake/x/"}, "mutually exclusive"),
        ({"name": "analysts", "encryption": "cse_kms"}, "missing: kms_key_id"),
    ],
)
def test_invalid_input_makes_no_call(aws, capsys, args, message):  # pylint: disable=redefined-outer-name
    result = run(capsys, args)
    assert result["failed"] and message in result["msg"]
    assert aws == []


def test_saved_queries_are_not_dropped_without_recursive_delete(aws, capsys):  # pylint: disable=redefined-outer-name
    run(capsys, ARGS)
    boto3.client("athena").create_named_query(Name="q", Database="sales", QueryString="SELECT 1", WorkGroup="analysts")
    del aws[:]
    refused = run(capsys, {"name": "analysts", "state": "absent"})
    assert refused["failed"] and "1 saved (named) queries" in refused["msg"] and aws.mutating == []
    planned = run(capsys, {"name": "analysts", "state": "absent", "recursive_delete": True}, check_mode=True)
    assert planned["changed"] and aws.mutating == []
    deleted = run(capsys, {"name": "analysts", "state": "absent", "recursive_delete": True})
    assert deleted["changed"] and aws.mutating == ["DeleteWorkGroup"]
