"""Slack exports (pure functions): one channel-day's JSON, or the export ZIP.

A channel-day is a JSON array of message objects (``type``, ``user``, ``user_profile``,
``text``, ``ts``, ``subtype``, ``thread_ts`` …). The export ZIP holds ``users.json``,
``channels.json`` (and ``groups.json`` for private channels) and one folder per channel with a
``YYYY-MM-DD.json`` file per day.
"""

import io
import json
import re
import zipfile
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from .markup import readable
from .messages import MAX_MESSAGES, MAX_TEXT, Author, ChatInputError, ChatMessage

FILE = "file"
CHANNEL = "channel"

# Events in a channel that are not conversation.
SKIPPED_SUBTYPES = {
    "channel_join",
    "channel_leave",
    "channel_topic",
    "channel_purpose",
    "channel_name",
    "channel_archive",
    "channel_unarchive",
    "group_join",
    "group_leave",
    "group_topic",
    "group_purpose",
    "group_name",
    "pinned_item",
    "unpinned_item",
    "bot_add",
    "bot_remove",
    "message_deleted",
    "tombstone",
}
MAX_ZIP_FILES = 2000
MAX_ZIP_UNCOMPRESSED = 50 * 1024 * 1024
MAX_ZIP_MEMBER = 10 * 1024 * 1024
DAY_FILE = re.compile(r"^(?P<channel>[^/]+)/(?P<day>\d{4}-\d{2}-\d{2})\.json$")


def load_json(data: bytes, *, field: str = FILE, name: str = "the file"):
    try:
        return json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ChatInputError(field, f"{name} is not UTF-8 text.") from None
    except (json.JSONDecodeError, RecursionError):
        raise ChatInputError(field, f"{name} is not JSON.") from None


def parse_ts(value, *, position: int) -> datetime:
    """A Slack ``ts`` ("1355517523.000005": seconds since the epoch) as an aware time."""
    try:
        seconds = Decimal(str(value))
        if not seconds.is_finite() or seconds < 0:
            raise InvalidOperation
        return datetime.fromtimestamp(float(seconds), tz=UTC)
    except (InvalidOperation, ValueError, OverflowError, OSError):
        raise ChatInputError(
            FILE, f"Message {position}: its time (ts) “{str(value)[:40]}” is not a Slack time."
        ) from None


@dataclass(frozen=True)
class Directory:
    """Names of the workspace's people and channels (from ``users.json``/``channels.json``,
    else from the messages' own ``user_profile``)."""

    people: Mapping[str, Author]
    channels: Mapping[str, str]  # id -> name

    def names(self) -> dict[str, str]:
        return {ident: author.name for ident, author in self.people.items()}


EMPTY = Directory(people={}, channels={})


def directory_from(users, channels) -> Directory:
    people = {}
    for user in users if isinstance(users, list) else []:
        if not isinstance(user, dict) or not isinstance(user.get("id"), str):
            continue
        profile = user.get("profile") if isinstance(user.get("profile"), dict) else {}
        people[user["id"]] = _author(
            profile.get("display_name"),
            profile.get("real_name") or user.get("real_name"),
            user.get("name"),
            email=profile.get("email"),
            fallback=user["id"],
        )
    names = {}
    for channel in channels if isinstance(channels, list) else []:
        if isinstance(channel, dict) and isinstance(channel.get("id"), str):
            names[channel["id"]] = str(channel.get("name") or channel["id"])
    return Directory(people=people, channels=names)


def _author(*names, email=None, fallback: str) -> Author:
    found = [str(n).strip() for n in names if isinstance(n, str) and n.strip()]
    return Author(
        name=(found[0] if found else fallback)[:80],
        email=email.strip() if isinstance(email, str) else "",
        usernames=tuple(dict.fromkeys(found)),
    )


def parse_channel_day(data, *, directory: Directory = EMPTY) -> list[ChatMessage]:
    """The messages of one channel-day (the decoded JSON array)."""
    if not isinstance(data, list):
        raise ChatInputError(FILE, "A Slack channel export is a JSON array of messages.")
    messages = []
    people = dict(directory.people)
    for index, item in enumerate(data, start=1):
        if not isinstance(item, dict) or "ts" not in item:
            raise ChatInputError(
                FILE, f"Message {index} is not a Slack message (an object with a ts)."
            )
        if item.get("type", "message") != "message" or item.get("subtype") in SKIPPED_SUBTYPES:
            continue
        text = item.get("text")
        if not isinstance(text, str) or not text.strip():
            continue
        occurred_at = parse_ts(item["ts"], position=index)
        author = _message_author(item, people)
        body = readable(
            text, users={k: a.name for k, a in people.items()}, channels=directory.channels
        )
        if not body:
            continue
        messages.append(
            ChatMessage(
                occurred_at=occurred_at,
                author=author,
                text=body[:MAX_TEXT],
                # Not the channel: a channel-day uploaded alone does not name it, and the same
                # message then keeps its key whichever way it came (ts is unique per channel,
                # with its author as good as unique across them).
                source_key=f"slack:{item['ts']}:{item.get('user') or author.name}",
            )
        )
    return messages


