"""The webhook intake: Alertmanager notifications posted to ``/hooks/<public id>/`` by
concurrent clients, against one gunicorn worker.

The request stores the delivery and queues its processing; nothing processes it here. The
server runs with its tasks queued (``HINDSIGHT_BENCH_QUEUE``, see ``settings``): on Redis when
the bench has a ``--redis-url``, else in the worker's memory; never run in the request. After
the run, every accepted delivery must still be waiting (and, on Redis, be queued); the bench's
queue is then emptied.
"""

import os
import statistics
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from http.client import HTTPConnection
from pathlib import Path

from . import BenchError, server
from .load import bench_header, concurrently, send, split
from .middleware import PID_HEADER, QUERIES_HEADER
from .report import percentile
from .seed_webhooks import HOOK_PATH, AlertSpec, notification_body

INTAKE_NAME = "inbound webhooks: intake"
RATE_GOAL = 300.0  # deliveries accepted per second by one worker
P99_GOAL_MS = 50.0
ALERTS_PER_DELIVERY = 5
BENCH_QUEUE = "hindsight-bench"


@dataclass(frozen=True)
class IntakeRun:
    broker: str
    clients: int
    elapsed: float
    latencies: list[float]  # seconds
    queries: list[int]
    body_bytes: int
    worker_cpu: float  # seconds the worker spent on the CPU while the deliveries were timed

    @property
    def per_second(self) -> float:
        return len(self.latencies) / self.elapsed

    @property
    def p50_ms(self) -> float:
        return statistics.median(self.latencies) * 1000

    @property
    def p99_ms(self) -> float:
        return percentile([latency * 1000 for latency in self.latencies], 99)

    @property
    def cpu_ms(self) -> float:
        """The worker's CPU time per delivery: what the machine's other load does not change."""
        return self.worker_cpu / len(self.latencies) * 1000


def bodies(count: int, start: int) -> list[bytes]:
    """``count`` notifications, each of its own group with alerts of their own: every one is
    a new event for the intake (none is a duplicate)."""
    now = datetime.now(UTC)
    return [
        notification_body(
            f'{{}}:{{alertname="HighErrorRate", intake="{number}"}}',
            [
                AlertSpec(
                    fingerprint=f"{number:010x}{index:06x}",
                    service=f"intake-{number % 50:02d}",
                    starts_at=now - timedelta(minutes=index + 1),
                )
                for index in range(ALERTS_PER_DELIVERY)
            ],
        )
        for number in range(start, start + count)
    ]


def time_intake(
    deliveries: int, warmup: int, clients: int, secret: str, redis_url: str, log_path: Path
) -> IntakeRun:
    """Serve the app with one worker and its tasks queued; post ``warmup`` notifications, then
    time ``deliveries`` more from ``clients`` clients. Checks that each was stored and queued,
    not processed."""
    environment = {"HINDSIGHT_BENCH_QUEUE": BENCH_QUEUE}
    all_bodies = bodies(warmup + deliveries, 0)
    try:
        with server.gunicorn(1, log_path, environment) as port:
            worker = post_all(port, secret, all_bodies[:warmup], clients)[0][2]
            cpu, started = cpu_seconds(worker), time.perf_counter()
            samples = post_all(port, secret, all_bodies[warmup:], clients)
            elapsed = time.perf_counter() - started
            cpu = cpu_seconds(worker) - cpu
        check_queued(warmup + deliveries, redis_url)
    finally:
        if redis_url:
            empty_queue(redis_url)
    return IntakeRun(
        broker="Redis" if redis_url else "in-memory (no --redis-url)",
        clients=clients,
        elapsed=elapsed,
        latencies=[latency for latency, _, _ in samples],
        queries=[queries for _, queries, _ in samples],
        body_bytes=len(all_bodies[-1]),
        worker_cpu=cpu,
    )


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of process ``pid`` (on this machine) so far."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def post_all(
    port: int, secret: str, to_send: list[bytes], clients: int
) -> list[tuple[float, int, int]]:
    """Post every body once, shared among ``clients`` concurrent clients; (latency, queries,
    worker pid) of each."""
    shares, first = [], 0
    for share in split(len(to_send), clients):
        shares.append(to_send[first : first + share])
        first += share
    headers = {
        "Authorization": f"Bearer {secret}",
        "Content-Type": "application/json",
        "User-Agent": "Alertmanager/0.27.0",
    }
    return concurrently(port, shares, partial(post, headers=headers))


def post(
    connection: HTTPConnection, body: bytes, headers: dict[str, str]
) -> tuple[float, int, int]:
    """One notification, as Alertmanager posts it; it must be accepted as a new delivery."""
    started = time.perf_counter()
    response, answer = send(connection, "POST", HOOK_PATH, body, headers)
    latency = time.perf_counter() - started
    if response.status != 202 or b'"duplicate": false' not in answer:
        raise BenchError(f"POST {HOOK_PATH} answered {response.status}: {answer[:200]!r}")
    queries, pid = (bench_header(response, name) for name in (QUERIES_HEADER, PID_HEADER))
    return latency, queries, pid


def check_queued(accepted: int, redis_url: str) -> None:
    """Every accepted delivery is stored and waiting (none was processed in its request);
    on Redis, each has a message on the bench's queue."""
    from django.db.models import Count
    from django_scopes import scopes_disabled

    from integrations.intake.models import InboundDelivery

    with scopes_disabled():
        statuses = dict(
            InboundDelivery.objects.values_list("status").annotate(n=Count("id")).order_by()
        )
    if statuses != {"RECEIVED": accepted}:
        raise BenchError(f"{accepted} deliveries accepted, but stored: {statuses}")
    if redis_url:
        queued = redis_client(redis_url).llen(BENCH_QUEUE)
        if queued != accepted:
            raise BenchError(f"{accepted} deliveries accepted, but {queued} tasks queued")


def redis_client(redis_url: str):
    import redis

    return redis.Redis.from_url(redis_url)


def empty_queue(redis_url: str) -> None:
    """Drop the bench's queue (its messages, and kombu's record of it)."""
    redis_client(redis_url).delete(
        BENCH_QUEUE, f"_kombu.binding.{BENCH_QUEUE}", f"_kombu.binding_permanent.{BENCH_QUEUE}"
    )


def print_run(run: IntakeRun) -> None:
    queries = sorted(set(run.queries))
    print(
        f"  {len(run.latencies)} notifications of {ALERTS_PER_DELIVERY} alerts "
        f"({run.body_bytes:,} bytes each) from {run.clients} clients in {run.elapsed:.1f} s, "
        f"broker: {run.broker}; per delivery: {'/'.join(map(str, queries))} SQL queries, "
        f"{run.cpu_ms:.2f} ms of the worker's CPU"
    )


def goals(run: IntakeRun) -> list[tuple[str, str, bool]]:
    return [
        (
            f"webhook intake, 1 worker: ≥ {RATE_GOAL:.0f} deliveries/s",
            f"{run.per_second:.0f}/s (p50 {run.p50_ms:.1f} ms)",
            run.per_second >= RATE_GOAL,
        ),
        (
            f"webhook intake, 1 worker: p99 < {P99_GOAL_MS:.0f} ms",
            f"{run.p99_ms:.1f} ms ({run.clients} clients)",
            run.p99_ms < P99_GOAL_MS,
        ),
    ]
