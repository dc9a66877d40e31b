# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""deltalake.aws.kms_key reconciled in-process against moto, every AWS operation counted. The crash test stops
the module itself between CreateKey and CreateAlias, as a killed process would, and proves that the next run
adopts that key instead of creating a second one."""

import pytest
from moto import mock_aws
from moto.core.authorization import enable_iam_authentication

from ansible_collections.deltalake.aws.plugins.module_utils import kms
from ansible_collections.deltalake.aws.plugins.module_utils.base import DeltaLakeAWSError
from ansible_collections.deltalake.aws.plugins.module_utils.base import Reconciler
from ansible_collections.deltalake.aws.plugins.modules import kms_key
from ansible_collections.deltalake.aws.tests.unit.plugins.modules.iam_kms_fakes import FakeModule
from ansible_collections.deltalake.aws.tests.unit.plugins.modules.iam_kms_fakes import ModuleFailed
from ansible_collections.deltalake.aws.tests.unit.plugins.modules.iam_kms_fakes import read_only_credentials

ALIAS = "alias/acme-lake"
ROLE = "arn:aws:iam::123456789012:role/acme-firehose"
KEY = {"alias": ALIAS, "description": "acme lake", "key_users": [ROLE], "tags": {"lake": "acme"}}


class Killed(BaseException):
    """The process dies here: nothing after it runs, no handler catches it."""


@pytest.fixture(autouse=True)
def aws(monkeypatch):
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        yield


def run(params, check_mode=False, kill_at=None, credentials=None):
    """One module run as main() does it; ``kill_at`` names a client method at which the process dies."""
    module = FakeModule(kms_key.ARGUMENT_SPEC, params, check_mode, credentials=credentials)
    kms_key.validate_params(module)
    alias = kms.canonical_alias(module.params["alias"])
    client = module.client("kms")
    if kill_at:
        def die(*args, **kwargs):
            module.calls.append(f"killed before {kill_at}")
            raise Killed()
        setattr(client, kill_at, die)
    metadata, by_alias, others = kms.find_key(client, alias)
    if others:
        module.warn(f"others: {', '.join(others)}")
    shown = alias if by_alias else None
    if module.params["state"] == "absent":
        reconciler = Reconciler(module, kms.normalize_key(metadata, shown) if metadata else None)
        kms_key.ensure_absent(module, client, reconciler)
    else:
        reconciler = Reconciler(module, kms_key.read_key(module, client, metadata, shown) if metadata else None)
        kms_key.ensure_present(module, client, reconciler, alias)
    return reconciler.result("key"), module


def all_keys():
    client = FakeModule({}, {}).client("kms")
    return [k["KeyId"] for k in client.list_keys()["Keys"]]


def alias_target(alias):
    client = FakeModule({}, {}).client("kms")
    return {a["AliasName"]: a.get("TargetKeyId") for a in client.list_aliases()["Aliases"]}.get(alias)


def test_two_identical_runs_leave_exactly_one_key():
    first, module = run(KEY)
    assert first["changed"] and module.mutating == ["CreateKey", "CreateAlias", "EnableKeyRotation"]
    second, module = run(KEY)
    assert not second["changed"] and module.mutating == []
    assert module.calls == ["DescribeKey", "GetKeyRotationStatus", "GetKeyPolicy", "ListResourceTags"]
    assert all_keys() == [first["key"]["key_id"]]
    assert second["key"] == first["key"]


def test_a_read_only_identity_runs_check_mode():
    """Check mode needs only reads: on the existing key, after a crash (the orphan search), and for a new key.
    A real change is refused, which shows moto's IAM enforcement is on."""
    run(KEY)
    with pytest.raises(Killed):
        run(dict(KEY, alias="alias/crashed"), kill_at="create_alias")
    reader = read_only_credentials()
    with enable_iam_authentication():
        for params in (KEY, dict(KEY, enable_key_rotation=False), dict(KEY, alias="alias/crashed"),
                       dict(KEY, alias="alias/new"), dict(KEY, state="absent")):
            result, module = run(params, True, credentials=reader)
            assert module.mutating == []
        assert not run(KEY, credentials=reader)[0]["changed"]
        with pytest.raises(DeltaLakeAWSError, match="set key rotation"):
            run(dict(KEY, enable_key_rotation=False), credentials=reader)


def test_check_mode_predicts_everything_but_the_key_id():
    planned, module = run(KEY, check_mode=True)
    assert planned["changed"] and module.mutating == [] and all_keys() == []
    created, dummy = run(KEY)
    unknown = ("key_id", "key_arn")
    assert {k: v for k, v in created["key"].items() if k not in unknown} == \
        {k: v for k, v in planned["key"].items() if k not in unknown}
    assert planned["key"]["key_id"] is None


