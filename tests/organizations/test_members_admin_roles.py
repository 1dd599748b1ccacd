"""Members administration: changing a member's role, and the rule that keeps one admin."""

import contextlib
import threading

import pytest
from django.db import connection
from django_scopes import scopes_disabled

from organizations import audit, services_members
from organizations.models import (
    AuditEntry,
    Membership,
)
from organizations.roles import Role
from tests.factories import MembershipFactory, UserFactory
from tests.organizations.helpers import MEMBERS, role_of

# --- Changing a role -----------------------------------------------------------------------------


def test_admin_changes_a_role_and_it_is_audited(client, org, admin_user, target):
    client.force_login(admin_user)
    response = client.post(f"{MEMBERS}target/role/", {"role": "REVIEWER"})
    assert response.status_code == 302
    assert role_of(target, org) == Role.REVIEWER
    entry = AuditEntry.objects.get(action="member.role_changed")
    assert entry.details == {"role": ["ENGINEER", "REVIEWER"]}
    assert entry.actor == admin_user and "@target" in entry.target
    assert "is now Reviewer" in client.get(MEMBERS).content.decode()


def test_role_change_over_htmx_answers_the_row(client, org, admin_user, target):
    client.force_login(admin_user)
    response = client.post(
        f"{MEMBERS}target/role/", {"role": "MANAGER"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith("<tr")
    assert '<option value="MANAGER" selected>' in html
    assert "is now Manager" in html
    assert role_of(target, org) == Role.MANAGER


def test_an_unknown_role_is_refused(client, org, admin_user, target):
    client.force_login(admin_user)
    response = client.post(
        f"{MEMBERS}target/role/", {"role": "OWNER"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 400
    assert "Choose one of the roles" in response.content.decode()
    assert role_of(target, org) == Role.ENGINEER
    assert not AuditEntry.objects.exists()


def test_setting_the_same_role_records_nothing(client, org, admin_user, target):
    client.force_login(admin_user)
    client.post(f"{MEMBERS}target/role/", {"role": "ENGINEER"})
    assert not AuditEntry.objects.exists()


def test_role_change_page_refuses_get(client, admin_user, target):
    client.force_login(admin_user)
    assert client.get(f"{MEMBERS}target/role/").status_code == 405


# --- The last admin ------------------------------------------------------------------------------


def test_the_last_admin_cannot_be_demoted(client, org, admin_user):
    client.force_login(admin_user)
    response = client.post(
        f"{MEMBERS}admin-user/role/", {"role": "VIEWER"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 409
    assert "last admin of Acme Corporation" in response.content.decode()
    assert role_of(admin_user, org) == Role.ADMIN
    response = client.post(f"{MEMBERS}admin-user/role/", {"role": "VIEWER"}, follow=True)
    assert "last admin of Acme Corporation" in response.content.decode()
    assert role_of(admin_user, org) == Role.ADMIN
    assert not AuditEntry.objects.exists()


def test_the_members_page_shows_who_the_last_admin_is(client, admin_user, target):
    client.force_login(admin_user)
    html = client.get(MEMBERS).content.decode()
    assert "The only admin" in html
    assert 'action="/o/acme/settings/members/admin-user/role/"' not in html
    assert 'action="/o/acme/settings/members/target/role/"' in html


def test_the_last_admin_cannot_remove_themselves(client, org, admin_user):
    client.force_login(admin_user)
    confirm = client.get(f"{MEMBERS}admin-user/remove/")
    assert "You are the last admin of Acme Corporation" in confirm.content.decode()
    assert b'type="submit" class="btn btn--danger"' not in confirm.content
    response = client.post(f"{MEMBERS}admin-user/remove/")
    assert response.status_code == 409
    assert role_of(admin_user, org) == Role.ADMIN


def test_an_admin_may_demote_another_admin_until_one_is_left(client, org, admin_user, target):
    second = UserFactory(username="second-admin")
    MembershipFactory(user=second, organization=org, role=Role.ADMIN)
    client.force_login(admin_user)
    assert client.post(f"{MEMBERS}second-admin/role/", {"role": "MANAGER"}).status_code == 302
    assert role_of(second, org) == Role.MANAGER
    assert client.post(f"{MEMBERS}admin-user/role/", {"role": "MANAGER"}).status_code == 302
    assert role_of(admin_user, org) == Role.ADMIN


def test_an_admin_who_demotes_themselves_leaves_the_administration(client, org, admin_user):
    MembershipFactory(organization=org, role=Role.ADMIN)
    client.force_login(admin_user)
    response = client.post(
        f"{MEMBERS}admin-user/role/", {"role": "ENGINEER"}, headers={"HX-Request": "true"}
    )
    assert response["HX-Redirect"] == "/o/acme/"
    assert role_of(admin_user, org) == Role.ENGINEER
    assert client.get(MEMBERS).status_code == 403


def test_an_admin_may_leave_when_another_admin_remains(client, org, admin_user):
    MembershipFactory(organization=org, role=Role.ADMIN)
    client.force_login(admin_user)
    response = client.post(f"{MEMBERS}admin-user/remove/")
    assert response.status_code == 302 and response["Location"] == "/"
    assert role_of(admin_user, org) is None
    assert client.get("/o/acme/").status_code == 404


def test_the_service_refuses_to_demote_or_remove_the_last_admin(org, admin_user):
    membership = Membership.objects.get(user=admin_user)
    with pytest.raises(services_members.LastAdminError):
        services_members.member_role_change(membership=membership, role="VIEWER", actor=admin_user)
    with pytest.raises(services_members.LastAdminError):
        services_members.member_remove(membership=membership, actor=admin_user)
    assert Membership.objects.get(user=admin_user).role == Role.ADMIN


def test_two_admins_demoting_each_other_one_after_the_other_keep_one(org, admin_user):
    other = UserFactory(username="other-admin")
    MembershipFactory(user=other, organization=org, role=Role.ADMIN)
    mine = Membership.objects.get(user=admin_user)
    theirs = Membership.objects.get(user=other)
    services_members.member_role_change(membership=theirs, role="ENGINEER", actor=admin_user)
    with pytest.raises(services_members.LastAdminError):
        # ``mine`` was read while two admins existed: the service re-reads under lock.
        services_members.member_role_change(membership=mine, role="ENGINEER", actor=other)
    assert Membership.objects.filter(organization=org, role=Role.ADMIN).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_demotions_of_the_last_two_admins_leave_one(org, monkeypatch):
    """Two transactions demote the two admins at the same time; each pauses after its check.
    Without the lock on the admin rows both would pass; with it, the second waits and refuses."""
    first, second = (UserFactory(username=f"admin-{n}") for n in (1, 2))
    memberships = [
        MembershipFactory(user=user, organization=org, role=Role.ADMIN) for user in (first, second)
    ]
    real_record = audit.record
    checked = threading.Barrier(2, timeout=2)

    def slow_record(**kwargs):
        with contextlib.suppress(threading.BrokenBarrierError):
            checked.wait()  # both wait here only if both passed the check at once
        return real_record(**kwargs)

    monkeypatch.setattr(services_members.audit, "record", slow_record)
    outcomes = []

    def demote(membership):
        try:
            with scopes_disabled():
                services_members.member_role_change(
                    membership=membership, role="ENGINEER", actor=membership.user
                )
            outcomes.append("demoted")
        except services_members.LastAdminError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=demote, args=(m,)) for m in memberships]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["demoted", "refused"]
    assert Membership.objects.filter(organization=org, role=Role.ADMIN).count() == 1
