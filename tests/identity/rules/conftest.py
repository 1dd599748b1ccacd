"""The rules tests that sign in for real use the OpenID Connect tests' provider fixtures."""

from tests.identity.oidc.conftest import idp, live_provider  # noqa: F401
