"""Connecting Jira Cloud (Atlassian 3LO) and Linear with OAuth: an admin's consent at the
provider becomes a connection with an encrypted access and refresh token; a forged, replayed,
expired or refused answer saves nothing and says why on the settings page; the access token
is renewed before it expires, once however many workers ask; a revoked authorization asks for
a reconnection; no token or secret reaches a page, a message or the log."""

import logging
import threading
from datetime import timedelta

import pytest
from django.db import connection as db_connection
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from integrations.trackers import oauth, selectors
from integrations.trackers.models import TrackerAuth, TrackerConnection, TrackerKind
from integrations.trackers.remote import TrackerError
from integrations.trackers.services_oauth import connection_oauth_save
from organizations.models import AuditEntry
from organizations.roles import Role
from tests.factories import MembershipFactory
from tests.integrations.trackers.oauth.conftest import connect, consent, settings_url, start
from tests.integrations.trackers.oauth.provider_server import SITE, site

CLOUD_ID = SITE["id"]


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def nothing_saved() -> bool:
    with scopes_disabled():
        return not TrackerConnection.objects.exists()


# --- Connecting --------------------------------------------------------------------------------


def test_an_admin_connects_jira_cloud_with_atlassian(client, admin, org, atlassian):
    client.force_login(admin)
    page = connect(client, TrackerKind.JIRA_CLOUD, "ops", site="acme.atlassian.net")

    assert page.redirect_chain[-1][0] == settings_url()
    assert messages_of(page) == [
        "Jira Cloud connected with OAuth: tickets go to OPS. Test the connection to check it."
    ]
    connection = selectors.connection_for(org, TrackerKind.JIRA_CLOUD)
    issued = atlassian.issued[0]
    assert connection.auth == TrackerAuth.OAUTH
    assert (connection.token, connection.refresh_token) == (
        issued["access_token"],
        issued["refresh_token"],
    )
    assert connection.base_url == f"{atlassian.url}/ex/jira/{CLOUD_ID}"
    assert connection.username == "https://acme.atlassian.net"
    assert connection.target == "OPS" and connection.is_default
    expected_expiry = timezone.now() + timedelta(seconds=3600)
    assert abs(connection.token_expires_at - expected_expiry) < timedelta(seconds=30)

    assert atlassian.problems == []
    (authorize,) = atlassian.requests_to("/authorize")
    (exchange,) = atlassian.requests_to("/oauth/token")
    callback = oauth.callback_url()
    assert authorize["params"]["redirect_uri"] == callback
    assert callback.endswith("/integrations/trackers/oauth/callback/")
    assert exchange["body"]["grant_type"] == "authorization_code"
    assert exchange["body"]["redirect_uri"] == callback
    assert (exchange["body"]["client_id"], exchange["body"]["client_secret"]) == (
        atlassian.client_id,
        atlassian.client_secret,
    )
    assert "code_verifier" not in exchange["body"]  # Atlassian documents no PKCE
    (resources,) = atlassian.requests_to("/oauth/token/accessible-resources")
    assert resources["headers"]["Authorization"] == f"Bearer {issued['access_token']}"

    audit = AuditEntry.objects.get(organization=org, action="integration.tracker_saved")
    assert audit.target == "Jira Cloud OPS" and audit.details["auth"] == "oauth"
    with scopes_disabled():
        stored = TrackerConnection.objects.values_list("token", "refresh_token").query
    assert issued["access_token"] not in str(stored)


