"""Required readers of a published postmortem: who was asked to read it, and when each did.

The author (with a role that writes postmortems) or an admin names members who may read the
postmortem; each is notified (kind ``READING_REQUESTED``). A reader's first view of the read
view records ``read_at``: only their own view counts, and later views change nothing.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from organizations.models import Membership, NotificationKind
from organizations.notifications import notify
from organizations.people import display_name
from organizations.selectors import membership_in
from postmortems.models import Postmortem, PostmortemStatus, RequiredReader
from postmortems.permissions import Access
from postmortems.services import history_note

FIELD = "readers"


class ReadingClosed(Exception):
    """Required readers are named only for a published postmortem (HTTP 409)."""


# the statuses a postmortem may have required readers in (named once published, kept if archived)
READABLE_BY_REQUEST = (PostmortemStatus.PUBLISHED, PostmortemStatus.ARCHIVED)


def may_require_reading(access: Access) -> bool:
    """The author (with a role that writes postmortems) or an admin."""
    return access.can_read and (access.is_admin or access.is_author_with_role)


def _locked_for(postmortem: Postmortem, actor: AbstractBaseUser) -> Postmortem:
    locked = (
        Postmortem.objects.select_for_update(of=("self",))
        .select_related("organization")
        .get(pk=postmortem.pk)
    )
    access = Access(
        user=actor, membership=membership_in(locked.organization, actor), postmortem=locked
    )
    if not may_require_reading(access):
        raise PermissionDenied("Only the author and admins name required readers.")
    if locked.status != PostmortemStatus.PUBLISHED:
        raise ReadingClosed(
            f"PM-{locked.number} is {locked.get_status_display().lower()}: required readers "
            "are named once it is published."
        )
    return locked


def readers_validate(postmortem: Postmortem, users: Iterable[AbstractBaseUser]) -> None:
    """Every user must be a member who may read the postmortem (a 400 naming ``readers``)."""
    users = list(users)
    if not users:
        raise ValidationError({FIELD: "Name at least one member."})
    memberships = {
        m.user_id: m
        for m in Membership.objects.filter(
            organization=postmortem.organization, user_id__in=[u.pk for u in users]
        )
    }
    refused = [
        display_name(user)
        for user in users
        if not Access(
            user=user, membership=memberships.get(user.pk), postmortem=postmortem
        ).can_read
    ]
    if refused:
        raise ValidationError(
            {FIELD: f"{', '.join(refused)} may not read this postmortem: share it with them first."}
        )


@transaction.atomic
def required_readers_add(
    *, postmortem: Postmortem, actor: AbstractBaseUser, users: Iterable[AbstractBaseUser]
) -> list[RequiredReader]:
    """Name required readers; those already named are left as they are (and not notified
    again). Answers the rows added."""
    locked = _locked_for(postmortem, actor)
    users = list({user.pk: user for user in users}.values())
    readers_validate(locked, users)
    named = set(RequiredReader.objects.filter(postmortem=locked).values_list("user_id", flat=True))
    new = [user for user in users if user.pk not in named]
    if not new:
        return []
    rows = RequiredReader.objects.bulk_create(
        RequiredReader(
            organization=locked.organization, postmortem=locked, user=user, requested_by=actor
        )
        for user in new
    )
    history_note(
        postmortem=locked,
        actor=actor,
        summary=_named(new),
    )
    notify(
        organization=locked.organization,
        kind=NotificationKind.READING_REQUESTED,
        recipients=new,
        actor=actor,
        title=f"Please read PM-{locked.number} {locked.title}",
        body=f"{display_name(actor)} asks you to read this postmortem.",
        url=reverse(
            "postmortem_detail",
            kwargs={"org_slug": locked.organization.slug, "number": locked.number},
        ),
    )
    return rows


def _named(users: list[AbstractBaseUser], shown: int = 5) -> str:
    """The history's line: the first names, and how many more (a revision summary is short)."""
    names = ", ".join(display_name(user) for user in users[:shown])
    more = f" and {len(users) - shown} more" if len(users) > shown else ""
    return f"Required reading: {names}{more}"[:200]


@transaction.atomic
def required_reader_remove(
    *, postmortem: Postmortem, actor: AbstractBaseUser, user: AbstractBaseUser
) -> bool:
    """Take a member off the list; answers whether they were on it."""
    locked = _locked_for(postmortem, actor)
    deleted, _ = RequiredReader.objects.filter(postmortem=locked, user=user).delete()
    return bool(deleted)


def reading_receipt(*, postmortem: Postmortem, user: AbstractBaseUser) -> RequiredReader | None:
    """The viewer's request to read this postmortem, if any (one query), with this view
    recorded as their first read when it is one (one UPDATE more, once). None, without a query,
    before the postmortem is published: readers are named on published postmortems only."""
    if not user.is_authenticated or postmortem.status not in READABLE_BY_REQUEST:
        return None
    request = (
        RequiredReader.objects.filter(
            organization_id=postmortem.organization_id, postmortem=postmortem, user=user
        )
        .select_related("requested_by")
        .first()
    )
    if request is not None and request.read_at is None:
        moment = timezone.now()
        # the condition keeps the first time when two views race
        if RequiredReader.objects.filter(pk=request.pk, read_at__isnull=True).update(
            read_at=moment
        ):
            request.read_at = moment
    return request


# --- Reads -------------------------------------------------------------------------------------


@dataclass
class ReadingPanel:
    """The read view's required-readers panel, for the author and admins."""

    readers: list[RequiredReader]
    can_add: bool

    @property
    def read(self) -> list[RequiredReader]:
        return [r for r in self.readers if r.read_at]

    @property
    def unread(self) -> list[RequiredReader]:
        return [r for r in self.readers if not r.read_at]


def required_readers_of(postmortem: Postmortem) -> list[RequiredReader]:
    """The postmortem's required readers, unread first, then by when they read (one query)."""
    readers = RequiredReader.objects.filter(
        organization_id=postmortem.organization_id, postmortem=postmortem
    ).select_related("user", "requested_by")
    return sorted(readers, key=lambda r: (r.read_at is not None, r.read_at or r.requested_at, r.pk))


def reading_panel(postmortem: Postmortem, access: Access) -> ReadingPanel | None:
    """The panel when this viewer may see it (the author or an admin, once published)."""
    if postmortem.status not in READABLE_BY_REQUEST:
        return None
    if not may_require_reading(access):
        return None
    return ReadingPanel(
        readers=required_readers_of(postmortem),
        can_add=postmortem.status == PostmortemStatus.PUBLISHED,
    )


def required_reader_named(postmortem: Postmortem, username: str) -> RequiredReader | None:
    return (
        RequiredReader.objects.filter(
            organization_id=postmortem.organization_id,
            postmortem=postmortem,
            user__username=username,
        )
        .select_related("user")
        .first()
    )
