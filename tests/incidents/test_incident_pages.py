"""The incident pages: list, declare, edit, the incident page, timeline, links, transitions."""

from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from incidents import selectors, services, transitions
from incidents.charts import nice_ticks, render_chart, tick_labels
from incidents.models import (
    Incident,
    IncidentLink,
    MetricSeries,
    Status,
    TimelineEntry,
)
from organizations.roles import Role
from postmortems.models import Postmortem
from tests.factories import MembershipFactory, UserFactory

HTMX = {"HX-Request": "true"}
T0 = datetime(2026, 3, 10, 9, 30, tzinfo=UTC)  # 10:30 in Europe/Paris, the test org's zone


# --- Helpers ---------------------------------------------------------------------------------


def declare(organization, actor=None, **overrides) -> Incident:
    values = {
        "title": "Checkout errors",
        "severity": "SEV2",
        "started_at": T0,
        "services": ["payments-api"],
        "commander": actor,
    }
    values.update(overrides)
    return services.incident_declare(organization=organization, actor=actor, **values)


def mark_resolved(incident: Incident, after: timedelta = timedelta(minutes=30)) -> Incident:
    """Resolve without the resolution event, so no automation changes what the pages show."""
    Incident.objects.filter(pk=incident.pk).update(
        status=Status.RESOLVED, resolved_at=incident.started_at + after
    )
    incident.refresh_from_db()
    return incident


def url(name: str, incident: Incident | None = None, org_slug: str = "acme", **kwargs) -> str:
    if incident is not None:
        kwargs["ref"] = incident.ref
    return reverse(name, kwargs={"org_slug": org_slug, **kwargs})


def body(response) -> str:
    return response.content.decode()


class Elements(HTMLParser):
    """Every start tag of a page with its attributes, to assert on what the browser would see."""

    def __init__(self, html: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


@pytest.fixture
def incident(org, engineer) -> Incident:
    return declare(org, engineer, description="Card payments **fail** for EU customers.")


@pytest.fixture
def eng_client(client, engineer):
    client.force_login(engineer)
    return client


@pytest.fixture
def viewer_client(client, viewer):
    client.force_login(viewer)
    return client


# --- The list --------------------------------------------------------------------------------


def test_a_new_organization_is_told_to_declare_its_first_incident(eng_client, org):
    response = eng_client.get(url("incident_list"))
    assert response.status_code == 200
    assert "No incidents yet" in body(response)
    assert "Declare the first incident" in body(response)
    assert "filter-bar" not in body(response)  # nothing to filter yet


def test_a_viewer_sees_the_empty_state_without_the_declare_button(viewer_client, org):
    html = body(viewer_client.get(url("incident_list")))
    assert "No incidents yet" in html
    assert url("incident_declare") not in html


def test_list_rows_show_badges_services_commander_time_and_postmortem_state(
    eng_client, org, engineer
):
    sev1 = mark_resolved(
        declare(org, engineer, title="Payments down", severity="SEV1", services=["api", "db"])
    )
    declare(org, engineer, title="Slow search", severity="SEV4", started_at=T0 + timedelta(1))
    html = body(eng_client.get(url("incident_list")))
    assert sev1.ref in html and "Payments down" in html
    assert "sev--sev1" in html and "sev--sev4" in html
    assert "status--resolved" in html and "status--open" in html
    assert '<span class="chip">api</span>' in html and '<span class="chip">db</span>' in html
    assert engineer.get_full_name() in html
    assert "10:30" in html  # 09:30 UTC shown in Europe/Paris
    assert "30m" in html  # duration of the resolved one
    assert "Required" in html  # SEV1, resolved, no postmortem: the default policy requires one


def test_list_shows_the_postmortem_status_when_there_is_one(eng_client, org, engineer):
    resolved = mark_resolved(declare(org, engineer, severity="SEV1"))
    Postmortem.objects.create(organization=org, number=1, title="PM", incident=resolved)
    html = body(eng_client.get(url("incident_list")))
    assert "pm--draft" in html and "Draft" in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "RESOLVED"}, {"Resolved one"}),
        ({"severity": "SEV1"}, {"Sev one"}),
        ({"service": "search"}, {"Resolved one"}),
        ({"q": "sev ONE"}, {"Sev one"}),
        ({"date_from": "2026-03-12"}, {"Later one"}),
        ({"date_to": "2026-03-11"}, {"Sev one", "Resolved one"}),
        ({"severity": "SEV9", "date_from": "not-a-date"}, {"Sev one", "Resolved one", "Later one"}),
    ],
)
def test_list_filters_and_search(eng_client, org, engineer, query, expected):
    declare(org, engineer, title="Sev one", severity="SEV1")
    mark_resolved(declare(org, engineer, title="Resolved one", services=["search"]))
    declare(org, engineer, title="Later one", started_at=T0 + timedelta(days=3))
    html = body(eng_client.get(url("incident_list"), query))
    shown = {title for title in ("Sev one", "Resolved one", "Later one") if title in html}
    assert shown == expected


