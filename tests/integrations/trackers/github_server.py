"""A GitHub stand-in on loopback, REST and GraphQL:

- ``GET /repos/{owner}/{repo}``, ``POST /repos/{owner}/{repo}/issues``,
  ``GET`` and ``PATCH /repos/{owner}/{repo}/issues/{number}``;
- ``GET /search/users?q=<address> in:email`` (https://docs.github.com/rest/search/search#search-users):
  the accounts whose public address it is (``Account.users``);
- ``POST /app/installations/{id}/access_tokens``
  (https://docs.github.com/rest/apps/apps#create-an-installation-access-token-for-an-app):
  checks the app's JWT (RS256, signed by the key of ``Account.app``, ``iss`` the app's id,
  ``exp`` at most 10 minutes ahead) and answers the documented token object; that token is
  then taken like the account's own;
- ``POST /graphql`` (https://docs.github.com/graphql/guides/forming-calls-with-graphql): every
  query is validated against GitHub's published schema (npm ``@octokit/graphql-schema``,
  pinned in ``tests/counterparts/vendor``) and executed by graphql-core over the account's
  repositories and issues (``repository(owner, name) { issue(number) { … } }``); an unknown
  repository or issue is null with GitHub's ``NOT_FOUND`` error at its path
  (https://docs.github.com/graphql/overview/rate-limits-and-query-limits-for-the-graphql-api).

It answers with GitHub's documented objects: the repository, issue and user of GitHub's own
``issues`` webhook examples (as octokit publishes them from GitHub's documentation; the REST
API's issue, repository and user are the same objects), with the number, title, body, labels,
assignees and times of the issue created or asked for. Like GitHub it answers 401 ("Bad
credentials") without ``Authorization: Bearer <token>`` (or ``token <token>``, as GitHub also
takes) and 404 for a repository or issue it does not hold.

Request bodies are checked against GitHub's published OpenAPI description as ``githubkit``
generates it (``ReposOwnerRepoIssuesPostBody``, ``…IssueNumberPatchBody``) and GraphQL
queries against the GraphQL schema: what departs is listed in ``schema_errors``. The tests
can make it throttle the next request once (``throttle_once``: 403 with ``Retry-After`` and
``X-RateLimit-Remaining: 0``, as GitHub's secondary rate limit does), answer the next GraphQL
query with GitHub's primary rate-limit error (``graphql_rate_limited_once``), refuse
``User.email`` to a token without the ``user:email`` scope (``emails_need_scope``), and read
the requests it received (``requests``, unless ``keep_requests`` is off) and their count per
kind (``counts``). With ``enterprise`` it answers at GitHub Enterprise Server's paths instead
(https://docs.github.com/enterprise-server@latest/rest/quickstart: REST under ``/api/v3``,
GraphQL at ``/api/graphql``)."""

import json
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import jwt
from githubkit.versions.latest.models import (
    AppInstallationsInstallationIdAccessTokensPostBody,
    InstallationToken,
    ReposOwnerRepoIssuesIssueNumberPatchBody,
    ReposOwnerRepoIssuesPostBody,
    SearchUsersGetResponse200,
)
from graphql import GraphQLError, GraphQLSchema, build_schema, execute, parse, validate
from pydantic import BaseModel, ValidationError

from tests.counterparts.vendor_payloads import OCTOKIT, github_examples

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
# https://docs.github.com/graphql/overview/rate-limits-and-query-limits-for-the-graphql-api
# #exceeding-the-rate-limit: still a 200, with x-ratelimit-remaining 0
GRAPHQL_RATE_LIMITED = {
    "errors": [{"type": "RATE_LIMITED", "message": "API rate limit exceeded for user ID 1."}]
}
GRAPHQL_RESET_SECONDS = 42
EMAIL_SCOPE_MESSAGE = (
    "Your token has not been granted the required scopes to execute this query. The 'email' "
    "field requires one of the following scopes: ['user:email', 'read:user'], but your token "
    "has only been granted the: ['repo'] scopes. Please modify your token's scopes at: "
    "https://github.com/settings/tokens."
)
# https://docs.github.com/rest/apps/apps#create-an-installation-access-token-for-an-app
INSTALLATION_TOKEN = "ghs_16C7e42F292c6912E7710c838347Ae178B4a"
JWT_LONGEST_SECONDS = 600


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@cache
def graphql_schema() -> GraphQLSchema:
    """GitHub's published GraphQL schema. GitHub's SDL breaks two of graphql-core's own
    rules (fields defined twice in an extension, deprecations its interfaces lack): it is
    taken as GitHub publishes it, and queries are validated against it."""
    sdl = (OCTOKIT / "graphql-schema" / "schema.graphql").read_text()
    return build_schema(sdl, assume_valid_sdl=True, assume_valid=True)


