"""Importing past incidents from the PagerDuty stand-in: the whole range page by page, each
incident with its timeline, nothing twice, and a run that stops resumes from its cursor."""

from datetime import date, timedelta

import pytest
from celery.exceptions import Retry
from django_scopes import scope

from incidents.models import EntryKind, Incident, LinkType, Status, TimelineEntry
from integrations.pagerduty_import import run as import_run
from integrations.pagerduty_import import services, tasks
from integrations.pagerduty_import.models import ImportStatus, PagerDutyImport
from integrations.pagers.models import PagerIncident
from integrations.pagers.sync import Change, PagerEvent, apply
from tests.integrations.pagerduty_import.pagerduty_server import ACCEPT

MARCH = (date(2025, 3, 1), date(2025, 3, 31))


def start(org, admin, days=MARCH) -> PagerDutyImport:
    with scope(organization=org):
        return services.import_start(organization=org, actor=admin, since=days[0], until=days[1])


def run(import_run: PagerDutyImport) -> PagerDutyImport:
    """Run the task as the queue would (in process), and read the run back."""
    tasks.run_pagerduty_import.delay(import_run.pk, import_run.lease)
    with scope(organization=import_run.organization):
        return PagerDutyImport.objects.get(pk=import_run.pk)


def counts(import_run: PagerDutyImport) -> tuple:
    return (
        import_run.status,
        import_run.incidents_seen,
        import_run.incidents_created,
        import_run.incidents_updated,
        import_run.entries,
        import_run.errors,
    )


def test_a_full_import_makes_every_incident_with_its_timeline(
    org, admin, member_factory, configured, pagerduty
):
    earline = member_factory(username="earline", email="earline@example.com")
    done = run(start(org, admin))

    assert counts(done) == (ImportStatus.DONE, 120, 120, 0, 720, 0)
    assert done.started_at <= done.finished_at
    assert Incident.objects.filter(organization=org).count() == 120
    first = Incident.objects.get(organization=org, title="The server is on fire (1)")
    assert first.status == Status.RESOLVED
    assert first.started_at.isoformat() == "2025-03-01T00:00:00+00:00"
    assert first.started_at < first.acknowledged_at < first.resolved_at
    assert [link.service.name for link in first.service_links.all()] == ["checkout"]
    assert first.participants.filter(user=earline).exists()
    note = first.timeline.get(kind=EntryKind.NOTE)
    assert (note.description, note.actor_display) == ("Rolled back", "Earline Greenholt")
    assert first.timeline.filter(description="Notified Earline Greenholt by SMS").exists()
    assert first.timeline.filter(description="Escalated to level 2").exists()
    link = first.links.get()
    assert (link.type, link.external_id) == (LinkType.ALERT, "pagerduty:P000000")
    assert link.url == "https://subdomain.pagerduty.com/incidents/P000000"


def test_severity_comes_from_the_table_priority_first(org, admin, configured, pagerduty):
    run(start(org, admin))

    def severity(number: int) -> str:
        return Incident.objects.get(title=f"The server is on fire ({number + 1})").severity

    assert severity(0) == "SEV1"  # priority P2 is in the table
    assert severity(2) == "SEV2"  # no priority, urgency high
    assert severity(1) == "SEV4"  # urgency low: not in the table, the default


def test_requests_carry_the_key_and_version_and_page_by_offset(
    org, admin, configured, pagerduty, account
):
    run(start(org, admin))

    assert all(
        r.headers["Authorization"] == f"Token token={account.key}" for r in pagerduty.requests
    )
    assert all(r.headers["Accept"] == ACCEPT for r in pagerduty.requests)
    listings = [r.query for r in pagerduty.requests if r.path == "/incidents"]
    assert [(q["offset"], q["limit"], q["total"]) for q in listings] == [
        (["0"], ["100"], ["false"]),
        (["100"], ["100"], ["false"]),
    ]
    assert listings[0]["since"] == ["2025-03-01T00:00:00Z"]
    assert listings[0]["until"] == ["2025-04-01T00:00:00Z"]
    assert set(listings[0]["include[]"]) == {"assignees", "acknowledgers"}
    logs = [r for r in pagerduty.requests if r.path.endswith("/log_entries")]
    assert len(logs) == 120


def test_an_unknown_service_is_an_error_with_its_reason_and_the_run_goes_on(
    org, admin, configured, pagerduty, account
):
    account.services = ("checkout", "payments", "billing")
    done = run(start(org, admin))

    assert counts(done) == (ImportStatus.DONE, 120, 80, 0, 480, 40)
    assert "Unknown service “billing”" in done.last_error
    assert not Incident.objects.filter(service_links__service__name="billing").exists()
    assert PagerIncident.objects.filter(organization=org, incident__isnull=False).count() == 80


def test_importing_again_creates_nothing_new(org, admin, configured, pagerduty):
    run(start(org, admin))
    entries = TimelineEntry.objects.filter(organization=org).count()

    again = run(start(org, admin))

    assert counts(again) == (ImportStatus.DONE, 120, 0, 0, 0, 0)
    assert Incident.objects.filter(organization=org).count() == 120
    assert TimelineEntry.objects.filter(organization=org).count() == entries


