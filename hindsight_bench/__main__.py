"""``make bench``: seed PostgreSQL, serve the app with gunicorn, and measure its pages.

Every page is reported next to two reference pages measured in the same run (the floor and
the reference list) and as a ratio to the reference list, because absolute speed varies from
run to run. Later issues add their pages, and their goals, to ``PAGES``.
"""

import argparse
import json
import os
import secrets
import signal
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from . import (
    BENCH_ORG_SLUG,
    BENCH_USERNAME,
    BenchError,
    analytics,
    database,
    digest,
    language,
    server,
    tracker_reconcile,
    webhooks,
)
from .alerts import PROCESSING_NAME
from .load import Phase, login, run_phase, split
from .report import (
    Page,
    PageResult,
    WorkerMemory,
    page_results,
    print_pages,
    print_workers,
    worker_memory,
)
from .search import SEARCH_NAME
from .seed_constants import ACTION_ITEMS, POSTMORTEM_NUMBER
from .tracker import CSV_NAME, REMINDERS_NAME, CsvRun, ReminderRun, csv_path, time_csv
from .tracker import goals as action_item_goals
from .writes import SaveRun, Writer, run_saves
from .writes import goals as write_goals

PDF_NAME = "pdf export"
SIMILAR_NAME = "similar incidents, editor card (10k postmortems)"
SIMILAR_INCIDENT_NAME = "similar incidents, incident card (10k postmortems)"
# Pages whose figures depend on the search data set: it is seeded when one of them is measured.
NEEDS_SEARCH_DATA = ("incident, ", "similar incidents")
FLOOR = Page("floor", "/bench/floor/")
REFERENCE = Page("reference list", "/bench/reference-list/")
ORG = f"/o/{BENCH_ORG_SLUG}"
YEAR = time.gmtime().tm_year  # the seed declares the long-timeline incidents first, this year
PAGES: list[Page] = [
    FLOOR,
    REFERENCE,
    # The sign-in page asks for the email first when an organization has a live identity
    # provider (the seed gives the bench organization one): it must stay as fast as the reference.
    Page("sign-in page", "/accounts/login/", goal=1.0, anonymous=True),
    Page("dashboard", f"{ORG}/", goal=1.0),
    Page("members", f"{ORG}/members/"),
    Page("incident list (10k)", f"{ORG}/incidents/", goal=1.5),
    Page("incident list, filtered", f"{ORG}/incidents/?severity=SEV1&status=RESOLVED", goal=1.5),
    Page("incident, 200 entries", f"{ORG}/incidents/INC-{YEAR}-0001/", goal=2.0),
    Page("incident, 2,000 entries", f"{ORG}/incidents/INC-{YEAR}-0002/", goal=10.0),
    Page("postmortem editor", f"{ORG}/postmortems/{POSTMORTEM_NUMBER}/edit/", goal=3.0),
    # The incident page and the editor load their "Similar incidents" card after the page,
    # ranked over the 10,000 published postmortems of the search data set (seeded whenever
    # these are measured).
    Page(SIMILAR_NAME, f"{ORG}/search/similar/{POSTMORTEM_NUMBER}/", goal=1.5),
    Page(SIMILAR_INCIDENT_NAME, f"{ORG}/search/similar/incident/INC-{YEAR}-0001/", goal=1.5),
    # The same document as its readers see it: sections, action items, discussion, review bar.
    Page("postmortem read view", f"{ORG}/postmortems/{POSTMORTEM_NUMBER}/", goal=3.0),
    Page("action-item tracker", f"{ORG}/action-items/", goal=1.5),
    # The analytics scale: 5,000 postmortems and 100,000 action items; the absolute goal is a median
    # under 300 ms (analytics.goals), the ratio bounds it against the reference list.
    Page("analytics", f"{ORG}/analytics/", goal=analytics.RATIO_GOAL),
    Page(
        "action-item tracker, filtered",
        f"{ORG}/action-items/?due=overdue&priority=CRITICAL&priority=HIGH",
        goal=1.5,
    ),
]
AUTOSAVE_PATH = f"{ORG}/postmortems/{POSTMORTEM_NUMBER}/sections/"

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/hindsight_bench"


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be at least 0, not {value}")
    return value


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m hindsight_bench", description=__doc__)
    data = parser.add_argument_group("data set")
    data.add_argument("--members", type=positive_int, default=200, help="bench org members")
    data.add_argument("--teams", type=non_negative_int, default=40, help="teams in the bench org")
    data.add_argument("--team-size", type=non_negative_int, default=8, help="members per team")
    data.add_argument(
        "--action-items", type=positive_int, default=ACTION_ITEMS, help="in the bench org"
    )
    data.add_argument("--reference-rows", type=positive_int, default=100_000)
    data.add_argument("--reference-users", type=positive_int, default=300)
    data.add_argument(
        "--no-reference-index",
        dest="reference_index",
        action="store_false",
        help="leave the reference table's sort column unindexed, as Django's admin log is",
    )
    load = parser.add_argument_group("load")
    load.add_argument("--workers", type=positive_int, default=2, help="gunicorn sync workers")
    load.add_argument("--concurrency", type=positive_int, default=4, help="client threads")
    load.add_argument("--requests", type=positive_int, default=300, help="measured, per page")
    load.add_argument("--warmup", type=positive_int, default=100, help="warm-up requests per page")
    load.add_argument("--saves", type=positive_int, default=200, help="autosaves by one writer")
    load.add_argument(
        "--deliveries",
        type=positive_int,
        default=3000,
        help="webhook deliveries measured (after --warmup more), against one worker",
    )
    load.add_argument(
        "--only",
        default="",
        help="measure only the pages and measures whose name contains this (the references "
        "always run)",
    )
    load.add_argument(
        "--rounds",
        type=positive_int,
        default=10,
        help="measure the pages in this many interleaved rounds, so drift hits them alike",
    )
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL, help="dropped first!")
    parser.add_argument("--redis-url", default="", help="cache; unset: local memory")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write results here")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a goal fails")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so the clean-ups run
    server.apply_environment(server.bench_environment(args.database_url, args.redis_url))
    password = secrets.token_urlsafe(16)
    hook_secret = "hs_hook_" + secrets.token_urlsafe(32)
    log_path = new_log_path()
    try:
        prepared = prepare_database(args, password, hook_secret)
        print_header(args, prepared.seconds, log_path)
        phases, saves, csv = measure(args, password, log_path, prepared.autosave_sections)
        intake = measure_intake(args, hook_secret)
        reminders = measure_reminders(args)
        extra = [*intake, *measure_in_process(args)]
    except BenchError as error:
        print(f"\nBenchmark aborted: {error}", file=sys.stderr)
        if log_path.stat().st_size:
            print(f"(server log: {log_path})", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\nInterrupted.", file=sys.stderr)
        return 130
    return report(args, phases, saves, prepared.generation_seconds, csv, reminders, extra)


@dataclass(frozen=True)
class Prepared:
    seconds: float
    autosave_sections: list[str]
    generation_seconds: list[float]


def prepare_database(args: argparse.Namespace, password: str, hook_secret: str) -> Prepared:
    """Create, migrate and seed the bench database; time draft generation."""
    import django

    started = time.perf_counter()
    print(f"Creating {database.database_name(args.database_url)!r}, migrating, seeding …")
    database.recreate(args.database_url)
    database.migrate()
    django.setup()
    from django.db import connections

    from .seed import SeedSizes, bench_organization, create_postmortem, seed, time_generation
    from .seed_action_items import seed_action_items
    from .seed_webhooks import seed_webhooks

    sizes = SeedSizes(
        members=args.members,
        teams=args.teams,
        team_size=args.team_size,
        reference_rows=args.reference_rows,
        reference_users=args.reference_users,
    )
    seed(sizes, password, index_reference=args.reference_index)
    organization = bench_organization()
    sections = create_postmortem(organization)
    generation = time_generation(organization)
    seed_action_items(organization, args.action_items)
    seed_webhooks(organization, hook_secret)
    if selected(args.only, analytics.PAGE_NAME):
        print("Topping the organization up to 5,000 postmortems and 100,000 action items …")
        analytics.seed_analytics(organization)
    if selected(args.only, SEARCH_NAME) or any(
        name in page.name for page in selected_pages(args.only) for name in NEEDS_SEARCH_DATA
    ):
        from .seed_search import seed_search

        print("Seeding the published postmortems for search …")
        seed_search(organization)
    connections.close_all()
    return Prepared(time.perf_counter() - started, sections, generation)


def new_log_path() -> Path:
    descriptor, name = tempfile.mkstemp(prefix="hindsight-bench-gunicorn-", suffix=".log")
    os.close(descriptor)
    return Path(name)


def print_header(args: argparse.Namespace, seconds: float, log_path: Path) -> None:
    index = "indexed" if args.reference_index else "unindexed"
    print(
        f"Data: {args.members} members, {args.teams} teams of {args.team_size}, "
        f"{args.action_items:,} action items, "
        f"{args.reference_rows:,} reference rows ({index}) over {args.reference_users} users "
        f"(set up in {seconds:.1f} s)"
    )
    print(
        f"Load: gunicorn with {args.workers} sync workers, {args.concurrency} clients, "
        f"{args.requests} requests per page in {args.rounds} rounds after {args.warmup} "
        f"warm-up requests per page; {os.cpu_count()} CPUs\nServer log: {log_path}\n"
    )


def selected_pages(only: str) -> list[Page]:
    return [page for page in PAGES if page in (FLOOR, REFERENCE) or only in page.name]


def selected(only: str, name: str) -> bool:
    return only in name


def measure(
    args: argparse.Namespace, password: str, log_path: Path, sections: list[str]
) -> tuple[dict[str, list[Phase]], list[SaveRun], CsvRun | None]:
    """Warm every page up, measure the pages in interleaved rounds, then the autosaves and the
    tracker's CSV download."""
    pages = selected_pages(args.only)
    phases: dict[str, list[Phase]] = {page.name: [] for page in pages}
    with server.gunicorn(args.workers, log_path) as port:
        cookies = login(port, BENCH_USERNAME, password)
        for page in pages:
            run_phase(port, cookies_for(page, cookies), page.path, args.warmup, args.concurrency)
        for requests in split(args.requests, args.rounds):
            for page in pages:
                phase = run_phase(
                    port, cookies_for(page, cookies), page.path, requests, args.concurrency
                )
                phases[page.name].append(phase)
        writers = [Writer(key) for key in sections]
        run_saves(port, cookies, AUTOSAVE_PATH, writers, 40, 1)  # warm-up
        saves = [
            run_saves(port, cookies, AUTOSAVE_PATH, writers, args.saves, 1),
            run_saves(port, cookies, AUTOSAVE_PATH, writers, args.saves * 4, len(writers)),
        ]
        csv = time_csv(port, cookies, csv_path(ORG)) if selected(args.only, CSV_NAME) else None
    return phases, saves, csv


def cookies_for(page: Page, cookies: dict[str, str]) -> dict[str, str]:
    return {} if page.anonymous else cookies


def measure_intake(args: argparse.Namespace, secret: str) -> list[tuple[str, list]]:
    """The webhook intake, against a server of its own: one worker, its tasks queued."""
    if not selected(args.only, webhooks.INTAKE_NAME):
        return []
    log_path = new_log_path()
    print(f"Timing the webhook intake against one worker (server log: {log_path}) …")
    run = webhooks.time_intake(
        args.deliveries, args.warmup, args.concurrency, secret, args.redis_url, log_path
    )
    webhooks.print_run(run)
    return [("webhook intake", webhooks.goals(run))]


def measure_reminders(args: argparse.Namespace) -> ReminderRun | None:
    """The reminder run over every item, in this process, once the server has stopped (it
    writes reminders and notifications, which the pages must not see)."""
    if not selected(args.only, REMINDERS_NAME):
        return None
    from .tracker import time_reminders

    print("Timing a full reminder run …")
    return time_reminders()


def measure_in_process(args: argparse.Namespace) -> list[tuple[str, list[tuple[str, str, bool]]]]:
    """The measures taken in this process once the server has stopped: search over the
    published postmortems, the PagerDuty import, the tracker reconciliation, the PDF export
    (in a subprocess of its own), and the processing of Alertmanager alerts (last: it opens
    incidents)."""
    sections = []
    if selected(args.only, language.NAME):
        sections.append(("language guidance", language.goals()))
    if selected(args.only, SEARCH_NAME):
        from . import search

        print("Timing search …")
        run = search.time_search()
        search.print_run(run)
        sections.append(("search", search.goals(run)))
    if selected(args.only, "pagerduty import"):
        from . import pagerduty_import

        sections.append(("pagerduty import", pagerduty_import.measure()))
    if selected(args.only, digest.NAME):
        sections.append((digest.NAME, digest.measure()))
    if selected(args.only, tracker_reconcile.NAME):
        sections.append((tracker_reconcile.NAME, tracker_reconcile.measure()))
    if selected(args.only, PDF_NAME):
        from . import pdf

        print("Timing the PDF export of the Comprehensive demo postmortem …")
        result = pdf.run_pdf_bench()
        pdf.print_pdf_bench(result)
        sections.append(("pdf export", pdf.goals(result)))
    if selected(args.only, PROCESSING_NAME):
        from . import alerts

        print("Timing the processing of Alertmanager alerts …")
        run = alerts.time_processing()
        alerts.print_run(run)
        sections.append(("alert processing", alerts.goals(run)))
    return sections


def print_writes(goals: list[tuple[str, str, bool]], title: str = "writes") -> None:
    print(title)
    for what, measured, passed in goals:
        print(f"  {what:<52} {measured:<32} {'PASS' if passed else 'FAIL'}")


def report(
    args: argparse.Namespace,
    phases: dict[str, list[Phase]],
    saves: list[SaveRun],
    generation: list[float],
    csv: CsvRun | None = None,
    reminders: ReminderRun | None = None,
    extra: list[tuple[str, list[tuple[str, str, bool]]]] = (),
) -> int:
    """Print (and optionally write) the results; return the exit status."""
    results = page_results(selected_pages(args.only), phases, REFERENCE)
    workers = worker_memory(
        sample
        for page_phases in phases.values()
        for phase in page_phases
        for sample in phase.samples
    )
    writes = write_goals(saves, generation)
    action_items = action_item_goals(csv, reminders)
    extra = [*extra, ("analytics", analytics.goals(results))]
    extra = [(title, goals) for title, goals in extra if goals]  # parts not measured this run
    print_pages(results, REFERENCE.name)
    print()
    print_writes(writes)
    print()
    if action_items:
        print_writes(action_items, "action items")
        print()
    for title, goals in extra:
        print_writes(goals, title)
        print()
    print_workers(workers)
    failures = [result.name for result in results if result.passed is False]
    failures += [what for what, _, passed in writes + action_items if not passed]
    failures += [what for _, goals in extra for what, _, passed in goals if not passed]
    failures += [f"worker {worker.pid} memory" for worker in workers if not worker.passed]
    print(f"\nGoals: {'FAIL: ' + ', '.join(failures) if failures else 'all PASS'}")
    if args.json:
        write_json(args, results, workers, failures)
    return 1 if args.strict and failures else 0


def write_json(
    args: argparse.Namespace,
    results: list[PageResult],
    workers: list[WorkerMemory],
    failures: list[str],
) -> None:
    document = {
        "options": vars(args),
        "reference": REFERENCE.name,
        "pages": [asdict(result) | {"passed": result.passed} for result in results],
        "workers": [
            asdict(worker) | {"change": worker.change, "passed": worker.passed}
            for worker in workers
        ],
        "failures": failures,
    }
    args.json.write_text(json.dumps(document, indent=2, default=str) + "\n")
    print(f"Results written to {args.json}")


if __name__ == "__main__":
    sys.exit(main())
