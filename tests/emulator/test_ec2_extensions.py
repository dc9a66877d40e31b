# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The EC2 extensions answer as the API reference says, over HTTP (extensions/ec2.py)."""

import botocore
import pytest


@pytest.fixture
def network(aws):
    ec2 = aws.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    tables = [ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"] for dummy in range(2)]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    return ec2, vpc, tables, subnet


def endpoint_routes(ec2, table, endpoint_id):
    routes = ec2.describe_route_tables(RouteTableIds=[table])["RouteTables"][0]["Routes"]
    return [r for r in routes if r.get("GatewayId") == endpoint_id]


def test_gateway_routes_follow_the_route_tables_and_deletion_works(network):
    ec2, vpc, (first, second), dummy = network
    endpoint = ec2.create_vpc_endpoint(VpcId=vpc, ServiceName="com.amazonaws.us-east-1.s3", RouteTableIds=[first],
                                       VpcEndpointType="Gateway")["VpcEndpoint"]["VpcEndpointId"]
    ec2.modify_vpc_endpoint(VpcEndpointId=endpoint, AddRouteTableIds=[second], RemoveRouteTableIds=[first])
    assert endpoint_routes(ec2, first, endpoint) == []
    route = endpoint_routes(ec2, second, endpoint)
    assert len(route) == 1 and route[0]["DestinationPrefixListId"].startswith("pl-")
    ec2.delete_vpc_endpoints(VpcEndpointIds=[endpoint])  # moto alone fails here: no route in the added table
    assert endpoint_routes(ec2, second, endpoint) == []
    assert ec2.describe_vpc_endpoints(VpcEndpointIds=[endpoint])["VpcEndpoints"][0]["State"] == "deleted"


def test_an_unknown_route_table_changes_nothing(network):
    ec2, vpc, (first, dummy), dummy_subnet = network
    endpoint = ec2.create_vpc_endpoint(VpcId=vpc, ServiceName="com.amazonaws.us-east-1.s3", RouteTableIds=[first],
                                       VpcEndpointType="Gateway")["VpcEndpoint"]["VpcEndpointId"]
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        ec2.modify_vpc_endpoint(VpcEndpointId=endpoint, AddRouteTableIds=["rtb-0123456789abcdef0"])
    assert caught.value.response["Error"]["Code"] == "InvalidRouteTableID.NotFound"
    assert ec2.describe_vpc_endpoints(VpcEndpointIds=[endpoint])["VpcEndpoints"][0]["RouteTableIds"] == [first]


def test_private_dns_of_an_interface_endpoint_can_be_turned_off_and_on(network):
    ec2, vpc, dummy, subnet = network
    endpoint = ec2.create_vpc_endpoint(VpcId=vpc, ServiceName="com.amazonaws.us-east-1.glue", SubnetIds=[subnet],
                                       VpcEndpointType="Interface")["VpcEndpoint"]["VpcEndpointId"]

    def private_dns():
        return ec2.describe_vpc_endpoints(VpcEndpointIds=[endpoint])["VpcEndpoints"][0]["PrivateDnsEnabled"]

    assert private_dns() is True
    ec2.modify_vpc_endpoint(VpcEndpointId=endpoint, PrivateDnsEnabled=False)
    assert private_dns() is False
    ec2.modify_vpc_endpoint(VpcEndpointId=endpoint, AddSubnetIds=[subnet])  # no PrivateDnsEnabled: unchanged
    assert private_dns() is False
    ec2.modify_vpc_endpoint(VpcEndpointId=endpoint, PrivateDnsEnabled=True)
    assert private_dns() is True
