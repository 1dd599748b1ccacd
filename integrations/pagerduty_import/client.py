"""Every call the importer makes to PagerDuty's REST API v2.

- Addresses: https only and no private or local network, except the hosts an operator lists in
  ``INTEGRATIONS_INSECURE_HOSTS`` (``organizations.addresses``); checked when the client is
  made and before each page of incidents, before anything is sent.
- ``Authorization: Token token=<key>`` and PagerDuty's versioned ``Accept`` on every request;
  a timeout on every request; no redirects followed.
- Classic offset pagination (``limit``, ``offset``, ``more``): the caller asks page by page
  and holds one page at a time. PagerDuty answers at most ``OFFSET_LIMIT`` results of one
  listing, so the caller moves its window instead of going past it.
- A throttled request (429) is asked again after its ``Retry-After``; an unreachable API or a
  5xx answer is asked again with exponential backoff; after ``ATTEMPTS`` the error is
  ``transient`` (the task may retry later, the run may be resumed). A refused key (401/403)
  is final. The key is never part of a message.
"""

import time
from collections.abc import Iterator
from datetime import datetime
from urllib.parse import quote, urljoin

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter

from organizations import addresses

ACCEPT = "application/vnd.pagerduty+json;version=2"
PAGE_SIZE = 100
OFFSET_LIMIT = 10_000
TIMEOUT_SECONDS = (5, 30)  # connect, read
ATTEMPTS = 4
BACKOFF_SECONDS = 1.0
MAX_RETRY_AFTER_SECONDS = 60
# Connections kept to the API: the importer reads several incidents' logs at once.
CONNECTIONS = 4
# Each incident lists its users' email addresses (to add responders who are members).
INCIDENT_INCLUDES = ("assignees", "acknowledgers")


class PagerDutyError(Exception):
    """PagerDuty could not be asked, or refused; ``transient`` when asking later may help."""

    def __init__(self, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


def address_problem(url: str) -> str | None:
    allowed = list(getattr(settings, "INTEGRATIONS_INSECURE_HOSTS", ()))
    return addresses.address_problem(
        url, allowed_hosts=allowed, https_reason="the API key must travel encrypted."
    ) or addresses.resolution_problem(url, allowed_hosts=allowed)


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


class PagerDuty:
    """A session with one account's REST API (connections are kept between requests; up to
    ``CONNECTIONS`` threads may ask at once)."""

    def __init__(self, base_url: str, api_key: str) -> None:
        self.base_url = base_url.rstrip("/") + "/"
        if problem := address_problem(self.base_url):
            raise PagerDutyError(problem)
        self.session = requests.Session()
        pool = HTTPAdapter(pool_maxsize=CONNECTIONS)
        self.session.mount("https://", pool)
        self.session.mount("http://", pool)
        self.session.headers.update({"Authorization": f"Token token={api_key}", "Accept": ACCEPT})

    def close(self) -> None:
        self.session.close()

    def incidents(
        self, *, since: datetime, until: datetime, offset: int
    ) -> tuple[list[dict], bool]:
        """One page of the incidents created in [since, until), oldest first, and whether
        PagerDuty has more."""
        if problem := address_problem(self.base_url):
            raise PagerDutyError(problem)
        params = [
            ("since", iso(since)),
            ("until", iso(until)),
            ("limit", PAGE_SIZE),
            ("offset", offset),
            ("total", "false"),
            ("sort_by", "created_at:asc"),
            ("time_zone", "UTC"),
            *(("include[]", name) for name in INCIDENT_INCLUDES),
        ]
        body = self._get("incidents", params)
        return _list(body, "incidents"), bool(body.get("more"))

    def log_entries(self, incident_id: str) -> Iterator[dict]:
        """Every log entry of one incident, page by page."""
        path = f"incidents/{quote(incident_id, safe='')}/log_entries"
        offset = 0
        while True:
            params = [("limit", PAGE_SIZE), ("offset", offset), ("time_zone", "UTC")]
            params.append(("is_overview", "false"))
            body = self._get(path, params)
            entries = _list(body, "log_entries")
            yield from entries
            offset += len(entries)
            if not body.get("more") or not entries or offset >= OFFSET_LIMIT:
                return

    def _get(self, path: str, params: list) -> dict:
        url = urljoin(self.base_url, path)
        for attempt in range(1, ATTEMPTS + 1):
            try:
                response = self.session.get(
                    url, params=params, timeout=TIMEOUT_SECONDS, allow_redirects=False
                )
            except requests.Timeout:
                error = PagerDutyError("PagerDuty did not answer in time.", transient=True)
            except requests.RequestException:
                error = PagerDutyError(
                    f"Could not connect to {self.base_url.rstrip('/')}.", transient=True
                )
            else:
                if response.status_code == 200:
                    return _json(response)
                error = _refusal(response)
                if not error.transient:
                    raise error
                if response.status_code == 429 and attempt < ATTEMPTS:
                    time.sleep(_retry_after(response))
                    continue
            if attempt < ATTEMPTS:
                time.sleep(BACKOFF_SECONDS * 2 ** (attempt - 1))
        raise error


def _json(response: requests.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        raise PagerDutyError("PagerDuty answered something that is not JSON.") from None
    if not isinstance(body, dict):
        raise PagerDutyError("PagerDuty answered something that is not a JSON object.")
    return body


def _list(body: dict, name: str) -> list[dict]:
    items = body.get(name)
    if not isinstance(items, list):
        raise PagerDutyError(f"PagerDuty's answer has no “{name}” list.")
    return [item for item in items if isinstance(item, dict)]


def _refusal(response: requests.Response) -> PagerDutyError:
    status = response.status_code
    if status == 401:
        return PagerDutyError("PagerDuty refused the API key (401): check it in the settings.")
    if status == 403:
        return PagerDutyError("PagerDuty refused access with this API key (403).")
    if status == 429:
        return PagerDutyError("PagerDuty kept throttling the requests (429).", transient=True)
    if status >= 500:
        return PagerDutyError(f"PagerDuty answered {status}; try again later.", transient=True)
    return PagerDutyError(f"PagerDuty answered {status}: {_error_message(response)}")


def _error_message(response: requests.Response) -> str:
    """PagerDuty's own words (``{"error": {"message": …, "errors": […]}}``), shortened."""
    try:
        error = response.json().get("error") or {}
        words = " ".join([str(error.get("message", "")), *map(str, error.get("errors") or [])])
    except (ValueError, AttributeError):
        words = ""
    return words.strip()[:200] or "the request was refused."


def _retry_after(response: requests.Response) -> float:
    try:
        seconds = float(response.headers.get("Retry-After", "1"))
    except ValueError:
        seconds = 1.0
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_SECONDS)
