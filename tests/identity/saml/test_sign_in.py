"""A SAML sign-in through the real pysaml2 IdP: a new person lands in the provider's
organization with the role their groups map to, a group change at the IdP changes the role at
the next sign-in, and the membership is made in the provider's organization only."""

from datetime import UTC, datetime

import pytest
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user_model
from django_scopes import scopes_disabled

from identity.claims import claims_of
from identity.models import EmailDomain
from identity.saml.config import ATTRIBUTE_MAPPING
from organizations.models import AuditEntry
from organizations.roles import Role
from tests.factories import UserFactory
from tests.identity.saml.helpers import make_provider, membership_of, refusals, sign_in

pytestmark = pytest.mark.django_db
User = get_user_model()


def test_a_new_person_signs_in_and_lands_in_the_organization_with_the_mapped_role(
    browser, idp, live_provider, org
):
    response = sign_in(browser, idp, "acme")

    assert response.status_code == 302
    assert response.headers["Location"] == "/o/acme/"
    ann = User.objects.get(email="ann@acme.example")
    assert (ann.first_name, ann.last_name) == ("Ann", "Lee")
    assert membership_of("ann@acme.example", org).role == Role.ENGINEER
    assert int(browser.session["_auth_user_id"]) == ann.pk
    account = SocialAccount.objects.get(user=ann)
    assert account.provider == "saml-acme"
    assert account.extra_data["groups"] == ["engineering"]
    with scopes_disabled():
        joined = AuditEntry.objects.get(organization=org, action="sso.member_joined")
    assert joined.details["role"] == Role.ENGINEER
    assert browser.get("/o/acme/").status_code == 200


def test_the_sign_in_asks_the_idp_for_hindsight_as_the_service_provider(
    browser, idp, live_provider
):
    sign_in(browser, idp, "acme")

    request = idp.last_request
    assert request.issuer == "http://127.0.0.1/accounts/saml/acme/metadata/"
    assert request.acs_url == "http://127.0.0.1/accounts/saml/acme/acs/"


def test_someone_in_no_mapped_group_gets_the_default_role(browser, idp, live_provider, org):
    idp.next_login("bob@acme.example", groups=["marketing", "berlin"])

    sign_in(browser, idp, "acme")

    assert membership_of("bob@acme.example", org).role == Role.VIEWER


def test_of_several_mapped_groups_the_highest_role_wins(browser, idp, live_provider, org):
    idp.next_login("cy@acme.example", groups=["engineering", "sre"])

    sign_in(browser, idp, "acme")

    assert membership_of("cy@acme.example", org).role == Role.MANAGER


def test_a_group_change_at_the_idp_changes_the_role_at_the_next_sign_in(
    browser, idp, live_provider, org
):
    sign_in(browser, idp, "acme")
    browser.post("/accounts/logout/")
    idp.next_login("ann@acme.example", first_name="Ann", last_name="Lee", groups=["sre"])

    response = sign_in(browser, idp, "acme")

    assert response.status_code == 302
    assert User.objects.filter(email="ann@acme.example").count() == 1
    assert membership_of("ann@acme.example", org).role == Role.MANAGER
    with scopes_disabled():
        changed = AuditEntry.objects.get(organization=org, action="sso.role_changed")
    assert changed.details["groups"] == ["sre"]


def test_the_membership_is_made_in_the_providers_organization_only(
    browser, idp, live_provider, org, other_org
):
    make_provider(other_org, idp)

    sign_in(browser, idp, "acme")

    assert membership_of("ann@acme.example", org) is not None
    assert membership_of("ann@acme.example", other_org) is None


def test_another_organizations_idp_cannot_sign_in_to_a_persons_account(
    browser, idp, live_provider, org, other_org
):
    """Ann's address is at Acme's verified domain: Globex's IdP asserting the same address is
    refused, and Ann gets nothing at Globex."""
    _verify_domain(org, "acme.example")
    make_provider(other_org, idp, default_role=Role.ADMIN)
    sign_in(browser, idp, "acme")
    browser.post("/accounts/logout/")

    response = sign_in(browser, idp, "globex")

    assert response.status_code in (400, 403)
    assert "_auth_user_id" not in browser.session
    assert membership_of("ann@acme.example", other_org) is None
    assert SocialAccount.objects.filter(user__email="ann@acme.example").count() == 1
    assert len(refusals(other_org)) == 1


def _verify_domain(organization, domain):
    with scopes_disabled():
        EmailDomain.objects.create(
            organization=organization,
            domain=domain,
            verification_token="t",
            verified_at=datetime.now(UTC),
            verified_by="DNS",
        )


def test_an_address_at_a_domain_the_organization_verified_signs_in_to_the_existing_account(
    browser, idp, live_provider, org
):
    ann = UserFactory(username="ann", email="ann@acme.example")
    _verify_domain(org, "acme.example")

    sign_in(browser, idp, "acme")

    assert User.objects.filter(email="ann@acme.example").count() == 1
    assert int(browser.session["_auth_user_id"]) == ann.pk
    assert membership_of("ann@acme.example", org).user == ann


def test_an_unverified_address_of_an_existing_account_is_refused_with_nothing_made(
    browser, idp, live_provider, org, other_org
):
    UserFactory(username="ann", email="ann@acme.example")
    _verify_domain(other_org, "acme.example")  # verified, but by another organization

    response = sign_in(browser, idp, "acme")

    assert response.status_code in (400, 403)
    assert b"cannot link you" in response.content
    assert "_auth_user_id" not in browser.session
    assert not SocialAccount.objects.exists()
    assert membership_of("ann@acme.example", org) is None
    assert len(refusals(org)) == 1


@pytest.mark.parametrize(
    "name",
    ["mail", "urn:oid:0.9.2342.19200300.100.1.3", ATTRIBUTE_MAPPING["email"][-1]],
)
def test_the_address_is_read_under_the_names_idps_give_it(live_provider, name):
    claims = claims_of(live_provider, {name: ["dee@acme.example"], "groups": ["a", "b"]})

    assert claims["email"] == "dee@acme.example"
    assert claims["groups"] == ["a", "b"]
