"""Release and GitHub endpoints on the Integrations tab: admins create them (URL, secret once,
how to set the tool up), rotate and rename them; nobody else."""

import pytest
from django_scopes import scopes_disabled

from integrations.deploys.models import Release
from integrations.intake.models import SourceKind, WebhookEndpoint
from organizations.roles import Role
from tests.integrations.conftest import make_endpoint
from tests.integrations.deploys.conftest import github_payload

PAGE = "/o/acme/settings/integrations/"


def test_an_admin_creates_a_github_endpoint_and_sets_github_up(
    client, admin_user, services, github
):
    client.force_login(admin_user)
    response = client.post(PAGE, {"new-kind": "github_deployments", "new-name": "GitHub"})
    page = response.content.decode()
    assert response.status_code == 200
    hook = WebhookEndpoint.objects.get()
    assert hook.kind == SourceKind.GITHUB_DEPLOYMENTS
    secret = hook.secret_encrypted
    assert f"<code>http://testserver/hooks/{hook.public_id}/</code>" in page
    assert "<code>application/json</code>" in page
    assert f"<code>{secret}</code>" in page
    assert "Deployment statuses" in page
    assert secret not in client.get(PAGE).content.decode()  # shown once
    # The shown secret signs what GitHub sends.
    assert github(hook, github_payload(), secret=secret).status_code == 202
    assert Release.objects.count() == 1


def test_an_admin_creates_a_release_endpoint_with_a_curl_example(client, admin_user, send):
    client.force_login(admin_user)
    page = client.post(PAGE, {"new-kind": "release", "new-name": "Deploy job"}).content.decode()
    hook = WebhookEndpoint.objects.get()
    assert hook.kind == SourceKind.RELEASE and hook.secret_encrypted == ""
    assert f'curl -X POST "http://testserver/hooks/{hook.public_id}/"' in page
    secret = page.split('-H "Authorization: Bearer ')[1].split('"')[0]
    assert secret.startswith("hs_hook_")
    assert send(hook, b"{}", secret=secret).status_code == 202
    # Its card asks only for a name: alert rules are Alertmanager's.
    listing = client.get(PAGE).content.decode()
    assert f'name="e{hook.pk}-name"' in listing and f'name="e{hook.pk}-alert_rule"' not in listing
    response = client.post(f"{PAGE}endpoints/{hook.pk}/", {f"e{hook.pk}-name": "CD"})
    assert response.status_code == 302
    hook.refresh_from_db()
    assert hook.name == "CD"


def test_an_unknown_kind_is_400_naming_the_field(client, admin_user):
    client.force_login(admin_user)
    response = client.post(PAGE, {"new-kind": "jenkins", "new-name": "CI"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_rotating_a_github_secret_stops_the_old_one(client, admin_user, github_endpoint, github):
    hook, old = github_endpoint
    client.force_login(admin_user)
    client.post(f"{PAGE}endpoints/{hook.pk}/rotate/")
    hook.refresh_from_db()
    assert hook.secret_encrypted != old
    assert github(hook, github_payload(), secret=old).status_code == 401
    assert github(hook, github_payload(), secret=hook.secret_encrypted).status_code == 202


@pytest.mark.parametrize("role", [Role.ENGINEER, Role.REVIEWER, Role.VIEWER])
def test_only_admins_create_deploy_endpoints(client, org, member_factory, role):
    client.force_login(member_factory(role))
    for kind in ("release", "github_deployments"):
        assert client.post(PAGE, {"new-kind": kind, "new-name": "x"}).status_code == 403
    assert not WebhookEndpoint.objects.exists()


def test_another_organizations_endpoint_is_404(client, org, other_org, member_factory):
    with scopes_disabled():
        theirs, _ = make_endpoint(other_org, kind=SourceKind.GITHUB_DEPLOYMENTS, name="Theirs")
    client.force_login(member_factory(Role.ADMIN))
    assert client.post(f"{PAGE}endpoints/{theirs.pk}/rotate/").status_code == 404
    assert client.post(f"{PAGE}endpoints/{theirs.pk}/", {}).status_code == 404
