"""The words of a reminder digest: subject, sections, lines and links, for the email's text
and HTML parts and the in-app notification. ``actionitems.reminder_rules`` decides what is
due."""

import zoneinfo
from collections import Counter
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils import timezone

from organizations.models import Organization
from organizations.people import display_name
from organizations.site import absolute_url

from .models import ActionItem, ReminderKind

if TYPE_CHECKING:
    from .reminders import Due

SECTION_LIMIT = 25  # lines per digest section; the rest is a link to the tracker


SECTIONS = (
    # kind, heading, accent colour, tracker filter for "and N more"
    (ReminderKind.OVERDUE, "Overdue", "#b91c1c", "mine=1&due=overdue"),
    (ReminderKind.DUE_TODAY, "Due today", "#b45309", "mine=1&due=this_week"),
    (ReminderKind.DUE_SOON, "Due soon", "#1d4ed8", "mine=1&due=this_week"),
    (ReminderKind.ESCALATION, "Escalated to you", "#6d28d9", "due=overdue"),
    (ReminderKind.DRAFT_STALE, "Drafts waiting to be submitted", "#374151", ""),
)
SUMMARY_WORDS = {
    ReminderKind.OVERDUE: ("overdue", "overdue"),
    ReminderKind.DUE_TODAY: ("due today", "due today"),
    ReminderKind.DUE_SOON: ("due soon", "due soon"),
    ReminderKind.ESCALATION: ("escalated to you", "escalated to you"),
    ReminderKind.DRAFT_STALE: ("draft to submit", "drafts to submit"),
}


class DigestContent:
    """Subject, sections and links of one recipient's digest."""

    def __init__(
        self, organization: Organization, user, due: list["Due"], now: datetime, is_manager: bool
    ):
        self.organization = organization
        self.user = user
        self.is_manager = is_manager
        self.zone = zoneinfo.ZoneInfo(organization.time_zone or "UTC")
        self.due = due
        self.now = now
        self.tracker_path = reverse("action_item_tracker", kwargs={"org_slug": organization.slug})
        self.counts = Counter(d.kind for d in due)
        self._paths: dict[int, str] = {}

    @property
    def summary(self) -> str:
        parts = []
        for kind, _, _, _ in SECTIONS:
            if n := self.counts.get(kind):
                one, many = SUMMARY_WORDS[kind]
                parts.append(f"{n} {one if n == 1 else many}")
        return ", ".join(parts)

    @property
    def title(self) -> str:
        return f"Reminder: {self.summary}"

    @property
    def subject(self) -> str:
        return f"[{self.organization.name}] {self.title}"

    def postmortem_path(self, number: int) -> str:
        if number not in self._paths:
            self._paths[number] = reverse(
                "postmortem_detail", kwargs={"org_slug": self.organization.slug, "number": number}
            )
        return self._paths[number]

    @property
    def primary_path(self) -> str:
        """Where the bell's notification leads: the member's own items, else what was
        escalated (the tracker for managers, the postmortem for authors), else the draft."""
        owner_kinds = {ReminderKind.OVERDUE, ReminderKind.DUE_TODAY, ReminderKind.DUE_SOON}
        if owner_kinds & set(self.counts):
            return f"{self.tracker_path}?mine=1"
        first = self.sections[0]
        if first["kind"] == ReminderKind.ESCALATION and self.is_manager:
            return f"{self.tracker_path}?due=overdue"
        return first["lines"][0]["path"]

    @cached_property
    def _by_kind(self) -> dict[str, list["Due"]]:
        by_kind: dict[str, list[Due]] = {}
        for due in self.due:
            by_kind.setdefault(due.kind, []).append(due)
        return by_kind

    @cached_property
    def _items(self) -> dict[int, ActionItem]:
        """The items on show (the first lines of each section), in one query."""
        shown = [d.item_id for entries in self._by_kind.values() for d in entries[:SECTION_LIMIT]]
        items = ActionItem.objects.filter(
            organization=self.organization, pk__in=[pk for pk in shown if pk is not None]
        ).select_related("postmortem", "owner")
        return {item.pk: item for item in items}

    @cached_property
    def sections(self) -> list[dict]:
        sections = []
        for kind, heading, colour, tracker_query in SECTIONS:
            entries = self._by_kind.get(kind)
            if not entries:
                continue
            lines = [self._line(d) for d in entries[:SECTION_LIMIT]]
            more = len(entries) - len(lines)
            more_url = absolute_url(f"{self.tracker_path}?{tracker_query}") if tracker_query else ""
            sections.append(
                {
                    "kind": kind,
                    "heading": heading,
                    "colour": colour,
                    "count": len(entries),
                    "lines": lines,
                    "more": more,
                    "more_url": more_url or absolute_url(self.tracker_path),
                    "intro": self._intro(kind),
                }
            )
        return sections

    def _intro(self, kind: str) -> str:
        if kind == ReminderKind.ESCALATION:
            return (
                "Long overdue, or nobody owns them yet. Agree a new date or an owner, or close "
                "them with a reason."
            )
        if kind == ReminderKind.DRAFT_STALE:
            return "Postmortems help only once they are reviewed: finish and submit these."
        return ""

    def _line(self, due: "Due") -> dict:
        item = self._items[due.item_id] if due.draft is None else None
        postmortem = due.draft if item is None else item.postmortem
        path = self.postmortem_path(postmortem.number)
        link = absolute_url(path)
        if item is None:
            return {
                "ref": f"PM-{postmortem.number}",
                "text": postmortem.title,
                "meta": f"started {timezone.localtime(postmortem.created_at, self.zone):%-d %b %Y}",
                "when": due.when,
                "link": link,
                "path": path,
                "late": True,
            }
        meta = [f"PM-{postmortem.number} {postmortem.title}", item.get_priority_display()]
        if due.kind == ReminderKind.ESCALATION:
            owner = item.owner
            meta.append(f"owner {display_name(owner)}" if owner else "no owner")
        return {
            "ref": f"AI-{item.number}",
            "text": item.description
            if len(item.description) <= 200
            else item.description[:199] + "…",
            "meta": " · ".join(meta),
            "when": f"{due.when} ({item.due_date:%a %-d %b})",
            "link": link,
            "path": path,
            "late": due.days > 0,
        }

    def notification_body(self) -> str:
        """One sentence for the bell: the most urgent line, and how many more."""
        first = self.sections[0]["lines"][0]
        text = first["text"] if len(first["text"]) <= 90 else first["text"][:89] + "…"
        body = f"Most urgent: {first['ref']} {text} — {first['when']}."
        if (others := len(self.due) - 1) > 0:
            body += f" And {others} more in this reminder."
        return body

    @cached_property
    def context(self) -> dict:
        return {
            "organization": self.organization,
            "recipient": self.user,
            "title": self.title,
            "summary": self.summary,
            "sections": self.sections,
            "open_link": absolute_url(self.primary_path),
            "tracker_link": absolute_url(f"{self.tracker_path}?mine=1"),
            "settings_link": absolute_url(
                reverse("notification_settings", kwargs={"org_slug": self.organization.slug})
            ),
            "today": timezone.localtime(self.now, self.zone).date(),
        }
