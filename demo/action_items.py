"""Demo action items, created through the action-item services, so the tracker tells a story.

The detailed demo postmortems (``demo.postmortems``) list their follow-ups in prose; here they
become tracked items, owned and dated, each with what "done" means and a ticket (Jira, GitHub,
Linear, or another tracker). Weeks after the older incidents most of their critical items are
done (some on time, some late), a few are overdue (one long enough to escalate), one was
dropped with a reason, and the latest postmortems still have items due this week. The draft
whose review asked for specific actions keeps its vague, unowned, undated ones, so the tracker's
flags and the editor's hints have something to show.

Dates follow each incident: "due 7 days after resolution" lands wherever the demo incidents
were placed in time, and a few items are dated from today so that something is always due this
week. ``seed_demo`` calls ``seed_action_items`` on every run: a postmortem that already has
action items is left alone, so seeding twice adds nothing.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django_scopes import scope

from actionitems import services
from actionitems.models import ActionItem, Category, ItemStatus, Priority
from demo.incidents import (
    GATEWAY_503,
    MOBILE_ROLLBACK,
    NOT_NULL_MIGRATION,
    POOL_EXHAUSTION,
    QUEUE_BACKLOG,
)
from organizations.models import Membership, Organization
from organizations.selectors import today_in
from postmortems.models import Postmortem, Section, SectionKind
from postmortems.permissions import access

Users = dict[str, AbstractBaseUser]  # by username

CRITICAL, HIGH, MEDIUM, LOW = Priority.CRITICAL, Priority.HIGH, Priority.MEDIUM, Priority.LOW
DETECT, PREVENT, MITIGATE, RESPOND = (
    Category.DETECT,
    Category.PREVENT,
    Category.MITIGATE,
    Category.RESPOND,
)
OPEN, IN_PROGRESS, COMPLETED, WONT_DO = (
    ItemStatus.OPEN,
    ItemStatus.IN_PROGRESS,
    ItemStatus.COMPLETED,
    ItemStatus.WONT_DO,
)
IMMEDIATE, SHORT_TERM, LONG_TERM = "actions-immediate", "actions-short-term", "actions-long-term"
JIRA = "https://jira.example.com/browse/"
GITHUB = "https://github.com/acme/"
LINEAR = "https://linear.app/acme/issue/"


@dataclass(frozen=True)
class Demo:
    """One action item as its postmortem's writers filed it, and what became of it."""

    description: str
    owner: str | None  # a username; None: nobody took it yet
    priority: str = MEDIUM
    category: str = ""
    due: int | None = None  # days after the incident was resolved
    due_in: int | None = None  # days from today (items that must stay current)
    criteria: str = ""
    ticket: str = ""
    section: str = ""  # an action-items section key; the postmortem's first when absent
    status: str = OPEN
    done: int | None = None  # completed this many days after the incident was resolved
    reason: str = ""  # why it won't be done


# --- The SEV1: the ten actions of ``demo.postmortems`` (A1–A10), seventy-odd days on ----------

