"""The action-item measurements beyond page latency: the tracker's CSV download (timed to its
last byte, through gunicorn) and a full reminder run over the organization's items (in this
process, as a worker would run it)."""

import statistics
import time
from dataclasses import dataclass
from http.client import HTTPConnection

from . import BenchError
from .load import REQUEST_TIMEOUT, cookie_header
from .seed_constants import CSV_PRIORITY
from .server import HOST

CSV_NAME = "action-item tracker CSV"
CSV_GOAL_SECONDS = 2.0
CSV_REPEATS = 5
REMINDERS_NAME = "reminder run over the tracker's items"
REMINDERS_GOAL_SECONDS = 60.0


def csv_path(org_path: str) -> str:
    """Every item of the seeded priority, whatever its status: one in ten of the items."""
    return f"{org_path}/action-items/export.csv?status=all&priority={CSV_PRIORITY}"


@dataclass(frozen=True)
class CsvRun:
    seconds: list[float]
    rows: int
    size: int

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


def time_csv(port: int, cookies: dict[str, str], path: str, repeats: int = CSV_REPEATS) -> CsvRun:
    """Download the CSV ``repeats`` times (after one warm-up), each timed from the request to
    the last byte; the rows are counted from the body."""
    seconds, rows, size = [], 0, 0
    for attempt in range(repeats + 1):
        connection = HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
        try:
            started = time.perf_counter()
            connection.request("GET", path, headers={"Cookie": cookie_header(cookies)})
            response = connection.getresponse()
            body = response.read()
            elapsed = time.perf_counter() - started
        finally:
            connection.close()
        if response.status != 200:
            raise BenchError(f"GET {path} answered {response.status}")
        if attempt:
            seconds.append(elapsed)
        text = body.decode("utf-8-sig")
        rows, size = text.count("\r\n") - 1, len(body)  # no line breaks inside the seeded cells
    return CsvRun(seconds, rows, size)


@dataclass(frozen=True)
class ReminderRun:
    seconds: float
    items: int
    recipients: int
    digests: int
    reminders: int
    most_messages_to_one_recipient: int
    second_run_digests: int


def time_reminders() -> ReminderRun:
    """A full reminder run over the bench organization, then a second one at the same moment
    (which must send nothing). Call after ``django.setup()``, with no server writing."""
    from django.db.models import Count, Max
    from django.utils import timezone
    from django_scopes import scopes_disabled

    from actionitems.models import ActionItem
    from actionitems.reminders import run_reminders
    from organizations.models import Notification, NotificationKind

    from .seed import bench_organization

    organization = bench_organization()
    now = timezone.now()
    with scopes_disabled():
        items = ActionItem.objects.filter(organization=organization).count()
    first = run_reminders(organization, now=now)
    second = run_reminders(organization, now=now)
    with scopes_disabled():
        most = (
            Notification.objects.filter(organization=organization, kind=NotificationKind.REMINDER)
            .values("recipient")
            .annotate(messages=Count("id"))
            .aggregate(most=Max("messages"))["most"]
        )
    return ReminderRun(
        seconds=first.seconds,
        items=items,
        recipients=first.recipients,
        digests=first.digests,
        reminders=first.reminders,
        most_messages_to_one_recipient=most or 0,
        second_run_digests=second.digests,
    )


def goals(csv: CsvRun | None, reminders: ReminderRun | None) -> list[tuple[str, str, bool]]:
    """(what, measured, passed) for the action-item goals that ran."""
    lines = []
    if csv is not None:
        lines.append(
            (
                f"{CSV_NAME}, {csv.rows:,} rows: < {CSV_GOAL_SECONDS:.0f} s",
                f"{csv.median:.2f} s median of {len(csv.seconds)} ({csv.size / 1e6:.1f} MB)",
                csv.median < CSV_GOAL_SECONDS,
            )
        )
    if reminders is not None:
        lines.append(
            (
                f"reminder run, {reminders.items:,} items: < {REMINDERS_GOAL_SECONDS:.0f} s",
                f"{reminders.seconds:.1f} s, {reminders.reminders:,} reminders "
                f"to {reminders.recipients} people",
                reminders.seconds < REMINDERS_GOAL_SECONDS,
            )
        )
        lines.append(
            (
                "reminder run: one message per recipient, none twice",
                f"{reminders.digests} digests for {reminders.recipients} recipients, "
                f"at most {reminders.most_messages_to_one_recipient} each; "
                f"rerun sent {reminders.second_run_digests}",
                reminders.digests == reminders.recipients
                and reminders.most_messages_to_one_recipient <= 1
                and reminders.second_run_digests == 0,
            )
        )
    return lines
