"""What the weekly digest says: the week's published postmortems, each with its summary and
lessons, read once per organization and week, then chosen per member by their filters.

The summary is the first written section named like a summary ("summary", "executive
summary", "what happened and why"); the lessons are the sections of lessons learned ("lessons
learned", or "what went well / poorly / where we got lucky"). Untouched template prompts are
left out, as on the read view."""

import re
import zoneinfo
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Prefetch
from django.urls import reverse

from incidents.models import IncidentService
from organizations.models import Organization, TeamMember
from organizations.people import display_name
from postmortems.models import Postmortem, PostmortemStatus, PostmortemTeam, Section
from postmortems.search.indexing import clean_text

SUMMARY_MARKERS = ("summary", "what-happened")
LESSON_KEYS = (
    "lessons-learned",
    "lessons-learnt",
    "lessons",
    "learnings",
    "key-learnings",
    "went-well",
    "what-went-well",
    "went-poorly",
    "what-went-poorly",
    "got-lucky",
    "where-we-got-lucky",
)
EXCERPT_CHARS = 420
SEND_FROM = time(8, 0)  # a week's digest goes out from Monday 08:00 in the organization's zone


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """Plain words of markdown, cut at a word boundary."""
    words = " ".join(clean_text(text).split())
    if len(words) <= limit:
        return words
    return words[: limit - 1].rsplit(" ", 1)[0] + "…"


def digest_week(organization: Organization, now: datetime) -> date:
    """The Monday of the latest week whose digest may go out at ``now``: last week from
    Monday 08:00 (organization's time zone) on, the week before until then."""
    local = now.astimezone(zoneinfo.ZoneInfo(organization.time_zone or "UTC"))
    this_monday = local.date() - timedelta(days=local.weekday())
    weeks_back = 1 if (local.date(), local.time()) >= (this_monday, SEND_FROM) else 2
    return this_monday - timedelta(weeks=weeks_back)


def week_bounds(organization: Organization, week_start: date) -> tuple[datetime, datetime]:
    zone = zoneinfo.ZoneInfo(organization.time_zone or "UTC")
    start = datetime.combine(week_start, time.min, tzinfo=zone)
    return start, datetime.combine(week_start + timedelta(weeks=1), time.min, tzinfo=zone)


POINTS = 3  # list items shown per lesson section
POINT_CHARS = 200
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(.*\S)")


@dataclass
class Lesson:
    """A lessons section: its first list items, or its opening text when it has no list."""

    title: str
    points: list[str]


def lesson_points(text: str) -> list[str]:
    items = [m.group(1) for line in text.splitlines() if (m := _LIST_ITEM.match(line))]
    if not items:
        return [excerpt(text)]
    return [excerpt(item, POINT_CHARS) for item in items[:POINTS]]


@dataclass
class WeekPostmortem:
    """One postmortem published in the week, as the digest shows it and filters it."""

    pk: int
    number: int
    title: str
    path: str
    published_at: datetime
    visibility: str = ""
    severity: str = ""
    services: list[str] = field(default_factory=list)
    service_ids: set[int] = field(default_factory=set)
    team_ids: set[int] = field(default_factory=set)
    author_id: int | None = None
    author_name: str = ""
    summary: str = ""
    lessons: list[Lesson] = field(default_factory=list)


def week_postmortems(organization: Organization, week_start: date) -> list[WeekPostmortem]:
    """The postmortems published in the week and still published, newest first (a handful of
    queries, plus one per postmortem for its template text, cached)."""
    start, end = week_bounds(organization, week_start)
    sections = Section.objects.filter(organization=organization).order_by("position")
    postmortems = list(
        Postmortem.objects.filter(
            organization=organization,
            status=PostmortemStatus.PUBLISHED,
            published_at__gte=start,
            published_at__lt=end,
        )
        .select_related("incident", "author")
        .prefetch_related(Prefetch("sections", queryset=sections))
        .order_by("-published_at", "-number")
    )
    if not postmortems:
        return []
    services = _services_by_incident(organization, [p.incident_id for p in postmortems])
    teams = _teams_by_postmortem(organization, [p.pk for p in postmortems])
    return [_entry(organization, p, services, teams) for p in postmortems]


def _services_by_incident(organization, incident_ids) -> dict[int, list[tuple[int, str]]]:
    found: dict[int, list[tuple[int, str]]] = {}
    rows = IncidentService.objects.filter(
        organization=organization, incident_id__in=[i for i in incident_ids if i]
    ).values_list("incident_id", "service_id", "service__name")
    for incident_id, service_id, name in rows.order_by("service__name"):
        found.setdefault(incident_id, []).append((service_id, name))
    return found


def _teams_by_postmortem(organization, postmortem_ids) -> dict[int, set[int]]:
    found: dict[int, set[int]] = {}
    rows = PostmortemTeam.objects.filter(
        organization=organization, postmortem_id__in=postmortem_ids
    ).values_list("postmortem_id", "team_id")
    for postmortem_id, team_id in rows:
        found.setdefault(postmortem_id, set()).add(team_id)
    return found


def _entry(organization, postmortem: Postmortem, services, teams) -> WeekPostmortem:
    incident = postmortem.incident
    service_pairs = services.get(postmortem.incident_id, [])
    entry = WeekPostmortem(
        pk=postmortem.pk,
        number=postmortem.number,
        title=postmortem.title,
        path=reverse(
            "postmortem_detail",
            kwargs={"org_slug": organization.slug, "number": postmortem.number},
        ),
        published_at=postmortem.published_at,
        visibility=postmortem.visibility,
        severity=incident.severity if incident else "",
        services=[name for _, name in service_pairs],
        service_ids={pk for pk, _ in service_pairs},
        team_ids=teams.get(postmortem.pk, set()),
        author_id=postmortem.author_id,
        author_name=display_name(postmortem.author) if postmortem.author else "",
    )
    for section in postmortem.sections.all():
        body = section.body or ""  # template prompts are placeholders, never in the body
        if not excerpt(body):
            continue
        if not entry.summary and any(m in section.key for m in SUMMARY_MARKERS):
            entry.summary = excerpt(body)
        elif section.key in LESSON_KEYS:
            entry.lessons.append(Lesson(section.title, lesson_points(body)))
    return entry


def team_members_by_team(organization: Organization) -> dict[int, set[int]]:
    """{team id: user ids} for the team filter (one query)."""
    found: dict[int, set[int]] = {}
    rows = TeamMember.objects.filter(organization=organization).values_list("team_id", "user_id")
    for team_id, user_id in rows:
        found.setdefault(team_id, set()).add(user_id)
    return found


def matches(entry: WeekPostmortem, subscription, team_members: dict[int, set[int]]) -> bool:
    """Whether ``entry`` passes the subscription's filters. A postmortem belongs to a team
    when it is shared with the team or written by one of its members."""
    if subscription.severities and entry.severity not in subscription.severities:
        return False
    if subscription.service_ids and not entry.service_ids & set(subscription.service_ids):
        return False
    if subscription.team_ids:
        chosen = set(subscription.team_ids)
        if entry.team_ids & chosen:
            return True
        return any(entry.author_id in team_members.get(team, ()) for team in chosen)
    return True