@dataclass
class App:
    """A GitHub App installed on the account: its id, public key and installation."""

    app_id: str
    public_key: str  # PEM
    installation_id: int


@dataclass
class Account:
    """What GitHub holds for one token: repositories and their issues, and the accounts of
    public addresses."""

    token: str = "github_pat_11ABCDEFG0123456789_test"
    repositories: set[str] = field(default_factory=lambda: {"acme/api", "acme/payments"})
    issues: dict[tuple[str, int], dict] = field(default_factory=dict)
    users: dict[str, str] = field(default_factory=dict)  # login → public address
    app: App | None = None
    issued: set[str] = field(default_factory=set)  # installation tokens handed out
    throttle_once: bool = False
    graphql_rate_limited_once: bool = False
    emails_need_scope: bool = False
    enterprise: bool = False  # GitHub Enterprise Server's paths
    keep_requests: bool = True
    requests: list[dict] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)
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

    def user(self, login: str) -> dict:
        user = json.loads(json.dumps(EXAMPLE["sender"]))
        user.update(
            login=login,
            url=f"https://api.github.com/users/{login}",
            html_url=f"https://github.com/{login}",
        )
        return user

    def new_issue(self, full_name: str, number: int, fields: dict) -> dict:
        issue = json.loads(json.dumps(EXAMPLE["issue"]))
        now = iso(datetime.now(UTC))
        assignees = [self.user(login) for login in fields.get("assignees") or []]
        issue.update(
            number=number,
            title=fields["title"],
            body=fields.get("body"),
            labels=[{"name": name} for name in fields.get("labels") or []],
            html_url=f"https://github.com/{full_name}/issues/{number}",
            url=f"https://api.github.com/repos/{full_name}/issues/{number}",
            state="open",
            state_reason=None,
            assignees=assignees,
            assignee=assignees[0] if assignees else None,
            created_at=now,
            updated_at=now,
        )
        return issue

    def add_issue(self, full_name: str, number: int, **fields) -> dict:
        issue = self.new_issue(full_name, number, {"title": "An existing issue"})
        issue.update(fields)
        self.issues[(full_name, number)] = issue
        return issue

    def accepts(self, authorization: str) -> bool:
        scheme, _, token = authorization.partition(" ")
        return scheme in ("Bearer", "token") and (token == self.token or token in self.issued)


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
        if not account.accepts(self.headers.get("Authorization", "")):
            self._answer(401, BAD_CREDENTIALS)
            return True
        with account.lock:
            throttled, account.throttle_once = account.throttle_once, False
        if throttled:
            self._answer(403, RATE_LIMITED, {"Retry-After": "1", "X-RateLimit-Remaining": "0"})
            return True
        return False

    def _path(self) -> list[str]:
        """The path's parts as on github.com: GitHub Enterprise serves REST under
        ``/api/v3`` and GraphQL at ``/api/graphql``."""
        path = urlsplit(self.path).path
        if self.account.enterprise:
            if path == "/api/graphql":
                return ["graphql"]
            if not path.startswith("/api/v3/"):
                return ["not-enterprise"]
            path = path.removeprefix("/api/v3")
        elif path.startswith("/api/"):
            return ["not-github.com"]
        return path.strip("/").split("/")

    def _route(self) -> tuple[str, int | None, bool] | None:
        parts = self._path()
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

    def _record(self, body: bytes, kind: str) -> None:
        account = self.account
        with account.lock:
            account.counts[kind] += 1
            if account.keep_requests:
                account.requests.append(
                    {
                        "method": self.command,
                        "path": self.path,
                        "headers": dict(self.headers),
                        "body": json.loads(body) if body else None,
                    }
                )

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def do_GET(self) -> None:
        self._record(b"", "rest")
        if self._refused():
            return
        if self._path() == ["search", "users"]:
            return self._search_users()
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
        body = self._body()
        parts = self._path()
        if parts[:2] == ["app", "installations"] and parts[3:] == ["access_tokens"]:
            self._record(body, "access_tokens")
            return self._access_token(parts[2], body)
        self._record(body, "graphql" if parts == ["graphql"] else "rest")
        if self._refused():
            return
        if parts == ["graphql"]:
            return self._graphql(body)
        route = self._route()
        if route is None or route[1] is not None or not route[2]:
            return self._answer(404, NOT_FOUND)
        fields = json.loads(body)
        self._check(ReposOwnerRepoIssuesPostBody, fields)
        full_name = route[0]
        with self.account.lock:
            number = 1 + max((n for name, n in self.account.issues if name == full_name), default=0)
            issue = self.account.new_issue(full_name, number, fields)
            self.account.issues[(full_name, number)] = issue
        return self._answer(201, issue)

    def do_PATCH(self) -> None:
        body = self._body()
        self._record(body, "rest")
        if self._refused():
            return
        route = self._route()
        issue = None if route is None else self.account.issues.get((route[0], route[1]))
        if issue is None:
            return self._answer(404, NOT_FOUND)
        fields = json.loads(body)
        self._check(ReposOwnerRepoIssuesIssueNumberPatchBody, fields)
        with self.account.lock:
            issue.update({name: value for name, value in fields.items() if name != "assignees"})
            if "assignees" in fields:
                issue["assignees"] = [self.account.user(login) for login in fields["assignees"]]
                issue["assignee"] = (issue["assignees"] or [None])[0]
            issue["updated_at"] = iso(datetime.now(UTC))
        return self._answer(200, issue)

    def _check(self, model: type[BaseModel], fields: dict) -> None:
        known = set(model.model_fields)
        for name in set(fields) - known:
            self.account.schema_errors.append(f"{name}: not a field of the request body")
        try:
            model.model_validate(fields)
        except ValidationError as error:
            self.account.schema_errors.append(str(error))

    def _search_users(self) -> None:
        """``q=<address> in:email``: the accounts whose public address it is, as GitHub's
        documented search result (the user object, with its ``score``)."""
        query = parse_qs(urlsplit(self.path).query).get("q", [""])[0]
        address, qualifier = query.rpartition(" ")[::2]
        if qualifier != "in:email":
            self.account.schema_errors.append(f"search/users: q={query!r} lacks in:email")
        logins = sorted(
            login for login, email in self.account.users.items() if email.lower() == address.lower()
        )
        answer = {
            "total_count": len(logins),
            "incomplete_results": False,
            "items": [self.account.user(login) | {"score": 1.0} for login in logins],
        }
        SearchUsersGetResponse200.model_validate(answer)
        return self._answer(200, answer)

    def _access_token(self, installation: str, body: bytes) -> None:
        """The app's JWT is checked as GitHub does; the installation must be the app's."""
        app = self.account.app
        scheme, _, token = self.headers.get("Authorization", "").partition(" ")
        if app is None or scheme != "Bearer":
            return self._answer(401, BAD_CREDENTIALS)
        try:
            claims = jwt.decode(
                token,
                app.public_key,
                algorithms=["RS256"],
                options={"require": ["iat", "exp", "iss"]},
            )
        except jwt.PyJWTError:
            return self._answer(
                401, {**BAD_CREDENTIALS, "message": "A JSON web token could not be decoded"}
            )
        if str(claims["iss"]) != app.app_id or claims["exp"] > time.time() + JWT_LONGEST_SECONDS:
            return self._answer(401, BAD_CREDENTIALS)
        if body:
            self._check(AppInstallationsInstallationIdAccessTokensPostBody, json.loads(body))
        if not installation.isdigit() or int(installation) != app.installation_id:
            return self._answer(404, NOT_FOUND)
        answer = {
            "token": INSTALLATION_TOKEN,
            "expires_at": iso(datetime.now(UTC) + timedelta(hours=1)),
            "permissions": {"issues": "write", "metadata": "read"},
            "repository_selection": "selected",
            "repositories": [
                self.account.repository(name) for name in sorted(self.account.repositories)
            ],
        }
        InstallationToken.model_validate(answer)
        with self.account.lock:
            self.account.issued.add(INSTALLATION_TOKEN)
        return self._answer(201, answer)

    def _graphql(self, body: bytes) -> None:
        account = self.account
        with account.lock:
            limited, account.graphql_rate_limited_once = account.graphql_rate_limited_once, False
        if limited:
            reset = int(time.time()) + GRAPHQL_RESET_SECONDS
            headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset)}
            return self._answer(200, GRAPHQL_RATE_LIMITED, headers)
        query = str(json.loads(body).get("query") or "")
        try:
            document = parse(query)
        except GraphQLError as error:
            account.schema_errors.append(f"graphql: {error.message}")
            return self._answer(200, {"errors": [{"message": error.message}]})
        if problems := validate(graphql_schema(), document):
            account.schema_errors.extend(f"graphql: {problem.message}" for problem in problems)
            return self._answer(200, {"errors": [problem.formatted for problem in problems]})
        if account.emails_need_scope and "email" in query:
            return self._answer(
                200, {"errors": [{"type": "INSUFFICIENT_SCOPES", "message": EMAIL_SCOPE_MESSAGE}]}
            )
        result = execute(graphql_schema(), document, root_value=GraphQLRoot(account))
        answer: dict = {"data": result.data}
        if result.errors:
            answer["errors"] = [github_error(error) for error in result.errors]
        return self._answer(200, answer)


