# -*- coding: utf-8 -*-

# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""EC2 (VPC endpoint) calls and shapes for deltalake.aws modules.

An endpoint's identity is its VPC, service name and type: ``find_vpc_endpoints`` lists the endpoints that match,
leaving out deleted ones (AWS, and the emulator, keep those listed with state ``deleted`` for a while), so a
re-run finds the endpoint a previous run created even if it crashed before tagging it. ``normalize_vpc_endpoint``
gives the module's return shape; ``modify_vpc_endpoint`` adds and removes route tables, subnets and security
groups in place. Every call passes ``aws_retry=True``; botocore errors become DeltaLakeAWSError.
"""

import json
import re
import uuid

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_specifications
from ansible_collections.amazon.aws.plugins.module_utils.waiter import BaseWaiterFactory
from ansible_collections.amazon.aws.plugins.module_utils.waiter import custom_waiter_config

from ansible_collections.deltalake.aws.plugins.module_utils.base import DeltaLakeAWSError
from ansible_collections.deltalake.aws.plugins.module_utils.base import aws_retry

GATEWAY = "Gateway"
INTERFACE = "Interface"

# Short names of the services a data lake reaches privately -> the service part of com.amazonaws.<region>.<x>.
SERVICE_SHORT_NAMES = {
    "s3": "s3",
    "glue": "glue",
    "athena": "athena",
    "kms": "kms",
    "firehose": "kinesis-firehose",
    "sts": "sts",
    "lakeformation": "lakeformation",
    "logs": "logs",
    "kinesis": "kinesis-streams",
    "dynamodb": "dynamodb",
}
# The only services with gateway endpoints (https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html).
GATEWAY_SERVICES = ("s3", "dynamodb")
# Every state except those of an endpoint that is gone or going (deleting, deleted, expired).
LIVE_STATES = ["pendingAcceptance", "pending", "available", "partial", "rejected", "failed"]
BROKEN_STATES = ("rejected", "failed")
# The policy AWS gives an endpoint created without one (full access).
DEFAULT_POLICY = {
    "Version": "2008-10-17",
    "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}],
}

ID_RES = {
    "vpc": re.compile(r"^vpc-[0-9a-f]{8}(?:[0-9a-f]{9})?$"),
    "rtb": re.compile(r"^rtb-[0-9a-f]{8}(?:[0-9a-f]{9})?$"),
    "subnet": re.compile(r"^subnet-[0-9a-f]{8}(?:[0-9a-f]{9})?$"),
    "sg": re.compile(r"^sg-[0-9a-f]{8}(?:[0-9a-f]{9})?$"),
}
SERVICE_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]*(?:\.[a-z0-9][a-z0-9-]*){2,}$")


class EC2VpcEndpointErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = DeltaLakeAWSError

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code(["InvalidVpcEndpointId.NotFound", "InvalidVpcEndpoint.NotFound"])


class VpcEndpointWaiterFactory(BaseWaiterFactory):
    @property
    def _waiter_model_data(self):
        state = "VpcEndpoints[].State"
        return {
            "vpc_endpoint_available": {
                "operation": "DescribeVpcEndpoints",
                "delay": 5,
                "maxAttempts": 120,
                "acceptors": [
                    {"matcher": "pathAll", "argument": state, "expected": "available", "state": "success"},
                    {"matcher": "pathAll", "argument": state, "expected": "Available", "state": "success"},
                    {"matcher": "pathAny", "argument": state, "expected": "failed", "state": "failure"},
                    {"matcher": "pathAny", "argument": state, "expected": "Failed", "state": "failure"},
                ],
            },
            "vpc_endpoint_deleted": {
                "operation": "DescribeVpcEndpoints",
                "delay": 5,
                "maxAttempts": 120,
                "acceptors": [
                    {"matcher": "pathAll", "argument": state, "expected": "deleted", "state": "success"},
                    {"matcher": "pathAll", "argument": state, "expected": "Deleted", "state": "success"},
                    {"matcher": "path", "argument": "length(VpcEndpoints[]) == `0`", "expected": True, "state": "success"},
                    {"matcher": "error", "expected": "InvalidVpcEndpointId.NotFound", "state": "success"},
                ],
            },
        }


WAITERS = VpcEndpointWaiterFactory()


@EC2VpcEndpointErrorHandler.common_error_handler("wait for the VPC endpoint")
@aws_retry()
def wait_for(client, waiter_name, endpoint_id, timeout):
    WAITERS.get_waiter(client, waiter_name).wait(
        VpcEndpointIds=[endpoint_id], WaiterConfig=custom_waiter_config(timeout=timeout, default_pause=5)
    )


# ---------------------------------------------------------------------------------------------------- names


def expand_service_name(service, region):
    """A short name (``s3``, ``glue``, ``firehose``...) -> ``com.amazonaws.<region>.<service>``; a full name
    (it contains a dot) is returned as it is."""
    if "." in service:
        return service
    return f"com.amazonaws.{region}.{SERVICE_SHORT_NAMES[service]}"


def default_endpoint_type(service_name):
    """Gateway for S3 and DynamoDB (free, routed through route tables), Interface for everything else."""
    return GATEWAY if service_name.rsplit(".", 1)[-1] in GATEWAY_SERVICES else INTERFACE


def validate_service(value, field="service"):
    if not isinstance(value, str) or not value:
        return [f"{field}: a service name is required"]
    if "." not in value:
        if value not in SERVICE_SHORT_NAMES:
            return [f"{field}: {value!r} is not a known short name ({', '.join(sorted(SERVICE_SHORT_NAMES))});"
                    " give the full service name, such as com.amazonaws.eu-west-1.ssm"]
        return []
    if not SERVICE_NAME_RE.match(value):
        return [f"{field}: {value!r} is not a VPC endpoint service name such as com.amazonaws.eu-west-1.glue"]
    return []


def validate_ids(values, kind, field):
    """EC2 ids of one kind (vpc, rtb, subnet, sg): the prefix and 8 or 17 hexadecimal digits."""
    errors = []
    for index, value in enumerate([values] if isinstance(values, str) else values or []):
        where = field if isinstance(values, str) else f"{field}[{index}]"
        if not isinstance(value, str) or not ID_RES[kind].match(value):
            errors.append(f"{where}: {value!r} is not an id of the form {kind}-<8 or 17 hexadecimal digits>")
    return errors


# ---------------------------------------------------------------------------------------------------- shapes


def parse_policy(document):
    if not document:
        return {}
    if isinstance(document, dict):
        return document
    try:
        return json.loads(document)
    except ValueError as e:
        raise DeltaLakeAWSError(message=f"The VPC endpoint has a policy that is not valid JSON: {e}") from e


def normalize_vpc_endpoint(endpoint):
    """DescribeVpcEndpoints item -> the module's return shape (id lists sorted: AWS keeps no order)."""
    endpoint_type = endpoint.get("VpcEndpointType", GATEWAY)
    return {
        "id": endpoint["VpcEndpointId"],
        "vpc_id": endpoint["VpcId"],
        "service_name": endpoint["ServiceName"],
        "type": endpoint_type,
        "route_table_ids": sorted(endpoint.get("RouteTableIds") or []),
        "subnet_ids": sorted(endpoint.get("SubnetIds") or []),
        "security_group_ids": sorted(g["GroupId"] for g in endpoint.get("Groups") or []),
        # Only interface endpoints have private DNS; AWS reports false for the others.
        "private_dns_enabled": bool(endpoint.get("PrivateDnsEnabled")) if endpoint_type == INTERFACE else False,
        "policy": parse_policy(endpoint.get("PolicyDocument")),
        "tags": boto3_tag_list_to_ansible_dict(endpoint.get("Tags") or []),
    }


