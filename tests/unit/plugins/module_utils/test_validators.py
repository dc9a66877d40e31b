# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

import pytest

from ansible_collections.deltalake.aws.plugins.module_utils import validators as v


@pytest.mark.parametrize(
    "name",
    ["abc", "my-lake-data", "lake.data.2024", "a" * 63, "0lake9", "lake-data-123456789012-eu-west-1"],
)
def test_valid_bucket_names(name):
    assert v.validate_bucket_name(name) == []


@pytest.mark.parametrize(
    "name, rule",
    [
        ("ab", "3 to 63 characters"),
        ("a" * 64, "3 to 63 characters"),
        ("My-Bucket", "lowercase letters, digits, dots"),
        ("my_bucket", "lowercase letters, digits, dots"),
        ("-bucket", "begin and end with a lowercase letter or a digit"),
        ("bucket-", "begin and end"),
        ("bucket.", "begin and end"),
        ("my..bucket", "two adjacent dots"),
        ("192.168.5.4", "IP address"),
        ("xn--bucket", "reserved prefix 'xn--'"),
        ("sthree-bucket", "reserved prefix 'sthree-'"),
        ("amzn-s3-demo-bucket", "reserved prefix 'amzn-s3-demo-'"),
        ("bucket-s3alias", "reserved suffix '-s3alias'"),
        ("bucket--ol-s3", "reserved suffix '--ol-s3'"),
        ("bucket.mrap", "reserved suffix '.mrap'"),
        ("bucket--x-s3", "reserved suffix '--x-s3'"),
    ],
)
def test_invalid_bucket_names_name_the_field_and_rule(name, rule):
    errors = v.validate_bucket_name(name, "access_logging.target_bucket")
    assert errors, name
    assert any(e.startswith("access_logging.target_bucket: ") and rule in e for e in errors), errors


def test_bucket_name_reports_every_rule_broken():
    errors = v.validate_bucket_name("-Bad..Name-")
    assert len(errors) == 3


@pytest.mark.parametrize("region", ["us-east-1", "eu-central-1", "ap-southeast-1", "us-gov-west-1", "cn-north-1",
                                    "us-isob-east-1", "eusc-de-east-1", "il-central-1"])
def test_valid_regions(region):
    assert v.validate_region(region) == []


@pytest.mark.parametrize("region", ["US-EAST-1", "us-east", "useast1", "us-east-1a", "moon-base-1x", ""])
def test_invalid_regions(region):
    errors = v.validate_region(region)
    assert errors and errors[0].startswith("region: ") and "not an AWS region name" in errors[0]


def test_missing_region_says_how_to_set_it():
    assert "AWS_REGION" in v.validate_region(None)[0]


@pytest.mark.parametrize(
    "arn, kwargs",
    [
        ("arn:aws:s3:::bucket", dict(service="s3", region_required=False, account_required=False)),
        ("arn:aws:iam::123456789012:role/x", dict(service="iam", account_required=True)),
        ("arn:aws-cn:kms:cn-north-1:123456789012:key/abc", dict(service="kms", region_required=True)),
        ("arn:aws-us-gov:glue:us-gov-west-1:123456789012:database/db", dict(resource_prefix="database/")),
    ],
)
def test_valid_arns(arn, kwargs):
    assert v.validate_arn(arn, "field", **kwargs) == []


@pytest.mark.parametrize(
    "arn, kwargs, rule",
    [
        ("not-an-arn", {}, "is not an ARN"),
        ("arn:aws:s3", {}, "is not an ARN"),
        ("arn:azure:s3:::bucket", {}, "unknown partition 'azure'"),
        ("arn:aws:S3!:::bucket", {}, "invalid service"),
        ("arn:aws:iam::123456789012:role/x", dict(service="s3"), "service 's3', not 'iam'"),
        ("arn:aws:kms:mars-1:123456789012:key/x", {}, "invalid region 'mars-1'"),
        ("arn:aws:s3:us-east-1::bucket", dict(region_required=False), "empty region"),
        ("arn:aws:kms::123456789012:key/x", dict(region_required=True), "must name a region"),
        ("arn:aws:iam::1234:role/x", {}, "invalid account '1234'"),
        ("arn:aws:s3::123456789012:bucket", dict(account_required=False), "empty account"),
        ("arn:aws:iam:::role/x", dict(account_required=True), "12-digit account"),
        ("arn:aws:iam::123456789012:", {}, "empty resource"),
        ("arn:aws:glue:us-east-1:123456789012:table/x", dict(resource_prefix="database/"), "starting with 'database/'"),
    ],
)
def test_invalid_arns(arn, kwargs, rule):
    errors = v.validate_arn(arn, "role_arn", **kwargs)
    assert any(e.startswith("role_arn: ") and rule in e for e in errors), errors


