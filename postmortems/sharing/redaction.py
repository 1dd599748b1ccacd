"""The public document's safety net: the names of everyone involved with the organization,
and the private URLs of a postmortem, replaced in every public text."""

import re

from django.contrib.auth import get_user_model
from django.db.models import Q

from actionitems.models import ActionItem
from incidents.models import IncidentLink, IncidentParticipant, TimelineEntry
from postmortems.models import Comment, Postmortem, Review, Revision

REDACTED = "[name removed]"
LINK_REDACTED = "[link removed]"


class Redactor:
    """Replaces, in text, the private URLs the incident records (evidence, tickets), @mentions
    and the names of people involved with the organization."""

    MENTION = re.compile(r"(?<![\w.@])@[\w][\w.\-]*")

    def __init__(self, names: set[str], urls: set[str] = frozenset()):
        words = sorted({n for n in names if len(n) >= 3}, key=len, reverse=True)
        self.names = self._alternation(words, r"(?<!\w)(?:", r")(?!\w)")
        links = sorted({u for u in urls if len(u) >= 8}, key=len, reverse=True)
        self.urls = self._alternation(links, "(?:", ")")

    @staticmethod
    def _alternation(words: list[str], before: str, after: str) -> re.Pattern | None:
        if not words:
            return None
        return re.compile(before + "|".join(re.escape(w) for w in words) + after)

    def __call__(self, text: str) -> str:
        text = str(text or "")
        if self.urls:
            text = self.urls.sub(LINK_REDACTED, text)
        text = self.MENTION.sub(REDACTED, text)
        return self.names.sub(REDACTED, text) if self.names else text


def people_names(postmortem: Postmortem) -> set[str]:
    """Usernames, full, first and last names of everyone in the organization or named by the
    postmortem (author, commander, participants, owners, reviewers, commenters, writers), in
    one query."""
    org = postmortem.organization_id
    people = Q(memberships__organization_id=org) | Q(pk=postmortem.author_id)
    if postmortem.incident_id:
        people |= Q(pk=postmortem.incident.commander_id) | Q(
            pk__in=IncidentParticipant.objects.filter(incident_id=postmortem.incident_id).values(
                "user"
            )
        )
    for model, column in (
        (ActionItem, "owner"),
        (Review, "reviewer"),
        (Comment, "author"),
        (Revision, "author"),
    ):
        people |= Q(pk__in=model.objects.filter(postmortem=postmortem).values(column))
    rows = (
        get_user_model().objects.filter(people).values_list("username", "first_name", "last_name")
    )
    names: set[str] = set()
    for username, first, last in rows.distinct():
        names.update(part.strip() for part in (username, first, last, f"{first} {last}"))
    return names


def private_urls(postmortem: Postmortem) -> set[str]:
    """The evidence, link and ticket URLs the incident and its action items record."""
    urls = set(
        ActionItem.objects.filter(postmortem=postmortem)
        .exclude(ticket_url="")
        .values_list("ticket_url", flat=True)
    )
    if postmortem.incident_id:
        incident = postmortem.incident_id
        urls.update(
            IncidentLink.objects.filter(incident_id=incident)
            .exclude(url="")
            .values_list("url", flat=True)
        )
        urls.update(
            TimelineEntry.objects.filter(incident_id=incident)
            .exclude(evidence_url="")
            .values_list("evidence_url", flat=True)
        )
    return urls
