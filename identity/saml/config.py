"""The allauth SAML settings for an organization's identity provider.

The IdP is known by its entity id, SSO URL and signing certificate: typed in, or read from
pasted metadata or a metadata URL when the admin saved the provider (``identity.discovery``). A
provider named by a metadata URL is read again from that URL (``refresh``: https only unless the
host is in ``settings.SSO_INSECURE_HOSTS``, no redirects, a timeout) at most once an hour, so a
certificate the IdP rotates is picked up; while the URL cannot be read the saved values serve.
allauth is never given the URL to fetch itself.

Hindsight as service provider is strict: assertions must be signed, IdP-initiated answers are
refused, its entity id is its own metadata URL (``/accounts/saml/<slug>/metadata/``)."""

import hashlib

from django.core.cache import cache
from django.core.exceptions import ValidationError

from .. import discovery
from ..models import IdentityProvider

METADATA_CACHE_SECONDS = 60 * 60
RETRY_SECONDS = 5 * 60

# Where Hindsight reads a person's details, first match wins (Okta, Entra ID, Google, Keycloak
# and the standard OIDs). The uid falls back to the NameID. The groups are read by
# ``IdentityProvider.groups_claim`` from all the attributes, with every value.
ATTRIBUTE_MAPPING = {
    "uid": [
        "urn:oasis:names:tc:SAML:attribute:subject-id",
        "http://schemas.microsoft.com/identity/claims/objectidentifier",
    ],
    "email": [
        "email",
        "mail",
        "urn:oid:0.9.2342.19200300.100.1.3",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
    ],
    "first_name": [
        "firstName",
        "givenName",
        "urn:oid:2.5.4.42",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname",
    ],
    "last_name": [
        "lastName",
        "sn",
        "surname",
        "urn:oid:2.5.4.4",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname",
    ],
}


def email_in(attributes: dict) -> str:
    """The person's address among SAML attributes (allauth's raw ``extra_data``), by
    ``ATTRIBUTE_MAPPING``."""
    for name in ATTRIBUTE_MAPPING["email"]:
        values = attributes.get(name) or []
        values = [values] if isinstance(values, str) else values
        if values and str(values[0]).strip():
            return str(values[0]).strip()
    return ""


class MetadataUnavailable(Exception):
    """The IdP's metadata URL could not be read and no saved values can serve instead."""


def saml_settings(provider: IdentityProvider) -> dict:
    """allauth's SAML app settings for ``provider`` (reads the cache, never the network)."""
    return {
        "idp": cache.get(_cache_key(provider)) or _saved(provider),
        # No email_verified mapping: whether an address is trusted is Hindsight's decision
        # (``emails.trust``), never an attribute the IdP sends.
        "attribute_mapping": ATTRIBUTE_MAPPING,
        "advanced": {
            "strict": True,
            "want_assertion_signed": True,
            "reject_idp_initiated_sso": True,
            "reject_deprecated_algorithm": True,
        },
    }


def _saved(provider: IdentityProvider) -> dict:
    return {
        "entity_id": provider.idp_entity_id,
        "sso_url": provider.idp_sso_url,
        "x509cert": provider.idp_certificate,
    }


def refresh(provider: IdentityProvider) -> None:
    """Read the provider's metadata URL again unless it was read within the hour. Raises
    ``MetadataUnavailable`` only when it cannot be read and the saved values are incomplete."""
    if not provider.idp_metadata_url or cache.get(_cache_key(provider)):
        return
    try:
        idp = discovery.saml_metadata_from_url(provider.idp_metadata_url)
    except ValidationError as exc:
        if not (provider.idp_sso_url and provider.idp_certificate):
            raise MetadataUnavailable(" ".join(exc.messages)) from exc
        # The values read when the provider was saved serve meanwhile; the URL is tried again
        # in a few minutes, not at every sign-in (each try may wait for the timeout).
        cache.set(_cache_key(provider), _saved(provider), RETRY_SECONDS)
        return
    resolved = {"entity_id": idp.entity_id, "sso_url": idp.sso_url, "x509cert": idp.certificate}
    cache.set(_cache_key(provider), resolved, METADATA_CACHE_SECONDS)


def _cache_key(provider: IdentityProvider) -> str:
    """Per provider and saved configuration: saving the provider again reads the URL afresh."""
    updated = provider.updated_at.isoformat() if provider.updated_at else ""
    source = f"{provider.pk}|{updated}|{provider.idp_metadata_url}"
    return "identity.saml.idp." + hashlib.sha256(source.encode()).hexdigest()
