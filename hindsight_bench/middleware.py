"""Per-request measurements, reported to the benchmark's clients as response headers."""

import os
import resource
from collections.abc import Callable

from django.db import connection
from django.http import HttpRequest, HttpResponse

QUERIES_HEADER = "X-Bench-Queries"
PID_HEADER = "X-Bench-Pid"
RSS_HEADER = "X-Bench-Rss-Kb"
PEAK_RSS_HEADER = "X-Bench-Peak-Rss-Kb"

PAGE_SIZE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def current_rss_kb() -> int:
    """This process's resident set size now, in KiB."""
    with open("/proc/self/statm") as statm:
        resident_pages = int(statm.read().split()[1])
    return resident_pages * PAGE_SIZE_KB


def peak_rss_kb() -> int:
    """This process's highest resident set size so far, in KiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


class QueryCounter:
    """A ``connection.execute_wrapper`` that counts the statements it lets through."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Callable, sql: str, params, many: bool, context: dict):
        self.count += 1
        return execute(sql, params, many, context)


class BenchMiddleware:
    """Outermost middleware: count the request's SQL queries and report the worker's memory."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        counter = QueryCounter()
        with connection.execute_wrapper(counter):
            response = self.get_response(request)
        response[QUERIES_HEADER] = str(counter.count)
        response[PID_HEADER] = str(os.getpid())
        response[RSS_HEADER] = str(current_rss_kb())
        response[PEAK_RSS_HEADER] = str(peak_rss_kb())
        return response
