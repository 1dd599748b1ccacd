"""Settings → Provisioning: admins create, replace and revoke the organization's SCIM token."""

import hashlib
import re

import pytest
from django.urls import reverse

from identity.models import ScimToken
from organizations.models import AuditEntry
from organizations.roles import Role
from tests.identity.scim.conftest import Scim, is_scim_error


def page_url(org) -> str:
    return reverse("settings_provisioning", kwargs={"org_slug": org.slug})


def revoke_url(org) -> str:
    return reverse("settings_provisioning_revoke", kwargs={"org_slug": org.slug})


def plain_of(response) -> str:
    return re.search(rb'value="(hs_scim_[^"]+)"', response.content).group(1).decode()


@pytest.mark.parametrize("role", [r for r in Role if r != Role.ADMIN])
def test_only_admins_open_the_page(client, org, member_factory, admin_user, role):
    client.force_login(member_factory(role))
    assert client.get(page_url(org)).status_code == 403
    assert client.post(page_url(org)).status_code == 403
    assert client.post(revoke_url(org)).status_code == 403
    assert not ScimToken.objects.exists()
    assert (
        "Provisioning"
        not in client.get(reverse("token_list", kwargs={"org_slug": org.slug})).content.decode()
    )


def test_a_non_member_gets_404_and_a_visitor_signs_in(client, org, other_org, member_factory):
    assert client.get(page_url(org)).status_code == 302
    client.force_login(member_factory(Role.ADMIN, organization=other_org))
    assert client.get(page_url(org)).status_code == 404


def test_the_page_shows_the_base_url_and_a_token_once(client, org, admin_user, settings):
    settings.SITE_URL = "https://hindsight.example"
    client.force_login(admin_user)
    page = client.get(page_url(org)).content.decode()
    assert "https://hindsight.example/scim/v2/" in page
    assert "Provisioning" in page and "one-way" in page

    response = client.post(page_url(org))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    plain = plain_of(response)
    token = ScimToken.objects.get(organization=org)
    assert token.token_hash == hashlib.sha256(plain.encode()).hexdigest()
    assert plain not in client.get(page_url(org)).content.decode()
    assert Scim(plain).get("Users").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert "Never" not in client.get(page_url(org)).content.decode()


def test_replacing_revokes_the_old_token_and_revoking_stops_provisioning(client, org, admin_user):
    client.force_login(admin_user)
    first = plain_of(client.post(page_url(org)))
    second = plain_of(client.post(page_url(org)))
    assert is_scim_error(Scim(first).get("Users"), 401)
    assert Scim(second).get("Users").status_code == 200
    response = client.post(revoke_url(org), follow=True)
    assert "revoked" in response.content.decode()
    assert is_scim_error(Scim(second).get("Users"), 401)
    actions = list(AuditEntry.objects.order_by("pk").values_list("action", flat=True))
    assert actions == [
        "scim.token_created",
        "scim.token_revoked",
        "scim.token_created",
        "scim.token_revoked",
    ]
    for entry in AuditEntry.objects.all():
        assert first not in str(entry.details) + entry.target
        assert second not in str(entry.details) + entry.target
        assert entry.actor == admin_user


def test_the_tab_is_in_the_admins_settings_navigation(client, org, admin_user):
    client.force_login(admin_user)
    page = client.get(reverse("token_list", kwargs={"org_slug": org.slug})).content.decode()
    assert page_url(org) in page
