"""Public sharing of a PUBLISHED postmortem: the share links, their rights, services and
selectors.

A share link is a random token of which only the hash is stored. A link works while it is not
revoked, not expired and its postmortem is PUBLISHED: archiving (or anything else that takes the
postmortem out of PUBLISHED) stops every link at once, and ``share_link_from_token`` answers None
for all of these alike, so the public views give one and the same 404.

What a link shows is built in ``public``, with people's names removed by ``redaction``.
"""

import secrets
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django_scopes import scopes_disabled

from organizations.services import hash_token
from postmortems.models import Postmortem, PostmortemStatus, Section, SectionKind, ShareLink
from postmortems.permissions import Access
from postmortems.services import history_note

TOKEN_BYTES = 32
PREFIX_LENGTH = 6
MAX_TOKEN_LENGTH = 100  # a real token is 43 characters; anything far longer is not one
SUMMARY_MAX_LENGTH = 20_000

# What the share panel tells the author stays private, whatever they choose.
PRIVATE_FIELDS = (
    "Names of people: author, commander, participants, reviewers, action-item owners, "
    "timeline actors, @mentions",
    "Users affected, revenue impact, SLA and support tickets",
    "Comments, reviews and the document history",
    "Evidence and ticket URLs (internal dashboards, alerts, logs)",
    "Sections you do not choose",
)
# What a link shows of each structured section kind, beside its text.
KIND_NOTES = {
    SectionKind.TIMELINE: "times and events; the “who” column is left out",
    SectionKind.ACTION_ITEMS: "description, priority, category, due date, status; no owners",
    SectionKind.IMPACT: "duration of impact and the text; the figures stay private",
    SectionKind.LINKS: "type and title of each piece of evidence; no URLs",
    SectionKind.METRICS: "the charts",
    SectionKind.FIVE_WHYS: "the chain of whys",
    SectionKind.CONTRIBUTING_FACTORS: "factors with their category",
}


class SharingError(Exception):
    """Sharing is not possible in the postmortem's current state (a 409)."""


# --- Rights ------------------------------------------------------------------------------------


def may_share(access: Access) -> bool:
    """The author (with a role that writes postmortems) or an admin manages sharing."""
    return access.can_read and (access.is_admin or access.is_author_with_role)


def _require_published(postmortem: Postmortem, doing: str) -> None:
    if postmortem.status != PostmortemStatus.PUBLISHED:
        raise SharingError(
            f"Only a published postmortem can be {doing}: this one is "
            f"{postmortem.get_status_display().lower()}."
        )


# --- Services ----------------------------------------------------------------------------------


@transaction.atomic
def public_content_update(
    *, postmortem: Postmortem, actor: AbstractBaseUser, summary: str, section_keys: list[str]
) -> Postmortem:
    """Set the public summary and the sections a link shows (kept in document order)."""
    locked = Postmortem.objects.select_for_update().get(pk=postmortem.pk)
    _require_published(locked, "shared")
    order = list(Section.objects.filter(postmortem=locked).values_list("key", flat=True))
    chosen = set(section_keys)
    locked.public_summary = summary.strip()
    locked.public_sections = [key for key in order if key in chosen]
    locked.save(update_fields=["public_summary", "public_sections"])
    history_note(postmortem=locked, actor=actor, summary="Changed what share links show")
    postmortem.public_summary = locked.public_summary
    postmortem.public_sections = locked.public_sections
    return postmortem


@transaction.atomic
def share_link_create(
    *,
    postmortem: Postmortem,
    actor: AbstractBaseUser,
    label: str = "",
    expires_at: datetime | None = None,
) -> tuple[ShareLink, str]:
    """A new link and its token (returned once: only its hash is stored)."""
    locked = Postmortem.objects.select_for_update().get(pk=postmortem.pk)
    _require_published(locked, "shared")
    if not locked.public_summary.strip():
        raise SharingError("Write the public summary before creating a link.")
    plain = secrets.token_urlsafe(TOKEN_BYTES)
    link = ShareLink.objects.create(
        organization=locked.organization,
        postmortem=locked,
        token_hash=hash_token(plain),
        prefix=plain[:PREFIX_LENGTH],
        label=label.strip(),
        created_by=actor,
        expires_at=expires_at,
    )
    history_note(postmortem=locked, actor=actor, summary=f"Created share link {link.prefix}…")
    return link, plain


@transaction.atomic
def share_link_revoke(*, link: ShareLink, actor: AbstractBaseUser) -> bool:
    """Revoke a link for good; False when it already was. Allowed in any status."""
    revoked = ShareLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if revoked:
        history_note(
            postmortem=link.postmortem, actor=actor, summary=f"Revoked share link {link.prefix}…"
        )
    link.refresh_from_db(fields=["revoked_at"])
    return bool(revoked)


def share_link_record_view(link: ShareLink) -> None:
    """Count a view with a single UPDATE (no read-modify-write race)."""
    with scopes_disabled():
        ShareLink.objects.filter(pk=link.pk).update(
            view_count=F("view_count") + 1, last_viewed_at=timezone.now()
        )


# --- Selectors ---------------------------------------------------------------------------------


def share_link_from_token(token: str) -> ShareLink | None:
    """The working link of a token: None when unknown, revoked, expired, or its postmortem is
    not PUBLISHED (all alike, so callers answer the same 404)."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    with scopes_disabled():
        link = (
            ShareLink.objects.filter(
                token_hash=hash_token(token),
                revoked_at__isnull=True,
                postmortem__status=PostmortemStatus.PUBLISHED,
                postmortem__organization=F("organization"),
            )
            .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()))
            .select_related("organization", "postmortem", "postmortem__incident")
            .first()
        )
    return link


def share_links_of(postmortem: Postmortem) -> list[ShareLink]:
    return list(
        ShareLink.objects.filter(
            organization_id=postmortem.organization_id, postmortem=postmortem
        ).select_related("created_by")
    )


def active_share_links_of(postmortem: Postmortem) -> list[ShareLink]:
    """The links that work now (not revoked, not expired): those archiving turns off."""
    return list(
        ShareLink.objects.filter(
            organization_id=postmortem.organization_id,
            postmortem=postmortem,
            revoked_at__isnull=True,
        )
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()))
        .select_related("created_by")
    )


def share_link_of(postmortem: Postmortem, link_id: int) -> ShareLink | None:
    return (
        ShareLink.objects.filter(
            organization_id=postmortem.organization_id, postmortem=postmortem, pk=link_id
        )
        .select_related("postmortem")
        .first()
    )


def share_link_state(link: ShareLink, postmortem: Postmortem) -> str:
    """ "revoked", "expired", "paused" (postmortem not published) or "active"."""
    if link.revoked_at:
        return "revoked"
    if link.expires_at and link.expires_at <= timezone.now():
        return "expired"
    if postmortem.status != PostmortemStatus.PUBLISHED:
        return "paused"
    return "active"
