"""Input the chat import refuses: each answers 400 naming the field, and adds nothing."""

import pytest

from incidents.models import EntryKind, TimelineEntry
from integrations.chat import forms
from tests.integrations.chat.pages import add, page_url, payload_of, read, upload
from tests.integrations.chat.samples import slack_zip, zip_of

pytestmark = pytest.mark.django_db


def refused(response, field: str, message: str) -> None:
    assert response.status_code == 400
    text = response.content.decode()
    errors = text.split(f'id="id_{field}_error"', 1)
    assert len(errors) == 2, f"no error on {field}"
    assert message in errors[1].split("</ul>", 1)[0]


@pytest.mark.parametrize(
    "name, data, field, message",
    [
        ("day.json", b"not json", "file", "is not JSON"),
        ("day.json", b'{"ok": true}', "file", "JSON array of messages"),
        ("day.json", b'[{"type": "message", "text": "x", "ts": "soon"}]', "file", "its time"),
        ("export.zip", b"PK\x03\x04garbage", "file", "not a readable ZIP"),
        ("export.zip", zip_of({"../../etc/2026-03-10.json": b"[]"}), "file", "unsafe path"),
        (
            "bomb.zip",
            zip_of({"c/2026-03-10.json": b"[" + b" " * (60 * 2**20) + b"]"}),
            "file",
            "unpacks to more than 50 MB",
        ),
        ("many.zip", zip_of({f"c/{n}": b"" for n in range(2001)}), "file", "more than 2000 files"),
        ("empty.json", b"[]", "file", "No messages found"),
    ],
)
def test_bad_uploads(eng_client, incident, name, data, field, message):
    refused(read(eng_client, incident, file=upload(name, data)), field, message)
    assert not TimelineEntry.objects.filter(kind=EntryKind.COMMUNICATION).exists()


def test_an_oversized_upload(eng_client, incident, monkeypatch):
    monkeypatch.setattr(forms, "MAX_UPLOAD", 1000)
    response = read(eng_client, incident, file=upload("day.json", b"[" + b" " * 2000 + b"]"))
    refused(response, "file", "larger than")


@pytest.mark.parametrize(
    "log, message",
    [
        ("hello\nworld", "No line looks like a chat message"),
        ("[10:61] alice: when?", "Line 1: the time “10:61” does not parse"),
    ],
)
def test_bad_logs(eng_client, incident, log, message):
    refused(read(eng_client, incident, log=log), "log", message)


def test_nothing_given_or_both_given(eng_client, incident):
    refused(read(eng_client, incident), "file", "Upload a Slack export or paste a chat log")
    both = read(eng_client, incident, log="[10:00] a: b", file=upload("d.json", b"[]"))
    refused(both, "log", "not both")


def test_a_zip_with_several_channels_asks_for_one(eng_client, incident):
    archive = slack_zip({"general/2026-03-10.json": []})
    asked = read(eng_client, incident, file=upload("export.zip", archive))
    refused(asked, "channel", "Choose the channel to import: #general, #inc-checkout")
    assert '<option value="inc-checkout">#inc-checkout</option>' in asked.content.decode()
    chosen = read(eng_client, incident, file=upload("export.zip", archive), channel="inc-checkout")
    assert chosen.status_code == 200 and b"Slack #inc-checkout" in chosen.content
    unknown = read(eng_client, incident, file=upload("export.zip", archive), channel="nope")
    refused(unknown, "channel", "Choose the channel")


def test_a_changed_or_foreign_payload_and_an_empty_choice(eng_client, incident, engineer, org):
    payload = payload_of(read(eng_client, incident, log="[15:00] a: rolled back"))
    for bad in (payload[:-2] + "xx", "", "nonsense"):
        response = add(eng_client, incident, bad, ["0"])
        assert response.status_code == 400
        assert b"The proposals expired or were changed" in response.content
    response = add(eng_client, incident, payload, [])
    assert response.status_code == 400
    assert b"Choose the messages to add to the timeline" in response.content
    assert add(eng_client, incident, payload, ["7"]).status_code == 400
    assert add(eng_client, incident, payload, ["x"]).status_code == 400
    from tests.incidents.page_helpers import declare

    other = declare(org, engineer, title="Another")
    response = eng_client.post(page_url(other), {"step": "add", "payload": payload, "pick": ["0"]})
    assert response.status_code == 400  # proposals are signed for their incident
    assert not TimelineEntry.objects.filter(kind=EntryKind.COMMUNICATION).exists()
