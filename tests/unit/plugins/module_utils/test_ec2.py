# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""VPC endpoint helpers: service names, normalization, in-place modifications, and the calls' error and paging
paths through botocore's Stubber."""

import json

import boto3
import pytest
from botocore.stub import ANY
from botocore.stub import Stubber

from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper

from ansible_collections.deltalake.aws.plugins.module_utils import ec2
from ansible_collections.deltalake.aws.plugins.module_utils.base import DeltaLakeAWSError
from ansible_collections.deltalake.aws.plugins.module_utils.base import aws_retry

VPC = "vpc-0123456789abcdef0"


@pytest.fixture
def stubbed():
    raw = boto3.client("ec2", region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s")
    client = RetryingBotoClientWrapper(raw, aws_retry(delay=0, max_delay=0))
    with Stubber(raw) as stub:
        yield client, stub
        stub.assert_no_pending_responses()


@pytest.mark.parametrize(
    "service, name, endpoint_type",
    [
        ("s3", "com.amazonaws.eu-west-1.s3", "Gateway"),
        ("dynamodb", "com.amazonaws.eu-west-1.dynamodb", "Gateway"),
        ("glue", "com.amazonaws.eu-west-1.glue", "Interface"),
        ("firehose", "com.amazonaws.eu-west-1.kinesis-firehose", "Interface"),
        ("kinesis", "com.amazonaws.eu-west-1.kinesis-streams", "Interface"),
        ("sts", "com.amazonaws.eu-west-1.sts", "Interface"),
        ("com.amazonaws.eu-west-1.ssm", "com.amazonaws.eu-west-1.ssm", "Interface"),
    ],
)
def test_service_names_and_default_types(service, name, endpoint_type):
    assert ec2.validate_service(service) == []
    assert ec2.expand_service_name(service, "eu-west-1") == name
    assert ec2.default_endpoint_type(name) == endpoint_type


@pytest.mark.parametrize("service, rule", [("s4", "not a known short name"), ("com..x", "not a VPC endpoint service"),
                                           ("", "a service name is required"), ("Com.Amazonaws.x.y", "not a VPC")])
def test_invalid_services(service, rule):
    errors = ec2.validate_service(service)
    assert errors and errors[0].startswith("service:") and rule in errors[0]


def test_ids():
    assert ec2.validate_ids(VPC, "vpc", "vpc_id") == []
    assert ec2.validate_ids(["subnet-12345678", "subnet-0123456789abcdef0"], "subnet", "subnet_ids") == []
    assert ec2.validate_ids(["rtb-12345678", "rtb-xyz"], "rtb", "route_table_ids") == [
        "route_table_ids[1]: 'rtb-xyz' is not an id of the form rtb-<8 or 17 hexadecimal digits>"
    ]
    assert ec2.validate_ids("sg-1", "vpc", "vpc_id")[0].startswith("vpc_id: 'sg-1'")


GATEWAY = {
    "VpcEndpointId": "vpce-1", "VpcEndpointType": "Gateway", "VpcId": VPC, "ServiceName": "com.amazonaws.us-east-1.s3",
    "State": "available", "PolicyDocument": json.dumps(ec2.DEFAULT_POLICY), "RouteTableIds": ["rtb-2", "rtb-1"],
    "SubnetIds": [], "Groups": [], "PrivateDnsEnabled": True, "Tags": [{"Key": "Name", "Value": "lake-s3"}],
}


def test_normalize():
    assert ec2.normalize_vpc_endpoint(GATEWAY) == {
        "id": "vpce-1", "vpc_id": VPC, "service_name": "com.amazonaws.us-east-1.s3", "type": "Gateway",
        "route_table_ids": ["rtb-1", "rtb-2"], "subnet_ids": [], "security_group_ids": [],
        "private_dns_enabled": False,  # gateway endpoints have no private DNS, whatever the emulator says
        "policy": ec2.DEFAULT_POLICY, "tags": {"Name": "lake-s3"},
    }
    interface = dict(GATEWAY, VpcEndpointType="Interface", RouteTableIds=[], SubnetIds=["subnet-2", "subnet-1"],
                     Groups=[{"GroupId": "sg-1", "GroupName": "x"}], PolicyDocument=None, Tags=None)
    state = ec2.normalize_vpc_endpoint(interface)
    assert state["subnet_ids"] == ["subnet-1", "subnet-2"] and state["security_group_ids"] == ["sg-1"]
    assert state["private_dns_enabled"] is True and state["policy"] == {} and state["tags"] == {}


def test_invalid_policy_json_is_an_error():
    with pytest.raises(DeltaLakeAWSError, match="not valid JSON"):
        ec2.normalize_vpc_endpoint(dict(GATEWAY, PolicyDocument="{"))


def test_modification_params_add_and_remove_in_place():
    have = {"route_table_ids": ["rtb-1", "rtb-2"], "policy": ec2.DEFAULT_POLICY, "private_dns_enabled": True}
    policy = {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}]}
    params = ec2.modification_params({"route_table_ids": ["rtb-2", "rtb-3"], "policy": policy,
                                      "private_dns_enabled": False}, have)
    assert params == {"AddRouteTableIds": ["rtb-3"], "RemoveRouteTableIds": ["rtb-1"],
                      "PolicyDocument": json.dumps(policy), "PrivateDnsEnabled": False}
    assert ec2.modification_params({"subnet_ids": ["subnet-1"]}, {"subnet_ids": []}) == {"AddSubnetIds": ["subnet-1"]}
    assert ec2.modification_params({"route_table_ids": ["rtb-1", "rtb-2"]}, have) == {}


