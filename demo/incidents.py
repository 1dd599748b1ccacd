"""Demo incidents for the ``acme`` organization, written through the incident services.

Five detailed scenarios (after the worked examples in the reference documents) and a few dozen
smaller incidents generated deterministically over the last six months. ``seed_demo`` calls
``seed_incidents`` on every ``make run``; it does nothing when the organization already has
incidents.
"""

import random
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django_scopes import scope

from incidents.models import (
    STATUS_ORDER,
    EntryKind,
    Incident,
    LinkType,
    Relationship,
    Severity,
    Status,
)
from incidents.services import (
    incident_declare,
    incident_update,
    link_add,
    metric_series_set,
    timeline_entry_add,
)
from incidents.transitions import incident_acknowledge, incident_mitigate, incident_resolve
from organizations.models import Organization

SEED = 20260315
METRIC_POINTS = 90
RESPONDERS = ("alice", "bob", "carol", "dave")  # erin is a viewer

ALERT, DEPLOY, DECISION = EntryKind.ALERT, EntryKind.DEPLOY, EntryKind.DECISION
ACTION, COMMS, NOTE = EntryKind.ACTION, EntryKind.COMMUNICATION, EntryKind.NOTE
CAUSED_BY, FIXED_BY = Relationship.CAUSED_BY, Relationship.FIXED_BY
SEV1, SEV2, SEV3, SEV4 = Severity.SEV1, Severity.SEV2, Severity.SEV3, Severity.SEV4

# A time is a "HH:MM[:SS]" UTC clock string in the scenario data below, and an aware datetime
# once the scenario has been placed on its day.
When = str | datetime
Users = dict[str, AbstractBaseUser]  # by username


@dataclass(frozen=True)
class Entry:
    at: When
    kind: str
    actor: str  # a demo username, or a system name such as "Datadog"
    text: str
    key: bool = False
    evidence: str = ""


@dataclass(frozen=True)
class Link:
    type: str
    title: str
    url: str
    relationship: str = Relationship.RELATED
    at: When | None = None
    external_id: str = ""


@dataclass(frozen=True)
class Metric:
    key: str
    name: str
    unit: str
    baseline: float
    peak: float


@dataclass(frozen=True)
class Scenario:
    """One incident as it happened: what the services are told, in order of time."""

    title: str
    severity: str
    services: tuple[str, ...]
    declared_by: str  # the on-call responder: declares and acknowledges
    commander: str  # mitigates and resolves
    description: str
    started: When  # impact began
    detected: When  # declared, once an alert or report was recognised as an incident
    acknowledged: When | None
    mitigated: When | None
    resolved: When | None
    entries: tuple[Entry, ...]
    participants: tuple[str, ...] = ()
    links: tuple[Link, ...] = ()
    metrics: tuple[Metric, ...] = ()
    recovery: tuple[When, When] | None = None  # metrics start recovering; back to baseline
    ramp_minutes: float = 3  # how long the metrics take to reach their peak
    declared_as: str = ""  # the first severity, when the incident was escalated
    escalated: When | None = None  # when it was raised from ``declared_as`` to ``severity``
    days_ago: int = 0  # the day of the clock times
    customer_impact: bool = False
    data_loss: bool = False
    security: bool = False
    near_miss: bool = False


def error_rate(service: str, baseline: float, peak: float) -> Metric:
    return Metric("errorRate", f"Error rate · {service}", "%", baseline, peak)


def p99_latency(service: str, baseline: float, peak: float) -> Metric:
    return Metric("latency", f"p99 latency · {service}", "ms", baseline, peak)


# --- The five detailed scenarios ------------------------------------------------------------

