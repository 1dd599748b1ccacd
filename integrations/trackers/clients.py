"""The client of a connection's tracker, and how a person's reference to a ticket (its address
or key) is read for each kind."""

from collections.abc import Callable

from . import jira, jira_issues, linear
from .github import GitHubApp, GitHubTracker
from .github_issues import reference as github_reference
from .models import TrackerAuth, TrackerConnection, TrackerKind
from .oauth import fresh_token
from .remote import TrackerClient


def _github(connection: TrackerConnection) -> TrackerClient:
    """By the fine-grained token, or as the GitHub App's installation (the app's id in
    ``username``, its private key in ``token``)."""
    credential: str | GitHubApp = connection.token
    if connection.auth == TrackerAuth.GITHUB_APP:
        credential = GitHubApp(
            app_id=connection.username,
            private_key=connection.token,
            installation_id=connection.installation_id,
        )
    return GitHubTracker(connection.base_url, credential, status_map=connection.status_map)


def _linear(connection: TrackerConnection) -> TrackerClient:
    """By API key, or by an OAuth access token (renewed first when it is about to expire)."""
    token = fresh_token(connection)
    if connection.auth == TrackerAuth.OAUTH:
        token = f"Bearer {token}"
    return linear.LinearTracker(connection.base_url, token=token, status_map=connection.status_map)


CLIENTS: dict[str, Callable[[TrackerConnection], TrackerClient]] = {
    TrackerKind.GITHUB: _github,
    TrackerKind.JIRA_CLOUD: jira.tracker_for,
    TrackerKind.JIRA_DC: jira.tracker_for,
    TrackerKind.LINEAR: _linear,
}
REFERENCES: dict[str, Callable[[str], str | None]] = {
    TrackerKind.GITHUB: github_reference,
    TrackerKind.JIRA_CLOUD: jira_issues.reference,
    TrackerKind.JIRA_DC: jira_issues.reference,
    TrackerKind.LINEAR: linear.reference,
}
JIRA_HELP = "Enter the issue's key or address, e.g. OPS-12."
REFERENCE_HELP = {
    TrackerKind.GITHUB: "Enter the issue's address or owner/repo#number, e.g. acme/api#12.",
    TrackerKind.JIRA_CLOUD: JIRA_HELP,
    TrackerKind.JIRA_DC: JIRA_HELP,
    TrackerKind.LINEAR: "Enter the issue's identifier or address, e.g. ENG-12.",
}


def client_for(connection: TrackerConnection) -> TrackerClient:
    """Raises ``TrackerError`` when an OAuth token cannot be renewed."""
    return CLIENTS[connection.kind](connection)


def reference_key(kind: str, text: str) -> str | None:
    """The ticket's key in a reference a person typed, or None when it is not one."""
    return REFERENCES[kind](text)
