# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""S3 IAM action names for the emulator's IAM enforcement; see extensions/__init__.py.

Only matters when moto enforces IAM policies (``INITIAL_NO_AUTH_ACTION_COUNT``, or ``POST /moto-api/reset-auth``
as the reliability suite's read-only drift test does); without enforcement nothing reads these names.
"""


def s3_action_names():
    """Authorize S3 requests with the IAM actions AWS checks for them, as the Service Authorization Reference lists
    them (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html):
    ``HeadBucket`` needs ``s3:ListBucket``; ``GetBucketEncryption``/``PutBucketEncryption`` need
    ``s3:GetEncryptionConfiguration``/``s3:PutEncryptionConfiguration``; the ownership controls and public access
    block operations need ``s3:{Get,Put}BucketOwnershipControls`` and ``s3:{Get,Put}BucketPublicAccessBlock``.

    moto checks HEAD bucket as ``s3:HeadBucket`` (no such IAM action, so no real policy can allow it), checks the
    encryption and ownership-controls operations as ``s3:ListBucket``/``s3:CreateBucket``, and looks the public
    access block up under a query key (``public_access_block``) that requests never carry."""
    from moto.s3.responses import ACTION_MAP

    bucket = ACTION_MAP["BUCKET"]
    bucket["HEAD"]["DEFAULT"] = "ListBucket"
    for method, verb in (("GET", "Get"), ("PUT", "Put"), ("DELETE", "Put")):
        bucket[method]["encryption"] = f"{verb}EncryptionConfiguration"
        bucket[method]["ownershipControls"] = f"{verb}BucketOwnershipControls"
        bucket[method]["publicAccessBlock"] = f"{verb}BucketPublicAccessBlock"


EXTENSIONS = (s3_action_names,)
