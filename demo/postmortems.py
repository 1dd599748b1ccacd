"""Demo postmortems, written through the postmortem services.

For each demo organization: the built-in templates, a generated draft for every resolved
incident the organization's policy asks a postmortem for, and, where the organization has it,
the SEV1 payment outage (``demo.incidents.NOT_NULL_MIGRATION``) written out in full, section by
section and by several people, so the read view and the history show what a good blameless
postmortem looks like. ``seed_demo`` calls ``seed_postmortems`` on every run: templates and
generation are idempotent, and the outage is written only while its draft is untouched
(still at version 1).
"""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django_scopes import scope

from actionitems.models import ActionItem
from demo.incidents import (
    GATEWAY_503,
    MOBILE_ROLLBACK,
    NOT_NULL_MIGRATION,
    POOL_EXHAUSTION,
    QUEUE_BACKLOG,
)
from incidents.models import Incident, Severity, Status
from organizations.models import Organization
from postmortems import creation, services
from postmortems.comments import services as services_comments
from postmortems.editor.services import Impact, postmortem_set_impact
from postmortems.models import Postmortem, Review, Section, SectionKind
from postmortems.review import transitions
from postmortems.review.selectors import unfilled_required_sections

Users = dict[str, AbstractBaseUser]  # by username

TITLE = "Checkout payments failed for 43 minutes after a NOT NULL migration"


def seed_postmortems(*, organization: Organization, users: Users) -> None:
    """Templates, generated drafts and the written-out SEV1 for one demo organization."""
    with scope(organization=organization), transaction.atomic():
        services.templates_install_builtins(organization=organization)
        resolved = Incident.objects.filter(organization=organization, status=Status.RESOLVED)
        for incident in resolved.order_by("resolved_at", "pk"):
            creation.postmortem_generate_for_incident(incident=incident)
        postmortem = Postmortem.objects.filter(
            organization=organization,
            generated=True,
            incident__in=resolved.filter(severity=Severity.SEV1, title=NOT_NULL_MIGRATION.title),
        ).first()
        if postmortem is not None and postmortem.version == 1:
            write_payment_outage(postmortem, users)


def write_payment_outage(postmortem: Postmortem, users: Users) -> Postmortem:
    """Write the outage's Comprehensive draft out in full, as its responders would."""
    incident = postmortem.incident
    sections = {s.key: s for s in Section.objects.filter(postmortem=postmortem)}
    clock = _Clock(incident)
    impact_key = next((k for k, s in sections.items() if s.kind == SectionKind.IMPACT), None)
    steps = [
        ("carol", {"title": TITLE, "sections": _summary_and_lessons(incident, clock)}),
        ("bob", {"sections": _timeline_and_whys(), "section_data": _bob_data(sections, clock)}),
        ("alice", {"sections": _factors_and_actions(), "section_data": _factors_data()}),
        ("dave", {"sections": _appendix(clock)}),
    ]
    for username, changes in steps:
        changes["sections"] = {k: v for k, v in changes["sections"].items() if k in sections}
        changes["section_data"] = {
            k: v for k, v in changes.get("section_data", {}).items() if k in sections
        }
        postmortem = services.postmortem_save(
            postmortem=postmortem,
            actor=users.get(username),
            base_version=postmortem.version,
            **changes,
        )
        if username == "carol" and impact_key:
            postmortem = postmortem_set_impact(
                postmortem=postmortem,
                actor=users.get(username),
                key=impact_key,
                impact=IMPACT,
                base_version=postmortem.version,
            )
    return postmortem


class _Clock:
    """Times of the outage as the organization reads them ("10:32")."""

    def __init__(self, incident: Incident):
        self.incident = incident
        self.tz = ZoneInfo(incident.organization.time_zone or "UTC")

    def at(self, minutes_after_start: int) -> datetime:
        return self.incident.started_at + timedelta(minutes=minutes_after_start)

    def hm(self, moment: datetime) -> str:
        return timezone.localtime(moment, self.tz).strftime("%H:%M")

    @property
    def zone(self) -> str:
        return timezone.localtime(self.incident.started_at, self.tz).strftime("%Z")


# --- Carol (incident commander, author): summary, impact, root cause, lessons ------------------

IMPACT = Impact(
    users_affected=1284, revenue_impact=Decimal("12000"), sla_breached=False, support_tickets=214
)


