"""Helpers of the sign-in rules and two-factor tests: a live provider (no protocol round trip:
the real ones are tested with the counterparts), a policy, password and SSO sessions, and
RFC 6238 codes computed from an authenticator's secret."""

import base64
import hashlib
import hmac
import html
import re
import struct
import time

from django_scopes import scopes_disabled

from identity.models import (
    IdentityProvider,
    Protocol,
    ProviderStatus,
    SignIn,
    SignInMethod,
    SignInPolicy,
)
from tests.factories import PASSWORD

LOGIN = "/accounts/login/"
MFA_AUTHENTICATE = "/accounts/2fa/authenticate/"
TOTP_SETUP = "/accounts/2fa/totp/activate/"
REAUTHENTICATE = "/accounts/reauthenticate/"


def security_url(slug: str = "acme") -> str:
    return f"/o/{slug}/settings/security/"


def provider(organization, *, status=ProviderStatus.LIVE, name="Okta") -> IdentityProvider:
    with scopes_disabled():
        return IdentityProvider.objects.create(
            organization=organization,
            protocol=Protocol.OIDC,
            name=name,
            status=status,
            issuer_url="https://idp.example.com",
            client_id="hindsight",
        )


def policy(organization, **values) -> SignInPolicy:
    with scopes_disabled():
        sign_in_policy, _ = SignInPolicy.objects.update_or_create(
            organization=organization, defaults=values
        )
        return sign_in_policy


def password_sign_in(client, username: str):
    """Sign in through the password form; returns the response."""
    return client.post(LOGIN, {"login": username, "password": PASSWORD})


def confirm_password(client, path: str):
    """Open ``path``, a page that asks for the password again first (allauth's
    reauthentication, as every two-factor change does); returns the page."""
    page = client.get(path)
    assert page.status_code == 302 and page["Location"].startswith(REAUTHENTICATE)
    confirmed = client.post(REAUTHENTICATE, {"password": PASSWORD, "next": path})
    assert confirmed.status_code == 302 and confirmed["Location"] == path
    return client.get(path)


def sso_session(client, user, organization) -> str:
    """A session as an SSO sign-in through ``organization``'s provider leaves it (its SignIn
    row), made without a provider: the SSO round trip itself is tested with the counterparts."""
    client.force_login(user)
    session_key = client.session.session_key
    SignIn.objects.create(
        user=user, session_key=session_key, method=SignInMethod.SSO, organization=organization
    )
    return session_key


def totp_code(secret: str, *, at: float | None = None) -> str:
    """The RFC 6238 code (SHA-1, 30 s, 6 digits) of a base32 secret; waits out the last
    seconds of a period so the code is still valid when it arrives."""
    if at is None:
        if time.time() % 30 > 27:
            time.sleep(3.5)
        at = time.time()
    counter = struct.pack(">Q", int(at) // 30)
    digest = hmac.new(base64.b32decode(secret, casefold=True), counter, hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 10**6:06d}"


def provider_url(response) -> str:
    """Where the page after the first step goes on to at once (a page on our own origin, not a
    redirect: the Content-Security-Policy's form-action would stop a redirect)."""
    assert response.status_code == 200
    page = response.content.decode()
    refresh = re.search(r'<meta http-equiv="refresh" content="0;url=([^"]+)">', page)
    link = re.search(r'href="([^"]+)" id="continue-to-provider"', page)
    assert refresh and link and refresh.group(1) == link.group(1)
    return html.unescape(refresh.group(1))
