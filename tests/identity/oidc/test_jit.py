"""Just-in-time membership: people arrive through Acme's provider with the role their groups
give, at every sign-in."""

from django.contrib.auth import get_user_model
from django_scopes import scopes_disabled

from identity.models import SignIn, SignInMethod
from organizations.models import AuditEntry, Membership
from organizations.roles import Role
from tests.factories import MembershipFactory, UserFactory
from tests.identity.oidc.helpers import sign_in

User = get_user_model()


def _membership(user, org):
    with scopes_disabled():
        return Membership.objects.get(user=user, organization=org)


def _audit(org, action):
    with scopes_disabled():
        return list(AuditEntry.objects.filter(organization=org, action=action).order_by("pk"))


def test_a_first_sign_in_creates_the_person_and_their_membership_with_the_mapped_role(
    client, org, live_provider, idp
):
    response = sign_in(client, idp)
    assert response.status_code == 302
    assert response["Location"] == "/o/acme/"
    ann = User.objects.get(email="ann@acme.example")
    assert ann.username == "ann"
    assert (ann.first_name, ann.last_name) == ("Ann", "Lee")
    assert not ann.has_usable_password()
    assert _membership(ann, org).role == Role.ENGINEER
    assert client.get("/o/acme/").status_code == 200
    sign_in_row = SignIn.objects.get(user=ann)
    assert sign_in_row.method == SignInMethod.SSO and sign_in_row.organization == org
    [joined] = _audit(org, "sso.member_joined")
    assert joined.actor == ann
    assert joined.details["provider"] == "Acme SSO"
    assert joined.details["groups"] == ["engineering"]
    assert joined.details["role"] == Role.ENGINEER


def test_no_mapped_group_gives_the_default_role_and_the_highest_mapped_role_wins(
    client, org, live_provider, idp
):
    idp.set_account("bo-2", "bo@acme.example", name="Bo Ek", groups=["marketing"])
    idp.next_login("bo-2")
    sign_in(client, idp)
    assert _membership(User.objects.get(email="bo@acme.example"), org).role == Role.VIEWER

    client.logout()
    idp.set_account("cy-3", "cy@acme.example", name="Cy Ho", groups=["engineering", "sre"])
    idp.next_login("cy-3")
    sign_in(client, idp)
    assert _membership(User.objects.get(email="cy@acme.example"), org).role == Role.MANAGER


def test_a_free_username_is_chosen_from_the_email(client, org, live_provider, idp):
    UserFactory(username="ann", email="someone-else@example.com")
    sign_in(client, idp)
    ann = User.objects.get(email="ann@acme.example")
    assert ann.username != "ann" and ann.username.startswith("ann")


def test_an_existing_user_is_linked_by_the_verified_email(client, org, live_provider, idp):
    ann = UserFactory(username="annlee", email="ann@acme.example")
    sign_in(client, idp)
    assert User.objects.filter(email="ann@acme.example").count() == 1
    assert int(client.session["_auth_user_id"]) == ann.pk
    assert _membership(ann, org).role == Role.ENGINEER
    ann.refresh_from_db()
    assert ann.has_usable_password()  # the password she had still works


def test_a_group_change_at_the_provider_changes_the_role_at_the_next_sign_in(
    client, org, admin_user, live_provider, idp
):
    sign_in(client, idp)
    ann = User.objects.get(email="ann@acme.example")
    assert _membership(ann, org).role == Role.ENGINEER
    client.logout()
    idp.set_account("ann-1", "ann@acme.example", name="Ann Lee", groups=["engineering", "it"])
    sign_in(client, idp)
    assert _membership(ann, org).role == Role.ADMIN
    [changed] = _audit(org, "sso.role_changed")
    assert changed.actor == ann
    assert changed.details["role"] == [Role.ENGINEER, Role.ADMIN]
    assert changed.details["groups"] == ["engineering", "it"]
    assert changed.details["provider"] == "Acme SSO"
    client.force_login(ann)  # an admin now: the audit log shows the change in words
    log = client.get("/o/acme/settings/audit/").content.decode().lower()
    assert "got a new role from company sign-in" in log
    assert "joined through company sign-in" in log

    client.logout()
    idp.set_account("ann-1", "ann@acme.example", name="Ann Lee", groups=[])
    sign_in(client, idp)
    assert _membership(ann, org).role == Role.VIEWER  # back to the default role


def test_the_last_admin_is_not_demoted_but_still_signs_in(client, org, live_provider, idp):
    ann = UserFactory(username="ann", email="ann@acme.example")
    MembershipFactory(user=ann, organization=org, role=Role.ADMIN)
    response = sign_in(client, idp)  # her groups say engineer
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == ann.pk
    assert _membership(ann, org).role == Role.ADMIN
    [refused] = _audit(org, "sso.role_change_refused")
    assert refused.details["role"] == [Role.ADMIN, Role.ENGINEER]
    assert not _audit(org, "sso.role_changed")


def test_a_member_of_another_organization_keeps_that_membership(
    client, org, other_org, live_provider, idp
):
    ann = UserFactory(username="ann", email="ann@acme.example")
    MembershipFactory(user=ann, organization=other_org, role=Role.MANAGER)
    sign_in(client, idp)
    assert _membership(ann, other_org).role == Role.MANAGER
    assert _membership(ann, org).role == Role.ENGINEER
