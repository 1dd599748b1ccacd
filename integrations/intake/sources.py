"""The sources an endpoint can be for: how each proves a request, reads a body and what it
does with it."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

from ..alertmanager import apply as alertmanager_apply
from ..alertmanager import payload as alertmanager_payload
from ..deploys import apply as deploys_apply
from ..deploys import github, release
from ..generic import payload as generic_payload
from ..grafana import apply as grafana_apply
from ..grafana import payload as grafana_payload
from ..opsgenie import webhook as opsgenie
from ..pagerduty import webhook as pagerduty
from ..trackers import jira_webhook, linear_webhook
from ..trackers import webhook as github_issues
from .auth import BEARER_REFUSAL, bearer_verify
from .models import SourceKind, WebhookEndpoint


@dataclass(frozen=True, kw_only=True)
class Source:
    # (body, request headers) -> parsed payload; raises Quarantine
    parse: Callable[[bytes, Mapping[str, str]], Any] | None = None
    # (endpoint, body, request headers) -> parsed payload: instead of ``parse``, for a source
    # whose reading depends on the endpoint's own settings (the generic webhook's mapping)
    parse_for_endpoint: Callable[[WebhookEndpoint, bytes, Mapping[str, str]], Any] | None = None
    # parsed payload -> the source's event id (64 characters at most)
    event_id: Callable[[Any], str]
    # (endpoint, parsed payload) -> outcome text; raises Quarantine or ValidationError
    apply: Callable[[Any, Any], str]
    # (endpoint, request, raw body) -> whether the request comes from the endpoint's source
    verify: Callable[[WebhookEndpoint, HttpRequest, bytes], bool] = bearer_verify
    # what a refused request is told
    refusal: str = BEARER_REFUSAL
    # True when ``verify`` needs the plain secret (kept encrypted, besides its hash)
    keeps_secret: bool = False
    # True when the tool makes the secret and the admin pastes it (PagerDuty's signing secret);
    # otherwise Hindsight makes it and shows it once
    pasted_secret: bool = False

    def __post_init__(self) -> None:
        if (self.parse is None) == (self.parse_for_endpoint is None):
            raise TypeError("A source has either parse or parse_for_endpoint.")

    def read(self, endpoint: WebhookEndpoint, body: bytes, headers: Mapping[str, str]) -> Any:
        """The parsed payload of a body the endpoint received; raises Quarantine."""
        if self.parse_for_endpoint is not None:
            return self.parse_for_endpoint(endpoint, body, headers)
        return self.parse(body, headers)


SOURCES = {
    SourceKind.ALERTMANAGER: Source(
        parse=lambda body, headers: alertmanager_payload.parse(body),
        event_id=alertmanager_payload.event_id,
        apply=alertmanager_apply.apply,
    ),
    SourceKind.GRAFANA: Source(
        parse=lambda body, headers: grafana_payload.parse(body),
        event_id=grafana_payload.event_id,
        apply=grafana_apply.apply,
    ),
    SourceKind.RELEASE: Source(
        parse=lambda body, headers: release.parse(body),
        event_id=release.event_id,
        apply=deploys_apply.apply,
    ),
    SourceKind.GITHUB_DEPLOYMENTS: Source(
        parse=github.parse,
        event_id=github.event_id,
        apply=deploys_apply.apply,
        verify=github.verify,
        refusal=github.REFUSAL,
        keeps_secret=True,
    ),
    SourceKind.PAGERDUTY: Source(
        parse=pagerduty.parse,
        event_id=pagerduty.event_id,
        apply=pagerduty.apply,
        verify=pagerduty.verify,
        refusal=pagerduty.REFUSAL,
        keeps_secret=True,
        pasted_secret=True,
    ),
    SourceKind.OPSGENIE: Source(
        parse=opsgenie.parse,
        event_id=opsgenie.event_id,
        apply=opsgenie.apply,
        refusal=opsgenie.REFUSAL,
    ),
    SourceKind.GITHUB_ISSUES: Source(
        parse_for_endpoint=github_issues.read,
        event_id=github_issues.event_id,
        apply=github_issues.apply,
        verify=github.verify,
        refusal=github.REFUSAL,
        keeps_secret=True,
    ),
    SourceKind.JIRA: Source(
        parse_for_endpoint=jira_webhook.parse,
        event_id=jira_webhook.event_id,
        apply=jira_webhook.apply,
        verify=jira_webhook.verify,
        refusal=jira_webhook.REFUSAL,
        keeps_secret=True,
    ),
    SourceKind.LINEAR: Source(
        parse_for_endpoint=linear_webhook.parse_for_endpoint,
        event_id=linear_webhook.event_id,
        apply=linear_webhook.apply,
        verify=linear_webhook.verify,
        refusal=linear_webhook.REFUSAL,
        keeps_secret=True,
        pasted_secret=True,
    ),
    SourceKind.GENERIC_JSON: Source(
        parse_for_endpoint=generic_payload.read,
        event_id=generic_payload.event_id,
        apply=generic_payload.apply,
    ),
}