def test_find_leaves_out_deleted_endpoints_and_follows_pages(stubbed):
    client, stub = stubbed
    filters = [
        {"Name": "vpc-id", "Values": [VPC]},
        {"Name": "service-name", "Values": ["com.amazonaws.us-east-1.s3"]},
        {"Name": "vpc-endpoint-type", "Values": ["Gateway"]},
        {"Name": "vpc-endpoint-state", "Values": ec2.LIVE_STATES},
    ]
    stub.add_response("describe_vpc_endpoints", {"VpcEndpoints": [GATEWAY], "NextToken": "t"}, {"Filters": filters})
    stub.add_response("describe_vpc_endpoints", {"VpcEndpoints": [dict(GATEWAY, VpcEndpointId="vpce-2")]},
                      {"Filters": filters, "NextToken": "t"})
    found = ec2.find_vpc_endpoints(client, VPC, "com.amazonaws.us-east-1.s3", "Gateway")
    assert [e["VpcEndpointId"] for e in found] == ["vpce-1", "vpce-2"]
    assert "deleted" not in ec2.LIVE_STATES and "deleting" not in ec2.LIVE_STATES


def test_create_sends_tags_and_a_client_token(stubbed):
    client, stub = stubbed
    stub.add_response("create_vpc_endpoint", {"VpcEndpoint": GATEWAY}, {
        "VpcId": VPC, "ServiceName": "com.amazonaws.us-east-1.s3", "VpcEndpointType": "Gateway",
        "ClientToken": ANY, "RouteTableIds": ["rtb-1"],
        "TagSpecifications": [{"ResourceType": "vpc-endpoint", "Tags": [{"Key": "Name", "Value": "lake-s3"}]}],
    })
    state = {"vpc_id": VPC, "service_name": "com.amazonaws.us-east-1.s3", "type": "Gateway", "route_table_ids": ["rtb-1"],
             "subnet_ids": [], "security_group_ids": [], "private_dns_enabled": False, "policy": ec2.DEFAULT_POLICY,
             "tags": {"Name": "lake-s3"}}
    assert ec2.create_vpc_endpoint(client, state)["VpcEndpointId"] == "vpce-1"


def test_delete_reports_unsuccessful_items(stubbed):
    client, stub = stubbed
    gone = {"Unsuccessful": [{"ResourceId": "vpce-1", "Error": {"Code": "InvalidVpcEndpoint.NotFound", "Message": "x"}}]}
    stub.add_response("delete_vpc_endpoints", gone, {"VpcEndpointIds": ["vpce-1"]})
    stub.add_response("delete_vpc_endpoints", {"Unsuccessful": [
        {"ResourceId": "vpce-1", "Error": {"Code": "DependencyViolation", "Message": "in use"}}]}, {"VpcEndpointIds": ["vpce-1"]})
    stub.add_response("delete_vpc_endpoints", {"Unsuccessful": []}, {"VpcEndpointIds": ["vpce-1"]})
    assert ec2.delete_vpc_endpoint(client, "vpce-1") is False
    with pytest.raises(DeltaLakeAWSError, match="DependencyViolation in use"):
        ec2.delete_vpc_endpoint(client, "vpce-1")
    assert ec2.delete_vpc_endpoint(client, "vpce-1") is True


def test_throttled_modify_is_retried(stubbed):
    client, stub = stubbed
    stub.add_client_error("modify_vpc_endpoint", service_error_code="RequestLimitExceeded", http_status_code=503)
    stub.add_response("modify_vpc_endpoint", {"Return": True}, {"VpcEndpointId": "vpce-1", "AddSubnetIds": ["subnet-1"]})
    ec2.modify_vpc_endpoint(client, "vpce-1", {"AddSubnetIds": ["subnet-1"]})
