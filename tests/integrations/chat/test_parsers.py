"""The chat parsers: Slack markup, a channel-day, the export ZIP and pasted logs."""

import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from integrations.chat import pasted, slack
from integrations.chat.markup import readable
from integrations.chat.messages import ChatInputError
from tests.integrations.chat.samples import T0, channel_day, day_file, slack_zip, zip_of

PARIS = ZoneInfo("Europe/Paris")


def test_slack_markup_reads_as_words_and_links():
    text = (
        "<@U1> and <@U2|bob> in <#C1> / <#C2|ops>: <!here> <!subteam^S1|@oncall> "
        "<https://x.io/a|the graph> <https://x.io/b> <mailto:a@b.io|a@b.io> "
        "1 &lt; 2 &amp;&amp; 3 &gt; 2"
    )
    assert readable(text, users={"U1": "alice"}, channels={"C1": "incidents"}) == (
        "@alice and @bob in #incidents / #ops: @here @oncall "
        "[the graph](https://x.io/a) https://x.io/b a@b.io 1 < 2 && 3 > 2"
    )


def test_a_channel_day_gives_the_conversation_with_times_and_authors():
    messages = slack.parse_channel_file(day_file())
    assert [(m.occurred_at.replace(microsecond=0), m.author.name) for m in messages] == [
        (T0 - timedelta(hours=20), "alice"),  # no profile here: known from her message
        (T0 + timedelta(minutes=5), "alice"),
        (T0 + timedelta(minutes=12), "Carol Contractor"),  # no display name: the real name
        (T0 + timedelta(minutes=20), "deploybot"),
    ]  # the channel join is not conversation
    assert messages[1].text == (
        "Checkout errors climbing, see [the dashboard](https://grafana.example.com/d/1) & #general"
    )
    assert messages[2].text == "@alice rolling back v2.3 @here"
    assert messages[1].occurred_at.tzinfo is not None


def test_the_export_zip_maps_ids_to_people_and_keys_by_channel_and_ts():
    export = slack.parse_export(slack_zip())
    assert export.channels == [("inc-checkout", "#inc-checkout")]
    alice = export.messages[1]
    assert (alice.author.name, alice.author.email) == ("alice", "Alice@Example.com")
    assert alice.source_key == f"slack:{channel_day()[1]['ts']}:U01ALICE"
    assert export.messages[2].text == "@alice rolling back v2.3 @here"


def test_a_zip_with_several_channels_asks_which_and_reads_only_the_days_asked():
    archive = slack_zip({"general/2026-03-10.json": [], "inc-checkout/2026-01-01.json": []})
    with pytest.raises(slack.ChannelChoiceNeeded) as asked:
        slack.parse_export(archive)
    assert asked.value.field == "channel" and "#general" in asked.value.message
    export = slack.parse_export(archive, channel="inc-checkout", days=[date(2026, 3, 10)])
    assert len(export.messages) == 4
    assert (
        slack.parse_export(archive, channel="inc-checkout", days=[date(2026, 1, 1)]).messages == []
    )


@pytest.mark.parametrize(
    "archive, message",
    [
        (zip_of({"../evil/2026-03-10.json": b"[]"}), "unsafe path"),
        (zip_of({"/etc/2026-03-10.json": b"[]"}), "unsafe path"),
        (
            zip_of({f"c/{n}.txt": b"" for n in range(slack.MAX_ZIP_FILES + 1)}),
            "more than 2000 files",
        ),
        (zip_of({"c/2026-03-10.json": b"[" + b" " * (60 * 2**20) + b"]"}), "unpacks to more than"),
        (zip_of({"c/2026-03-10.json": b"{not json"}), "is not JSON"),
        (zip_of({"c/2026-03-10.json": b'{"a": 1}'}), "JSON array of messages"),
        (zip_of({"readme.txt": b"hi"}), "no channel folders"),
        (b"PK\x03\x04 broken", "not a readable ZIP"),
    ],
)
def test_bad_archives_are_refused_on_the_file_field(archive, message):
    with pytest.raises(ChatInputError) as refused:
        slack.parse_export(archive)
    assert refused.value.field == "file"
    assert message in refused.value.message