def _summary_and_lessons(incident: Incident, clock: _Clock) -> dict[str, str]:
    start, end = clock.hm(incident.started_at), clock.hm(incident.resolved_at)
    return {
        "executive-summary": (
            f"For 43 minutes on {timezone.localtime(incident.started_at, clock.tz):%B %-d}, about "
            "**30% of checkout attempts failed** with *Payment failed*. Release v2.3.1 of "
            "payments-api shipped a database migration that added a required column "
            "(`fraud_score FLOAT NOT NULL`, no default) to the `payments` table before any code "
            "wrote that column, so PostgreSQL rejected new payments on every replica the "
            "migration had reached.\n\n"
            "We rolled the migration back with a follow-up release (v2.3.2) 30 minutes after the "
            "first error and retried every failed payment from the dead-letter queue. **No "
            "payment was lost or charged twice**; about $12,000 of transactions were delayed.\n\n"
            "The most important change: schema changes now go out in *expand / contract* steps, "
            "and CI refuses a `NOT NULL` column without a default before it can reach "
            "production.\n\n"
            f"- **Duration:** {start} – {end} {clock.zone} (1h 47m of impact, until the last "
            "delayed payment went through; checkouts failed for the first 43 min)\n"
            "- **Time to detect:** 5 min (first error to declaration)\n"
            "- **Time to mitigate:** 43 min\n"
            "- **Services affected:** payments-api, checkout, postgres\n"
            "- **Customer impact:** yes — card payments at checkout, web and mobile"
        ),
        "impact-assessment": (
            "### User impact\n\n"
            "- **1,284 customers** saw *Payment failed* at least once; 1,214 of their payments "
            "went through automatically once the fix was out, 70 needed a fresh 3-D Secure "
            "confirmation.\n"
            "- **Regions:** all; the failures followed which database replica a request reached, "
            "not where the customer was.\n"
            "- **Duration of impact:** 1h 47m: 25–32% of checkout attempts failed for the first "
            "43 minutes, then the delayed payments were retried until the incident was resolved."
            "\n\n"
            "### Business impact\n\n"
            "- **Revenue:** about **$12,000** of transactions delayed by up to 70 minutes; none "
            "lost. Estimated from the sum of the failed payment intents in the dead-letter "
            "queue.\n"
            "- **SLA:** the 99.9% monthly availability commitment to merchants was **met**; the "
            "incident used about 60% of checkout's monthly error budget (99.95% SLO).\n"
            "- **Support:** 214 tickets, 3 escalations from enterprise merchants, all answered "
            "the same day.\n\n"
            "### Technical impact\n\n"
            "- **Data:** no data lost or corrupted; reconciliation against the gateway's "
            "settlement report found no duplicate charges.\n"
            "- **Dependent systems:** order confirmation e-mails and the fraud-scoring backfill "
            "ran late; both caught up without intervention."
        ),
        "root-cause": (
            "Migration `0087_payment_fraud_score` made the database require a value the running "
            "code did not yet send. Shipping the schema change and the code that uses it in one "
            "release is a common pattern here, and it is safe for additive, nullable columns; "
            "nothing in our pipeline distinguishes those from a required column without a "
            "default, which breaks every writer that predates it.\n\n"
            "Our safeguards were built for code regressions rather than schema changes: CI runs "
            "migrations against an empty database (where any `NOT NULL` column succeeds), the "
            "canary compares absolute error rates against a 10% threshold, and the review "
            "checklist has no question about backwards compatibility of the schema. The fix is "
            "therefore a process and tooling one: expand / contract migrations as the default, "
            "enforced by a lint rule and by migration tests against production-shaped data."
        ),
        "went-well": (
            "- **Detection was fast.** The Sentry issue opened within two minutes of the first "
            "failed INSERT and the error-rate monitor paged the on-call engineer three minutes "
            "later.\n"
            "- **The cause was found in 8 minutes.** The error message named the column, and the "
            "deploy marker on the Payments dashboard lined up with the first errors.\n"
            "- **Rolling back beat hotfixing.** Choosing the tested rollback over a new release "
            "restored checkout 12 minutes after the decision.\n"
            "- **Nothing was lost.** Idempotency keys and the dead-letter queue let us retry all "
            "1,284 payment intents without a single duplicate charge.\n"
            "- **Customers heard from us early.** The first status-page update went out 10 "
            "minutes after declaration, and Support had the apology macro ready at resolution."
        ),
        "went-poorly": (
            "- **The migration was never exercised against realistic data.** The CI check runs "
            "on an empty database, and staging is not part of the deploy path for migrations.\n"
            "- **The canary could not see a partial failure.** It takes 2% of traffic and rolls "
            "back above an absolute 10% error rate; 30% of 2% never crossed it.\n"
            "- **The incident started as SEV2.** Our severity guide describes SEV1 as a full "
            "outage, so a partial payment failure took 5 minutes to escalate.\n"
            "- **Pausing deploys was manual.** Each pipeline had to be paused by hand, in two "
            "tools.\n"
            "- **3-D Secure payments could not be retried silently.** Seventy customers had to "
            "confirm again, and there was no prepared message for them."
        ),
        "got-lucky": (
            "- **The migration had reached only some replicas.** Had it finished everywhere "
            "before the alert fired, every checkout would have failed.\n"
            "- **The dead-letter queue existed for a different reason** (gateway timeouts). It "
            "happened to capture these failures too; nothing guarantees that for the next kind "
            "of error.\n"
            "- **The engineer most familiar with the rollback tooling was online** and joined "
            "within minutes. The runbook alone would have been slower.\n"
            "- **It happened outside the evening peak.** The same failure a few hours later "
            "would have affected about three times as many customers."
        ),
    }


