# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""deltalake.aws.vpc_endpoint in-process against moto: identity by VPC + service + type, endpoints it must not
guess between or update (several matches, a failed one), and check-mode predictions of a new interface endpoint."""

import boto3
import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ec2.models import ec2_backends

from ansible_collections.deltalake.aws.plugins.modules import vpc_endpoint

# pylint: disable-next=unused-import
from ansible_collections.deltalake.aws.tests.unit.plugins.modules.catalog_runner import aws  # the fixture
from ansible_collections.deltalake.aws.tests.unit.plugins.modules.catalog_runner import run_module

GLUE = "com.amazonaws.us-east-1.glue"


def run(capsys, args, check_mode=False):
    return run_module(vpc_endpoint, capsys, args, check_mode)


@pytest.fixture
def vpc(aws):  # pylint: disable=redefined-outer-name
    ec2 = boto3.client("ec2")
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    del aws[:]
    return {"id": vpc_id, "subnet": subnet}


def test_check_mode_predicts_a_new_interface_endpoint_exactly(aws, vpc, capsys):  # pylint: disable=redefined-outer-name
    args = {"vpc_id": vpc["id"], "service": "glue", "subnet_ids": [vpc["subnet"]], "tags": {"Name": "glue"}}
    planned = run(capsys, args, check_mode=True)
    assert planned["changed"] and planned["created"] and aws.mutating == []
    created = run(capsys, args)
    assert aws.mutating == ["CreateVpcEndpoint"]
    assert created["vpc_endpoint"] == dict(planned["vpc_endpoint"], id=created["vpc_endpoint"]["id"])
    assert created["vpc_endpoint"]["private_dns_enabled"] is True and created["vpc_endpoint"]["type"] == "Interface"


def test_several_live_endpoints_are_an_error_not_a_guess(aws, vpc, capsys):  # pylint: disable=redefined-outer-name
    ec2 = boto3.client("ec2")
    ids = sorted(
        ec2.create_vpc_endpoint(VpcId=vpc["id"], ServiceName=GLUE, VpcEndpointType="Interface")["VpcEndpoint"]["VpcEndpointId"]
        for dummy in range(2)
    )
    del aws[:]
    for state in ("present", "absent"):
        result = run(capsys, {"vpc_id": vpc["id"], "service": "glue", "state": state})
        assert result["failed"] and f"Found 2 live Interface endpoints of {GLUE}" in result["msg"]
        assert f"({ids[0]}, {ids[1]})" in result["msg"]
    assert aws.mutating == []


def test_a_deleted_endpoint_is_not_adopted(aws, vpc, capsys):  # pylint: disable=redefined-outer-name
    ec2 = boto3.client("ec2")
    old = ec2.create_vpc_endpoint(VpcId=vpc["id"], ServiceName=GLUE, VpcEndpointType="Interface")["VpcEndpoint"]
    ec2.delete_vpc_endpoints(VpcEndpointIds=[old["VpcEndpointId"]])
    del aws[:]
    created = run(capsys, {"vpc_id": vpc["id"], "service": "glue"})
    assert created["changed"] and created["vpc_endpoint"]["id"] != old["VpcEndpointId"]
    assert aws.mutating == ["CreateVpcEndpoint"]


def test_a_failed_endpoint_is_reported_not_updated(aws, vpc, capsys):  # pylint: disable=redefined-outer-name
    created = run(capsys, {"vpc_id": vpc["id"], "service": "glue"})
    endpoint_id = created["vpc_endpoint"]["id"]
    ec2_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].vpc_end_points[endpoint_id].state = "failed"
    del aws[:]
    result = run(capsys, {"vpc_id": vpc["id"], "service": "glue", "tags": {"Name": "glue"}})
    assert result["failed"] and f"VPC endpoint {endpoint_id} is in state failed" in result["msg"]
    assert aws.mutating == []
    deleted = run(capsys, {"vpc_id": vpc["id"], "service": "glue", "state": "absent"})
    assert deleted["changed"] and aws.mutating == ["DeleteVpcEndpoints"]


def test_policy_compared_semantically_and_tags_kept_without_purge(aws, vpc, capsys):  # pylint: disable=redefined-outer-name
    statement = {"Effect": "Allow", "Principal": "*", "Action": ["glue:GetTable"], "Resource": ["*"]}
    policy = {"Version": "2012-10-17", "Statement": [statement]}
    run(capsys, {"vpc_id": vpc["id"], "service": "glue", "policy": policy, "tags": {"Name": "glue"}})
    del aws[:]
    same = {"Statement": {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "glue:GetTable", "Resource": "*"},
            "Version": "2012-10-17"}
    again = run(capsys, {"vpc_id": vpc["id"], "service": GLUE, "type": "Interface", "policy": same,
                         "tags": {"lake": "test"}, "purge_tags": False})
    assert again["vpc_endpoint"]["tags"] == {"Name": "glue", "lake": "test"}
    assert aws.mutating == ["CreateTags"]


def test_no_security_group_list_leaves_the_groups_to_aws(aws, vpc, capsys):  # pylint: disable=redefined-outer-name
    group = boto3.client("ec2").create_security_group(GroupName="g", Description="g", VpcId=vpc["id"])["GroupId"]
    run(capsys, {"vpc_id": vpc["id"], "service": "glue", "security_group_ids": [group]})
    del aws[:]
    again = run(capsys, {"vpc_id": vpc["id"], "service": "glue", "security_group_ids": []})
    assert not again["changed"] and again["vpc_endpoint"]["security_group_ids"] == [group] and aws.mutating == []


def test_the_default_vpc_gives_its_main_route_table_and_first_default_subnets(aws, capsys):  # pylint: disable=redefined-outer-name
    ec2 = boto3.client("ec2")
    default = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [default]}])["Subnets"]
    first_two = sorted(s["SubnetId"] for s in sorted(subnets, key=lambda s: s["AvailabilityZone"])[:2])
    main = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [default]},
                                              {"Name": "association.main", "Values": ["true"]}])["RouteTables"]
    del aws[:]
    args = {"vpc_id": "default", "default_vpc_azs": 2,
            "endpoints": [{"service": "s3"}, {"service": "glue"}, {"service": "athena", "subnet_ids": [first_two[0]]}]}

    planned = run(capsys, args, check_mode=True)
    assert aws.mutating == [] and aws.count("DescribeSubnets") == 1 and aws.count("DescribeRouteTables") == 1
    s3, glue, athena = (result["vpc_endpoint"] for result in planned["results"])
    assert {s3["vpc_id"], glue["vpc_id"], athena["vpc_id"]} == {default}
    assert s3["route_table_ids"] == [main[0]["RouteTableId"]] and glue["subnet_ids"] == first_two
    assert athena["subnet_ids"] == [first_two[0]]  # an endpoint's own subnets win

    run(capsys, args)
    del aws[:]
    again = run(capsys, args)
    assert not again["changed"] and aws.mutating == []
    assert [r["vpc_endpoint"]["vpc_id"] for r in again["results"]] == [default] * 3

    del aws[:]
    deleted = run(capsys, dict(args, state="absent"))
    assert [r["changed"] for r in deleted["results"]] == [True] * 3 and aws.mutating == ["DeleteVpcEndpoints"] * 3
    assert "DescribeRouteTables" not in aws  # deleting needs the VPC only


def test_the_default_vpc_without_default_subnets_is_named_in_the_error(aws, capsys):  # pylint: disable=redefined-outer-name
    ec2 = boto3.client("ec2")
    for subnet in ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"]:
        ec2.delete_subnet(SubnetId=subnet["SubnetId"])
    failed = run(capsys, {"vpc_id": "default", "service": "glue"})
    assert failed["failed"] and failed["msg"].startswith("vpc_id: default: the region us-east-1 has no default VPC")


def test_vpc_id_is_an_id_or_default_and_default_vpc_azs_positive(aws, capsys):  # pylint: disable=redefined-outer-name
    failed = run(capsys, {"vpc_id": "my-vpc", "service": "glue"})
    assert failed["failed"] and "vpc_id: 'my-vpc' is not an id" in failed["msg"] and "(or default" in failed["msg"]
    failed = run(capsys, {"vpc_id": "default", "default_vpc_azs": 0, "service": "glue"})
    assert failed["failed"] and "default_vpc_azs: 0 must be at least 1" in failed["msg"] and aws == []