PAYMENT_OUTAGE = [
    Demo(
        "Lint rule: refuse NOT NULL columns without a default",
        "alice",
        CRITICAL,
        PREVENT,
        due=7,
        criteria="CI fails any migration adding a NOT NULL column without a default, with a "
        "message pointing to the expand / contract guide.",
        ticket=JIRA + "ENG-1236",
        section=IMMEDIATE,
        status=COMPLETED,
        done=5,
    ),
    Demo(
        "Canary rolls back on a relative error-rate increase (over 2×)",
        "bob",
        CRITICAL,
        DETECT,
        due=7,
        criteria="Replaying the v2.3.1 canary traffic triggers an automatic rollback within "
        "3 minutes.",
        ticket=JIRA + "ENG-1235",
        section=IMMEDIATE,
        status=COMPLETED,
        done=12,
    ),
    Demo(
        "payments-api error-rate monitor evaluates over 1 minute",
        "carol",
        HIGH,
        DETECT,
        due=7,
        criteria="Datadog monitor 1180442 uses a 1-minute window; a test alert pages within "
        "90 seconds.",
        ticket=JIRA + "ENG-1237",
        section=IMMEDIATE,
        status=COMPLETED,
        done=3,
    ),
    Demo(
        "Run migrations against a production-sized snapshot in CI",
        "alice",
        HIGH,
        PREVENT,
        due=28,
        criteria="Every pull request with a migration applies it to last night's anonymised "
        "snapshot; the job fails on errors or on locks held over 5 seconds.",
        ticket=JIRA + "ENG-1234",
        section=SHORT_TERM,
        status=IN_PROGRESS,
    ),
    Demo(
        "Runbook: rolling back a schema change, pausing all deploys",
        "bob",
        MEDIUM,
        RESPOND,
        due=28,
        criteria="The runbook is linked from the payments-api alerts and was rehearsed in a "
        "game day.",
        ticket=JIRA + "ENG-1240",
        section=SHORT_TERM,
        status=COMPLETED,
        done=35,
    ),
    Demo(
        "Severity guide: partial payment failure above 10% is SEV1",
        "dave",
        MEDIUM,
        RESPOND,
        due=28,
        criteria="The guide has a partial-failure example for every tier-1 service.",
        ticket=JIRA + "ENG-1241",
        section=SHORT_TERM,
        status=COMPLETED,
        done=20,
    ),
    Demo(
        "Support macro for customers who must re-confirm 3-D Secure",
        "dave",
        LOW,
        RESPOND,
        due=28,
        ticket=JIRA + "ENG-1242",
        section=SHORT_TERM,
        status=WONT_DO,
        reason="The payment provider now e-mails the re-confirmation link itself since our "
        "API upgrade; Support links to that page instead of keeping a macro of our own.",
    ),
    Demo(
        "Expand / contract migrations as the default, enforced in CI",
        "alice",
        MEDIUM,
        PREVENT,
        due=90,
        criteria="The migration guide describes expand / contract; CI refuses a release that "
        "drops or tightens a column still read by the running version.",
        ticket=LINEAR + "PLAT-311",
        section=LONG_TERM,
        status=IN_PROGRESS,
    ),
    Demo(
        "One-click pause of every deploy pipeline",
        "bob",
        LOW,
        MITIGATE,
        due=91,
        criteria="One ChatOps command pauses the GitHub Actions and Argo CD pipelines and "
        "reports which were paused.",
        ticket=LINEAR + "PLAT-318",
        section=LONG_TERM,
    ),
    Demo(
        "Dead-letter queue on every payment write path, by design",
        "carol",
        MEDIUM,
        MITIGATE,
        due=61,
        criteria="Charges, refunds and payouts each write failures to a dead-letter queue with "
        "a documented replay command.",
        ticket=LINEAR + "PLAT-320",
        section=LONG_TERM,
    ),
]

# --- The SEV2s and the SEV3 of ``demo.postmortems.WRITTEN`` --------------------------------------

POOL = [
    Demo(
        "Move receipt rendering after commit (a queued job)",
        "bob",
        CRITICAL,
        PREVENT,
        due=7,
        criteria="A charge holds a database connection for < 50 ms at p99.",
        ticket=JIRA + "ENG-1302",
        status=COMPLETED,
        done=6,
    ),
    Demo(
        "Alert at 80 % connection-pool use for 2 minutes",
        "dave",
        HIGH,
        DETECT,
        due=14,
        criteria="A pool at 80 % for 2 minutes pages the payments on-call.",
        ticket=GITHUB + "payments-api/issues/1187",
        status=COMPLETED,
        done=19,
    ),
    Demo(
        "Lint rule: no HTTP client calls inside transaction.atomic",
        "alice",
        HIGH,
        PREVENT,
        due=28,
        criteria="CI flags requests / httpx calls inside an atomic block in payments-api.",
        ticket=GITHUB + "payments-api/issues/1190",
        # Completed two days late: the last of the four, the day the fix counts as done (the
        # payment gateway's 503s come back on payments-api after it: a recurrence).
        status=COMPLETED,
        done=30,
    ),
    Demo(
        "Set idle_in_transaction_session_timeout = 30s for the payments role",
        "alice",
        MEDIUM,
        MITIGATE,
        due=14,
        criteria="The setting is in the role's Terraform and shows in pg_settings.",
        ticket=JIRA + "ENG-1305",
        status=COMPLETED,
        done=2,
    ),
]

