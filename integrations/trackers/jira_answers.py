"""Reading Jira's answers: their JSON, a search's issues, a refusal as the error a person
reads, and which workflow transition (and resolution) leads an issue to an outcome."""

from collections.abc import Mapping
from typing import Any

import requests

from .jira_issues import WONT_DO_RESOLUTIONS
from .outbound import DEFAULT_RETRY_SECONDS, retry_after
from .remote import OPEN, WONT_DO, TrackerError


def transition_for(offered: list[dict], outcome: str, status_map: Mapping[str, str]) -> dict | None:
    """The transition to take towards ``outcome``: to a status the admin mapped to it, else
    to a status of the outcome's category (``done``; ``new`` for open)."""

    def target(transition: dict) -> tuple[str, str]:
        to = transition.get("to") if isinstance(transition.get("to"), dict) else {}
        category = to.get("statusCategory") if isinstance(to.get("statusCategory"), dict) else {}
        return str(to.get("name") or "").lower(), str(category.get("key") or "")

    mapped = [t for t in offered if status_map.get(target(t)[0]) == outcome]
    if mapped:
        return mapped[0]
    category = "new" if outcome == OPEN else "done"
    fitting = [t for t in offered if target(t)[1] == category]
    return fitting[0] if fitting else None


def resolution_for(transition: dict, outcome: str) -> str:
    """The resolution to send with a transition whose screen has the resolution field: a
    won't-do one for won't do, "Done" (or the first offered) for done."""
    fields = transition.get("fields") if isinstance(transition.get("fields"), dict) else {}
    about = fields.get("resolution") if isinstance(fields.get("resolution"), dict) else None
    if about is None or outcome == OPEN:
        return ""
    names = [
        str(value.get("name"))
        for value in about.get("allowedValues") or []
        if isinstance(value, dict) and value.get("name")
    ]
    if outcome == WONT_DO:
        wont = [name for name in names if name.lower() in WONT_DO_RESOLUTIONS]
        return wont[0] if wont else ""
    done = [name for name in names if name.lower() not in WONT_DO_RESOLUTIONS]
    return "Done" if "Done" in done else (done[0] if done else "")


def json_of(response: requests.Response) -> Any:
    if response.status_code == 204 or not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        raise TrackerError("Jira answered something that is not JSON.") from None


def issues(data: object) -> list[dict]:
    issues = data.get("issues") if isinstance(data, dict) else None
    if not isinstance(issues, list):
        raise TrackerError("Jira answered a search Hindsight cannot read.")
    return [each for each in issues if isinstance(each, dict)]


def refusal(
    response: requests.Response | None, *, missing: str = "", field: str = ""
) -> TrackerError:
    """The TrackerError for Jira's refusal."""
    if response is None:
        return TrackerError("Jira answered nothing.", retry_after=DEFAULT_RETRY_SECONDS)
    status = response.status_code
    if status == 401:
        return TrackerError(
            "Jira refused the credentials (401): they may have been revoked or expired; check "
            "them in the settings.",
            field="token",
        )
    if status == 403:
        return TrackerError(
            f"Jira refused access with these credentials (403): {message(response)}",
            field=field,
        )
    if status in (404, 410):
        return TrackerError(
            missing or "Jira has no such project or issue (or this account cannot see it).",
            gone=True,
            field=field,
        )
    if status in (429, 503):
        return TrackerError(
            f"Jira asked to slow down ({status}).", retry_after=retry_after(response.headers)
        )
    if status >= 500:
        return TrackerError(
            f"Jira answered {status}; trying again later.", retry_after=DEFAULT_RETRY_SECONDS
        )
    return TrackerError(f"Jira refused the request ({status}): {message(response)}")


def messages(response: requests.Response | None) -> str:
    """Jira's error messages (``errorMessages`` and ``errors``), joined."""
    try:
        data = response.json() if response is not None else {}
    except ValueError:
        return ""
    if not isinstance(data, dict):
        return ""
    words = [str(each) for each in data.get("errorMessages") or [] if each]
    errors = data.get("errors")
    if isinstance(errors, dict):
        words += [f"{name}: {text}" for name, text in errors.items()]
    return " ".join(words)


def message(response: requests.Response) -> str:
    return messages(response).strip()[:300] or "the request was refused."
