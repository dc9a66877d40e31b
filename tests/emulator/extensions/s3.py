# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""S3 (and bucket-policy evaluation) extensions of the emulator; see extensions/__init__.py."""

from fnmatch import fnmatchcase

# Context keys a real request carries that the emulator cannot see: every SDK request to AWS goes over TLS.
_REQUEST_CONTEXT = {"aws:securetransport": "true"}


def _condition_holds(operator, expected, actual):
    """Evaluate one IAM condition operator, or return None when this extension cannot prove it."""
    wanted = [str(v) for v in (expected if isinstance(expected, list) else [expected])]
    if operator in ("Bool", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase"):
        wanted = [w.lower() for w in wanted]
        actual = actual.lower()
    if operator in ("Bool", "StringEquals", "StringEqualsIgnoreCase"):
        return actual in wanted
    if operator in ("StringNotEquals", "StringNotEqualsIgnoreCase"):
        return actual not in wanted
    if operator == "StringLike":
        return any(fnmatchcase(actual, w) for w in wanted)
    if operator == "StringNotLike":
        return not any(fnmatchcase(actual, w) for w in wanted)
    return None


def deny_conditions_as_over_tls():
    """Evaluate the conditions of Deny statements in bucket policies as AWS does for a request over TLS.

    moto evaluates only ``StringEquals`` and treats any other condition as met, so the standard TLS-only
    statement (Deny when ``aws:SecureTransport`` is ``false``) denies every object call made over the emulator's
    plain HTTP (moto also answers DENIED, not "not applicable", when a condition fails). AWS applies a Deny only when all its conditions hold
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html); an SDK request
    has ``aws:SecureTransport`` true. A condition whose key or operator this extension cannot evaluate is treated
    as not met, so the Deny does not apply. Allow statements keep moto's own evaluation.
    """
    from moto.iam.access_control import IAMPolicyStatement
    from moto.iam.access_control import PermissionResult

    original = IAMPolicyStatement.is_action_permitted

    def is_action_permitted(self, action, resource="*", principal=None, incoming_condition_values=None):
        conditions = self._statement.get("Condition")
        if self._statement.get("Effect") != "Deny" or not conditions:
            return original(self, action, resource, principal, incoming_condition_values)
        context = dict(_REQUEST_CONTEXT)
        context.update({k.lower(): v for k, v in (incoming_condition_values or {}).items()})
        for operator, block in conditions.items():
            for key, expected in block.items():
                actual = context.get(key.lower())
                if actual is None or not _condition_holds(operator, expected, actual):
                    return PermissionResult.NEUTRAL  # a Deny whose condition is not met does not apply
        unconditional = IAMPolicyStatement({k: v for k, v in self._statement.items() if k != "Condition"})
        return original(unconditional, action, resource, principal, incoming_condition_values)

    IAMPolicyStatement.is_action_permitted = is_action_permitted


EXTENSIONS = (deny_conditions_as_over_tls,)
