"""The search benchmark's data set: 10,000 published postmortems with varied, realistic text
(summary, timeline, root cause, contributing factors, action items, lessons), each told from a
random ``Story`` (service, component, failure, trigger), added once to the bench organization
with their search vectors built. ``hindsight_bench.search`` times the search over them.

Import the functions only after ``django.setup()``.
"""

import random
from dataclasses import dataclass
from datetime import timedelta

SEARCH_POSTMORTEMS = 10_000
SEEDED_COUNTER = "bench-search-seeded"
RANDOM_SEED = 8
BATCH_SIZE = 1_000

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
    "gateway",
    "inventory",
    "ledger",
    "recommendations",
]
COMPONENTS = [
    "primary database",
    "read replica",
    "database connection pool",
    "Redis cache",
    "Kafka consumer group",
    "load balancer",
    "DNS resolver",
    "TLS certificate",
    "job queue",
    "object storage bucket",
    "feature flag service",
    "service mesh sidecar",
    "autoscaler",
    "CDN edge configuration",
    "rate limiter",
    "search cluster",
    "memcached tier",
    "API gateway",
    "cron scheduler",
    "message broker",
]
FAILURES = [
    "ran out of connections",
    "returned 500 errors",
    "timed out under load",
    "stopped accepting writes",
    "served stale data",
    "leaked memory until it was killed",
    "entered a crash loop",
    "deadlocked on a hot row",
    "dropped messages",
    "rejected valid tokens",
    "saturated its CPU",
    "filled its disk",
    "fell hours behind",
    "throttled legitimate traffic",
]
TRIGGERS = [
    "a routine deploy",
    "a configuration change",
    "a schema migration",
    "a traffic surge from a marketing campaign",
    "an expired certificate",
    "a dependency upgrade",
    "a failover drill",
    "a retry storm from mobile clients",
    "a noisy neighbour on shared hosts",
    "a cloud provider incident",
    "a manual operation during maintenance",
    "a thundering herd after a cache flush",
]
CAUSES = [
    "The {component} had no limit on concurrent work, so {trigger} pushed it past capacity.",
    "A default timeout of 30 seconds in the {component} client let requests pile up.",
    "The {service} health check only tested the process, not its dependency on the "
    "{component}, so the load balancer kept sending traffic to broken instances.",
    "A missing index made one query scan the whole table once the {component} was warm.",
    "The rollout skipped the canary stage because the pipeline treated the change as "
    "configuration only.",
    "Retries without jitter multiplied the load on the {component} by five.",
    "The alert on {service} error rate had been silenced during an earlier migration and "
    "never re-enabled.",
    "Capacity planning assumed last year's peak; traffic had doubled since.",
    "An unreviewed change to the {component} settings removed the connection limit.",
    "The runbook for the {component} described the old topology, so the first mitigation "
    "made things worse.",
]
LESSONS = [
    "Canary every change, configuration included.",
    "Alert on symptoms customers feel, not only on causes.",
    "Keep runbooks next to the code they describe and review them with it.",
    "Test failover paths regularly, not only during incidents.",
    "Put explicit limits and timeouts on every dependency call.",
    "Make the on-call dashboard show saturation, not just averages.",
    "Add jitter and budgets to client retries.",
    "Rehearse the rollback before the rollout.",
]
ACTIONS = [
    "Add a circuit breaker between {service} and the {component}",
    "Alert when {service} p99 latency exceeds 800 ms for five minutes",
    "Cap the {component} connection pool and page on saturation",
    "Write a runbook for failing over the {component}",
    "Load-test {service} at three times the last peak",
    "Add a canary stage to the {service} deploy pipeline",
    "Rotate the {component} certificates automatically",
]
RARE = ["zookeeper", "etcd quorum", "BGP route leak", "leap second", "clock skew of 4 minutes"]
CATEGORIES = [
    "CODE_DEFECT",
    "CONFIGURATION_ERROR",
    "CAPACITY",
    "DEPENDENCY_FAILURE",
    "PROCESS_GAP",
    "OPERATIONAL_ERROR",
    "DESIGN_FLAW",
    "MONITORING_GAP",
]
SECTIONS = [
    ("summary", "Summary", "markdown"),
    ("timeline", "Timeline", "timeline"),
    ("root-cause", "Root cause", "markdown"),
    ("contributing-factors", "Contributing factors", "contributing_factors"),
    ("action-items", "Action items", "markdown"),
    ("lessons-learned", "Lessons learned", "markdown"),
]


# --- The data set ------------------------------------------------------------------------------


