# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Run a module's ``main()`` in-process against moto, as ansible-playbook would run it, and record every AWS
operation it makes (glue_database, glue_crawler and athena_workgroup tests)."""

import json

import pytest
from botocore.client import BaseClient
from moto import mock_aws

from ansible.module_utils.testing import patch_module_args

READ_PREFIXES = ("Get", "List", "Describe", "Head", "BatchGet")


class Calls(list):
    """The AWS operations made, in order."""

    @property
    def mutating(self):
        return [c for c in self if not c.startswith(READ_PREFIXES)]


@pytest.fixture
def aws(monkeypatch):
    """An empty moto account; yields the list of AWS operations made (every client, every module run)."""
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    calls = Calls()
    original = BaseClient._make_api_call

    def record(self, operation_name, api_params):
        calls.append(operation_name)
        return original(self, operation_name, api_params)

    monkeypatch.setattr(BaseClient, "_make_api_call", record)
    with mock_aws():
        yield calls


def run_module(module, capsys, args, check_mode=False):
    """Run ``module.main()`` with ``args`` (diff mode on); returns the module's JSON result."""
    with patch_module_args(dict(args, region="us-east-1", _ansible_check_mode=check_mode, _ansible_diff=True)):
        with pytest.raises(SystemExit):
            module.main()
    return json.loads(capsys.readouterr().out)