# ---------------------------------------------------------------------------------------------------- reads


@EC2VpcEndpointErrorHandler.list_error_handler("describe VPC endpoints", default_value=[])
@aws_retry()
def find_vpc_endpoints(client, vpc_id, service_name, endpoint_type):
    """Live endpoints of ``service_name`` and ``endpoint_type`` in ``vpc_id`` (never deleted ones)."""
    filters = [
        {"Name": "vpc-id", "Values": [vpc_id]},
        {"Name": "service-name", "Values": [service_name]},
        {"Name": "vpc-endpoint-type", "Values": [endpoint_type]},
        {"Name": "vpc-endpoint-state", "Values": LIVE_STATES},
    ]
    paginator = client.get_paginator("describe_vpc_endpoints")
    return paginator.paginate(Filters=filters).build_full_result().get("VpcEndpoints", [])


@EC2VpcEndpointErrorHandler.common_error_handler("describe the default subnets")
@aws_retry()
def default_subnets(client):
    """The region's default subnets, one per Availability Zone; only the default VPC has them."""
    paginator = client.get_paginator("describe_subnets")
    filters = [{"Name": "default-for-az", "Values": ["true"]}]
    return paginator.paginate(Filters=filters).build_full_result().get("Subnets", [])


@EC2VpcEndpointErrorHandler.common_error_handler("describe the main route table")
@aws_retry()
def main_route_tables(client, vpc_id):
    """The main route table of ``vpc_id`` (a list: empty only for a VPC that is gone)."""
    paginator = client.get_paginator("describe_route_tables")
    filters = [{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "association.main", "Values": ["true"]}]
    return paginator.paginate(Filters=filters).build_full_result().get("RouteTables", [])


