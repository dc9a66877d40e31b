# -*- coding: utf-8 -*-

# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment:
    # The deployment history store, shared by the deployment_history callback (writes) and lookup (reads).
    DOCUMENTATION = r"""
options:
  db_path:
    description: Path of the SQLite database (created with mode 0600).
    type: path
    default: ~/.ansible/deltalake.aws/history.sqlite
    env:
      - name: DELTALAKE_HISTORY_DB
    ini:
      - section: callback_deployment_history
        key: db_path
  s3_bucket:
    description:
      - Bucket of the V(s3) backend. Defaults to the lake's data bucket, C(storage_data_bucket) or
        C(<datalake_name>-data).
    type: str
    env:
      - name: DELTALAKE_HISTORY_S3_BUCKET
    ini:
      - section: callback_deployment_history
        key: s3_bucket
  s3_prefix:
    description: Key prefix of the V(s3) backend; records go to C(<prefix>runs/dt=YYYY-MM-DD/<run_id>.json).
    type: str
    default: logs/deployments/
    env:
      - name: DELTALAKE_HISTORY_S3_PREFIX
    ini:
      - section: callback_deployment_history
        key: s3_prefix
  s3_region:
    description: Region of the bucket. Defaults to C(datalake_region), then to the AWS SDK's own settings.
    type: str
    env:
      - name: DELTALAKE_HISTORY_S3_REGION
    ini:
      - section: callback_deployment_history
        key: s3_region
  s3_endpoint_url:
    description:
      - S3 endpoint, for S3-compatible stores and tests. Without it the AWS SDK's settings apply (including
        E(AWS_ENDPOINT_URL)).
    type: str
    env:
      - name: DELTALAKE_HISTORY_S3_ENDPOINT_URL
    ini:
      - section: callback_deployment_history
        key: s3_endpoint_url
  s3_profile:
    description:
      - AWS profile for the V(s3) backend. Without it the SDK's default credential chain is used (environment,
        shared files, instance or task role); AWX injects AWS credentials into the environment.
    type: str
    env:
      - name: DELTALAKE_HISTORY_S3_PROFILE
    ini:
      - section: callback_deployment_history
        key: s3_profile
  spool_dir:
    description: Local directory for records that S3 has not confirmed yet (mode 0700); the lookup does not read it.
    type: path
    default: ~/.ansible/deltalake.aws/spool
    env:
      - name: DELTALAKE_HISTORY_SPOOL_DIR
    ini:
      - section: callback_deployment_history
        key: spool_dir
  stale_after:
    description:
      - Seconds after its last update when a V(running) record of another controller counts as
        V(interrupted). On the same controller a dead process is detected at once.
    type: int
    default: 86400
    env:
      - name: DELTALAKE_HISTORY_STALE_AFTER
    ini:
      - section: callback_deployment_history
        key: stale_after
"""
