"""The incident list (filters, sorting, paging, the needs-postmortem list), declaring and
editing an incident."""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from incidents.models import Incident
from organizations.roles import Role
from postmortems.models import Postmortem
from tests.factories import MembershipFactory, UserFactory
from tests.incidents.page_helpers import HTMX, T0, body, declare, mark_resolved, url
from tests.markup import Elements

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