# --- Bob (on-call responder): timeline notes, five whys ----------------------------------------


def _timeline_and_whys() -> dict[str, str]:
    return {
        "timeline": (
            "Reconstructed from the incident channel, the deploy log, Sentry and Datadog. The "
            "two entries before the start of impact come from the pull request and CI history."
        ),
        "five-whys": (
            "**Symptom:** about 30% of checkout attempts failed with *Payment failed* after "
            "payments-api v2.3.1 was deployed."
        ),
    }


def _bob_data(sections: dict[str, Section], clock: _Clock) -> dict[str, dict]:
    whys = {"whys": [{"why": why, "because": because} for why, because in WHYS]}
    return {"five-whys": whys, **_timeline_data(sections, clock)}


def _timeline_data(sections: dict[str, Section], clock: _Clock) -> dict[str, dict]:
    timeline = sections.get("timeline")
    if timeline is None:
        return {}
    added = [
        (-130, "Pull request adding `fraud_score` merged after review.", "GitHub", False),
        (
            -95,
            "CI migration check passed: migration 0087 applied cleanly to the empty test database.",
            "GitHub Actions",
            False,
        ),
        (
            1,
            "Migration 0087 completed on the first replicas; INSERTs routed to them start "
            "failing (reconstructed from the PostgreSQL logs).",
            "postgres",
            True,
        ),
    ]
    rows = list((timeline.data or {}).get("rows", []))
    rows += [
        {"time": clock.at(minutes).isoformat(), "event": event, "actor": actor, "key": key}
        for minutes, event, actor, key in added
    ]
    rows.sort(key=lambda row: row["time"])
    return {"timeline": {"rows": rows}}


WHYS = [
    (
        "Why did about 30% of checkout attempts fail?",
        "PostgreSQL rejected new rows in `payments` on the replicas where migration 0087 had "
        "run: it added `fraud_score FLOAT NOT NULL` without a default, and v2.3.1 did not send "
        "that column yet.",
    ),
    (
        "Why did the release contain a required column that its own code did not write?",
        "The schema change and the code that would use it were planned as one release, schema "
        "first; the code writing `fraud_score` was scheduled for v2.4. Nothing in the release "
        "process checks that a schema change is compatible with the code already running.",
    ),
    (
        "Why did no check catch the incompatibility before production?",
        "The CI migration check runs against an empty database, where adding a `NOT NULL` "
        "column always succeeds, and migrations do not pass through staging with real traffic.",
    ),
    (
        "Why did the canary not stop the rollout?",
        "The canary receives 2% of traffic and rolls back on an absolute 10% error rate; a "
        "failure affecting 30% of the canary's requests stayed below that threshold.",
    ),
    (
        "Why were the safeguards shaped this way?",
        "They were designed for code regressions. Migration safety was never designed into the "
        "deploy pipeline, and no team owns it as a capability, so the gap stayed invisible "
        "until a migration was not backwards compatible.",
    ),
]


# --- Alice (Platform): contributing factors, actions, prevention -------------------------------

