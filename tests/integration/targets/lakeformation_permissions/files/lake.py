#!/usr/bin/env python
# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test helper, independent of the module under test: create Glue tables quickly, and list Lake Formation
grants as "principal|resource json|permission|grantable" lines (boto3 against AWS_ENDPOINT_URL)."""

import json
import sys

import boto3


def main():
    command = sys.argv[1]
    if command == "tables":
        database, count = sys.argv[2], int(sys.argv[3])
        glue = boto3.client("glue")
        if database not in [d["Name"] for d in glue.get_databases()["DatabaseList"]]:
            glue.create_database(DatabaseInput={"Name": database})
        existing = {t["Name"] for t in glue.get_tables(DatabaseName=database)["TableList"]}
        for index in range(count):
            if f"t{index}" not in existing:
                glue.create_table(DatabaseName=database, TableInput={"Name": f"t{index}"})
    elif command == "grants":
        lf = boto3.client("lakeformation")
        lines = []
        for grant in lf.list_permissions()["PrincipalResourcePermissions"]:
            principal = grant["Principal"]["DataLakePrincipalIdentifier"].split(":", 5)[-1]
            resource = json.dumps(grant["Resource"], sort_keys=True)
            for permission in grant["Permissions"]:
                grantable = permission in grant.get("PermissionsWithGrantOption", [])
                lines.append(f"{principal}|{resource}|{permission}|{grantable}")
        print(json.dumps(sorted(lines)))
    else:
        sys.exit(f"unknown command {command}")


if __name__ == "__main__":
    main()
