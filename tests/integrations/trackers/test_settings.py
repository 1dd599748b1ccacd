"""Settings → Issue trackers: admins connect several trackers (GitHub, Jira Cloud, Jira Data
Center, Linear: each kind's own fields, the credential stored encrypted and never shown back),
test and reconcile each, edit one keeping its credential, remove one, and route some teams' or
services' items to another tracker or target."""

import pytest
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from incidents.models import IncidentService, Service
from integrations.trackers import connections, selectors
from integrations.trackers.models import TrackerConnection, TrackerTarget
from organizations.roles import Role
from postmortems.models import PostmortemTeam
from tests.factories import TeamFactory
from tests.integrations.trackers.jira.jira_server import Site, serve

JIRA_SITE = "http://127.0.0.1:9/jira"  # the tests allow loopback; no name is resolved
JIRA_TOKEN = "ATATT3xFfGF0-jira-token-1234"  # noqa: S105
JIRA = {
    "kind": "jira_cloud",
    "new-jira_cloud-base_url": JIRA_SITE,
    "new-jira_cloud-username": "hindsight@acme.com",
    "new-jira_cloud-token": "ATATT3xFfGF0-jira-token-1234",
    "new-jira_cloud-target": "ops",
    "new-jira_cloud-status_map": "Shipped = done\nDuplicate = won't do",
    "new-jira_cloud-field_map": '{"customfield_10010": "Platform"}',
    "new-jira_cloud-create_on_publish": "on",
}


def page_url(name: str = "settings_trackers", org_slug: str = "acme", **kwargs) -> str:
    return reverse(name, kwargs={"org_slug": org_slug, **kwargs})


def github(token: str, target: str = "acme/api", base_url: str = "", **extra) -> dict:
    data = {"kind": "github", "new-github-token": token, "new-github-target": target}
    if base_url:
        data["new-github-base_url"] = base_url
    return data | {f"new-github-{name}": value for name, value in extra.items()}


@pytest.fixture
def jira_site():
    """A Jira Cloud stand-in whose projects' create screens require the mapped fields (a
    field mapping is checked against them when saved)."""
    site = Site(
        email="hindsight@acme.com",
        token=JIRA_TOKEN,
        projects={"OPS": "Operations", "PAY": "Payments"},
        required={"OPS": {"customfield_10010": "Team"}, "PAY": {"customfield_1": "Squad"}},
    )
    server = serve(site)
    yield site
    server.shutdown()
    server.server_close()


def jira(org, admin, base_url=JIRA_SITE, **changes):
    """``org``'s Jira Cloud connection (its address is asked only to check a field mapping)."""
    with scope(organization=org):
        return connections.connection_save(
            organization=org,
            actor=admin,
            kind="jira_cloud",
            target="OPS",
            base_url=base_url,
            username="hindsight@acme.com",
            token=JIRA_TOKEN,
            **changes,
        )


def their_connection(other_org) -> TrackerConnection:
    with scopes_disabled():
        return TrackerConnection.objects.create(
            organization=other_org,
            kind="github",
            base_url="https://api.github.com",
            token="x",
            target="globex/api",
        )


# --- Connecting ----------------------------------------------------------------------------------


def test_an_admin_connects_github_and_the_token_is_never_shown(
    client, admin, org, github_api, account
):
    client.force_login(admin)
    response = client.post(page_url(), github(account.token, base_url=github_api.url))
    assert response.status_code == 302
    connection = selectors.connection_for(org)
    assert (connection.target, connection.token) == ("acme/api", account.token)
    assert connection.is_default  # the first one
    with scopes_disabled():
        stored = TrackerConnection.objects.values_list("token", flat=True).query
    assert account.token not in str(stored)
    page = client.get(page_url()).content.decode()
    assert account.token not in page and "••••••••" + account.token[-4:] in page
    assert "acme/api" in page and "Default" in page and "Not tested" in page


