"""Write measurements: the editor's autosave request, and draft generation task time."""

import hashlib
import json
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http.client import HTTPConnection
from urllib.parse import urlencode

from . import BenchError
from .load import REQUEST_TIMEOUT, cookie_header, send
from .server import HOST

AUTOSAVE_P50_GOAL_MS = 20.0  # one writer
AUTOSAVE_RATE_GOAL = 100.0  # saves per second with eight writers
GENERATION_GOAL_MS = 200.0


@dataclass(frozen=True)
class SaveRun:
    clients: int
    saves: int
    elapsed: float
    latencies: list[float]

    @property
    def per_second(self) -> float:
        return self.saves / self.elapsed if self.elapsed else 0.0

    @property
    def p50_ms(self) -> float:
        return statistics.median(self.latencies) * 1000


def digest(text: str) -> str:
    """The editor's fingerprint of a part's content (postmortems.editor.services)."""
    return hashlib.sha256(text.encode()).hexdigest()[:32]


@dataclass
class Writer:
    """One section's text and the document version the last save returned."""

    key: str
    text: str = ""
    version: int = 1


def run_saves(
    port: int,
    cookies: dict[str, str],
    base_path: str,
    writers: list[Writer],
    saves: int,
    clients: int,
) -> SaveRun:
    """``saves`` autosaves from ``clients`` clients, each typing into its own section."""
    if clients > len(writers):
        raise BenchError(f"{clients} autosave clients need {clients} sections")
    shares = [saves // clients + (i < saves % clients) for i in range(clients)]
    stop = threading.Event()
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        futures = [
            pool.submit(save_loop, port, cookies, base_path, writer, share, stop)
            for writer, share in zip(writers, shares, strict=False)
        ]
        latencies = [latency for future in futures for latency in future.result()]
    return SaveRun(clients, len(latencies), time.perf_counter() - started, latencies)


def save_loop(
    port: int,
    cookies: dict[str, str],
    base_path: str,
    writer: Writer,
    saves: int,
    stop: threading.Event,
) -> list[float]:
    """One writer: successive versions of its section's text, as the editor sends them."""
    path = f"{base_path}{writer.key}/"
    connection = HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
    headers = {
        "Cookie": cookie_header(cookies),
        "X-CSRFToken": cookies.get("csrftoken", ""),
        "Content-Type": "application/x-www-form-urlencoded",
        "Accept": "application/json",
        "HX-Request": "true",
    }
    latencies: list[float] = []
    try:
        for number in range(saves):
            if stop.is_set():
                break
            new_text = f"{writer.text}Autosave {number}: the writer keeps typing.\n"
            form = {
                "body": new_text,
                "version": writer.version,
                "base_digest": digest(writer.text),
            }
            started = time.perf_counter()
            response, body = send(connection, "POST", path, urlencode(form), headers)
            latencies.append(time.perf_counter() - started)
            if response.status != 200:
                raise BenchError(f"POST {path} answered {response.status}: {body[:200]!r}")
            writer.version, writer.text = json.loads(body)["version"], new_text
    except BaseException:
        stop.set()
        raise
    finally:
        connection.close()
    return latencies


def goals(saves: list[SaveRun], generation: list[float]) -> list[tuple[str, str, bool]]:
    """(what, measured, passed) for the write goals, which are absolute, not ratios."""
    single, many = saves
    generation_ms = statistics.median(generation) * 1000
    return [
        (
            f"autosave, 1 writer: p50 ≤ {AUTOSAVE_P50_GOAL_MS:.0f} ms",
            f"{single.p50_ms:.1f} ms ({single.per_second:.0f} saves/s)",
            single.p50_ms <= AUTOSAVE_P50_GOAL_MS,
        ),
        (
            f"autosave, {many.clients} writers: ≥ {AUTOSAVE_RATE_GOAL:.0f} saves/s",
            f"{many.per_second:.0f} saves/s (p50 {many.p50_ms:.1f} ms)",
            many.per_second >= AUTOSAVE_RATE_GOAL,
        ),
        (
            f"draft generation (SEV1, Comprehensive): < {GENERATION_GOAL_MS:.0f} ms",
            f"{generation_ms:.1f} ms median of {len(generation)}",
            generation_ms < GENERATION_GOAL_MS,
        ),
    ]
