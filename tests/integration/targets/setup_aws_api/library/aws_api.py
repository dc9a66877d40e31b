#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: aws_api
short_description: Call one AWS API operation (integration-test helper)
description:
  - Calls one boto3 client method and returns its answer, so that integration targets can read what a module did
    independently of the module's own reads, and arrange fixtures that no module of this collection creates
    (a table in a database, a running crawler, a saved query).
  - Only for tests against the emulator; never used by the collection's roles.
options:
  service:
    description: The boto3 service name, for example V(glue).
    type: str
    required: true
  operation:
    description: The boto3 client method, for example V(get_database).
    type: str
    required: true
  parameters:
    description: The method's keyword arguments.
    type: dict
    default: {}
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

import json

try:
    from botocore.exceptions import ClientError
except ImportError:
    pass  # AnsibleAWSModule reports a missing botocore

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

READ_PREFIXES = ("get_", "list_", "describe_", "batch_get_")


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            service=dict(type="str", required=True),
            operation=dict(type="str", required=True),
            parameters=dict(type="dict", default={}),
        ),
    )
    operation = module.params["operation"]
    client = module.client(module.params["service"])
    try:
        response = getattr(client, operation)(**module.params["parameters"])
    except ClientError as e:
        error = e.response.get("Error", {})
        module.fail_json(msg=f"{operation}: {error.get('Code')}: {error.get('Message')}", error_code=error.get("Code"))
    response.pop("ResponseMetadata", None)
    module.exit_json(
        changed=not operation.startswith(READ_PREFIXES), response=json.loads(json.dumps(response, default=str))
    )


if __name__ == "__main__":
    main()