MOBILE = [
    Demo(
        "Pipeline halts the rollout on a failed migration",
        "alice",
        CRITICAL,
        PREVENT,
        due=7,
        criteria="A failing migration job stops the rollout before any pod restarts.",
        ticket=LINEAR + "PLAT-287",
        status=COMPLETED,
        done=7,
    ),
    Demo(
        "Migration linter: NOT NULL needs a default or a backfill step",
        "bob",
        HIGH,
        PREVENT,
        due=28,
        criteria="mobile-api CI refuses the v2.8.0 migration as it was written.",
        ticket=GITHUB + "mobile-api/issues/642",
        status=COMPLETED,
        done=41,
    ),
    Demo(
        "Staging gets a production-sized devices table (anonymised)",
        "dave",
        MEDIUM,
        DETECT,
        due=61,
        criteria="Staging's devices table has over 10 million rows, refreshed weekly.",
        ticket=JIRA + "MOB-233",
    ),
]

GATEWAY = [
    Demo(
        "Timeout of 3 s and a circuit breaker on gateway calls",
        "bob",
        CRITICAL,
        MITIGATE,
        due=7,
        criteria="With the gateway answering 503, checkout fails fast within 3 s and the "
        "breaker opens after 20 failures in 10 s.",
        ticket=GITHUB + "payments-api/pull/1244",
        status=IN_PROGRESS,
    ),
    Demo(
        "Fail over to the secondary gateway when the breaker opens",
        "carol",
        MEDIUM,
        MITIGATE,
        due=61,
        criteria="A game day with PayFlow blocked keeps 95 % of authorisations succeeding.",
        ticket=LINEAR + "PAY-77",
    ),
    Demo(
        "Subscribe #inc-payments to PayFlow's status page",
        None,  # the reviewer's question; nobody has picked it up
        HIGH,
        DETECT,
        due_in=3,
        criteria="PayFlow incidents post to #inc-payments within a minute.",
    ),
]

QUEUE = [  # the draft sent back for vague actions: still vague, unowned and undated
    Demo("Improve monitoring", None),
    Demo(
        "Autoscale jobs-worker on queue wait time",
        "bob",
        MEDIUM,
        MITIGATE,
        ticket=JIRA + "OPS-88",
    ),
    Demo("Alert on job wait time", None, HIGH, DETECT, ticket=JIRA + "OPS-89"),
]

# --- A few of the smaller incidents' drafts ------------------------------------------------------

MINOR = {
    "Subscription renewals charged twice for 148 customers": [
        Demo("Add more tests", "carol", HIGH, PREVENT, due_in=5),
        Demo(
            "Renewal job takes a Postgres advisory lock before charging",
            "carol",
            CRITICAL,
            PREVENT,
            due_in=2,
            criteria="Two schedulers started together charge each renewal once (integration test).",
            ticket="https://tracker.example.com/BILL-412",
            status=IN_PROGRESS,
        ),
    ],
    "Credential-stuffing spike against the login endpoint": [
        Demo(
            "Per-account rate limit on /login: 10 attempts a minute, then a bot challenge",
            "dave",
            HIGH,
            PREVENT,
            due_in=6,
            criteria="A replay of the attack's traffic is challenged after the 10th attempt "
            "per account.",
            ticket=LINEAR + "SEC-58",
        ),
    ],
    "Homepage 502s during the spring campaign traffic spike": [
        Demo(
            "Pull every web image through the registry mirror",
            "alice",
            HIGH,
            MITIGATE,
            due_in=-4,
            criteria="No node pulls from the public registry (registry audit log is empty).",
            ticket=GITHUB + "web/issues/388",
        ),
    ],
    "Logins failing after the identity provider rotated its SAML certificate": [
        Demo(
            "Alert 30 days before any identity-provider signing certificate expires",
            "bob",
            MEDIUM,
            DETECT,
            due_in=20,
            criteria="A certificate expiring in 29 days opens a ticket and posts to #auth.",
            ticket=JIRA + "AUTH-141",
            status=IN_PROGRESS,
        ),
    ],
}