def test_an_admin_connects_linear_with_pkce(client, admin, org, linear):
    client.force_login(admin)
    page = connect(client, TrackerKind.LINEAR, "eng")

    assert messages_of(page)[0].startswith("Linear connected with OAuth: tickets go to ENG.")
    connection = selectors.connection_for(org, TrackerKind.LINEAR)
    assert connection.auth == TrackerAuth.OAUTH
    assert connection.token == linear.issued[0]["access_token"]
    assert connection.refresh_token == linear.issued[0]["refresh_token"]
    assert connection.base_url == f"{linear.url}/graphql"
    assert linear.problems == []  # PKCE S256, actor=user, scope read,write
    (exchange,) = linear.requests_to("/oauth/token")
    assert exchange["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    assert exchange["body"]["grant_type"] == "authorization_code"
    assert len(exchange["body"]["code_verifier"]) == 64  # the stand-in checked it


def test_the_form_answers_with_a_page_that_goes_on_to_the_provider(client, admin, atlassian):
    """A redirect to another origin after a form's POST is stopped by the CSP's form-action
    'self': the POST is answered with a page of ours that goes on by itself, and a link."""
    client.force_login(admin)
    page = start(client, TrackerKind.JIRA_CLOUD, "OPS")
    assert page.status_code == 200
    html = page.content.decode()
    provider_url = page.context["provider_url"]
    assert provider_url.startswith(f"{atlassian.url}/authorize?")
    assert 'http-equiv="refresh"' in html and 'id="continue-to-provider"' in html
    assert "Continue to Atlassian" in html
    assert atlassian.client_secret not in html


def test_a_jira_account_with_several_sites_uses_the_one_typed(client, admin, org, atlassian):
    atlassian.sites = [
        site("https://globex.atlassian.net", "11111111-2222-3333-4444-555555555555"),
        site("https://acme.atlassian.net", "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"),
    ]
    client.force_login(admin)
    connect(client, TrackerKind.JIRA_CLOUD, "OPS", site="https://ACME.atlassian.net/")
    connection = selectors.connection_for(org, TrackerKind.JIRA_CLOUD)
    assert connection.base_url.endswith("/ex/jira/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee")


def test_several_sites_and_none_typed_asks_which(client, admin, atlassian):
    atlassian.sites = [
        site("https://globex.atlassian.net", "11111111-2222-3333-4444-555555555555"),
        site("https://acme.atlassian.net", "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"),
    ]
    client.force_login(admin)
    page = connect(client, TrackerKind.JIRA_CLOUD, "OPS")
    assert messages_of(page) == [
        "Atlassian granted several Jira sites (https://globex.atlassian.net, "
        "https://acme.atlassian.net): connect again with the site's address filled in."
    ]
    assert nothing_saved()


def test_a_site_atlassian_did_not_grant_is_named(client, admin, atlassian):
    client.force_login(admin)
    page = connect(client, TrackerKind.JIRA_CLOUD, "OPS", site="initech.atlassian.net")
    assert "not https://initech.atlassian.net" in messages_of(page)[0]
    assert nothing_saved()


# --- Refused, forged, replayed, expired ---------------------------------------------------------


def test_a_denied_consent_saves_nothing(client, admin, atlassian):
    atlassian.deny = True
    client.force_login(admin)
    page = connect(client, TrackerKind.JIRA_CLOUD, "OPS")
    assert page.redirect_chain[-1][0] == settings_url()
    assert messages_of(page) == ["Atlassian refused access: nothing changed."]
    assert atlassian.requests_to("/oauth/token") == []
    assert nothing_saved()


def test_a_state_this_session_did_not_start_is_refused(client, admin, atlassian):
    client.force_login(admin)
    page = start(client, TrackerKind.JIRA_CLOUD, "OPS")
    callback = consent(page.context["provider_url"])
    forged = callback.split("state=")[0] + "state=not-the-state"

    answer = client.get(forged)
    assert answer.status_code == 302 and answer["Location"] == reverse("home")
    finish = client.get(f"{settings_url('tracker_oauth_finish')}?code=x&state=not-the-state")
    assert finish.status_code == 302 and finish["Location"] == settings_url()
    page = client.get(settings_url())
    assert any("expired or was not started from this page" in m for m in messages_of(page))
    assert atlassian.requests_to("/oauth/token") == []
    assert nothing_saved()


def test_a_state_is_used_once(client, admin, org, atlassian):
    client.force_login(admin)
    page = start(client, TrackerKind.JIRA_CLOUD, "OPS")
    callback = client.get(consent(page.context["provider_url"]))
    finish_url = callback["Location"]
    client.get(finish_url, follow=True)
    first = selectors.connection_for(org, TrackerKind.JIRA_CLOUD)

    again = client.get(finish_url, follow=True)
    assert "expired or was not started from this page" in messages_of(again)[0]
    assert len(atlassian.requests_to("/oauth/token")) == 1
    assert selectors.connection_for(org, TrackerKind.JIRA_CLOUD).token == first.token


def test_an_expired_attempt_is_refused(client, admin, atlassian, monkeypatch):
    client.force_login(admin)
    page = start(client, TrackerKind.JIRA_CLOUD, "OPS")
    callback = consent(page.context["provider_url"])
    monkeypatch.setattr(oauth, "STATE_MAX_AGE_SECONDS", -1)
    answer = client.get(callback)
    assert answer["Location"] == reverse("home")
    assert nothing_saved()


def test_a_callback_without_a_session_is_refused(client, db, atlassian):
    answer = client.get(reverse("tracker_oauth_callback") + "?code=x&state=y")
    assert answer.status_code == 302 and answer["Location"] == reverse("home")
    assert nothing_saved()


def test_another_organizations_attempt_is_refused(client, admin, org, other_org, atlassian):
    """Ada administers both: an attempt started for Acme does not connect Globex."""
    MembershipFactory(user=admin, organization=other_org, role=Role.ADMIN)
    client.force_login(admin)
    page = start(client, TrackerKind.JIRA_CLOUD, "OPS")
    callback = client.get(consent(page.context["provider_url"]))
    finish_query = callback["Location"].split("?", 1)[1]

    other = client.get(f"{settings_url('tracker_oauth_finish', 'globex')}?{finish_query}")
    assert other["Location"] == settings_url(org_slug="globex")
    page = client.get(settings_url(org_slug="globex"))
    assert "expired or was not started from this page" in messages_of(page)[0]
    assert atlassian.requests_to("/oauth/token") == []
    assert nothing_saved()


def test_another_admins_session_cannot_finish_the_attempt(client, admin, member_factory, atlassian):
    client.force_login(admin)
    page = start(client, TrackerKind.JIRA_CLOUD, "OPS")
    callback = consent(page.context["provider_url"])
    client.logout()
    client.force_login(member_factory(Role.ADMIN, username="eve"))
    assert client.get(callback)["Location"] == reverse("home")
    assert nothing_saved()


def test_a_code_the_provider_refuses_saves_nothing(client, admin, atlassian):
    client.force_login(admin)
    page = start(client, TrackerKind.JIRA_CLOUD, "OPS")
    callback = client.get(consent(page.context["provider_url"]))
    atlassian.codes.clear()  # expired at Atlassian meanwhile
    page = client.get(callback["Location"], follow=True)
    assert messages_of(page) == [
        "Atlassian refused the authorization (invalid_grant): connect again."
    ]
    assert nothing_saved()


def test_a_provider_that_does_not_answer_saves_nothing(client, admin, atlassian, settings):
    client.force_login(admin)
    page = start(client, TrackerKind.JIRA_CLOUD, "OPS")
    callback = client.get(consent(page.context["provider_url"]))
    settings.ATLASSIAN_TOKEN_URL = "http://127.0.0.1:9/oauth/token"  # nothing listens there
    page = client.get(callback["Location"], follow=True)
    assert messages_of(page) == ["Atlassian could not be asked for a token: try again."]
    assert nothing_saved()


def test_a_private_token_address_is_not_called(client, admin, atlassian, settings):
    client.force_login(admin)
    page = start(client, TrackerKind.JIRA_CLOUD, "OPS")
    callback = client.get(consent(page.context["provider_url"]))
    settings.ATLASSIAN_TOKEN_URL = "https://10.0.0.8/oauth/token"
    page = client.get(callback["Location"], follow=True)
    assert "private" in messages_of(page)[0]
    assert nothing_saved()


# --- Who, and bad input -------------------------------------------------------------------------


def test_only_admins_connect(client, member_factory, atlassian):
    client.force_login(member_factory(Role.ENGINEER, username="eng"))
    assert start(client, TrackerKind.JIRA_CLOUD, "OPS").status_code == 403
    assert client.get(settings_url("tracker_oauth_finish") + "?code=x&state=y").status_code == 403
    assert atlassian.requests_to("/authorize") == []


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"kind": "jira_cloud", "target": "not a key"}, "capitals"),
        ({"kind": "jira_cloud", "target": "OPS", "site": "ftp://acme"}, "Enter your Jira site"),
        ({"kind": "jira_cloud", "target": "OPS", "site": "acme.atlassian.net:x"}, "Enter your"),
        ({"kind": "linear", "target": "ENG"}, "does not connect with OAuth"),  # no Linear app
        ({"kind": "github", "target": "acme/api"}, "Select a valid choice"),
    ],
)
def test_bad_input_is_a_400_saying_why(client, admin, atlassian, data, words):
    client.force_login(admin)
    response = client.post(settings_url("tracker_oauth_start"), data)
    assert response.status_code == 400
    assert words in response.content.decode()
    assert nothing_saved()


