"""A Linear GraphQL API stand-in on loopback (``POST /graphql``).

Every request is validated against Linear's published schema (``@linear/sdk``, read by
``tests.counterparts.linear_schema``) and executed against it by graphql-core, so a query,
its variables (input types included) and the answer's shape are Linear's own; what does not
validate is answered as Linear does (400, ``GRAPHQL_VALIDATION_FAILED``) and listed in
``schema_errors``. The resolvers hold one workspace: the team ENG ("Engineering") with
Linear's default workflow (Backlog, Todo, In Progress, Done, Canceled), its labels and the
workspace's, users, and issues.

The objects follow Linear's documentation: the team, states and issue queries of "Working
with the GraphQL API" (developers.linear.app/docs/graphql/working-with-the-graphql-api),
the filters of "Filtering" (…/docs/graphql/filtering), issue identifiers (``ENG-12``)
accepted wherever an issue id is, and an issue's page at
``https://linear.app/<workspace>/issue/<identifier>/<slug>``. Refusals are answered as Linear
does and its SDK reads them (``@linear/sdk`` ``src/error.ts``: ``extensions.type``,
``userPresentableMessage``, ``x-ratelimit-requests-reset``): a missing or wrong key is an
``AUTHENTICATION_ERROR``; ``throttle_once`` answers ``RATELIMITED`` with the
``X-RateLimit-Requests-*`` headers of "Rate limiting" (…/docs/graphql/working-with-the-
graphql-api/rate-limiting), the reset in epoch milliseconds; an unknown issue is "Entity not
found"; ``fail_once`` answers a bare 503. The tests read the requests received
(``requests``)."""

import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler

from graphql import GraphQLError, graphql_sync, parse, validate

from tests.counterparts.linear_schema import linear_schema
from tests.integrations.trackers.github_server import Server as LoopbackServer

WORKSPACE = "acme"
STATES = [
    {"id": str(uuid.uuid4()), "name": name, "type": kind, "position": n, "color": color}
    for n, (name, kind, color) in enumerate(
        [
            ("Backlog", "backlog", "#bec2c8"),
            ("Todo", "unstarted", "#e2e2e2"),
            ("In Progress", "started", "#f2c94c"),
            ("Done", "completed", "#5e6ad2"),
            ("Canceled", "canceled", "#95a2b3"),
        ]
    )
]


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def error(message: str, kind: str, code: str, shown: str) -> dict:
    return {
        "message": message,
        "extensions": {
            "type": kind,
            "code": code,
            "userError": True,
            "userPresentableMessage": shown,
        },
    }


AUTHENTICATION = error(
    "Authentication required, not authenticated",
    "authentication error",
    "AUTHENTICATION_ERROR",
    "You need to authenticate to access this operation.",
)
RATELIMITED = error(
    "Rate limit exceeded", "ratelimited", "RATELIMITED", "Too many requests, try again later."
)