FACTORS = [
    (
        "primary",
        "code",
        "Required column added without a default",
        "Migration 0087 added `fraud_score FLOAT NOT NULL` with no default. Every INSERT that "
        "omitted the column failed with `23502 not_null_violation` (Kibana, Sentry issue 48213).",
    ),
    (
        "primary",
        "deployment",
        "Schema and code changes shipped together, schema first",
        "v2.3.1 changed the schema before any code wrote the new column; the deploy ran the "
        "migration while v2.3.0 pods were still serving and v2.3.1 pods did not send it either.",
    ),
    (
        "secondary",
        "testing",
        "Migrations are only tested against an empty database",
        "The CI check applies migrations to a fresh database, where a `NOT NULL` column without "
        "a default succeeds. Staging is not part of the migration path.",
    ),
    (
        "secondary",
        "deployment",
        "Canary threshold blind to partial failures",
        "The canary takes 2% of traffic and rolls back above an absolute 10% error rate; the "
        "failure rate among canary requests rose to 30%, but the absolute rate across the fleet "
        "did not cross the threshold.",
    ),
    (
        "secondary",
        "monitoring",
        "Three-minute alert evaluation window",
        "The payments-api error-rate monitor evaluates over 3 minutes, adding three minutes "
        "between the first errors and the page.",
    ),
    (
        "secondary",
        "review",
        "No review question about schema compatibility",
        "The pull-request template asks about tests and rollout but not whether a migration is "
        "compatible with the code already running, so reviewers had no prompt to look for it.",
    ),
    (
        "environmental",
        "infrastructure",
        "Migrations reach replicas one by one",
        "Schema changes propagate across replicas over several minutes. This limited the impact "
        "to about 30% of requests, and also made the failure intermittent and harder to read.",
    ),
    (
        "environmental",
        "incentives",
        "Quarter-end compliance deadline",
        "The fraud-scoring work was due before the quarter's compliance review, which favoured "
        "shipping the schema early so the backfill could start.",
    ),
    (
        "environmental",
        "knowledge",
        "Severity guide written around full outages",
        "The guide's SEV1 examples are all complete outages; a partial payment failure read as "
        "SEV2 until the checkout numbers were in.",
    ),
]


def _factors_data() -> dict[str, dict]:
    return {
        "contributing-factors": {
            "factors": [
                {"title": title, "description": text, "category": category, "level": level}
                for level, category, title, text in FACTORS
            ]
        }
    }


def _factors_and_actions() -> dict[str, str]:
    return {
        "contributing-factors": (
            "The outage needed several conditions at once: a migration that broke existing "
            "writers, a release plan that applied it first, and safeguards that were not built "
            "to notice either."
        ),
        "actions-immediate": _action_table(ACTIONS_IMMEDIATE),
        "actions-short-term": _action_table(ACTIONS_SHORT_TERM),
        "actions-long-term": _action_table(ACTIONS_LONG_TERM),
        "prevention-measures": (
            "### Detection\n\n"
            "- Error-rate monitor on payments-api evaluates over 1 minute (A3)\n"
            "- Deploy markers on every Payments dashboard panel, not only the overview\n\n"
            "### Prevention\n\n"
            "- Lint rule refusing `NOT NULL` columns without a default (A1)\n"
            "- Migrations tested against production-shaped data in CI (A4)\n"
            "- Expand / contract migrations as the documented default (A8)\n"
            "- Pull-request template asks whether the schema change works with the running "
            "code\n\n"
            "### Response\n\n"
            "- Schema-rollback runbook with a pause-all-deploys step (A5, A9)\n"
            "- Severity guide covers partial payment failures (A6)\n"
            "- Dead-letter queues on every payment write path, so retries are by design "
            "(A10)"
        ),
    }


# (id, action, owner, ticket), a table in the document; demo.action_items tracks the same ones.
ACTIONS_IMMEDIATE = [
    ("A1", "Lint rule: refuse NOT NULL columns without a default", "@alice", "ENG-1236"),
    ("A2", "Canary rolls back on a relative error-rate increase (over 2×)", "@bob", "ENG-1235"),
    ("A3", "payments-api error-rate monitor evaluates over 1 minute", "@carol", "ENG-1237"),
]
ACTIONS_SHORT_TERM = [
    ("A4", "Run migrations against a production-sized snapshot in CI", "@alice", "ENG-1234"),
    ("A5", "Runbook: rolling back a schema change, pausing all deploys", "@bob", "ENG-1240"),
    ("A6", "Severity guide: partial payment failure above 10% is SEV1", "@dave", "ENG-1241"),
    ("A7", "Support macro for customers who must re-confirm 3-D Secure", "@dave", "ENG-1242"),
]
ACTIONS_LONG_TERM = [
    ("A8", "Expand / contract migrations as the default, enforced in CI", "@alice", "PLAT-311"),
    ("A9", "One-click pause of every deploy pipeline", "@bob", "PLAT-318"),
    ("A10", "Dead-letter queue on every payment write path, by design", "@carol", "PLAT-320"),
]


