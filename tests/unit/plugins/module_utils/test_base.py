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
