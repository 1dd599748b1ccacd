"""Jira's issues as Hindsight reads them, the same from the REST API and from webhooks: the
key a person wrote, the outcome of a status (its category and resolution, then the admin's
mapping), and the ticket; Hindsight's markdown written as Jira's wiki markup."""

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

from .remote import DONE, OPEN, OUTCOMES, WONT_DO, RemoteTicket, TrackerError

# resolutions that close an issue without doing it (lower case)
WONT_DO_RESOLUTIONS = frozenset(
    {"won't do", "won't fix", "duplicate", "cannot reproduce", "declined"}
)
STATUS_LIMIT = 40
ISSUE_KEY = re.compile(r"[A-Z][A-Z0-9_]{0,254}-[1-9][0-9]{0,17}")
BROWSE_PATH = re.compile(r"/browse/([A-Za-z][A-Za-z0-9_]*-[1-9][0-9]*)/?$")
MARKDOWN_LINK = re.compile(r"\[([^\]\n|]+)\]\((https?://[^)\s]+)\)")
MARKDOWN_HEADING = re.compile(r"^(#{1,6}) +", re.MULTILINE)


def reference(text: str) -> str | None:
    """The issue key ``text`` names: a key (``OPS-12``) or an issue's page
    (``https://acme.atlassian.net/browse/OPS-12``); None when it names none."""
    text = (text or "").strip()
    if ISSUE_KEY.fullmatch(text.upper()):
        return text.upper()
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    found = BROWSE_PATH.search(parts.path)
    return found.group(1).upper() if found else None


def site_of(base_url: str, data: Mapping[str, Any] | None = None) -> str:
    """The site's address (browse links start with it): the connection's base URL, else what
    precedes ``/rest/`` in the issue's ``self`` link."""
    if base_url:
        return base_url.rstrip("/")
    own = str((data or {}).get("self") or "")
    return own.split("/rest/", 1)[0] if "/rest/" in own else ""


def parse_time(value: object) -> datetime:
    """Jira's times (``2018-01-17T16:04:01.000+0000``), aware."""
    moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError("a time without its offset")
    return moment


def outcome_of(
    status: str, category: str, resolution: str, status_map: Mapping[str, str]
) -> tuple[str, str]:
    """The outcome and the reason of an issue in ``status`` (its category's key: ``new``,
    ``indeterminate``, ``done``) with ``resolution``: Jira's meaning first (a done issue is
    done unless its resolution says it was not done), then the admin's mapping by status
    name."""
    outcome, reason = OPEN, ""
    if category == "done":
        outcome = DONE
        if resolution.lower() in WONT_DO_RESOLUTIONS:
            outcome, reason = WONT_DO, f"{resolution} (Jira resolution)"
    mapped = status_map.get(status.lower()) if status_map else None
    if mapped in OUTCOMES and mapped != outcome:
        outcome = mapped
        reason = f"{resolution or status} (Jira)" if mapped == WONT_DO else ""
    return outcome, reason


def ticket_from_issue(
    data: Mapping[str, Any], *, base_url: str, status_map: Mapping[str, str]
) -> RemoteTicket:
    """The ticket of an issue as Jira's REST API and webhooks write it (``key``, ``id`` and
    ``fields``: summary, status with its category, resolution, updated, assignee, duedate)."""
    try:
        key = str(data["key"])
        fields = data["fields"]
        status = fields["status"]
        status_name = str(status["name"])
        category = str((status.get("statusCategory") or {}).get("key") or "")
        resolution = str((fields.get("resolution") or {}).get("name") or "")
        updated_at = parse_time(fields["updated"])
        assignee = fields.get("assignee") if isinstance(fields.get("assignee"), dict) else {}
        due = fields.get("duedate")
        due_date = date.fromisoformat(due) if isinstance(due, str) and due else None
        title = str(fields.get("summary") or "")
    except (KeyError, TypeError, ValueError, AttributeError):
        raise TrackerError("Jira answered an issue Hindsight cannot read.") from None
    if not ISSUE_KEY.fullmatch(key):
        raise TrackerError("Jira answered an issue Hindsight cannot read.")
    outcome, reason = outcome_of(status_name, category, resolution, status_map)
    shown = status_name
    if resolution and resolution.lower() != status_name.lower():
        shown = f"{status_name} ({resolution})"
    return RemoteTicket(
        key=key,
        url=f"{site_of(base_url, data)}/browse/{key}",
        title=title,
        status=shown[:STATUS_LIMIT],
        outcome=outcome,
        updated_at=updated_at,
        reason=reason,
        remote_id=str(data.get("id") or ""),
        assignee_email=str(assignee.get("emailAddress") or "")
        if isinstance(assignee, dict)
        else "",
        assignee_name=str(assignee.get("displayName") or "") if isinstance(assignee, dict) else "",
        due_date=due_date,
    )


def wiki(markdown: str) -> str:
    """Hindsight's markdown as Jira's wiki markup (what REST API v2 descriptions are written
    in), for what the ticket's body holds: links and headings."""
    text = MARKDOWN_LINK.sub(lambda found: f"[{found.group(1)}|{found.group(2)}]", markdown)
    return MARKDOWN_HEADING.sub(lambda found: f"h{len(found.group(1))}. ", text)


def label(text: str) -> str:
    """Jira's labels cannot contain spaces."""
    return re.sub(r"\s+", "-", text.strip())[:255]