@pytest.mark.parametrize(
    "data, message",
    [
        (b"not json at all", "is not JSON"),
        (b"\xff\xfe\x00", "not UTF-8"),
        (b"[" * 100000 + b"]" * 100000, "is not JSON"),
        (b'{"messages": []}', "JSON array of messages"),
        (b'[{"type": "message", "text": "hi"}]', "Message 1 is not a Slack message"),
        (b'[{"type": "message", "text": "hi", "ts": "yesterday"}]', "Message 1: its time"),
        (b'[{"type": "message", "text": "hi", "ts": "1e30"}]', "Message 1: its time"),
    ],
)
def test_bad_channel_files_are_refused_on_the_file_field(data, message):
    with pytest.raises(ChatInputError) as refused:
        slack.parse_channel_file(data)
    assert refused.value.field == "file" and message in refused.value.message


def test_pasted_log_shapes():
    log = "\n".join(
        [
            "Some header the chat client copied",
            "[10:42] alice: rolled back",
            "the deploy of v2.3",  # continues alice's message
            "2026-03-04 10:43:11 <bob> restarting pods",
            "2026-03-04T10:45:00Z dave: in UTC",
            "[10:44:30 PM] Carol Contractor: late one",
            "10:50 erin: bare time",
        ]
    )
    messages = pasted.parse_log(log, day=date(2026, 3, 4), zone=PARIS)
    assert [(m.occurred_at.astimezone(UTC), m.author.name, m.text) for m in messages] == [
        (datetime(2026, 3, 4, 9, 42, tzinfo=UTC), "alice", "rolled back\nthe deploy of v2.3"),
        (datetime(2026, 3, 4, 9, 43, 11, tzinfo=UTC), "bob", "restarting pods"),
        (datetime(2026, 3, 4, 10, 45, tzinfo=UTC), "dave", "in UTC"),
        (datetime(2026, 3, 4, 21, 44, 30, tzinfo=UTC), "Carol Contractor", "late one"),
        # after 22:44 the clock went back: past midnight, the next day
        (datetime(2026, 3, 5, 9, 50, tzinfo=UTC), "erin", "bare time"),
    ]
    again = pasted.parse_log(log, day=date(2026, 3, 4), zone=PARIS)
    assert [m.key for m in again] == [m.key for m in messages]
    assert len({m.key for m in messages}) == len(messages)


@pytest.mark.parametrize(
    "log, message",
    [
        ("just some words\nand more", "No line looks like a chat message"),
        ("", "No line looks like a chat message"),
        ("[25:99] alice: impossible", "Line 1: the time “25:99” does not parse"),
        ("ok\n2026-02-30 10:00 <bob> no such day", "Line 2: the time"),
    ],
)
def test_bad_logs_are_refused_on_the_log_field(log, message):
    with pytest.raises(ChatInputError) as refused:
        pasted.parse_log(log, day=date(2026, 3, 4), zone=PARIS)
    assert refused.value.field == "log" and message in refused.value.message


def test_too_many_messages_are_refused():
    log = "\n".join(f"[10:{n % 60:02d}] alice: message {n}" for n in range(901))
    with pytest.raises(ChatInputError) as refused:
        pasted.parse_log(log, day=date(2026, 3, 4), zone=PARIS)
    assert refused.value.field == "log" and "More than 900 messages" in refused.value.message
    day = [{"type": "message", "text": f"m{n}", "ts": f"1773151200.{n:06d}"} for n in range(901)]
    with pytest.raises(ChatInputError) as refused:
        slack.parse_channel_file(json.dumps(day).encode())
    assert refused.value.field == "file" and "More than 900 messages" in refused.value.message
