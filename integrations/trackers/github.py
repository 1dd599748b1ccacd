"""Every call Hindsight makes to GitHub's REST API, through ``githubkit``.

- Addresses: https only and no private or local network, except the hosts an operator lists in
  ``INTEGRATIONS_INSECURE_HOSTS`` (``organizations.addresses``); checked before each request.
- A fine-grained personal access token (``Authorization: token …``, githubkit's way); a
  timeout on every request; githubkit's own retries are off: the Celery task retries with
  backoff, after ``Retry-After`` when GitHub throttles (403 or 429 with a rate-limit answer).
- Request bodies are checked by githubkit against GitHub's published OpenAPI description
  before they are sent. The token is never part of a message.
"""

from dataclasses import dataclass
from datetime import datetime

import httpx
from django.conf import settings
from githubkit import GitHub
from githubkit.exception import RequestError, RequestFailed, RequestTimeout

from organizations import addresses

TIMEOUT_SECONDS = 20.0
MAX_RETRY_AFTER_SECONDS = 300
DEFAULT_RETRY_SECONDS = 60


class TrackerError(Exception):
    """GitHub could not be asked, or refused. ``retry_after`` (seconds) when asking later may
    help; ``gone`` when the ticket no longer exists."""

    def __init__(
        self, message: str, *, retry_after: float | None = None, gone: bool = False
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.gone = gone


@dataclass(frozen=True)
class Issue:
    """What Hindsight keeps of a GitHub issue."""

    number: int
    url: str
    title: str
    state: str  # open / closed
    state_reason: str  # completed / not_planned / reopened / ""
    updated_at: datetime
    assignees: tuple[str, ...]

    @property
    def status(self) -> str:
        if self.state == "closed":
            return f"closed ({self.state_reason or 'completed'})".replace("_", " ")
        return self.state


def address_problem(url: str) -> str | None:
    allowed = list(getattr(settings, "INTEGRATIONS_INSECURE_HOSTS", ()))
    return addresses.address_problem(
        url, allowed_hosts=allowed, https_reason="the token must travel encrypted."
    ) or addresses.resolution_problem(url, allowed_hosts=allowed)


def split_target(target: str) -> tuple[str, str]:
    owner, _, repo = target.partition("/")
    return owner, repo


def issue_from(data: dict) -> Issue:
    try:
        return Issue(
            number=int(data["number"]),
            url=str(data["html_url"]),
            title=str(data.get("title") or ""),
            state=str(data.get("state") or ""),
            state_reason=str(data.get("state_reason") or ""),
            updated_at=datetime.fromisoformat(str(data["updated_at"]).replace("Z", "+00:00")),
            assignees=tuple(
                str(person.get("login"))
                for person in data.get("assignees") or []
                if isinstance(person, dict)
            ),
        )
    except (KeyError, TypeError, ValueError):
        raise TrackerError("GitHub answered an issue Hindsight cannot read.") from None


class GitHubTracker:
    """One connection's REST API, by its token."""

    def __init__(self, base_url: str, token: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token

    def _client(self) -> GitHub:
        if problem := address_problem(self.base_url):
            raise TrackerError(problem)
        return GitHub(
            self.token,
            base_url=self.base_url + "/",
            timeout=TIMEOUT_SECONDS,
            follow_redirects=False,
            auto_retry=False,
            http_cache=False,
            trust_env=False,
        )

    def repository(self, target: str) -> dict:
        """The repository's JSON (``GET /repos/{owner}/{repo}``)."""
        owner, repo = split_target(target)
        with self._client() as github:
            return self._json(lambda: github.rest.repos.get(owner, repo))

    def create_issue(self, target: str, *, title: str, body: str, labels: list[str]) -> Issue:
        owner, repo = split_target(target)
        data = {"title": title, "body": body, "labels": labels}
        with self._client() as github:
            return issue_from(self._json(lambda: github.rest.issues.create(owner, repo, data=data)))

    def issue(self, target: str, number: int) -> Issue:
        owner, repo = split_target(target)
        with self._client() as github:
            return issue_from(self._json(lambda: github.rest.issues.get(owner, repo, number)))

    def _json(self, call) -> dict:
        try:
            response = call()
        except RequestFailed as failure:
            raise refusal(failure.response.raw_response) from None
        except RequestTimeout:
            raise TrackerError(
                "GitHub did not answer in time.", retry_after=DEFAULT_RETRY_SECONDS
            ) from None
        except RequestError:
            raise TrackerError(
                f"Could not connect to {self.base_url}.", retry_after=DEFAULT_RETRY_SECONDS
            ) from None
        try:
            body = response.raw_response.json()
        except ValueError:
            raise TrackerError("GitHub answered something that is not JSON.") from None
        if not isinstance(body, dict):
            raise TrackerError("GitHub answered something that is not a JSON object.")
        return body


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
    return min(max(seconds, 1.0), MAX_RETRY_AFTER_SECONDS)


def _message(response: httpx.Response) -> str:
    try:
        words = str(response.json().get("message", ""))
    except (ValueError, AttributeError):
        words = ""
    return words.strip()[:200] or "the request was refused."