def _action_table(rows: list[tuple[str, str, str, str]]) -> str:
    lines = ["| ID | Action | Owner | Ticket |", "|---|---|---|---|"]
    lines += [f"| {i} | {action} | {owner} | {ticket} |" for i, action, owner, ticket in rows]
    return "\n".join(lines)


# --- Dave (communications): participants, evidence, metrics, history ---------------------------


def _appendix(clock: _Clock) -> dict[str, str]:
    return {
        "participants": (
            "- **Incident commander:** Carol Reviewer\n"
            "- **On-call responder:** Bob Engineer (Payments)\n"
            "- **Platform and database:** Alice Admin\n"
            "- **Communications:** Dave Manager (status page, Support)\n"
            "- **Postmortem author:** Carol Reviewer; reviewed by the Payments and Platform teams"
        ),
        "linked-evidence": (
            "The release that caused the outage and the one that fixed it, with the alert, the "
            "error group, a failing trace and the database log line that confirmed the cause."
        ),
        "metrics": (
            "Errors climb two minutes after the v2.3.1 deploy and plateau near 30% while the "
            f"migration spreads across replicas. They fall from {clock.hm(clock.at(30))}, when "
            "v2.3.2 makes the column nullable, and are back at baseline by "
            f"{clock.hm(clock.at(43))}. Latency follows errors: failed INSERTs were retried by "
            "the client three times before giving up."
        ),
        "document-history": (
            "Reviewed in the postmortem meeting with Payments, Platform and Support. Every edit "
            "is on the History page."
        ),
    }


# --- The review workflow: postmortems in every state -------------------------------------------

# What the writers of the other detailed scenarios wrote before submitting, by incident title.
WRITTEN = {
    POOL_EXHAUSTION.title: {
        "root-cause": (
            "**What failed:** payments-api's database connection pools.\n\n"
            "**Why it failed:** release v2.4.0 rendered the receipt PDF inside the charge "
            "transaction, so every charge held a connection while receipts-renderer answered "
            "(p99 9 s). At the evening peak all 12 pods' pools (20 + 10 overflow) filled and "
            "new charges waited, then timed out.\n\n"
            "**What made it possible:** code review had no rule against remote calls inside a "
            "transaction, and the pool-saturation metric had no alert."
        ),
        "action-items": (
            "- **Move receipt rendering after commit** (a queued job) — owner bob, due in "
            "1 week; done when a charge holds a connection for < 50 ms at p99.\n"
            "- **Alert at 80 % pool use for 2 minutes** — owner dave, due in 2 weeks.\n"
            "- **Lint rule: no HTTP client calls inside `transaction.atomic`** — owner alice, "
            "due in 4 weeks."
        ),
    },
    MOBILE_ROLLBACK.title: {
        "root-cause": (
            "**What failed:** mobile-api v2.8.0's migration, which added a NOT NULL column "
            "without a default to the 15-million-row `devices` table.\n\n"
            "**Why it failed:** the migration passed in staging, where the table is empty, and "
            "the deploy pipeline does not stop a rollout when a migration fails, so pods "
            "restarted into a schema they could not read.\n\n"
            "**What made it possible:** no migration check runs against production-sized data."
        ),
        "action-items": (
            "- **Pipeline halts the rollout on a failed migration** — owner alice, due in "
            "1 week.\n"
            "- **Migration linter: NOT NULL needs a default or a backfill step** — owner bob, "
            "due in 4 weeks.\n"
            "- **Staging gets a production-sized `devices` table (anonymised)** — owner dave, "
            "due in 2 months."
        ),
    },
    GATEWAY_503.title: {
        "root-cause": (
            "**What failed:** card authorisation through the PayFlow gateway (503 on every "
            "call for 45 minutes).\n\n"
            "**Why it hurt us this much:** payments-api has no circuit breaker and no timeout on "
            "gateway calls, so threads waited up to 60 s each, the worker pool filled and refunds "
            "and order history slowed down too.\n\n"
            "**What made it possible:** the gateway client was written for a gateway that had "
            "never been down for more than a minute."
        ),
        "action-items": (
            "- **Timeout of 3 s and a circuit breaker on gateway calls** — owner bob, due in "
            "1 week.\n"
            "- **Fail over to the secondary gateway when the breaker opens** — owner carol, due "
            "in 2 months."
        ),
    },
    QUEUE_BACKLOG.title: {
        "what-happened-and-why": (
            "Job volume grew 300 % in three months while jobs-worker stayed at a fixed 50 "
            "workers. The Monday report run tipped the queue over and 1.2 million jobs piled up; "
            "the queue-depth alert (2 million) never fired."
        ),
        "action-items": "- Autoscale jobs-worker on queue wait time.\n- Alert on job wait time.",
    },
}