def test_the_settings_partial_offers_the_configured_providers(admin, org, atlassian, settings):
    request = RequestFactory().get("/")
    request.user = admin
    html = render_to_string(
        "integrations/trackers/_oauth_connect.html", {"organization": org}, request=request
    )
    assert "Connect Jira Cloud with Atlassian" in html and 'name="site"' in html
    assert "Connect Linear with OAuth" not in html  # no Linear app here
    settings.JIRA_OAUTH_CLIENT_ID = ""
    html = render_to_string(
        "integrations/trackers/_oauth_connect.html", {"organization": org}, request=request
    )
    assert "Connect" not in html


# --- Fresh tokens -------------------------------------------------------------------------------


def oauth_connection(org, app, *, expires_in: timedelta, kind=TrackerKind.JIRA_CLOUD):
    base_url = f"{app.url}/ex/jira/{CLOUD_ID}" if kind == TrackerKind.JIRA_CLOUD else app.url
    return connection_oauth_save(
        organization=org,
        actor=None,
        kind=kind,
        target="OPS",
        base_url=base_url,
        token="access-before",
        refresh_token=app.grant("refresh-before"),
        expires_at=timezone.now() + expires_in,
        username="https://acme.atlassian.net",
    )


def test_a_token_far_from_expiry_is_used_as_it_is(org, atlassian):
    connection = oauth_connection(org, atlassian, expires_in=timedelta(minutes=30))
    assert oauth.fresh_token(connection) == "access-before"
    assert atlassian.requests == []


