import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django_scopes import scope, scopes_disabled

from incidents import selectors, services, transitions
from incidents.models import EntryKind, Incident, Status, TimelineEntry
from incidents.selectors import IncidentFilters
from organizations.roles import Role

T0 = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)


def declare(org, actor=None, **kwargs):
    defaults = {"title": "Checkout errors", "severity": "SEV2", "started_at": T0}
    with scope(organization=org):
        return services.incident_declare(organization=org, actor=actor, **{**defaults, **kwargs})


def test_references_are_numbered_per_organization_and_year(org, other_org):
    first = declare(org)
    second = declare(org)
    next_year = declare(org, started_at=T0.replace(year=2027))
    elsewhere = declare(other_org)
    assert [first.ref, second.ref, next_year.ref] == [
        "INC-2026-0001",
        "INC-2026-0002",
        "INC-2027-0001",
    ]
    assert elsewhere.ref == "INC-2026-0001"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_incidents_declared_at_the_same_moment_get_different_numbers(org):
    """Two concurrent transactions: the second waits for the first's counter row lock."""
    declare(org)  # the counter row exists; both threads now race on it
    barrier = threading.Barrier(2)
    refs, errors = [], []

    def worker():
        try:
            with transaction.atomic(), scopes_disabled():
                barrier.wait(timeout=5)
                refs.append(declare(org).ref)
        except Exception as exc:  # surfaced by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert not errors
    assert sorted(refs) == ["INC-2026-0002", "INC-2026-0003"]
    assert connection.vendor == "postgresql"


def test_derived_figures_are_none_until_their_timestamps_exist(org):
    incident = declare(org, detected_at=T0 + timedelta(minutes=4))
    assert incident.time_to_detect == timedelta(minutes=4)
    assert incident.duration is None
    assert incident.time_to_acknowledge is None
    assert incident.time_to_mitigate is None
    transitions.incident_acknowledge(incident=incident, actor=None, at=T0 + timedelta(minutes=9))
    transitions.incident_mitigate(incident=incident, actor=None, at=T0 + timedelta(minutes=40))
    transitions.incident_resolve(incident=incident, actor=None, at=T0 + timedelta(hours=2))
    incident.refresh_from_db()
    assert incident.time_to_acknowledge == timedelta(minutes=5)
    assert incident.time_to_mitigate == timedelta(minutes=40)
    assert incident.duration == incident.time_to_resolve == timedelta(hours=2)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"detected_at": T0 - timedelta(minutes=1)}, "detected_at")],
)
def test_declaring_with_times_out_of_order_is_refused_with_a_field_message(org, kwargs, field):
    with pytest.raises(ValidationError) as info:
        declare(org, **kwargs)
    assert field in info.value.message_dict
    assert Incident.objects.count() == 0


def test_resolving_before_the_start_is_refused(org):
    incident = declare(org)
    with pytest.raises(ValidationError) as info:
        transitions.incident_resolve(incident=incident, actor=None, at=T0 - timedelta(hours=1))
    assert "resolved_at" in info.value.message_dict
    incident.refresh_from_db()
    assert incident.status == Status.OPEN


def test_correcting_times_afterwards_keeps_them_in_order(org):
    incident = declare(org)
    with scope(organization=org):
        services.incident_update(
            incident=incident, actor=None, started_at=T0 - timedelta(minutes=30)
        )
        with pytest.raises(ValidationError) as info:
            services.incident_update(
                incident=incident, actor=None, detected_at=T0 - timedelta(hours=2)
            )
    assert "detected_at" in info.value.message_dict
    incident.refresh_from_db()
    assert incident.started_at == T0 - timedelta(minutes=30)


def test_commander_must_be_a_member_of_the_organization(org, other_org, member_factory):
    outsider = member_factory(Role.ADMIN, organization=other_org, username="outsider")
    with pytest.raises(ValidationError) as info:
        declare(org, commander=outsider)
    assert "commander" in info.value.message_dict


def test_each_transition_records_its_time_and_a_timeline_entry(org, engineer):
    incident = declare(org, actor=engineer)
    at = T0 + timedelta(minutes=10)
    transitions.incident_acknowledge(incident=incident, actor=engineer, at=at)
    incident.refresh_from_db()
    assert incident.status == Status.ACKNOWLEDGED and incident.acknowledged_at == at
    entry = TimelineEntry.objects.filter(incident=incident).last()
    assert entry.kind == EntryKind.STATUS_CHANGE
    assert entry.description == "Incident acknowledged."
    assert entry.actor == engineer


def test_resolving_twice_is_harmless_and_emits_one_event(org, django_capture_on_commit_callbacks):
    incident = declare(org)
    with django_capture_on_commit_callbacks() as callbacks:
        transitions.incident_resolve(incident=incident, actor=None, at=T0 + timedelta(hours=1))
        transitions.incident_resolve(incident=incident, actor=None, at=T0 + timedelta(hours=3))
    incident.refresh_from_db()
    assert incident.resolved_at == T0 + timedelta(hours=1)
    assert len(callbacks) == 1
    entries = TimelineEntry.objects.filter(incident=incident, description="Incident resolved.")
    assert entries.count() == 1


def test_the_resolution_event_is_queued_only_after_commit(org, django_capture_on_commit_callbacks):
    from unittest import mock

    incident = declare(org)
    with mock.patch("incidents.tasks.incident_resolved.delay") as delay:
        with django_capture_on_commit_callbacks() as callbacks:
            transitions.incident_resolve(incident=incident, actor=None)
        assert not delay.called  # nothing leaves before the transaction commits
        for callback in callbacks:
            callback()
    delay.assert_called_once_with(incident.pk)


