"""Every call Hindsight makes to Linear's GraphQL API, through ``gql`` (over httpx).

- Addresses: https only and no private or local network, except the hosts an operator lists in
  ``INTEGRATIONS_INSECURE_HOSTS``; checked before each request (``github.address_problem``).
- A personal API key goes as it is in ``Authorization`` (Linear's way); an OAuth access token
  (``lin_oauth_…``) as ``Bearer …``. A timeout on every request, no redirects, no retries of
  its own: the Celery task retries with backoff, after the reset Linear gives when it throttles
  (``RATELIMITED``, with ``X-RateLimit-Requests-Reset`` in epoch milliseconds).
- Linear answers refusals as GraphQL errors (often with HTTP 400) whose ``extensions.code``
  says why: ``AUTHENTICATION_ERROR``, ``FORBIDDEN``, ``RATELIMITED``, or a not-found input
  error ("Entity not found"). The key is never part of a message.
- Issues are read and written by identifier (``ENG-12``), which ``issue(id:)`` and
  ``issueUpdate(id:)`` accept; the bulk read asks ``issues`` for a team key and numbers (the
  issue filter has no identifier), at most 100 keys a request, archived issues included (Linear
  archives closed issues by itself after a while). An issue in the trash is gone.
- Labels are found by name among the team's and the workspace's labels; a label Linear does
  not have is left out (not created). The assignee is the Linear user with the owner's email
  address; nobody found leaves the issue unassigned (and an update leaves it as it is).
"""

import re
import time
from collections.abc import Iterable, Sequence
from datetime import date, datetime

import httpx
from gql import Client, GraphQLRequest
from gql.transport.exceptions import (
    TransportConnectionFailed,
    TransportError,
    TransportQueryError,
    TransportServerError,
)
from gql.transport.httpx import HTTPXTransport

from .outbound import address_problem
from .remote import DONE, OPEN, OUTCOMES, WONT_DO, RemoteTicket, TicketDraft, TrackerError

DEFAULT_URL = "https://api.linear.app/graphql"
TIMEOUT_SECONDS = 20.0
DEFAULT_RETRY_SECONDS = 60
MAX_RETRY_AFTER_SECONDS = 3600
BATCH = 100  # keys asked for in one request (and Linear's page size for them)

# actionitems.models.Priority → Linear's priority (0 none, 1 urgent, 2 high, 3 medium, 4 low)
PRIORITIES = {"CRITICAL": 1, "HIGH": 2, "MEDIUM": 3, "LOW": 4}
# WorkflowState.type → outcome, before the connection's status mapping
STATE_TYPES = {"completed": DONE, "canceled": WONT_DO, "duplicate": WONT_DO}
# the state type an item's outcome moves its issue to
OUTCOME_STATE_TYPES = {DONE: "completed", WONT_DO: "canceled", OPEN: "unstarted"}
# The order Linear shows a team's states in (by type, then position)
STATE_ORDER = ("triage", "backlog", "unstarted", "started", "completed", "canceled", "duplicate")

KEY = re.compile(r"\b([A-Z][A-Z0-9_]{0,9})-([1-9][0-9]{0,8})\b")
ISSUE_URL = re.compile(
    r"https://linear\.app/[\w.-]+/issue/([A-Za-z][A-Za-z0-9_]{0,9}-[1-9][0-9]{0,8})\b"
)

TICKET = """
fragment Ticket on Issue {
  id identifier url title updatedAt dueDate trashed
  state { name type }
  assignee { email name }
}
"""
TEAM = """
query Team($key: String!) {
  teams(filter: {key: {eqIgnoreCase: $key}}) {
    nodes { id key name states { nodes { name type position } } }
  }
}
"""
TEAM_STATES = """
query TeamStates($key: String!) {
  teams(filter: {key: {eqIgnoreCase: $key}}) {
    nodes { id key name states { nodes { id name type position } } }
  }
}
"""
PREPARE = """
query Prepare($key: String!, $labels: [String!], $email: String!, $withEmail: Boolean!) {
  teams(filter: {key: {eqIgnoreCase: $key}}) { nodes { id key name } }
  issueLabels(first: 250, filter: {name: {in: $labels}}) {
    nodes { id name team { key } }
  }
  users(filter: {email: {eq: $email}}) @include(if: $withEmail) { nodes { id email } }
}
"""
ASSIGNEE = """
query Assignee($email: String!) {
  users(filter: {email: {eq: $email}}) { nodes { id email } }
}
"""
CREATE = (
    TICKET
    + """
mutation Create($input: IssueCreateInput!) {
  issueCreate(input: $input) { success issue { ...Ticket } }
}
"""
)
READ = (
    TICKET
    + """
query Read($id: String!) { issue(id: $id) { ...Ticket } }
"""
)
READ_MANY = (
    TICKET
    + """
query ReadMany($filter: IssueFilter!, $first: Int!) {
  issues(filter: $filter, first: $first, includeArchived: true) { nodes { ...Ticket } }
}
"""
)
UPDATE = (
    TICKET
    + """
mutation Update($id: String!, $input: IssueUpdateInput!) {
  issueUpdate(id: $id, input: $input) { success issue { ...Ticket } }
}
"""
)