@pytest.mark.parametrize("kind", [TrackerKind.JIRA_CLOUD, TrackerKind.LINEAR])
def test_a_token_near_expiry_is_renewed_and_the_new_refresh_token_kept(
    org, atlassian, linear, kind
):
    app = atlassian if kind == TrackerKind.JIRA_CLOUD else linear
    connection = oauth_connection(org, app, expires_in=timedelta(seconds=30), kind=kind)

    token = oauth.fresh_token(connection)

    issued = app.issued[-1]
    assert token == issued["access_token"] == connection.token
    connection.refresh_from_db()
    assert connection.token == issued["access_token"]
    assert connection.refresh_token == issued["refresh_token"] != "refresh-before"
    assert connection.token_expires_at > timezone.now() + timedelta(minutes=50)
    (refresh,) = app.requests_to("/oauth/token")
    assert refresh["body"] == {
        "grant_type": "refresh_token",
        "refresh_token": "refresh-before",
        "client_id": app.client_id,
        "client_secret": app.client_secret,
    }
    assert "refresh-before" not in app.refresh_tokens  # rotated: the old one is disabled


def test_a_revoked_authorization_asks_for_a_reconnection(org, atlassian):
    connection = oauth_connection(org, atlassian, expires_in=timedelta(seconds=-5))
    atlassian.refresh_tokens.clear()  # the admin removed the app at Atlassian

    with pytest.raises(TrackerError) as refusal:
        oauth.fresh_token(connection)

    assert refusal.value.field == "token"
    assert str(refusal.value) == (
        "Jira Cloud no longer accepts Hindsight's authorization (revoked or expired): "
        "reconnect in the settings."
    )
    connection.refresh_from_db()
    assert connection.token == "access-before"


def test_an_unreachable_provider_is_asked_again_later(org, atlassian, settings):
    connection = oauth_connection(org, atlassian, expires_in=timedelta(seconds=10))
    settings.ATLASSIAN_TOKEN_URL = "http://127.0.0.1:9/oauth/token"
    with pytest.raises(TrackerError) as refusal:
        oauth.fresh_token(connection)
    assert refusal.value.retry_after and "could not be asked" in str(refusal.value)


def test_a_token_connection_is_left_alone(org, atlassian):
    connection = oauth_connection(org, atlassian, expires_in=timedelta(seconds=10))
    connection.auth = TrackerAuth.TOKEN
    assert oauth.fresh_token(connection) == "access-before"
    assert atlassian.requests == []


@pytest.mark.django_db(transaction=True)
def test_two_workers_refresh_once(org, atlassian):
    """Atlassian retires a refresh token once used: a second refresh with it would revoke the
    connection. The second worker waits for the first and takes the token it saved."""
    connection = oauth_connection(org, atlassian, expires_in=timedelta(seconds=10))
    atlassian.refresh_delay = 0.5
    answers, errors = [], []

    def worker():
        try:
            with scopes_disabled():
                copy = TrackerConnection.objects.get(pk=connection.pk)
            answers.append(oauth.fresh_token(copy))
        except Exception as error:  # noqa: BLE001 (reported below)
            errors.append(error)
        finally:
            db_connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    assert errors == []
    assert len(atlassian.requests_to("/oauth/token")) == 1
    assert answers == [atlassian.issued[-1]["access_token"]] * 2


def expire(connection: TrackerConnection) -> None:
    connection.token_expires_at = timezone.now()
    TrackerConnection.objects.filter(pk=connection.pk).update(token_expires_at=timezone.now())


# --- Secrets ------------------------------------------------------------------------------------


def test_no_token_or_secret_reaches_a_page_a_message_or_the_log(
    client, admin, org, atlassian, caplog
):
    caplog.set_level(logging.DEBUG)
    client.force_login(admin)
    page = connect(client, TrackerKind.JIRA_CLOUD, "OPS")
    connection = selectors.connection_for(org, TrackerKind.JIRA_CLOUD)
    expire(connection)
    oauth.fresh_token(connection)
    atlassian.refresh_tokens.clear()
    expire(connection)
    with pytest.raises(TrackerError) as refusal:
        oauth.fresh_token(connection)

    shown = page.content.decode() + client.get(settings_url()).content.decode()
    said = " ".join(messages_of(page)) + str(refusal.value)
    secrets = [atlassian.client_secret]
    secrets += [
        answer[name] for answer in atlassian.issued for name in ("access_token", "refresh_token")
    ]
    assert len(secrets) == 5
    for secret in secrets:
        assert secret not in caplog.text
        assert secret not in shown
        assert secret not in said