@dataclass
class Workspace:
    """What Linear holds for one API key."""

    key: str = "lin_api_0123456789abcdefghijklmnopqrstuvwxyzABCD"
    teams: dict = field(
        default_factory=lambda: {
            "ENG": {"id": str(uuid.uuid4()), "key": "ENG", "name": "Engineering"},
            "OPS": {"id": str(uuid.uuid4()), "key": "OPS", "name": "Operations"},
        }
    )
    labels: list = field(
        default_factory=lambda: [
            {"id": str(uuid.uuid4()), "name": "postmortem", "team": "ENG"},
            {"id": str(uuid.uuid4()), "name": "Bug", "team": None},
            {"id": str(uuid.uuid4()), "name": "reliability", "team": "OPS"},
        ]
    )
    users: list = field(
        default_factory=lambda: [
            {"id": str(uuid.uuid4()), "name": "Ann Author", "email": "ann@example.com"},
            {"id": str(uuid.uuid4()), "name": "Ben Bishop", "email": "ben@example.com"},
        ]
    )
    issues: dict = field(default_factory=dict)  # identifier → the issue's fields
    throttle_once: bool = False
    throttle_status: int = 400
    reset_in: float = 30.0  # seconds from now, in X-RateLimit-Requests-Reset
    fail_once: bool = False
    requests: list = field(default_factory=list)
    schema_errors: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    # What the tests set up

    def add_issue(self, identifier: str, *, state: str = "Todo", **fields) -> dict:
        team, _, number = identifier.rpartition("-")
        now = iso(datetime.now(UTC))
        issue = {
            "id": str(uuid.uuid4()),
            "identifier": identifier,
            "number": int(number),
            "team": team,
            "title": "An existing issue",
            "description": None,
            "priority": 0,
            "dueDate": None,
            "archivedAt": None,
            "trashed": None,
            "assigneeId": None,
            "labelIds": [],
            "state": state,
            "createdAt": now,
            "updatedAt": now,
        }
        issue.update(fields)
        self.issues[identifier] = issue
        return issue

    def user(self, email: str) -> dict:
        return next(user for user in self.users if user["email"] == email)

    # The objects as the API answers them

    def state(self, name: str) -> dict:
        return next(state for state in STATES if state["name"] == name)

    def team_object(self, key: str) -> dict:
        team = self.teams[key]
        labels = [label for label in self.labels if label["team"] == key]
        return {
            **team,
            "states": {"nodes": STATES},
            "labels": {"nodes": [self.label_object(label) for label in labels]},
        }

    def label_object(self, label: dict) -> dict:
        team = self.teams[label["team"]] if label["team"] else None
        return {"id": label["id"], "name": label["name"], "team": team}

    def issue_object(self, issue: dict) -> dict:
        assignee = next((u for u in self.users if u["id"] == issue["assigneeId"]), None)
        slug = "-".join(issue["title"].lower().split())[:60]
        return {
            **{k: v for k, v in issue.items() if k not in ("team", "state", "assigneeId")},
            "url": f"https://linear.app/{WORKSPACE}/issue/{issue['identifier']}/{slug}",
            "state": self.state(issue["state"]),
            "team": self.teams[issue["team"]],
            "assignee": assignee,
            "labels": {
                "nodes": [
                    self.label_object(lb) for lb in self.labels if lb["id"] in issue["labelIds"]
                ]
            },
        }

    def find(self, id: str) -> dict:
        issue = self.issues.get(id) or next(
            (issue for issue in self.issues.values() if issue["id"] == id), None
        )
        if issue is None:
            raise GraphQLError(
                "Entity not found: Issue",
                extensions={
                    "type": "invalid input",
                    "code": "INPUT_ERROR",
                    "userError": True,
                    "userPresentableMessage": "Could not find referenced Issue.",
                },
            )
        return issue

    # The resolvers (graphql-core calls a root value's callables with the field's arguments)

    def root(self) -> dict:
        return {
            "teams": self.resolve_teams,
            "issueLabels": self.resolve_labels,
            "users": self.resolve_users,
            "issue": lambda info, id: self.issue_object(self.find(id)),
            "issues": self.resolve_issues,
            "issueCreate": self.resolve_create,
            "issueUpdate": self.resolve_update,
        }

    def resolve_teams(self, info, filter=None, **_) -> dict:
        comparator = (filter or {}).get("key") or {}
        keys = [
            key
            for key in self.teams
            if comparator.get("eq") in (None, key)
            and (comparator.get("eqIgnoreCase") or key).upper() == key
        ]
        return {"nodes": [self.team_object(key) for key in keys]}

    def resolve_labels(self, info, filter=None, **_) -> dict:
        names = ((filter or {}).get("name") or {}).get("in")
        found = [lb for lb in self.labels if names is None or lb["name"] in names]
        return {"nodes": [self.label_object(label) for label in found]}

    def resolve_users(self, info, filter=None, **_) -> dict:
        email = ((filter or {}).get("email") or {}).get("eq")
        return {"nodes": [u for u in self.users if email in (None, u["email"])]}

    def resolve_issues(self, info, filter=None, first=50, includeArchived=False, **_) -> dict:
        found = [
            issue
            for issue in self.issues.values()
            if matches(issue, filter or {}) and (includeArchived or not issue.get("archivedAt"))
        ]
        return {"nodes": [self.issue_object(issue) for issue in found[:first]]}

    def resolve_create(self, info, input) -> dict:
        team = next(key for key, t in self.teams.items() if t["id"] == input["teamId"])
        with self.lock:
            number = 1 + max(
                (i["number"] for i in self.issues.values() if i["team"] == team), default=0
            )
            issue = self.add_issue(
                f"{team}-{number}",
                state="Backlog",
                title=input["title"],
                description=input.get("description"),
                priority=input.get("priority") or 0,
                dueDate=input.get("dueDate"),
                assigneeId=input.get("assigneeId"),
                labelIds=list(input.get("labelIds") or []),
            )
        return {"success": True, "lastSyncId": 1.0, "issue": self.issue_object(issue)}

    def resolve_update(self, info, id, input) -> dict:
        issue = self.find(id)
        for name in ("title", "priority", "dueDate", "assigneeId"):
            if name in input:
                issue[name] = input[name]
        if "stateId" in input:
            issue["state"] = next(s["name"] for s in STATES if s["id"] == input["stateId"])
        issue["updatedAt"] = iso(datetime.now(UTC))
        return {"success": True, "lastSyncId": 2.0, "issue": self.issue_object(issue)}


