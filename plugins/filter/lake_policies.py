# -*- coding: utf-8 -*-

# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
name: lake_policies
short_description: Least-privilege IAM roles of a data lake, generated from the lake's settings
version_added: 0.1.0
description:
  - Takes the lake's settings (the variables of the lake configuration, such as C(datalake_name),
    C(storage_data_bucket), C(catalog_database), C(encryption_enabled)) and returns, for each role those settings
    enable, the arguments of M(deltalake.aws.iam_role) - name, path, description, trust policy and one inline
    policy - and the role's ARN.
  - C(firehose) (C(ingest_enabled)) may write objects under C(raw/) only, find and list the bucket, use the lake
    key through S3, write its delivery error logs and read its source stream.
  - C(crawler) (C(crawl_enabled)) may read its targets (C(raw/) by default), write table definitions into its
    own database only and write its log streams.
  - C(processing) (C(iam_processing_role_enabled)) may read C(raw/) and C(processed/), write C(processed/) and
    C(analytics/), and read and write the lake's database. Its trust follows C(iam_processing_engine)
    (C(glue), C(emr), C(emr_serverless) or C(databricks) with an external id).
  - C(lakeformation) (C(governance_enabled)) may read and write the registered locations only.
  - No generated statement allows an S3, Glue or KMS action on C(Resource "*"); the lake key is used only
    through S3 (C(kms:ViaService)). See docs/security-model.md for each statement and why.
  - Settings that are wrong fail the filter with a message naming the setting.
author:
  - deltalake.aws developers (@deltalake-aws)
options:
  _input:
    description:
      - 'The lake settings: a dict of lake variables. Read: C(datalake_name) (required), C(datalake_region),
        C(datalake_account_id), C(storage_data_bucket), C(catalog_database), C(encryption_enabled),
        C(encryption_key_arn), C(iam_role_path), C(ingest_enabled), C(ingest_stream_name), C(ingest_prefix),
        C(ingest_error_output_prefix), C(ingest_cloudwatch_logging), C(ingest_source_stream_arn),
        C(ingest_format_conversion), C(ingest_format_conversion_table), C(crawl_enabled), C(crawl_name),
        C(crawl_targets), C(crawl_database), C(iam_processing_role_enabled), C(iam_processing_engine),
        C(iam_processing_trusted_principal_arn), C(iam_processing_external_id), C(iam_processing_read_prefixes),
        C(iam_processing_write_prefixes), C(governance_enabled), C(governance_locations). Unset ones take their
        defaults; other keys are ignored.'
    type: dict
    required: true
  account_id:
    description:
      - The lake's 12-digit AWS account id (for Glue, logs and role ARNs). Defaults to C(datalake_account_id) of
        the settings.
    type: str
  allow_unresolved:
    description:
      - When V(true) and the lake key's ARN is not known yet (C(encryption_key_arn) unset, as in a check-mode run
        before the key exists), the KMS statements name the keys of the lake's account and region
        (C(key/*), still only through S3) and the role lists C(encryption_key_arn) in C(unresolved).
      - When V(false) (use it for real runs) a missing key ARN is an error.
    type: bool
    default: false
  roles:
    description:
      - Generate exactly these roles (C(firehose), C(crawler), C(processing), C(lakeformation)) whatever the
        C(*_enabled) settings say.
    type: list
    elements: str
"""

EXAMPLES = r"""
- name: Read the account the lake is deployed into
  amazon.aws.aws_caller_info:
  register: caller

- name: Create the lake's roles with least-privilege policies
  deltalake.aws.iam_role:
    name: "{{ item.value.name }}"
    path: "{{ item.value.path }}"
    description: "{{ item.value.description }}"
    assume_role_policy: "{{ item.value.assume_role_policy }}"
    inline_policies: "{{ item.value.inline_policies }}"
  loop: "{{ lake_settings | deltalake.aws.lake_policies(account_id=caller.account, allow_unresolved=ansible_check_mode) | dict2items }}"
  loop_control:
    label: "{{ item.key }}"
  vars:
    lake_settings:
      datalake_name: acme
      datalake_region: eu-west-1
      ingest_enabled: true
      crawl_enabled: true
      encryption_enabled: true
      encryption_key_arn: "{{ lake_key.key.key_arn }}"

- name: Only the processing role, for Databricks
  ansible.builtin.set_fact:
    processing_role: >-
      {{ {'datalake_name': 'acme', 'iam_processing_engine': 'databricks', 'iam_processing_external_id': external_id}
         | deltalake.aws.lake_policies(account_id='123456789012', roles=['processing']) }}
"""

RETURN = r"""
_value:
  description: One entry per generated role, keyed by kind (C(firehose), C(crawler), C(processing), C(lakeformation)).
  type: dict
  contains:
    kind:
      description: The role's kind.
      type: str
    name:
      description: Role name, C(<datalake_name>-<kind>).
      type: str
    path:
      description: Role path (C(iam_role_path), default C(/)).
      type: str
    arn:
      description: The ARN the role has once created.
      type: str
    description:
      description: Role description.
      type: str
    assume_role_policy:
      description: Trust policy.
      type: dict
    inline_policies:
      description: One inline policy, C(deltalake-<kind>), name to document.
      type: dict
    unresolved:
      description: Settings that were not known and were replaced by a broader but still scoped value (see O(allow_unresolved)).
      type: list
      elements: str
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.deltalake.aws.plugins.plugin_utils import lake_policies


def lake_policies_filter(settings, account_id=None, allow_unresolved=False, roles=None):
    try:
        return lake_policies.lake_roles(settings, account_id=account_id, allow_unresolved=bool(allow_unresolved),
                                        roles=roles)
    except lake_policies.LakePolicyError as e:
        raise AnsibleFilterError(f"lake_policies: {e}") from e


class FilterModule:
    def filters(self):
        return {"lake_policies": lake_policies_filter}
