"""The published postmortem with sentinels that the sharing tests share."""

import pytest

from tests.postmortems.sharing.helpers import sentinel_postmortem


@pytest.fixture
def shared(org):
    return sentinel_postmortem(org)
