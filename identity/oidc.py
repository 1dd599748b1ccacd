"""allauth's OpenID Connect provider, with what an organization's sign-in needs on top:

- a ``nonce`` in each authorization request, kept in the sign-in's state and compared with the
  ID token's at the callback (``nonce_matches``);
- an unreachable issuer when the sign-in starts is a refused sign-in page, not a server error.
"""

import requests
from allauth.socialaccount.helpers import render_authentication_error
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from allauth.socialaccount.providers.openid_connect.provider import OpenIDConnectProvider
from django.http import HttpRequest, HttpResponse
from django.utils.crypto import constant_time_compare, get_random_string

NONCE_STATE_KEY = "oidc_nonce"


class NonceMismatch(OAuth2Error):
    """The ID token's nonce is not the one this sign-in sent."""


class OrganizationOIDCProvider(OpenIDConnectProvider):
    def redirect(
        self, request: HttpRequest, process, next_url=None, data=None, **kwargs
    ) -> HttpResponse:
        nonce = get_random_string(32)
        auth_params = kwargs.pop("auth_params", None)
        auth_params = dict(self.get_auth_params() if auth_params is None else auth_params)
        auth_params["nonce"] = nonce
        kwargs[NONCE_STATE_KEY] = nonce
        try:
            return super().redirect(
                request, process, next_url, data, auth_params=auth_params, **kwargs
            )
        except requests.RequestException as exc:
            return render_authentication_error(request, self, exception=exc)


def nonce_matches(sociallogin) -> bool:
    """Whether the ID token of this sign-in carries the nonce its authorization request sent."""
    sent = (sociallogin.state or {}).get(NONCE_STATE_KEY) or ""
    received = ((sociallogin.account.extra_data or {}).get("id_token") or {}).get("nonce") or ""
    return bool(sent) and constant_time_compare(str(sent), str(received))
