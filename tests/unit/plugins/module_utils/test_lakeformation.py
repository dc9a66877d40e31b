# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Lake Formation helpers: identities, resource keys and readable names, and the paths the emulator cannot
produce (ListPermissions paging, throttling, batch limits and partial failures) driven through botocore's Stubber;
plus the permissions module's plan (what purge and absent revoke)."""

import boto3
import pytest
from botocore.stub import Stubber

from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper

from ansible_collections.deltalake.aws.plugins.module_utils import lakeformation as lf
from ansible_collections.deltalake.aws.plugins.module_utils.base import DeltaLakeAWSError
from ansible_collections.deltalake.aws.plugins.module_utils.base import aws_retry
from ansible_collections.deltalake.aws.plugins.modules import lakeformation_permissions as perms

ACCOUNT = "123456789012"
ANALYST = f"arn:aws:iam::{ACCOUNT}:role/analyst"
ORDERS = {"Table": {"DatabaseName": "sales", "Name": "orders"}}


@pytest.fixture
def stubbed():
    raw = boto3.client("lakeformation", region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s")
    client = RetryingBotoClientWrapper(raw, aws_retry(delay=0, max_delay=0))
    with Stubber(raw) as stub:
        yield client, stub
        stub.assert_no_pending_responses()


def grant(principal, resource, permissions, grantable=()):
    return {
        "Principal": {"DataLakePrincipalIdentifier": principal},
        "Resource": resource,
        "Permissions": list(permissions),
        "PermissionsWithGrantOption": list(grantable),
    }


# ------------------------------------------------------------------ identities


@pytest.mark.parametrize(
    "arn, principal",
    [
        ("arn:aws:sts::123456789012:assumed-role/deploy/ansible-session", "arn:aws:iam::123456789012:role/deploy"),
        ("arn:aws-cn:sts::123456789012:assumed-role/deploy/s", "arn:aws-cn:iam::123456789012:role/deploy"),
        ("arn:aws:iam::123456789012:user/ops/alice", "arn:aws:iam::123456789012:user/ops/alice"),
        ("arn:aws:sts::123456789012:user/moto", "arn:aws:iam::123456789012:user/moto"),
    ],
)
def test_caller_principal_maps_sessions_to_their_role(arn, principal):
    assert lf.caller_principal(arn) == principal


def test_identity_key_ignores_paths_and_sessions():
    session = "arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Admin_1/alice@example.com"
    sso_role = "arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Admin_1"
    assert lf.identity_key(session) == lf.identity_key(sso_role)
    assert lf.identity_key("arn:aws:iam::123456789012:role/a") != lf.identity_key("arn:aws:iam::123456789012:user/a")
    assert lf.identity_key("arn:aws:iam::123456789012:role/a") != lf.identity_key("arn:aws:iam::210987654321:role/a")


def test_get_caller_identity(stubbed):
    client, stub = stubbed
    sts = boto3.client("sts", region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s")
    with Stubber(sts) as sts_stub:
        sts_stub.add_response(
            "get_caller_identity",
            {"Account": ACCOUNT, "Arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/deploy/s", "UserId": "AROA:s"},
        )
        identity = lf.get_caller_identity(RetryingBotoClientWrapper(sts, aws_retry(delay=0, max_delay=0)))
    assert identity == {
        "account": ACCOUNT,
        "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/deploy/s",
        "principal": f"arn:aws:iam::{ACCOUNT}:role/deploy",
    }


@pytest.mark.parametrize(
    "value, ok",
    [
        ("role/analyst", True),
        ("IAM_ALLOWED_PRINCIPALS", True),
        ("111122223333", True),
        ("arn:aws:iam::111122223333:role/x", True),
        ("arn:aws:organizations::111122223333:organization/o-abc", True),
        ("analyst", False),
        ("arn:aws:s3:::bucket", False),
        ("", False),
    ],
)
def test_validate_principal(value, ok):
    errors = lf.validate_principal(value, "permissions[0].principal")
    assert (errors == []) is ok
    assert all(e.startswith("permissions[0].principal") for e in errors)


def test_principals_short_and_long():
    assert lf.expand_principal("role/analyst", ACCOUNT, "aws") == ANALYST
    assert lf.expand_principal("IAM_ALLOWED_PRINCIPALS", ACCOUNT, "aws") == "IAM_ALLOWED_PRINCIPALS"
    assert lf.short_principal(ANALYST, ACCOUNT) == "role/analyst"
    assert lf.short_principal("arn:aws:iam::111122223333:role/x", ACCOUNT) == "arn:aws:iam::111122223333:role/x"


# ------------------------------------------------------------------ resources


@pytest.mark.parametrize(
    "resource, text",
    [
        ({"Catalog": {}}, "catalog"),
        ({"Database": {"Name": "sales"}}, "database sales"),
        (ORDERS, "sales.orders"),
        ({"Table": {"DatabaseName": "sales", "TableWildcard": {}}}, "sales.*"),
        (
            {"TableWithColumns": {"DatabaseName": "sales", "Name": "orders", "ColumnNames": ["b", "a"]}},
            "sales.orders (a, b)",
        ),
        (
            {
                "TableWithColumns": {
                    "DatabaseName": "s",
                    "Name": "c",
                    "ColumnWildcard": {"ExcludedColumnNames": ["ssn"]},
                }
            },
            "s.c (all columns except ssn)",
        ),
        ({"DataLocation": {"ResourceArn": "arn:aws:s3:::lake/raw"}}, "s3://lake/raw"),
        ({"LFTag": {"TagKey": "domain", "TagValues": ["sales", "finance"]}}, "LF-tag domain=finance,sales"),
        (
            {"LFTagPolicy": {"ResourceType": "TABLE", "Expression": [{"TagKey": "d", "TagValues": ["x"]}]}},
            "tables with d=x",
        ),
        ({"Database": {"CatalogId": "111122223333", "Name": "shared"}}, "database 111122223333:shared"),
    ],
)
def test_resource_keys_round_trip_and_read_readably(resource, text):
    key = lf.resource_key(resource, ACCOUNT)
    assert lf.describe_key(key) == text
    assert lf.resource_key(lf.key_to_api(key), ACCOUNT) == key


def test_same_table_in_both_forms_is_one_key_and_one_read():
    wildcard_columns = {"TableWithColumns": {"DatabaseName": "sales", "Name": "orders", "ColumnWildcard": {}}}
    with_catalog = {"Table": {"CatalogId": ACCOUNT, "DatabaseName": "sales", "Name": "orders"}}
    key = lf.resource_key(ORDERS, ACCOUNT)
    assert lf.resource_key(wildcard_columns, ACCOUNT) == key == lf.resource_key(with_catalog, ACCOUNT)
    columns = lf.resource_key({"TableWithColumns": dict(ORDERS["Table"], ColumnNames=["a"])}, ACCOUNT)
    assert lf.read_scope(columns)[0] == lf.read_scope(key)[0]
    assert lf.read_scope(columns)[1] == ORDERS


def test_describe_grant():
    key = lf.resource_key(ORDERS, ACCOUNT)
    assert lf.describe_grant(ANALYST, "SELECT", False, key, ACCOUNT) == "role/analyst: SELECT on sales.orders"
    assert lf.describe_grant(ANALYST, "SELECT", True, key, ACCOUNT).endswith("SELECT with grant option on sales.orders")


def test_s3_locations():
    assert lf.s3_arn("s3://lake/raw/") == "arn:aws:s3:::lake/raw"
    assert lf.s3_arn("arn:aws:s3:::lake/raw/", "aws") == "arn:aws:s3:::lake/raw"
    assert lf.s3_arn("s3://lake", "aws-cn") == "arn:aws-cn:s3:::lake"


# ------------------------------------------------------------------ settings


def test_settings_round_trip_keeps_unmanaged_fields():
    raw = {
        "DataLakeAdmins": [{"DataLakePrincipalIdentifier": "b"}, {"DataLakePrincipalIdentifier": "a"}],
        "CreateDatabaseDefaultPermissions": [
            {"Principal": {"DataLakePrincipalIdentifier": "IAM_ALLOWED_PRINCIPALS"}, "Permissions": ["ALL"]}
        ],
        "CreateTableDefaultPermissions": [],
        "ExternalDataFilteringAllowList": [{"DataLakePrincipalIdentifier": "111122223333"}],
        "Parameters": {"CROSS_ACCOUNT_VERSION": "3"},
    }
    settings = lf.normalize_settings(raw)
    assert settings["admins"] == ["a", "b"]
    assert lf.allows_iam_principals(settings["create_database_default_permissions"])
    assert not lf.allows_iam_principals(settings["create_table_default_permissions"])
    api = lf.settings_to_api(raw, dict(settings, admins=["c"]))
    assert api["DataLakeAdmins"] == [{"DataLakePrincipalIdentifier": "c"}]
    assert api["ExternalDataFilteringAllowList"] == raw["ExternalDataFilteringAllowList"]
    assert api["Parameters"] == {"CROSS_ACCOUNT_VERSION": "3"}
    assert lf.normalize_settings(api) == dict(settings, admins=["c"])


# ------------------------------------------------------------------ what the emulator cannot do


def test_list_permissions_follows_next_token(stubbed):
    client, stub = stubbed
    first = [grant(ANALYST, ORDERS, ["SELECT"])]
    second = [grant(ANALYST, ORDERS, ["DESCRIBE"])]
    stub.add_response(
        "list_permissions",
        {"PrincipalResourcePermissions": first, "NextToken": "page2"},
        {"Resource": ORDERS, "MaxResults": 1000},
    )
    stub.add_response(
        "list_permissions",
        {"PrincipalResourcePermissions": second},
        {"Resource": ORDERS, "MaxResults": 1000, "NextToken": "page2"},
    )
    assert lf.list_permissions(client, ORDERS) == first + second


def test_list_permissions_of_a_missing_table_is_empty(stubbed):
    client, stub = stubbed
    stub.add_client_error("list_permissions", "EntityNotFoundException", http_status_code=400)
    assert lf.list_permissions(client, ORDERS) == []


def test_list_permissions_retries_throttling(stubbed):
    client, stub = stubbed
    stub.add_client_error("list_permissions", "ThrottlingException", http_status_code=400)
    stub.add_response("list_permissions", {"PrincipalResourcePermissions": []})
    assert lf.list_permissions(client, ORDERS) == []


def test_list_permissions_error_names_the_action(stubbed):
    client, stub = stubbed
    stub.add_client_error("list_permissions", "AccessDeniedException", http_status_code=400)
    with pytest.raises(DeltaLakeAWSError, match="Failed to list Lake Formation permissions"):
        lf.list_permissions(client, ORDERS)


def test_batch_grant_sends_at_most_20_entries_per_call(stubbed):
    client, stub = stubbed
    entries = [grant(f"arn:aws:iam::{ACCOUNT}:role/r{i}", ORDERS, ["SELECT"]) for i in range(45)]
    for start, size in ((0, 20), (20, 20), (40, 5)):
        expected = [dict(e, Id=str(start + i)) for i, e in enumerate(entries[start : start + size])]
        stub.add_response("batch_grant_permissions", {"Failures": []}, {"Entries": expected})
    lf.batch_grant(client, entries)


def test_batch_revoke_failure_stops_and_says_what_failed(stubbed):
    client, stub = stubbed
    entries = [grant(ANALYST, ORDERS, ["SELECT"])]
    stub.add_response(
        "batch_revoke_permissions",
        {
            "Failures": [
                {
                    "RequestEntry": dict(entries[0], Id="0"),
                    "Error": {"ErrorCode": "InvalidInputException", "ErrorMessage": "not granted"},
                }
            ]
        },
    )
    with pytest.raises(DeltaLakeAWSError) as raised:
        lf.batch_revoke(client, entries, describe=lambda entry: "role/analyst: SELECT on sales.orders")
    assert "Failed to revoke 1 of 1 permission entries" in raised.value.message
    assert "role/analyst: SELECT on sales.orders: InvalidInputException not granted" in raised.value.message


def test_lf_tag_missing_or_without_values_is_none(stubbed):
    client, stub = stubbed
    stub.add_client_error("get_lf_tag", "EntityNotFoundException", http_status_code=400)
    stub.add_response("get_lf_tag", {"TagKey": "domain"})  # the emulator: 200 without values
    stub.add_response("get_lf_tag", {"TagKey": "domain", "TagValues": ["b", "a"]})
    assert lf.get_lf_tag(client, "domain") is None
    assert lf.get_lf_tag(client, "domain") is None
    assert lf.get_lf_tag(client, "domain") == ["a", "b"]


def test_resource_lf_tags_of_a_missing_table_are_none(stubbed):
    client, stub = stubbed
    stub.add_client_error("get_resource_lf_tags", "EntityNotFoundException", http_status_code=400)
    stub.add_response(
        "get_resource_lf_tags",
        {
            "LFTagsOnTable": [{"TagKey": "d", "TagValues": ["x"]}],
            "LFTagsOnColumns": [{"Name": "email", "LFTags": [{"TagKey": "s", "TagValues": ["pii"]}]}],
        },
    )
    assert lf.get_resource_lf_tags(client, ORDERS) == {"database": {}, "table": {}, "columns": {}}
    assert lf.get_resource_lf_tags(client, ORDERS) == {
        "database": {},
        "table": {"d": ["x"]},
        "columns": {"email": {"s": ["pii"]}},
    }


# ------------------------------------------------------------------ the permissions module's plan


def params(**kwargs):
    return dict({"state": "present", "purge": False}, **kwargs)


def wanted(*items):
    return {(p, lf.resource_key(r, ACCOUNT)): {"permissions": set(ps), "grantable": set(gs)} for p, r, ps, gs in items}


def held(*items):
    have = {}
    for principal, resource, permissions, grantable in items:
        entry = have.setdefault(
            (principal, lf.resource_key(resource, ACCOUNT)), {"permissions": set(), "grantable": set(), "raw": {}}
        )
        entry["permissions"].update(permissions)
        entry["grantable"].update(grantable)
        for permission in set(permissions) | set(grantable):
            entry["raw"][permission] = resource
    return have


def test_present_grants_only_what_is_missing_in_one_entry_per_pair():
    grants, revokes, after = perms.plan(
        params(),
        wanted((ANALYST, ORDERS, ["SELECT", "DESCRIBE"], ["SELECT"])),
        held((ANALYST, ORDERS, ["DESCRIBE"], [])),
    )
    assert revokes == []
    assert grants == [grant(ANALYST, ORDERS, ["SELECT"], ["SELECT"])]
    assert after[(ANALYST, lf.resource_key(ORDERS, ACCOUNT))] == {
        "permissions": {"SELECT", "DESCRIBE"},
        "grantable": {"SELECT"},
    }


def test_purge_revokes_exactly_the_extras_of_listed_principals_on_listed_resources():
    other = f"arn:aws:iam::{ACCOUNT}:role/other"
    database = {"Database": {"Name": "sales"}}
    elsewhere = {"Database": {"Name": "hr"}}
    want = wanted((ANALYST, ORDERS, ["SELECT"], []), (other, database, ["DESCRIBE"], []))
    have = held(
        (ANALYST, ORDERS, ["SELECT", "ALTER"], ["SELECT"]),  # ALTER and SELECT's grant option are extras
        (ANALYST, database, ["DESCRIBE"], []),  # listed principal, listed resource: extra
        (ANALYST, elsewhere, ["DESCRIBE"], []),  # resource not listed: kept
        (f"arn:aws:iam::{ACCOUNT}:role/intruder", ORDERS, ["SELECT"], []),  # principal not listed: kept
        (other, database, ["DESCRIBE"], []),
    )
    grants, revokes, after = perms.plan(params(purge=True), want, have)
    assert grants == []
    assert sorted(revokes, key=repr) == sorted(
        [grant(ANALYST, ORDERS, ["ALTER"], ["SELECT"]), grant(ANALYST, database, ["DESCRIBE"], [])], key=repr
    )
    assert perms.grant_lines(after, ACCOUNT) == [
        "role/analyst: DESCRIBE on database hr",
        "role/analyst: SELECT on sales.orders",
        "role/intruder: SELECT on sales.orders",
        "role/other: DESCRIBE on database sales",
    ]


def test_purge_revokes_on_the_form_a_permission_was_granted_on():
    as_columns = {"TableWithColumns": {"DatabaseName": "sales", "Name": "orders", "ColumnWildcard": {}}}
    have = held((ANALYST, as_columns, ["SELECT"], []), (ANALYST, ORDERS, ["DESCRIBE"], []))
    grants, revokes, unused_after = perms.plan(params(purge=True), wanted((ANALYST, ORDERS, ["DESCRIBE"], [])), have)
    assert grants == [] and revokes == [grant(ANALYST, as_columns, ["SELECT"], [])]


def test_absent_revokes_what_is_listed_and_held_with_its_grant_option():
    have = held((ANALYST, ORDERS, ["SELECT", "DESCRIBE"], ["SELECT"]))
    want = wanted((ANALYST, ORDERS, ["SELECT", "INSERT"], []))
    grants, revokes, after = perms.plan(params(state="absent"), want, have)
    assert grants == []
    assert revokes == [grant(ANALYST, ORDERS, ["SELECT"], ["SELECT"])]
    assert perms.grant_lines(after, ACCOUNT) == ["role/analyst: DESCRIBE on sales.orders"]


def test_identical_state_plans_nothing():
    have = held((ANALYST, ORDERS, ["SELECT"], ["SELECT"]))
    grants, revokes, after = perms.plan(params(purge=True), wanted((ANALYST, ORDERS, ["SELECT"], ["SELECT"])), have)
    assert grants == [] and revokes == []
    assert perms.grant_lines(after, ACCOUNT) == perms.grant_lines(have, ACCOUNT)


@pytest.mark.parametrize("value", ["a\nb", "pii\n", "a\tb", "a\rb"])
def test_lf_tag_value_and_key_refuse_tabs_and_line_breaks(value):
    """AWS allows letters, numbers, spaces (\\p{Z}) and _.:/=+-@% (values also *): no control characters."""
    assert lf.validate_lf_tag(value, ["x"], "tag")
    assert lf.validate_lf_tag("domain", [value], "tag")


def test_lf_tag_allows_spaces_and_unicode_letters():
    assert lf.validate_lf_tag("data domain", ["Zürich west", "a\u00a0b", "*"], "tag") == []
