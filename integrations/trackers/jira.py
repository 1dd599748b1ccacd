"""Every call Hindsight makes to a Jira site's REST API (version 2), through the ``jira``
library's session: Jira Cloud with the account's email and an API token (basic auth), Jira
Data Center with a personal access token (``Authorization: Bearer``).

- Addresses: https only and no private or local network, except the hosts an operator lists in
  ``INTEGRATIONS_INSECURE_HOSTS`` (``outbound``); checked before each request, never followed
  through a redirect. No server-info call when the client is made.
- A timeout on every request; the library's own retries are off: the Celery task retries with
  backoff, after ``Retry-After`` when Jira throttles (429, 503).
- Each method names its endpoint itself, so that each is the one request it says (the library's
  search and create helpers read the field list or the issue again on their own).
- Tickets are created as the project's "Task", after its create screen (create metadata) says
  which fields it requires: one that neither Hindsight nor the connection's field mapping fills
  is refused by name before Jira is asked to create anything.
- The credential is never part of a message.
"""

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

import requests
from jira import JIRA
from jira.exceptions import JIRAError

from .jira_answers import (
    issues,
    json_of,
    messages,
    refusal,
    resolution_for,
    transition_for,
)
from .jira_issues import ISSUE_KEY, label, ticket_from_issue, wiki
from .models import TrackerAuth, TrackerConnection, TrackerKind
from .oauth import fresh_token
from .outbound import DEFAULT_RETRY_SECONDS, address_problem
from .remote import OPEN, RemoteTicket, TicketDraft, TrackerError

CLOUD, DATACENTER = "cloud", "datacenter"
TIMEOUT_SECONDS = 20.0
SEARCH_CHUNK = 100  # keys per JQL search: one request per 100 keys
ISSUE_TYPE = "Task"
READ_FIELDS = "summary,status,resolution,updated,assignee,duedate"
PRIORITIES = {"CRITICAL": "Highest", "HIGH": "High", "MEDIUM": "Medium", "LOW": "Low"}
# resolutions that close an issue without doing it (lower case)
# the create screen's fields Hindsight fills itself (when the item has a value for them)
HINDSIGHT_FIELDS = frozenset(
    {"project", "issuetype", "summary", "description", "labels", "duedate", "priority", "assignee"}
)
SUMMARY_LIMIT = 255

PROJECT_KEY = re.compile(r"[A-Z][A-Z0-9_]{0,254}")
MISSING_KEY = re.compile(r"'([A-Za-z][A-Za-z0-9_]*-[0-9]+)'")


def site_address(connection: TrackerConnection) -> str:
    """Where the site's issues are browsed: its API address, except through Atlassian's OAuth
    gateway (api.atlassian.com/ex/jira/<cloud id>), where the site's own address is kept in
    ``username``."""
    if connection.auth == TrackerAuth.OAUTH:
        return connection.username
    return connection.base_url


def tracker_for(connection: TrackerConnection) -> "JiraTracker":
    """The client of a Jira Cloud or Jira Data Center connection (by token or OAuth; an OAuth
    token is renewed first when it is about to expire)."""
    oauth = connection.auth == TrackerAuth.OAUTH
    return JiraTracker(
        connection.base_url,
        token=fresh_token(connection),
        username="" if oauth else connection.username,
        deployment=CLOUD if connection.kind == TrackerKind.JIRA_CLOUD else DATACENTER,
        status_map=connection.status_map,
        field_map=connection.field_map,
        bearer=oauth,
        site=site_address(connection),
    )


