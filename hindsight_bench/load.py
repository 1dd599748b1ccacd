"""Concurrent HTTP clients: log in once, then time many GETs of a page over loopback."""

import re
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http.client import HTTPConnection, HTTPResponse
from http.cookies import SimpleCookie
from typing import TypeVar
from urllib.parse import urlencode

from . import BenchError
from .middleware import PEAK_RSS_HEADER, PID_HEADER, QUERIES_HEADER, RSS_HEADER
from .server import HOST

Item = TypeVar("Item")
Result = TypeVar("Result")

LOGIN_PATH = "/accounts/login/"
REQUEST_TIMEOUT = 60.0
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass(frozen=True)
class Sample:
    """One timed request, with what the bench middleware reported about it."""

    latency: float  # seconds, request sent to body read
    finished_at: float  # time.perf_counter() when the body was read
    queries: int
    pid: int
    rss_kb: int
    peak_rss_kb: int


@dataclass(frozen=True)
class Phase:
    """A batch of requests for one page and the wall-clock time it took."""

    samples: list[Sample]
    elapsed: float


def login(port: int, username: str, password: str) -> dict[str, str]:
    """Log in through the real login form; return the cookies (session and CSRF)."""
    connection = HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
    try:
        response, body = send(connection, "GET", LOGIN_PATH)
        cookies = response_cookies(response)
        token = CSRF_INPUT.search(body.decode())
        if response.status != 200 or token is None:
            raise BenchError(f"GET {LOGIN_PATH} answered {response.status} without a login form")
        form = {"login": username, "password": password, "csrfmiddlewaretoken": token[1]}
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": cookie_header(cookies),
            "Origin": f"http://{HOST}:{port}",
        }
        response, _ = send(connection, "POST", LOGIN_PATH, urlencode(form), headers)
        cookies |= response_cookies(response)
    finally:
        connection.close()
    if response.status != 302 or "sessionid" not in cookies:
        raise BenchError(f"Logging in as {username!r} failed (POST answered {response.status})")
    return cookies


def run_phase(port: int, cookies: dict[str, str], path: str, requests: int, clients: int) -> Phase:
    """GET ``path`` ``requests`` times from ``clients`` concurrent clients."""
    header = cookie_header(cookies)
    shares = [range(share) for share in split(requests, clients)]
    started = time.perf_counter()
    samples = concurrently(port, shares, lambda connection, _: timed_get(connection, header, path))
    return Phase(samples=samples, elapsed=time.perf_counter() - started)


def concurrently(
    port: int, shares: list[Sequence[Item]], one: Callable[[HTTPConnection, Item], Result]
) -> list[Result]:
    """One client per share, all at once, each calling ``one`` for its share's items in turn
    over a connection of its own; the results, share after share.

    If one client fails (or the run is interrupted), the others stop after their current request.
    """
    stop = threading.Event()
    with ThreadPoolExecutor(max_workers=max(len(shares), 1)) as pool:
        futures = [pool.submit(client_loop, port, share, one, stop) for share in shares if share]
        try:
            return [result for future in futures for result in future.result()]
        except BaseException:
            stop.set()
            raise


def split(total: int, parts: int) -> list[int]:
    """``total`` as ``parts`` near-equal shares."""
    return [total // parts + (index < total % parts) for index in range(parts)]


def client_loop(
    port: int,
    items: Sequence[Item],
    one: Callable[[HTTPConnection, Item], Result],
    stop: threading.Event,
) -> list[Result]:
    """One client: ``one`` for each item in turn, over its own keep-alive connection, until
    ``stop`` is set.

    gunicorn's sync workers close the connection after each response; ``HTTPConnection`` then
    reconnects on the next request.
    """
    connection = HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
    results: list[Result] = []
    try:
        for item in items:
            if stop.is_set():
                break
            results.append(one(connection, item))
    except BaseException:
        stop.set()
        raise
    finally:
        connection.close()
    return results


def timed_get(connection: HTTPConnection, cookie: str, path: str) -> Sample:
    started = time.perf_counter()
    response, _ = send(connection, "GET", path, headers={"Cookie": cookie})
    finished = time.perf_counter()
    if response.status != 200:
        location = response.getheader("Location", "")
        raise BenchError(f"GET {path} answered {response.status} {location}".rstrip())
    return Sample(
        latency=finished - started,
        finished_at=finished,
        queries=bench_header(response, QUERIES_HEADER),
        pid=bench_header(response, PID_HEADER),
        rss_kb=bench_header(response, RSS_HEADER),
        peak_rss_kb=bench_header(response, PEAK_RSS_HEADER),
    )


def bench_header(response: HTTPResponse, name: str) -> int:
    value = response.getheader(name)
    if value is None:
        raise BenchError(f"No {name} header: is the server running hindsight_bench.settings?")
    return int(value)


def send(
    connection: HTTPConnection,
    method: str,
    path: str,
    body: str | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[HTTPResponse, bytes]:
    """Send one request and read the whole response, so the connection can be reused."""
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    return response, response.read()


def response_cookies(response: HTTPResponse) -> dict[str, str]:
    cookies = SimpleCookie()
    for header in response.msg.get_all("Set-Cookie") or []:
        cookies.load(header)
    return {name: morsel.value for name, morsel in cookies.items()}


def cookie_header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{name}={value}" for name, value in cookies.items())