def test_each_kind_has_its_own_fields_in_its_own_words(client, admin):
    client.force_login(admin)
    page = client.get(page_url()).content.decode()
    for label in (
        "Fine-grained access token",
        "Site address",
        "Account email",
        "API token",
        "Base URL",
        "Personal access token",
        "API key",
        "Default team key",
        "Field mapping",
        "Status mapping",
        "Create tickets when a postmortem is published",
        "Default tracker",
    ):
        assert label in page, label
    assert 'data-shown-for="kind=jira_cloud"' in page
    assert 'value="https://api.linear.app/graphql"' in page
    assert 'value="https://api.github.com"' in page
    # only Jira has a field mapping
    assert 'id="id_new-github-field_map"' not in page and 'id="id_new-jira_dc-field_map"' in page


def test_an_admin_connects_jira_cloud_with_its_mappings(client, admin, org, jira_site):
    client.force_login(admin)
    response = client.post(page_url(), JIRA | {"new-jira_cloud-base_url": jira_site.url})
    assert response.status_code == 302, response.content.decode()
    connection = selectors.connection_for(org, "jira_cloud")
    assert connection.target == "OPS" and connection.username == "hindsight@acme.com"
    assert connection.status_map == {"shipped": "done", "duplicate": "wont_do"}
    assert connection.field_map == {"OPS": {"customfield_10010": "Platform"}}
    assert connection.create_on_publish and connection.is_default
    page = client.get(page_url()).content.decode()
    assert "Jira Cloud" in page and "hindsight@acme.com" in page
    assert "Shipped = done" in page  # the edit form shows the mapping back
    assert "Jira issues" in page  # where its webhook goes
    # Jira Cloud is connected: it is no longer offered
    assert 'value="jira_cloud"' not in page


def test_a_second_tracker_can_become_the_default(client, admin, org, connection):
    client.force_login(admin)
    data = {
        "kind": "linear",
        "new-linear-token": "lin_api_0123456789abcdef",
        "new-linear-target": "eng",
        "new-linear-base_url": "http://127.0.0.1:9/graphql",
        "new-linear-is_default": "on",
    }
    assert client.post(page_url(), data).status_code == 302
    linear = selectors.connection_for(org, "linear")
    connection.refresh_from_db()
    assert linear.is_default and not connection.is_default and linear.target == "ENG"
    assert selectors.default_connection(org) == linear


def test_editing_keeps_the_stored_credential(client, admin, org, connection, account):
    client.force_login(admin)
    response = client.post(
        page_url("tracker_edit", connection_id=connection.pk),
        {
            "github-token": "",
            "github-target": "acme/payments",
            "github-base_url": connection.base_url,
            "github-status_map": "Triaged = open",
            "github-is_default": "on",
        },
    )
    assert response.status_code == 302
    connection.refresh_from_db()
    assert connection.token == account.token and connection.target == "acme/payments"
    assert connection.status_map == {"triaged": "open"}


def test_editing_jira_keeps_the_other_projects_field_mappings(client, admin, org, jira_site):
    connection = jira(org, admin, jira_site.url, field_map={"PAY": {"customfield_1": "x"}})
    client.force_login(admin)
    response = client.post(
        page_url("tracker_edit", connection_id=connection.pk),
        {
            "jira_cloud-base_url": jira_site.url,
            "jira_cloud-username": "hindsight@acme.com",
            "jira_cloud-target": "OPS",
            "jira_cloud-field_map": '{"customfield_10010": {"value": "Platform"}}',
        },
    )
    assert response.status_code == 302
    connection.refresh_from_db()
    assert connection.field_map == {
        "PAY": {"customfield_1": "x"},
        "OPS": {"customfield_10010": {"value": "Platform"}},
    }
    assert connection.token == JIRA_TOKEN