def test_filters_that_match_nothing_get_their_own_empty_state(eng_client, org, engineer):
    declare(org, engineer)
    html = body(eng_client.get(url("incident_list"), {"q": "nothing like this"}))
    assert "No incidents match these filters" in html
    assert "Clear filters" in html
    assert "Declare the first incident" not in html


@pytest.mark.parametrize(
    ("sort", "first", "last"),
    [
        ("-started_at", "Zebra", "Quokka"),
        ("started_at", "Quokka", "Zebra"),
        ("severity", "Quokka", "Zebra"),  # Quokka is the SEV1
        ("-duration", "Zebra", "Quokka"),
        ("duration", "Quokka", "Zebra"),
    ],
)
def test_list_sorts(eng_client, org, engineer, sort, first, last):
    mark_resolved(declare(org, engineer, title="Quokka", severity="SEV1"), timedelta(hours=1))
    zebra = declare(org, engineer, title="Zebra", severity="SEV3", started_at=T0 + timedelta(1))
    mark_resolved(zebra, after=timedelta(hours=5))
    html = body(eng_client.get(url("incident_list"), {"sort": sort}))
    assert html.index(first) < html.index(last)


def test_list_paginates_by_25_and_keeps_the_filters_in_its_links(eng_client, org, engineer):
    for n in range(27):
        declare(org, engineer, title=f"Flaky job {n:02d}", started_at=T0 + timedelta(hours=n))
    declare(org, engineer, title="Unrelated")
    response = eng_client.get(url("incident_list"), {"q": "flaky"})
    html = body(response)
    assert len(response.context["incidents"]) == 25
    assert "1–25 of 27" in html
    next_link = next(a["href"] for tag, a in Elements(html).tags if a.get("rel") == "next")
    assert parse_qs(urlsplit(next_link).query) == {"q": ["flaky"], "page": ["2"]}
    second = eng_client.get(url("incident_list") + next_link)
    assert len(second.context["incidents"]) == 2
    assert "Unrelated" not in body(second)


def test_htmx_filtering_answers_the_results_fragment(eng_client, org, engineer):
    declare(org, engineer, title="Sev one", severity="SEV1")
    headers = {**HTMX, "HX-Target": "incident-results"}
    response = eng_client.get(url("incident_list"), {"severity": "SEV1"}, headers=headers)
    html = body(response)
    assert response.status_code == 200
    assert "<html" not in html and 'id="incident-results"' in html
    assert "Sev one" in html and "filter-bar" not in html


def _populate(organization, actor, count: int) -> None:
    for n in range(count):
        incident = declare(
            organization,
            actor,
            title=f"Incident {n}",
            services=[f"svc-{n}", "shared"],
            started_at=T0 + timedelta(hours=n),
        )
        if n % 2:
            mark_resolved(incident)
            Postmortem.objects.create(
                organization=organization, number=incident.number, title="PM", incident=incident
            )


def test_the_list_runs_a_constant_number_of_queries(eng_client, org, engineer, count_queries):
    _populate(org, engineer, 2)
    list_url = url("incident_list")
    small = count_queries(lambda: eng_client.get(list_url))
    _populate(org, engineer, 30)
    large = count_queries(lambda: eng_client.get(list_url))
    assert large == small


def test_needs_postmortem_lists_what_the_policy_requires_and_explains_it(eng_client, org, engineer):
    waiting = mark_resolved(declare(org, engineer, title="Waiting for a write-up", severity="SEV1"))
    done = mark_resolved(declare(org, engineer, title="Written up", severity="SEV1"))
    Postmortem.objects.create(organization=org, number=1, title="PM", incident=done)
    mark_resolved(declare(org, engineer, title="Minor blip", severity="SEV4"))
    declare(org, engineer, title="Still open", severity="SEV1")
    html = body(eng_client.get(url("incidents_needing_postmortem")))
    assert waiting.title in html
    for title in ("Written up", "Minor blip", "Still open"):
        assert title not in html
    assert "its severity is SEV1 or SEV2" in html
    assert "it lasted more than 1h" in html


def test_needs_postmortem_all_caught_up(eng_client, org):
    assert "All caught up" in body(eng_client.get(url("incidents_needing_postmortem")))


def test_the_nav_highlights_incidents(eng_client, org, incident):
    html = body(eng_client.get(url("incident_detail", incident)))
    assert f'href="{url("incident_list")}" aria-current="page">Incidents' in html


# --- Declaring -------------------------------------------------------------------------------


def _declare_data(**overrides) -> dict:
    data = {
        "title": "Card payments failing",
        "severity": "SEV1",
        "services": "payments-api, checkout",
        "commander": "",
        "started_at": "2026-03-10T10:30",
        "detected_at": "2026-03-10T10:35",
        "description": "Customers see *Payment failed*.",
        "customer_impact": "on",
    }
    data.update(overrides)
    return data


