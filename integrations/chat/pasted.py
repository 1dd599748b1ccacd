"""Pasted chat logs (pure functions).

Accepted lines (a line without a time continues the message above it):

- ``[10:42] alice: rolled back`` (also ``[10:42:11]``, ``[10:42 PM]``, ``[2026-03-04 10:42]``)
- ``10:42 alice: rolled back``
- ``2026-03-04 10:42:11 <bob> restarting pods`` (IRC style; also ``[10:42] <bob> …``)
- ``2026-03-04T10:42:11Z alice: …`` (an ISO time, with or without its offset)

A time without a date is on the log's date (the form's), and moves to the next day when the
clock goes back (past midnight). A time without an offset is in the organization's time zone.
"""

import hashlib
import re
from datetime import date, datetime, time, timedelta, tzinfo

from .messages import MAX_MESSAGES, MAX_TEXT, Author, ChatInputError, ChatMessage

FIELD = "log"
STAMP = (
    r"(?:\d{4}-\d{2}-\d{2}[ T])?\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?"
    r"(?:\s?[AaPp]\.?[Mm]\.?)?(?:Z|[+-]\d{2}:?\d{2})?"
)
LINE = re.compile(
    rf"^\s*(?:\[(?P<bracketed>{STAMP})\]|(?P<bare>{STAMP}))\s+"
    r"(?:<(?P<nick>[^<>\s][^<>]{0,79})>|(?P<name>[^:\s][^:]{0,79}?):)(?:\s+(?P<text>.*)|$)"
)
STAMP_PARTS = re.compile(
    r"^(?:(?P<day>\d{4}-\d{2}-\d{2})[ T])?(?P<h>\d{1,2}):(?P<m>\d{2})"
    r"(?::(?P<s>\d{2})(?:\.(?P<f>\d+))?)?(?:\s?(?P<ampm>[AaPp])\.?[Mm]\.?)?"
    r"(?P<zone>Z|[+-]\d{2}:?\d{2})?$"
)


def _parse_stamp(stamp: str, *, day: date, zone: tzinfo, line: int) -> tuple[datetime, bool]:
    """The line's time, and whether it named its date."""
    parts = STAMP_PARTS.match(stamp)
    try:
        if parts is None:
            raise ValueError
        hour, minute = int(parts["h"]), int(parts["m"])
        if parts["ampm"]:
            if not 1 <= hour <= 12:
                raise ValueError
            hour = hour % 12 + (12 if parts["ampm"].lower() == "p" else 0)
        clock = time(hour, minute, int(parts["s"] or 0), int((parts["f"] or "0")[:6].ljust(6, "0")))
        on = date.fromisoformat(parts["day"]) if parts["day"] else day
        moment = datetime.combine(on, clock)
        if parts["zone"]:
            offset = parts["zone"].replace("Z", "+00:00")
            if ":" not in offset:
                offset = f"{offset[:3]}:{offset[3:]}"
            moment = datetime.fromisoformat(f"{moment.isoformat()}{offset}")
        else:
            moment = moment.replace(tzinfo=zone)
    except ValueError:
        raise ChatInputError(FIELD, f"Line {line}: the time “{stamp}” does not parse.") from None
    return moment, bool(parts["day"])


def parse_log(text: str, *, day: date, zone: tzinfo) -> list[ChatMessage]:
    """The messages of a pasted log, in its order. No recognisable line: ``ChatInputError``."""
    messages: list[dict] = []
    previous: datetime | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        match = LINE.match(raw)
        if match is None:
            if messages and raw.strip():
                messages[-1]["text"] += "\n" + raw.rstrip()
            continue
        stamp = match["bracketed"] or match["bare"]
        moment, dated = _parse_stamp(stamp, day=day, zone=zone, line=number)
        if not dated and previous is not None:
            while moment < previous - timedelta(hours=1):  # past midnight
                moment += timedelta(days=1)
        day = moment.astimezone(zone).date()
        previous = moment
        name = (match["nick"] or match["name"]).strip()
        messages.append({"at": moment, "name": name, "text": (match["text"] or "").strip()})
        if len(messages) > MAX_MESSAGES:
            raise ChatInputError(FIELD, f"More than {MAX_MESSAGES} messages: paste a shorter log.")
    found = [m for m in messages if m["text"].strip()]
    if not found:
        raise ChatInputError(
            FIELD,
            "No line looks like a chat message: use “[10:42] alice: text” or "
            "“2026-03-04 10:42:11 <bob> text”.",
        )
    return [_message(m) for m in found]


def _message(found: dict) -> ChatMessage:
    text = found["text"].strip()[:MAX_TEXT]
    digest = hashlib.sha256(text.encode()).hexdigest()
    return ChatMessage(
        occurred_at=found["at"],
        author=Author(name=found["name"][:80], usernames=(found["name"],)),
        text=text,
        source_key=f"log:{found['at'].isoformat()}:{found['name']}:{digest}",
    )
