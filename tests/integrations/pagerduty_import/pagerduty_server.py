"""A PagerDuty REST API v2 stand-in on loopback: ``GET /incidents`` and
``GET /incidents/{id}/log_entries`` with classic offset pagination (``limit``, ``offset``,
``more``), answering with the documented example responses (``responses/*.json``, copied
from PagerDuty's API reference) for an account of generated incidents.

The account's incidents are computed from their number, never held: incident ``i`` was
created ``i * step`` after ``start``, on one of ``services`` (by name), with ``entries`` log
entries (trigger, notify, acknowledge, a note, escalations and assignments, resolve), listed
newest first as PagerDuty does. So the benchmark serves 10,000 incidents as cheaply as the
tests serve a hundred.

Like PagerDuty it answers 401 to a request without ``Authorization: Token token=<key>``,
refuses ``limit`` above 100 and ``offset + limit`` past 10,000. The tests can make it answer
429 once (``throttle_once``, with ``Retry-After: 1``) or 500 to the incidents page at an
offset (``fail_at_offsets``), and read the requests it received (``requests``)."""

import copy
import json
import math
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

RESPONSES = Path(__file__).parent / "responses"
ACCEPT = "application/vnd.pagerduty+json;version=2"
MAX_LIMIT = 100
OFFSET_LIMIT = 10_000


def documented(name: str) -> dict:
    return json.loads((RESPONSES / f"{name}.json").read_text())


INCIDENT = documented("incidents")["incidents"][0]
LOG_ENTRY = documented("log_entries")["log_entries"][0]
ERROR = documented("error")
RESPONDER = {
    "id": "PXPGF42",
    "type": "user",
    "summary": "Earline Greenholt",
    "name": "Earline Greenholt",
    "email": "earline@example.com",
    "self": "https://api.pagerduty.com/users/PXPGF42",
    "html_url": "https://subdomain.pagerduty.com/users/PXPGF42",
}


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