def test_the_declare_form_offers_existing_services_and_only_this_orgs_members(
    eng_client, org, other_org, engineer
):
    declare(org, engineer, services=["search-api"])
    outsider = UserFactory(username="outsider")
    MembershipFactory(user=outsider, organization=other_org, role=Role.ADMIN)
    html = body(eng_client.get(url("incident_declare")))
    assert '<datalist id="service-options"><option value="search-api">' in html
    assert 'type="datetime-local"' in html
    assert "(@engineer)" in html and "outsider" not in html


def test_declaring_creates_the_incident_in_the_org_time_zone_and_redirects(
    eng_client, org, engineer
):
    response = eng_client.post(
        url("incident_declare"), _declare_data(commander=engineer.pk), follow=True
    )
    incident = Incident.objects.get(organization=org)
    assert response.redirect_chain[-1][0] == url("incident_detail", incident)
    assert incident.started_at == T0  # 10:30 Paris is 09:30 UTC
    assert incident.detected_at == T0 + timedelta(minutes=5)
    assert incident.commander == engineer and incident.customer_impact
    assert {link.service.name for link in incident.service_links.all()} == {
        "payments-api",
        "checkout",
    }
    assert f"{incident.ref} declared" in body(response)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"detected_at": "2026-03-10T10:00"}, "detected_at", "cannot be before"),
        ({"severity": "SEV9"}, "severity", "Select a valid choice"),
        ({"title": ""}, "title", "required"),
        ({"started_at": "yesterday-ish"}, "started_at", "valid date/time"),
        ({"services": "x" * 81}, "services", "longer than 80"),
    ],
)
def test_bad_input_re_renders_with_field_messages(eng_client, org, overrides, field, message):
    response = eng_client.post(url("incident_declare"), _declare_data(**overrides))
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert f'id="id_{field}_error"' in body(response)
    widget = next(a for _, a in Elements(body(response)).tags if a.get("id") == f"id_{field}")
    assert f"id_{field}_error" in widget["aria-describedby"].split()  # the message is announced
    assert not Incident.objects.exists()


def test_a_commander_from_another_organization_is_refused(eng_client, org, other_org):
    outsider = UserFactory(username="outsider")
    MembershipFactory(user=outsider, organization=other_org)
    response = eng_client.post(url("incident_declare"), _declare_data(commander=outsider.pk))
    assert response.status_code == 400
    assert "commander" in response.context["form"].errors
    assert not Incident.objects.exists()


# --- Editing ---------------------------------------------------------------------------------


def _edit_data(incident, **overrides) -> dict:
    data = {
        "title": incident.title,
        "severity": incident.severity,
        "services": "payments-api",
        "commander": incident.commander_id or "",
        "started_at": "2026-03-10T10:30",
        "detected_at": "",
        "acknowledged_at": "",
        "mitigated_at": "",
        "description": incident.description,
    }
    data.update(overrides)
    return data


def test_editing_corrects_fields_and_services(eng_client, incident):
    data = _edit_data(incident, title="Card payments failing", services="payments-api, ledger")
    response = eng_client.post(url("incident_edit", incident), data)
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.title == "Card payments failing"
    assert {link.service.name for link in incident.service_links.all()} == {
        "payments-api",
        "ledger",
    }


def test_editing_keeps_the_seconds_of_times_nobody_touched(eng_client, incident):
    Incident.objects.filter(pk=incident.pk).update(started_at=T0 + timedelta(seconds=42))
    eng_client.post(url("incident_edit", incident), _edit_data(incident, title="Renamed"))
    incident.refresh_from_db()
    assert incident.started_at == T0 + timedelta(seconds=42)


def test_editing_times_out_of_order_gives_field_messages(eng_client, incident):
    data = _edit_data(incident, mitigated_at="2026-03-10T09:00")
    response = eng_client.post(url("incident_edit", incident), data)
    assert response.status_code == 400
    assert "cannot be before" in " ".join(response.context["form"].errors["mitigated_at"])


# --- The incident page -----------------------------------------------------------------------


def test_the_incident_page_shows_header_times_people_and_policy(
    eng_client, org, engineer, member_factory
):
    helper = member_factory(username="helper", first_name="Hana", last_name="Helper")
    incident = declare(
        org,
        engineer,
        severity="SEV1",
        detected_at=T0 + timedelta(minutes=4),
        security=True,
        participants=[helper],
    )
    mark_resolved(incident, after=timedelta(hours=2, minutes=14))
    html = body(eng_client.get(url("incident_detail", incident)))
    assert "sev--sev1" in html and "status--resolved" in html
    assert "Postmortem required" in html and "Security" in html
    assert "2h 14m" in html and "4m" in html
    assert "Hana Helper" in html and "payments-api" in html
    for action in ("incident_acknowledge", "incident_mitigate", "incident_resolve"):
        assert url(action, incident) not in html  # resolved: no further steps


def test_action_buttons_follow_status_and_role(client, incident, engineer, viewer):
    client.force_login(engineer)
    html = body(client.get(url("incident_detail", incident)))
    for action in ("incident_acknowledge", "incident_mitigate", "incident_resolve"):
        assert url(action, incident) in html
    transitions.incident_mitigate(incident=incident, actor=engineer)
    html = body(client.get(url("incident_detail", incident)))
    assert url("incident_acknowledge", incident) not in html
    assert url("incident_resolve", incident) in html
    client.force_login(viewer)
    html = body(client.get(url("incident_detail", incident)))
    assert url("incident_resolve", incident) not in html
    assert url("incident_edit", incident) not in html
    assert 'id="new-entry-form"' not in html


