# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The changed/diff/check-mode helper every module uses."""

from unittest.mock import MagicMock

import pytest
import yaml

from ansible_collections.deltalake.aws.plugins.module_utils import base
from ansible_collections.deltalake.aws.plugins.module_utils.base import Reconciler


def make_module(check_mode=False, diff=True):
    module = MagicMock()
    module.check_mode = check_mode
    module._diff = diff
    return module


@pytest.mark.parametrize("check_mode", [False, True])
def test_create_then_converge_predicts_exactly_what_it_does(check_mode):
    writes = []
    r = Reconciler(make_module(check_mode), None)
    assert not r.exists
    r.create({"name": "x", "versioning": False}, lambda: writes.append("create"))
    r.converge("versioning", True, lambda target, have: writes.append(("versioning", target, have)))
    result = r.result("thing")
    assert result["changed"] is True and result["created"] is True and result["changed_fields"] == ["versioning"]
    assert result["thing"] == {"name": "x", "versioning": True}
    assert result["diff"] == {"before": {}, "after": {"name": "x", "versioning": True}}
    assert r.changed_fields == ["versioning"]
    assert writes == ([] if check_mode else ["create", ("versioning", True, False)])


@pytest.mark.parametrize("check_mode", [False, True])
def test_identical_state_is_not_changed_and_writes_nothing(check_mode):
    write = MagicMock()
    r = Reconciler(make_module(check_mode), {"a": 1, "b": {"c": [1, 2]}})
    assert r.converge("a", 1, write) is False
    assert r.converge_group({"b": {"c": [1, 2]}}, write) is False
    assert r.result("thing") == {
        "changed": False,
        "created": False,
        "changed_fields": [],
        "thing": {"a": 1, "b": {"c": [1, 2]}},
        "diff": {"before": {"a": 1, "b": {"c": [1, 2]}}, "after": {"a": 1, "b": {"c": [1, 2]}}},
    }
    write.assert_not_called()


def test_none_means_unmanaged():
    write = MagicMock()
    r = Reconciler(make_module(), {"a": 1})
    assert r.converge("a", None, write) is False
    assert r.result("t")["t"] == {"a": 1}
    write.assert_not_called()


def test_group_is_one_write_and_none_is_a_value_there():
    write = MagicMock()
    r = Reconciler(make_module(), {"encryption": "sse_kms", "kms_key_id": "alias/k", "bucket_key": True})
    assert r.converge_group({"encryption": "sse_s3", "kms_key_id": None, "bucket_key": False}, write) is True
    write.assert_called_once_with(
        {"encryption": "sse_s3", "kms_key_id": None, "bucket_key": False},
        {"encryption": "sse_kms", "kms_key_id": "alias/k", "bucket_key": True},
    )
    assert r.after == {"encryption": "sse_s3", "kms_key_id": None, "bucket_key": False}
    assert r.changed_fields == ["encryption", "kms_key_id", "bucket_key"]


def test_custom_equality_decides():
    write = MagicMock()
    r = Reconciler(make_module(), {"names": ["b", "a"]})
    assert r.converge("names", ["a", "b"], write, equal=lambda h, w: sorted(h) == sorted(w)) is False
    assert r.after["names"] == ["b", "a"]  # the current value is kept when equal
    write.assert_not_called()


def test_before_is_not_mutated_by_later_changes():
    before = {"tags": {"a": "1"}}
    r = Reconciler(make_module(), before)
    r.converge("tags", {"a": "2"}, MagicMock())
    assert r.result("t")["diff"]["before"] == {"tags": {"a": "1"}}
    assert before == {"tags": {"a": "1"}}


@pytest.mark.parametrize("check_mode", [False, True])
def test_delete(check_mode):
    write = MagicMock()
    r = Reconciler(make_module(check_mode), {"name": "x"})
    r.delete(write)
    expected = {"changed": True, "created": False, "changed_fields": [], "thing": {},
                "diff": {"before": {"name": "x"}, "after": {}}}
    assert r.result("thing") == expected
    assert write.call_count == (0 if check_mode else 1)


def test_no_diff_key_without_diff_mode():
    r = Reconciler(make_module(diff=False), None)
    assert r.result("thing") == {"changed": False, "created": False, "changed_fields": [], "thing": {}}


def test_write_error_propagates_and_state_is_not_updated():
    def fail(target, have):
        raise base.DeltaLakeAWSError(message="Failed to set x")

    r = Reconciler(make_module(), {"x": 1})
    with pytest.raises(base.DeltaLakeAWSError, match="Failed to set x"):
        r.converge("x", 2, fail)
    assert r.after == {"x": 1} and r.changed is False


def test_version_matches_galaxy_yml():
    import os

    root = os.path.join(os.path.dirname(base.__file__), "..", "..")
    with open(os.path.join(root, "galaxy.yml"), encoding="utf-8") as handle:
        galaxy = yaml.safe_load(handle)
    assert base.COLLECTION_VERSION == galaxy["version"]
    assert base.COLLECTION_NAME == f"{galaxy['namespace']}.{galaxy['name']}"


@pytest.mark.parametrize(
    "current, wanted, purge, expected",
    [
        ({}, {"a": 1}, True, {"a": "1"}),
        ({"a": "1", "b": "2"}, {"a": "1"}, True, {"a": "1"}),
        ({"a": "1", "b": "2"}, {"a": "3"}, False, {"a": "3", "b": "2"}),
        ({"aws:cloudformation:stack-name": "s", "b": "2"}, {}, True, {"aws:cloudformation:stack-name": "s"}),
        ({"a": "1", "aws:created": "x"}, {"b": 2}, False, {"a": "1", "aws:created": "x", "b": "2"}),
        # a deployment version tag keeps the value the resource was created with: upgrades are not drift
        ({"deltalake:version": "0.1.0", "a": "1"}, {"deltalake:version": "0.2.0", "a": "1"}, True,
         {"deltalake:version": "0.1.0", "a": "1"}),
        ({"a": "1"}, {"deltalake:version": "0.2.0", "a": "1"}, True, {"deltalake:version": "0.2.0", "a": "1"}),
    ],
)
def test_desired_tags(current, wanted, purge, expected):
    assert base.desired_tags(current, wanted, purge) == expected


