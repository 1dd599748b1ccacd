"""Company sign-in in Chromium, against the real providers on loopback (node-oidc-provider and
the pysaml2 IdP): an admin configures the organization's provider on the Sign-in settings tab,
tests it and turns it on; a new person then signs in through it and lands in the organization
with the role their groups map to; a group changed at the provider changes the role at the next
sign-in."""

import re

import pytest
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from identity.models import (
    DomainProof,
    EmailDomain,
    IdentityProvider,
    Protocol,
    ProviderStatus,
    SignInMethod,
)
from organizations.roles import Role
from tests.browser.sso_steps import (
    CLIENT_ID,
    CLIENT_SECRET,
    audit,
    csp_violations,
    leave,
    live_oidc_provider,
    membership,
    new_person_page,
    password_sign_in,
    sign_ins,
    sign_out,
)
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

SETTINGS = "/o/{slug}/settings/sign-in/"


@pytest.fixture
def site(settings, live_server):
    """Hindsight's public address is the live server's: the settings page shows the addresses
    to paste into the provider from it."""
    settings.SITE_URL = live_server.url
    return live_server.url


@pytest.fixture
def acme_admin(transactional_db):
    acme = OrganizationFactory(slug="acme", name="Acme Corporation")
    MembershipFactory(user=UserFactory(username="ada"), organization=acme, role=Role.ADMIN)
    return acme


@pytest.fixture
def globex_admin(transactional_db):
    globex = OrganizationFactory(slug="globex", name="Globex")
    MembershipFactory(user=UserFactory(username="gus"), organization=globex, role=Role.ADMIN)
    return globex


def _provider(organization) -> IdentityProvider:
    with scopes_disabled():
        return IdentityProvider.objects.get(organization=organization)


def _copied(page, field_id: str) -> str:
    return page.locator(f"#{field_id}").input_value()


def _add_mapping(page, group: str, role: str) -> None:
    """Fill the empty row of the mapping table (the last one)."""
    page.get_by_role("textbox", name="Group", exact=True).last.fill(group)
    page.get_by_role("combobox", name="Role", exact=True).last.select_option(label=role)


def _test_and_turn_on(page, provider_name: str, *, sent: list[str], would_be: str) -> None:
    """Press "Test connection": the provider signs the admin's own account in by itself and the
    browser comes back to the page, which shows what the provider sent; then "Turn on"."""
    page.get_by_role("button", name="Test connection").click()
    expect(page).to_have_url(re.compile(r"/settings/sign-in/$"))
    sent_table = page.get_by_role("table", name=re.compile(f"What {provider_name} sent"))
    for value in sent:
        expect(sent_table).to_contain_text(value)
    expect(sent_table.locator("caption")).to_contain_text(would_be)
    page.get_by_role("button", name="Turn on").click()
    expect(page.locator("#messages")).to_contain_text(
        f"Company sign-in through {provider_name} is on."
    )
    expect(page.locator("#status")).to_contain_text("Live.")
    assert not csp_violations(page)  # the test button's way to the provider was allowed


