"""The API isolation sweep: every route of the ``api`` namespace, aimed at another organization.

The organization of an API request comes from its token. Each API route is sent a valid token
of the user's own organization and URL parameters filled with another organization's real
objects: it must answer 404 and change nothing, whatever the method. Routes without object
parameters (the list, the schema, the docs) must never show the other organization's data. A
new API route is swept without anyone remembering to; one whose parameter the sweep cannot fill
fails until a filler is added to ``FOREIGN_OBJECT_FILLERS``.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from django.urls import reverse
from django_scopes import scope
from rest_framework.test import APIClient

from actionitems.models import ActionItem
from incidents.models import Incident, IncidentLink
from organizations.models import Organization
from organizations.roles import Role
from organizations.services import api_token_create
from postmortems.models import Postmortem
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from tests.incidents.helpers import declare
from tests.test_isolation_sweep import Route, all_routes, database_fingerprint

API_NAMESPACE = "api"
FOREIGN_NAME = "Foreign Holdings"
FOREIGN_TITLE = "Foreign secret outage"
FOREIGN_MARKERS = (
    FOREIGN_NAME,
    FOREIGN_TITLE,
    "Foreign warm-up",
    "Foreign alert",
    "Foreign review",
    "Foreign follow-through",
)
METHODS = ("get", "head", "options", "post", "put", "patch", "delete")


@dataclass
class ApiWorld:
    """The user's own organization (and a token for it) and a foreign organization, of which
    the user is also an admin, with real objects in it."""

    home: Organization
    foreign: Organization
    home_incident: Incident
    foreign_incident: Incident
    client: APIClient
    home_postmortem: Postmortem
    foreign_postmortem: Postmortem
    home_item: ActionItem
    foreign_item: ActionItem


# How to fill each API URL parameter with the foreign organization's real objects.
# Issues that add API object URLs add their parameter here.
FOREIGN_OBJECT_FILLERS = {
    "ref": lambda world: world.foreign_incident.ref,
    "number": lambda world: world.foreign_postmortem.number,
    "id": lambda world: world.foreign_item.number,
    "fmt": lambda world: "json",
}
HOME_OBJECT_FILLERS = {
    "ref": lambda world: world.home_incident.ref,
    "number": lambda world: world.home_postmortem.number,
    "id": lambda world: world.home_item.number,
    "fmt": lambda world: "json",
}

# Bodies a route would accept, so that a route which failed to refuse would really write.
VALID_BODIES = {
    "incident_detail": {"title": "Taken over", "severity": "SEV4"},
    "incident_timeline": {"occurred_at": "2026-03-10T15:00:00Z", "description": "Taken over"},
    "incident_links": {"type": "ALERT", "title": "Taken over", "url": "https://x.example.com"},
    "incident_resolve": {},
    "postmortem_detail": {"version": 1, "title": "Taken over"},
    "postmortem_submit": {"reviewers": ["sweeper"]},
    "postmortem_withdraw": {},
    "postmortem_reviews": {"decision": "approve", "comment": "Taken over"},
    "postmortem_archive": {},
    "postmortem_unarchive": {},
    "postmortem_action_items": {"description": "Taken over", "owner": "sweeper"},
    "action_item_detail": {"description": "Taken over", "status": "COMPLETED"},
}


def api_routes() -> list[Route]:
    return [route for route in all_routes() if API_NAMESPACE in route.namespaces]


def object_routes() -> list[Route]:
    return [route for route in api_routes() if route.params]


def plain_routes() -> list[Route]:
    return [route for route in api_routes() if not route.params]


def api_url(route: Route, fillers: dict, world: ApiWorld) -> str:
    name = ":".join((*route.namespaces, route.name))
    return reverse(name, kwargs={param: fillers[param](world) for param in route.params})


@pytest.fixture
def world(db) -> ApiWorld:
    home = OrganizationFactory(slug="home-org", name="Home Org")
    foreign = OrganizationFactory(slug="foreign-org", name=FOREIGN_NAME)
    user = UserFactory(username="sweeper")
    MembershipFactory(user=user, organization=home, role=Role.ADMIN)
    MembershipFactory(user=user, organization=foreign, role=Role.ADMIN)
    home_incident = declare(home, user, title="Home outage")
    for title in ("Foreign warm-up", "Foreign follow-up"):
        declare(foreign, user, title=title)
    foreign_incident = declare(foreign, user, title=FOREIGN_TITLE, services=["foreign-svc"])
    IncidentLink.objects.create(
        organization=foreign,
        incident=foreign_incident,
        type="ALERT",
        title="Foreign alert",
        url="https://alerts.example.com/foreign",
        occurred_at=datetime(2026, 3, 10, 14, tzinfo=UTC),
    )
    foreign_postmortem = Postmortem.objects.create(
        organization=foreign, number=1, title="Foreign review", incident=foreign_incident
    )
    home_postmortem = Postmortem.objects.create(  # number 2: the foreign number 1 is not at home
        organization=home, number=2, title="Home review", incident=home_incident
    )
    # Numbered apart, like the postmortems: the foreign item's number 1 is not at home.
    foreign_item = ActionItem.objects.create(
        organization=foreign,
        number=1,
        postmortem=foreign_postmortem,
        description="Foreign follow-through: rotate the keys",
        owner=user,
    )
    home_item = ActionItem.objects.create(
        organization=home, number=2, postmortem=home_postmortem, description="Home follow-up"
    )
    _, plain = api_token_create(organization=home, user=user, name="sweep")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {plain}")
    assert client.get(reverse("api:incident_list")).status_code == 200  # records last use now
    return ApiWorld(
        home,
        foreign,
        home_incident,
        foreign_incident,
        client,
        home_postmortem,
        foreign_postmortem,
        home_item,
        foreign_item,
    )


def test_the_sweep_covers_the_incident_api():
    names = {route.name for route in api_routes()}
    assert {"incident_list", "incident_detail", "incident_resolve", "schema", "docs"} <= names
    assert {"postmortem_list", "postmortem_detail"} <= names
    assert {
        "postmortem_submit",
        "postmortem_withdraw",
        "postmortem_reviews",
        "postmortem_archive",
        "postmortem_unarchive",
    } <= names
    assert {"postmortem_action_items", "action_item_list", "action_item_detail"} <= names


def test_every_api_route_parameter_has_a_sweep_filler():
    unknown = [
        f"{route.name}: no sweep filler for {sorted(set(route.params) - set(fillers))}"
        for route in api_routes()
        for fillers in (FOREIGN_OBJECT_FILLERS, HOME_OBJECT_FILLERS)
        if set(route.params) - set(fillers)
    ]
    assert not unknown, "API routes the isolation sweep cannot fill:\n" + "\n".join(unknown)


def test_foreign_incident_reference_does_not_exist_at_home(world):
    with scope(organization=world.home):
        assert not Incident.objects.filter(
            organization=world.home,
            year=world.foreign_incident.year,
            number=world.foreign_incident.number,
        ).exists()


@pytest.mark.parametrize("route", object_routes(), ids=lambda r: r.name)
def test_api_route_answers_404_for_another_organizations_objects(route, world):
    url = api_url(route, FOREIGN_OBJECT_FILLERS, world)
    before = database_fingerprint()
    for method in METHODS:
        for body in ({}, VALID_BODIES.get(route.name, {})):
            response = getattr(world.client, method)(url, body, format="json")
            assert response.status_code == 404, (
                f"{method.upper()} {url} with {body} answered {response.status_code}, not 404"
            )
            assert_no_foreign_data(response.content)
    assert database_fingerprint() == before, f"{route.name}: a refused request changed data"


@pytest.mark.parametrize("route", object_routes(), ids=lambda r: r.name)
def test_api_route_is_reachable_for_the_users_own_objects(route, world):
    """The sweep's 404s mean something only if the same route works at home."""
    response = world.client.get(api_url(route, HOME_OBJECT_FILLERS, world))
    assert response.status_code in (200, 405)


@pytest.mark.parametrize("route", plain_routes(), ids=lambda r: r.name)
def test_api_route_without_objects_never_shows_another_organizations_data(route, world):
    url = api_url(route, {}, world)
    for query in ({}, {"q": "Foreign"}, {"service": "foreign-svc"}, {"script": ""}):
        response = world.client.get(url, query)
        assert response.status_code == 200, f"GET {url} {query}: {response.status_code}"
        assert_no_foreign_data(response.content)


def assert_no_foreign_data(content: bytes) -> None:
    shown = [marker for marker in FOREIGN_MARKERS if marker.encode() in content]
    assert not shown, f"another organization's data in the response: {shown}"
