"""Every call Hindsight makes to GitHub's REST API, through ``githubkit``.

- Addresses: https only and no private or local network, except the hosts an operator lists in
  ``INTEGRATIONS_INSECURE_HOSTS`` (``organizations.addresses``); checked before each request.
- A fine-grained personal access token (``Authorization: token …``, githubkit's way); a
  timeout on every request; githubkit's own retries are off: the Celery task retries with
  backoff, after ``Retry-After`` when GitHub throttles (403 or 429 with a rate-limit answer).
- Request bodies are checked by githubkit against GitHub's published OpenAPI description
  before they are sent. The token is never part of a message.
- GitHub has no due date or priority field: both are written in the body, the priority as a
  label too.
"""

import re
from collections.abc import Sequence
from datetime import datetime

import httpx
from django.conf import settings
from githubkit import GitHub
from githubkit.exception import RequestError, RequestFailed, RequestTimeout

from organizations import addresses

from .remote import DONE, OPEN, WONT_DO, RemoteTicket, TicketDraft, TrackerError

TIMEOUT_SECONDS = 20.0
MAX_RETRY_AFTER_SECONDS = 300
DEFAULT_RETRY_SECONDS = 60
NOT_PLANNED_REASON = "Closed as not planned on GitHub"
TICKET_REFERENCE = re.compile(
    r"^(?:https://github\.com/)?(?P<target>[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100})"
    r"(?:#|/issues/)(?P<number>[0-9]{1,10})/?$"
)


# what an item's state asks of its issue
STATES = {
    OPEN: {"state": "open"},
    DONE: {"state": "closed", "state_reason": "completed"},
    WONT_DO: {"state": "closed", "state_reason": "not_planned"},
}


def address_problem(url: str) -> str | None:
    allowed = list(getattr(settings, "INTEGRATIONS_INSECURE_HOSTS", ()))
    return addresses.address_problem(
        url, allowed_hosts=allowed, https_reason="the token must travel encrypted."
    ) or addresses.resolution_problem(url, allowed_hosts=allowed)


def split_target(target: str) -> tuple[str, str]:
    owner, _, repo = target.partition("/")
    return owner, repo


def split_key(key: str) -> tuple[str, int]:
    """``owner/repo#12`` → (``owner/repo``, 12)."""
    match = TICKET_REFERENCE.match(key.strip())
    if match is None:
        raise TrackerError(f"{key[:120]} is not a GitHub issue (owner/repo#number).")
    return match["target"], int(match["number"])


def reference(text: str) -> str | None:
    """The key of the issue a person wrote: its address or ``owner/repo#n``."""
    match = TICKET_REFERENCE.match(text.strip())
    return f"{match['target']}#{int(match['number'])}" if match else None


def status_of(state: str, state_reason: str) -> str:
    if state == "closed":
        return f"closed ({state_reason or 'completed'})".replace("_", " ")
    return state


def outcome_of(state: str, state_reason: str, status_map: dict[str, str]) -> tuple[str, str]:
    """GitHub's state → (outcome, reason): closed as not planned → WONT_DO, closed otherwise
    → DONE, open → OPEN, unless the admin's mapping says otherwise for that status."""
    mapped = status_map.get(status_of(state, state_reason).lower())
    if state == "closed" and state_reason == "not_planned":
        outcome = mapped or WONT_DO
    elif state == "closed":
        outcome = mapped or DONE
    else:
        outcome = mapped or OPEN
    return outcome, NOT_PLANNED_REASON if outcome == WONT_DO else ""


def ticket_from_issue(
    data: dict, *, target: str = "", status_map: dict[str, str] | None = None
) -> RemoteTicket:
    """GitHub's issue JSON (REST answer or webhook's ``issue``) as Hindsight keeps it; the key
    is ``target#number``, ``target`` read from the issue's address when not given."""
    try:
        number = int(data["number"])
        url = str(data["html_url"])
        state, reason = str(data.get("state") or ""), str(data.get("state_reason") or "")
        target = target or url.removeprefix("https://github.com/").split("/issues/")[0]
        outcome, why = outcome_of(state, reason, status_map or {})
        assignees = [p for p in data.get("assignees") or [] if isinstance(p, dict)]
        return RemoteTicket(
            key=f"{target}#{number}",
            url=url,
            title=str(data.get("title") or ""),
            status=status_of(state, reason),
            outcome=outcome,
            reason=why,
            remote_id=str(number),
            updated_at=datetime.fromisoformat(str(data["updated_at"]).replace("Z", "+00:00")),
            assignee_name=", ".join(str(p.get("login")) for p in assignees),
        )
    except (KeyError, TypeError, ValueError):
        raise TrackerError("GitHub answered an issue Hindsight cannot read.") from None


def issue_body_fields(draft: TicketDraft) -> dict:
    """A draft as GitHub's issue fields (GitHub has no due date or priority field: both are
    in the body, and the priority is a label too)."""
    labels = list(draft.labels)
    if draft.priority:
        labels.append(f"priority: {draft.priority.lower()}")
    return {"title": draft.title, "body": draft.body, "labels": labels}


class GitHubTracker:
    """One connection's REST API, by its token (``TrackerClient``)."""

    def __init__(
        self, base_url: str, token: str, *, status_map: dict[str, str] | None = None
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.status_map = status_map or {}

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
            answer = self._json(lambda: github.rest.issues.create(owner, repo, data=data))
        return ticket_from_issue(answer, target=target, status_map=self.status_map)

    def read(self, key: str) -> RemoteTicket:
        target, number = split_key(key)
        owner, repo = split_target(target)
        with self._client() as github:
            answer = self._json(lambda: github.rest.issues.get(owner, repo, number))
        return ticket_from_issue(answer, target=target, status_map=self.status_map)

    def read_many(self, keys: Sequence[str]) -> dict[str, RemoteTicket]:
        found = {}
        for key in keys:
            try:
                ticket = self.read(key)
            except TrackerError as error:
                if error.gone:
                    continue
                raise
            found[key] = ticket
        return found

    def update(self, key: str, draft: TicketDraft) -> RemoteTicket:
        target, number = split_key(key)
        owner, repo = split_target(target)
        data = {"title": draft.title, **STATES.get(draft.outcome, {})}  # body and labels stay
        with self._client() as github:
            answer = self._json(lambda: github.rest.issues.update(owner, repo, number, data=data))
        return ticket_from_issue(answer, target=target, status_map=self.status_map)

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
