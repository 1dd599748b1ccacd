"""Every call Hindsight makes to GitHub's REST and GraphQL APIs, through ``githubkit``.

- Addresses: https only and no private or local network, except the hosts an operator lists in
  ``INTEGRATIONS_INSECURE_HOSTS`` (``organizations.addresses``); checked before each request.
- A fine-grained personal access token (``Authorization: token …``, githubkit's way), or a
  GitHub App installation: githubkit signs a JWT with the app's private key, trades it for an
  installation token (``POST /app/installations/{id}/access_tokens``) and sends that one; the
  token is kept by the client object only (one per task), never across organizations.
- A timeout on every request; githubkit's own retries are off: the Celery task retries with
  backoff, after ``Retry-After`` when GitHub throttles (403 or 429 with a rate-limit answer,
  or a GraphQL answer with a ``RATE_LIMITED`` error).
- The reconciliation's bulk read is one GraphQL query per 100 issues (``read_many``), each
  issue an alias under its repository's alias; GitHub Enterprise's GraphQL address
  (``…/api/graphql`` next to REST's ``…/api/v3``) is githubkit's to find.
- GitHub has no lookup of an account by a private address: the owner's address is searched
  (``GET /search/users?q=<address> in:email``, public addresses only) and the issue assigned
  when exactly one account has it; otherwise it stays unassigned (the body names the owner).
- Request bodies are checked by githubkit against GitHub's published OpenAPI description
  before they are sent. The token is never part of a message.
- GitHub has no due date or priority field: both are written in the body, the priority as a
  label too.
"""

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import httpx
import jwt
from githubkit import AppInstallationAuthStrategy, GitHub
from githubkit.cache import MemCacheStrategy
from githubkit.exception import (
    GraphQLFailed,
    RateLimitExceeded,
    RequestError,
    RequestFailed,
    RequestTimeout,
)
from githubkit.graphql import GraphQLError

from .github_issues import (
    chunks,
    issue_body_fields,
    issues_by_repository,
    issues_query,
    split_key,
    split_target,
    ticket_from_graphql,
    ticket_from_issue,
)
from .outbound import address_problem
from .remote import DONE, OPEN, WONT_DO, RemoteTicket, TicketDraft, TrackerError

TIMEOUT_SECONDS = 20.0
MAX_RETRY_AFTER_SECONDS = 300
DEFAULT_RETRY_SECONDS = 60
GRAPHQL_BATCH = 100  # issues per GraphQL query: one request per reconciliation batch
# an address the user search can take as one term (no spaces, quotes or search qualifiers)
SEARCHABLE_EMAIL = re.compile(r"^[^\s\"':]{1,64}@[^\s\"':@]{1,255}$")


@dataclass(frozen=True)
class GitHubApp:
    """A GitHub App's installation as a connection's credential: the app's id, its private key
    (PEM) and the installation's id on the account that owns the repositories."""

    app_id: str
    private_key: str = field(repr=False)
    installation_id: str


# what an item's state asks of its issue
STATES = {
    OPEN: {"state": "open"},
    DONE: {"state": "closed", "state_reason": "completed"},
    WONT_DO: {"state": "closed", "state_reason": "not_planned"},
}