def test_the_description_renders_as_markdown(eng_client, incident):
    html = body(eng_client.get(url("incident_detail", incident)))
    assert "Card payments <strong>fail</strong> for EU customers." in html


def test_timeline_is_grouped_by_day_in_the_org_time_zone_with_t_offsets(
    eng_client, incident, engineer
):
    # 22:30 UTC is 23:30 in Paris on the 10th; 23:30 UTC is 00:30 on the 11th.
    for hour, text in ((22, "late evening"), (23, "after midnight")):
        services.timeline_entry_add(
            incident=incident,
            actor=engineer,
            occurred_at=datetime(2026, 3, 10, hour, 30, tzinfo=UTC),
            description=text,
        )
    services.timeline_entry_add(
        incident=incident,
        actor=None,
        actor_name="PagerDuty",
        occurred_at=T0 - timedelta(minutes=5),
        description="early warning",
        is_key_event=True,
    )
    html = body(eng_client.get(url("incident_detail", incident)))
    assert "Tuesday, March 10, 2026" in html and "Wednesday, March 11, 2026" in html
    assert html.index("late evening") < html.index("Wednesday, March 11") < html.index("after mid")
    assert "T+13h 00m" in html and "T+14h 00m" in html
    assert "T−5m" in html and "PagerDuty" in html
    assert "tl-entry--key" in html


def test_metric_charts_render_as_inline_svg(eng_client, incident):
    services.metric_series_set(
        incident=incident,
        key="errorRate",
        name="Error rate",
        unit="%",
        points=[(T0 + timedelta(minutes=m), m * 1.5) for m in range(10)],
    )
    html = body(eng_client.get(url("incident_detail", incident)))
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="chart"' in html
    assert "Error rate (%)" in html and "<polyline" in html


def test_the_incident_page_runs_a_constant_number_of_queries(
    eng_client, org, engineer, count_queries
):
    incident = declare(org, engineer)

    def grow(n: int) -> None:
        for i in range(n):
            services.timeline_entry_add(
                incident=incident,
                actor=engineer,
                occurred_at=T0 + timedelta(minutes=i),
                description=f"step {i}",
            )
            services.link_add(incident=incident, type="ALERT", title=f"a{i}", url="https://x.io")
        for i in range(min(n, 3)):
            services.metric_series_set(
                incident=incident, key=f"m{i}", name="M", unit="", points=[(T0, 1.0)]
            )

    detail_url = url("incident_detail", incident)
    grow(2)
    small = count_queries(lambda: eng_client.get(detail_url))
    grow(40)
    large = count_queries(lambda: eng_client.get(detail_url))
    assert large == small


def _entry_ids(html: str) -> list[int]:
    return [
        int(attrs["id"].removeprefix("entry-"))
        for tag, attrs in Elements(html).tags
        if tag == "li" and attrs.get("id", "").startswith("entry-")
    ]


def _load_earlier_url(html: str) -> str | None:
    return next(
        (a["hx-get"] for _, a in Elements(html).tags if "before=" in (a.get("hx-get") or "")),
        None,
    )


def test_long_timelines_show_the_latest_days_and_load_earlier_ones(eng_client, org, engineer):
    incident = declare(org, engineer)
    TimelineEntry.objects.bulk_create(
        TimelineEntry(
            organization=org,
            incident=incident,
            occurred_at=T0 + timedelta(minutes=10 * i),
            description=f"tick {i}",
        )
        for i in range(700)
    )
    response = eng_client.get(url("incident_detail", incident))
    shown = response.context["timeline"].entries
    assert 0 < len(shown) <= selectors.TIMELINE_WINDOW
    first_shown = timezone.localtime(shown[0].occurred_at, ZoneInfo("Europe/Paris"))
    assert (first_shown.hour, first_shown.minute) == (0, 0)  # whole days, the latest ones
    seen = _entry_ids(body(response))
    assert seen == [e.pk for e in shown]
    link = _load_earlier_url(body(response))
    while link:
        earlier = eng_client.get(link, headers=HTMX)
        assert earlier.status_code == 200 and "<html" not in body(earlier)
        seen = _entry_ids(body(earlier)) + seen
        link = _load_earlier_url(body(earlier))
    every_entry = TimelineEntry.objects.filter(incident=incident).order_by("occurred_at", "id")
    assert seen == list(every_entry.values_list("id", flat=True))  # each once, in order


def test_another_organizations_incident_is_404(eng_client, other_org):
    foreign = declare(other_org, None)
    assert eng_client.get(url("incident_detail", foreign)).status_code == 404
    assert eng_client.get(url("incident_list") + "INC-oops/").status_code == 404


# --- Transitions -----------------------------------------------------------------------------


