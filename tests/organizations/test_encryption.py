import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from identity.models import IdentityProvider, Protocol
from organizations.encryption import DecryptionError, decrypt, encrypt

SECRET = "the-client-secret-4711"


def _stored_secret(provider) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT client_secret FROM identity_identityprovider WHERE id = %s", [provider.pk]
        )
        return cursor.fetchone()[0]


@pytest.fixture
def provider(org):
    return IdentityProvider.objects.create(
        organization=org,
        protocol=Protocol.OIDC,
        name="Okta",
        issuer_url="https://acme.okta.example",
        client_id="hindsight",
        client_secret=SECRET,
    )


def test_a_client_secret_is_stored_encrypted_and_read_back_plain(provider):
    stored = _stored_secret(provider)
    assert SECRET not in stored
    assert stored.startswith("fernet:")
    assert IdentityProvider.objects.get(pk=provider.pk).client_secret == SECRET


def test_rotating_keys_reads_old_secrets_and_writes_with_the_new_key(provider, settings):
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    reread = IdentityProvider.objects.get(pk=provider.pk)
    assert reread.client_secret == SECRET
    reread.save()
    settings.FIELD_ENCRYPTION_KEYS = [new_key]
    assert IdentityProvider.objects.get(pk=provider.pk).client_secret == SECRET


def test_a_secret_under_a_lost_key_is_refused_with_a_message_naming_the_key(settings):
    stored = encrypt(SECRET)
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(DecryptionError, match="FIELD_ENCRYPTION_KEY"):
        decrypt(stored)


@pytest.mark.parametrize("keys", [[], ["not-a-fernet-key"]])
def test_saving_a_secret_without_a_usable_key_says_what_to_set(settings, keys):
    settings.FIELD_ENCRYPTION_KEYS = keys
    with pytest.raises(ImproperlyConfigured, match="FIELD_ENCRYPTION_KEY"):
        encrypt(SECRET)


def test_empty_stays_empty(org):
    provider = IdentityProvider.objects.create(
        organization=org, protocol=Protocol.SAML, name="Entra"
    )
    assert _stored_secret(provider) == ""
