"""The incident's "Import chat" page: proposals from a Slack export or a pasted log, the
writer's choice, and what lands on the timeline."""

from datetime import timedelta

import pytest

from incidents.models import EntryKind, TimelineEntry
from integrations.chat.models import ImportedChatMessage
from tests.integrations.chat.pages import add, page_url, payload_of, read, upload
from tests.integrations.chat.samples import T0, day_file, slack_zip

pytestmark = pytest.mark.django_db


def imported(incident):
    return list(
        TimelineEntry.objects.filter(incident=incident, kind=EntryKind.COMMUNICATION).order_by(
            "occurred_at", "id"
        )
    )


def test_the_incident_page_offers_the_import_and_the_page_says_what_it_accepts(
    eng_client, incident
):
    detail = eng_client.get(f"/o/acme/incidents/{incident.ref}/")
    assert page_url(incident).encode() in detail.content
    page = eng_client.get(page_url(incident))
    assert page.status_code == 200
    text = page.content.decode()
    assert "[10:42] alice: rolled back" in text
    assert "2026-03-04 10:42:11 &lt;bob&gt; restarting pods" in text
    assert "Europe/Paris" in text


def test_zip_proposals_map_members_and_leave_messages_outside_the_window_unchecked(
    eng_client, incident, alice
):
    response = read(eng_client, incident, file=upload("export.zip", slack_zip()))
    assert response.status_code == 200
    text = response.content.decode()
    rows = text.split('class="chat-proposal')[1:]
    assert len(rows) == 4
    yesterday, alice_row, carol_row, bot_row = rows
    assert "Outside the window" in yesterday and " checked" not in yesterday.split("</td>")[0]
    assert all(" checked" in row.split("</td>")[0] for row in (alice_row, carol_row, bot_row))
    assert "asmith" in alice_row  # by the Slack profile's email
    assert "Carol Contractor <span" in carol_row and "not a member" in carol_row
    assert "[the dashboard](https://grafana.example.com/d/1) &amp; #general" in alice_row
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in bot_row and "<script>alert" not in text
    assert "15:05" in alice_row  # 14:05 UTC in Paris
    assert not imported(incident)  # nothing is added by proposing


def test_only_the_picked_messages_are_added_in_order_with_author_time_and_source(
    eng_client, incident, alice
):
    payload = payload_of(read(eng_client, incident, file=upload("export.zip", slack_zip())))
    response = add(eng_client, incident, payload, ["3", "1"])
    assert response.status_code == 302
    assert response["Location"].endswith(f"/incidents/{incident.ref}/#timeline")
    entries = imported(incident)
    assert [(e.occurred_at.replace(microsecond=0), e.actor, e.actor_name) for e in entries] == [
        (T0 + timedelta(minutes=5), alice, ""),
        (T0 + timedelta(minutes=20), None, "deploybot"),
    ]
    assert entries[0].description.startswith("Checkout errors climbing")
    sources = ImportedChatMessage.objects.filter(incident=incident)
    assert {(s.entry_id, s.source) for s in sources} == {
        (entries[0].pk, "Slack #inc-checkout"),
        (entries[1].pk, "Slack #inc-checkout"),
    }
    page = eng_client.get(f"/o/acme/incidents/{incident.ref}/")
    assert b"<script>alert(1)" not in page.content
    assert b"Checkout errors climbing" in page.content


def test_importing_the_same_messages_again_adds_nothing(eng_client, incident, alice):
    payload = payload_of(read(eng_client, incident, file=upload("export.zip", slack_zip())))
    add(eng_client, incident, payload, ["1", "2", "3"])
    again = read(eng_client, incident, file=upload("export.zip", slack_zip()))
    assert again.content.decode().count("Already on the timeline") == 3
    response = add(eng_client, incident, payload_of(again), ["0", "1", "2", "3"])
    assert response.status_code == 302
    assert len(imported(incident)) == 4  # only yesterday's message was new
    add(eng_client, incident, payload, ["1", "2", "3"])  # the old page, submitted again
    assert len(imported(incident)) == 4
    alone = read(eng_client, incident, file=upload("2026-03-10.json", day_file()))
    assert alone.content.decode().count("Already on the timeline") == 4  # the same messages


def test_a_single_channel_day_file_and_a_pasted_log(eng_client, incident, member_factory):
    member_factory(username="bob")
    log = "[15:10] bob: restarting pods\n[15:12] Mallory: <b>done</b>\n[09:00] eve: yesterday?"
    response = read(eng_client, incident, log=log, log_date="2026-03-10")
    assert response.status_code == 200
    add(eng_client, incident, payload_of(response), ["0", "1"])
    entries = imported(incident)
    assert [(e.occurred_at, e.actor and e.actor.username, e.actor_name) for e in entries] == [
        (T0 + timedelta(minutes=10), "bob", ""),  # 15:10 in Paris is 14:10 UTC
        (T0 + timedelta(minutes=12), None, "Mallory"),
    ]
    assert not TimelineEntry.objects.filter(description__contains="yesterday").exists()


def test_a_viewer_may_not_import(client, viewer, incident):
    client.force_login(viewer)
    assert b"import-chat" not in client.get(f"/o/acme/incidents/{incident.ref}/").content
    assert client.get(page_url(incident)).status_code == 403
    response = read(client, incident, file=upload("export.zip", slack_zip()))
    assert response.status_code == 403
    assert not imported(incident)


def test_another_organizations_incident_is_not_found(eng_client, incident, other_org):
    from django_scopes import scope

    from tests.incidents.page_helpers import declare

    with scope(organization=other_org):
        foreign = declare(other_org, None, started_at=T0 - timedelta(days=1))
    url = f"/o/globex/incidents/{foreign.ref}/import-chat/"
    assert eng_client.get(url).status_code == 404
    response = eng_client.post(url, {"step": "read", "log": "[10:00] a: b"})
    assert response.status_code == 404
