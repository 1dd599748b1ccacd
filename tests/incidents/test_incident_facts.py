"""The incident's recorded facts stay true: times in order wherever they are set, automatic
timeline entries that follow the incident's fields, severity changes on the timeline, and a
quick declaration that records when it happened."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from incidents import services, transitions
from incidents.models import EntryKind, Incident, Status, TimelineEntry

T0 = datetime(2026, 3, 10, 9, 30, tzinfo=UTC)  # 10:30 in Europe/Paris, the test org's zone


def declare(organization, actor=None, **overrides) -> Incident:
    values = {"title": "Checkout errors", "severity": "SEV2", "started_at": T0, **overrides}
    with scope(organization=organization):
        return services.incident_declare(organization=organization, actor=actor, **values)


def update(incident, actor=None, **changes) -> Incident:
    with scope(organization=incident.organization):
        return services.incident_update(incident=incident, actor=actor, **changes)


def page(name: str, incident: Incident | None = None, org_slug: str = "acme") -> str:
    kwargs = {"org_slug": org_slug}
    if incident is not None:
        kwargs["ref"] = incident.ref
    return reverse(name, kwargs=kwargs)


def minutes(n: int) -> datetime:
    return T0 + timedelta(minutes=n)


@pytest.fixture
def incident(org, engineer) -> Incident:
    return declare(org, engineer, detected_at=minutes(5))


@pytest.fixture
def eng_client(client, engineer):
    client.force_login(engineer)
    return client


def automatic_entry(incident: Incident, field: str) -> TimelineEntry | None:
    return TimelineEntry.objects.filter(incident=incident, follows=field).first()


# --- Times in order: one rule for every path -------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        # the later time comes first: the changed field is named
        ({"acknowledged_at": minutes(2)}, "acknowledged_at", "before the detected time"),
        (
            {"acknowledged_at": minutes(30), "mitigated_at": minutes(20)},
            "mitigated_at",
            "before the acknowledged time",
        ),
        # moving an earlier time past a later one names the time that moved
        ({"detected_at": minutes(50)}, "detected_at", "after the acknowledged time"),
        ({"started_at": minutes(12)}, "started_at", "after the detected time"),
    ],
)
def test_correcting_times_keeps_the_whole_chain_in_order(org, incident, changes, field, message):
    update(incident, acknowledged_at=minutes(10))
    with pytest.raises(ValidationError) as info:
        update(incident, **changes)
    assert list(info.value.message_dict) == [field]
    assert message in info.value.message_dict[field][0]
    incident.refresh_from_db()
    assert (incident.detected_at, incident.acknowledged_at) == (minutes(5), minutes(10))


def test_times_may_be_equal_and_unset_ones_are_skipped(org, incident):
    update(incident, mitigated_at=minutes(5))  # no acknowledgement: compared with detection
    incident.refresh_from_db()
    assert incident.mitigated_at == minutes(5)


def test_the_edit_form_names_the_out_of_order_field(eng_client, incident):
    update(incident, mitigated_at=minutes(40))
    data = {
        "title": incident.title,
        "severity": incident.severity,
        "services": "",
        "commander": "",
        "started_at": "2026-03-10T10:30",
        "detected_at": "2026-03-10T10:35",
        "acknowledged_at": "2026-03-10T11:30",  # after the mitigation at 11:10
        "mitigated_at": "2026-03-10T11:10",
        "description": "",
    }
    response = eng_client.post(page("incident_edit", incident), data)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "cannot be after the mitigated time" in " ".join(errors["acknowledged_at"])
    assert 'id="id_acknowledged_at_error"' in response.content.decode()
    incident.refresh_from_db()
    assert incident.acknowledged_at is None


def test_the_api_patch_answers_400_naming_the_field(api, incident):
    update(incident, mitigated_at=minutes(40))
    response = api.patch(
        f"/api/v1/incidents/{incident.ref}",
        {"acknowledged_at": minutes(45).isoformat()},
        format="json",
    )
    assert response.status_code == 400
    assert "acknowledged_at" in response.json()
    assert "after the mitigated time" in response.json()["acknowledged_at"][0]


def test_a_status_button_refuses_a_time_out_of_order_with_the_other_times(eng_client, org):
    soon = timezone.now() + timedelta(hours=1)
    incident = declare(org, started_at=timezone.now() - timedelta(hours=1), detected_at=soon)
    response = eng_client.post(page("incident_acknowledge", incident), follow=True)
    assert "acknowledged time cannot be before the detected time" in response.content.decode()
    incident.refresh_from_db()
    assert incident.status == Status.OPEN and incident.acknowledged_at is None


def test_resolving_before_a_stored_mitigation_is_refused(org, incident):
    update(incident, mitigated_at=minutes(60))
    with pytest.raises(ValidationError) as info:
        transitions.incident_resolve(incident=incident, actor=None, at=minutes(30))
    assert list(info.value.message_dict) == ["resolved_at"]
    incident.refresh_from_db()
    assert incident.status == Status.OPEN


def test_the_api_resolve_answers_400_naming_the_field(api, incident):
    response = api.post(
        f"/api/v1/incidents/{incident.ref}/resolve",
        {"resolved_at": minutes(3).isoformat()},  # before the detection at +5
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()) == ["resolved_at"]


# --- Automatic timeline entries follow the incident's fields ----------------------------------


def test_correcting_a_status_time_moves_its_timeline_entry(org, engineer, incident):
    transitions.incident_acknowledge(incident=incident, actor=engineer, at=minutes(10))
    transitions.incident_mitigate(incident=incident, actor=engineer, at=minutes(40))
    update(incident, acknowledged_at=minutes(8), mitigated_at=minutes(35))
    assert automatic_entry(incident, "acknowledged_at").occurred_at == minutes(8)
    assert automatic_entry(incident, "mitigated_at").occurred_at == minutes(35)
    assert (
        TimelineEntry.objects.filter(incident=incident, kind=EntryKind.STATUS_CHANGE).count() == 2
    )


def test_an_entry_follows_its_field_whatever_its_text_says(org, engineer, incident):
    transitions.incident_acknowledge(incident=incident, actor=engineer, at=minutes(10))
    entry = automatic_entry(incident, "acknowledged_at")
    with scope(organization=org):
        services.timeline_entry_update(entry=entry, description="Paged the on-call; bridge open.")
    update(incident, acknowledged_at=minutes(9))
    entry.refresh_from_db()
    assert entry.occurred_at == minutes(9)
    assert entry.description == "Paged the on-call; bridge open."


def test_setting_and_clearing_a_time_on_edit_adds_and_removes_its_entry(org, engineer, incident):
    update(incident, engineer, mitigated_at=minutes(30))
    entry = automatic_entry(incident, "mitigated_at")
    assert entry.occurred_at == minutes(30) and entry.description == "Incident mitigated."
    update(incident, engineer, mitigated_at=None)
    assert automatic_entry(incident, "mitigated_at") is None


def test_the_button_after_an_edited_time_keeps_one_entry(org, engineer, incident):
    update(incident, engineer, acknowledged_at=minutes(10))
    transitions.incident_acknowledge(incident=incident, actor=engineer, at=minutes(12))
    entries = TimelineEntry.objects.filter(incident=incident, follows="acknowledged_at")
    assert [e.occurred_at for e in entries] == [minutes(12)]


def test_correcting_detection_moves_the_declaration_entry(org, engineer):
    incident = declare(org, engineer)
    declared = automatic_entry(incident, "declared")
    assert declared.occurred_at == T0 and declared.kind == EntryKind.STATUS_CHANGE
    update(incident, detected_at=minutes(7))
    declared.refresh_from_db()
    assert declared.occurred_at == minutes(7) and declared.kind == EntryKind.DETECTION


def test_the_time_of_an_automatic_entry_is_changed_on_the_incident(org, engineer, incident):
    transitions.incident_acknowledge(incident=incident, actor=engineer, at=minutes(10))
    entry = automatic_entry(incident, "acknowledged_at")
    with scope(organization=org), pytest.raises(ValidationError) as info:
        services.timeline_entry_update(entry=entry, occurred_at=minutes(20))
    assert "acknowledged time" in info.value.message_dict["occurred_at"][0]
    entry.refresh_from_db()
    assert entry.occurred_at == minutes(10)


def test_every_severity_change_is_on_the_timeline(org, engineer, incident, api):
    update(incident, engineer, severity="SEV1")
    update(incident, engineer, severity="SEV1")  # unchanged: nothing to record
    response = api.patch(f"/api/v1/incidents/{incident.ref}", {"severity": "SEV3"}, format="json")
    assert response.status_code == 200
    changes = TimelineEntry.objects.filter(
        incident=incident, description__startswith="Severity changed"
    ).order_by("id")
    assert [e.description for e in changes] == [
        "Severity changed from SEV2 to SEV1.",
        "Severity changed from SEV1 to SEV3.",
    ]
    assert all(e.actor == engineer and e.kind == EntryKind.STATUS_CHANGE for e in changes)


def test_the_edit_form_logs_a_severity_change(eng_client, engineer, incident):
    data = {
        "title": incident.title,
        "severity": "SEV1",
        "services": "",
        "commander": "",
        "started_at": "2026-03-10T10:30",
        "detected_at": "2026-03-10T10:35",
        "acknowledged_at": "",
        "mitigated_at": "",
        "description": "",
    }
    assert eng_client.post(page("incident_edit", incident), data).status_code == 302
    entry = TimelineEntry.objects.get(incident=incident, description__startswith="Severity")
    assert entry.description == "Severity changed from SEV2 to SEV1."


# --- Declaring with a title and a severity only ------------------------------------------------


def test_the_api_declares_with_a_title_and_a_severity_only(api):
    before = timezone.now()
    response = api.post(
        "/api/v1/incidents", {"title": "Login down", "severity": "SEV1"}, format="json"
    )
    assert response.status_code == 201, response.json()
    incident = Incident.objects.get()
    assert before <= incident.started_at <= timezone.now()
    assert incident.detected_at == incident.started_at


def test_the_api_keeps_detection_unset_when_only_the_start_is_given(api):
    response = api.post(
        "/api/v1/incidents",
        {"title": "Login down", "severity": "SEV1", "started_at": T0.isoformat()},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["detected_at"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "Login down", "severity": "SEV1", "started_at": "soon"}, "started_at"),
        ({"title": "Login down", "severity": "SEV1", "started_at": None}, "started_at"),
        ({"title": "Login down"}, "severity"),
    ],
)
def test_the_api_still_refuses_bad_times_and_missing_severity(api, body, field):
    response = api.post("/api/v1/incidents", body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Incident.objects.exists()


def test_the_declare_form_offers_now_for_both_times(eng_client):
    html = eng_client.get(page("incident_declare")).content.decode()
    assert html.count('type="datetime-local"') == 2
    assert 'name="detected_at" value="20' in html


def test_the_declare_form_with_a_title_and_a_severity_only(eng_client, org):
    before = timezone.now() - timedelta(seconds=1)
    response = eng_client.post(
        page("incident_declare"), {"title": "Login down", "severity": "SEV1"}
    )
    assert response.status_code == 302
    incident = Incident.objects.get(organization=org)
    assert before <= incident.started_at <= timezone.now()
    assert incident.detected_at == incident.started_at


def test_a_declare_form_for_another_organization_answers_404(eng_client, other_org):
    response = eng_client.post(
        page("incident_declare", org_slug="globex"), {"title": "x", "severity": "SEV1"}
    )
    assert response.status_code == 404
    assert not Incident.objects.exists()


def test_the_entry_form_of_an_automatic_entry_keeps_its_time(eng_client, engineer, incident):
    entry = automatic_entry(incident, "declared")
    edit = reverse(
        "timeline_entry_edit",
        kwargs={"org_slug": "acme", "ref": incident.ref, "entry_id": entry.pk},
    )
    prefix = f"entry-{entry.pk}"
    form = eng_client.get(edit).content.decode()
    assert "Follows the incident&#x27;s detected time" in form
    response = eng_client.post(
        edit,
        {
            f"{prefix}-occurred_at": "2026-03-10T12:00",
            f"{prefix}-kind": "DETECTION",
            f"{prefix}-description": "Declared from the alert.",
        },
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.occurred_at == minutes(5) and entry.description == "Declared from the alert."


def test_the_migration_marks_and_realigns_entries_written_before_markers(org, engineer, incident):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("incidents.migrations.0006_timelineentry_follows")
    transitions.incident_acknowledge(incident=incident, actor=engineer, at=minutes(10))
    with scope(organization=org):
        services.timeline_entry_add(
            incident=incident,
            actor=engineer,
            occurred_at=minutes(11),
            description="Incident acknowledged.",
        )  # a person's entry with the same words: left alone
    TimelineEntry.objects.update(follows="")
    Incident.objects.filter(pk=incident.pk).update(acknowledged_at=minutes(8))  # corrected since
    migration.mark_automatic_entries(apps, None)
    marked = TimelineEntry.objects.exclude(follows="").order_by("occurred_at")
    assert [(e.follows, e.occurred_at) for e in marked] == [
        ("declared", minutes(5)),
        ("acknowledged_at", minutes(8)),
    ]


@pytest.mark.parametrize("resolved", [False, True])
def test_the_resolved_time_is_set_by_resolving_then_only_corrected(api, incident, resolved):
    if resolved:
        transitions.incident_resolve(incident=incident, actor=None, at=minutes(60))
    change = {"resolved_at": None if resolved else minutes(60).isoformat()}
    response = api.patch(f"/api/v1/incidents/{incident.ref}", change, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["resolved_at"]
    incident.refresh_from_db()
    assert incident.resolved_at == (minutes(60) if resolved else None)
    assert TimelineEntry.objects.filter(incident=incident, follows="resolved_at").count() == int(
        resolved
    )


def test_times_stored_out_of_order_earlier_do_not_block_other_changes(org, incident):
    Incident.objects.filter(pk=incident.pk).update(acknowledged_at=minutes(2))  # older data
    update(incident, title="Checkout errors for card payments")
    with pytest.raises(ValidationError) as info:
        update(incident, mitigated_at=minutes(1))
    assert list(info.value.message_dict) == ["mitigated_at"]