def github_error(error: GraphQLError) -> dict:
    """graphql-core's error as GitHub writes it: its ``type`` beside the message."""
    formatted = error.formatted
    kind = (formatted.pop("extensions", None) or {}).get("type", "INTERNAL")
    return {"type": kind, **formatted}


class GraphQLRoot(dict):
    """``Query``'s fields the stand-in resolves: ``repository(owner, name)``."""

    def __init__(self, account: Account) -> None:
        super().__init__(repository=self.repository)
        self.account = account

    def repository(self, info, owner: str, name: str, **_) -> dict:
        full_name = f"{owner}/{name}"
        if full_name not in self.account.repositories:
            raise not_found(f"Could not resolve to a Repository with the name '{full_name}'.")
        account = self.account

        def issue(info, number: int) -> dict:
            found = account.issues.get((full_name, number))
            if found is None:
                raise not_found(f"Could not resolve to an Issue with the number of {number}.")
            return graphql_issue(found, account)

        return {"nameWithOwner": full_name, "issue": issue}


def not_found(message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"type": "NOT_FOUND"})


def graphql_issue(issue: dict, account: Account) -> dict:
    """The REST issue as GraphQL's ``Issue``: states and reasons in capitals, users with
    their public address ("" when none)."""
    people = [
        {"login": person["login"], "email": account.users.get(person["login"], "")}
        for person in issue.get("assignees") or []
    ]
    reason = issue.get("state_reason")
    return {
        "number": issue["number"],
        "url": issue["html_url"],
        "title": issue["title"],
        "state": str(issue["state"]).upper(),
        "stateReason": str(reason).upper() if reason else None,
        "updatedAt": issue["updated_at"],
        "assignees": lambda info, **_: {"nodes": people, "totalCount": len(people)},
    }


class Server(ThreadingHTTPServer):
    daemon_threads = True

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"


def serve(account: Account, port: int = 0) -> Server:
    handler = type("BoundHandler", (Handler,), {"account": account})
    server = Server(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