def test_status_never_moves_backwards(org):
    incident = declare(org)
    transitions.incident_resolve(incident=incident, actor=None, at=T0 + timedelta(hours=1))
    with pytest.raises(transitions.TransitionError, match="already resolved"):
        transitions.incident_acknowledge(incident=incident, actor=None)


def test_services_are_picked_or_created_by_name(org):
    incident = declare(org, services=["payments-api", " checkout ", "", "payments-api"])
    with scope(organization=org):
        names = selectors.service_names(organization=org)
    assert names == ["checkout", "payments-api"]
    assert incident.service_links.count() == 2


def test_link_urls_must_be_http(org):
    incident = declare(org)
    with pytest.raises(ValidationError) as info:
        services.link_add(incident=incident, type="ALERT", title="x", url="javascript:alert(1)")
    assert "url" in info.value.message_dict
    link = services.link_add(
        incident=incident, type="RELEASE", title="v1.2", url="https://git.example.com/r/1"
    )
    assert link.pk


def test_a_link_update_is_checked_as_a_new_link_and_keeps_the_rest(org):
    incident = declare(org)
    link = services.link_add(
        incident=incident, type="ALERT", title="p95", url="https://a.io/1", external_id="am:1"
    )
    for changes, field in (
        ({"url": "javascript:alert(1)"}, "url"),
        ({"type": "RELEASE"}, "type"),
        ({"external_id": "am:2"}, "external_id"),
        ({"relationship": "BLAMED"}, "relationship"),
    ):
        with pytest.raises(ValidationError) as info:
            services.link_update(link=link, **changes)
        assert field in info.value.message_dict
    services.link_update(link=link, relationship="CAUSED_BY", details="Ended: now")
    link.refresh_from_db()
    assert (link.relationship, link.details, link.url, link.title) == (
        "CAUSED_BY",
        "Ended: now",
        "https://a.io/1",
        "p95",
    )


def test_timeline_entry_needs_a_description(org):
    incident = declare(org)
    with pytest.raises(ValidationError):
        services.timeline_entry_add(incident=incident, actor=None, occurred_at=T0, description=" ")


class TestPolicy:
    def resolved(self, org, hours=0.5, **kwargs):
        incident = declare(org, **kwargs)
        transitions.incident_resolve(incident=incident, actor=None, at=T0 + timedelta(hours=hours))
        incident.refresh_from_db()
        return incident

    @pytest.mark.parametrize(
        ("kwargs", "required"),
        [
            ({"severity": "SEV1"}, True),
            ({"severity": "SEV2"}, True),
            ({"severity": "SEV3"}, False),
            ({"severity": "SEV4", "hours": 1.5}, True),
            ({"severity": "SEV4", "customer_impact": True}, True),
            ({"severity": "SEV4", "data_loss": True}, True),
            ({"severity": "SEV4", "security": True}, True),
            ({"severity": "SEV4", "near_miss": True}, False),
        ],
    )
    def test_default_policy(self, org, kwargs, required):
        incident = self.resolved(org, **kwargs)
        with scope(organization=org):
            policy = selectors.policy_for(org)
            listed = list(selectors.incidents_needing_postmortem(organization=org))
        assert selectors.policy_requires(policy, incident) is required
        assert (incident in listed) is required

    def test_open_incidents_never_require_one_yet(self, org):
        incident = declare(org, severity="SEV1")
        with scope(organization=org):
            assert not selectors.policy_requires(selectors.policy_for(org), incident)

    def test_an_incident_with_a_postmortem_leaves_the_list(self, org):
        from postmortems.models import Postmortem

        incident = self.resolved(org, severity="SEV1")
        Postmortem.objects.create(organization=org, number=1, title="PM", incident=incident)
        with scope(organization=org):
            assert list(selectors.incidents_needing_postmortem(organization=org)) == []


def test_list_filters(org):
    declare(org, title="Payments down", severity="SEV1", services=["payments"])
    declare(org, title="Search slow", severity="SEV3", services=["search"])
    with scope(organization=org):

        def titles(**kwargs):
            result = selectors.incident_list(organization=org, filters=IncidentFilters(**kwargs))
            return sorted(i.title for i in result)

        assert titles(severity="SEV1") == ["Payments down"]
        assert titles(service="search") == ["Search slow"]
        assert titles(q="payments") == ["Payments down"]
        assert titles(status="RESOLVED") == []
        assert titles(severity="BOGUS") == ["Payments down", "Search slow"]


def test_incident_by_ref_never_crosses_organizations(org, other_org):
    ours = declare(org)
    declare(other_org)
    with scope(organization=org):
        assert selectors.incident_by_ref(organization=org, ref=ours.ref) == ours
        assert selectors.incident_by_ref(organization=org, ref="INC-2026-0009") is None
        assert selectors.incident_by_ref(organization=org, ref="garbage") is None
    with scope(organization=other_org):
        theirs = Incident.objects.get(organization=other_org)
    with scope(organization=org):
        # the same reference exists in the other organization; asking ours finds ours only
        assert theirs.ref == ours.ref
        assert selectors.incident_by_ref(organization=org, ref=theirs.ref).pk == ours.pk


def test_impact_lasts_from_its_start_to_resolution_even_when_mitigated_earlier(org):
    incident = declare(org)
    transitions.incident_mitigate(incident=incident, actor=None, at=T0 + timedelta(minutes=43))
    transitions.incident_resolve(incident=incident, actor=None, at=T0 + timedelta(hours=2))
    incident.refresh_from_db()
    assert incident.duration == timedelta(hours=2)
    assert incident.time_to_mitigate == timedelta(minutes=43)
