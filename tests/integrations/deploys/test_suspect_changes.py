"""The incident page's "Suspect changes": releases of the incident's services in the 24 hours
before impact began, newest first, linked; nothing later, older, of other services or of
another organization."""

from datetime import timedelta

from django_scopes import scope, scopes_disabled

from incidents.models import Service
from integrations.deploys.models import Release, ReleaseSource
from organizations.roles import Role
from tests.incidents.page_helpers import url
from tests.integrations.deploys.conftest import github_payload, release_before


def test_releases_before_impact_are_listed_newest_first(client, engineer, incident, services):
    client.force_login(engineer)
    _, checkout = services
    release_before(incident.organization, checkout, "v41", timedelta(hours=20))
    release_before(
        incident.organization, checkout, "v42", timedelta(minutes=10), "https://ci.example/42"
    )
    html = client.get(url("incident_detail", incident)).content.decode()
    assert "Suspect changes" in html
    assert html.index(">v42</a>") < html.index("v41")
    assert '<a href="https://ci.example/42"' in html
    assert "10\xa0minutes before impact" in html


def test_later_older_and_other_services_releases_are_not_suspects(
    client, engineer, incident, services, other_org
):
    client.force_login(engineer)
    hello, checkout = services
    release_before(incident.organization, checkout, "v-after", -timedelta(minutes=5))
    release_before(incident.organization, checkout, "v-old", timedelta(hours=25))
    release_before(incident.organization, hello, "v-other-service", timedelta(minutes=5))
    with scopes_disabled():
        theirs = Service.objects.create(organization=other_org, name="checkout")
        release_before(other_org, theirs, "v-other-org", timedelta(minutes=5))
    html = client.get(url("incident_detail", incident)).content.decode()
    assert "Suspect changes" not in html
    for version in ("v-after", "v-old", "v-other-service", "v-other-org"):
        assert version not in html


def test_a_viewer_sees_them_and_a_non_member_gets_404(
    client, member_factory, incident, services, other_org
):
    release_before(incident.organization, services[1], "v42", timedelta(minutes=10))
    client.force_login(member_factory(Role.VIEWER))
    assert "v42" in client.get(url("incident_detail", incident)).content.decode()
    client.force_login(member_factory(Role.ADMIN, organization=other_org))
    assert client.get(url("incident_detail", incident)).status_code == 404


def test_the_panel_costs_the_same_queries_for_1_or_30_releases(
    client, engineer, incident, services, count_queries
):
    client.force_login(engineer)
    page = url("incident_detail", incident)
    release_before(incident.organization, services[1], "v0", timedelta(minutes=1))
    few = count_queries(lambda: client.get(page))
    for n in range(1, 30):
        release_before(incident.organization, services[1], f"v{n}", timedelta(minutes=n + 1))
    assert count_queries(lambda: client.get(page)) == few


def test_a_release_posted_by_github_becomes_a_suspect(
    client, engineer, incident, github_endpoint, github
):
    hook, secret = github_endpoint
    payload = github_payload(minutes_ago=90, payload={"service": "checkout"})
    github(hook, payload, secret=secret)
    client.force_login(engineer)
    assert "master (f95f852)" in client.get(url("incident_detail", incident)).content.decode()
    with scope(organization=incident.organization):
        assert Release.objects.get().source == ReleaseSource.GITHUB
