#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: vpc_endpoint
short_description: Manage VPC endpoints that keep a data lake's AWS traffic inside the VPC
version_added: 0.1.0
description:
  - Creates, updates and deletes a VPC endpoint, a gateway endpoint (S3, DynamoDB) or an interface endpoint
    (Glue, Athena, KMS, Firehose, STS and any other PrivateLink service).
  - With O(endpoints), one task converges several endpoints (all of a lake's) in one module run, which is much
    faster than a loop, which starts the module, Python and boto3 once per endpoint.
  - An endpoint is identified by its VPC, service and type. The module looks it up by those three, leaving
    out deleted endpoints, before it creates anything, so a re-run never makes a duplicate, even after a run
    that stopped between creating the endpoint and tagging it.
  - Route tables, subnets and security groups are added and removed in place, with one ModifyVpcEndpoint call
    for every change of the endpoint (the policy and private DNS included); tags change with
    CreateTags/DeleteTags. An identical re-run reports RV(ignore:changed=false) after one
    DescribeVpcEndpoints call.
  - In check mode the module makes read calls only and predicts what a real run would change; with C(--diff)
    it shows every changed setting before and after.
author:
  - deltalake.aws developers (@deltalake-aws)
options:
  vpc_id:
    description:
      - The VPC of the endpoint; with O(endpoints), of every item that does not set its own.
      - V(default) is the region's default VPC, found from the region's default subnets (only the default VPC has
        them). An endpoint in it that does not set its own gets the VPC's main route table (V(Gateway), in
        place of O(route_table_ids)) or its default subnets in the first O(default_vpc_azs) Availability Zones
        (V(Interface), in place of O(subnet_ids)). The module reads those once per run, and only when an endpoint
        needs them.
    type: str
    required: true
  default_vpc_azs:
    description:
      - With O(vpc_id=default), how many Availability Zones (in name order) an V(Interface) endpoint that does
        not set O(subnet_ids) gets a network interface in, one default subnet each. An interface endpoint is
        billed per Availability Zone.
      - Ignored for another VPC.
    type: int
    default: 2
  service:
    description:
      - The service, as a short name or a full service name.
      - 'Short names expand to C(com.amazonaws.<region>.<service>): V(s3), V(glue), V(athena), V(kms), V(sts),
        V(lakeformation), V(logs), V(dynamodb), V(firehose) (C(kinesis-firehose)) and V(kinesis)
        (C(kinesis-streams)).'
      - A full name (it contains a dot), such as C(com.amazonaws.eu-west-1.ssm) or a PrivateLink service's
        C(com.amazonaws.vpce.eu-west-1.vpce-svc-...), is used as it is.
      - Required unless O(endpoints) is set.
    type: str
  endpoints:
    description:
      - Several endpoints to converge in this one module run, in list order, instead of the one named by
        O(service).
      - Each item is a dict of this module's options (O(service) required, O(endpoints) excepted); an option
        an item does not set takes the value given at the top level of the task, then the option's default (an
        item cannot unset a top-level option; null in an item means not set). So shared settings such as
        O(vpc_id), O(subnet_ids) or O(tags) can be written once.
      - Every item is validated before the first AWS call. A failure names the item at the start of its
        message (as in C(endpoints[1] (glue))) and returns the results of the endpoints converged before it; a
        re-run converges from there.
      - The result has C(results), one entry per item as a loop would register them.
    type: list
    elements: dict
  type:
    description:
      - The endpoint type. Defaults to V(Gateway) for S3 and DynamoDB (free, routed through route tables) and
        V(Interface) for every other service.
      - Part of the endpoint's identity; an endpoint of another type for the same service is another endpoint.
    type: str
    choices: [Gateway, Interface]
  route_table_ids:
    description:
      - Route tables of a V(Gateway) endpoint; AWS adds a route to the service's prefix list in each.
      - Not managed when not set.
    type: list
    elements: str
  purge_route_table_ids:
    description:
      - Whether route tables not in O(route_table_ids) are removed from the endpoint.
    type: bool
    default: true
  subnet_ids:
    description:
      - Subnets of an V(Interface) endpoint, at most one per Availability Zone; the endpoint has a network
        interface in each.
      - Not managed when not set.
    type: list
    elements: str
  purge_subnet_ids:
    description:
      - Whether subnets not in O(subnet_ids) are removed from the endpoint.
    type: bool
    default: true
  security_group_ids:
    description:
      - Security groups of an V(Interface) endpoint's network interfaces.
      - Not managed when not set or V([]). An interface endpoint always has at least one security group, and
        AWS gives a new endpoint the VPC's default security group when it gets none.
    type: list
    elements: str
  purge_security_group_ids:
    description:
      - Whether security groups not in O(security_group_ids) are removed from the endpoint.
    type: bool
    default: true
  private_dns_enabled:
    description:
      - Whether the service's regional DNS name resolves to the V(Interface) endpoint inside the VPC (the VPC
        needs DNS support and DNS hostnames). V(true) when an interface endpoint is created without it.
      - Only for V(Interface) endpoints. Not managed on an existing endpoint when not set.
    type: bool
  policy:
    description:
      - The endpoint policy, as a policy document (dict or JSON string). Compared semantically (statement
        order, a string versus a one-element list, the forms of a principal), so an equal policy is never
        rewritten.
      - Not managed when not set; a new endpoint then gets the AWS default, full access.
    type: json
  state:
    description:
      - V(present) creates or updates the endpoint, V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  wait:
    description:
      - Wait until a created endpoint is available, or a deleted one is gone.
    type: bool
    default: true
  wait_timeout:
    description:
      - How long to wait, in seconds.
    type: int
    default: 600
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - deltalake.aws.modules
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
notes:
  - The module manages one endpoint per VPC, service and type. If several live endpoints match (made outside
    this module), it fails and names them rather than choose one.
  - In check mode a new endpoint's RV(vpc_endpoint.id) is V(null), and a new interface endpoint without
    O(security_group_ids) is predicted with none; AWS assigns both (the group is the VPC's default one).
"""

EXAMPLES = r"""
# Credentials, region and endpoint come from module_defaults or the environment; none are shown here.

- name: Route S3 traffic of the private subnets through a gateway endpoint, limited to the lake's buckets
  deltalake.aws.vpc_endpoint:
    vpc_id: vpc-0123456789abcdef0
    service: s3
    route_table_ids:
      - rtb-0123456789abcdef0
      - rtb-0fedcba9876543210
    policy:
      Version: "2012-10-17"
      Statement:
        - Effect: Allow
          Principal: "*"
          Action: "s3:*"
          Resource:
            - arn:aws:s3:::acme-lake-data
            - arn:aws:s3:::acme-lake-data/*
    tags:
      Name: acme-lake-s3

- name: Reach Glue privately from two subnets
  deltalake.aws.vpc_endpoint:
    vpc_id: vpc-0123456789abcdef0
    service: glue
    subnet_ids:
      - subnet-0123456789abcdef0
      - subnet-0fedcba9876543210
    security_group_ids:
      - sg-0123456789abcdef0
    tags:
      Name: acme-lake-glue

- name: Show what would change, changing nothing (run with --check --diff)
  deltalake.aws.vpc_endpoint:
    vpc_id: vpc-0123456789abcdef0
    service: firehose
    subnet_ids:
      - subnet-0123456789abcdef0
  check_mode: true
  register: planned

- name: Delete the Athena endpoint
  deltalake.aws.vpc_endpoint:
    vpc_id: vpc-0123456789abcdef0
    service: athena
    state: absent

- name: Route S3 through the default VPC's main route table, and reach Glue from two of its default subnets
  deltalake.aws.vpc_endpoint:
    vpc_id: default
    default_vpc_azs: 2
    endpoints:
      - service: s3
      - service: glue

- name: Converge a lake's endpoints in one module run; the VPC and tags are shared
  deltalake.aws.vpc_endpoint:
    vpc_id: vpc-0123456789abcdef0
    endpoints:
      - service: s3
        route_table_ids: [rtb-0123456789abcdef0]
      - service: glue
        subnet_ids: [subnet-0123456789abcdef0]
      - service: athena
        subnet_ids: [subnet-0123456789abcdef0]
    tags:
      lake: acme
"""

RETURN = r"""
results:
  description:
    - With O(endpoints), one result per item in list order, as a loop registers them. Each has C(service) (as
      the item gave it), C(changed), C(created), C(changed_fields), C(vpc_endpoint) (as described below) and in
      diff mode C(diff).
    - In diff mode the task's C(diff) is then a list with one entry per item, headed by the item.
  returned: when O(endpoints) is set
  type: list
  elements: dict
  sample: [{"service": "s3", "changed": false, "created": false, "changed_fields": [], "vpc_endpoint": {}}]
vpc_endpoint:
  description:
    - The endpoint after the run (predicted in check mode), in the same shape as the diff.
    - Empty after O(state=absent).
  returned: without O(endpoints)
  type: dict
  contains:
    id:
      description: Endpoint id; V(null) for an endpoint check mode predicts.
      type: str
      sample: vpce-0123456789abcdef0
    vpc_id:
      description: The VPC.
      type: str
      sample: vpc-0123456789abcdef0
    service_name:
      description: Full service name.
      type: str
      sample: com.amazonaws.eu-west-1.s3
    type:
      description: V(Gateway) or V(Interface).
      type: str
      sample: Gateway
    route_table_ids:
      description: Route tables (gateway endpoints), sorted.
      type: list
      elements: str
      sample: ["rtb-0123456789abcdef0"]
    subnet_ids:
      description: Subnets (interface endpoints), sorted.
      type: list
      elements: str
      sample: []
    security_group_ids:
      description: Security groups (interface endpoints), sorted.
      type: list
      elements: str
      sample: []
    private_dns_enabled:
      description: Whether private DNS is enabled; always V(false) for gateway endpoints.
      type: bool
      sample: false
    policy:
      description: The endpoint policy.
      type: dict
      sample: {"Version": "2008-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]}
    tags:
      description: Endpoint tags.
      type: dict
      sample: {"Name": "acme-lake-s3"}
"""

import functools
import json

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.policy import compare_policies
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

from ansible_collections.deltalake.aws.plugins.module_utils import ec2
from ansible_collections.deltalake.aws.plugins.module_utils.base import DeltaLakeAWSModule
from ansible_collections.deltalake.aws.plugins.module_utils.base import Reconciler
from ansible_collections.deltalake.aws.plugins.module_utils.base import desired_tags
from ansible_collections.deltalake.aws.plugins.module_utils.validators import validate_policy_document
from ansible_collections.deltalake.aws.plugins.module_utils.validators import validate_region
from ansible_collections.deltalake.aws.plugins.module_utils.validators import validate_tags

ARGUMENT_SPEC = dict(
    vpc_id=dict(type="str", required=True),
    default_vpc_azs=dict(type="int", default=2),
    service=dict(type="str"),
    endpoints=dict(type="list", elements="dict"),
    type=dict(type="str", choices=[ec2.GATEWAY, ec2.INTERFACE]),
    route_table_ids=dict(type="list", elements="str"),
    purge_route_table_ids=dict(type="bool", default=True),
    subnet_ids=dict(type="list", elements="str"),
    purge_subnet_ids=dict(type="bool", default=True),
    security_group_ids=dict(type="list", elements="str"),
    purge_security_group_ids=dict(type="bool", default=True),
    private_dns_enabled=dict(type="bool"),
    policy=dict(type="json"),
    tags=dict(type="dict", aliases=["resource_tags"]),
    purge_tags=dict(type="bool", default=True),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    wait=dict(type="bool", default=True),
    wait_timeout=dict(type="int", default=600),
)

# The vpc_id that names the region's default VPC.
DEFAULT_VPC = "default"

# Settings of an existing endpoint that one ModifyVpcEndpoint call writes.
MODIFY_KEYS = ("route_table_ids", "subnet_ids", "security_group_ids", "private_dns_enabled", "policy")
LIST_KEYS = {"route_table_ids": "rtb", "subnet_ids": "subnet", "security_group_ids": "sg"}


def identity(module):
    """(service name, type) of the endpoint; valid only after validate_params."""
    service_name = ec2.expand_service_name(module.params["service"], module.region)
    return service_name, module.params["type"] or ec2.default_endpoint_type(service_name)


def validate_params(module):
    """Every rule that can be checked without AWS, before the first AWS call."""
    params = module.params
    errors = validate_region(module.region)
    if params["vpc_id"] != DEFAULT_VPC:
        errors += [f"{error} (or default, the region's default VPC)"
                   for error in ec2.validate_ids(params["vpc_id"], "vpc", "vpc_id")]
    elif params["default_vpc_azs"] < 1:
        errors.append(f"default_vpc_azs: {params['default_vpc_azs']} must be at least 1")
    errors += ec2.validate_service(params["service"])
    if module.params["wait_timeout"] < 1:
        errors.append(f"wait_timeout: {params['wait_timeout']} must be at least 1")
    for key, kind in LIST_KEYS.items():
        errors += ec2.validate_ids(params[key], kind, key)
    errors += validate_tags(params["tags"])
    if params["policy"] is not None:
        errors += validate_policy_document(params["policy"], "policy")[0]
    if not errors and module.region:
        service_name, endpoint_type = identity(module)
        if endpoint_type == ec2.GATEWAY:
            if service_name.rsplit(".", 1)[-1] not in ec2.GATEWAY_SERVICES:
                errors.append(f"type: Gateway endpoints exist only for S3 and DynamoDB, not {service_name}")
            for key in ("subnet_ids", "security_group_ids", "private_dns_enabled"):
                if params[key] is not None:
                    errors.append(f"{key}: applies only to Interface endpoints, and this one is a Gateway endpoint")
        elif params["route_table_ids"] is not None:
            errors.append("route_table_ids: applies only to Gateway endpoints, and this one is an Interface endpoint")
    module.fail_on_errors(errors)


def resolve_default_vpc(module, client, cache):
    """With vpc_id=default: put the default VPC's id into the params, and its main route table (Gateway) or
    first default_vpc_azs default subnets (Interface) where the endpoint sets none. ``cache`` holds what was read,
    so each read is made once per module run (the items of O(endpoints) share it) and only when needed."""
    params = module.params
    if params["vpc_id"] != DEFAULT_VPC:
        return
    if "subnets" not in cache:
        # only the default VPC has default subnets: one read names the VPC and its subnets
        cache["subnets"] = sorted(ec2.default_subnets(client), key=lambda subnet: subnet["AvailabilityZone"])
    if not cache["subnets"]:
        module.fail_json(msg=f"vpc_id: default: the region {module.region} has no default VPC with default subnets;"
                         " set vpc_id, and subnet_ids or route_table_ids")
    params["vpc_id"] = cache["subnets"][0]["VpcId"]
    if params["state"] == "absent":
        return  # an endpoint is found by its VPC, service and type; its route tables and subnets do not matter
    endpoint_type = identity(module)[1]
    if endpoint_type == ec2.GATEWAY and params["route_table_ids"] is None:
        if "route_tables" not in cache:
            cache["route_tables"] = sorted(t["RouteTableId"] for t in ec2.main_route_tables(client, params["vpc_id"]))
        params["route_table_ids"] = list(cache["route_tables"])
    elif endpoint_type == ec2.INTERFACE and params["subnet_ids"] is None:
        params["subnet_ids"] = [subnet["SubnetId"] for subnet in cache["subnets"][: params["default_vpc_azs"]]]


# ---------------------------------------------------------------------------------------------------- desired state


def desired_list(params, key, current):
    if params[key] is None:
        return None
    wanted = set(params[key])
    if not params[f"purge_{key}"]:
        wanted |= set(current or [])
    return sorted(wanted)


def desired_state(module, have):
    """The settings this run manages (None = not managed), normalized like normalize_vpc_endpoint."""
    params = module.params
    service_name, endpoint_type = identity(module)
    have = have or {}
    policy = json.loads(params["policy"]) if params["policy"] is not None else None
    if policy is not None and have.get("policy") and not compare_policies(have["policy"], policy):
        policy = have["policy"]  # semantically equal: keep AWS's form, so that neither diff nor write shows it
    private_dns = params["private_dns_enabled"]
    if endpoint_type == ec2.INTERFACE and private_dns is None and not have:
        private_dns = True  # what AWS does for a new interface endpoint
    return {
        "vpc_id": params["vpc_id"],
        "service_name": service_name,
        "type": endpoint_type,
        "route_table_ids": desired_list(params, "route_table_ids", have.get("route_table_ids")),
        "subnet_ids": desired_list(params, "subnet_ids", have.get("subnet_ids")),
        # [] is "AWS's choice" (the VPC's default group), never "no group", which AWS does not allow.
        "security_group_ids": desired_list(params, "security_group_ids", have.get("security_group_ids")) or None,
        "private_dns_enabled": private_dns,
        "policy": policy,
        "tags": desired_tags(have.get("tags"), params["tags"], params["purge_tags"]) if params["tags"] is not None else None,
    }


def new_endpoint_state(wanted):
    """What CreateVpcEndpoint makes from ``wanted``: the id comes from AWS; what is not managed gets its
    AWS default."""
    return {
        "id": None,
        "vpc_id": wanted["vpc_id"],
        "service_name": wanted["service_name"],
        "type": wanted["type"],
        "route_table_ids": wanted["route_table_ids"] or [],
        "subnet_ids": wanted["subnet_ids"] or [],
        "security_group_ids": wanted["security_group_ids"] or [],
        "private_dns_enabled": bool(wanted["private_dns_enabled"]),
        "policy": wanted["policy"] if wanted["policy"] is not None else dict(ec2.DEFAULT_POLICY),
        "tags": wanted["tags"] or {},
    }


# ---------------------------------------------------------------------------------------------------- current state


def find_endpoint(module, client):
    """The one live endpoint of this VPC, service and type, or None; several is an error, never a guess."""
    service_name, endpoint_type = identity(module)
    found = ec2.find_vpc_endpoints(client, module.params["vpc_id"], service_name, endpoint_type)
    if len(found) > 1:
        ids = ", ".join(sorted(e["VpcEndpointId"] for e in found))
        module.fail_json(
            msg=f"Found {len(found)} live {endpoint_type} endpoints of {service_name} in {module.params['vpc_id']}"
            f" ({ids}); this module manages one per VPC, service and type: delete the others first"
        )
    return found[0] if found else None


# ---------------------------------------------------------------------------------------------------- reconcile


def modify_equal(have, target):
    """The ModifyVpcEndpoint group is equal when the id lists and private DNS are, and the policies are
    semantically."""
    for key in target:
        if key == "policy":
            if compare_policies(have["policy"] or {}, target["policy"] or {}):
                return False
        elif have[key] != target[key]:
            return False
    return True


def ensure_present(module, client, reconciler, endpoint, wanted):
    params = module.params
    timeout = params["wait_timeout"]

    if endpoint is None:
        def create():
            created = ec2.create_vpc_endpoint(client, reconciler.after)
            reconciler.after["id"] = created["VpcEndpointId"]
            if params["wait"]:
                ec2.wait_for(client, "vpc_endpoint_available", created["VpcEndpointId"], timeout)

        reconciler.create(new_endpoint_state(wanted), create)
        return

    endpoint_id = endpoint["VpcEndpointId"]
    state = str(endpoint.get("State", "")).lower()
    if state in ec2.BROKEN_STATES:
        module.fail_json(
            msg=f"VPC endpoint {endpoint_id} is in state {state} and cannot be updated; delete it (state: absent)"
            " and run again to create a new one",
            vpc_endpoint=reconciler.before,
        )
    available = {"done": state == "available"}

    def ensure_available():
        if not available["done"]:
            ec2.wait_for(client, "vpc_endpoint_available", endpoint_id, timeout)
            available["done"] = True

    def write_modify(target, have):
        ensure_available()
        ec2.modify_vpc_endpoint(client, endpoint_id, ec2.modification_params(target, have))

    group = {key: wanted[key] for key in MODIFY_KEYS if wanted[key] is not None}
    reconciler.converge_group(group, write_modify, equal=modify_equal)

    def write_tags(target, have):
        to_set, to_unset = compare_aws_tags(have or {}, target, purge_tags=True)
        if to_unset:
            ec2.delete_tags(client, endpoint_id, to_unset)
        if to_set:
            ec2.create_tags(client, endpoint_id, to_set)

    reconciler.converge("tags", wanted["tags"], write_tags)


def ensure_absent(module, client, reconciler, endpoint):
    if endpoint is None:
        return
    params = module.params

    def delete():
        ec2.delete_vpc_endpoint(client, endpoint["VpcEndpointId"])
        if params["wait"]:
            ec2.wait_for(client, "vpc_endpoint_deleted", endpoint["VpcEndpointId"], params["wait_timeout"])

    reconciler.delete(delete)


def converge(module, default_vpc):
    """Converge the endpoint of ``module.params``; returns its result. ``default_vpc`` is the module run's cache
    of the default VPC's reads."""
    client = module.client("ec2")
    try:
        resolve_default_vpc(module, client, default_vpc)
        endpoint = find_endpoint(module, client)
        before = ec2.normalize_vpc_endpoint(endpoint) if endpoint else None
        reconciler = Reconciler(module, before)
        if module.params["state"] == "absent":
            ensure_absent(module, client, reconciler, endpoint)
        else:
            ensure_present(module, client, reconciler, endpoint, desired_state(module, before))
    except AnsibleAWSError as e:
        module.fail_json_aws_error(e)
    return reconciler.result("vpc_endpoint")


def main():
    module = DeltaLakeAWSModule(
        argument_spec=ARGUMENT_SPEC,
        supports_check_mode=True,
        mutually_exclusive=[("service", "endpoints")],
        required_one_of=[("service", "endpoints")],
    )
    # an S3 gateway and an S3 interface endpoint may both be listed: a service is not unique among the items
    default_vpc = {}  # the default VPC's reads, made once for all items
    result = module.converge_each("endpoints", ARGUMENT_SPEC, validate_params,
                                  functools.partial(converge, default_vpc=default_vpc), label="service", unique=False)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