def test_acknowledge_mitigate_resolve_through_the_page(eng_client, incident):
    for name, status in (
        ("incident_acknowledge", Status.ACKNOWLEDGED),
        ("incident_mitigate", Status.MITIGATED),
        ("incident_resolve", Status.RESOLVED),
    ):
        response = eng_client.post(url(name, incident), follow=True)
        assert response.redirect_chain[-1][0] == url("incident_detail", incident)
        incident.refresh_from_db()
        assert incident.status == status
        assert f"{incident.ref} is now {status.label.lower()}" in body(response)


def test_resolving_twice_is_harmless(eng_client, incident):
    eng_client.post(url("incident_resolve", incident))
    incident.refresh_from_db()
    resolved_at = incident.resolved_at
    response = eng_client.post(url("incident_resolve", incident), follow=True)
    incident.refresh_from_db()
    assert incident.status == Status.RESOLVED and incident.resolved_at == resolved_at
    assert "was already resolved" in body(response)


def test_a_refused_transition_says_why(eng_client, incident):
    eng_client.post(url("incident_resolve", incident))
    response = eng_client.post(url("incident_mitigate", incident), follow=True)
    assert "cannot be mitigated again" in body(response)
    response = eng_client.post(url("incident_mitigate", incident), headers=HTMX)
    assert response.status_code == 409
    assert response["HX-Retarget"] == "#messages"
    assert "<html" not in body(response) and "cannot be mitigated again" in body(response)


def test_transitions_are_post_only(eng_client, incident):
    assert eng_client.get(url("incident_resolve", incident)).status_code == 405
    incident.refresh_from_db()
    assert incident.status == Status.OPEN


# --- Roles -----------------------------------------------------------------------------------


def _write_requests(incident: Incident, entry: TimelineEntry, link: IncidentLink):
    ids = {"entry_id": entry.pk}
    return [
        ("get", url("incident_declare")),
        ("post", url("incident_declare")),
        ("get", url("incident_edit", incident)),
        ("post", url("incident_edit", incident)),
        ("post", url("incident_acknowledge", incident)),
        ("post", url("incident_mitigate", incident)),
        ("post", url("incident_resolve", incident)),
        ("post", url("timeline_entries", incident)),
        ("get", url("timeline_entry_edit", incident, **ids)),
        ("post", url("timeline_entry_edit", incident, **ids)),
        ("post", url("timeline_entry_delete", incident, **ids)),
        ("post", url("incident_link_add", incident)),
        ("post", url("incident_link_delete", incident, link_id=link.pk)),
    ]


@pytest.fixture
def entry(incident) -> TimelineEntry:
    return TimelineEntry.objects.filter(incident=incident).first()


@pytest.fixture
def link(incident) -> IncidentLink:
    return services.link_add(incident=incident, type="ALERT", title="p95", url="https://a.io/1")


@pytest.mark.parametrize("htmx", [False, True])
def test_a_viewer_gets_403_on_every_write(viewer_client, incident, entry, link, htmx):
    data = {"title": "x", "description": "x", "new-entry-description": "x"}
    for method, target in _write_requests(incident, entry, link):
        response = getattr(viewer_client, method)(
            target, data if method == "post" else None, headers=HTMX if htmx else {}
        )
        assert response.status_code == 403, f"{method} {target}"
    incident.refresh_from_db()
    assert incident.status == Status.OPEN and incident.title == "Checkout errors"
    assert TimelineEntry.objects.filter(pk=entry.pk).exists()
    assert IncidentLink.objects.filter(pk=link.pk).exists()


def test_a_viewer_may_read_every_page(viewer_client, incident):
    for target in (
        url("incident_list"),
        url("incidents_needing_postmortem"),
        url("incident_detail", incident),
        url("timeline_entries", incident),
    ):
        assert viewer_client.get(target).status_code == 200, target


def test_an_engineer_may_write(eng_client, incident, entry, link):
    assert eng_client.get(url("incident_declare")).status_code == 200
    assert eng_client.get(url("incident_edit", incident)).status_code == 200
    edit = url("timeline_entry_edit", incident, entry_id=entry.pk)
    assert eng_client.get(edit, headers=HTMX).status_code == 200
    delete = url("incident_link_delete", incident, link_id=link.pk)
    assert eng_client.post(delete, headers=HTMX).status_code == 200


# --- Timeline, inline ------------------------------------------------------------------------


def _entry_data(prefix="new-entry", **overrides) -> dict:
    data = {
        f"{prefix}-occurred_at": "2026-03-10T10:45",
        f"{prefix}-kind": "DECISION",
        f"{prefix}-description": "Roll back to **v2.3.0**",
        f"{prefix}-evidence_url": "https://ci.example.com/run/42",
        f"{prefix}-is_key_event": "on",
    }
    data.update({f"{prefix}-{key}": value for key, value in overrides.items()})
    return data


