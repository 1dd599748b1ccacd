"""Settings → Issue trackers: admins connect GitHub with a fine-grained token (stored
encrypted, never shown back), test the connection against GitHub, and send some teams' items
to their own repository."""

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from integrations.trackers import selectors
from integrations.trackers.models import TrackerConnection, TrackerTarget
from organizations.roles import Role
from postmortems.models import PostmortemTeam
from tests.factories import TeamFactory


def page_url(name: str = "settings_trackers", org_slug: str = "acme", **kwargs) -> str:
    return reverse(name, kwargs={"org_slug": org_slug, **kwargs})


def test_an_admin_connects_github_and_the_token_is_never_shown(
    client, admin, org, github_api, account
):
    client.force_login(admin)
    response = client.post(
        page_url(),
        {"token": account.token, "target": "acme/api", "base_url": github_api.url},
    )
    assert response.status_code == 302
    connection = selectors.connection_for(org)
    assert (connection.target, connection.token) == ("acme/api", account.token)
    with scopes_disabled():
        stored = TrackerConnection.objects.values_list("token", flat=True).query
    assert account.token not in str(stored)
    page = client.get(page_url()).content.decode()
    assert account.token not in page and "••••••••" in page and "acme/api" in page
    assert "Issue trackers" in page


def test_test_connection_says_what_it_found(client, admin, connection, account):
    client.force_login(admin)
    response = client.post(page_url("tracker_test"), follow=True)
    page = response.content.decode()
    assert "Connected: found acme/api" in page
    assert account.requests[-1]["path"] == "/repos/acme/api"
    assert account.requests[-1]["headers"]["Authorization"].endswith(f" {account.token}")


def test_a_refused_token_is_named(client, admin, connection, account):
    account.token = "github_pat_revoked"
    client.force_login(admin)
    page = client.post(page_url("tracker_test"), follow=True).content.decode()
    assert "GitHub refused the token (401)" in page
    connection.refresh_from_db()
    assert not connection.check_ok


def test_an_unknown_repository_is_named(client, admin, connection, org):
    client.force_login(admin)
    client.post(page_url(), {"target": "acme/nope", "base_url": connection.base_url})
    page = client.post(page_url("tracker_test"), follow=True).content.decode()
    assert "GitHub has no such repository" in page


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"token": "t", "target": "not a repo"}, "target", "owner/name"),
        ({"token": "", "target": "acme/api"}, "token", "fine-grained"),
        (
            {"token": "t", "target": "acme/api", "base_url": "https://10.0.0.8/"},
            "base_url",
            "private",
        ),
    ],
)
def test_bad_input_is_a_400_naming_the_field(client, admin, org, github_api, data, field, words):
    client.force_login(admin)
    data = {"base_url": github_api.url} | data
    response = client.post(page_url(), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert words in page
    assert f'id="id_{field}"' in page and 'aria-invalid="true"' in page
    assert selectors.connection_for(org) is None


def test_only_admins_configure(client, member_factory, connection):
    manager = member_factory(Role.MANAGER, username="mia")
    client.force_login(manager)
    assert client.get(page_url()).status_code == 403
    assert client.post(page_url("tracker_test")).status_code == 403
    assert (
        client.post(
            page_url(), {"target": "acme/x", "base_url": "https://api.github.com"}
        ).status_code
        == 403
    )


def test_a_team_sends_its_items_to_its_own_repository(client, admin, org, connection, item):
    team = TeamFactory(organization=org, name="Payments")
    client.force_login(admin)
    response = client.post(
        page_url("tracker_team_target_add"), {"team": team.pk, "target": "acme/payments"}
    )
    assert response.status_code == 302
    # its postmortem has no team
    assert selectors.route_for(org, item) == (connection, "acme/api")
    PostmortemTeam.objects.create(organization=org, postmortem=item.postmortem, team=team)
    assert selectors.route_for(org, item) == (connection, "acme/payments")


def test_another_organizations_team_target_is_404(client, admin, org, other_org, connection):
    with scopes_disabled():
        theirs = TrackerConnection.objects.create(
            organization=other_org,
            kind="github",
            base_url="https://api.github.com",
            token="x",
            target="globex/api",
        )
        row = TrackerTarget.objects.create(
            organization=other_org,
            connection=theirs,
            team=TeamFactory(organization=other_org, name="Ops"),
            target="globex/ops",
        )
    client.force_login(admin)
    response = client.post(page_url("tracker_team_target_delete", target_id=row.pk))
    assert response.status_code == 404
    with scopes_disabled():
        assert TrackerTarget.objects.filter(pk=row.pk).exists()


def test_the_settings_page_runs_a_bounded_number_of_queries(
    client, admin, org, connection, django_assert_max_num_queries
):
    for index in range(10):
        team = TeamFactory(organization=org, name=f"Team {index}")
        TrackerTarget.objects.create(
            organization=org, connection=connection, team=team, target=f"acme/repo-{index}"
        )
    client.force_login(admin)
    with django_assert_max_num_queries(14):
        page = client.get(page_url()).content.decode()
    assert page.count("acme/repo-") == 10
