# -*- coding: utf-8 -*-

# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Redaction for the deployment history (controller-only; used by the callback and the lookup).

Nothing secret may reach a history store or the drift report. Values are replaced by a visible marker
(ARA style, never silently dropped) when:

- their key looks like a secret (``SECRET_KEY_PATTERNS`` plus user patterns), anywhere in a nested structure;
- they are vault-encrypted;
- they match a value pattern (AWS access key ids, private key blocks, plus user patterns);
- they are, or contain, a value known to be secret: values of ``no_log`` module options seen during the run,
  secret-looking task arguments, and credentials in the controller's environment (``AWS_SECRET_ACCESS_KEY``,
  ``AWS_SESSION_TOKEN``, ...).
"""

import os
import re

from ansible.module_utils.common.collections import is_sequence

try:
    from ansible.parsing.vault import VaultHelper
except ImportError:  # pragma: no cover - ansible-core < 2.19
    VaultHelper = None

MARKER = "<redacted by deltalake.aws.deployment_history>"

# What module_utils put in place of no_log option values in `invocation.module_args`.
NO_LOG_PLACEHOLDER = "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"

# Key names (case-insensitive, searched anywhere in the key) whose values are never recorded.
SECRET_KEY_PATTERNS = (
    r"pass(word|wd|phrase)?",
    r"secret",
    r"token",
    r"private[_-]?key",
    r"session",
    r"credential",
    r"api[_-]?key",
    r"access[_-]?key",
    r"authorization",
    r"cookie",
    r"signature",
)

# String values that are secrets whatever their key.
SECRET_VALUE_PATTERNS = (
    r"\b(AKIA|ASIA)[A-Z0-9]{16}\b",  # AWS access key ids
    r"(?s)-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(-----END [A-Z ]*PRIVATE KEY-----|\Z)",  # the whole block
)

# Known secrets shorter than this are only redacted where a whole value equals them; longer ones also inside
# longer strings (a message that quotes a token). Short values would otherwise mangle unrelated text.
MIN_SUBSTRING_SECRET = 8


def _compile(patterns):
    compiled = []
    for pattern in patterns or ():
        try:
            compiled.append(re.compile(pattern, re.IGNORECASE))
        except re.error as e:
            raise ValueError(f"invalid redaction pattern {pattern!r}: {e}") from e
    return compiled


def is_vaulted(value):
    """Whether a value is vault-encrypted (an EncryptedString or a decrypted value tagged as vaulted)."""
    if VaultHelper is None or isinstance(value, (bool, int, float)) or value is None:
        return False
    try:
        return VaultHelper.get_ciphertext(value, with_tags=False) is not None
    except (TypeError, ValueError, AttributeError):
        return False


class Redactor:
    """Replace secret values by ``MARKER``; see the module docstring for the rules.

    ``redacted_paths`` collects the dotted paths that were redacted by ``redact()`` so that a later run can
    redact the same settings from the start (before it learns which values are secret).
    """

    def __init__(self, key_patterns=None, value_patterns=None, secret_keys=None):
        self.key_patterns = _compile(SECRET_KEY_PATTERNS) + _compile(key_patterns)
        self.value_patterns = _compile(SECRET_VALUE_PATTERNS) + _compile(value_patterns)
        self.secret_keys = set(secret_keys or ())
        self.secrets = set()
        self.redacted_paths = set()

    # ------------------------------------------------------------------ learning secrets

    def add_secret(self, value):
        """Remember a secret value (strings, and the string leaves of lists and dicts). Numbers and booleans
        are not remembered: redacting every ``0`` or ``true`` of a record would destroy it."""
        if isinstance(value, dict):
            for item in value.values():
                self.add_secret(item)
        elif is_sequence(value):
            for item in value:
                self.add_secret(item)
        elif isinstance(value, str):
            text = str(value).strip()
            if text and text != NO_LOG_PLACEHOLDER and text != MARKER:
                self.secrets.add(text)

    def learn_environment(self, environ=None):
        """Remember the values of environment variables whose names look secret (credentials)."""
        environ = os.environ if environ is None else environ
        for name, value in environ.items():
            if self.key_is_secret(name):
                self.add_secret(value)

    def learn_task(self, task_args, invocation_args):
        """Remember the values of a task's ``no_log`` options and of its secret-looking arguments.

        ``task_args`` are the task's (templated) arguments as the controller sees them; ``invocation_args`` the
        module's ``invocation.module_args``, where module_utils replaced every ``no_log`` option's value by
        ``VALUE_SPECIFIED_IN_NO_LOG_PARAMETER``.
        """
        if not isinstance(task_args, dict):
            return
        invocation_args = invocation_args if isinstance(invocation_args, dict) else {}
        for key, value in task_args.items():
            shown = invocation_args.get(key)
            if self.key_is_secret(key) or shown == NO_LOG_PLACEHOLDER:
                self.add_secret(value)
            elif isinstance(value, dict) and isinstance(shown, dict):
                self.learn_task(value, shown)
            elif is_sequence(value) and is_sequence(shown) and len(value) == len(shown):
                for item, shown_item in zip(value, shown):
                    if isinstance(item, dict) and isinstance(shown_item, dict):
                        self.learn_task(item, shown_item)

    # ------------------------------------------------------------------ rules

    def key_is_secret(self, key):
        key = str(key)
        return key in self.secret_keys or any(p.search(key) for p in self.key_patterns)

    def scrub_text(self, text):
        """Redact known secrets inside a string (a message, a name); the rest of the text is kept."""
        text = str(text)
        if text == MARKER:
            return text
        if text in self.secrets:
            return MARKER
        for secret in sorted(self.secrets, key=len, reverse=True):
            if len(secret) >= MIN_SUBSTRING_SECRET and secret in text:
                text = text.replace(secret, MARKER)
        for pattern in self.value_patterns:
            text = pattern.sub(MARKER, text)
        return text

    def redact(self, data, path=""):
        """A plain (JSON-ready) copy of ``data`` with every secret replaced by ``MARKER``.

        Keys are converted to strings, tuples and sets to lists, tagged strings to plain ones, and values
        JSON cannot hold to their string form. Vaulted values are never decrypted.
        """
        if is_vaulted(data):
            self.redacted_paths.add(path)
            return MARKER
        if isinstance(data, dict):
            result = {}
            for key, value in data.items():
                key = str(key)
                child = f"{path}.{key}" if path else key
                if self.key_is_secret(key) or child in self.secret_keys:
                    self.redacted_paths.add(child)
                    result[key] = MARKER
                else:
                    result[key] = self.redact(value, child)
            return result
        if is_sequence(data) or isinstance(data, (set, frozenset)):
            return [self.redact(item, f"{path}[]") for item in data]
        if isinstance(data, bool) or data is None:
            return data
        if isinstance(data, (int, float)):
            return data
        text = str(data)
        scrubbed = self.scrub_text(text)
        if scrubbed != text:
            self.redacted_paths.add(path)
        return scrubbed

    def scrub(self, data):
        """Apply the known-secret and value rules to every string of an already plain structure."""
        if isinstance(data, dict):
            return {key: self.scrub(value) for key, value in data.items()}
        if isinstance(data, list):
            return [self.scrub(item) for item in data]
        if isinstance(data, str):
            return self.scrub_text(data)
        return data