NOT_NULL_MIGRATION = Scenario(
    title="Checkout payments failing after NOT NULL migration on payments table",
    severity=SEV1,
    declared_as=SEV2,
    escalated="14:42",
    days_ago=74,
    services=("payments-api", "checkout", "postgres"),
    declared_by="bob",
    commander="carol",
    participants=("alice", "dave"),
    customer_impact=True,
    description=(
        "About 30% of checkout attempts failed with *Payment failed* for 43 minutes. Release "
        "v2.3.1 of payments-api shipped migration `0087_payment_fraud_score`, which added "
        "`fraud_score FLOAT NOT NULL` to the `payments` table without a default; the API did "
        "not send the column yet, so PostgreSQL rejected the INSERTs routed to the migrated "
        "replicas.\n\n"
        "The migration was rolled back (v2.3.2 makes the column nullable) and 1,284 failed "
        "payment intents were retried from the dead-letter queue. About $12,000 of "
        "transactions were delayed; none were lost or charged twice."
    ),
    started="14:32",
    detected="14:37",
    acknowledged="14:38",
    mitigated="15:15",
    resolved="16:19",
    recovery=("15:02", "15:15"),
    entries=(
        Entry(
            "14:30",
            DEPLOY,
            "GitHub Actions",
            "Deploy of payments-api v2.3.1 to production started; it runs migration "
            "0087_payment_fraud_score.",
            key=True,
            evidence="https://github.example.com/acme/payments-api/actions/runs/8812345",
        ),
        Entry(
            "14:32",
            ALERT,
            "Sentry",
            'New issue in payments-api: IntegrityError: null value in column "fraud_score" '
            "violates not-null constraint.",
            evidence="https://sentry.example.com/organizations/acme/issues/48213/",
        ),
        Entry(
            "14:35",
            ALERT,
            "Datadog",
            "Monitor triggered: payments-api error rate > 5% (7.8% over 3 min).",
            key=True,
            evidence="https://app.datadog.example.com/monitors/1180442",
        ),
        Entry("14:35", ALERT, "PagerDuty", "Paged the Payments on-call (bob)."),
        Entry(
            "14:38",
            ACTION,
            "carol",
            "Took incident command; opened #inc-payments and a video bridge, paged Platform.",
        ),
        Entry(
            "14:42",
            DECISION,
            "carol",
            "Escalated to SEV1: about 30% of checkout attempts fail with “Payment failed”.",
            key=True,
        ),
        Entry(
            "14:44",
            NOTE,
            "alice",
            "Errors began two minutes after v2.3.1 rolled out. Only INSERTs into payments fail; "
            "reads and refunds are unaffected.",
        ),
        Entry(
            "14:45",
            NOTE,
            "bob",
            "Root cause identified: migration 0087 added fraud_score FLOAT NOT NULL without a "
            "default, and v2.3.1 does not send fraud_score yet.",
            key=True,
        ),
        Entry(
            "14:47",
            COMMS,
            "dave",
            "Status page: “Some customers cannot complete checkout. We are investigating.”",
            evidence="https://status.example.com/incidents/kx81m2",
        ),
        Entry(
            "14:50",
            DECISION,
            "carol",
            "Roll back the migration instead of hotfixing the API: the rollback is tested and "
            "faster than building and canarying a new release.",
            key=True,
        ),
        Entry(
            "14:52", ACTION, "alice", "Paused the deploy pipelines of payments-api and checkout."
        ),
        Entry(
            "15:02",
            DEPLOY,
            "GitHub Actions",
            "payments-api v2.3.2 deployed: migration 0088 makes fraud_score nullable.",
            key=True,
            evidence="https://github.example.com/acme/payments-api/actions/runs/8812977",
        ),
        Entry("15:05", NOTE, "Datadog", "payments-api error rate falling: 12% → 4%."),
        Entry(
            "15:08",
            ACTION,
            "bob",
            "Re-enqueued 1,284 failed payment intents from the dead-letter queue for retry.",
        ),
        Entry(
            "15:16",
            COMMS,
            "dave",
            "Status page: “A fix is in place and checkout is recovering. Delayed payments are "
            "being processed.”",
        ),
        Entry(
            "15:40",
            NOTE,
            "bob",
            "Retry queue drained: 1,214 payments captured, 70 waiting for 3-D Secure "
            "re-authentication by the customer.",
        ),
        Entry(
            "16:15",
            NOTE,
            "carol",
            "Reconciled against the gateway settlement report: no duplicate charges, every "
            "queued payment processed.",
        ),
        Entry(
            "16:22",
            COMMS,
            "dave",
            "Status page incident resolved; Support sent the apology macro to affected customers.",
        ),
    ),
    links=(
        Link(
            LinkType.RELEASE,
            "payments-api v2.3.1 (adds payments.fraud_score)",
            "https://github.example.com/acme/payments-api/releases/tag/v2.3.1",
            CAUSED_BY,
            "14:30",
            external_id="rel_v2.3.1",
        ),
        Link(
            LinkType.RELEASE,
            "payments-api v2.3.2 (fraud_score nullable)",
            "https://github.example.com/acme/payments-api/releases/tag/v2.3.2",
            FIXED_BY,
            "15:02",
            external_id="rel_v2.3.2",
        ),
        Link(
            LinkType.ALERT,
            "payments-api error rate > 5%",
            "https://app.datadog.example.com/monitors/1180442",
            at="14:35",
        ),
        Link(
            LinkType.ERROR_GROUP,
            'IntegrityError: null value in column "fraud_score"',
            "https://sentry.example.com/organizations/acme/issues/48213/",
            at="14:32",
        ),
        Link(
            LinkType.TRACE,
            "POST /v1/payments → 500 (INSERT INTO payments)",
            "https://jaeger.example.com/trace/4bf92f3577b34da6a3ce929d0e0e4736",
            at="14:40",
        ),
        Link(
            LinkType.LOG,
            "postgres ERROR 23502 not_null_violation on payments",
            "https://kibana.example.com/app/discover#/view/pg-not-null-0087",
            at="14:33",
        ),
        Link(
            LinkType.DASHBOARD,
            "Payments overview",
            "https://grafana.example.com/d/payments-overview/payments?from=now-90d",
        ),
        Link(
            LinkType.TICKET,
            "ENG-1234 Validate migrations against staging in CI",
            "https://jira.example.com/browse/ENG-1234",
        ),
        Link(
            LinkType.TICKET,
            "ENG-1236 Lint rule: NOT NULL columns need a default",
            "https://jira.example.com/browse/ENG-1236",
        ),
    ),
    metrics=(error_rate("payments-api", 0.3, 30), p99_latency("payments-api", 420, 2600)),
)

POOL_EXHAUSTION = Scenario(
    title="Payment API database connection pool exhausted",
    severity=SEV2,
    days_ago=52,
    services=("payments-api", "postgres"),
    declared_by="bob",
    commander="bob",
    participants=("alice", "dave"),
    customer_impact=True,
    description=(
        "For about 25 minutes during the evening peak, card payments timed out and payments-api "
        "answered 14% of requests with 503. Release v2.4.0 rendered the receipt PDF inside the "
        "charge transaction, so every charge held a database connection while it waited on "
        "receipts-renderer (p99 9 s). The pools of all 12 pods (20 + 10 overflow each) filled "
        "up and requests queued for the 30 s pool timeout.\n\n"
        "Turning off the `receipts_in_charge` flag and ending the idle-in-transaction sessions "
        "relieved the pools; v2.4.1 moves rendering to an after-commit task."
    ),
    started="17:05",
    detected="17:10",
    acknowledged="17:11",
    mitigated="17:32",
    resolved="18:03",
    recovery=("17:21", "17:29"),
    ramp_minutes=6,
    entries=(
        Entry(
            "16:40",
            DEPLOY,
            "GitHub Actions",
            "payments-api v2.4.0 deployed: receipts are rendered while a charge is recorded.",
            key=True,
        ),
        Entry("17:05", ALERT, "Datadog", "Monitor triggered: payments-api p99 latency > 2 s."),
        Entry(
            "17:08",
            ALERT,
            "Datadog",
            "Monitor triggered: payments-api DB pool wait > 500 ms; logs show “QueuePool limit "
            "of size 20 overflow 10 reached”.",
            key=True,
            evidence="https://app.datadog.example.com/monitors/1203311",
        ),
        Entry("17:09", ALERT, "PagerDuty", "Paged the Payments on-call (bob)."),
        Entry(
            "17:13",
            NOTE,
            "bob",
            "All 12 pods at 30/30 connections; PostgreSQL shows 340 sessions “idle in "
            "transaction”.",
        ),
        Entry(
            "17:17",
            NOTE,
            "alice",
            "pg_stat_activity: the idle sessions all come from POST /v1/charges waiting on "
            "receipts-renderer with the transaction still open.",
            key=True,
        ),
        Entry(
            "17:20",
            DECISION,
            "bob",
            "Turn off the receipts_in_charge flag instead of rolling back v2.4.0, which also "
            "carries a fraud-rule fix; the flag takes effect within seconds.",
            key=True,
        ),
        Entry("17:21", ACTION, "LaunchDarkly", "Flag receipts_in_charge turned off in production."),
        Entry(
            "17:23",
            ACTION,
            "alice",
            "Terminated 312 sessions idle in transaction for more than 60 s.",
        ),
        Entry(
            "17:25",
            COMMS,
            "dave",
            "Briefed Support: some card payments timed out from 17:05 UTC; customers can retry.",
        ),
        Entry("17:29", NOTE, "Datadog", "Pool wait under 5 ms again; error rate 0.4%."),
        Entry(
            "17:45",
            ACTION,
            "alice",
            "Set idle_in_transaction_session_timeout = 30s for the payments database role.",
        ),
        Entry(
            "17:55",
            DEPLOY,
            "GitHub Actions",
            "payments-api v2.4.1 deployed: receipts rendered by an after-commit task.",
            key=True,
        ),
    ),
    links=(
        Link(
            LinkType.RELEASE,
            "payments-api v2.4.0 (receipts in charge transaction)",
            "https://github.example.com/acme/payments-api/releases/tag/v2.4.0",
            CAUSED_BY,
            "16:40",
        ),
        Link(
            LinkType.RELEASE,
            "payments-api v2.4.1 (render receipts after commit)",
            "https://github.example.com/acme/payments-api/releases/tag/v2.4.1",
            FIXED_BY,
            "17:55",
        ),
        Link(
            LinkType.ALERT,
            "payments-api DB pool wait > 500 ms",
            "https://app.datadog.example.com/monitors/1203311",
            at="17:08",
        ),
        Link(
            LinkType.LOG,
            "QueuePool limit of size 20 overflow 10 reached",
            "https://kibana.example.com/app/discover#/view/payments-queuepool",
            at="17:07",
        ),
        Link(
            LinkType.TRACE,
            "POST /v1/charges holding a connection for 9.4 s",
            "https://jaeger.example.com/trace/a1c3e5f7092b4d6f8e0a2c4e6f8a0b2c",
            at="17:15",
        ),
        Link(
            LinkType.DASHBOARD,
            "PostgreSQL connections",
            "https://grafana.example.com/d/pg-connections/postgres-connections",
        ),
        Link(
            LinkType.TICKET,
            "ENG-1302 Alert on idle-in-transaction sessions",
            "https://jira.example.com/browse/ENG-1302",
        ),
    ),
    metrics=(error_rate("payments-api", 0.2, 14), p99_latency("payments-api", 350, 29800)),
)

