# -*- coding: utf-8 -*-

# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment:
    # What every deltalake.aws module shares: full check mode and diff, on AWS, configured through the action group.
    DOCUMENTATION = r"""
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
