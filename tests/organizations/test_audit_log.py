"""The audit log page: admins read who changed what; filters; nobody else gets in."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from organizations import audit
from organizations.models import AuditEntry
from organizations.roles import Role
from tests.factories import UserFactory


def audit_url(org, **params):
    url = reverse("audit_log", kwargs={"org_slug": org.slug})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


@pytest.mark.django_db
@pytest.mark.parametrize("role", [r for r in Role if r != Role.ADMIN])
def test_only_admins_read_the_audit_log(client, org, member_factory, role):
    client.force_login(member_factory(role))
    assert client.get(audit_url(org)).status_code == 403


@pytest.mark.django_db
def test_non_members_get_404(client, org):
    client.force_login(UserFactory())
    assert client.get(audit_url(org)).status_code == 404


@pytest.mark.django_db
def test_entries_show_who_what_and_the_change(client, org, admin_user):
    audit.record(
        organization=org,
        actor=admin_user,
        action="member.role_changed",
        target="bob",
        details={"role": ["ENGINEER", "REVIEWER"]},
    )
    client.force_login(admin_user)
    page = client.get(audit_url(org)).content.decode()
    assert "Changed the role of" in page and "bob" in page
    assert "<del>Engineer</del> → <ins>Reviewer</ins>" in page
    assert admin_user.get_full_name() or admin_user.username in page


@pytest.mark.django_db
def test_another_organizations_entries_never_show(client, org, other_org, admin_user):
    audit.record(organization=other_org, actor=None, action="settings.updated", target="Globex")
    client.force_login(admin_user)
    page = client.get(audit_url(org)).content.decode()
    assert "Globex" not in page and "Nothing has been changed yet" in page


@pytest.mark.django_db
def test_filters_by_kind_person_and_days(client, org, admin_user, member_factory):
    other_admin = member_factory(Role.ADMIN, username="second-admin", first_name="Second")
    audit.record(organization=org, actor=admin_user, action="token.created", target="CI token")
    audit.record(organization=org, actor=other_admin, action="team.created", target="SRE team")
    old = audit.record(organization=org, actor=admin_user, action="team.renamed", target="Old")
    AuditEntry.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=30))
    client.force_login(admin_user)

    page = client.get(audit_url(org, group="team")).content.decode()
    assert "SRE team" in page and "CI token" not in page
    page = client.get(audit_url(org, actor=other_admin.pk)).content.decode()
    assert "SRE team" in page and "CI token" not in page and ">Old<" not in page
    since = (timezone.localdate() - timedelta(days=2)).isoformat()
    page = client.get(audit_url(org, since=since)).content.decode()
    assert "CI token" in page and "Old" not in page
    page = client.get(audit_url(org, group="settings")).content.decode()
    assert "No changes match these filters" in page


@pytest.mark.django_db
def test_reversed_or_malformed_filters_answer_with_a_message(client, org, admin_user):
    client.force_login(admin_user)
    response = client.get(audit_url(org, since="2026-05-10", until="2026-05-01"))
    assert response.status_code == 400
    assert "is after" in response.content.decode()
    response = client.get(audit_url(org, since="not-a-date", group="nonsense", page="x"))
    assert response.status_code == 400
    assert "Enter a valid date" in response.content.decode()


@pytest.mark.django_db
def test_long_logs_are_paginated_with_bounded_queries(client, org, admin_user, count_queries):
    client.force_login(admin_user)

    def add(n):
        for i in range(n):
            audit.record(organization=org, actor=admin_user, action="token.created", target=f"t{i}")

    add(3)
    few = count_queries(lambda: client.get(audit_url(org)))
    add(120)
    many = count_queries(lambda: client.get(audit_url(org)))
    assert few == many
    page = client.get(audit_url(org)).content.decode()
    assert "Page 1 of 3" in page
    assert "Page 3 of 3" in client.get(audit_url(org, page=3)).content.decode()


def test_unknown_groups_are_refused_when_recording(db, org):
    with pytest.raises(ValueError):
        audit.record(organization=org, actor=None, action="unknown.thing")


def test_details_read_as_changes():
    details = audit.changes(
        {"auto_generate": True, "severities": ["SEV1", "SEV2"], "name": "Acme"},
        {"auto_generate": False, "severities": ["SEV1"], "name": "Acme"},
    )
    lines = audit.detail_lines({**details, "role": ["ENGINEER", "ADMIN"], "sections": 3})
    assert lines == [
        {"field": "auto generate", "old": "on", "new": "off"},
        {"field": "severities", "old": "SEV1, SEV2", "new": "SEV1"},
        {"field": "role", "old": "Engineer", "new": "Admin"},
        {"field": "sections", "value": "3"},
    ]
