"""The API tokens page: every member's own tokens, shown once, revocable; admins see everyone's."""

import re
import zoneinfo
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from organizations.models import ApiToken, AuditEntry
from organizations.roles import Role
from organizations.services import api_token_create
from tests.factories import MembershipFactory, UserFactory


def tokens_url(org):
    return reverse("token_list", kwargs={"org_slug": org.slug})


def revoke_url(org, token):
    return reverse("token_revoke", kwargs={"org_slug": org.slug, "token_id": token.pk})


def api_status(client, plain):
    return client.get("/api/v1/incidents", headers={"Authorization": f"Bearer {plain}"}).status_code


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role))
def test_every_member_creates_a_token_shown_once_that_then_works(client, org, member_factory, role):
    user = member_factory(role)
    client.force_login(user)
    response = client.post(tokens_url(org), {"name": "CI pipeline", "expiry": "90"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    plain = re.search(rb'value="(hs_[^"]+)"', response.content).group(1).decode()
    token = ApiToken.objects.get(organization=org, user=user)
    assert token.name == "CI pipeline"
    assert (token.expires_at - timezone.now()).days in (89, 90)
    assert plain not in token.token_hash
    assert api_status(client, plain) == 200
    page = client.get(tokens_url(org)).content.decode()
    assert "CI pipeline" in page and plain not in page  # listed, never shown again


@pytest.mark.django_db
def test_expiry_choices_and_bad_input_answer_with_field_messages(client, org, engineer):
    client.force_login(engineer)
    response = client.post(tokens_url(org), {"name": "  ", "expiry": "90"})
    assert response.status_code == 400
    assert "Give the token a name" in response.content.decode()
    response = client.post(tokens_url(org), {"name": "Old", "expiry": "date", "expires_on": ""})
    assert "Choose the day" in response.content.decode()
    yesterday = timezone.localdate() - timedelta(days=1)
    response = client.post(
        tokens_url(org), {"name": "Old", "expiry": "date", "expires_on": yesterday.isoformat()}
    )
    assert response.status_code == 400 and "after today" in response.content.decode()
    assert not ApiToken.objects.filter(user=engineer).exists()

    client.post(tokens_url(org), {"name": "Forever", "expiry": "never"})
    assert ApiToken.objects.get(name="Forever").expires_at is None
    day = timezone.localdate() + timedelta(days=10)
    client.post(tokens_url(org), {"name": "Dated", "expiry": "date", "expires_on": day.isoformat()})
    in_org_zone = zoneinfo.ZoneInfo(org.time_zone)  # "midnight" is the organization's
    expires = timezone.localtime(ApiToken.objects.get(name="Dated").expires_at, in_org_zone)
    assert expires.date() == day + timedelta(days=1) and expires.hour == 0


@pytest.mark.django_db
def test_list_shows_created_last_used_expiry_and_state(client, org, engineer):
    active, plain = api_token_create(organization=org, user=engineer, name="Deploy bot")
    expired, _ = api_token_create(
        organization=org,
        user=engineer,
        name="Old script",
        expires_at=timezone.now() - timedelta(days=1),
    )
    client.force_login(engineer)
    assert "Never" in client.get(tokens_url(org)).content.decode()
    api_status(client, plain)
    page = client.get(tokens_url(org)).content.decode()
    assert "Deploy bot" in page and "Old script" in page
    assert "badge--token-expired" in page and "badge--token-active" in page
    active.refresh_from_db()
    assert active.last_used_at is not None


@pytest.mark.django_db
def test_owner_revokes_their_token_and_the_api_refuses_it(client, org, engineer):
    token, plain = api_token_create(organization=org, user=engineer, name="Laptop")
    client.force_login(engineer)
    response = client.post(revoke_url(org, token))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert api_status(client, plain) == 401
    entry = AuditEntry.objects.get(action="token.revoked")
    assert entry.actor == engineer and "Laptop" in entry.target
    client.post(revoke_url(org, token))  # twice: nothing more happens
    assert AuditEntry.objects.filter(action="token.revoked").count() == 1


@pytest.mark.django_db
def test_members_cannot_see_or_revoke_other_members_tokens(client, org, engineer, member_factory):
    colleague = member_factory(Role.MANAGER, username="colleague")
    token, plain = api_token_create(organization=org, user=colleague, name="Colleague bot")
    client.force_login(engineer)
    assert "Colleague bot" not in client.get(tokens_url(org)).content.decode()
    assert client.post(revoke_url(org, token)).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None and api_status(client, plain) == 200


@pytest.mark.django_db
def test_admin_sees_everyones_tokens_and_revokes_any(client, org, admin_user, engineer):
    token, plain = api_token_create(organization=org, user=engineer, name="Engineer bot")
    client.force_login(admin_user)
    page = client.get(tokens_url(org)).content.decode()
    assert "Tokens of every member" in page and "Engineer bot" in page
    assert client.post(revoke_url(org, token)).status_code == 302
    assert api_status(client, plain) == 401
    assert AuditEntry.objects.get(action="token.revoked").actor == admin_user


@pytest.mark.django_db
def test_another_organizations_token_answers_404_even_to_an_admin(
    client, org, other_org, admin_user
):
    outsider = UserFactory()
    MembershipFactory(user=outsider, organization=other_org)
    token, plain = api_token_create(organization=other_org, user=outsider, name="Globex bot")
    client.force_login(admin_user)
    assert client.post(revoke_url(org, token)).status_code == 404
    assert "Globex bot" not in client.get(tokens_url(org)).content.decode()
    assert api_status(client, plain) == 200


@pytest.mark.django_db
def test_creation_is_audited_without_the_secret(client, org, engineer):
    client.force_login(engineer)
    response = client.post(tokens_url(org), {"name": "Chat bot", "expiry": "never"})
    plain = re.search(rb'value="(hs_[^"]+)"', response.content).group(1).decode()
    entry = AuditEntry.objects.get(action="token.created")
    assert entry.actor == engineer and "Chat bot" in entry.target
    assert plain not in repr(entry.details) + entry.target


@pytest.mark.django_db
def test_non_member_gets_404(client, org):
    client.force_login(UserFactory())
    assert client.get(tokens_url(org)).status_code == 404


@pytest.mark.django_db
def test_admin_page_runs_a_bounded_number_of_queries(client, org, admin_user, member_factory):
    client.force_login(admin_user)

    def queries_with(n):
        for i in range(n):
            owner = member_factory(Role.ENGINEER)
            api_token_create(organization=org, user=owner, name=f"bot {i}")
            api_token_create(organization=org, user=admin_user, name=f"mine {i}")
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get(tokens_url(org)).status_code == 200
        return len(ctx.captured_queries)

    assert queries_with(2) == queries_with(20)