# ------------------------------------------------------------------------------------- several resources per run

ITEM_SPEC = {
    "name": {"type": "str"},
    "things": {"type": "list", "elements": "dict"},
    "size": {"type": "int"},
    "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
    "tags": {"type": "dict", "aliases": ["resource_tags"]},
}


def run_each(capsys, args, converge=None, validate=None):
    """Run a DeltaLakeAWSModule's converge_each in-process; returns (exit JSON, converged params)."""
    import json

    from ansible.module_utils.testing import patch_module_args

    seen = []

    def default_converge(module):
        seen.append(dict(module.params))
        return {"changed": module.params["size"] == 2, "created": False, "changed_fields": [], "thing": {}}

    def default_validate(module):
        if (module.params["size"] or 0) < 0:
            module.fail_on_errors([f"size: {module.params['size']} must not be negative"])

    with patch_module_args(dict(args, region="us-east-1", _ansible_diff=False)):
        with pytest.raises(SystemExit):
            module = base.DeltaLakeAWSModule(argument_spec=ITEM_SPEC, required_one_of=[("name", "things")])
            module.exit_json(**module.converge_each("things", ITEM_SPEC, validate or default_validate,
                                                    converge or default_converge))
    return json.loads(capsys.readouterr().out), seen


def test_converge_each_merges_top_level_options_into_each_item(capsys):
    result, seen = run_each(capsys, {"things": [{"name": "a", "size": 2}, {"name": "b", "resource_tags": {"k": "v"}}],
                                     "size": 1, "tags": {"t": "1"}})
    converged = [(p["name"], p["size"], p["tags"], p["state"]) for p in seen]
    assert converged == [("a", 2, {"t": "1"}, "present"), ("b", 1, {"k": "v"}, "present")]
    assert result["changed"] is True
    assert [(r["name"], r["changed"]) for r in result["results"]] == [("a", True), ("b", False)]


def test_converge_each_without_the_list_runs_once_with_the_module_params(capsys):
    result, seen = run_each(capsys, {"name": "solo", "size": 2})
    assert [p["name"] for p in seen] == ["solo"] and result["changed"] is True and "results" not in result


def test_converge_each_validates_every_item_before_converging_any(capsys):
    result, seen = run_each(capsys, {"things": [{"name": "a"}, {"name": "b", "size": -1}, {"size": "x"},
                                                {"name": "d", "colour": "blue", "state": "gone"}, {"name": "a"}]})
    assert result["failed"] and seen == []
    assert result["errors"] == [
        "things[2]: missing required arguments: name",
        "things[2]: argument 'size' is of type str and we were unable to convert to int: \"'x'\" cannot be"
        " converted to an int",
        "things[3] (d): unsupported options colour (an item takes the module's options: name, size, state, tags)",
        "things[3] (d): value of state must be one of: present, absent, got: gone",
        "things: name a is listed more than once",
        "things[1] (b): size: -1 must not be negative",
    ]


def test_converge_each_names_the_failing_item_and_reports_the_ones_before(capsys):
    def converge(module):
        if module.params["name"] == "b":
            module.fail_json(msg="cannot")
        return {"changed": True, "created": True, "changed_fields": [], "thing": {}}

    result, _seen = run_each(capsys, {"things": [{"name": "a"}, {"name": "b"}, {"name": "c"}]}, converge=converge)
    assert result["failed"] and result["msg"] == "things[1] (b): cannot"
    assert [r["name"] for r in result["results"]] == ["a"] and result["changed"] is True


def test_account_id_is_validated_and_saves_the_lookup(capsys, monkeypatch):
    from ansible.module_utils.testing import patch_module_args
    import json

    from ansible_collections.amazon.aws.plugins.module_utils import iam

    monkeypatch.setattr(iam, "get_aws_account_info", MagicMock(side_effect=AssertionError("no STS call expected")))
    with patch_module_args({"region": "eu-west-1", "account_id": "123456789012"}):
        module = base.DeltaLakeAWSModule(argument_spec={})
        assert module.account_info() == ("123456789012", "aws")
    lookup = MagicMock(return_value=["210987654321", "aws"])
    monkeypatch.setattr(iam, "get_aws_account_info", lookup)
    with patch_module_args({"region": "eu-west-1"}):
        module = base.DeltaLakeAWSModule(argument_spec={})
        assert module.account_info() == module.account_info() == ("210987654321", "aws")
    lookup.assert_called_once_with(module)
    with patch_module_args({"region": "eu-west-1", "account_id": "12345"}):
        with pytest.raises(SystemExit):
            base.DeltaLakeAWSModule(argument_spec={})
    failed = json.loads(capsys.readouterr().out)
    assert failed["failed"] and failed["msg"] == "account_id: '12345' must be a 12-digit AWS account id"


def test_one_client_per_service_and_parameters_for_the_whole_run():
    from ansible.module_utils.testing import patch_module_args

    with patch_module_args({"region": "eu-west-1", "access_key": "AKIDEXAMPLE", "secret_key": "secret"}):
        module = base.DeltaLakeAWSModule(argument_spec={})
        first = module.client("glue")
        assert module.client("glue") is first
        assert module.client("glue", region="us-east-1") is not first
        assert module.client("s3") is not first
