"""Where a postmortem's items go: a route of one of its teams, else a route of one of its
incident's services, else the default connection's target; a route is saved for a team or a
service of the organization only, its target checked for its tracker, and audited."""

import pytest
from django.core.exceptions import ValidationError
from django_scopes import scope, scopes_disabled

from incidents.models import IncidentService, Service
from integrations.trackers import connections, selectors
from integrations.trackers.models import TrackerConnection, TrackerTarget
from organizations.models import AuditEntry
from postmortems.models import Postmortem, PostmortemTeam
from tests.factories import TeamFactory


@pytest.fixture
def jira(org):
    """A second tracker, not the default."""
    with scope(organization=org):
        return TrackerConnection.objects.create(
            organization=org,
            kind="jira_cloud",
            base_url="https://acme.atlassian.net",
            username="ops@example.com",
            token="secret",
            target="OPS",
        )


def on_incident(org, postmortem, name: str) -> Service:
    """A service ``postmortem``'s incident happened on."""
    service = Service.objects.create(organization=org, name=name)
    IncidentService.objects.create(organization=org, incident=postmortem.incident, service=service)
    return service


def of_team(org, postmortem, name: str):
    team = TeamFactory(organization=org, name=name)
    PostmortemTeam.objects.create(organization=org, postmortem=postmortem, team=team)
    return team


def test_a_team_route_beats_a_service_route_which_beats_the_default(
    org, admin, item, connection, jira
):
    postmortem = item.postmortem
    with scope(organization=org):
        assert selectors.route_for(org, item) == (connection, "acme/api")
        checkout = on_incident(org, postmortem, "checkout")
        connections.route_save(connection=jira, actor=admin, service=checkout, target="chk")
        assert selectors.route_for(org, item) == (jira, "CHK")
        payments = of_team(org, postmortem, "Payments")
        connections.route_save(
            connection=connection, actor=admin, team=payments, target="acme/payments"
        )
        assert selectors.route_for(org, item) == (connection, "acme/payments")
        assert selectors.ticket_tracker(organization=org, postmortem=postmortem) == (
            "GitHub acme/payments"
        )
        connections.route_delete(row=TrackerTarget.objects.get(team=payments), actor=admin)
        assert selectors.route_for(org, item) == (jira, "CHK")
        assert selectors.ticket_tracker(organization=org, postmortem=postmortem) == "Jira CHK"


def test_the_first_team_or_service_by_name_wins(org, admin, item, connection, jira):
    postmortem = item.postmortem
    with scope(organization=org):
        for name, target in (("search", "acme/search"), ("billing", "acme/billing")):
            service = on_incident(org, postmortem, name)
            connections.route_save(
                connection=connection, actor=admin, service=service, target=target
            )
        assert selectors.route_for(org, item) == (connection, "acme/billing")
        for name, target in (("Web", "WEB"), ("Core", "CORE")):
            connections.route_save(
                connection=jira, actor=admin, team=of_team(org, postmortem, name), target=target
            )
        assert selectors.route_for(org, item) == (jira, "CORE")


def test_a_service_route_of_another_incident_or_of_no_incident_is_ignored(
    org, admin, item, connection, jira
):
    postmortem = item.postmortem
    with scope(organization=org):
        elsewhere = Service.objects.create(organization=org, name="search")  # not this incident's
        connections.route_save(connection=jira, actor=admin, service=elsewhere, target="srch")
        assert selectors.route_for(org, item) == (connection, "acme/api")
        checkout = on_incident(org, postmortem, "checkout")
        connections.route_save(connection=jira, actor=admin, service=checkout, target="chk")
        Postmortem.objects.filter(pk=postmortem.pk).update(incident=None)
        postmortem.refresh_from_db()
        assert selectors.route_of_postmortem(org, postmortem) == (connection, "acme/api")


def test_the_route_is_found_in_one_query_however_many_routes(
    org, admin, item, connection, jira, count_queries
):
    postmortem = item.postmortem
    with scope(organization=org):
        checkout = on_incident(org, postmortem, "checkout")
        connections.route_save(connection=jira, actor=admin, service=checkout, target="chk")
        one = count_queries(lambda: selectors.route_of_postmortem(org, postmortem))
        for index in range(5):
            team = of_team(org, postmortem, f"Team {index}")
            service = on_incident(org, postmortem, f"service-{index}")
            connections.route_save(connection=jira, actor=admin, team=team, target=f"T{index}")
            connections.route_save(
                connection=jira, actor=admin, service=service, target=f"S{index}"
            )
        many = count_queries(lambda: selectors.route_of_postmortem(org, postmortem))
        assert selectors.route_of_postmortem(org, postmortem) == (jira, "T0")
        assert one == many == 1
        TrackerTarget.objects.all().delete()
        # no route: the same query finds the default
        assert count_queries(lambda: selectors.route_of_postmortem(org, postmortem)) == 1
        assert selectors.route_of_postmortem(org, postmortem) == (connection, connection.target)


def test_a_service_has_one_route_and_saving_is_audited(org, admin, connection, jira):
    with scope(organization=org):
        checkout = Service.objects.create(organization=org, name="checkout")
        connections.route_save(connection=jira, actor=admin, service=checkout, target="chk")
        row = connections.route_save(
            connection=connection, actor=admin, service=checkout, target="acme/checkout"
        )
        assert list(TrackerTarget.objects.values_list("service__name", "target")) == [
            ("checkout", "acme/checkout")
        ]
        assert (row.kind, row.name, row.connection) == ("Service", "checkout", connection)
        connections.route_delete(row=row, actor=admin)
        assert not TrackerTarget.objects.exists()
        audit = list(
            AuditEntry.objects.filter(action__startswith="integration.tracker_target")
            .order_by("pk")
            .values_list("action", "target")
        )
    assert audit == [
        ("integration.tracker_target_saved", "Service checkout → Jira Cloud CHK"),
        ("integration.tracker_target_saved", "Service checkout → GitHub Issues acme/checkout"),
        ("integration.tracker_target_removed", "Service checkout"),
    ]


@pytest.mark.parametrize(
    ("choice", "target", "field", "words"),
    [
        ("none", "OPS", "team", "Choose a team or a service."),
        ("both", "OPS", "service", "not both"),
        ("theirs", "OPS", "service", "this organization's services"),
        ("their team", "OPS", "team", "this organization's teams"),
        ("service", "acme/checkout", "target", "project's key"),  # a repository for Jira
    ],
)
def test_a_bad_route_names_its_field(org, other_org, admin, jira, choice, target, field, words):
    with scopes_disabled():
        team = TeamFactory(organization=org, name="Payments")
        ours = Service.objects.create(organization=org, name="checkout")
        theirs = Service.objects.create(organization=other_org, name="checkout")
        their_team = TeamFactory(organization=other_org, name="Ops")
    chosen = {
        "none": {},
        "both": {"team": team, "service": ours},
        "theirs": {"service": theirs},
        "their team": {"team": their_team},
        "service": {"service": ours},
    }[choice]
    with scope(organization=org), pytest.raises(ValidationError) as raised:
        connections.route_save(connection=jira, actor=admin, target=target, **chosen)
    assert words in " ".join(raised.value.message_dict[field])
    with scopes_disabled():
        assert not TrackerTarget.objects.exists()
