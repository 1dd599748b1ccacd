"""Every call Hindsight makes to an identity provider goes through ``ProviderSession``.

- Addresses: https only and no private or local network, except the hosts an operator lists in
  ``SSO_INSECURE_HOSTS`` (``organizations.addresses``); a refused address raises
  ``RefusedAddress``, which the sign-in reports as an unreachable provider.
- A timeout on every request.
- The OpenID discovery document is kept for ``DISCOVERY_TTL`` once read (when an admin saves
  the provider, or at a sign-in), so a sign-in calls the provider only for what is new each
  time: the token and the person's claims.
"""

import hashlib

import requests
from django.conf import settings
from django.core.cache import cache

from organizations import addresses

TIMEOUT_SECONDS = 5
DISCOVERY_PATH = "/.well-known/openid-configuration"
DISCOVERY_TTL = 15 * 60


class RefusedAddress(requests.ConnectionError):
    """Hindsight does not call this address."""


def address_problem(url: str) -> str | None:
    allowed = getattr(settings, "SSO_INSECURE_HOSTS", ())
    return addresses.address_problem(
        url, allowed_hosts=allowed, https_reason="sign-in traffic must travel encrypted."
    ) or addresses.resolution_problem(url, allowed_hosts=allowed)


def _discovery_key(url: str) -> str:
    return "identity.discovery." + hashlib.sha256(url.encode()).hexdigest()


def remember_discovery(url: str, response: requests.Response) -> None:
    cache.set(_discovery_key(url), response.content, DISCOVERY_TTL)


def _remembered_discovery(url: str) -> requests.Response | None:
    content = cache.get(_discovery_key(url))
    if content is None:
        return None
    response = requests.Response()
    response.status_code = 200
    response.url = url
    response._content = content
    response.headers["Content-Type"] = "application/json"
    return response


class ProviderSession(requests.Session):
    def request(self, method: str, url: str, *args, **kwargs) -> requests.Response:
        if problem := address_problem(url):
            raise RefusedAddress(problem)
        kwargs.setdefault("timeout", TIMEOUT_SECONDS)
        is_discovery = method.upper() == "GET" and url.endswith(DISCOVERY_PATH)
        if is_discovery and (remembered := _remembered_discovery(url)) is not None:
            return remembered
        response = super().request(method, url, *args, **kwargs)
        if is_discovery and response.status_code == 200:
            remember_discovery(url, response)
        return response