# --- Bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        (github("t", target="not a repo"), "new-github-target", "owner/name"),
        (github(""), "new-github-token", "fine-grained"),
        (github("t", base_url="https://10.0.0.8/"), "new-github-base_url", "private"),
        (github("t", status_map="Done = finished"), "new-github-status_map", "Line 1"),
        (JIRA | {"new-jira_cloud-field_map": "{x: 1"}, "new-jira_cloud-field_map", "JSON"),
        (JIRA | {"new-jira_cloud-field_map": "[1]"}, "new-jira_cloud-field_map", "JSON object"),
        (JIRA | {"new-jira_cloud-username": "ops"}, "new-jira_cloud-username", "email"),
        (JIRA | {"new-jira_cloud-base_url": ""}, "new-jira_cloud-base_url", "required"),
        (JIRA | {"new-jira_cloud-target": "ops team"}, "new-jira_cloud-target", "in capitals"),
        ({"kind": "redmine"}, "kind_0", "not connected yet"),
        ({}, "kind_0", "Choose GitHub, Jira Cloud"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(client, admin, org, github_api, data, field, words):
    client.force_login(admin)
    if data.get("kind") == "github":
        data = {"new-github-base_url": github_api.url} | data
    response = client.post(page_url(), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert words in page
    assert f'id="id_{field}"' in page and "Nothing was saved" in page
    if field != "kind_0":
        assert f'aria-invalid="true" aria-describedby="id_{field}_error' in page or (
            f'id="id_{field}_error"' in page
        )
    assert selectors.connections_of(org) == []


def test_a_kind_already_connected_is_not_added_again(client, admin, org, connection):
    client.force_login(admin)
    response = client.post(page_url(), github("other", target="acme/payments"))
    assert response.status_code == 400
    assert "not connected yet" in response.content.decode()
    connection.refresh_from_db()
    assert connection.target == "acme/api"


def test_a_refused_edit_shows_its_form_open_and_saves_nothing(client, admin, connection):
    client.force_login(admin)
    response = client.post(
        page_url("tracker_edit", connection_id=connection.pk),
        {"github-target": "acme/api", "github-base_url": "ftp://x", "github-status_map": "x"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_github-status_map_error"' in page and "Line 1" in page
    assert '<details class="disclosure" open>' in page
    connection.refresh_from_db()
    assert connection.status_map == {}


# --- Test, reconcile, remove -----------------------------------------------------------------


def test_test_connection_says_what_it_found(client, admin, connection, account):
    client.force_login(admin)
    response = client.post(page_url("tracker_test", connection_id=connection.pk), follow=True)
    page = response.content.decode()
    assert "Connected: found acme/api" in page and "Working" in page
    assert account.requests[-1]["path"] == "/repos/acme/api"
    assert account.requests[-1]["headers"]["Authorization"].endswith(f" {account.token}")


def test_a_refused_token_is_named(client, admin, connection, account):
    account.token = "github_pat_revoked"
    client.force_login(admin)
    url = page_url("tracker_test", connection_id=connection.pk)
    page = client.post(url, follow=True).content.decode()
    assert "GitHub refused the token (401)" in page and "Not working" in page
    connection.refresh_from_db()
    assert not connection.check_ok


def test_an_unknown_repository_is_named(client, admin, connection):
    client.force_login(admin)
    client.post(
        page_url("tracker_edit", connection_id=connection.pk),
        {"github-target": "acme/nope", "github-base_url": connection.base_url},
    )
    url = page_url("tracker_test", connection_id=connection.pk)
    page = client.post(url, follow=True).content.decode()
    assert "GitHub has no such repository" in page


def test_reconcile_now_reads_the_linked_tickets(
    client, admin, connection, linked, account, django_capture_on_commit_callbacks
):
    client.force_login(admin)
    before = len(account.requests)
    url = page_url("tracker_reconcile", connection_id=connection.pk)
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(url, follow=True).content.decode()
    assert "Reading every linked ticket from GitHub" in page
    assert len(account.requests) > before


def test_removing_a_tracker_passes_the_default_on(client, admin, org, connection):
    other = jira(org, admin)
    client.force_login(admin)
    response = client.post(page_url("tracker_delete", connection_id=connection.pk), follow=True)
    assert "GitHub Issues disconnected" in response.content.decode()
    assert selectors.connections_of(org) == [other]
    other.refresh_from_db()
    assert other.is_default


def test_the_remove_button_asks_first(client, admin, connection):
    client.force_login(admin)
    page = client.get(page_url()).content.decode()
    assert '<details class="trk-remove">' in page
    assert "Disconnect GitHub Issues? Items keep their tickets' addresses" in page
    assert client.get(page_url("tracker_delete", connection_id=connection.pk)).status_code == 405


# --- Who may -------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.MANAGER, Role.ENGINEER, Role.VIEWER])
def test_only_admins_configure(client, admin, member_factory, connection, org, role):
    team = TeamFactory(organization=org, name="Payments")
    service = Service.objects.create(organization=org, name="checkout")
    route = connections.route_save(connection=connection, actor=admin, team=team, target="acme/pay")
    client.force_login(member_factory(role, username="someone"))
    assert client.get(page_url()).status_code == 403
    for name in ("tracker_edit", "tracker_test", "tracker_reconcile", "tracker_delete"):
        url = page_url(name, connection_id=connection.pk)
        assert client.post(url, {"github-target": "acme/x"}).status_code == 403, name
    assert client.post(page_url(), github("t", target="acme/x")).status_code == 403
    for chosen in ({"team": team.pk}, {"service": service.pk}):
        data = chosen | {"connection": connection.pk, "target": "acme/payments"}
        assert client.post(page_url("tracker_route_add"), data).status_code == 403
    url = page_url("tracker_route_delete", target_id=route.pk)
    assert client.post(url).status_code == 403
    connection.refresh_from_db()
    assert connection.target == "acme/api" and selectors.routes_of(connection) == [route]


def test_another_organizations_connection_is_404(client, admin, other_org, connection):
    theirs = their_connection(other_org)
    client.force_login(admin)
    for name in ("tracker_edit", "tracker_test", "tracker_reconcile", "tracker_delete"):
        url = page_url(name, connection_id=theirs.pk)
        assert client.post(url, {"github-target": "acme/x"}).status_code == 404, name
    with scopes_disabled():
        theirs.refresh_from_db()
        assert theirs.target == "globex/api" and theirs.checked_at is None


# --- Routes by team or service -------------------------------------------------------------------


def test_a_team_sends_its_items_to_another_tracker(client, admin, org, connection, item):
    team = TeamFactory(organization=org, name="Payments")
    other = jira(org, admin)
    client.force_login(admin)
    response = client.post(
        page_url("tracker_route_add"),
        {"team": team.pk, "connection": other.pk, "target": "pay"},
    )
    assert response.status_code == 302
    # its postmortem has no team
    assert selectors.route_for(org, item) == (connection, "acme/api")
    PostmortemTeam.objects.create(organization=org, postmortem=item.postmortem, team=team)
    assert selectors.route_for(org, item) == (other, "PAY")
    page = client.get(page_url()).content.decode()
    assert "Payments" in page and "<code>PAY</code>" in page


def test_a_service_sends_its_items_to_another_tracker(client, admin, org, connection, item):
    other = jira(org, admin)
    checkout = Service.objects.create(organization=org, name="checkout")
    client.force_login(admin)
    page = client.get(page_url()).content.decode()
    assert "Routes by team or service" in page and 'name="service"' in page
    response = client.post(
        page_url("tracker_route_add"),
        {"service": checkout.pk, "connection": other.pk, "target": "chk"},
    )
    assert response.status_code == 302 and response["Location"].endswith("#routes")
    # its incident is not on the service
    assert selectors.route_for(org, item) == (connection, "acme/api")
    IncidentService.objects.create(
        organization=org, incident=item.postmortem.incident, service=checkout
    )
    assert selectors.route_for(org, item) == (other, "CHK")
    page = client.get(page_url()).content.decode()
    card = page.split('id="tracker-jira_cloud"')[1].split("</section>")[0]
    assert 'Service</span> <span class="trk-routes__team">checkout</span>' in card
    assert "<td>Service</td><td>checkout</td><td>Jira Cloud</td><td><code>CHK</code></td>" in page

    (route,) = selectors.routes_of(other)
    response = client.post(page_url("tracker_route_delete", target_id=route.pk), follow=True)
    assert "The route of service checkout is removed." in response.content.decode()
    assert selectors.routes_of(other) == []
    assert selectors.route_for(org, item) == (connection, "acme/api")


def test_the_page_lists_each_route_with_its_kind(client, admin, org, connection):
    team = TeamFactory(organization=org, name="Payments")
    checkout = Service.objects.create(organization=org, name="checkout")
    connections.route_save(connection=connection, actor=admin, team=team, target="acme/payments")
    connections.route_save(
        connection=connection, actor=admin, service=checkout, target="acme/checkout"
    )
    client.force_login(admin)
    page = client.get(page_url()).content.decode()
    rows = page.split("<tbody>")[1].split("</tbody>")[0]
    assert rows.index("<td>Team</td><td>Payments</td>") < rows.index(
        "<td>Service</td><td>checkout</td>"
    )
    assert "and 2 routes" in page
    for name in ("team Payments", "service checkout"):
        assert page.count(f'aria-label="Remove the route of {name}"') == 2  # card and list


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"target": "acme/payments"}, "team", "Choose a team or a service."),
        ({"team": "T", "service": "S", "target": "acme/x"}, "service", "not both"),
        ({"service": 999999, "target": "acme/x"}, "service", "valid choice"),
        ({"team": 999999, "target": "acme/x"}, "team", "valid choice"),
        ({"service": "S", "target": "not a repo"}, "target", "owner/name"),
        ({"team": "T", "connection": 999999, "target": "acme/x"}, "connection", "valid choice"),
    ],
)
def test_a_bad_route_is_a_400_naming_the_field(client, admin, org, connection, data, field, words):
    team = TeamFactory(organization=org, name="Payments")
    service = Service.objects.create(organization=org, name="checkout")
    chosen = {"T": team.pk, "S": service.pk}
    data = {"connection": connection.pk} | {
        name: chosen.get(value, value) for name, value in data.items()
    }
    client.force_login(admin)
    response = client.post(page_url("tracker_route_add"), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert words in page and f'id="id_{field}_error"' in page
    assert "Nothing was saved." in page
    assert selectors.routes_of(connection) == []


def test_another_organizations_team_service_or_route_is_refused(
    client, admin, org, other_org, connection
):
    theirs = their_connection(other_org)
    with scopes_disabled():
        foreign_team = TeamFactory(organization=other_org, name="Ops")
        foreign_service = Service.objects.create(organization=other_org, name="checkout")
        rows = [
            TrackerTarget.objects.create(
                organization=other_org, connection=theirs, team=foreign_team, target="globex/ops"
            ),
            TrackerTarget.objects.create(
                organization=other_org,
                connection=theirs,
                service=foreign_service,
                target="globex/checkout",
            ),
        ]
    client.force_login(admin)
    for row in rows:
        response = client.post(page_url("tracker_route_delete", target_id=row.pk))
        assert response.status_code == 404
    for field, chosen in (("team", foreign_team), ("service", foreign_service)):
        response = client.post(
            page_url("tracker_route_add"),
            {field: chosen.pk, "connection": connection.pk, "target": "acme/x"},
        )
        assert response.status_code == 400
        assert f'id="id_{field}_error"' in response.content.decode()
    with scopes_disabled():
        assert TrackerTarget.objects.count() == 2


def test_the_settings_page_runs_a_bounded_number_of_queries(
    client, admin, org, connection, count_queries
):
    client.force_login(admin)
    client.get(page_url())
    few = count_queries(lambda: client.get(page_url()))
    other = jira(org, admin)
    other.field_map = {"OPS": {"customfield_1": "x"}}
    other.save()
    for index in range(10):
        owner = (
            {"team": TeamFactory(organization=org, name=f"Team {index}")}
            if index < 5
            else {"service": Service.objects.create(organization=org, name=f"service-{index}")}
        )
        TrackerTarget.objects.create(
            organization=org,
            connection=connection if index % 2 else other,
            target=f"acme/repo-{index}" if index % 2 else f"P{index}",
            **owner,
        )
    many = count_queries(lambda: client.get(page_url()))
    page = client.get(page_url()).content.decode()
    # each route on its tracker's card and in the list of routes
    assert page.count("acme/repo-") == 10 and "customfield_1" in page  # Jira's edit form
    assert page.count("<td>Service</td>") == 5 and page.count("<td>Team</td>") == 5
    assert many <= few + 1 and many <= 14


def test_the_card_counts_the_items_that_fail_to_sync(client, admin, connection, linked):
    linked.last_error = "GitHub refused the token (401)."
    linked.save()
    client.force_login(admin)
    page = client.get(page_url()).content.decode()
    assert "1 failing" in page and "1 item does not sync" in page
