"""The weekly learning digest: what each subscriber gets, never twice, never what they may not
read, and nothing in an empty week."""

from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.core import mail
from django_scopes import scope, scopes_disabled

from organizations.models import Organization
from organizations.roles import Role
from postmortems.models import DigestDelivery, DigestSubscription, Visibility
from postmortems.reading import digest, tasks
from postmortems.reading.digest_content import digest_week
from postmortems.reading.subscriptions import DigestChoice, digest_subscribe
from tests.factories import TeamFactory, TeamMemberFactory
from tests.postmortems.reading.helpers import LAST_WEEK, NOW, published


def subscribe(org, user, **filters):
    with scope(organization=org):
        return digest_subscribe(
            organization=org,
            user=user,
            choice=DigestChoice(
                team_ids=filters.get("teams", []),
                service_ids=filters.get("services", []),
                severities=filters.get("severities", []),
            ),
        )


def run(org, now=NOW):
    return digest.run_digest(Organization.objects.get(pk=org.pk), now=now)


def sent_to(user) -> list:
    return [m for m in mail.outbox if m.to == [user.email]]


@pytest.fixture
def author(member_factory):
    return member_factory(Role.ENGINEER, username="ann", email="ann@example.com")


@pytest.fixture
def reader(member_factory):
    return member_factory(Role.VIEWER, username="rita", first_name="Rita", email="rita@x.test")


@pytest.mark.unscoped(reason="run_digest enters the organization's scope itself")
def test_a_subscriber_gets_last_weeks_postmortems_with_summary_and_lessons(org, author, reader):
    first = published(org, author, title="Checkout outage")
    second = published(org, author, title="Search slow", summary="Queries took 9 s.")
    subscribe(org, reader)

    report = run(org)

    assert report.sent == 1
    [email] = sent_to(reader)
    assert "2 postmortems published last week" in email.subject
    html = email.alternatives[0][0]
    for text in (email.body, html):
        assert f"PM-{first.number}" in text and f"PM-{second.number}" in text
        assert "Checkouts failed for 40 minutes after a schema change." in text
        assert "Queries took 9 s." in text
        assert "The alert fired within two minutes." in text  # a lesson
        assert f"/o/acme/postmortems/{first.number}/" in text
    assert "Change your filters or unsubscribe" in html


@pytest.mark.unscoped(reason="run_digest enters the organization's scope itself")
def test_a_second_run_and_a_second_beat_send_nothing_more(org, author, reader):
    published(org, author)
    subscribe(org, reader)

    run(org)
    run(org)
    tasks.send_learning_digests.delay(NOW.isoformat())  # beat, running eagerly in tests
    tasks.send_learning_digests.delay((NOW + timedelta(hours=5)).isoformat())

    assert len(sent_to(reader)) == 1
    with scopes_disabled():
        assert DigestDelivery.objects.filter(user=reader).count() == 1


@pytest.mark.unscoped(reason="run_digest enters the organization's scope itself")
def test_next_week_brings_the_next_digest(org, author, reader):
    published(org, author, title="Week one")
    published(org, author, title="Week two", at=LAST_WEEK + timedelta(days=7))
    subscribe(org, reader)

    run(org)
    run(org, now=NOW + timedelta(days=7))

    subjects = [m.alternatives[0][0] for m in sent_to(reader)]
    assert len(subjects) == 2
    assert "Week one" in subjects[0] and "Week two" not in subjects[0]
    assert "Week two" in subjects[1] and "Week one" not in subjects[1]


@pytest.mark.unscoped(reason="run_digest enters the organization's scope itself")
def test_no_one_gets_a_postmortem_they_may_not_read(org, author, reader, member_factory):
    admin = member_factory(Role.ADMIN, username="ada", email="ada@example.com")
    insider = member_factory(Role.VIEWER, username="ivy", email="ivy@example.com")
    team = TeamFactory(organization=org, name="Payments")
    TeamMemberFactory(team=team, user=insider)
    open_pm = published(org, author, title="Open to all")
    published(org, author, title="Private notes", visibility=Visibility.PRIVATE)
    published(org, author, title="Team only", visibility=Visibility.TEAM, teams=[team])
    for user in (reader, admin, insider):
        subscribe(org, user)

    run(org)

    [to_reader] = sent_to(reader)
    assert "Open to all" in to_reader.body
    assert "Private notes" not in to_reader.body and "Team only" not in to_reader.body
    assert "1 postmortem published last week" in to_reader.subject
    [to_insider] = sent_to(insider)
    assert "Team only" in to_insider.body and "Private notes" not in to_insider.body
    [to_admin] = sent_to(admin)
    assert all(t in to_admin.body for t in ("Open to all", "Private notes", "Team only"))
    with scopes_disabled():
        recorded = DigestDelivery.objects.get(user=reader)
    assert recorded.postmortem_numbers == [open_pm.number]


