"""Slack export data in the documented shapes (a channel-day's messages, users.json,
channels.json) and the ZIP built from them, around the incident of ``T0``."""

import io
import json
import zipfile
from datetime import UTC, datetime, timedelta

T0 = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)  # the impact start of the tests' incident


def ts(moment: datetime, micro: int = 0) -> str:
    return f"{int(moment.timestamp())}.{micro:06d}"


USERS = [
    {
        "id": "U01ALICE",
        "name": "alice.s",
        "real_name": "Alice Smith",
        "deleted": False,
        "is_bot": False,
        "profile": {
            "real_name": "Alice Smith",
            "display_name": "alice",
            "email": "Alice@Example.com",
        },
    },
    {
        "id": "U02CAROL",
        "name": "carol",
        "real_name": "Carol Contractor",
        "profile": {"real_name": "Carol Contractor", "display_name": "", "email": "c@vendor.io"},
    },
]
CHANNELS = [
    {"id": "C01INC", "name": "inc-checkout", "created": 1773000000, "members": ["U01ALICE"]},
    {"id": "C02GEN", "name": "general", "created": 1773000000, "members": ["U01ALICE"]},
]


def channel_day() -> list[dict]:
    """Messages of #inc-checkout on the incident's day, as Slack exports them."""
    return [
        {
            "type": "message",
            "subtype": "channel_join",
            "user": "U02CAROL",
            "text": "<@U02CAROL> has joined the channel",
            "ts": ts(T0 - timedelta(minutes=1)),
        },
        {
            "client_msg_id": "0e1c6c6a",
            "type": "message",
            "user": "U01ALICE",
            "text": "Checkout errors climbing, see <https://grafana.example.com/d/1|the dashboard>"
            " &amp; <#C02GEN|general>",
            "ts": ts(T0 + timedelta(minutes=5), 100),
            "user_profile": {
                "real_name": "Alice Smith",
                "display_name": "alice",
                "name": "alice.s",
            },
        },
        {
            "type": "message",
            "user": "U02CAROL",
            "text": "<@U01ALICE> rolling back v2.3 <!here>",
            "ts": ts(T0 + timedelta(minutes=12), 200),
            "thread_ts": ts(T0 + timedelta(minutes=5), 100),
            "user_profile": {"real_name": "Carol Contractor", "display_name": "", "name": "carol"},
        },
        {
            "type": "message",
            "user": "U01ALICE",
            "text": "Yesterday's unrelated chatter",
            "ts": ts(T0 - timedelta(hours=20), 300),
        },
        {
            "type": "message",
            "subtype": "bot_message",
            "username": "deploybot",
            "bot_id": "B01",
            "text": "Deployed v2.2 to production &lt;script&gt;alert(1)&lt;/script&gt;",
            "ts": ts(T0 + timedelta(minutes=20), 400),
        },
    ]


def zip_of(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def slack_zip(files: dict[str, object] | None = None) -> bytes:
    """An export ZIP: users.json, channels.json and the channel-day, plus ``files``."""
    contents = {
        "users.json": USERS,
        "channels.json": CHANNELS,
        "inc-checkout/2026-03-10.json": channel_day(),
        **(files or {}),
    }
    return zip_of(
        {
            name: content if isinstance(content, bytes) else json.dumps(content).encode()
            for name, content in contents.items()
        }
    )


def day_file() -> bytes:
    return json.dumps(channel_day()).encode()
