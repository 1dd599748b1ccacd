"""Reads for the chat import: who an author is, the incident's window, what was imported."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from incidents.models import Incident
from organizations.models import Membership, Organization

from .messages import Author, ChatMessage
from .models import ImportedChatMessage

# Messages this long before the impact began or after resolution are still proposed checked.
WINDOW_MARGIN = timedelta(hours=1)


class Members:
    """The organization's members by email, username and full name (case-insensitive). A
    name two members share maps to neither."""

    def __init__(self, organization: Organization) -> None:
        user_ids = Membership.objects.filter(organization=organization).values("user_id")
        users = get_user_model().objects.filter(pk__in=user_ids, is_active=True)
        self.by_id = {user.pk: user for user in users}
        self.by_email: dict[str, AbstractBaseUser | None] = {}
        self.by_name: dict[str, AbstractBaseUser | None] = {}
        for user in users:
            if user.email:
                _add(self.by_email, user.email, user)
            _add(self.by_name, user.get_username(), user)
            if user.get_full_name().strip():
                _add(self.by_name, user.get_full_name(), user)

    def match(self, author: Author) -> AbstractBaseUser | None:
        if author.email and self.by_email.get(author.email.lower()):
            return self.by_email[author.email.lower()]
        for name in (*author.usernames, author.name):
            found = self.by_name.get(name.strip().lstrip("@").lower())
            if found:
                return found
        return None


def _add(index: dict, key: str, user) -> None:
    key = key.strip().lower()
    index[key] = None if key in index and index[key] != user else user


def incident_window(incident: Incident) -> tuple[datetime, datetime]:
    """From the impact start to resolution (or now), widened by the margin."""
    end = incident.resolved_at or timezone.now()
    return incident.started_at - WINDOW_MARGIN, end + WINDOW_MARGIN


def window_days(incident: Incident) -> list[date]:
    """The calendar days an export's day files may hold the window's messages in (a day either
    side: the files are dated in the exporting workspace's time zone)."""
    start, end = incident_window(incident)
    first = start.date() - timedelta(days=1)
    count = min((end.date() - first).days + 2, 62)
    return [first + timedelta(days=n) for n in range(count)]


def imported_keys(incident: Incident) -> set[str]:
    return set(ImportedChatMessage.objects.filter(incident=incident).values_list("key", flat=True))


@dataclass(frozen=True)
class Proposal:
    index: int
    message: ChatMessage
    member: AbstractBaseUser | None
    inside: bool
    imported: bool

    @property
    def checked(self) -> bool:
        return self.inside and not self.imported


def proposals(*, incident: Incident, messages: list[ChatMessage]) -> list[Proposal]:
    """Each message as a proposed entry: its member, whether it falls in the window, and
    whether it is already on the timeline."""
    members = Members(incident.organization)
    start, end = incident_window(incident)
    done = imported_keys(incident)
    return [
        Proposal(
            index=index,
            message=message,
            member=members.match(message.author),
            inside=start <= message.occurred_at <= end,
            imported=message.key in done,
        )
        for index, message in enumerate(messages)
    ]
