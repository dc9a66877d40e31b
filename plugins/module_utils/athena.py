# -*- coding: utf-8 -*-

# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Athena workgroup calls and shapes for deltalake.aws modules.

``get_workgroup`` returns the workgroup as the API gives it (None when it does not exist), ``normalize_workgroup``
turns it into the module's shape: only the settings the module manages, never ``CreationTime`` or the effective
engine version, which AWS reports but nobody sets. ``workgroup_updates`` builds the one UpdateWorkGroup request
that moves a workgroup from one normalized state to another. Every call passes ``aws_retry=True``.
"""

import sys

from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

from ansible_collections.deltalake.aws.plugins.module_utils.base import DeltaLakeAWSError
from ansible_collections.deltalake.aws.plugins.module_utils.base import aws_retry

try:
    from botocore.exceptions import ClientError
except ImportError:
    pass  # AnsibleAWSModule reports a missing botocore

DEFAULT_ENGINE_VERSION = "AUTO"
# The managed settings UpdateWorkGroup writes in one call (the description and the configuration).
WORKGROUP_SETTINGS = (
    "description",
    "output_location",
    "encryption",
    "kms_key_id",
    "enforce_workgroup_configuration",
    "publish_cloudwatch_metrics",
    "bytes_scanned_cutoff_per_query",
    "requester_pays",
    "engine_version",
)
_MISSING_MESSAGES = ("not found", "does not exist")


class _NeverRaised(Exception):
    pass


class AthenaErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = DeltaLakeAWSError

    @classmethod
    def _is_missing(cls):
        """Athena reports a missing workgroup or resource as InvalidRequestException ("WorkGroup x is not
        found.") or ResourceNotFoundException; other InvalidRequestExceptions are real errors."""
        error = sys.exc_info()[1]
        if isinstance(error, ClientError):
            code = error.response.get("Error", {}).get("Code")
            message = str(error.response.get("Error", {}).get("Message", "")).lower()
            if code == "ResourceNotFoundException" or (
                code == "InvalidRequestException" and any(m in message for m in _MISSING_MESSAGES)
            ):
                return ClientError
        return _NeverRaised


def workgroup_arn(partition, region, account_id, name):
    return f"arn:{partition}:athena:{region}:{account_id}:workgroup/{name}"


@AthenaErrorHandler.list_error_handler("get Athena workgroup")
def get_workgroup(client, name):
    """The workgroup, or None. (The emulator answers a missing workgroup with 200 and no WorkGroup key.)"""
    return client.get_work_group(WorkGroup=name, aws_retry=True).get("WorkGroup") or None


def normalize_workgroup(workgroup, arn):
    configuration = workgroup.get("Configuration") or {}
    result = configuration.get("ResultConfiguration") or {}
    encryption = result.get("EncryptionConfiguration") or {}
    option = encryption.get("EncryptionOption")
    return {
        "name": workgroup["Name"],
        "arn": arn,
        "description": workgroup.get("Description") or "",
        "output_location": result.get("OutputLocation") or "",
        "encryption": option.lower() if option else "none",
        "kms_key_id": encryption.get("KmsKey") if option in ("SSE_KMS", "CSE_KMS") else None,
        "enforce_workgroup_configuration": bool(configuration.get("EnforceWorkGroupConfiguration", False)),
        "publish_cloudwatch_metrics": bool(configuration.get("PublishCloudWatchMetricsEnabled", False)),
        "bytes_scanned_cutoff_per_query": configuration.get("BytesScannedCutoffPerQuery"),
        "requester_pays": bool(configuration.get("RequesterPaysEnabled", False)),
        "engine_version": (configuration.get("EngineVersion") or {}).get("SelectedEngineVersion")
        or DEFAULT_ENGINE_VERSION,
    }


def _encryption_to_api(state):
    config = {"EncryptionOption": state["encryption"].upper()}
    if state.get("kms_key_id"):
        config["KmsKey"] = state["kms_key_id"]
    return config


def configuration_to_api(state):
    """WorkGroupConfiguration for CreateWorkGroup from the managed settings in ``state``."""
    configuration = {}
    result = {}
    if state.get("output_location"):
        result["OutputLocation"] = state["output_location"]
    if state.get("encryption") not in (None, "none"):
        result["EncryptionConfiguration"] = _encryption_to_api(state)
    if result:
        configuration["ResultConfiguration"] = result
    for key, api in (
        ("enforce_workgroup_configuration", "EnforceWorkGroupConfiguration"),
        ("publish_cloudwatch_metrics", "PublishCloudWatchMetricsEnabled"),
        ("requester_pays", "RequesterPaysEnabled"),
        ("bytes_scanned_cutoff_per_query", "BytesScannedCutoffPerQuery"),
    ):
        if state.get(key) is not None:
            configuration[api] = state[key]
    if state.get("engine_version"):
        configuration["EngineVersion"] = {"SelectedEngineVersion": state["engine_version"]}
    return configuration


def workgroup_updates(target, have):
    """UpdateWorkGroup parameters (besides the name) that turn ``have`` into ``target``: changed keys only, with
    the API's Remove* flags for settings that go away."""
    changed = {key for key in target if target[key] != have.get(key)}
    params = {}
    if "description" in changed:
        params["Description"] = target["description"]
    result = {}
    if "output_location" in changed:
        if target["output_location"]:
            result["OutputLocation"] = target["output_location"]
        else:
            result["RemoveOutputLocation"] = True
    if changed & {"encryption", "kms_key_id"}:
        if target["encryption"] == "none":
            result["RemoveEncryptionConfiguration"] = True
        else:
            result["EncryptionConfiguration"] = _encryption_to_api(target)
    updates = {"ResultConfigurationUpdates": result} if result else {}
    for key, api in (
        ("enforce_workgroup_configuration", "EnforceWorkGroupConfiguration"),
        ("publish_cloudwatch_metrics", "PublishCloudWatchMetricsEnabled"),
        ("requester_pays", "RequesterPaysEnabled"),
    ):
        if key in changed:
            updates[api] = target[key]
    if "bytes_scanned_cutoff_per_query" in changed:
        if target["bytes_scanned_cutoff_per_query"] is None:
            updates["RemoveBytesScannedCutoffPerQuery"] = True
        else:
            updates["BytesScannedCutoffPerQuery"] = target["bytes_scanned_cutoff_per_query"]
    if "engine_version" in changed:
        updates["EngineVersion"] = {"SelectedEngineVersion": target["engine_version"]}
    if updates:
        params["ConfigurationUpdates"] = updates
    return params


@AthenaErrorHandler.common_error_handler("create Athena workgroup")
def create_workgroup(client, name, state, tags=None):
    params = {"Name": name, "Configuration": configuration_to_api(state)}
    if state.get("description"):
        params["Description"] = state["description"]
    if tags:
        params["Tags"] = ansible_dict_to_boto3_tag_list(tags)
    client.create_work_group(aws_retry=True, **params)


@AthenaErrorHandler.common_error_handler("update Athena workgroup")
def update_workgroup(client, name, target, have):
    client.update_work_group(WorkGroup=name, aws_retry=True, **workgroup_updates(target, have))


@AthenaErrorHandler.list_error_handler("list Athena workgroup tags", default_value={})
@aws_retry()
def get_tags(client, arn):
    paginator = client.get_paginator("list_tags_for_resource")
    return boto3_tag_list_to_ansible_dict(paginator.paginate(ResourceARN=arn).build_full_result().get("Tags", []))


@AthenaErrorHandler.common_error_handler("set Athena workgroup tags")
def update_tags(client, arn, current, wanted):
    to_set, to_unset = compare_aws_tags(current or {}, wanted, True)
    if to_unset:
        client.untag_resource(ResourceARN=arn, TagKeys=to_unset, aws_retry=True)
    if to_set:
        client.tag_resource(ResourceARN=arn, Tags=ansible_dict_to_boto3_tag_list(to_set), aws_retry=True)


@AthenaErrorHandler.common_error_handler("list the named queries of Athena workgroup")
def find_named_queries(client, name):
    """How many saved (named) queries the workgroup holds, counting one page of up to 50, and whether there are
    more."""
    response = client.list_named_queries(WorkGroup=name, MaxResults=50, aws_retry=True)
    return len(response.get("NamedQueryIds", [])), bool(response.get("NextToken"))


@AthenaErrorHandler.deletion_error_handler("delete Athena workgroup")
def delete_workgroup(client, name, recursive):
    client.delete_work_group(WorkGroup=name, RecursiveDeleteOption=recursive, aws_retry=True)
    return True
