"""The Security settings tab: who may open it, what saving changes, what the audit log keeps,
and the input it refuses."""

import pytest
from django_scopes import scopes_disabled

from identity.models import ProviderStatus, SignInPolicy
from organizations.models import AuditEntry
from organizations.roles import Role
from tests.identity.helpers import password_sign_in, policy, provider, security_url, sso_session


def _form(**values) -> dict:
    data = {"break_glass_user": ""}
    for name, value in values.items():
        if value is True:
            data[name] = "on"
        elif value not in (False, None):
            data[name] = value
    return data


def _saved_policy(org):
    with scopes_disabled():
        return SignInPolicy.objects.filter(organization=org).first()


@pytest.mark.parametrize("role", [Role.VIEWER, Role.ENGINEER, Role.REVIEWER, Role.MANAGER])
def test_members_below_admin_are_refused(client, member_factory, org, role):
    client.force_login(member_factory(role))
    assert client.get(security_url()).status_code == 403
    assert client.post(security_url(), _form(require_mfa=True)).status_code == 403
    assert _saved_policy(org) is None
    assert not AuditEntry.objects.exists()


def test_another_organizations_admin_gets_404(client, org, other_org, member_factory):
    client.force_login(member_factory(Role.ADMIN, organization=other_org, username="grace"))
    assert client.get(security_url()).status_code == 404
    assert client.post(security_url(), _form(require_mfa=True)).status_code == 404
    assert _saved_policy(org) is None


def test_an_admin_sees_the_tab_and_saves_the_two_factor_rule(client, admin_user, org):
    client.force_login(admin_user)
    page = client.get(security_url())
    assert page.status_code == 200
    assert b'href="/o/acme/settings/security/" aria-current="page">Security' in page.content
    assert b"has no identity provider yet" in page.content
    response = client.post(security_url(), _form(require_mfa=True), follow=True)
    assert b"Sign-in rules saved (two-factor required)." in response.content
    assert _saved_policy(org).require_mfa
    entry = AuditEntry.objects.get(action="sso.policy_changed")
    assert entry.actor == admin_user
    assert entry.details == {"require_mfa": {"from": False, "to": True}}


def test_saving_the_same_rules_changes_nothing(client, admin_user, org):
    client.force_login(admin_user)
    response = client.post(security_url(), _form(), follow=True)
    assert b"Nothing changed." in response.content
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (None, b"once the organization has an identity provider"),
        (ProviderStatus.DRAFT, b"once the identity provider is live"),
        (ProviderStatus.TESTED, b"once the identity provider is live"),
    ],
)
def test_sso_cannot_be_required_before_the_provider_is_live(
    client, admin_user, org, status, message
):
    if status:
        provider(org, status=status)
    client.force_login(admin_user)
    response = client.post(security_url(), _form(require_sso=True, break_glass_user=admin_user.pk))
    assert response.status_code == 400
    assert b'id="id_require_sso_error"' in response.content
    assert message in response.content
    assert _saved_policy(org) is None


def test_the_break_glass_admin_is_one_of_the_organizations_admins(
    client, admin_user, engineer, org, other_org, member_factory
):
    outsider = member_factory(Role.ADMIN, organization=other_org, username="outsider")
    client.force_login(admin_user)
    page = client.get(security_url())
    assert f'<option value="{admin_user.pk}">'.encode() in page.content
    assert f'<option value="{engineer.pk}">'.encode() not in page.content
    for bad in (engineer.pk, outsider.pk, "abc", "99999"):
        response = client.post(security_url(), _form(break_glass_user=bad))
        assert response.status_code == 400
        assert b'id="id_break_glass_user_error"' in response.content
    assert _saved_policy(org) is None


def test_requiring_sso_would_not_sign_out_the_admin_saving_it(client, admin_user, org):
    """A password session of an admin who is not the break-glass admin would end at once."""
    provider(org)
    password_sign_in(client, "admin-user")
    response = client.post(security_url(), _form(require_sso=True))
    assert response.status_code == 400
    assert b"Sign in through Okta first, or name yourself the break-glass admin" in (
        response.content
    )
    assert _saved_policy(org) is None


def test_an_admin_signed_in_through_the_provider_requires_sso(client, admin_user, org):
    provider(org)
    sso_session(client, admin_user, org)
    response = client.post(security_url(), _form(require_sso=True), follow=True)
    assert response.status_code == 200
    assert b"Sign-in rules saved (company sign-in required)." in response.content
    assert _saved_policy(org).require_sso


def test_a_change_of_break_glass_admin_is_audited_by_name(client, admin_user, org, member_factory):
    second = member_factory(Role.ADMIN, username="second", first_name="Sam", last_name="Second")
    policy(org, break_glass_user=admin_user)
    client.force_login(admin_user)
    client.post(security_url(), _form(break_glass_user=second.pk))
    entry = AuditEntry.objects.get(action="sso.policy_changed")
    assert entry.details["break_glass_user"]["to"] == "Sam Second"
    assert _saved_policy(org).break_glass_user == second
