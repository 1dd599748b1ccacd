"""A GitHub REST API stand-in on loopback: ``GET /repos/{owner}/{repo}``,
``POST /repos/{owner}/{repo}/issues``, ``GET`` and ``PATCH /repos/{owner}/{repo}/issues/{number}``.

It answers with GitHub's documented objects: the repository and the issue of GitHub's own
``issues`` webhook examples (as octokit publishes them from GitHub's documentation; the REST
API's issue and repository are the same objects), with the number, title, body, labels and
times of the issue created or asked for. Like GitHub it answers 401 ("Bad credentials")
without ``Authorization: Bearer <token>`` (or ``token <token>``, as GitHub also takes) and
404 for a repository or issue it does not hold.

A created issue's body is checked against GitHub's published OpenAPI description, as
``githubkit`` generates it (``ReposOwnerRepoIssuesPostBody``): unknown fields or wrong types
are listed in ``schema_errors``. The tests can make it throttle the next request once
(``throttle_once``: 403 with ``Retry-After`` and ``X-RateLimit-Remaining: 0``, as GitHub's
secondary rate limit does) and read the requests it received (``requests``)."""

import json
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from githubkit.versions.latest.models import (
    ReposOwnerRepoIssuesIssueNumberPatchBody,
    ReposOwnerRepoIssuesPostBody,
)
from pydantic import ValidationError

from tests.counterparts.vendor_payloads import github_examples

EXAMPLE = github_examples("issues")[0]  # "edited": an open issue of Codertocat/Hello-World
BAD_CREDENTIALS = {
    "message": "Bad credentials",
    "documentation_url": "https://docs.github.com/rest",
    "status": "401",
}
NOT_FOUND = {
    "message": "Not Found",
    "documentation_url": "https://docs.github.com/rest",
    "status": "404",
}
RATE_LIMITED = {
    "message": "You have exceeded a secondary rate limit. Please wait a few minutes before "
    "you try again.",
    "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
}


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Account:
    """What GitHub holds for one token: repositories and their issues."""

    token: str = "github_pat_11ABCDEFG0123456789_test"
    repositories: set[str] = field(default_factory=lambda: {"acme/api", "acme/payments"})
    issues: dict[tuple[str, int], dict] = field(default_factory=dict)
    throttle_once: bool = False
    requests: list[dict] = field(default_factory=list)
    schema_errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def repository(self, full_name: str) -> dict:
        repository = json.loads(json.dumps(EXAMPLE["repository"]))
        owner, name = full_name.split("/")
        repository.update(
            full_name=full_name,
            name=name,
            html_url=f"https://github.com/{full_name}",
            url=f"https://api.github.com/repos/{full_name}",
        )
        repository["owner"]["login"] = owner
        return repository

    def new_issue(self, full_name: str, number: int, fields: dict) -> dict:
        issue = json.loads(json.dumps(EXAMPLE["issue"]))
        now = iso(datetime.now(UTC))
        issue.update(
            number=number,
            title=fields["title"],
            body=fields.get("body"),
            labels=[{"name": name} for name in fields.get("labels") or []],
            html_url=f"https://github.com/{full_name}/issues/{number}",
            url=f"https://api.github.com/repos/{full_name}/issues/{number}",
            state="open",
            state_reason=None,
            assignees=[],
            assignee=None,
            created_at=now,
            updated_at=now,
        )
        return issue

    def add_issue(self, full_name: str, number: int, **fields) -> dict:
        issue = self.new_issue(full_name, number, {"title": "An existing issue"})
        issue.update(fields)
        self.issues[(full_name, number)] = issue
        return issue


class Handler(BaseHTTPRequestHandler):
    account: Account

    def log_message(self, *args) -> None:  # quiet
        pass

    def _answer(self, status: int, body: dict, headers: dict | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _refused(self) -> bool:
        account = self.account
        given = self.headers.get("Authorization", "")
        if given not in (f"Bearer {account.token}", f"token {account.token}"):
            self._answer(401, BAD_CREDENTIALS)
            return True
        with account.lock:
            throttled, account.throttle_once = account.throttle_once, False
        if throttled:
            self._answer(403, RATE_LIMITED, {"Retry-After": "1", "X-RateLimit-Remaining": "0"})
            return True
        return False

    def _route(self) -> tuple[str, int | None, bool] | None:
        parts = self.path.split("?")[0].strip("/").split("/")
        if len(parts) < 3 or parts[0] != "repos":
            return None
        full_name = f"{parts[1]}/{parts[2]}"
        if full_name not in self.account.repositories:
            return None
        rest = parts[3:]
        if not rest:
            return full_name, None, False
        if rest == ["issues"]:
            return full_name, None, True
        if len(rest) == 2 and rest[0] == "issues" and rest[1].isdigit():
            return full_name, int(rest[1]), True
        return None

    def _record(self, body: bytes) -> None:
        self.account.requests.append(
            {
                "method": self.command,
                "path": self.path,
                "headers": dict(self.headers),
                "body": json.loads(body) if body else None,
            }
        )

    def do_GET(self) -> None:
        self._record(b"")
        if self._refused():
            return
        route = self._route()
        if route is None:
            return self._answer(404, NOT_FOUND)
        full_name, number, issues = route
        if not issues:
            return self._answer(200, self.account.repository(full_name))
        issue = self.account.issues.get((full_name, number))
        if number is None or issue is None:
            return self._answer(404, NOT_FOUND)
        return self._answer(200, issue)

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._record(body)
        if self._refused():
            return
        route = self._route()
        if route is None or route[1] is not None or not route[2]:
            return self._answer(404, NOT_FOUND)
        fields = json.loads(body)
        self._check(fields)
        full_name = route[0]
        with self.account.lock:
            number = 1 + max((n for name, n in self.account.issues if name == full_name), default=0)
            issue = self.account.new_issue(full_name, number, fields)
            self.account.issues[(full_name, number)] = issue
        return self._answer(201, issue)

    def do_PATCH(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._record(body)
        if self._refused():
            return
        route = self._route()
        issue = self.account.issues.get(route[:2]) if route and route[1] else None
        if issue is None:
            return self._answer(404, NOT_FOUND)
        fields = json.loads(body)
        self._check_update(fields)
        with self.account.lock:
            issue.update(fields)
            issue["updated_at"] = iso(datetime.now(UTC))
        return self._answer(200, issue)

    def _check_update(self, fields: dict) -> None:
        known = set(ReposOwnerRepoIssuesIssueNumberPatchBody.model_fields)
        for name in set(fields) - known:
            self.account.schema_errors.append(f"{name}: not a field of the request body")
        try:
            ReposOwnerRepoIssuesIssueNumberPatchBody.model_validate(fields)
        except ValidationError as error:
            self.account.schema_errors.append(str(error))

    def _check(self, fields: dict) -> None:
        known = set(ReposOwnerRepoIssuesPostBody.model_fields)
        for name in set(fields) - known:
            self.account.schema_errors.append(f"{name}: not a field of the request body")
        try:
            ReposOwnerRepoIssuesPostBody.model_validate(fields)
        except ValidationError as error:
            self.account.schema_errors.append(str(error))


class Server(ThreadingHTTPServer):
    daemon_threads = True

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"


def serve(account: Account) -> Server:
    handler = type("BoundHandler", (Handler,), {"account": account})
    server = Server(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
