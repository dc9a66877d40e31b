# -*- coding: utf-8 -*-

# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment:
    # What every deltalake.aws module shares: full check mode and diff, on AWS, configured through the action group.
    DOCUMENTATION = r"""
options:
  account_id:
    description:
      - The AWS account of the credentials, as 12 digits, for the ARNs and principals the module builds (the
        ARN of a crawler or workgroup to read its tags, C(role/NAME) principals, the service-linked role, a
        bucket's log delivery grant).
      - When not given, the module asks C(sts:GetCallerIdentity) once, and only if it needs the account. A
        playbook that already knows the account (the lake roles do) passes it and saves that call per task.
      - It must be the account of the credentials; another account gives ARNs that AWS does not find.
    type: str
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  platform:
    platforms: aws
notes:
  - Credentials and the endpoint usually come from C(module_defaults) for C(group/deltalake.aws.aws).
"""
