"""Secrets at rest: a model field whose value is encrypted in the database.

Client secrets of identity providers (and, later, tracker credentials) must be readable by
Hindsight when it talks to the provider, so they are encrypted rather than hashed. The keys come
from the environment, never from the database: ``FIELD_ENCRYPTION_KEY`` holds one or more
Fernet keys separated by commas; the first encrypts, every one decrypts, so a key is rotated by
putting the new one first (rows are re-encrypted with it when next saved) and dropping the old
one once nothing needs it.

A stored value looks like ``fernet:<token>``; the plain value never reaches a query, a log line
or an audit entry (``SECRET_MASK`` is what pages and the audit log show instead).
"""

from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

PREFIX = "fernet:"
SECRET_MASK = "••••••••"  # noqa: S105 (what is shown instead of a secret)


class DecryptionError(Exception):
    """A stored secret could not be decrypted with any configured key."""


@cache
def _cipher(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEY is not set: secrets cannot be stored. Generate one with "
            "`python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key()"
            ".decode())'` (see docs/sso.md)."
        )
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError as error:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEY must be comma-separated url-safe base64 Fernet keys "
            "(32 bytes each)."
        ) from error


def cipher() -> MultiFernet:
    return _cipher(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(plain: str) -> str:
    return PREFIX + cipher().encrypt(plain.encode()).decode()


def decrypt(stored: str) -> str:
    if not stored.startswith(PREFIX):
        raise DecryptionError("The stored value is not an encrypted secret.")
    try:
        return cipher().decrypt(stored[len(PREFIX) :].encode()).decode()
    except InvalidToken as error:
        raise DecryptionError(
            "A stored secret cannot be decrypted with FIELD_ENCRYPTION_KEY: was the key changed "
            "without keeping the old one after it?"
        ) from error


class EncryptedTextField(models.TextField):
    """Text encrypted with the configured keys before it is written; decrypted when read.

    Empty stays empty (no secret set). Lookups other than ``isnull`` and equality with ``""``
    make no sense on ciphertext and are not supported."""

    description = "Text encrypted at rest"

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return encrypt(value)

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return value
        return decrypt(value)