MOBILE_ROLLBACK = Scenario(
    title="Mobile API down after v2.8.0 deploy crashed on a failed migration",
    severity=SEV2,
    days_ago=88,
    services=("mobile-api", "postgres"),
    declared_by="alice",
    commander="alice",
    participants=("bob", "dave", "erin"),
    customer_impact=True,
    description=(
        "Every mobile app request failed for 15 minutes and the incident lasted 23. The deploy "
        "pipeline rolled out mobile-api v2.8.0, whose migration added a NOT NULL column without "
        "a default to the 15-million-row `devices` table. The migration failed in production "
        "(it had passed in staging, where the table is empty), the rollout carried on because "
        "the migration job does not gate it, and the new pods crashed on the missing column.\n\n"
        "Rolling back to v2.7.5 restored service. The failed migration left no partial state."
    ),
    started="14:37",
    detected="14:39",
    acknowledged="14:39:10",
    mitigated="14:52",
    resolved="15:00",
    recovery=("14:47", "14:52"),
    ramp_minutes=1.5,
    entries=(
        Entry(
            "14:37",
            DEPLOY,
            "GitHub Actions",
            "Deploy pipeline started the rollout of mobile-api v2.8.0 (migration "
            "0142_device_push_provider).",
            key=True,
            evidence="https://github.example.com/acme/mobile-api/actions/runs/7719034",
        ),
        Entry(
            "14:37:30",
            NOTE,
            "Kubernetes",
            'Migration job exited 1: column "push_provider" of relation "devices" contains null '
            "values. The rollout continued.",
        ),
        Entry(
            "14:38:45",
            ALERT,
            "Datadog",
            "Monitor triggered: mobile-api success rate 99.9% → 0%.",
            key=True,
            evidence="https://app.datadog.example.com/monitors/1174020",
        ),
        Entry("14:38:45", ALERT, "PagerDuty", "PagerDuty incident #4521 created; paged alice."),
        Entry(
            "14:40:30",
            NOTE,
            "alice",
            "100% of requests to v2.8.0 pods fail with “column devices.push_provider does not "
            "exist”; the pods are crash-looping.",
            key=True,
        ),
        Entry(
            "14:42:15",
            DECISION,
            "alice",
            "Roll back to v2.7.5 rather than fix forward: v2.7.5 does not use the new column.",
            key=True,
        ),
        Entry("14:42:30", DEPLOY, "Argo CD", "Rollback of mobile-api to v2.7.5 started."),
        Entry(
            "14:45",
            COMMS,
            "dave",
            "Status page: “The mobile app cannot load content. A fix is in progress.”",
        ),
        Entry(
            "14:52",
            DEPLOY,
            "Kubernetes",
            "Rollback complete: 24/24 pods run v2.7.5 and requests succeed.",
            key=True,
        ),
        Entry(
            "14:56",
            NOTE,
            "bob",
            "Confirmed migration 0142 left no partial state: its ALTER TABLE ran in a "
            "transaction that was rolled back.",
        ),
        Entry("15:02", COMMS, "dave", "Status page incident resolved."),
    ),
    links=(
        Link(
            LinkType.RELEASE,
            "mobile-api v2.8.0",
            "https://github.example.com/acme/mobile-api/releases/tag/v2.8.0",
            CAUSED_BY,
            "14:37",
        ),
        Link(
            LinkType.RELEASE,
            "mobile-api v2.7.5 (rollback)",
            "https://github.example.com/acme/mobile-api/releases/tag/v2.7.5",
            FIXED_BY,
            "14:42",
        ),
        Link(
            LinkType.ALERT,
            "PagerDuty #4521 mobile-api success rate",
            "https://acme.pagerduty.example.com/incidents/4521",
            at="14:38",
        ),
        Link(
            LinkType.ERROR_GROUP,
            "ProgrammingError: column devices.push_provider does not exist",
            "https://sentry.example.com/organizations/acme/issues/47002/",
            at="14:38",
        ),
        Link(
            LinkType.LOG,
            "mobile-api-migrate-0142 job output",
            "https://kibana.example.com/app/discover#/view/mobile-migrate-0142",
            at="14:37",
        ),
        Link(
            LinkType.DASHBOARD,
            "Mobile API golden signals",
            "https://grafana.example.com/d/mobile-api/mobile-api-golden-signals",
        ),
        Link(
            LinkType.TICKET,
            "PLAT-311 Require defaults for new NOT NULL columns",
            "https://jira.example.com/browse/PLAT-311",
        ),
    ),
    metrics=(error_rate("mobile-api", 0.1, 100), p99_latency("mobile-api", 180, 1200)),
)

