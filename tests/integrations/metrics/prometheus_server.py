"""A real Prometheus on loopback, scraping a tiny exporter the tests serve.

The exporter (``http.server`` in a thread) exposes, for the ``payments`` service, request
counters by status code that grow on every scrape (3 errors and 97 successes each time) and a
latency gauge that moves; Prometheus (Debian's ``prometheus``) scrapes it every second with a
temporary configuration and storage directory, and the fixture waits until a few samples are
in before a test runs."""

import shutil
import socket
import subprocess
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

SCRAPES_BEFORE_READY = 10
ERROR_RATE_QUERY = (
    'sum(rate(http_requests_total{service="payments",code="500"}[5s]))'
    ' / sum(rate(http_requests_total{service="payments"}[5s])) * 100'
)
LATENCY_QUERY = 'payments_latency_seconds{service="payments"} * 1000'


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Exporter(BaseHTTPRequestHandler):
    scrapes = 0
    lock = threading.Lock()

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        with Exporter.lock:
            Exporter.scrapes += 1
            n = Exporter.scrapes
        body = (
            "# TYPE http_requests_total counter\n"
            f'http_requests_total{{service="payments",code="500"}} {3 * n}\n'
            f'http_requests_total{{service="payments",code="200"}} {97 * n}\n'
            "# TYPE payments_latency_seconds gauge\n"
            f'payments_latency_seconds{{service="payments"}} {0.1 + (n % 5) * 0.05}\n'
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@dataclass
class Prometheus:
    url: str


@pytest.fixture(scope="session")
def prometheus(tmp_path_factory) -> Prometheus:
    binary = shutil.which("prometheus")
    if binary is None:
        pytest.fail("Debian's prometheus is not installed (.ci/run installs it).")
    exporter = ThreadingHTTPServer(("127.0.0.1", 0), Exporter)
    threading.Thread(target=exporter.serve_forever, daemon=True).start()
    home: Path = tmp_path_factory.mktemp("prometheus")
    config = home / "prometheus.yml"
    config.write_text(
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
        "scrape_configs:\n  - job_name: exporter\n    static_configs:\n"
        f"      - targets: ['127.0.0.1:{exporter.server_address[1]}']\n"
    )
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = (home / "prometheus.log").open("w")
    process = subprocess.Popen(  # noqa: S603 (a fixed binary and arguments)
        [
            binary,
            f"--config.file={config}",
            f"--storage.tsdb.path={home / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_for_samples(url, process, home / "prometheus.log")
        yield Prometheus(url=url)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        exporter.shutdown()


def _wait_for_samples(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"prometheus exited:\n{log.read_text()[-2000:]}")
        try:
            answer = requests.get(
                f"{url}/api/v1/query",
                params={"query": "count_over_time(payments_latency_seconds[1m])"},
                timeout=2,
            ).json()
            result = answer["data"]["result"]
            if result and float(result[0]["value"][1]) >= SCRAPES_BEFORE_READY:
                return
        except (requests.RequestException, ValueError, KeyError):
            pass
        time.sleep(0.5)
    pytest.fail(f"prometheus did not scrape the exporter in time:\n{log.read_text()[-2000:]}")