def test_an_admin_sets_up_oidc_and_a_new_person_arrives_with_the_mapped_role(
    page, browser, live_server, site, acme_admin, oidc_provider
):
    password_sign_in(page, "ada", next_path="/o/acme/")
    page.goto(SETTINGS.format(slug="acme"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Company sign-in")
    expect(page.locator("#status")).to_contain_text("Not set up.")

    # The redirect URI the page shows goes into the provider's client registration.
    redirect_uri = _copied(page, "sso-redirect-uri")
    assert redirect_uri == f"{live_server.url}/accounts/oidc/acme/login/callback/"
    oidc_provider.add_client(CLIENT_ID, CLIENT_SECRET, [redirect_uri])

    page.get_by_label("OpenID Connect", exact=True).check()
    page.get_by_label("Display name").fill("Acme SSO")
    page.get_by_label("Default role").select_option(label="Viewer")
    page.get_by_label("Groups claim or attribute").fill("groups")
    page.get_by_label("Issuer URL").fill(oidc_provider.issuer)
    page.get_by_label("Client ID").fill(CLIENT_ID)
    page.get_by_label("Client secret").fill(CLIENT_SECRET)
    page.get_by_label("Scopes").fill("openid email profile groups")
    _add_mapping(page, "sre", "Manager")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#messages")).to_contain_text("Sign-in settings saved.")
    expect(page.locator("#sso-secret-saved")).to_have_text("Client secret saved.")
    expect(page.get_by_label("Client secret")).to_have_value("")
    assert CLIENT_SECRET not in page.content()
    expect(page.get_by_role("button", name="Turn on")).to_have_count(0)  # not tested yet

    # The admin tests with their own account at the provider: its claims are shown.
    oidc_provider.set_account("ada-1", "ada@acme.example", name="Ada Admin", groups=["sre"])
    oidc_provider.next_login("ada-1")
    _test_and_turn_on(
        page, "Acme SSO", sent=["ada@acme.example", "sre"], would_be="this person would be manager"
    )
    assert _provider(acme_admin).status == ProviderStatus.LIVE

    # Nina, whom Hindsight has never seen, opens Acme in her own browser and types her work
    # email: its domain, verified by the provider's claim in Ada's test, leads to the provider.
    oidc_provider.set_account(
        "nina-7", "nina@acme.example", name="Nina Park", given_name="Nina", groups=["sre"]
    )
    oidc_provider.next_login("nina-7")
    nina = new_person_page(browser, live_server)
    nina.goto("/o/acme/")
    expect(nina).to_have_url(re.compile(r"/accounts/login/\?next=/o/acme/$"))
    expect(nina.get_by_label("Email or username")).to_be_focused()
    nina.keyboard.type("nina@acme.example")
    nina.keyboard.press("Enter")
    expect(nina).to_have_url(re.compile(r"/o/acme/$"))
    expect(nina.get_by_role("heading", level=1)).to_have_text("Acme Corporation")
    expect(nina.locator(".page-header")).to_contain_text("Manager")
    nina.get_by_role("navigation", name="Sections").get_by_role("link", name="Members").click()
    row = nina.get_by_role("row", name=re.compile("nina@acme.example"))
    expect(row.locator(".badge")).to_have_text("Manager")
    leave(nina)

    joined = membership("nina@acme.example", acme_admin)
    assert joined is not None and joined.role == Role.MANAGER
    assert [s.method for s in sign_ins("nina@acme.example")] == [SignInMethod.SSO]
    assert len(audit(acme_admin, "sso.member_joined")) == 1
    with scopes_disabled():
        domain = EmailDomain.objects.get(domain="acme.example")
    assert (domain.organization, domain.verified_by) == (acme_admin, DomainProof.PROVIDER)


def test_an_admin_sets_up_saml_and_a_new_person_arrives_with_the_mapped_role(
    page, browser, live_server, site, globex_admin, saml_idp
):
    password_sign_in(page, "gus", next_path="/o/globex/")
    page.goto(SETTINGS.format(slug="globex"))
    assert _copied(page, "sso-acs-url") == f"{live_server.url}/accounts/saml/globex/acs/"
    assert _copied(page, "sso-sp-entity-id") == f"{live_server.url}/accounts/saml/globex/metadata/"

    page.get_by_label("SAML 2.0", exact=True).check()
    page.get_by_label("Display name").fill("Globex IdP")
    page.get_by_label("Default role").select_option(label="Viewer")
    page.get_by_label("Groups claim or attribute").fill("groups")
    page.get_by_label("IdP metadata URL").fill(saml_idp.metadata_url)
    _add_mapping(page, "engineering", "Engineer")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#messages")).to_contain_text("Sign-in settings saved.")
    provider = _provider(globex_admin)
    assert provider.protocol == Protocol.SAML
    assert provider.idp_entity_id == saml_idp.entity_id  # read from the metadata

    saml_idp.next_login("gus@globex.example", first_name="Gus", groups=["it", "engineering"])
    _test_and_turn_on(
        page,
        "Globex IdP",
        sent=["gus@globex.example", "it, engineering"],
        would_be="this person would be engineer",
    )
    assert _provider(globex_admin).status == ProviderStatus.LIVE

    saml_idp.next_login(
        "sam@globex.example", first_name="Sam", last_name="Rivera", groups=["engineering"]
    )
    sam = new_person_page(browser, live_server)
    sam.goto("/o/globex/login/")
    expect(sam).to_have_url(re.compile(r"/o/globex/$"))
    expect(sam.get_by_role("heading", level=1)).to_have_text("Globex")
    expect(sam.locator(".page-header")).to_contain_text("Engineer")
    sam.goto("/o/globex/members/")
    expect(
        sam.get_by_role("row", name=re.compile("sam@globex.example")).locator(".badge")
    ).to_have_text("Engineer")
    leave(sam)

    joined = membership("sam@globex.example", globex_admin)
    assert joined is not None and joined.role == Role.ENGINEER
    assert joined.user.first_name == "Sam"
    assert [s.method for s in sign_ins("sam@globex.example")] == [SignInMethod.SSO]


@pytest.fixture
def acme_live(acme_admin, oidc_provider, live_server):
    """Acme's provider, live; Ben is an engineer at the provider."""
    provider = live_oidc_provider(acme_admin, oidc_provider, live_server)
    oidc_provider.set_account("ben-2", "ben@acme.example", name="Ben Ode", groups=["engineering"])
    oidc_provider.next_login("ben-2")
    return provider


def test_a_group_change_at_the_provider_changes_the_role_at_the_next_sign_in(
    page, browser, live_server, acme_live, oidc_provider
):
    ben = new_person_page(browser, live_server)
    ben.goto("/o/acme/login/")
    expect(ben.locator(".page-header")).to_contain_text("Engineer")
    sections = ben.get_by_role("navigation", name="Sections")
    expect(sections.get_by_role("link", name="Analytics")).to_have_count(0)
    assert ben.goto("/o/acme/analytics/").status == 403

    # IT moves Ben to the SRE group; his open session keeps its role until he signs in again.
    oidc_provider.set_account("ben-2", "ben@acme.example", name="Ben Ode", groups=["sre"])
    ben.goto("/o/acme/")
    expect(ben.locator(".page-header")).to_contain_text("Engineer")
    sign_out(ben)
    ben.goto("/o/acme/login/")
    expect(ben).to_have_url(re.compile(r"/o/acme/$"))
    expect(ben.locator(".page-header")).to_contain_text("Manager")
    sections.get_by_role("link", name="Analytics").click()
    expect(ben).to_have_url(re.compile(r"/o/acme/analytics/$"))
    leave(ben)
    assert membership("ben@acme.example", acme_live.organization).role == Role.MANAGER

    # Ada, an admin, reads it in the audit log.
    password_sign_in(page, "ada", next_path="/o/acme/settings/audit/")
    expect(page).to_have_url(re.compile(r"/o/acme/settings/audit/$"))
    change = page.get_by_role("row", name=re.compile("got a new role from company sign-in", re.I))
    expect(change).to_have_count(1)
    expect(change).to_contain_text("Ben Ode (@ben)")
    expect(change).to_contain_text(re.compile(r"Role: engineer → manager", re.I))
    expect(change).to_contain_text("Groups: sre")
    [entry] = audit(acme_live.organization, "sso.role_changed")
    assert entry.details["role"] == [Role.ENGINEER, Role.MANAGER]
    assert entry.details["groups"] == ["sre"]