@pytest.mark.parametrize(
    "key_id",
    [
        None,
        "1234abcd-12ab-34cd-56ef-1234567890ab",
        "mrk-1234abcd12ab34cd56ef1234567890ab",
        "alias/lake-key",
        "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        "arn:aws:kms:us-east-1:123456789012:alias/lake-key",
    ],
)
def test_valid_kms_key_ids(key_id):
    assert v.validate_kms_key_id(key_id) == []


@pytest.mark.parametrize(
    "key_id",
    ["lake-key", "alias/", "arn:aws:kms:us-east-1:123456789012:bucket/x", "arn:aws:s3:::bucket", "1234"],
)
def test_invalid_kms_key_ids(key_id):
    errors = v.validate_kms_key_id(key_id)
    assert errors and errors[0].startswith("kms_key_id: ")


def test_valid_tags():
    assert v.validate_tags({"lake": "sales", "cost-center": "12 34", "a:b/c=d+e@f_g.h": ""}) == []
    assert v.validate_tags(None) == []
    assert v.validate_tags({str(i): "x" for i in range(50)}) == []


@pytest.mark.parametrize(
    "tags, rule",
    [
        ({str(i): "x" for i in range(51)}, "at most 50"),
        ({"k" * 129: "v"}, "1 to 128 characters"),
        ({"": "v"}, "1 to 128 characters"),
        ({"k": "v" * 257}, "at most 256 characters"),
        ({"aws:owner": "me"}, "reserved prefix 'aws:'"),
        ({"AWS:owner": "me"}, "reserved prefix 'aws:'"),
        ({"bad#key": "v"}, "key may contain only"),
        ({"k": "bad$value"}, "value may contain only"),
    ],
)
def test_invalid_tags(tags, rule):
    errors = v.validate_tags(tags)
    assert any(e.startswith("tags") and rule in e for e in errors), errors


@pytest.mark.parametrize("name", ["sales", "sales_2024", "a" * 255, "x"])
def test_valid_glue_names(name):
    assert v.validate_glue_name(name) == []


@pytest.mark.parametrize("name", ["Sales", "sales-2024", "a" * 256, "", "sales db"])
def test_invalid_glue_names(name):
    errors = v.validate_glue_name(name, "database")
    assert errors and errors[0].startswith("database: ") and "lowercase letters, digits or underscores" in errors[0]


@pytest.mark.parametrize("name, ok", [("primary", True), ("lake-wg.v2_x", True), ("a" * 129, False), ("bad wg", False)])
def test_athena_workgroup_names(name, ok):
    assert (v.validate_athena_workgroup_name(name) == []) is ok


@pytest.mark.parametrize(
    "prefix, kwargs, rule",
    [
        ("raw", {}, "must end with '/'"),
        ("/raw/", {}, "must not start with '/'"),
        ("raw//x/", {}, "empty path segment"),
        ("", {}, "non-empty key prefix"),
        ("a" * 1030 + "/", {}, "1024 bytes"),
    ],
)
def test_invalid_prefixes(prefix, kwargs, rule):
    errors = v.validate_s3_prefix(prefix, "prefixes[0]", **kwargs)
    assert any(e.startswith("prefixes[0]: ") and rule in e for e in errors), errors


def test_prefix_options():
    assert v.validate_s3_prefix("", "p", allow_empty=True) == []
    assert v.validate_s3_prefix("logs-", "p", trailing_slash=False) == []
    assert v.validate_s3_prefix("raw/events/", "p") == []


def test_policy_document():
    errors, doc = v.validate_policy_document('{"Statement": {"Effect": "Allow", "Action": "s3:GetObject"}}')
    assert errors == [] and doc["Statement"]["Action"] == "s3:GetObject"
    assert v.validate_policy_document("{nope")[0][0].startswith("policy: is not valid JSON")
    assert "must be a policy document" in v.validate_policy_document({"Version": "2012-10-17"})[0][0]
    errors = v.validate_policy_document({"Statement": [{"Effect": "Maybe", "Action": "x", "NotAction": "y"}]})[0]
    assert errors == [
        "policy.Statement[0].Effect: 'Maybe' must be 'Allow' or 'Deny'",
        "policy.Statement[0]: must have exactly one of Action and NotAction",
    ]
