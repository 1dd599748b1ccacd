"""SAML answers are single-use: python3-saml checks a response's signature and times but keeps no
record of the ids it accepted, so the same SAMLResponse posted again would sign in again.

The response and assertion ids of every accepted answer are kept (in the cache, which is Redis
in production and shared by every worker) until the assertion's NotOnOrAfter plus the clock
drift python3-saml allows has passed: after that the answer is refused as expired anyway."""

import hashlib
import time

from django.core.cache import cache
from onelogin.saml2.constants import OneLogin_Saml2_Constants

# When the assertion names no NotOnOrAfter (python3-saml then accepts it without end): a day.
DEFAULT_SECONDS = 24 * 60 * 60
MAX_SECONDS = 7 * 24 * 60 * 60


def first_use(organization_slug: str, ids: list[str], not_on_or_after: int | None) -> bool:
    """Remember ``ids`` (the response's and the assertion's) as used for the organization's
    service provider; False when any of them was used before (a replay)."""
    if not_on_or_after:
        remaining = not_on_or_after - int(time.time())
        seconds = remaining + OneLogin_Saml2_Constants.ALLOWED_CLOCK_DRIFT
    else:
        seconds = DEFAULT_SECONDS
    seconds = max(60, min(seconds, MAX_SECONDS))
    fresh = True
    for id_ in filter(None, ids):
        # cache.add is atomic: of two requests carrying the same id, one adds it.
        fresh = cache.add(_key(organization_slug, id_), 1, timeout=seconds) and fresh
    return fresh


def _key(organization_slug: str, id_: str) -> str:
    digest = hashlib.sha256(f"{organization_slug}|{id_}".encode()).hexdigest()
    return f"identity.saml.used.{digest}"
