# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The deltalake.aws.lake_policies filter: arguments reach the generator, errors become AnsibleFilterError."""

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.deltalake.aws.plugins.filter.lake_policies import FilterModule

lake_policies = FilterModule().filters()["lake_policies"]
KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def test_roles_keyed_by_kind_ready_for_iam_role():
    roles = lake_policies({"datalake_name": "acme", "ingest_enabled": True, "encryption_enabled": True,
                           "encryption_key_arn": KEY_ARN, "unrelated_variable": 1}, account_id="123456789012")
    assert list(roles) == ["firehose"]
    assert set(roles["firehose"]) == {"kind", "name", "path", "arn", "description", "assume_role_policy",
                                      "inline_policies", "unresolved"}


def test_allow_unresolved_and_roles_are_passed_on():
    settings = {"datalake_name": "acme", "encryption_enabled": True, "datalake_account_id": "123456789012"}
    with pytest.raises(AnsibleFilterError, match="lake_policies: encryption_key_arn: is required"):
        lake_policies(settings, roles=["crawler"])
    roles = lake_policies(settings, allow_unresolved=True, roles=["crawler"])
    assert roles["crawler"]["unresolved"] == ["encryption_key_arn"]


def test_not_a_dict():
    with pytest.raises(AnsibleFilterError, match="must be a dict of lake variables"):
        lake_policies(["acme"], account_id="123456789012")