def test_adding_an_entry_with_htmx_returns_the_updated_timeline(eng_client, incident, engineer):
    response = eng_client.post(url("timeline_entries", incident), _entry_data(), headers=HTMX)
    html = body(response)
    assert response.status_code == 200
    assert "<html" not in html and html.lstrip().startswith('<section id="timeline"')
    assert "Roll back to <strong>v2.3.0</strong>" in html and "T+15m" in html
    entry = TimelineEntry.objects.get(incident=incident, kind="DECISION")
    assert entry.actor == engineer and entry.is_key_event
    assert entry.occurred_at == T0 + timedelta(minutes=15)


def test_adding_an_entry_without_htmx_redirects_to_the_timeline(eng_client, incident):
    response = eng_client.post(url("timeline_entries", incident), _entry_data())
    assert response.status_code == 302
    assert response["Location"].endswith("#timeline")


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"description": "   "}, "description", "Say what happened"),
        ({"occurred_at": ""}, "occurred_at", "required"),
        ({"kind": "GOSSIP"}, "kind", "Select a valid choice"),
        ({"evidence_url": "javascript:alert(1)"}, "evidence_url", "http:// or https://"),
    ],
)
def test_a_bad_entry_answers_400_with_the_form_and_its_errors(
    eng_client, incident, overrides, field, message
):
    before = TimelineEntry.objects.count()
    response = eng_client.post(
        url("timeline_entries", incident), _entry_data(**overrides), headers=HTMX
    )
    html = body(response)
    assert response.status_code == 400
    assert response["HX-Retarget"] == "#new-entry-form"
    assert "<html" not in html and 'id="new-entry-form"' in html
    assert message in html and f'id="id_new-entry-{field}_error"' in html
    assert TimelineEntry.objects.count() == before


def test_editing_an_entry_inline(eng_client, incident, entry):
    edit = url("timeline_entry_edit", incident, entry_id=entry.pk)
    form = eng_client.get(edit, headers=HTMX)
    assert form.status_code == 200 and "<html" not in body(form)
    assert f'id="entry-{entry.pk}"' in body(form) and "<form" in body(form)
    prefix = f"entry-{entry.pk}"
    saved = eng_client.post(
        edit, _entry_data(prefix, description="Declared *after* the page"), headers=HTMX
    )
    assert saved.status_code == 200 and "tl-entry--editing" not in body(saved)
    assert "Declared <em>after</em> the page" in body(saved)
    entry.refresh_from_db()
    assert entry.kind == "DECISION" and entry.description == "Declared *after* the page"


def test_editing_an_entry_with_bad_input_answers_400(eng_client, incident, entry):
    edit = url("timeline_entry_edit", incident, entry_id=entry.pk)
    prefix = f"entry-{entry.pk}"
    response = eng_client.post(edit, _entry_data(prefix, evidence_url="ftp://x"), headers=HTMX)
    assert response.status_code == 400
    assert "http:// or https://" in body(response) and "<html" not in body(response)


def test_cancelling_an_edit_shows_the_entry_again(eng_client, incident, entry):
    edit = url("timeline_entry_edit", incident, entry_id=entry.pk)
    response = eng_client.get(edit + "?cancel=1", headers=HTMX)
    assert response.status_code == 200 and "tl-entry--editing" not in body(response)
    assert entry.description in body(response)


def test_editing_without_htmx_is_a_page(eng_client, incident, entry):
    edit = url("timeline_entry_edit", incident, entry_id=entry.pk)
    assert "<html" in body(eng_client.get(edit))
    response = eng_client.post(edit, _entry_data(f"entry-{entry.pk}"))
    assert response.status_code == 302 and response["Location"].endswith(f"#entry-{entry.pk}")


def test_deleting_an_entry_inline(eng_client, incident, entry):
    delete = url("timeline_entry_delete", incident, entry_id=entry.pk)
    response = eng_client.post(delete, headers=HTMX)
    assert response.status_code == 200 and body(response) == ""
    assert not TimelineEntry.objects.filter(pk=entry.pk).exists()
    assert eng_client.post(delete, headers=HTMX).status_code == 404


def test_entries_are_looked_up_within_the_incident_and_organization(
    eng_client, org, other_org, engineer, incident
):
    sibling = declare(org, engineer, title="Another incident")
    sibling_entry = TimelineEntry.objects.filter(incident=sibling).first()
    with scope(organization=other_org):
        foreign_entry = TimelineEntry.objects.filter(incident=declare(other_org, None)).first()
    for entry_id in (sibling_entry.pk, foreign_entry.pk):
        for name in ("timeline_entry_edit", "timeline_entry_delete"):
            target = url(name, incident, entry_id=entry_id)
            assert eng_client.post(target, headers=HTMX).status_code == 404
    with scopes_disabled():  # both still there
        assert (
            TimelineEntry.objects.filter(pk__in=[sibling_entry.pk, foreign_entry.pk]).count() == 2
        )


