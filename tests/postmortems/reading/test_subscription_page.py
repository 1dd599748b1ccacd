"""The member's digest subscription page, beside their email settings."""

import pytest
from django_scopes import scopes_disabled

from incidents.models import Service
from organizations.roles import Role
from postmortems.models import DigestSubscription
from tests.factories import TeamFactory
from tests.postmortems.reading.helpers import url


@pytest.fixture
def choices(org, other_org):
    with scopes_disabled():
        return {
            "team": TeamFactory(organization=org, name="Payments"),
            "service": Service.objects.create(organization=org, name="checkout"),
            "their_team": TeamFactory(organization=other_org, name="Globex team"),
        }


def subscription(user):
    with scopes_disabled():
        return DigestSubscription.objects.filter(user=user).first()


@pytest.mark.parametrize("role", [Role.VIEWER, Role.ENGINEER, Role.ADMIN])
def test_any_member_subscribes_with_filters(client, org, member_factory, choices, role):
    user = member_factory(role, username="sub")
    client.force_login(user)
    page = url("digest_subscription", org)
    html = client.get(page).content.decode()
    assert "Payments" in html and "checkout" in html and "SEV1" in html
    assert "Globex team" not in html
    assert "Not subscribed" in html

    response = client.post(
        page,
        {
            "teams": [choices["team"].pk],
            "services": [choices["service"].pk],
            "severities": ["SEV1", "SEV2"],
        },
    )

    assert response.status_code == 302
    saved = subscription(user)
    assert saved.team_ids == [choices["team"].pk]
    assert saved.service_ids == [choices["service"].pk]
    assert saved.severities == ["SEV1", "SEV2"]
    assert "✓ Subscribed" in client.get(page).content.decode()


def test_nothing_chosen_means_everything(client, org, viewer):
    client.force_login(viewer)
    client.post(url("digest_subscription", org), {})
    saved = subscription(viewer)
    assert saved is not None and not saved.is_filtered


def test_unsubscribe(client, org, viewer):
    client.force_login(viewer)
    client.post(url("digest_subscription", org), {"severities": ["SEV1"]})
    client.post(url("digest_subscription", org), {"action": "unsubscribe"})
    assert subscription(viewer) is None


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"teams": ["not-a-number"]}, "teams"),
        ({"services": ["999999"]}, "services"),
        ({"severities": ["SEV9"]}, "severities"),
        ("their_team", "teams"),  # another organization's team does not exist here
    ],
)
def test_bad_input_is_a_400_naming_the_field(client, org, viewer, choices, data, field):
    if data == "their_team":
        data = {"teams": [choices["their_team"].pk]}
    client.force_login(viewer)
    response = client.post(url("digest_subscription", org), data)
    assert response.status_code == 400
    assert f'id="{field}-errors"' in response.content.decode()
    assert subscription(viewer) is None


def test_the_email_settings_link_to_the_digest(client, org, viewer):
    client.force_login(viewer)
    html = client.get(url("notification_settings", org)).content.decode()
    assert url("digest_subscription", org) in html


def test_a_non_member_gets_a_404(client, org, other_org, member_factory):
    client.force_login(member_factory(Role.ADMIN, organization=other_org, username="glo"))
    assert client.get(url("digest_subscription", org)).status_code == 404


def test_the_page_runs_a_bounded_number_of_queries(client, org, viewer, count_queries):
    client.force_login(viewer)
    page = url("digest_subscription", org)
    few = count_queries(lambda: client.get(page))
    with scopes_disabled():
        for n in range(30):
            TeamFactory(organization=org, name=f"Team {n}")
            Service.objects.create(organization=org, name=f"service-{n}")
    client.post(page, {"severities": ["SEV1"]})
    assert count_queries(lambda: client.get(page)) <= few + 1  # the subscription now exists
