"""Reads for the organization's dashboard: what is burning, what waits for me, what slipped,
and what the organization learned lately.

Each panel is a short list (``PANEL_ROWS``) and the full count, in two queries whatever the
data size. Postmortems and action items are those this member may read (``visible_q``); open
incidents are visible to every member, as on the incident list.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import (
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from actionitems import selectors as item_selectors
from actionitems.tracker_cache import cached_counts
from incidents.models import Incident, Status
from organizations.models import Counter, Membership, Organization, Team, TeamMember
from organizations.roles import Action, Role, can
from organizations.selectors import ACTION_ITEMS_VERSION, today_in
from postmortems.models import (
    Postmortem,
    PostmortemStatus,
    PostmortemUserObjectPermission,
    Review,
    ReviewDecision,
    ReviewMeeting,
    ReviewMeetingAttendee,
)
from postmortems.permissions import visible_q
from postmortems.selectors import postmortem_list, visible_postmortems

PANEL_ROWS = 6
MEETING_GRACE = timedelta(hours=2)  # a meeting under way still shows


@dataclass
class Panel:
    """A few rows and how many there are in all."""

    rows: list = field(default_factory=list)
    total: int = 0

    @property
    def more(self) -> int:
        return max(self.total - len(self.rows), 0)


def _panel(queryset: QuerySet, limit: int = PANEL_ROWS) -> Panel:
    rows = list(queryset[:limit])
    total = len(rows) if len(rows) < limit else queryset.order_by().count()
    return Panel(rows=rows, total=total)


def open_incidents(*, organization: Organization) -> Panel:
    """Incidents not resolved yet, most severe first, then the oldest."""
    return _panel(
        Incident.objects.filter(organization=organization)
        .exclude(status=Status.RESOLVED)
        .select_related("commander")
        .order_by("severity", "started_at", "pk")
    )


def drafts_to_write(*, organization: Organization, membership: Membership) -> Panel:
    """Drafts I author or was invited to edit (when my role writes)."""
    if not can(membership, Action.CREATE_POSTMORTEM):
        return Panel()
    return _panel(
        postmortem_list(
            organization=organization,
            membership=membership,
            filters={"drafts_of": membership.user},
        )
    )


def reviews_waiting(*, organization: Organization, membership: Membership) -> Panel:
    """Postmortems in review where my review of the current round is still pending."""
    if not can(membership, Action.REVIEW_POSTMORTEM):
        return Panel()
    pending = Review.objects.filter(
        postmortem=OuterRef("pk"),
        reviewer_id=membership.user_id,
        round=OuterRef("review_round"),
        decision=ReviewDecision.PENDING,
    )
    return _panel(
        visible_postmortems(organization=organization, membership=membership)
        .filter(Exists(pending), status=PostmortemStatus.IN_REVIEW)
        .select_related("incident", "author")
        .order_by("submitted_at", "pk")
    )


def my_meetings(*, organization: Organization, membership: Membership) -> Panel:
    """Review meetings I attend that are still ahead (or under way)."""
    attending = ReviewMeetingAttendee.objects.filter(
        meeting=OuterRef("pk"), user_id=membership.user_id
    )
    readable = Postmortem.objects.filter(organization=organization).filter(visible_q(membership))
    return _panel(
        ReviewMeeting.objects.filter(
            organization=organization,
            cancelled_at__isnull=True,
            starts_at__gte=timezone.now() - MEETING_GRACE,
            postmortem__in=readable.values("pk"),
        )
        .filter(Exists(attending))
        .select_related("postmortem")
        .order_by("starts_at", "pk"),
        limit=3,
    )


def overdue_counts(*, organization: Organization, membership: Membership) -> dict[str, int]:
    """Open action items past due: mine, and the organization's (those this member may read,
    so the number matches the tracker's), in one query."""
    today = today_in(organization)
    overdue = item_selectors.due_bucket_q("overdue", today)

    def count() -> dict[str, int]:
        return (
            item_selectors.visible_items(organization=organization, membership=membership)
            .order_by()
            .aggregate(
                organization=Count("pk", filter=overdue),
                mine=Count("pk", filter=overdue & Q(owner_id=membership.user_id)),
            )
        )

    # Cached like the tracker's counts: any action-item write makes the entry obsolete.
    return cached_counts(
        organization=organization,
        membership=membership,
        today=today,
        name="dashboard-overdue",
        parameters=membership.user_id,
        compute=count,
    )


def my_overdue_items(*, organization: Organization, membership: Membership, total: int) -> Panel:
    """The open action items I own that are past due, the most late first (``total`` counted
    by ``overdue_counts``: no query when there are none)."""
    if not total:
        return Panel()
    rows = item_selectors.tracker_items(
        organization=organization,
        membership=membership,
        filters={"mine": membership.user, "due": "overdue"},
        sort="due",
    )[:PANEL_ROWS]
    return Panel(rows=list(rows), total=total)


