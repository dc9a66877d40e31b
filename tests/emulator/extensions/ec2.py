# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""EC2 (VPC endpoint) extensions of the emulator; see extensions/__init__.py."""


def gateway_endpoint_routes_follow_route_tables():
    """Add and remove a gateway endpoint's routes when ModifyVpcEndpoint adds or removes route tables.

    AWS adds a route to the service's prefix list, with the endpoint as target, to every route table associated
    with a gateway endpoint, and removes it when the table is disassociated
    (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifyVpcEndpoint.html, AddRouteTableIds and
    RemoveRouteTableIds; https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html#gateway-endpoint-routing).
    moto does so only in CreateVpcEndpoint: a table added later gets no route, so the endpoint's deletion then
    fails with InvalidRoute.NotFound, and a removed table keeps a stale route. An unknown route table id is
    refused before anything changes, as AWS does.
    """
    from moto.ec2.models.vpcs import VPCBackend

    original = VPCBackend.modify_vpc_endpoint

    def modify_vpc_endpoint(self, *args, **kwargs):
        endpoint = self.describe_vpc_endpoints(vpc_end_point_ids=[kwargs["vpc_id"]])[0]
        add = kwargs.get("add_route_tables") or []
        remove = kwargs.get("remove_route_tables") or []
        for route_table_id in add + remove:
            self.get_route_table(route_table_id)  # InvalidRouteTableID.NotFound before any change
        before = list(endpoint.route_table_ids or [])
        original(self, *args, **kwargs)
        prefix_list = endpoint.destination_prefix_list_id
        if (endpoint.vpc_endpoint_type or "Gateway").lower() != "gateway" or not prefix_list:
            return
        for route_table_id in add:
            if route_table_id not in before:
                self.create_route(route_table_id, None, gateway_id=endpoint.id, destination_prefix_list_id=prefix_list)
        for route_table_id in remove:
            if route_table_id in before:
                self.delete_route(route_table_id, None, destination_prefix_list_id=prefix_list)

    VPCBackend.modify_vpc_endpoint = modify_vpc_endpoint


def modify_interface_endpoint_private_dns():
    """Honour ``PrivateDnsEnabled`` in ModifyVpcEndpoint for interface endpoints.

    AWS turns private DNS of an interface endpoint on or off with this parameter
    (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifyVpcEndpoint.html, "PrivateDnsEnabled:
    (Interface endpoint) Indicates whether a private hosted zone is associated with the VPC"); moto's handler
    never reads it, so the change is silently lost. Gateway endpoints have no private DNS and are left alone.
    """
    from moto.ec2.responses.vpcs import VPCs

    original = VPCs.modify_vpc_endpoint

    def modify_vpc_endpoint(self):
        result = original(self)
        enabled = self._get_bool_param("PrivateDnsEnabled")
        if enabled is not None:
            endpoint = self.ec2_backend.describe_vpc_endpoints(vpc_end_point_ids=[self._get_param("VpcEndpointId")])[0]
            if (endpoint.vpc_endpoint_type or "").lower() == "interface":
                endpoint.private_dns_enabled = enabled
        return result

    VPCs.modify_vpc_endpoint = modify_vpc_endpoint


EXTENSIONS = (gateway_endpoint_routes_follow_route_tables, modify_interface_endpoint_private_dns)