def _message_author(item: dict, people: dict[str, Author]) -> Author:
    user = item.get("user") if isinstance(item.get("user"), str) else ""
    if user in people:
        return people[user]
    profile = item.get("user_profile") if isinstance(item.get("user_profile"), dict) else {}
    bot = item.get("bot_profile") if isinstance(item.get("bot_profile"), dict) else {}
    author = _author(
        profile.get("display_name"),
        profile.get("real_name"),
        profile.get("name"),
        item.get("username"),
        bot.get("name"),
        fallback=user or "Slack",
    )
    if user:
        people[user] = author  # later mentions of this user read as the name
    return author


def parse_channel_file(data: bytes) -> list[ChatMessage]:
    """A channel-day file uploaded alone."""
    messages = parse_channel_day(load_json(data))
    return _capped(sorted(messages, key=lambda m: m.occurred_at))


@dataclass(frozen=True)
class Export:
    channels: list[tuple[str, str]]  # (folder, shown name) of every channel with messages
    messages: list[ChatMessage]  # of the chosen channel


def _safe_names(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    infos = archive.infolist()
    if len(infos) > MAX_ZIP_FILES:
        raise ChatInputError(FILE, f"The ZIP holds more than {MAX_ZIP_FILES} files.")
    if sum(info.file_size for info in infos) > MAX_ZIP_UNCOMPRESSED:
        raise ChatInputError(
            FILE, f"The ZIP unpacks to more than {MAX_ZIP_UNCOMPRESSED // 2**20} MB."
        )
    for info in infos:
        name = info.filename
        parts = name.replace("\\", "/").split("/")
        if name.startswith(("/", "\\")) or ".." in parts or re.match(r"^[A-Za-z]:", name):
            raise ChatInputError(FILE, "The ZIP holds a file with an unsafe path name.")
    return infos


def _read(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """A member's bytes, read no further than the cap whatever its header claims."""
    with archive.open(info) as member:
        data = member.read(MAX_ZIP_MEMBER + 1)
    if len(data) > MAX_ZIP_MEMBER:
        raise ChatInputError(FILE, f"{info.filename} is larger than {MAX_ZIP_MEMBER // 2**20} MB.")
    return data


def parse_export(data: bytes, *, channel: str = "", days: Iterable[date] | None = None) -> Export:
    """The chosen channel's messages of an export ZIP (of the given days only, when given).

    With one channel, it is chosen; with several and none (or an unknown one) chosen,
    ``ChannelChoiceNeeded`` (on the ``channel`` field) lists them."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        return _parse_archive(archive, channel=channel, days=days)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, zlib.error):
        raise ChatInputError(FILE, "The file is not a readable ZIP archive.") from None
    except (RuntimeError, ValueError) as error:
        if isinstance(error, ChatInputError):
            raise
        raise ChatInputError(FILE, "The file is not a readable ZIP archive.") from None


def _parse_archive(archive: zipfile.ZipFile, *, channel: str, days) -> Export:
    infos = _safe_names(archive)
    by_name = {info.filename: info for info in infos}
    meta = {}
    for name in ("users.json", "channels.json", "groups.json"):
        if name in by_name:
            meta[name] = load_json(_read(archive, by_name[name]), name=name)
    folders: dict[str, list[tuple[date, zipfile.ZipInfo]]] = {}
    for info in infos:
        match = DAY_FILE.match(info.filename)
        if match:
            try:
                day = date.fromisoformat(match["day"])
            except ValueError:
                continue
            folders.setdefault(match["channel"], []).append((day, info))
    if not folders:
        raise ChatInputError(
            FILE,
            "The ZIP holds no channel folders with YYYY-MM-DD.json files: is it a Slack export?",
        )
    channel_list = [(folder, f"#{folder}") for folder in sorted(folders)]
    if channel not in folders:
        if len(folders) > 1 or channel:
            choices = ", ".join(shown for _, shown in channel_list)
            raise ChannelChoiceNeeded(channel_list, f"Choose the channel to import: {choices}.")
        channel = channel_list[0][0]
    listed = [
        entry
        for name in ("channels.json", "groups.json")
        if isinstance(meta.get(name), list)
        for entry in meta[name]
    ]
    directory = directory_from(meta.get("users.json", []), listed)
    wanted = set(days) if days is not None else None
    messages: list[ChatMessage] = []
    for day, info in sorted(folders[channel], key=lambda pair: pair[0]):
        if wanted is not None and day not in wanted:
            continue
        day_data = load_json(_read(archive, info), name=info.filename)
        messages += parse_channel_day(day_data, directory=directory)
        _capped(messages)
    return Export(channels=channel_list, messages=sorted(messages, key=lambda m: m.occurred_at))


class ChannelChoiceNeeded(ChatInputError):
    def __init__(self, channels: list[tuple[str, str]], message: str) -> None:
        super().__init__(CHANNEL, message)
        self.channels = channels


def _capped(messages: list[ChatMessage]) -> list[ChatMessage]:
    if len(messages) > MAX_MESSAGES:
        raise ChatInputError(
            FILE, f"More than {MAX_MESSAGES} messages: export a shorter stretch of the channel."
        )
    return messages