PLANS: dict[str, list[Demo]] = {
    NOT_NULL_MIGRATION.title: PAYMENT_OUTAGE,
    POOL_EXHAUSTION.title: POOL,
    MOBILE_ROLLBACK.title: MOBILE,
    GATEWAY_503.title: GATEWAY,
    QUEUE_BACKLOG.title: QUEUE,
    **MINOR,
}


def seed_action_items(*, organization: Organization, users: Users) -> None:
    """Give the demo postmortems of ``organization`` their action items, once."""
    # The services judge "a due date in the past" by the current time zone: make it the
    # organization's, as a request would, so that "today" means the same day everywhere here.
    with (
        scope(organization=organization),
        timezone.override(organization.time_zone or "UTC"),
        transaction.atomic(),
    ):
        postmortems = Postmortem.objects.filter(
            organization=organization, generated=True, incident__title__in=list(PLANS)
        ).select_related("incident", "author", "organization")
        seeded = set(
            ActionItem.objects.filter(postmortem__in=postmortems).values_list(
                "postmortem_id", flat=True
            )
        )
        for postmortem in postmortems.order_by("incident__resolved_at", "pk"):
            if postmortem.pk not in seeded and postmortem.incident.resolved_at is not None:
                _add_items(postmortem, PLANS[postmortem.incident.title], users)


def _add_items(postmortem: Postmortem, plan: list[Demo], users: Users) -> None:
    editor = _editor(postmortem, users)
    if editor is None:
        return
    organization = postmortem.organization
    zone = ZoneInfo(organization.time_zone or "UTC")
    today = today_in(organization)
    resolved = timezone.localtime(postmortem.incident.resolved_at, zone).date()
    keys = list(
        Section.objects.filter(postmortem=postmortem, kind=SectionKind.ACTION_ITEMS).values_list(
            "key", flat=True
        )
    )
    for demo in plan:
        owner = users.get(demo.owner) if demo.owner else None
        due = _due(demo, resolved, today)
        item = services.action_item_create(
            postmortem=postmortem,
            actor=editor,
            description=demo.description,
            owner=owner,
            # Creation refuses a past date (a new item cannot be due yesterday), so an item
            # that is overdue by now is created due today and moved to its date just below.
            due_date=max(due, today) if due else None,
            priority=demo.priority,
            category=demo.category,
            success_criteria=demo.criteria,
            ticket_url=demo.ticket,
            section_key=demo.section if demo.section in keys else (keys[0] if keys else ""),
        )
        if due is not None and due < today:
            ActionItem.objects.filter(pk=item.pk).update(due_date=due)
        if demo.status != OPEN:
            changes = {"status": demo.status}
            if demo.reason:
                changes["wont_do_reason"] = demo.reason
            services.action_item_update(item=item, actor=owner or editor, changes=changes)
        if demo.status == COMPLETED and demo.done is not None:
            # The service stamps completion "now"; the story needs the day it really happened.
            ActionItem.objects.filter(pk=item.pk).update(
                completed_at=_afternoon(resolved + timedelta(days=demo.done), zone)
            )
    # The remediation stamp follows the completion days just set (the pool exhaustion's fix is
    # the one the payment gateway's 503s come back after, in the recurrence notices).
    services.remediation_follow(organization=organization, postmortem=postmortem)


def _due(demo: Demo, resolved: date, today: date) -> date | None:
    if demo.due_in is not None:
        return today + timedelta(days=demo.due_in)
    if demo.due is not None:
        return resolved + timedelta(days=demo.due)
    return None


def _afternoon(day: date, zone: ZoneInfo) -> datetime:
    """Four in the afternoon of ``day`` where the organization is, and never in the future."""
    return min(datetime.combine(day, time(16), tzinfo=zone), timezone.now())


def _editor(postmortem: Postmortem, users: Users) -> AbstractBaseUser | None:
    """Who adds the items: the author while the postmortem is open to them, else an admin (a
    published or archived postmortem is edited by admins only)."""
    for user in (postmortem.author, users.get("alice")):
        if user is None:
            continue
        membership = Membership.objects.filter(
            organization=postmortem.organization, user=user
        ).first()
        if access(user, membership, postmortem).can_edit:
            return user
    return None