def test_every_incident_route_answers_404_for_another_organizations_incident(eng_client, other_org):
    with scope(organization=other_org):
        foreign = declare(other_org, None)
        entry = TimelineEntry.objects.filter(incident=foreign).first()
        link = services.link_add(incident=foreign, type="LOG", title="logs", url="https://l.io")
    names = {
        "incident_detail": {},
        "incident_edit": {},
        "incident_acknowledge": {},
        "incident_mitigate": {},
        "incident_resolve": {},
        "timeline_entries": {},
        "timeline_entry_edit": {"entry_id": entry.pk},
        "timeline_entry_delete": {"entry_id": entry.pk},
        "incident_link_add": {},
        "incident_link_delete": {"link_id": link.pk},
    }
    for name, extra in names.items():
        for method in ("get", "post"):
            response = getattr(eng_client, method)(url(name, foreign, **extra))
            assert response.status_code == 404, f"{method} {name}"
    foreign.refresh_from_db()
    assert foreign.status == Status.OPEN
    with scope(organization=other_org):
        assert IncidentLink.objects.filter(pk=link.pk).exists()


# --- Untrusted text --------------------------------------------------------------------------

XSS_CORPUS = [
    "<script>alert('desc')</script>",
    "<img src=x onerror=alert(1)>",
    "[click me](javascript:alert(1))",
    "[sneaky](JaVaScRiPt:alert(1))",
    '<a href="/o/acme/evil" hx-get="/o/acme/evil" hx-trigger="load">x</a>',
    '<iframe src="https://evil.example"></iframe>',
    '<p style="position:fixed;inset:0">cover</p>',
    '<svg onload="alert(1)"></svg>',
    "![pixel](https://evil.example/p.png)",
    'Para with attrs\n{: onclick="alert(1)" hx-post="/o/acme/evil" style="x" #messages }',
]


def assert_inert(html: str) -> None:
    """Nothing in the page can run script, drive htmx to our payloads, or restyle the page."""
    elements = Elements(html).tags
    for tag, attrs in elements:
        where = (tag, attrs)
        values = {name: value or "" for name, value in attrs.items()}
        assert tag not in {"iframe", "object", "embed"}, where
        if tag == "script":
            assert values.get("src", "").startswith("/static/"), where
        if tag == "img":  # same-origin paths only (metric charts), or no source at all
            src = values.get("src", "")
            assert src == "" or (src.startswith("/") and not src.startswith("//")), where
        assert not any(name.startswith("on") for name in values), where
        assert "style" not in values, where
        hx_values = [value for name, value in values.items() if name.startswith("hx-")]
        assert not any("/o/acme/evil" in value for value in hx_values), where
        assert not values.get("href", "").lower().startswith(("javascript:", "data:")), where
    assert [attrs.get("id") for _, attrs in elements].count("messages") <= 1


def test_markdown_xss_corpus_is_inert_on_the_incident_page_and_timeline(eng_client, org, engineer):
    payload = "\n\n".join(XSS_CORPUS)
    incident = declare(org, engineer, description=payload)
    response = eng_client.post(
        url("timeline_entries", incident), _entry_data(description=payload), headers=HTMX
    )
    assert response.status_code == 200
    assert_inert(body(response))
    html = body(eng_client.get(url("incident_detail", incident)))
    assert_inert(html)
    assert "&lt;script&gt;alert(" in html  # shown as text, not run
    entry = TimelineEntry.objects.filter(incident=incident, kind="DECISION").first()
    edit = body(eng_client.get(url("timeline_entry_edit", incident, entry_id=entry.pk) + "?cancel"))
    assert_inert(edit)


def test_stored_non_http_links_are_never_hrefs(eng_client, org, engineer, incident):
    TimelineEntry.objects.create(
        organization=org,
        incident=incident,
        occurred_at=T0,
        description="bad evidence",
        evidence_url="javascript:alert(1)",
    )
    IncidentLink.objects.create(
        organization=org, incident=incident, type="LOG", title="bad", url="javascript:alert(2)"
    )
    assert_inert(body(eng_client.get(url("incident_detail", incident))))


# --- Links -----------------------------------------------------------------------------------


def _link_data(**overrides) -> dict:
    data = {
        "link-type": "RELEASE",
        "link-title": "payments-api v2.3.1",
        "link-url": "https://github.com/acme/payments/releases/v2.3.1",
        "link-relationship": "CAUSED_BY",
        "link-external_id": "",
        "link-occurred_at": "",
    }
    data.update({f"link-{key}": value for key, value in overrides.items()})
    return data


def test_adding_a_link_with_htmx_returns_the_panel(eng_client, incident):
    response = eng_client.post(url("incident_link_add", incident), _link_data(), headers=HTMX)
    html = body(response)
    assert response.status_code == 200
    assert "<html" not in html and html.lstrip().startswith('<section id="links"')
    assert "Release" in html and "payments-api v2.3.1" in html and "rel--caused_by" in html
    assert 'rel="noopener noreferrer nofollow"' in html
    assert IncidentLink.objects.filter(incident=incident).count() == 1


@pytest.mark.parametrize(
    "bad_url", ["javascript:alert(1)", "ftp://files.example.com/x", "data:text/html,hi"]
)
def test_a_link_must_be_http(eng_client, incident, bad_url):
    response = eng_client.post(
        url("incident_link_add", incident), _link_data(url=bad_url), headers=HTMX
    )
    assert response.status_code == 400
    assert "http:// or https://" in body(response) and 'id="id_link-url_error"' in body(response)
    assert not IncidentLink.objects.exists()