def test_an_incident_the_webhook_sent_is_the_one_the_import_completes(
    org, admin, configured, pagerduty
):
    with scope(organization=org):
        apply(
            org,
            services.pager_for(configured),
            PagerEvent(
                incident_id="P000000",
                change=Change.TRIGGERED,
                occurred_at=pagerduty.account.created_at(0),
                title="The server is on fire (1)",
                service="checkout",
                event_id="webhook-delivery-1",
            ),
        )
    done = run(start(org, admin))

    assert (done.incidents_created, done.incidents_updated) == (119, 1)
    assert Incident.objects.filter(organization=org).count() == 120
    assert Incident.objects.get(title="The server is on fire (1)").status == Status.RESOLVED


def test_a_run_that_failed_resumes_from_its_cursor_without_duplicates(
    org, admin, configured, pagerduty
):
    pagerduty.fail_at_offsets = {100}
    failed = run(start(org, admin))

    assert counts(failed) == (ImportStatus.FAILED, 100, 100, 0, 600, 0)
    assert failed.offset == 100
    assert failed.last_error == "PagerDuty answered 500; try again later."
    assert Incident.objects.filter(organization=org).count() == 100

    pagerduty.fail_at_offsets = set()
    pagerduty.requests.clear()
    with scope(organization=org):
        assert services.import_resume(run=failed, actor=admin)
        resumed = PagerDutyImport.objects.get(pk=failed.pk)
    done = run(resumed)

    assert counts(done) == (ImportStatus.DONE, 120, 120, 0, 720, 0)
    assert Incident.objects.filter(organization=org).count() == 120
    assert [r.query["offset"] for r in pagerduty.requests if r.path == "/incidents"] == [["100"]]


def test_a_task_of_an_older_lease_or_a_cancelled_run_does_nothing(
    org, admin, configured, pagerduty
):
    queued = start(org, admin)
    with scope(organization=org):
        assert services.import_cancel(run=queued, actor=admin)
    assert run(queued).status == ImportStatus.CANCELLED

    with scope(organization=org):
        assert services.import_resume(run=queued, actor=admin)
    stale_lease = run(queued)  # the task queued before the resume holds the old lease
    assert (stale_lease.status, stale_lease.incidents_seen) == (ImportStatus.QUEUED, 0)
    assert not Incident.objects.filter(organization=org).exists()


def test_throttling_is_waited_out_as_retry_after_asks(org, admin, configured, pagerduty):
    pagerduty.throttle_once = {"incidents"}
    done = run(start(org, admin))

    assert done.status == ImportStatus.DONE and done.incidents_created == 120
    first, second = [r.at for r in pagerduty.requests if r.path == "/incidents"][:2]
    assert second - first >= 1.0


def test_a_refused_key_fails_the_run_with_pagerdutys_reason(org, admin, configured, pagerduty):
    configured.api_key = "wrong-key"
    configured.save()
    failed = run(start(org, admin))

    assert failed.status == ImportStatus.FAILED
    assert failed.last_error.startswith("PagerDuty refused the API key (401)")
    assert len(pagerduty.requests) == 1  # a refused key is not asked again


def test_an_address_no_longer_allowed_is_not_called(org, admin, configured, pagerduty, settings):
    settings.INTEGRATIONS_INSECURE_HOSTS = []
    failed = run(start(org, admin))

    assert failed.status == ImportStatus.FAILED
    assert failed.last_error.startswith("Use an https:// address")
    assert pagerduty.requests == []


def test_a_long_range_is_listed_in_windows_and_past_the_listing_limit(
    org, admin, configured, pagerduty, account, monkeypatch
):
    account.count, account.entries = 300, 2
    pagerduty.offset_limit = 250
    monkeypatch.setattr(import_run, "OFFSET_LIMIT", 250)
    monkeypatch.setattr(import_run, "WINDOW", timedelta(days=60))
    done = run(start(org, admin, days=(date(2025, 2, 1), date(2025, 6, 30))))

    assert done.status == ImportStatus.DONE
    assert done.incidents_created == 300 and done.errors == 0
    assert Incident.objects.filter(organization=org).count() == 300
    listings = [r.query for r in pagerduty.requests if r.path == "/incidents"]
    assert max(int(q["offset"][0]) + int(q["limit"][0]) for q in listings) <= 250
    assert len({q["since"][0] for q in listings}) >= 3  # windows, and a new listing past 250


@pytest.mark.parametrize("entries", [1, 130])
def test_a_short_or_long_log_is_imported_whole(org, admin, configured, pagerduty, account, entries):
    account.count, account.entries = 3, entries
    done = run(start(org, admin))

    assert (done.incidents_created, done.entries) == (3, 3 * entries)


def test_in_a_worker_an_unreachable_api_is_asked_again_with_backoff(
    org, admin, configured, pagerduty, monkeypatch
):
    pagerduty.fail_at_offsets = {0}
    queued = start(org, admin)
    asked = []

    def retry(*, countdown):
        asked.append(countdown)
        return Retry()

    monkeypatch.setattr(tasks.run_pagerduty_import, "retry", retry)
    with pytest.raises(Retry):
        tasks.run_pagerduty_import(queued.pk, queued.lease)  # as a worker runs it: not eager
    assert asked == [tasks.BACKOFF_SECONDS]
    with scope(organization=org):
        waiting = PagerDutyImport.objects.get(pk=queued.pk)
    assert (waiting.status, waiting.last_error) == (
        ImportStatus.RUNNING,
        "PagerDuty answered 500; try again later.",
    )