QUEUE_BACKLOG = Scenario(
    title="Background job backlog delayed emails, reports and exports",
    severity=SEV3,
    days_ago=31,
    services=("jobs-worker", "notifications", "redis"),
    declared_by="bob",
    commander="bob",
    participants=("alice", "dave"),
    customer_impact=True,
    description=(
        "Emails, report generation and data exports were delayed by up to four hours. Job "
        "volume had grown 300% in three months while jobs-worker stayed at a fixed 50 workers; "
        "the Monday report run tipped the queue over, and 1.2 million jobs piled up.\n\n"
        "Monitoring watched queue depth with a 2-million threshold but not wait time or "
        "processing velocity, so Support noticed first. Scaling to 200 workers and giving "
        "password-reset emails their own queue cleared the backlog."
    ),
    started="08:00",
    detected="08:50",
    acknowledged="08:52",
    mitigated="09:40",
    resolved="11:10",
    recovery=("09:14", "10:50"),
    ramp_minutes=45,
    entries=(
        Entry("08:00", NOTE, "Celery beat", "Weekly report run enqueued 41,000 report jobs."),
        Entry(
            "08:47",
            ALERT,
            "Zendesk",
            "Support escalation: 14 tickets in 30 minutes about password-reset and export "
            "emails not arriving.",
            key=True,
            evidence="https://acme.zendesk.example.com/agent/tickets/99120",
        ),
        Entry(
            "08:55",
            NOTE,
            "bob",
            "Default queue at 1.2M jobs and rising; oldest job waiting 3 h 58 min. All 50 "
            "workers busy, no errors.",
            key=True,
        ),
        Entry(
            "09:02",
            NOTE,
            "alice",
            "Job volume is up 300% since spring; the worker count has been fixed at 50 because "
            "autoscaling was never configured for the jobs cluster.",
        ),
        Entry(
            "09:10",
            DECISION,
            "bob",
            "Scale to 200 workers and move password-reset emails to a priority queue; pause "
            "the report run until the backlog clears.",
            key=True,
        ),
        Entry("09:14", DEPLOY, "Terraform Cloud", "jobs-worker desired count 50 → 200 applied."),
        Entry(
            "09:20",
            ACTION,
            "bob",
            "Routed send_password_reset and send_magic_link to the critical queue with 10 "
            "dedicated workers.",
        ),
        Entry(
            "09:25",
            COMMS,
            "dave",
            "Status page: “Emails and exports are delayed. Password-reset emails are "
            "delivered normally again.”",
        ),
        Entry("09:35", NOTE, "Datadog", "Processing 3,100 jobs/s against 1,900 enqueued."),
        Entry("10:50", NOTE, "bob", "Backlog cleared; oldest job waiting 40 s.", key=True),
        Entry("11:12", COMMS, "dave", "Status page incident resolved."),
    ),
    links=(
        Link(
            LinkType.TICKET,
            "Zendesk #99120 Password reset email never arrived",
            "https://acme.zendesk.example.com/agent/tickets/99120",
            at="08:47",
        ),
        Link(
            LinkType.DASHBOARD,
            "Celery queues",
            "https://grafana.example.com/d/celery-queues/celery-queues?from=now-90d",
        ),
        Link(
            LinkType.LOG,
            "jobs-worker task wait times",
            "https://kibana.example.com/app/discover#/view/jobs-wait",
            at="08:55",
        ),
        Link(
            LinkType.TICKET,
            "OPS-87 Scale jobs-worker to 200 (change record)",
            "https://jira.example.com/browse/OPS-87",
            FIXED_BY,
            "09:14",
        ),
        Link(
            LinkType.TICKET,
            "OPS-88 Queue-based autoscaling for jobs-worker",
            "https://jira.example.com/browse/OPS-88",
        ),
        Link(
            LinkType.TICKET,
            "OPS-89 Alert on job wait time and processing velocity",
            "https://jira.example.com/browse/OPS-89",
        ),
    ),
    metrics=(
        error_rate("jobs-worker", 0.4, 3),
        p99_latency("redis enqueue", 3, 240),
        Metric("queueDepth", "Queue depth · default", "jobs", 2000, 1_200_000),
    ),
)