def seed_reviews(*, organization: Organization, users: Users) -> None:
    """Take the detailed demo postmortems through the review workflow, once: published after a
    second round, in review with an open question, published, archived, and back in draft with
    changes requested. Each step is a real transition, so the history, the reviews, the
    comments and everyone's notifications tell the story."""
    with scope(organization=organization), transaction.atomic():
        by_title = {
            pm.incident.title: pm
            for pm in Postmortem.objects.filter(
                organization=organization, generated=True, review_round=0
            ).select_related("incident", "author")
        }
        steps = [
            (NOT_NULL_MIGRATION.title, _published_after_two_rounds),
            (GATEWAY_503.title, _in_review_with_a_question),
            (MOBILE_ROLLBACK.title, _published),
            (POOL_EXHAUSTION.title, _archived),
            (QUEUE_BACKLOG.title, _changes_requested),
        ]
        for title, step in steps:
            postmortem = by_title.get(title)
            if postmortem is not None and "carol" in users and "dave" in users:
                step(postmortem, users)


def _write(postmortem: Postmortem, users: Users) -> Postmortem:
    """Fill the required sections a draft still lacks, as its author would."""
    written = WRITTEN.get(postmortem.incident.title, {})
    summary = postmortem.incident.description.split("\n\n")[0]
    bodies = {}
    for section in unfilled_required_sections(postmortem):
        bodies[section.key] = written.get(section.key) or summary
    if not bodies:
        return postmortem
    return services.postmortem_save(
        postmortem=postmortem,
        actor=postmortem.author,
        base_version=postmortem.version,
        sections=bodies,
    )


def _reviewer_for(postmortem: Postmortem, users: Users) -> AbstractBaseUser:
    return users["dave"] if postmortem.author == users["carol"] else users["carol"]


def _published_after_two_rounds(postmortem: Postmortem, users: Users) -> None:
    author, reviewer = postmortem.author, _reviewer_for(postmortem, users)
    postmortem = _write(postmortem, users)
    transitions.postmortem_submit(postmortem=postmortem, actor=author, reviewers=[reviewer])
    transitions.postmortem_request_changes(
        postmortem=postmortem,
        actor=reviewer,
        comment=(
            "Strong draft. Two things before we publish: the five whys stop at “the check "
            "passed” — ask why it ran against an empty database; and give every immediate "
            "action an owner."
        ),
    )
    thread = services_comments.comment_add(
        postmortem=postmortem,
        actor=reviewer,
        section_key="five-whys",
        body=f"@{author.get_username()} why did the CI check use an empty database? "
        "That is the systemic part.",
    )
    services_comments.comment_add(
        postmortem=postmortem,
        actor=author,
        parent=thread,
        body="Added as why #4: the CI database is created empty for speed. Owner assigned.",
    )
    services_comments.comment_resolve(comment=thread, actor=reviewer)
    postmortem.refresh_from_db()
    transitions.postmortem_submit(postmortem=postmortem, actor=author)
    transitions.postmortem_approve(
        postmortem=postmortem, actor=reviewer, comment="Clear, blameless and actionable."
    )


def _in_review_with_a_question(postmortem: Postmortem, users: Users) -> None:
    author, reviewer = postmortem.author, _reviewer_for(postmortem, users)
    postmortem = _write(postmortem, users)
    transitions.postmortem_submit(postmortem=postmortem, actor=author, reviewers=[reviewer])
    services_comments.comment_add(
        postmortem=postmortem,
        actor=reviewer,
        section_key="root-cause",
        body=f"@{author.get_username()} did the gateway's status page show the outage before "
        "our alerts did? If so, we should subscribe to it.",
    )


