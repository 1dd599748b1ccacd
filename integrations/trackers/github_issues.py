"""GitHub's issues as Hindsight reads them, the same from the REST API, the GraphQL API and
webhooks: the key a person wrote, the outcome of a state, the ticket; the GraphQL query of a
reconciliation batch; a draft as an issue's fields."""

import json
import re
from collections.abc import Iterator, Sequence
from datetime import datetime
from itertools import islice

from .remote import DONE, OPEN, WONT_DO, RemoteTicket, TicketDraft, TrackerError

NOT_PLANNED_REASON = "Closed as not planned on GitHub"
TICKET_REFERENCE = re.compile(
    r"^(?:https://github\.com/)?(?P<target>[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100})"
    r"(?:#|/issues/)(?P<number>[0-9]{1,10})/?$"
)
ASSIGNEES_READ = 10
ISSUE_FIELDS = "number url title state stateReason updatedAt"


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
    is ``target#number``, ``target`` read from the issue's address when not given. The first
    assignee's public address, when GitHub gives one, is the assignee's address."""
    try:
        number = int(data["number"])
        url = str(data["html_url"])
        state, reason = str(data.get("state") or ""), str(data.get("state_reason") or "")
        target = target or url.removeprefix("https://github.com/").split("/issues/")[0]
        outcome, why = outcome_of(state, reason, status_map or {})
        assignees = [p for p in data.get("assignees") or [] if isinstance(p, dict)]
        emails = [str(p["email"]) for p in assignees if p.get("email")]
        return RemoteTicket(
            key=f"{target}#{number}",
            url=url,
            title=str(data.get("title") or ""),
            status=status_of(state, reason),
            outcome=outcome,
            reason=why,
            remote_id=str(number),
            updated_at=datetime.fromisoformat(str(data["updated_at"]).replace("Z", "+00:00")),
            assignee_email=emails[0] if emails else "",
            assignee_name=", ".join(str(p.get("login")) for p in assignees),
        )
    except (KeyError, TypeError, ValueError):
        raise TrackerError("GitHub answered an issue Hindsight cannot read.") from None


def ticket_from_graphql(
    node: dict, *, target: str, status_map: dict[str, str] | None = None
) -> RemoteTicket:
    """GitHub's GraphQL ``Issue`` (the fields ``issues_query`` asks for) read as its REST JSON is:
    ``state`` OPEN/CLOSED and ``stateReason`` COMPLETED/NOT_PLANNED/… are REST's in capitals."""
    assignees = (node.get("assignees") or {}).get("nodes") or []
    return ticket_from_issue(
        {
            "number": node.get("number"),
            "html_url": node.get("url"),
            "title": node.get("title"),
            "state": str(node.get("state") or "").lower(),
            "state_reason": str(node.get("stateReason") or "").lower(),
            "updated_at": node.get("updatedAt"),
            "assignees": assignees,
        },
        target=target,
        status_map=status_map,
    )


def issues_by_repository(keys: Sequence[str]) -> dict[str, dict[int, list[str]]]:
    """The keys by repository, then by issue number (a key as the caller wrote it)."""
    wanted: dict[str, dict[int, list[str]]] = {}
    for key in keys:
        target, number = split_key(key)
        wanted.setdefault(target, {}).setdefault(number, []).append(key)
    return wanted


def issues_query(wanted: dict[str, dict[int, list[str]]], *, emails: bool = True) -> str:
    """One query for all of ``wanted``: repository ``r<i>`` (in ``wanted``'s order), its issue
    number n as ``i<n>``."""
    people = "login email" if emails else "login"
    fields = f"{ISSUE_FIELDS} assignees(first: {ASSIGNEES_READ}) {{ nodes {{ {people} }} }}"
    repositories = []
    for index, (target, numbers) in enumerate(wanted.items()):
        owner, name = split_target(target)
        issues = " ".join(f"i{n}: issue(number: {n}) {{ {fields} }}" for n in numbers)
        repositories.append(
            f"r{index}: repository(owner: {json.dumps(owner)}, name: {json.dumps(name)}) "
            f"{{ {issues} }}"
        )
    return "query { " + " ".join(repositories) + " }"


def chunks(keys: Sequence[str], size: int) -> Iterator[tuple[str, ...]]:
    rows = iter(keys)
    while chunk := tuple(islice(rows, size)):
        yield chunk


def issue_body_fields(draft: TicketDraft) -> dict:
    """A draft as GitHub's issue fields (GitHub has no due date or priority field: both are
    in the body, and the priority is a label too)."""
    labels = list(draft.labels)
    if draft.priority:
        labels.append(f"priority: {draft.priority.lower()}")
    return {"title": draft.title, "body": draft.body, "labels": labels}
