"""The sign-in page asks who is signing in first when any organization has a live identity
provider, and sends an address at a verified domain to that organization's provider."""

from urllib.parse import parse_qs, urlsplit

import pytest

from identity.models import ProviderStatus
from organizations.models import AuditEntry
from tests.factories import PASSWORD, OrganizationFactory, UserFactory
from tests.identity.helpers import provider_url

from .helpers import (
    ACME_CALLBACK,
    ACME_CLIENT_ID,
    email_domain,
    oidc_identity_provider,
    saml_identity_provider,
)

LOGIN = "/accounts/login/"


def identify(client, login, host="testserver", **extra):
    # A browser always names the host (a SAML request is built for it).
    return client.post(LOGIN, {"step": "identify", "login": login, **extra}, HTTP_HOST=host)


def query_of(url: str) -> dict:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def test_without_company_sign_in_anywhere_the_page_asks_for_name_and_password(client, engineer):
    page = client.get(LOGIN).content.decode()
    assert 'name="password"' in page and "Continue" not in page
    assert "Sign in with your company" not in page
    response = client.post(LOGIN, {"login": "engineer", "password": PASSWORD})
    assert response.status_code == 302


def test_with_a_live_provider_somewhere_the_page_asks_for_an_email_first(client, acme_oidc):
    response = client.get(LOGIN + "?next=/o/acme/incidents/")
    page = response.content.decode()
    assert response.status_code == 200
    assert 'name="password"' not in page
    assert "Email or username" in page and ">Continue</button>" in page
    assert 'name="login"' in page and "autofocus" in page
    assert 'name="next" value="/o/acme/incidents/"' in page
    assert "Sign in with a password" in page


def test_a_provider_not_yet_live_does_not_change_the_page(client, org, oidc_provider):
    oidc_identity_provider(org, oidc_provider.issuer, status=ProviderStatus.TESTED)
    assert 'name="password"' in client.get(LOGIN).content.decode()


def test_each_verified_domain_leads_to_its_own_organizations_provider(
    client, settings, org, other_org, acme_oidc, globex_saml, oidc_provider, saml_idp
):
    email_domain(org, "acme.example")
    email_domain(other_org, "globex.example")

    to_acme = identify(client, "Jane.Doe@ACME.example", next="/o/acme/incidents/")
    location = provider_url(to_acme)
    assert "Continue to Acme Corporation SSO" in to_acme.content.decode()
    assert location.startswith(oidc_provider.authorization_endpoint + "?")
    query = query_of(location)
    assert query["client_id"] == ACME_CLIENT_ID
    assert query["redirect_uri"] == ACME_CALLBACK
    assert query["code_challenge_method"] == "S256"

    # python3-saml wants a host name with a dot or an IP address (not "testserver")
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "127.0.0.1"]
    to_globex = provider_url(identify(client, "bob@globex.example", host="127.0.0.1"))
    assert to_globex.startswith(saml_idp.sso_url)
    assert "SAMLRequest" in query_of(to_globex)
    saml_idp.next_login("bob@globex.example")
    assert saml_idp.login(to_globex).action == ("http://127.0.0.1/accounts/saml/globex/acs/")


def test_a_saml_provider_known_by_its_metadata_url_is_reached_too(
    client, settings, other_org, saml_idp
):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "127.0.0.1"]
    saml_identity_provider(other_org, idp_metadata_url=saml_idp.metadata_url)
    email_domain(other_org, "globex.example")
    to_globex = provider_url(identify(client, "bob@globex.example", host="127.0.0.1"))
    assert to_globex.startswith(saml_idp.sso_url)


def test_the_provider_signs_the_person_in_and_they_land_on_next(
    client, org, acme_oidc, oidc_provider
):
    """The whole way round: email → provider → callback → the page they asked for."""
    email_domain(org, "acme.example")
    oidc_provider.set_account("jane", "jane@acme.example", name="Jane Doe")
    oidc_provider.next_login("jane")
    to_provider = identify(client, "jane@acme.example", next="/o/acme/incidents/")
    callback = oidc_provider.authorize(provider_url(to_provider))
    assert callback.startswith(ACME_CALLBACK)
    landed = client.get(callback.removeprefix("http://testserver"))
    assert landed.status_code == 302
    assert landed["Location"] == "/o/acme/incidents/"
    assert client.session["_auth_user_id"]


