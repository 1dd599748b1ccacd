"""The demo's notifications: a member opens the demo to a handful unread, not dozens, and the
ones left unread are those that ask something of them."""

from django.db.models import Count

from demo.notifications import UNREAD_KEPT, unread_to_keep
from organizations.models import Notification, NotificationKind


def _unread_by_member(organization) -> dict[str, int]:
    return dict(
        Notification.objects.filter(organization=organization, read_at__isnull=True)
        .values_list("recipient__username")
        .annotate(n=Count("pk"))
    )


def test_every_demo_member_has_a_handful_unread_and_the_rest_read(org):
    unread = _unread_by_member(org)
    assert unread, "the demo shows the bell with something in it"
    assert max(unread.values()) <= UNREAD_KEPT <= 8
    for username in ("alice", "carol", "dave"):
        assert 1 <= unread[username] <= UNREAD_KEPT
        total = Notification.objects.filter(organization=org, recipient__username=username)
        assert total.count() > unread[username]  # the history is still there, read


def test_a_reviewer_is_left_the_review_requests_unread(org):
    carol_unread = set(
        Notification.objects.filter(
            organization=org, recipient__username="carol", read_at__isnull=True
        ).values_list("kind", flat=True)
    )
    assert NotificationKind.REVIEW_REQUESTED in carol_unread
    assert NotificationKind.DRAFT_GENERATED not in carol_unread  # news waits behind asks


def test_the_asks_are_kept_first_then_the_newest_news():
    rows = [
        (9, NotificationKind.DRAFT_GENERATED),
        (8, NotificationKind.PUBLISHED),
        (7, NotificationKind.REVIEW_REQUESTED),
        (6, NotificationKind.DRAFT_GENERATED),
        (5, NotificationKind.MENTIONED),
    ]
    assert unread_to_keep(rows, kept=3) == {7, 5, 9}
    assert unread_to_keep(rows[:1], kept=3) == {9}
    assert unread_to_keep([], kept=3) == set()
