# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""deltalake.aws.iam_role reconciled in-process against moto, every AWS operation counted: an equal trust
policy in another form makes no write, check mode predicts creation, a self-trusting role is created in two
steps, and what IAM cannot change fails before any write."""

import json

import pytest
from moto import mock_aws
from moto.core.authorization import enable_iam_authentication

from ansible_collections.deltalake.aws.plugins.module_utils import iam
from ansible_collections.deltalake.aws.plugins.module_utils.base import DeltaLakeAWSError
from ansible_collections.deltalake.aws.plugins.module_utils.base import Reconciler
from ansible_collections.deltalake.aws.plugins.modules import iam_role
from ansible_collections.deltalake.aws.tests.unit.plugins.modules.iam_kms_fakes import FakeModule
from ansible_collections.deltalake.aws.tests.unit.plugins.modules.iam_kms_fakes import ModuleFailed
from ansible_collections.deltalake.aws.tests.unit.plugins.modules.iam_kms_fakes import read_only_credentials

WRITE_RAW = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "WriteRaw", "Effect": "Allow", "Action": ["s3:PutObject", "s3:AbortMultipartUpload"],
                   "Resource": "arn:aws:s3:::acme-data/raw/*"}],
}
FIREHOSE = {"name": "acme-firehose", "trusted_services": ["firehose.amazonaws.com"],
            "inline_policies": {"write-raw": WRITE_RAW}, "tags": {"lake": "acme"}}


@pytest.fixture(autouse=True)
def aws(monkeypatch):
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        yield


def run(params, check_mode=False, credentials=None):
    """One module run as main() does it; returns (result, module with its recorded calls)."""
    module = FakeModule(iam_role.ARGUMENT_SPEC, params, check_mode, credentials=credentials)
    iam_role.validate_params(module)
    client = module.client("iam")
    name = module.params["name"]
    role = iam.get_role(client, name)
    if module.params["state"] == "absent":
        reconciler = Reconciler(module, iam.normalize_role(role) if role else None)
        if reconciler.exists:
            reconciler.delete(lambda: iam.delete_role(client, name))
    else:
        reconciler = Reconciler(module, iam_role.read_role(module, client, role) if role else None)
        iam_role.ensure_present(module, client, reconciler, name)
    return reconciler.result("role"), module


def test_check_mode_predicts_the_creation_exactly():
    planned, module = run(FIREHOSE, check_mode=True)
    assert planned["changed"] and module.mutating == []
    created, module = run(FIREHOSE)
    assert created["role"] == planned["role"]
    assert module.mutating == ["CreateRole", "PutRolePolicy"]
    assert created["role"]["arn"] == "arn:aws:iam::123456789012:role/acme-firehose"


def test_rerun_with_an_equal_trust_policy_in_another_form_makes_no_write():
    run(FIREHOSE)
    other_form = dict(FIREHOSE, trusted_services=None, assume_role_policy=json.dumps({
        "Statement": {"Action": ["sts:AssumeRole"], "Effect": "Allow",
                      "Principal": {"Service": ["firehose.amazonaws.com"]}},
        "Version": "2012-10-17",
    }), inline_policies={"write-raw": json.dumps(dict(WRITE_RAW, Statement=WRITE_RAW["Statement"][0]))})
    for check_mode in (False, True):
        result, module = run(other_form, check_mode)
        assert result["changed"] is False
        assert module.mutating == []
        assert "UpdateAssumeRolePolicy" not in module.calls
        assert module.calls == ["GetRole", "ListRolePolicies", "GetRolePolicy"]


def test_a_read_only_identity_runs_check_mode_and_equal_reruns():
    """moto enforces IAM for the keys it issues: the reader may only Get/List. Check mode, and a real re-run with
    an equal trust policy, need nothing more; a real change is refused, which shows enforcement is on."""
    run(dict(FIREHOSE, managed_policy_arns=[]))
    reader = read_only_credentials()
    other_form = dict(FIREHOSE, managed_policy_arns=[], trusted_services=None, assume_role_policy=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["sts:AssumeRole"],
                                                 "Principal": {"Service": ["firehose.amazonaws.com"]}}]}))
    changed_trust = dict(FIREHOSE, trusted_services=["glue.amazonaws.com"])
    with enable_iam_authentication():
        for check_mode in (True, False):
            result, module = run(other_form, check_mode, credentials=reader)
            assert not result["changed"] and module.mutating == []
        result, module = run(changed_trust, True, credentials=reader)
        assert result["changed"] and module.mutating == []
        planned, module = run(dict(FIREHOSE, name="acme-new"), True, credentials=reader)
        assert planned["role"]["arn"] == "arn:aws:iam::123456789012:role/acme-new" and module.mutating == []
        with pytest.raises(DeltaLakeAWSError, match="update role trust policy"):
            run(changed_trust, credentials=reader)


def test_a_different_trust_policy_is_written_once():
    run(FIREHOSE)
    result, module = run(dict(FIREHOSE, trusted_services=["firehose.amazonaws.com", "glue.amazonaws.com"]))
    assert result["changed"] and module.mutating == ["UpdateAssumeRolePolicy"]
    assert result["diff"]["after"]["assume_role_policy"]["Statement"][0]["Principal"]["Service"] == [
        "firehose.amazonaws.com", "glue.amazonaws.com"]


def test_a_self_trusting_role_is_created_in_two_steps(monkeypatch):
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "sts:AssumeRole",
        "Principal": {"AWS": ["arn:aws:iam::414351767826:role/unity-catalog-prod-UCMasterRole-14S5ZJVKOTYTL",
                              "arn:aws:iam::123456789012:role/acme-processing"]},
        "Condition": {"StringEquals": {"sts:ExternalId": "abc"}}}]}
    sent = []
    real_create = iam.create_role
    monkeypatch.setattr(iam, "create_role", lambda client, name, path, policy, *rest: sent.append(policy)
                        or real_create(client, name, path, policy, *rest))
    result, module = run({"name": "acme-processing", "assume_role_policy": json.dumps(trust)})
    assert module.mutating == ["CreateRole", "UpdateAssumeRolePolicy"]
    assert sent[0]["Statement"][0]["Principal"] == {
        "AWS": "arn:aws:iam::414351767826:role/unity-catalog-prod-UCMasterRole-14S5ZJVKOTYTL"}
    assert result["role"]["assume_role_policy"] == trust
    again, module = run({"name": "acme-processing", "assume_role_policy": json.dumps(trust)})
    assert not again["changed"] and module.mutating == []


def test_purge_false_only_adds():
    run(dict(FIREHOSE, managed_policy_arns=[]))
    client = FakeModule({}, {}).client("iam")
    arn = client.create_policy(PolicyName="extra", PolicyDocument=json.dumps(WRITE_RAW))["Policy"]["Arn"]
    client.attach_role_policy(RoleName="acme-firehose", PolicyArn=arn)
    client.put_role_policy(RoleName="acme-firehose", PolicyName="manual", PolicyDocument=json.dumps(WRITE_RAW))
    result, module = run(dict(FIREHOSE, managed_policy_arns=[], purge_managed_policies=False,
                              purge_inline_policies=False))
    assert not result["changed"] and module.mutating == []
    assert set(result["role"]["inline_policies"]) == {"write-raw", "manual"}
    result, module = run(dict(FIREHOSE, managed_policy_arns=[]))
    assert sorted(module.mutating) == ["DeleteRolePolicy", "DetachRolePolicy"]


def test_unmanaged_groups_are_not_read_or_written():
    run(FIREHOSE)
    result, module = run({"name": "acme-firehose"})
    assert not result["changed"] and module.calls == ["GetRole"]
    assert "inline_policies" not in result["role"] and result["role"]["tags"] == {"lake": "acme"}


def test_creation_needs_a_trust_policy_and_a_path_cannot_change():
    with pytest.raises(ModuleFailed, match="trusted_services or assume_role_policy"):
        run({"name": "acme-firehose"})
    run(FIREHOSE)
    with pytest.raises(ModuleFailed, match="IAM cannot change the path"):
        run(dict(FIREHOSE, path="/lake/"))


def test_delete_and_delete_again():
    run(FIREHOSE)
    result, module = run({"name": "acme-firehose", "state": "absent"}, check_mode=True)
    assert result["changed"] and module.mutating == [] and result["role"] == {}
    result, module = run({"name": "acme-firehose", "state": "absent"})
    assert module.mutating == ["DeleteRolePolicy", "DeleteRole"]
    result, module = run({"name": "acme-firehose", "state": "absent"})
    assert not result["changed"] and module.calls == ["GetRole"]


@pytest.mark.parametrize("params, message", [
    ({"name": "bad name"}, "name: 'bad name' must be 1 to 64"),
    ({"name": "r", "trusted_services": ["glue"]}, "trusted_services[0]: 'glue' is not a service principal"),
    ({"name": "r", "assume_role_policy": '{"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole"}]}'},
     "assume_role_policy.Statement[0].Principal"),
    ({"name": "r", "max_session_duration": 100}, "max_session_duration: 100 must be between 3600 and 43200"),
    ({"name": "r", "permissions_boundary": "boundary"}, "permissions_boundary: 'boundary' is not an ARN"),
])
def test_validation_names_the_field_before_any_call(params, message):
    module = FakeModule(iam_role.ARGUMENT_SPEC, params)
    with pytest.raises(ModuleFailed) as failed:
        iam_role.validate_params(module)
    assert message in failed.value.kwargs["msg"]
    assert module.calls == []