def recent_publications(*, organization: Organization, membership: Membership) -> Panel:
    return _panel(
        visible_postmortems(organization=organization, membership=membership)
        .filter(status=PostmortemStatus.PUBLISHED, published_at__isnull=False)
        .select_related("incident", "author")
        .order_by("-published_at", "-pk")
    )


def _count(queryset: QuerySet) -> Subquery:
    return Subquery(
        queryset.order_by().values("organization").annotate(n=Count("pk")).values("n")[:1],
        output_field=IntegerField(),
    )


def organization_figures(*, organization: Organization) -> dict:
    """Members, admins and teams, in one query."""
    members = Membership.objects.filter(organization=OuterRef("pk"))
    row = (
        Organization.objects.filter(pk=organization.pk)
        .annotate(
            members=_count(members),
            admins=_count(members.filter(role=Role.ADMIN)),
            teams=_count(Team.objects.filter(organization=OuterRef("pk"))),
        )
        .values("members", "admins", "teams")
        .get()
    )
    return {key: value or 0 for key, value in row.items()}


def dashboard(*, organization: Organization, membership: Membership) -> dict:
    """Every panel of the dashboard, in a fixed number of queries."""
    to_write = drafts_to_write(organization=organization, membership=membership)
    to_review = reviews_waiting(organization=organization, membership=membership)
    meetings = my_meetings(organization=organization, membership=membership)
    overdue = overdue_counts(organization=organization, membership=membership)
    return {
        "now": timezone.now(),
        "open_incidents": open_incidents(organization=organization),
        "to_write": to_write,
        "to_review": to_review,
        "meetings": meetings,
        "waiting_total": to_write.total + to_review.total + meetings.total,
        "my_overdue": my_overdue_items(
            organization=organization, membership=membership, total=overdue["mine"]
        ),
        "overdue_count": overdue["organization"],
        "recent": recent_publications(organization=organization, membership=membership),
        # for admins, who manage the members: everyone else has the member list a click away
        "figures": organization_figures(organization=organization)
        if can(membership, Action.MANAGE_MEMBERS)
        else None,
    }


def _latest(queryset: QuerySet, field: str) -> Subquery:
    """A scalar subquery: "<row count>|<latest value of field>" of the organization's rows."""
    return Subquery(
        queryset.order_by()
        .values("organization")
        .annotate(
            mark=Concat(Cast(Count("pk"), CharField()), Value("|"), Cast(Max(field), CharField()))
        )
        .values("mark")[:1],
        output_field=CharField(),
    )


def _newest(queryset: QuerySet, field: str) -> Subquery:
    """A scalar subquery: the latest value of ``field`` among the organization's rows."""
    return Subquery(queryset.order_by(f"-{field}").values(field)[:1])


def dashboard_fingerprint(*, organization: Organization, membership: Membership) -> str:
    """Everything the dashboard shows changes one of these marks, read in one query: the latest
    change of the incidents and postmortems; counts and latest changes of the reviews, meetings
    and attendees, the member's rights on documents, teams and memberships; the action-item
    version (its counter row). And the minute, for the relative times."""
    org = OuterRef("pk")
    row = (
        Organization.objects.filter(pk=organization.pk)
        .annotate(
            # Neither is ever deleted: the latest change is enough, and an index answers it.
            incidents=_newest(Incident.objects.filter(organization=org), "updated_at"),
            postmortems=_newest(Postmortem.objects.filter(organization=org), "updated_at"),
            reviews=_latest(Review.objects.filter(organization=org), "decided_at"),
            review_ids=_latest(Review.objects.filter(organization=org), "id"),
            meetings=_latest(ReviewMeeting.objects.filter(organization=org), "updated_at"),
            attendees=_latest(ReviewMeetingAttendee.objects.filter(organization=org), "id"),
            rights=_latest(
                PostmortemUserObjectPermission.objects.filter(
                    content_object__organization=org, user_id=membership.user_id
                ).annotate(organization=F("content_object__organization")),
                "id",
            ),
            teams=_latest(TeamMember.objects.filter(organization=org), "id"),
            members=_latest(Membership.objects.filter(organization=org), "id"),
            items=_newest(
                Counter.objects.filter(organization=org, name=ACTION_ITEMS_VERSION),
                "value",
            ),
        )
        .values_list(
            "incidents",
            "postmortems",
            "reviews",
            "review_ids",
            "meetings",
            "attendees",
            "rights",
            "teams",
            "members",
            "items",
        )
        .get()
    )
    minute = timezone.now().replace(second=0, microsecond=0).isoformat()
    return repr((row, minute, membership.user_id, membership.role))
