"""Review meetings, read: a postmortem's meeting and its attendees, whom to invite, and the
agenda."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser

from incidents.models import IncidentParticipant
from organizations.models import Membership
from organizations.people import display_name
from postmortems.models import Postmortem, Review, ReviewMeeting, ReviewMeetingAttendee
from postmortems.permissions import EDIT_PERMISSION, REVIEW_PERMISSION
from postmortems.review.selectors import users_with_permission


def meeting_of(postmortem: Postmortem) -> ReviewMeeting | None:
    return ReviewMeeting.objects.filter(postmortem=postmortem).select_related("organizer").first()


def attendees_of(meeting: ReviewMeeting) -> list[ReviewMeetingAttendee]:
    return list(
        ReviewMeetingAttendee.objects.filter(meeting=meeting)
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "user__username")
    )


@dataclass
class Suggestion:
    """A person suggested for the meeting and why (``["Author", "Reviewer"]``)."""

    user: AbstractBaseUser
    reasons: list[str] = field(default_factory=list)


def suggested_attendees(postmortem: Postmortem) -> list[Suggestion]:
    """Author, invited editors, the incident's commander and participants, and the reviewers
    (assigned, and those of the current round): current members only, in a fixed number of
    queries."""
    found: dict[int, Suggestion] = {}

    def add(user, reason: str) -> None:
        if user is not None:
            found.setdefault(user.pk, Suggestion(user)).reasons.append(reason)

    add(postmortem.author, "Author")
    for user in users_with_permission(postmortem, EDIT_PERMISSION):
        add(user, "Editor")
    incident = postmortem.incident
    if incident is not None:
        if incident.commander_id:
            add(get_user_model().objects.filter(pk=incident.commander_id).first(), "Commander")
        participants = IncidentParticipant.objects.filter(incident=incident).exclude(
            user_id=incident.commander_id
        )
        for row in participants.select_related("user"):
            add(row.user, "Participant")
    reviewers = {user.pk: user for user in users_with_permission(postmortem, REVIEW_PERMISSION)}
    if postmortem.review_round:
        for review in Review.objects.filter(
            postmortem=postmortem, round=postmortem.review_round
        ).select_related("reviewer"):
            reviewers.setdefault(review.reviewer_id, review.reviewer)
    for user in reviewers.values():
        add(user, "Reviewer")
    members = set(
        Membership.objects.filter(
            organization_id=postmortem.organization_id, user_id__in=list(found)
        ).values_list("user_id", flat=True)
    )
    people = [s for pk, s in found.items() if pk in members]
    people.sort(key=lambda s: display_name(s.user).lower())
    return people


@dataclass(frozen=True)
class AgendaItem:
    key: str
    title: str
    minutes: int
    starts_at: datetime
    guidance: str


AGENDA = (
    (
        "introduction",
        "Introduction and blameless reminder",
        1,
        "Why we meet: to learn how the system let this happen, not who to blame. Everyone "
        "acted reasonably with what they knew at the time.",
    ),
    (
        "timeline",
        "Timeline walkthrough",
        3,
        "Walk through the key events: detection, response, mitigation, resolution. Fill gaps "
        "and note where signals were missed or slow.",
    ),
    (
        "analysis",
        "Contributing factors and root cause",
        3,
        "Which conditions combined to cause the incident? Agree on the root cause category "
        "and the factors worth fixing.",
    ),
    (
        "action_items",
        "Action items and owners",
        3,
        "Each item gets one owner, a due date and success criteria that anyone can check.",
    ),
    (
        "went_well",
        "What went well",
        1,
        "What helped: tooling, people, luck. Keep it so it keeps working next time.",
    ),
    (
        "wrap_up",
        "Wrap-up",
        1,
        "Recap decisions and owners, who finishes the document, and when it is published.",
    ),
)


def agenda_minutes(duration: int) -> list[int]:
    """Split ``duration`` minutes over the agenda by weight (largest remainder: the parts
    always add up to the duration; ties go to the heavier, then the earlier item)."""
    weights = [weight for _, _, weight, _ in AGENDA]
    total = sum(weights)
    exact = [duration * weight / total for weight in weights]
    minutes = [int(share) for share in exact]
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - minutes[i]), -weights[i], i))
    for i in order[: duration - sum(minutes)]:
        minutes[i] += 1
    return minutes


def agenda_for(meeting: ReviewMeeting) -> list[AgendaItem]:
    """The agenda with time boxes scaled to the meeting's length, and their starting times."""
    items, start = [], meeting.starts_at
    for (key, title, _, guidance), minutes in zip(
        AGENDA, agenda_minutes(meeting.duration_minutes), strict=True
    ):
        items.append(AgendaItem(key, title, minutes, start, guidance))
        start = start + timedelta(minutes=minutes)
    return items


def ends_at(meeting: ReviewMeeting) -> datetime:
    return meeting.starts_at + timedelta(minutes=meeting.duration_minutes)


def is_active(meeting: ReviewMeeting | None) -> bool:
    return meeting is not None and meeting.cancelled_at is None