@dataclass
class Account:
    """The incidents PagerDuty holds for one API key."""

    key: str = "u+test-api-key"
    count: int = 120
    start: datetime = datetime(2025, 3, 1, tzinfo=UTC)
    step: timedelta = timedelta(hours=6)
    services: tuple[str, ...] = ("checkout", "payments")
    entries: int = 6
    responder: dict = field(default_factory=lambda: dict(RESPONDER))

    def incident_id(self, number: int) -> str:
        return f"P{number:06d}"

    def number_of(self, incident_id: str) -> int | None:
        if not incident_id.startswith("P") or not incident_id[1:].isdigit():
            return None
        number = int(incident_id[1:])
        return number if 0 <= number < self.count else None

    def created_at(self, number: int) -> datetime:
        return self.start + number * self.step

    def numbers_between(self, since: datetime, until: datetime) -> range:
        """The incidents created in [since, until), oldest first."""
        first = max(0, math.ceil((since - self.start) / self.step))
        end = min(self.count, max(0, math.ceil((until - self.start) / self.step)))
        return range(first, max(first, end))

    def incident(self, number: int, includes: set[str]) -> dict:
        incident_id = self.incident_id(number)
        incident = copy.deepcopy(INCIDENT)
        service = self.services[number % len(self.services)]
        incident.update(
            id=incident_id,
            incident_number=number + 1,
            title=f"The server is on fire ({number + 1})",
            summary=f"[#{number + 1}] The server is on fire ({number + 1})",
            created_at=iso(self.created_at(number)),
            self=f"https://api.pagerduty.com/incidents/{incident_id}",
            html_url=f"https://subdomain.pagerduty.com/incidents/{incident_id}",
            urgency="high" if number % 2 == 0 else "low",
            priority=incident["priority"] if number % 4 == 0 else None,
        )
        incident["service"]["summary"] = service
        if "assignees" in includes:
            incident["assignments"][0]["assignee"] = dict(self.responder)
        return incident

    def log_entries(self, number: int) -> list[dict]:
        """The incident's log, newest first."""
        return [self._entry(number, index) for index in reversed(range(self.entries))]

    def _entry(self, number: int, index: int) -> dict:
        incident_id = self.incident_id(number)
        kind, summary, channel = self._kind(index)
        entry = copy.deepcopy(LOG_ENTRY)
        entry_id = f"R{number:06d}E{index:03d}"
        entry.update(
            id=entry_id,
            type=kind,
            summary=summary,
            created_at=iso(self.created_at(number) + timedelta(minutes=index + 1)),
            self=f"https://api.pagerduty.com/log_entries/{entry_id}?incident_id={incident_id}",
            channel=channel,
        )
        entry["incident"].update(id=incident_id, summary=f"The server is on fire ({number + 1})")
        if kind != "trigger_log_entry":
            entry["agent"] = {
                "id": "PXPGF42",
                "type": "user_reference",
                "summary": "Earline Greenholt",
                "self": "https://api.pagerduty.com/users/PXPGF42",
            }
        return entry

    def _kind(self, index: int) -> tuple[str, str, dict]:
        last = self.entries - 1
        if index == 0:
            return "trigger_log_entry", "Triggered through the API", {"type": "api"}
        if index == last:
            return "resolve_log_entry", "Resolved by Earline Greenholt", {"type": "website"}
        if index == 2:
            return "acknowledge_log_entry", "Acknowledged by Earline Greenholt", {"type": "mobile"}
        if index == 3:
            return "annotate_log_entry", "Note added", {"type": "note", "summary": "Rolled back"}
        if index % 2:
            return "notify_log_entry", "Notified Earline Greenholt by SMS", {"type": "sms"}
        return "escalate_log_entry", "Escalated to level 2", {"type": "timeout"}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as PagerDuty's API
    server: "PagerDutyServer"

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        self.server.record(parts.path, query, self.headers)
        if self.headers.get("Authorization") != f"Token token={self.server.account.key}":
            return self._send(401, ERROR)
        if self.headers.get("Accept") != ACCEPT:
            return self._send(406, {"error": {"message": "Not Acceptable", "errors": []}})
        if self.server.throttled(parts.path):
            return self._send(429, {"error": {"message": "Rate Limit Exceeded"}}, retry_after=1)
        limit, offset = int(query.get("limit", ["25"])[0]), int(query.get("offset", ["0"])[0])
        if limit > MAX_LIMIT or offset + limit > self.server.offset_limit:
            return self._send(400, {"error": {"message": "Invalid Input Provided"}})
        segments = parts.path.strip("/").split("/")
        if segments == ["incidents"]:
            return self._incidents(query, limit, offset)
        if len(segments) == 3 and segments[0] == "incidents" and segments[2] == "log_entries":
            return self._log_entries(segments[1], limit, offset)
        return self._send(404, {"error": {"message": "Not Found"}})

    def _incidents(self, query: dict, limit: int, offset: int) -> None:
        if offset in self.server.fail_at_offsets:
            return self._send(500, {"error": {"message": "Internal Server Error"}})
        account = self.server.account
        numbers = account.numbers_between(parse(query["since"][0]), parse(query["until"][0]))
        page = numbers[offset : offset + limit]
        includes = set(query.get("include[]", []))
        incidents = [account.incident(number, includes) for number in page]
        more = offset + limit < len(numbers)
        self._send(200, _listing("incidents", incidents, limit, offset, more))

    def _log_entries(self, incident_id: str, limit: int, offset: int) -> None:
        number = self.server.account.number_of(incident_id)
        if number is None:
            return self._send(404, {"error": {"message": "Not Found"}})
        entries = self.server.account.log_entries(number)
        page = entries[offset : offset + limit]
        more = offset + limit < len(entries)
        self._send(200, _listing("log_entries", page, limit, offset, more))

    def _send(self, status: int, body: dict, retry_after: int | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if retry_after is not None:
            self.send_header("Retry-After", str(retry_after))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args) -> None:
        pass


def _listing(name: str, items: list, limit: int, offset: int, more: bool) -> dict:
    return {name: items, "limit": limit, "offset": offset, "more": more, "total": None}


@dataclass
class Request:
    path: str
    query: dict
    headers: dict
    at: float


class PagerDutyServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, account: Account, *, keep_requests: bool = True) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.account = account
        self.keep_requests = keep_requests
        self.requests: list[Request] = []
        self.throttle_once: set[str] = set()
        self.fail_at_offsets: set[int] = set()
        self.offset_limit = OFFSET_LIMIT
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def record(self, path: str, query: dict, headers) -> None:
        if self.keep_requests:
            with self._lock:
                self.requests.append(Request(path, query, dict(headers), time.monotonic()))

    def throttled(self, path: str) -> bool:
        kind = "incidents" if path.rstrip("/") == "/incidents" else "log_entries"
        with self._lock:
            if kind in self.throttle_once:
                self.throttle_once.discard(kind)
                return True
        return False


def serve(account: Account, *, keep_requests: bool = True) -> PagerDutyServer:
    server = PagerDutyServer(account, keep_requests=keep_requests)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