GATEWAY_503 = Scenario(
    title="Payment gateway returning 503s blocked checkout",
    severity=SEV2,
    days_ago=12,
    services=("checkout", "payments-api"),
    declared_by="carol",
    commander="carol",
    participants=("alice", "bob", "dave"),
    customer_impact=True,
    description=(
        "For 45 minutes the PayFlow gateway answered every authorization with 503, so card "
        "payments failed. payments-api has no circuit breaker and no timeout on gateway calls: "
        "its threads waited up to 60 s per request, the worker pool filled, and refunds and "
        "order history slowed down as well.\n\n"
        "A 5 s timeout with no retries contained the damage to card payments until PayFlow "
        "recovered. The outage itself was outside our control; our response to it was not."
    ),
    started="19:20",
    detected="19:23",
    acknowledged="19:24",
    mitigated="19:42",
    resolved="20:05",
    recovery=("19:58", "20:02"),
    entries=(
        Entry(
            "19:20",
            ALERT,
            "Sentry",
            "New issue: GatewayError 503 Service Unavailable from PayFlow /v2/authorize.",
            evidence="https://sentry.example.com/organizations/acme/issues/51877/",
        ),
        Entry(
            "19:22",
            ALERT,
            "Datadog",
            "Monitor triggered: checkout error rate > 5% (18%).",
            key=True,
            evidence="https://app.datadog.example.com/monitors/1190871",
        ),
        Entry("19:22", ALERT, "PagerDuty", "Paged the Payments on-call (carol)."),
        Entry(
            "19:27",
            NOTE,
            "carol",
            "Every authorize call to PayFlow returns 503 after about 30 s; the PayFlow status "
            "page says “Investigating elevated errors”.",
            key=True,
        ),
        Entry(
            "19:30",
            NOTE,
            "alice",
            "payments-api threads are blocked on gateway calls with the default 60 s timeout; "
            "the worker pool is saturated and refunds and order history are slow too.",
            key=True,
        ),
        Entry(
            "19:33",
            DECISION,
            "carol",
            "Fail fast: 5 s gateway timeout, no retries, and a clear “payment provider "
            "unavailable” message. No failover: there is no second processor configured.",
            key=True,
        ),
        Entry(
            "19:38",
            DEPLOY,
            "GitHub Actions",
            "payments-api config deployed: PAYFLOW_TIMEOUT=5s, PAYFLOW_RETRIES=0.",
        ),
        Entry(
            "19:40",
            COMMS,
            "dave",
            "Status page: “Our payment provider has an outage; card payments may fail. Other "
            "features work normally.”",
        ),
        Entry(
            "19:41",
            NOTE,
            "Datadog",
            "Worker pool saturation cleared; non-payment endpoints back to normal latency.",
        ),
        Entry(
            "19:58",
            COMMS,
            "PayFlow",
            "PayFlow status: “A fix has been implemented and we are monitoring the results.”",
            evidence="https://status.payflow.example.com/incidents/pf-20931",
        ),
        Entry("20:02", NOTE, "Datadog", "Authorization success rate back to 99.6%.", key=True),
        Entry(
            "20:10",
            ACTION,
            "bob",
            "Opened PAY-412 for a circuit breaker and a fallback processor.",
        ),
    ),
    links=(
        Link(
            LinkType.TICKET,
            "PayFlow incident PF-20931: elevated 503s on authorize",
            "https://status.payflow.example.com/incidents/pf-20931",
            CAUSED_BY,
            "19:20",
        ),
        Link(
            LinkType.RELEASE,
            "payments-api config: PAYFLOW_TIMEOUT=5s",
            "https://github.example.com/acme/payments-api/commit/9f2c1ab",
            FIXED_BY,
            "19:38",
        ),
        Link(
            LinkType.ALERT,
            "checkout error rate > 5%",
            "https://app.datadog.example.com/monitors/1190871",
            at="19:22",
        ),
        Link(
            LinkType.ERROR_GROUP,
            "GatewayError: 503 Service Unavailable (PayFlow)",
            "https://sentry.example.com/organizations/acme/issues/51877/",
            at="19:20",
        ),
        Link(
            LinkType.TRACE,
            "POST /v1/checkout blocked 60 s on PayFlow authorize",
            "https://jaeger.example.com/trace/77e1d0c3b2a94f5e8d6c4b2a0f9e8d7c",
            at="19:29",
        ),
        Link(
            LinkType.DASHBOARD,
            "Checkout funnel",
            "https://grafana.example.com/d/checkout-funnel/checkout-funnel",
        ),
        Link(
            LinkType.TICKET,
            "PAY-412 Circuit breaker and fallback processor",
            "https://jira.example.com/browse/PAY-412",
        ),
    ),
    metrics=(error_rate("checkout", 0.3, 62), p99_latency("checkout", 600, 30000)),
)

SCENARIOS = (NOT_NULL_MIGRATION, POOL_EXHAUSTION, MOBILE_ROLLBACK, QUEUE_BACKLOG, GATEWAY_503)


# --- Smaller incidents ----------------------------------------------------------------------


@dataclass(frozen=True)
class Minor:
    service: str
    severity: str
    title: str
    signal: str  # what alerted
    cause: str
    fix: str
    source: str = ""  # who noticed; Datadog or Grafana when blank
    customer_impact: bool = False
    data_loss: bool = False
    security: bool = False
    near_miss: bool = False