def _published(postmortem: Postmortem, users: Users) -> None:
    author, reviewer = postmortem.author, _reviewer_for(postmortem, users)
    postmortem = _write(postmortem, users)
    transitions.postmortem_submit(postmortem=postmortem, actor=author, reviewers=[reviewer])
    transitions.postmortem_approve(postmortem=postmortem, actor=reviewer)


def _archived(postmortem: Postmortem, users: Users) -> None:
    _published(postmortem, users)
    transitions.postmortem_archive(postmortem=postmortem, actor=users["alice"])


def _changes_requested(postmortem: Postmortem, users: Users) -> None:
    author, reviewer = postmortem.author, _reviewer_for(postmortem, users)
    postmortem = _write(postmortem, users)
    transitions.postmortem_submit(postmortem=postmortem, actor=author, reviewers=[reviewer])
    transitions.postmortem_request_changes(
        postmortem=postmortem,
        actor=reviewer,
        comment="The actions are too vague to check: give each an owner, a due date and a "
        "number we can measure (for example, alert when jobs wait over 10 minutes).",
    )


# --- Dates and categories as they would have happened ------------------------------------------

# Root-cause categories of the demo incidents, read from words of their titles (first match).
CATEGORY_WORDS = (
    (("migration", "null", "schema", "index"), "CODE_DEFECT"),
    (
        ("config", "flag", "setting", "samesite", "certificate", "expired", "credential"),
        "CONFIGURATION_ERROR",
    ),
    (("pool", "backlog", "capacity", "disk", "memory", "queue", "latency", "full"), "CAPACITY"),
    (
        ("provider", "gateway", "carrier", "third", "upstream", "vendor", "dns", "cdn"),
        "DEPENDENCY_FAILURE",
    ),
    (("alert", "monitor", "dashboard", "silent"), "MONITORING_GAP"),
    (("rollback", "deploy", "release", "rollout"), "PROCESS_GAP"),
)


def settle_history(*, organization: Organization) -> None:
    """Give the demo postmortems the dates they would have had (drafted minutes after their
    incident resolved, submitted and published days later) and a root-cause category, so the
    analytics and recurring patterns read like an organization's real year. Safe to re-run."""
    now = timezone.now()
    with scope(organization=organization), transaction.atomic():
        postmortems = Postmortem.objects.filter(
            organization=organization, incident__resolved_at__isnull=False
        ).select_related("incident")
        for postmortem in postmortems:
            dates = _settled_dates(postmortem, now)
            Postmortem.objects.filter(pk=postmortem.pk).update(
                **dates,
                root_cause_category=postmortem.root_cause_category
                or _category_of(postmortem.incident.title, postmortem.number),
            )
            # Review requests went out at the submit; action items were written with the draft.
            if "submitted_at" in dates:
                Review.objects.filter(postmortem=postmortem).update(
                    created_at=dates["submitted_at"]
                )
                Review.objects.filter(postmortem=postmortem, decided_at__isnull=False).update(
                    decided_at=dates.get("published_at", dates["submitted_at"])
                )
            ActionItem.objects.filter(postmortem=postmortem).update(
                created_at=dates["created_at"] + timedelta(hours=2)
            )


def _settled_dates(postmortem: Postmortem, now: datetime) -> dict:
    """Drafted 7 minutes after resolution; submitted 2–5 days later, published 1–3 days after."""
    spread = postmortem.number % 4
    created = min(postmortem.incident.resolved_at + timedelta(minutes=7), now)
    dates = {"created_at": created, "updated_at": created}
    if postmortem.submitted_at:
        submitted = min(created + timedelta(days=2 + spread), now)
        dates.update(submitted_at=submitted, updated_at=submitted)
        if postmortem.published_at:
            published = min(submitted + timedelta(days=1 + spread % 3), now)
            dates.update(published_at=published, updated_at=published)
    if postmortem.archived_at:
        dates["archived_at"] = max(dates["updated_at"], min(postmortem.archived_at, now))
        dates["updated_at"] = dates["archived_at"]
    return dates


def _category_of(title: str, number: int) -> str:
    words = title.lower()
    for keys, category in CATEGORY_WORDS:
        if any(key in words for key in keys):
            return category
    return ("OPERATIONAL_ERROR", "DESIGN_FLAW", "PROCESS_GAP")[number % 3]
