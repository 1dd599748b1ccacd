"""The incident page's timeline and links, edited inline; untrusted text on the page and the
timeline; the cached timeline entries and list rows."""

from datetime import timedelta

import pytest
from django_scopes import scope, scopes_disabled

from incidents import services
from incidents.models import IncidentLink, Status, TimelineEntry
from tests.incidents.page_helpers import HTMX, T0, body, declare, url
from tests.markup import Elements

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