# Resolved, oldest first; they are spread over the last six months.
MINORS = (
    Minor(
        "search",
        SEV3,
        "Search results stale after the indexer stalled on a malformed document",
        "search-indexer consumer lag > 15 min",
        "The indexer retried one malformed product document forever and blocked its partition.",
        "Moved the document to the dead-letter topic and skipped the offset; lag recovered.",
    ),
    Minor(
        "auth",
        SEV2,
        "Logins failing after the identity provider rotated its SAML certificate",
        "auth SAML assertion failures > 20%",
        "The identity provider rotated its signing certificate; our service metadata pinned "
        "the old one.",
        "Imported the new certificate from the metadata URL and enabled automatic refresh.",
        customer_impact=True,
    ),
    Minor(
        "notifications",
        SEV4,
        "Duplicate order-shipped emails sent to about 2% of customers",
        "12 tickets about duplicate order-shipped emails",
        "The worker retried after an SMTP timeout although the message had been accepted.",
        "Added an idempotency key to outgoing emails.",
        source="Zendesk",
        customer_impact=True,
    ),
    Minor(
        "web",
        SEV3,
        "Checkout page blank for Safari 15 users",
        "TypeError: e.at is not a function on /checkout",
        "A new bundle used Array.prototype.at, which Safari 15 lacks, without a polyfill.",
        "Released web 5.12.1 with the polyfill.",
        source="Sentry",
        customer_impact=True,
    ),
    Minor(
        "data-pipeline",
        SEV4,
        "Nightly revenue dashboard five hours late",
        "warehouse job revenue_daily missed its 06:00 UTC deadline",
        "An ad-hoc backfill saturated the warehouse query queue.",
        "Moved the backfill to the batch queue and re-ran revenue_daily.",
    ),
    Minor(
        "cdn",
        SEV4,
        "TLS certificate for assets domain three days from expiry",
        "assets.example.com certificate expires in < 4 days",
        "Automatic renewal failed silently after the DNS challenge record was removed.",
        "Renewed the certificate and added an expiry alert at 21 days.",
        source="Pingdom",
        near_miss=True,
    ),
    Minor(
        "mobile-api",
        SEV3,
        "Android app crashing on launch for 7.4.0 users",
        "NullPointerException in ProfileHeader.bind (Android 7.4.0)",
        "mobile-api returned null for avatar_url, which the 7.4.0 app treats as required.",
        "mobile-api omits the field when empty; app hotfix 7.4.1 submitted.",
        source="Sentry",
        customer_impact=True,
    ),
    Minor(
        "billing",
        SEV3,
        "Invoices generated with the wrong tax rate for Canadian customers",
        "billing tax reconciliation mismatch > 0.5%",
        "A tax-table update applied the Quebec rate to every province.",
        "Corrected the table and regenerated 312 invoices.",
        customer_impact=True,
    ),
    Minor(
        "api-gateway",
        SEV3,
        "Intermittent 504s after gateway keep-alive change",
        "api-gateway 504 ratio > 0.5%",
        "Upstream keep-alive (60 s) was shorter than the gateway idle timeout (75 s), so the "
        "gateway reused closed connections.",
        "Raised upstream keep-alive to 90 s.",
    ),
    Minor(
        "auth",
        SEV3,
        "Mobile sessions expiring after 30 minutes",
        "auth 401 rate for refresh requests > 10%",
        "A config change set the refresh-token TTL to 30m instead of 30d.",
        "Reverted the config; affected sessions re-authenticated silently.",
        customer_impact=True,
    ),
    Minor(
        "search",
        SEV4,
        "Autocomplete latency above SLO in eu-west",
        "search autocomplete p95 > 150 ms",
        "A reindex left one hot shard on a single node.",
        "Rebalanced the shards across the cluster.",
    ),
    Minor(
        "data-pipeline",
        SEV3,
        "Six hours of clickstream events lost before ingestion",
        "clickstream consumer lag > 2 h",
        "The consumer stalled after a deploy and lagged 9 hours behind a topic that keeps "
        "only 6 hours of data.",
        "Restarted the consumer and raised retention to 72 hours; events older than 6 hours "
        "were already gone.",
        data_loss=True,
    ),
    Minor(
        "notifications",
        SEV3,
        "SMS verification codes not delivered in Brazil",
        "tickets from Brazil about verification codes that never arrive",
        "The SMS provider's sender-ID registration for Brazil had expired.",
        "Switched Brazilian traffic to the secondary provider route.",
        source="Zendesk",
        customer_impact=True,
    ),
    Minor(
        "web",
        SEV2,
        "Homepage 502s during the spring campaign traffic spike",
        "www.example.com returned 502 from 4 of 6 probe locations",
        "The web tier reached its autoscaling maximum of 12 pods and new pods hit the image "
        "registry's pull rate limit.",
        "Raised the maximum to 30 pods and pulled images through the registry mirror.",
        source="Pingdom",
        customer_impact=True,
    ),
    Minor(
        "cdn",
        SEV3,
        "Broken JavaScript bundle cached at the edge for a year",
        "web JavaScript error rate > 3%",
        "Assets on a non-hashed path were served with Cache-Control: immutable.",
        "Purged the CDN and switched to content-hashed filenames.",
        customer_impact=True,
    ),
    Minor(
        "billing",
        SEV4,
        "Payment-provider API key found two hours from expiry",
        "billing provider API key expires in < 3 h",
        "The rotation reminder went to a mailbox that had been deactivated.",
        "Rotated the key; reminders now go to the team alias.",
        near_miss=True,
    ),
    Minor(
        "auth",
        SEV2,
        "Credential-stuffing spike against the login endpoint",
        "auth failed logins > 40,000/min",
        "A botnet on residential proxies replayed leaked credentials; rate limiting was per IP "
        "only. No account takeover was confirmed.",
        "Enabled per-account rate limiting and a bot challenge at the edge; forced resets for "
        "86 accounts with successful logins from the botnet.",
        security=True,
    ),
    Minor(
        "mobile-api",
        SEV3,
        "Image uploads failing with 413 after ingress upgrade",
        "mobile-api 413 responses > 50/min",
        "The ingress controller upgrade reset proxy-body-size to 1 MB.",
        "Restored the 20 MB limit in the ingress values file.",
        customer_impact=True,
    ),
    Minor(
        "orders",
        SEV3,
        "Stale order status from 15-minute read-replica lag",
        "postgres replica lag > 60 s",
        "A long analytics query on the replica held back WAL replay.",
        "Cancelled the query and moved analytics to its own replica.",
    ),
    Minor(
        "notifications",
        SEV4,
        "Digest emails sent twice after the DST change",
        "notifications digest volume 2× expected",
        "The digest cron ran in local time and fired twice at 02:00 when DST ended.",
        "Moved the scheduler to UTC.",
    ),
    Minor(
        "data-pipeline",
        SEV3,
        "Airflow scheduler down after metadata DB ran out of connections",
        "airflow scheduler heartbeat missing > 5 min",
        "A new sensor-heavy DAG opened a connection per sensor.",
        "Switched the sensors to reschedule mode and raised the pool limit.",
    ),
    Minor(
        "search",
        SEV4,
        "Synonym update degraded relevance for tablet queries",
        "tickets about phones shown for tablet searches",
        "A synonym list update mapped “tablet” to “phone”.",
        "Reverted the synonym list and added a relevance regression test.",
        source="Zendesk",
    ),
    Minor(
        "billing",
        SEV2,
        "Subscription renewals charged twice for 148 customers",
        "billing duplicate charge detector fired",
        "The renewal job ran twice after the scheduler failed over without holding a lock.",
        "Refunded the duplicates and added a distributed lock to the job.",
        customer_impact=True,
    ),
    Minor(
        "cdn",
        SEV3,
        "Elevated 5xx from the CDN edge in ap-southeast",
        "assets.example.com 5xx from the Singapore probe",
        "The provider's Singapore POP degraded and the origin shield sent traffic there anyway.",
        "Routed APAC traffic to the secondary CDN until the provider recovered.",
        source="Pingdom",
        customer_impact=True,
    ),
    Minor(
        "auth",
        SEV4,
        "Password-reset links expiring immediately for users east of UTC",
        "tickets about password-reset links that have already expired",
        "The expiry was computed from a naive local time.",
        "Compute expiry in UTC; resent links to affected users.",
        source="Zendesk",
        customer_impact=True,
    ),
    Minor(
        "web",
        SEV3,
        "Users logged out after SameSite cookie change",
        "web session creation rate 3× baseline",
        "Session cookies set to SameSite=Strict were dropped on the return from the payment "
        "provider's 3-D Secure page.",
        "Set SameSite=Lax on the session cookie.",
        customer_impact=True,
    ),
    Minor(
        "payments-api",
        SEV3,
        "Refunds stuck in pending for three hours",
        "payments refunds pending > 30 min",
        "Webhook signature checks failed after the provider rotated its signing secret.",
        "Updated the secret and replayed the provider's webhooks.",
    ),
    Minor(
        "mobile-api",
        SEV4,
        "Slow app start from feature-flag service timeouts",
        "mobile-api flag fetch p99 > 2 s",
        "The flag service's cache node was evicted and every request went to its database.",
        "Cache flags in the app for 5 minutes and restored the cache node.",
    ),
    Minor(
        "data-pipeline",
        SEV4,
        "Duplicate rows in the analytics export after a schema change",
        "export row count +12% day over day",
        "The upsert key gained a nullable column, so rows with NULL never matched.",
        "Restored the old key and de-duplicated the affected partitions.",
    ),
    Minor(
        "search",
        SEV3,
        "Indexing paused by expired cloud credentials",
        "search-indexer write errors > 100/min",
        "The indexer's static cloud credentials expired after 90 days.",
        "Switched the indexer to workload identity.",
    ),
    Minor(
        "mobile-api",
        SEV3,
        "Rate limiter rejected traffic from a carrier NAT range",
        "mobile-api 429 ratio > 3%",
        "A carrier's CGNAT put thousands of devices behind a few IPs hitting per-IP limits.",
        "Rate limits are now keyed on the device token.",
        customer_impact=True,
    ),
    Minor(
        "auth",
        SEV3,
        "SSO login loop for Okta tenants after callback URL change",
        "enterprise customers report an SSO login loop",
        "The new callback URL was not registered with the customers' Okta apps.",
        "Accept both callback URLs during the migration window.",
        source="Zendesk",
        customer_impact=True,
    ),
    Minor(
        "billing",
        SEV4,
        "Usage charges delayed by a metering queue backlog",
        "metering queue age > 1 h",
        "A metering consumer deploy halved the batch size.",
        "Restored the batch size; the backlog drained in 40 minutes.",
    ),
)