class GitHubTracker:
    """One connection's API, by its token or its GitHub App installation (``TrackerClient``).
    An installation's token is asked once per object and kept for its life (a task's)."""

    def __init__(
        self,
        base_url: str,
        credential: "str | GitHubApp",
        *,
        status_map: dict[str, str] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.credential = credential
        self.status_map = status_map or {}
        self._tokens = MemCacheStrategy()  # the app's JWT and installation token, this object's
        self._logins: dict[str, str] = {}  # address → login ("" when no single account has it)
        self._emails_readable = True  # False once GitHub said the credential may not read them

    def _client(self) -> GitHub:
        if problem := address_problem(self.base_url):
            raise TrackerError(problem)
        return GitHub(
            self._auth(),
            base_url=self.base_url + "/",
            timeout=TIMEOUT_SECONDS,
            follow_redirects=False,
            auto_retry=False,
            http_cache=False,
            cache_strategy=self._tokens,
            trust_env=False,
        )

    def _auth(self) -> "str | AppInstallationAuthStrategy":
        if not isinstance(self.credential, GitHubApp):
            return self.credential
        app = self.credential
        if not app.app_id.strip().isdigit():
            raise TrackerError("Enter the GitHub App's id (a number).", field="username")
        if not app.installation_id.strip().isdigit():
            raise TrackerError(
                "Enter the GitHub App installation's id (a number).", field="installation_id"
            )
        return AppInstallationAuthStrategy(
            app_id=app.app_id.strip(),
            private_key=app.private_key,
            installation_id=int(app.installation_id),
        )

    def check(self, target: str) -> str:
        owner, repo = split_target(target)
        with self._client() as github:
            repository = self._json(lambda: github.rest.repos.get(owner, repo))
        name = str(repository.get("full_name") or target)
        if repository.get("has_issues") is False:
            raise TrackerError(f"Found {name}, but its issues are turned off.", field="target")
        if repository.get("archived"):
            raise TrackerError(
                f"Found {name}, but it is archived: no issues can be opened.", field="target"
            )
        open_issues = repository.get("open_issues_count")
        counted = ""
        if isinstance(open_issues, int):
            counted = f" ({open_issues} open issue{'' if open_issues == 1 else 's'})"
        return (
            f"Connected: found {name}{counted}; "
            "statuses open, closed (completed), closed (not planned)."
        )

    def create(self, target: str, draft: TicketDraft) -> RemoteTicket:
        owner, repo = split_target(target)
        data = issue_body_fields(draft)
        with self._client() as github:
            if login := self._login_for(github, draft.assignee_email):
                data["assignees"] = [login]
            answer = self._json(lambda: github.rest.issues.create(owner, repo, data=data))
        return ticket_from_issue(answer, target=target, status_map=self.status_map)

    def read(self, key: str) -> RemoteTicket:
        target, number = split_key(key)
        owner, repo = split_target(target)
        with self._client() as github:
            answer = self._json(lambda: github.rest.issues.get(owner, repo, number))
        return ticket_from_issue(answer, target=target, status_map=self.status_map)

    def read_many(self, keys: Sequence[str]) -> dict[str, RemoteTicket]:
        """One GraphQL query per ``GRAPHQL_BATCH`` keys. An issue (or repository) GitHub
        cannot resolve is missing from the answer; any other error refuses the batch."""
        found: dict[str, RemoteTicket] = {}
        for chunk in chunks(keys, GRAPHQL_BATCH):
            found.update(self._read_chunk(issues_by_repository(chunk)))
        return found

    def _read_chunk(self, wanted: dict[str, dict[int, list[str]]]) -> dict[str, RemoteTicket]:
        data, errors = self._graphql(issues_query(wanted, emails=self._emails_readable))
        refused = [error for error in errors if error.type != "NOT_FOUND"]
        if refused and self._emails_readable and any(map(_about_email_scope, refused)):
            self._emails_readable = False  # a classic token without user:email: ask again
            return self._read_chunk(wanted)
        if refused:
            raise TrackerError(f"GitHub refused to read the issues: {refused[0].message[:200]}")
        found = {}
        for index, (target, numbers) in enumerate(wanted.items()):
            repository = data.get(f"r{index}") or {}
            for number, keys in numbers.items():
                node = repository.get(f"i{number}")
                if not isinstance(node, dict):
                    continue
                ticket = ticket_from_graphql(node, target=target, status_map=self.status_map)
                found.update(dict.fromkeys(keys, ticket))
        return found

    def _graphql(self, query: str) -> tuple[dict, list[GraphQLError]]:
        """GitHub's answer to ``query``: its data, and its errors when some part failed."""
        with self._client() as github:
            try:
                data = self._send(lambda: github.graphql.request(query))
            except GraphQLFailed as failed:
                return failed.response.data or {}, list(failed.response.errors or [])
        return data if isinstance(data, dict) else {}, []

    def update(self, key: str, draft: TicketDraft) -> RemoteTicket:
        target, number = split_key(key)
        owner, repo = split_target(target)
        data: dict = {"title": draft.title, **STATES.get(draft.outcome, {})}  # body, labels stay
        with self._client() as github:
            if login := self._login_for(github, draft.assignee_email):
                data["assignees"] = [login]
            answer = self._json(lambda: github.rest.issues.update(owner, repo, number, data=data))
        return ticket_from_issue(answer, target=target, status_map=self.status_map)

    def _login_for(self, github: GitHub, email: str) -> str:
        """The login of the one account whose public address is ``email``; "" when none or
        several have it, or the search is refused (the issue then stays unassigned). A
        throttled search raises: the task asks again later."""
        email = email.strip()
        if not SEARCHABLE_EMAIL.match(email):
            return ""
        if email not in self._logins:
            try:
                answer = self._json(lambda: github.rest.search.users(q=f"{email} in:email"))
            except TrackerError as error:
                if error.retry_after is not None:
                    raise
                answer = {}
            items = [item for item in answer.get("items") or [] if isinstance(item, dict)]
            single = answer.get("total_count") == 1 and len(items) == 1
            self._logins[email] = str(items[0].get("login") or "") if single else ""
        return self._logins[email]

    def _json(self, call: Callable) -> dict:
        response = self._send(call)
        try:
            body = response.raw_response.json()
        except ValueError:
            raise TrackerError("GitHub answered something that is not JSON.") from None
        if not isinstance(body, dict):
            raise TrackerError("GitHub answered something that is not a JSON object.")
        return body

    def _send(self, call: Callable):
        try:
            return call()
        except RateLimitExceeded as limited:
            raise rate_limited(limited) from None
        except RequestFailed as failure:
            raise refusal(failure.response.raw_response) from None
        except RequestTimeout:
            raise TrackerError(
                "GitHub did not answer in time.", retry_after=DEFAULT_RETRY_SECONDS
            ) from None
        except RequestError as error:
            raise self._unsent(error.exc) from None

    def _unsent(self, cause: Exception) -> TrackerError:
        """Why a request was not sent: the app's installation token refused, its private key
        unusable, or GitHub unreachable."""
        if isinstance(cause, RateLimitExceeded):
            return rate_limited(cause)
        app = self.credential if isinstance(self.credential, GitHubApp) else None
        if app is not None and isinstance(cause, RequestFailed):
            return installation_refusal(cause.response.raw_response, app)
        if app is not None and isinstance(cause, jwt.PyJWTError | ValueError | TypeError):
            return TrackerError(
                "The GitHub App's private key cannot sign: paste the whole key (the .pem file "
                "GitHub generated) in the settings.",
                field="token",
            )
        return TrackerError(
            f"Could not connect to {self.base_url}.", retry_after=DEFAULT_RETRY_SECONDS
        )


def _about_email_scope(error: GraphQLError) -> bool:
    return error.type == "INSUFFICIENT_SCOPES" and "email" in error.message


def rate_limited(limited: RateLimitExceeded) -> TrackerError:
    status = limited.response.raw_response.status_code
    seconds = _bounded(limited.retry_after.total_seconds())
    said = f" ({status})" if status != 200 else ""
    return TrackerError(f"GitHub's rate limit was reached{said}.", retry_after=seconds)


def installation_refusal(response: httpx.Response, app: GitHubApp) -> TrackerError:
    """GitHub's refusal of the app's installation token (``POST /app/installations/{id}/
    access_tokens``): about the app's settings, never the ticket."""
    status = response.status_code
    if status in (403, 429) and _throttled(response):
        return refusal(response)
    if status == 401:
        return TrackerError(
            f"GitHub refused the GitHub App {app.app_id}'s signature (401): check the app's id "
            "and private key in the settings.",
            field="token",
        )
    if status == 404:
        return TrackerError(
            f"GitHub App {app.app_id} has no installation {app.installation_id} (404): check "
            "the installation's id in the settings.",
            field="installation_id",
        )
    if status == 403:
        return TrackerError(
            f"GitHub refused a token for installation {app.installation_id} (403): it may be "
            "suspended, or the app may lack Issues read and write.",
            field="installation_id",
        )
    if status >= 500:
        return refusal(response)
    return TrackerError(
        f"GitHub refused a token for installation {app.installation_id} ({status}): "
        f"{_message(response)}",
        field="installation_id",
    )


def refusal(response: httpx.Response) -> TrackerError:
    status = response.status_code
    if status == 401:
        return TrackerError("GitHub refused the token (401): check it in the settings.")
    if status in (403, 429) and _throttled(response):
        return TrackerError(
            f"GitHub's rate limit was reached ({status}).", retry_after=_retry_after(response)
        )
    if status == 403:
        return TrackerError(
            "GitHub refused access with this token (403): give it Issues read and write "
            "on the repository."
        )
    if status in (404, 410):
        return TrackerError(
            "GitHub has no such repository or issue (or the token may not see it).", gone=True
        )
    if status >= 500:
        return TrackerError(
            f"GitHub answered {status}; trying again later.", retry_after=DEFAULT_RETRY_SECONDS
        )
    return TrackerError(f"GitHub answered {status}: {_message(response)}")


def _throttled(response: httpx.Response) -> bool:
    return (
        response.status_code == 429
        or "Retry-After" in response.headers
        or response.headers.get("X-RateLimit-Remaining") == "0"
    )


def _retry_after(response: httpx.Response) -> float:
    try:
        seconds = float(response.headers.get("Retry-After", DEFAULT_RETRY_SECONDS))
    except ValueError:
        seconds = DEFAULT_RETRY_SECONDS
    return _bounded(seconds)


def _bounded(seconds: float) -> float:
    return min(max(seconds, 1.0), MAX_RETRY_AFTER_SECONDS)


def _message(response: httpx.Response) -> str:
    try:
        words = str(response.json().get("message", ""))
    except (ValueError, AttributeError):
        words = ""
    return words.strip()[:200] or "the request was refused."