def reference(text: str) -> str | None:
    """The issue identifier ``text`` names: ``ENG-12`` or its page
    (``https://linear.app/<workspace>/issue/ENG-12/<slug>``); None when it names none."""
    text = (text or "").strip()
    if match := ISSUE_URL.match(text):
        return match.group(1).upper()
    if match := KEY.fullmatch(text):
        return match.group(0)
    return None


def outcome_of(state: dict, status_map: dict) -> tuple[str, str]:
    """(outcome, reason) of a workflow state: the connection's mapping by state name (any
    case) first, then Linear's state type."""
    name = str(state.get("name") or "")
    mapped = {str(k).strip().lower(): v for k, v in (status_map or {}).items()}.get(name.lower())
    outcome = mapped if mapped in OUTCOMES else STATE_TYPES.get(str(state.get("type")), OPEN)
    reason = f"{name or 'Canceled'} in Linear" if outcome == WONT_DO else ""
    return outcome, reason


def ticket_from_issue(data: dict, *, status_map: dict) -> RemoteTicket:
    """A Linear issue (the API's ``Issue`` or a webhook's ``data``) as Hindsight keeps it."""
    try:
        state = data.get("state") or {}
        assignee = data.get("assignee") or {}
        if not isinstance(state, dict) or not isinstance(assignee, dict):
            raise TypeError
        outcome, reason = outcome_of(state, status_map)
        due = data.get("dueDate")
        updated_at = datetime.fromisoformat(str(data["updatedAt"]).replace("Z", "+00:00"))
        if updated_at.tzinfo is None:
            raise ValueError
        return RemoteTicket(
            key=str(data["identifier"]),
            url=str(data.get("url") or ""),
            title=str(data.get("title") or ""),
            status=str(state.get("name") or ""),
            outcome=outcome,
            updated_at=updated_at,
            reason=reason,
            remote_id=str(data.get("id") or ""),
            assignee_email=str(assignee.get("email") or ""),
            assignee_name=str(assignee.get("name") or ""),
            due_date=date.fromisoformat(str(due)[:10]) if due else None,
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        raise TrackerError("Linear answered an issue Hindsight cannot read.") from None


def authorization(token: str) -> str:
    """Linear takes a personal API key as it is and an OAuth access token as a bearer."""
    token = token.strip()
    if token.lower().startswith("bearer "):
        return token
    return f"Bearer {token}" if token.startswith("lin_oauth_") else token


class LinearTracker:
    """One connection's GraphQL API, by its API key."""

    def __init__(self, base_url: str, *, token: str, status_map: dict | None = None) -> None:
        self.base_url = (base_url or DEFAULT_URL).strip()
        self.token = token
        self.status_map = status_map or {}

    # The TrackerClient calls

    def check(self, target: str) -> str:
        team = self._team(target, self._ask(TEAM, {"key": target}))
        states = sorted(
            (team.get("states") or {}).get("nodes") or [],
            key=lambda s: (_rank(s.get("type")), s.get("position") or 0),
        )
        names = ", ".join(str(state.get("name")) for state in states) or "none"
        return f"Connected: found {team.get('key')} ({team.get('name')}), states {names}."

    def create(self, target: str, draft: TicketDraft) -> RemoteTicket:
        labels = [label for label in draft.labels if label]
        email = draft.assignee_email.strip()
        found = self._ask(
            PREPARE,
            {"key": target, "labels": labels, "email": email, "withEmail": bool(email)},
        )
        team = self._team(target, found)
        fields = {
            "teamId": team["id"],
            "title": draft.title,
            "description": draft.body,
            **_common(draft),
            "labelIds": _label_ids(found.get("issueLabels"), labels, str(team.get("key"))),
        }
        if assignee := _first_id(found.get("users")):
            fields["assigneeId"] = assignee
        answer = self._ask(CREATE, {"input": fields}).get("issueCreate") or {}
        return self._ticket(answer.get("issue"))

    def read(self, key: str) -> RemoteTicket:
        issue = self._ask(READ, {"id": key}).get("issue")
        if not issue or issue.get("trashed"):
            raise TrackerError(f"Linear has no issue {key} (or it is in the trash).", gone=True)
        return self._ticket(issue)

    def read_many(self, keys: Sequence[str]) -> dict[str, RemoteTicket]:
        wanted = [key for key in dict.fromkeys(keys) if KEY.fullmatch(key)]
        tickets: dict[str, RemoteTicket] = {}
        for start in range(0, len(wanted), BATCH):
            chunk = wanted[start : start + BATCH]
            answer = self._ask(READ_MANY, {"filter": _key_filter(chunk), "first": BATCH})
            for issue in (answer.get("issues") or {}).get("nodes") or []:
                if issue.get("trashed"):
                    continue
                ticket = self._ticket(issue)
                if ticket.key in chunk:
                    tickets[ticket.key] = ticket
        return tickets

    def update(self, key: str, draft: TicketDraft) -> RemoteTicket:
        fields = {"title": draft.title, **_common(draft)}
        if assignee := self._assignee(draft.assignee_email.strip()):
            fields["assigneeId"] = assignee
        if draft.outcome and (state := self._state_for(key, draft.outcome)):
            fields["stateId"] = state
        answer = self._ask(UPDATE, {"id": key, "input": fields}).get("issueUpdate") or {}
        return self._ticket(answer.get("issue"))

    # The conversation

    def _assignee(self, email: str) -> str | None:
        """The id of the Linear user with this address; None for nobody."""
        if not email:
            return None
        return _first_id(self._ask(ASSIGNEE, {"email": email}).get("users"))

    def _state_for(self, key: str, outcome: str) -> str | None:
        """The id of the issue's team's first workflow state of the type the outcome asks
        (done → completed, won't do → canceled, open → unstarted), or None."""
        team_key = key.rpartition("-")[0]
        team = self._team(team_key, self._ask(TEAM_STATES, {"key": team_key}))
        wanted = OUTCOME_STATE_TYPES[outcome]
        states = sorted(
            (
                state
                for state in (team.get("states") or {}).get("nodes") or []
                if state.get("type") == wanted
            ),
            key=lambda state: state.get("position") or 0,
        )
        return str(states[0]["id"]) if states else None

    def _ticket(self, issue) -> RemoteTicket:
        if not isinstance(issue, dict):
            raise TrackerError("Linear answered without the issue.")
        return ticket_from_issue(issue, status_map=self.status_map)

    def _team(self, key: str, answer: dict) -> dict:
        teams = (answer.get("teams") or {}).get("nodes") or []
        if not teams or not isinstance(teams[0], dict):
            raise TrackerError(
                f"Linear has no team with the key “{key}” (or the API key cannot see it).",
                field="target",
            )
        return teams[0]

    def _ask(self, document: str, variables: dict) -> dict:
        """The ``data`` of one request; refusals raise TrackerError."""
        if problem := address_problem(self.base_url):
            raise TrackerError(problem)
        statuses: list[int] = []
        transport = HTTPXTransport(
            url=self.base_url,
            headers={"Authorization": authorization(self.token)},
            timeout=TIMEOUT_SECONDS,
            follow_redirects=False,
            trust_env=False,
            event_hooks={"response": [lambda response: statuses.append(response.status_code)]},
        )
        client = Client(transport=transport, execute_timeout=None)
        try:
            with client as session:
                data = session.execute(GraphQLRequest(document, variable_values=variables))
        except TransportQueryError as error:
            raise refusal(error.errors or [], transport.response_headers, statuses) from None
        except TransportConnectionFailed as error:
            raise self._unreachable(error) from None
        except TransportServerError as error:
            raise _status_refusal(error.code or (statuses or [0])[-1]) from None
        except TransportError:
            status = (statuses or [0])[-1]
            if status >= 300:
                raise _status_refusal(status) from None
            raise TrackerError("Linear answered something that is not GraphQL.") from None
        if not isinstance(data, dict):
            raise TrackerError("Linear answered something that is not a GraphQL result.")
        return data

    def _unreachable(self, error: Exception) -> TrackerError:
        if isinstance(error.__cause__, httpx.TimeoutException):
            return TrackerError("Linear did not answer in time.", retry_after=DEFAULT_RETRY_SECONDS)
        return TrackerError(
            f"Could not connect to {self.base_url}.", retry_after=DEFAULT_RETRY_SECONDS
        )


def refusal(errors: list, headers: httpx.Headers | None, statuses: list[int]) -> TrackerError:
    """The TrackerError for Linear's GraphQL ``errors``: ``extensions.code`` (``RATELIMITED``,
    ``AUTHENTICATION_ERROR``…) or ``extensions.type`` ("ratelimited", "authentication error",
    as the SDK reads them), else the HTTP status."""
    first = errors[0] if errors and isinstance(errors[0], dict) else {}
    extensions = first.get("extensions") if isinstance(first.get("extensions"), dict) else {}
    why = {str(extensions.get("code") or "").upper(), str(extensions.get("type") or "").upper()}
    message = str(first.get("message") or "")
    status = statuses[-1] if statuses else 0
    if why & {"RATELIMITED"} or status == 429:
        return TrackerError(
            "Linear's rate limit was reached.", retry_after=_retry_after(headers or {})
        )
    if why & {"AUTHENTICATION_ERROR", "AUTHENTICATION ERROR"} or status == 401:
        return TrackerError("Linear refused the API key: check it in the settings.")
    if why & {"FORBIDDEN"} or status == 403:
        return TrackerError(
            "Linear refused access with this API key: give it read and write access to "
            "the team's issues."
        )
    if "entity not found" in message.lower() or status == 404:
        return TrackerError("Linear has no such issue (or the API key cannot see it).", gone=True)
    if why & {"INTERNAL_SERVER_ERROR", "INTERNAL ERROR", "LOCK TIMEOUT"} or status >= 500:
        return _status_refusal(status if status >= 500 else 500)
    shown = str(extensions.get("userPresentableMessage") or message).strip()[:200]
    return TrackerError(f"Linear refused: {shown or 'the request was refused.'}")


def _status_refusal(status: int) -> TrackerError:
    if status >= 500 or status == 0:
        return TrackerError(
            f"Linear answered {status or 'nothing'}; trying again later.",
            retry_after=DEFAULT_RETRY_SECONDS,
        )
    if status == 401:
        return TrackerError("Linear refused the API key: check it in the settings.")
    return TrackerError(f"Linear answered {status}.")


def _retry_after(headers) -> float:
    """Seconds until ``X-RateLimit-Requests-Reset`` (epoch milliseconds), within bounds."""
    try:
        reset_ms = float(headers.get("X-RateLimit-Requests-Reset", ""))
        seconds = reset_ms / 1000 - time.time()
    except ValueError:
        seconds = DEFAULT_RETRY_SECONDS
    return min(max(seconds, 1.0), MAX_RETRY_AFTER_SECONDS)


def _rank(state_type) -> int:
    return STATE_ORDER.index(state_type) if state_type in STATE_ORDER else len(STATE_ORDER)


def _common(draft: TicketDraft) -> dict:
    """The fields Hindsight writes on create and update alike."""
    fields: dict = {"dueDate": draft.due_date.isoformat() if draft.due_date else None}
    if draft.priority in PRIORITIES:
        fields["priority"] = PRIORITIES[draft.priority]
    return fields


def _label_ids(found, wanted: Iterable[str], team_key: str) -> list[str]:
    """The ids of the labels named ``wanted`` that the team may use (its own, or the
    workspace's), one per name."""
    ids: dict[str, str] = {}
    for label in (found or {}).get("nodes") or []:
        owner = (label.get("team") or {}).get("key")
        if owner not in (None, team_key):
            continue
        name = str(label.get("name"))
        if name in wanted and (name not in ids or owner == team_key):
            ids[name] = str(label.get("id"))
    return list(ids.values())


def _first_id(found) -> str | None:
    nodes = (found or {}).get("nodes") or []
    return str(nodes[0]["id"]) if nodes and isinstance(nodes[0], dict) else None


def _key_filter(keys: Sequence[str]) -> dict:
    """An IssueFilter for these identifiers: per team key, the issue numbers."""
    numbers: dict[str, list[float]] = {}
    for key in keys:
        team, _, number = key.rpartition("-")
        numbers.setdefault(team, []).append(int(number))
    return {
        "or": [
            {"team": {"key": {"eq": team}}, "number": {"in": values}}
            for team, values in numbers.items()
        ]
    }