def matches(issue: dict, where: dict) -> bool:
    """The part of Linear's IssueFilter the client uses: ``or``, ``and``, ``id``,
    ``number``, ``team.key`` with ``eq``/``in``."""
    if "or" in where and not any(matches(issue, part) for part in where["or"]):
        return False
    if "and" in where and not all(matches(issue, part) for part in where["and"]):
        return False
    checks = {
        "id": issue["id"],
        "number": issue["number"],
    }
    for name, value in checks.items():
        if name in where and not compare(value, where[name]):
            return False
    team_key = ((where.get("team") or {}).get("key")) or None
    return not (team_key and not compare(issue["team"], team_key))


def compare(value, comparator: dict) -> bool:
    if "eq" in comparator and value != comparator["eq"]:
        return False
    return not ("in" in comparator and value not in comparator["in"])


class Handler(BaseHTTPRequestHandler):
    workspace: Workspace

    def log_message(self, *args) -> None:  # quiet
        pass

    def _answer(self, status: int, body: dict | bytes, headers: dict | None = None) -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        workspace = self.workspace
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        payload = json.loads(raw or b"{}")
        query, variables = payload.get("query") or "", payload.get("variables") or {}
        document = parse(query)
        workspace.requests.append(
            {
                "path": self.path,
                "operation": document.definitions[-1].name.value
                if document.definitions[-1].name
                else "",
                "query": query,
                "variables": variables,
                "authorization": self.headers.get("Authorization", ""),
            }
        )
        if self.path != "/graphql":
            return self._answer(404, b"Not found")
        if self.headers.get("Authorization") not in (workspace.key, f"Bearer {workspace.key}"):
            return self._answer(400, {"errors": [AUTHENTICATION]})
        with workspace.lock:
            throttled, workspace.throttle_once = workspace.throttle_once, False
            failing, workspace.fail_once = workspace.fail_once, False
        if failing:
            return self._answer(503, b"<html>Service Unavailable</html>")
        if throttled:
            reset = int((time.time() + workspace.reset_in) * 1000)
            headers = {
                "X-RateLimit-Requests-Limit": "5000",
                "X-RateLimit-Requests-Remaining": "0",
                "X-RateLimit-Requests-Reset": str(reset),
            }
            return self._answer(workspace.throttle_status, {"errors": [RATELIMITED]}, headers)
        problems = validate(linear_schema(), document)
        if problems:
            return self._invalid([problem.message for problem in problems])
        result = graphql_sync(
            linear_schema(), query, root_value=workspace.root(), variable_values=variables
        )
        if result.errors and result.data is None and not any(e.path for e in result.errors):
            return self._invalid([e.message for e in result.errors])  # variables' coercion
        body = {"data": result.data}
        if result.errors:
            body["errors"] = [e.formatted for e in result.errors]
        return self._answer(200, body)

    def _invalid(self, messages: list[str]) -> None:
        self.workspace.schema_errors.extend(messages)
        errors = [
            {"message": message, "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"}}
            for message in messages
        ]
        return self._answer(400, {"errors": errors})


class Server(LoopbackServer):
    @property
    def url(self) -> str:
        return super().url + "/graphql"


def serve(workspace: Workspace) -> Server:
    handler = type("BoundHandler", (Handler,), {"workspace": workspace})
    server = Server(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
