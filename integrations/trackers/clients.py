"""The client of a connection's tracker, and how a person's reference to a ticket (its address
or key) is read for each kind."""

from collections.abc import Callable

from .github import GitHubApp, GitHubTracker
from .github import reference as github_reference
from .models import TrackerAuth, TrackerConnection, TrackerKind
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


CLIENTS: dict[str, Callable[[TrackerConnection], TrackerClient]] = {
    TrackerKind.GITHUB: _github,
}
REFERENCES: dict[str, Callable[[str], str | None]] = {
    TrackerKind.GITHUB: github_reference,
}
REFERENCE_HELP = {
    TrackerKind.GITHUB: "Enter the issue's address or owner/repo#number, e.g. acme/api#12.",
}


def client_for(connection: TrackerConnection) -> TrackerClient:
    return CLIENTS[connection.kind](connection)


def reference_key(kind: str, text: str) -> str | None:
    """The ticket's key in a reference a person typed, or None when it is not one."""
    return REFERENCES[kind](text)