# Still open: (status, hours ago it started, incident). The cause is a working theory.
STILL_OPEN = (
    (
        Status.MITIGATED,
        30,
        Minor(
            "notifications",
            SEV3,
            "Push notifications delayed up to 40 minutes",
            "notifications APNs send latency p95 > 60 s",
            "Working theory: the HTTP/2 client upgrade limits APNs to one connection.",
            "Pinned the previous client version; delays are back under 5 s.",
            customer_impact=True,
        ),
    ),
    (
        Status.ACKNOWLEDGED,
        9,
        Minor(
            "api-gateway",
            SEV4,
            "Sporadic 504s on /v2/reports",
            "api-gateway 504 ratio on /v2/reports > 1%",
            "Working theory: large report queries exceed the 30 s gateway timeout.",
            "",
        ),
    ),
    (
        Status.OPEN,
        3,
        Minor(
            "search",
            SEV3,
            "Search p95 latency doubled after index settings change",
            "search p95 > 400 ms",
            "Working theory: the new refresh interval causes segment merges during peak.",
            "",
        ),
    ),
)

# How a source reports, and what its link looks like.
SOURCES = {
    "Datadog": ("Monitor triggered", LinkType.ALERT, "https://app.datadog.example.com/monitors/"),
    "Grafana": ("Alert firing", LinkType.ALERT, "https://grafana.example.com/alerting/grafana/"),
    "Pingdom": ("Check failed", LinkType.ALERT, "https://my.pingdom.example.com/app/checks/"),
    "Sentry": (
        "Issue spiking",
        LinkType.ERROR_GROUP,
        "https://sentry.example.com/organizations/acme/issues/",
    ),
    "Zendesk": (
        "Support escalation",
        LinkType.TICKET,
        "https://acme.zendesk.example.com/agent/tickets/",
    ),
}
FIX_MINUTES = {SEV2: (15, 50), SEV3: (10, 70), SEV4: (5, 45)}


def minor_scenarios(now: datetime, rng: random.Random) -> list[Scenario]:
    scenarios = [
        _minor(m, _slot(now, index, len(MINORS), rng), rng, Status.RESOLVED)
        for index, m in enumerate(MINORS)
    ]
    for status, hours_ago, m in STILL_OPEN:
        started = (now - timedelta(hours=hours_ago)).replace(second=0, microsecond=0)
        scenarios.append(_minor(m, started, rng, status))
    return scenarios


def _slot(now: datetime, index: int, count: int, rng: random.Random) -> datetime:
    """Evenly spread from 180 to 4 days ago, jittered, during (mostly) working hours."""
    days_ago = 180 - index * (176 / (count - 1)) + rng.uniform(-1.5, 1.5)
    day = (now - timedelta(days=days_ago)).date()
    return _at(day, time(rng.choice((2, 8, 9, 10, 11, 13, 14, 15, 16, 19, 22)), rng.randrange(60)))


def _minor(m: Minor, started: datetime, rng: random.Random, status: Status) -> Scenario:
    commander = rng.choice(RESPONDERS)
    others = [p for p in RESPONDERS if p != commander]
    source = m.source or rng.choice(("Datadog", "Datadog", "Grafana"))
    alerted = started + _minutes(rng.randint(1, 12))
    detected = alerted + _minutes(rng.randint(1, 4))  # declared
    acknowledged = detected + _minutes(rng.randint(1, 8))
    fixed = acknowledged + _minutes(rng.randint(*FIX_MINUTES[m.severity]))
    resolved = fixed + _minutes(rng.randint(5, 60))
    return Scenario(
        title=m.title,
        severity=m.severity,
        services=(m.service,),
        declared_by=commander,
        commander=commander,
        participants=tuple(rng.sample(others, rng.randint(0, 2))),
        description=f"Detected by {source}: {m.signal}.\n\n{m.cause}",
        started=started,
        detected=detected,
        acknowledged=acknowledged if _reached(status, Status.ACKNOWLEDGED) else None,
        mitigated=fixed if _mitigates(m, status) else None,
        resolved=resolved if status == Status.RESOLVED else None,
        entries=_minor_entries(m, status, source, commander, alerted, fixed),
        links=_minor_links(m, status, source, alerted, rng),
        customer_impact=m.customer_impact,
        data_loss=m.data_loss,
        security=m.security,
        near_miss=m.near_miss,
    )


