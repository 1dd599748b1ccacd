"""Fixtures of the Jira tests: a Jira Cloud site and a Jira Data Center site on loopback,
and the clients of their accounts."""

import pytest

from integrations.trackers.jira import CLOUD, DATACENTER, JiraTracker
from tests.integrations.trackers.jira.jira_server import Site, serve


def running(site: Site):
    server = serve(site)
    yield site
    server.shutdown()
    server.server_close()


@pytest.fixture
def cloud():
    yield from running(Site(deployment="cloud"))


@pytest.fixture
def datacenter():
    yield from running(Site(deployment="datacenter", token="NjQ3MzU2ODk0OTk4OpatTestToken"))


def tracker_of(site: Site, **options) -> JiraTracker:
    if site.deployment == "cloud":
        return JiraTracker(
            site.url, token=site.token, username=site.email, deployment=CLOUD, **options
        )
    return JiraTracker(site.url, token=site.token, deployment=DATACENTER, **options)


@pytest.fixture
def jira(cloud):
    """The Cloud site's client."""
    return tracker_of(cloud)


@pytest.fixture
def jira_dc(datacenter):
    return tracker_of(datacenter)