@dataclass
class Story:
    service: str
    component: str
    failure: str
    trigger: str
    minutes: int
    rng: random.Random

    def fill(self, text: str) -> str:
        return text.format(service=self.service, component=self.component, trigger=self.trigger)

    @property
    def title(self) -> str:
        return f"{self.service}: {self.component} {self.failure} after {self.trigger}"

    def summary(self) -> str:
        users = self.rng.choice(["2%", "11%", "a third", "most", "all EU"])
        extra = self.rng.choice(
            [
                "",
                " Customers saw error pages at checkout and support tickets tripled.",
                " No data was lost; delayed events were replayed the same day.",
                " The error budget for the quarter was spent in one afternoon.",
                f" A {self.rng.choice(RARE)} made the diagnosis harder."
                if self.rng.random() < 0.1
                else "",
            ]
        )
        return (
            f"For {self.minutes} minutes {users} of requests to **{self.service}** failed "
            f"because the {self.component} {self.failure}. It started with {self.trigger}.{extra}"
        )

    def timeline(self) -> dict:
        steps = [
            ("alert", f"Error rate on {self.service} above 5%"),
            ("note", "On-call acknowledged the page"),
            ("decision", f"Suspected the {self.component}; opened the dashboard"),
            ("action", "Rolled back the last deploy"),
            ("note", "Errors continued after the rollback"),
            ("action", f"Restarted the {self.component}"),
            ("action", f"Scaled {self.service} out by four instances"),
            ("note", "Error rate back to normal; monitoring"),
        ]
        count = self.rng.randint(5, len(steps))
        return {
            "rows": [
                {
                    "time": f"2025-01-01T10:{index * 5:02d}:00+00:00",
                    "event": event,
                    "actor": "Datadog" if kind == "alert" else "On-call",
                    "key": kind == "alert",
                }
                for index, (kind, event) in enumerate(steps[:count])
            ]
        }

    def root_cause(self) -> str:
        picked = self.rng.sample(CAUSES, self.rng.randint(2, 3))
        return "\n\n".join(self.fill(cause) for cause in picked)

    def factors(self) -> dict:
        return {
            "factors": [
                {
                    "title": self.fill(self.rng.choice(ACTIONS)).replace("Add", "No"),
                    "description": self.fill(self.rng.choice(CAUSES)),
                    "category": self.rng.choice(["code", "config", "monitoring", "deployment"]),
                    "level": level,
                }
                for level in ("primary", "secondary")
            ]
        }

    def actions(self) -> str:
        picked = self.rng.sample(ACTIONS, 3)
        return "\n".join(f"- [ ] {self.fill(action)}" for action in picked)

    def lessons(self) -> str:
        return "\n".join(f"- {lesson}" for lesson in self.rng.sample(LESSONS, 3))


def story(rng: random.Random) -> Story:
    return Story(
        service=rng.choice(SERVICES),
        component=rng.choice(COMPONENTS),
        failure=rng.choice(FAILURES),
        trigger=rng.choice(TRIGGERS),
        minutes=rng.randint(6, 400),
        rng=rng,
    )


def seed_search(organization, count: int = SEARCH_POSTMORTEMS) -> int:
    """Add ``count`` published postmortems with text to the organization (once: a counter
    remembers it) and index every postmortem of the organization. Returns how many were added."""
    from django.db import connection, transaction
    from django_scopes import scopes_disabled

    from organizations.models import Counter

    with scopes_disabled():
        if Counter.objects.filter(organization=organization, name=SEEDED_COUNTER).exists():
            return 0
        with transaction.atomic():
            _create(organization, count, random.Random(RANDOM_SEED))
            Counter.objects.create(organization=organization, name=SEEDED_COUNTER, value=count)
        from postmortems.search.indexing import search_documents_rebuild

        search_documents_rebuild(organization=organization, batch_size=BATCH_SIZE)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return count


def _create(organization, count: int, rng: random.Random) -> None:
    from django.utils import timezone

    from incidents.models import Incident
    from organizations.models import Counter, Membership
    from organizations.roles import Role
    from postmortems.models import Postmortem, PostmortemStatus, Section, Visibility

    authors = list(
        Membership.objects.filter(organization=organization)
        .exclude(role=Role.VIEWER)
        .values_list("user_id", flat=True)
    )
    # An incident is the primary incident of one postmortem at most: the search postmortems
    # take the incidents still without one, each once, and the rest have none.
    incidents = list(
        Incident.objects.filter(organization=organization, postmortems__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    rng.shuffle(incidents)
    counter, _ = Counter.objects.get_or_create(organization=organization, name="postmortem")
    first_number = counter.value + 1
    now = timezone.now()
    visibilities = [Visibility.ORGANIZATION] * 18 + [Visibility.TEAM, Visibility.PRIVATE]
    for start in range(0, count, BATCH_SIZE):
        stories = [story(rng) for _ in range(min(BATCH_SIZE, count - start))]
        made = Postmortem.objects.bulk_create(
            [
                Postmortem(
                    organization=organization,
                    number=first_number + start + index,
                    title=s.title[:200],
                    status=PostmortemStatus.PUBLISHED,
                    incident_id=incidents.pop() if incidents else None,
                    visibility=rng.choice(visibilities),
                    author_id=rng.choice(authors) if authors else None,
                    root_cause_category=rng.choice(CATEGORIES),
                    published_at=now - timedelta(days=rng.uniform(0, 730)),
                )
                for index, s in enumerate(stories)
            ]
        )
        Section.objects.bulk_create(
            [
                section
                for postmortem, s in zip(made, stories, strict=True)
                for section in _sections(organization, postmortem, s)
            ]
        )
    counter.value = first_number + count - 1
    counter.save(update_fields=["value"])


def _sections(organization, postmortem, s: Story) -> list:
    from postmortems.models import Section

    content = {
        "summary": (s.summary(), {}),
        "timeline": ("", s.timeline()),
        "root-cause": (s.root_cause(), {}),
        "contributing-factors": ("", s.factors()),
        "action-items": (s.actions(), {}),
        "lessons-learned": (s.lessons(), {}),
    }
    return [
        Section(
            organization=organization,
            postmortem=postmortem,
            key=key,
            title=title,
            kind=kind,
            body=content[key][0],
            data=content[key][1],
            position=position,
        )
        for position, (key, title, kind) in enumerate(SECTIONS)
    ]
