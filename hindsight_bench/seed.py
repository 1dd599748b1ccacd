"""The bench data set: an organization with members and teams, and the reference table.

Import after ``django.setup()``.
"""

import random
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, models, transaction
from django.utils import timezone
from django_scopes import scopes_disabled

from identity.models import IdentityProvider, Protocol, ProviderStatus
from incidents.models import Incident, IncidentService, Service, Severity, Status, TimelineEntry
from organizations.models import Counter, Membership, Organization, Team, TeamMember
from organizations.roles import Role
from organizations.services import organization_create

from . import BENCH_ORG_SLUG, BENCH_USERNAME
from .seed_constants import AUTOSAVE_SECTION_COUNT, POSTMORTEM_NUMBER

User = get_user_model()

BENCH_ORG_NAME = "Bench Corporation"
BATCH_SIZE = 5_000
RANDOM_SEED = 2024
# Mostly engineers, as in a real organization; every role is present.
ROLE_CYCLE = [Role.ENGINEER] * 5 + [Role.VIEWER] * 2 + [Role.REVIEWER, Role.MANAGER, Role.ADMIN]
FIRST_NAMES = ["Ada", "Grace", "Linus", "Barbara", "Ken", "Margaret", "Dennis", "Frances"]
LAST_NAMES = ["Lovelace", "Hopper", "Torvalds", "Liskov", "Thompson", "Hamilton", "Ritchie"]
LOG_ACTIONS = [ADDITION, CHANGE, CHANGE, DELETION]
REFERENCE_INDEX = models.Index(fields=["-action_time"], name="bench_log_action_time")


@dataclass(frozen=True)
class SeedSizes:
    members: int
    teams: int
    team_size: int
    reference_rows: int
    reference_users: int
    incidents: int = 10_000
    timelines: tuple[int, ...] = (200, 2_000)


def seed(sizes: SeedSizes, password: str, *, index_reference: bool = True) -> None:
    """Fill the (empty, migrated) database; every user gets ``password``.

    ``index_reference`` adds an index on the reference table's sort column, as any list page
    over 100,000 rows would have (Django's admin log has none).
    """
    password_hash = make_password(password)
    rng = random.Random(RANDOM_SEED)
    with scopes_disabled(), transaction.atomic():
        bench_user = User.objects.create(
            username=BENCH_USERNAME, password=password_hash, first_name="Bench", last_name="User"
        )
        organization = organization_create(
            name=BENCH_ORG_NAME, slug=BENCH_ORG_SLUG, creator=bench_user
        )
        members = create_users("member", sizes.members, password_hash)
        create_memberships(organization, members)
        create_teams(organization, members, sizes.teams, sizes.team_size, rng)
        create_incidents(organization, members, sizes, rng)
        create_identity_provider(organization)
        authors = create_users("author", sizes.reference_users, password_hash)
        create_log_entries(authors, sizes.reference_rows)
    if index_reference:  # after the commit: the deferred foreign key checks must have run
        with connection.schema_editor() as editor:
            editor.add_index(LogEntry, REFERENCE_INDEX)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def create_identity_provider(organization) -> None:
    """A live OIDC provider, so the sign-in page is the email-first one of an installation
    with company sign-in (the page reads the providers; none is called)."""
    IdentityProvider.objects.create(
        organization=organization,
        protocol=Protocol.OIDC,
        name="Bench SSO",
        status=ProviderStatus.LIVE,
        issuer_url="https://sso.bench.example",
        client_id="hindsight",
        client_secret="bench-secret",  # noqa: S106 (a provider nobody calls)
    )


def create_users(prefix: str, count: int, password_hash: str) -> list:
    users = [
        User(
            username=f"{prefix}-{number:05d}",
            password=password_hash,
            first_name=FIRST_NAMES[number % len(FIRST_NAMES)],
            last_name=LAST_NAMES[number % len(LAST_NAMES)],
            email=f"{prefix}-{number:05d}@bench.example",
        )
        for number in range(1, count + 1)
    ]
    return User.objects.bulk_create(users, batch_size=BATCH_SIZE)


def create_memberships(organization: Organization, users: list) -> None:
    Membership.objects.bulk_create(
        [
            Membership(organization=organization, user=user, role=ROLE_CYCLE[i % len(ROLE_CYCLE)])
            for i, user in enumerate(users)
        ],
        batch_size=BATCH_SIZE,
    )


def create_teams(
    organization: Organization, users: list, count: int, size: int, rng: random.Random
) -> None:
    """``count`` teams of ``size`` members drawn at random (a member may be on several)."""
    teams = Team.objects.bulk_create(
        [Team(organization=organization, name=f"Team {number:03d}") for number in range(count)]
    )
    team_members = [
        TeamMember(organization=organization, team=team, user=user)
        for team in teams
        for user in rng.sample(users, min(size, len(users)))
    ]
    TeamMember.objects.bulk_create(team_members, batch_size=BATCH_SIZE)


def create_log_entries(users: list, count: int) -> None:
    """``count`` admin log entries, one a minute back from now, spread over ``users``."""
    now = timezone.now()
    for start in range(0, count, BATCH_SIZE):
        LogEntry.objects.bulk_create(
            [
                LogEntry(
                    action_time=now - timedelta(minutes=number),
                    user=users[number % len(users)],
                    object_id=str(number),
                    object_repr=f"Postmortem #{number}",
                    action_flag=LOG_ACTIONS[number % len(LOG_ACTIONS)],
                    change_message="",
                )
                for number in range(start, min(start + BATCH_SIZE, count))
            ]
        )


