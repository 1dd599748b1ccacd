"""What Hindsight calls at the provider: allowed addresses only, and per sign-in only the calls
that carry something new (the discovery document is remembered)."""

import pytest
import requests
from django.core.cache import cache

from identity.outbound import ProviderSession, RefusedAddress
from tests.identity.oidc.helpers import PAGE, form_data, sign_in


@pytest.fixture
def provider_calls(monkeypatch):
    """Every request Hindsight sends to a provider, as (method, path); the requests still go."""
    calls = []
    send = requests.Session.request

    def counted(session, method, url, *args, **kwargs):
        calls.append((method.upper(), requests.utils.urlparse(url).path))
        return send(session, method, url, *args, **kwargs)

    monkeypatch.setattr(requests.Session, "request", counted)
    return calls


def test_a_sign_in_calls_the_provider_for_the_token_and_the_claims_only(
    client, live_provider, idp, provider_calls
):
    cache.clear()
    assert sign_in(client, idp).status_code == 302
    first = list(provider_calls)
    assert ("GET", "/.well-known/openid-configuration") in first
    provider_calls.clear()

    client.post("/accounts/logout/")
    assert sign_in(client, idp).status_code == 302
    hindsight_calls = [call for call in provider_calls if call[1] != "/auth"]
    paths = [path for _, path in hindsight_calls if not path.startswith("/interaction")]
    assert "/.well-known/openid-configuration" not in paths
    assert [method for method, _ in hindsight_calls if _ == "/token"] == ["POST"]


@pytest.mark.parametrize(
    "url",
    [
        "https://10.0.0.7/",
        "https://192.168.1.20/realms/acme",
        "https://sso.corp.internal/",
        "http://idp.example.com/",
        "https://user:pass@idp.example.com/",
    ],
)
def test_private_plain_or_credentialed_issuers_are_refused_naming_the_field(
    client, admin_user, idp, url
):
    client.force_login(admin_user)
    response = client.post(PAGE, form_data(idp, issuer_url=url))
    assert response.status_code == 400
    refusals = (b"Use a public address", b"Use an https:// address", b"Leave the user name")
    assert any(refusal in response.content for refusal in refusals)


def test_the_provider_session_refuses_a_private_address_before_connecting():
    with pytest.raises(RefusedAddress, match="private"):
        ProviderSession().get("https://169.254.169.254/latest/meta-data/")
