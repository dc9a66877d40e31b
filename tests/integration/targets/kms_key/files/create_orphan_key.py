#!/usr/bin/env python
# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Leave what a kms_key run killed between CreateKey and CreateAlias leaves: a key tagged with its alias, and no
alias. Usage: create_orphan_key.py ENDPOINT REGION ALIAS; prints the key id."""

import sys

import boto3

endpoint, region, alias = sys.argv[1:4]
kms = boto3.client("kms", endpoint_url=endpoint, region_name=region, aws_access_key_id="testing",
                   aws_secret_access_key="testing")
key = kms.create_key(Description="", KeyUsage="ENCRYPT_DECRYPT", KeySpec="SYMMETRIC_DEFAULT",
                     Tags=[{"TagKey": "deltalake:alias", "TagValue": alias}])
print(key["KeyMetadata"]["KeyId"])
