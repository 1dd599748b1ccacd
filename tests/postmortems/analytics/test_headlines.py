"""The analytics page's headlines (MTTD, MTTR, action-item completion) against the previous
period of equal length, on data known by hand."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from actionitems.models import ItemStatus
from organizations.roles import Role
from postmortems.analytics.headlines import Headline, headlines, previous_scope
from postmortems.analytics.scope import AnalyticsScope
from tests.postmortems.analytics.helpers import Maker, at

FEBRUARY = (date(2025, 2, 1), date(2025, 2, 28))


def minutes(n: int) -> timedelta:
    return timedelta(minutes=n)


@pytest.fixture
def known(org):
    """February 2025 against January 4–31 (28 days each).

    January: detected after 10 and 30 min, resolved after 2 h and 4 h: MTTD 20 min, MTTR 3 h.
    February: detected after 5, 15, 10 min; resolved after 1 h and 5 h (one still open):
    MTTD 10 min, MTTR 3 h. Jan 1 (before the previous period) counts in neither.
    Items due in February: 3 done of 4 (a won't-do left out); in January: 1 of 2.
    """
    make = Maker(org)
    make.incident("SEV2", at("2025-01-01"), detect=minutes(100), resolve=minutes(900))
    make.incident("SEV1", at("2025-01-10"), detect=minutes(10), resolve=minutes(120))
    make.incident("SEV2", at("2025-01-20"), detect=minutes(30), resolve=minutes(240))
    make.incident("SEV1", at("2025-02-05"), detect=minutes(5), resolve=minutes(60))
    make.incident("SEV2", at("2025-02-15"), detect=minutes(15), resolve=minutes(300))
    open_incident = make.incident("SEV3", at("2025-02-20"), detect=minutes(10))
    postmortem = make.postmortem(open_incident, at("2025-02-21"))
    done = ItemStatus.COMPLETED
    for due, status in [
        ("2025-01-02", done),  # before the previous period
        ("2025-01-10", done),
        ("2025-01-25", ItemStatus.OPEN),
        ("2025-02-03", done),
        ("2025-02-10", done),
        ("2025-02-20", done),
        ("2025-02-27", ItemStatus.OPEN),
        ("2025-02-28", ItemStatus.WONT_DO),
        ("2025-03-05", ItemStatus.OPEN),  # after the range
    ]:
        make.item(postmortem, at("2025-01-01"), due=due, status=status, done=at(due))
    return org


def test_the_previous_period_has_the_same_length_and_ends_the_day_before(org):
    scope = AnalyticsScope(org, *FEBRUARY)
    previous = previous_scope(scope)
    assert (previous.date_from, previous.date_to) == (date(2025, 1, 4), date(2025, 1, 31))
    leap = previous_scope(AnalyticsScope(org, date(2024, 3, 1), date(2024, 3, 1)))
    assert (leap.date_from, leap.date_to) == (date(2024, 2, 29), date(2024, 2, 29))


def test_headline_values_and_their_change(known, count_queries):
    scope = AnalyticsScope(known, *FEBRUARY)
    found = []
    assert count_queries(lambda: found.append(headlines(scope))) == 2
    h = found[0]
    assert h.days == 28
    assert (h.mttd.current, h.mttd.previous) == (minutes(10), minutes(20))
    assert (h.mttd.count, h.mttd.previous_count) == (3, 2)
    assert (h.mttd.direction, h.mttd.verdict, h.mttd.change_size) == ("down", "better", minutes(10))
    assert (h.mttr.current, h.mttr.previous) == (minutes(180), minutes(180))
    assert (h.mttr.count, h.mttr.verdict) == (2, "same")
    assert (h.completion.current, h.completion.previous) == (0.75, 0.5)
    assert (h.completion.count, h.completion.previous_count) == (4, 2)
    assert (h.completion.direction, h.completion.verdict) == ("up", "better")
    assert h.completion.change_size == 25.0
    assert (h.completion.current_percent, h.completion.previous_percent) == ("75%", "50%")


def test_slower_is_worse_and_fewer_done_is_worse(known):
    h = headlines(AnalyticsScope(known, date(2025, 1, 4), date(2025, 1, 31)))  # Dec 7 – Jan 3
    assert (h.mttd.current, h.mttd.previous) == (minutes(20), minutes(100))
    assert h.mttd.verdict == "better"
    assert (h.completion.current, h.completion.previous) == (0.5, 1.0)
    assert (h.completion.direction, h.completion.verdict) == ("down", "worse")
    slower = Headline("mttr", "Mean time to resolve", minutes(90), minutes(60), 1, 1, True)
    assert (slower.direction, slower.verdict, slower.change_size) == ("up", "worse", minutes(30))
    close = Headline("mttr", "Mean time to resolve", minutes(60), minutes(60.5), 1, 1, True)
    assert close.verdict == "same"


def test_an_empty_previous_period_is_said_so(known, client, member_factory):
    h = headlines(AnalyticsScope(known, date(2025, 1, 1), date(2025, 1, 31)))
    assert (h.mttd.current, h.mttd.count) == (minutes(140) / 3, 3)
    assert h.mttd.previous is None and h.mttd.change is None and h.mttd.verdict is None
    assert h.completion.current == pytest.approx(2 / 3) and h.completion.previous is None
    client.force_login(member_factory(Role.MANAGER))
    html = client.get(
        reverse("analytics", kwargs={"org_slug": "acme"}),
        {"date_from": "2025-01-01", "date_to": "2025-01-31"},
    ).content.decode()
    assert "No incidents in the previous 31 days to compare with." in html
    assert "No action items were due in the previous 31 days to compare with." in html


def test_the_page_opens_with_the_headlines_in_words(known, client, member_factory):
    client.force_login(member_factory(Role.MANAGER))
    response = client.get(
        reverse("analytics", kwargs={"org_slug": "acme"}),
        {"date_from": "2025-02-01", "date_to": "2025-02-28"},
    )
    html = response.content.decode()
    assert html.index('data-headline="mttd"') < html.index('class="an-stats"')
    text = " ".join(html.split())
    assert "Mean time to detect" in text
    assert "10m faster than the previous 28 days (20m): better." in text
    assert "About the same as the previous 28 days (3h)" in text
    assert "75%" in text and "Up 25 points on the previous 28 days (50%): better." in text
    assert "Compared with Jan 4, 2025 – Jan 31, 2025" in text


def test_another_organizations_incidents_and_items_do_not_count(known, other_org):
    theirs = Maker(other_org)
    incident = theirs.incident("SEV1", at("2025-02-10"), detect=minutes(500), resolve=minutes(900))
    theirs.item(theirs.postmortem(incident, at("2025-02-11")), at("2025-02-11"), due="2025-02-12")
    h = headlines(AnalyticsScope(known, *FEBRUARY))
    assert (h.mttd.current, h.mttd.count) == (minutes(10), 3)
    assert (h.completion.current, h.completion.count) == (0.75, 4)
