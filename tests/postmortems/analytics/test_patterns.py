"""Recurring patterns: the thresholds, the analytics list, and the callout on a postmortem."""

import re
from datetime import date, timedelta

from django.urls import reverse

from incidents.models import Service
from organizations.roles import Role
from postmortems.analytics import patterns
from postmortems.analytics.patterns import Event, busiest_window
from postmortems.analytics.scope import AnalyticsScope
from postmortems.models import RootCauseCategory
from tests.postmortems.analytics.helpers import SECRET_TITLE, Maker, at

START = at("2025-01-01")


def events(*days: int) -> list[Event]:
    start = START.timestamp()
    return [Event(index, start + day * 86400) for index, day in enumerate(days)]


# --- The thresholds ------------------------------------------------------------------------------


def test_two_incidents_are_no_pattern():
    assert busiest_window(events(0, 1)) == []


def test_three_incidents_within_90_days_are_a_pattern():
    assert [e.incident_id for e in busiest_window(events(0, 45, 90))] == [0, 1, 2]


def test_three_incidents_spread_over_120_days_are_none():
    assert busiest_window(events(0, 60, 120)) == []


def test_the_busiest_window_wins():
    window = busiest_window(events(0, 10, 20, 200, 205, 210, 215))
    assert [e.incident_id for e in window] == [3, 4, 5, 6]


def test_a_window_containing_one_incident():
    spread = events(0, 10, 20, 150)
    assert busiest_window(spread, containing=3) == []
    assert len(busiest_window(spread, containing=1)) == 3


def _incidents_by_category(org, member_factory, days: list[int]):
    make = Maker(org)
    author = member_factory(Role.ENGINEER)
    made = []
    for day in days:
        incident = make.incident("SEV3", START + timedelta(days=day), resolve=timedelta(hours=1))
        made.append(
            make.postmortem(
                incident,
                incident.resolved_at,
                author=author,
                root_cause_category=RootCauseCategory.CAPACITY,
            )
        )
    return made


def _scope(org) -> AnalyticsScope:
    return AnalyticsScope(org, date(2025, 1, 1), date(2025, 12, 31))


def test_the_same_root_cause_three_times_in_90_days(org, member_factory):
    _incidents_by_category(org, member_factory, [0, 30, 80])
    manager = member_factory(Role.MANAGER)
    found = patterns.patterns_in_scope(_scope(org), membership=manager.memberships.get())
    assert found.total == 1
    pattern = found.patterns[0]
    assert (pattern.kind, pattern.label, pattern.count, pattern.span_days) == (
        "category",
        "Capacity",
        3,
        80,
    )
    assert [i.postmortems[0].number for i in pattern.incidents] == [3, 2, 1]  # newest first


def test_the_same_root_cause_spread_over_120_days_is_no_pattern(org, member_factory):
    _incidents_by_category(org, member_factory, [0, 60, 120])
    manager = member_factory(Role.MANAGER)
    assert patterns.patterns_in_scope(_scope(org), membership=manager.memberships.get()).total == 0


def test_the_same_service_twice_is_no_pattern(org, member_factory):
    make = Maker(org)
    service = Service.objects.create(organization=org, name="search")
    for day in (0, 5):
        make.incident("SEV2", START + timedelta(days=day), services=[service])
    manager = member_factory(Role.MANAGER)
    assert patterns.patterns_in_scope(_scope(org), membership=manager.memberships.get()).total == 0


def test_patterns_stay_in_their_organization(org, other_org, member_factory):
    _incidents_by_category(other_org, member_factory, [0, 10, 20])
    manager = member_factory(Role.MANAGER)
    assert patterns.patterns_in_scope(_scope(org), membership=manager.memberships.get()).total == 0


# --- On the analytics page and on a postmortem ----------------------------------------------------


def detail_url(postmortem) -> str:
    return reverse(
        "postmortem_detail",
        kwargs={"org_slug": postmortem.organization.slug, "number": postmortem.number},
    )


def test_the_analytics_page_flags_the_service_pattern(client, world):
    client.force_login(world.manager)
    response = client.get(
        reverse("analytics", kwargs={"org_slug": "acme"}),
        {"date_from": "2025-01-01", "date_to": "2025-03-31"},
    )
    html = response.content.decode()
    assert 'data-pattern="service:api"' in html
    assert "3 incidents in 50 days" in html
    assert detail_url(world.postmortems["pm1"]) in html
    assert detail_url(world.postmortems["pm2"]) not in html  # private: no link, no title


def test_a_postmortem_in_a_pattern_shows_the_callout(client, world, member_factory):
    reader = member_factory(Role.ENGINEER)
    client.force_login(reader)
    response = client.get(detail_url(world.postmortems["pm3"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "data-pattern-callout" in html
    assert "Recurring:" in html and "<strong>api</strong>" in html
    assert detail_url(world.postmortems["pm1"]) in html
    assert SECRET_TITLE not in html  # PM2 is in the pattern but private
    assert "A postmortem you cannot open" in html
    assert "All patterns →" not in html  # an engineer has no analytics


def test_the_callout_is_one_line_with_the_incidents_folded_away(client, world, admin_user):
    """The notice is a line above the document, not a block: the incidents wait behind a
    closed disclosure, and the line links to every pattern in analytics."""
    client.force_login(admin_user)
    html = client.get(detail_url(world.postmortems["pm3"])).content.decode()
    start = html.index("data-pattern-callout")
    note = html[start : html.index("</details>", start)]
    summary = re.search(r"<summary[^>]*>(.*?)</summary>", note, re.S).group(1)
    line = " ".join(re.sub(r"<[^>]+>", " ", summary).split())
    assert line.startswith("⚑ Recurring: service api , 4 incidents in")
    assert line.endswith("Show incidents Hide incidents")  # CSS shows the one that applies
    assert "<details" in note and "<details open" not in note  # the incidents are folded
    head = note[: note.index("<summary")]
    assert "<p" not in head and "<ul" not in head  # nothing above the line
    assert 'class="pattern-note__link" href="/o/acme/analytics/#patterns"' in html
    assert "All patterns →" in html


def test_a_postmortem_outside_any_pattern_has_no_callout(client, world, admin_user):
    client.force_login(admin_user)
    html = client.get(detail_url(world.postmortems["pm4"])).content.decode()  # no incident
    assert "data-pattern-callout" not in html


def test_the_callout_runs_a_bounded_number_of_queries(world, member_factory, count_queries):
    reader = member_factory(Role.ADMIN).memberships.get()
    pm1 = world.postmortems["pm1"]
    pm1.organization = world.organization
    small = count_queries(lambda: patterns.patterns_for_postmortem(pm1, membership=reader))
    make = Maker(world.organization)
    make.numbers = {"incident": 500, "postmortem": 500, "item": 500}
    api = Service.objects.get(organization=world.organization, name="api")
    for day in range(30):
        make.incident("SEV3", at("2025-01-01") + timedelta(days=day), services=[api])
    found = []
    large = count_queries(
        lambda: found.extend(patterns.patterns_for_postmortem(pm1, membership=reader))
    )
    assert small == large <= 5
    assert found[0].count > 3
