"""Steps shared by the company sign-in browser tests: signing in with a password (the sign-in
page asks for the email or username first once company sign-in exists), signing out, a second
person's browser, and what the database says about a person afterwards."""

import re

from django.contrib.auth import get_user_model
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from identity.models import GroupRoleMapping, IdentityProvider, Protocol, ProviderStatus, SignIn
from organizations.models import AuditEntry, Membership
from organizations.roles import Role
from tests.browser.helpers import open_page
from tests.factories import PASSWORD

User = get_user_model()

CLIENT_ID = "hindsight-acme"
CLIENT_SECRET = "browser-acme-secret-5Tq"


def live_oidc_provider(organization, oidc_provider, live_server) -> IdentityProvider:
    """The organization's provider, live, as an admin sets it up in the browser (the first test
    of test_company_sign_in does it there): the client registered at the real provider,
    engineering mapped to Engineer and sre to Manager, Viewer by default."""
    slug = organization.slug
    oidc_provider.add_client(
        CLIENT_ID, CLIENT_SECRET, [f"{live_server.url}/accounts/oidc/{slug}/login/callback/"]
    )
    with scopes_disabled():
        provider = IdentityProvider.objects.create(
            organization=organization,
            protocol=Protocol.OIDC,
            name="Acme SSO",
            status=ProviderStatus.LIVE,
            issuer_url=oidc_provider.issuer,
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            scopes="openid email profile groups",
            default_role=Role.VIEWER,
        )
        for group, role in (("engineering", Role.ENGINEER), ("sre", Role.MANAGER)):
            GroupRoleMapping.objects.create(
                organization=organization, provider=provider, group=group, role=role
            )
    return provider


def password_sign_in(page, username: str, *, next_path: str = "") -> None:
    """Sign in by keyboard: the name, then (on the second step when the page asks for the name
    first) the password."""
    page.goto("/accounts/login/" + (f"?next={next_path}" if next_path else ""))
    page.locator("input[name=login]").fill(username)
    page.keyboard.press("Enter")
    password = page.get_by_label("Password")
    expect(password).to_be_visible()
    password.fill(PASSWORD)
    page.keyboard.press("Enter")
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


def sign_out(page) -> None:
    page.locator(".user-menu summary").click()
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


def new_person_page(browser, live_server):
    """A second browser (its own cookies), as another person on another computer."""
    return open_page(browser, live_server.url)


def csp_violations(page) -> list[str]:
    """What the browser refused under the Content-Security-Policy (a form sent on to a provider
    by a redirect, an inline script): a step the person could not take."""
    return [error for error in page.console_errors if "Content Security Policy" in error]


def leave(page) -> None:
    """Close a person's browser, once nothing on their pages was refused by the CSP."""
    assert not csp_violations(page)
    page.context.close()


def membership(email: str, organization) -> Membership | None:
    with scopes_disabled():
        return (
            Membership.objects.filter(organization=organization, user__email=email)
            .select_related("user")
            .first()
        )


def sign_ins(email: str) -> list[SignIn]:
    with scopes_disabled():
        return list(SignIn.objects.filter(user__email=email).order_by("pk"))


def audit(organization, action: str) -> list[AuditEntry]:
    with scopes_disabled():
        return list(
            AuditEntry.objects.filter(organization=organization, action=action).order_by("pk")
        )
