"""The analytics figures: the repeat rate after remediation, per period, category and service;
a dismissed recurrence drops out of them."""

from datetime import date

from django.urls import reverse

from incidents.models import Incident
from postmortems.analytics.remediation import remediation_report
from postmortems.analytics.scope import AnalyticsScope
from postmortems.models import RootCauseCategory
from postmortems.recurrence import services
from tests.postmortems.recurrence.helpers import Maker, add_items, at, set_status

RANGE = {"date_from": "2026-01-01", "date_to": "2026-03-31"}


def a_fix_that_held(world):
    """PM-2: INC-10 (search, configuration error) fixed on Feb 1; nothing shares a key with
    it afterwards."""
    make = Maker(world.organization)
    make.numbers = {"incident": 10, "postmortem": 1}
    incident = make.incident(at("2026-01-20T08:00"), [world.services["search"]], title="Index")
    postmortem = make.postmortem(incident, world.author, RootCauseCategory.CONFIGURATION_ERROR)
    for item in add_items(postmortem, world.author, 2):
        set_status(item, world.author, "COMPLETED", at("2026-02-01T08:00"))
    # INC-3 (search, Feb 20) started after this fix: move it before, so the fix holds.
    Incident.objects.filter(pk=world.incidents["unrelated"].pk).update(
        started_at=at("2026-01-10T08:00")
    )


def report(world):
    scope = AnalyticsScope(world.organization, date(2026, 1, 1), date(2026, 3, 31))
    return remediation_report(scope)


def rows(found) -> dict:
    return {r.label: (r.fixes, r.recurred, r.held, r.rate) for r in found}


def test_the_repeat_rate_per_period_category_and_service(world):
    a_fix_that_held(world)
    found = report(world)
    assert (found.overall.recurred, found.overall.held, found.overall.rate) == (1, 1, 50)
    assert rows(found.periods) == {
        "2026-01": (1, 1, 0, 100),
        "2026-02": (1, 0, 1, 0),
        "2026-03": (0, 0, 0, None),
    }
    assert rows(found.categories) == {
        "Capacity": (1, 1, 0, 100),
        "Configuration error": (1, 0, 1, 0),
    }
    assert rows(found.services) == {"checkout": (1, 1, 0, 100), "search": (1, 0, 1, 0)}


def test_a_dismissed_recurrence_drops_out_and_undo_restores_it(world):
    a_fix_that_held(world)
    services.recurrence_dismiss(
        postmortem=world.postmortem,
        incident=world.incidents["recurred"],
        actor=world.manager,
        reason="Card network",
    )
    found = report(world)
    assert (found.overall.recurred, found.overall.held, found.overall.rate, found.dismissed) == (
        0,
        2,
        0,
        1,
    )
    services.recurrence_restore(
        postmortem=world.postmortem, incident=world.incidents["recurred"], actor=world.manager
    )
    assert report(world).overall.recurred == 1


def test_incomplete_or_wont_do_fixes_are_not_counted(world):
    set_status(world.items[0], world.author, "WONT_DO", wont_do_reason="Not needed")
    assert report(world).overall.fixes == 0


def test_the_page_shows_the_figures_and_follows_a_dismissal(client, world):
    client.force_login(world.manager)
    url = reverse("analytics", kwargs={"org_slug": world.organization.slug})
    html = client.get(url, RANGE).content.decode()
    assert "Did the fixes hold?" in html
    assert 'data-stat="repeat-rate">100%<' in html
    services.recurrence_dismiss(
        postmortem=world.postmortem,
        incident=world.incidents["recurred"],
        actor=world.manager,
        reason="Card network",
    )
    html = client.get(url, RANGE).content.decode()  # the cached figures are obsolete
    assert 'data-stat="repeat-rate">0%<' in html  # the one fix held after all
    assert "1 recurrence marked unrelated" in html
