# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Run a module's reconcile functions in-process against moto, counting the AWS operations they make."""

import json

import boto3

from ansible_collections.amazon.aws.plugins.module_utils.iam import get_aws_account_info
from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper

from ansible_collections.deltalake.aws.plugins.module_utils.base import aws_retry

READ_PREFIXES = ("Get", "List", "Describe", "Head")


class ModuleFailed(Exception):
    def __init__(self, kwargs):
        super().__init__(kwargs.get("msg"))
        self.kwargs = kwargs


class FakeModule:
    """What the reconcile functions use of DeltaLakeAWSModule: params (argspec defaults filled in), check_mode,
    _diff, region, client(), account_info(), fail_json(), warn(). Every client records the operations it makes in ``calls``;
    ``credentials`` (aws_access_key_id, aws_secret_access_key) sign its requests instead of the environment's."""

    def __init__(self, argument_spec, params, check_mode=False, region="us-east-1", credentials=None):
        self.credentials = credentials or {}
        self.params = {name: spec.get("default") for name, spec in argument_spec.items()}
        self.params.update(params)
        self.check_mode = check_mode
        self._diff = True
        self.region = region
        self.calls = []
        self.warnings = []

    def client(self, service, retry_decorator=None, **kwargs):
        raw = boto3.client(service, region_name=self.region, **self.credentials)
        raw.meta.events.register("before-call.*.*", self._record)
        return RetryingBotoClientWrapper(raw, retry_decorator or aws_retry(delay=0, max_delay=0))

    def _record(self, model, **kwargs):
        self.calls.append(model.name)

    @property
    def mutating(self):
        return [c for c in self.calls if not c.startswith(READ_PREFIXES)]

    def account_info(self):
        """DeltaLakeAWSModule.account_info(): the account_id option, or the caller's account (one STS call)."""
        if self.params.get("account_id"):
            return self.params["account_id"], "aws"
        return tuple(get_aws_account_info(self))

    def fail_json(self, **kwargs):
        raise ModuleFailed(kwargs)

    def fail_on_errors(self, errors):
        if errors:
            self.fail_json(msg="; ".join(errors), errors=errors)

    def warn(self, message):
        self.warnings.append(message)


READ_ONLY_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["iam:Get*", "iam:List*", "kms:Describe*", "kms:Get*", "kms:List*",
                                                 "sts:GetCallerIdentity"], "Resource": "*"}],
}


def read_only_credentials():
    """Access keys of a new IAM user that may only read (moto enforces them inside enable_iam_authentication())."""
    client = boto3.client("iam", region_name="us-east-1")
    client.create_user(UserName="drift-reader")
    client.put_user_policy(UserName="drift-reader", PolicyName="read-only", PolicyDocument=json.dumps(READ_ONLY_POLICY))
    key = client.create_access_key(UserName="drift-reader")["AccessKey"]
    return {"aws_access_key_id": key["AccessKeyId"], "aws_secret_access_key": key["SecretAccessKey"]}
