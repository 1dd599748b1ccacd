"""A GitHub connection may authenticate as a GitHub App's installation: Hindsight signs a JWT
with the app's private key, trades it for an installation token and sends that token; a wrong
installation or key is a clear reason on the item, never the ticket's deletion."""

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.urls import reverse
from django_scopes import scope

from integrations.trackers.clients import client_for
from integrations.trackers.models import SyncState, TrackerAuth, TrackerConnection
from integrations.trackers.remote import TrackerError
from tests.integrations.trackers.conftest import pushed
from tests.integrations.trackers.github_server import INSTALLATION_TOKEN, App

APP_ID = "123456"
INSTALLATION_ID = 7890


def key_pair() -> tuple[str, str]:
    """A new RSA key: (private PEM, as GitHub hands it to the app's owner; public PEM)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


@pytest.fixture(scope="module")
def app_keys():
    return key_pair()


@pytest.fixture
def app_connection(org, github_api, account, app_keys):
    private, public = app_keys
    account.app = App(app_id=APP_ID, public_key=public, installation_id=INSTALLATION_ID)
    with scope(organization=org):
        return TrackerConnection.objects.create(
            organization=org,
            kind="github",
            auth=TrackerAuth.GITHUB_APP,
            base_url=github_api.url,
            username=APP_ID,
            token=private,
            installation_id=str(INSTALLATION_ID),
            target="acme/api",
            is_default=True,
        )


def test_an_app_installation_creates_the_issue(org, item, app_connection, account):
    link = pushed(org, item, app_connection)
    assert (link.state, link.key) == (SyncState.LINKED, "acme/api#1")
    exchange, *calls = account.requests
    assert exchange["path"] == f"/app/installations/{INSTALLATION_ID}/access_tokens"
    signed = exchange["headers"]["Authorization"].removeprefix("Bearer ")
    claims = jwt.decode(signed, options={"verify_signature": False})
    assert claims["iss"] == APP_ID and claims["exp"] - claims["iat"] <= 600
    assert calls and {call["headers"]["Authorization"] for call in calls} == {
        f"token {INSTALLATION_TOKEN}"
    }
    assert account.issues[("acme/api", 1)]["title"] == item.description
    assert account.schema_errors == []


def test_one_installation_token_serves_a_whole_reconciliation(org, item, app_connection, account):
    link = pushed(org, item, app_connection)
    account.requests.clear()
    with scope(organization=org):
        tracker = client_for(app_connection)
        assert tracker.read_many([link.key]).keys() == {"acme/api#1"}
        assert tracker.read_many([link.key]).keys() == {"acme/api#1"}
    assert [r["path"] for r in account.requests] == [
        f"/app/installations/{INSTALLATION_ID}/access_tokens",
        "/graphql",
        "/graphql",
    ]


def test_a_wrong_installation_is_a_clear_reason(org, item, app_connection, account):
    app_connection.installation_id = "999"
    app_connection.save()
    link = pushed(org, item, app_connection)
    assert link.state == SyncState.FAILED
    assert "GitHub App 123456 has no installation 999 (404)" in link.last_error
    assert not account.issues


def test_a_wrong_installation_never_unlinks_on_reconciliation(org, item, app_connection, account):
    link = pushed(org, item, app_connection)
    app_connection.installation_id = "999"
    app_connection.save()
    with scope(organization=org), pytest.raises(TrackerError) as raised:
        client_for(app_connection).read_many([link.key])
    assert raised.value.gone is False and raised.value.field == "installation_id"


def test_a_key_of_another_app_is_refused(org, item, app_connection, account):
    account.app.public_key = key_pair()[1]
    link = pushed(org, item, app_connection)
    assert link.state == SyncState.FAILED
    assert "refused the GitHub App 123456's signature (401)" in link.last_error


def test_a_private_key_that_is_not_one_says_so_without_showing_it(
    org, item, app_connection, account
):
    app_connection.token = "-----BEGIN RSA PRIVATE KEY-----\nnot a key\n"
    app_connection.save()
    link = pushed(org, item, app_connection)
    assert link.state == SyncState.FAILED
    assert "private key cannot sign" in link.last_error
    assert "not a key" not in link.last_error
    assert not account.requests


def test_an_admin_connects_a_github_app_from_the_settings_page(
    client, admin, org, github_api, account, app_keys
):
    """The private key pasted into the password field loses its line breaks: they come back,
    and Test connection reads the repository as the installation."""
    private, public = app_keys
    account.app = App(app_id=APP_ID, public_key=public, installation_id=INSTALLATION_ID)
    client.force_login(admin)
    settings_url = reverse("settings_trackers", kwargs={"org_slug": "acme"})
    response = client.post(
        settings_url,
        {
            "kind": "github",
            "new-github-token": " ".join(private.splitlines()),
            "new-github-target": "acme/api",
            "new-github-base_url": github_api.url,
            "new-github-app_id": APP_ID,
            "new-github-installation_id": str(INSTALLATION_ID),
        },
    )
    assert response.status_code == 302
    with scope(organization=org):
        connection = TrackerConnection.objects.get(organization=org)
    assert (connection.auth, connection.username, connection.installation_id) == (
        TrackerAuth.GITHUB_APP,
        APP_ID,
        str(INSTALLATION_ID),
    )
    assert connection.token == private
    test_url = reverse("tracker_test", kwargs={"org_slug": "acme", "connection_id": connection.pk})
    page = client.post(test_url, follow=True).content.decode()
    assert "Connected: found acme/api" in page
    assert private.splitlines()[1] not in page


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"new-github-app_id": "my-app"}, "new-github-app_id", "number"),
        ({"new-github-token": "not a key"}, "new-github-token", "private key"),
        ({"new-github-token": ""}, "new-github-token", ""),
    ],
)
def test_a_bad_github_app_is_a_400_naming_the_field(
    client, admin, org, github_api, app_keys, fields, field, words
):
    client.force_login(admin)
    data = {
        "kind": "github",
        "new-github-token": app_keys[0],
        "new-github-target": "acme/api",
        "new-github-base_url": github_api.url,
        "new-github-app_id": APP_ID,
        "new-github-installation_id": str(INSTALLATION_ID),
    } | fields
    response = client.post(reverse("settings_trackers", kwargs={"org_slug": "acme"}), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert f'id="id_{field}_error"' in page
    assert words in page
    with scope(organization=org):
        assert not TrackerConnection.objects.filter(organization=org).exists()
