"""The app served by gunicorn, exactly as in production but with the bench settings."""

import ctypes
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.client import HTTPConnection, HTTPException
from pathlib import Path

from . import BenchError
from .database import REPO_ROOT

HOST = "127.0.0.1"
HEALTH_PATH = "/healthz"
STARTUP_TIMEOUT = 60.0
SHUTDOWN_TIMEOUT = 15.0
LOG_TAIL_CHARS = 3_000
PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def bench_environment(database_url: str, redis_url: str) -> dict[str, str]:
    """Environment variables for the bench: production mode, plain HTTP on loopback."""
    environment = {
        "DJANGO_SETTINGS_MODULE": "hindsight_bench.settings",
        "HINDSIGHT_BENCH": "1",
        "DATABASE_URL": database_url,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": f"{HOST},localhost",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "LOG_LEVEL": "WARNING",
        "EMAIL_URL": "dummymail://",  # generated drafts notify their authors; send nothing
    }
    if redis_url:
        environment["REDIS_URL"] = redis_url
    return environment


def apply_environment(environment: dict[str, str]) -> None:
    """Make ``environment`` this process's (and its children's) environment for the bench."""
    for name in ("STATIC_MANIFEST", "REDIS_URL"):
        os.environ.pop(name, None)
    os.environ.update(environment)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn(
    workers: int, log_path: Path, environment: dict[str, str] | None = None
) -> Iterator[int]:
    """Serve the app with ``workers`` sync workers (with ``environment`` added to this
    process's); yield the port once it answers health checks.

    gunicorn runs in its own session (so Ctrl-C reaches only this script) and is stopped on the
    way out, however the block ends; should this script die without stopping it, the kernel
    sends it SIGTERM.
    """
    port = free_port()
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 (our own interpreter, port and worker count)
            gunicorn_command(port, workers),
            cwd=REPO_ROOT,
            env={**os.environ, **(environment or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=terminate_with_parent,  # no threads yet, so this is safe
        )
    try:
        wait_until_healthy(process, port, log_path)
        yield port
    finally:
        stop(process)


def terminate_with_parent() -> None:
    """In the child, before exec: ask for SIGTERM when the parent (this script) dies."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def gunicorn_command(port: int, workers: int) -> list[str]:
    return [
        *(sys.executable, "-m", "gunicorn", "config.wsgi:application"),
        *("--bind", f"{HOST}:{port}"),
        *("--workers", str(workers), "--worker-class", "sync"),
        *("--chdir", str(REPO_ROOT), "--graceful-timeout", "5", "--error-logfile", "-"),
    ]


def wait_until_healthy(process: subprocess.Popen, port: int, log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"gunicorn exited with {process.returncode}:\n{log_tail(log_path)}")
        if health_status(port) == 200:
            return
        time.sleep(0.2)
    raise BenchError(f"gunicorn did not answer {HEALTH_PATH} in time:\n{log_tail(log_path)}")


def health_status(port: int) -> int | None:
    connection = HTTPConnection(HOST, port, timeout=5)
    try:
        connection.request("GET", HEALTH_PATH)
        response = connection.getresponse()
        response.read()
        return response.status
    except (OSError, HTTPException):
        return None
    finally:
        connection.close()


def stop(process: subprocess.Popen) -> None:
    """Stop gunicorn gracefully; kill its whole process group if it does not go in time."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=SHUTDOWN_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def log_tail(log_path: Path) -> str:
    return log_path.read_text(errors="replace")[-LOG_TAIL_CHARS:]
