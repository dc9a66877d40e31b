# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Redaction of the deployment history: secret keys, no_log option values, environment credentials, vaulted
values and user patterns all become the visible marker; everything else is kept."""

import json

import pytest

from ansible.parsing.vault import EncryptedString
from ansible.parsing.vault import VaultLib
from ansible.parsing.vault import VaultSecret

from ansible_collections.deltalake.aws.plugins.plugin_utils.history_redact import MARKER
from ansible_collections.deltalake.aws.plugins.plugin_utils.history_redact import NO_LOG_PLACEHOLDER
from ansible_collections.deltalake.aws.plugins.plugin_utils.history_redact import Redactor

CANARY = "CANARY-9f2c4e1a-secret-value"


@pytest.mark.parametrize(
    "key",
    [
        "password",
        "db_password",
        "DATALAKE_ADMIN_PASSWD",
        "passphrase",
        "client_secret",
        "aws_secret_access_key",
        "session_token",
        "api_token",
        "private_key",
        "ssh-private-key",
        "aws_session_token",
        "credentials",
        "api_key",
        "access_key",
        "Authorization",
        "cookie",
        "signature",
    ],
)
def test_secret_looking_keys_are_redacted_at_any_depth(key):
    redactor = Redactor()
    data = {"storage_x": {"nested": [{key: CANARY, "name": "kept"}]}}
    redacted = redactor.redact(data)
    assert redacted == {"storage_x": {"nested": [{key: MARKER, "name": "kept"}]}}
    assert f"storage_x.nested[].{key}" in redactor.redacted_paths


@pytest.mark.parametrize(
    "key", ["datalake_name", "storage_access_logging", "encryption_key_alias", "catalog_tables", "query_workgroup"]
)
def test_lake_settings_are_not_mistaken_for_secrets(key):
    assert not Redactor().key_is_secret(key)


def test_user_key_patterns_extend_the_defaults():
    redactor = Redactor(key_patterns=[r"^network_vpc_id$"])
    assert redactor.redact({"network_vpc_id": "vpc-123", "network_enabled": True, "token": "x"}) == {
        "network_vpc_id": MARKER,
        "network_enabled": True,
        "token": MARKER,
    }


def test_value_patterns_redact_inside_text():
    redactor = Redactor(value_patterns=[r"acct-[0-9]{6}"])
    text = "failed for AKIAABCDEFGHIJKLMNOP and acct-123456, bucket lake-data"
    assert redactor.scrub_text(text) == f"failed for {MARKER} and {MARKER}, bucket lake-data"


def test_private_key_blocks_are_redacted():
    assert Redactor().redact({"note": "-----BEGIN RSA PRIVATE KEY-----\nMIIE..."}) == {"note": MARKER}


def test_invalid_user_pattern_is_reported():
    with pytest.raises(ValueError, match="invalid redaction pattern"):
        Redactor(key_patterns=["("])


def test_no_log_option_values_are_learned_from_the_invocation():
    redactor = Redactor()
    task_args = {"name": "lake-data", "external_ref": CANARY, "nested": {"inner": "also-" + CANARY}, "plain": "v"}
    invocation = {
        "name": "lake-data",
        "external_ref": NO_LOG_PLACEHOLDER,
        "nested": {"inner": NO_LOG_PLACEHOLDER},
        "plain": "v",
    }
    redactor.learn_task(task_args, invocation)
    assert CANARY in redactor.secrets and "also-" + CANARY in redactor.secrets
    assert "lake-data" not in redactor.secrets and "v" not in redactor.secrets
    # the value is redacted wherever it shows up later: as a whole value or inside a message
    assert redactor.redact({"datalake_owner_ref": CANARY}) == {"datalake_owner_ref": MARKER}
    assert redactor.scrub_text(f"cannot use {CANARY} here") == f"cannot use {MARKER} here"
    assert "datalake_owner_ref" in redactor.redacted_paths


def test_secret_looking_task_arguments_are_learned_without_an_invocation():
    redactor = Redactor()
    redactor.learn_task({"secret_key": CANARY, "name": "x"}, None)
    assert redactor.scrub_text(CANARY) == MARKER


def test_environment_credentials_are_learned():
    redactor = Redactor()
    redactor.learn_environment({"AWS_SECRET_ACCESS_KEY": CANARY, "AWS_SESSION_TOKEN": "tok-" + CANARY, "HOME": "/root"})
    assert redactor.scrub({"msg": f"key {CANARY} token tok-{CANARY}", "home": "/root"}) == {
        "msg": f"key {MARKER} token {MARKER}",
        "home": "/root",
    }


def test_short_secrets_only_replace_whole_values():
    redactor = Redactor()
    redactor.add_secret("abc")
    assert redactor.scrub({"a": "abc", "b": "abcdef"}) == {"a": MARKER, "b": "abcdef"}


def test_numbers_and_booleans_are_never_learned():
    redactor = Redactor()
    redactor.learn_task({"password": 0, "token": True}, None)
    assert redactor.scrub({"count": 0, "flag": True}) == {"count": 0, "flag": True}


def test_vaulted_values_are_redacted_without_decrypting():
    secret = VaultSecret(b"vault-password")
    ciphertext = VaultLib([("default", secret)]).encrypt(CANARY, secret).decode()
    value = EncryptedString(ciphertext=ciphertext)
    redactor = Redactor()
    redacted = redactor.redact({"storage_value": value, "other": "plain"})
    assert redacted == {"storage_value": MARKER, "other": "plain"}
    assert "storage_value" in redactor.redacted_paths


def test_keys_redacted_by_a_previous_run_are_redacted_from_the_start():
    redactor = Redactor(secret_keys={"datalake_owner_ref", "storage_map.inner"})
    assert redactor.redact({"datalake_owner_ref": CANARY, "storage_map": {"inner": CANARY, "other": 1}}) == {
        "datalake_owner_ref": MARKER,
        "storage_map": {"inner": MARKER, "other": 1},
    }


def test_redact_returns_plain_json_data():
    redactor = Redactor()
    data = {1: ("a", {"b"}), "t": (True, None, 1.5)}
    assert json.loads(json.dumps(redactor.redact(data))) == {"1": ["a", ["b"]], "t": [True, None, 1.5]}