def test_a_link_needs_a_url_or_an_external_id(eng_client, incident):
    response = eng_client.post(url("incident_link_add", incident), _link_data(url=""))
    assert response.status_code == 400
    assert "Give a URL or an external id." in body(response)


def test_deleting_a_link(eng_client, incident, link):
    response = eng_client.post(url("incident_link_delete", incident, link_id=link.pk), headers=HTMX)
    assert response.status_code == 200 and "p95" not in body(response)
    assert not IncidentLink.objects.filter(pk=link.pk).exists()


def test_a_link_of_another_incident_is_404(eng_client, org, engineer, incident):
    sibling = declare(org, engineer, title="Another")
    other = services.link_add(incident=sibling, type="LOG", title="l", url="https://l.io")
    target = url("incident_link_delete", incident, link_id=other.pk)
    assert eng_client.post(target).status_code == 404
    assert IncidentLink.objects.filter(pk=other.pk).exists()


# --- Charts ----------------------------------------------------------------------------------


def _series(incident, points, name="p99 latency", unit="ms") -> MetricSeries:
    return services.metric_series_set(
        incident=incident, key="latency", name=name, unit=unit, points=points
    )


def test_a_chart_has_its_title_axes_line_window_and_markers(incident):
    mark_resolved(incident, after=timedelta(minutes=40))
    points = [(T0 + timedelta(minutes=m - 10), 200 + 30 * m) for m in range(60)]
    with timezone.override("Europe/Paris"):
        svg = str(render_chart(_series(incident, points)))
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert 'role="img"' in svg and "<title" in svg and "<desc" in svg
    assert "p99 latency (ms)" in svg and "<polyline" in svg
    assert "Impact" in svg and "Resolved" in svg and "<rect" in svg
    assert "10:30" in svg  # an x tick in the org's time zone (Europe/Paris)
    assert "<script" not in svg and "style=" not in svg


def test_chart_text_is_escaped(incident):
    svg = str(render_chart(_series(incident, [(T0, 1.0)], name="<script>x</script>", unit="&")))
    assert "<script>" not in svg and "&lt;script&gt;" in svg


def test_a_chart_copes_with_an_empty_series(incident):
    svg = str(render_chart(_series(incident, [])))
    assert "No data points recorded" in svg and "p99 latency" in svg
    assert svg.endswith("</svg>")


def test_a_chart_copes_with_one_point_and_malformed_points(incident):
    series = _series(incident, [(T0, 5.0)])
    series.points += [["not a time", 3], [T0.isoformat(), "NaN"], [T0.isoformat()]]
    svg = str(render_chart(series, incident=incident))
    assert "<polyline" in svg and "<circle" in svg


@pytest.mark.parametrize(
    ("low", "high"), [(0, 1), (0, 7.3), (0, 123), (-3, 12), (0, 98765), (5, 5)]
)
def test_nice_ticks_are_3_to_5_round_values_covering_the_range(low, high):
    ticks = nice_ticks(low, high)
    assert 3 <= len(ticks) <= 5
    assert ticks[0] <= low and ticks[-1] >= high


@pytest.mark.parametrize(
    ("ticks", "labels"),
    [
        ([0, 0.25, 0.5], ["0", "0.25", "0.50"]),
        ([0, 500, 1000, 1500], ["0", "500", "1,000", "1,500"]),
        ([0, 25_000, 50_000], ["0", "25k", "50k"]),
        ([0, 500_000, 1_000_000, 1_500_000], ["0", "0.5M", "1.0M", "1.5M"]),
        ([-5, 0, 5], ["-5", "0", "5"]),
        ([0, 5_000_000, 10_000_000], ["0", "5M", "10M"]),
    ],
)
def test_tick_labels_are_short_and_consistent(ticks, labels):
    assert tick_labels(ticks) == labels


# --- Fragment cache --------------------------------------------------------------------------


def test_cached_timeline_entries_and_rows_never_go_stale(eng_client, client, org, engineer, viewer):
    incident = declare(org, engineer, title="Cache me")
    entry = services.timeline_entry_add(
        incident=incident, actor=engineer, occurred_at=incident.started_at, description="first"
    )
    assert "first" in body(eng_client.get(url("incident_detail", incident)))
    services.timeline_entry_update(entry=entry, description="second")
    page = body(eng_client.get(url("incident_detail", incident)))
    assert "second" in page and ">first<" not in page
    # the same entry seen by a viewer: no edit controls leak from the engineer's cached copy
    client.force_login(viewer)
    assert f"{entry.pk}/edit/" not in body(client.get(url("incident_detail", incident)))
    # list rows follow changes too
    assert "Cache me" in body(eng_client.get(url("incident_list")))
    services.incident_update(incident=incident, actor=engineer, title="Renamed")
    listing = body(eng_client.get(url("incident_list")))
    assert "Renamed" in listing and "Cache me" not in listing