class JiraTracker:
    """One connection's REST API: Jira Cloud (``username`` is the account's email, ``token``
    its API token) or Data Center (``token`` is a personal access token)."""

    def __init__(
        self,
        base_url: str,
        *,
        token: str,
        username: str = "",
        deployment: str = CLOUD,
        status_map: Mapping[str, str] | None = None,
        field_map: Mapping[str, Mapping[str, Any]] | None = None,
        bearer: bool = False,
        site: str = "",
    ) -> None:
        if deployment not in (CLOUD, DATACENTER):
            raise ValueError(f"deployment is {CLOUD!r} or {DATACENTER!r}")
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.username = username
        self.deployment = deployment
        self.status_map = dict(status_map or {})
        self.field_map = dict(field_map or {})
        self.bearer = bearer  # an OAuth access token (Cloud's semantics, sent as a bearer)
        self.site = site.rstrip("/")
        self._library: JIRA | None = None

    # -- what the sync asks -------------------------------------------------------------

    def check(self, target: str) -> str:
        key = self._project_key(target)
        missing = f"Jira has no project {key} (or this account cannot see it)."
        project = self._request("GET", f"project/{quote(key)}", missing=missing, field="target")
        kinds = self._request("GET", f"project/{quote(key)}/statuses", missing=missing)
        names: list[str] = []
        for kind in kinds if isinstance(kinds, list) else []:
            for status in kind.get("statuses") or [] if isinstance(kind, dict) else []:
                name = str(status.get("name") or "") if isinstance(status, dict) else ""
                if name and name not in names:
                    names.append(name)
        name = str(project.get("name") or key) if isinstance(project, dict) else key
        found = f"Connected: found {key} ({name})"
        return f"{found}, statuses {', '.join(names)}." if names else f"{found}."

    def create(self, target: str, draft: TicketDraft) -> RemoteTicket:
        key = self._project_key(target)
        issue_type, screen = self._create_screen(key)
        fields: dict[str, Any] = {
            "project": {"key": key},
            "issuetype": {"id": issue_type},
            "summary": draft.title[:SUMMARY_LIMIT],
        }
        for field_id, value in self._hindsight_values(draft).items():
            if field_id in screen:
                fields[field_id] = value
        person = self._person(draft.assignee_email) if "assignee" in screen else None
        if person is not None:
            fields["assignee"] = person
        fields.update(self.field_map.get(key) or {})
        for field_id, about in screen.items():
            if about["required"] and not about["default"] and field_id not in fields:
                raise TrackerError(
                    f"Jira project {key} requires “{about['name']}” ({field_id}): add it to the "
                    "field mapping.",
                    field=field_id,
                )
        created = self._request("POST", "issue", body={"fields": fields})
        if not isinstance(created, dict) or not created.get("key"):
            raise TrackerError("Jira answered a creation Hindsight cannot read.")
        return self.read(str(created["key"]))

    def validate_field_map(self, target: str, mapping: Mapping[str, Any]) -> list[str]:
        """What is wrong with ``mapping`` (field id → value) for creating tickets in project
        ``target``: fields its create screen does not have, and required fields (without a
        default) that neither Hindsight nor the mapping fills. Empty when nothing is."""
        key = self._project_key(target)
        _, screen = self._create_screen(key)
        problems = [
            f"Jira project {key} has no field “{field_id}” on its {ISSUE_TYPE} create screen."
            for field_id in mapping
            if field_id not in screen
        ]
        filled = HINDSIGHT_FIELDS | set(mapping)
        problems += [
            f"Jira project {key} requires “{about['name']}” ({field_id}): add it to the field "
            "mapping."
            for field_id, about in screen.items()
            if about["required"] and not about["default"] and field_id not in filled
        ]
        return problems

    def read(self, key: str) -> RemoteTicket:
        key = key.strip().upper()
        data = self._request(
            "GET",
            f"issue/{quote(key)}",
            params={"fields": READ_FIELDS},
            missing=f"Jira has no issue {key} any more (or this account cannot see it).",
        )
        return self._ticket(data)

    def read_many(self, keys: Sequence[str]) -> dict[str, RemoteTicket]:
        wanted = list(dict.fromkeys(key.strip().upper() for key in keys))
        wanted = [key for key in wanted if ISSUE_KEY.fullmatch(key)]
        tickets: dict[str, RemoteTicket] = {}
        for start in range(0, len(wanted), SEARCH_CHUNK):
            for data in self._search(wanted[start : start + SEARCH_CHUNK]):
                ticket = self._ticket(data)
                tickets[ticket.key] = ticket
        return tickets

    def update(self, key: str, draft: TicketDraft) -> RemoteTicket:
        key = key.strip().upper()
        missing = f"Jira has no issue {key} any more (or this account cannot see it)."
        meta = self._request("GET", f"issue/{quote(key)}/editmeta", missing=missing)
        editable = set((meta or {}).get("fields") or {}) if isinstance(meta, dict) else set()
        wanted: dict[str, Any] = {
            "summary": draft.title[:SUMMARY_LIMIT],
            "duedate": draft.due_date.isoformat() if draft.due_date else None,
        }
        if draft.priority in PRIORITIES:
            wanted["priority"] = {"name": PRIORITIES[draft.priority]}
        if "assignee" in editable:
            person = self._person(draft.assignee_email) if draft.assignee_email else None
            if person is not None or not draft.assignee_email:
                wanted["assignee"] = person
        fields = {name: value for name, value in wanted.items() if name in editable}
        if fields:
            self._request("PUT", f"issue/{quote(key)}", body={"fields": fields}, missing=missing)
        if draft.outcome:
            self._transition(key, draft.outcome, missing=missing)
        return self.read(key)

    def _transition(self, key: str, outcome: str, *, missing: str) -> None:
        """Move the issue to a status of the outcome's category (done, or to do for open),
        by the first workflow transition that leads there; won't do prefers a status the
        admin mapped to it, and sets a won't-do resolution when the transition's screen asks
        for one. An issue already there is left alone; no such transition is an error."""
        path = f"issue/{quote(key)}/transitions"
        answer = self._request(
            "GET", path, params={"expand": "transitions.fields"}, missing=missing
        )
        offered = [t for t in (answer or {}).get("transitions") or [] if isinstance(t, dict)]
        chosen = transition_for(offered, outcome, self.status_map)
        if chosen is None:
            current = self.read(key)
            if current.outcome == outcome:
                return
            raise TrackerError(
                f"Jira's workflow offers {key} no transition to "
                f"{'a done status' if outcome != OPEN else 'a to-do status'}."
            )
        body: dict[str, Any] = {"transition": {"id": str(chosen["id"])}}
        resolution = resolution_for(chosen, outcome)
        if resolution:
            body["fields"] = {"resolution": {"name": resolution}}
        self._request("POST", path, body=body, missing=missing)

    # -- Jira's answers -----------------------------------------------------------------

    def _ticket(self, data: object) -> RemoteTicket:
        if not isinstance(data, dict):
            raise TrackerError("Jira answered an issue Hindsight cannot read.")
        return ticket_from_issue(
            data, base_url=self.site or self.base_url, status_map=self.status_map
        )

    def _project_key(self, target: str) -> str:
        key = (target or "").strip().upper()
        if not PROJECT_KEY.fullmatch(key):
            raise TrackerError("Enter the Jira project's key, such as OPS.", field="target")
        return key

    def _hindsight_values(self, draft: TicketDraft) -> dict[str, Any]:
        values: dict[str, Any] = {}
        if draft.body:
            values["description"] = wiki(draft.body)
        labels = [label(name) for name in draft.labels if label(name)]
        if labels:
            values["labels"] = labels
        if draft.due_date:
            values["duedate"] = draft.due_date.isoformat()
        if draft.priority in PRIORITIES:
            values["priority"] = {"name": PRIORITIES[draft.priority]}
        return values

    def _create_screen(self, key: str) -> tuple[str, dict[str, dict]]:
        """The id of the project's Task issue type and its create screen's fields: field id →
        name, required, default (create metadata, ``issue/createmeta/{project}/issuetypes``)."""
        missing = f"Jira has no project {key} (or this account cannot create issues in it)."
        kinds = self._pages(f"issue/createmeta/{quote(key)}/issuetypes", "issueTypes", missing)
        task = next(
            (kind for kind in kinds if str(kind.get("name") or "").lower() == ISSUE_TYPE.lower()),
            None,
        )
        if task is None or not task.get("id"):
            raise TrackerError(
                f"Jira project {key} has no issue type “{ISSUE_TYPE}”.", field="target"
            )
        path = f"issue/createmeta/{quote(key)}/issuetypes/{quote(str(task['id']))}"
        screen = {}
        for each in self._pages(path, "fields", missing):
            field_id = str(each.get("fieldId") or each.get("key") or "")
            if field_id:
                screen[field_id] = {
                    "name": str(each.get("name") or field_id),
                    "required": bool(each.get("required")),
                    "default": bool(each.get("hasDefaultValue")),
                }
        return str(task["id"]), screen

    def _pages(self, path: str, cloud_key: str, missing: str) -> list[dict]:
        """Every entry of a paged create-metadata answer (``values`` on Data Center, ``fields``
        or ``issueTypes`` on Cloud)."""
        entries: list[dict] = []
        while True:
            page = self._request(
                "GET", path, params={"startAt": len(entries), "maxResults": 200}, missing=missing
            )
            if not isinstance(page, dict):
                raise TrackerError("Jira answered create metadata Hindsight cannot read.")
            found = page.get("values", page.get(cloud_key))
            found = [each for each in found or [] if isinstance(each, dict)]
            entries += found
            total = page.get("total")
            if not found or page.get("isLast") is True:
                return entries
            if not isinstance(total, int) or len(entries) >= total:
                return entries

    def _person(self, email: str) -> dict | None:
        """The assignee field's value for the Jira user with this email (Cloud: the account id;
        Data Center: the user name); None when there is no email, Jira finds nobody or will
        not search users."""
        if not email:
            return None
        name = "query" if self.deployment == CLOUD else "username"
        try:
            response = self._send("GET", "user/search", params={name: email, "maxResults": 10})
        except JIRAError as error:
            if error.status_code in (400, 403, 404):
                return None
            raise refusal(error.response) from None
        people = [each for each in json_of(response) or [] if isinstance(each, dict)]
        people = [each for each in people if each.get("active", True) not in (False, "false")]
        same = [p for p in people if str(p.get("emailAddress") or "").lower() == email.lower()]
        person = same[0] if same else (people[0] if len(people) == 1 else None)
        if person is None:
            return None
        if self.deployment == CLOUD:
            return {"accountId": person["accountId"]} if person.get("accountId") else None
        return {"name": person["name"]} if person.get("name") else None

    def _search(self, keys: list[str]) -> list[dict]:
        """The issues among ``keys`` (at most 100) in one JQL search. Data Center is asked to
        only warn about keys that do not exist; should Jira still refuse the query for them
        (400 naming them), it is asked once more without them."""
        try:
            path, params = self._search_query(keys)
            return issues(json_of(self._send("GET", path, params=params)))
        except JIRAError as error:
            gone = set()
            if error.status_code == 400:
                gone = {key.upper() for key in MISSING_KEY.findall(messages(error.response))}
            rest = [key for key in keys if key not in gone]
            if not gone & set(keys):
                raise refusal(error.response) from None
        if not rest:
            return []
        path, params = self._search_query(rest)
        return issues(self._request("GET", path, params=params))

    def _search_query(self, keys: list[str]) -> tuple[str, dict]:
        params = {"jql": f"key in ({', '.join(keys)})", "fields": READ_FIELDS, "maxResults": 100}
        if self.deployment == CLOUD:
            return "search/jql", params
        return "search", {**params, "validateQuery": "warn"}

    # -- the wire -----------------------------------------------------------------------

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict | None = None,
        body: dict | None = None,
        missing: str = "",
        field: str = "",
    ) -> Any:
        """Jira's JSON answer (None when it answered nothing); ``missing`` is the refusal of a
        404, about the form's ``field``."""
        try:
            response = self._send(method, path, params=params, body=body)
        except JIRAError as error:
            raise refusal(error.response, missing=missing, field=field) from None
        return json_of(response)

    def _send(
        self, method: str, path: str, *, params: dict | None = None, body: dict | None = None
    ) -> requests.Response:
        """One request; JIRAError when Jira refuses it, TrackerError when it cannot be asked."""
        if problem := address_problem(self.base_url):
            raise TrackerError(problem, field="base_url")
        url = f"{self.base_url}/rest/api/2/{path}"
        data = json.dumps(body) if body is not None else None
        try:
            return self._client()._session.request(method, url, params=params, data=data)
        except requests.Timeout:
            raise TrackerError(
                "Jira did not answer in time.", retry_after=DEFAULT_RETRY_SECONDS
            ) from None
        except requests.TooManyRedirects:
            raise TrackerError(
                "Jira answered with a redirect: enter the site's address as Jira shows it.",
                field="base_url",
            ) from None
        except requests.RequestException:
            raise TrackerError(
                f"Could not connect to {self.base_url}.", retry_after=DEFAULT_RETRY_SECONDS
            ) from None

    def _client(self) -> JIRA:
        if self._library is None:
            if self.deployment == CLOUD and not self.username and not self.bearer:
                raise TrackerError(
                    "Enter the email of the Jira Cloud account the API token belongs to.",
                    field="username",
                )
            auth: dict[str, Any] = (
                {"basic_auth": (self.username, self.token)}
                if self.deployment == CLOUD and not self.bearer
                else {"token_auth": self.token}
            )
            library = JIRA(
                self.base_url,
                options={"check_update": False},
                get_server_info=False,
                max_retries=0,
                timeout=TIMEOUT_SECONDS,
                **auth,
            )
            session = library._session
            session.trust_env = False  # no proxy or .netrc from the environment
            session.max_redirects = 0  # the address was checked, not where it may send us
            self._library = library
        return self._library
