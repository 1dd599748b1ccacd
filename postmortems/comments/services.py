"""Comments on a postmortem's sections: threads with replies and @mentions, resolved and
reopened as a whole. An unresolved thread blocks publishing (``transitions``).

Comment text is markdown, rendered and sanitised like every other text (``|markdown``).
"""

import re

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from organizations.models import Membership, NotificationKind
from organizations.notifications import notify
from organizations.people import display_name
from organizations.selectors import membership_in
from postmortems.models import Comment, Postmortem, Section
from postmortems.permissions import Access

MAX_COMMENT_CHARS = 10_000
MENTION = re.compile(r"(?<![\w@.])@([\w.+-]+)")


class CommentsClosed(Exception):
    """Published and archived postmortems take no new comments (HTTP 409)."""


def _access(postmortem: Postmortem, actor: AbstractBaseUser) -> Access:
    membership = membership_in(postmortem.organization, actor)
    access = Access(user=actor, membership=membership, postmortem=postmortem)
    if not access.may_comment:
        raise PermissionDenied("Your role does not allow commenting on this postmortem.")
    if not access.can_comment:
        raise CommentsClosed(
            f"PM-{postmortem.number} is {postmortem.get_status_display().lower()}: "
            "comments are open while it is a draft or in review."
        )
    return access


def mentioned_members(postmortem: Postmortem, text: str) -> list[AbstractBaseUser]:
    """Members of the postmortem's organization named as ``@username`` in ``text``."""
    names = {name.rstrip(".") for name in MENTION.findall(text)}
    if not names:
        return []
    named = Q()
    for name in names:
        named |= Q(username__iexact=name)
    members = Membership.objects.filter(organization_id=postmortem.organization_id).values("user")
    return list(get_user_model().objects.filter(named, pk__in=members))


def thread_link(postmortem: Postmortem, comment: Comment, *, reader: bool) -> str:
    """Where a notification about ``comment`` points: its thread among the read view's
    discussions for someone who may read the postmortem, else the comments page (which tells
    the others what they may not see)."""
    kwargs = {"org_slug": postmortem.organization.slug, "number": postmortem.number}
    if reader:
        thread_id = comment.parent_id or comment.pk
        return f"{reverse('postmortem_detail', kwargs=kwargs)}#comment-{thread_id}"
    return f"{reverse('postmortem_comments', kwargs=kwargs)}?comment={comment.pk}"


def _by_reading(
    postmortem: Postmortem, people: list[AbstractBaseUser]
) -> dict[bool, list[AbstractBaseUser]]:
    """``people`` split by whether each may read the postmortem."""
    groups: dict[bool, list[AbstractBaseUser]] = {True: [], False: []}
    for user in people:
        membership = membership_in(postmortem.organization, user)
        groups[Access(user=user, membership=membership, postmortem=postmortem).can_read].append(
            user
        )
    return groups


@transaction.atomic
def comment_add(
    *,
    postmortem: Postmortem,
    actor: AbstractBaseUser,
    body: str,
    section_key: str = "",
    parent: Comment | None = None,
) -> Comment:
    """A new thread on a section (or on the document), or a reply to ``parent``."""
    _access(postmortem, actor)
    body = (body or "").replace("\r\n", "\n").strip()
    if not body:
        raise ValidationError({"body": "Write a comment first."})
    if len(body) > MAX_COMMENT_CHARS:
        raise ValidationError(
            {"body": f"Keep a comment under {MAX_COMMENT_CHARS:,} characters ({len(body):,} now)."}
        )
    if parent is not None:
        if parent.postmortem_id != postmortem.pk or parent.parent_id is not None:
            raise ValidationError({"parent": "Reply to a comment of this postmortem."})
        section_key = parent.section_key
    elif (
        section_key and not Section.objects.filter(postmortem=postmortem, key=section_key).exists()
    ):
        raise ValidationError({"section": "No such section."})
    comment = Comment.objects.create(
        organization_id=postmortem.organization_id,
        postmortem=postmortem,
        section_key=section_key,
        parent=parent,
        author=actor,
        body=body,
    )
    if parent is not None and parent.resolved_at is not None:
        Comment.objects.filter(pk=parent.pk).update(resolved_at=None, resolved_by=None)
    mentioned = mentioned_members(postmortem, body)
    comment.mentions.set(mentioned)
    _notify(postmortem, comment, actor, mentioned, parent)
    return comment


def _notify(postmortem, comment, actor, mentioned, parent) -> None:
    who = display_name(actor)
    already = {user.pk for user in mentioned}
    interested = [postmortem.author]
    if parent is not None and parent.author_id:
        interested.append(parent.author)
    kinds = {
        NotificationKind.MENTIONED: (
            mentioned,
            f"{who} mentioned you on PM-{postmortem.number}",
        ),
        NotificationKind.COMMENTED: (
            [u for u in interested if u is not None and u.pk not in already],
            f"{who} commented on PM-{postmortem.number} {postmortem.title}",
        ),
    }
    for kind, (recipients, title) in kinds.items():
        people = [u for u in recipients if actor is None or u.pk != actor.pk]
        for reader, group in _by_reading(postmortem, people).items():
            notify(
                organization=postmortem.organization,
                kind=kind,
                recipients=group,
                actor=actor,
                title=title,
                body=comment.body[:500],
                url=thread_link(postmortem, comment, reader=reader),
            )


@transaction.atomic
def comment_resolve(*, comment: Comment, actor: AbstractBaseUser) -> Comment:
    _access(comment.postmortem, actor)
    thread = comment if comment.parent_id is None else comment.parent
    if thread.resolved_at is None:
        thread.resolved_at = timezone.now()
        thread.resolved_by = actor
        thread.save(update_fields=["resolved_at", "resolved_by"])
    return thread


@transaction.atomic
def comment_reopen(*, comment: Comment, actor: AbstractBaseUser) -> Comment:
    _access(comment.postmortem, actor)
    thread = comment if comment.parent_id is None else comment.parent
    if thread.resolved_at is not None:
        thread.resolved_at = None
        thread.resolved_by = None
        thread.save(update_fields=["resolved_at", "resolved_by"])
    return thread
