"""The weekly learning digest for every member of the bench organization: each subscribes
(a third with filters), a week of published postmortems is seeded, and one run must send every
digest in under ``GOAL_SECONDS``; a second run at the same moment must send nothing."""

import time
from datetime import timedelta

NAME = "learning digest"
GOAL_SECONDS = 10.0
POSTMORTEMS = 25


def seed_week(organization, now) -> None:
    """Subscribe every member and publish ``POSTMORTEMS`` of the bench's postmortems in the
    digest's week (the others are moved out of it)."""
    from django.contrib.auth import get_user_model
    from django_scopes import scope

    from organizations.models import Membership, Severity
    from postmortems.models import Postmortem, PostmortemStatus
    from postmortems.reading.digest_content import digest_week, week_bounds
    from postmortems.reading.subscriptions import DigestChoice, digest_subscribe

    with scope(organization=organization):
        start, _ = week_bounds(organization, digest_week(organization, now))
        Postmortem.objects.filter(organization=organization, published_at__gte=start).update(
            published_at=start - timedelta(days=30)
        )
        pks = list(
            Postmortem.objects.filter(organization=organization)
            .order_by("number")
            .values_list("pk", flat=True)[:POSTMORTEMS]
        )
        for index, pk in enumerate(pks):
            Postmortem.objects.filter(pk=pk).update(
                status=PostmortemStatus.PUBLISHED, published_at=start + timedelta(hours=index + 1)
            )
        user_ids = Membership.objects.filter(organization=organization).values_list(
            "user_id", flat=True
        )
        users = get_user_model().objects.filter(pk__in=list(user_ids)).order_by("pk")
        for index, user in enumerate(users):
            if not user.email:
                user.email = f"{user.username}@bench.example"
                user.save(update_fields=["email"])
            severities = [Severity.SEV1, Severity.SEV2] if index % 3 == 0 else []
            digest_subscribe(
                organization=organization,
                user=user,
                choice=DigestChoice(team_ids=[], service_ids=[], severities=severities),
            )


def measure() -> list[tuple[str, str, bool]]:
    """(what, measured, passed) for the digest run. Call after ``django.setup()``."""
    from django.conf import settings
    from django.urls import get_resolver
    from django.utils import timezone

    from postmortems.reading.digest import run_digest

    from .seed import bench_organization

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    organization = bench_organization()
    now = timezone.now()
    print(f"Timing the learning digest ({POSTMORTEMS} postmortems in the week) …")
    seed_week(organization, now)
    _ = get_resolver().url_patterns  # the URLconf's imports are not the digest's time
    started = time.perf_counter()
    first = run_digest(organization, now=now)
    seconds = time.perf_counter() - started
    second = run_digest(organization, now=now)
    return [
        (
            f"{NAME} for {first.subscribers} members: < {GOAL_SECONDS:.0f} s",
            f"{seconds:.2f} s, {first.sent} digests, {len(first.failed)} failed",
            seconds < GOAL_SECONDS and not first.failed,
        ),
        (
            f"{NAME}: a second run sends nothing",
            f"{second.sent} sent",
            second.sent == 0,
        ),
    ]