def test_a_run_killed_between_create_key_and_create_alias_leaves_no_duplicate():
    with pytest.raises(Killed):
        run(KEY, kill_at="create_alias")
    orphan = all_keys()
    assert len(orphan) == 1 and alias_target(ALIAS) is None
    adopted, module = run(KEY)
    assert adopted["changed"]
    assert "CreateKey" not in module.mutating and module.mutating[0] == "CreateAlias"
    assert adopted["diff"]["before"]["alias"] is None and adopted["key"]["alias"] == ALIAS
    assert all_keys() == orphan and alias_target(ALIAS) == orphan[0]
    again, module = run(KEY)
    assert not again["changed"] and module.mutating == [] and all_keys() == orphan


def test_check_mode_after_a_crash_predicts_the_adoption():
    with pytest.raises(Killed):
        run(KEY, kill_at="create_alias")
    planned, module = run(KEY, check_mode=True)
    assert planned["changed"] and module.mutating == []
    assert planned["key"]["key_id"] == all_keys()[0] and planned["diff"]["after"]["alias"] == ALIAS


def test_a_second_crash_at_the_same_point_creates_no_second_key():
    for dummy in range(2):
        with pytest.raises(Killed):
            run(KEY, kill_at="create_alias")
    assert len(all_keys()) == 1


def test_two_orphans_the_oldest_is_adopted_and_the_other_reported():
    with pytest.raises(Killed):
        run(KEY, kill_at="create_alias")
    first = all_keys()[0]
    # a concurrent run that died at the same point
    second = FakeModule({}, {}).client("kms").create_key(Tags=[{"TagKey": kms.IDENTITY_TAG, "TagValue": ALIAS}])
    second = second["KeyMetadata"]["KeyId"]
    adopted, module = run(KEY)
    assert adopted["key"]["key_id"] == first
    assert module.warnings == [f"others: {second}"]
    assert len(all_keys()) == 2  # the other orphan is reported, never deleted by surprise


def test_a_key_pending_deletion_without_alias_is_not_adopted():
    with pytest.raises(Killed):
        run(KEY, kill_at="create_alias")
    dead = all_keys()[0]
    FakeModule({}, {}).client("kms").schedule_key_deletion(KeyId=dead, PendingWindowInDays=7)
    created, module = run(KEY)
    assert "CreateKey" in module.mutating and created["key"]["key_id"] != dead


def test_absent_schedules_deletion_and_present_restores_the_same_key():
    created, dummy = run(KEY)
    planned, module = run(dict(KEY, state="absent", pending_window_days=7), check_mode=True)
    assert planned["changed"] and module.mutating == [] and planned["key"]["pending_deletion"]
    deleted, module = run(dict(KEY, state="absent", pending_window_days=7))
    assert module.mutating == ["ScheduleKeyDeletion"] and deleted["key"]["pending_deletion"]
    again, module = run(dict(KEY, state="absent", pending_window_days=7))
    assert not again["changed"] and module.mutating == []
    restored, module = run(KEY)
    assert module.mutating[:2] == ["CancelKeyDeletion", "EnableKey"]
    assert restored["key"]["key_id"] == created["key"]["key_id"] and restored["key"]["enabled"]


def test_tags_keep_the_identity_tag_when_purging():
    run(KEY)
    result, module = run(dict(KEY, tags={"owner": "data"}))
    assert result["key"]["tags"] == {"owner": "data", kms.IDENTITY_TAG: ALIAS}
    assert sorted(module.mutating) == ["TagResource", "UntagResource"]


@pytest.mark.parametrize("params, message", [
    ({"alias": "alias/aws/s3"}, "alias: 'alias/aws/s3' is reserved for AWS managed keys"),
    ({"alias": ALIAS, "state": "absent", "pending_window_days": 3}, "pending_window_days: 3 must be between 7 and 30"),
    ({"alias": ALIAS, "key_users": ["role/x"]}, "key_users[0]: 'role/x' is not an ARN"),
    ({"alias": ALIAS, "tags": {kms.IDENTITY_TAG: "x"}}, "tags.deltalake:alias: is set by the module"),
])
def test_validation_names_the_field_before_any_call(params, message):
    module = FakeModule(kms_key.ARGUMENT_SPEC, params)
    with pytest.raises(ModuleFailed) as failed:
        kms_key.validate_params(module)
    assert message in failed.value.kwargs["msg"]
    assert module.calls == []
