"""System checks for settings the organization data depends on."""

from django.conf import settings
from django.core import checks

from .encryption import cipher


@checks.register(checks.Tags.security, deploy=True)
def field_encryption_key(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Secrets (identity-provider client secrets) cannot be saved without an encryption key."""
    if not settings.FIELD_ENCRYPTION_KEYS:
        return [
            checks.Warning(
                "FIELD_ENCRYPTION_KEY is not set: client secrets cannot be saved.",
                hint="Set it to a Fernet key (docs/sso.md says how to generate one).",
                id="hindsight.W001",
            )
        ]
    try:
        cipher()
    except Exception as error:  # noqa: BLE001 (the message names the problem)
        return [checks.Error(str(error), id="hindsight.E001")]
    return []