# ---------------------------------------------------------------------------------------------------- writes


@EC2VpcEndpointErrorHandler.common_error_handler("create VPC endpoint")
def create_vpc_endpoint(client, state):
    """Create the endpoint with its tags in the same call. The ClientToken makes botocore's own retries of
    this call idempotent on AWS; across runs, ``find_vpc_endpoints`` is what prevents duplicates."""
    params = {
        "VpcId": state["vpc_id"],
        "ServiceName": state["service_name"],
        "VpcEndpointType": state["type"],
        "ClientToken": str(uuid.uuid4()),
    }
    if state["type"] == GATEWAY:
        params["RouteTableIds"] = state["route_table_ids"]
    else:
        params["SubnetIds"] = state["subnet_ids"]
        if state["security_group_ids"]:
            params["SecurityGroupIds"] = state["security_group_ids"]
        params["PrivateDnsEnabled"] = state["private_dns_enabled"]
    if state["policy"] and state["policy"] != DEFAULT_POLICY:
        params["PolicyDocument"] = json.dumps(state["policy"])
    if state.get("tags"):
        params["TagSpecifications"] = boto3_tag_specifications(state["tags"], ["vpc-endpoint"])
    return client.create_vpc_endpoint(aws_retry=True, **params)["VpcEndpoint"]


def modification_params(target, have):
    """ModifyVpcEndpoint arguments that turn ``have`` into ``target`` (both partial normalized states)."""
    params = {}
    for key, api in (("route_table_ids", "RouteTableIds"), ("subnet_ids", "SubnetIds"),
                     ("security_group_ids", "SecurityGroupIds")):
        if key not in target:
            continue
        add = sorted(set(target[key]) - set(have.get(key) or []))
        remove = sorted(set(have.get(key) or []) - set(target[key]))
        if add:
            params[f"Add{api}"] = add
        if remove:
            params[f"Remove{api}"] = remove
    if "policy" in target and target["policy"] != have.get("policy"):
        params["PolicyDocument"] = json.dumps(target["policy"])
    if "private_dns_enabled" in target and target["private_dns_enabled"] != have.get("private_dns_enabled"):
        params["PrivateDnsEnabled"] = target["private_dns_enabled"]
    return params


@EC2VpcEndpointErrorHandler.common_error_handler("modify VPC endpoint")
def modify_vpc_endpoint(client, endpoint_id, params):
    client.modify_vpc_endpoint(VpcEndpointId=endpoint_id, aws_retry=True, **params)


@EC2VpcEndpointErrorHandler.common_error_handler("tag VPC endpoint")
def create_tags(client, endpoint_id, tags):
    client.create_tags(Resources=[endpoint_id], Tags=ansible_dict_to_boto3_tag_list(tags), aws_retry=True)


@EC2VpcEndpointErrorHandler.common_error_handler("untag VPC endpoint")
def delete_tags(client, endpoint_id, keys):
    client.delete_tags(Resources=[endpoint_id], Tags=[{"Key": k} for k in keys], aws_retry=True)


@EC2VpcEndpointErrorHandler.deletion_error_handler("delete VPC endpoint")
def delete_vpc_endpoint(client, endpoint_id):
    """DeleteVpcEndpoints reports failures in ``Unsuccessful`` rather than raising: raise them here, except
    "not found" (already gone)."""
    response = client.delete_vpc_endpoints(VpcEndpointIds=[endpoint_id], aws_retry=True)
    for item in response.get("Unsuccessful") or []:
        error = item.get("Error", {})
        if error.get("Code") in ("InvalidVpcEndpoint.NotFound", "InvalidVpcEndpointId.NotFound"):
            return False
        raise DeltaLakeAWSError(
            message=f"Failed to delete VPC endpoint {endpoint_id}: {error.get('Code')} {error.get('Message')}"
        )
    return True
