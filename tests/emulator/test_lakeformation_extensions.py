# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ListPermissions filters of the Lake Formation extension answer as the API reference says, over HTTP
(extensions/lakeformation.py, list_permissions_filters)."""

import pytest

ANALYST = {"DataLakePrincipalIdentifier": "arn:aws:iam::123456789012:role/analyst"}
ETL = {"DataLakePrincipalIdentifier": "arn:aws:iam::123456789012:role/etl"}
ORDERS = {"DatabaseName": "sales", "Name": "orders"}


@pytest.fixture
def lf(aws):
    client = aws.client("lakeformation")
    client.create_lf_tag(TagKey="domain", TagValues=["sales", "finance"])
    grants = [
        (ANALYST, {"Table": ORDERS}, ["SELECT"]),
        (ETL, {"Table": ORDERS}, ["INSERT"]),
        (ANALYST, {"TableWithColumns": dict(ORDERS, ColumnNames=["id"])}, ["SELECT"]),
        (ANALYST, {"Table": {"DatabaseName": "sales", "Name": "customers"}}, ["SELECT"]),
        (ANALYST, {"Table": {"DatabaseName": "hr", "Name": "orders"}}, ["DROP"]),
        (ANALYST, {"Table": {"DatabaseName": "sales", "TableWildcard": {}}}, ["DESCRIBE"]),
        (ANALYST, {"Table": {"DatabaseName": "hr", "TableWildcard": {}}}, ["DESCRIBE"]),
        (ANALYST, {"LFTag": {"TagKey": "domain", "TagValues": ["sales"]}}, ["DESCRIBE"]),
        (ANALYST, {"LFTagPolicy": {"ResourceType": "TABLE", "Expression": [
            {"TagKey": "domain", "TagValues": ["finance", "sales"]}]}}, ["SELECT"]),
    ]
    for principal, resource, permissions in grants:
        client.grant_permissions(Principal=principal, Resource=resource, Permissions=permissions)
    return client


def listed(lf, **filters):
    grants = lf.list_permissions(**filters)["PrincipalResourcePermissions"]
    return sorted((g["Principal"]["DataLakePrincipalIdentifier"].rsplit("/", 1)[-1], sorted(g["Resource"]),
                   g["Permissions"][0]) for g in grants)


def test_a_table_filter_returns_its_table_and_column_grants(lf):
    assert listed(lf, Resource={"Table": ORDERS}) == [
        ("analyst", ["Table"], "SELECT"), ("analyst", ["TableWithColumns"], "SELECT"), ("etl", ["Table"], "INSERT")]
    assert listed(lf, Resource={"Table": ORDERS}, Principal=ETL) == [("etl", ["Table"], "INSERT")]
    assert listed(lf, Resource={"Table": {"DatabaseName": "sales", "Name": "returns"}}) == []


def test_a_table_wildcard_filter_returns_that_database_s_wildcard_grants(lf):
    found = lf.list_permissions(Resource={"Table": {"DatabaseName": "sales", "TableWildcard": {}}})
    assert [g["Resource"]["Table"]["DatabaseName"] for g in found["PrincipalResourcePermissions"]] == ["sales"]


def test_lf_tag_and_lf_tag_policy_filters(lf):
    assert listed(lf, Resource={"LFTag": {"TagKey": "domain", "TagValues": ["sales"]}}) == [
        ("analyst", ["LFTag"], "DESCRIBE")]
    # the expression's values in another order name the same policy
    assert listed(lf, Resource={"LFTagPolicy": {"ResourceType": "TABLE", "Expression": [
        {"TagKey": "domain", "TagValues": ["sales", "finance"]}]}}) == [("analyst", ["LFTagPolicy"], "SELECT")]
    assert listed(lf, Resource={"LFTagPolicy": {"ResourceType": "DATABASE", "Expression": [
        {"TagKey": "domain", "TagValues": ["sales", "finance"]}]}}) == []