SERVICES = [
    "payments-api",
    "checkout",
    "search",
    "auth",
    "notifications",
    "web",
    "mobile-api",
    "billing",
    "data-pipeline",
    "cdn",
    "postgres",
    "redis",
    "queue-workers",
    "gateway",
]


def create_incidents(
    organization: Organization, users: list, sizes: SeedSizes, rng: random.Random
) -> None:
    """``sizes.incidents`` incidents over two years (most resolved), each on one or two services;
    the first ones carry timelines of ``sizes.timelines`` entries."""
    now = timezone.now()
    services = Service.objects.bulk_create(
        [Service(organization=organization, name=name) for name in SERVICES]
    )
    numbers: dict[int, int] = {}
    incidents = []
    for index in range(sizes.incidents):
        long_timeline = index < len(sizes.timelines)
        started = now - timedelta(hours=1 + index if long_timeline else rng.uniform(2, 24 * 730))
        numbers[started.year] = numbers.get(started.year, 0) + 1
        resolved = index >= 20 and rng.random() < 0.97
        incidents.append(
            Incident(
                organization=organization,
                year=started.year,
                number=numbers[started.year],
                title=f"{rng.choice(SERVICES)} {rng.choice(['errors', 'latency', 'outage'])} "
                f"#{index}",
                severity=rng.choice(Severity.values),
                status=Status.RESOLVED if resolved else Status.OPEN,
                started_at=started,
                detected_at=started + timedelta(minutes=rng.randint(1, 30)),
                resolved_at=started + timedelta(minutes=rng.randint(20, 600)) if resolved else None,
                commander=rng.choice(users),
                customer_impact=rng.random() < 0.3,
            )
        )
    incidents = Incident.objects.bulk_create(incidents, batch_size=BATCH_SIZE)
    Counter.objects.bulk_create(
        [
            Counter(organization=organization, name=f"incident-{year}", value=value)
            for year, value in numbers.items()
        ]
    )
    IncidentService.objects.bulk_create(
        [
            IncidentService(organization=organization, incident=incident, service=service)
            for incident in incidents
            for service in rng.sample(services, rng.choice([1, 1, 2]))
        ],
        batch_size=BATCH_SIZE,
    )
    for incident, length in zip(incidents, sizes.timelines, strict=False):
        create_timeline(organization, incident, length, users, rng)


def create_timeline(organization, incident, length: int, users: list, rng: random.Random) -> None:
    """``length`` entries over the days before the incident's start (several days per page)."""
    entries = [
        TimelineEntry(
            organization=organization,
            incident=incident,
            occurred_at=incident.started_at - timedelta(minutes=15 * (length - number)),
            kind=rng.choice(["ALERT", "NOTE", "ACTION", "DECISION", "DEPLOY"]),
            actor=rng.choice(users),
            description=f"Step {number}: **checked** the `{rng.choice(SERVICES)}` dashboards "
            f"and [the runbook](https://runbooks.example.com/{number}).",
            is_key_event=number % 25 == 0,
        )
        for number in range(length)
    ]
    TimelineEntry.objects.bulk_create(entries, batch_size=BATCH_SIZE)


def create_postmortem(organization: Organization) -> list[str]:
    """Built-in templates, and the Comprehensive draft generated for the 200-entry incident
    (made a resolved SEV1 for it); its first markdown sections are emptied for the autosave
    clients. Returns those sections' keys."""
    from postmortems.creation import postmortem_generate_for_incident
    from postmortems.models import Postmortem, Section
    from postmortems.services import templates_install_builtins

    with scopes_disabled():
        templates_install_builtins(organization=organization)
        incident = Incident.objects.filter(organization=organization).order_by("pk").first()
        Incident.objects.filter(pk=incident.pk).update(
            severity=Severity.SEV1,
            status=Status.RESOLVED,
            resolved_at=incident.started_at + timedelta(hours=2),
        )
        incident.refresh_from_db()
        postmortem = postmortem_generate_for_incident(incident=incident)
        assert postmortem.number == POSTMORTEM_NUMBER, postmortem.number
        keys = list(
            Section.objects.filter(postmortem=postmortem, kind="markdown")
            .order_by("position")
            .values_list("key", flat=True)[:AUTOSAVE_SECTION_COUNT]
        )
        Section.objects.filter(postmortem=postmortem, key__in=keys).update(body="")
        Postmortem.objects.filter(pk=postmortem.pk).update(version=1)
    return keys


def time_generation(organization: Organization, repeats: int = 7) -> list[float]:
    """Seconds taken by ``postmortem_generate_for_incident`` for the SEV1 incident, each time
    from scratch (the draft is deleted in between)."""
    import time

    from postmortems.creation import postmortem_generate_for_incident
    from postmortems.models import Postmortem

    timings = []
    with scopes_disabled():
        incident = Incident.objects.filter(organization=organization).order_by("pk").first()
        for _ in range(repeats):
            with transaction.atomic():
                sid = transaction.savepoint()
                Postmortem.objects.filter(incident=incident).delete()
                started = time.perf_counter()
                postmortem_generate_for_incident(incident=incident)
                timings.append(time.perf_counter() - started)
                transaction.savepoint_rollback(sid)
    return timings


def bench_organization() -> Organization:
    return Organization.objects.get(slug=BENCH_ORG_SLUG)
