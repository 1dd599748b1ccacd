"""The timeline section is kept in time order: stored that way whoever writes it (the editor,
a restore, a service call), stable for rows at the same time, and shown that way even when
older data was stored out of order (one day header per day in the read view, review page and
exports)."""

import json
import re

import pytest
from django.urls import reverse
from django_scopes import scope

from organizations.roles import Role
from postmortems import services
from postmortems.models import Section
from tests.postmortems.editor.helpers import (
    HTMX,
    make_incident,
    make_postmortem,
    rows_post,
    save_url,
    section,
    timeline_row,
)
from tests.postmortems.exports.helpers import export_url, pdf_text


def utc_row(day: int, hour: int, minute: int, event: str) -> dict:
    return {
        "time": f"2026-03-{day:02d}T{hour:02d}:{minute:02d}:00+00:00",
        "event": event,
        "actor": "",
        "key": False,
    }


# Two days, written out of order; "Same A" and "Same B" share a minute, in that order.
SHUFFLED = [
    utc_row(11, 9, 0, "Day two, morning"),
    utc_row(10, 14, 5, "Same A"),
    utc_row(10, 14, 0, "Day one, first"),
    utc_row(11, 8, 0, "Day two, early"),
    utc_row(10, 14, 5, "Same B"),
    utc_row(10, 23, 30, "Day one, late"),
]
IN_ORDER = [
    "Day one, first",
    "Same A",
    "Same B",
    "Day one, late",
    "Day two, early",
    "Day two, morning",
]


@pytest.fixture
def author(member_factory):
    return member_factory(Role.ENGINEER, username="ann")


@pytest.fixture
def postmortem(org, author):
    services.templates_install_builtins(organization=org)
    return make_postmortem(org, author, make_incident(org, commander=author))


def events(postmortem) -> list[str]:
    return [row["event"] for row in section(postmortem, "timeline").data["rows"]]


def test_a_save_stores_the_rows_in_time_order_stable_for_equal_times(postmortem, author):
    with scope(organization=postmortem.organization):
        services.postmortem_save(
            postmortem=postmortem,
            actor=author,
            base_version=postmortem.version,
            section_data={"timeline": {"rows": SHUFFLED}},
        )
    assert events(postmortem) == IN_ORDER


def test_the_editor_stores_rows_in_time_order_and_redraws_them(client, postmortem, author):
    client.force_login(author)
    rows = [timeline_row(30, "Later"), timeline_row(5, "Earlier"), timeline_row(30, "Also later")]
    response = client.post(
        save_url(postmortem, "timeline"), rows_post(postmortem, "timeline", rows), headers=HTMX
    )
    assert response.status_code == 200
    assert events(postmortem) == ["Earlier", "Later", "Also later"]
    saved = json.loads(response["HX-Trigger"])["pm:saved"]
    assert saved["digest"] == services.content_digest(section(postmortem, "timeline").data)
    # The writer sees the order that was stored, not the order they typed.
    typed = re.findall(r'name="s-timeline-\d+-event"[^>]*>\n?([^<]*)<', response.content.decode())
    assert typed == ["Earlier", "Later", "Also later"]


def test_a_save_already_in_order_is_not_redrawn(client, postmortem, author):
    client.force_login(author)
    rows = [timeline_row(5, "Earlier"), timeline_row(30, "Later")]
    response = client.post(
        save_url(postmortem, "timeline"), rows_post(postmortem, "timeline", rows), headers=HTMX
    )
    assert response.status_code == 200 and response["HX-Reswap"] == "none"


def day_headers(html: str) -> list[str]:
    return re.findall(r"(\w+day, \w+ \d+, 2026)", html)


@pytest.fixture
def shuffled(postmortem):
    """Rows stored out of order before the service kept them sorted."""
    Section.objects.filter(postmortem=postmortem, key="timeline").update(data={"rows": SHUFFLED})
    postmortem.refresh_from_db()
    return postmortem


def test_the_read_view_shows_rows_in_order_with_one_header_per_day(client, author, shuffled):
    client.force_login(author)
    html = client.get(
        reverse(
            "postmortem_detail",
            kwargs={"org_slug": shuffled.organization.slug, "number": shuffled.number},
        )
    ).content.decode()
    table = html[html.index('class="doc-timeline"') :]
    table = table[: table.index("</table>")]
    # Europe/Paris: "Day one, late" (23:30 UTC) is already the 11th there.
    assert day_headers(table) == ["Tuesday, March 10, 2026", "Wednesday, March 11, 2026"]
    positions = [table.index(event) for event in IN_ORDER]
    assert positions == sorted(positions)


def test_exports_show_rows_in_order(client, org, author, shuffled):
    client.force_login(author)
    markdown = client.get(export_url(org, shuffled, "md")).content.decode()
    positions = [markdown.index(event) for event in IN_ORDER]
    assert positions == sorted(positions)

    data = json.loads(client.get(export_url(org, shuffled, "json")).content)
    assert [row["event"] for row in data["timeline"]] == IN_ORDER

    text = pdf_text(client.get(export_url(org, shuffled, "pdf")).content)
    assert text.count("Wednesday, March 11, 2026") == 1
    positions = [text.index(event) for event in IN_ORDER]
    assert positions == sorted(positions)