@pytest.mark.parametrize(
    "login",
    ["jane@acme.example", "engineer", "someone@unclaimed.example", "not an email@"],
)
def test_anything_not_at_a_live_verified_domain_goes_to_the_password_step(
    client, org, acme_oidc, engineer, login
):
    email_domain(org, "acme.example", verified=False)
    response = identify(client, login, next="/o/acme/")
    page = response.content.decode()
    assert response.status_code == 200
    assert 'name="password"' in page
    assert f'value="{login}"' in page  # what was typed is kept
    assert 'name="next" value="/o/acme/"' in page
    assert "Sign in with your company" in page
    assert '<input type="password" name="password"' in page and "autofocus" in page


def test_a_verified_domain_whose_provider_is_not_live_goes_to_the_password_step(
    client, org, other_org, acme_oidc, oidc_provider
):
    oidc_identity_provider(other_org, oidc_provider.issuer, status=ProviderStatus.DRAFT)
    email_domain(other_org, "globex.example")
    response = identify(client, "bob@globex.example")
    assert response.status_code == 200
    assert 'name="password"' in response.content.decode()
    assert "continue-to-provider" not in response.content.decode()


def test_the_password_step_signs_in_with_the_typed_name(client, acme_oidc, engineer):
    identify(client, "engineer")
    response = client.post(LOGIN, {"login": "engineer", "password": PASSWORD, "next": "/o/acme/"})
    assert response.status_code == 302
    assert response["Location"] == "/o/acme/"


def test_a_wrong_password_keeps_the_name_and_offers_the_company_sign_in(
    client, acme_oidc, engineer
):
    response = client.post(LOGIN, {"login": "engineer", "password": "wrong"})
    page = response.content.decode()
    assert "not correct" in page
    assert 'value="engineer"' in page
    assert "Sign in with your company" in page


def test_the_password_form_is_one_click_away_for_a_break_glass_admin(
    client, org, acme_oidc, admin_user
):
    """An admin whose address is at the verified domain keeps a password way in."""
    email_domain(org, "acme.example")
    page = client.get(LOGIN + "?use_password=1&next=/o/acme/").content.decode()
    assert 'name="password"' in page and 'name="next" value="/o/acme/"' in page
    response = client.post(LOGIN, {"login": "admin-user", "password": PASSWORD})
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("login", "message"),
    [
        ("", "Enter your email address or username."),
        ("   ", "Enter your email address or username."),
        ("x" * 255 + "@acme.example", "at most 254 characters"),
    ],
)
def test_an_empty_or_overlong_name_is_refused_with_the_field_named(
    client, acme_oidc, login, message
):
    response = identify(client, login)
    page = response.content.decode()
    assert response.status_code == 400
    assert message in page
    assert "Email or username" in page and ">Continue</button>" in page


def test_a_nul_byte_is_refused_naming_the_field(client, acme_oidc):
    response = identify(client, "jane\x00@acme.example")
    assert response.status_code == 400
    assert b"login" in response.content


def test_an_unreachable_provider_is_a_clear_refusal(client, org, db):
    oidc_identity_provider(org, "http://127.0.0.1:9")  # nothing listens on the discard port
    email_domain(org, "acme.example")
    response = identify(client, "jane@acme.example")
    page = response.content.decode()
    assert response.status_code == 401
    assert "Hindsight could not reach the identity provider." in page
    assert 'href="/accounts/login/"' in page
    assert AuditEntry.objects.filter(action="sso.sign_in_refused").exists()


def test_the_login_page_reads_a_bounded_number_of_queries(
    client, org, oidc_provider, count_queries
):
    """However many organizations have providers and domains, the page and the routing cost
    the same number of queries."""
    oidc_identity_provider(org, oidc_provider.issuer)
    email_domain(org, "acme.example")

    def add_organizations(n):
        for _ in range(n):
            other = OrganizationFactory()
            oidc_identity_provider(other, oidc_provider.issuer)
            email_domain(other, f"{other.slug}.example")

    def measure():
        return (
            count_queries(lambda: client.get(LOGIN)),
            count_queries(lambda: identify(client, "someone@unclaimed.example")),
            count_queries(lambda: identify(client, "jane@acme.example")),
        )

    add_organizations(1)
    measure()  # the session exists from here on
    few = measure()
    add_organizations(6)
    assert measure() == few
    assert few[0] <= 2


def test_a_signed_in_person_visiting_the_page_is_sent_on(client, acme_oidc, engineer):
    client.force_login(engineer)
    assert client.get(LOGIN).status_code == 302


def test_users_are_not_created_by_the_first_step(client, acme_oidc, db):
    before = UserFactory._meta.model.objects.count()
    identify(client, "newcomer@unclaimed.example")
    assert UserFactory._meta.model.objects.count() == before
