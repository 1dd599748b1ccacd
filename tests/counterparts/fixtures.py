"""pytest fixtures for the SSO protocol counterparts (a plugin: tests/conftest.py names it in
``pytest_plugins``). Each counterpart starts once per session on loopback; the function-scoped
fixtures hand it to a test with its state reset, so tests run in any order.

- ``oidc_provider``: an :class:`~tests.counterparts.oidc_provider.OidcProvider` (npm
  oidc-provider under node), reset before the test.
- ``saml_idp``: a :class:`~tests.counterparts.saml_idp.SamlIdentityProvider` (pysaml2), reset
  before the test.
"""

import warnings
from collections.abc import Iterator

import pytest
from cryptography.utils import CryptographyDeprecationWarning

from tests.counterparts.oidc_provider import OidcProvider

with warnings.catch_warnings():
    # pysaml2 names a cipher mode cryptography has moved (at import; no use of ours).
    warnings.simplefilter("ignore", CryptographyDeprecationWarning)
    from tests.counterparts.saml_idp import SamlIdentityProvider


@pytest.fixture(scope="session")
def oidc_provider_server() -> Iterator[OidcProvider]:
    """The OpenID Connect provider of the whole session (fails, not skips, when its npm packages
    are missing: `make install` installs them)."""
    try:
        provider = OidcProvider().start()
    except RuntimeError as exc:  # no npm packages, or a provider that does not start
        pytest.fail(str(exc), pytrace=False)
    except OSError as exc:  # no node
        pytest.fail(f"cannot start the test OpenID Connect provider: {exc}", pytrace=False)
    yield provider
    provider.stop()


@pytest.fixture
def oidc_provider(oidc_provider_server: OidcProvider) -> OidcProvider:
    """The OpenID Connect provider with no clients, no accounts and no switches set."""
    oidc_provider_server.reset()
    return oidc_provider_server


@pytest.fixture(scope="session")
def saml_idp_server() -> Iterator[SamlIdentityProvider]:
    """The SAML identity provider of the whole session."""
    idp = SamlIdentityProvider().start()
    yield idp
    idp.stop()


@pytest.fixture
def saml_idp(saml_idp_server: SamlIdentityProvider) -> SamlIdentityProvider:
    """The SAML identity provider with no user chosen and no switches set."""
    saml_idp_server.reset()
    return saml_idp_server
