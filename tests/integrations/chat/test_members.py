"""Who wrote a message: a member by email, username or full name, else the plain name."""

import pytest

from integrations.chat.messages import Author
from integrations.chat.selectors import Members
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


def test_authors_map_to_members_by_email_username_or_full_name(org, member_factory):
    alice = member_factory(username="asmith", email="alice@example.com", first_name="Alice")
    bob = member_factory(username="bob", first_name="Robert", last_name="Jones")
    member_factory(username="sam1", first_name="Sam", last_name="Lee")
    member_factory(username="sam2", first_name="Sam", last_name="Lee")
    outsider = member_factory(username="olga", organization=OrganizationFactory(slug="elsewhere"))
    members = Members(org)
    assert members.match(Author(name="alice", email="ALICE@example.com")) == alice
    assert members.match(Author(name="@bob")) == bob
    assert members.match(Author(name="x", usernames=("Robert Jones",))) == bob
    assert members.match(Author(name="Sam Lee")) is None  # two members share the name
    assert members.match(Author(name="olga")) is None  # not a member here
    assert members.match(Author(name="Mallory")) is None
    assert outsider.pk not in members.by_id
