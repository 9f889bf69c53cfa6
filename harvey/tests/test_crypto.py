"""Credentials are encrypted at rest with MultiFernet keys from the environment and survive rotation."""

from __future__ import annotations

import io

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import FieldError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import override_settings

from harvey.crypto import SecretDict, UnknownEncryptionKey, decrypt_json, encrypt_json
from harvey.organizations.models import HRMSIntegration

SECRET = "tok_live_9f8e7d6c5b4a"


def _raw_credentials(integration: HRMSIntegration) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT credentials FROM organizations_hrmsintegration WHERE id = %s", [integration.pk])
        return cursor.fetchone()[0]


def _new_key() -> str:
    return Fernet.generate_key().decode()


def test_the_database_column_holds_no_plaintext(organization, make_integration) -> None:
    integration = make_integration(organization, credentials={"token": SECRET, "client_id": "acme-client"})
    raw = _raw_credentials(integration)
    assert SECRET not in raw
    assert "acme-client" not in raw
    assert "token" not in raw


def test_the_value_reads_back_as_the_stored_object(organization, make_integration) -> None:
    integration = make_integration(organization, credentials={"token": SECRET})
    assert HRMSIntegration.objects.get(pk=integration.pk).credentials == {"token": SECRET}


def test_repr_and_str_of_decrypted_credentials_show_key_names_only() -> None:
    secret = SecretDict({"token": SECRET})
    assert SECRET not in repr(secret)
    assert SECRET not in str(secret)
    assert "token" in repr(secret)


def test_old_values_decrypt_after_a_new_primary_key_is_added(organization, make_integration, settings) -> None:
    integration = make_integration(organization, credentials={"token": SECRET})
    settings.HARVEY_ENCRYPTION_KEYS = [_new_key(), *settings.HARVEY_ENCRYPTION_KEYS]
    assert HRMSIntegration.objects.get(pk=integration.pk).credentials["token"] == SECRET


def test_rotate_keys_re_encrypts_so_the_old_key_can_be_dropped(organization, make_integration, settings) -> None:
    old_keys = list(settings.HARVEY_ENCRYPTION_KEYS)
    integration = make_integration(organization, credentials={"token": SECRET})
    before = _raw_credentials(integration)
    new_primary = _new_key()
    settings.HARVEY_ENCRYPTION_KEYS = [new_primary, *old_keys]

    call_command("rotate_keys", stdout=io.StringIO())

    assert _raw_credentials(integration) != before
    with override_settings(HARVEY_ENCRYPTION_KEYS=[new_primary]):
        assert HRMSIntegration.objects.get(pk=integration.pk).credentials == {"token": SECRET}


def test_a_value_under_an_unlisted_key_is_a_clear_error(organization, make_integration, settings) -> None:
    integration = make_integration(organization, credentials={"token": SECRET})
    settings.HARVEY_ENCRYPTION_KEYS = [_new_key()]
    with pytest.raises(UnknownEncryptionKey, match="HARVEY_ENCRYPTION_KEYS") as excinfo:
        HRMSIntegration.objects.get(pk=integration.pk)
    assert "organizations.HRMSIntegration.credentials" in str(excinfo.value)


def test_rotate_keys_reports_a_value_it_cannot_open(organization, make_integration, settings) -> None:
    make_integration(organization, credentials={"token": SECRET})
    settings.HARVEY_ENCRYPTION_KEYS = [_new_key()]
    with pytest.raises(CommandError, match="none of the keys"):
        call_command("rotate_keys")


def test_tokens_are_fresh_each_time_so_equal_secrets_do_not_look_equal() -> None:
    assert encrypt_json({"token": SECRET}) != encrypt_json({"token": SECRET})
    assert decrypt_json(encrypt_json({"token": SECRET})) == {"token": SECRET}


def test_encrypted_fields_refuse_equality_lookups(organization, make_integration) -> None:
    with pytest.raises(FieldError):
        list(HRMSIntegration.objects.filter(credentials={"token": SECRET}))
