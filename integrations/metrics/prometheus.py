"""Every call Hindsight makes to an organization's Prometheus-compatible endpoint.

- Addresses: https only and no private or local network, except the hosts an operator lists in
  ``INTEGRATIONS_INSECURE_HOSTS`` (``organizations.addresses``); a refused address raises
  ``PrometheusError`` before anything is sent.
- A timeout on every request; no redirects followed.
- ``/api/v1/query`` checks a PromQL expression (Prometheus parses it and answers 400 with
  ``errorType: bad_data`` when it is not valid); ``/api/v1/query_range`` reads a series.

Retrying is the caller's business (the capture task retries with backoff); this module makes
one attempt and says clearly what went wrong. The credentials are never part of a message.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urljoin

import requests
from django.conf import settings

from organizations import addresses

TIMEOUT_SECONDS = 10
TARGET_POINTS = 200
MIN_STEP_SECONDS = 1


class PrometheusError(Exception):
    """The endpoint could not be asked, or refused the question; ``transient`` when asking
    again later may help (the endpoint was unreachable or answered 5xx)."""

    def __init__(self, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


@dataclass(frozen=True)
class Endpoint:
    base_url: str
    auth_kind: str = "none"
    username: str = ""
    secret: str = ""


def allowed_hosts() -> list[str]:
    return list(getattr(settings, "INTEGRATIONS_INSECURE_HOSTS", ()))


def address_problem(url: str) -> str | None:
    allowed = allowed_hosts()
    return addresses.address_problem(
        url, allowed_hosts=allowed, https_reason="metric queries must travel encrypted."
    ) or addresses.resolution_problem(url, allowed_hosts=allowed)


def _get(endpoint: Endpoint, path: str, params: dict) -> dict:
    url = urljoin(endpoint.base_url.rstrip("/") + "/", path)
    if problem := address_problem(url):
        raise PrometheusError(problem)
    headers = {"Accept": "application/json"}
    auth = None
    if endpoint.auth_kind == "bearer" and endpoint.secret:
        headers["Authorization"] = f"Bearer {endpoint.secret}"
    elif endpoint.auth_kind == "basic":
        auth = (endpoint.username, endpoint.secret)
    try:
        response = requests.get(
            url,
            params=params,
            headers=headers,
            auth=auth,
            timeout=TIMEOUT_SECONDS,
            allow_redirects=False,
        )
    except requests.Timeout:
        raise PrometheusError(
            f"{endpoint.base_url} did not answer within {TIMEOUT_SECONDS} s.", transient=True
        ) from None
    except requests.RequestException:
        raise PrometheusError(
            f"Could not connect to {endpoint.base_url}.", transient=True
        ) from None
    if response.status_code in (401, 403):
        raise PrometheusError(f"{endpoint.base_url} refused the credentials.")
    transient = response.status_code >= 500
    try:
        body = response.json()
    except ValueError:
        raise PrometheusError(
            f"{endpoint.base_url} did not answer like Prometheus (HTTP {response.status_code}).",
            transient=transient,
        ) from None
    if not isinstance(body, dict) or body.get("status") != "success":
        error = str(body.get("error", "")) if isinstance(body, dict) else ""
        raise PrometheusError(error[:300] or f"HTTP {response.status_code}", transient=transient)
    return body.get("data") or {}


def check_query(endpoint: Endpoint, promql: str) -> None:
    """Raise ``PrometheusError`` when Prometheus rejects ``promql`` (or cannot be asked)."""
    _get(endpoint, "api/v1/query", {"query": promql})


def step_for(start: datetime, end: datetime) -> int:
    """Seconds between points so the window holds about ``TARGET_POINTS`` points."""
    return max(MIN_STEP_SECONDS, int((end - start).total_seconds() // TARGET_POINTS) or 1)


def query_range(
    endpoint: Endpoint, promql: str, *, start: datetime, end: datetime
) -> list[tuple[datetime, float]]:
    """The points of ``promql`` between ``start`` and ``end``: the first series of the result
    (a query for one service should give one; wrap it in ``sum(…)`` otherwise). NaN and
    infinite values are left out."""
    data = _get(
        endpoint,
        "api/v1/query_range",
        {
            "query": promql,
            "start": f"{start.timestamp():.3f}",
            "end": f"{end.timestamp():.3f}",
            "step": str(step_for(start, end)),
        },
    )
    if data.get("resultType") != "matrix":
        raise PrometheusError("The query did not return a range of values.")
    result = data.get("result") or []
    if not result:
        return []
    points = []
    for timestamp, value in result[0].get("values", []):
        number = float(value)
        if number != number or number in (float("inf"), float("-inf")):
            continue
        points.append((datetime.fromtimestamp(float(timestamp), tz=UTC), number))
    return points
