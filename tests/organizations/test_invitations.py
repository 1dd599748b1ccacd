"""Invitations: sending, the email and its link, accepting (new or existing account), and
every way a link stops working."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.utils import timezone
from django_scopes import scopes_disabled

from organizations import services_invitations
from organizations.models import AuditEntry, Invitation, Membership
from organizations.roles import Role
from organizations.services import hash_token
from tests.factories import PASSWORD, MembershipFactory, UserFactory
from tests.organizations.helpers import MEMBERS

User = get_user_model()
LINK = re.compile(r"https?://[^/\s]+(/invitations/[A-Za-z0-9_-]+/)")


@pytest.fixture
def invite(client, admin_user, django_capture_on_commit_callbacks):
    """Invite through the page as the admin; returns the accept path from the email."""

    def send(email="new.person@example.com", role="REVIEWER", days=7) -> str:
        client.force_login(admin_user)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                f"{MEMBERS}invite/", {"email": email, "role": role, "days": days}
            )
        assert response.status_code == 302, response.content
        client.logout()
        return LINK.search(mail.outbox[-1].body).group(1)

    return send


def accept_path(invitation_token: str) -> str:
    return f"/invitations/{invitation_token}/"


def pending(org, email="new.person@example.com", **fields) -> tuple[Invitation, str]:
    invitation, token = services_invitations.invitation_create(
        organization=org, email=email, role=fields.pop("role", Role.ENGINEER), actor=None
    )
    if fields:
        Invitation.objects.filter(pk=invitation.pk).update(**fields)
        invitation.refresh_from_db()
    return invitation, token


NEW_ACCOUNT = {
    "username": "newbie",
    "full_name": "Nina Newbie",
    "password1": "a-long-pass-phrase-9",
    "password2": "a-long-pass-phrase-9",
}


# --- Sending -------------------------------------------------------------------------------------


def test_inviting_sends_an_email_with_a_single_use_link(client, org, admin_user, invite):
    path = invite(email="New.Person@Example.com", role="REVIEWER", days=3)
    invitation = Invitation.objects.get()
    token = path.split("/")[2]
    assert invitation.token_hash == hash_token(token)
    assert token not in str(Invitation.objects.values_list().get())  # only its hash is kept
    assert invitation.email == "New.Person@example.com"
    assert invitation.role == Role.REVIEWER and invitation.invited_by == admin_user
    assert timedelta(days=2, hours=23) < invitation.expires_at - timezone.now() <= timedelta(days=3)
    message = mail.outbox[-1]
    assert message.to == ["New.Person@example.com"]
    assert "invited you to join Acme Corporation" in message.subject
    assert "Reviewer" in message.body and "Acme Corporation" in message.body
    assert "http://testserver" not in message.body  # absolute link from SITE_URL
    assert path in message.alternatives[0][0]
    entry = AuditEntry.objects.get(action="invitation.created")
    assert entry.target == "New.Person@example.com" and entry.details["role"] == "REVIEWER"


def test_no_email_leaves_before_the_invitation_is_committed(client, admin_user):
    client.force_login(admin_user)
    client.post(f"{MEMBERS}invite/", {"email": "x@example.com", "role": "VIEWER", "days": 7})
    assert Invitation.objects.count() == 1
    assert mail.outbox == []  # the test transaction never commits


def test_the_pending_invitation_is_listed(client, admin_user, invite):
    invite(email="listed@example.com", role="MANAGER")
    client.force_login(admin_user)
    html = client.get(MEMBERS).content.decode()
    assert 'class="invite-email">listed@example.com' in html
    assert "Manager" in html and "in 7 days" in html


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"email": "not-an-email", "role": "VIEWER", "days": 7}, "email", "valid email"),
        ({"email": "", "role": "VIEWER", "days": 7}, "email", "required"),
        (
            {"email": "ENGINEER@example.com", "role": "VIEWER", "days": 7},
            "email",
            "already a member",
        ),
        ({"email": "a@example.com", "role": "OWNER", "days": 7}, "role", "valid choice"),
        ({"email": "a@example.com", "role": "VIEWER", "days": 30}, "days", "valid choice"),
    ],
)
def test_invalid_invitations_are_refused_with_field_messages(
    client, admin_user, engineer, data, field, message
):
    client.force_login(admin_user)
    response = client.post(f"{MEMBERS}invite/", data)
    assert response.status_code == 400
    assert message in " ".join(response.context["invite_form"].errors[field])
    assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_a_new_invitation_replaces_the_pending_one(client, org, invite):
    first = invite(email="twice@example.com", role="VIEWER")
    second = invite(email="TWICE@example.com", role="MANAGER")
    assert Invitation.objects.filter(revoked_at__isnull=True).count() == 1
    assert Invitation.objects.get(revoked_at__isnull=True).role == Role.MANAGER
    assert client.get(first).status_code == 410
    assert client.get(second).status_code == 200


# --- Accepting with a new account ----------------------------------------------------------------


def test_the_invitation_page_names_the_organization_role_and_inviter(client, invite):
    path = invite(role="REVIEWER")
    response = client.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Acme Corporation" in html and "Reviewer" in html
    assert "invited you to join" in html and "new.person@example.com" in html
    assert "Create your account" in html
    assert f'href="/accounts/login/?next={path}"' in html


def test_accepting_as_a_new_user_creates_the_account_and_the_membership(client, org, invite):
    path = invite(role="REVIEWER")
    response = client.post(path, NEW_ACCOUNT)
    assert response.status_code == 302 and response["Location"] == "/o/acme/"
    user = User.objects.get(username="newbie")
    assert user.email == "new.person@example.com"
    assert (user.first_name, user.last_name) == ("Nina", "Newbie")
    assert user.check_password(NEW_ACCOUNT["password1"])
    assert Membership.objects.get(user=user, organization=org).role == Role.REVIEWER
    invitation = Invitation.objects.get()
    assert invitation.accepted_by == user and invitation.accepted_at is not None
    entry = AuditEntry.objects.get(action="invitation.accepted")
    assert entry.actor == user and entry.details["role"] == "REVIEWER"
    # signed in, in the organization
    assert "You joined as Reviewer" in client.get("/o/acme/").content.decode()


def test_a_used_link_is_refused(client, org, invite):
    path = invite()
    client.post(path, NEW_ACCOUNT)
    client.logout()
    response = client.get(path)
    assert response.status_code == 410
    assert "already been used" in response.content.decode()
    again = client.post(path, {**NEW_ACCOUNT, "username": "someone-else"})
    assert again.status_code == 410
    assert not User.objects.filter(username="someone-else").exists()
    assert Membership.objects.filter(organization=org).count() == 2  # the admin and newbie


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"password2": "something-else-entirely"}, "password2", "differ"),
        ({"password1": "short", "password2": "short"}, "password1", "too short"),
        ({"password1": "password123", "password2": "password123"}, "password1", "too common"),
        ({"password1": "ninanewbie", "password2": "ninanewbie"}, "password1", "similar"),
        ({"username": "ENGINEER"}, "username", "taken"),
        ({"username": "bad name!"}, "username", "valid username"),
        ({"full_name": "   "}, "full_name", "required"),
    ],
)
def test_an_invalid_account_is_refused_and_the_link_still_works(
    client, org, engineer, invite, changes, field, message
):
    path = invite()
    users = User.objects.count()
    response = client.post(path, {**NEW_ACCOUNT, **changes})
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert User.objects.count() == users
    assert Invitation.objects.get().accepted_at is None
    assert client.get(path).status_code == 200


def test_an_address_with_an_account_is_asked_to_log_in(client, org, invite):
    UserFactory(username="has-account", email="known@example.com")
    path = invite(email="known@example.com")
    page = client.get(path).content.decode()
    assert "already exists" in page and "Create your account" not in page
    response = client.post(path, NEW_ACCOUNT)
    assert response.status_code == 400
    assert not User.objects.filter(username="newbie").exists()
    assert Invitation.objects.get().accepted_at is None


# --- Accepting with an existing account ----------------------------------------------------------


def test_a_signed_in_user_joins_with_their_account(client, org, other_org, invite):
    user = UserFactory(username="grace")
    MembershipFactory(user=user, organization=other_org, role=Role.ADMIN)
    path = invite(role="MANAGER")
    client.force_login(user)
    page = client.get(path).content.decode()
    assert "Join Acme Corporation as grace" in page
    response = client.post(path)
    assert response["Location"] == "/o/acme/"
    assert Membership.objects.get(user=user, organization=org).role == Role.MANAGER
    assert Invitation.objects.get().accepted_by == user
    assert client.get("/o/acme/").status_code == 200


def test_logging_in_from_the_invitation_comes_back_to_it(client, invite):
    user = UserFactory(username="returning")
    path = invite()
    response = client.post(
        f"/accounts/login/?next={path}",
        {"login": "returning", "password": PASSWORD, "next": path},
    )
    assert response["Location"] == path
    assert client.post(path)["Location"] == "/o/acme/"
    assert Membership.objects.filter(user=user).exists()


def test_a_member_keeps_a_higher_role(client, org, admin_user, invite):
    path = invite(email="someone@example.com", role="VIEWER")
    client.force_login(admin_user)
    assert "keeps your current role" in client.get(path).content.decode()
    response = client.post(path, follow=True)
    assert "your role stays Admin" in response.content.decode()
    assert Membership.objects.get(user=admin_user).role == Role.ADMIN
    assert Invitation.objects.get().accepted_by == admin_user


def test_a_member_invited_to_a_higher_role_gets_it(client, org, viewer, invite):
    path = invite(email="someone@example.com", role="REVIEWER")
    client.force_login(viewer)
    assert "Accepting makes you" in client.get(path).content.decode()
    client.post(path)
    assert Membership.objects.get(user=viewer, organization=org).role == Role.REVIEWER
    assert AuditEntry.objects.get(action="member.role_changed").details == {
        "role": ["VIEWER", "REVIEWER"]
    }


def test_accepting_twice_joins_once(org):
    invitation, _ = pending(org)
    user = UserFactory()
    services_invitations.invitation_accept(invitation=invitation, user=user)
    with pytest.raises(services_invitations.InvitationUnusable) as refusal:
        services_invitations.invitation_accept(invitation=invitation, user=UserFactory())
    assert refusal.value.state == "accepted"
    assert Membership.objects.filter(organization=org).count() == 1


# --- Links that no longer work -------------------------------------------------------------------


def test_an_expired_link_is_refused(client, org, engineer):
    _, token = pending(org, expires_at=timezone.now() - timedelta(minutes=1))
    response = client.get(accept_path(token))
    assert response.status_code == 410
    html = response.content.decode()
    assert "This invitation has expired" in html
    assert "Ask an admin of <strong>Acme Corporation</strong> for a new one" in html
    client.force_login(engineer)
    assert client.post(accept_path(token)).status_code == 410
    assert Invitation.objects.get().accepted_at is None


def test_a_revoked_link_is_refused(client, org):
    invitation, token = pending(org)
    services_invitations.invitation_revoke(invitation=invitation, actor=None)
    response = client.post(accept_path(token), NEW_ACCOUNT)
    assert response.status_code == 410
    assert "withdrawn" in response.content.decode()
    assert not User.objects.filter(username="newbie").exists()


def test_an_unknown_link_is_404_and_names_no_organization(client, org):
    pending(org)
    for path in ("/invitations/not-a-real-token/", f"/invitations/{'x' * 300}/"):
        for method in ("get", "post"):
            response = getattr(client, method)(path, NEW_ACCOUNT)
            assert response.status_code == 404
            assert b"Acme" not in response.content
            assert b"isn't valid" in response.content
    assert not User.objects.filter(username="newbie").exists()


# --- Revoking and resending ----------------------------------------------------------------------


def test_admin_revokes_an_invitation(client, org, admin_user, invite):
    path = invite(email="gone@example.com")
    invitation = Invitation.objects.get()
    client.force_login(admin_user)
    response = client.post(f"/o/acme/settings/invitations/{invitation.pk}/revoke/")
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert AuditEntry.objects.filter(
        action="invitation.revoked", target="gone@example.com"
    ).exists()
    assert 'class="invite-email">gone@example.com' not in client.get(MEMBERS).content.decode()
    client.logout()
    assert client.get(path).status_code == 410
    client.force_login(admin_user)
    again = client.post(f"/o/acme/settings/invitations/{invitation.pk}/revoke/", follow=True)
    assert "already revoked" in again.content.decode()


def test_resending_revokes_the_old_link_and_emails_a_new_one(
    client, org, admin_user, invite, django_capture_on_commit_callbacks
):
    old_path = invite(email="again@example.com", role="MANAGER", days=3)
    old = Invitation.objects.get()
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/o/acme/settings/invitations/{old.pk}/resend/")
    assert response.status_code == 302
    new_path = LINK.search(mail.outbox[-1].body).group(1)
    assert new_path != old_path and mail.outbox[-1].to == ["again@example.com"]
    fresh = Invitation.objects.get(revoked_at__isnull=True)
    assert (fresh.email, fresh.role) == ("again@example.com", Role.MANAGER)
    assert timedelta(days=2, hours=23) < fresh.expires_at - timezone.now() <= timedelta(days=3)
    client.logout()
    assert client.get(old_path).status_code == 410
    assert client.get(new_path).status_code == 200


def test_an_accepted_invitation_cannot_be_revoked_or_resent(client, org, admin_user):
    invitation, _ = pending(org)
    services_invitations.invitation_accept(invitation=invitation, user=UserFactory())
    client.force_login(admin_user)
    for action in ("revoke", "resend"):
        response = client.post(
            f"/o/acme/settings/invitations/{invitation.pk}/{action}/", follow=True
        )
        assert "already accepted" in response.content.decode()
    assert Invitation.objects.count() == 1
    assert mail.outbox == []


def test_another_organizations_invitation_is_not_manageable(client, org, other_org, admin_user):
    theirs, token = pending(other_org, email="theirs@globex.com")
    client.force_login(admin_user)
    for action in ("revoke", "resend"):
        response = client.post(f"/o/acme/settings/invitations/{theirs.pk}/{action}/")
        assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    assert "theirs@globex.com" not in client.get(MEMBERS).content.decode()
    with scopes_disabled():  # theirs is still there
        assert Invitation.objects.count() == 1