@pytest.mark.unscoped(reason="run_digest enters the organization's scope itself")
def test_a_week_with_nothing_for_the_member_sends_and_records_nothing(org, author, reader):
    published(org, author, title="Long ago", at=LAST_WEEK - timedelta(days=21))
    published(org, author, title="Private", visibility=Visibility.PRIVATE)
    subscribe(org, reader)

    report = run(org)

    assert mail.outbox == [] and report.sent == 0
    with scopes_disabled():
        assert not DigestDelivery.objects.exists()


@pytest.mark.unscoped(reason="run_digest enters the organization's scope itself")
def test_an_empty_week_sends_nothing_to_anyone(org, author, reader):
    subscribe(org, reader)
    assert run(org).subscribers == 0
    assert mail.outbox == []


@pytest.mark.unscoped(reason="run_digest enters the organization's scope itself")
def test_filters_by_severity_service_and_team(org, author, reader, member_factory):
    other_author = member_factory(Role.ENGINEER, username="otto", email="otto@example.com")
    team = TeamFactory(organization=org, name="Payments")
    TeamMemberFactory(team=team, user=author)
    published(org, author, title="Sev one payments", severity="SEV1")
    published(org, other_author, title="Sev three search", severity="SEV3", services_=("search",))
    by_severity = member_factory(Role.VIEWER, username="sev", email="sev@example.com")
    by_service = member_factory(Role.VIEWER, username="svc", email="svc@example.com")
    with scopes_disabled():
        from incidents.models import Service

        search = Service.objects.get(organization=org, name="search")
    subscribe(org, by_severity, severities=["SEV3"])
    subscribe(org, by_service, services=[search.pk])
    subscribe(org, reader, teams=[team.pk])

    run(org)

    assert "Sev three search" in sent_to(by_severity)[0].body
    assert "Sev one payments" not in sent_to(by_severity)[0].body
    assert "Sev three search" in sent_to(by_service)[0].body
    assert "Sev one payments" not in sent_to(by_service)[0].body
    # written by a member of the team
    assert "Sev one payments" in sent_to(reader)[0].body
    assert "Sev three search" not in sent_to(reader)[0].body


@pytest.mark.unscoped(reason="run_digest enters the organization's scope itself")
def test_a_failed_send_is_sent_once_by_the_next_run(org, author, reader):
    published(org, author)
    subscribe(org, reader)
    with mock.patch.object(digest, "send_digest_email", side_effect=OSError("SMTP down")):
        report = run(org)
    assert report.failed == [reader.pk] and mail.outbox == []

    run(org)
    run(org)

    assert len(sent_to(reader)) == 1


@pytest.mark.unscoped(reason="run_digest enters the organization's scope itself")
def test_a_digest_claimed_elsewhere_is_not_sent_again(org, author, reader):
    """Another worker holds this member's week: the unique row refuses a second claim."""
    published(org, author)
    subscribe(org, reader)
    with scope(organization=org):
        week = digest.Week(org, digest_week(org, NOW))
        DigestDelivery.objects.create(organization=org, user=reader, week_start=week.week_start)
        assert digest.digest_send(week=week, user_id=reader.pk) is None
    assert mail.outbox == []


@pytest.mark.unscoped(reason="run_digest enters the organization's scope itself")
def test_former_members_inactive_users_and_those_without_email_get_nothing(
    org, other_org, author, member_factory
):
    published(org, author)
    no_email = member_factory(Role.VIEWER, username="noemail", email="")
    inactive = member_factory(Role.VIEWER, username="gone", email="gone@example.com")
    inactive.is_active = False
    inactive.save()
    elsewhere = member_factory(
        Role.VIEWER, organization=other_org, username="glo", email="glo@example.com"
    )
    for user in (no_email, inactive):
        subscribe(org, user)
    with scopes_disabled():  # a stale subscription of someone who is not a member of acme
        DigestSubscription.objects.create(organization=org, user=elsewhere)

    run(org)

    assert mail.outbox == []


@pytest.mark.parametrize(
    ("now", "week"),
    [
        (datetime(2026, 3, 16, 7, 30, tzinfo=UTC), "2026-03-09"),  # 08:30 in Paris, Monday
        (datetime(2026, 3, 16, 6, 30, tzinfo=UTC), "2026-03-02"),  # 07:30: not yet
        (datetime(2026, 3, 22, 22, 0, tzinfo=UTC), "2026-03-09"),  # Sunday night
    ],
)
def test_the_digest_week_opens_on_monday_morning_in_the_organizations_zone(org, now, week):
    assert digest_week(org, now).isoformat() == week
