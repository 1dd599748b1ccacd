"""What an identity provider said about a person, in one shape for both protocols.

OpenID Connect: the ID token's claims, completed by the userinfo answer. SAML: the assertion's
attributes (each a list of values; a single value is shown as itself). Nothing here is a token:
the bookkeeping claims of the ID token (nonce, hashes, token ids) are left out."""

from .models import IdentityProvider, Protocol
from .saml import config as saml_config

# ID token claims that are about the token, not the person.
TOKEN_CLAIMS = frozenset({"nonce", "at_hash", "c_hash", "s_hash", "jti", "sid", "auth_time"})


def claims_of(provider: IdentityProvider, extra_data: dict) -> dict:
    """The claims (OIDC) or attributes (SAML) the provider sent, from allauth's ``extra_data``
    of the social account."""
    if provider.protocol == Protocol.OIDC:
        claims = dict(extra_data.get("id_token") or {})
        claims.update(extra_data.get("userinfo") or {})
        return {key: value for key, value in claims.items() if key not in TOKEN_CLAIMS}
    attributes = {
        key: value[0] if isinstance(value, list) and len(value) == 1 else value
        for key, value in (extra_data or {}).items()
    }
    email = saml_config.email_in(extra_data or {})
    if email and "email" not in attributes:  # named mail, an OID or a URI by the IdP
        attributes["email"] = email
    return attributes


def groups_in(claims: dict, name: str) -> list[str]:
    """The person's groups: the claim or attribute ``name`` (a list, or one group as text)."""
    value = claims.get(name) if name else None
    if value is None:
        return []
    values = value if isinstance(value, list | tuple) else [value]
    return sorted({str(group).strip() for group in values if str(group).strip()})


def email_of(claims: dict) -> str:
    email = claims.get("email") or ""
    return (email[0] if isinstance(email, list) and email else str(email)).strip()


def email_verified(claims: dict) -> bool:
    value = claims.get("email_verified")
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, str):
        return value.strip().lower() in {"true", "1", "yes"}
    return bool(value)
