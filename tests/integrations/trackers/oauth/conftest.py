"""Fixtures of the OAuth tests: Atlassian's and Linear's OAuth servers stood in for on
loopback (``provider_server``), the settings pointing at them, and the flow a browser goes
through: the admin's form, the provider's consent page, the callback."""

from urllib.parse import urlsplit

import pytest
import requests
from django.urls import reverse

from tests.integrations.trackers.oauth.provider_server import ATLASSIAN, LINEAR, OAuthApp, serve


@pytest.fixture(autouse=True)
def plain_http_on_loopback(monkeypatch):
    """oauthlib refuses http unless told: the stand-ins listen on loopback without TLS."""
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")


def _provider(settings, app: OAuthApp, prefix: str, **addresses: str):
    """``app`` served on loopback, and the settings naming its credentials (``prefix``) and
    addresses (each ``NAME_URL``: the path after the server's address)."""
    server = serve(app)
    app.url = server.url
    setattr(settings, f"{prefix}_OAUTH_CLIENT_ID", app.client_id)
    setattr(settings, f"{prefix}_OAUTH_CLIENT_SECRET", app.client_secret)
    for name, path in addresses.items():
        setattr(settings, name, f"{server.url}{path}")
    return server


@pytest.fixture
def atlassian(settings):
    app = OAuthApp(ATLASSIAN)
    server = _provider(
        settings,
        app,
        "JIRA",
        ATLASSIAN_AUTHORIZE_URL="/authorize",
        ATLASSIAN_TOKEN_URL="/oauth/token",
        ATLASSIAN_API_URL="",
    )
    yield app
    server.shutdown()
    server.server_close()


@pytest.fixture
def linear(settings):
    app = OAuthApp(LINEAR)
    server = _provider(
        settings,
        app,
        "LINEAR",
        LINEAR_AUTHORIZE_URL="/oauth/authorize",
        LINEAR_TOKEN_URL="/oauth/token",
        LINEAR_API_URL="/graphql",
    )
    yield app
    server.shutdown()
    server.server_close()


def settings_url(name: str = "settings_trackers", org_slug: str = "acme") -> str:
    return reverse(name, kwargs={"org_slug": org_slug})


def start(client, kind: str, target: str, site: str = "", org_slug: str = "acme"):
    """The admin's "Connect" form posted: the page that goes on to the provider."""
    data = {"kind": kind, "target": target} | ({"site": site} if site else {})
    return client.post(settings_url("tracker_oauth_start", org_slug), data)


def consent(provider_url: str) -> str:
    """The browser at the provider's consent page: where the provider sends it back (our
    callback's path and query)."""
    answer = requests.get(provider_url, allow_redirects=False, timeout=5)
    assert answer.status_code == 302
    location = urlsplit(answer.headers["Location"])
    return f"{location.path}?{location.query}"


def connect(client, kind: str, target: str, site: str = ""):
    """The whole flow, as a browser goes through it: the settings page's answer at the end."""
    page = start(client, kind, target, site)
    assert page.status_code == 200, page.content.decode()
    callback = client.get(consent(page.context["provider_url"]))
    assert callback.status_code == 302
    return client.get(callback["Location"], follow=True)
