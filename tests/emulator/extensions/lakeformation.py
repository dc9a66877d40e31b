# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Lake Formation extensions of the emulator (moto 5.2.5); see extensions/__init__.py.

Each function restores one behaviour of the Lake Formation API reference
(https://docs.aws.amazon.com/lake-formation/latest/APIReference/) that moto lacks or gets wrong:

- revoking after a merged grant: FIXED here (not avoided), see ``revoke_after_merged_grant``;
- batch grants/revokes lose ``PermissionsWithGrantOption`` (moto reads a misspelt key);
- ``ListPermissions`` cannot filter by LF-tag, LF-tag policy, or list a table's column grants under its table;
- ``UpdateResource`` is missing, and ``RegisterResource``/``DescribeResource`` drop the federation, hybrid access
  and service-linked-role fields;
- ``GetResourceLFTags`` of a resource without LF-tags answers HTTP 500, ``AddLFTagsToResource`` replaces every
  LF-tag of the resource instead of adding.

Left as moto has them (the modules cope, and the tests use botocore's Stubber where needed): ``ListPermissions``
ignores ``MaxResults``/``NextToken``; grants are not checked against Glue; ``GetLFTag`` of a missing key answers
200 with no values; ``CreateLFTag`` on an existing key replaces its values; revoking a permission that is not held
succeeds.
"""

SERVICE_LINKED_ROLE = "role/aws-service-role/lakeformation.amazonaws.com/AWSServiceRoleForLakeFormationDataAccess"


def revoke_after_merged_grant():
    """A second grant to an existing principal+resource pair adds its permissions, and a later revoke removes
    the revoked ones (https://docs.aws.amazon.com/lake-formation/latest/APIReference/API_RevokePermissions.html).

    moto merges the second grant into the stored entry while it sits in a ``set``, so the entry's hash goes stale
    and every later revoke of the pair fails with ``KeyError`` (HTTP 500). Re-adding the merged entry keeps the
    set consistent. (The alternative, granting each pair's full set in one call, would hide the bug from the
    module's tests; the module does grant a pair's missing permissions in one entry, but a later run may add
    more, which is exactly the merge case.)
    """
    from moto.lakeformation.models import PermissionCatalog

    def add_permission(self, permission):
        for existing in list(self.permissions):
            if permission.equal_principal_and_resouce(existing):
                self.permissions.remove(existing)
                existing.merge(permission)
                self.permissions.add(existing)
                return
        self.permissions.add(permission)

    PermissionCatalog.add_permission = add_permission


def batch_grant_option():
    """``BatchGrantPermissions``/``BatchRevokePermissions`` entries carry ``PermissionsWithGrantOption``
    (https://docs.aws.amazon.com/lake-formation/latest/APIReference/API_BatchPermissionsRequestEntry.html);
    moto reads ``PermissionsWithGrantOptions`` and so drops every grant option of a batch call."""
    from moto.lakeformation.models import LakeFormationBackend

    def batch_grant_permissions(self, catalog_id, entries):
        for entry in entries:
            self.grant_permissions(
                catalog_id,
                entry.get("Principal"),
                entry.get("Resource"),
                entry.get("Permissions"),
                entry.get("PermissionsWithGrantOption"),
            )

    def batch_revoke_permissions(self, catalog_id, entries):
        for entry in entries:
            self.revoke_permissions(
                catalog_id,
                entry.get("Principal"),
                entry.get("Resource"),
                entry.get("Permissions"),
                entry.get("PermissionsWithGrantOption"),
            )

    LakeFormationBackend.batch_grant_permissions = batch_grant_permissions
    LakeFormationBackend.batch_revoke_permissions = batch_revoke_permissions


def _strip_catalog(value):
    if isinstance(value, dict):
        return {k: _strip_catalog(v) for k, v in value.items() if k != "CatalogId"}
    if isinstance(value, list):
        return [_strip_catalog(v) for v in value]
    return value


def _lf_tag_policy_key(policy):
    expression = sorted((e["TagKey"], tuple(sorted(e["TagValues"]))) for e in policy.get("Expression", []))
    return policy.get("ResourceType"), expression


def list_permissions_filters():
    """``ListPermissions`` filtered by an ``LFTag`` or ``LFTagPolicy`` resource returns the grants on that
    resource, filtered by a ``Table`` it also returns the column-level (``TableWithColumns``) grants on that
    table, as the console's table view shows them, and filtered by a table wildcard it returns the wildcard
    grants of that database (https://docs.aws.amazon.com/lake-formation/latest/APIReference/API_ListPermissions.html).

    moto refuses a filter without a catalog, database, table or data location (InvalidInputException), matches a
    ``Table`` filter against ``Table`` grants only, and answers HTTP 500 (KeyError) for a table-wildcard filter
    when a named table of the catalog has grants. Other filters keep moto's own behaviour."""
    import json

    from moto.lakeformation.responses import LakeFormationResponse

    original = LakeFormationResponse.list_permissions

    def list_permissions(self):
        resource = self._get_param("Resource") or {}
        table = resource.get("Table")
        if not ({"LFTag", "LFTagPolicy"} & set(resource) or table):
            return original(self)
        catalog_id = self._get_param("CatalogId") or self.current_account
        principal = self._get_param("Principal")
        backend = self.lakeformation_backend
        grants = backend.grants.get(catalog_id)
        # the filter is read once, then each grant is one match() (ListPermissions of one table is called once
        # per table by lakeformation_permissions: with 1,000 grants this loop runs a million times)
        if "LFTag" in resource:
            wanted = _strip_catalog(resource["LFTag"])

            def match(held):
                return "LFTag" in held and _strip_catalog(held["LFTag"]) == wanted

        elif "LFTagPolicy" in resource:
            wanted = _lf_tag_policy_key(resource["LFTagPolicy"])

            def match(held):
                return "LFTagPolicy" in held and _lf_tag_policy_key(held["LFTagPolicy"]) == wanted

        elif "TableWildcard" in table:
            wanted = table["DatabaseName"]

            def match(held):
                on = held.get("Table") or {}
                return "TableWildcard" in on and on.get("DatabaseName") == wanted

        else:
            wanted = (table["DatabaseName"], table["Name"])

            def match(held):
                on = held.get("Table") or held.get("TableWithColumns") or {}
                return (on.get("DatabaseName"), on.get("Name")) == wanted

        found = [
            permission.to_external_form()
            for permission in (list(grants.permissions) if grants else [])
            if (principal is None or permission.principal == principal) and match(permission.resource)
        ]
        return json.dumps({"PrincipalResourcePermissions": found})

    LakeFormationResponse.list_permissions = list_permissions


def resource_fields_and_update():
    """``RegisterResource`` keeps ``UseServiceLinkedRole`` (the role is then Lake Formation's service-linked
    role), ``WithFederation`` and ``HybridAccessEnabled``; ``DescribeResource`` and ``ListResources`` return them;
    ``UpdateResource`` changes the role, ``WithFederation`` and ``HybridAccessEnabled`` of a registered location
    (https://docs.aws.amazon.com/lake-formation/latest/APIReference/API_RegisterResource.html,
    https://docs.aws.amazon.com/lake-formation/latest/APIReference/API_UpdateResource.html,
    https://docs.aws.amazon.com/lake-formation/latest/APIReference/API_ResourceInfo.html).

    moto stores only the ARN and the role, and has no ``UpdateResource``."""
    import json

    from moto.lakeformation import urls
    from moto.lakeformation.exceptions import EntityNotFound
    from moto.lakeformation.models import Resource
    from moto.lakeformation.responses import LakeFormationResponse

    def to_dict(self):
        return {
            "ResourceArn": self.arn,
            "RoleArn": self.role_arn,
            "WithFederation": getattr(self, "with_federation", False),
            "HybridAccessEnabled": getattr(self, "hybrid_access_enabled", False),
        }

    def register_resource(self):
        arn = self._get_param("ResourceArn")
        role = self._get_param("RoleArn")
        if self._get_param("UseServiceLinkedRole"):
            role = f"arn:aws:iam::{self.current_account}:{SERVICE_LINKED_ROLE}"
        self.lakeformation_backend.register_resource(resource_arn=arn, role_arn=role)
        stored = self.lakeformation_backend.resources[arn]
        stored.with_federation = bool(self._get_param("WithFederation"))
        stored.hybrid_access_enabled = bool(self._get_param("HybridAccessEnabled"))
        return "{}"

    def update_resource(self):
        stored = self.lakeformation_backend.resources.get(self._get_param("ResourceArn"))
        if stored is None:
            raise EntityNotFound()
        stored.role_arn = self._get_param("RoleArn")
        if self._get_param("WithFederation") is not None:
            stored.with_federation = bool(self._get_param("WithFederation"))
        if self._get_param("HybridAccessEnabled") is not None:
            stored.hybrid_access_enabled = bool(self._get_param("HybridAccessEnabled"))
        return json.dumps({})

    Resource.to_dict = to_dict
    LakeFormationResponse.register_resource = register_resource
    LakeFormationResponse.update_resource = update_resource
    urls.url_paths["{0}/UpdateResource$"] = urls.response.dispatch


def resource_lf_tags():
    """``GetResourceLFTags`` of a database, table or column without LF-tags answers with no tags, and
    ``AddLFTagsToResource`` adds the given LF-tags to those the resource has, a key already assigned taking the
    new value (https://docs.aws.amazon.com/lake-formation/latest/APIReference/API_GetResourceLFTags.html,
    https://docs.aws.amazon.com/lake-formation/latest/APIReference/API_AddLFTagsToResource.html).

    moto answers HTTP 500 (KeyError) for a resource never tagged, which botocore retries, and replaces the
    resource's whole LF-tag list on every add."""
    from moto.lakeformation.models import LakeFormationBackend

    def tag_stores(self, resource):
        """(store, key) pairs of every database/table/column that ``resource`` names."""
        if "Database" in resource:
            db = resource["Database"]
            yield self.lf_database_tags, (db.get("CatalogId", self.account_id), db["Name"])
        if "Table" in resource:
            table = resource["Table"]
            yield self.lf_table_tags, (table.get("CatalogId", self.account_id), table["DatabaseName"], table["Name"])
        if "TableWithColumns" in resource:
            table = resource["TableWithColumns"]
            for column in table.get("ColumnNames", []):
                key = (table.get("CatalogId", self.account_id), table["DatabaseName"], table["Name"], column)
                yield self.lf_columns_tags, key

    original_get = LakeFormationBackend.get_resource_lf_tags
    original_add = LakeFormationBackend.add_lf_tags_to_resource

    def get_resource_lf_tags(self, catalog_id, resource):
        for store, key in tag_stores(self, resource):
            if store is not self.lf_columns_tags:
                store.setdefault(key, [])
        return original_get(self, catalog_id, resource)

    def add_lf_tags_to_resource(self, catalog_id, resource, tags):
        existing = {key: list(store.get(key, [])) for store, key in tag_stores(self, resource)}
        failures = original_add(self, catalog_id, resource, tags)
        if failures:
            return failures
        new_keys = {tag["TagKey"] for tag in tags}
        for store, key in tag_stores(self, resource):
            kept = [tag for tag in existing[key] if tag["TagKey"] not in new_keys]
            store[key] = kept + [dict(tag) for tag in tags]
        return failures

    LakeFormationBackend.get_resource_lf_tags = get_resource_lf_tags
    LakeFormationBackend.add_lf_tags_to_resource = add_lf_tags_to_resource


EXTENSIONS = (
    revoke_after_merged_grant,
    batch_grant_option,
    list_permissions_filters,
    resource_fields_and_update,
    resource_lf_tags,
)
