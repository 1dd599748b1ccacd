"""The tracker's data set: postmortems for the bench incidents and 100,000 action items over them.

Import after ``django.setup()``. Run after ``seed.create_postmortem`` (which takes postmortem
number 1) and after ``seed.time_generation`` (which deletes and regenerates the drafts of the
first incident, so these postmortems stay away from the first incidents).

The numbers are chosen so the benchmark's views are predictable: exactly one item in ten is
CRITICAL, so ``?priority=CRITICAL`` is the 10,000-row CSV at 100,000 items.
"""

import random
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone
from django_scopes import scopes_disabled

from actionitems.models import ActionItem, Category, ItemStatus, Priority
from incidents.models import Incident
from organizations.models import Counter, Membership, Organization
from organizations.roles import Role
from organizations.selectors import today_in
from postmortems.models import Postmortem, PostmortemStatus, Visibility

from .seed_constants import CSV_PRIORITY, ITEMS_PER_POSTMORTEM, POSTMORTEM_NUMBER

BATCH_SIZE = 5_000
RANDOM_SEED = 2026
FIRST_INCIDENTS_SKIPPED = 3  # the long timelines and the generated draft's incident
SEVERITY_RANK = {"SEV1": 1, "SEV2": 2, "SEV3": 3, "SEV4": 4}
PRIORITY_CYCLE = [Priority.HIGH] * 3 + [Priority.MEDIUM] * 4 + [Priority.LOW] * 2
DESCRIPTIONS = [
    "Alert when {service} p99 latency exceeds 800 ms for 5 minutes",
    "Add a circuit breaker between {service} and its database with a 2 s timeout",
    "Write a runbook for failing over {service} to the secondary region",
    "Load-test {service} at 3x Black Friday peak before the freeze",
    "Cap {service} connection pool at 80 and page on saturation",
    "Add a canary stage to the {service} deploy pipeline",
    "Rotate the {service} credentials automatically every 30 days",
    "Backfill the missing {service} events from the 3-hour gap",
    "Add an integration test for the {service} retry path",
    "Document the {service} on-call escalation policy",
    "Improve monitoring",  # a few vague ones, as real postmortems have
]
SERVICES = ["payments-api", "checkout", "search", "auth", "notifications", "billing", "cdn"]
TICKET_URLS = [
    "https://acme.atlassian.net/browse/OPS-{n}",
    "https://github.com/acme/platform/issues/{n}",
    "https://linear.app/acme/issue/ENG-{n}",
    "",
    "",
]


def seed_action_items(organization: Organization, count: int) -> int:
    """``count`` action items over ``count / ITEMS_PER_POSTMORTEM`` postmortems (mostly
    published, some team-only or private), owned by the organization's engineers and above,
    due from four months ago to six months ahead. Returns how many postmortems were made."""
    rng = random.Random(RANDOM_SEED)
    today = today_in(organization)
    now = timezone.now()
    with scopes_disabled(), transaction.atomic():
        owners = list(
            Membership.objects.filter(organization=organization)
            .exclude(role=Role.VIEWER)
            .order_by("pk")
            .values_list("user_id", flat=True)
        )
        postmortems = create_postmortems(
            organization, -(-count // ITEMS_PER_POSTMORTEM), owners, rng
        )
        for start in range(0, count, BATCH_SIZE):
            ActionItem.objects.bulk_create(
                [
                    action_item(organization, number, postmortems, owners, today, now, rng)
                    for number in range(start + 1, min(start + BATCH_SIZE, count) + 1)
                ]
            )
        Counter.objects.update_or_create(
            organization=organization, name="action_item", defaults={"value": count}
        )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return len(postmortems)


def create_postmortems(
    organization: Organization, count: int, authors: list[int], rng: random.Random
) -> list[Postmortem]:
    incidents = list(
        Incident.objects.filter(organization=organization)
        .order_by("pk")
        .only("pk", "title", "severity")[FIRST_INCIDENTS_SKIPPED : FIRST_INCIDENTS_SKIPPED + count]
    )
    statuses = [PostmortemStatus.PUBLISHED] * 14 + [
        PostmortemStatus.IN_REVIEW,
        PostmortemStatus.IN_REVIEW,
        PostmortemStatus.DRAFT,
        PostmortemStatus.DRAFT,
        PostmortemStatus.DRAFT,
        PostmortemStatus.ARCHIVED,
    ]
    visibilities = [Visibility.ORGANIZATION] * 17 + [Visibility.TEAM] * 2 + [Visibility.PRIVATE]
    made = Postmortem.objects.bulk_create(
        [
            Postmortem(
                organization=organization,
                number=POSTMORTEM_NUMBER + 1 + index,
                title=f"Postmortem: {incident.title}",
                status=rng.choice(statuses),
                incident=incident,
                visibility=rng.choice(visibilities),
                author_id=rng.choice(authors),
            )
            for index, incident in enumerate(incidents)
        ],
        batch_size=BATCH_SIZE,
    )
    for postmortem, incident in zip(made, incidents, strict=True):
        postmortem.incident = incident
    Counter.objects.update_or_create(
        organization=organization,
        name="postmortem",
        defaults={"value": POSTMORTEM_NUMBER + len(made)},
    )
    return made


def action_item(organization, number, postmortems, owners, today, now, rng) -> ActionItem:
    """The ``number``-th item: one in ten CRITICAL; due dates spread around today; most past-due
    items done, as in a healthy organization, with enough left overdue to follow up."""
    postmortem = postmortems[(number - 1) // ITEMS_PER_POSTMORTEM % len(postmortems)]
    priority = CSV_PRIORITY if number % 10 == 0 else PRIORITY_CYCLE[number % len(PRIORITY_CYCLE)]
    due = today + timedelta(days=rng.randint(-120, 180)) if rng.random() > 0.06 else None
    roll = rng.random()
    if due is not None and due < today:
        status = (
            ItemStatus.COMPLETED
            if roll < 0.7
            else ItemStatus.WONT_DO
            if roll < 0.75
            else ItemStatus.IN_PROGRESS
            if roll < 0.85
            else ItemStatus.OPEN
        )
    else:
        status = (
            ItemStatus.COMPLETED
            if roll < 0.15
            else ItemStatus.IN_PROGRESS
            if roll < 0.4
            else ItemStatus.OPEN
        )
    completed_at = None
    if status == ItemStatus.COMPLETED:
        completed_at = now - timedelta(days=rng.randint(0, 150), minutes=rng.randint(0, 1440))
    service = rng.choice(SERVICES)
    ticket = rng.choice(TICKET_URLS)
    return ActionItem(
        organization=organization,
        number=number,
        postmortem=postmortem,
        section_key="actions-short-term",
        position=(number - 1) % ITEMS_PER_POSTMORTEM,
        description=rng.choice(DESCRIPTIONS).format(service=service),
        owner_id=rng.choice(owners) if rng.random() > 0.05 else None,
        due_date=due,
        priority=priority,
        status=status,
        category=rng.choice([*Category.values, ""]),
        success_criteria="" if rng.random() < 0.1 else f"Verified in staging by the {service} team",
        ticket_url=ticket.format(n=number) if ticket else "",
        wont_do_reason="Superseded by the platform migration"
        if status == ItemStatus.WONT_DO
        else "",
        completed_at=completed_at,
        severity_rank=SEVERITY_RANK.get(postmortem.incident.severity, 9),
        created_by_id=postmortem.author_id,
    )