def _minor_entries(
    m: Minor, status: Status, source: str, commander: str, alerted: datetime, fixed: datetime
) -> tuple[Entry, ...]:
    """The alert, what was found, a notice when customers noticed, and the fix once made."""
    investigated = alerted + (fixed - alerted) / 2
    entries = [
        Entry(alerted, ALERT, source, f"{SOURCES[source][0]}: {m.signal}.", key=True),
        Entry(investigated, NOTE, commander, m.cause),
    ]
    if m.customer_impact:
        notice = f"Posted a status page notice for {m.service} and briefed Support."
        entries.append(Entry(investigated + _minutes(2), COMMS, "dave", notice))
    if _reached(status, Status.MITIGATED):
        entries.append(Entry(fixed, ACTION, commander, m.fix, key=True))
    return tuple(entries)


def _minor_links(
    m: Minor, status: Status, source: str, alerted: datetime, rng: random.Random
) -> tuple[Link, ...]:
    """Where the alert came from, and for about half the resolved ones a follow-up ticket."""
    _, link_type, url = SOURCES[source]
    links = [Link(link_type, m.signal, f"{url}{rng.randint(10_000, 99_999)}", at=alerted)]
    if status == Status.RESOLVED and rng.random() < 0.5:
        ticket = f"ENG-{rng.randint(1300, 1999)}"
        links.append(Link(LinkType.TICKET, f"{ticket} Follow-up: {m.title}", _jira(ticket)))
    return tuple(links)


def _reached(status: Status, stage: Status) -> bool:
    return STATUS_ORDER.index(status) >= STATUS_ORDER.index(stage)


def _mitigates(m: Minor, status: Status) -> bool:
    """Small incidents mostly go straight to resolved; the visible ones are mitigated first."""
    if status == Status.MITIGATED:
        return True
    return status == Status.RESOLVED and (m.severity == SEV2 or m.customer_impact)


def _jira(ticket: str) -> str:
    return f"https://jira.example.com/browse/{ticket}"


# --- Writing ---------------------------------------------------------------------------------


def seed_incidents(
    *,
    organization: Organization,
    users: Users,
    now: datetime | None = None,
) -> None:
    """Create the demo incidents, oldest first, unless the organization has incidents."""
    with scope(organization=organization), transaction.atomic():
        if Incident.objects.filter(organization=organization).exists():
            return
        now = now or timezone.now()
        scenarios = [_on_day(s, now) for s in SCENARIOS]
        scenarios += minor_scenarios(now, random.Random(SEED))
        for scenario in sorted(scenarios, key=lambda s: s.started):
            _create(scenario, organization=organization, users=users)


def _create(s: Scenario, *, organization: Organization, users: Users) -> Incident:
    on_call, commander = users[s.declared_by], users[s.commander]
    incident = incident_declare(
        organization=organization,
        actor=on_call,
        title=s.title,
        severity=s.declared_as or s.severity,
        started_at=s.started,
        detected_at=s.detected,
        description=s.description,
        services=s.services,
        commander=commander,
        participants=[users[u] for u in s.participants],
        customer_impact=s.customer_impact,
        data_loss=s.data_loss,
        security=s.security,
        near_miss=s.near_miss,
    )
    if s.declared_as:
        incident = incident_update(
            incident=incident, actor=commander, severity=s.severity, changed_at=s.escalated
        )
    for entry in s.entries:
        _add_entry(incident, entry, users)
    for link in s.links:
        _add_link(incident, link)
    for metric in s.metrics:
        _add_metric(incident, metric, s)
    steps = (
        (incident_acknowledge, s.acknowledged, on_call),
        (incident_mitigate, s.mitigated, commander),
        (incident_resolve, s.resolved, commander),
    )
    for transition, at, actor in steps:
        if at is not None:
            incident = transition(incident=incident, actor=actor, at=at)
    return incident


def _add_entry(incident: Incident, entry: Entry, users: Users) -> None:
    person = users.get(entry.actor)
    timeline_entry_add(
        incident=incident,
        actor=person,
        actor_name="" if person else entry.actor,
        occurred_at=entry.at,
        kind=entry.kind,
        description=entry.text,
        evidence_url=entry.evidence,
        is_key_event=entry.key,
    )


def _add_link(incident: Incident, link: Link) -> None:
    link_add(
        incident=incident,
        type=link.type,
        title=link.title,
        url=link.url,
        external_id=link.external_id,
        relationship=link.relationship,
        occurred_at=link.at,
    )


def _add_metric(incident: Incident, metric: Metric, s: Scenario) -> None:
    rng = random.Random(f"{SEED}:{s.title}:{metric.key}")
    first = s.started - _minutes(15)
    last = (s.resolved or s.mitigated or s.started) + _minutes(10)
    step = (last - first) / (METRIC_POINTS - 1)
    points = []
    for i in range(METRIC_POINTS):
        at = first + step * i
        level = metric.baseline + (metric.peak - metric.baseline) * _impact(at, s)
        value = max(0.0, level * rng.gauss(1, 0.05))
        points.append((at, round(min(value, 100.0) if metric.unit == "%" else value, 2)))
    metric_series_set(
        incident=incident, key=metric.key, name=metric.name, unit=metric.unit, points=points
    )


def _impact(at: datetime, s: Scenario) -> float:
    """0 at baseline, 1 at the peak: a ramp from the start, a plateau, a recovery."""
    recovering, recovered = s.recovery or (s.mitigated, s.mitigated)
    if at < s.started or at >= recovered:
        return 0.0
    if at >= recovering:
        return 1 - _smooth((at - recovering) / (recovered - recovering))
    return _smooth((at - s.started) / _minutes(s.ramp_minutes))


def _smooth(x: float) -> float:
    x = min(max(x, 0.0), 1.0)
    return x * x * (3 - 2 * x)


# --- Time helpers ----------------------------------------------------------------------------


def _minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def _at(day: date, clock: time) -> datetime:
    return datetime.combine(day, clock, tzinfo=UTC)


def _on_day(s: Scenario, now: datetime) -> Scenario:
    """The scenario with its clock times placed on the day ``s.days_ago`` days before now."""
    day = (now - timedelta(days=s.days_ago)).date()

    def at(clock: When | None) -> datetime | None:
        return None if clock is None else _at(day, time.fromisoformat(clock))

    return replace(
        s,
        started=at(s.started),
        detected=at(s.detected),
        acknowledged=at(s.acknowledged),
        mitigated=at(s.mitigated),
        resolved=at(s.resolved),
        escalated=at(s.escalated),
        recovery=tuple(map(at, s.recovery)) if s.recovery else None,
        entries=tuple(replace(e, at=at(e.at)) for e in s.entries),
        links=tuple(replace(link, at=at(link.at)) for link in s.links),
    )
